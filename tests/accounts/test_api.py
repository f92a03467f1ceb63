from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import ApiToken
from tests.conftest import PASSWORD


def _issue(api_client, user, **extra):
    return api_client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD, **extra}, format="json"
    )


@pytest.mark.django_db
def test_a_token_is_issued_with_an_expiry_and_authenticates(api_client, officer, settings):
    response = _issue(api_client, officer, name="laptop")

    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("ops_")
    assert body["name"] == "laptop"
    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.digest != body["token"]
    assert body["token"] not in str(ApiToken.objects.filter(pk=body["id"]).values().first())
    assert stored.expires_at - stored.created_at == settings.API_TOKEN_LIFETIME

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    me = api_client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == officer.username
    assert me.json()["administration"]["country"] == officer.administration.country_id


@pytest.mark.django_db
def test_wrong_password_is_a_400_and_issues_nothing(api_client, officer):
    response = api_client.post("/api/v1/auth/token/", {"username": officer.username, "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == ["Unable to log in with this username and password."]
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_missing_fields_are_named(api_client):
    response = api_client.post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


@pytest.mark.django_db
def test_an_expired_token_is_refused(api_client, officer):
    token = _issue(api_client, officer).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api_client.get("/api/v1/me/").status_code == 200

    with time_machine.travel(timezone.now() + timedelta(hours=12, seconds=1)):
        response = api_client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid, expired or revoked token."


@pytest.mark.django_db
def test_a_revoked_token_is_refused(api_client, officer):
    token = _issue(api_client, officer).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    assert api_client.delete("/api/v1/auth/token/").status_code == 204
    assert api_client.get("/api/v1/me/").status_code == 401
    assert ApiToken.objects.get().revoked_at is not None


@pytest.mark.django_db
def test_revoking_one_token_from_the_list_leaves_the_others(api_client, officer):
    first = _issue(api_client, officer).json()
    second = _issue(api_client, officer).json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {second['token']}")

    assert api_client.delete(f"/api/v1/auth/tokens/{first['id']}/").status_code == 204

    listed = {row["id"]: row for row in api_client.get("/api/v1/auth/tokens/").json()["results"]}
    assert listed[first["id"]]["revoked_at"] is not None
    assert listed[second["id"]]["revoked_at"] is None
    assert api_client.get("/api/v1/me/").status_code == 200


@pytest.mark.django_db
def test_tokens_of_others_are_invisible(api_client, make_user):
    owner, other = make_user(), make_user()
    token_id = _issue(api_client, owner).json()["id"]
    api_client.force_authenticate(other)

    assert api_client.get("/api/v1/auth/tokens/").json()["count"] == 0
    assert api_client.get(f"/api/v1/auth/tokens/{token_id}/").status_code == 404
    assert api_client.delete(f"/api/v1/auth/tokens/{token_id}/").status_code == 404
    assert ApiToken.objects.get(pk=token_id).revoked_at is None


@pytest.mark.django_db
def test_a_disabled_account_loses_its_tokens(api_client, officer):
    token = _issue(api_client, officer).json()["token"]
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api_client.get("/api/v1/me/").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer ops_unknown", "Bearer \u00e9t\u00e9"])
def test_malformed_or_unknown_tokens_are_401(api_client, header):
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=header.encode("utf-8").decode("latin-1"))
    assert response.status_code == 401


@pytest.mark.django_db
def test_revoking_without_a_bearer_token_is_a_clear_400(officer_client):
    response = officer_client.delete("/api/v1/auth/token/")
    assert response.status_code == 400
    assert "Bearer" in response.json()["non_field_errors"][0]


@pytest.mark.django_db
def test_me_changes_only_the_language(officer_client, officer):
    response = officer_client.patch("/api/v1/me/", {"language": "fr", "role": "secretariat"}, format="json")
    assert response.status_code == 200
    officer.refresh_from_db()
    assert officer.language == "fr"
    assert officer.role == "officer"

    bad = officer_client.patch("/api/v1/me/", {"language": "xx"}, format="json")
    assert bad.status_code == 400
    assert "language" in bad.json()


@pytest.mark.django_db
def test_administrations_are_listed_and_filtered(officer_client, make_administration):
    make_administration(country="NG")
    nigeria = officer_client.get("/api/v1/administrations/", {"country": "NG"}).json()["results"]
    assert nigeria
    assert all(row["country"] == "NG" for row in nigeria)
    police = officer_client.get("/api/v1/administrations/", {"kind": "police"}).json()["results"]
    assert police == []


@pytest.mark.django_db
def test_me_answers_as_documented_and_may_have_no_administration(officer_client):
    """Staff accounts made on the command line belong to no administration: the schema says ``null`` may come."""
    from tests.schema import assert_documented

    response = officer_client.get("/api/v1/me/")

    assert_documented(officer_client, response, method="get", path="/api/v1/me/")
    schema = officer_client.get("/api/schema/", {"format": "json"}).json()
    assert schema["components"]["schemas"]["Me"]["properties"]["administration"]["nullable"] is True
