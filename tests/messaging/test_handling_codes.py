"""TLP on posts: the audiences each code allows, replies that never widen it, and the label everywhere."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from accounts.choices import AdministrationKind, Role
from messaging import services
from messaging.choices import AudienceKind
from messaging.models import Notification, Post, PostRecipient
from tests.messaging.factories import post


@pytest.fixture
def people(make_administration, make_user):
    customs = make_administration(kind=AdministrationKind.CUSTOMS, country="FR")
    other = make_administration(kind=AdministrationKind.CUSTOMS, country="NG")
    return {
        "author": make_user(role=Role.OFFICER, administration=customs),
        "colleague": make_user(role=Role.OFFICER, administration=customs),
        "night_shift": make_user(role=Role.OFFICER, administration=customs),
        "police": make_user(role=Role.OFFICER, administration=make_administration(country="FR")),
        "abroad": make_user(role=Role.OFFICER, administration=other),
    }


def _codes(error):
    return {field: [item.code for item in items] for field, items in error.error_dict.items()}


@pytest.mark.django_db
def test_a_post_is_green_by_default(people):
    assert post(people["author"], [people["colleague"]]).handling_code == "green"


@pytest.mark.django_db
@pytest.mark.parametrize("audience", [AudienceKind.EVERYBODY, AudienceKind.ALL_CUSTOMS, AudienceKind.MY_COUNTRY])
def test_a_red_post_goes_to_chosen_recipients_only(people, audience):
    with pytest.raises(ValidationError) as refused:
        post(people["author"], [], audience=audience, handling_code="red")

    assert _codes(refused.value) == {"audience": ["handling_code_red"]}
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_a_red_post_to_chosen_recipients_reaches_them_only(people):
    sent = post(people["author"], [people["colleague"]], handling_code="red")

    reached = set(PostRecipient.objects.filter(post=sent).values_list("user_id", flat=True))
    assert reached == {people["author"].pk, people["colleague"].pk}


@pytest.mark.django_db
@pytest.mark.parametrize("audience", [AudienceKind.EVERYBODY, AudienceKind.ALL_CUSTOMS])
def test_an_amber_post_stays_within_the_authors_organisations(people, audience):
    with pytest.raises(ValidationError) as refused:
        post(people["author"], [], audience=audience, handling_code="amber")

    assert _codes(refused.value) == {"audience": ["handling_code_amber"]}


@pytest.mark.django_db
def test_an_amber_post_may_go_to_the_authors_country(people):
    sent = post(people["author"], [], audience=AudienceKind.MY_COUNTRY, handling_code="amber")

    reached = set(PostRecipient.objects.filter(post=sent).values_list("user_id", flat=True))
    assert people["colleague"].pk in reached
    assert people["abroad"].pk not in reached


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["green", "clear"])
def test_green_and_clear_posts_may_go_to_everybody(people, code):
    sent = post(people["author"], [], audience=AudienceKind.EVERYBODY, handling_code=code)

    assert PostRecipient.objects.filter(post=sent, user=people["abroad"]).exists()


@pytest.mark.django_db
def test_a_reply_keeps_the_code_of_the_post_it_answers(people):
    root = post(people["author"], [people["colleague"]], handling_code="amber")

    reply = services.post_reply(author=people["colleague"], parent=root, body="Checked.")

    assert reply.handling_code == "amber"


@pytest.mark.django_db
@pytest.mark.parametrize("wider", ["green", "clear"])
def test_a_reply_cannot_widen_the_code(people, wider):
    root = post(people["author"], [people["colleague"]], handling_code="amber")

    with pytest.raises(ValidationError) as refused:
        services.post_reply(author=people["colleague"], parent=root, body="Checked.", handling_code=wider)

    assert _codes(refused.value) == {"handling_code": ["wider_than_parent"]}
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_a_reply_may_be_stricter(people):
    root = post(people["author"], [people["colleague"]])

    reply = services.post_reply(author=people["colleague"], parent=root, body="Names inside.", handling_code="red")

    assert reply.handling_code == "red"


@pytest.mark.django_db
def test_a_stricter_reply_still_fits_the_audience_of_the_thread(people):
    root = post(people["author"], [], audience=AudienceKind.EVERYBODY)

    with pytest.raises(ValidationError) as refused:
        services.post_reply(author=people["colleague"], parent=root, body="Names inside.", handling_code="red")

    assert _codes(refused.value) == {"audience": ["handling_code_red"]}


@pytest.mark.django_db
def test_the_api_answers_a_too_wide_audience_with_a_field_error(people):
    client = APIClient()
    client.force_authenticate(people["author"])
    payload = {"topic": "A", "title": "Names", "body": "Inside.", "audience": "everybody", "handling_code": "red"}

    response = client.post("/api/v1/posts/", payload, format="json")

    assert response.status_code == 400
    assert "audience" in response.json()
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_the_api_shows_the_code(people):
    sent = post(people["author"], [people["colleague"]], handling_code="amber")
    client = APIClient()
    client.force_authenticate(people["colleague"])

    body = client.get(f"/api/v1/posts/{sent.pk}/").json()

    assert (body["handling_code"], body["tlp"]) == ("amber", "TLP:AMBER")


@pytest.mark.django_db
def test_the_post_page_and_inbox_show_the_label(people, client):
    sent = post(people["author"], [people["colleague"]], handling_code="amber")
    client.force_login(people["colleague"])

    inbox = client.get("/channel/").content.decode()
    page = client.get(f"/channel/posts/{sent.pk}/").content.decode()

    assert '<span class="tlp tlp-amber"' in inbox
    assert '<span class="tlp tlp-amber"' in page
    assert "TLP:AMBER" in page


@pytest.mark.django_db
def test_the_form_refuses_a_red_post_to_everybody_on_the_field(people, client):
    client.force_login(people["author"])

    response = client.post(
        "/channel/posts/new/",
        {"kind": "information", "topic": "A", "title": "Names", "body": "Inside.", "audience": "everybody",
         "handling_code": "red"},
    )  # fmt: skip

    assert response.status_code == 200
    assert "chosen recipients only" in response.context["form"].errors["audience"][0]
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_the_email_subject_and_body_carry_the_tlp_label(people, settings, mailoutbox):
    settings.NOTIFICATION_DEFAULT_FREQUENCY = "immediate"
    post(people["author"], [people["colleague"]], handling_code="amber")

    notification = Notification.objects.get(user=people["colleague"])
    services.notification_send(notification_id=notification.pk)

    (message,) = mailoutbox
    assert message.subject.startswith("TLP:AMBER ")
    assert "TLP:AMBER" in message.body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "title_sent", "body_sent"), [("green", True, True), ("amber", True, False), ("red", False, False)]
)
def test_amber_and_red_content_stays_on_the_platform(people, settings, mailoutbox, code, title_sent, body_sent):
    settings.NOTIFICATION_DEFAULT_FREQUENCY = "immediate"
    sent = post(people["author"], [people["colleague"]], handling_code=code)

    services.notification_send(notification_id=Notification.objects.get(user=people["colleague"]).pk)

    (message,) = mailoutbox
    assert (sent.title in message.subject, sent.title in message.body) == (title_sent, title_sent)
    assert ("MSCU1234565" in message.body) == body_sent
    assert f"/channel/posts/{sent.pk}/" in message.body
    if not body_sent:
        assert "not sent by e-mail" in message.body


# --- forwarding -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("audience", "to"),
    [
        (AudienceKind.MY_COUNTRY, None),
        (AudienceKind.CHOSEN, "abroad"),
        (AudienceKind.CHOSEN, "police"),  # same country, another administration
    ],
)
def test_a_recipient_passes_an_amber_post_on_within_their_administration_only(people, audience, to):
    original = post(people["author"], [people["colleague"]], handling_code="amber")

    with pytest.raises(ValidationError) as refused:
        services.post_forward(
            author=people["colleague"], post=original, audience=audience, chosen_users=[people[to]] if to else []
        )

    assert _codes(refused.value) == {"audience": ["amber_outside_administration"]}
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_the_author_of_an_amber_post_may_pass_it_on_beyond_their_administration(people):
    original = post(people["author"], [people["colleague"]], handling_code="amber")

    forwarded = services.post_forward(
        author=people["author"], post=original, audience=AudienceKind.CHOSEN, chosen_users=[people["abroad"]]
    )

    assert forwarded.handling_code == "amber"
    assert PostRecipient.objects.filter(post=forwarded, user=people["abroad"]).exists()


@pytest.mark.django_db
def test_a_forward_keeps_the_code_and_quotes_the_post(people):
    original = post(people["author"], [people["colleague"]], handling_code="amber")

    forwarded = services.post_forward(
        author=people["colleague"],
        post=original,
        audience=AudienceKind.CHOSEN,
        chosen_users=[people["night_shift"]],
        note="For the night shift.",
    )

    assert forwarded.handling_code == "amber"
    assert forwarded.title == f"Fwd: {original.title}"
    assert "> Container MSCU1234565" in forwarded.body


@pytest.mark.django_db
def test_a_forward_cannot_widen_the_code_nor_the_audience(people):
    original = post(people["author"], [people["colleague"]], handling_code="amber")

    with pytest.raises(ValidationError) as wider_code:
        services.post_forward(
            author=people["colleague"], post=original, audience=AudienceKind.EVERYBODY, handling_code="green"
        )
    with pytest.raises(ValidationError) as wider_audience:
        services.post_forward(author=people["colleague"], post=original, audience=AudienceKind.EVERYBODY)

    assert _codes(wider_code.value) == {"handling_code": ["wider_than_parent"]}
    assert _codes(wider_audience.value) == {"audience": ["handling_code_amber"]}
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_a_red_post_is_forwarded_by_its_author_only(people):
    original = post(people["author"], [people["colleague"]], handling_code="red")

    with pytest.raises(ValidationError) as refused:
        services.post_forward(
            author=people["colleague"], post=original, audience=AudienceKind.CHOSEN, chosen_users=[people["abroad"]]
        )
    forwarded = services.post_forward(
        author=people["author"], post=original, audience=AudienceKind.CHOSEN, chosen_users=[people["abroad"]]
    )

    assert _codes(refused.value) == {"handling_code": ["red_not_forwarded"]}
    assert forwarded.handling_code == "red"


@pytest.mark.django_db
def test_the_api_forwards_and_answers_a_wider_code_with_a_field_error(people):
    original = post(people["author"], [people["colleague"]], handling_code="amber")
    client = APIClient()
    client.force_authenticate(people["colleague"])

    refused = client.post(
        f"/api/v1/posts/{original.pk}/forward/", {"audience": "my_country", "handling_code": "clear"}, format="json"
    )
    forwarded = client.post(
        f"/api/v1/posts/{original.pk}/forward/",
        {"audience": "chosen", "chosen_users": [people["night_shift"].username]},
        format="json",
    )

    assert refused.status_code == 400
    assert "handling_code" in refused.json()
    assert forwarded.status_code == 201
    assert forwarded.json()["tlp"] == "TLP:AMBER"


@pytest.mark.django_db
def test_a_post_not_received_cannot_be_forwarded(people):
    original = post(people["author"], [people["colleague"]])
    client = APIClient()
    client.force_authenticate(people["abroad"])

    response = client.post(f"/api/v1/posts/{original.pk}/forward/", {"audience": "everybody"}, format="json")

    assert response.status_code == 404
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_the_forward_page_refuses_a_wider_audience_on_the_field_then_forwards(people, client):
    original = post(people["author"], [people["colleague"]], handling_code="amber")
    client.force_login(people["colleague"])

    refused = client.post(f"/channel/posts/{original.pk}/forward/", {"audience": "everybody"})
    forwarded = client.post(
        f"/channel/posts/{original.pk}/forward/",
        {"audience": "chosen", "chosen_users": people["night_shift"].username, "note": "FYI"},
    )

    assert refused.status_code == 200
    assert "TLP:AMBER" in refused.context["form"].errors["audience"][0]
    assert forwarded.status_code == 302
    assert Post.objects.filter(handling_code="amber", title__startswith="Fwd:").count() == 1
