"""Writing many validated filings at once with ``COPY``: imports and operations of a million commodity lines.

The rows are those ``seizure_create`` then ``seizure_submit`` (and ``seizure_validate`` or
``seizure_request_info``) write for each filing: the seizure with its next reference number, its
lines, route, parties, shipment keys, the scope it records on the operation, and the same-shipment
case and finding when another administration reported one of its containers or documents first
(earlier in the batch, or already in the operation). Row by row those services take tens of
milliseconds per seizure; a bulk write takes microseconds.

With ``history`` (the importer) a submitted filing also gets what the services record for it:
version 1 with its snapshot, the audit entries of its creation, its parties and its submission
(chained in one batch), and its announcement to the people who may see it (``seizure.import`` events,
one per audience). No channel post: an import announces itself once. Without it (the simulation)
those are left out, and an edit later gives the seizure version 1. Nothing here validates: callers
pass filings ``FilingValidator`` cleaned. COPY on PostgreSQL; other databases get the same rows
through ``executemany``.
"""

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.audit import AuditEntry, audit_record_many, personal_digest
from accounts.models import Administration, User
from messaging.services import events_emit_many
from operations.models import Operation, ReportedScope
from opsplatform.rows import ids_reserve, rows_copy

from .choices import Finding, SeizureStatus
from .models import Case, CommodityLine, Party, ReferenceCounter, RouteLeg, Seizure, SeizureVersion, ShipmentKey
from .selectors import seizure_audience_of
from .snapshots import filing_lines_snapshot, filing_snapshot, plain
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
    "id", "seizure_id", "kind", "role", "name", "date_of_birth", "nationality_id", "document_number",
    "registration_number", "address",
)  # fmt: skip
KEY_COLUMNS = ("seizure_id", "operation_id", "kind", "value")
SCOPE_COLUMNS = ("operation_id", "reference", "occurred_at", "mea_id", "hs_code_id", "country_id")
#: Seizures announced by one ``seizure.import`` event at most, so that one pushed message stays small.
IMPORT_EVENT_SEIZURES = 500
VERSION_COLUMNS = (
    "seizure_id", "number", "status", "action", "changed_by_id", "changed_at", "comment", "snapshot", "changes",
)  # fmt: skip
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


@dataclass
class _Filed:
    """A live seizure already in the operation that shares a shipment key with the batch."""

    pk: int
    administration_id: int
    reference: str
    case_id: int | None


def _already_filed(operation: Operation, filings: Sequence[BulkFiling]) -> dict[tuple[str, str], list[_Filed]]:
    """The operation's submitted (or reviewed) seizures by the shipment keys of the batch they share."""
    wanted: dict[str, set[str]] = {}
    for filing in filings:
        for kind, value in filing.clean.shipment_keys:
            wanted.setdefault(kind, set()).add(value)
    found: dict[tuple[str, str], list[_Filed]] = {}
    if not wanted or not ShipmentKey.objects.filter(operation=operation).exists():
        return found
    for kind, values in wanted.items():
        ordered = sorted(values)
        for start in range(0, len(ordered), 5000):
            rows = (
                ShipmentKey.objects.filter(operation=operation, kind=kind, value__in=ordered[start : start + 5000])
                .exclude(seizure__status__in=[SeizureStatus.DRAFT, SeizureStatus.WITHDRAWN])
                .order_by("seizure_id")
                .values_list("value", "seizure_id", "seizure__administration_id", "seizure__reference",
                             "seizure__case_id")
            )  # fmt: skip
            for value, pk, administration_id, reference, case_id in rows:
                found.setdefault((kind, value), []).append(_Filed(pk, administration_id, reference, case_id))
    return found


