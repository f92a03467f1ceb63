"""Shared fixtures. Test data is built through the real services, never inserted behind their back."""

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.choices import AdministrationKind, Role
from accounts.models import Administration, User
from reference.models import Country, Rilo
from reference.services import reference_data_load


def pytest_report_header(config: pytest.Config) -> list[str]:
    database = settings.DATABASES["default"]
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    return [
        f"database: {database['ENGINE']} ({database.get('HOST') or database['NAME']})",
        f"redis: {settings.REDIS_URL or 'not configured (embedded mode)'}; channel layer: {layer}",
        f"cache: {settings.CACHES['default']['BACKEND']}",
    ]


@pytest.fixture(scope="session", autouse=True)
def flushable_audit_tables() -> Any:
    """Transactional tests flush every table afterwards; the append-only triggers step aside for that only."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    from accounts import append_only

    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: BaseDatabaseOperations, sql_list: list[str]) -> None:
        vendor = self.connection.vendor
        original(self, [*append_only.remove_sql(vendor), *sql_list, *append_only.install_sql(vendor)])

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
    yield
    BaseDatabaseOperations.execute_sql_flush = original  # type: ignore[method-assign]


@pytest.fixture(scope="session", autouse=True)
def force_login_passes_the_second_factor() -> Any:
    """``client.force_login`` stands for a completed sign-in: for a person who has or needs an authenticator,
    the session is verified with it, as after the login page's second step. Tests of the second factor
    itself sign in through the login page."""
    from accounts.two_factor import totp_confirmed_device, two_factor_required
    from tests.otp import session_verify

    original = Client._login

    def _login(self: Client, user: User, backend: str | None = None) -> None:
        original(self, user, backend)
        if two_factor_required(user) or totp_confirmed_device(user) is not None:
            session_verify(self, user)

    Client._login = _login  # type: ignore[method-assign]
    yield
    Client._login = original  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """Reference data is loaded once per session; each test's transaction rolls back over it."""
    with django_db_blocker.unblock():
        reference_data_load()
        connection.close()


_sequence = itertools.count(1)


@pytest.fixture
def make_administration(db: None) -> Callable[..., Administration]:
    def make(
        *, kind: str = AdministrationKind.CUSTOMS, country: str | None = "FR", rilo: str | None = None
    ) -> Administration:
        number = next(_sequence)
        return account_services.administration_create(
            code=f"{kind}-{country or 'intl'}-{number}".lower(),
            name=f"{kind.title()} {country or 'international'} {number}",
            kind=kind,
            country=Country.objects.get(code=country) if country else None,
            rilo=Rilo.objects.get(code=rilo) if rilo else None,
        )

    return make


PASSWORD = "Correct-Horse-Battery-2026"


@pytest.fixture
def make_user(make_administration: Callable[..., Administration]) -> Callable[..., User]:
    def make(
        *, role: str = Role.OFFICER, administration: Administration | None = None, language: str = "en", **extra: Any
    ) -> User:
        if administration is None:
            if role == Role.SECRETARIAT:
                administration = make_administration(kind=AdministrationKind.SECRETARIAT, country=None)
            elif role == Role.COORDINATOR:
                administration = make_administration(kind=AdministrationKind.RILO, country="DE", rilo="WE")
            elif role == Role.OBSERVER:
                administration = make_administration(kind=AdministrationKind.INTERNATIONAL, country=None)
            else:
                administration = make_administration()
        number = next(_sequence)
        return account_services.user_create(
            username=f"{role}{number}",
            email=f"{role}{number}@example.org",
            password=PASSWORD,
            administration=administration,
            role=role,
            language=language,
            **extra,
        )

    return make


@pytest.fixture
def officer(make_user: Callable[..., User]) -> User:
    return make_user(role=Role.OFFICER)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def officer_client(api_client: APIClient, officer: User) -> APIClient:
    api_client.force_authenticate(officer)
    return api_client


@pytest.fixture
def transactional_reference(transactional_db: None) -> None:
    """Transactional tests flush every table afterwards, so they load the reference data themselves."""
    reference_data_load()
