"""The channel's pages: plain forms and links, used with the Django test client as a browser without JavaScript."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.choices import Role
from accounts.models import AccessLog
from messaging import services
from messaging.choices import AudienceKind, DocumentKind, Frequency, PostKind
from messaging.models import Document, DocumentRecipient, NotificationPreference, Post, PostRecipient, StoredFile
from reference.models import Mea
from tests.messaging.factories import PDF
from tests.messaging.factories import document as _document
from tests.messaging.factories import pdf as _pdf
from tests.messaging.factories import post as _post


def _page(client, url, **query):
    response = client.get(url, query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _unread_badge(html):
    """The number in the navigation's unread badge; empty when there is nothing unread."""
    return re.search(r'id="unread-count"[^>]*>([^<]*)<', html).group(1).strip()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def people(make_administration, make_user):
    lagos = make_administration(country="NG")
    return SimpleNamespace(
        author=make_user(administration=make_administration(country="FR")),
        reader=make_user(administration=lagos),
        colleague=make_user(administration=lagos),
        outsider=make_user(administration=make_administration(country="DE")),
        coordinator=make_user(role=Role.COORDINATOR),
        observer=make_user(role=Role.OBSERVER),
    )


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


# --- Inbox --------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/channel/", "/channel/posts/new/", "/channel/library/", "/channel/settings/"])
def test_the_channel_needs_signing_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.django_db
def test_the_inbox_lists_posts_addressed_to_me_and_no_others(people, as_user):
    _post(people.author, [people.reader], title="Scrap monitors at Tema")
    _post(people.author, [people.outsider], title="Pangolin scales at Hamburg")

    html = _page(as_user(people.reader), "/channel/")

    assert "Scrap monitors at Tema" in html
    assert "Pangolin scales at Hamburg" not in html
    assert _unread_badge(html) == "1"


@pytest.mark.django_db
def test_an_empty_inbox_says_so(people, as_user):
    html = _page(as_user(people.outsider), "/channel/")

    assert "No posts yet." in html
    assert _unread_badge(html) == ""


@pytest.fixture
def inbox(people):
    due = timezone.now() + timedelta(days=2)
    _post(
        people.author,
        [people.reader],
        title="Scrap monitors at Tema",
        body="Forty containers of cathode-ray tubes.",
        topic="A",
        kind=PostKind.ALERT,
        due_at=due,
        meas=[Mea.objects.get(code="BASEL")],
    )
    ivory = _post(
        people.author,
        [people.reader],
        title="Ivory at CDG",
        body="Carved tusks in checked baggage.",
        topic="B",
        meas=[Mea.objects.get(code="CITES")],
        context="operation:7",
    )
    services.post_mark_read(user=people.reader, posts=[ivory])
    return {"Scrap monitors at Tema", "Ivory at CDG"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({"topic": "B"}, "Ivory at CDG"),
        ({"kind": "alert"}, "Scrap monitors at Tema"),
        ({"mea": "CITES"}, "Ivory at CDG"),
        ({"context": "operation:7"}, "Ivory at CDG"),
        ({"q": "cathode"}, "Scrap monitors at Tema"),
        ({"unread": "true"}, "Scrap monitors at Tema"),
        ({"awaiting_feedback": "true"}, "Scrap monitors at Tema"),
    ],
)
def test_each_filter_on_the_inbox_page_filters(people, as_user, inbox, query, shown):
    client = as_user(people.reader)
    assert all(title in _page(client, "/channel/") for title in inbox)

    html = _page(client, "/channel/", **query)

    assert shown in html
    assert all(title not in html for title in inbox - {shown})


@pytest.mark.django_db
def test_an_alert_awaiting_my_feedback_says_when_it_is_due(people, as_user, inbox):
    html = _page(as_user(people.reader), "/channel/", awaiting_feedback="true")

    assert "Your feedback is due by" in html


@pytest.mark.django_db
def test_a_bad_filter_value_is_shown_and_the_whole_inbox_listed(people, as_user, inbox):
    html = _page(as_user(people.reader), "/channel/", topic="Z")

    assert 'class="error" role="alert"' in html
    assert "Select a valid choice" in html
    assert all(title in html for title in inbox)