def _shipments(
    operation: Operation, filings: Sequence[BulkFiling], references: list[str]
) -> tuple[list[int | None], list[list[str]]]:
    """Same-shipment cases, as ``_link_shipment`` makes them filing after filing: a seizure sharing a key
    with an earlier one of another administration (in the batch or already filed) joins its case, which
    takes in the cases of all of them (the oldest case stays), and is flagged with their references.

    Returns each filing's case and the references it shares a shipment with; moves already filed
    seizures into the cases they now belong to.
    """
    filed = _already_filed(operation, filings)
    # nodes: filings 0..n-1, then the already filed seizures that share a key with them
    extra: dict[int, int] = {}
    existing: list[_Filed] = []
    seen: dict[tuple[str, str], list[int]] = {}
    for key, seizures in filed.items():
        for seizure in seizures:
            if seizure.pk not in extra:
                extra[seizure.pk] = len(filings) + len(existing)
                existing.append(seizure)
            seen.setdefault(key, []).append(extra[seizure.pk])
    count = len(filings) + len(existing)
    groups: list[int] = list(range(count))

    def root(index: int) -> int:
        while groups[index] != index:
            groups[index] = groups[groups[index]]
            index = groups[index]
        return index

    def administration(index: int) -> int:
        return (
            filings[index].administration.pk
            if index < len(filings)
            else existing[index - len(filings)].administration_id
        )

    def reference(index: int) -> str:
        return references[index] if index < len(filings) else existing[index - len(filings)].reference

    others_of: list[list[str]] = [[] for _filing in filings]
    linked: set[int] = set()
    for index, filing in enumerate(filings):
        others: set[int] = set()
        for key in dict.fromkeys(filing.clean.shipment_keys):
            earlier = seen.setdefault(key, [])
            others.update(other for other in earlier if administration(other) != filing.administration.pk)
            earlier.append(index)
        for other in others:
            groups[root(other)] = root(index)
        if others:
            linked.update({index, *others})
        others_of[index] = sorted({reference(other) for other in others})
    members: dict[int, list[int]] = {}
    for index in sorted(linked):
        members.setdefault(root(index), []).append(index)
    case_of: list[int | None] = [None] * len(filings)
    fresh: list[list[int]] = []
    for indexes in members.values():
        cases = sorted(
            {case for index in indexes if index >= len(filings) and (case := existing[index - len(filings)].case_id)}
        )
        if not cases:
            fresh.append(indexes)
            continue
        case = cases[0]
        for index in indexes:
            if index < len(filings):
                case_of[index] = case
        moved = [existing[index - len(filings)].pk for index in indexes if index >= len(filings)]
        Seizure.objects.filter(Q(case_id__in=cases) | Q(pk__in=moved)).update(case=case)
        if len(cases) > 1:
            Case.objects.filter(pk__in=cases[1:]).delete()
    for new_case, indexes in zip(
        Case.objects.bulk_create([Case(operation=operation) for _group in fresh]), fresh, strict=True
    ):
        for index in indexes:
            if index < len(filings):
                case_of[index] = new_case.pk
        moved = [existing[index - len(filings)].pk for index in indexes if index >= len(filings)]
        if moved:
            Seizure.objects.filter(pk__in=moved).update(case=new_case)
    return case_of, others_of


def _party_snapshot(seizure_id: int, party: dict[str, Any]) -> dict[str, Any]:
    """``services.party_audit_snapshot`` of the party as written."""
    personal = {
        "name": party["name"], "date_of_birth": plain(party["date_of_birth"]),
        "nationality_id": _pk(party["nationality"]), "document_number": party["document_number"],
        "registration_number": party["registration_number"], "address": party["address"],
    }  # fmt: skip
    return {"seizure": seizure_id, "kind": party["kind"], "role": party["role"], "personal": personal_digest(personal)}


