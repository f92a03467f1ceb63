"""Second-factor helpers for tests: a confirmed authenticator for a person, and its current code.

Codes are computed with pyotp from the device's key, as an authenticator app would. A code is
accepted once (django-otp refuses a time step it has already seen), so ``otp_code`` gives the next
unused step, waiting for the clock when a test signs the same person in three times in 30 seconds.
"""

import time
from base64 import b32encode

import pyotp
from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import User
from accounts.two_factor import totp_confirmed_device


def otp_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    step = int(time.time()) // device.step
    wanted = max(step, device.last_t + 1)
    if wanted > step + device.tolerance:
        time.sleep((wanted - device.tolerance) * device.step - time.time() + 0.1)
    return pyotp.TOTP(b32encode(device.bin_key).decode(), interval=device.step).at(wanted * device.step)


def otp_code_for_secret(secret: str) -> str:
    """The current code for a key as the enrolment page shows it (base32, in groups)."""
    return pyotp.TOTP(secret.replace(" ", "")).now()


def otp_device(user: User) -> TOTPDevice:
    """The person's confirmed authenticator, set up through the real services when there is none yet."""
    device = totp_confirmed_device(user)
    if device is None:
        pending = services.totp_device_start(user=user)
        services.totp_device_confirm(user=user, otp_token=otp_code(pending))
        device = TOTPDevice.objects.get(pk=pending.pk)
    return device


def session_verify(client: Client, user: User) -> None:
    """Mark a test client's session as verified with the person's authenticator, as the second step does."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = otp_device(user).persistent_id
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
