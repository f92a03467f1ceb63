"""A RILO's regional view: seizures over time, per operation and per route across its region's operations.

A region's operations are those its office coordinates (as V-OCU) and those naming the region in their
scope. Figures follow the debriefs' preliminary counting rules (``datasets.counted_seizures``), taken over
all of those operations in one query, and are aggregated in SQL.

Who may see a region is the rule ``report.regional`` of ``accounts.policy``: those it grants without a
relation (the secretariat) every region; those it grants for their own administration the region of their
RILO office or of their country. A region the reader may not see answers exactly like an unknown one (404).
The figures only ever count the operations the reader may see, so nothing leaks from an operation they were
not part of, and only seizures whose TLP handling code lets them travel beyond their operation (GREEN and
CLEAR): a top route counted once must not single out an AMBER or RED seizure.
"""

from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.http import Http404
from django.utils import timezone
from geopy.distance import great_circle

from accounts import policy
from accounts.choices import AdministrationKind
from accounts.models import User
from operations.models import Operation
from reference.models import Country, Rilo
from seizures.choices import HandlingCode, RouteRole
from seizures.models import CommodityLine, RouteLeg, Seizure

from .choices import ReportKind
from .datasets import COUNTED_STATUSES, ORIGIN_ROLES, country_positions
from .selectors import report_operations

TOP_REGION_ROUTES = 10
ACTION = "report.regional"
KIND = ReportKind.PRELIMINARY
#: Handling codes whose seizures may travel beyond their operation, into regional figures (TLP 2.0).
REGIONAL_HANDLING_CODES = (HandlingCode.CLEAR, HandlingCode.GREEN)


def own_rilo_codes(*, user: User) -> set[str]:
    """The regions of the user's administration: a RILO office's own, a national administration's country's."""
    administration = user.administration
    if administration is None:
        return set()
    codes: set[str] = set()
    if administration.kind == AdministrationKind.RILO and administration.rilo_id:
        codes.add(administration.rilo_id)
    country = administration.country
    if country is not None and country.rilo_id:
        codes.add(country.rilo_id)
    return codes


def rilos_visible(*, user: User) -> QuerySet[Rilo]:
    """The regions whose page the user may open, as ``accounts.policy`` rules ``report.regional``."""
    if policy.allows(ACTION, user=user):
        return Rilo.objects.all()
    if not policy.allows(ACTION, user=user, relations=[policy.Relation.OWN_ADMINISTRATION]):
        return Rilo.objects.none()
    return Rilo.objects.filter(code__in=own_rilo_codes(user=user))


def rilo_get(*, user: User, code: str) -> Rilo:
    """A region the user may see; any other, like an unknown code, is a 404."""
    rilo = rilos_visible(user=user).filter(code=code).first()
    if rilo is None:
        raise Http404
    return rilo


def region_operations(*, rilo: Rilo | str) -> QuerySet[Operation]:
    """Operations the region's office coordinates, and those naming the region among their regions of interest."""
    scoped = Operation.scope_rilos.through.objects.filter(rilo=rilo).values("operation_id")
    coordinated = Q(coordinating_administration__kind=AdministrationKind.RILO, coordinating_administration__rilo=rilo)
    return Operation.objects.filter(coordinated | Q(pk__in=scoped))


def region_reports(*, operations: QuerySet[Operation]) -> QuerySet[Seizure]:
    """Submitted and validated reports of these operations that their handling code lets into regional views."""
    return Seizure.objects.filter(
        operation__in=operations.values("pk"),
        status__in=COUNTED_STATUSES[KIND],
        handling_code__in=REGIONAL_HANDLING_CODES,
    )


def region_seizures(*, operations: QuerySet[Operation]) -> QuerySet[Seizure]:
    """``datasets.counted_seizures`` (preliminary) over many operations at once: submitted and validated
    reports, one per shipment, among those ``region_reports`` lets in. Cases never span operations, so the
    first such report of each case stands for it."""
    reported = region_reports(operations=operations)
    firsts = reported.filter(case__isnull=False).values("case_id").annotate(first=Min("id")).values("first")
    return reported.filter(Q(case__isnull=True) | Q(pk__in=firsts))


