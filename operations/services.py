"""Every write to operations and participation, with the rules coordinators work under."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record, audit_snapshot
from accounts.choices import AdministrationKind, Role
from accounts.models import Administration, User
from messaging import services as messaging
from messaging.choices import AudienceKind, HandlingCode
from messaging.models import Post
from opsplatform.errors import field_error
from reference.models import Country, HsCode, Mea, Rilo

from . import selectors
from .choices import TEMPLATE_FIELDS, FieldRule, FormVariant, OperationStatus, ParticipationRole, ParticipationStatus
from .models import Operation, Participation, ReportedScope

COORDINATING_KINDS = [AdministrationKind.RILO, AdministrationKind.SECRETARIAT]
NATIONAL_KINDS = AdministrationKind.national()
OPEN_STATUSES = [OperationStatus.DRAFT, OperationStatus.PLANNED, OperationStatus.ACTIVE]
AUDITED_OPERATION = (
    "code", "name_en", "name_fr", "description_en", "description_fr", "coordinating_administration", "coordinators",
    "starts_at", "ends_at", "grace_days", "status", "scope_meas", "scope_hs_codes", "scope_countries", "scope_rilos",
    "default_form", "field_rules",
)  # fmt: skip
AUDITED_PARTICIPATION = (
    "operation", "administration", "role", "status", "national_contact", "invited_by", "invited_at", "responded_at",
)  # fmt: skip


def _locked_operation(operation: Operation) -> Operation:
    """The operation, locked for a change until the transaction ends, FOR NO KEY UPDATE: filings insert rows that
    refer to it (taking a key-share lock, which FOR UPDATE blocks) while they may hold the audit chain's lock that
    this transaction will wait for, and a plain FOR UPDATE would deadlock them."""
    return Operation.objects.select_for_update(no_key=True).get(pk=operation.pk)


# --- Checks ---------------------------------------------------------------------------------


def _require_coordinator(user: User, operation: Operation) -> None:
    if not selectors.is_coordinator(user=user, operation=operation):
        raise PermissionDenied(_("Only the coordinators of this operation can change it."))
    if operation.status == OperationStatus.ARCHIVED:
        raise ValidationError(_("This operation is archived and can no longer be changed."), code="archived")


def _check_field_rules(field_rules: dict[str, str]) -> dict[str, str]:
    unknown = sorted(set(field_rules) - set(TEMPLATE_FIELDS))
    if unknown:
        raise field_error(
            "field_rules", _("Unknown seizure fields: %(fields)s") % {"fields": ", ".join(unknown)}, "unknown"
        )
    wrong = sorted(name for name, rule in field_rules.items() if rule not in FieldRule.values)
    if wrong:
        raise field_error(
            "field_rules",
            _("Each field is required, optional or hidden: %(fields)s") % {"fields": ", ".join(wrong)},
            "invalid_choice",
        )
    return {name: rule for name, rule in field_rules.items() if rule != FieldRule.OPTIONAL}


def _check_coordinators(administration: Administration, coordinators: Sequence[User]) -> None:
    if administration.kind not in COORDINATING_KINDS:
        raise field_error(
            "coordinating_administration",
            _("An operation is coordinated by a RILO or the secretariat."),
            "coordinating_kind",
        )
    if not coordinators:
        raise field_error("coordinators", _("Name at least one coordinator."), "required")
    outsiders = [
        user.username
        for user in coordinators
        if user.administration_id != administration.pk or user.role not in (Role.COORDINATOR, Role.SECRETARIAT)
    ]
    if outsiders:
        raise field_error(
            "coordinators",
            _("Coordinators must be coordinators of the coordinating administration: %(names)s")
            % {"names": ", ".join(outsiders)},
            "coordinator_administration",
        )


def _check_window(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise field_error("ends_at", _("The operation must end after it starts."), "ends_before_start")


def _payload(operation: Operation) -> dict[str, Any]:
    return {
        "id": operation.pk,
        "code": operation.code,
        "name": operation.name_en,
        "status": operation.status,
        "starts_at": operation.starts_at.isoformat(),
        "ends_at": operation.ends_at.isoformat(),
    }


def _audit(user: User | None, action: str, operation: Operation, before: dict[str, Any] | None) -> None:
    audit_record(
        actor=user, action=action, obj=operation, reference=operation.code,
        administration=operation.coordinating_administration_id, before=before,
        after=audit_snapshot(operation, AUDITED_OPERATION),
    )  # fmt: skip


def _audit_participation(user: User, action: str, participation: Participation, before: dict[str, Any] | None) -> None:
    audit_record(
        actor=user, action=action, obj=participation, reference=participation.operation.code,
        administration=participation.administration_id, before=before,
        after=audit_snapshot(participation, AUDITED_PARTICIPATION),
    )  # fmt: skip


def _emit(operation: Operation, op: str, extra: dict[str, Any] | None = None) -> None:
    messaging.event_emit(
        type="operation",
        op=op,
        payload={**_payload(operation), **(extra or {})},
        recipients=selectors.operation_audience(operation=operation),
    )


# --- Operations -----------------------------------------------------------------------------


@transaction.atomic
def operation_create(
    *,
    user: User,
    code: str,
    name_en: str,
    coordinating_administration: Administration,
    coordinators: Sequence[User],
    starts_at: datetime,
    ends_at: datetime,
    name_fr: str = "",
    description_en: str = "",
    description_fr: str = "",
    grace_days: int = 14,
    scope_meas: Sequence[Mea] = (),
    scope_hs_codes: Sequence[HsCode] = (),
    scope_countries: Sequence[Country] = (),
    scope_rilos: Sequence[Rilo] = (),
    default_form: str = FormVariant.SIMPLIFIED,
    field_rules: dict[str, str] | None = None,
) -> Operation:
    """Create an operation in draft. Only the secretariat and coordinators (for their own office) may."""
    if user.role not in (Role.SECRETARIAT, Role.COORDINATOR):
        raise PermissionDenied(_("Only the secretariat and coordinators create operations."))
    if user.role == Role.COORDINATOR and coordinating_administration.pk != user.administration_id:
        raise PermissionDenied(_("Coordinators create operations for their own office only."))
    _check_coordinators(coordinating_administration, coordinators)
    _check_window(starts_at, ends_at)
    code = code.strip().upper()
    if Operation.objects.filter(code=code).exists():
        raise field_error("code", _("An operation with this code already exists."), "unique")
    operation = Operation(
        code=code,
        name_en=name_en.strip(),
        name_fr=name_fr.strip(),
        description_en=description_en.strip(),
        description_fr=description_fr.strip(),
        coordinating_administration=coordinating_administration,
        starts_at=starts_at,
        ends_at=ends_at,
        grace_days=grace_days,
        default_form=default_form,
        field_rules=_check_field_rules(field_rules or {}),
        created_by=user,
    )
    operation.full_clean()
    operation.save()
    operation.coordinators.set(coordinators)
    operation.scope_meas.set(scope_meas)
    operation.scope_hs_codes.set(scope_hs_codes)
    operation.scope_countries.set(scope_countries)
    operation.scope_rilos.set(scope_rilos)
    _audit(user, "create", operation, None)
    _emit(operation, "add")
    return operation


def _narrowing(operation: Operation, changes: dict[str, Any]) -> list[str]:
    """References of filed reports the new scope would leave outside it (an empty list means no limit)."""
    reported = ReportedScope.objects.filter(operation=operation)
    outside = ReportedScope.objects.none()
    if changes.get("scope_meas"):
        outside |= reported.exclude(mea__in=list(changes["scope_meas"])).exclude(mea__isnull=True)
    if changes.get("scope_hs_codes"):
        inside = Q()
        for code in changes["scope_hs_codes"]:
            inside |= Q(hs_code__code__startswith=code.code)
        outside |= reported.exclude(inside).exclude(hs_code__isnull=True)
    if changes.get("scope_countries") or changes.get("scope_rilos"):
        countries = Q(country__in=list(changes.get("scope_countries") or []))
        countries |= Q(country__rilo__in=list(changes.get("scope_rilos") or []))
        outside |= reported.exclude(countries).exclude(country__isnull=True)
    return sorted(set(outside.values_list("reference", flat=True)))


@transaction.atomic
def operation_update(
    *, user: User, operation: Operation, confirm_scope_change: bool = False, **changes: Any
) -> Operation:
    """Change an operation's details, window, scope or template, within the rules."""
    operation = _locked_operation(operation)
    _require_coordinator(user, operation)
    before = audit_snapshot(operation, AUDITED_OPERATION)
    starts_at = changes.get("starts_at", operation.starts_at)
    ends_at = changes.get("ends_at", operation.ends_at)
    _check_window(starts_at, ends_at)
    _check_window_keeps_reports(operation, starts_at, ends_at)
    if operation.status in (OperationStatus.ACTIVE, OperationStatus.CLOSED) and starts_at != operation.starts_at:
        raise field_error("starts_at", _("An operation that has started keeps its start date."), "started")
    if operation.status == OperationStatus.CLOSED and ends_at != operation.ends_at:
        raise field_error("ends_at", _("Extend a closed operation with the extend action."), "closed")
    outside = _narrowing(operation, changes)
    if outside and not confirm_scope_change:
        raise field_error(
            "scope",
            _(
                "%(count)s filed seizures would fall outside the new scope (%(references)s). "
                "Confirm the change to keep them flagged as out of scope."
            )
            % {"count": len(outside), "references": ", ".join(outside[:5])},
            "scope_narrowed",
        )
    if "coordinators" in changes:
        _check_coordinators(operation.coordinating_administration, changes["coordinators"])
        operation.coordinators.set(changes.pop("coordinators"))
    for relation in ("scope_meas", "scope_hs_codes", "scope_countries", "scope_rilos"):
        if relation in changes:
            getattr(operation, relation).set(changes.pop(relation))
    if "field_rules" in changes:
        changes["field_rules"] = _check_field_rules(changes["field_rules"])
    editable = {
        "name_en", "name_fr", "description_en", "description_fr", "starts_at", "ends_at", "grace_days",
        "default_form", "field_rules",
    }  # fmt: skip
    unknown = set(changes) - editable
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    for field, value in changes.items():
        setattr(operation, field, value)
    operation.full_clean()
    operation.save()
    _audit(user, "update", operation, before)
    _emit(operation, "update")
    return operation


