"""Write one operation, with everything that belongs to it, to one archive file (``reports.archive``)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.archive import ArchiveError, archive_timestamp, operation_archive_export


class Command(BaseCommand):
    help = "Export an operation (seizures, channel posts, library documents, reports and their files) to a zip."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="the operation's code, e.g. DEMETER-2026")
        parser.add_argument("--output", help="the archive to write (default: <CODE>-<UTC time>.zip here)")

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"] or f"{options['code']}-{archive_timestamp()}.zip")
        partial = output.with_name(output.name + ".partial")
        try:
            with partial.open("wb") as handle:
                summary = operation_archive_export(code=options["code"], output=handle)
        except (ArchiveError, OSError) as error:
            partial.unlink(missing_ok=True)
            raise CommandError(str(error)) from None
        partial.replace(output)
        self.stdout.write(f"{output}: {summary.line()}; manifest sha256 {summary.digest}")
