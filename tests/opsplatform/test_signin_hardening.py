"""Signing in to the Django admin takes the second factor like any other page, the admin shows no TOTP key, and
the per-address limits count the client's own address, not whatever X-Forwarded-For it sends."""

import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.throttling import ScopedRateThrottle

from accounts.choices import Role
from accounts.models import User
from tests.conftest import PASSWORD
from tests.otp import otp_code, otp_code_for_secret, otp_device


@pytest.fixture(autouse=True)
def _empty_cache(settings):
    """Rate limits and django-otp's wait after a wrong code are kept per test."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def superuser(db):
    """An account as ``manage.py createsuperuser`` makes it: the default role, no administration, no device."""
    return User.objects.create_superuser(username="root", email="root@example.org", password=PASSWORD)


# --- the admin and the second factor ------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_login_form_hands_over_to_the_platforms_sign_in(client, superuser):
    to_login = client.get("/admin/")
    assert to_login.status_code == 302
    handed_over = client.get(to_login["Location"])
    assert handed_over.status_code == 302
    assert handed_over["Location"] == "/accounts/login/?next=/admin/"

    posted = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})

    assert posted.status_code == 302
    assert posted["Location"].startswith("/accounts/login/")
    assert client.get("/admin/").status_code == 302, "the admin's own form signs nobody in"


@pytest.mark.django_db
def test_a_superuser_with_a_password_only_must_set_up_an_authenticator_before_the_admin(client, superuser):
    signed = client.post("/accounts/login/?next=/admin/", {"username": "root", "password": PASSWORD})
    assert signed["Location"] == "/accounts/two-factor/"

    blocked = client.get("/admin/")
    assert blocked.status_code == 302
    assert blocked["Location"] == "/accounts/two-factor/?next=%2Fadmin%2F"
    assert client.get("/admin/accounts/user/").status_code == 302
    assert client.get("/api/v1/me/").status_code == 403

    secret = client.get("/accounts/two-factor/").context["secret"]
    enrolled = client.post("/accounts/two-factor/?next=/admin/", {"otp_token": otp_code_for_secret(secret)})

    assert enrolled["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_a_superuser_with_an_authenticator_gives_the_code_before_the_admin(client, superuser):
    device = otp_device(superuser)

    signed = client.post("/accounts/login/", {"username": "root", "password": PASSWORD, "next": "/admin/"})

    assert signed["Location"] == "/accounts/login/code/"
    assert client.get("/admin/").status_code == 302
    verified = client.post("/accounts/login/code/", {"otp_token": otp_code(device)})
    assert verified["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_staff_of_a_role_without_a_mandatory_second_factor_must_verify_too(client, make_user):
    staff = make_user(role=Role.OFFICER)
    User.objects.filter(pk=staff.pk).update(is_staff=True)

    client.post("/accounts/login/", {"username": staff.username, "password": PASSWORD})

    blocked = client.get("/operations/")
    assert blocked.status_code == 302
    assert blocked["Location"].startswith("/accounts/two-factor/")


@pytest.mark.django_db
def test_a_device_set_up_elsewhere_makes_an_open_session_give_its_code(client, officer):
    client.force_login(officer)  # an officer without an authenticator: the password sufficed
    assert client.get("/operations/").status_code == 200

    otp_device(officer)  # set up in another browser

    blocked = client.get("/operations/")
    assert blocked.status_code == 302
    assert blocked["Location"].startswith("/accounts/login/code/")


@pytest.mark.django_db
def test_an_officer_signed_in_is_refused_by_the_admin_without_a_redirect_loop(client, officer):
    client.force_login(officer)
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/login/?next=/admin/").status_code == 403


@pytest.mark.django_db
def test_the_totp_device_admin_never_shows_the_key(client, make_user):
    admin = make_user(role=Role.SECRETARIAT, platform_admin=True)
    officer = make_user(role=Role.OFFICER)
    device = otp_device(officer)
    client.force_login(admin)

    listing = client.get(reverse("admin:otp_totp_totpdevice_changelist")).content.decode()
    change = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))

    assert change.status_code == 200
    assert device.key not in change.content.decode()
    assert device.key not in listing
    assert "qrcode" not in listing
    assert client.get(reverse("admin:otp_totp_totpdevice_config", args=[device.pk])).status_code == 403
    assert client.get(reverse("admin:otp_totp_totpdevice_qrcode", args=[device.pk])).status_code == 403


# --- rate limits by the client's own address ------------------------------------------------------


def _token(api_client, *, peer, forwarded):
    return api_client.post(
        "/api/v1/auth/token/",
        {"username": "nobody", "password": "wrong"},
        REMOTE_ADDR=peer,
        HTTP_X_FORWARDED_FOR=forwarded,
    ).status_code


@pytest.mark.django_db
def test_random_forwarded_headers_from_an_untrusted_peer_do_not_reset_the_token_limit(api_client, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "auth", "2/min")

    answers = [_token(api_client, peer="203.0.113.9", forwarded=f"10.9.{n}.{n}") for n in range(3)]

    assert answers == [400, 400, 429]
    assert _token(api_client, peer="203.0.113.10", forwarded="10.9.0.0") == 400, "another client is not limited"


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_last_hop_counts(api_client, monkeypatch, settings):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "auth", "2/min")
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.21/32"]

    answers = [_token(api_client, peer="10.0.0.21", forwarded=f"{uuid.uuid4()}, 198.51.100.7") for _ in range(3)]

    assert answers == [400, 400, 429]
    assert _token(api_client, peer="10.0.0.21", forwarded="198.51.100.8") == 400


@pytest.mark.django_db
def test_the_sign_in_steps_are_limited_per_address(client, settings):
    settings.LOGIN_RATE_LIMIT = "3/min"
    for number in range(3):
        tried = client.post(
            "/accounts/login/", {"username": f"someone{number}", "password": "wrong"}, REMOTE_ADDR="203.0.113.9"
        )
        assert tried.status_code == 200

    refused = client.post(
        "/accounts/login/",
        {"username": "someone-else", "password": "wrong"},
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="10.1.2.3",
    )

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many sign-in attempts" in refused.content.decode()
    code_step = client.post("/accounts/login/code/", {"otp_token": "123456"}, REMOTE_ADDR="203.0.113.9")
    assert code_step.status_code == 429
    assert client.get("/accounts/login/", REMOTE_ADDR="203.0.113.9").status_code == 200, "reading is free"
    other = client.post("/accounts/login/", {"username": "x", "password": "wrong"}, REMOTE_ADDR="203.0.113.10")
    assert other.status_code == 200


@pytest.mark.django_db
def test_the_stream_asks_staff_for_the_code_as_the_pages_do(superuser):
    from asgiref.sync import async_to_sync

    from accounts.middleware import _session_passes_second_factor

    assert async_to_sync(_session_passes_second_factor)({"user": superuser, "session": {}}) is False
