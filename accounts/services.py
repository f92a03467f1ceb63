"""Every write to administrations, users and API tokens."""

import hashlib
import logging
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from opsplatform.errors import field_error
from reference.models import Country, Rilo

from . import emails, policy
from .audit import audit_record, audit_snapshot, user_snapshot
from .choices import AccessRequestStatus, AdministrationKind, DeactivationReason, Language, Role
from .models import AccessLog, AccessRequest, ActivationToken, Administration, ApiToken, Unit, User

TOKEN_PREFIX = "ops_"


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def administration_create(
    *,
    code: str,
    name: str,
    kind: str,
    country: Country | None = None,
    rilo: Rilo | None = None,
    name_fr: str = "",
) -> Administration:
    if kind in AdministrationKind.national() and country is None:
        raise field_error("country", _("A national administration must name its country."), "required")
    if kind == AdministrationKind.RILO and rilo is None:
        raise field_error("rilo", _("A RILO administration must name the office it runs."), "required")
    if Administration.objects.filter(code=code).exists():
        raise field_error("code", _("An administration with this code already exists."), "unique")
    administration = Administration(code=code, name=name, name_fr=name_fr, kind=kind, country=country, rilo=rilo)
    administration.full_clean()
    administration.save()
    return administration


def _check_role_fits_administration(role: str, administration: Administration) -> None:
    if role == Role.SECRETARIAT and administration.kind != AdministrationKind.SECRETARIAT:
        raise field_error(
            "role", _("Only members of the secretariat can have the secretariat role."), "role_administration"
        )
    if role == Role.NATIONAL_CONTACT and administration.kind not in AdministrationKind.national():
        raise field_error(
            "role", _("A national contact point must belong to a national administration."), "role_administration"
        )


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str,
    password: str | None,
    administration: Administration,
    role: str = Role.OFFICER,
    language: str = Language.ENGLISH,
    first_name: str = "",
    last_name: str = "",
    position: str = "",
    platform_admin: bool = False,
    actor: User | None = None,
) -> User:
    """Create a person's account. ``password=None`` leaves it unusable until the person sets one.

    ``platform_admin`` opens the Django admin to a member of the secretariat. ``actor`` is who
    creates the account, for the audit trail (none when the platform itself does).
    """
    if platform_admin and administration.kind != AdministrationKind.SECRETARIAT:
        raise field_error(
            "platform_admin", _("Only members of the secretariat can administer the platform."), "role_administration"
        )
    _check_role_fits_administration(role, administration)
    email = User.objects.normalize_email(email)
    if User.objects.filter(username__iexact=username).exists():
        raise field_error("username", _("This username is already taken."), "unique")
    if User.objects.filter(email__iexact=email).exists():
        raise field_error("email", _("An account with this e-mail address already exists."), "unique")
    user = User(
        username=username,
        email=email,
        administration=administration,
        role=role,
        language=language,
        first_name=first_name,
        last_name=last_name,
        position=position,
        is_staff=platform_admin,
        is_superuser=platform_admin,
    )
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}, code="password") from None
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(
        actor=actor, action="create", obj=user, reference=user.username, administration=administration,
        after=user_snapshot(user),
    )  # fmt: skip
    return user


def user_set_language(*, user: User, language: str) -> User:
    if language not in Language.values:
        raise field_error("language", _("Choose English or French."), "invalid_choice")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


def token_issue(*, user: User, name: str = "", lifetime: timedelta | None = None) -> tuple[ApiToken, str]:
    """Issue a bearer token. Returns the stored token and the secret, which is never shown again."""
    if not user.is_active:
        raise ValidationError(_("This account is disabled."), code="inactive")
    lifetime = lifetime or settings.API_TOKEN_LIFETIME
    if lifetime <= timedelta(0):
        raise field_error("lifetime", _("A token must live for some time."), "invalid")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        digest=token_digest(raw),
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        created_at=now,
        expires_at=now + lifetime,
    )
    return token, raw


def token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def access_log_record(
    *, user: User, object_type: str, objects: list[tuple[str, str]], action: str = AccessLog.Action.READ, channel: str
) -> int:
    """Account for personal data shown or handed out: one row per object, as ``(id, reference)`` pairs."""
    now = timezone.now()
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                user=user,
                action=action,
                object_type=object_type,
                object_id=object_id,
                reference=reference[:128],
                channel=channel,
                at=now,
            )
            for object_id, reference in objects
        ]
    )
    return len(objects)


# --- Access requests and activation --------------------------------------------------------------

logger = logging.getLogger(__name__)


