"""Every write to seizure messages: filing, editing, the V-OCU's review, withdrawal and versions."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.audit import audit_record, personal_digest
from accounts.models import Administration, Unit, User
from messaging import services as messaging
from messaging.choices import AudienceKind, NotificationKind
from messaging.models import Post
from operations import selectors as operation_selectors
from operations import services as operations
from operations.choices import ParticipationRole, ParticipationStatus
from operations.models import Operation
from opsplatform.api.idempotency import idempotency_records_forget
from opsplatform.broker import broker_schedule
from opsplatform.errors import field_error
from reference.choices import Topic

from . import selectors
from .bulk import BulkFiling, seizures_write_bulk
from .choices import Finding, SeizureStatus
from .imports import ImportResult, ParsedFile, RowError, parse, share_references
from .models import Case, CommodityLine, Party, ReferenceCounter, RouteLeg, Seizure, SeizureVersion, ShipmentKey
from .snapshots import plain as _plain
from .validation import CleanFiling, CodeBook, FilingValidator, operation_scope

EDITABLE = [SeizureStatus.DRAFT, SeizureStatus.SUBMITTED, SeizureStatus.INFO_REQUESTED, SeizureStatus.VALIDATED]


# --- Reading a seizure back as a filing ------------------------------------------------------


LINE_FIELDS = (
    "mea", "hs_code", "hs_national", "description", "quantity", "unit", "kg", "m3", "pieces", "waste_code",
    "ods_substance", "odp_tonnes", "co2e_tonnes", "equipment_pieces", "species", "cites_appendix",
    "cites_term", "live_count", "surviving_count", "disposal",
)  # fmt: skip


def _lines(seizure: Seizure) -> list[CommodityLine]:
    """The lines with what the snapshot, the scope record, the event and the post read of them: one query."""
    return list(CommodityLine.objects.filter(seizure=seizure).select_related("mea", "hs_code").order_by("position"))


def seizure_content(seizure: Seizure, lines: Sequence[CommodityLine] | None = None) -> dict[str, Any]:
    """The snapshot's lines, route, attachments and party count: what a status change leaves as it is, so one
    service call reads them once however many snapshots it records."""
    return {
        "lines": [
            {name: _plain(getattr(line, f"{name}_id" if hasattr(line, f"{name}_id") else name)) for name in LINE_FIELDS}
            for line in (_lines(seizure) if lines is None else lines)
        ],
        "route": [
            {
                "role": leg.role,
                "country": leg.country_id,
                "place_port": leg.place_port.code if leg.place_port else "",
                "place_name": leg.place_name,
            }
            for leg in RouteLeg.objects.filter(seizure=seizure).select_related("place_port").order_by("position")
        ],
        "attachments": sorted(seizure.attachments.values_list("original_name", flat=True)),
        "parties": Party.objects.filter(seizure=seizure).count(),
    }


def seizure_snapshot(seizure: Seizure, content: dict[str, Any] | None = None) -> dict[str, Any]:
    """The non-nominal content of a seizure as plain values: what versions store and compare.

    ``content`` (from ``seizure_content``) spares reading lines, route, attachments and parties again."""
    header = {
        name: _plain(getattr(seizure, name))
        for name in (
            "status", "occurred_at", "place_port", "place_locode", "place_name", "place_function", "latitude",
            "longitude", "direction", "transport_mode", "vessel_name", "vessel_imo", "flight",
            "vehicle_registration", "containers", "transport_document", "detection_methods",
            "concealment_methods", "reasons", "actions_taken", "narrative", "handling_code", "review_comment",
        )
    }  # fmt: skip
    header["place_port"] = seizure.place_port.code if seizure.place_port_id and seizure.place_port else ""
    return {**header, **(seizure_content(seizure) if content is None else content)}


def seizure_as_filing(seizure: Seizure, *, with_parties: bool) -> dict[str, Any]:
    """The seizure in the shape a filing takes, to prefill a form or merge a partial update."""
    filing = seizure_snapshot(seizure)
    for name in ("status", "review_comment", "attachments", "parties"):
        filing.pop(name)
    filing["occurred_at"] = seizure.occurred_at
    filing["latitude"], filing["longitude"] = seizure.latitude, seizure.longitude
    for line in filing["lines"]:
        line["quantity"] = Decimal(line["quantity"])
        if line["hs_national"]:
            line["hs_code"] = line["hs_national"]
        line["unit"] = line["unit"] or ""
        for name in ("waste_code", "ods_substance", "cites_term"):
            line[name] = line[name] or ""
        for name in ("kg", "m3", "pieces", "odp_tonnes", "co2e_tonnes", "hs_national"):
            line.pop(name)
    filing["parties"] = (
        [
            {
                "kind": party.kind,
                "role": party.role,
                "name": party.name,
                "date_of_birth": party.date_of_birth,
                "nationality": party.nationality_id or "",
                "document_number": party.document_number,
                "registration_number": party.registration_number,
                "address": party.address,
            }
            for party in Party.objects.filter(seizure=seizure).order_by("id")
        ]
        if with_parties
        else None
    )
    return filing


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}{key}."))
        return flat
    if isinstance(value, list) and value and isinstance(value[0], dict):
        flat = {}
        for index, item in enumerate(value):
            flat.update(_flatten(item, f"{prefix}{index + 1}."))
        return flat
    return {prefix.rstrip("."): value}


def snapshot_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[dict[str, Any]]:
    """Field by field, what differs between two snapshots (``lines.2.quantity``: before, after)."""
    if before is None:
        return []
    old, new = _flatten(before), _flatten(after)
    return [
        {"field": name, "before": old.get(name), "after": new.get(name)}
        for name in sorted(set(old) | set(new), key=lambda key: (key.split(".")[0], key))
        if old.get(name) != new.get(name)
    ]


# --- Writing ---------------------------------------------------------------------------------


def _locked(seizure: Seizure) -> Seizure:
    """The seizure, locked for its transition until the transaction ends; its operation comes along unlocked.

    FOR NO KEY UPDATE, and of the seizure's row only: rows inserted meanwhile that refer to the seizure or to its
    operation (every other filing's seizure, version and event) take a key-share lock on them, which FOR UPDATE
    would block. Such a filing may already hold the audit chain's lock this transaction waits for, so a plain
    FOR UPDATE deadlocks concurrent filings and reviews of one operation.
    """
    return Seizure.objects.select_for_update(no_key=True, of=("self",)).select_related("operation").get(pk=seizure.pk)


def _next_reference(operation: Operation, country_id: str) -> str:
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(
        operation=operation, country_id=country_id
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{operation.code}/{country_id}/{counter.last:04d}"


def _store_attachments(user: User, uploads: Sequence[UploadedFile]) -> list[Any]:
    try:
        return [messaging.stored_file_create(uploader=user, upload=upload) for upload in uploads]
    except ValidationError as error:
        raise ValidationError({"attachments": error.messages}, code="attachment") from None


def _write(seizure: Seizure, clean: CleanFiling, *, parties: bool) -> None:
    new = seizure._state.adding  # a new seizure has nothing to replace
    for name, value in clean.header.items():
        setattr(seizure, name, value)
    seizure.findings = clean.findings
    seizure.flagged = bool(clean.findings)
    seizure.save()
    if not new:
        CommodityLine.objects.filter(seizure=seizure).delete()
        RouteLeg.objects.filter(seizure=seizure).delete()
        if parties:
            Party.objects.filter(seizure=seizure).delete()
        ShipmentKey.objects.filter(seizure=seizure).delete()
    CommodityLine.objects.bulk_create([CommodityLine(seizure=seizure, **line) for line in clean.lines])
    RouteLeg.objects.bulk_create([RouteLeg(seizure=seizure, **leg) for leg in clean.route])
    if parties and clean.parties:
        Party.objects.bulk_create([Party(seizure=seizure, **party) for party in clean.parties])
    ShipmentKey.objects.bulk_create(
        [
            ShipmentKey(seizure=seizure, operation_id=seizure.operation_id, kind=kind, value=value)
            for kind, value in dict.fromkeys(clean.shipment_keys)
        ]
    )


def _check_can_file(user: User, operation: Operation) -> None:
    if selectors.filing_participation(user=user, operation=operation) is None:
        raise PermissionDenied(_("Only officers of an administration taking part in this operation can file in it."))


def _validate(
    operation: Operation,
    administration: Administration,
    data: dict[str, Any],
    seizure: Seizure | None = None,
    codes: CodeBook | None = None,
    scope: tuple[set[str], list[str]] | None = None,
) -> CleanFiling:
    return FilingValidator(
        operation=operation, administration=administration, data=data, seizure=seizure, codes=codes, scope=scope
    ).clean()


@transaction.atomic
def seizure_create(
    *,
    user: User,
    operation: Operation,
    data: dict[str, Any],
    submit: bool = False,
    attachments: Sequence[UploadedFile] = (),
    unit: Unit | None = None,
) -> Seizure:
    """File a seizure: kept as a draft of the administration, or submitted to the V-OCU at once.

    A draft may belong to one of the filer's units, so that whoever is on shift continues it.
    """
    operation = Operation.objects.get(pk=operation.pk)
    _check_can_file(user, operation)
    assert user.administration is not None
    _check_unit(user, unit)
    clean = _validate(operation, user.administration, {**data, "attachments": attachments})
    seizure = seizure_write_new(operation=operation, administration=user.administration, filed_by=user, clean=clean)
    if unit is not None:
        seizure.unit = unit
        seizure.save(update_fields=["unit", "updated_at"])
    seizure.attachments.add(*_store_attachments(user, attachments))
    lines = _lines(seizure)
    created = seizure_snapshot(seizure, seizure_content(seizure, lines))
    _audit_new(user, seizure, created)
    if unit is not None and not submit:
        _new_version(seizure, user, "draft", snapshot=created, first=True)
    if submit:
        # Written in this transaction and not yet visible to anyone: no lock to take, and the filer was checked.
        if not selectors.can_edit(user=user, seizure=seizure):
            raise PermissionDenied(_("Only the reporting administration can submit this seizure."))
        return _submit(user, seizure, announce=True, before=created, lines=lines, first_version=True)
    return seizure


def _check_unit(user: User, unit: Unit | None) -> None:
    if unit is not None and not unit.members.filter(pk=user.pk).exists():
        raise field_error("unit", _("You can only file for a unit you belong to."), "not_member")


def seizure_write_new(
    *, operation: Operation, administration: Administration, filed_by: User, clean: CleanFiling
) -> Seizure:
    """Write a validated filing as a new draft with the next reference number of its country.

    For callers that validated and authorised the filing themselves (``seizure_create``, the importer).
    """
    assert administration.country_id is not None, "only national administrations file seizures"
    seizure = Seizure(
        operation=operation,
        administration=administration,
        country_id=administration.country_id,
        filed_by=filed_by,
        reference=_next_reference(operation, administration.country_id),
    )
    _write(seizure, clean, parties=True)
    return seizure


@transaction.atomic
def seizure_update(
    *,
    user: User,
    seizure: Seizure,
    data: dict[str, Any],
    attachments: Sequence[UploadedFile] = (),
    comment: str = "",
) -> Seizure:
    """Change a seizure. Only its administration may; once submitted every change is a new version,
    and a validated seizure goes back to the V-OCU."""
    seizure = _locked(seizure)
    if not selectors.can_edit(user=user, seizure=seizure):
        raise PermissionDenied(_("Only the reporting administration can change this seizure."))
    if seizure.status not in EDITABLE:
        raise field_error("status", _("A withdrawn seizure can no longer be changed."), "withdrawn")
    parties = data.get("parties") is not None
    before, parties_before = seizure_snapshot(seizure), _party_snapshots(seizure)
    kept = list(seizure.attachments.all())
    clean = _validate(
        seizure.operation, seizure.administration, {**data, "attachments": [*kept, *attachments]}, seizure
    )
    partners = _shipment_partners(seizure)
    if seizure.status == SeizureStatus.VALIDATED:
        seizure.status = SeizureStatus.SUBMITTED
        seizure.validated_at = None
    _write(seizure, clean, parties=parties)
    seizure.attachments.add(*_store_attachments(user, attachments))
    _audit(user, "update", seizure, before)
    _audit_parties(user, seizure, parties_before)
    if seizure.status == SeizureStatus.DRAFT:
        if seizure.unit_id is not None:
            _new_version(seizure, user, "draft", comment)
        return seizure
    _link_shipment(seizure)
    _refresh_partners(seizure, partners)
    _record_scope(seizure)
    _new_version(seizure, user, "update", comment)
    _emit(seizure, "update")
    return seizure


@transaction.atomic
def seizure_submit(*, user: User, seizure: Seizure) -> Seizure:
    """Send a draft (or an answer to a request for information) to the V-OCU."""
    seizure = _locked(seizure)
    if not selectors.can_edit(user=user, seizure=seizure):
        raise PermissionDenied(_("Only the reporting administration can submit this seizure."))
    _check_can_file(user, seizure.operation)
    return _submit(user, seizure, announce=True)


def seizure_submit_imported(*, user: User, seizure: Seizure) -> Seizure:
    """Submit a draft the importer wrote; the import announces itself once, not per seizure."""
    seizure = _locked(seizure)
    return _submit(user, seizure, announce=False)


def _submit(
    user: User,
    seizure: Seizure,
    *,
    announce: bool,
    before: dict[str, Any] | None = None,
    lines: Sequence[CommodityLine] | None = None,
    first_version: bool = False,
) -> Seizure:
    if seizure.status not in (SeizureStatus.DRAFT, SeizureStatus.INFO_REQUESTED):
        raise field_error(
            "status",
            _("This seizure is %(status)s: only drafts and seizures sent back for information are submitted.")
            % {"status": seizure.get_status_display().lower()},
            "invalid_transition",
        )
    if not seizure.operation.accepts_reports:
        raise field_error(
            "operation",
            _("Operation %(code)s does not accept seizure reports now: it is %(status)s.")
            % {"code": seizure.operation.code, "status": seizure.operation.get_status_display().lower()},
            "not_accepting",
        )
    first = seizure.status == SeizureStatus.DRAFT
    lines = _lines(seizure) if lines is None else lines
    before = seizure_snapshot(seizure, seizure_content(seizure, lines)) if before is None else before
    seizure.status = SeizureStatus.SUBMITTED
    seizure.submitted_at = timezone.now()
    seizure.announcement_due = first and announce
    seizure.save(update_fields=["status", "submitted_at", "announcement_due", "updated_at"])
    after = {**before, "status": seizure.status}  # a submission changes the status and nothing else
    _audit(user, "submit", seizure, before, after)
    _link_shipment(seizure)
    _record_scope(seizure, lines, recorded=not first_version)
    _new_version(seizure, user, "submit", snapshot=after, first=first_version)
    audience = selectors.seizure_audience(seizure=seizure)
    _emit(seizure, "add" if first else "resubmit", lines=lines, recipients=audience)
    if seizure.announcement_due:
        _announce_after_commit(seizure)
    return seizure


def _announce_after_commit(seizure: Seizure) -> None:
    """The post to the operation's channel is made by a worker once the filing committed: its fan-out (a delivery,
    an event recipient and an e-mail owed per person) is not the filer's to wait for. The seizure's own row says it
    is owed, so a broker that was down only delays it to the periodic sweep, and the task, run twice, posts once.
    With tasks run eagerly (the embedded mode and the tests) there is no worker: it is made at once, in the
    filing's transaction, as before."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        seizure_announce(seizure_id=seizure.pk)
        return
    from .tasks import announce_seizure

    seizure_id = seizure.pk
    transaction.on_commit(lambda: broker_schedule(announce_seizure, kwargs={"seizure_id": seizure_id}))


