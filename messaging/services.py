"""Every write of the communication layer: events, posts, library documents, e-mail notifications.

Callers choose the recipients: which people may learn of something is a security decision taken
by the layer that knows what the thing is. Messaging records it and honours it everywhere.
"""

import asyncio
import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMultiAlternatives
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import policy
from accounts.audit import audit_record, audit_snapshot, personal_digest
from accounts.models import AccessLog, Administration, Unit, User
from accounts.services import access_log_record
from opsplatform.broker import broker_schedule
from opsplatform.errors import field_error
from opsplatform.metrics import EVENTS_RELAYED
from opsplatform.rows import ids_reserve, rows_copy
from reference.models import Mea

from . import selectors, streams
from .choices import AudienceKind, DocumentKind, Frequency, HandlingCode, NotificationKind, PostKind
from .models import (
    Document,
    DocumentRecipient,
    Event,
    EventRecipient,
    Notification,
    NotificationPreference,
    Post,
    PostRecipient,
    RelayCursor,
    StoredFile,
)
from .rendering import render_markdown
from .streams import user_group
from .uploads import UploadUse, upload_check

logger = logging.getLogger(__name__)

#: Audiences a person may choose; ``explicit`` is reserved to higher layers.
CHOOSABLE_AUDIENCES = [AudienceKind.ALL_CUSTOMS, AudienceKind.MY_COUNTRY, AudienceKind.EVERYBODY, AudienceKind.CHOSEN]
LIBRARY_ROLES = list(policy.roles_for("document.upload"))


# --- Event log --------------------------------------------------------------------------------


def event_emit(*, type: str, op: str, payload: dict[str, Any], recipients: Iterable[int]) -> Event:
    """Record an event in the caller's transaction; it is published only once that transaction commits.

    ``payload`` goes to every recipient as it is: put in it only what all of them may see.
    """
    with transaction.atomic():
        event = Event.objects.create(type=type, op=op, payload=payload)
        EventRecipient.objects.bulk_create(
            [EventRecipient(event=event, user_id=user_id) for user_id in sorted(set(recipients))], batch_size=1000
        )
        if not any(entry[1] is _schedule_relay for entry in connection.run_on_commit):
            transaction.on_commit(_schedule_relay)  # once per commit: one relay publishes all its events
    return event


def events_emit_many(*, events: Sequence[tuple[str, str, dict[str, Any], Iterable[int]]]) -> int:
    """Record many events, each ``(type, op, payload, recipients)`` as ``event_emit`` takes it, in the
    caller's transaction and in the order given; returns how many.

    The same rows as ``event_emit`` for each in turn, written with ``COPY`` (one relay after commit
    publishes them all): for an import of thousands of seizures, each announced on its own.
    """
    if not events:
        return 0
    now = timezone.now()
    first = ids_reserve(Event, len(events))
    with transaction.atomic():
        rows_copy(
            Event,
            ("id", "type", "op", "payload", "created_at"),
            ((first + index, type_, op, json.dumps(payload, cls=DjangoJSONEncoder), now)
             for index, (type_, op, payload, _recipients) in enumerate(events)),
        )  # fmt: skip
        rows_copy(
            EventRecipient,
            ("event_id", "user_id"),
            ((first + index, user_id) for index, event in enumerate(events) for user_id in sorted(set(event[3]))),
        )
        if not any(entry[1] is _schedule_relay for entry in connection.run_on_commit):
            transaction.on_commit(_schedule_relay)
    return len(events)


def _schedule_relay() -> None:
    """Ask a worker to relay now. If the broker is down the periodic sweep relays later; nothing is lost."""
    from .tasks import relay_events

    broker_schedule(relay_events)


def events_sequence(*, limit: int = 1000) -> int:
    """Give committed events their gap-free positions, in id order, under the cursor lock."""
    with transaction.atomic():
        cursor, _created = RelayCursor.objects.select_for_update().get_or_create(pk=1)
        pending = list(Event.objects.filter(position__isnull=True).order_by("id")[:limit])
        now = timezone.now()
        for offset, event in enumerate(pending, start=1):
            event.position = cursor.last_position + offset
            event.sequenced_at = now
        Event.objects.bulk_update(pending, ["position", "sequenced_at"], batch_size=500)
        cursor.last_position += len(pending)
        cursor.save(update_fields=["last_position"])
    return len(pending)


