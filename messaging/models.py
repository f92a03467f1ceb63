"""The communication layer: the event log (outbox), channel posts, the library and e-mail alerts.

Nothing here knows what an operation or a seizure is. Higher layers hand in events, recipient
sets and an opaque ``context`` reference (such as ``operation:12``) with its label.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reference.choices import Topic
from reference.models import Mea, localised

from .choices import (
    POST_HANDLING_CODE_HELP,
    AudienceKind,
    DocumentKind,
    FeedbackOutcome,
    Frequency,
    HandlingCode,
    NotificationKind,
    PostKind,
)


class Event(models.Model):
    """An outbox row, written in the transaction of the change it reports.

    ``id`` is allocated at insert, so concurrent transactions may commit out of order. The relay
    gives committed events a gap-free ``position`` in the order it publishes them; clients know
    events by that position and resume from the last one they saw.
    """

    position = models.BigIntegerField(_("position"), null=True, blank=True, unique=True)
    type = models.CharField(_("type"), max_length=64)
    op = models.CharField(_("operation"), max_length=32)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sequenced_at = models.DateTimeField(_("sequenced at"), null=True, blank=True)
    pushed_at = models.DateTimeField(_("pushed at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["position"], name="event_unsequenced", condition=models.Q(position__isnull=True)),
            models.Index(
                fields=["position"],
                name="event_unpushed",
                condition=models.Q(position__isnull=False, pushed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position or '-'} {self.type}.{self.op}"


class EventRecipient(models.Model):
    """Who may see an event: decided once, by the service that emitted it."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("event recipient")
        verbose_name_plural = _("event recipients")
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="eventrecipient_unique")]

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.user_id}"


class RelayCursor(models.Model):
    """A single row holding the last position given out; locking it serialises sequencing."""

    last_position = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("relay cursor")

    def __str__(self) -> str:
        return str(self.last_position)


def stored_file_path(instance: "StoredFile", filename: str) -> str:
    """Generated names only: what the uploader called the file never reaches the file system."""
    return f"uploads/{instance.uuid.hex[:2]}/{instance.uuid.hex}"


class StoredFile(models.Model):
    """An uploaded file, kept outside the web root and served only through an authorised view."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(upload_to=stored_file_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=128)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")

    def __str__(self) -> str:
        return self.original_name


class Post(models.Model):
    """A message on the channel: information, alert, feedback or request for assistance."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts", verbose_name=_("author")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=PostKind.choices, default=PostKind.INFORMATION)
    topic = models.CharField(_("topic"), max_length=1, choices=Topic.choices)
    context = models.CharField(_("context"), max_length=64, blank=True, db_index=True)
    context_label = models.CharField(_("context label"), max_length=200, blank=True)
    meas = models.ManyToManyField(Mea, blank=True, related_name="+", verbose_name=_("MEAs"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), help_text=_("Markdown"))
    body_html = models.TextField(editable=False)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies", verbose_name=_("in reply to")
    )
    root = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    due_at = models.DateTimeField(_("feedback due by"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=FeedbackOutcome.choices, blank=True)
    audience = models.CharField(_("audience"), max_length=16, choices=AudienceKind.choices)
    chosen_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    chosen_administrations = models.ManyToManyField("accounts.Administration", blank=True, related_name="+")
    chosen_units = models.ManyToManyField(
        "accounts.Unit",
        blank=True,
        related_name="posts",
        verbose_name=_("chosen units"),
        help_text=_("The post lands in every member's inbox and in the unit's shared inbox."),
    )
    handling_code = models.CharField(
        _("handling code (TLP)"),
        max_length=8,
        choices=HandlingCode.choices,
        default=HandlingCode.GREEN,
        help_text=POST_HANDLING_CODE_HELP,
    )
    attachments = models.ManyToManyField(StoredFile, blank=True, related_name="posts")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    #: Set by a higher layer that posts on behalf of something (``seizure:<id>``): one post per key, however
    #: often the task that makes it runs.
    key = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind=PostKind.FEEDBACK) | models.Q(parent__isnull=False),
                name="post_feedback_answers_a_post",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="") | models.Q(kind=PostKind.FEEDBACK), name="post_outcome_only_on_feedback"
            ),
            models.UniqueConstraint(fields=["key"], condition=~models.Q(key=""), name="post_key_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class PostRecipient(models.Model):
    """A post in one person's inbox; the recipient set alone decides inbox, push and e-mail."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(null=True, blank=True)
    sees_recipients = models.BooleanField(default=False, help_text=_("Author and coordinators of the post"))

    class Meta:
        verbose_name = _("post recipient")
        verbose_name_plural = _("post recipients")
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="postrecipient_unique")]
        indexes = [models.Index(fields=["user", "read_at"], name="postrecipient_unread")]

    def __str__(self) -> str:
        return f"{self.post_id} -> {self.user_id}"


class Document(models.Model):
    """A library document: training material, identification guide, manual, alert, legal text."""

    title_en = models.CharField(_("title (English)"), max_length=200)
    title_fr = models.CharField(_("title (French)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=DocumentKind.choices)
    topic = models.CharField(_("topic"), max_length=1, choices=Topic.choices)
    meas = models.ManyToManyField(Mea, blank=True, related_name="+", verbose_name=_("MEAs"))
    context = models.CharField(_("context"), max_length=64, blank=True, db_index=True)
    context_label = models.CharField(_("context label"), max_length=200, blank=True)
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="documents")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(_("audience"), max_length=16, choices=AudienceKind.choices)
    download_count = models.PositiveIntegerField(_("downloads"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("library document")
        verbose_name_plural = _("library documents")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return localised(self.title_en, self.title_fr)


class DocumentRecipient(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("document recipient")
        verbose_name_plural = _("document recipients")
        constraints = [models.UniqueConstraint(fields=["user", "document"], name="documentrecipient_unique")]

    def __str__(self) -> str:
        return f"{self.document_id} -> {self.user_id}"


class NotificationPreference(models.Model):
    """How a person wants e-mail about one kind, topic and/or context; blank means "any". The most specific wins."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("about"), max_length=16, choices=NotificationKind.choices, blank=True)
    topic = models.CharField(_("topic"), max_length=1, choices=Topic.choices, blank=True)
    context = models.CharField(_("context"), max_length=64, blank=True)
    frequency = models.CharField(_("frequency"), max_length=16, choices=Frequency.choices)

    class Meta:
        ordering = ["user", "context", "topic"]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "topic", "context"], name="notificationpreference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind or '*'} {self.topic or '*'} {self.context or '*'}: {self.frequency}"


class Notification(models.Model):
    """One e-mail owed to one person, rendered in their language when it is sent.

    ``key`` makes fan-out idempotent: a retried task finds the row and does not owe the mail twice.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=128)
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    frequency = models.CharField(max_length=16, choices=Frequency.choices)
    template = models.CharField(max_length=128)
    context = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    #: When a sender took it; a claim older than NOTIFICATION_CLAIM_SECONDS belongs to a sender that died.
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("e-mail notification")
        verbose_name_plural = _("e-mail notifications")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_user")]
        indexes = [models.Index(fields=["frequency", "sent_at"], name="notification_pending")]

    def __str__(self) -> str:
        return f"{self.key} -> {self.user_id}"
