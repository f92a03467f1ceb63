"""Thin Celery adapters over messaging services. Each is idempotent, so a retry or a double run is harmless."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def relay_events() -> int:
    return services.events_relay()


# Acknowledged late: a worker killed mid fan-out leaves the task to another, and the claims make it send
# only what was not sent.
@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def send_notifications(key: str | None = None) -> int:
    return services.notifications_send_pending(key=key)


# Likewise: the digests not yet marked sent are sent by the redelivered task, not at tomorrow's run.
@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def send_digests() -> int:
    return services.digests_send()


@shared_task(ignore_result=True)
def send_feedback_reminders() -> int:
    return services.feedback_reminders_send()