@pytest.mark.django_db
def test_titles_and_bodies_cannot_inject_markup(people, as_user):
    post = _post(
        people.author,
        [people.reader],
        title="<script>alert('title')</script>",
        body="<script>alert('body')</script> [click](javascript:alert(1))",
    )
    client = as_user(people.reader)

    inbox_html = _page(client, "/channel/")
    post_html = _page(client, f"/channel/posts/{post.pk}/")

    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in inbox_html
    assert "alert('title')" not in inbox_html
    assert "alert('body')" not in post_html
    assert "javascript:alert" not in post_html


# --- Writing a post -----------------------------------------------------------------------------


def _new_post_form(people, **overrides):
    data = {
        "kind": PostKind.ALERT,
        "topic": "A",
        "title": "Scrap monitors at Tema",
        "body": "Forty containers of **scrap monitors**.",
        "meas": ["BASEL"],
        "due_at": "",
        "audience": AudienceKind.CHOSEN,
        "chosen_users": f"{people.reader.username}, {people.colleague.username}",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_the_new_post_form_is_a_plain_html_form(people, as_user):
    html = _page(as_user(people.author), "/channel/posts/new/")

    assert '<form method="post" enctype="multipart/form-data"' in html
    for name in ("kind", "topic", "title", "body", "meas", "due_at", "audience", "chosen_users", "attachments"):
        assert f'name="{name}"' in html
    assert 'type="submit"' in html


@pytest.mark.django_db
def test_posting_with_the_plain_form_delivers_and_opens_the_post(people, as_user):
    client = as_user(people.author)

    response = client.post("/channel/posts/new/", _new_post_form(people))

    post = Post.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/channel/posts/{post.pk}/"
    assert post.title == "Scrap monitors at Tema"
    assert post.kind == PostKind.ALERT
    assert list(post.meas.values_list("code", flat=True)) == ["BASEL"]
    assert set(PostRecipient.objects.filter(post=post).values_list("user_id", flat=True)) == {
        people.author.pk,
        people.reader.pk,
        people.colleague.pk,
    }
    html = _page(client, response["Location"])
    assert "Your post was sent." in html
    assert "<strong>scrap monitors</strong>" in html
    assert "Sent to 3 people" in html
    assert "Scrap monitors at Tema" in _page(as_user(people.reader), "/channel/")


@pytest.mark.django_db
def test_posting_with_an_attachment_lets_recipients_download_it(people, as_user):
    client = as_user(people.author)

    response = client.post("/channel/posts/new/", {**_new_post_form(people), "attachments": _pdf("manifest.pdf")})

    assert response.status_code == 302
    stored = StoredFile.objects.get()
    assert f"/channel/files/{stored.uuid}/" in _page(client, response["Location"])
    download = as_user(people.reader).get(f"/channel/files/{stored.uuid}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert list(AccessLog.objects.values_list("user", "action", "object_type", "object_id", "reference")) == [
        (people.reader.pk, AccessLog.Action.DOWNLOAD, "file", str(stored.uuid), "manifest.pdf")
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        pytest.param({"chosen_users": ""}, "Choose at least one recipient or administration.", id="chosen-nobody"),
        pytest.param({"chosen_users": "ghost, phantom"}, "Unknown usernames: ghost, phantom", id="unknown-usernames"),
        pytest.param({"title": ""}, "This field is required.", id="missing-title"),
        pytest.param(
            {"due_at": (timezone.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")},
            "The feedback date must be in the future.",
            id="due-in-past",
        ),
    ],
)
def test_a_bad_post_shows_the_error_on_the_form_and_saves_nothing(people, as_user, overrides, error):
    response = as_user(people.author).post("/channel/posts/new/", _new_post_form(people, **overrides))

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'class="error" role="alert">.*?' + re.escape(error), html, re.S), html
    assert not Post.objects.exists()
    assert not PostRecipient.objects.exists()


@pytest.mark.django_db
def test_a_bad_post_keeps_what_was_typed(people, as_user):
    response = as_user(people.author).post("/channel/posts/new/", _new_post_form(people, chosen_users=""))

    html = response.content.decode()
    assert 'value="Scrap monitors at Tema"' in html
    assert "Forty containers of **scrap monitors**." in html


@pytest.mark.django_db
def test_an_observer_cannot_post_through_the_form(people, as_user):
    response = as_user(people.observer).post("/channel/posts/new/", _new_post_form(people))

    assert response.status_code == 403
    assert not Post.objects.exists()


# --- Reading a post and replying ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_post_page_shows_the_post_and_its_replies(people, as_user):
    post = _post(people.author, [people.reader], title="Ivory at CDG", body="Carved *tusks*.")
    services.post_reply(author=people.author, parent=post, body="The courier flew in from Lagos.")

    html = _page(as_user(people.reader), f"/channel/posts/{post.pk}/")

    assert "<h1>Ivory at CDG</h1>" in html
    assert "Carved <em>tusks</em>." in html
    assert "The courier flew in from Lagos." in html
    assert "No replies yet." not in html
    assert "Sent to" not in html, "only the author sees the recipient list"


@pytest.mark.django_db
def test_the_reply_form_posts_a_reply_to_the_thread(people, as_user):
    post = _post(people.author, [people.reader], title="Ivory at CDG")
    client = as_user(people.reader)

    response = client.post(f"/channel/posts/{post.pk}/", {"kind": "information", "outcome": "", "body": "Seen it."})

    assert response.status_code == 302
    assert response["Location"] == f"/channel/posts/{post.pk}/"
    reply = Post.objects.get(parent=post)
    assert (reply.author, reply.root, reply.kind) == (people.reader, post, PostKind.INFORMATION)
    assert set(PostRecipient.objects.filter(post=reply).values_list("user_id", flat=True)) == {
        people.author.pk,
        people.reader.pk,
    }
    html = _page(client, f"/channel/posts/{post.pk}/")
    assert "Your reply was sent." in html
    assert "<p>Seen it.</p>" in html


@pytest.mark.django_db
def test_feedback_with_an_outcome_answers_the_alert(people, as_user):
    alert = _post(
        people.author,
        [people.reader, people.colleague],
        title="Watch for CFC cylinders",
        kind=PostKind.ALERT,
        due_at=timezone.now() + timedelta(days=1),
    )
    client = as_user(people.reader)
    assert "Watch for CFC cylinders" in _page(client, "/channel/", awaiting_feedback="true")

    response = client.post(
        f"/channel/posts/{alert.pk}/", {"kind": "feedback", "outcome": "confirmed", "body": "Twelve cylinders seized."}
    )

    assert response.status_code == 302
    feedback = Post.objects.get(parent=alert)
    assert (feedback.kind, feedback.outcome) == (PostKind.FEEDBACK, "confirmed")
    html = _page(client, f"/channel/posts/{alert.pk}/")
    assert "Confirmed: goods found or seized" in html
    assert "Twelve cylinders seized." in html
    assert "Watch for CFC cylinders" not in _page(client, "/channel/", awaiting_feedback="true")
    assert "Watch for CFC cylinders" not in _page(as_user(people.colleague), "/channel/", awaiting_feedback="true")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"kind": "feedback", "outcome": "", "body": "Checked."}, "Give the outcome of your checks."),
        ({"kind": "information", "outcome": "negative", "body": "Checked."}, "Only feedback has an outcome."),
        ({"kind": "information", "outcome": "", "body": ""}, "This field is required."),
    ],
)
def test_a_bad_reply_shows_the_error_and_saves_nothing(people, as_user, data, error):
    alert = _post(people.author, [people.reader], kind=PostKind.ALERT, due_at=timezone.now() + timedelta(days=1))

    response = as_user(people.reader).post(f"/channel/posts/{alert.pk}/", data)

    assert response.status_code == 200
    assert re.search(r'class="error" role="alert">.*?' + re.escape(error), response.content.decode(), re.S)
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_opening_a_post_marks_it_and_its_replies_read(people, as_user):
    first = _post(people.author, [people.reader], title="Ivory at CDG")
    services.post_reply(author=people.author, parent=first, body="More details.")
    _post(people.author, [people.reader], title="Scrap monitors at Tema")
    client = as_user(people.reader)
    assert _unread_badge(_page(client, "/channel/")) == "3"

    opened = _page(client, f"/channel/posts/{first.pk}/")

    assert _unread_badge(opened) == "1"
    inbox = _page(client, "/channel/")
    assert _unread_badge(inbox) == "1"
    assert re.search(rf'<li class="" data-post="{first.pk}">', inbox)
    assert "Ivory at CDG" not in _page(client, "/channel/", unread="true")
    assert "Scrap monitors at Tema" in _page(client, "/channel/", unread="true")


