"""Every figure of an operation's debrief, aggregated in SQL and shaped with pandas.

``operation_dataset`` returns one JSON-serialisable dict; the JSON API, CSV tables, XLSX workbook
and PDF debrief are all rendered from it, so that every format of one edition shows the same totals.

Counting rules, as debriefs state them:
- a preliminary report counts submitted and validated seizures, a final one validated seizures only;
- linked duplicates (one shipment reported by two administrations, a ``Case``) count once: the
  first report filed stands for the case;
- quantities are tonnes plus unweighed pieces (waste), tonnes, ODP-tonnes, CO2-equivalent tonnes
  and pieces of pre-charged equipment (ODS), kg, pieces, live animals and m3 (wildlife, timber).
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db import connection
from django.db.models import Avg, Count, F, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Substr, TruncDate, TruncWeek
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from geopy.distance import great_circle

from messaging.models import Post
from operations.choices import ParticipationRole, ParticipationStatus
from operations.models import Operation, Participation
from reference.choices import ConcealmentMethod, DetectionMethod, TransportMode
from reference.models import Country, HsCode, Mea, Port, Rilo, WasteCode
from seizures.choices import HandlingCode, RouteRole, SeizureStatus
from seizures.models import CommodityLine, RouteLeg, Seizure

from .choices import ReportAudience, ReportKind

COUNTED_STATUSES = {
    ReportKind.PRELIMINARY: [SeizureStatus.SUBMITTED, SeizureStatus.VALIDATED],
    ReportKind.FINAL: [SeizureStatus.VALIDATED],
}
TOP_ROUTES = 15
LARGEST = 5
ANNEX_MAX_ROWS = 1000
ORIGIN_ROLES = [RouteRole.ORIGIN, RouteRole.EXPORT]
DESTINATION_ROLES = [RouteRole.DESTINATION, RouteRole.DISCOVERY]

#: Column labels, translated when a dataset is built in the report's language.
LABELS = {
    "rilo": gettext_lazy("RILO"),
    "rilo_name": gettext_lazy("Region"),
    "invited": gettext_lazy("Invited"),
    "accepted": gettext_lazy("Accepted"),
    "declined": gettext_lazy("Declined"),
    "pending": gettext_lazy("Not answered"),
    "mea": gettext_lazy("MEA"),
    "mea_name": gettext_lazy("Agreement"),
    "seizures": gettext_lazy("Seizures"),
    "submitted": gettext_lazy("Submitted"),
    "validated": gettext_lazy("Validated"),
    "lines": gettext_lazy("Commodity lines"),
    "tonnes": gettext_lazy("Tonnes"),
    "kg": gettext_lazy("Kilograms"),
    "pieces_unweighed": gettext_lazy("Unweighed pieces"),
    "pieces": gettext_lazy("Pieces"),
    "m3": gettext_lazy("Cubic metres"),
    "odp_tonnes": gettext_lazy("ODP tonnes"),
    "co2e_tonnes": gettext_lazy("CO2-equivalent tonnes"),
    "equipment_pieces": gettext_lazy("Pieces of pre-charged equipment"),
    "live_animals": gettext_lazy("Live animals"),
    "surviving": gettext_lazy("Surviving"),
    "specimens": gettext_lazy("Specimens"),
    "share_seizures": gettext_lazy("Share of seizures (%)"),
    "share_tonnes": gettext_lazy("Share of tonnes (%)"),
    "chapter": gettext_lazy("HS chapter"),
    "heading": gettext_lazy("HS heading"),
    "description": gettext_lazy("Description"),
    "waste_code": gettext_lazy("Basel code"),
    "country": gettext_lazy("Country"),
    "country_name": gettext_lazy("Country name"),
    "origin": gettext_lazy("Origin"),
    "destination": gettext_lazy("Destination"),
    "distance_km": gettext_lazy("Great-circle distance (km)"),
    "code": gettext_lazy("Code"),
    "label": gettext_lazy("Label"),
    "date": gettext_lazy("Date"),
    "week": gettext_lazy("Week starting"),
    "reference": gettext_lazy("Reference"),
    "occurred_at": gettext_lazy("Seized on"),
    "place": gettext_lazy("Place"),
    "status": gettext_lazy("Status"),
    "figure": gettext_lazy("Figure"),
    "current": gettext_lazy("This edition"),
    "baseline": gettext_lazy("Baseline"),
    "change": pgettext_lazy("difference between two editions", "Change"),
    "change_pct": gettext_lazy("Change (%)"),
    "value": gettext_lazy("Value"),
    "meas": gettext_lazy("MEAs"),
    "hs_codes": gettext_lazy("HS codes"),
}

#: Key figures, in the order the debrief lists them.
KEY_FIGURES = {
    "administrations_invited": gettext_lazy("Administrations invited"),
    "administrations_accepted": gettext_lazy("Administrations taking part"),
    "seizure_messages": gettext_lazy("Seizure messages exchanged"),
    "channel_posts": gettext_lazy("Channel messages exchanged"),
    "seizure_reports": gettext_lazy("Seizure reports counted"),
    "linked_duplicates": gettext_lazy("Reports of a shipment already reported (counted once)"),
    "seizures": gettext_lazy("Seizures"),
    "lines": gettext_lazy("Commodity lines"),
    "tonnes": gettext_lazy("Tonnes"),
    "pieces_unweighed": gettext_lazy("Unweighed pieces"),
    "m3": gettext_lazy("Cubic metres"),
    "odp_tonnes": gettext_lazy("ODP tonnes"),
    "co2e_tonnes": gettext_lazy("CO2-equivalent tonnes"),
    "equipment_pieces": gettext_lazy("Pieces of pre-charged equipment"),
    "live_animals": gettext_lazy("Live animals"),
    "specimens": gettext_lazy("Specimens"),
    "countries_reporting": gettext_lazy("Countries reporting seizures"),
}

#: Tables, in the order the debrief, the workbook and the CSV downloads present them.
TABLE_TITLES = {
    "participation": gettext_lazy("Participating administrations by region"),
    "by_mea": gettext_lazy("Seizures and quantities by agreement"),
    "by_hs_chapter": gettext_lazy("Commodity streams by HS chapter"),
    "by_hs_heading": gettext_lazy("Commodity streams by HS heading"),
    "by_waste_code": gettext_lazy("Waste streams by Basel code"),
    "by_country": gettext_lazy("Seizures by reporting country"),
    "by_rilo": gettext_lazy("Seizures by region"),
    "route_matrix": gettext_lazy("Origin-to-destination matrix"),
    "top_routes": gettext_lazy("Top routes"),
    "by_transport_mode": gettext_lazy("Seizures by transport mode"),
    "by_detection": gettext_lazy("Seizures by detection method"),
    "by_concealment": gettext_lazy("Seizures by concealment method"),
    "per_day": gettext_lazy("Seizures per day"),
    "per_week": gettext_lazy("Seizures per week"),
    "largest": gettext_lazy("Largest seizures"),
    "baseline": gettext_lazy("Change against the baseline edition"),
    "annex": gettext_lazy("Annex: validated seizures"),
}

QUANTITY_COLUMNS = [
    "tonnes", "pieces_unweighed", "m3", "odp_tonnes", "co2e_tonnes", "equipment_pieces", "live_animals",
    "surviving", "specimens",
]  # fmt: skip


def counted_seizures(*, operation: Operation, kind: str) -> QuerySet[Seizure]:
    """The seizures a report of this kind counts, one per shipment.

    Of the reports linked as one case, the first filed (lowest id) stands for the case.
    """
    reported = Seizure.objects.filter(operation=operation, status__in=COUNTED_STATUSES[ReportKind(kind)])
    firsts = reported.filter(case__isnull=False).values("case_id").annotate(first=Min("id")).values("first")
    return reported.filter(Q(case__isnull=True) | Q(pk__in=firsts))


def listed_seizures(*, operation: Operation, kind: str, audience: str) -> QuerySet[Seizure]:
    """Seizures a report lists one by one (raw lines, annex, largest seizures).

    Participants never see a TLP:RED seizure as a row: it counts in the totals only.
    """
    seizures = Seizure.objects.filter(operation=operation, status__in=COUNTED_STATUSES[ReportKind(kind)])
    return seizures.filter(listable_to(audience))


def route_legs_sql(seizures: QuerySet[Seizure]) -> tuple[str, list[Any]]:
    """PostgreSQL: one row per seizure of ``seizures`` with legs: its route chain (``IT origin > NG discovery``),
    first origin or export country, first destination and first discovery country."""
    inner, params = seizures.order_by().values("pk").query.sql_with_params()
    first = "(array_agg(country_id ORDER BY position) FILTER (WHERE role IN ({roles})))[1]"
    origin_roles = ", ".join(["%s"] * len(ORIGIN_ROLES))
    sql = (
        "SELECT seizure_id, string_agg(country_id || ' ' || role, ' > ' ORDER BY position) AS chain, "
        f"{first.format(roles=origin_roles)} AS origin, {first.format(roles='%s')} AS destination, "
        f"{first.format(roles='%s')} AS discovery "
        f"FROM {RouteLeg._meta.db_table} WHERE seizure_id IN ({inner}) GROUP BY seizure_id"
    )
    roles = [*(str(role) for role in ORIGIN_ROLES), str(RouteRole.DESTINATION), str(RouteRole.DISCOVERY)]
    return sql, [*roles, *params]


def listable_to(audience: str) -> Q:
    """The seizures an audience may see one by one; the others count in aggregates only."""
    if audience == ReportAudience.COORDINATION:
        return Q()
    return Q(handling_code__in=HandlingCode.listed_for_participants())


def _number(value: Any, places: int = 3) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    rounded = round(float(value), places)
    return int(rounded) if rounded.is_integer() and places == 0 else rounded


def _tonnes(kg: Decimal | None) -> float:
    return round(float(kg or 0) / 1000, 3)


def _quantity_aggregates(prefix: str = "") -> dict[str, Any]:
    """Sums over commodity lines; ``prefix`` reaches the lines from another model."""
    p = prefix
    return {
        "q_lines": Count(f"{p}id" if p else "id", distinct=bool(p)),
        "q_kg": Sum(f"{p}kg"),
        "q_pieces_unweighed": Sum(f"{p}pieces", filter=Q(**{f"{p}kg__isnull": True})),
        "q_m3": Sum(f"{p}m3"),
        "q_odp_tonnes": Sum(f"{p}odp_tonnes"),
        "q_co2e_tonnes": Sum(f"{p}co2e_tonnes"),
        "q_equipment_pieces": Sum(f"{p}equipment_pieces"),
        "q_live_animals": Sum(f"{p}live_count"),
        "q_surviving": Sum(f"{p}surviving_count"),
        "q_specimens": Sum(f"{p}quantity", filter=Q(**{f"{p}unit__isnull": True})),
    }


def _quantities(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "lines": row.get("q_lines") or 0,
        "tonnes": _tonnes(row.get("q_kg")),
        "pieces_unweighed": _number(row.get("q_pieces_unweighed") or 0, 0),
        "m3": _number(row.get("q_m3") or 0),
        "odp_tonnes": _number(row.get("q_odp_tonnes") or 0),
        "co2e_tonnes": _number(row.get("q_co2e_tonnes") or 0),
        "equipment_pieces": row.get("q_equipment_pieces") or 0,
        "live_animals": row.get("q_live_animals") or 0,
        "surviving": row.get("q_surviving") or 0,
        "specimens": _number(row.get("q_specimens") or 0, 0),
    }


def _table(key: str, frame: pd.DataFrame, columns: list[str]) -> dict[str, Any]:
    frame = frame.reindex(columns=columns)
    rows = [[_plain(value) for value in row] for row in frame.itertuples(index=False, name=None)]
    return {
        "key": key,
        "title": str(TABLE_TITLES[key]),
        "columns": [{"key": column, "label": str(LABELS.get(column, column))} for column in columns],
        "rows": rows,
    }


def _plain(value: Any) -> Any:
    """A cell as JSON has it: numbers, strings, None."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _shares(frame: pd.DataFrame) -> pd.DataFrame:
    seizures = frame["seizures"].sum()
    tonnes = frame["tonnes"].sum()
    frame["share_seizures"] = (frame["seizures"] * 100 / seizures).round(1) if seizures else 0.0
    frame["share_tonnes"] = (frame["tonnes"] * 100 / tonnes).round(1) if tonnes else 0.0
    return frame


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)


