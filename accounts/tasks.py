"""Thin Celery adapters around account services."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def block_inactive_accounts() -> tuple[int, int]:
    """Daily: remind, then block, accounts left unused. Idempotent, so a missed or doubled run is harmless."""
    return services.inactive_accounts_process()
