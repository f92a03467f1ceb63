"""The second factor: which roles must have one, and how an authenticator app is set up (QR code and secret)."""

from base64 import b32encode

import segno
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User


def two_factor_required(user: User) -> bool:
    """Roles that see every administration's data (or vouch for people) must sign in with a second factor."""
    return user.role in settings.TWO_FACTOR_REQUIRED_ROLES


def session_verified(user: object) -> bool:
    """Whether django-otp's middleware found this session verified with one of the user's devices."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def totp_confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def totp_secret(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


def totp_qr_svg(device: TOTPDevice) -> SafeString:
    """The ``otpauth://`` address as an inline SVG drawn here: no script, no image request, no third party."""
    qr = segno.make(device.config_url, error="m")
    title = _("QR code for your authenticator app")  # segno escapes it
    return mark_safe(qr.svg_inline(scale=4, border=2, title=title, dark="#000", light="#fff"))
