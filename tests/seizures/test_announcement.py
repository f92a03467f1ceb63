"""A filed seizure's post to the operation's channel: made by a worker after commit, once, and what a filing costs."""

import pytest
from django.test import override_settings

from messaging.models import Post, PostRecipient
from seizures import selectors, services
from seizures.models import Seizure

URL = "/api/v1/seizures/"

#: Upper bound of the SQL queries of one API filing (three lines, three legs, two parties, submitted, with an
#: Idempotency-Key), its channel post left to the worker: 81 on SQLite and 85 on PostgreSQL (whose audit chain
#: takes an advisory lock per entry) when this was written, against 154 on SQLite with the post made in the request.
FILING_MAX_QUERIES = 90

with_a_worker = override_settings(CELERY_TASK_ALWAYS_EAGER=False)


def _posts(seizure):
    return Post.objects.filter(key=f"seizure:{seizure.pk}")


@pytest.mark.django_db
@with_a_worker
def test_the_post_is_owed_at_commit_and_made_once_however_often_the_task_runs(
    world, file_seizure, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        seizure = file_seizure()

    assert callbacks  # the announcement (and the event relay) wait for the commit
    assert not _posts(seizure).exists()
    assert Seizure.objects.get(pk=seizure.pk).announcement_due

    first = services.seizure_announce(seizure_id=seizure.pk)
    again = services.seizure_announce(seizure_id=seizure.pk)

    assert first is not None
    assert again is None
    (post,) = _posts(seizure)
    assert post.author == world.officer_ng
    assert seizure.reference in post.title
    assert set(PostRecipient.objects.filter(post=post).values_list("user_id", flat=True)) == (
        selectors.seizure_audience(seizure=Seizure.objects.get(pk=seizure.pk))
    )
    assert not Seizure.objects.get(pk=seizure.pk).announcement_due


@pytest.mark.django_db
@with_a_worker
def test_the_sweep_makes_the_posts_a_broker_outage_left_owed(file_seizure):
    seizures = [file_seizure(), file_seizure()]

    assert services.seizures_announce_due() == 2
    assert services.seizures_announce_due() == 0
    assert [_posts(seizure).count() for seizure in seizures] == [1, 1]


@pytest.mark.django_db
@with_a_worker
def test_a_seizure_withdrawn_before_the_worker_came_is_not_announced(world, file_seizure):
    seizure = file_seizure()
    services.seizure_withdraw(user=world.officer_ng, seizure=seizure, reason="Filed twice.")

    assert services.seizure_announce(seizure_id=seizure.pk) is None
    assert not _posts(seizure).exists()
    assert not Seizure.objects.get(pk=seizure.pk).announcement_due


@pytest.mark.django_db
def test_with_eager_tasks_the_post_is_made_within_the_filing(file_seizure):
    seizure = file_seizure()

    assert _posts(seizure).count() == 1
    assert not Seizure.objects.get(pk=seizure.pk).announcement_due


@pytest.mark.django_db
def test_a_draft_owes_no_post(file_seizure):
    seizure = file_seizure(submit=False)

    assert not Seizure.objects.get(pk=seizure.pk).announcement_due
    assert services.seizures_announce_due() == 0


@pytest.mark.django_db
@with_a_worker
def test_an_api_filing_stays_within_its_query_budget(world, joint, client_for, filing, django_assert_max_num_queries):
    from tests.seizures.test_idempotency import _jsonable

    client = client_for(world.officer_ng)
    body = {**_jsonable(filing()), "operation": joint.pk, "submit": True}
    body["lines"].append({**body["lines"][0], "description": "A third line like the first"})
    assert (len(body["lines"]), len(body["route"])) == (3, 3)
    client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="warm")  # caches, first reference counter

    with django_assert_max_num_queries(FILING_MAX_QUERIES):
        response = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="budget")

    assert response.status_code == 201
    assert Seizure.objects.get(pk=response.json()["id"]).announcement_due
