"""Load test of the deadline rush against the production server, then a check for loss.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bms7_bench \
        python3 -m uv run python benchmarks/loadtest.py [--users 200 --seconds 60 --workers 4]
        ... --floor   # the same mix against bare views: the framework's floor

Starts gunicorn (DEBUG off) on 127.0.0.1 only, signs in one delegate per delegation of the
synthetic scale-1 meeting (sessions made directly, no password hashing), runs locust
headless for the given time, stops everything, and checks that every submission the server
acknowledged is in the database exactly once. Bounded in users and time; loopback only.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ENV = {
    "DJANGO_SETTINGS_MODULE": "bms7.settings",
    "SECRET_KEY": "load-test-only-secret-key-load-test-only-secret",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "STATIC_MANIFEST": "0",
    "CONN_MAX_AGE": "60",
}
os.environ.update({k: v for k, v in ENV.items() if k not in os.environ})

import django

django.setup()

from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.utils.crypto import get_random_string

from drafting.models import DelegateProfile, Element, Meeting, Proposal

SLUG = "synth-1"
PORT = int(os.environ.get("LOADTEST_PORT", "8765"))


def sessions() -> dict:
    call_command("migrate", verbosity=0)  # an empty database has no tables yet
    if not Meeting.objects.filter(slug=SLUG).exists():
        call_command("generate_negotiation", "--scale", "1")
    meeting = Meeting.objects.select_related("document").get(slug=SLUG)
    delegates = []
    for profile in DelegateProfile.objects.filter(
        user__username__startswith=f"{SLUG}-"
    ).select_related("user"):
        store = SessionStore()
        store["_auth_user_id"] = str(profile.user.pk)
        store["_auth_user_backend"] = "drafting.access.backends.DelegationModelBackend"
        store["_auth_user_hash"] = profile.user.get_session_auth_hash()
        store.create()
        delegates.append({"session": store.session_key})
    elements = list(
        Element.objects.filter(document=meeting.document, kind="theme", status="pending")
        .order_by("pk")
        .values("id", "text")[:60]
    )
    item = (
        Element.objects.filter(document=meeting.document, kind="agenda_item")
        .order_by("position")
        .last()
    )
    return {
        "slug": SLUG,
        "csrf": get_random_string(32),
        "delegates": delegates,
        "elements": elements,
        "item": item.pk,
        "document": meeting.document.pk,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--floor",
        action="store_true",
        help="the same mix against bare views (benchmarks/floor_wsgi.py): the framework's floor",
    )
    args = parser.parse_args()
    prepared = sessions()
    before = Proposal.objects.filter(document_id=prepared["document"]).count()
    workdir = Path(tempfile.mkdtemp(prefix="bms7-load-"))
    (workdir / "sessions.json").write_text(json.dumps(prepared))
    env = {
        **os.environ,
        "LOAD_SESSIONS": str(workdir / "sessions.json"),
        "LOAD_ACKNOWLEDGED": str(workdir / "acknowledged.json"),
    }
    server = subprocess.Popen(  # noqa: S603 - fixed command line
        [
            sys.executable,
            "-m",
            "gunicorn",
            "benchmarks.floor_wsgi" if args.floor else "bms7.wsgi",
            "--preload",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        subprocess.run(  # noqa: S603 - fixed command line
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "benchmarks" / "locustfile.py"),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                "50",
                "--run-time",
                f"{args.seconds}s",
                "--host",
                f"http://127.0.0.1:{PORT}",
                "--only-summary",
                "--stop-timeout",
                "10",
                "FloorDelegate" if args.floor else "Delegate",
            ],
            cwd=ROOT,
            env=env,
            check=False,
            timeout=args.seconds + 120,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    if args.floor:
        return  # bare views: nothing of the negotiation was written
    acknowledged = json.loads((workdir / "acknowledged.json").read_text())
    keys = {entry["key"] for entry in acknowledged}
    stored = list(
        Proposal.objects.filter(
            document_id=prepared["document"], idempotency_key__in=keys
        ).values_list("idempotency_key", flat=True)
    )
    duplicates = len(stored) - len(set(stored))
    missing = len(keys) - len(set(stored))
    after = Proposal.objects.filter(document_id=prepared["document"]).count()
    print(
        f"\nacknowledged submissions: {len(acknowledged)} responses for {len(keys)} distinct "
        f"submissions; stored: {len(set(stored))}; missing: {missing}; duplicated: {duplicates}; "
        f"new proposals in the database: {after - before}"
    )


if __name__ == "__main__":
    main()
