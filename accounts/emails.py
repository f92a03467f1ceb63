"""E-mails about accounts, each in its recipient's language; services send them after commit."""

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import AccessRequest, User

logger = logging.getLogger(__name__)


def _send(*, template: str, address: str, language: str, context: dict[str, Any]) -> None:
    context = {**context, "site_url": settings.SITE_URL}
    with translation.override(language):
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"accounts/email/{template}.txt", context)
    EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [address]).send()


def _review_url(access_request: AccessRequest) -> str:
    return settings.SITE_URL + reverse("access-request-detail", args=[access_request.pk])


def access_request_submitted_email(*, access_request: AccessRequest, contact_points: Iterable[User]) -> None:
    for person in contact_points:
        _send(
            template="access_request_submitted",
            address=person.email,
            language=person.language,
            context={"person": person, "request": access_request, "url": _review_url(access_request)},
        )


def access_request_endorsed_email(*, access_request: AccessRequest, secretariat: Iterable[User]) -> None:
    for person in secretariat:
        _send(
            template="access_request_endorsed",
            address=person.email,
            language=person.language,
            context={"person": person, "request": access_request, "url": _review_url(access_request)},
        )


def access_request_rejected_email(*, access_request: AccessRequest) -> None:
    _send(
        template="access_request_rejected",
        address=access_request.email,
        language=access_request.language,
        context={"request": access_request},
    )


def activation_email(*, user: User, raw_token: str, hours: int) -> None:
    _send(
        template="activation",
        address=user.email,
        language=user.language,
        context={
            "user": user,
            "url": settings.SITE_URL + reverse("account-activate", args=[raw_token]),
            "hours": hours,
        },
    )


def inactivity_reminder_email(*, user: User, blocked_on: Any) -> None:
    _send(
        template="inactivity_reminder",
        address=user.email,
        language=user.language,
        context={"user": user, "blocked_on": blocked_on, "url": settings.SITE_URL + reverse("login")},
    )
