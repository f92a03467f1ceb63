"""The activation link: once, within 72 hours, to set a password and an authenticator."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts import services
from accounts.choices import Role
from accounts.models import ActivationToken
from tests.otp import otp_code, otp_code_for_secret

NEW_PASSWORD = "Seine-Estuary-Inspector-2026"


@pytest.fixture
def link(make_user, make_administration, django_capture_on_commit_callbacks):
    """The activation link of a freshly approved account, as its e-mail gives it."""
    customs = make_administration(country="FR")
    ncp = make_user(role=Role.NATIONAL_CONTACT, administration=customs)
    secretariat = make_user(role=Role.SECRETARIAT)
    with django_capture_on_commit_callbacks(execute=True):
        access_request = services.access_request_submit(
            first_name="Inès", last_name="Durand", email="ines@douane.example.org", administration=customs,
            position="Inspectrice", justification="DEMETER",
        )  # fmt: skip
        services.access_request_endorse(actor=ncp, access_request=access_request)
        services.access_request_approve(actor=secretariat, access_request=access_request)
    body = mail.outbox[-1].body
    return re.search(r"http://[^/\s]+(/accounts/activate/[^/\s]+/)", body).group(1)


def _activate(client, link, **overrides):
    secret = client.get(link).context["secret"]
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "otp_token": otp_code_for_secret(secret)}
    return client.post(link, {**data, **overrides})


@pytest.mark.django_db
def test_the_link_sets_password_and_authenticator_then_the_person_signs_in(client, link):
    page = client.get(link)
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html
    assert "ines" in html
    assert page.context["secret"].replace(" ", "").isalnum()

    response = _activate(client, link)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    token = ActivationToken.objects.get()
    assert token.used_at is not None
    device = token.user.totpdevice_set.get()
    assert device.confirmed
    signed = client.post("/accounts/login/", {"username": "ines", "password": NEW_PASSWORD})
    assert signed["Location"] == "/accounts/login/code/"
    assert client.post("/accounts/login/code/", {"otp_token": otp_code(device)})["Location"] == "/"


@pytest.mark.django_db
def test_a_used_link_is_refused_with_a_clear_message(client, link):
    _activate(client, link)

    again = client.get(link)

    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert client.post(link, {"password1": "x"}).status_code == 410


@pytest.mark.django_db
def test_an_expired_link_is_refused_with_a_clear_message(client, link):
    with time_machine.travel(timezone.now() + timedelta(hours=72, minutes=1)):
        response = client.get(link)
    assert response.status_code == 410
    assert "expired" in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_link_is_a_404(client):
    assert client.get("/accounts/activate/not-a-real-token/").status_code == 404


@pytest.mark.django_db
def test_bad_input_is_shown_by_field_and_keeps_the_link_usable(client, link):
    weak = _activate(client, link, password1="password", password2="password")
    differ = _activate(client, link, password2="Something-Else-2026")
    wrong_code = _activate(client, link, otp_token="000000")

    assert "password1" in weak.context["form"].errors
    assert "password2" in differ.context["form"].errors
    assert "otp_token" in wrong_code.context["form"].errors
    assert ActivationToken.objects.get().used_at is None
    assert _activate(client, link).status_code == 302


@pytest.mark.django_db
def test_a_new_link_replaces_the_previous_one(client, link):
    user = ActivationToken.objects.get().user
    services.activation_link_send(user=user)
    assert client.get(link).status_code == 410
