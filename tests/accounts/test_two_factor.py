"""The second sign-in step: mandatory for the secretariat, coordinators and contact points, optional otherwise."""

import pytest
from django.core.cache import cache
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.choices import Role
from accounts.models import ApiToken
from tests.conftest import PASSWORD
from tests.otp import otp_code, otp_code_for_secret, otp_device


@pytest.fixture(autouse=True)
def _no_wait_after_a_wrong_code(settings):
    """django-otp makes each wrong code double the wait before the next try; these tests retry at once.
    The token endpoint's rate limit is counted in the cache, which tests share: it starts empty."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    cache.clear()
    yield
    cache.clear()


def _password(client, user, **extra):
    return client.post("/accounts/login/", {"username": user.username, "password": PASSWORD, **extra})


@pytest.mark.django_db
def test_an_officer_without_an_authenticator_signs_in_with_the_password(client, officer):
    response = _password(client, officer)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.COORDINATOR, Role.NATIONAL_CONTACT])
def test_a_mandatory_role_without_an_authenticator_must_set_one_up_first(client, make_user, role):
    user = make_user(role=role)

    response = _password(client, user)

    assert response["Location"] == "/accounts/two-factor/"
    blocked = client.get("/operations/")
    assert blocked.status_code == 302
    assert blocked["Location"].startswith("/accounts/two-factor/?next=")
    assert client.get("/api/v1/me/").status_code == 403
    page = client.get("/accounts/two-factor/")
    html = page.content.decode()
    assert "<svg" in html
    assert "<script" not in html.split("</head>")[1]
    secret = page.context["secret"]

    enrolled = client.post("/accounts/two-factor/?next=/operations/", {"otp_token": otp_code_for_secret(secret)})

    assert enrolled.status_code == 302
    assert enrolled["Location"] == "/operations/"
    assert client.get("/operations/").status_code == 200
    assert TOTPDevice.objects.get(user=user).confirmed


@pytest.mark.django_db
def test_with_an_authenticator_the_password_leads_to_the_code_step(client, make_user):
    coordinator = make_user(role=Role.COORDINATOR, language="fr")
    device = otp_device(coordinator)

    response = _password(client, coordinator, next="/operations/")

    assert response["Location"] == "/accounts/login/code/"
    assert client.get("/").status_code == 302, "not signed in before the code"
    wrong = client.post("/accounts/login/code/", {"otp_token": "000000"})
    assert wrong.status_code == 200
    assert "otp_token" in wrong.context["form"].errors
    malformed = client.post("/accounts/login/code/", {"otp_token": "abc"})
    assert "otp_token" in malformed.context["form"].errors

    signed_in = client.post("/accounts/login/code/", {"otp_token": otp_code(device)})

    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/operations/"
    assert signed_in.cookies["django_language"].value == "fr"
    assert client.get("/operations/").status_code == 200


@pytest.mark.django_db
def test_a_code_is_accepted_only_once(client, make_user):
    coordinator = make_user(role=Role.COORDINATOR)
    device = otp_device(coordinator)
    code = otp_code(device)
    _password(client, coordinator)
    client.post("/accounts/login/code/", {"otp_token": code})
    client.post("/accounts/logout/")

    _password(client, coordinator)
    replay = client.post("/accounts/login/code/", {"otp_token": code})

    assert replay.status_code == 200
    assert "otp_token" in replay.context["form"].errors


@pytest.mark.django_db
def test_the_code_step_without_a_password_first_goes_back_to_sign_in(client):
    response = client.get("/accounts/login/code/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"


@pytest.mark.django_db
def test_an_officer_may_enrol_and_remove_an_authenticator(client, officer):
    client.force_login(officer)
    secret = client.get("/accounts/two-factor/").context["secret"]
    bad = client.post("/accounts/two-factor/", {"otp_token": "123"})
    assert "otp_token" in bad.context["form"].errors
    client.post("/accounts/two-factor/", {"otp_token": otp_code_for_secret(secret)})
    device = TOTPDevice.objects.get(user=officer, confirmed=True)
    client.post("/accounts/logout/")
    assert _password(client, officer)["Location"] == "/accounts/login/code/"
    client.post("/accounts/login/code/", {"otp_token": otp_code(device)})

    wrong = client.post("/accounts/two-factor/", {"action": "remove", "otp_token": "000000"})
    assert "otp_token" in wrong.context["form"].errors
    removed = client.post("/accounts/two-factor/", {"action": "remove", "otp_token": otp_code(device)})

    assert removed.status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()


@pytest.mark.django_db
def test_a_mandatory_role_cannot_remove_its_authenticator(client, make_user):
    ncp = make_user(role=Role.NATIONAL_CONTACT)
    client.force_login(ncp)
    device = otp_device(ncp)

    response = client.post("/accounts/two-factor/", {"action": "remove", "otp_token": otp_code(device)})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert TOTPDevice.objects.filter(user=ncp, confirmed=True).exists()


@pytest.mark.django_db
def test_the_enrolment_page_needs_a_login(client):
    response = client.get("/accounts/two-factor/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- the token endpoint ------------------------------------------------------------------------


def _token(api_client, user, **extra):
    return api_client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD, **extra})


@pytest.mark.django_db
def test_a_mandatory_role_needs_a_code_for_a_token(api_client, make_user):
    coordinator = make_user(role=Role.COORDINATOR)

    not_set_up = _token(api_client, coordinator)
    assert not_set_up.status_code == 400
    assert "otp" in not_set_up.json()

    device = otp_device(coordinator)
    missing = _token(api_client, coordinator)
    wrong = _token(api_client, coordinator, otp="000000")
    assert (missing.status_code, wrong.status_code) == (400, 400)
    assert "otp" in missing.json()
    assert wrong.json()["otp"] == ["This code is not valid."]
    assert not ApiToken.objects.exists()

    issued = _token(api_client, coordinator, otp=otp_code(device))
    assert issued.status_code == 201
    coordinator.refresh_from_db()
    assert coordinator.last_login is not None


@pytest.mark.django_db
def test_an_officer_with_an_authenticator_needs_a_code_too(api_client, officer):
    assert _token(api_client, officer).status_code == 201
    device = otp_device(officer)
    assert _token(api_client, officer).status_code == 400
    assert _token(api_client, officer, otp=otp_code(device)).status_code == 201


@pytest.mark.django_db
def test_the_admin_site_signs_in_through_the_platform_with_its_code(client, make_user):
    """The admin site's own login form would ask no code: it sends people to the platform's sign-in."""
    secretariat = make_user(role=Role.SECRETARIAT, platform_admin=True)
    device = otp_device(secretariat)

    sent = client.post("/admin/login/?next=/admin/", {"username": secretariat.username, "password": PASSWORD})
    assert sent.status_code == 302
    assert sent["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/")["Location"].startswith("/admin/login/")

    code_step = client.post("/accounts/login/?next=/admin/", {"username": secretariat.username, "password": PASSWORD})
    assert code_step["Location"].startswith("/accounts/login/code/")
    assert "_auth_user_id" not in client.session
    verified = client.post("/accounts/login/code/?next=/admin/", {"otp_token": otp_code(device)})
    assert verified["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


async def _stream(cookie: str) -> bool:
    from channels.testing import WebsocketCommunicator

    from opsplatform.asgi import application

    communicator = WebsocketCommunicator(
        application, "/ws/stream/", headers=[(b"origin", b"http://127.0.0.1"), (b"cookie", cookie.encode())]
    )
    connected, _code = await communicator.connect()
    await communicator.disconnect()
    return connected


@pytest.mark.usefixtures("transactional_reference")
def test_the_stream_refuses_a_session_that_still_owes_its_code(client, make_user):
    from asgiref.sync import async_to_sync

    coordinator = make_user(role=Role.COORDINATOR)
    _password(client, coordinator)  # signed in, sent to set up an authenticator
    unverified = f"sessionid={client.cookies['sessionid'].value}"
    verified_client = type(client)()
    verified_client.force_login(coordinator)
    verified = f"sessionid={verified_client.cookies['sessionid'].value}"

    assert async_to_sync(_stream)(unverified) is False
    assert async_to_sync(_stream)(verified) is True


@pytest.mark.django_db
def test_demo_accounts_of_mandatory_roles_use_the_published_demo_key(api_client, make_user, make_administration):
    import json

    from accounts import services
    from accounts.choices import AdministrationKind
    from opsplatform.management.commands.seed_demo import DEMO_ACCOUNTS, Command

    demo = json.loads(DEMO_ACCOUNTS.read_text())
    office = make_administration(kind=AdministrationKind.RILO, country="DE", rilo="WE")
    services.user_create(
        username="coordinator", email="c@example.org", password=PASSWORD, administration=office,
        role=Role.COORDINATOR,
    )  # fmt: skip
    Command()._seed_second_factors(demo)
    Command()._seed_second_factors(demo)

    assert TOTPDevice.objects.filter(user__username="coordinator").count() == 1
    response = api_client.post(
        "/api/v1/auth/token/",
        {"username": "coordinator", "password": PASSWORD, "otp": otp_code_for_secret(demo["totp_secret"])},
    )
    assert response.status_code == 201
