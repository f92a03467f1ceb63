"""``Idempotency-Key`` under real concurrency: threads against the live server on PostgreSQL.

A thousand filings over a hundred keys, many of them at the same moment, must file exactly a hundred
seizures; every answer given for one key is the same bytes, and a duplicate that arrives while the first
is still running is told so (409), even once the first has run longer than ``IDEMPOTENCY_IN_FLIGHT_SECONDS``.
"""

import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from accounts.services import token_issue
from seizures import services as seizure_services
from seizures.models import Seizure
from tests.operations.conftest import client_for, joint, make_operation, world  # noqa: F401
from tests.seizures.conftest import filing  # noqa: F401

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL; SQLite serialises every write"
    ),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("transactional_reference"),
]

KEYS = 100
REQUESTS_PER_KEY = 10
CLIENTS = 16


def _poster(live_server, user, body):
    """A client of the running server: POSTs the filing under a key and returns (status, body bytes)."""
    _token, raw = token_issue(user=user, name="concurrency")
    data = json.dumps(body, cls=DjangoJSONEncoder).encode()

    def post(key: str) -> tuple[int, bytes]:
        request = urllib.request.Request(
            f"{live_server.url}/api/v1/seizures/",
            data=data,
            method="POST",
            headers={
                "Authorization": f"Bearer {raw}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Idempotency-Key": key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    return post


@pytest.fixture
def body(joint, filing):  # noqa: F811
    return {**filing(), "operation": joint.pk, "submit": True}


def test_a_thousand_posts_over_a_hundred_keys_file_a_hundred_seizures(live_server, world, body):  # noqa: F811
    post = _poster(live_server, world.officer_ng, body)
    requests = [f"key-{number:03d}" for number in range(KEYS) for _ in range(REQUESTS_PER_KEY)]
    random.Random(2026).shuffle(requests)
    replies: dict[str, list[tuple[int, bytes]]] = defaultdict(list)
    lock = threading.Lock()

    def send(key: str) -> None:
        reply = post(key)
        with lock:
            replies[key].append(reply)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(send, requests))
    elapsed = time.monotonic() - started

    statuses = Counter(status for answers in replies.values() for status, _ in answers)
    seizures = Seizure.objects.filter(operation_id=body["operation"]).count()
    print(
        f"\n{sum(statuses.values())} POSTs over {len(replies)} keys from {CLIENTS} clients in {elapsed:.1f} s: "
        f"{seizures} seizures; answers {dict(sorted(statuses.items()))}"
    )
    assert seizures == KEYS
    assert set(statuses) <= {201, 409}
    for key, answers in replies.items():
        answered = {answer for answer in answers if answer[0] != 409}
        assert len(answered) == 1, f"{key} was answered in {len(answered)} different ways"
        for status, content in answers:
            if status == 409:
                assert "still being processed" in json.loads(content)["detail"]
    assert len({content for answers in replies.values() for status, content in answers if status == 201}) == KEYS


def test_a_duplicate_of_a_running_filing_is_409_even_past_the_in_flight_window(
    live_server,
    world,  # noqa: F811
    body,
    monkeypatch,
    settings,
):
    """The first filing is held inside its transaction; its duplicates, one at once and one after the
    in-flight window has passed, must neither wait for it nor take it over."""
    settings.IDEMPOTENCY_IN_FLIGHT_SECONDS = 1
    entered, release = threading.Event(), threading.Event()
    create = seizure_services.seizure_create

    def held_create(**kwargs):
        entered.set()
        release.wait(30)
        return create(**kwargs)

    monkeypatch.setattr(seizure_services, "seizure_create", held_create)
    post = _poster(live_server, world.officer_ng, body)
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(post, "held")
        assert entered.wait(30)
        at_once = post("held")
        time.sleep(1.5)
        past_the_window = post("held")
        release.set()
        first_status, first_content = first.result(timeout=60)
    replay = post("held")

    print(f"\nwhile running: {at_once[0]}, after the window: {past_the_window[0]}; first {first_status}")
    for status, content in (at_once, past_the_window):
        assert status == 409
        assert json.loads(content) == {
            "detail": "A request with this Idempotency-Key is still being processed. Retry shortly."
        }
    assert first_status == 201
    assert replay == (first_status, first_content)
    assert Seizure.objects.filter(operation_id=body["operation"]).count() == 1
