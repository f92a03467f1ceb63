"""Units: teams on shifts, created and staffed by their administration's contact points or the secretariat."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import services
from accounts.choices import Role
from accounts.models import AuditEvent


@pytest.fixture
def staff(make_administration, make_user):
    customs = make_administration(country="NG")
    other = make_administration(country="GH")
    return {
        "customs": customs,
        "ncp": make_user(role=Role.NATIONAL_CONTACT, administration=customs),
        "officer": make_user(role=Role.OFFICER, administration=customs),
        "night": make_user(role=Role.OFFICER, administration=customs),
        "other_ncp": make_user(role=Role.NATIONAL_CONTACT, administration=other),
        "foreigner": make_user(role=Role.OFFICER, administration=other),
        "secretariat": make_user(role=Role.SECRETARIAT),
    }


def _codes(error):
    return {field: [item.code for item in items] for field, items in error.error_dict.items()}


@pytest.mark.django_db
@pytest.mark.parametrize("manager", ["ncp", "secretariat"])
def test_contact_points_and_the_secretariat_create_units(staff, manager):
    unit = services.unit_create(actor=staff[manager], administration=staff["customs"], name="Apapa port desk")

    assert (unit.administration, unit.name) == (staff["customs"], "Apapa port desk")
    event = AuditEvent.objects.get(object_type="unit", object_id=str(unit.pk))
    assert (event.action, event.actor) == ("create", staff[manager])


@pytest.mark.django_db
@pytest.mark.parametrize("outsider", ["officer", "other_ncp"])
def test_nobody_else_creates_a_unit(staff, outsider):
    with pytest.raises(PermissionDenied):
        services.unit_create(actor=staff[outsider], administration=staff["customs"], name="Desk")


@pytest.mark.django_db
def test_unit_names_are_unique_in_an_administration(staff):
    services.unit_create(actor=staff["ncp"], administration=staff["customs"], name="Desk")

    with pytest.raises(ValidationError) as refused:
        services.unit_create(actor=staff["ncp"], administration=staff["customs"], name="desk")

    assert _codes(refused.value) == {"name": ["unique"]}


@pytest.mark.django_db
def test_members_come_from_the_units_administration_and_are_added_once(staff):
    unit = services.unit_create(actor=staff["ncp"], administration=staff["customs"], name="Desk")
    services.unit_add_member(actor=staff["ncp"], unit=unit, user=staff["officer"])
    services.unit_add_member(actor=staff["ncp"], unit=unit, user=staff["officer"])

    with pytest.raises(ValidationError) as refused:
        services.unit_add_member(actor=staff["ncp"], unit=unit, user=staff["foreigner"])

    assert _codes(refused.value) == {"user": ["other_administration"]}
    assert list(unit.members.all()) == [staff["officer"]]
    assert AuditEvent.objects.filter(object_type="unit", action="add_member").count() == 1


@pytest.mark.django_db
def test_members_are_removed_by_managers_only(staff):
    unit = services.unit_create(actor=staff["ncp"], administration=staff["customs"], name="Desk")
    services.unit_add_member(actor=staff["ncp"], unit=unit, user=staff["officer"])

    with pytest.raises(PermissionDenied):
        services.unit_remove_member(actor=staff["other_ncp"], unit=unit, user=staff["officer"])
    services.unit_remove_member(actor=staff["secretariat"], unit=unit, user=staff["officer"])

    assert not unit.members.exists()


@pytest.mark.django_db
def test_a_contact_point_creates_a_unit_and_adds_a_member_on_the_page(staff, client):
    client.force_login(staff["ncp"])

    created = client.post("/accounts/units/", {"name": "Night shift"})
    unit = staff["customs"].units.get()
    added = client.post(f"/accounts/units/{unit.pk}/", {"user": staff["night"].pk})
    page = client.get(f"/accounts/units/{unit.pk}/").content.decode()

    assert created.status_code == added.status_code == 302
    assert list(unit.members.all()) == [staff["night"]]
    assert staff["night"].username in page


@pytest.mark.django_db
def test_the_member_form_offers_only_people_of_the_administration(staff, client):
    unit = services.unit_create(actor=staff["ncp"], administration=staff["customs"], name="Desk")
    client.force_login(staff["ncp"])

    response = client.post(f"/accounts/units/{unit.pk}/", {"user": staff["foreigner"].pk})

    assert response.status_code == 200
    assert response.context["form"].errors["user"]
    assert not unit.members.exists()


@pytest.mark.django_db
def test_a_unit_is_a_404_for_people_outside_it(staff, client):
    unit = services.unit_create(actor=staff["ncp"], administration=staff["customs"], name="Desk")
    services.unit_add_member(actor=staff["ncp"], unit=unit, user=staff["officer"])

    client.force_login(staff["foreigner"])
    assert client.get(f"/accounts/units/{unit.pk}/").status_code == 404
    client.force_login(staff["night"])
    assert client.get(f"/accounts/units/{unit.pk}/").status_code == 404
    client.force_login(staff["officer"])
    member_page = client.get(f"/accounts/units/{unit.pk}/")
    assert member_page.status_code == 200
    assert client.post(f"/accounts/units/{unit.pk}/", {"user": staff["night"].pk}).status_code == 404