@pytest.mark.django_db
def test_a_non_recipient_gets_404_for_the_post_and_its_files(people, as_user):
    post = _post(people.author, [people.reader], attachments=[_pdf("manifest.pdf")])
    stored = post.attachments.get()
    client = as_user(people.outsider)

    assert client.get(f"/channel/posts/{post.pk}/").status_code == 404
    assert client.post(f"/channel/posts/{post.pk}/", {"kind": "information", "body": "Hi"}).status_code == 404
    assert client.get(f"/channel/files/{stored.uuid}/").status_code == 404
    assert as_user(people.reader).get(f"/channel/files/{stored.uuid}/").status_code == 200
    assert Post.objects.count() == 1


# --- Library ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_library_lists_the_documents_addressed_to_me(people, as_user):
    _document(people.coordinator, [people.reader], title_en="E-waste identification guide")
    _document(people.coordinator, [people.outsider], title_en="Timber species manual")

    html = _page(as_user(people.reader), "/channel/library/")

    assert "E-waste identification guide" in html
    assert "Timber species manual" not in html
    assert "/channel/library/new/" not in html, "officers are not offered the upload page"
    assert "/channel/library/new/" in _page(as_user(people.coordinator), "/channel/library/")


@pytest.mark.django_db
def test_the_library_page_filters(people, as_user):
    _document(people.coordinator, [people.reader], title_en="E-waste identification guide")
    _document(people.coordinator, [people.reader], title_en="CITES permits manual", kind=DocumentKind.MANUAL)
    client = as_user(people.reader)

    html = _page(client, "/channel/library/", kind="manual")

    assert "CITES permits manual" in html
    assert "E-waste identification guide" not in html
    assert "CITES permits manual" not in _page(client, "/channel/library/", q="e-waste")


