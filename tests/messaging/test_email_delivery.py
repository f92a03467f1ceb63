"""Immediate e-mail survives a sender that dies or a server that refuses: each one is sent, and once."""

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller

from accounts.choices import Role
from messaging import services
from messaging.choices import Frequency
from messaging.models import Notification


class Server:
    """An SMTP server that refuses some addresses and keeps what it accepts."""

    def __init__(self) -> None:
        self.refused: set[str] = set()
        self.attempts: list[str] = []
        self.accepted: list[tuple[str, str]] = []

    async def handle_RCPT(self, server, session, envelope, address, options):
        self.attempts.append(address)
        if address in self.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.accepted += [(recipient, str(message["Message-ID"])) for recipient in envelope.rcpt_tos]
        return "250 OK"


@pytest.fixture
def smtp(settings):
    server = Server()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    yield server
    controller.stop()


def _owe(users, key="post:1"):
    for user in users:
        services.notification_preference_set(user=user, frequency=Frequency.IMMEDIATE)
    services.notify(
        kind="post",
        topic="D",
        context="",
        user_ids=[user.pk for user in users],
        template="messaging/email/post",
        template_context={"title": "Refrigerant cylinders at Le Havre", "path": "/"},
        key=key,
    )
    return {n.user_id: n for n in Notification.objects.filter(key=key)}


@pytest.mark.django_db
def test_an_address_the_server_refuses_holds_back_nobody_and_is_given_up(smtp, make_user, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    gone, reader = make_user(role=Role.OFFICER), make_user(role=Role.OFFICER)
    smtp.refused.add(gone.email)
    _owe([gone, reader])

    assert services.notifications_send_pending() == 1
    assert [recipient for recipient, _ in smtp.accepted] == [reader.email]
    for _sweep in range(5):
        services.notifications_send_pending()

    assert smtp.attempts.count(gone.email) == 3
    refused = Notification.objects.get(user=gone)
    assert (refused.sent_at, refused.attempts, refused.claimed_at) == (None, 3, None)
    assert len(smtp.accepted) == 1


@pytest.mark.django_db
def test_an_e_mail_claimed_by_a_sender_that_died_is_sent_once_when_the_claim_expires(smtp, make_user, settings):
    reader = make_user(role=Role.OFFICER)
    notification = _owe([reader])[reader.pk]
    assert services._notification_claim(notification.pk) is not None  # then the worker was killed

    assert services.notifications_send_pending() == 0  # the claim is fresh: another sender keeps off
    assert smtp.accepted == []

    settings.NOTIFICATION_CLAIM_SECONDS = 0
    assert services.notifications_send_pending() == 1
    assert services.notifications_send_pending() == 0

    assert smtp.accepted == [(reader.email, services.notification_message_id(notification))]
    notification.refresh_from_db()
    assert notification.sent_at is not None
    assert notification.attempts == 2


@pytest.mark.django_db
def test_each_e_mail_has_its_own_message_id(smtp, make_user):
    first, second = make_user(role=Role.OFFICER), make_user(role=Role.OFFICER)
    owed = _owe([first, second])

    services.notifications_send_pending()

    assert sorted(smtp.accepted) == sorted(
        (user.email, services.notification_message_id(owed[user.pk])) for user in (first, second)
    )
    assert len({message_id for _, message_id in smtp.accepted}) == 2