def _contact_points(administration: Administration) -> list[User]:
    return list(User.objects.filter(administration=administration, role=Role.NATIONAL_CONTACT, is_active=True))


def _secretariat() -> list[User]:
    return list(User.objects.filter(role=Role.SECRETARIAT, is_active=True))


def _after_commit_mail(send: Callable[[], None], what: str) -> None:
    """Mail after commit; a mail server that is down never undoes the decision, it is only logged."""

    def run() -> None:
        try:
            send()
        except Exception:
            logger.exception("could not send the %s e-mail", what)

    transaction.on_commit(run)


@transaction.atomic
def access_request_submit(
    *,
    first_name: str,
    last_name: str,
    email: str,
    administration: Administration,
    position: str,
    justification: str,
    language: str = Language.ENGLISH,
) -> AccessRequest | None:
    """Record a request to join and tell the administration's contact points.

    The form is public, so it answers alike whether or not the address already has an account or an
    open request: ``None`` (an account exists) or the open request are returned without a new row.
    """
    if not administration.is_active:
        raise field_error("administration", _("Choose an administration from the list."), "invalid_choice")
    if language not in Language.values:
        language = Language.ENGLISH
    email = User.objects.normalize_email(email.strip())
    if User.objects.filter(email__iexact=email).exists():
        logger.info("access request for an address that already has an account")
        return None
    open_request = _open_access_request(email)
    if open_request is not None:
        return open_request
    access_request = AccessRequest(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        administration=administration,
        position=position.strip(),
        justification=justification.strip(),
        language=language,
    )
    # The open-request constraint is left to the database: a submission racing this one is caught below.
    access_request.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            access_request.save()
    except IntegrityError:
        rival = _open_access_request(email)
        if rival is None:
            raise
        return rival
    contact_points = _contact_points(administration)
    _after_commit_mail(
        lambda: emails.access_request_submitted_email(access_request=access_request, contact_points=contact_points),
        "access request",
    )
    return access_request


def _open_access_request(email: str) -> AccessRequest | None:
    """The request for this address still waiting for a decision, if any (at most one: a constraint says so)."""
    return AccessRequest.objects.filter(email__iexact=email, status__in=AccessRequestStatus.open()).first()


def _check_may_decide(actor: User, access_request: AccessRequest, *, as_contact_point: bool) -> None:
    if as_contact_point:
        if actor.role != Role.NATIONAL_CONTACT or actor.administration_id != access_request.administration_id:
            raise PermissionDenied(_("Only a contact point of this administration can endorse this request."))
    elif actor.role != Role.SECRETARIAT:
        raise PermissionDenied(_("Only the secretariat can approve access requests."))


def access_request_awaits_secretariat(access_request: AccessRequest) -> bool:
    """Endorsed, or pending in an administration that has no contact point to endorse it."""
    if access_request.status == AccessRequestStatus.ENDORSED:
        return True
    return access_request.status == AccessRequestStatus.PENDING and not _contact_points(access_request.administration)


@transaction.atomic
def access_request_endorse(*, actor: User, access_request: AccessRequest) -> AccessRequest:
    _check_may_decide(actor, access_request, as_contact_point=True)
    access_request = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if access_request.status != AccessRequestStatus.PENDING:
        raise ValidationError(_("This request has already been decided."), code="decided")
    access_request.status = AccessRequestStatus.ENDORSED
    access_request.endorsed_by = actor
    access_request.endorsed_at = timezone.now()
    access_request.save(update_fields=["status", "endorsed_by", "endorsed_at"])
    audit_record(
        actor=actor, action="endorse", obj=access_request, reference=f"AR-{access_request.pk}",
        administration=access_request.administration_id,
    )  # fmt: skip
    secretariat = _secretariat()
    _after_commit_mail(
        lambda: emails.access_request_endorsed_email(access_request=access_request, secretariat=secretariat),
        "endorsed access request",
    )
    return access_request


@transaction.atomic
def access_request_reject(*, actor: User, access_request: AccessRequest, reason: str) -> AccessRequest:
    """A contact point rejects a pending request of their administration; the secretariat any open one."""
    as_contact_point = actor.role == Role.NATIONAL_CONTACT
    _check_may_decide(actor, access_request, as_contact_point=as_contact_point)
    access_request = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    allowed = [AccessRequestStatus.PENDING] if as_contact_point else AccessRequestStatus.open()
    if access_request.status not in allowed:
        raise ValidationError(_("This request has already been decided."), code="decided")
    if not reason.strip():
        raise field_error("reason", _("Say why, for the person who asked."), "required")
    access_request.status = AccessRequestStatus.REJECTED
    access_request.decided_by = actor
    access_request.decided_at = timezone.now()
    access_request.reason = reason.strip()
    access_request.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit_record(
        actor=actor, action="reject", obj=access_request, reference=f"AR-{access_request.pk}",
        administration=access_request.administration_id,
    )  # fmt: skip
    _after_commit_mail(
        lambda: emails.access_request_rejected_email(access_request=access_request), "rejected access request"
    )
    return access_request