@pytest.mark.django_db
def test_downloading_from_the_library_page_counts(people, as_user):
    document = _document(people.coordinator, [people.reader], upload=_pdf("cfc-guide.pdf"))

    download = as_user(people.reader).get(f"/channel/library/{document.pk}/download/")

    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")
    assert 'filename="cfc-guide.pdf"' in download["Content-Disposition"]
    document.refresh_from_db()
    assert document.download_count == 1
    assert as_user(people.outsider).get(f"/channel/library/{document.pk}/download/").status_code == 404
    document.refresh_from_db()
    assert document.download_count == 1
    logged = AccessLog.objects.get()  # one row for the download, none for the refusal
    assert (logged.user, logged.action, logged.object_type, logged.object_id, logged.channel) == (
        people.reader,
        AccessLog.Action.DOWNLOAD,
        "document",
        str(document.pk),
        "page",
    )


@pytest.mark.django_db
def test_the_upload_page_is_404_for_an_officer(people, as_user):
    client = as_user(people.author)
    form = {"title_en": "Guide", "kind": "manual", "topic": "A", "audience": "everybody", "file": _pdf()}

    assert client.get("/channel/library/new/").status_code == 404
    assert client.post("/channel/library/new/", form).status_code == 404
    assert not Document.objects.exists()
    assert not StoredFile.objects.exists()


