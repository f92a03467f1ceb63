"""The channel's REST API: posts, replies, read marks, recipients, the library and e-mail preferences.

Every endpoint is tried anonymous, with the wrong role, by someone the object was not addressed to
(who must get exactly the answer a missing id gets), with bad input and with good input.
"""

from datetime import timedelta
from types import SimpleNamespace

import filetype
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.choices import AdministrationKind, Role
from accounts.models import AccessLog
from messaging import services
from messaging.choices import AudienceKind, DocumentKind, Frequency, PostKind
from messaging.models import Document, NotificationPreference, Post, PostRecipient, StoredFile
from reference.models import Mea
from tests.messaging.factories import PDF
from tests.messaging.factories import document as _document
from tests.messaging.factories import pdf as _pdf
from tests.messaging.factories import post as _post

MISSING = 999_999


def _client(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _assert_hidden_like_missing(client, method, url, missing_url, **kwargs):
    hidden = getattr(client, method)(url, **kwargs)
    missing = getattr(client, method)(missing_url, **kwargs)
    assert missing.status_code == 404
    assert (hidden.status_code, hidden.get("Content-Type"), hidden.content) == (
        missing.status_code,
        missing.get("Content-Type"),
        missing.content,
    )


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def people(make_administration, make_user):
    """An author in Paris, a reader and a colleague in Lagos, an outsider, a coordinator, an observer."""
    paris = make_administration(country="FR")
    lagos = make_administration(country="NG")
    return SimpleNamespace(
        author=make_user(administration=paris),
        reader=make_user(administration=lagos),
        colleague=make_user(administration=lagos),
        outsider=make_user(administration=make_administration(country="DE")),
        coordinator=make_user(role=Role.COORDINATOR),
        observer=make_user(role=Role.OBSERVER),
    )


def _new_post_payload(people, **overrides):
    payload = {
        "kind": PostKind.INFORMATION,
        "topic": "A",
        "title": "Scrap monitors at Tema",
        "body": "Forty containers of **scrap monitors**, declared as second-hand goods.",
        "audience": AudienceKind.CHOSEN,
        "chosen_users": [people.reader.username],
        "meas": ["BASEL"],
    }
    payload.update(overrides)
    return {key: value for key, value in payload.items() if value is not None}


# --- Anonymous ----------------------------------------------------------------------------------


ENDPOINTS = [
    ("get", "/api/v1/posts/"),
    ("post", "/api/v1/posts/"),
    ("get", "/api/v1/posts/{post}/"),
    ("get", "/api/v1/posts/{post}/replies/"),
    ("post", "/api/v1/posts/{post}/replies/"),
    ("post", "/api/v1/posts/{post}/read/"),
    ("delete", "/api/v1/posts/{post}/read/"),
    ("get", "/api/v1/posts/{post}/recipients/"),
    ("get", "/api/v1/library/documents/"),
    ("post", "/api/v1/library/documents/"),
    ("get", "/api/v1/library/documents/{document}/"),
    ("get", "/api/v1/library/documents/{document}/download/"),
    ("get", "/api/v1/me/notification-settings/"),
    ("post", "/api/v1/me/notification-settings/"),
    ("patch", "/api/v1/me/notification-settings/{preference}/"),
    ("delete", "/api/v1/me/notification-settings/{preference}/"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_anonymous_callers_get_401_and_change_nothing(people, method, url):
    post = _post(people.author, [people.reader])
    document = _document(people.coordinator, [people.reader])
    preference = services.notification_preference_set(user=people.reader, frequency=Frequency.OFF)
    posts_before = Post.objects.count()

    response = getattr(_client(), method)(url.format(post=post.pk, document=document.pk, preference=preference.pk))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert Post.objects.count() == posts_before
    assert Document.objects.get().download_count == 0
    assert NotificationPreference.objects.get().frequency == Frequency.OFF


# --- Posts: creating ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_posting_delivers_the_post_to_its_audience(people):
    response = _client(people.author).post("/api/v1/posts/", _new_post_payload(people), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Scrap monitors at Tema"
    assert body["kind"] == "information"
    assert body["topic"] == "A"
    assert body["meas"] == ["BASEL"]
    assert body["audience"] == "chosen"
    assert body["author"] == people.author.username
    assert body["administration"] == people.author.administration.name
    assert body["body_html"] == (
        "<p>Forty containers of <strong>scrap monitors</strong>, declared as second-hand goods.</p>"
    )
    assert body["parent"] is None
    assert body["read_at"] is not None, "the author has read their own post"
    assert body["awaiting_feedback"] is False
    post = Post.objects.get(pk=body["id"])
    assert set(PostRecipient.objects.filter(post=post).values_list("user_id", flat=True)) == {
        people.author.pk,
        people.reader.pk,
    }
    inbox = _client(people.reader).get("/api/v1/posts/").json()["results"]
    assert [(row["id"], row["read_at"]) for row in inbox] == [(post.pk, None)]
    assert _ids(_client(people.outsider).get("/api/v1/posts/")) == set()


@pytest.mark.django_db
def test_an_alert_may_ask_for_feedback_by_a_date(people):
    due = timezone.now() + timedelta(days=3)

    response = _client(people.author).post(
        "/api/v1/posts/", _new_post_payload(people, kind="alert", due_at=due.isoformat()), format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "alert"
    assert Post.objects.get(pk=response.json()["id"]).due_at == due
    reader_view = _client(people.reader).get(f"/api/v1/posts/{response.json()['id']}/").json()
    assert reader_view["awaiting_feedback"] is True


@pytest.mark.django_db
def test_an_observer_cannot_post(people):
    response = _client(people.observer).post("/api/v1/posts/", _new_post_payload(people), format="json")

    assert response.status_code == 403
    assert response.json()["detail"] == "Observers can read the channel but not post to it."
    assert not Post.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"topic": None}, "topic", id="missing-topic"),
        pytest.param({"title": None}, "title", id="missing-title"),
        pytest.param({"topic": "Z"}, "topic", id="unknown-topic"),
        pytest.param({"chosen_users": None}, "audience", id="chosen-without-recipients"),
        pytest.param({"chosen_users": ["nobody-by-that-name"]}, "chosen_users", id="unknown-username"),
        pytest.param({"audience": "explicit"}, "audience", id="explicit-is-for-higher-layers"),
        pytest.param({"kind": "feedback"}, "kind", id="feedback-is-a-reply"),
        pytest.param({"meas": ["NOPE"]}, "meas", id="unknown-mea"),
        pytest.param(
            {"kind": "alert", "due_at": (timezone.now() - timedelta(hours=1)).isoformat()}, "due_at", id="due-in-past"
        ),
        pytest.param(
            {"kind": "information", "due_at": (timezone.now() + timedelta(days=1)).isoformat()},
            "due_at",
            id="due-on-information",
        ),
    ],
)
def test_bad_posts_are_400_naming_the_field_and_write_nothing(people, overrides, field):
    response = _client(people.author).post("/api/v1/posts/", _new_post_payload(people, **overrides), format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert response.json()[field]
    assert not Post.objects.exists()
    assert not PostRecipient.objects.exists()


@pytest.mark.django_db
def test_my_country_needs_an_administration_with_a_country(people, make_administration, make_user):
    interpol = make_administration(kind=AdministrationKind.INTERNATIONAL, country=None)
    international_officer = make_user(role=Role.OFFICER, administration=interpol)

    response = _client(international_officer).post(
        "/api/v1/posts/", _new_post_payload(people, audience="my_country", chosen_users=None), format="json"
    )

    assert response.status_code == 400
    assert response.json()["audience"] == [
        "Your administration has no country, so it cannot post to 'all users in my country'."
    ]
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_markdown_bodies_are_sanitised(people):
    body = "Look <script>alert(1)</script> at [this link](javascript:alert(2)) and [the guide](https://example.org/)."

    response = _client(people.author).post("/api/v1/posts/", _new_post_payload(people, body=body), format="json")

    assert response.status_code == 201
    html = response.json()["body_html"]
    assert "<script" not in html
    assert "alert(1)" not in html
    assert "javascript:" not in html
    assert "this link" in html
    assert 'href="https://example.org/"' in html
    assert Post.objects.get().body_html == html


@pytest.mark.django_db
def test_a_retried_post_with_the_same_idempotency_key_creates_one_post(people):
    client = _client(people.author)
    first = client.post("/api/v1/posts/", _new_post_payload(people), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    retry = client.post("/api/v1/posts/", _new_post_payload(people), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == 201
    assert retry.json()["id"] == first.json()["id"]
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_a_post_carries_its_attachments(people):
    payload = _new_post_payload(people, attachments=[_pdf("manifest.pdf")])

    response = _client(people.author).post("/api/v1/posts/", payload, format="multipart")

    assert response.status_code == 201, response.content
    [attachment] = response.json()["attachments"]
    assert attachment["name"] == "manifest.pdf"
    assert attachment["content_type"] == "application/pdf"
    assert attachment["size"] == len(PDF)
    assert attachment["url"] == f"/channel/files/{StoredFile.objects.get().uuid}/"


@pytest.mark.django_db
def test_a_refused_attachment_writes_no_post(people):
    payload = _new_post_payload(people, attachments=[_pdf("manifest.pdf"), _pdf("page.html", b"<html></html>")])

    response = _client(people.author).post("/api/v1/posts/", payload, format="multipart")

    assert response.status_code == 400
    assert not Post.objects.exists()
    assert not StoredFile.objects.exists()


@pytest.mark.django_db
def test_a_refused_attachment_is_named_as_attachments(people):
    payload = _new_post_payload(people, attachments=[_pdf("page.html", b"<html></html>")])

    response = _client(people.author).post("/api/v1/posts/", payload, format="multipart")

    assert response.status_code == 400
    assert "attachments" in response.json(), response.json()


# --- Posts: reading -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_recipient_reads_a_post_and_a_non_recipient_cannot_tell_it_exists(people):
    post = _post(people.author, [people.reader], title="Ivory at CDG")

    response = _client(people.reader).get(f"/api/v1/posts/{post.pk}/")

    assert response.status_code == 200
    assert response.json()["title"] == "Ivory at CDG"
    assert response.json()["read_at"] is None
    _assert_hidden_like_missing(
        _client(people.outsider), "get", f"/api/v1/posts/{post.pk}/", f"/api/v1/posts/{MISSING}/"
    )


@pytest.fixture
def inbox(people):
    """Two posts to the reader that differ in topic, kind, MEA, context and words, and one to someone else."""
    basel = _post(
        people.author,
        [people.reader],
        title="Scrap monitors at Tema",
        body="Forty containers of cathode-ray tubes.",
        topic="A",
        kind=PostKind.ALERT,
        meas=[Mea.objects.get(code="BASEL")],
    )
    cites = _post(
        people.author,
        [people.reader],
        title="Ivory at CDG",
        body="Carved tusks in checked baggage.",
        topic="B",
        kind=PostKind.INFORMATION,
        meas=[Mea.objects.get(code="CITES")],
        context="operation:7",
        context_label="THUNDER-2026",
    )
    _post(people.author, [people.outsider], title="Ivory for someone else", topic="B", context="operation:7")
    return SimpleNamespace(basel=basel, cites=cites)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"topic": "B"}, {"cites"}),
        ({"topic": "A"}, {"basel"}),
        ({"kind": "alert"}, {"basel"}),
        ({"kind": "information"}, {"cites"}),
        ({"mea": "BASEL"}, {"basel"}),
        ({"mea": "CITES"}, {"cites"}),
        ({"mea": "MONTREAL"}, set()),
        ({"context": "operation:7"}, {"cites"}),
        ({"q": "cathode"}, {"basel"}),
        ({"q": "ivory tusks"}, {"cites"}),
        ({"q": "ivory cathode"}, set()),
    ],
)
def test_each_post_filter_filters(people, inbox, query, expected):
    client = _client(people.reader)
    assert _ids(client.get("/api/v1/posts/")) == {inbox.basel.pk, inbox.cites.pk}

    response = client.get("/api/v1/posts/", query)

    assert _ids(response) == {getattr(inbox, name).pk for name in expected}


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{"topic": "Z"}, {"kind": "feedback-ish"}, {"mea": "NOPE"}])
def test_a_bad_filter_value_is_400_naming_it(people, query):
    response = _client(people.reader).get("/api/v1/posts/", query)

    assert response.status_code == 400
    assert set(response.json()) == set(query)


