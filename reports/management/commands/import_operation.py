"""Restore an operation from an archive written by ``export_operation`` (``reports.archive``)."""

from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.archive import ArchiveError, operation_archive_import


class Command(BaseCommand):
    help = "Import an operation archive; every record and file is checked against the manifest before and after."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the archive written by export_operation")
        parser.add_argument(
            "--replace", action="store_true", help="remove an existing operation with the same code first"
        )
        parser.add_argument(
            "--renumber", action="store_true", help="give every row a new id, even where the archived ids are free"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        try:
            with path.open("rb") as handle:
                summary = operation_archive_import(
                    source=handle, replace=options["replace"], renumber=options["renumber"]
                )
        except ArchiveError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{summary.code}: {summary.line()}; ids {summary.ids}")
        if summary.created_people:
            kinds = Counter(created.split(" ", 1)[0] for created in summary.created_people)
            self.stdout.write("created " + ", ".join(f"{count} {kind}(s)" for kind, count in sorted(kinds.items())))
        if options["verbosity"] > 1:
            for created in summary.created_people:
                self.stdout.write(f"created {created}")
