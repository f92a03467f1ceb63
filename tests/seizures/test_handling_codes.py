"""TLP handling codes on seizures: who sees one, who hears of it, what its channel post carries."""

import importlib

import pytest
from django.apps import apps
from django.http import Http404

from messaging.models import Event, EventRecipient, Post
from operations import services as operations
from seizures import selectors
from seizures.imports import HANDLING_CODE_ALIASES
from seizures.models import Seizure


def _ids(*users):
    return {user.pk for user in users}


@pytest.fixture
def ghana_joins(world, joint):
    operations.participation_respond(
        user=world.ncp_gh, participation=joint.participations.get(administration=world.ghana), accept=True
    )


def _sees(user, seizure):
    try:
        selectors.seizure_get(user=user, seizure_id=seizure.pk)
    except Http404:
        return False
    return True


def _pushed_to(seizure):
    event = Event.objects.filter(type="seizure", payload__id=seizure.pk).order_by("id").first()
    return set(EventRecipient.objects.filter(event=event).values_list("user_id", flat=True))


@pytest.mark.django_db
def test_a_new_seizure_is_amber_by_default(file_seizure):
    assert file_seizure().handling_code == "amber"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "participant", "outsider"),
    [("red", False, False), ("amber", True, False), ("green", True, False), ("clear", True, False)],
)
def test_who_sees_a_seizure_follows_its_code(world, file_seizure, ghana_joins, code, participant, outsider):
    seizure = file_seizure(handling_code=code)

    assert _sees(world.officer_ng, seizure)
    assert _sees(world.coordinator, seizure)
    assert _sees(world.secretariat, seizure)
    assert _sees(world.officer_gh, seizure) is participant
    assert _sees(world.officer_fr, seizure) is outsider
    assert _sees(world.officer_sn, seizure) is outsider


@pytest.mark.django_db
def test_an_outsider_gets_404_on_a_clear_seizure_as_on_a_missing_one(world, file_seizure, client):
    seizure = file_seizure(handling_code="clear")
    client.force_login(world.officer_fr)

    assert client.get(f"/seizures/{seizure.pk}/").status_code == 404
    assert client.get(f"/api/v1/seizures/{seizure.pk}/").status_code == 404
    assert client.get(f"/seizures/{seizure.pk + 1000}/").status_code == 404


@pytest.mark.django_db
def test_a_clear_draft_stays_with_its_administration(world, file_seizure):
    seizure = file_seizure(handling_code="clear", submit=False)

    assert _sees(world.officer_ng, seizure)
    assert not _sees(world.officer_fr, seizure)
    assert not _sees(world.coordinator, seizure)


@pytest.mark.django_db
def test_parties_stay_with_the_reporter_and_coordinators_whatever_the_code(world, file_seizure, ghana_joins):
    seizure = file_seizure(handling_code="clear")

    assert selectors.party_list(user=world.officer_gh, seizure=seizure, channel="page") == []
    assert selectors.party_list(user=world.officer_fr, seizure=seizure, channel="page") == []
    assert len(selectors.party_list(user=world.coordinator, seizure=seizure, channel="page")) == 2


@pytest.mark.django_db
def test_a_red_seizure_is_pushed_to_its_administration_and_the_coordinators_only(world, file_seizure, ghana_joins):
    seizure = file_seizure(handling_code="red")

    recipients = _pushed_to(seizure)
    assert _ids(world.officer_ng, world.ncp_ng, world.coordinator) <= recipients
    assert not recipients & _ids(world.officer_gh, world.ncp_gh, world.officer_fr, world.secretariat)


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["amber", "green", "clear"])
def test_other_codes_are_pushed_to_the_operation_not_beyond(world, file_seizure, ghana_joins, code):
    seizure = file_seizure(handling_code=code)

    recipients = _pushed_to(seizure)
    assert _ids(world.officer_ng, world.coordinator, world.officer_gh, world.ncp_gh) <= recipients
    assert not recipients & _ids(world.officer_fr, world.officer_sn)


@pytest.mark.django_db
def test_the_channel_post_of_a_seizure_carries_its_code(file_seizure):
    seizure = file_seizure(handling_code="red")

    post = Post.objects.get(context=seizure.operation.context, title__contains=seizure.reference)
    assert post.handling_code == "red"


@pytest.mark.django_db
def test_the_list_filters_by_code(world, file_seizure):
    red = file_seizure(handling_code="red")
    file_seizure(handling_code="green", containers=[], transport_document="")

    listed = selectors.seizure_list(user=world.coordinator, filters={"handling_code": "red"})
    assert list(listed) == [red]


@pytest.mark.django_db
def test_the_api_refuses_an_unknown_code_and_accepts_tlp(world, joint, client_for, filing):
    client = client_for(world.officer_ng)
    body = {**filing(), "operation": joint.pk}
    body["occurred_at"] = body["occurred_at"].isoformat()
    for line in body["lines"]:
        line["quantity"] = str(line["quantity"])

    refused = client.post("/api/v1/seizures/", {**body, "handling_code": "coordinators"}, format="json")
    accepted = client.post("/api/v1/seizures/", {**body, "handling_code": "green"}, format="json")

    assert refused.status_code == 400
    assert "handling_code" in refused.json()
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["handling_code"] == "green"


@pytest.mark.django_db
def test_the_form_explains_tlp(world, joint, page_for):
    page = page_for(world.officer_ng).get(f"/seizures/file/{joint.pk}/?variant=long")

    text = page.content.decode()
    assert "Traffic Light Protocol" in text
    assert "TLP:RED" in text
    assert "TLP:CLEAR" in text


@pytest.mark.django_db
def test_the_seizure_page_shows_its_tlp_label(world, file_seizure, page_for):
    seizure = file_seizure(handling_code="red")

    text = page_for(world.coordinator).get(f"/seizures/{seizure.pk}/").content.decode()
    assert '<span class="tlp tlp-red"' in text
    assert "TLP:RED" in text


def test_files_written_before_tlp_still_import():
    assert HANDLING_CODE_ALIASES["operation"] == "amber"
    assert HANDLING_CODE_ALIASES["coordinators"] == "red"
    assert HANDLING_CODE_ALIASES["tlp:green"] == "green"


@pytest.mark.django_db
def test_the_migration_keeps_what_the_old_codes_meant(file_seizure):
    """The rows stand as the schema before TLP wrote them; the migration maps them as they behaved."""
    migration = importlib.import_module("seizures.migrations.0002_tlp_handling_codes_units_retention")
    shared = file_seizure()
    kept = file_seizure(containers=[], transport_document="")
    Seizure.objects.filter(pk=shared.pk).update(handling_code="operation")
    Seizure.objects.filter(pk=kept.pk).update(handling_code="coordinators")

    migration.to_tlp(apps, None)

    assert Seizure.objects.get(pk=shared.pk).handling_code == "amber"
    assert Seizure.objects.get(pk=kept.pk).handling_code == "red"