def _free_username(email: str) -> str:
    base = re.sub(r"[^a-z0-9._-]", "", email.split("@")[0].lower())[:30] or "user"
    candidate, number = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}{number}"
    return candidate


@transaction.atomic
def access_request_approve(*, actor: User, access_request: AccessRequest, role: str = Role.OFFICER) -> AccessRequest:
    """Create the account (without a password) and send its activation link."""
    _check_may_decide(actor, access_request, as_contact_point=False)
    access_request = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if access_request.status not in AccessRequestStatus.open():
        raise ValidationError(_("This request has already been decided."), code="decided")
    if not access_request_awaits_secretariat(access_request):
        raise ValidationError(_("The national contact point has not endorsed this request yet."), code="not_endorsed")
    if role not in Role.values:
        raise field_error("role", _("Choose a role from the list."), "invalid_choice")
    user = user_create(
        username=_free_username(access_request.email),
        email=access_request.email,
        password=None,
        administration=access_request.administration,
        role=role,
        language=access_request.language,
        first_name=access_request.first_name,
        last_name=access_request.last_name,
        position=access_request.position,
        actor=actor,
    )
    access_request.status = AccessRequestStatus.APPROVED
    access_request.role = role
    access_request.user = user
    access_request.decided_by = actor
    access_request.decided_at = timezone.now()
    access_request.save(update_fields=["status", "role", "user", "decided_by", "decided_at"])
    audit_record(
        actor=actor, action="approve", obj=access_request, reference=f"AR-{access_request.pk}",
        administration=access_request.administration_id, after={"status": access_request.status, "role": role},
    )  # fmt: skip
    activation_link_send(user=user)
    return access_request


@transaction.atomic
def activation_link_send(*, user: User) -> ActivationToken:
    """A new single-use link; earlier unused ones stop working. Only the link's digest is stored."""
    now = timezone.now()
    ActivationToken.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    raw = secrets.token_urlsafe(32)
    hours = settings.ACCOUNT_ACTIVATION_HOURS
    token = ActivationToken.objects.create(
        user=user, digest=token_digest(raw), created_at=now, expires_at=now + timedelta(hours=hours)
    )
    _after_commit_mail(lambda: emails.activation_email(user=user, raw_token=raw, hours=hours), "activation")
    return token


def activation_awaited(user: User) -> bool:
    """An active account whose owner has never set a password: its activation link is all they have."""
    return user.is_active and not user.has_usable_password()


@transaction.atomic
def activation_link_resend(*, actor: User, user: User) -> ActivationToken:
    """A new activation link for an account never activated, when the first one expired or went astray.

    The secretariat, or a contact point of the person's administration, asks for it; the link goes to the
    account's own address, never to them. Earlier links stop working.
    """
    own = actor.role == Role.NATIONAL_CONTACT and actor.administration_id == user.administration_id
    if actor.role != Role.SECRETARIAT and not own:
        raise PermissionDenied(_("You cannot manage this account."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise ValidationError(_("This account is deactivated: reactivate it first."), code="inactive")
    if user.has_usable_password():
        raise ValidationError(
            _("This account is already activated: its owner signs in with their password."), code="activated"
        )
    token = activation_link_send(user=user)
    audit_record(
        actor=actor, action="resend_activation", obj=user, reference=user.username,
        administration=user.administration_id,
    )  # fmt: skip
    return token


def _check_activation_usable(token: ActivationToken) -> None:
    if token.used_at is not None:
        raise ValidationError(
            _("This activation link has already been used. Sign in, or ask the secretariat for a new link."),
            code="used",
        )
    if token.expires_at <= timezone.now():
        raise ValidationError(
            _("This activation link has expired. Ask the secretariat or your national contact point for a new one."),
            code="expired",
        )


@transaction.atomic
def activation_device(*, token: ActivationToken) -> TOTPDevice:
    """The authenticator the activation page shows, created on the first visit of the link."""
    _check_activation_usable(token)
    return totp_device_start(user=token.user)


@transaction.atomic
def account_activate(*, token: ActivationToken, password: str, otp_token: str) -> User:
    """Set the first password and confirm the authenticator; the link cannot be used again."""
    token = ActivationToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    _check_activation_usable(token)
    user = token.user
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}, code="password") from None
    totp_device_confirm(user=user, otp_token=otp_token)
    user.set_password(password)
    user.save(update_fields=["password"])
    token.used_at = timezone.now()
    token.save(update_fields=["used_at"])
    return user


