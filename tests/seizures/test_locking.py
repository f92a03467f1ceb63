"""Reviews and operation changes never block filings on the rows those filings refer to.

Every write appends to the audit chain under one PostgreSQL advisory lock, held until its transaction ends.
A filing that holds it inserts rows referring to the operation and its seizures, which takes a key-share lock on
them. A review that had locked the seizure (and, through select_related, its operation) FOR UPDATE and then
waited for the chain deadlocked with it: PostgreSQL aborted one of them, and the client saw a 500 under load.

Each test holds the chain lock from another connection, as a filing in flight does, starts the change in a
thread (it locks its rows, then waits for the chain), and checks that a key-share lock, what an insert of a
referring row takes, is still granted at once.
"""

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import psycopg
import pytest
from django.db import connection

from accounts.audit import CHAIN_LOCK
from operations import services as operation_services
from seizures import services
from seizures.choices import SeizureStatus
from seizures.models import Seizure

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row and advisory locks are PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("transactional_reference"),
]


def _other_connection() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None, port=settings["PORT"] or None, autocommit=True,
    )  # fmt: skip


def _waiting_for_chain(other: psycopg.Connection) -> bool:
    row = other.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").fetchone()
    return bool(row and row[0])


def _key_share_while_waiting(change: Callable[[], object], rows: list[tuple[str, int]]) -> list[str]:
    """Run ``change`` while the chain is held elsewhere; the rows a key-share lock was refused on."""
    refused: list[str] = []
    errors: list[BaseException] = []
    with _other_connection() as other:
        other.execute("SELECT pg_advisory_lock(%s)", [CHAIN_LOCK])

        def run() -> None:
            try:
                change()
            except BaseException as error:
                errors.append(error)
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        try:
            deadline = time.monotonic() + 10
            while not _waiting_for_chain(other):
                assert time.monotonic() < deadline, "the change never reached the audit chain"
                time.sleep(0.02)
            for table, pk in rows:
                other.execute("BEGIN")
                try:
                    other.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR KEY SHARE NOWAIT", [pk])
                except psycopg.errors.LockNotAvailable:
                    refused.append(table)
                finally:
                    other.execute("ROLLBACK")
        finally:
            other.execute("SELECT pg_advisory_unlock(%s)", [CHAIN_LOCK])
            thread.join(timeout=30)
    assert not errors, errors
    return refused


def test_validating_a_seizure_leaves_its_operation_and_row_open_to_filings(world, joint, file_seizure):
    seizure = file_seizure()

    refused = _key_share_while_waiting(
        lambda: services.seizure_validate(user=world.coordinator, seizure=seizure, comment="Checked."),
        [("operations_operation", joint.pk), ("seizures_seizure", seizure.pk)],
    )

    assert refused == []
    assert Seizure.objects.get(pk=seizure.pk).status == SeizureStatus.VALIDATED


def test_submitting_a_draft_leaves_its_operation_open_to_other_filings(world, joint, file_seizure):
    draft = file_seizure(submit=False)

    refused = _key_share_while_waiting(
        lambda: services.seizure_submit(user=world.officer_ng, seizure=draft), [("operations_operation", joint.pk)]
    )

    assert refused == []
    assert Seizure.objects.get(pk=draft.pk).status == SeizureStatus.SUBMITTED


def test_extending_an_operation_leaves_it_open_to_filings(world, joint):
    ends_at = joint.ends_at + timedelta(days=3)

    refused = _key_share_while_waiting(
        lambda: operation_services.operation_extend(user=world.coordinator, operation=joint, ends_at=ends_at),
        [("operations_operation", joint.pk)],
    )

    assert refused == []
    joint.refresh_from_db()
    assert joint.ends_at == ends_at
