import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from drafting.models import Meeting, Revision
from drafting.pdfs import file_name
from drafting.services.exports import revision_as_json, revision_file_get_or_create


class Command(BaseCommand):
    help = "Export an issued revision: python manage.py export_revision bms7 0 --format json"

    def add_arguments(self, parser):
        parser.add_argument("meeting", help="The meeting's slug, e.g. bms7")
        parser.add_argument("number", type=int, help="The revision number (0 = zero draft)")
        parser.add_argument("--format", choices=["json", "pdf"], default="json")
        parser.add_argument("-o", "--output", help="Write to this file instead of stdout")
        kinds = parser.add_mutually_exclusive_group()
        kinds.add_argument(
            "--redline", action="store_true", help="PDF: the redline against the previous revision"
        )
        kinds.add_argument(
            "--compilation",
            action="store_true",
            help="PDF: the compilation of proposals made against it",
        )

    def handle(self, *args, meeting: str, number: int, output: str | None, format: str, **options):
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
        if format == "pdf":
            kind = (
                "redline"
                if options["redline"]
                else "compilation"
                if options["compilation"]
                else "revision"
            )
            stored = revision_file_get_or_create(meeting=found, revision=revision, kind=kind)
            target = output or file_name(revision, kind)
            Path(target).write_bytes(bytes(stored.content))
            pages = ngettext("%(count)d page", "%(count)d pages", stored.pages) % {
                "count": stored.pages
            }
            self.stderr.write(f"wrote {target} ({pages}, sha256 {stored.sha256})")
            return
        text = json.dumps(revision_as_json(found, revision), ensure_ascii=False, indent=2) + "\n"
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"wrote {output}")
        else:
            sys.stdout.write(text)