@transaction.atomic
def seizure_announce(*, seizure_id: int) -> Post | None:
    """Post a submitted seizure to its operation's channel if that is still owed; None when it is not.

    The seizure's row is locked while the post is made and the flag cleared in the same transaction, and the post
    carries the seizure's key: a duplicated or retried task finds nothing owed, or the post already made. The post
    is written as the person who submitted the seizure; a seizure withdrawn meanwhile is not announced."""
    seizure = (
        Seizure.objects.select_for_update(no_key=True, of=("self",))
        .select_related("operation")
        .filter(pk=seizure_id, announcement_due=True)
        .first()
    )
    if seizure is None:
        return None
    Seizure.objects.filter(pk=seizure.pk).update(announcement_due=False)
    seizure.announcement_due = False
    if seizure.status == SeizureStatus.WITHDRAWN:
        return None
    submission = (
        SeizureVersion.objects.filter(seizure=seizure, action="submit")
        .select_related("changed_by")
        .order_by("number")
        .first()
    )
    return _post_to_operation(seizure, submission.changed_by if submission is not None else seizure.filed_by)


def seizures_announce_due(*, limit: int = 500) -> int:
    """The periodic sweep: make the posts still owed (the broker was down when their seizures were filed)."""
    due = list(Seizure.objects.filter(announcement_due=True).order_by("id").values_list("id", flat=True)[:limit])
    return sum(seizure_announce(seizure_id=seizure_id) is not None for seizure_id in due)