@pytest.mark.django_db
def test_read_marks_set_read_at_and_drive_the_unread_filter(people):
    first = _post(people.author, [people.reader], title="First")
    second = _post(people.author, [people.reader], title="Second")
    client = _client(people.reader)
    assert _ids(client.get("/api/v1/posts/", {"unread": "true"})) == {first.pk, second.pk}

    marked = client.post(f"/api/v1/posts/{first.pk}/read/")

    assert marked.status_code == 204
    assert client.get(f"/api/v1/posts/{first.pk}/").json()["read_at"] is not None
    assert _ids(client.get("/api/v1/posts/", {"unread": "true"})) == {second.pk}
    assert _ids(client.get("/api/v1/posts/", {"unread": "false"})) == {first.pk, second.pk}

    unmarked = client.delete(f"/api/v1/posts/{first.pk}/read/")

    assert unmarked.status_code == 204
    assert client.get(f"/api/v1/posts/{first.pk}/").json()["read_at"] is None
    assert _ids(client.get("/api/v1/posts/", {"unread": "true"})) == {first.pk, second.pk}


@pytest.mark.django_db
def test_a_non_recipient_cannot_mark_a_post_read(people):
    post = _post(people.author, [people.reader])
    client = _client(people.outsider)

    _assert_hidden_like_missing(client, "post", f"/api/v1/posts/{post.pk}/read/", f"/api/v1/posts/{MISSING}/read/")
    _assert_hidden_like_missing(client, "delete", f"/api/v1/posts/{post.pk}/read/", f"/api/v1/posts/{MISSING}/read/")
    assert not PostRecipient.objects.filter(user=people.outsider).exists()


