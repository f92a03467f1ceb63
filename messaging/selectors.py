"""Permission-scoped reads of the channel: a person sees what was addressed to them, nothing else."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import BooleanField, Exists, ExpressionWrapper, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import AdministrationKind
from accounts.models import Unit, User
from accounts.selectors import units_of
from opsplatform.errors import field_error

from .choices import AudienceKind, PostKind
from .models import Document, DocumentRecipient, Event, NotificationPreference, Post, PostRecipient, StoredFile

#: Administrations whose people count as "customs officers" for ENVIRONET's first audience.
CUSTOMS_KINDS = [AdministrationKind.CUSTOMS, AdministrationKind.RILO, AdministrationKind.SECRETARIAT]


def audience_user_ids(
    *,
    sender: User,
    kind: str,
    users: Iterable[int] = (),
    administrations: Iterable[int] = (),
    units: Iterable[int] = (),
    explicit: Iterable[int] | None = None,
) -> set[int]:
    """The people an audience reaches at this moment, always including the sender.

    Computed once when something is posted and stored with it: people who join later do not
    receive older posts, and nobody can widen a post's audience after the fact. (A unit's later
    members read what it received through its shared inbox: ``post_readable``.)
    """
    active = User.objects.filter(is_active=True)
    if kind == AudienceKind.EVERYBODY:
        chosen = active
    elif kind == AudienceKind.ALL_CUSTOMS:
        chosen = active.filter(administration__kind__in=CUSTOMS_KINDS)
    elif kind == AudienceKind.MY_COUNTRY:
        country = sender.administration.country_id if sender.administration else None
        if country is None:
            raise field_error(
                "audience",
                _("Your administration has no country, so it cannot post to 'all users in my country'."),
                "no_country",
            )
        chosen = active.filter(administration__country_id=country)
    elif kind == AudienceKind.CHOSEN:
        users, administrations, units = list(users), list(administrations), list(units)
        if not users and not administrations and not units:
            raise field_error("audience", _("Choose at least one recipient or administration."), "no_recipients")
        chosen = active.filter(Q(id__in=users) | Q(administration_id__in=administrations) | Q(units__in=units))
    elif kind == AudienceKind.EXPLICIT:
        if explicit is None:
            raise field_error("audience", _("This audience is set by the context only."), "explicit")
        chosen = active.filter(id__in=list(explicit))
    else:
        raise field_error("audience", _("Unknown audience."), "invalid_choice")
    return set(chosen.values_list("id", flat=True)) | {sender.pk}


# --- Posts ------------------------------------------------------------------------------------


def _annotated(posts: QuerySet[Post], *, user: User) -> QuerySet[Post]:
    mine = PostRecipient.objects.filter(post=OuterRef("pk"), user=user)
    my_feedback = Post.objects.filter(
        root=OuterRef("pk"), kind=PostKind.FEEDBACK, author__administration=user.administration
    )
    return (
        posts.select_related("author", "author__administration")
        .prefetch_related("meas", "attachments")
        .annotate(read_at=Subquery(mine.values("read_at")[:1]))
        .annotate(
            awaiting_feedback=ExpressionWrapper(
                Q(kind__in=[PostKind.ALERT, PostKind.REQUEST], due_at__isnull=False)
                & ~Q(author=user)
                & ~Exists(my_feedback),
                output_field=BooleanField(),
            )
        )
    )


def _delivered_to(user: User) -> Exists:
    return Exists(PostRecipient.objects.filter(post=OuterRef("pk"), user=user))


def _addressed_to_units_of(user: User) -> Q:
    """The post, or the first post of its thread, was addressed to a unit ``user`` belongs to now.

    Read at every request, so a member who joins for the next shift reads what the unit received
    before, and one who leaves stops reading it, without deliveries being added or taken back.
    """
    addressed = Post.chosen_units.through.objects.filter(unit__members=user)
    return Exists(addressed.filter(post_id=OuterRef("pk"))) | Exists(addressed.filter(post_id=OuterRef("root_id")))


def post_inbox(*, user: User, filters: dict[str, Any] | None = None) -> QuerySet[Post]:
    """Posts delivered to ``user``, newest first, with ``read_at`` and ``awaiting_feedback`` annotated.

    Only deliveries: unread counts, push and e-mail follow them. Posts a unit received before the
    user joined it are read through the unit's shared inbox (``post_readable``), not listed here.
    """
    posts = _annotated(Post.objects.filter(_delivered_to(user)), user=user)
    filters = filters or {}
    if filters.get("topic"):
        posts = posts.filter(topic=filters["topic"])
    if filters.get("kind"):
        posts = posts.filter(kind=filters["kind"])
    if filters.get("context"):
        posts = posts.filter(context=filters["context"])
    if filters.get("mea"):
        posts = posts.filter(meas=filters["mea"])
    if filters.get("q"):
        for word in str(filters["q"]).split():
            posts = posts.filter(Q(title__icontains=word) | Q(body__icontains=word))
    if filters.get("unread"):
        posts = posts.filter(read_at__isnull=True)  # type: ignore[misc]
    if filters.get("awaiting_feedback"):
        posts = posts.filter(awaiting_feedback=True).order_by("due_at", "-id")  # type: ignore[misc]
    return posts


def post_readable(*, user: User) -> QuerySet[Post]:
    """Posts ``user`` may open: those delivered to them, and those addressed to a unit they are a current
    member of, with the replies in their threads (every reply reaches everyone the thread's first post reached).

    A post that is neither answers exactly like a missing one; managing a unit does not make one a reader.
    """
    return _annotated(Post.objects.filter(_delivered_to(user) | _addressed_to_units_of(user)), user=user)


def post_get(*, user: User, post_id: int) -> Post:
    """One post the user may open; any other answers exactly like a missing one."""
    post = post_readable(user=user).filter(pk=post_id).first()
    if post is None:
        raise Http404
    return post


def post_replies(*, user: User, post: Post) -> QuerySet[Post]:
    return post_readable(user=user).filter(root=post).order_by("created_at", "id")


def post_recipients_visible_to(*, user: User, post: Post) -> QuerySet[User] | None:
    """The recipient list, for the author and coordinators of the post only; ``None`` for everyone else."""
    if not PostRecipient.objects.filter(post=post, user=user, sees_recipients=True).exists():
        return None
    return User.objects.filter(id__in=PostRecipient.objects.filter(post=post).values("user_id")).select_related(
        "administration"
    )


def unit_inbox_get(*, user: User, unit_id: int) -> Unit:
    """A unit whose shared inbox ``user`` reads: only one they are a current member of.

    Those who manage the unit without belonging to it (the secretariat, its contact points) get a 404
    like for a missing unit: the inbox shows what the unit's members received, TLP:RED posts included.
    """
    unit = units_of(user=user).filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    return unit


def unit_inbox(*, unit: Unit) -> QuerySet[Post]:
    """Posts addressed to a unit, newest first: its shared inbox, for a unit from ``unit_inbox_get``."""
    return (
        Post.objects.filter(chosen_units=unit)
        .select_related("author", "author__administration")
        .prefetch_related("meas")
        .order_by("-created_at", "-id")
    )


def unit_post_readers(*, unit: Unit, posts: Iterable[Post]) -> dict[int, list[tuple[User, datetime | None]]]:
    """For each post, the unit's members who received it, with when each read it (``None``: not yet)."""
    readers: dict[int, list[tuple[User, datetime | None]]] = {}
    deliveries = (
        PostRecipient.objects.filter(post__in=[post.pk for post in posts], user__units=unit)
        .select_related("user")
        .order_by("user__username")
    )
    for delivery in deliveries:
        readers.setdefault(delivery.post_id, []).append((delivery.user, delivery.read_at))
    return readers


def unread_count(*, user: User) -> int:
    return PostRecipient.objects.filter(user=user, read_at__isnull=True).count()


# --- Library ----------------------------------------------------------------------------------


def document_list(*, user: User, filters: dict[str, Any] | None = None) -> QuerySet[Document]:
    documents = (
        Document.objects.filter(Exists(DocumentRecipient.objects.filter(document=OuterRef("pk"), user=user)))
        .select_related("file", "uploaded_by")
        .prefetch_related("meas")
    )
    filters = filters or {}
    for field in ("kind", "topic", "context"):
        if filters.get(field):
            documents = documents.filter(**{field: filters[field]})
    if filters.get("mea"):
        documents = documents.filter(meas=filters["mea"])
    if filters.get("q"):
        for word in str(filters["q"]).split():
            documents = documents.filter(Q(title_en__icontains=word) | Q(title_fr__icontains=word))
    return documents


def document_get(*, user: User, document_id: int) -> Document:
    document = document_list(user=user).filter(pk=document_id).first()
    if document is None:
        raise Http404
    return document


def stored_file_get(*, user: User, uuid: Any) -> StoredFile:
    """A file the user may download: attached to a post they may open, or in a document addressed to them."""
    readable_posts = Post.objects.filter(_delivered_to(user) | _addressed_to_units_of(user)).values("pk")
    visible = Q(posts__in=readable_posts) | Q(documents__deliveries__user=user) | Q(uploaded_by=user)
    stored = StoredFile.objects.filter(visible, uuid=uuid).distinct().first()
    if stored is None:
        raise Http404
    return stored


# --- Events -----------------------------------------------------------------------------------


def events_after(*, user: User, after: int) -> QuerySet[Event]:
    """Events the user may see, past ``after``, in the order they were published."""
    return Event.objects.filter(recipients__user=user, position__gt=after).order_by("position")


def last_event_id(*, user: User) -> int:
    """Where a freshly loaded page starts listening from."""
    return Event.objects.filter(recipients__user=user).aggregate(last=Max("position"))["last"] or 0


def event_as_message(event: Event) -> dict[str, Any]:
    return {
        "id": event.position,
        "type": event.type,
        "op": event.op,
        "payload": event.payload,
        "created_at": event.created_at.isoformat(),
    }


# --- Notifications ----------------------------------------------------------------------------


def notification_preferences(*, user: User) -> QuerySet[NotificationPreference]:
    return NotificationPreference.objects.filter(user=user)


def notification_frequencies(*, user_ids: Iterable[int], kind: str, topic: str, context: str) -> dict[int, str]:
    """Each person's frequency for one notification: the most specific preference wins.

    Specificity: context, then kind, then topic; with no matching preference, the platform default.
    """
    user_ids = list(user_ids)
    best: dict[int, tuple[tuple[int, int, int], str]] = {}
    matching = NotificationPreference.objects.filter(
        user_id__in=user_ids, kind__in=["", kind], topic__in=["", topic], context__in=["", context]
    ).values_list("user_id", "kind", "topic", "context", "frequency")
    for user_id, pref_kind, pref_topic, pref_context, frequency in matching:
        rank = (bool(pref_context), bool(pref_kind), bool(pref_topic))
        if user_id not in best or rank > best[user_id][0]:
            best[user_id] = (rank, frequency)
    default = settings.NOTIFICATION_DEFAULT_FREQUENCY
    return {user_id: best[user_id][1] if user_id in best else default for user_id in user_ids}


def feedback_due_alerts(*, within_hours: int = 24) -> QuerySet[Post]:
    now = timezone.now()
    return Post.objects.filter(
        kind__in=[PostKind.ALERT, PostKind.REQUEST],
        due_at__gt=now,
        due_at__lte=now + timedelta(hours=within_hours),
    )


def users_owing_feedback(*, post: Post) -> QuerySet[User]:
    """Recipients of an alert whose administration has not answered it yet."""
    answered = Post.objects.filter(root=post, kind=PostKind.FEEDBACK).values("author__administration_id")
    return User.objects.filter(
        id__in=PostRecipient.objects.filter(post=post).exclude(user=post.author).values("user_id"), is_active=True
    ).exclude(administration_id__in=answered)