def _check_reviewer(user: User, seizure: Seizure) -> None:
    if not selectors.is_coordinator(user=user, seizure=seizure):
        raise PermissionDenied(_("Only the operation's coordinators review seizures."))
    if seizure.status != SeizureStatus.SUBMITTED:
        raise field_error(
            "status",
            _("This seizure is %(status)s: only submitted seizures are reviewed.")
            % {"status": seizure.get_status_display().lower()},
            "invalid_transition",
        )


@transaction.atomic
def seizure_validate(*, user: User, seizure: Seizure, comment: str = "") -> Seizure:
    """The V-OCU vouches for the seizure: it now counts in final figures."""
    seizure = _locked(seizure)
    _check_reviewer(user, seizure)
    before = seizure_snapshot(seizure)
    seizure.status = SeizureStatus.VALIDATED
    seizure.validated_at = timezone.now()
    seizure.reviewed_by = user
    seizure.review_comment = comment.strip()
    seizure.save(update_fields=["status", "validated_at", "reviewed_by", "review_comment", "updated_at"])
    _audit(user, "validate", seizure, before)
    _new_version(seizure, user, "validate", comment)
    _emit(seizure, "validate")
    _notify_reporter(seizure, "validate", comment)
    return seizure


@transaction.atomic
def seizure_request_info(*, user: User, seizure: Seizure, comment: str) -> Seizure:
    """Send the seizure back to its administration with a question."""
    seizure = _locked(seizure)
    _check_reviewer(user, seizure)
    if not comment.strip():
        raise field_error("comment", _("Say what information is needed."), "required")
    before = seizure_snapshot(seizure)
    seizure.status = SeizureStatus.INFO_REQUESTED
    seizure.reviewed_by = user
    seizure.review_comment = comment.strip()
    seizure.save(update_fields=["status", "reviewed_by", "review_comment", "updated_at"])
    _audit(user, "request_info", seizure, before)
    _new_version(seizure, user, "request_info", comment)
    _emit(seizure, "request_info")
    _notify_reporter(seizure, "request_info", comment)
    return seizure


