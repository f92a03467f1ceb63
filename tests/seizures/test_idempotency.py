"""``Idempotency-Key`` on filing a seizure: a retried POST gets the first answer and files nothing more."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import AccessLog
from messaging.models import Event, Post
from opsplatform.models import IdempotencyRecord
from seizures.models import Party, Seizure, SeizureVersion

URL = "/api/v1/seizures/"

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL; SQLite serialises every write"
)


def _jsonable(value):
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@pytest.fixture
def payload(joint, filing):
    """A filing submitted at once, as a client sends it."""

    def make(**overrides):
        return {**_jsonable(filing(**overrides)), "operation": joint.pk, "submit": True}

    return make


def _post(client, key, body):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def _written():
    """Everything a filing writes, counted."""
    return {
        "seizures": Seizure.objects.count(),
        "parties": Party.objects.count(),
        "versions": SeizureVersion.objects.count(),
        "events": Event.objects.count(),
        "posts": Post.objects.count(),
    }


@pytest.mark.django_db
def test_a_retry_replays_the_first_answer_and_files_nothing(world, client_for, payload):
    client = client_for(world.officer_ng)
    body = payload()
    first = _post(client, "file-lagos-1", body)
    written = _written()

    retry = _post(client, "file-lagos-1", body)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in first
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert retry.json()["id"] == Seizure.objects.get().pk
    assert retry.json()["reference"] == "DEMETER-2026/NG/0001"
    assert _written() == written
    assert (written["seizures"], written["parties"], written["versions"], written["posts"]) == (1, 2, 1, 1)
    assert list(Event.objects.filter(type="seizure").values_list("op", flat=True)) == ["add"]


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422_and_files_nothing(world, client_for, payload):
    client = client_for(world.officer_ng)
    first = _post(client, "file-lagos-1", payload())
    written = _written()

    other = _post(client, "file-lagos-1", payload(narrative="Another seizure entirely."))

    assert first.status_code == 201
    assert other.status_code == 422
    assert other.json() == {"detail": "This Idempotency-Key was already used with a different request."}
    assert _written() == written
    assert Seizure.objects.get().narrative == "Used fridges declared as second-hand goods."


@pytest.mark.django_db
def test_a_refused_filing_is_replayed_too(world, client_for, payload):
    client = client_for(world.officer_ng)
    bad = payload()
    bad["lines"][1]["hs_code"] = "9999.99"

    first = _post(client, "bad-hs", bad)
    again = _post(client, "bad-hs", bad)

    assert (first.status_code, again.status_code) == (400, 400)
    assert first.json() == {"lines": {"1": {"hs_code": ["999999 is not a heading or subheading of HS 2022."]}}}
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert (Seizure.objects.count(), Post.objects.count()) == (0, 0)
    assert not Event.objects.filter(type="seizure").exists()


@pytest.mark.django_db
def test_a_corrected_filing_needs_a_new_key(world, client_for, payload):
    client = client_for(world.officer_ng)
    bad = payload()
    bad["lines"][1]["hs_code"] = "9999.99"
    _post(client, "bad-hs", bad)

    same_key = _post(client, "bad-hs", payload())
    new_key = _post(client, "good-hs", payload())

    assert same_key.status_code == 422
    assert new_key.status_code == 201
    assert Seizure.objects.count() == 1


@pytest.mark.django_db
def test_a_refusal_for_the_role_is_replayed_and_files_nothing(world, client_for, payload):
    client = client_for(world.analyst_ng)
    body = payload()

    first = _post(client, "analyst", body)
    again = _post(client, "analyst", body)

    assert (first.status_code, again.status_code) == (403, 403)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert not Seizure.objects.exists()


@pytest.mark.django_db
def test_keys_belong_to_one_user(world, client_for, payload, make_user):
    colleague = make_user(administration=world.nigeria)

    body = payload()

    mine = _post(client_for(world.officer_ng), "shared-key", body)
    theirs = _post(client_for(colleague), "shared-key", body)

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in theirs
    assert mine.json()["id"] != theirs.json()["id"]
    assert Seizure.objects.count() == 2


@pytest.mark.django_db
def test_sequential_retries_over_five_keys_file_five_seizures(world, client_for, payload):
    client = client_for(world.officer_ng)
    body = payload()
    answers: dict[str, set[int]] = {}

    for attempt in range(20):
        key = f"batch-{attempt % 5}"
        response = _post(client, key, body)
        assert response.status_code == 201, response.content
        answers.setdefault(key, set()).add(response.json()["id"])

    assert all(len(ids) == 1 for ids in answers.values())
    seizures = Seizure.objects.all()
    assert {seizure.pk for seizure in seizures} == set().union(*answers.values())
    assert sorted(seizure.reference for seizure in seizures) == [f"DEMETER-2026/NG/{n:04d}" for n in range(1, 6)]
    assert SeizureVersion.objects.count() == 5
    assert Post.objects.count() == 5


@pytest.mark.django_db
def test_a_replay_that_shows_parties_is_logged_like_any_read(world, client_for, payload):
    client = client_for(world.officer_ng)
    body = payload()
    _post(client, "file-lagos-1", body)
    reads = AccessLog.objects.filter(user=world.officer_ng, object_type="party").count()

    retry = _post(client, "file-lagos-1", body)

    assert retry["Idempotent-Replayed"] == "true"
    shown = retry.json()["parties"] or []
    assert AccessLog.objects.filter(user=world.officer_ng, object_type="party").count() == reads + len(shown)


# --- Concurrency (PostgreSQL) -------------------------------------------------------------------


def _race(user, requests):
    """Send the (key, body) requests from as many threads at once; return (status, body) answers."""
    answers: list[tuple[int, dict]] = []
    barrier = threading.Barrier(len(requests))

    def attempt(key, body) -> None:
        client = APIClient()
        client.force_authenticate(user)
        try:
            barrier.wait()
            response = _post(client, key, body)
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == len(requests), "a thread died before answering"
    return answers


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("transactional_reference")
@pytest.mark.postgres
@postgresql_only
def test_concurrent_retries_file_exactly_one_seizure(world, payload):
    body = payload()

    answers = _race(world.officer_ng, [("race", body)] * 8)

    statuses = [status for status, _body in answers]
    assert set(statuses) <= {201, 409}, answers
    created = [answer for status, answer in answers if status == 201]
    assert created
    assert all(answer == created[0] for answer in created)
    assert Seizure.objects.count() == 1
    assert Seizure.objects.get().pk == created[0]["id"]
    assert SeizureVersion.objects.count() == 1
    assert Post.objects.count() == 1
    assert list(Event.objects.filter(type="seizure").values_list("op", flat=True)) == ["add"]
    assert IdempotencyRecord.objects.get(key="race").response_status == 201


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("transactional_reference")
@pytest.mark.postgres
@postgresql_only
def test_concurrent_filings_under_different_keys_get_distinct_references(world, payload):
    body = payload()

    answers = _race(world.officer_ng, [(f"key-{n % 4}", body) for n in range(8)])

    assert {status for status, _body in answers} <= {201, 409}, answers
    references = sorted(Seizure.objects.values_list("reference", flat=True))
    assert references == [f"DEMETER-2026/NG/{n:04d}" for n in range(1, 5)]
    assert {answer["id"] for status, answer in answers if status == 201} == set(
        Seizure.objects.values_list("pk", flat=True)
    )