def events_push(*, limit: int = 500) -> int:
    """Publish sequenced events to their recipients' streams, in position order, and mark them pushed.

    A failure part-way leaves them unmarked, so they are pushed again: clients drop repeats by id.
    An event for many people is sent once to all streams, which pick out their own (``messaging.streams``).
    A stream owed more than ``PUSH_CATCH_UP_AFTER`` events of the batch (a backlog after an outage) gets one
    catch-up message instead, and its open connections read those events from the database themselves: one
    message per event and recipient (an operation's filing goes to some sixty people) took minutes to push a
    backlog through Redis, while most of those streams had nobody connected. Such a stream is left out of the
    batch's events, and drops any it still receives at or below what it has sent.
    One pusher at a time: two workers pushing consecutive batches at once interleave them on a stream, and a
    client that keeps the highest id seen would drop the rest of the earlier batch. A worker that finds another
    pushing returns at once (that one's relay goes on until nothing is left). A send to a Redis that stopped
    answering gives up after ``EVENT_PUSH_TIMEOUT_SECONDS``, so it never holds the push for longer.
    """
    layer = get_channel_layer()
    with transaction.atomic():
        if not _push_lock_taken():
            return 0
        events = list(
            Event.objects.select_for_update(skip_locked=True)
            .filter(position__isnull=False, pushed_at__isnull=True)
            .order_by("position")[:limit]
        )
        if not events:
            return 0
        recipients: dict[int, list[int]] = defaultdict(list)
        for event_id, user_id in EventRecipient.objects.filter(event__in=events).values_list("event_id", "user_id"):
            recipients[event_id].append(user_id)
        owed: dict[int, list[int]] = defaultdict(list)
        for event in events:
            for user_id in recipients[event.pk]:
                owed[user_id].append(event.position or 0)  # pushed events are sequenced
        catching_up = {user_id: ids[0] - 1 for user_id, ids in owed.items() if len(ids) > PUSH_CATCH_UP_AFTER}

        async def send(group: str, message: dict[str, Any]) -> None:
            await asyncio.wait_for(layer.group_send(group, message), settings.EVENT_PUSH_TIMEOUT_SECONDS)

        async def send_all() -> None:
            # Personal sends go stream by stream in position order, the streams side by side, as a backlog's pushes
            # would otherwise take one round trip per event and recipient (a thousand events to a dozen people:
            # minutes). At most PUSH_STREAMS_AT_ONCE at a time: each holds a connection of the channel layer's
            # pool, which waits for a free one past its size.
            room = asyncio.Semaphore(PUSH_STREAMS_AT_ONCE)
            by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)

            async def send_in_order(group: str, messages: list[dict[str, Any]]) -> None:
                async with room:
                    for message in messages:
                        await send(group, message)

            async def send_gathered() -> None:
                await asyncio.gather(*(send_in_order(group, messages) for group, messages in by_group.items()))
                by_group.clear()

            for user_id, after in catching_up.items():
                by_group[user_group(user_id)].append({"type": "stream.catch_up", "after": after})
            await send_gathered()
            for event in events:
                message = selectors.event_as_message(event)
                people = [user_id for user_id in recipients[event.pk] if user_id not in catching_up]
                if not streams.is_broadcast(len(people)):
                    for user_id in people:
                        by_group[user_group(user_id)].append(streams.personal_message(message))
                    continue
                # What comes before it reaches the streams first, so that each stream's events stay in order.
                await send_gathered()
                await send(streams.ALL_STREAMS, streams.broadcast_message(message, people))
            await send_gathered()

        async_to_sync(send_all)()
        Event.objects.filter(pk__in=[event.pk for event in events]).update(pushed_at=timezone.now())
    EVENTS_RELAYED.inc(len(events))
    return len(events)


#: Recipients' streams sent to at the same time by one push.
PUSH_STREAMS_AT_ONCE = 32

#: Past this many events of one push for a stream, the stream is told to catch up from the database instead.
PUSH_CATCH_UP_AFTER = 10

#: The PostgreSQL advisory lock of the pusher (any number of this database's own choosing).
PUSH_LOCK = 7_020_451