@pytest.mark.django_db
def test_a_coordinator_uploads_a_pdf_with_the_plain_form(people, as_user):
    client = as_user(people.coordinator)
    assert 'name="file"' in _page(client, "/channel/library/new/")

    response = client.post(
        "/channel/library/new/",
        {
            "title_en": "Identifying CFC cylinders",
            "title_fr": "Identifier les bouteilles de CFC",
            "kind": "identification",
            "topic": "D",
            "meas": ["MONTREAL"],
            "audience": "chosen",
            "chosen_users": people.reader.username,
            "file": _pdf("cfc-guide.pdf"),
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/channel/library/"
    document = Document.objects.get()
    assert (document.file.original_name, document.file.content_type) == ("cfc-guide.pdf", "application/pdf")
    assert set(DocumentRecipient.objects.filter(document=document).values_list("user_id", flat=True)) == {
        people.coordinator.pk,
        people.reader.pk,
    }
    assert "The document was added to the library." in _page(client, "/channel/library/")
    assert "Identifying CFC cylinders" in _page(as_user(people.reader), "/channel/library/")


@pytest.mark.django_db
def test_an_upload_of_html_is_refused_on_the_form(people, as_user):
    response = as_user(people.coordinator).post(
        "/channel/library/new/",
        {
            "title_en": "Guide",
            "kind": "manual",
            "topic": "A",
            "audience": "everybody",
            "file": _pdf("guide.pdf", b"<!doctype html><html><script>alert(1)</script></html>"),
        },
    )

    assert response.status_code == 200
    assert "This type of file is not accepted." in response.content.decode()
    assert not Document.objects.exists()


# --- E-mail settings ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_settings_page_adds_lists_and_removes_a_rule(people, as_user):
    client = as_user(people.reader)
    assert "No rules: you receive the daily digest." in _page(client, "/channel/settings/")

    added = client.post("/channel/settings/", {"kind": "post", "topic": "B", "context": "", "frequency": "immediate"})

    assert added.status_code == 302
    assert added["Location"] == "/channel/settings/"
    rule = NotificationPreference.objects.get(user=people.reader)
    assert (rule.kind, rule.topic, rule.context, rule.frequency) == ("post", "B", "", Frequency.IMMEDIATE)
    html = _page(client, "/channel/settings/")
    assert "Your e-mail preference was saved." in html
    row = re.search(r"<tr>\s*<td>New posts</td>.*?</tr>", html, re.S).group(0)
    assert "B: endangered species" in row
    assert "Every context" in row
    assert "Immediately" in row
    assert f'action="/channel/settings/{rule.pk}/delete/"' in row

    removed = client.post(f"/channel/settings/{rule.pk}/delete/")

    assert removed.status_code == 302
    assert not NotificationPreference.objects.exists()
    assert "No rules: you receive the daily digest." in _page(client, "/channel/settings/")


@pytest.mark.django_db
def test_saving_the_same_rule_again_changes_its_frequency(people, as_user):
    client = as_user(people.reader)
    client.post("/channel/settings/", {"kind": "document", "topic": "", "context": "", "frequency": "immediate"})

    client.post("/channel/settings/", {"kind": "document", "topic": "", "context": "", "frequency": "off"})

    assert list(NotificationPreference.objects.values_list("kind", "frequency")) == [("document", "off")]


@pytest.mark.django_db
def test_a_bad_rule_shows_the_error_and_saves_nothing(people, as_user):
    response = as_user(people.reader).post("/channel/settings/", {"kind": "post", "frequency": "hourly"})

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not NotificationPreference.objects.exists()


@pytest.mark.django_db
def test_nobody_removes_someone_elses_rule(people, as_user):
    rule = services.notification_preference_set(user=people.reader, frequency=Frequency.OFF)
    client = as_user(people.outsider)

    assert client.post(f"/channel/settings/{rule.pk}/delete/").status_code == 404
    assert as_user(people.reader).get(f"/channel/settings/{rule.pk}/delete/").status_code == 405
    assert NotificationPreference.objects.filter(pk=rule.pk).exists()


# --- French -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_french_user_sees_the_channel_in_french(people, make_user, client):
    french = make_user(language="fr", administration=people.reader.administration)
    _post(people.author, [french], title="Ivoire à CDG", topic="B", meas=[Mea.objects.get(code="BASEL")])
    client.force_login(french)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    html = _page(client, "/channel/")

    assert '<html lang="fr">' in html
    assert "Rechercher" in html
    assert "Accueil" in html
    assert "B : espèces menacées d&#x27;extinction" in html
    assert "Convention de Bâle" in html
    assert "Ivoire à CDG" in html


@pytest.mark.django_db
def test_switching_to_french_translates_library_titles(people, as_user):
    _document(
        people.coordinator,
        [people.reader],
        title_en="CITES permits manual",
        title_fr="Manuel des permis CITES",
        kind=DocumentKind.MANUAL,
    )
    client = as_user(people.reader)
    assert "CITES permits manual" in _page(client, "/channel/library/")

    switched = client.post("/accounts/language/", {"language": "fr", "next": "/channel/library/"})

    assert switched["Location"] == "/channel/library/"
    html = _page(client, "/channel/library/")
    assert '<html lang="fr">' in html
    assert "Manuel des permis CITES" in html
    assert "CITES permits manual" not in html
    people.reader.refresh_from_db()
    assert people.reader.language == "fr"
