import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from drafting.exports import akn_export, docx_export
from drafting.exports.pdfs import file_name
from drafting.models import FileKind, Meeting, Revision
from drafting.services.exports import revision_as_json, revision_file_get_or_create


class Command(BaseCommand):
    help = (
        "Export an issued revision: python manage.py export_revision bms7 0 --format json "
        "(or pdf, docx, akn; --redline [--against M] or --compilation for pdf and docx)"
    )

    def add_arguments(self, parser):
        parser.add_argument("meeting", help="The meeting's slug, e.g. bms7")
        parser.add_argument("number", type=int, help="The revision number (0 = zero draft)")
        parser.add_argument("--format", choices=["json", "pdf", "docx", "akn"], default="json")
        parser.add_argument("-o", "--output", help="Write to this file instead of stdout")
        kinds = parser.add_mutually_exclusive_group()
        kinds.add_argument(
            "--redline", action="store_true", help="PDF: the redline against the previous revision"
        )
        kinds.add_argument(
            "--compilation",
            action="store_true",
            help="PDF or Word: the compilation of proposals made against it",
        )
        parser.add_argument(
            "--against",
            type=int,
            metavar="M",
            help="Word: the redline against revision M rather than the previous one",
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
        if options["against"] is not None and not (format == "docx" and options["redline"]):
            raise CommandError("--against goes with --format docx --redline.")
        if format in {"docx", "akn"}:
            self._write_file(found, revision, format, output, options)
            return
        if format == "pdf":
            kind = (
                FileKind.REDLINE
                if options["redline"]
                else FileKind.COMPILATION
                if options["compilation"]
                else FileKind.REVISION
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

    def _write_file(self, meeting, revision, format: str, output: str | None, options) -> None:
        """A Word or Akoma Ntoso file, made here (a fraction of a second), never stored."""
        if format == "akn":
            if options["redline"] or options["compilation"]:
                raise CommandError("Akoma Ntoso is of the revision only.")
            content, target = (
                akn_export.revision_akn(meeting, revision),
                output or akn_export.file_name(revision),
            )
        else:
            kind = (
                FileKind.REDLINE
                if options["redline"]
                else FileKind.COMPILATION
                if options["compilation"]
                else FileKind.REVISION
            )
            against = None
            if options["against"] is not None:
                try:
                    against = Revision.objects.get(
                        document=meeting.document, number=options["against"]
                    )
                except Revision.DoesNotExist:
                    raise CommandError(
                        f"{meeting.short_title} has no revision {options['against']}."
                    ) from None
            content = docx_export.word_file(meeting, revision, kind, against=against)
            target = output or docx_export.file_name(revision, kind, against=against)
        Path(target).write_bytes(content)
        self.stderr.write(f"wrote {target} ({len(content):,} bytes)")
