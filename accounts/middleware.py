"""People who must sign in with a second factor can do nothing else until they have: the roles that require
one, staff and superusers (the Django admin), and anyone who has set up an authenticator."""

from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from .two_factor import session_verified, totp_confirmed_device, two_factor_required


def second_factor_owed(user: Any) -> bool:
    """Whether a signed-in session of ``user`` must be verified with a device before it may do anything.

    A role that requires it, the Django admin's staff and superusers (whatever their role), and anyone with a
    confirmed authenticator: a password alone never replaces a device its owner set up.
    """
    if two_factor_required(user) or user.is_staff or user.is_superuser:
        return True
    return totp_confirmed_device(user) is not None


class TwoFactorRequiredMiddleware:
    """After django-otp's ``OTPMiddleware``: a session that owes a second factor (``second_factor_owed``) and is
    not verified with a device is sent to the second sign-in step (with a device) or to set one up (without).

    API calls with a bearer token are not concerned: the token was only issued against a code.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not session_verified(user) and second_factor_owed(user):
            allowed = {
                reverse("two-factor"),
                reverse("login-verify"),
                reverse("logout"),
                reverse("language-switch"),
            }
            if request.path not in allowed and not request.path.startswith("/static/"):
                return self._refuse(request)
        return self.get_response(request)

    def _refuse(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Your role requires a second factor: finish signing in on the web first.")}, status=403
            )
        device = totp_confirmed_device(request.user)  # type: ignore[arg-type]
        target = reverse("login-verify") if device else reverse("two-factor")
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")


@database_sync_to_async
def _session_passes_second_factor(scope: dict[str, Any]) -> bool:
    user = scope.get("user")
    if user is None or not user.is_authenticated:
        return True
    device_id = scope["session"].get(DEVICE_ID_SESSION_KEY) if "session" in scope else None
    device = Device.from_persistent_id(device_id) if device_id else None
    if device is not None and device.user_id == user.pk and device.confirmed:
        return True
    return not second_factor_owed(user)


class WebSocketSecondFactorMiddleware(BaseMiddleware):
    """The same rule for the WebSocket stream: a session that still owes its code connects as nobody."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if not await _session_passes_second_factor(scope):
            scope = {**scope, "user": AnonymousUser()}
        return await super().__call__(scope, receive, send)
