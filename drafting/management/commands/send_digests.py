"""E-mail each delegate the day's notices they chose to receive as a digest.

Run once a day, e.g. from cron (as the user the site runs as, with its environment):

    0 7 * * *  cd /srv/drafting && .ci/uv run manage.py send_digests

Each digest starts where the person's previous one ended (a first one looks back one day),
so running it twice sends nothing twice, and a missed day is caught up (up to two days).
"""

from typing import Any

from django.core.management.base import BaseCommand

from drafting.services.notifications import send_digests


class Command(BaseCommand):
    help = "E-mail the daily digest of notices to the delegates who chose it."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_digests()
        if options["verbosity"]:
            self.stdout.write(f"{sent} digest(s) sent.")
