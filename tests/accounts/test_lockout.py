"""After repeated failed sign-ins a username is locked out; the person is told when, and who can unlock."""

import io

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.core.management import call_command

from accounts.choices import Role
from tests.conftest import PASSWORD
from tests.otp import otp_code, otp_device


@pytest.fixture(autouse=True)
def _empty_cache():
    """The token endpoint's rate limit is counted in the cache, which tests share: it starts empty."""
    cache.clear()
    yield
    cache.clear()


def _fail(client, username, times=5):
    for _ in range(times):
        client.post("/accounts/login/", {"username": username, "password": "wrong"})


@pytest.mark.django_db
def test_five_failures_lock_the_username_with_a_clear_message(client, officer, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    _fail(client, officer.username, times=4)
    assert client.post("/accounts/login/", {"username": officer.username, "password": "wrong"}).status_code == 429

    response = client.post("/accounts/login/", {"username": officer.username, "password": PASSWORD})

    assert response.status_code == 429
    html = response.content.decode()
    assert "You can try again at" in html
    assert "national contact point or the secretariat can unlock" in html
    assert int(response["Retry-After"]) > 0
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_wrong_codes_count_towards_the_lockout(client, make_user, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    coordinator = make_user(role=Role.COORDINATOR)
    otp_device(coordinator)
    client.post("/accounts/login/", {"username": coordinator.username, "password": PASSWORD})
    for _ in range(4):
        assert client.post("/accounts/login/code/", {"otp_token": "000000"}).status_code == 200
    assert client.post("/accounts/login/code/", {"otp_token": "000000"}).status_code == 429


@pytest.mark.django_db
def test_the_token_endpoint_is_locked_too(api_client, officer):
    for _ in range(5):
        api_client.post("/api/v1/auth/token/", {"username": officer.username, "password": "wrong"})

    response = api_client.post("/api/v1/auth/token/", {"username": officer.username, "password": PASSWORD})

    assert response.status_code == 429
    assert "try again" in response.json()["detail"]


@pytest.mark.django_db
def test_the_contact_point_unlocks_a_person_of_their_administration(client, make_user, make_administration):
    ncp = make_user(role=Role.NATIONAL_CONTACT)
    colleague = make_user(role=Role.OFFICER, administration=ncp.administration)
    stranger = make_user(role=Role.OFFICER, administration=make_administration(country="NG"))
    _fail(client, colleague.username)
    _fail(client, stranger.username)

    client.force_login(ncp)
    page = client.get("/accounts/people/").content.decode()
    assert colleague.username in page
    assert stranger.username not in page
    assert client.post(f"/accounts/people/{stranger.pk}/unlock/").status_code == 404
    assert client.post(f"/accounts/people/{colleague.pk}/unlock/").status_code == 302

    assert not AccessAttempt.objects.filter(username=colleague.username).exists()
    assert AccessAttempt.objects.filter(username=stranger.username).exists()
    client.post("/accounts/logout/")
    assert client.post("/accounts/login/", {"username": colleague.username, "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_the_secretariat_unlocks_anyone(client, make_user):
    coordinator = make_user(role=Role.COORDINATOR)
    _fail(client, coordinator.username)
    client.force_login(make_user(role=Role.SECRETARIAT))
    assert coordinator.username in client.get("/accounts/people/").content.decode()
    client.post(f"/accounts/people/{coordinator.pk}/unlock/")
    assert not AccessAttempt.objects.filter(username=coordinator.username).exists()


@pytest.mark.django_db
def test_people_pages_refuse_other_roles_and_anonymous_callers(client, officer):
    assert client.get("/accounts/people/").status_code == 302
    client.force_login(officer)
    assert client.get("/accounts/people/").status_code == 403
    assert client.post(f"/accounts/people/{officer.pk}/unlock/").status_code == 403


@pytest.mark.django_db
def test_the_management_command_unlocks_a_username(client, officer):
    _fail(client, officer.username)
    call_command("axes_reset_username", officer.username, stdout=io.StringIO())
    assert client.post("/accounts/login/", {"username": officer.username, "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_a_successful_sign_in_clears_earlier_failures(client, make_user):
    coordinator = make_user(role=Role.COORDINATOR)
    device = otp_device(coordinator)
    _fail(client, coordinator.username, times=3)
    client.post("/accounts/login/", {"username": coordinator.username, "password": PASSWORD})
    client.post("/accounts/login/code/", {"otp_token": otp_code(device)})
    assert not AccessAttempt.objects.filter(username=coordinator.username).exists()
