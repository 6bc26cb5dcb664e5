"""What the fault drills share: a production-like gunicorn, signed-in delegates, submissions.

The server runs as in benchmarks/loadtest.py: DEBUG off, a SECRET_KEY, ALLOWED_HOSTS, no TLS
redirect (plain HTTP on the loopback only), persistent connections with health checks.
Delegates are signed in by sessions made directly in the database (no password hashing).
Every loop is bounded in count and time; every address is 127.0.0.1.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "bms7.settings",
    "SECRET_KEY": "drill-only-secret-key-drill-only-secret-key-drill",
    "ALLOWED_HOSTS": "127.0.0.1",
    "DEBUG": "0",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "SECURE_HSTS_SECONDS": "0",
    "STATIC_MANIFEST": "0",
    "CONN_MAX_AGE": "60",
    "TASKS_BACKEND": "immediate",
}
SLUG = "bms7"
CSRF = "drillcsrfdrillcsrfdrillcsrfdrill"  # 32 characters: a valid unmasked CSRF secret


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    for name, value in SERVER_ENV.items():
        os.environ.setdefault(name, value)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


@dataclass
class Prepared:
    sessions: list[str]
    elements: list[dict]
    document_id: int


def prepare(delegates: int = 8) -> Prepared:
    """Migrate, load the BMS7 zero draft, open a round, sign in one delegate per delegation."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from drafting.access import roles
    from drafting.models import ConsultationRound, DelegateProfile, Delegation, Element, Meeting

    call_command("migrate", verbosity=0)
    if not Meeting.objects.filter(slug=SLUG).exists():
        call_command("loaddata", "bms7", verbosity=0)
    meeting = Meeting.objects.select_related("document").get(slug=SLUG)
    users = get_user_model().objects
    secretary, _ = users.get_or_create(username="drill-secretariat")
    secretary.groups.add(Group.objects.get(name=roles.SECRETARIAT))
    now = timezone.now()
    if not ConsultationRound.objects.filter(
        document=meeting.document, opens_at__lte=now, deadline__gt=now
    ).exists():
        ConsultationRound.objects.create(
            document=meeting.document,
            name=f"Drill round {now:%Y-%m-%d %H:%M:%S}",
            opens_at=now - timedelta(minutes=5),
            deadline=now + timedelta(days=1),
            created_by=secretary,
        )
    sessions = []
    delegate_group = Group.objects.get(name=roles.DELEGATES)
    for delegation in Delegation.objects.filter(kind="member_state").order_by("code")[:delegates]:
        user, _ = users.get_or_create(username=f"drill-{delegation.code}")
        user.groups.add(delegate_group)
        DelegateProfile.objects.get_or_create(user=user, defaults={"delegation": delegation})
        store = SessionStore()
        store["_auth_user_id"] = str(user.pk)
        store["_auth_user_backend"] = "drafting.access.backends.DelegationModelBackend"
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    elements = list(
        Element.objects.filter(document=meeting.document, kind="theme", status="pending")
        .order_by("pk")
        .values("id", "text")[:20]
    )
    return Prepared(sessions=sessions, elements=elements, document_id=meeting.document.pk)


def start_server(port: int, database_url: str, workers: int = 2) -> subprocess.Popen:
    env = {**os.environ, **SERVER_ENV, "DATABASE_URL": database_url}
    server = subprocess.Popen(  # noqa: S603 - fixed command line
        [
            sys.executable,
            "-m",
            "gunicorn",
            "bms7.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/static/css/drafting.css", timeout=2)
            if len(worker_pids(server.pid)) == workers:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise RuntimeError("gunicorn did not start")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def worker_pids(master: int) -> set[int]:
    """The master's child processes (gunicorn's workers), from /proc."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 4 is the parent pid; the command name (field 2) may contain spaces.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == master:
            pids.add(int(entry.name))
    return pids


def wait_for_workers(master: int, count: int, without: set[int], seconds: float = 30) -> set[int]:
    """Wait until the master runs ``count`` workers, none of them in ``without``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = worker_pids(master)
        if len(pids) == count and not pids & without:
            return pids
        time.sleep(0.1)
    raise RuntimeError(f"the master did not bring back {count} workers")


def client(port: int, session_key: str) -> requests.Session:
    http = requests.Session()
    if session_key:
        http.cookies.set("sessionid", session_key, domain="127.0.0.1")
    http.cookies.set("csrftoken", CSRF, domain="127.0.0.1")
    http.base = f"http://127.0.0.1:{port}"
    return http


@dataclass
class Submission:
    element: dict
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    outcomes: list[str] = field(default_factory=list)

    @property
    def data(self) -> dict:
        return {
            "csrfmiddlewaretoken": CSRF,
            "kind": "amend",
            "action": "submit",
            "proposed_text": self.element["text"] + f" [drill {self.key[:8]}]",
            "base_text_seen": self.element["text"],
            "idempotency_key": self.key,
        }

    @property
    def stored(self) -> bool:
        return bool(self.outcomes) and self.outcomes[-1] == "stored"


def submit(http: requests.Session, submission: Submission, timeout: float = 40) -> str:
    """Send the submission once; record and return what the client saw.

    "stored" (302 to the proposal), "503 page" (the friendly page), "connection error" (the
    worker died or the server was away), or "HTTP <status>" for anything else.
    """
    url = f"{http.base}/m/{SLUG}/elements/{submission.element['id']}/propose/"
    try:
        response = http.post(url, data=submission.data, allow_redirects=False, timeout=timeout)
    except requests.RequestException as error:
        outcome = "connection error"
        submission.outcomes.append(outcome)
        submission.last_error = type(error).__name__
        return outcome
    if response.status_code == 302 and "/proposals/" in response.headers.get("Location", ""):
        outcome = "stored"
    elif response.status_code == 503 and "Traceback" not in response.text:
        outcome = "503 page"
    else:
        outcome = f"HTTP {response.status_code}"
    submission.outcomes.append(outcome)
    return outcome


def submit_until_stored(
    http: requests.Session, submission: Submission, tries: int = 8, pause: float = 0.5
) -> bool:
    """What a delegate does: send again (same key) until the server says it is stored."""
    for _ in range(tries):
        if submit(http, submission) == "stored":
            return True
        time.sleep(pause)
    return False


def stored_counts(document_id: int, keys: list[str]) -> dict[str, tuple[int, list[str]]]:
    """For each key: how many proposals carry it, and their statuses."""
    from drafting.models import Proposal

    found: dict[str, tuple[int, list[str]]] = {key: (0, []) for key in keys}
    for key, status in Proposal.objects.filter(
        document_id=document_id, idempotency_key__in=keys
    ).values_list("idempotency_key", "status"):
        count, statuses = found[str(key)]
        found[str(key)] = (count + 1, [*statuses, status])
    return found
