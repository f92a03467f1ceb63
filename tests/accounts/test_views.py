import pytest
from django.conf import settings

from accounts.choices import Role
from tests.conftest import PASSWORD


@pytest.mark.django_db
def test_login_page_renders_without_javascript(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script" not in html
    assert 'name="username"' in html
    assert 'name="password"' in html


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_signing_in_applies_the_persons_language(client, make_user):
    user = make_user(language="fr")

    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    home = client.get("/")
    assert home.status_code == 200
    assert "Bienvenue" in home.content.decode()


@pytest.mark.django_db
def test_wrong_password_shows_an_error_on_the_form(client, officer):
    response = client.post("/accounts/login/", {"username": officer.username, "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


@pytest.mark.django_db
def test_switching_to_french_shows_french_pages_and_is_remembered(client, officer):
    client.force_login(officer)
    assert "Welcome" in client.get("/").content.decode()

    response = client.post("/accounts/language/", {"language": "fr", "next": "/reference/rilos/"})

    assert response.status_code == 302
    assert response["Location"] == "/reference/rilos/"
    page = client.get("/reference/rilos/").content.decode()
    assert "Bureaux régionaux de liaison chargés du renseignement" in page
    assert 'lang="fr"' in page
    officer.refresh_from_db()
    assert officer.language == "fr"


@pytest.mark.django_db
def test_language_switch_refuses_offsite_redirects(client):
    response = client.post("/accounts/language/", {"language": "fr", "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_anonymous_visitors_can_switch_language_before_signing_in(client):
    client.post("/accounts/language/", {"language": "fr", "next": "/accounts/login/"})
    assert "Connexion" in client.get("/accounts/login/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "marker"),
    [
        (Role.SECRETARIAT, "Closed user group"),
        (Role.COORDINATOR, "Your region"),
        (Role.NATIONAL_CONTACT, "People of your administration"),
        (Role.OFFICER, "Find an HS code"),
        (Role.ANALYST, "Data access"),
        (Role.OBSERVER, "Observer access"),
    ],
)
def test_each_role_has_its_home_page(client, make_user, role, marker):
    user = make_user(role=role)
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert marker in response.content.decode()


@pytest.mark.django_db
def test_national_contact_sees_the_people_of_their_own_administration_only(client, make_user):
    ncp = make_user(role=Role.NATIONAL_CONTACT)
    colleague = make_user(
        role=Role.OFFICER, administration=ncp.administration, first_name="Inès", last_name="Colleague"
    )
    stranger = make_user(role=Role.OFFICER, first_name="Other", last_name="Stranger")
    client.force_login(ncp)
    html = client.get("/").content.decode()
    assert colleague.get_full_name() in html
    assert stranger.get_full_name() not in html


@pytest.mark.django_db
def test_coordinator_sees_the_member_countries_of_their_rilo(client, make_user):
    client.force_login(make_user(role=Role.COORDINATOR))
    html = client.get("/").content.decode()
    assert "France" in html
    assert "Nigeria" not in html


@pytest.mark.django_db
def test_signing_out_is_a_post(client, officer):
    client.force_login(officer)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302
