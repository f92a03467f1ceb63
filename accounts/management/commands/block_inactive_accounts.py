from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts import services


class Command(BaseCommand):
    help = (
        "Send one reminder to accounts about to be blocked for inactivity and block those unused for "
        "ACCOUNT_INACTIVITY_DAYS. Safe to run repeatedly."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        reminded, blocked = services.inactive_accounts_process()
        self.stdout.write(
            f"{reminded} reminded, {blocked} blocked (after {settings.ACCOUNT_INACTIVITY_DAYS} days without use)."
        )
