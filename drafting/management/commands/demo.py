import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from drafting.demo import DEMO_PASSWORD, demo_accounts_create, demo_round_and_proposals
from drafting.models import Meeting


class Command(BaseCommand):
    help = (
        "Set up the BMS7 demo on the configured database (migrate, load the zero draft, create "
        "demo accounts), print the logins and serve the app. DEBUG only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="Set up, print, and stop.")

    def handle(self, *args, addrport: str, no_serve: bool, **options):
        if not settings.DEBUG:
            raise CommandError("The demo creates well-known passwords: run it with DEBUG=1 only.")
        call_command("migrate", verbosity=0)
        if not Meeting.objects.filter(slug="bms7").exists():
            call_command("loaddata", "bms7", verbosity=0)
            self.stdout.write("Loaded the BMS7 zero draft.")
        accounts = demo_accounts_create()
        if demo_round_and_proposals():
            self.stdout.write("Opened a consultation round with a few sample proposals.")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"BMS7 demo at http://{addrport}/"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for account, delegation in accounts:
            role = account.role + (f" · {delegation}" if delegation else "")
            self.stdout.write(f"  {account.username:<12} {role}")
        self.stdout.write("")
        if not no_serve:
            # The background worker makes the PDFs; it stops with the server.
            worker = subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--no-reload"],
                cwd=settings.BASE_DIR,
            )
            self.stdout.write(f"Background worker for PDF exports started (pid {worker.pid}).")
            try:
                call_command("runserver", addrport, use_reloader=False)
            finally:
                worker.terminate()
                worker.wait(timeout=10)