# --- Second factor ---------------------------------------------------------------------------------


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """An unconfirmed authenticator to show as a QR code; the same one until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def totp_device_install(*, user: User, key: bytes) -> TOTPDevice:
    """A confirmed authenticator with a known key, for the demo's published logins; kept if one exists."""
    existing = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if existing is not None:
        return existing
    return TOTPDevice.objects.create(user=user, name="demo", key=key.hex(), confirmed=True)


@transaction.atomic
def totp_device_confirm(*, user: User, otp_token: str) -> TOTPDevice:
    """Confirm the unconfirmed authenticator with a code it shows; it replaces any earlier one."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        raise field_error("otp_token", _("Reload the page to get a new QR code."), "no_device")
    if not device.verify_token(otp_token.strip().replace(" ", "")):
        raise field_error(
            "otp_token", _("This code is not valid. Enter the six digits your app shows now."), "invalid_code"
        )
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(
        actor=user,
        action="enrol_second_factor",
        obj=user,
        reference=user.username,
        administration=user.administration_id,
    )
    return device


@transaction.atomic
def totp_device_remove(*, user: User, otp_token: str) -> None:
    """Drop the second factor, proven with a current code; roles that require one cannot."""
    if user.role in settings.TWO_FACTOR_REQUIRED_ROLES:
        raise ValidationError(_("Your role requires a second factor; it cannot be removed."), code="required")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        raise ValidationError(_("There is no authenticator to remove."), code="no_device")
    if not device.verify_token(otp_token.strip().replace(" ", "")):
        raise field_error(
            "otp_token", _("This code is not valid. Enter the six digits your app shows now."), "invalid_code"
        )
    TOTPDevice.objects.filter(user=user).delete()
    audit_record(
        actor=user,
        action="remove_second_factor",
        obj=user,
        reference=user.username,
        administration=user.administration_id,
    )


# --- Lockouts, deactivation and inactivity -------------------------------------------------------


def _check_may_manage(actor: User, user: User) -> None:
    """The secretariat manages every account; a contact point those of their administration but its
    contact points."""
    if actor.role == Role.SECRETARIAT:
        return
    if (
        actor.role == Role.NATIONAL_CONTACT
        and actor.administration_id == user.administration_id
        and user.role not in settings.TWO_FACTOR_REQUIRED_ROLES
    ):
        return
    raise PermissionDenied(_("You cannot manage this account."))


def user_unlock(*, actor: User, user: User) -> int:
    """Lift a lockout after failed sign-ins before it expires. Returns how many attempt records went."""
    if actor.role == Role.SECRETARIAT or (
        actor.role == Role.NATIONAL_CONTACT and actor.administration_id == user.administration_id
    ):
        removed = axes_reset(username=user.username)
        logger.warning("sign-in lockout of %s lifted by %s", user.username, actor.username)
        audit_record(
            actor=actor, action="unlock", obj=user, reference=user.username, administration=user.administration
        )
        return removed
    raise PermissionDenied(_("You cannot manage this account."))


@transaction.atomic
def user_deactivate(*, user: User, actor: User | None = None, reason: str = DeactivationReason.CONTACT_POINT) -> User:
    """Block an account; its API tokens stop working with it. ``actor=None`` is the inactivity sweep."""
    if actor is not None:
        _check_may_manage(actor, user)
        if actor.pk == user.pk:
            raise ValidationError(_("You cannot deactivate your own account."), code="self")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return user
    before = user_snapshot(user)
    user.is_active = False
    user.deactivated_at = timezone.now()
    user.deactivation_reason = reason
    user.save(update_fields=["is_active", "deactivated_at", "deactivation_reason"])
    audit_record(
        actor=actor, action="deactivate", obj=user, reference=user.username, administration=user.administration,
        before=before, after=user_snapshot(user),
    )  # fmt: skip
    return user


@transaction.atomic
def user_reactivate(*, actor: User, user: User) -> User:
    """Unblock an account; the inactivity clock starts again from now."""
    _check_may_manage(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        return user
    before = user_snapshot(user)
    user.is_active = True
    user.reactivated_at = timezone.now()
    user.deactivated_at = None
    user.deactivation_reason = ""
    user.inactivity_reminder_sent_at = None
    user.save(
        update_fields=[
            "is_active", "reactivated_at", "deactivated_at", "deactivation_reason", "inactivity_reminder_sent_at"
        ]
    )  # fmt: skip
    audit_record(
        actor=actor, action="reactivate", obj=user, reference=user.username, administration=user.administration,
        before=before, after=user_snapshot(user),
    )  # fmt: skip
    return user


def user_record_sign_in(*, user: User) -> None:
    """A sign-in that opens no session (a token issued to a program) still counts as use of the account."""
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())


def _remind(user: User, *, blocked_on: datetime) -> None:
    _after_commit_mail(
        lambda: emails.inactivity_reminder_email(user=user, blocked_on=blocked_on), "inactivity reminder"
    )


def inactive_accounts_process(*, now: datetime | None = None) -> tuple[int, int]:
    """Remind once, then block, accounts unused for ``ACCOUNT_INACTIVITY_DAYS``. Returns (reminded, blocked).

    Idempotent: a reminder is sent once per period of inactivity, and blocked accounts are left alone.
    """
    from .selectors import accounts_due_for_block, accounts_due_for_reminder

    now = now or timezone.now()
    days = settings.ACCOUNT_INACTIVITY_DAYS
    reminded = 0
    for user in accounts_due_for_reminder(now=now):
        with transaction.atomic():
            claimed = User.objects.filter(
                pk=user.pk, inactivity_reminder_sent_at=user.inactivity_reminder_sent_at
            ).update(inactivity_reminder_sent_at=now)
            if not claimed:
                continue  # another run reminded them meanwhile
            _remind(user, blocked_on=user.last_activity + timedelta(days=days))  # type: ignore[attr-defined]
            reminded += 1
    blocked = 0
    for user in accounts_due_for_block(now=now):
        user_deactivate(user=user, reason=DeactivationReason.INACTIVITY)
        logger.info("account %s blocked after %s days without use", user.username, days)
        blocked += 1
    return reminded, blocked


# --- Units: shared inboxes and drafts for teams on shifts ------------------------------------


def _check_may_manage_units(actor: User, administration: Administration | int | None) -> None:
    """The secretariat manages every unit; a national contact point those of their own administration."""
    administration_id = administration.pk if isinstance(administration, Administration) else administration
    own = actor.administration_id is not None and actor.administration_id == administration_id
    if policy.allows("unit.manage", user=actor, relations={policy.Relation.OWN_ADMINISTRATION} if own else set()):
        return
    raise PermissionDenied(_("Only the secretariat and the administration's contact points manage its units."))


def _unit_snapshot(unit: Unit) -> dict[str, object]:
    return audit_snapshot(unit, ("administration", "name", "members"))


@transaction.atomic
def unit_create(*, actor: User, administration: Administration, name: str) -> Unit:
    """A team of one administration that shares an inbox and drafts; each member keeps their own login."""
    _check_may_manage_units(actor, administration)
    name = name.strip()
    if not name:
        raise field_error("name", _("Give the unit a name."), "required")
    if Unit.objects.filter(administration=administration, name__iexact=name).exists():
        raise field_error("name", _("This administration already has a unit of that name."), "unique")
    unit = Unit.objects.create(administration=administration, name=name)
    audit_record(
        actor=actor, action="create", obj=unit, reference=unit.name, administration=administration,
        after=_unit_snapshot(unit),
    )  # fmt: skip
    return unit


@transaction.atomic
def unit_add_member(*, actor: User, unit: Unit, user: User) -> Unit:
    """Add a person of the unit's administration; adding a member twice changes nothing."""
    _check_may_manage_units(actor, unit.administration_id)
    if user.administration_id != unit.administration_id:
        raise field_error("user", _("Members of a unit belong to its administration."), "other_administration")
    if not user.is_active:
        raise field_error("user", _("This account is disabled."), "inactive")
    if unit.members.filter(pk=user.pk).exists():
        return unit
    before = _unit_snapshot(unit)
    unit.members.add(user)
    audit_record(
        actor=actor, action="add_member", obj=unit, reference=unit.name, administration=unit.administration_id,
        before=before, after=_unit_snapshot(unit),
    )  # fmt: skip
    return unit


@transaction.atomic
def unit_remove_member(*, actor: User, unit: Unit, user: User) -> Unit:
    """Remove a person from the unit; the posts already in their inbox stay there."""
    _check_may_manage_units(actor, unit.administration_id)
    if not unit.members.filter(pk=user.pk).exists():
        return unit
    before = _unit_snapshot(unit)
    unit.members.remove(user)
    audit_record(
        actor=actor, action="remove_member", obj=unit, reference=unit.name, administration=unit.administration_id,
        before=before, after=_unit_snapshot(unit),
    )  # fmt: skip
    return unit
