"""Who may see which seizure, and who may see the people and companies behind it.

A seizure is visible to its reporting administration (drafts included), to the operation's
coordinators and the secretariat once submitted, and further as its TLP handling code allows: the
operation's participants for AMBER and GREEN, the whole closed user group for CLEAR, nobody else
for RED. Parties are visible to the reporting administration and the coordinators only, whatever the
code, and every read of them is logged.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import policy
from accounts import services as accounts
from accounts.choices import Role
from accounts.models import AccessLog, Administration, User
from operations.choices import OperationStatus, ParticipationRole, ParticipationStatus
from operations.models import Operation, Participation
from operations.selectors import operation_audience

from .choices import HandlingCode, SeizureStatus
from .models import CommodityLine, Party, RouteLeg, Seizure, SeizureVersion

FILING_ROLES = policy.roles_for("seizure.file")
PUBLISHED = ~Q(status=SeizureStatus.DRAFT)


def _visible(user: User) -> Q:
    own = Q(administration_id=user.administration_id) if user.administration_id else Q(pk__in=[])
    if user.role == Role.SECRETARIAT:
        return own | PUBLISHED
    coordinated = Q(operation__coordinators=user) & PUBLISHED
    participating = (
        Q(
            operation__participations__administration_id=user.administration_id,
            operation__participations__status=ParticipationStatus.ACCEPTED,
            handling_code__in=HandlingCode.listed_for_participants(),
        )
        & PUBLISHED
        if user.administration_id
        else Q(pk__in=[])
    )
    # Whatever its code, a seizure stays an object of its operation: a TLP:GREEN or CLEAR one travels
    # beyond it only in figures (regional views) and in what its readers pass on.
    return own | coordinated | participating


def seizure_list(*, user: User, filters: dict[str, Any] | None = None) -> QuerySet[Seizure]:
    """Seizures the user may see, filtered as the list pages and the API ask."""
    visible_ids = Seizure.objects.filter(_visible(user)).values("pk")
    seizures = Seizure.objects.filter(pk__in=visible_ids).select_related(
        "operation", "administration", "country", "filed_by", "place_port"
    )
    return _filtered(seizures, filters or {})


def _filtered(seizures: QuerySet[Seizure], filters: dict[str, Any]) -> QuerySet[Seizure]:
    if filters.get("operation"):
        seizures = seizures.filter(operation=filters["operation"])
    if filters.get("status"):
        statuses = filters["status"] if isinstance(filters["status"], list) else [filters["status"]]
        seizures = seizures.filter(status__in=statuses)
    if filters.get("country"):
        seizures = seizures.filter(country=filters["country"])
    if filters.get("administration"):
        seizures = seizures.filter(administration=filters["administration"])
    if filters.get("route_country") or filters.get("route_role"):
        legs = RouteLeg.objects.all()
        if filters.get("route_country"):
            legs = legs.filter(country=filters["route_country"])
        if filters.get("route_role"):
            legs = legs.filter(role=filters["route_role"])
        seizures = seizures.filter(pk__in=legs.values("seizure_id"))
    if filters.get("mea"):
        seizures = seizures.filter(pk__in=CommodityLine.objects.filter(mea=filters["mea"]).values("seizure_id"))
    if filters.get("hs_code"):
        prefix = str(filters["hs_code"]).replace(".", "").strip()
        seizures = seizures.filter(
            pk__in=CommodityLine.objects.filter(hs_code__code__startswith=prefix).values("seizure_id")
        )
    occurred_after: datetime | None = filters.get("occurred_after")
    if occurred_after:
        seizures = seizures.filter(occurred_at__gte=occurred_after)
    occurred_before: datetime | None = filters.get("occurred_before")
    if occurred_before:
        seizures = seizures.filter(occurred_at__lte=occurred_before)
    if filters.get("flagged") is not None:
        seizures = seizures.filter(flagged=filters["flagged"])
    if filters.get("transport_mode"):
        seizures = seizures.filter(transport_mode=filters["transport_mode"])
    if filters.get("q"):
        seizures = seizures.filter(Q(reference__icontains=filters["q"]) | Q(narrative__icontains=filters["q"]))
    if filters.get("handling_code"):
        seizures = seizures.filter(handling_code=filters["handling_code"])
    if filters.get("unit"):
        seizures = seizures.filter(unit_id=filters["unit"])
    return seizures


def seizure_get(*, user: User, seizure_id: int) -> Seizure:
    seizure = seizure_list(user=user).filter(pk=seizure_id).first()
    if seizure is None:
        raise Http404
    return seizure


def with_details(seizures: QuerySet[Seizure]) -> QuerySet[Seizure]:
    """Everything a seizure's page or API answer shows, in a fixed number of queries."""
    return (
        seizures.prefetch_related(
            Prefetch(
                "lines",
                queryset=CommodityLine.objects.select_related("mea", "hs_code", "unit", "waste_code", "ods_substance"),
            ),
            Prefetch("route", queryset=RouteLeg.objects.select_related("country", "place_port")),
            "attachments",
        )
        .select_related("operation", "administration", "filed_by", "place_port")
        .annotate(party_count=Count("parties", distinct=True))
    )