@pytest.mark.django_db
def test_the_recipient_list_is_for_the_author_only(people):
    post = _post(people.author, [people.reader, people.colleague])

    response = _client(people.author).get(f"/api/v1/posts/{post.pk}/recipients/")

    assert response.status_code == 200
    assert sorted((row["username"], row["administration"]) for row in response.json()) == sorted(
        (person.username, person.administration.name) for person in (people.author, people.reader, people.colleague)
    )
    assert _client(people.reader).get(f"/api/v1/posts/{post.pk}/recipients/").status_code == 404
    _assert_hidden_like_missing(
        _client(people.outsider), "get", f"/api/v1/posts/{post.pk}/recipients/", f"/api/v1/posts/{MISSING}/recipients/"
    )


@pytest.mark.django_db
def test_a_hidden_recipient_list_answers_like_a_missing_post(people):
    post = _post(people.author, [people.reader])

    _assert_hidden_like_missing(
        _client(people.reader), "get", f"/api/v1/posts/{post.pk}/recipients/", f"/api/v1/posts/{MISSING}/recipients/"
    )


# --- Posts: replies and feedback ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_reply_reaches_the_thread_and_is_listed_under_it(people):
    post = _post(people.author, [people.reader], title="Ivory at CDG")

    response = _client(people.reader).post(
        f"/api/v1/posts/{post.pk}/replies/", {"body": "We saw the same *route* last month."}, format="json"
    )

    assert response.status_code == 201, response.content
    reply = response.json()
    assert reply["title"] == "Re: Ivory at CDG"
    assert reply["kind"] == "information"
    assert reply["parent"] == post.pk
    assert reply["root"] == post.pk
    assert reply["outcome"] == ""
    assert reply["body_html"] == "<p>We saw the same <em>route</em> last month.</p>"
    listed = _client(people.author).get(f"/api/v1/posts/{post.pk}/replies/")
    assert listed.status_code == 200
    assert [(row["id"], row["author"], row["read_at"]) for row in listed.json()] == [
        (reply["id"], people.reader.username, None)
    ]


