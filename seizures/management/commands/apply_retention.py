"""``manage.py apply_retention [--dry-run]``: erase the personal data of parties past their retention period."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from seizures import selectors, services


class Command(BaseCommand):
    help = (
        "Erase names, identity documents, addresses and dates of birth of the parties of seizures whose "
        "operation closed longer ago than the reporting administration keeps them (PARTY_RETENTION_YEARS "
        "by default). Figures and counts are unchanged; running it twice erases nothing more."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list what would be erased, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        if dry_run:
            for row in selectors.retention_review():
                self.stdout.write(
                    f"{row['reference']}\t{row['operation']}\tclosed {row['closed_at']:%Y-%m-%d}\t"
                    f"{row['administration']}\tafter {row['years']} years\t{row['parties']} parties"
                )
        result = services.parties_erase_expired(dry_run=dry_run)
        verb = "Would erase" if dry_run else "Erased"
        self.stdout.write(f"{verb} the personal data of {result.parties} parties in {len(result.seizures)} seizures.")