def _check_window_keeps_reports(operation: Operation, starts_at: datetime, ends_at: datetime) -> None:
    reported = ReportedScope.objects.filter(operation=operation)
    if reported.filter(occurred_at__lt=starts_at).exists():
        raise field_error(
            "starts_at",
            _("Seizures were filed before this date: the window cannot shrink past them."),
            "window_shrinks",
        )
    if reported.filter(occurred_at__gt=ends_at).exists():
        raise field_error(
            "ends_at", _("Seizures were filed after this date: the window cannot shrink past them."), "window_shrinks"
        )


TRANSITIONS: dict[str, tuple[list[str], str]] = {
    "schedule": ([OperationStatus.DRAFT], OperationStatus.PLANNED),
    "activate": ([OperationStatus.DRAFT, OperationStatus.PLANNED], OperationStatus.ACTIVE),
    "close": ([OperationStatus.ACTIVE], OperationStatus.CLOSED),
    "archive": ([OperationStatus.CLOSED], OperationStatus.ARCHIVED),
}


@transaction.atomic
def operation_transition(
    *, user: User | None, operation: Operation, action: str, now: datetime | None = None
) -> Operation:
    """Move an operation along draft -> planned -> active -> closed -> archived.

    ``user=None`` is the clock (the beat task), which may only activate and close on time.
    """
    now = now or timezone.now()
    operation = _locked_operation(operation)
    if user is not None:
        _require_coordinator(user, operation)
    if action not in TRANSITIONS:
        raise ValidationError(_("Unknown action."), code="invalid_action")
    allowed_from, target = TRANSITIONS[action]
    if operation.status not in allowed_from:
        raise field_error(
            "status",
            _("This operation is %(status)s: it cannot be %(action)s.")
            % {"status": operation.get_status_display().lower(), "action": _action_label(action)},
            "invalid_transition",
        )
    if action == "activate" and now >= operation.ends_at:
        raise field_error("ends_at", _("The operation's end has passed: extend it before activating it."), "ended")
    if action == "archive" and now < operation.reporting_closes_at:
        raise field_error("status", _("Reports may still come in until %(date)s; archive it after that.")
             % {"date": operation.reporting_closes_at.strftime("%Y-%m-%d %H:%M UTC")}, "grace_period")  # fmt: skip
    previous = operation.status
    before = audit_snapshot(operation, AUDITED_OPERATION)
    operation.status = target
    operation.save(update_fields=["status", "updated_at"])
    _audit(user, action, operation, before)
    _emit(operation, "status", {"previous": previous, "by_clock": user is None})
    return operation


