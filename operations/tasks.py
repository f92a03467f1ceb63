from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def advance_operations_clock() -> dict[str, int]:
    """Activate operations whose start has come and close those whose end has passed. Idempotent."""
    return services.operations_advance_clock()
