import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from drafting.exports import revision_as_json
from drafting.models import Meeting, Revision


class Command(BaseCommand):
    help = "Export an issued revision: python manage.py export_revision bms7 0 --format json"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("meeting", help="The meeting's slug, e.g. bms7")
        parser.add_argument("number", type=int, help="The revision number (0 = zero draft)")
        parser.add_argument("--format", choices=["json"], default="json")
        parser.add_argument("-o", "--output", help="Write to this file instead of stdout")

    def handle(self, *args, meeting: str, number: int, output: str | None, **options):  # type: ignore[no-untyped-def]
        try:
            found = Meeting.objects.select_related("document").get(slug=meeting)
        except Meeting.DoesNotExist:
            raise CommandError(f"No meeting with slug {meeting!r}.") from None
        try:
            revision = Revision.objects.select_related("issued_by").get(
                document=found.document, number=number
            )
        except Revision.DoesNotExist:
            raise CommandError(f"{found.short_title} has no revision {number}.") from None
        text = json.dumps(revision_as_json(found, revision), ensure_ascii=False, indent=2) + "\n"
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"wrote {output}")
        else:
            sys.stdout.write(text)