def _action_label(action: str) -> str:
    return {
        "schedule": _("scheduled"),
        "activate": _("activated"),
        "close": _("closed"),
        "archive": _("archived"),
    }[action]


@transaction.atomic
def operation_extend(*, user: User, operation: Operation, ends_at: datetime) -> Operation:
    """Push the end later. A closed operation extended past now opens again."""
    operation = _locked_operation(operation)
    _require_coordinator(user, operation)
    if ends_at <= operation.ends_at:
        raise field_error("ends_at", _("An extension must end later than the current end."), "not_later")
    before = audit_snapshot(operation, AUDITED_OPERATION)
    operation.ends_at = ends_at
    if operation.status == OperationStatus.CLOSED and ends_at > timezone.now():
        operation.status = OperationStatus.ACTIVE
    operation.save(update_fields=["ends_at", "status", "updated_at"])
    _audit(user, "extend", operation, before)
    _emit(operation, "extend")
    return operation


def operations_advance_clock(*, now: datetime | None = None) -> dict[str, int]:
    """Activate planned operations whose start has come and close those whose end has passed."""
    now = now or timezone.now()
    to_activate, to_close = selectors.operations_due(now=now)
    activated = closed = 0
    for operation in list(to_activate):
        operation_transition(user=None, operation=operation, action="activate", now=now)
        activated += 1
    for operation in list(to_close):
        if operation.status == OperationStatus.PLANNED:
            operation_transition(user=None, operation=operation, action="activate", now=operation.starts_at)
        operation_transition(user=None, operation=operation, action="close", now=now)
        closed += 1
    return {"activated": activated, "closed": closed}


