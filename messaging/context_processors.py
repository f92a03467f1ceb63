from typing import Any, cast

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.models import User

from . import selectors


def channel(request: HttpRequest) -> dict[str, Any]:
    """Unread count for the navigation and the stream's starting point, computed only if a page uses them."""
    if not request.user.is_authenticated:
        return {}
    user = cast(User, request.user)
    return {
        "unread_count": SimpleLazyObject(lambda: selectors.unread_count(user=user)),
        "last_event_id": SimpleLazyObject(lambda: selectors.last_event_id(user=user)),
    }