def _grouped(lines: QuerySet[CommodityLine], key: str, expression: Any = None) -> list[dict[str, Any]]:
    """Seizure counts and quantities per value of ``key``, one row per group."""
    queryset = lines.annotate(**{key: expression}) if expression is not None else lines
    rows = queryset.values(key).annotate(seizures=Count("seizure_id", distinct=True), **_quantity_aggregates())
    return [{key: row[key], "seizures": row["seizures"], **_quantities(row)} for row in rows.order_by(key)]


class Builder:
    """Builds one dataset; ``progress`` hears how far it has come, in percent."""

    def __init__(
        self,
        *,
        operation: Operation,
        kind: str,
        audience: str,
        baseline: Operation | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.operation = operation
        self.kind = ReportKind(kind)
        self.audience = ReportAudience(audience)
        self.baseline = baseline
        self.progress = progress or (lambda percent: None)
        self.seizures = counted_seizures(operation=operation, kind=kind)
        self.lines = CommodityLine.objects.filter(seizure__in=self.seizures)
        self._routes: pd.DataFrame | None = None

    def build(self) -> dict[str, Any]:
        steps: list[tuple[str, Callable[[], dict[str, Any] | None]]] = [
            ("participation", self.participation),
            ("by_mea", self.by_mea),
            ("by_hs_chapter", self.by_hs_chapter),
            ("by_hs_heading", self.by_hs_heading),
            ("by_waste_code", self.by_waste_code),
            ("by_country", self.by_country),
            ("by_rilo", self.by_rilo),
            ("route_matrix", self.route_matrix),
            ("top_routes", self.top_routes),
            ("by_transport_mode", self.by_transport_mode),
            ("by_detection", self.by_detection),
            ("by_concealment", self.by_concealment),
            ("per_day", self.per_day),
            ("per_week", self.per_week),
            ("largest", self.largest),
            ("baseline", self.baseline_change),
            ("annex", self.annex),
        ]
        figures = self.key_figures(self.operation, self.kind)
        tables: dict[str, dict[str, Any]] = {}
        for done, (key, step) in enumerate(steps, start=1):
            table = step()
            if table is not None:
                tables[key] = table
            self.progress(int(done * 90 / len(steps)))
        return {
            "operation": {
                "id": self.operation.pk,
                "code": self.operation.code,
                "name": self.operation.name,
                "coordinating_administration": str(self.operation.coordinating_administration),
                "starts_at": self.operation.starts_at.isoformat(),
                "ends_at": self.operation.ends_at.isoformat(),
                "status": self.operation.status,
            },
            "kind": self.kind.value,
            "kind_label": str(self.kind.label),
            "audience": self.audience.value,
            "language": translation.get_language(),
            "counted_statuses": [str(status) for status in COUNTED_STATUSES[self.kind]],
            "computed_at": timezone.now().isoformat(),
            "baseline_operation": self.baseline.code if self.baseline else None,
            "key_figures": [
                {"key": key, "label": str(label), "value": figures[key]} for key, label in KEY_FIGURES.items()
            ],
            "largest_seizure": tables["largest"]["rows"][0] if tables["largest"]["rows"] else None,
            "tables": tables,
        }

    # --- key figures -----------------------------------------------------------------------

    @staticmethod
    def key_figures(operation: Operation, kind: ReportKind) -> dict[str, Any]:
        seizures = counted_seizures(operation=operation, kind=kind)
        lines = CommodityLine.objects.filter(seizure__in=seizures)
        participations = Participation.objects.filter(operation=operation, role=ParticipationRole.PARTICIPANT)
        invited = participations.aggregate(
            invited=Count("id"), accepted=Count("id", filter=Q(status=ParticipationStatus.ACCEPTED))
        )
        reported = Seizure.objects.filter(operation=operation, status__in=COUNTED_STATUSES[kind]).count()
        counted = seizures.count()
        totals = lines.aggregate(seizures=Count("seizure_id", distinct=True), **_quantity_aggregates())
        return {
            "administrations_invited": invited["invited"],
            "administrations_accepted": invited["accepted"],
            "seizure_messages": Seizure.objects.filter(operation=operation).exclude(status=SeizureStatus.DRAFT).count(),
            "channel_posts": Post.objects.filter(context=operation.context).count(),
            "seizure_reports": reported,
            "linked_duplicates": reported - counted,
            "seizures": totals["seizures"],
            "countries_reporting": seizures.values("country_id").distinct().count(),
            **_quantities(totals),
        }

    # --- tables ----------------------------------------------------------------------------

    def participation(self) -> dict[str, Any]:
        rows = (
            Participation.objects.filter(operation=self.operation, role=ParticipationRole.PARTICIPANT)
            .annotate(rilo=Coalesce("administration__country__rilo_id", "administration__rilo_id"))
            .values("rilo")
            .annotate(
                invited=Count("id"),
                accepted=Count("id", filter=Q(status=ParticipationStatus.ACCEPTED)),
                declined=Count("id", filter=Q(status=ParticipationStatus.DECLINED)),
                pending=Count("id", filter=Q(status=ParticipationStatus.INVITED)),
            )
        )
        frame = _frame([dict(row) for row in rows], ["rilo", "invited", "accepted", "declined", "pending"])
        names = {rilo.code: rilo.name for rilo in Rilo.objects.all()}
        frame["rilo"] = frame["rilo"].fillna("")
        frame["rilo_name"] = frame["rilo"].map(lambda code: names.get(code, _("International organisations")))
        frame = frame.sort_values("rilo")
        return _table("participation", frame, ["rilo", "rilo_name", "invited", "accepted", "declined", "pending"])

    def by_mea(self) -> dict[str, Any]:
        rows = self.lines.values("mea_id").annotate(
            seizures=Count("seizure_id", distinct=True),
            submitted=Count("seizure_id", distinct=True, filter=Q(seizure__status=SeizureStatus.SUBMITTED)),
            validated=Count("seizure_id", distinct=True, filter=Q(seizure__status=SeizureStatus.VALIDATED)),
            **_quantity_aggregates(),
        )
        names = {mea.code: mea.short_name for mea in Mea.objects.all()}
        records = [
            {
                "mea": row["mea_id"],
                "mea_name": names.get(row["mea_id"], row["mea_id"]),
                "seizures": row["seizures"],
                "submitted": row["submitted"],
                "validated": row["validated"],
                **_quantities(row),
            }
            for row in rows
        ]
        columns = ["mea", "mea_name", "seizures", "submitted", "validated", "lines", *QUANTITY_COLUMNS]
        frame = _frame(records, columns).sort_values(["seizures", "mea"], ascending=[False, True])
        return _table("by_mea", frame, columns)

    def _streams(self, key: str, expression: Any, names: dict[str, str], table: str) -> dict[str, Any]:
        records = _grouped(self.lines, key, expression)
        columns = [key, "description", "seizures", "lines", "tonnes", "pieces_unweighed", "share_seizures",
                   "share_tonnes"]  # fmt: skip
        frame = _frame(records, [key, "seizures", "lines", "tonnes", "pieces_unweighed"])
        frame["description"] = frame[key].map(lambda code: names.get(code, ""))
        frame = _shares(frame).sort_values(["tonnes", "seizures", key], ascending=[False, False, True])
        return _table(table, frame, columns)

    def by_hs_chapter(self) -> dict[str, Any]:
        names = dict(HsCode.objects.filter(level="2").values_list("code", "description"))
        return self._streams("chapter", Substr("hs_code_id", 1, 2), names, "by_hs_chapter")

    def by_hs_heading(self) -> dict[str, Any]:
        headings = self.lines.annotate(h=Substr("hs_code_id", 1, 4)).values("h").distinct()
        names = dict(HsCode.objects.filter(code__in=headings).values_list("code", "description"))
        return self._streams("heading", Substr("hs_code_id", 1, 4), names, "by_hs_heading")

    def by_waste_code(self) -> dict[str, Any]:
        waste = self.lines.filter(waste_code__isnull=False)
        names = {
            code.code: code.description for code in WasteCode.objects.filter(code__in=waste.values("waste_code_id"))
        }
        records = _grouped(waste, "waste_code_id")
        columns = ["waste_code", "description", "seizures", "lines", "tonnes", "pieces_unweighed", "share_seizures",
                   "share_tonnes"]  # fmt: skip
        frame = _frame(records, ["waste_code_id", "seizures", "lines", "tonnes", "pieces_unweighed"])
        frame = frame.rename(columns={"waste_code_id": "waste_code"})
        frame["description"] = frame["waste_code"].map(lambda code: names.get(code, ""))
        frame = _shares(frame).sort_values(["tonnes", "seizures", "waste_code"], ascending=[False, False, True])
        return _table("by_waste_code", frame, columns)

    def by_country(self) -> dict[str, Any]:
        records = _grouped(self.lines, "seizure__country_id")
        countries = {
            country.code: country for country in Country.objects.filter(code__in=self.seizures.values("country_id"))
        }
        columns = ["country", "country_name", "rilo", "seizures", "lines", *QUANTITY_COLUMNS[:5], "share_seizures",
                   "share_tonnes"]  # fmt: skip
        frame = _frame(records, ["seizure__country_id", "seizures", "lines", *QUANTITY_COLUMNS])
        frame = frame.rename(columns={"seizure__country_id": "country"})
        frame["country_name"] = frame["country"].map(lambda code: countries[code].name if code in countries else code)
        frame["rilo"] = frame["country"].map(lambda code: countries[code].rilo_id if code in countries else None)
        frame = _shares(frame).sort_values(["seizures", "tonnes", "country"], ascending=[False, False, True])
        return _table("by_country", frame, columns)

    def by_rilo(self) -> dict[str, Any]:
        records = _grouped(self.lines, "seizure__country__rilo_id")
        names = {rilo.code: rilo.name for rilo in Rilo.objects.all()}
        columns = ["rilo", "rilo_name", "seizures", "lines", *QUANTITY_COLUMNS[:5], "share_seizures", "share_tonnes"]
        frame = _frame(records, ["seizure__country__rilo_id", "seizures", "lines", *QUANTITY_COLUMNS])
        frame = frame.rename(columns={"seizure__country__rilo_id": "rilo"})
        frame["rilo_name"] = frame["rilo"].map(lambda code: names.get(code, ""))
        frame = _shares(frame).sort_values(["seizures", "rilo"], ascending=[False, True])
        return _table("by_rilo", frame, columns)

    def routes(self) -> pd.DataFrame:
        """Seizures and tonnes per (origin, destination): the first origin or export leg, the destination
        (or, when none is given, the country of discovery)."""
        if self._routes is not None:
            return self._routes
        rows = self._routes_per_seizure() if connection.vendor == "postgresql" else self._routes_per_line()
        records = [
            {
                "origin": row["origin"] or "",
                "destination": row["destination_or_discovery"] or "",
                "seizures": row["seizures"],
                "tonnes": _tonnes(row["q_kg"]),
            }
            for row in rows
        ]
        self._routes = _frame(records, ["origin", "destination", "seizures", "tonnes"])
        return self._routes

    def _routes_per_seizure(self) -> list[dict[str, Any]]:
        """PostgreSQL: route ends and weights aggregated once per seizure, then grouped by route.

        Looking the ends up for every line read the route legs line by line (7 s of a 23 s debrief at 70,000
        lines); the figures are the same, since a seizure's lines share its route.
        """
        legs, legs_params = route_legs_sql(self.seizures)
        seizures, params = self.seizures.order_by().values("pk").query.sql_with_params()
        sql = (
            "SELECT legs.origin, COALESCE(legs.destination, legs.discovery), count(*), sum(weights.kg) "
            f"FROM (SELECT seizure_id, sum(kg) AS kg FROM {CommodityLine._meta.db_table} "
            f"WHERE seizure_id IN ({seizures}) GROUP BY seizure_id) AS weights "
            f"LEFT JOIN ({legs}) AS legs ON legs.seizure_id = weights.seizure_id GROUP BY 1, 2"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *legs_params])
            return [
                {"origin": origin, "destination_or_discovery": destination, "seizures": count, "q_kg": kg}
                for origin, destination, count, kg in cursor.fetchall()
            ]

    def _routes_per_line(self) -> Any:
        """Any database: the route ends looked up for each line."""

        def leg(roles: Sequence[str]) -> Subquery:
            legs = RouteLeg.objects.filter(seizure_id=OuterRef("seizure_id"), role__in=roles)
            return Subquery(legs.order_by("position").values("country_id")[:1])

        return (
            self.lines.annotate(origin=leg(ORIGIN_ROLES), destination=leg([RouteRole.DESTINATION]))
            .annotate(destination_or_discovery=Coalesce(F("destination"), leg([RouteRole.DISCOVERY])))
            .values("origin", "destination_or_discovery")
            .annotate(seizures=Count("seizure_id", distinct=True), q_kg=Sum("kg"))
        )

    def route_matrix(self) -> dict[str, Any]:
        routes = self.routes()
        if routes.empty:
            return _table("route_matrix", pd.DataFrame(columns=["origin"]), ["origin"])
        matrix = routes.pivot_table(
            index="origin", columns="destination", values="seizures", aggfunc="sum", fill_value=0
        ).sort_index()
        destinations = sorted(matrix.columns)
        frame = matrix.reindex(columns=destinations).reset_index()
        table = _table("route_matrix", frame, ["origin", *destinations])
        for column in table["columns"][1:]:
            column["label"] = column["key"] or _("unknown")
        for row in table["rows"]:
            row[0] = row[0] or _("unknown")
        return table

    def top_routes(self) -> dict[str, Any]:
        routes = self.routes()
        frame = routes[(routes["origin"] != "") & (routes["destination"] != "")].copy()
        frame = frame.sort_values(["seizures", "tonnes", "origin", "destination"], ascending=[False, False, True, True])
        frame = frame.head(TOP_ROUTES)
        positions = country_positions(set(frame["origin"]) | set(frame["destination"]))
        frame["distance_km"] = [
            round(great_circle(positions[origin], positions[destination]).km)
            if origin in positions and destination in positions
            else None
            for origin, destination in zip(frame["origin"], frame["destination"], strict=True)
        ]
        return _table("top_routes", frame, ["origin", "destination", "seizures", "tonnes", "distance_km"])

    def _by_choice(self, key: str, counts: dict[str, int], labels: dict[str, str]) -> dict[str, Any]:
        total = self.seizures.count()
        records = [
            {
                "code": code,
                "label": labels[code],
                "seizures": seizures,
                "share_seizures": round(seizures * 100 / total, 1),
            }
            for code, seizures in counts.items()
            if seizures
        ]
        frame = _frame(records, ["code", "label", "seizures", "share_seizures"])
        frame = frame.sort_values(["seizures", "code"], ascending=[False, True])
        return _table(key, frame, ["code", "label", "seizures", "share_seizures"])

    def by_transport_mode(self) -> dict[str, Any]:
        counts = dict(
            self.seizures.values_list("transport_mode").annotate(n=Count("id")).values_list("transport_mode", "n")
        )
        labels = {mode.value: str(mode.label) for mode in TransportMode}
        labels[""] = _("Not given")
        return self._by_choice("by_transport_mode", counts, labels)

    def _listed_methods(
        self, key: str, field: str, choices: type[DetectionMethod] | type[ConcealmentMethod]
    ) -> dict[str, Any]:
        """How many seizures name each method; a seizure naming several counts under each."""
        counts = self.seizures.aggregate(
            **{
                method.value: Count("id", filter=Q(**{f"{field}__icontains": f'"{method.value}"'}))
                for method in choices
            }
        )
        return self._by_choice(key, counts, {method.value: str(method.label) for method in choices})

    def by_detection(self) -> dict[str, Any]:
        return self._listed_methods("by_detection", "detection_methods", DetectionMethod)

    def by_concealment(self) -> dict[str, Any]:
        return self._listed_methods("by_concealment", "concealment_methods", ConcealmentMethod)

    def _over_time(self, key: str, trunc: Any, column: str) -> dict[str, Any]:
        records = _grouped(self.lines, column, trunc)
        frame = _frame(records, [column, "seizures", "lines", "tonnes", "pieces_unweighed"])
        frame[column] = frame[column].map(
            lambda value: (
                value.date().isoformat() if isinstance(value, datetime) else (value.isoformat() if value else None)
            )
        )
        return _table(key, frame.sort_values(column), [column, "seizures", "tonnes", "pieces_unweighed"])

    def per_day(self) -> dict[str, Any]:
        return self._over_time("per_day", TruncDate("seizure__occurred_at"), "date")

    def per_week(self) -> dict[str, Any]:
        return self._over_time("per_week", TruncWeek("seizure__occurred_at"), "week")

    def largest(self) -> dict[str, Any]:
        """The heaviest seizures the audience may see listed; the first is the debrief's "largest single seizure"."""
        first_line = CommodityLine.objects.filter(seizure_id=OuterRef("pk")).order_by("position")
        rows = (
            self.seizures.filter(listable_to(self.audience))
            .annotate(
                kg=Sum("lines__kg"),
                pieces=Sum("lines__pieces", filter=Q(lines__kg__isnull=True)),
                description=Subquery(first_line.values("description")[:1]),
                mea=Subquery(first_line.values("mea_id")[:1]),
            )
            .filter(kg__isnull=False)
            .order_by("-kg", "id")
            .values("reference", "country_id", "occurred_at", "kg", "pieces", "description", "mea")[:LARGEST]
        )
        records = [
            {
                "reference": row["reference"],
                "country": row["country_id"],
                "occurred_at": row["occurred_at"].date().isoformat(),
                "mea": row["mea"],
                "description": row["description"],
                "tonnes": _tonnes(row["kg"]),
                "pieces_unweighed": _number(row["pieces"] or 0, 0),
            }
            for row in rows
        ]
        columns = ["reference", "country", "occurred_at", "mea", "description", "tonnes", "pieces_unweighed"]
        return _table("largest", _frame(records, columns), columns)

    def baseline_change(self) -> dict[str, Any] | None:
        if self.baseline is None:
            return None
        previous = self.key_figures(self.baseline, self.kind)
        current = self.key_figures(self.operation, self.kind)
        records = []
        for key, label in KEY_FIGURES.items():
            now, before = current[key], previous[key]
            change = (
                round(now - before, 3) if isinstance(now, (int, float)) and isinstance(before, (int, float)) else None
            )
            records.append(
                {
                    "figure": str(label),
                    "current": now,
                    "baseline": before,
                    "change": change,
                    "change_pct": round(change * 100 / before, 1) if change is not None and before else None,
                }
            )
        columns = ["figure", "current", "baseline", "change", "change_pct"]
        table = _table("baseline", _frame(records, columns), columns)
        table["baseline_operation"] = self.baseline.code
        return table

    def annex(self) -> dict[str, Any]:
        """Validated seizures one by one, as far as the audience may see them; never who was involved."""
        validated = listed_seizures(operation=self.operation, kind=ReportKind.FINAL, audience=self.audience)
        total = validated.count()
        first_line = CommodityLine.objects.filter(seizure_id=OuterRef("pk")).order_by("position")
        rows = (
            validated.annotate(
                kg=Sum("lines__kg"),
                line_count=Count("lines"),
                description=Subquery(first_line.values("description")[:1]),
                mea=Subquery(first_line.values("mea_id")[:1]),
                hs=Subquery(first_line.values("hs_code_id")[:1]),
            )
            .order_by("occurred_at", "id")
            .values(
                "reference",
                "country_id",
                "occurred_at",
                "place_name",
                "place_port__code",
                "place_locode",
                "kg",
                "line_count",
                "description",
                "mea",
                "hs",
            )[:ANNEX_MAX_ROWS]
        )
        records = [
            {
                "reference": row["reference"],
                "occurred_at": row["occurred_at"].date().isoformat(),
                "country": row["country_id"],
                "place": row["place_port__code"] or row["place_locode"] or row["place_name"] or "",
                "mea": row["mea"],
                "heading": row["hs"],
                "description": row["description"] + (f" (+{row['line_count'] - 1})" if row["line_count"] > 1 else ""),
                "tonnes": _tonnes(row["kg"]),
            }
            for row in rows
        ]
        columns = ["reference", "occurred_at", "country", "place", "mea", "heading", "description", "tonnes"]
        table = _table("annex", _frame(records, columns), columns)
        table["total"] = total
        table["columns"][5]["label"] = str(LABELS["hs_codes"])
        return table


def country_positions(codes: set[str]) -> dict[str, tuple[float, float]]:
    """A country's position for distances: the mean position of its ports and airports in the reference data."""
    rows = (
        Port.objects.filter(country_id__in=[code for code in codes if code])
        .values("country_id")
        .annotate(latitude=Avg("latitude"), longitude=Avg("longitude"))
    )
    return {row["country_id"]: (row["latitude"], row["longitude"]) for row in rows}


def operation_dataset(
    *,
    operation: Operation,
    kind: str,
    audience: str,
    language: str,
    baseline: Operation | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """The whole debrief as data, in ``language``."""
    with translation.override(language):
        return Builder(operation=operation, kind=kind, audience=audience, baseline=baseline, progress=progress).build()
