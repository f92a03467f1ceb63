"""The audit trail and access log pages: the secretariat sees everything, a national contact point their own
administration only, and for everyone else the pages do not exist."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent
from accounts.services import access_log_record
from operations import services as operations

pytestmark = pytest.mark.django_db

LIST, ACCESS = reverse("audit-list"), reverse("audit-access-log")


def _detail(event: AuditEvent) -> str:
    return reverse("audit-detail", args=[event.pk])


@pytest.fixture
def trail(world, make_operation):
    """An operation of the V-OCU, Nigeria and Ghana invited, Nigeria accepts; one party read by each country."""
    operation = make_operation()
    operations.participation_invite(
        user=world.coordinator, operation=operation, administrations=[world.nigeria, world.ghana]
    )
    accepted = operations.participation_respond(
        user=world.ncp_ng, participation=operation.participations.get(administration=world.nigeria), accept=True
    )
    access_log_record(user=world.officer_ng, object_type="party", objects=[("11", "NG read")], channel="page")
    access_log_record(user=world.officer_gh, object_type="party", objects=[("12", "GH read")], channel="api")
    return operation, accepted


def _ids(response) -> set[int]:
    return {event.pk for event in response.context["page"]}


def test_the_secretariat_sees_every_event(world, trail, page_for):
    response = page_for(world.secretariat).get(LIST)

    assert response.status_code == 200
    assert _ids(response) == set(AuditEvent.objects.values_list("pk", flat=True)[:50])
    assert b"Audit trail" in response.content


def test_a_national_contact_sees_their_own_administration_only(world, trail, page_for):
    response = page_for(world.ncp_ng).get(LIST)

    assert response.status_code == 200
    shown = AuditEvent.objects.filter(pk__in=_ids(response))
    assert shown.exists()
    assert set(shown.values_list("administration_id", flat=True)) == {world.nigeria.pk}
    assert _ids(response) == set(AuditEvent.objects.filter(administration=world.nigeria).values_list("pk", flat=True))
    assert b'name="administration"' not in response.content


def test_a_national_contact_cannot_open_another_administrations_event(world, trail, page_for):
    ghana = AuditEvent.objects.filter(administration=world.ghana).first()
    nigeria = AuditEvent.objects.filter(administration=world.nigeria).first()
    page = page_for(world.ncp_ng)

    assert page.get(_detail(ghana)).status_code == 404
    assert page.get(_detail(nigeria)).status_code == 200
    assert page.get(reverse("audit-detail", args=[10**9])).status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "officer_ng", "analyst_ng", "observer_unep"])
def test_other_roles_get_404_everywhere(world, trail, page_for, role):
    page = page_for(getattr(world, role))
    event = AuditEvent.objects.first()

    for url in (LIST, _detail(event), ACCESS):
        assert page.get(url).status_code == 404, url


def test_a_national_contact_of_an_administration_without_events_sees_an_empty_trail(world, trail, page_for):
    response = page_for(world.ncp_fr).get(LIST)

    assert response.status_code == 200
    assert _ids(response) == set(AuditEvent.objects.filter(administration=world.france).values_list("pk", flat=True))
    assert b"No audit events to show." in response.content or _ids(response)


def test_anonymous_visitors_are_sent_to_sign_in(trail, client):
    for url in (LIST, _detail(AuditEvent.objects.first()), ACCESS):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_detail_shows_before_and_after_side_by_side_marking_what_changed(world, trail, page_for):
    _operation, accepted = trail
    event = AuditEvent.objects.get(object_type="participation", object_id=str(accepted.pk), action="accept")

    response = page_for(world.secretariat).get(_detail(event))

    assert response.status_code == 200
    changes = {change["field"]: change for change in response.context["changes"]}
    assert changes["status"]["before"] == "invited"
    assert changes["status"]["after"] == "accepted"
    assert changes["status"]["changed"] is True
    assert changes["role"]["changed"] is False
    assert response.context["digest_matches"] is True
    html = response.content.decode()
    assert 'class="changed"' in html
    assert "<script>" not in html


def test_each_filter_filters(world, trail, page_for):
    page = page_for(world.secretariat)
    every = set(AuditEvent.objects.values_list("pk", flat=True))

    by_type = _ids(page.get(LIST, {"object_type": "participation"}))
    by_actor = _ids(page.get(LIST, {"actor": world.ncp_ng.username}))
    by_administration = _ids(page.get(LIST, {"administration": world.ghana.pk}))
    today = timezone.now().date()
    since_tomorrow = _ids(page.get(LIST, {"since": (today + timedelta(days=1)).isoformat()}))
    until_yesterday = _ids(page.get(LIST, {"until": (today - timedelta(days=1)).isoformat()}))
    today_only = _ids(page.get(LIST, {"since": today.isoformat(), "until": today.isoformat()}))

    assert by_type == set(AuditEvent.objects.filter(object_type="participation").values_list("pk", flat=True))
    assert by_type
    assert by_type < every
    assert by_actor == set(AuditEvent.objects.filter(actor=world.ncp_ng).values_list("pk", flat=True)) != set()
    assert by_administration == set(AuditEvent.objects.filter(administration=world.ghana).values_list("pk", flat=True))
    assert by_administration
    assert since_tomorrow == until_yesterday == set()
    assert today_only == every


def test_a_national_contact_cannot_widen_their_scope_with_the_administration_filter(world, trail, page_for):
    response = page_for(world.ncp_ng).get(LIST, {"administration": world.ghana.pk})

    assert _ids(response) == set()


def test_the_trail_is_paginated(world, page_for):
    for number in range(55):
        audit_record(actor=world.secretariat, action="update", object_type="user", object_id=number)
    page = page_for(world.secretariat)

    first = page.get(LIST, {"object_type": "user"})
    second = page.get(LIST, {"object_type": "user", "page": 2})

    assert len(first.context["page"]) == 50
    assert first.context["page"].paginator.count == AuditEvent.objects.filter(object_type="user").count()
    assert "object_type=user&amp;page=2" in first.content.decode()
    assert _ids(first).isdisjoint(_ids(second))


# --- access log --------------------------------------------------------------------------------


def _entries(response) -> set[str]:
    return {entry.reference for entry in response.context["page"]}


def test_the_secretariat_sees_every_access(world, trail, page_for):
    response = page_for(world.secretariat).get(ACCESS)

    assert response.status_code == 200
    assert _entries(response) == {"NG read", "GH read"}


def test_a_national_contact_sees_the_accesses_of_their_own_people(world, trail, page_for):
    response = page_for(world.ncp_ng).get(ACCESS)

    assert response.status_code == 200
    assert _entries(response) == {"NG read"}


def test_the_access_log_filters_filter(world, trail, page_for):
    page = page_for(world.secretariat)

    assert _entries(page.get(ACCESS, {"user": world.officer_gh.username})) == {"GH read"}
    assert _entries(page.get(ACCESS, {"object_type": "report"})) == set()
    assert _entries(page.get(ACCESS, {"action": "read"})) == {"NG read", "GH read"}
    assert _entries(page.get(ACCESS, {"since": (timezone.now().date() + timedelta(days=1)).isoformat()})) == set()


# --- navigation --------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "shown"), [("secretariat", True), ("ncp_ng", True), ("officer_ng", False)])
def test_the_navigation_links_the_trail_for_those_who_may_read_it(world, page_for, role, shown):
    response = page_for(getattr(world, role)).get(reverse("home"))

    assert (f'href="{LIST}"' in response.content.decode()) is shown
