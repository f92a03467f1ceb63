"""Asking for an account: the public form, the contact point's endorsement, the secretariat's decision."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import services
from accounts.choices import AccessRequestStatus, Role
from accounts.models import AccessRequest, ActivationToken, User
from tests.accounts.conftest import submit_access_request
from tests.otp import otp_device


@pytest.fixture
def french(make_administration, make_user):
    customs = make_administration(country="FR")
    return {
        "customs": customs,
        "ncp": make_user(role=Role.NATIONAL_CONTACT, administration=customs, language="fr"),
        "secretariat": make_user(role=Role.SECRETARIAT),
    }


# --- services ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_request_reaches_the_contact_points_in_their_language(transactional_reference, french):
    access_request = submit_access_request(french["customs"])

    assert access_request.status == AccessRequestStatus.PENDING
    assert [message.to for message in mail.outbox] == [[french["ncp"].email]]
    assert "Inès Durand" in mail.outbox[0].subject
    assert "Fonction: Inspectrice, Le Havre" in mail.outbox[0].body  # "Position", in French
    assert f"/accounts/access-requests/{access_request.pk}/" in mail.outbox[0].body


@pytest.mark.django_db
def test_submitting_twice_or_for_an_existing_account_creates_nothing_new(french, officer):
    first = submit_access_request(french["customs"])
    again = submit_access_request(french["customs"], email="INES.durand@douane.example.org")
    known = submit_access_request(french["customs"], email=officer.email)

    assert again == first
    assert known is None
    assert AccessRequest.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_endorse_then_approve_creates_the_account_and_mails_the_activation_link(transactional_reference, french):
    access_request = submit_access_request(french["customs"], language="fr")
    mail.outbox.clear()

    services.access_request_endorse(actor=french["ncp"], access_request=access_request)
    assert [message.to for message in mail.outbox] == [[french["secretariat"].email]]
    services.access_request_approve(actor=french["secretariat"], access_request=access_request, role=Role.ANALYST)

    access_request.refresh_from_db()
    user = access_request.user
    assert access_request.status == AccessRequestStatus.APPROVED
    assert access_request.decided_by == french["secretariat"]
    assert access_request.endorsed_by == french["ncp"]
    assert (user.username, user.role, user.language, user.administration) == (
        "ines.durand", Role.ANALYST, "fr", french["customs"],
    )  # fmt: skip
    assert not user.has_usable_password()
    activation = mail.outbox[-1]
    assert activation.to == [user.email]
    assert activation.subject == "Activez votre compte" or "ines.durand" in activation.body
    token = ActivationToken.objects.get(user=user)
    assert token.digest not in activation.body
    assert (token.expires_at - token.created_at).total_seconds() == 72 * 3600


@pytest.mark.django_db
def test_only_the_contact_point_of_the_administration_endorses(french, make_user, make_administration):
    access_request = submit_access_request(french["customs"])
    other_ncp = make_user(role=Role.NATIONAL_CONTACT, administration=make_administration(country="NG"))

    for actor in (other_ncp, french["secretariat"], make_user(role=Role.OFFICER, administration=french["customs"])):
        with pytest.raises(PermissionDenied):
            services.access_request_endorse(actor=actor, access_request=access_request)


@pytest.mark.django_db
def test_the_secretariat_waits_for_the_endorsement_unless_nobody_can_give_it(french, make_administration):
    access_request = submit_access_request(french["customs"])
    with pytest.raises(ValidationError) as error:
        services.access_request_approve(actor=french["secretariat"], access_request=access_request)
    assert error.value.code == "not_endorsed"

    without_contact_point = make_administration(country="NL")
    direct = submit_access_request(without_contact_point, email="someone@nl.example.org")
    services.access_request_approve(actor=french["secretariat"], access_request=direct)
    assert User.objects.get(email="someone@nl.example.org").role == Role.OFFICER


@pytest.mark.django_db(transaction=True)
def test_rejection_needs_a_reason_and_tells_the_person(transactional_reference, french):
    access_request = submit_access_request(french["customs"], language="fr")
    mail.outbox.clear()
    with pytest.raises(ValidationError) as error:
        services.access_request_reject(actor=french["ncp"], access_request=access_request, reason=" ")
    assert "reason" in error.value.message_dict

    services.access_request_reject(actor=french["ncp"], access_request=access_request, reason="Pas dans l'équipe.")

    access_request.refresh_from_db()
    assert access_request.status == AccessRequestStatus.REJECTED
    assert access_request.decided_by == french["ncp"]
    assert mail.outbox[0].to == [access_request.email]
    assert "Pas dans l'équipe." in mail.outbox[0].body
    with pytest.raises(ValidationError):
        services.access_request_endorse(actor=french["ncp"], access_request=access_request)


@pytest.mark.django_db
def test_a_role_that_does_not_fit_the_administration_is_a_field_error(french):
    access_request = submit_access_request(french["customs"])
    services.access_request_endorse(actor=french["ncp"], access_request=access_request)
    with pytest.raises(ValidationError) as error:
        services.access_request_approve(
            actor=french["secretariat"], access_request=access_request, role=Role.SECRETARIAT
        )
    assert "role" in error.value.message_dict
    assert AccessRequest.objects.get().status == AccessRequestStatus.ENDORSED


# --- pages -------------------------------------------------------------------------------------


FORM = {
    "first_name": "Inès",
    "last_name": "Durand",
    "email": "ines.durand@douane.example.org",
    "position": "Inspectrice",
    "justification": "Port officer in DEMETER.",
}


@pytest.mark.django_db
def test_the_public_form_needs_no_login_nor_javascript(client, french):
    page = client.get("/accounts/request-access/")
    assert page.status_code == 200
    assert "<script" not in page.content.decode()

    response = client.post("/accounts/request-access/", {**FORM, "administration": french["customs"].pk})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/request-access/sent/"
    assert AccessRequest.objects.get().email == FORM["email"]


@pytest.mark.django_db
def test_the_public_form_names_each_bad_field(client, french):
    response = client.post(
        "/accounts/request-access/", {**FORM, "email": "not-an-address", "administration": "999999", "position": ""}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"email", "administration", "position"}
    assert not AccessRequest.objects.exists()


@pytest.mark.django_db
def test_the_request_is_recorded_in_the_language_of_the_page(client, french):
    client.post("/accounts/language/", {"language": "fr", "next": "/accounts/request-access/"})
    client.post("/accounts/request-access/", {**FORM, "administration": french["customs"].pk})
    assert AccessRequest.objects.get().language == "fr"


@pytest.mark.django_db
def test_decision_pages_need_a_login_and_the_right_role(client, french, officer):
    access_request = submit_access_request(french["customs"])
    for url in ("/accounts/access-requests/", f"/accounts/access-requests/{access_request.pk}/"):
        assert client.get(url).status_code == 302
    client.force_login(officer)
    assert client.get("/accounts/access-requests/").status_code == 403
    assert client.get(f"/accounts/access-requests/{access_request.pk}/").status_code == 403


@pytest.mark.django_db
def test_a_contact_point_of_another_administration_gets_a_404(client, french, make_user, make_administration):
    access_request = submit_access_request(french["customs"])
    client.force_login(make_user(role=Role.NATIONAL_CONTACT, administration=make_administration(country="NG")))

    assert FORM["email"] not in client.get("/accounts/access-requests/").content.decode()
    assert client.get(f"/accounts/access-requests/{access_request.pk}/").status_code == 404
    assert client.post(f"/accounts/access-requests/{access_request.pk}/", {"action": "endorse"}).status_code == 404
    assert client.get("/accounts/access-requests/987654321/").status_code == 404


@pytest.mark.django_db
def test_the_contact_point_endorses_and_the_secretariat_approves_on_their_pages(client, french):
    access_request = submit_access_request(french["customs"])
    client.force_login(french["ncp"])
    assert FORM["email"] in client.get("/accounts/access-requests/").content.decode()

    endorsed = client.post(f"/accounts/access-requests/{access_request.pk}/", {"action": "endorse"})
    assert endorsed.status_code == 302
    assert FORM["email"] not in client.get("/accounts/access-requests/").content.decode()

    client.force_login(french["secretariat"])
    assert FORM["email"] in client.get("/accounts/access-requests/").content.decode()
    approved = client.post(
        f"/accounts/access-requests/{access_request.pk}/", {"action": "approve", "role": Role.OBSERVER}
    )
    assert approved.status_code == 302
    assert User.objects.get(email=FORM["email"]).role == Role.OBSERVER


@pytest.mark.django_db
def test_bad_decisions_are_shown_on_the_form(client, french):
    access_request = submit_access_request(french["customs"])
    client.force_login(french["ncp"])

    no_reason = client.post(f"/accounts/access-requests/{access_request.pk}/", {"action": "reject", "reason": ""})
    assert no_reason.status_code == 200
    assert "reason" in no_reason.context["form"].errors
    unknown = client.post(f"/accounts/access-requests/{access_request.pk}/", {"action": "promote"})
    assert unknown.status_code == 200
    assert "action" in unknown.context["form"].errors
    too_early = client.post(f"/accounts/access-requests/{access_request.pk}/", {"action": "approve"})
    assert too_early.status_code == 200
    assert too_early.context["form"].non_field_errors()
    assert AccessRequest.objects.get().status == AccessRequestStatus.PENDING


@pytest.mark.django_db
def test_force_login_of_a_contact_point_is_verified_with_an_authenticator(client, french):
    client.force_login(french["ncp"])
    assert client.get("/").status_code == 200
    assert otp_device(french["ncp"]).confirmed