def _history(
    operation: Operation,
    filings: Sequence[BulkFiling],
    ids: range,
    party_ids: list[list[int]],
    references: list[str],
    uuids: list[uuid.UUID],
    flagged: list[bool],
    now: datetime,
) -> None:
    """Version 1 and the audit entries of each filing, as ``seizure_write_new``, ``_audit_new`` and
    ``seizure_submit_imported`` record them for one, and the events announcing them.

    ``seizure_submit_imported`` emits one ``seizure.add`` event per seizure, for the people who may see it;
    an operation's audience is some hundred people, so an import of thousands would write hundreds of
    thousands of recipient rows. Seizures with the same audience are announced together instead: one
    ``seizure.import`` event per audience (and per ``IMPORT_EVENT_SEIZURES``), whose ``seizures`` are the
    payloads the ``seizure.add`` events would carry. Nobody learns of a seizure they could not see.
    """
    entries: list[AuditEntry] = []
    versions = []
    announced: dict[frozenset[int], list[dict[str, Any]]] = {}
    audience = seizure_audience_of(operation=operation)
    for index, filing in enumerate(filings):
        assert filing.status == SeizureStatus.SUBMITTED, "history is recorded for submitted filings"
        pk, user, clean, administration = ids[index], filing.filed_by, filing.clean, filing.administration.pk
        lines = filing_lines_snapshot(clean)
        created = filing_snapshot(clean, status=SeizureStatus.DRAFT, stored=False, lines=lines)
        draft = filing_snapshot(clean, status=SeizureStatus.DRAFT, stored=True, lines=lines)
        submitted = {**draft, "status": SeizureStatus.SUBMITTED}
        common: dict[str, Any] = {"actor": user, "reference": references[index], "administration": administration}
        entries.append(AuditEntry(action="create", object_type="seizure", object_id=pk, after=created, **common))
        for party_id, party in zip(party_ids[index], clean.parties, strict=True):
            entries.append(
                AuditEntry(action="create", object_type="party", object_id=party_id, after=_party_snapshot(pk, party),
                           **common)
            )  # fmt: skip
        entries.append(
            AuditEntry(action="submit", object_type="seizure", object_id=pk, before=draft, after=submitted, **common)
        )
        versions.append((pk, 1, SeizureStatus.SUBMITTED, "submit", user.pk, now, "", _json(submitted), "[]"))
        payload = {
            "id": pk, "uuid": str(uuids[index]), "reference": references[index], "operation": operation.pk,
            "context": operation.context, "status": SeizureStatus.SUBMITTED, "version": 1,
            "country": filing.administration.country_id, "occurred_at": submitted["occurred_at"],
            "meas": sorted({line["mea"] for line in lines}), "hs_codes": sorted({line["hs_code"] for line in lines}),
            "flagged": flagged[index],
        }  # fmt: skip
        recipients = frozenset(audience(administration, clean.header["handling_code"]))
        announced.setdefault(recipients, []).append(payload)
    audit_record_many(entries=entries)
    rows_copy(SeizureVersion, VERSION_COLUMNS, versions)
    events = [
        ("seizure", "import", {"operation": operation.pk, "context": operation.context,
                               "seizures": payloads[start : start + IMPORT_EVENT_SEIZURES]}, recipients)
        for recipients, payloads in announced.items()
        for start in range(0, len(payloads), IMPORT_EVENT_SEIZURES)
    ]  # fmt: skip
    events_emit_many(events=events)


@transaction.atomic
def seizures_write_bulk(
    *, operation: Operation, filings: Sequence[BulkFiling], now: datetime | None = None, history: bool = False
) -> range:
    """Write cleaned filings as submitted (or reviewed) seizures of the operation, in order; returns their ids.

    ``history``: record versions, audit entries and events as well (every filing must be submitted).
    """
    if not filings:
        return range(0)
    now = now or timezone.now()
    references = _references(operation, filings)
    first = ids_reserve(Seizure, len(filings))
    ids = range(first, first + len(filings))
    case_of, others_of = _shipments(operation, filings, references)
    uuids = [uuid.uuid4() for _filing in filings]
    flagged: list[bool] = []
    version = 1 if history else 0

    def seizures() -> Any:
        for index, filing in enumerate(filings):
            header = filing.clean.header
            findings = list(filing.clean.findings)
            if others_of[index]:
                detail = ", ".join(others_of[index])
                findings.append({"code": Finding.SAME_SHIPMENT, "field": "containers", "detail": detail})
            flagged.append(bool(findings))
            values = {
                "id": first + index,
                "uuid": uuids[index],
                "operation_id": operation.pk,
                "administration_id": filing.administration.pk,
                "country_id": filing.administration.country_id,
                "filed_by_id": filing.filed_by.pk,
                "reference": references[index],
                "status": filing.status,
                "version": version,
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

    party_count = sum(len(filing.clean.parties) for filing in filings)
    next_party = ids_reserve(Party, party_count) if party_count else 0
    party_ids: list[list[int]] = []
    for filing in filings:
        party_ids.append(list(range(next_party, next_party + len(filing.clean.parties))))
        next_party += len(filing.clean.parties)

    def parties() -> Any:
        for index, filing in enumerate(filings):
            for party_id, party in zip(party_ids[index], filing.clean.parties, strict=True):
                yield (party_id, first + index, party["kind"], party["role"], party["name"], party["date_of_birth"],
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

    rows_copy(Seizure, SEIZURE_COLUMNS, seizures())
    rows_copy(CommodityLine, LINE_COLUMNS, lines())
    rows_copy(RouteLeg, LEG_COLUMNS, legs())
    if party_count:
        rows_copy(Party, PARTY_COLUMNS, parties())
    rows_copy(ShipmentKey, KEY_COLUMNS, keys())
    rows_copy(ReportedScope, SCOPE_COLUMNS, scope())
    if history:
        _history(operation, filings, ids, party_ids, references, uuids, flagged, now)
    return ids
