"""Two gunicorn servers sharing the database and the cache (Redis) serve one site: a write
through one shows on the next page of the other.

Each server is one process with its own memory, as two machines behind a load balancer
would be. A process keeps nothing of a page but under the versions it reads from the database
on each view (the delegation page, kept whole in each process too): a delegation reads its
own proposal at once on the other server, and so do the chair's decisions.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client

from drafting.models import CacheNamespace, Element, Proposal, ProposalStatus
from tests.factories import chairs_office, delegate_of

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
THEME = "Cooperation between exporting and importing states"
AMENDED = "Enhanced cooperation between exporting and importing states"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """One person's cookies (the session, the CSRF token), sent to either server."""

    def __init__(self, user) -> None:
        client = Client()
        client.force_login(user)  # a session row in the database both servers read
        name = settings.SESSION_COOKIE_NAME
        self.cookies = {name: client.cookies[name].value}
        self.opener = urllib.request.build_opener(_NoRedirect())

    def _request(self, url: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body)  # noqa: S310 - our own server
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            response = self.opener.open(request, timeout=20)
        except urllib.error.HTTPError as answered:  # redirects and refusals
            response = answered
        with response:
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, response.read().decode()

    def get(self, url: str) -> str:
        status, text = self._request(url)
        assert status == 200, (url, status)
        return text

    def post(self, url: str, form_url: str, data: dict) -> int:
        """Post ``data`` with the CSRF token of the form at ``form_url``."""
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.get(form_url))
        assert token, f"no form at {form_url}"
        status, _text = self._request(url, {"csrfmiddlewaretoken": token.group(1), **data})
        return status


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def two_servers():
    """Two gunicorn servers (one worker each, DEBUG off) on the test database and the
    tests' Redis prefix; yields their base addresses."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
    }
    ports = [_free_port(), _free_port()]
    servers = [
        subprocess.Popen(  # noqa: S603 - fixed command line
            [
                sys.executable,
                "-m",
                "gunicorn",
                "bms7.wsgi",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 60  # a loaded 2-core host takes its time
        for server, url in zip(servers, urls, strict=True):
            while True:
                assert server.poll() is None, "a server stopped on its own"
                try:
                    urllib.request.urlopen(f"{url}/accounts/login/", timeout=2).close()  # noqa: S310
                    break
                except OSError:
                    assert time.monotonic() < deadline, "a server did not start"
                    time.sleep(0.2)
        yield urls
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def test_a_write_through_one_server_shows_on_the_next_page_of_the_other(two_servers, open_round):
    one, other = two_servers
    theme = Element.objects.get(text=THEME)
    japan = Browser(delegate_of("jpn"))
    chair = Browser(chairs_office())
    draft, compilation = "/m/bms7/draft/", "/m/bms7/compilation/"
    mine = "/m/bms7/delegation/"

    # Both servers have made and cached their pages before the writes.
    for url in (one, other):
        assert "1 proposal" not in japan.get(url + draft)
        japan.get(url + compilation)
        japan.get(url + mine)  # the round's notice, new, then read
        assert AMENDED not in japan.get(url + mine)
    # They share one cache: the page made is in Redis, under the database's namespace.
    document = open_round.document
    document.refresh_from_db()
    namespace = CacheNamespace.objects.get().token
    assert (
        cache.get(
            f"{namespace}:draft-page:{document.pk}:{document.version}:bms7:1:0:"
            f"{settings.LANGUAGE_CODE}"
        )
        is not None
    )

    # Japan submits through one server and reads its proposal on the other at once.
    status = japan.post(
        f"{one}/m/bms7/elements/{theme.pk}/propose/",
        f"{one}/m/bms7/elements/{theme.pk}/propose/",
        {
            "kind": "amend",
            "proposed_text": AMENDED,
            "base_text_seen": THEME,
            "idempotency_key": str(uuid.uuid4()),
            "action": "submit",
        },
    )
    assert status == 302
    proposal = Proposal.objects.get(element=theme)
    assert "1 proposal" in japan.get(other + draft)
    assert str(proposal.public_id) in japan.get(other + compilation)
    assert AMENDED in japan.get(other + mine)

    # The chair accepts it on the other server; Japan reads the new text on the first.
    status = chair.post(
        f"{other}/m/bms7/decisions/",
        f"{other}{compilation}",
        {"proposal": proposal.public_id, "version": proposal.version, "action": "accept"},
    )
    assert status == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    page = japan.get(one + draft)
    assert AMENDED in page and "1 proposal" not in page
    assert "status-accepted" in japan.get(one + compilation)
    assert "status-accepted" in japan.get(one + mine)
