"""Writing many validated filings at once with ``COPY``, for operations of a million commodity lines.

The rows are those ``seizure_create`` then ``seizure_submit`` (and ``seizure_validate`` or
``seizure_request_info``) write for each filing: the seizure with its next reference number, its
lines, route, parties, shipment keys, the scope it records on the operation, and the same-shipment
case and finding when another administration of the batch reported one of its containers or
documents first. Row by row those services take a few hundred milliseconds per seizure (versions,
audit, events, channel posts); a bulk write takes microseconds, so the per-seizure announcements
are left out, as the importer announces a file once. Nothing here validates: callers pass filings
``FilingValidator`` cleaned. PostgreSQL only.
"""

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Administration, User
from operations.models import Operation, ReportedScope

from .choices import Finding, SeizureStatus
from .models import Case, CommodityLine, Party, ReferenceCounter, RouteLeg, Seizure, ShipmentKey
from .validation import CleanFiling

SEIZURE_COLUMNS = (
    "id", "uuid", "operation_id", "administration_id", "country_id", "filed_by_id", "reference", "status", "version",
    "occurred_at", "place_port_id", "place_locode", "place_name", "place_function", "latitude", "longitude",
    "direction", "transport_mode", "vessel_name", "vessel_imo", "flight", "vehicle_registration", "containers",
    "transport_document", "detection_methods", "concealment_methods", "reasons", "actions_taken", "narrative",
    "handling_code", "findings", "flagged", "case_id", "review_comment", "reviewed_by_id", "submitted_at",
    "validated_at", "created_at", "updated_at",
)  # fmt: skip
LINE_COLUMNS = (
    "seizure_id", "position", "mea_id", "hs_code_id", "hs_national", "hs_edition", "description", "quantity",
    "unit_id", "kg", "m3", "pieces", "waste_code_id", "ods_substance_id", "odp_tonnes", "co2e_tonnes",
    "equipment_pieces", "species", "cites_appendix", "cites_term_id", "live_count", "surviving_count", "disposal",
)  # fmt: skip
LEG_COLUMNS = ("seizure_id", "position", "role", "country_id", "place_port_id", "place_name")
PARTY_COLUMNS = (
    "seizure_id", "kind", "role", "name", "date_of_birth", "nationality_id", "document_number",
    "registration_number", "address",
)  # fmt: skip
KEY_COLUMNS = ("seizure_id", "operation_id", "kind", "value")
SCOPE_COLUMNS = ("operation_id", "reference", "occurred_at", "mea_id", "hs_code_id", "country_id")
JSON_HEADER = ("containers", "detection_methods", "concealment_methods", "reasons", "actions_taken")


@dataclass
class BulkFiling:
    """One cleaned filing, who filed it, and where the V-OCU's review left it."""

    administration: Administration
    filed_by: User
    clean: CleanFiling
    status: str = SeizureStatus.SUBMITTED
    reviewed_by: User | None = None
    review_comment: str = ""


def _pk(value: Any) -> Any:
    return value.pk if value is not None and hasattr(value, "pk") else value


def _json(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder)


def _reserve_ids(model: type[Seizure], count: int) -> int:
    """The first of ``count`` consecutive primary keys taken from the table's sequence."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = int(cursor.fetchone()[0])
        if count > 1:
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def _copy(model: type, columns: Sequence[str], rows: Any) -> int:
    written = 0
    with connection.cursor() as cursor:
        sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"  # type: ignore[attr-defined]
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                written += 1
    return written


def _references(operation: Operation, filings: Sequence[BulkFiling]) -> list[str]:
    """The next reference numbers of each country, in filing order, as ``_next_reference`` gives them."""
    counters = {
        counter.country_id: counter
        for counter in ReferenceCounter.objects.select_for_update().filter(operation=operation)
    }
    references = []
    for filing in filings:
        country = filing.administration.country_id
        assert country is not None, "only national administrations file seizures"
        counter = counters.get(country)
        if counter is None:
            counter = counters[country] = ReferenceCounter.objects.create(operation=operation, country_id=country)
        counter.last += 1
        references.append(f"{operation.code}/{country}/{counter.last:04d}")
    ReferenceCounter.objects.bulk_update(list(counters.values()), ["last"])
    return references


def _shipments(
    operation: Operation, filings: Sequence[BulkFiling], references: list[str]
) -> tuple[list[int | None], list[list[str]]]:
    """Same-shipment cases within the batch, as ``_link_shipment`` makes them filing after filing: a
    seizure sharing a key with an earlier one of another administration joins its case and is flagged
    with the earlier ones' references."""
    seen: dict[tuple[str, str], list[int]] = {}
    groups: list[int] = list(range(len(filings)))

    def root(index: int) -> int:
        while groups[index] != index:
            groups[index] = groups[groups[index]]
            index = groups[index]
        return index

    others_of: list[list[str]] = [[] for _filing in filings]
    for index, filing in enumerate(filings):
        others: set[int] = set()
        for key in dict.fromkeys(filing.clean.shipment_keys):
            earlier = seen.setdefault(key, [])
            others.update(other for other in earlier if filings[other].administration.pk != filing.administration.pk)
            earlier.append(index)
        for other in others:
            groups[root(other)] = root(index)
        others_of[index] = sorted({references[other] for other in others})
    members: dict[int, list[int]] = {}
    for index in range(len(filings)):
        if others_of[index]:
            members.setdefault(root(index), [])
    for index in range(len(filings)):
        group = root(index)
        if group in members:
            members[group].append(index)
    cases = Case.objects.bulk_create([Case(operation=operation) for _group in members])
    case_of: list[int | None] = [None] * len(filings)
    for case, indexes in zip(cases, members.values(), strict=True):
        for index in indexes:
            case_of[index] = case.pk
    return case_of, others_of


