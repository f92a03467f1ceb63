"""A post addressed to a unit lands in every member's inbox and in the unit's shared inbox, with who read it."""

import pytest

from accounts import services as accounts
from accounts.choices import AdministrationKind, Role
from messaging import services
from messaging.choices import AudienceKind
from messaging.models import EventRecipient, PostRecipient
from tests.messaging.factories import post


@pytest.fixture
def shift(make_administration, make_user):
    customs = make_administration(kind=AdministrationKind.CUSTOMS, country="NG")
    ncp = make_user(role=Role.NATIONAL_CONTACT, administration=customs)
    day, night, outside = (make_user(role=Role.OFFICER, administration=customs) for _ in range(3))
    unit = accounts.unit_create(actor=ncp, administration=customs, name="Apapa port desk")
    for member in (day, night):
        accounts.unit_add_member(actor=ncp, unit=unit, user=member)
    author = make_user(role=Role.OFFICER, administration=make_administration(country="FR"))
    return {"unit": unit, "ncp": ncp, "day": day, "night": night, "outside": outside, "author": author}


@pytest.mark.django_db
def test_a_post_to_a_unit_reaches_every_member_and_nobody_else(shift):
    sent = post(shift["author"], [], chosen_units=[shift["unit"]])

    reached = set(PostRecipient.objects.filter(post=sent).values_list("user_id", flat=True))
    pushed = set(EventRecipient.objects.filter(event__type="post").values_list("user_id", flat=True))
    expected = {shift["author"].pk, shift["day"].pk, shift["night"].pk}
    assert reached == pushed == expected
    assert list(sent.chosen_units.all()) == [shift["unit"]]


@pytest.mark.django_db
def test_a_red_post_may_go_to_a_unit(shift):
    sent = post(shift["author"], [], chosen_units=[shift["unit"]], handling_code="red")

    assert PostRecipient.objects.filter(post=sent, user=shift["night"]).exists()


@pytest.mark.django_db
def test_the_units_inbox_shows_who_read_each_post(shift, client):
    sent = post(shift["author"], [], chosen_units=[shift["unit"]], audience=AudienceKind.CHOSEN)
    services.post_mark_read(user=shift["day"], posts=[sent])
    client.force_login(shift["night"])

    response = client.get(f"/channel/units/{shift['unit'].pk}/")

    assert response.status_code == 200
    ((shown, readers),) = response.context["items"]
    assert shown == sent
    assert {person: read_at is not None for person, read_at in readers} == {shift["day"]: True, shift["night"]: False}
    text = response.content.decode()
    assert sent.title in text
    assert "not read" in text


@pytest.mark.django_db
def test_the_units_inbox_is_a_404_for_non_members(shift, client):
    client.force_login(shift["outside"])

    assert client.get(f"/channel/units/{shift['unit'].pk}/").status_code == 404


@pytest.mark.django_db
def test_the_units_contact_point_manages_it_but_reads_its_inbox_only_as_a_member(shift, client):
    post(shift["author"], [], chosen_units=[shift["unit"]])
    client.force_login(shift["ncp"])

    assert client.get(f"/channel/units/{shift['unit'].pk}/").status_code == 404
    page = client.get(f"/accounts/units/{shift['unit'].pk}/").content.decode()
    assert "Shared drafts" in page
    assert f"/channel/units/{shift['unit'].pk}/" not in page


@pytest.mark.django_db
def test_the_post_form_addresses_a_unit(shift, client):
    client.force_login(shift["author"])

    response = client.post(
        "/channel/posts/new/",
        {"kind": "information", "topic": "A", "title": "Container due", "body": "Tonight.", "audience": "chosen",
         "handling_code": "amber", "chosen_units": [shift["unit"].pk]},
    )  # fmt: skip

    assert response.status_code == 302
    assert PostRecipient.objects.filter(user=shift["night"]).exists()
