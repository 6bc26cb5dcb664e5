import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from drafting.models import Meeting
from drafting.seeding.demo import DEMO_PASSWORD, demo_accounts_create, demo_round_and_proposals


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the child gets SIGTERM when the demo process ends, even by SIGKILL."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _split_addrport(addrport: str) -> tuple[str, int]:
    host, _, port = addrport.rpartition(":")
    if not port.isdigit():
        raise CommandError(f"--addrport {addrport!r}: give it as HOST:PORT, e.g. 127.0.0.1:8001.")
    return (host or "127.0.0.1").strip("[]"), int(port)


def _port_is_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def demo_serve(addrport: str, *, stdout, stderr) -> int:
    """Run the server and the PDF worker as children, and stop both when either ends.

    runserver leaves through ``os._exit`` when its port is taken, which skips every
    ``finally``; run in this process it would orphan the worker. Here this process only
    waits: whichever way the demo ends (the server stops, Ctrl-C, SIGTERM, SIGHUP), both
    children are terminated; on Linux they also get SIGTERM if this process is killed.
    """
    preexec = _die_with_parent if sys.platform == "linux" else None
    manage = [sys.executable, "manage.py"]
    children = []

    def stop(signum, frame):
        raise KeyboardInterrupt

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
    try:
        worker = subprocess.Popen(  # noqa: S603 - fixed arguments
            [*manage, "db_worker", "--queue-name", "*", "--no-reload"],
            cwd=settings.BASE_DIR,
            preexec_fn=preexec,
        )
        children.append(worker)
        stdout.write(f"Background worker for PDF exports started (pid {worker.pid}).")
        server = subprocess.Popen(  # noqa: S603 - fixed arguments
            [*manage, "runserver", addrport, "--noreload"],
            cwd=settings.BASE_DIR,
            preexec_fn=preexec,
        )
        children.append(server)
        while server.poll() is None and worker.poll() is None:
            time.sleep(0.2)
        if worker.returncode is not None:
            stderr.write(f"The PDF worker stopped (exit {worker.returncode}).")
        return server.returncode or worker.returncode or 0
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


class Command(BaseCommand):
    help = (
        "Set up the BMS7 demo on the configured database (migrate, load the zero draft, create "
        "demo accounts, open a round with sample proposals; kept when it is already there), "
        "print the logins, and serve the app with a background worker for the PDFs. Ctrl-C, "
        "SIGTERM or a server that cannot start stops both. DEBUG only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--addrport",
            default="127.0.0.1:8000",
            metavar="HOST:PORT",
            help="Where to serve the demo (default 127.0.0.1:8000); another port if it is busy.",
        )
        parser.add_argument("--no-serve", action="store_true", help="Set up, print, and stop.")

    def handle(self, *args, addrport: str, no_serve: bool, **options):
        if not settings.DEBUG:
            raise CommandError("The demo creates well-known passwords: run it with DEBUG=1 only.")
        host, port = _split_addrport(addrport)
        if not no_serve and not _port_is_free(host, port):
            raise CommandError(
                f"{host}:{port} is in use (another demo?). Stop it, or choose another port: "
                f"--addrport {host}:{port + 1}"
            )
        call_command("migrate", verbosity=0)
        database = settings.DATABASES["default"]["NAME"]
        if Meeting.objects.filter(slug="bms7").exists():
            self.stdout.write(
                f"Reusing the BMS7 demo data in {database} (delete it to start afresh)."
            )
        else:
            call_command("loaddata", "bms7", verbosity=0)
            self.stdout.write(f"Loaded the BMS7 zero draft into {database}.")
        accounts = demo_accounts_create()
        if demo_round_and_proposals():
            self.stdout.write("Opened a consultation round with a few sample proposals.")
        else:
            self.stdout.write("Kept the existing consultation round and proposals.")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"BMS7 demo at http://{addrport}/"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for account, delegation in accounts:
            role = account.role + (f" · {delegation}" if delegation else "")
            self.stdout.write(f"  {account.username:<12} {role}")
        self.stdout.write("")
        if not no_serve and (code := demo_serve(addrport, stdout=self.stdout, stderr=self.stderr)):
            sys.exit(code)
