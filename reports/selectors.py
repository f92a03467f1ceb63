"""Who may read and request an operation's reports, and which stored editions they see.

Reports hold no nominal data. Everyone who may see an operation (its coordinators, the secretariat,
the administrations taking part) may read its reports; the seizures listed one by one (annex, raw
lines) follow the reader's audience: coordinators and the secretariat see every counted seizure,
participants those shared with the whole operation.
"""

from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts import policy
from accounts.choices import Role
from accounts.models import User
from operations.choices import OperationStatus, ParticipationStatus
from operations.models import Operation
from operations.selectors import is_coordinator, operation_list
from seizures.models import CommodityLine

from .choices import ReportAudience
from .datasets import operation_dataset
from .models import Report

REQUESTING_ROLES = policy.roles_without_relation("report.request")


def report_operations(*, user: User) -> QuerySet[Operation]:
    """Operations whose reports the user may read, once launched: all for the secretariat; for others
    those they coordinate or in which their administration takes part (invited or declined is not enough)."""
    operations = operation_list(user=user).exclude(status=OperationStatus.DRAFT)
    if user.role == Role.SECRETARIAT:
        return operations
    taking_part = Q(
        participations__administration_id=user.administration_id,
        participations__status=ParticipationStatus.ACCEPTED,
    )
    return operations.filter(Q(coordinators=user) | taking_part).distinct()


def report_operation_get(*, user: User, operation_id: int) -> Operation:
    operation = report_operations(user=user).filter(pk=operation_id).first()
    if operation is None:
        raise Http404
    return operation


def report_audience(*, user: User, operation: Operation) -> ReportAudience:
    if user.role == Role.SECRETARIAT or is_coordinator(user=user, operation=operation):
        return ReportAudience.COORDINATION
    return ReportAudience.PARTICIPANTS


def may_request(*, user: User, operation: Operation) -> bool:
    relations = {policy.Relation.COORDINATOR} if is_coordinator(user=user, operation=operation) else set()
    return policy.allows("report.request", user=user, relations=relations)


def report_list(*, user: User, operation: Operation) -> QuerySet[Report]:
    """Stored editions of the reader's audience, newest first."""
    audience = report_audience(user=user, operation=operation)
    return Report.objects.filter(operation=operation, audience=audience).select_related("requested_by")


def reports_visible(*, user: User) -> QuerySet[Report]:
    """Every stored edition the user may download, across operations, each in the user's audience."""
    operations = report_operations(user=user)
    reports = Report.objects.filter(operation__in=operations)
    if user.role == Role.SECRETARIAT:
        return reports.filter(audience=ReportAudience.COORDINATION)
    coordinated = Operation.objects.filter(coordinators=user).values("pk")
    return reports.filter(
        Q(operation__in=coordinated, audience=ReportAudience.COORDINATION)
        | (~Q(operation__in=coordinated) & Q(audience=ReportAudience.PARTICIPANTS))
    )


def report_get(*, user: User, report_id: int) -> Report:
    """A stored edition the user may download; any other answers 404, like a missing one."""
    report = Report.objects.select_related("operation", "requested_by", "pdf", "xlsx").filter(pk=report_id).first()
    if report is None or not report_operations(user=user).filter(pk=report.operation_id).exists():
        raise Http404
    if report.audience != report_audience(user=user, operation=report.operation):
        raise Http404
    return report


def renders_at_once(*, operation: Operation) -> bool:
    """Small operations are reported within the request; larger ones by a worker, with progress shown."""
    lines = CommodityLine.objects.filter(seizure__operation=operation)
    return not lines[settings.REPORT_INLINE_MAX_LINES : settings.REPORT_INLINE_MAX_LINES + 1].exists()


def report_dataset(
    *, user: User, operation: Operation, kind: str, language: str, baseline: Operation | None = None
) -> dict[str, Any]:
    """The live dataset, computed now in the reader's audience (the JSON API and the page's key figures)."""
    audience = report_audience(user=user, operation=operation)
    return operation_dataset(operation=operation, kind=kind, audience=audience, language=language, baseline=baseline)
