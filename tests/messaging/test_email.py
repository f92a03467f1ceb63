"""E-mail alerts reach a real SMTP server and honour each person's choice: immediately, digest or off."""

import email
import email.policy
import socket
from datetime import timedelta
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from accounts.choices import Role
from messaging import services
from messaging.choices import AudienceKind, Frequency, PostKind


class Inbox:
    """An aiosmtpd handler keeping every message it is handed."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [message for message in self.messages if message["To"] == address]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    yield inbox
    controller.stop()


def _body(message: Message) -> str:
    return message.get_content()


@pytest.fixture
def people(make_user, make_administration):
    customs = make_administration(country="FR")
    return {
        "author": make_user(role=Role.OFFICER, administration=customs),
        "now_en": make_user(role=Role.OFFICER, administration=customs),
        "now_fr": make_user(role=Role.NATIONAL_CONTACT, administration=customs, language="fr"),
        "digest": make_user(role=Role.OFFICER, administration=customs),
        "off": make_user(role=Role.OFFICER, administration=customs),
    }


def _post(author, title="Refrigerant cylinders at Le Havre", topic="D", **extra):
    return services.post_create(
        author=author,
        topic=topic,
        title=title,
        body="120 cylinders of R-22.",
        audience=AudienceKind.MY_COUNTRY,
        **extra,
    )


@pytest.mark.django_db
def test_each_person_gets_what_they_chose(smtp, people, django_capture_on_commit_callbacks):
    services.notification_preference_set(user=people["now_en"], frequency=Frequency.IMMEDIATE)
    services.notification_preference_set(user=people["now_fr"], frequency=Frequency.IMMEDIATE)
    services.notification_preference_set(user=people["digest"], frequency=Frequency.DIGEST)
    services.notification_preference_set(user=people["off"], frequency=Frequency.OFF)

    with django_capture_on_commit_callbacks(execute=True):
        _post(people["author"])
        _post(people["author"], title="Second shipment")

    assert len(smtp.to(people["now_en"].email)) == 2
    english = smtp.to(people["now_en"].email)[0]
    assert "Refrigerant cylinders at Le Havre" in english["Subject"]
    assert "posted on the channel" in _body(english)
    assert "/channel/posts/" in _body(english)
    french = smtp.to(people["now_fr"].email)[0]
    assert "a publié sur le canal" in _body(french)
    assert smtp.to(people["digest"].email) == []
    assert smtp.to(people["off"].email) == []
    assert smtp.to(people["author"].email) == []

    assert services.digests_send() == 1
    [digest] = smtp.to(people["digest"].email)
    assert "2" in digest["Subject"]
    assert "Refrigerant cylinders at Le Havre" in _body(digest)
    assert "Second shipment" in _body(digest)
    assert smtp.to(people["off"].email) == []

    assert services.digests_send() == 0
    assert services.notifications_send_pending() == 0
    assert len(smtp.messages) == 5


@pytest.mark.django_db
def test_the_most_specific_rule_wins(smtp, people, django_capture_on_commit_callbacks):
    reader = people["now_en"]
    services.notification_preference_set(user=reader, frequency=Frequency.OFF)
    services.notification_preference_set(user=reader, topic="B", frequency=Frequency.IMMEDIATE)
    services.notification_preference_set(user=reader, context="operation:3", frequency=Frequency.OFF)

    with django_capture_on_commit_callbacks(execute=True):
        _post(people["author"], title="About waste", topic="A")
        _post(people["author"], title="About ivory", topic="B")
        _post(people["author"], title="Ivory in the operation", topic="B", context="operation:3")

    subjects = [message["Subject"] for message in smtp.to(reader.email)]
    assert len(subjects) == 1
    assert subjects[0].endswith("Information: About ivory")


@pytest.mark.django_db
def test_a_retried_fan_out_sends_nothing_twice(smtp, people, django_capture_on_commit_callbacks):
    services.notification_preference_set(user=people["now_en"], frequency=Frequency.IMMEDIATE)
    with django_capture_on_commit_callbacks(execute=True):
        post = _post(people["author"])

    services.notify(
        kind="post",
        topic=post.topic,
        context="",
        user_ids=[people["now_en"].pk],
        template="messaging/email/post",
        template_context={"title": post.title, "path": "/"},
        key=f"post:{post.pk}",
    )
    services.notifications_send_pending()

    assert len(smtp.to(people["now_en"].email)) == 1


@pytest.mark.django_db
def test_feedback_due_reminds_only_administrations_that_have_not_answered(
    smtp, make_user, make_administration, django_capture_on_commit_callbacks
):
    coordinator = make_user(role=Role.COORDINATOR)
    ng = make_user(administration=make_administration(country="NG"))
    gh = make_user(administration=make_administration(country="GH"))
    for person in (coordinator, ng, gh):
        services.notification_preference_set(user=person, kind="feedback_due", frequency=Frequency.IMMEDIATE)
        services.notification_preference_set(user=person, kind="post", frequency=Frequency.OFF)
    alert = services.post_create(
        author=coordinator,
        kind=PostKind.ALERT,
        topic="A",
        title="Suspect WEEE container to Tema and Lagos",
        body="Please check container MSCU1234565 and report.",
        audience=AudienceKind.CHOSEN,
        chosen_users=[ng, gh],
        due_at=timezone.now() + timedelta(hours=6),
    )
    services.post_reply(author=gh, parent=alert, kind=PostKind.FEEDBACK, outcome="negative", body="Nothing found.")

    with django_capture_on_commit_callbacks(execute=True):
        services.feedback_reminders_send()
    with django_capture_on_commit_callbacks(execute=True):
        services.feedback_reminders_send()

    reminded = [message["To"] for message in smtp.messages if "Suspect WEEE" in message["Subject"]]
    assert reminded == [ng.email]
