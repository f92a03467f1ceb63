from typing import Any

from django.core.management.base import BaseCommand

from reference.services import reference_data_load


class Command(BaseCommand):
    help = "Load or refresh every reference code list (countries, RILOs, MEAs, HS 2022, units, ports...)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = reference_data_load()
        for name, count in counts.items():
            self.stdout.write(f"{name:>16}: {count}")
        self.stdout.write(self.style.SUCCESS("Reference data loaded."))
