import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from drafting.models import Delegation, Meeting
from drafting.seeding.synthetic import generate


class Command(BaseCommand):
    help = "Generate a large synthetic negotiation (scale 1: 400 elements, 5,000 proposals)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--slug", help="Meeting slug (default synth-<scale>)")

    def handle(self, *args, scale: float, seed: int, slug: str | None, **options):
        if scale <= 0 or scale > 20:
            raise CommandError("--scale must be above 0 and at most 20.")
        target = slug or f"synth-{scale:g}".replace(".", "_")
        if Meeting.objects.filter(slug=target).exists():
            raise CommandError(f"A meeting {target!r} exists already; use another --slug.")
        started = time.perf_counter()
        with transaction.atomic():  # all of it or nothing: a failed run leaves no half meeting
            if not Delegation.objects.exists():
                # The delegates are those of the BMS7 fixture (193 States, groups, observers).
                call_command("loaddata", "bms7", verbosity=0)
            result = generate(scale=scale, seed=seed, slug=target)
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # After a bulk load, as PostgreSQL advises: fresh planner statistics and a
            # visibility map, so that plans (and index-only scans) are those of a database
            # that has been running, not of one autovacuum has yet to reach.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        self.stdout.write(
            f"{result.meeting.slug}: {result.elements} elements, {result.proposals} proposals, "
            f"{result.marks} marks, {result.revisions} revisions "
            f"in {time.perf_counter() - started:.1f} s"
        )
