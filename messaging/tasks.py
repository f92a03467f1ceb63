"""Thin Celery adapters over messaging services. Each is idempotent, so a retry or a double run is harmless."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def relay_events() -> int:
    return services.events_relay()


@shared_task(ignore_result=True)
def send_notifications(key: str | None = None) -> int:
    return services.notifications_send_pending(key=key)


@shared_task(ignore_result=True)
def send_digests() -> int:
    return services.digests_send()


@shared_task(ignore_result=True)
def send_feedback_reminders() -> int:
    return services.feedback_reminders_send()