@transaction.atomic
def seizure_withdraw(*, user: User, seizure: Seizure, reason: str = "") -> Seizure:
    """The reporting administration takes its message back; it no longer counts anywhere."""
    seizure = _locked(seizure)
    if not selectors.can_edit(user=user, seizure=seizure):
        raise PermissionDenied(_("Only the reporting administration can withdraw this seizure."))
    if seizure.status == SeizureStatus.WITHDRAWN:
        raise field_error("status", _("This seizure is already withdrawn."), "invalid_transition")
    published = seizure.status != SeizureStatus.DRAFT
    before = seizure_snapshot(seizure)
    seizure.status = SeizureStatus.WITHDRAWN
    seizure.save(update_fields=["status", "updated_at"])
    _audit(user, "withdraw", seizure, before)
    partners = _shipment_partners(seizure)
    _unlink_shipment(seizure)
    _refresh_partners(seizure, partners)
    operations.operation_forget_report(operation=seizure.operation, reference=seizure.reference)
    if published:
        _new_version(seizure, user, "withdraw", reason)
        _emit(seizure, "withdraw")
    return seizure


# --- Side effects ----------------------------------------------------------------------------


PARTY_PERSONAL_FIELDS = (
    "name", "date_of_birth", "nationality_id", "document_number", "registration_number", "address",
)  # fmt: skip


