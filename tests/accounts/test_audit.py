"""The audit trail is a hash chain: every tampering with its rows shows, and nothing in the application
nor a raw SQL client may change or remove them (SQLite here, PostgreSQL with ``DATABASE_URL``)."""

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from accounts import append_only
from accounts.audit import GENESIS, audit_record, audit_verify, event_digest
from accounts.choices import Role
from accounts.models import AccessLog, AppendOnlyError, AuditEvent, AuditHead
from accounts.services import access_log_record

pytestmark = pytest.mark.django_db


@contextmanager
def triggers_off() -> Iterator[Any]:
    """What someone with full access to the database could do: drop the guards, tamper, put them back."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks may block the DROP TRIGGER
        for statement in append_only.remove_sql(vendor):
            cursor.execute(statement)
        yield cursor
        for statement in append_only.install_sql(vendor):
            cursor.execute(statement)


@pytest.fixture
def chain(make_user):
    """Five events by a national contact point about users of their administration (after the one of its
    own account's creation)."""
    actor = make_user(role=Role.NATIONAL_CONTACT)
    events = [
        audit_record(
            actor=actor,
            action="update",
            object_type="user",
            object_id=actor.pk,
            reference=f"change {number}",
            administration=actor.administration,
            before={"role": "officer", "number": number},
            after={"role": "analyst", "number": number},
        )
        for number in range(5)
    ]
    return actor, [event.pk for event in events]


def _events() -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("id"))


def test_each_event_chains_to_the_one_before_and_the_head_names_the_newest(chain):
    events = _events()

    for earlier, later in itertools.pairwise(events):
        assert later.previous_digest == earlier.digest
    for event in events:
        assert event_digest(event) == event.digest
    head = AuditHead.objects.get()
    assert (head.last_event_id, head.digest) == (events[-1].pk, events[-1].digest)
    check = audit_verify()
    assert check.intact
    assert check.events == len(events)


def test_the_first_event_starts_from_the_genesis_digest(chain):
    assert _events()[0].previous_digest == GENESIS


def test_an_event_of_a_rolled_back_transaction_leaves_nothing(chain):
    before = (AuditEvent.objects.count(), AuditHead.objects.get().digest)

    def failing_service() -> None:
        with transaction.atomic():
            audit_record(actor=None, action="create", object_type="user", object_id="1")
            raise RuntimeError("the service failed")

    with pytest.raises(RuntimeError):
        failing_service()

    assert (AuditEvent.objects.count(), AuditHead.objects.get().digest) == before
    assert audit_verify().intact


# --- tampering ---------------------------------------------------------------------------------

TAMPERING = {
    "action": "'delete'",
    "object_type": "'seizure'",
    "object_id": "'999'",
    "reference": "'nothing to see'",
    "actor_label": "'someone-else'",
    "before": '\'{"role": "secretariat", "number": 2}\'',
    "after": '\'{"role": "officer", "number": 2}\'',
    "previous_digest": f"'{'1' * 64}'",
    "digest": f"'{'2' * 64}'",
}


@pytest.mark.parametrize("column", [*TAMPERING, "at", "actor_id", "administration_id"])
def test_changing_any_column_of_a_row_is_found_at_that_row(chain, make_user, column):
    _actor, ids = chain
    target = ids[2]
    other = make_user(role=Role.OFFICER)
    values = {
        **TAMPERING,
        "at": None,
        "actor_id": str(other.pk),
        "administration_id": str(other.administration_id),
    }
    with triggers_off() as cursor:
        if column == "at":
            event = AuditEvent.objects.get(pk=target)
            cursor.execute(
                "UPDATE accounts_auditevent SET at = %s WHERE id = %s", [event.at - timedelta(days=1), target]
            )
        else:
            cursor.execute(f"UPDATE accounts_auditevent SET {column} = {values[column]} WHERE id = %s", [target])

    check = audit_verify()

    assert not check.intact
    assert check.broken_at == target


def test_a_content_change_with_a_recomputed_digest_still_breaks_the_next_link(chain):
    _actor, ids = chain
    event = AuditEvent.objects.get(pk=ids[1])
    event.reference = "rewritten"
    forged = event_digest(event)
    with triggers_off() as cursor:
        cursor.execute(
            "UPDATE accounts_auditevent SET reference = %s, digest = %s WHERE id = %s", ["rewritten", forged, ids[1]]
        )

    check = audit_verify()

    assert check.broken_at == ids[2]
    assert "removed, inserted or moved" in check.problem


def test_removing_a_middle_row_is_found_at_the_row_after_it(chain):
    _actor, ids = chain
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM accounts_auditevent WHERE id = %s", [ids[2]])

    check = audit_verify()

    assert check.broken_at == ids[3]
    assert check.events == AuditEvent.objects.filter(id__lt=ids[3]).count()


def test_removing_the_first_row_is_found(chain):
    first, second = AuditEvent.objects.order_by("id")[:2]
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM accounts_auditevent WHERE id = %s", [first.pk])

    check = audit_verify()

    assert check.broken_at == second.pk
    assert "first events were removed" in check.problem