def _push_lock_taken() -> bool:
    """Take the push lock for the current transaction, unless another pusher holds it. SQLite, which lets one
    writer at a time, has no such lock: its pushers run within requests (eager tasks) one after the other."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [PUSH_LOCK])
        row = cursor.fetchone()
    return bool(row and row[0])


def events_relay() -> int:
    """Sequence and push everything pending. Safe to run from several workers at once."""
    pushed = 0
    while True:
        sequenced = events_sequence()
        batch = events_push()
        pushed += batch
        if not sequenced and not batch:
            return pushed


# --- Files ------------------------------------------------------------------------------------


def stored_file_create(*, uploader: User, upload: UploadedFile, use: UploadUse = UploadUse.ATTACHMENT) -> StoredFile:
    """Keep an upload under a generated name, once its bytes passed the checks of its use."""
    checked = upload_check(upload, use=use)
    stored = StoredFile(
        original_name=(upload.name or "file")[-255:],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=uploader,
    )
    stored.file.save("upload", upload, save=False)
    stored.save()
    return stored


def stored_file_write(*, owner: User, name: str, content: bytes, content_type: str) -> StoredFile:
    """Keep a file the platform generated itself (a report), served through the same guarded views as uploads."""
    stored = StoredFile(
        original_name=name[-255:],
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=owner,
    )
    stored.file.save("generated", ContentFile(content), save=False)
    stored.save()
    return stored


def _attachments_store(uploader: User, uploads: Sequence[UploadedFile]) -> list[StoredFile]:
    """Store a post's attachments; a refused file is reported under ``attachments``."""
    try:
        return [stored_file_create(uploader=uploader, upload=upload) for upload in uploads]
    except ValidationError as error:
        raise ValidationError({"attachments": error.messages}, code="attachment") from None


# --- Posts ------------------------------------------------------------------------------------


def _post_payload(post: Post) -> dict[str, Any]:
    author = post.author
    return {
        "id": post.pk,
        "kind": post.kind,
        "topic": post.topic,
        "title": post.title,
        "context": post.context,
        "context_label": post.context_label,
        "author": author.get_full_name() or author.username,
        "author_id": author.pk,
        "administration": author.administration.name if author.administration else "",
        "parent": post.parent_id,
        "root": post.root_id,
        "handling_code": post.handling_code,
        "due_at": post.due_at.isoformat() if post.due_at else None,
        "created_at": post.created_at.isoformat(),
    }


AUDITED_POST = (
    "author", "kind", "topic", "title", "language", "audience", "context", "context_label", "parent", "root",
    "due_at", "outcome", "meas", "chosen_users", "chosen_administrations", "chosen_units", "attachments",
    "handling_code",
)  # fmt: skip
#: Audiences beyond the author's own organisations, which TLP:AMBER does not allow.
WIDE_AUDIENCES = [AudienceKind.EVERYBODY, AudienceKind.ALL_CUSTOMS]


def post_check_handling(*, handling_code: str, audience: str, parent: Post | None = None) -> None:
    """Refuse an audience wider than the TLP code allows, and a reply wider than the post it answers.

    TLP:RED goes to chosen recipients only (or to the recipients a higher layer computed); TLP:AMBER to
    the author's own organisations, so neither everybody nor all customs officers; GREEN and CLEAR anywhere.
    """
    if handling_code not in HandlingCode.values:
        raise field_error("handling_code", _("Choose a TLP code."), "invalid_choice")
    if parent is not None and HandlingCode.rank(handling_code) < HandlingCode.rank(parent.handling_code):
        raise field_error(
            "handling_code",
            _("A reply cannot be shared more widely than the post it answers (%(code)s).")
            % {"code": HandlingCode(parent.handling_code).tlp},
            "wider_than_parent",
        )
    if handling_code == HandlingCode.RED and audience not in (AudienceKind.CHOSEN, AudienceKind.EXPLICIT):
        raise field_error("audience", _("A TLP:RED post goes to chosen recipients only."), "handling_code_red")
    if handling_code == HandlingCode.AMBER and audience in WIDE_AUDIENCES:
        raise field_error(
            "audience",
            _("A TLP:AMBER post stays within your own organisations: not everybody nor all customs officers."),
            "handling_code_amber",
        )


AUDITED_DOCUMENT = (
    "title_en", "title_fr", "kind", "topic", "audience", "context", "context_label", "file", "uploaded_by", "meas",
)  # fmt: skip


