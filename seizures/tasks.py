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


# Acknowledged late: a worker lost mid-post leaves the task to another; the seizure's flag and the post's key
# make a second run post nothing more.
@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def announce_seizure(seizure_id: int) -> bool:
    """After a filing commits: its post to the operation's channel. Idempotent."""
    return services.seizure_announce(seizure_id=seizure_id) is not None


@shared_task(ignore_result=True)
def announce_due_seizures() -> int:
    """Every minute: the posts a broker outage left owed. Idempotent."""
    return services.seizures_announce_due()