def region_summary(*, rilo: Rilo, since: date | datetime | None = None, user: User | None = None) -> dict[str, Any]:
    """The regional view's figures, for the operations ``user`` may see (all of them without a user).

    ``since`` keeps seizures from that day on, and operations still running then.
    """
    visible = Operation.objects.all() if user is None else report_operations(user=user)
    operations = region_operations(rilo=rilo).filter(pk__in=visible.values("pk"))
    start = _moment(since)
    if start is not None:
        operations = operations.filter(ends_at__gte=start)
    counted = region_seizures(operations=operations)
    reported = region_reports(operations=operations)
    everywhere = region_seizures(operations=visible)
    if start is not None:
        counted, reported = counted.filter(occurred_at__gte=start), reported.filter(occurred_at__gte=start)
        everywhere = everywhere.filter(occurred_at__gte=start)

    totals = counted.aggregate(
        seizures=Count("id"),
        members=Count("id", filter=Q(country__rilo=rilo)),
        countries=Count("country_id", distinct=True),
    )
    kg = CommodityLine.objects.filter(seizure__in=counted).aggregate(kg=Sum("kg"))["kg"]
    reports = reported.count()
    return {
        "rilo": {"code": rilo.code, "name": rilo.name},
        "since": start.date().isoformat() if start else None,
        "counted_statuses": [str(status) for status in COUNTED_STATUSES[KIND]],
        "handling_codes": [str(code) for code in REGIONAL_HANDLING_CODES],
        "key_figures": {
            "operations": operations.count(),
            "seizures": totals["seizures"],
            "seizure_reports": reports,
            "linked_duplicates": reports - totals["seizures"],
            "tonnes": _tonnes(kg),
            "countries_reporting": totals["countries"],
            "by_members": totals["members"],
            "by_others": totals["seizures"] - totals["members"],
            "by_members_everywhere": everywhere.filter(country__rilo=rilo).count(),
        },
        "per_month": _per_month(counted),
        "operations": _per_operation(operations, counted),
        "top_routes": _top_routes(counted),
    }


def _moment(since: date | datetime | None) -> datetime | None:
    if since is None or isinstance(since, datetime):
        return since
    return timezone.make_aware(datetime.combine(since, time.min))


def _tonnes(kg: Decimal | None) -> float:
    return round(float(kg or 0) / 1000, 3)


def _per_month(counted: QuerySet[Seizure]) -> list[dict[str, Any]]:
    """Seizures and tonnes per calendar month (UTC), with the months in between that had none."""
    rows = (
        counted.annotate(month=TruncMonth("occurred_at"))
        .values("month")
        .annotate(seizures=Count("id", distinct=True), kg=Sum("lines__kg"))
        .order_by("month")
    )
    found: dict[tuple[int, int], Mapping[str, Any]] = {(row["month"].year, row["month"].month): row for row in rows}
    if not found:
        return []
    (year, month), last = min(found), max(found)
    months = []
    while (year, month) <= last:
        row = found.get((year, month)) or {}
        months.append(
            {
                "month": f"{year:04d}-{month:02d}",
                "seizures": row.get("seizures", 0),
                "tonnes": _tonnes(row.get("kg")),
            }
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _per_operation(operations: QuerySet[Operation], counted: QuerySet[Seizure]) -> list[dict[str, Any]]:
    figures: dict[int, Mapping[str, Any]] = {
        row["operation_id"]: row
        for row in counted.values("operation_id")
        .annotate(seizures=Count("id", distinct=True), kg=Sum("lines__kg"))
        .order_by("operation_id")
    }
    rows = []
    for operation in operations.order_by("-starts_at", "code"):
        row = figures.get(operation.pk) or {}
        rows.append(
            {
                "id": operation.pk,
                "code": operation.code,
                "name": operation.name,
                "status": operation.status,
                "status_label": str(operation.get_status_display()),
                "starts_at": operation.starts_at.date().isoformat(),
                "ends_at": operation.ends_at.date().isoformat(),
                "seizures": row.get("seizures", 0),
                "tonnes": _tonnes(row.get("kg")),
            }
        )
    return rows


def _leg(roles: list[RouteRole]) -> Subquery:
    legs = RouteLeg.objects.filter(seizure_id=OuterRef("pk"), role__in=roles).order_by("position")
    return Subquery(legs.values("country_id")[:1])


def _top_routes(counted: QuerySet[Seizure]) -> list[dict[str, Any]]:
    """Routes as ``datasets.Builder.routes`` reads them: the first origin or export leg to the destination
    (the country of discovery when none is given); routes missing either end are left out."""
    rows = list(
        counted.annotate(
            origin=_leg(ORIGIN_ROLES),
            destination=Coalesce(_leg([RouteRole.DESTINATION]), _leg([RouteRole.DISCOVERY])),
        )
        .filter(origin__isnull=False, destination__isnull=False)
        .values("origin", "destination")
        .annotate(seizures=Count("id", distinct=True), kg=Sum("lines__kg"))
        .order_by("-seizures", F("kg").desc(nulls_last=True), "origin", "destination")[:TOP_REGION_ROUTES]
    )
    codes = {row["origin"] for row in rows} | {row["destination"] for row in rows}
    positions = country_positions(codes)
    names = {country.code: country.name for country in Country.objects.filter(code__in=codes)}
    return [
        {
            "origin": row["origin"],
            "origin_name": names.get(row["origin"], row["origin"]),
            "destination": row["destination"],
            "destination_name": names.get(row["destination"], row["destination"]),
            "seizures": row["seizures"],
            "tonnes": _tonnes(row["kg"]),
            "distance_km": (
                round(great_circle(positions[row["origin"]], positions[row["destination"]]).km)
                if row["origin"] in positions and row["destination"] in positions
                else None
            ),
        }
        for row in rows
    ]