def test_removing_the_last_row_is_found_through_the_head(chain):
    _actor, ids = chain
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM accounts_auditevent WHERE id = %s", [ids[-1]])

    check = audit_verify()

    assert check.broken_at == ids[-1]
    assert "does not end at its recorded head" in check.problem


def test_an_event_appended_after_the_last_row_was_removed_keeps_the_gap_visible(chain):
    actor, ids = chain
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM accounts_auditevent WHERE id = %s", [ids[-1]])

    newer = audit_record(actor=actor, action="create", object_type="user", object_id=actor.pk)

    check = audit_verify()
    assert check.broken_at == newer.pk


def test_a_row_inserted_at_the_end_without_moving_the_head_is_found(chain):
    _actor, ids = chain
    last = AuditEvent.objects.get(pk=ids[-1])
    forged = AuditEvent(
        at=last.at,
        actor_label="intruder",
        action="create",
        object_type="user",
        object_id="1",
        before=None,
        after={"role": "secretariat"},
        previous_digest=last.digest,
    )
    forged.digest = event_digest(forged)
    with triggers_off() as cursor:
        cursor.execute(
            "INSERT INTO accounts_auditevent (at, actor_label, action, object_type, object_id, reference, before, "
            "after, previous_digest, digest) VALUES (%s, %s, %s, %s, %s, '', NULL, %s, %s, %s)",
            [forged.at, "intruder", "create", "user", "1", '{"role": "secretariat"}', last.digest, forged.digest],
        )

    check = audit_verify()

    assert not check.intact
    assert "does not end at its recorded head" in check.problem


def test_swapping_two_rows_is_found(chain):
    _actor, ids = chain
    with triggers_off() as cursor:
        cursor.execute("UPDATE accounts_auditevent SET id = -1 WHERE id = %s", [ids[1]])
        cursor.execute("UPDATE accounts_auditevent SET id = %s WHERE id = %s", [ids[1], ids[2]])
        cursor.execute("UPDATE accounts_auditevent SET id = %s WHERE id = -1", [ids[2]])

    check = audit_verify()

    assert check.broken_at == ids[1]


def test_verify_audit_reports_an_intact_chain(chain, capsys):
    call_command("verify_audit")

    assert f"{AuditEvent.objects.count()} events, chain intact" in capsys.readouterr().out


def test_verify_audit_fails_naming_the_first_broken_row(chain, capsys):
    _actor, ids = chain
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM accounts_auditevent WHERE id = %s", [ids[1]])

    with pytest.raises(CommandError) as failure:
        call_command("verify_audit")

    assert f"#{ids[2]}" in str(failure.value)


def test_an_empty_trail_is_intact(db):
    assert audit_verify().intact
    assert audit_verify().events == 0


# --- append-only ---------------------------------------------------------------------------------


def test_the_application_cannot_change_or_remove_an_event(chain):
    event = AuditEvent.objects.get(pk=chain[1][0])
    event.reference = "changed"

    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reference="changed")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["reference"])
    assert AuditEvent.objects.get(pk=event.pk).reference == "change 0"


def test_the_application_cannot_change_or_remove_an_access_log_row(make_user):
    user = make_user()
    access_log_record(user=user, object_type="party", objects=[("1", "X/NG/0001 suspect")], channel="page")
    entry = AccessLog.objects.get()

    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.update(reference="")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE accounts_auditevent SET reference = 'changed'",
        "DELETE FROM accounts_auditevent",
        "UPDATE accounts_accesslog SET reference = 'changed'",
        "DELETE FROM accounts_accesslog",
        "DELETE FROM accounts_audithead",
        "UPDATE accounts_audithead SET last_event_id = last_event_id - 1",
        "UPDATE accounts_audithead SET digest = 'forged'",
    ],
)
def test_the_database_refuses_changes_and_removals(chain, make_user, statement):
    access_log_record(user=make_user(), object_type="party", objects=[("1", "X/NG/0001 suspect")], channel="page")
    counts = (AuditEvent.objects.count(), AccessLog.objects.count(), AuditHead.objects.get().digest)

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)

    assert (AuditEvent.objects.count(), AccessLog.objects.count(), AuditHead.objects.get().digest) == counts
    assert AuditEvent.objects.filter(reference="changed").count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE triggers are PostgreSQL's")
def test_postgresql_refuses_truncating_the_trail(chain):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE accounts_auditevent")

    assert AuditEvent.objects.filter(pk__in=chain[1]).count() == 5


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_concurrent_appends_keep_one_unbroken_chain(make_user):
    actor = make_user(role=Role.SECRETARIAT)
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            for number in range(10):
                with transaction.atomic():
                    audit_record(actor=actor, action="update", object_type="user", object_id=f"{worker}-{number}")
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    check = audit_verify()
    assert check.intact, check
    assert check.events == AuditEvent.objects.count() == 61
