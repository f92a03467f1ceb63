import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ValidationError
from django.test import override_settings

from accounts import services
from accounts.choices import AdministrationKind, Role
from accounts.models import User
from reference.models import Country, Rilo
from tests.conftest import PASSWORD


@pytest.mark.django_db
def test_role_administration_and_language_are_stored(make_administration):
    customs = make_administration(country="NG")

    services.user_create(
        username="chidi",
        email="Chidi@Customs.example",
        password=PASSWORD,
        administration=customs,
        role=Role.NATIONAL_CONTACT,
        language="fr",
    )

    stored = User.objects.get(username="chidi")
    assert stored.role == Role.NATIONAL_CONTACT
    assert stored.administration == customs
    assert stored.country_code == "NG"
    assert stored.language == "fr"
    assert stored.email == "Chidi@customs.example"
    assert stored.check_password(PASSWORD)


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(make_administration):
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"]):
        user = services.user_create(
            username="argon", email="argon@example.org", password=PASSWORD, administration=make_administration()
        )
        assert identify_hasher(user.password).algorithm == "argon2"
        assert user.check_password(PASSWORD)


def test_the_configured_default_hasher_is_argon2():
    from opsplatform.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "role", "field"),
    [
        (AdministrationKind.CUSTOMS, Role.SECRETARIAT, "role"),
        (AdministrationKind.INTERNATIONAL, Role.NATIONAL_CONTACT, "role"),
    ],
)
def test_role_must_fit_the_administration(make_administration, kind, role, field):
    administration = make_administration(kind=kind, country="FR" if kind == AdministrationKind.CUSTOMS else None)
    with pytest.raises(ValidationError) as error:
        services.user_create(
            username="x", email="x@example.org", password=PASSWORD, administration=administration, role=role
        )
    assert field in error.value.message_dict
    assert not User.objects.filter(username="x").exists()


@pytest.mark.django_db
def test_only_the_secretariat_administers_the_platform(make_administration):
    with pytest.raises(ValidationError) as error:
        services.user_create(
            username="x",
            email="x@example.org",
            password=PASSWORD,
            administration=make_administration(),
            platform_admin=True,
        )
    assert "platform_admin" in error.value.message_dict


@pytest.mark.django_db
def test_usernames_and_emails_are_unique_case_insensitively(officer):
    with pytest.raises(ValidationError) as error:
        services.user_create(
            username=officer.username.upper(),
            email="other@example.org",
            password=PASSWORD,
            administration=officer.administration,
        )
    assert error.value.message_dict["username"] == ["This username is already taken."]
    with pytest.raises(ValidationError) as error:
        services.user_create(
            username="other", email=officer.email.upper(), password=PASSWORD, administration=officer.administration
        )
    assert "email" in error.value.message_dict


@pytest.mark.django_db
def test_weak_password_is_refused_with_the_reason(make_administration):
    with pytest.raises(ValidationError) as error:
        services.user_create(
            username="weak", email="weak@example.org", password="12345", administration=make_administration()
        )
    messages = error.value.message_dict["password"]
    assert any("too short" in message for message in messages)


@pytest.mark.django_db
def test_unusable_password_until_the_person_sets_one(make_administration):
    user = services.user_create(
        username="new", email="new@example.org", password=None, administration=make_administration()
    )
    assert not user.has_usable_password()


@pytest.mark.django_db
def test_national_administration_needs_a_country_and_rilo_office_needs_its_rilo():
    with pytest.raises(ValidationError) as error:
        services.administration_create(code="x", name="X", kind=AdministrationKind.POLICE)
    assert "country" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.administration_create(
            code="y", name="Y", kind=AdministrationKind.RILO, country=Country.objects.get(code="DE")
        )
    assert "rilo" in error.value.message_dict
    office = services.administration_create(
        code="rilo-ap", name="RILO AP", kind=AdministrationKind.RILO, rilo=Rilo.objects.get(code="AP")
    )
    assert office.rilo_id == "AP"


@pytest.mark.django_db
def test_language_choice_is_validated(officer):
    with pytest.raises(ValidationError):
        services.user_set_language(user=officer, language="de")
    services.user_set_language(user=officer, language="fr")
    officer.refresh_from_db()
    assert officer.language == "fr"
