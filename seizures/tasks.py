"""Thin Celery adapters around seizure services."""

from celery import shared_task

from opsplatform.api.idempotency import idempotency_records_purge

from . import services


@shared_task(ignore_result=True)
def apply_retention() -> int:
    """Daily: erase the personal data of parties past their retention period. Idempotent."""
    return services.parties_erase_expired().parties


@shared_task(ignore_result=True)
def purge_idempotency_records() -> int:
    """Hourly: forget the API's stored answers (filings list their parties) once no retry may need them.
    Idempotent."""
    return idempotency_records_purge()