def party_audit_snapshot(party: Party) -> dict[str, Any]:
    """A party as the audit trail keeps it: what it is and its role, and only a digest of who it is."""
    personal = {name: _plain(getattr(party, name)) for name in PARTY_PERSONAL_FIELDS}
    return {"seizure": party.seizure_id, "kind": party.kind, "role": party.role, "personal": personal_digest(personal)}


def _party_snapshots(seizure: Seizure) -> dict[int, dict[str, Any]]:
    return {party.pk: party_audit_snapshot(party) for party in Party.objects.filter(seizure=seizure).order_by("id")}


def _audit(
    user: User, action: str, seizure: Seizure, before: dict[str, Any] | None, after: dict[str, Any] | None = None
) -> None:
    audit_record(
        actor=user, action=action, obj=seizure, reference=seizure.reference, administration=seizure.administration_id,
        before=before, after=seizure_snapshot(seizure) if after is None else after,
    )  # fmt: skip


def _audit_parties(user: User, seizure: Seizure, before: dict[int, dict[str, Any]]) -> None:
    """Parties are replaced, not edited: the ones gone are recorded as removed, the new ones as added."""
    after = _party_snapshots(seizure)
    for party_id in sorted(set(before) - set(after)):
        audit_record(
            actor=user, action="delete", object_type="party", object_id=party_id, reference=seizure.reference,
            administration=seizure.administration_id, before=before[party_id],
        )  # fmt: skip
    for party_id in sorted(set(after) - set(before)):
        audit_record(
            actor=user, action="create", object_type="party", object_id=party_id, reference=seizure.reference,
            administration=seizure.administration_id, after=after[party_id],
        )  # fmt: skip


def _audit_new(user: User, seizure: Seizure, snapshot: dict[str, Any]) -> None:
    _audit(user, "create", seizure, None, snapshot)
    if snapshot["parties"]:
        _audit_parties(user, seizure, {})


def _new_version(
    seizure: Seizure,
    user: User,
    action: str,
    comment: str = "",
    snapshot: dict[str, Any] | None = None,
    first: bool = False,
) -> SeizureVersion:
    """The next version, with its snapshot (given, or read now); ``first`` when the caller knows there is none."""
    previous = None if first else SeizureVersion.objects.filter(seizure=seizure).order_by("-number").first()
    snapshot = seizure_snapshot(seizure) if snapshot is None else snapshot
    seizure.version = (previous.number if previous else 0) + 1
    Seizure.objects.filter(pk=seizure.pk).update(version=seizure.version)
    return SeizureVersion.objects.create(
        seizure=seizure,
        number=seizure.version,
        status=seizure.status,
        action=action,
        changed_by=user,
        comment=comment.strip(),
        snapshot=snapshot,
        changes=snapshot_changes(previous.snapshot if previous else None, snapshot),
    )


def _record_scope(seizure: Seizure, lines: Sequence[CommodityLine] | None = None, *, recorded: bool = True) -> None:
    """What the operation's window and scope rules know of the report; ``recorded=False`` for a seizure that
    never recorded any (its first version)."""
    if recorded:
        operations.operation_forget_report(operation=seizure.operation, reference=seizure.reference)
    operations.operation_record_reports(
        operation=seizure.operation,
        reference=seizure.reference,
        occurred_at=seizure.occurred_at,
        country_id=seizure.country_id,
        codes=[(line.mea_id, line.hs_code_id) for line in (_lines(seizure) if lines is None else lines)],
    )


