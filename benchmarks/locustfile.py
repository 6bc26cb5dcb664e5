"""The deadline rush: delegates reading the draft and compilation, submitting and revising.

Run by ``benchmarks/loadtest.py`` (which prepares sessions and checks the result); each
virtual delegate is a real delegate of its own delegation, signed in by a session cookie.
About 10% of submissions are sent twice with the same idempotency key, as an impatient user
double-clicking or retrying would.
"""

import json
import os
import random
import uuid
from pathlib import Path

from locust import FastHttpUser, between, events, task

SESSIONS = json.loads(Path(os.environ["LOAD_SESSIONS"]).read_text(encoding="utf-8"))
ACKNOWLEDGED: list[dict] = []
_next = iter(range(10**9))


class _SignedIn(FastHttpUser):
    """A signed-in delegate of their own delegation. FastHttpUser (geventhttpclient) rather
    than HttpUser (requests): the load generator shares the server's two cores, and costs
    several times less CPU per request this way."""

    abstract = True
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        me = SESSIONS["delegates"][next(_next) % len(SESSIONS["delegates"])]
        self.slug = SESSIONS["slug"]
        self.csrf = SESSIONS["csrf"]
        self.headers = {"Cookie": f"sessionid={me['session']}; csrftoken={self.csrf}"}
        self.elements = SESSIONS["elements"]
        self.item = SESSIONS["item"]
        self.mine: list[str] = []


class Delegate(_SignedIn):
    """A delegate at the deadline: reads the draft and a compilation, submits, revisits."""

    @task(3)
    def read_draft(self) -> None:
        self.client.get(f"/m/{self.slug}/draft/", name="working draft", headers=self.headers)

    @task(2)
    def read_item_compilation(self) -> None:
        self.client.get(
            f"/m/{self.slug}/compilation/?item={self.item}",
            name="item compilation",
            headers=self.headers,
        )

    @task(4)
    def submit(self) -> None:
        element = random.choice(self.elements)
        key = str(uuid.uuid4())
        data = {
            "csrfmiddlewaretoken": self.csrf,
            "kind": "amend",
            "action": "submit",
            "proposed_text": element["text"] + f" [as appropriate {key[:8]}]",
            "base_text_seen": element["text"],
            "idempotency_key": key,
        }
        url = f"/m/{self.slug}/elements/{element['id']}/propose/"
        tries = 2 if random.random() < 0.1 else 1
        for _ in range(tries):
            with self.client.post(
                url,
                data=data,
                name="submit",
                allow_redirects=False,
                catch_response=True,
                headers=self.headers,
            ) as response:
                if response.status_code == 302 and "/proposals/" in response.headers.get(
                    "Location", ""
                ):
                    response.success()
                    ACKNOWLEDGED.append({"key": key, "location": response.headers["Location"]})
                    self.mine.append(response.headers["Location"])
                else:
                    response.failure(f"status {response.status_code}")

    @task(1)
    def revise(self) -> None:
        if not self.mine:
            return
        location = random.choice(self.mine)
        self.client.get(location, name="own proposal", headers=self.headers)


class FloorDelegate(_SignedIn):
    """The same mix at the same pace against bare views (``benchmarks/floor_wsgi.py``): a
    400-row page for the draft, 1,000 rows for the compilation, a one-row insert for a
    submission, 10 rows for a proposal. Chosen by ``loadtest.py --floor``."""

    @task(3)
    def read_draft(self) -> None:
        self.client.get("/__floor__/page/?rows=400", name="floor: 400 rows", headers=self.headers)

    @task(2)
    def read_item_compilation(self) -> None:
        self.client.get(
            "/__floor__/page/?rows=1000", name="floor: 1,000 rows", headers=self.headers
        )

    @task(4)
    def submit(self) -> None:
        self.client.post(
            "/__floor__/submit/",
            data={"csrfmiddlewaretoken": self.csrf},
            name="floor: insert",
            allow_redirects=False,
            headers=self.headers,
        )

    @task(1)
    def revise(self) -> None:
        self.client.get("/__floor__/page/?rows=10", name="floor: 10 rows", headers=self.headers)


@events.quitting.add_listener
def _save(environment, **kwargs) -> None:
    with open(os.environ["LOAD_ACKNOWLEDGED"], "w", encoding="utf-8") as out:
        json.dump(ACKNOWLEDGED, out)
