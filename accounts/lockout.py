"""What a locked-out person is told: when they can try again, and who can unlock them sooner."""

import logging
import math
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from .selectors import lockout_until

logger = logging.getLogger(__name__)


def retry_at(username: str) -> datetime:
    return lockout_until(username=username) or timezone.now() + settings.AXES_COOLOFF_TIME


def lockout_message(until: datetime) -> str:
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    return _(
        "Too many failed sign-in attempts. You can try again at %(time)s UTC (in %(minutes)s minutes). "
        "Your national contact point or the secretariat can unlock your account sooner."
    ) % {"time": until.strftime("%H:%M"), "minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """Axes' answer to a locked-out username: a page, or JSON with ``Retry-After`` for the API."""
    username = str((credentials or {}).get("username") or "")
    until = retry_at(username)
    logger.warning("sign-in refused: %s is locked out until %s", username or "(no username)", until.isoformat())
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    message = lockout_message(until)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message, "retry_after": until.isoformat()}, status=429)
    else:
        response = render(request, "accounts/locked.html", {"message": message, "until": until}, status=429)
    response["Retry-After"] = str(seconds)
    return response