@transaction.atomic
def seizures_write_bulk(*, operation: Operation, filings: Sequence[BulkFiling], now: datetime | None = None) -> int:
    """Write cleaned filings as submitted (or reviewed) seizures of the operation; returns how many."""
    if not filings:
        return 0
    now = now or timezone.now()
    references = _references(operation, filings)
    case_of, others_of = _shipments(operation, filings, references)
    first = _reserve_ids(Seizure, len(filings))

    def seizures() -> Any:
        for index, filing in enumerate(filings):
            header = filing.clean.header
            findings = list(filing.clean.findings)
            if others_of[index]:
                detail = ", ".join(others_of[index])
                findings.append({"code": Finding.SAME_SHIPMENT, "field": "containers", "detail": detail})
            values = {
                "id": first + index,
                "uuid": uuid.uuid4(),
                "operation_id": operation.pk,
                "administration_id": filing.administration.pk,
                "country_id": filing.administration.country_id,
                "filed_by_id": filing.filed_by.pk,
                "reference": references[index],
                "status": filing.status,
                "version": 0,
                "findings": _json(findings),
                "flagged": bool(findings),
                "case_id": case_of[index],
                "review_comment": filing.review_comment,
                "reviewed_by_id": _pk(filing.reviewed_by),
                "submitted_at": now,
                "validated_at": now if filing.status == SeizureStatus.VALIDATED else None,
                "created_at": now,
                "updated_at": now,
                "place_port_id": _pk(header["place_port"]),
            }
            for name, value in header.items():
                if name == "place_port":
                    continue
                values[name] = _json(value) if name in JSON_HEADER else value
            yield tuple(values[column] for column in SEIZURE_COLUMNS)

    def lines() -> Any:
        for index, filing in enumerate(filings):
            for line in filing.clean.lines:
                values = {**line, "seizure_id": first + index, "hs_edition": "HS2022"}
                yield tuple(
                    _pk(values[column.removesuffix("_id")] if column.removesuffix("_id") in values else values[column])
                    for column in LINE_COLUMNS
                )

    def legs() -> Any:
        for index, filing in enumerate(filings):
            for leg in filing.clean.route:
                yield (first + index, leg["position"], leg["role"], _pk(leg["country"]), _pk(leg["place_port"]),
                       leg["place_name"])  # fmt: skip

    def parties() -> Any:
        for index, filing in enumerate(filings):
            for party in filing.clean.parties:
                yield (first + index, party["kind"], party["role"], party["name"], party["date_of_birth"],
                       _pk(party["nationality"]), party["document_number"], party["registration_number"],
                       party["address"])  # fmt: skip

    def keys() -> Any:
        for index, filing in enumerate(filings):
            for kind, value in dict.fromkeys(filing.clean.shipment_keys):
                yield (first + index, operation.pk, kind, value)

    def scope() -> Any:
        for index, filing in enumerate(filings):
            for line in filing.clean.lines:
                yield (operation.pk, references[index], filing.clean.header["occurred_at"], _pk(line["mea"]),
                       _pk(line["hs_code"]), filing.administration.country_id)  # fmt: skip

    written = _copy(Seizure, SEIZURE_COLUMNS, seizures())
    _copy(CommodityLine, LINE_COLUMNS, lines())
    _copy(RouteLeg, LEG_COLUMNS, legs())
    _copy(Party, PARTY_COLUMNS, parties())
    _copy(ShipmentKey, KEY_COLUMNS, keys())
    _copy(ReportedScope, SCOPE_COLUMNS, scope())
    return written
