"""Reads of accounts data, scoped to what the asking user may see."""

from datetime import datetime, timedelta
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.utils import timezone

from . import policy
from .choices import AccessRequestStatus, Role
from .models import AccessLog, AccessRequest, ActivationToken, Administration, ApiToken, AuditEvent, Unit, User
from .services import TOKEN_PREFIX, token_digest


def token_get_usable(*, raw: str) -> ApiToken | None:
    """The live token matching ``raw``: not revoked, not expired, its user active. ``None`` otherwise."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    return (
        ApiToken.objects.select_related("user", "user__administration")
        .filter(digest=token_digest(raw), revoked_at__isnull=True, expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )


def token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def administration_colleagues(*, user: User) -> QuerySet[User]:
    """People of the user's own administration, as a national contact point oversees them."""
    if user.administration_id is None:
        return User.objects.none()
    return User.objects.filter(administration_id=user.administration_id, is_active=True).order_by(
        "last_name", "username"
    )


def administration_list(*, user: User) -> QuerySet[Administration]:
    """Administrations are listed to every member of the closed user group; they hold no secrets."""
    return Administration.objects.filter(is_active=True).select_related("country", "rilo")


def role_counts() -> dict[str, int]:
    """Active accounts per role, for the secretariat's overview."""
    counts = dict.fromkeys(Role.values, 0)
    for row in User.objects.filter(is_active=True).values("role").annotate(total=Count("id")):
        counts[row["role"]] = row["total"]
    return counts


# --- Audit trail and access log ------------------------------------------------------------------


def audit_scope(*, user: User) -> int | None:
    """The administration whose trail the user may read (``None``: every one); 404 for everyone else.

    The secretariat reads it all; a national contact point reads their own administration's.
    """
    if policy.allows("audit.view", user=user):
        return None
    if user.administration_id is not None and policy.allows(
        "audit.view", user=user, relations={policy.Relation.OWN_ADMINISTRATION}
    ):
        return user.administration_id
    raise Http404