@pytest.mark.django_db
def test_an_observer_cannot_reply(people):
    post = _post(people.author, [people.observer])

    response = _client(people.observer).post(f"/api/v1/posts/{post.pk}/replies/", {"body": "Noted."}, format="json")

    assert response.status_code == 403
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_a_non_recipient_cannot_see_or_answer_the_thread(people):
    post = _post(people.author, [people.reader])
    services.post_reply(author=people.reader, parent=post, body="Checked.")
    client = _client(people.outsider)

    url, missing_url = f"/api/v1/posts/{post.pk}/replies/", f"/api/v1/posts/{MISSING}/replies/"
    _assert_hidden_like_missing(client, "get", url, missing_url)
    _assert_hidden_like_missing(client, "post", url, missing_url, data={"body": "Hello"}, format="json")
    assert Post.objects.count() == 2


@pytest.mark.django_db
def test_feedback_on_an_alert_carries_its_outcome(people):
    alert = _post(people.author, [people.reader], kind=PostKind.ALERT, due_at=timezone.now() + timedelta(days=2))

    response = _client(people.reader).post(
        f"/api/v1/posts/{alert.pk}/replies/",
        {"kind": "feedback", "outcome": "confirmed", "body": "Two containers seized."},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "feedback"
    assert response.json()["outcome"] == "confirmed"
    assert Post.objects.get(pk=response.json()["id"]).get_outcome_display() == "Confirmed: goods found or seized"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("root_kind", "payload", "field"),
    [
        pytest.param(PostKind.ALERT, {"kind": "feedback", "body": "Checked."}, "outcome", id="feedback-no-outcome"),
        pytest.param(
            PostKind.ALERT, {"kind": "information", "outcome": "negative", "body": "x"}, "outcome", id="outcome-on-info"
        ),
        pytest.param(
            PostKind.ALERT, {"kind": "feedback", "outcome": "maybe", "body": "x"}, "outcome", id="unknown-outcome"
        ),
        pytest.param(
            PostKind.INFORMATION,
            {"kind": "feedback", "outcome": "negative", "body": "x"},
            "kind",
            id="feedback-on-information",
        ),
        pytest.param(PostKind.ALERT, {"kind": "alert", "body": "x"}, "kind", id="reply-as-alert"),
        pytest.param(PostKind.ALERT, {"kind": "information"}, "body", id="missing-body"),
    ],
)
def test_bad_replies_are_400_naming_the_field_and_write_nothing(people, root_kind, payload, field):
    post = _post(people.author, [people.reader], kind=root_kind)

    response = _client(people.reader).post(f"/api/v1/posts/{post.pk}/replies/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_awaiting_feedback_lists_alerts_until_my_administration_answers(people):
    due = timezone.now() + timedelta(days=2)
    everyone = [people.reader, people.colleague, people.outsider]
    alert = _post(people.author, everyone, title="Watch for CFC cylinders", kind=PostKind.ALERT, due_at=due)
    _post(people.author, everyone, title="Alert without a date", kind=PostKind.ALERT)
    _post(people.author, everyone, title="Just information")
    _post(people.reader, [people.outsider], title="My own request", kind=PostKind.REQUEST, due_at=due)
    reader, outsider = _client(people.reader), _client(people.outsider)
    assert _ids(reader.get("/api/v1/posts/", {"awaiting_feedback": "true"})) == {alert.pk}
    assert _ids(_client(people.author).get("/api/v1/posts/", {"awaiting_feedback": "true"})) == set()

    services.post_reply(
        author=people.colleague, parent=alert, kind=PostKind.FEEDBACK, outcome="negative", body="Nothing found."
    )

    assert _ids(reader.get("/api/v1/posts/", {"awaiting_feedback": "true"})) == set()
    assert reader.get(f"/api/v1/posts/{alert.pk}/").json()["awaiting_feedback"] is False
    owed_by_outsider = _ids(outsider.get("/api/v1/posts/", {"awaiting_feedback": "true"}))
    assert alert.pk in owed_by_outsider


@pytest.mark.django_db
def test_alerts_awaiting_feedback_come_soonest_due_first(people):
    later = _post(people.author, [people.reader], kind=PostKind.ALERT, due_at=timezone.now() + timedelta(days=5))
    sooner = _post(people.author, [people.reader], kind=PostKind.REQUEST, due_at=timezone.now() + timedelta(hours=5))

    response = _client(people.reader).get("/api/v1/posts/", {"awaiting_feedback": "true"})

    assert [row["id"] for row in response.json()["results"]] == [sooner.pk, later.pk]


@pytest.mark.django_db
def test_feedback_given_within_the_thread_answers_the_alert(people):
    alert = _post(people.author, [people.reader], kind=PostKind.ALERT, due_at=timezone.now() + timedelta(days=2))
    details = services.post_reply(author=people.author, parent=alert, body="The containers left Antwerp on Monday.")
    reader = _client(people.reader)

    response = reader.post(
        f"/api/v1/posts/{details.pk}/replies/",
        {"kind": "feedback", "outcome": "negative", "body": "Not found at Tema."},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["root"] == alert.pk
    assert _ids(reader.get("/api/v1/posts/", {"awaiting_feedback": "true"})) == set()


# --- Library ------------------------------------------------------------------------------------


def _document_payload(people, **overrides):
    payload = {
        "title_en": "Identifying CFC cylinders",
        "title_fr": "Identifier les bouteilles de CFC",
        "kind": "identification",
        "topic": "D",
        "meas": ["MONTREAL"],
        "audience": "chosen",
        "chosen_users": [people.reader.username],
        "file": _pdf("cfc-guide.pdf"),
    }
    payload.update(overrides)
    return {key: value for key, value in payload.items() if value is not None}


@pytest.mark.django_db
def test_a_coordinator_adds_a_pdf_that_recipients_download_byte_for_byte(people):
    assert filetype.guess(PDF).mime == "application/pdf"

    created = _client(people.coordinator).post(
        "/api/v1/library/documents/", _document_payload(people), format="multipart"
    )

    assert created.status_code == 201, created.content
    document = created.json()
    assert document["title"] == "Identifying CFC cylinders"
    assert document["title_fr"] == "Identifier les bouteilles de CFC"
    assert document["file_name"] == "cfc-guide.pdf"
    assert document["content_type"] == "application/pdf"
    assert document["size"] == len(PDF)
    assert document["meas"] == ["MONTREAL"]
    assert document["download_count"] == 0
    reader = _client(people.reader)
    assert _ids(reader.get("/api/v1/library/documents/")) == {document["id"]}

    download = reader.get(f"/api/v1/library/documents/{document['id']}/download/")

    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert 'filename="cfc-guide.pdf"' in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert reader.get(f"/api/v1/library/documents/{document['id']}/").json()["download_count"] == 1
    assert list(AccessLog.objects.values_list("user", "action", "object_type", "object_id", "channel")) == [
        (people.reader.pk, AccessLog.Action.DOWNLOAD, "document", str(document["id"]), "api")
    ]


@pytest.mark.django_db
def test_an_officer_cannot_add_to_the_library(people):
    response = _client(people.author).post("/api/v1/library/documents/", _document_payload(people), format="multipart")

    assert response.status_code == 403
    assert not Document.objects.exists()
    assert not StoredFile.objects.exists()


@pytest.mark.django_db
def test_a_non_recipient_cannot_see_or_download_a_document(people):
    document = _document(people.coordinator, [people.reader])
    client = _client(people.outsider)

    assert _ids(client.get("/api/v1/library/documents/")) == set()
    _assert_hidden_like_missing(
        client, "get", f"/api/v1/library/documents/{document.pk}/", f"/api/v1/library/documents/{MISSING}/"
    )
    _assert_hidden_like_missing(
        client,
        "get",
        f"/api/v1/library/documents/{document.pk}/download/",
        f"/api/v1/library/documents/{MISSING}/download/",
    )
    document.refresh_from_db()
    assert document.download_count == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("guide.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", id="html-renamed-pdf"),
        pytest.param(
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            id="svg",
        ),
        pytest.param("notes.txt", b'<?xml version="1.0"?><svg><script>alert(1)</script></svg>', id="svg-as-text"),
        pytest.param("empty.pdf", b"", id="empty"),
    ],
)
def test_files_a_browser_could_run_and_empty_files_are_refused(people, name, content):
    response = _client(people.coordinator).post(
        "/api/v1/library/documents/",
        _document_payload(people, file=SimpleUploadedFile(name, content, content_type="application/pdf")),
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json()["file"]
    assert not Document.objects.exists()
    assert not StoredFile.objects.exists()


@pytest.mark.django_db
def test_a_file_over_the_limit_is_refused(people, settings):
    settings.UPLOAD_MAX_BYTES = len(PDF) - 1

    response = _client(people.coordinator).post(
        "/api/v1/library/documents/", _document_payload(people), format="multipart"
    )

    assert response.status_code == 400
    assert "larger than" in response.json()["file"][0]
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_a_utf8_csv_is_accepted_as_text_csv(people):
    csv = "port,species,kg\nTema,Loxodonta africana,12.5\nDouala,Pangolin é,3\n".encode()

    response = _client(people.coordinator).post(
        "/api/v1/library/documents/",
        _document_payload(people, file=SimpleUploadedFile("seizures.csv", csv, content_type="application/pdf")),
        format="multipart",
    )

    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "text/csv"
    download = _client(people.reader).get(f"/api/v1/library/documents/{response.json()['id']}/download/")
    assert b"".join(download.streaming_content) == csv
    assert download["Content-Type"].startswith("text/csv")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"title_en": None}, "title_en", id="missing-title"),
        pytest.param({"kind": "poster"}, "kind", id="unknown-kind"),
        pytest.param({"file": None}, "file", id="missing-file"),
        pytest.param({"chosen_users": None}, "audience", id="chosen-without-recipients"),
        pytest.param({"chosen_users": ["nobody-by-that-name"]}, "chosen_users", id="unknown-username"),
    ],
)
def test_bad_documents_are_400_naming_the_field(people, overrides, field):
    response = _client(people.coordinator).post(
        "/api/v1/library/documents/", _document_payload(people, **overrides), format="multipart"
    )

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Document.objects.exists()