def _audit_post(post: Post) -> None:
    """A post is recorded with a digest of its body: the trail shows that it was written, not what it says."""
    after = {**audit_snapshot(post, AUDITED_POST), "body": personal_digest({"body": post.body})}
    audit_record(
        actor=post.author, action="create", obj=post, reference=post.title,
        administration=post.author.administration_id, after=after,
    )  # fmt: skip


def _audit_document(user: User, action: str, document: Document, before: dict[str, Any] | None) -> None:
    after = {
        **audit_snapshot(document, AUDITED_DOCUMENT),
        "file_name": document.file.original_name,
        "file_sha256": document.file.sha256,
    }
    audit_record(
        actor=user, action=action, obj=document, reference=document.title_en,
        administration=user.administration_id, before=before, after=after,
    )  # fmt: skip


def _check_can_post(author: User) -> None:
    if not author.is_active:
        raise ValidationError(_("This account is disabled."), code="inactive")
    if not policy.allows("post.create", user=author):
        raise PermissionDenied(_("Observers can read the channel but not post to it."))


def _deliver_post(
    post: Post, recipients: set[int], managers: set[int], notification_kind: str = NotificationKind.POST
) -> None:
    now = timezone.now()
    PostRecipient.objects.bulk_create(
        [
            PostRecipient(
                post=post,
                user_id=user_id,
                read_at=now if user_id == post.author_id else None,
                sees_recipients=user_id in managers,
            )
            for user_id in sorted(recipients)
        ],
        batch_size=1000,
    )
    event_emit(type="post", op="add", payload=_post_payload(post), recipients=recipients)
    notify(
        kind=notification_kind,
        topic=post.topic,
        context=post.context,
        user_ids=recipients - {post.author_id},
        template="messaging/email/post",
        template_context={
            # What leaves the platform for mailboxes: TLP:RED and AMBER content stays on the platform.
            "title": post.title if post.handling_code != HandlingCode.RED else "",
            "withheld": post.handling_code in (HandlingCode.RED, HandlingCode.AMBER),
            "tlp": HandlingCode(post.handling_code).tlp,
            "author": post.author.get_full_name() or post.author.username,
            "administration": post.author.administration.name if post.author.administration else "",
            "topic": post.topic,
            "kind": post.kind,
            "context_label": post.context_label,
            "excerpt": post.body[:600] if post.handling_code not in (HandlingCode.RED, HandlingCode.AMBER) else "",
            "due_at": post.due_at.isoformat() if post.due_at else "",
            "path": reverse("channel-post", args=[post.root_id or post.pk]),
        },
        key=f"post:{post.pk}",
    )


@transaction.atomic
def post_create(
    *,
    author: User,
    topic: str,
    title: str,
    body: str,
    audience: str,
    kind: str = PostKind.INFORMATION,
    language: str | None = None,
    chosen_users: Sequence[User] = (),
    chosen_administrations: Sequence[Administration] = (),
    chosen_units: Sequence[Unit] = (),
    recipients: Iterable[int] | None = None,
    managers: Iterable[int] = (),
    context: str = "",
    context_label: str = "",
    meas: Sequence[Mea] = (),
    due_at: datetime | None = None,
    attachments: Sequence[UploadedFile] = (),
    notification_kind: str = NotificationKind.POST,
    handling_code: str = HandlingCode.GREEN,
    key: str = "",
) -> Post:
    """Post to the channel. A higher layer passes ``audience=explicit`` with ``recipients`` and the
    ``managers`` (its coordinators) who, with the author, may see the recipient list, and may file
    the e-mail under another ``notification_kind`` (a filed seizure is e-mailed as a seizure).

    With a ``key``, posting again returns the post made the first time: a task retried or run twice makes one
    post, one delivery and one e-mail per person."""
    if key:
        existing = Post.objects.filter(key=key).first()
        if existing is not None:
            return existing
    _check_can_post(author)
    if audience == AudienceKind.EXPLICIT and recipients is None:
        raise field_error("audience", _("Choose who receives this post."), "invalid_choice")
    if audience != AudienceKind.EXPLICIT and audience not in CHOOSABLE_AUDIENCES:
        raise field_error("audience", _("Choose who receives this post."), "invalid_choice")
    if kind == PostKind.FEEDBACK:
        raise field_error("kind", _("Feedback answers an alert: reply to it."), "feedback_is_reply")
    if kind not in PostKind.values:
        raise field_error("kind", _("Unknown kind of post."), "invalid_choice")
    if due_at is not None and due_at <= timezone.now():
        raise field_error("due_at", _("The feedback date must be in the future."), "past")
    if due_at is not None and kind not in (PostKind.ALERT, PostKind.REQUEST):
        raise field_error("due_at", _("Only alerts and requests for assistance ask for feedback by a date."), "due_at")
    post_check_handling(handling_code=handling_code, audience=audience)
    context_label = context_label or context
    user_ids = selectors.audience_user_ids(
        sender=author,
        kind=audience,
        users=[user.pk for user in chosen_users],
        administrations=[administration.pk for administration in chosen_administrations],
        units=[unit.pk for unit in chosen_units],
        explicit=recipients,
    )
    post = Post(
        author=author,
        kind=kind,
        topic=topic,
        title=title.strip(),
        body=body.strip(),
        body_html=render_markdown(body.strip()),
        language=language or author.language,
        audience=audience,
        context=context,
        context_label=context_label,
        due_at=due_at,
        handling_code=handling_code,
        key=key,
    )
    post.full_clean(exclude=["body_html", "root", "parent"])
    post.save()
    # A new post has no relations yet: only what there is to add is written (each empty set() reads twice).
    for relation, items in (
        (post.meas, meas),
        (post.chosen_users, chosen_users),
        (post.chosen_administrations, chosen_administrations),
        (post.chosen_units, chosen_units),
        (post.attachments, _attachments_store(author, attachments)),
    ):
        if items:
            relation.add(*items)
    _audit_post(post)
    _deliver_post(post, user_ids, managers={author.pk, *managers} & user_ids, notification_kind=notification_kind)
    return post