def _link_shipment(seizure: Seizure) -> None:
    """Two administrations reporting one container or bill of lading report one case."""
    keys = list(ShipmentKey.objects.filter(seizure=seizure).values_list("kind", "value"))
    others: list[Seizure] = []
    if keys:
        shared = Q()
        for kind, value in keys:
            shared |= Q(kind=kind, value=value)
        sharing = ShipmentKey.objects.filter(shared, operation_id=seizure.operation_id).values("seizure_id")
        others = list(
            Seizure.objects.filter(pk__in=sharing, operation_id=seizure.operation_id)
            .exclude(administration_id=seizure.administration_id)
            .exclude(status__in=[SeizureStatus.DRAFT, SeizureStatus.WITHDRAWN])
        )
    findings = [item for item in seizure.findings if item.get("code") != Finding.SAME_SHIPMENT]
    if not others:
        if seizure.case_id is not None:
            _unlink_shipment(seizure)
        if (findings, bool(findings)) != (seizure.findings, seizure.flagged):
            seizure.findings, seizure.flagged = findings, bool(findings)
            Seizure.objects.filter(pk=seizure.pk).update(findings=findings, flagged=bool(findings))
        return
    known: set[int] = {other.case_id for other in others if other.case_id is not None}
    if seizure.case_id is not None:
        known.add(seizure.case_id)
    cases = sorted(known)
    case = Case.objects.get(pk=cases[0]) if cases else Case.objects.create(operation_id=seizure.operation_id)
    members = {seizure.pk, *(other.pk for other in others)}
    Seizure.objects.filter(Q(case_id__in=cases) | Q(pk__in=members)).update(case=case)
    if len(cases) > 1:
        Case.objects.filter(pk__in=cases[1:]).delete()
    seizure.case = case
    references = sorted({other.reference for other in others})
    findings.append({"code": Finding.SAME_SHIPMENT, "field": "containers", "detail": ", ".join(references)})
    seizure.findings, seizure.flagged = findings, True
    Seizure.objects.filter(pk=seizure.pk).update(findings=findings, flagged=True)


def _shipment_partners(seizure: Seizure) -> list[int]:
    """The other live seizures of the operation that share a container or transport document with this one."""
    keys = list(ShipmentKey.objects.filter(seizure=seizure).values_list("kind", "value"))
    if not keys:
        return []
    shared = Q()
    for kind, value in keys:
        shared |= Q(shipment_keys__kind=kind, shipment_keys__value=value)
    return list(
        Seizure.objects.filter(shared, operation_id=seizure.operation_id)
        .exclude(pk=seizure.pk)
        .exclude(status__in=[SeizureStatus.DRAFT, SeizureStatus.WITHDRAWN])
        .values_list("pk", flat=True)
        .distinct()
    )


def _refresh_partners(seizure: Seizure, partners: list[int]) -> None:
    """Links and flags of former partners follow when a seizure changes its keys or is withdrawn."""
    for partner in Seizure.objects.filter(pk__in=partners).exclude(pk=seizure.pk).order_by("pk"):
        _link_shipment(partner)


def _unlink_shipment(seizure: Seizure) -> None:
    case_id = seizure.case_id
    if case_id is None:
        return
    Seizure.objects.filter(pk=seizure.pk).update(case=None)
    seizure.case = None
    remaining = Seizure.objects.filter(case_id=case_id)
    if remaining.count() < 2:
        remaining.update(case=None)
        Case.objects.filter(pk=case_id).delete()


def _payload(seizure: Seizure, lines: Sequence[CommodityLine] | None = None) -> dict[str, Any]:
    codes = [(line.mea_id, line.hs_code_id) for line in (_lines(seizure) if lines is None else lines)]
    return {
        "id": seizure.pk,
        "uuid": str(seizure.uuid),
        "reference": seizure.reference,
        "operation": seizure.operation_id,
        "context": seizure.operation.context,
        "status": seizure.status,
        "version": seizure.version,
        "country": seizure.country_id,
        "occurred_at": seizure.occurred_at.isoformat(),
        "meas": sorted({mea for mea, _hs in codes}),
        "hs_codes": sorted({hs for _mea, hs in codes}),
        "flagged": seizure.flagged,
    }


def _emit(
    seizure: Seizure, op: str, lines: Sequence[CommodityLine] | None = None, recipients: set[int] | None = None
) -> None:
    messaging.event_emit(
        type="seizure",
        op=op,
        payload=_payload(seizure, lines),
        recipients=selectors.seizure_audience(seizure=seizure) if recipients is None else recipients,
    )


def _topic(seizure: Seizure) -> str:
    line = CommodityLine.objects.filter(seizure=seizure).select_related("mea").order_by("position").first()
    return line.mea.topic if line is not None else Topic.GENERAL


