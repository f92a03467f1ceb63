import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from operations.models import Operation
from seizures.simulation import SimulationError, simulate_operation


class Command(BaseCommand):
    help = (
        "File realistic simulated seizures into an operation through the services, as its participants would, "
        "and have its coordinator review part of them. The same seed gives the same seizures."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="Operation code, such as DEMETER-2026.")
        size = parser.add_mutually_exclusive_group(required=True)
        size.add_argument("--seizures", type=int, help="How many seizures to file.")
        size.add_argument("--lines", type=int, help="File seizures until they hold this many commodity lines.")
        parser.add_argument(
            "--bulk",
            action="store_true",
            help="Validate every filing but write them with COPY (PostgreSQL), for operations of a million lines.",
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--validate-share", type=float, default=0.6, help="Share the coordinator validates.")

    def handle(self, *args: Any, **options: Any) -> None:
        operation = Operation.objects.filter(code=options["code"]).first()
        if operation is None:
            raise CommandError(f"No operation has the code {options['code']}.")
        if (options["seizures"] or options["lines"] or 0) < 1:
            raise CommandError("--seizures or --lines must be at least 1.")
        if options["bulk"] and connection.vendor != "postgresql":
            raise CommandError("--bulk writes with PostgreSQL's COPY: set DATABASE_URL to a PostgreSQL database.")
        if not 0 <= options["validate_share"] <= 1:
            raise CommandError("--validate-share is a share between 0 and 1.")
        started = time.monotonic()
        try:
            counts = simulate_operation(
                operation=operation,
                seizures=options["seizures"] or 0,
                lines=options["lines"] or 0,
                bulk=options["bulk"],
                seed=options["seed"],
                validate_share=options["validate_share"],
            )
        except SimulationError as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"{operation.code}: filed {counts['filed']} seizures from {counts['administrations']} administrations "
            f"({counts['same_shipment']} reporting a shipment another administration reported too); "
            f"validated {counts['validated']}, information requested on {counts['info_requested']}, "
            f"{counts['submitted']} awaiting review; refused {counts['refused']}."
        )
        self.stdout.write(self.style.SUCCESS(f"Done in {elapsed:.1f} s."))