def is_reporter(*, user: User, seizure: Seizure) -> bool:
    return user.administration_id is not None and user.administration_id == seizure.administration_id


def can_edit(*, user: User, seizure: Seizure) -> bool:
    relations = {policy.Relation.OWN_ADMINISTRATION} if is_reporter(user=user, seizure=seizure) else set()
    return policy.allows("seizure.edit", user=user, relations=relations)


def is_coordinator(*, user: User, seizure: Seizure) -> bool:
    return seizure.operation.coordinators.filter(pk=user.pk).exists()


def can_see_parties(*, user: User, seizure: Seizure) -> bool:
    relations = set()
    if is_reporter(user=user, seizure=seizure):
        relations.add(policy.Relation.OWN_ADMINISTRATION)
    if seizure.status != SeizureStatus.DRAFT and is_coordinator(user=user, seizure=seizure):
        relations.add(policy.Relation.COORDINATOR)
    return policy.allows("party.view", user=user, relations=relations)


def party_list(*, user: User, seizure: Seizure, channel: str) -> list[Party]:
    """The parties of a seizure for those allowed to see them; each one read leaves one access-log row."""
    if not can_see_parties(user=user, seizure=seizure):
        return []
    parties = list(Party.objects.filter(seizure=seizure).select_related("nationality"))
    accounts.access_log_record(
        user=user,
        object_type="party",
        objects=[(str(party.pk), f"{seizure.reference} {party.get_role_display()}") for party in parties],
        action=AccessLog.Action.READ,
        channel=channel,
    )
    return parties


def party_counts(*, seizure: Seizure, total: int | None = None) -> dict[str, int]:
    """What everyone else may know: how many persons and companies, never who.

    ``total``, when the caller counted them already (``with_details``): none to count is not asked again."""
    counts = {"person": 0, "company": 0}
    if total == 0:
        return counts
    for row in Party.objects.filter(seizure=seizure).values("kind").annotate(total=Count("id")):
        counts[row["kind"]] = row["total"]
    return counts


def seizure_audience(*, seizure: Seizure) -> set[int]:
    """Who learns of a submitted seizure: as its visibility rules say, never more.

    TLP:RED reaches the reporting administration and the coordinators; every other code the operation's
    audience as well. TLP:CLEAR allows more but is not broadcast beyond the operation."""
    reporters = set(
        User.objects.filter(administration_id=seizure.administration_id, is_active=True).values_list("id", flat=True)
    )
    if seizure.status == SeizureStatus.DRAFT:
        return reporters
    coordinators = set(seizure.operation.coordinators.values_list("id", flat=True))
    if seizure.handling_code == HandlingCode.RED:
        return reporters | coordinators
    return reporters | operation_audience(operation=seizure.operation)


def seizure_audience_of(*, operation: Operation) -> Callable[[int, str], set[int]]:
    """``seizure_audience`` of the operation's submitted seizures by reporting administration and handling
    code, asking the database once per administration: for writes of thousands of seizures at once."""
    coordinators = set(operation.coordinators.values_list("id", flat=True))
    audience = operation_audience(operation=operation)
    reporters: dict[int, set[int]] = {}

    def of(administration_id: int, handling_code: str) -> set[int]:
        if administration_id not in reporters:
            reporters[administration_id] = set(
                User.objects.filter(administration_id=administration_id, is_active=True).values_list("id", flat=True)
            )
        return reporters[administration_id] | (coordinators if handling_code == HandlingCode.RED else audience)

    return of


def filing_participation(*, user: User, operation: Operation) -> Participation | None:
    """The accepted participation under which the user may file in this operation, if any."""
    if user.administration_id is None or user.role not in FILING_ROLES:
        return None
    return Participation.objects.filter(
        operation=operation,
        administration_id=user.administration_id,
        status=ParticipationStatus.ACCEPTED,
        role=ParticipationRole.PARTICIPANT,
    ).first()


