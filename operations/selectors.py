"""Who may see which operation. A user of a non-participating administration meets a 404."""

from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.choices import AdministrationKind, Role
from accounts.models import User

from .choices import OperationStatus, ParticipationStatus
from .models import Operation, Participation

VISIBLE_PARTICIPATION = [ParticipationStatus.ACCEPTED]
NCP_VISIBLE_PARTICIPATION = [ParticipationStatus.INVITED, ParticipationStatus.ACCEPTED, ParticipationStatus.DECLINED]


def operation_list(*, user: User, filters: dict[str, Any] | None = None) -> QuerySet[Operation]:
    """Operations the user may see: all for the secretariat; coordinated or joined ones for everyone else."""
    operations = Operation.objects.select_related("coordinating_administration", "coordinating_administration__rilo")
    if user.role != Role.SECRETARIAT:
        answers_invitations = user.role == Role.NATIONAL_CONTACT or (
            user.administration is not None and user.administration.kind == AdministrationKind.INTERNATIONAL
        )
        statuses = NCP_VISIBLE_PARTICIPATION if answers_invitations else VISIBLE_PARTICIPATION
        joined = Q(
            participations__administration_id=user.administration_id,
            participations__status__in=statuses,
        ) & ~Q(status=OperationStatus.DRAFT)
        visible = joined | Q(coordinators=user)
        if user.role == Role.COORDINATOR and user.administration_id:
            visible |= Q(coordinating_administration_id=user.administration_id)
        operations = operations.filter(visible)
    filters = filters or {}
    if filters.get("status"):
        operations = operations.filter(status=filters["status"])
    if filters.get("mea"):
        operations = operations.filter(scope_meas=filters["mea"])
    if filters.get("coordinator"):
        operations = operations.filter(coordinating_administration=filters["coordinator"])
    if filters.get("rilo"):
        operations = operations.filter(coordinating_administration__rilo=filters["rilo"])
    if filters.get("active_at"):
        moment: datetime = filters["active_at"]
        operations = operations.filter(starts_at__lte=moment, ends_at__gte=moment)
    if filters.get("q"):
        operations = operations.filter(Q(code__icontains=filters["q"]) | Q(name_en__icontains=filters["q"]))
    return operations.distinct()


def operation_get(*, user: User, operation_id: int) -> Operation:
    operation = operation_list(user=user).filter(pk=operation_id).first()
    if operation is None:
        raise Http404
    return operation


def is_coordinator(*, user: User, operation: Operation) -> bool:
    return operation.coordinators.filter(pk=user.pk).exists()


def participation_list(*, user: User, operation: Operation) -> QuerySet[Participation]:
    """The participants table; the caller has already been allowed to see the operation."""
    return (
        Participation.objects.filter(operation=operation)
        .select_related(
            "administration", "administration__country", "administration__country__rilo", "national_contact"
        )
        .order_by("administration__country__rilo_id", "administration__name")
    )


def participation_counts(*, operation: Operation) -> dict[str, int]:
    counts = dict.fromkeys(ParticipationStatus.values, 0)
    for row in operation.participations.values("status").annotate(total=Count("id")):
        counts[row["status"]] = row["total"]
    return counts


def own_participation(*, user: User, operation: Operation) -> Participation | None:
    if user.administration is None:
        return None
    return Participation.objects.filter(operation=operation, administration=user.administration).first()


def operation_audience(*, operation: Operation) -> set[int]:
    """Everyone an operation's events and thread reach: its coordinators and the people of the
    administrations that accepted (observers included)."""
    coordinators = set(operation.coordinators.values_list("id", flat=True))
    members = User.objects.filter(
        is_active=True,
        administration__participations__operation=operation,
        administration__participations__status=ParticipationStatus.ACCEPTED,
    ).values_list("id", flat=True)
    return coordinators | set(members)


def operations_due(*, now: datetime) -> tuple[QuerySet[Operation], QuerySet[Operation]]:
    """Planned operations whose start has come, and active ones whose end has passed."""
    to_activate = Operation.objects.filter(status=OperationStatus.PLANNED, starts_at__lte=now, ends_at__gt=now)
    to_close = Operation.objects.filter(status__in=[OperationStatus.ACTIVE, OperationStatus.PLANNED], ends_at__lte=now)
    return to_activate, to_close
