import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from drafting.exports import backup
from drafting.management.commands.export_meeting import _Formatter
from drafting.render import page_cache


class Command(BaseCommand):
    help = (
        "Restore a meeting written by export_meeting, all or nothing, into a database without\n"
        "that meeting (typically an empty one: migrate, nothing loaded):\n"
        "python manage.py import_meeting bms7.json.gz\n\n" + backup.FORMAT_HELP
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = _Formatter
        return parser

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup file ('-' for stdin), gzipped or not")

    def handle(self, *args, file: str, **options):
        try:
            data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            report = backup.import_meeting(backup.load(data))
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        # The meeting's rows come back with their ids and versions, which this database may
        # have cached with other content (a meeting deleted, then restored): a new namespace.
        page_cache.renew_namespace()
        kept = sum(report.kept.values())
        self.stderr.write(
            f"imported meeting {report.meeting}: {report.rows} rows"
            + (f" ({kept} already in this database, kept)" if kept else "")
        )
