"""A small world of administrations around one V-OCU, and operations built through the services.

RILO West Africa runs the V-OCU. Nigeria, Ghana and Senegal are in its region; France is not.
``joint`` is an active operation in which Nigeria took part, Ghana was invited and has not
answered, Senegal declined and France was never invited.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.choices import AdministrationKind, Role
from operations import services
from reference.models import Mea


@pytest.fixture
def world(make_administration, make_user):
    office = make_administration(kind=AdministrationKind.RILO, country=None, rilo="WA")
    other_office = make_administration(kind=AdministrationKind.RILO, country=None, rilo="WE")
    secretariat = make_administration(kind=AdministrationKind.SECRETARIAT, country=None)
    nigeria = make_administration(country="NG")
    ghana = make_administration(country="GH")
    senegal = make_administration(country="SN")
    france = make_administration(country="FR")
    unep = make_administration(kind=AdministrationKind.INTERNATIONAL, country=None)
    return SimpleNamespace(
        office=office,
        other_office=other_office,
        nigeria=nigeria,
        ghana=ghana,
        senegal=senegal,
        france=france,
        unep=unep,
        coordinator=make_user(role=Role.COORDINATOR, administration=office),
        office_colleague=make_user(role=Role.COORDINATOR, administration=office),
        other_coordinator=make_user(role=Role.COORDINATOR, administration=other_office),
        secretariat=make_user(role=Role.SECRETARIAT, administration=secretariat),
        ncp_ng=make_user(role=Role.NATIONAL_CONTACT, administration=nigeria),
        officer_ng=make_user(role=Role.OFFICER, administration=nigeria),
        analyst_ng=make_user(role=Role.ANALYST, administration=nigeria),
        observer_ng=make_user(role=Role.OBSERVER, administration=nigeria),
        ncp_gh=make_user(role=Role.NATIONAL_CONTACT, administration=ghana),
        officer_gh=make_user(role=Role.OFFICER, administration=ghana),
        ncp_sn=make_user(role=Role.NATIONAL_CONTACT, administration=senegal),
        officer_sn=make_user(role=Role.OFFICER, administration=senegal),
        ncp_fr=make_user(role=Role.NATIONAL_CONTACT, administration=france),
        officer_fr=make_user(role=Role.OFFICER, administration=france),
        observer_unep=make_user(role=Role.OBSERVER, administration=unep),
    )


@pytest.fixture
def make_operation(world):
    """An operation in draft, created by the V-OCU's coordinator unless told otherwise."""

    def make(**overrides):
        now = timezone.now()
        values = {
            "user": world.coordinator,
            "code": "DEMETER-2026",
            "name_en": "Demeter 2026",
            "name_fr": "Déméter 2026",
            "coordinating_administration": world.office,
            "coordinators": [world.coordinator],
            "starts_at": now + timedelta(days=1),
            "ends_at": now + timedelta(days=31),
            "scope_meas": [Mea.objects.get(code="BASEL")],
        }
        values.update(overrides)
        return services.operation_create(**values)

    return make


@pytest.fixture
def joint(world, make_operation):
    """Active since yesterday, for a month: Nigeria accepted, Ghana invited, Senegal declined."""
    now = timezone.now()
    operation = make_operation(starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30))
    services.participation_invite(
        user=world.coordinator, operation=operation, administrations=[world.nigeria, world.ghana, world.senegal]
    )
    for ncp, administration, accept in ((world.ncp_ng, world.nigeria, True), (world.ncp_sn, world.senegal, False)):
        participation = operation.participations.get(administration=administration)
        services.participation_respond(user=ncp, participation=participation, accept=accept)
    return services.operation_transition(user=world.coordinator, operation=operation, action="activate")


@pytest.fixture
def client_for():
    """An API client authenticated as the given user (anonymous with ``None``)."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def page_for(client):
    """The Django test client signed in as the given user, as a browser without JavaScript."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