@transaction.atomic
def post_reply(
    *,
    author: User,
    parent: Post,
    body: str,
    kind: str = PostKind.INFORMATION,
    outcome: str = "",
    title: str = "",
    attachments: Sequence[UploadedFile] = (),
    handling_code: str | None = None,
) -> Post:
    """Answer a post in its thread; the reply reaches everyone the thread's first post reached, and the
    current members of the units it was addressed to.

    It keeps the TLP code of the post it answers unless a stricter one is given; never a wider one.
    """
    _check_can_post(author)
    root = parent.root or parent
    # The caller found ``parent`` through a selector; this re-checks it under the same rule.
    selectors.post_get(user=author, post_id=parent.pk)
    if kind == PostKind.FEEDBACK:
        if root.kind not in (PostKind.ALERT, PostKind.REQUEST):
            raise field_error("kind", _("Feedback answers an alert or a request for assistance."), "feedback_target")
        if not outcome:
            raise field_error("outcome", _("Give the outcome of your checks."), "required")
    elif outcome:
        raise field_error("outcome", _("Only feedback has an outcome."), "outcome")
    if kind not in (PostKind.INFORMATION, PostKind.FEEDBACK):
        raise field_error("kind", _("A reply is information or feedback."), "invalid_choice")
    handling_code = handling_code or parent.handling_code
    post_check_handling(handling_code=handling_code, audience=root.audience, parent=parent)
    if parent.pk != root.pk:
        post_check_handling(handling_code=handling_code, audience=root.audience, parent=root)
    post = Post(
        author=author,
        kind=kind,
        topic=root.topic,
        title=(title.strip() or _("Re: %(title)s") % {"title": root.title})[:200],
        body=body.strip(),
        body_html=render_markdown(body.strip()),
        language=author.language,
        audience=root.audience,
        context=root.context,
        context_label=root.context_label,
        parent=parent,
        root=root,
        outcome=outcome,
        handling_code=handling_code,
    )
    post.full_clean(exclude=["body_html", "root", "parent"])
    post.save()
    post.meas.set(root.meas.all())
    post.attachments.set(_attachments_store(author, attachments))
    _audit_post(post)
    deliveries = PostRecipient.objects.filter(post=root)
    recipients = set(deliveries.values_list("user_id", flat=True))
    # Those on shift now, in the units the thread was addressed to, hear of the reply too.
    recipients |= set(
        User.objects.filter(units__in=root.chosen_units.all(), is_active=True).values_list("id", flat=True)
    )
    managers = set(deliveries.filter(sees_recipients=True).values_list("user_id", flat=True))
    _deliver_post(post, recipients, managers)
    return post