def _apply_audit_filters(events: QuerySet[AuditEvent], filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    if "object_type" in filters:
        events = events.filter(object_type=filters["object_type"])
    if "actor" in filters:
        events = events.filter(actor_label__iexact=filters["actor"])
    if "administration" in filters:
        events = events.filter(administration=filters["administration"])
    if "since" in filters:
        events = events.filter(at__date__gte=filters["since"])
    if "until" in filters:
        events = events.filter(at__date__lte=filters["until"])
    return events


def audit_event_list(*, user: User, filters: dict[str, Any] | None = None) -> QuerySet[AuditEvent]:
    """Audit events the user may read, newest first."""
    administration_id = audit_scope(user=user)
    events = AuditEvent.objects.select_related("administration")
    if administration_id is not None:
        events = events.filter(administration_id=administration_id)
    return _apply_audit_filters(events, filters or {}).order_by("-id")


def audit_event_get(*, user: User, event_id: int) -> AuditEvent:
    event = audit_event_list(user=user).filter(pk=event_id).first()
    if event is None:
        raise Http404
    return event


def access_log_list(*, user: User, filters: dict[str, Any] | None = None) -> QuerySet[AccessLog]:
    """Reads and downloads of personal data: all of them for the secretariat, those by their own
    administration's people for a national contact point."""
    administration_id = audit_scope(user=user)
    entries = AccessLog.objects.select_related("user", "user__administration")
    if administration_id is not None:
        entries = entries.filter(user__administration_id=administration_id)
    filters = filters or {}
    for name, lookup in (
        ("object_type", "object_type"), ("action", "action"), ("user", "user__username__iexact"),
        ("since", "at__date__gte"), ("until", "at__date__lte"),
    ):  # fmt: skip
        if name in filters:
            entries = entries.filter(**{lookup: filters[name]})
    return entries.order_by("-at", "-id")


# --- Access requests -------------------------------------------------------------------------------


def access_request_list(*, user: User) -> QuerySet[AccessRequest]:
    """Open requests the user has to decide: a contact point's administration's pending ones; for the
    secretariat, the endorsed ones and the pending ones no contact point can endorse."""
    requests = AccessRequest.objects.select_related("administration", "endorsed_by")
    if user.role == Role.NATIONAL_CONTACT and user.administration_id is not None:
        return requests.filter(administration_id=user.administration_id, status=AccessRequestStatus.PENDING)
    if user.role == Role.SECRETARIAT:
        with_contact_point = User.objects.filter(role=Role.NATIONAL_CONTACT, is_active=True).values("administration_id")
        return requests.filter(
            Q(status=AccessRequestStatus.ENDORSED)
            | Q(status=AccessRequestStatus.PENDING) & ~Q(administration_id__in=with_contact_point)
        )
    return requests.none()


def access_request_get(*, user: User, pk: int) -> AccessRequest:
    """One request, open or decided, as its administration's contact points and the secretariat see it.

    Raises ``AccessRequest.DoesNotExist`` for anybody else, as for a missing one.
    """
    requests = AccessRequest.objects.select_related("administration", "endorsed_by", "decided_by", "user")
    if user.role == Role.SECRETARIAT:
        return requests.get(pk=pk)
    if user.role == Role.NATIONAL_CONTACT and user.administration_id is not None:
        return requests.get(pk=pk, administration_id=user.administration_id)
    raise AccessRequest.DoesNotExist


def activation_token_get(*, raw: str) -> ActivationToken | None:
    """The activation link's record, used or not (so the page can say which), or ``None``."""
    if not raw or len(raw) > 128:
        return None
    return ActivationToken.objects.select_related("user").filter(digest=token_digest(raw)).first()


def administration_choices() -> QuerySet[Administration]:
    """Administrations a person may ask to join, on the public request form."""
    return Administration.objects.filter(is_active=True).order_by("name")


# --- People, lockouts and inactivity ---------------------------------------------------------------


def managed_people(*, user: User) -> QuerySet[User]:
    """Accounts the user looks after, active or not: the secretariat all, a contact point their administration's."""
    people = User.objects.select_related("administration").order_by("last_name", "first_name", "username")
    if user.role == Role.SECRETARIAT:
        return people
    if user.role == Role.NATIONAL_CONTACT and user.administration_id is not None:
        return people.filter(administration_id=user.administration_id)
    return people.none()


def people_awaiting_activation(*, user: User) -> QuerySet[User]:
    """Active accounts in the user's care that were never activated (no password set yet)."""
    return managed_people(user=user).filter(is_active=True, password__startswith=UNUSABLE_PASSWORD_PREFIX)


def managed_person_get(*, user: User, pk: int) -> User:
    """Raises ``User.DoesNotExist`` for an account outside the user's care, as for a missing one."""
    return managed_people(user=user).get(pk=pk)


def lockouts(*, usernames: list[str] | None = None) -> dict[str, datetime]:
    """Usernames locked out after failed sign-ins, with the time each may try again."""
    now = timezone.now()
    cool_off: timedelta = settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(attempt_time__gte=now - cool_off)
    if usernames is not None:
        attempts = attempts.filter(username__in=usernames)
    rows = (
        attempts.values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )
    return {row["username"]: row["last"] + cool_off for row in rows}


def lockout_until(*, username: str) -> datetime | None:
    return lockouts(usernames=[username]).get(username)


def locked_people(*, user: User) -> list[tuple[User, datetime]]:
    """Locked-out accounts the user may unlock, with the time each could retry on its own."""
    locked = lockouts()
    if not locked:
        return []
    people = managed_people(user=user).filter(username__in=list(locked))
    return [(person, locked[person.username]) for person in people]


def _with_last_activity(users: QuerySet[User]) -> QuerySet[User]:
    """Last use: the latest of the last sign-in, the account's creation and its reactivation."""
    return users.annotate(
        last_activity=Greatest(
            Coalesce("last_login", "date_joined"),
            Coalesce("reactivated_at", "date_joined"),
        )
    )


def accounts_due_for_reminder(*, now: datetime) -> QuerySet[User]:
    """Active accounts within the reminder window before being blocked, not yet reminded since last use."""
    days = settings.ACCOUNT_INACTIVITY_DAYS
    remind_from = now - timedelta(days=days - settings.ACCOUNT_INACTIVITY_REMINDER_DAYS)
    block_from = now - timedelta(days=days)
    return (
        _with_last_activity(User.objects.filter(is_active=True))
        .filter(last_activity__lte=remind_from, last_activity__gt=block_from)  # type: ignore[misc]
        .filter(Q(inactivity_reminder_sent_at__isnull=True) | Q(inactivity_reminder_sent_at__lt=F("last_activity")))
        .order_by("pk")
    )


def accounts_due_for_block(*, now: datetime) -> QuerySet[User]:
    return (
        _with_last_activity(User.objects.filter(is_active=True))
        .filter(last_activity__lte=now - timedelta(days=settings.ACCOUNT_INACTIVITY_DAYS))  # type: ignore[misc]
        .order_by("pk")
    )


# --- Units ------------------------------------------------------------------------------------


def may_manage_units(*, user: User) -> bool:
    """Whether the user manages some units: those of their own administration at least."""
    own = {policy.Relation.OWN_ADMINISTRATION} if user.administration_id is not None else set()
    return policy.allows("unit.manage", user=user, relations=own)


def unit_list(*, user: User) -> QuerySet[Unit]:
    """Units the user belongs to or manages: every unit for the secretariat, their administration's for a
    contact point, their own for anyone else."""
    units = Unit.objects.select_related("administration").annotate(member_count=Count("members", distinct=True))
    if user.role == Role.SECRETARIAT:
        return units
    if user.role == Role.NATIONAL_CONTACT and user.administration_id is not None:
        return units.filter(Q(administration_id=user.administration_id) | Q(members=user)).distinct()
    return units.filter(members=user)


def unit_get(*, user: User, unit_id: int) -> Unit:
    """A unit the user belongs to or manages; any other answers like a missing one."""
    unit = unit_list(user=user).filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    return unit


def unit_is_member(*, user: User, unit: Unit) -> bool:
    return unit.members.filter(pk=user.pk).exists()


def unit_may_manage(*, user: User, unit: Unit) -> bool:
    own = user.administration_id is not None and user.administration_id == unit.administration_id
    return policy.allows("unit.manage", user=user, relations={policy.Relation.OWN_ADMINISTRATION} if own else set())


def units_of(*, user: User) -> QuerySet[Unit]:
    """The units the user works in, for choosing which one a draft belongs to."""
    return Unit.objects.filter(members=user).select_related("administration")
