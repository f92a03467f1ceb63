"""Shared drafts: a unit's draft is continued by whoever is on shift, and each save keeps its own author."""

import pytest
from django.core.exceptions import ValidationError

from accounts import services as accounts
from seizures import selectors, services
from seizures.models import SeizureVersion


@pytest.fixture
def desk(world, make_user):
    unit = accounts.unit_create(actor=world.ncp_ng, administration=world.nigeria, name="Apapa port desk")
    night = make_user(role="officer", administration=world.nigeria)
    for member in (world.officer_ng, night):
        accounts.unit_add_member(actor=world.ncp_ng, unit=unit, user=member)
    return {"unit": unit, "day": world.officer_ng, "night": night}


@pytest.mark.django_db
def test_each_save_of_a_units_draft_is_recorded_under_the_person_who_made_it(joint, desk, filing):
    draft = services.seizure_create(user=desk["day"], operation=joint, data=filing(), unit=desk["unit"])
    services.seizure_update(user=desk["night"], seizure=draft, data=filing(narrative="Night shift: seals checked."))
    services.seizure_submit(user=desk["day"], seizure=draft)

    history = list(SeizureVersion.objects.filter(seizure=draft).order_by("number"))
    assert [(version.action, version.changed_by) for version in history] == [
        ("draft", desk["day"]),
        ("draft", desk["night"]),
        ("submit", desk["day"]),
    ]
    assert draft.unit == desk["unit"]


@pytest.mark.django_db
def test_only_members_file_for_a_unit(world, joint, desk, filing):
    with pytest.raises(ValidationError) as refused:
        services.seizure_create(user=world.ncp_ng, operation=joint, data=filing(), unit=desk["unit"])

    assert "unit" in refused.value.error_dict


@pytest.mark.django_db
def test_the_units_drafts_are_listed_for_its_members(joint, desk, filing):
    draft = services.seizure_create(user=desk["day"], operation=joint, data=filing(), unit=desk["unit"])
    services.seizure_create(user=desk["day"], operation=joint, data=filing())

    listed = selectors.seizure_list(user=desk["night"], filters={"unit": desk["unit"].pk, "status": "draft"})
    assert list(listed) == [draft]


@pytest.mark.django_db
def test_the_filing_page_offers_the_members_units(joint, desk, filing, page_for):
    page = page_for(desk["night"]).get(f"/seizures/file/{joint.pk}/")

    assert "Apapa port desk" in page.content.decode()


@pytest.mark.django_db
def test_the_api_files_a_draft_for_a_unit_of_the_caller_only(world, joint, desk, filing, client_for, make_user):
    colleague = make_user(role="officer", administration=world.nigeria)
    body = {**filing(), "operation": joint.pk}
    body["occurred_at"] = body["occurred_at"].isoformat()
    for line in body["lines"]:
        line["quantity"] = str(line["quantity"])

    refused = client_for(colleague).post("/api/v1/seizures/", {**body, "unit": desk["unit"].pk}, format="json")
    filed = client_for(desk["night"]).post("/api/v1/seizures/", {**body, "unit": desk["unit"].pk}, format="json")

    assert refused.status_code == 400
    assert "unit" in refused.json()
    assert filed.status_code == 201, filed.content
    assert filed.json()["unit"] == desk["unit"].pk
