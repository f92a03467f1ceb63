"""A unit's shared inbox is its current members': every post addressed to the unit opens for them, whenever
they joined, and for nobody else, however much of the unit they manage."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import services as accounts
from accounts.choices import AdministrationKind, Role
from messaging import services
from messaging.models import Post, PostRecipient
from tests.messaging.factories import PDF, post


@pytest.fixture
def desk(make_administration, make_user):
    """A Nigerian port desk staffed by the day shift; the night shift and the managers are not members."""
    customs = make_administration(kind=AdministrationKind.CUSTOMS, country="NG")
    ncp = make_user(role=Role.NATIONAL_CONTACT, administration=customs)
    day, night = (make_user(role=Role.OFFICER, administration=customs) for _ in range(2))
    unit = accounts.unit_create(actor=ncp, administration=customs, name="Apapa port desk")
    accounts.unit_add_member(actor=ncp, unit=unit, user=day)
    author = make_user(role=Role.OFFICER, administration=make_administration(country="FR"))
    red = post(
        author,
        [],
        chosen_units=[unit],
        handling_code="red",
        title="Controlled delivery tonight",
        attachments=[SimpleUploadedFile("manifest.pdf", PDF, content_type="application/pdf")],
    )
    return {
        "unit": unit,
        "ncp": ncp,
        "day": day,
        "night": night,
        "author": author,
        "red": red,
        "secretariat": make_user(role=Role.SECRETARIAT),
        "foreigner": make_user(role=Role.OFFICER, administration=make_administration(country="GH")),
    }


def _join(desk, person):
    accounts.unit_add_member(actor=desk["ncp"], unit=desk["unit"], user=person)


def _inbox(unit):
    return f"/channel/units/{unit.pk}/"


def _post(post):
    return f"/channel/posts/{post.pk}/"


@pytest.mark.django_db
@pytest.mark.parametrize("manager", ["secretariat", "ncp"])
def test_a_manager_who_is_not_a_member_gets_a_404_on_the_units_inbox(desk, manager, client):
    client.force_login(desk[manager])

    response = client.get(_inbox(desk["unit"]))

    assert response.status_code == 404
    assert response.status_code == client.get("/channel/units/987654321/").status_code
    assert desk["red"].title not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("manager", ["secretariat", "ncp"])
def test_a_manager_who_is_not_a_member_cannot_open_a_red_post_to_the_unit(desk, manager, client):
    client.force_login(desk[manager])

    assert client.get(_post(desk["red"])).status_code == 404
    assert client.get(f"/api/v1/posts/{desk['red'].pk}/").status_code == 404
    assert client.get(f"/channel/files/{desk['red'].attachments.get().uuid}/").status_code == 404


@pytest.mark.django_db
def test_a_contact_point_who_is_a_member_reads_the_units_inbox(desk, client):
    _join(desk, desk["ncp"])
    client.force_login(desk["ncp"])

    response = client.get(_inbox(desk["unit"]))

    assert response.status_code == 200
    assert desk["red"].title in response.content.decode()


@pytest.mark.django_db
def test_a_member_who_joined_after_the_post_opens_it_from_the_units_inbox(desk, client):
    reply = services.post_reply(author=desk["author"], parent=desk["red"], body="The truck left Lagos.")
    _join(desk, desk["night"])
    client.force_login(desk["night"])

    inbox = client.get(_inbox(desk["unit"]))
    page = client.get(_post(desk["red"]))

    assert inbox.status_code == 200
    assert f'href="{_post(desk["red"])}"' in inbox.content.decode()
    assert page.status_code == 200
    assert desk["red"].title in page.content.decode()
    assert [shown.pk for shown in page.context["replies"]] == [reply.pk]
    assert client.get(f"/api/v1/posts/{desk['red'].pk}/replies/").json()[0]["id"] == reply.pk
    assert client.get(f"/channel/files/{desk['red'].attachments.get().uuid}/").status_code == 200


@pytest.mark.django_db
def test_opening_through_the_unit_adds_no_delivery_and_leaves_counts_alone(desk, client):
    _join(desk, desk["night"])
    client.force_login(desk["night"])

    client.get(_post(desk["red"]))
    inbox = client.get("/channel/")

    assert not PostRecipient.objects.filter(post=desk["red"], user=desk["night"]).exists()
    assert list(inbox.context["page"].object_list) == []
    assert inbox.context["unread_count"] == 0


@pytest.mark.django_db
def test_a_member_who_joined_later_may_answer_in_the_thread(desk, client):
    _join(desk, desk["night"])
    client.force_login(desk["night"])

    response = client.post(_post(desk["red"]), {"kind": "information", "body": "Night shift on it."})

    assert response.status_code == 302
    reply = Post.objects.get(root=desk["red"], author=desk["night"])
    assert set(PostRecipient.objects.filter(post=reply).values_list("user_id", flat=True)) == {
        desk["author"].pk,
        desk["day"].pk,
        desk["night"].pk,  # a current member of the unit the thread was addressed to
    }
    assert client.get(_post(desk["red"])).context["replies"][0] == reply


@pytest.mark.django_db
def test_a_removed_member_no_longer_opens_what_the_unit_received(desk, client):
    _join(desk, desk["night"])
    client.force_login(desk["night"])
    assert client.get(_post(desk["red"])).status_code == 200

    accounts.unit_remove_member(actor=desk["ncp"], unit=desk["unit"], user=desk["night"])

    assert client.get(_inbox(desk["unit"])).status_code == 404
    assert client.get(_post(desk["red"])).status_code == 404
    assert client.get(f"/channel/files/{desk['red'].attachments.get().uuid}/").status_code == 404


@pytest.mark.django_db
def test_a_removed_member_keeps_what_was_addressed_to_them_personally(desk, client):
    _join(desk, desk["night"])
    personal = post(desk["author"], [desk["night"]], chosen_units=[desk["unit"]], title="For the night shift")
    accounts.unit_remove_member(actor=desk["ncp"], unit=desk["unit"], user=desk["night"])
    client.force_login(desk["night"])

    assert client.get(_post(personal)).status_code == 200
    assert client.get(_post(desk["red"])).status_code == 404


@pytest.mark.django_db
def test_a_foreign_user_gets_404_on_the_inbox_and_the_post(desk, client):
    client.force_login(desk["foreigner"])

    assert client.get(_inbox(desk["unit"])).status_code == 404
    assert client.get(_post(desk["red"])).status_code == 404
    assert client.get(f"/api/v1/posts/{desk['red'].pk}/").status_code == 404


@pytest.mark.django_db
def test_a_reply_reaches_those_on_shift_now_in_the_units_the_thread_was_addressed_to(desk):
    _join(desk, desk["night"])

    reply = services.post_reply(author=desk["author"], parent=desk["red"], body="The truck left at 22:10.")

    reached = set(PostRecipient.objects.filter(post=reply).values_list("user_id", flat=True))
    assert {desk["day"].pk, desk["night"].pk} <= reached
    assert desk["ncp"].pk not in reached
    assert desk["foreigner"].pk not in reached