def operations_open_for_filing(*, user: User) -> QuerySet[Operation]:
    if user.administration_id is None or user.role not in FILING_ROLES:
        return Operation.objects.none()
    joined = Participation.objects.filter(
        administration_id=user.administration_id,
        status=ParticipationStatus.ACCEPTED,
        role=ParticipationRole.PARTICIPANT,
    ).values("operation_id")
    return Operation.objects.filter(pk__in=joined).order_by("-starts_at")


def validation_queue(*, user: User, operation: Operation) -> QuerySet[Seizure]:
    """Submitted seizures waiting for the V-OCU, flagged ones first, oldest first."""
    return (
        seizure_list(user=user, filters={"operation": operation.pk})
        .filter(status=SeizureStatus.SUBMITTED)
        .order_by("-flagged", "submitted_at", "id")
    )


def seizure_versions(*, seizure: Seizure) -> QuerySet[SeizureVersion]:
    """The history of a seizure the caller may already see (snapshots hold no party data)."""
    return SeizureVersion.objects.filter(seizure=seizure).select_related("changed_by").order_by("-number")


def case_members(*, user: User, seizure: Seizure) -> QuerySet[Seizure]:
    """The other reports of the same shipment that this user may see."""
    if seizure.case_id is None:
        return Seizure.objects.none()
    return seizure_list(user=user).filter(case_id=seizure.case_id).exclude(pk=seizure.pk)


def seizure_work(*, user: User) -> dict[str, Any]:
    """What a filing user's home page shows: drafts to finish, questions from the V-OCU, where to file."""
    own = seizure_list(user=user, filters={"administration": user.administration_id})
    return {
        "drafts": own.filter(status=SeizureStatus.DRAFT).count(),
        "questions": own.filter(status=SeizureStatus.INFO_REQUESTED).order_by("-updated_at")[:5],
        "operations": [operation for operation in operations_open_for_filing(user=user) if operation.accepts_reports],
    }


def queues_for(*, user: User) -> list[tuple[Operation, int]]:
    """The coordinator's operations with seizures waiting for validation."""
    waiting = (
        Seizure.objects.filter(operation__coordinators=user, status=SeizureStatus.SUBMITTED)
        .values("operation_id")
        .annotate(total=Count("id"))
    )
    totals = {row["operation_id"]: row["total"] for row in waiting}
    return [(operation, totals[operation.pk]) for operation in Operation.objects.filter(pk__in=totals)]


# --- Retention of personal data ---------------------------------------------------------------


def _years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def retention_cutoffs(*, now: datetime | None = None) -> Q:
    """Seizures whose operation closed longer ago than their reporting administration keeps personal data.

    Each administration's own period, or ``PARTY_RETENTION_YEARS`` when it set none.
    """
    now = now or timezone.now()
    closed = Q(operation__status__in=[OperationStatus.CLOSED, OperationStatus.ARCHIVED])
    custom: dict[int, int] = {
        pk: years
        for pk, years in Administration.objects.filter(retention_years__isnull=False).values_list(
            "pk", "retention_years"
        )
        if years is not None
    }
    expired = Q(operation__ends_at__lt=_years_before(now, settings.PARTY_RETENTION_YEARS)) & ~Q(
        administration_id__in=list(custom)
    )
    for administration_id, years in custom.items():
        expired |= Q(administration_id=administration_id, operation__ends_at__lt=_years_before(now, years))
    return closed & expired


def parties_due_for_erasure(*, now: datetime | None = None) -> QuerySet[Party]:
    """Parties not yet erased whose retention period is over, oldest operation first."""
    seizures = Seizure.objects.filter(retention_cutoffs(now=now)).values("pk")
    return (
        Party.objects.filter(seizure__in=seizures, erased_at__isnull=True)
        .select_related("seizure", "seizure__operation", "seizure__administration")
        .order_by("seizure__operation__ends_at", "seizure__reference", "id")
    )


def retention_review(*, now: datetime | None = None) -> list[dict[str, Any]]:
    """What is due for erasure, per seizure: for the secretariat's review page. Counts only, never names."""
    rows = (
        parties_due_for_erasure(now=now)
        .values(
            "seizure_id",
            "seizure__reference",
            "seizure__operation__code",
            "seizure__operation__ends_at",
            "seizure__administration__name",
            "seizure__administration__retention_years",
        )
        .annotate(parties=Count("id"))
        .order_by("seizure__operation__ends_at", "seizure__reference")
    )
    return [
        {
            "seizure_id": row["seizure_id"],
            "reference": row["seizure__reference"],
            "operation": row["seizure__operation__code"],
            "closed_at": row["seizure__operation__ends_at"],
            "administration": row["seizure__administration__name"],
            "years": row["seizure__administration__retention_years"] or settings.PARTY_RETENTION_YEARS,
            "parties": row["parties"],
        }
        for row in rows
    ]
