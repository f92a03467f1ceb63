"""Thin Celery adapters over report services. Generation is idempotent, so it is acknowledged late:
a worker killed half-way leaves the task to another, which does the work once."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def generate_report(report_id: int) -> None:
    services.report_generate(report_id=report_id)


@shared_task(ignore_result=True)
def generate_pending_reports() -> int:
    return services.reports_generate_pending()
