import argparse
import os
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from drafting.exports import backup


class _Formatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keeps the line breaks of the format description."""


class Command(BaseCommand):
    help = (
        "Back up a whole meeting losslessly: python manage.py export_meeting bms7 -o bms7.json.gz\n"
        "(restore it with import_meeting).\n\n" + backup.FORMAT_HELP
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = _Formatter
        return parser

    def add_arguments(self, parser):
        parser.add_argument("meeting", help="The meeting's slug, e.g. bms7")
        parser.add_argument(
            "-o",
            "--output",
            required=True,
            help="The file to write ('-' for stdout); gzipped when the name ends in .gz",
        )

    def handle(self, *args, meeting: str, output: str, **options):
        try:
            document = backup.export_meeting(meeting)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        data = backup.dump(document, compress=output.endswith(".gz"))
        if output == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            try:
                _write_atomically(Path(output), data)
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
        rows = sum(len(section["rows"]) for section in document["content"]["models"])
        self.stderr.write(
            f"wrote {output}: meeting {meeting}, {rows} rows of "
            f"{len(document['content']['models'])} models, sha256 {document['sha256']}"
        )


def _write_atomically(path: Path, data: bytes) -> None:
    """Write next to the target, then rename: never a half-written backup under its name."""
    handle, temporary = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
