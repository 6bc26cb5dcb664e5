"""The demo command: it reuses its data, and however it ends it leaves no process behind."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from drafting.management.commands.demo import Command as DemoCommand

ROOT = Path(__file__).resolve().parents[1]
SERVE = (
    "import sys, django; django.setup();"
    "from django.core.management.base import OutputWrapper;"
    "from drafting.management.commands.demo import demo_serve;"
    "sys.exit(demo_serve(sys.argv[1], stdout=OutputWrapper(sys.stdout),"
    " stderr=OutputWrapper(sys.stderr)))"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _marked(mark: str) -> dict[int, str]:
    """Every live process whose environment carries ``mark``, with its command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if mark.encode() not in (entry / "environ").read_bytes():
                continue
            status = (entry / "status").read_text()
            if "\nState:\tZ" in status:
                continue  # a zombie has ended; only its exit status is left to collect
            found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return found


def _gone(mark: str, seconds: float = 12) -> dict[int, str]:
    deadline = time.monotonic() + seconds
    while (left := _marked(mark)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@pytest.fixture
def demo_env():
    """The environment of a demo child: DEBUG, the test database, the database task backend."""
    mark = f"demo-test-{uuid.uuid4()}"
    settings_dict = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k not in {"TASKS_BACKEND"}}
    env.update(
        DEBUG="1",
        DEMO_TEST_MARK=mark,
        DATABASE_URL=(
            f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:"
            f"{settings_dict['PORT']}/{settings_dict['NAME']}"
        ),
        PYTHONUNBUFFERED="1",
    )
    yield env
    for pid in _marked(mark):  # never leave one behind, even when the test fails
        os.kill(pid, signal.SIGKILL)


def _serve(env: dict[str, str]) -> subprocess.Popen:
    """Start the demo's server and worker; return once both processes run."""
    port = _free_port()
    demo = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", SERVE, f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        commands = " ".join(_marked(env["DEMO_TEST_MARK"]).values())
        if "db_worker" in commands and "runserver" in commands:
            return demo
        assert demo.poll() is None, "the demo stopped on its own"
        time.sleep(0.2)
    raise AssertionError("the demo did not start its server and worker")


@pytest.mark.django_db
def test_sigterm_stops_the_server_and_the_worker(demo_env):
    """SIGTERM to the demo ends it, its server and its PDF worker: no orphan is left."""
    demo = _serve(demo_env)
    demo.send_signal(signal.SIGTERM)
    assert demo.wait(timeout=15) == 0
    assert _gone(demo_env["DEMO_TEST_MARK"]) == {}


@pytest.mark.django_db
def test_a_server_that_exits_takes_the_worker_with_it(demo_env):
    """runserver leaving at once (os._exit on a busy port) stops the worker and the demo."""
    demo = _serve(demo_env)
    mark = demo_env["DEMO_TEST_MARK"]
    (server,) = [pid for pid, command in _marked(mark).items() if "runserver" in command]
    os.kill(server, signal.SIGKILL)
    assert demo.wait(timeout=15) != 0
    assert _gone(mark) == {}


@pytest.mark.django_db
def test_a_killed_demo_takes_its_children_with_it(demo_env):
    """Even SIGKILL on the demo (no handler runs) ends the server and the worker (Linux)."""
    demo = _serve(demo_env)
    demo.kill()
    demo.wait(timeout=15)
    assert _gone(demo_env["DEMO_TEST_MARK"]) == {}


def test_a_busy_port_is_refused_before_anything_starts(settings, monkeypatch):
    """Another program on the port: the demo says so, names another port, starts nothing."""
    settings.DEBUG = True

    def no_child(*args, **kwargs):
        raise AssertionError("the demo started a process")

    monkeypatch.setattr(subprocess, "Popen", no_child)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(
            CommandError,
            match=rf"127\.0\.0\.1:{port} is in use.*--addrport 127\.0\.0\.1:{port + 1}",
        ):
            call_command("demo", addrport=f"127.0.0.1:{port}")


def test_help_describes_addrport():
    """`demo --help` says what --addrport takes."""
    help_text = DemoCommand().create_parser("manage.py", "demo").format_help()
    assert "--addrport HOST:PORT" in help_text
    assert "Where to serve the demo" in help_text


@pytest.mark.django_db
def test_a_second_run_says_it_reuses_the_data(bms7, settings, capsys):
    """The demo keeps what is there and says so, rather than loading the zero draft again."""
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", no_serve=True)
    call_command("demo", no_serve=True)
    out = capsys.readouterr().out
    assert "Reusing the BMS7 demo data in" in out
    assert "Kept the existing consultation round and proposals." in out
    assert "Loaded the BMS7 zero draft" not in out


def _manage(env: dict[str, str], *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    """``manage.py *args`` in a process of its own with ``env``; it must succeed."""
    done = subprocess.run(  # noqa: S603 - this test's own manage.py commands, no input
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


# Run by `manage.py shell` on the demo's database: the submitted proposals, then each page
# whose state is read in one raw statement on PostgreSQL (an ORM fallback on SQLite), kept
# whole, as a delegate sees it twice (the second view is the cached page).
_PAGES_ON_SQLITE = """
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from drafting.models import Meeting, Proposal
print("submitted", Proposal.objects.filter(submitted_at__isnull=False).count())
slug = Meeting.objects.get().slug
client = Client(raise_request_exception=True, HTTP_HOST="127.0.0.1")
client.force_login(get_user_model().objects.get(username="kenya"))
names = ("delegation_page", "desk", "compilation", "compare")
urls = [reverse(name, args=[slug]) for name in names]
urls.append(reverse("revision_detail", args=[slug, 0]))
print("statuses", sorted({client.get(url).status_code for url in urls for _ in range(2)}))
"""


def test_the_demo_is_made_on_sqlite_as_the_readme_runs_it(tmp_path):
    """The README's first command runs on SQLite, which the rest of the suite never touches:
    its round and proposals are made there through the same services (a raw statement that
    only PostgreSQL understood once broke it), and the pages kept whole are served there."""
    env = {k: v for k, v in os.environ.items() if k not in {"TASKS_BACKEND", "REDIS_URL"}}
    env.update(DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    made = _manage(env, "demo", "--no-serve", timeout=300)
    assert "Loaded the BMS7 zero draft" in made.stdout
    shown = _manage(env, "shell", "-c", _PAGES_ON_SQLITE).stdout
    assert int(shown.split("submitted")[-1].split()[0]) > 0
    assert "statuses [200]" in shown
