"""The audit trail: who created or changed what, with the state before and after, in a hash chain.

Services append an event inside the transaction that writes, so a rolled-back change leaves no event
and a committed one always has its event. Each event's digest is the SHA-256 of a canonical JSON of
its content and the previous event's digest; ``AuditHead`` holds the newest event and its digest.
Changing, removing, inserting or reordering rows therefore breaks the chain, which ``audit_verify``
(``manage.py verify_audit``) walks.

Snapshots are small and explicit: the audited fields only, as JSON values. Personal data stays out
of them; where a change to it must still be visible, a keyed SHA-256 of it stands in, so erasing the
personal data for retention never needs to touch the trail.
"""

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from opsplatform.rows import ids_reserve, rows_copy

from .models import Administration, AuditEvent, AuditHead, User

GENESIS = "0" * 64
#: Key of the PostgreSQL advisory lock that serialises appends to the chain.
CHAIN_LOCK = 0x6F70_7361_7564_6974 & 0x7FFF_FFFF_FFFF_FFFF

USER_FIELDS = ("username", "role", "administration", "is_active", "is_staff", "is_superuser")


def canonical_json(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def json_safe(value: Any) -> Any:
    """``value`` exactly as a JSON column gives it back: what is stored is what was hashed."""
    if value is None:
        return None
    return json.loads(canonical_json(value))


def audit_snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields as JSON values: relations as ids (many-to-many as sorted ids), dates as ISO text,
    decimals as text."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            values[name] = sorted(getattr(instance, name).values_list("pk", flat=True))
        elif field.is_relation:
            values[name] = getattr(instance, field.attname)  # type: ignore[union-attr]
        else:
            values[name] = getattr(instance, name)
    return json_safe(values)


def personal_digest(values: dict[str, Any]) -> str:
    """A keyed SHA-256 of personal data: shows whether it changed without keeping it, nor letting it be guessed."""
    return salted_hmac("accounts.audit.personal", canonical_json(values), algorithm="sha256").hexdigest()


def user_snapshot(user: User) -> dict[str, Any]:
    """An account as audited: its username, role, administration and rights; no other personal details."""
    return audit_snapshot(user, USER_FIELDS)


def event_content(event: AuditEvent) -> dict[str, Any]:
    """What an event's digest covers: everything but its id and the digest itself."""
    return {
        "at": event.at.astimezone(UTC).isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "administration": event.administration_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "reference": event.reference,
        "before": event.before,
        "after": event.after,
        "previous_digest": event.previous_digest,
    }


def event_digest(event: AuditEvent) -> str:
    return hashlib.sha256(canonical_json(event_content(event)).encode()).hexdigest()


def _lock_chain() -> None:
    """One append at a time, until the appending transaction ends. SQLite serialises writers anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    reference: str = "",
    administration: Administration | int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to the trail, in the caller's transaction. ``actor=None`` is the platform itself.

    ``obj`` names the object (its model name and primary key) unless ``object_type`` and ``object_id`` do.
    """
    if obj is not None:
        object_type = object_type or obj._meta.model_name or ""
        object_id = obj.pk
    with transaction.atomic():
        _lock_chain()
        head = AuditHead.objects.filter(pk=1).first()
        event = AuditEvent(
            at=timezone.now(),
            actor=actor,
            actor_label=actor.username if actor is not None else "",
            administration_id=administration.pk if isinstance(administration, Administration) else administration,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            reference=str(reference)[:128],
            before=json_safe(before),
            after=json_safe(after),
            previous_digest=head.digest if head is not None else GENESIS,
        )
        event.digest = event_digest(event)
        event.save()
        if head is None:
            AuditHead.objects.create(pk=1, last_event_id=event.pk, digest=event.digest)
        else:
            AuditHead.objects.filter(pk=1).update(last_event_id=event.pk, digest=event.digest)
    return event


@dataclass(frozen=True)
class AuditEntry:
    """One event for ``audit_record_many``: what ``audit_record`` takes, with ids instead of objects.

    ``before`` and ``after`` are JSON values with text keys (snapshots), so that what is stored is
    exactly what is hashed.
    """

    actor: User | None
    action: str
    object_type: str
    object_id: str | int
    reference: str = ""
    administration: int | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


AUDIT_COLUMNS = (
    "id", "at", "actor_id", "actor_label", "administration_id", "action", "object_type", "object_id", "reference",
    "before", "after", "previous_digest", "digest",
)  # fmt: skip


def audit_record_many(*, entries: Iterable[AuditEntry]) -> int:
    """Append many events at once, in the caller's transaction, chained in the order given; returns how many.

    The same events, digests and head as ``audit_record`` called for each entry in turn (one ``at`` for
    all of them): the chain's lock is held while their ids are reserved, so the chain's order is their
    id order, and they are written in one ``COPY``. For imports of thousands of seizures.
    """
    entries = list(entries)
    if not entries:
        return 0
    with transaction.atomic():
        _lock_chain()
        head = AuditHead.objects.filter(pk=1).first()
        previous = head.digest if head is not None else GENESIS
        at = timezone.now()
        at_text = canonical_json(at.astimezone(UTC).isoformat())
        first = ids_reserve(AuditEvent, len(entries))
        rows = []
        for offset, entry in enumerate(entries):
            actor_id = entry.actor.pk if entry.actor is not None else None
            label = entry.actor.username if entry.actor is not None else ""
            object_id, reference = str(entry.object_id), str(entry.reference)[:128]
            before = canonical_json(entry.before) if entry.before is not None else None
            after = canonical_json(entry.after) if entry.after is not None else None
            # canonical_json(event_content(...)), its keys in sorted order, from parts already encoded
            content = (
                f'{{"action":{canonical_json(entry.action)},"actor":{canonical_json(actor_id)},'
                f'"actor_label":{canonical_json(label)},"administration":{canonical_json(entry.administration)},'
                f'"after":{after or "null"},"at":{at_text},"before":{before or "null"},'
                f'"object_id":{canonical_json(object_id)},"object_type":{canonical_json(entry.object_type)},'
                f'"previous_digest":"{previous}","reference":{canonical_json(reference)}}}'
            )
            digest = hashlib.sha256(content.encode()).hexdigest()
            rows.append((first + offset, at, actor_id, label, entry.administration, entry.action, entry.object_type,
                         object_id, reference, before, after, previous, digest))  # fmt: skip
            previous = digest
        rows_copy(AuditEvent, AUDIT_COLUMNS, rows)
        last = first + len(entries) - 1
        if head is None:
            AuditHead.objects.create(pk=1, last_event_id=last, digest=previous)
        else:
            AuditHead.objects.filter(pk=1).update(last_event_id=last, digest=previous)
    return len(entries)


# --- Verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainCheck:
    """The outcome of walking the chain: intact, or the first row where it breaks and why."""

    events: int
    broken_at: int | None = None
    problem: str = ""
    head_id: int | None = None
    head_digest: str = ""

    @property
    def intact(self) -> bool:
        return not self.problem


def _events_in_order() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("id").iterator(chunk_size=2000)


def audit_verify() -> ChainCheck:
    """Recompute every digest in id order and compare the chain's end with its head."""
    head = AuditHead.objects.filter(pk=1).first()
    head_id, head_digest = (head.last_event_id, head.digest) if head is not None else (None, "")
    previous, count, last_id = GENESIS, 0, None
    for event in _events_in_order():
        if event.previous_digest != previous:
            problem = (
                "the chain does not start at its beginning: its first events were removed"
                if count == 0
                else "does not follow the event before it: an event was removed, inserted or moved here"
            )
            return ChainCheck(count, event.pk, problem, head_id, head_digest)
        if event_digest(event) != event.digest:
            return ChainCheck(count, event.pk, "content changed since it was recorded", head_id, head_digest)
        previous, count, last_id = event.digest, count + 1, event.pk
    if head is None:
        if count:
            return ChainCheck(count, last_id, "the chain head is missing", head_id, head_digest)
        return ChainCheck(0)
    if head.last_event_id != last_id or head.digest != previous:
        return ChainCheck(
            count,
            head.last_event_id,
            "the chain does not end at its recorded head: events were removed from or added at its end",
            head_id,
            head_digest,
        )
    return ChainCheck(count, None, "", head_id, head_digest)


# --- Reading the trail ------------------------------------------------------------------------


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}{key}."))
        return flat
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        flat = {}
        for index, item in enumerate(value, start=1):
            flat.update(_flatten(item, f"{prefix}{index}."))
        return flat
    return {prefix.rstrip("."): value}


def audit_changes(*, before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Field by field, both sides of an event, changed fields marked (``lines.2.quantity``)."""
    old = _flatten(before) if before else {}
    new = _flatten(after) if after else {}
    return [
        {
            "field": name,
            "before": old.get(name),
            "after": new.get(name),
            "changed": name not in old or name not in new or old[name] != new[name],
        }
        for name in sorted(set(old) | set(new))
    ]