def _post_to_operation(seizure: Seizure, user: User) -> Post:
    """The formatted message in the operation's channel, for the people who may see the seizure."""
    lines = list(
        CommodityLine.objects.filter(seizure=seizure).select_related("mea", "hs_code", "unit").order_by("position")
    )
    route = list(RouteLeg.objects.filter(seizure=seizure).order_by("position"))
    path = reverse("seizure-detail", args=[seizure.pk])
    with override(user.language):
        title = _("Seizure %(reference)s: %(summary)s") % {
            "reference": seizure.reference,
            "summary": "; ".join(line.description for line in lines)[:150],
        }
        rows = [
            f"| {line.mea_id} | {line.hs_code_id} | {line.description} | {_plain(line.quantity)} "
            f"{line.unit_id or _('specimens')} |"
            for line in lines
        ]
        body = "\n".join(
            [
                f"**{seizure.reference}** · {seizure.occurred_at:%Y-%m-%d} · {seizure.country_id}",
                "",
                f"| MEA | HS | {_('Goods')} | {_('Quantity')} |",
                "|---|---|---|---|",
                *rows,
                "",
                f"{_('Route')}: " + " → ".join(f"{leg.country_id} ({leg.get_role_display()})" for leg in route),
                "",
                f"[{_('Open the seizure')}]({path})",
            ]
        )
    return messaging.post_create(
        author=user,
        topic=lines[0].mea.topic if lines else Topic.GENERAL,
        title=title,
        body=body,
        audience=AudienceKind.EXPLICIT,
        recipients=selectors.seizure_audience(seizure=seizure),
        managers=set(seizure.operation.coordinators.values_list("id", flat=True)),
        context=seizure.operation.context,
        context_label=seizure.operation.code,
        meas=sorted({line.mea for line in lines}, key=lambda mea: mea.code),
        notification_kind=NotificationKind.SEIZURE,
        handling_code=seizure.handling_code,
        key=f"seizure:{seizure.pk}",
    )


def _notify_reporter(seizure: Seizure, action: str, comment: str) -> None:
    """The filer and their administration's contact points learn of the V-OCU's answer."""
    recipients = {seizure.filed_by_id} | set(
        User.objects.filter(
            administration_id=seizure.administration_id, role="national_contact", is_active=True
        ).values_list("id", flat=True)
    )
    messaging.notify(
        kind=NotificationKind.SEIZURE,
        topic=_topic(seizure),
        context=seizure.operation.context,
        user_ids=recipients,
        template="seizures/email/review",
        template_context={
            "reference": seizure.reference,
            "operation": seizure.operation.code,
            "action": action,
            "comment": comment.strip(),
            "path": reverse("seizure-detail", args=[seizure.pk]),
        },
        key=f"seizure-review:{seizure.pk}:{seizure.version}",
    )


# --- Bulk import -------------------------------------------------------------------------------


def seizures_import(*, user: User, operation: Operation, name: str, content: bytes) -> ImportResult:
    """Import a CSV or XLSX file of seizures into an operation, the whole file or nothing.

    Each seizure is validated as if its country's participating administration filed it. Any error
    anywhere answers with every row error under ``file`` and writes nothing. Otherwise the seizures
    are written and submitted in one transaction, in bulk (``seizures.bulk``), with what
    ``seizure_file_imported`` records for each one: version 1, audit entries, its event, reported
    scope and same-shipment links. The operation's audience hears of the import once, by a summary
    e-mail, instead of one channel post per seizure.
    """
    operation = Operation.objects.get(pk=operation.pk)
    if not operation_selectors.is_coordinator(user=user, operation=operation):
        raise PermissionDenied(_("Only the operation's coordinators can import seizures."))
    with override(user.language):
        if not operation.accepts_reports:
            raise field_error(
                "file",
                _("Operation %(code)s does not accept seizure reports now: it is %(status)s.")
                % {"code": operation.code, "status": operation.get_status_display().lower()},
                "not_accepting",
            )
        filings, lines = _import_validate(operation, parse(name=name, content=content, operation=operation))
    topic = filings[0][1].lines[0]["mea"].topic if filings[0][1].lines else Topic.GENERAL
    with transaction.atomic():
        ids = seizures_write_bulk(
            operation=operation,
            filings=[BulkFiling(administration=reporter, filed_by=user, clean=clean) for reporter, clean in filings],
            history=True,
        )
        del filings
        seizures = list(Seizure.objects.filter(operation=operation, pk__gte=ids.start, pk__lt=ids.stop).order_by("pk"))
        _notify_import(user, operation, seizures, lines, topic)
    return ImportResult(seizures=seizures, lines=lines)


@transaction.atomic
def seizure_file_imported(
    *, user: User, operation: Operation, administration: Administration, clean: CleanFiling
) -> Seizure:
    """File one validated filing of an import by itself: written as a draft of ``administration`` by the
    importer, then submitted, without a channel post. What ``seizures_import`` records for each seizure in
    bulk; the reference its bulk write is held to."""
    seizure = seizure_write_new(operation=operation, administration=administration, filed_by=user, clean=clean)
    _audit_new(user, seizure, seizure_snapshot(seizure))
    return seizure_submit_imported(user=user, seizure=seizure)