# --- Participation --------------------------------------------------------------------------


def _participation_emit(participation: Participation, op: str, audience: set[int] | None = None) -> None:
    """Tell the operation's audience, and the people of the administration concerned."""
    operation = participation.operation
    if audience is None:
        audience = selectors.operation_audience(operation=operation)
    recipients = audience | set(
        User.objects.filter(administration=participation.administration, is_active=True).values_list("id", flat=True)
    )
    messaging.event_emit(
        type="participation",
        op=op,
        payload={
            "operation": operation.pk,
            "administration": participation.administration.name,
            "country": participation.administration.country_id,
            "status": participation.status,
        },
        recipients=recipients,
    )


@transaction.atomic
def participation_invite(
    *,
    user: User,
    operation: Operation,
    administrations: Iterable[Administration] = (),
    rilo: Rilo | None = None,
) -> list[Participation]:
    """Invite administrations singly, or every national administration of a RILO's member countries.

    International organisations join as read-only observers. Administrations already invited or
    taking part are left as they are; those that declined or withdrew are invited again.
    """
    operation = Operation.objects.get(pk=operation.pk)
    _require_coordinator(user, operation)
    if operation.status not in OPEN_STATUSES:
        raise ValidationError(_("Invitations close with the operation."), code="closed")
    chosen = list(administrations)
    if rilo is not None:
        chosen += list(Administration.objects.filter(is_active=True, kind__in=NATIONAL_KINDS, country__rilo=rilo))
    if not chosen:
        raise field_error("administrations", _("Choose administrations or a RILO to invite."), "required")
    invited: list[Participation] = []
    audience = selectors.operation_audience(operation=operation)
    existing = {p.administration_id: p for p in Participation.objects.filter(operation=operation)}
    for administration in {item.pk: item for item in chosen}.values():
        if administration.kind in COORDINATING_KINDS:
            continue
        role = (
            ParticipationRole.OBSERVER
            if administration.kind == AdministrationKind.INTERNATIONAL
            else ParticipationRole.PARTICIPANT
        )
        participation = existing.get(administration.pk)
        before = None
        if participation is None:
            participation = Participation.objects.create(
                operation=operation, administration=administration, role=role, invited_by=user
            )
        elif participation.status in (ParticipationStatus.DECLINED, ParticipationStatus.WITHDRAWN):
            before = audit_snapshot(participation, AUDITED_PARTICIPATION)
            participation.status = ParticipationStatus.INVITED
            participation.invited_by = user
            participation.invited_at = timezone.now()
            participation.responded_at = None
            participation.save()
        else:
            continue
        invited.append(participation)
        _audit_participation(user, "invite", participation, before)
        _participation_emit(participation, "invite", audience)
    return invited


