"""Every write to administrations, users and API tokens."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opsplatform.errors import field_error
from reference.models import Country, Rilo

from .choices import AdministrationKind, Language, Role
from .models import AccessLog, Administration, ApiToken, User

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
) -> User:
    """Create a person's account. ``password=None`` leaves it unusable until the person sets one.

    ``platform_admin`` opens the Django admin to a member of the secretariat.
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
