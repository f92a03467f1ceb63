"""Thin Celery adapters around seizure services."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def apply_retention() -> int:
    """Daily: erase the personal data of parties past their retention period. Idempotent."""
    return services.parties_erase_expired().parties