@transaction.atomic
def participation_respond(*, user: User, participation: Participation, accept: bool) -> Participation:
    """The administration's national contact point accepts or declines (and can withdraw later).

    International organisations have no national contact point: their own people answer for them.
    """
    # Of the participation's row only, and without the key: see _locked_operation.
    participation = (
        Participation.objects.select_for_update(no_key=True, of=("self",))
        .select_related("operation")
        .get(pk=participation.pk)
    )
    answers_for_it = user.administration_id == participation.administration_id and (
        user.role == Role.NATIONAL_CONTACT or participation.role == ParticipationRole.OBSERVER
    )
    if not answers_for_it:
        raise PermissionDenied(_("Only the national contact point of the administration can answer."))
    if participation.operation.status not in OPEN_STATUSES:
        raise ValidationError(_("This operation is closed."), code="closed")
    if accept and participation.status not in (ParticipationStatus.INVITED, ParticipationStatus.DECLINED):
        raise ValidationError(_("There is no invitation to accept."), code="not_invited")
    if not accept and participation.status not in (ParticipationStatus.INVITED, ParticipationStatus.ACCEPTED):
        raise ValidationError(_("There is nothing to decline."), code="not_invited")
    before = audit_snapshot(participation, AUDITED_PARTICIPATION)
    if accept:
        participation.status = ParticipationStatus.ACCEPTED
    elif participation.status == ParticipationStatus.ACCEPTED:
        participation.status = ParticipationStatus.WITHDRAWN
    else:
        participation.status = ParticipationStatus.DECLINED
    participation.national_contact = user
    participation.responded_at = timezone.now()
    participation.save()
    answer = {ParticipationStatus.ACCEPTED: "accept", ParticipationStatus.WITHDRAWN: "withdraw"}
    _audit_participation(user, answer.get(participation.status, "decline"), participation, before)
    _participation_emit(participation, participation.status)
    return participation


# --- What other layers record ---------------------------------------------------------------


def operation_record_report(
    *,
    operation: Operation,
    reference: str,
    occurred_at: datetime,
    mea: Mea | None = None,
    hs_code: HsCode | None = None,
    country: Country | None = None,
) -> ReportedScope:
    """Called by the layer that files reports, so the window and scope rules know what was filed."""
    return ReportedScope.objects.create(
        operation=operation, reference=reference, occurred_at=occurred_at, mea=mea, hs_code=hs_code, country=country
    )


def operation_record_reports(
    *,
    operation: Operation,
    reference: str,
    occurred_at: datetime,
    country_id: str | None,
    codes: Iterable[tuple[str | None, str | None]],
) -> int:
    """``operation_record_report`` for each (MEA, HS code) pair of one report, in one write."""
    scopes = [
        ReportedScope(
            operation=operation,
            reference=reference,
            occurred_at=occurred_at,
            mea_id=mea_id,
            hs_code_id=hs_code_id,
            country_id=country_id,
        )
        for mea_id, hs_code_id in codes
    ]
    ReportedScope.objects.bulk_create(scopes)
    return len(scopes)


def operation_forget_report(*, operation: Operation, reference: str) -> int:
    """A report was changed or withdrawn: what it recorded no longer binds the window and scope."""
    deleted, _counts = ReportedScope.objects.filter(operation=operation, reference=reference).delete()
    return deleted


# --- The operation's thread -----------------------------------------------------------------


def operation_post(
    *,
    user: User,
    operation: Operation,
    title: str,
    body: str,
    topic: str,
    kind: str = "information",
    due_at: datetime | None = None,
) -> Post:
    """A post in the operation's own thread, addressed to its participants and coordinators."""
    if operation.status == OperationStatus.ARCHIVED:
        raise ValidationError(_("This operation is archived and can no longer be changed."), code="archived")
    audience = selectors.operation_audience(operation=operation)
    if user.pk not in audience:
        raise PermissionDenied(_("Only participants and coordinators post in the operation's thread."))
    return messaging.post_create(
        author=user,
        topic=topic,
        title=title,
        body=body,
        kind=kind,
        due_at=due_at,
        audience=AudienceKind.EXPLICIT,
        recipients=audience,
        managers=set(operation.coordinators.values_list("id", flat=True)),
        context=operation.context,
        context_label=operation.code,
        meas=list(operation.scope_meas.all()),
        handling_code=HandlingCode.AMBER,  # the operation's own business: its participants, not beyond
    )