@pytest.fixture
def library(people):
    guide = _document(
        people.coordinator,
        [people.reader],
        title_en="E-waste identification guide",
        kind=DocumentKind.IDENTIFICATION,
        topic="A",
        meas=[Mea.objects.get(code="BASEL")],
    )
    manual = _document(
        people.coordinator,
        [people.reader],
        title_en="CITES permits manual",
        title_fr="Manuel des permis CITES",
        kind=DocumentKind.MANUAL,
        topic="B",
        meas=[Mea.objects.get(code="CITES")],
        context="operation:7",
    )
    _document(people.coordinator, [people.outsider], title_en="Another permits manual", kind=DocumentKind.MANUAL)
    return SimpleNamespace(guide=guide, manual=manual)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "manual"}, {"manual"}),
        ({"kind": "identification"}, {"guide"}),
        ({"topic": "A"}, {"guide"}),
        ({"topic": "B"}, {"manual"}),
        ({"mea": "CITES"}, {"manual"}),
        ({"mea": "BASEL"}, {"guide"}),
        ({"context": "operation:7"}, {"manual"}),
        ({"q": "identification"}, {"guide"}),
        ({"q": "permis"}, {"manual"}),
        ({"q": "permits guide"}, set()),
    ],
)
def test_each_document_filter_filters(people, library, query, expected):
    client = _client(people.reader)
    assert _ids(client.get("/api/v1/library/documents/")) == {library.guide.pk, library.manual.pk}

    response = client.get("/api/v1/library/documents/", query)

    assert _ids(response) == {getattr(library, name).pk for name in expected}


