"""Reads of accounts data, scoped to what the asking user may see."""

from django.db.models import Count, QuerySet
from django.utils import timezone

from .choices import Role
from .models import Administration, ApiToken, User
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