def post_forward(
    *,
    author: User,
    post: Post,
    audience: str,
    note: str = "",
    chosen_users: Sequence[User] = (),
    chosen_administrations: Sequence[Administration] = (),
    chosen_units: Sequence[Unit] = (),
    handling_code: str | None = None,
) -> Post:
    """Pass a post on to other people as a new post quoting it, under its code or a stricter one.

    A TLP:RED post is not passed on beyond its recipients, except by its author; a TLP:AMBER one only
    within the forwarder's own administration, except by its author; the new audience must fit the code
    as for any post.
    """
    selectors.post_get(user=author, post_id=post.pk)
    handling_code = handling_code or post.handling_code
    post_check_handling(handling_code=handling_code, audience=audience, parent=post)
    if post.handling_code == HandlingCode.RED and post.author_id != author.pk:
        raise field_error(
            "handling_code", _("A TLP:RED post stays with the people it was sent to."), "red_not_forwarded"
        )
    if handling_code == HandlingCode.AMBER and post.author_id != author.pk:
        _check_within_own_administration(
            author=author,
            audience=audience,
            chosen_users=chosen_users,
            chosen_administrations=chosen_administrations,
            chosen_units=chosen_units,
        )
    quoted = "\n".join(f"> {line}" for line in post.body.splitlines())
    body = "\n\n".join(
        part
        for part in (
            note.strip(),
            _("Forwarded from %(author)s:") % {"author": post.author.get_full_name() or post.author.username},
            quoted,
        )
        if part
    )
    return post_create(
        author=author,
        kind=post.kind if post.kind != PostKind.FEEDBACK else PostKind.INFORMATION,
        topic=post.topic,
        title=(_("Fwd: %(title)s") % {"title": post.title})[:200],
        body=body,
        audience=audience,
        chosen_users=chosen_users,
        chosen_administrations=chosen_administrations,
        chosen_units=chosen_units,
        meas=list(post.meas.all()),
        handling_code=handling_code,
    )


def _check_within_own_administration(
    *,
    author: User,
    audience: str,
    chosen_users: Sequence[User],
    chosen_administrations: Sequence[Administration],
    chosen_units: Sequence[Unit],
) -> None:
    """TLP:AMBER passed on by a recipient stays in the recipient's own organisation (need to know)."""
    own = author.administration_id
    within = (
        audience == AudienceKind.CHOSEN
        and own is not None
        and all(user.administration_id == own for user in chosen_users)
        and all(administration.pk == own for administration in chosen_administrations)
        and all(unit.administration_id == own for unit in chosen_units)
    )
    if not within:
        raise field_error(
            "audience",
            _(
                "A TLP:AMBER post you received may be passed on only to chosen people or units of your own "
                "administration."
            ),
            "amber_outside_administration",
        )


def post_mark_read(*, user: User, posts: Iterable[Post], read: bool = True) -> None:
    deliveries = PostRecipient.objects.filter(post__in=[post.pk for post in posts], user=user)
    if read:
        deliveries.filter(read_at__isnull=True).update(read_at=timezone.now())
    else:
        deliveries.update(read_at=None)


# --- Library ----------------------------------------------------------------------------------


@transaction.atomic
def document_upload(
    *,
    uploader: User,
    title_en: str,
    kind: str,
    topic: str,
    upload: UploadedFile,
    audience: str,
    title_fr: str = "",
    meas: Sequence[Mea] = (),
    chosen_users: Sequence[User] = (),
    chosen_administrations: Sequence[Administration] = (),
    recipients: Iterable[int] | None = None,
    context: str = "",
    context_label: str = "",
) -> Document:
    """Add a document to the library, for the secretariat and coordinators only."""
    if uploader.role not in LIBRARY_ROLES:
        raise PermissionDenied(_("Only the secretariat and coordinators add documents to the library."))
    if kind not in DocumentKind.values:
        raise field_error("kind", _("Unknown kind of document."), "invalid_choice")
    if audience not in CHOOSABLE_AUDIENCES and not (audience == AudienceKind.EXPLICIT and recipients is not None):
        raise field_error("audience", _("Choose who receives this document."), "invalid_choice")
    user_ids = selectors.audience_user_ids(
        sender=uploader,
        kind=audience,
        users=[user.pk for user in chosen_users],
        administrations=[administration.pk for administration in chosen_administrations],
        explicit=recipients,
    )
    document = Document(
        title_en=title_en.strip(),
        title_fr=title_fr.strip(),
        kind=kind,
        topic=topic,
        audience=audience,
        context=context,
        context_label=context_label or context,
        uploaded_by=uploader,
        file=stored_file_create(uploader=uploader, upload=upload, use=UploadUse.DOCUMENT),
    )
    document.full_clean()
    document.save()
    document.meas.set(meas)
    _audit_document(uploader, "create", document, None)
    DocumentRecipient.objects.bulk_create(
        [DocumentRecipient(document=document, user_id=user_id) for user_id in sorted(user_ids)], batch_size=1000
    )
    event_emit(
        type="document",
        op="add",
        payload={
            "id": document.pk,
            "title_en": document.title_en,
            "title_fr": document.title_fr,
            "kind": document.kind,
            "topic": document.topic,
            "context": document.context,
        },
        recipients=user_ids,
    )
    notify(
        kind=NotificationKind.DOCUMENT,
        topic=topic,
        context=context,
        user_ids=user_ids - {uploader.pk},
        template="messaging/email/document",
        template_context={
            "title_en": document.title_en,
            "title_fr": document.title_fr,
            "kind": document.kind,
            "topic": document.topic,
            "path": reverse("channel-library"),
        },
        key=f"document:{document.pk}",
    )
    return document


