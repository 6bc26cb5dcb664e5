from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from drafting.seeding.fixture_builder import build_fixture, render_fixture


class Command(BaseCommand):
    help = (
        "Rebuild fixtures/bms7.json from fixtures/source/ (the seed's annex, letter, delegations)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail if the fixture is stale.")

    def handle(self, *args, check: bool, **options):
        fixtures = Path(settings.BASE_DIR) / "fixtures"
        rendered = render_fixture(build_fixture(fixtures / "source"))
        target = fixtures / "bms7.json"
        if check:
            if not target.exists() or target.read_text(encoding="utf-8") != rendered:
                raise SystemExit("fixtures/bms7.json is stale: run manage.py build_bms7_fixture")
            self.stdout.write("fixtures/bms7.json is up to date")
            return
        target.write_text(rendered, encoding="utf-8")
        self.stdout.write(f"wrote {target} ({len(rendered):,} bytes)")
