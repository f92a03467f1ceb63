"""``Idempotency-Key`` on creating endpoints: retries get the first answer and create nothing."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from messaging.models import Post
from opsplatform.models import IdempotencyRecord


def _payload(title="Suspect cylinders"):
    return {"topic": "D", "title": title, "body": "Details follow.", "audience": "my_country"}


def _post(client, key, payload=None):
    return client.post("/api/v1/posts/", payload or _payload(), format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_a_retry_replays_the_first_answer(officer_client):
    first = _post(officer_client, "abc")
    retry = _post(officer_client, "abc")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422_and_creates_nothing(officer_client):
    _post(officer_client, "abc")
    other = _post(officer_client, "abc", _payload(title="Something else"))

    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_a_duplicate_still_in_flight_is_409(officer_client, officer):
    IdempotencyRecord.objects.create(
        user=officer, key="busy", endpoint="/api/v1/posts/", request_digest=_digest_of(officer_client)
    )
    response = _post(officer_client, "busy")
    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert Post.objects.count() == 0


def _digest_of(client):
    """Learn the digest a request gets by sending it once under a throwaway key."""
    _post(client, "probe-digest")
    record = IdempotencyRecord.objects.get(key="probe-digest")
    Post.objects.all().delete()
    return record.request_digest


@pytest.mark.django_db
def test_an_abandoned_attempt_is_taken_over(officer_client, officer, settings):
    digest = _digest_of(officer_client)
    IdempotencyRecord.objects.create(user=officer, key="crashed", endpoint="/api/v1/posts/", request_digest=digest)

    with time_machine.travel(timezone.now() + timedelta(seconds=settings.IDEMPOTENCY_IN_FLIGHT_SECONDS + 1)):
        response = _post(officer_client, "crashed")

    assert response.status_code == 201
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_keys_belong_to_one_user(officer_client, make_user):
    _post(officer_client, "shared")
    other = APIClient()
    other.force_authenticate(make_user(administration=Post.objects.get().author.administration))
    assert _post(other, "shared").status_code == 201
    assert Post.objects.count() == 2


@pytest.mark.django_db
def test_a_refused_request_is_replayed_too(officer_client):
    bad = {"title": "No topic", "body": "x", "audience": "my_country"}
    first = _post(officer_client, "bad", bad)
    again = _post(officer_client, "bad", bad)
    assert first.status_code == again.status_code == 400
    assert again.json() == first.json()


@pytest.mark.django_db
def test_an_overlong_key_is_refused(officer_client):
    assert _post(officer_client, "k" * 256).status_code == 400


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("transactional_reference")
def test_concurrent_retries_create_exactly_one_post(make_user):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; SQLite serialises every write")
    user = make_user()
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def attempt() -> None:
        client = APIClient()
        client.force_authenticate(user)
        barrier.wait()
        statuses.append(_post(client, "race").status_code)
        connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Post.objects.count() == 1
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}


@pytest.mark.django_db
def test_a_crash_between_the_write_and_its_recorded_answer_leaves_neither(officer_client, monkeypatch):
    """A process killed after the view wrote but before the answer was stored must not leave the write
    behind: the retry that later takes the key over would write it a second time."""
    save = IdempotencyRecord.save

    def crash_when_answering(record, *args, **kwargs):
        if "completed_at" in (kwargs.get("update_fields") or ()):
            raise RuntimeError("process killed here")
        return save(record, *args, **kwargs)

    monkeypatch.setattr(IdempotencyRecord, "save", crash_when_answering)
    with pytest.raises(RuntimeError):
        _post(officer_client, "crash")
    assert Post.objects.count() == 0
    monkeypatch.undo()

    retry = _post(officer_client, "crash")
    assert retry.status_code == 201
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_a_replay_is_the_first_answer_byte_for_byte(officer_client):
    """PostgreSQL's jsonb reorders keys; the replay must still be the bytes first sent."""
    first = _post(officer_client, "bytes")
    again = _post(officer_client, "bytes")
    assert again["Idempotent-Replayed"] == "true"
    assert (again.status_code, again.content) == (first.status_code, first.content)


def test_a_unique_constraint_lost_to_a_concurrent_request_is_409_not_500():
    """The loser of a race on a unique constraint may retry: 409, and the key is not spent on it."""
    from django.db import IntegrityError

    from opsplatform.api.exceptions import exception_handler

    response = exception_handler(IntegrityError("duplicate key value violates unique constraint"), {})
    assert response is not None
    assert response.status_code == 409
    assert "simultaneous change" in response.data["detail"]