def document_record_download(*, user: User, document: Document, channel: str) -> None:
    """Count the download and account for it in the access log: one row per download."""
    Document.objects.filter(pk=document.pk).update(download_count=F("download_count") + 1)
    access_log_record(
        user=user,
        object_type="document",
        objects=[(str(document.pk), document.title[:128])],
        action=AccessLog.Action.DOWNLOAD,
        channel=channel,
    )


def stored_file_record_download(*, user: User, stored: StoredFile, channel: str) -> None:
    """Account for an attachment handed out: one access-log row per download."""
    access_log_record(
        user=user,
        object_type="file",
        objects=[(str(stored.uuid), stored.original_name[:128])],
        action=AccessLog.Action.DOWNLOAD,
        channel=channel,
    )


# --- E-mail notifications ---------------------------------------------------------------------


def notify(
    *,
    kind: str,
    topic: str,
    context: str,
    user_ids: Iterable[int],
    template: str,
    template_context: dict[str, Any],
    key: str,
) -> int:
    """Owe each person an e-mail as their preferences say: now, in tomorrow's digest, or not at all.

    ``template`` names a pair ``<template>_subject.txt`` / ``<template>.txt`` rendered per recipient
    in their language at sending time. A bulk operation calls this once with a summary template.
    """
    frequencies = selectors.notification_frequencies(user_ids=user_ids, kind=kind, topic=topic, context=context)
    owed = [
        Notification(
            user_id=user_id,
            key=key,
            kind=kind,
            frequency=frequency,
            template=template,
            context=template_context,
        )
        for user_id, frequency in frequencies.items()
        if frequency != Frequency.OFF
    ]
    Notification.objects.bulk_create(owed, ignore_conflicts=True, batch_size=1000)
    if any(item.frequency == Frequency.IMMEDIATE for item in owed):
        transaction.on_commit(lambda: _schedule_immediate(key))
    return len(owed)


def _schedule_immediate(key: str) -> None:
    from .tasks import send_notifications

    broker_schedule(send_notifications, kwargs={"key": key})  # if not, the periodic sweep sends it


def _render(notification: Notification) -> tuple[str, str]:
    context = {**notification.context, "user": notification.user, "site_url": settings.SITE_URL}
    subject = render_to_string(f"{notification.template}_subject.txt", context).strip()
    body = render_to_string(f"{notification.template}.txt", context)
    return subject, body


def notification_message_id(notification: Notification) -> str:
    """The same Message-ID on every attempt: a copy sent again after a sender died is the same message."""
    domain = urlsplit(settings.SITE_URL).hostname or "opsplatform"
    return f"<notification.{notification.pk}.{notification.user_id}@{domain}>"


def _notification_claim(notification_id: int) -> Notification | None:
    """Take one unsent immediate e-mail for sending, in its own committed write.

    Nothing stays locked while the SMTP server is talked to: a fresh claim keeps other senders off;
    the claim of a sender that died (killed, machine lost) expires after ``NOTIFICATION_CLAIM_SECONDS``
    and the e-mail is sent again. Attempts are bounded, so an address the server refuses is given up.
    """
    now = timezone.now()
    expired = now - timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS)
    claimed = (
        Notification.objects.filter(
            pk=notification_id,
            sent_at__isnull=True,
            frequency=Frequency.IMMEDIATE,
            attempts__lt=settings.NOTIFICATION_MAX_ATTEMPTS,
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=expired))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    return Notification.objects.select_related("user").get(pk=notification_id)