def _import_validate(operation: Operation, parsed: ParsedFile) -> tuple[list[tuple[Administration, CleanFiling]], int]:
    """Every seizure of the file validated, or a ``ValidationError`` listing every row error."""
    participants: dict[str, Administration] = {}
    for participation in (
        operation.participations.filter(
            status=ParticipationStatus.ACCEPTED,
            role=ParticipationRole.PARTICIPANT,
            administration__is_active=True,
            administration__country__isnull=False,
        )
        .select_related("administration")
        .order_by("administration_id")
    ):
        participants.setdefault(participation.administration.country_id or "", participation.administration)
    errors: list[RowError] = list(parsed.errors)
    filings: list[tuple[Administration, CleanFiling]] = []
    references: dict[tuple[type, Any], Any] = {}
    codes, scope = CodeBook(), operation_scope(operation)
    if len(parsed.seizures) > 100:
        codes.load_ports()
    lines = 0
    pending = parsed.seizures
    parsed.seizures = []
    pending.reverse()
    while pending:
        seizure = pending.pop()
        errors += seizure.errors
        reporter = participants.get(seizure.country)
        if reporter is None:
            if seizure.country:
                message = _("No administration of %(country)s takes part in operation %(code)s.") % {
                    "country": seizure.country,
                    "code": operation.code,
                }
                errors.append(RowError(seizure.row, seizure.column("country"), message))
            continue
        try:
            clean = _validate(operation, reporter, seizure.filing, codes=codes, scope=scope)
        except ValidationError as error:
            errors += seizure.row_errors(error)
            continue
        if not errors:
            filings.append((reporter, share_references(clean, references)))
            lines += len(clean.lines)
    if not errors and not filings:
        errors.append(RowError(0, "", _("The file has a header but no rows.")))
    if errors:
        errors.sort(key=lambda error: error.row)
        raise ValidationError({"file": [ValidationError(str(error), code="import") for error in errors]})
    return filings, lines


def _notify_import(user: User, operation: Operation, seizures: list[Seizure], lines: int, topic: str) -> None:
    countries: dict[str, int] = {}
    for seizure in seizures:
        countries[seizure.country_id] = countries.get(seizure.country_id, 0) + 1
    messaging.notify(
        kind=NotificationKind.SEIZURE,
        topic=topic,
        context=operation.context,
        user_ids=operation_selectors.operation_audience(operation=operation),
        template="seizures/email/import",
        template_context={
            "operation": operation.code,
            "importer": str(user),
            "seizures": len(seizures),
            "lines": lines,
            "countries": sorted(countries.items()),
            "path": reverse("operation-detail", args=[operation.pk]),
        },
        key=f"seizure-import:{operation.pk}:{seizures[0].pk}",
    )


# --- Retention of personal data ---------------------------------------------------------------

#: What erasure blanks: everything that names or locates a person or company. Kind and role stay, so
#: aggregates still count suspects and companies.
PARTY_ERASED_VALUES: dict[str, Any] = {
    "name": "",
    "date_of_birth": None,
    "nationality": None,
    "document_number": "",
    "registration_number": "",
    "address": "",
}


@dataclass(frozen=True)
class RetentionResult:
    """What an erasure run did (or, dry, would do): parties and seizures, by reference."""

    parties: int
    seizures: list[str]
    dry_run: bool


def parties_erase_expired(*, now: datetime | None = None, dry_run: bool = False) -> RetentionResult:
    """Erase the personal fields of parties whose seizure's operation closed longer ago than the
    reporting administration keeps personal data, and mark them erased.

    Only nominal data changes: seizures, lines, routes and the counts of parties stay, so every report
    figure is the same afterwards. Already erased parties are left alone, so running it again does nothing.
    One audit event records each run that erased something, with references and counts, never names.
    The API's stored answers to those seizures' filings (``Idempotency-Key``) go too: a replay would show
    the names again.
    """
    now = now or timezone.now()
    due = selectors.parties_due_for_erasure(now=now)
    references = sorted(set(due.values_list("seizure__reference", flat=True)))
    if dry_run:
        return RetentionResult(parties=due.count(), seizures=references, dry_run=True)
    with transaction.atomic():
        parties = list(due.select_for_update().values_list("pk", "seizure_id"))
        erased = Party.objects.filter(pk__in=[pk for pk, _seizure in parties], erased_at__isnull=True).update(
            **PARTY_ERASED_VALUES, erased_at=now
        )
        _forget_filing_answers({seizure_id for _pk, seizure_id in parties})
        if erased:
            audit_record(
                actor=None, action="retention_erase", object_type="party", object_id="",
                reference=f"{erased} parties of {len(references)} seizures",
                after={"parties": erased, "seizures": references, "erased_at": now},
            )  # fmt: skip
    return RetentionResult(parties=erased, seizures=references, dry_run=False)


def _forget_filing_answers(seizure_ids: set[int]) -> None:
    """The API's stored answers to filing these seizures (they list the parties as filed)."""
    idempotency_records_forget(endpoint=reverse("seizures-api:seizure-list"), object_ids=seizure_ids)
