"""Review fixes on joining and managing people: a new activation link when the first expired, racing access
requests, the approval in the audit trail, and the people page for the secretariat."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import services
from accounts.choices import AccessRequestStatus, Role
from accounts.models import AccessRequest, ActivationToken, AuditEvent, User
from tests.accounts.conftest import submit_access_request
from tests.otp import otp_code_for_secret

NEW_PASSWORD = "Seine-Estuary-Inspector-2026"
LINK = re.compile(r"http://[^/\s]+(/accounts/activate/[^/\s]+/)")


@pytest.fixture
def french(make_administration, make_user):
    customs = make_administration(country="FR")
    return {
        "customs": customs,
        "ncp": make_user(role=Role.NATIONAL_CONTACT, administration=customs),
        "secretariat": make_user(role=Role.SECRETARIAT),
    }


@pytest.fixture
def approved(french, django_capture_on_commit_callbacks):
    """An access request endorsed and approved: the account waits for its owner, whose link is in the mail."""
    with django_capture_on_commit_callbacks(execute=True):
        access_request = submit_access_request(french["customs"])
        services.access_request_endorse(actor=french["ncp"], access_request=access_request)
        services.access_request_approve(actor=french["secretariat"], access_request=access_request)
    access_request.refresh_from_db()
    return {**french, "request": access_request, "person": access_request.user, "link": _last_link()}


def _last_link():
    return LINK.search(mail.outbox[-1].body).group(1)


def _activate(client, link):
    secret = client.get(link).context["secret"]
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "otp_token": otp_code_for_secret(secret)}
    return client.post(link, data)


# --- a new activation link ------------------------------------------------------------------------


@pytest.mark.django_db
def test_after_expiry_the_contact_point_sends_a_new_link_that_works(
    client, approved, django_capture_on_commit_callbacks
):
    person = approved["person"]
    with time_machine.travel(timezone.now() + timedelta(hours=73)):
        assert client.get(approved["link"]).status_code == 410
        client.force_login(approved["ncp"])
        page = client.get("/accounts/people/").content.decode()
        assert "Send a new activation link" in page
        assert f"/accounts/people/{person.pk}/resend-activation/" in page

        with django_capture_on_commit_callbacks(execute=True):
            sent = client.post(f"/accounts/people/{person.pk}/resend-activation/", follow=True)

        assert sent.status_code == 200
        assert "A new activation link is on its way" in sent.content.decode()
        assert mail.outbox[-1].to == [person.email]
        new_link = _last_link()
        assert new_link != approved["link"]
        client.post("/accounts/logout/")
        assert client.get(approved["link"]).status_code == 410
        assert _activate(client, new_link)["Location"] == "/accounts/login/"
    person.refresh_from_db()
    assert person.has_usable_password()
    event = AuditEvent.objects.filter(action="resend_activation").get()
    assert (event.actor, event.object_id, event.administration_id) == (
        approved["ncp"], str(person.pk), approved["customs"].pk,
    )  # fmt: skip


@pytest.mark.django_db
def test_a_foreign_contact_point_or_an_officer_cannot_send_a_link(client, approved, make_user, make_administration):
    person = approved["person"]
    foreign = make_user(role=Role.NATIONAL_CONTACT, administration=make_administration(country="NG"))
    client.force_login(foreign)
    assert person.username not in client.get("/accounts/people/").content.decode()
    assert client.post(f"/accounts/people/{person.pk}/resend-activation/").status_code == 404
    client.force_login(make_user(role=Role.OFFICER, administration=approved["customs"]))
    assert client.post(f"/accounts/people/{person.pk}/resend-activation/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.activation_link_resend(actor=foreign, user=person)
    assert ActivationToken.objects.filter(user=person).count() == 1


@pytest.mark.django_db
def test_only_accounts_never_activated_and_active_get_a_new_link(client, approved, officer):
    secretariat = approved["secretariat"]
    with pytest.raises(ValidationError) as activated:
        services.activation_link_resend(actor=secretariat, user=officer)
    assert activated.value.code == "activated"
    services.user_deactivate(actor=secretariat, user=approved["person"])
    with pytest.raises(ValidationError) as inactive:
        services.activation_link_resend(actor=secretariat, user=approved["person"])
    assert inactive.value.code == "inactive"
    assert ActivationToken.objects.filter(user=approved["person"]).count() == 1

    client.force_login(secretariat)
    refused = client.post(f"/accounts/people/{officer.pk}/resend-activation/", follow=True)
    assert "already activated" in refused.content.decode()


# --- racing access requests ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_racing_another_for_the_same_address_answers_like_a_duplicate(french, monkeypatch):
    """Both submissions pass the checks before either is written: the second insert meets the constraint."""
    original = AccessRequest.full_clean
    rivals: list[AccessRequest | None] = []

    def full_clean_then_rival_lands(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if not rivals:
            rivals.append(None)
            rivals[0] = submit_access_request(french["customs"])

    monkeypatch.setattr(AccessRequest, "full_clean", full_clean_then_rival_lands)

    answer = submit_access_request(french["customs"])

    assert answer == rivals[0]
    assert AccessRequest.objects.count() == 1
    assert submit_access_request(french["customs"]) == rivals[0], "the request stays usable after the race"


# --- the approval in the audit trail ------------------------------------------------------------


@pytest.mark.django_db
def test_the_approval_is_recorded_on_the_request_without_the_applicants_address(approved):
    access_request = approved["request"]
    event = AuditEvent.objects.get(object_type="accessrequest", object_id=str(access_request.pk), action="approve")
    assert (event.actor, event.administration_id, event.reference) == (
        approved["secretariat"], approved["customs"].pk, f"AR-{access_request.pk}",
    )  # fmt: skip
    recorded = f"{event.reference} {event.before} {event.after}"
    assert "ines" not in recorded.lower()
    assert "Durand" not in recorded
    assert access_request.status == AccessRequestStatus.APPROVED


# --- the people page --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_secretariat_finds_deactivates_and_reactivates_an_active_person(client, make_user, make_administration):
    secretariat = make_user(role=Role.SECRETARIAT)
    officer = make_user(administration=make_administration(country="NG"), first_name="Kwame", last_name="Mensah")
    make_user(first_name="Amina", last_name="Bello")
    client.force_login(secretariat)

    page = client.get("/accounts/people/").content.decode()
    assert "Kwame Mensah" in page
    assert f"/accounts/people/{officer.pk}/deactivate/" in page
    found = client.get("/accounts/people/", {"q": "mensah"}).content.decode()
    assert "Kwame Mensah" in found
    assert "Amina Bello" not in found
    assert "Kwame Mensah" in client.get("/accounts/people/", {"q": officer.username}).content.decode()

    assert client.post(f"/accounts/people/{officer.pk}/deactivate/").status_code == 302
    officer.refresh_from_db()
    assert not officer.is_active
    assert (
        f"/accounts/people/{officer.pk}/reactivate/" in client.get("/accounts/people/", {"q": "kwame"}).content.decode()
    )
    client.post(f"/accounts/people/{officer.pk}/reactivate/")
    officer.refresh_from_db()
    assert officer.is_active


@pytest.mark.django_db
def test_the_people_page_is_paginated_and_keeps_the_search(client, make_user, monkeypatch):
    from accounts import views

    monkeypatch.setattr(views, "PEOPLE_PER_PAGE", 2)
    ncp = make_user(role=Role.NATIONAL_CONTACT)
    for number in range(3):
        make_user(administration=ncp.administration, last_name=f"Zed{number}")
    client.force_login(ncp)

    first = client.get("/accounts/people/", {"q": "zed"})
    second = client.get("/accounts/people/", {"q": "zed", "page": 2})

    assert [person.last_name for person, _ in first.context["rows"]] == ["Zed0", "Zed1"]
    assert [person.last_name for person, _ in second.context["rows"]] == ["Zed2"]
    assert "?q=zed&amp;page=2" in first.content.decode()


@pytest.mark.django_db
def test_a_contact_point_sees_no_deactivate_button_for_another_contact_point(client, make_user):
    ncp = make_user(role=Role.NATIONAL_CONTACT)
    other = make_user(role=Role.NATIONAL_CONTACT, administration=ncp.administration)
    colleague = make_user(administration=ncp.administration)
    client.force_login(ncp)

    page = client.get("/accounts/people/").content.decode()

    assert f"/accounts/people/{colleague.pk}/deactivate/" in page
    assert f"/accounts/people/{other.pk}/deactivate/" not in page
    assert f"/accounts/people/{ncp.pk}/deactivate/" not in page
    assert User.objects.filter(pk=other.pk, is_active=True).exists()