def notification_send(*, notification_id: int) -> bool:
    """Send one immediate e-mail: claimed, then sent, then marked sent, each step committed at once.

    A sender killed before the server accepted the message leaves a claim that expires, and the mail is
    sent then; the only window for a second copy is between the server's acceptance and the marker, a
    few milliseconds, and that copy carries the same Message-ID. A refused or failed send releases the
    claim for the next sweep and never stops the e-mails after it.
    """
    notification = _notification_claim(notification_id)
    if notification is None:
        return False
    user = notification.user
    try:
        with translation.override(user.language):
            subject, body = _render(notification)
        headers = {"Message-ID": notification_message_id(notification)}
        EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], headers=headers).send()
    except Exception:
        Notification.objects.filter(pk=notification.pk, claimed_at=notification.claimed_at).update(claimed_at=None)
        given_up = notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        logger.warning(
            "e-mail %s to user %s failed (attempt %s%s)",
            notification.key,
            user.pk,
            notification.attempts,
            ", given up" if given_up else "",
            exc_info=True,
        )
        return False
    Notification.objects.filter(pk=notification.pk).update(sent_at=timezone.now())
    return True


def notifications_send_pending(*, key: str | None = None) -> int:
    """Send what is owed now (one fan-out, or everything the periodic sweep finds). Safe to run twice."""
    pending = Notification.objects.filter(
        sent_at__isnull=True, frequency=Frequency.IMMEDIATE, attempts__lt=settings.NOTIFICATION_MAX_ATTEMPTS
    )
    if key is not None:
        pending = pending.filter(key=key)
    return sum(notification_send(notification_id=pk) for pk in list(pending.values_list("pk", flat=True)))


def digests_send() -> int:
    """One e-mail per person gathering everything owed to their daily digest."""
    sent = 0
    user_ids = (
        Notification.objects.filter(sent_at__isnull=True, frequency=Frequency.DIGEST)
        .values_list("user_id", flat=True)
        .distinct()
    )
    for user_id in list(user_ids):
        with transaction.atomic():
            items = list(
                Notification.objects.select_for_update(skip_locked=True)
                .select_related("user")
                .filter(user_id=user_id, sent_at__isnull=True, frequency=Frequency.DIGEST)
                .order_by("created_at", "id")
            )
            if not items:
                continue
            user = items[0].user
            with translation.override(user.language):
                entries = [_render(item) for item in items]
                subject = ngettext(
                    "Your opsplatform digest: %(count)s new item",
                    "Your opsplatform digest: %(count)s new items",
                    len(entries),
                ) % {"count": len(entries)}
                body = render_to_string(
                    "messaging/email/digest.txt", {"user": user, "entries": entries, "site_url": settings.SITE_URL}
                )
            EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
            Notification.objects.filter(pk__in=[item.pk for item in items]).update(sent_at=timezone.now())
            sent += 1
    return sent


def feedback_reminders_send() -> int:
    """Remind administrations that have not yet answered an alert whose feedback falls due within a day."""
    owed = 0
    for alert in selectors.feedback_due_alerts():
        owed += notify(
            kind=NotificationKind.FEEDBACK_DUE,
            topic=alert.topic,
            context=alert.context,
            user_ids=selectors.users_owing_feedback(post=alert).values_list("id", flat=True),
            template="messaging/email/feedback_due",
            template_context={
                "title": alert.title,
                "due_at": alert.due_at.isoformat() if alert.due_at else "",
                "path": reverse("channel-post", args=[alert.pk]),
            },
            key=f"feedback-due:{alert.pk}",
        )
    return owed


def notification_preference_set(
    *, user: User, frequency: str, kind: str = "", topic: str = "", context: str = ""
) -> NotificationPreference:
    if frequency not in Frequency.values:
        raise field_error("frequency", _("Choose immediately, daily digest or off."), "invalid_choice")
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, kind=kind, topic=topic, context=context, defaults={"frequency": frequency}
    )
    return preference


def notification_preference_delete(*, preference: NotificationPreference) -> None:
    preference.delete()