# --- E-mail notification settings ---------------------------------------------------------------


@pytest.mark.django_db
def test_notification_settings_are_added_changed_listed_and_removed(people):
    client = _client(people.reader)

    created = client.post(
        "/api/v1/me/notification-settings/", {"kind": "post", "topic": "B", "frequency": "immediate"}, format="json"
    )

    assert created.status_code == 201, created.content
    rule = created.json()
    assert rule == {"id": rule["id"], "kind": "post", "topic": "B", "context": "", "frequency": "immediate"}
    assert client.get("/api/v1/me/notification-settings/").json() == [rule]

    changed = client.patch(f"/api/v1/me/notification-settings/{rule['id']}/", {"frequency": "off"}, format="json")

    assert changed.status_code == 200
    assert changed.json()["frequency"] == "off"
    assert NotificationPreference.objects.get(pk=rule["id"]).frequency == Frequency.OFF

    removed = client.delete(f"/api/v1/me/notification-settings/{rule['id']}/")

    assert removed.status_code == 204
    assert client.get("/api/v1/me/notification-settings/").json() == []
    assert not NotificationPreference.objects.exists()


@pytest.mark.django_db
def test_someone_elses_notification_settings_are_invisible(people):
    rule = services.notification_preference_set(user=people.reader, kind="document", frequency=Frequency.DIGEST)
    client = _client(people.outsider)
    url, missing_url = f"/api/v1/me/notification-settings/{rule.pk}/", f"/api/v1/me/notification-settings/{MISSING}/"

    assert client.get("/api/v1/me/notification-settings/").json() == []
    _assert_hidden_like_missing(client, "patch", url, missing_url, data={"frequency": "off"}, format="json")
    _assert_hidden_like_missing(client, "delete", url, missing_url)
    rule.refresh_from_db()
    assert rule.frequency == Frequency.DIGEST


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "post"}, "frequency"),
        ({"frequency": "hourly"}, "frequency"),
        ({"kind": "gossip", "frequency": "off"}, "kind"),
        ({"topic": "Z", "frequency": "off"}, "topic"),
    ],
)
def test_bad_notification_settings_are_400_naming_the_field(people, payload, field):
    response = _client(people.reader).post("/api/v1/me/notification-settings/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not NotificationPreference.objects.exists()


@pytest.mark.django_db
def test_posts_their_replies_and_recipients_answer_as_documented(people):
    """A post that is not feedback has the outcome "", and a thread's replies and recipients are plain lists:
    the schema allowed no blank outcome and promised pages there."""
    from tests.schema import assert_documented

    alert = _post(people.author, [people.reader], kind=PostKind.ALERT, due_at=timezone.now() + timedelta(days=2))
    services.post_reply(author=people.reader, parent=alert, body="Nothing found.", kind=PostKind.FEEDBACK,
                        outcome="negative")  # fmt: skip
    author = _client(people.author)

    inbox = author.get("/api/v1/posts/")
    replies = author.get(f"/api/v1/posts/{alert.pk}/replies/")
    recipients = author.get(f"/api/v1/posts/{alert.pk}/recipients/")

    assert inbox.json()["results"][-1]["outcome"] == ""
    assert [row["outcome"] for row in replies.json()] == ["negative"]
    assert people.reader.username in {row["username"] for row in recipients.json()}
    assert_documented(author, inbox, method="get", path="/api/v1/posts/")
    assert_documented(author, replies, method="get", path="/api/v1/posts/{id}/replies/")
    assert_documented(author, recipients, method="get", path="/api/v1/posts/{id}/recipients/")
