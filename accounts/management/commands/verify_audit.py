"""Walk the audit trail in order, recompute every digest and check the chain against its head."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.audit import audit_verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; fails naming the first broken event."

    def handle(self, *args: Any, **options: Any) -> None:
        check = audit_verify()
        if not check.intact:
            raise CommandError(
                f"Audit trail broken at event #{check.broken_at}: {check.problem} "
                f"({check.events} events verified before it)."
            )
        message = f"{check.events} events, chain intact"
        if check.head_id is not None:
            message += f"; head #{check.head_id} {check.head_digest}"
        self.stdout.write(self.style.SUCCESS(message))
