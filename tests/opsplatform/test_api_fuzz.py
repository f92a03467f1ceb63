"""The whole API fuzzed against its own OpenAPI schema (``/api/schema/``), as an officer and as a coordinator.

Every operation of the schema gets generated requests, valid ones and invalid ones, some of them aimed at
objects that exist in the caller's world. Two properties must hold for each: no answer is a server error, and
every documented answer has the documented shape. Failures are collected across the run and listed together,
with the number of cases sent.

CI runs a fixed seed and 1,500 cases on PostgreSQL, 600 on SQLite (``FUZZ_CASES`` says otherwise);
``make fuzz`` runs 10,000 with a new seed each time, printed so that a failure can be replayed.
"""

import logging
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import pytest
import schemathesis
import werkzeug.test
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection, transaction
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts import services as account_services
from tests.conftest import PASSWORD
from tests.otp import otp_code, otp_device
from tests.seizures.conftest import (  # noqa: F401
    client_for,
    file_seizure,
    filing,
    joint,
    make_operation,
    page_for,
    world,
)

CHECKS = [not_a_server_error, response_schema_conformance]


def _budget() -> int:
    if "FUZZ_CASES" in os.environ:
        return int(os.environ["FUZZ_CASES"])
    return 1500 if connection.vendor == "postgresql" else 600


def _seed() -> int:
    return int(os.environ.get("FUZZ_SEED", "20261207"))


@pytest.fixture
def wsgi_app():
    """The real WSGI application, as a server runs it. Its request signals would close the test's database
    connection (and with it the transaction holding the test data) after each request: Django's own test
    client steps them aside in the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    cache.clear()
    # Thousands of requests: their access lines and 4xx warnings would bury the figures; errors still show.
    quiet = [logging.getLogger(name) for name in ("opsplatform.request", "django.request")]
    levels = [logger.level for logger in quiet]
    app = get_wsgi_application()  # sets logging up again, levels included: quieten afterwards
    for logger in quiet:
        logger.setLevel(logging.ERROR)
    yield app
    for logger, level in zip(quiet, levels, strict=True):
        logger.setLevel(level)
    cache.clear()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@dataclass
class Run:
    cases: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)
    per_operation: dict[str, Counter] = field(default_factory=dict)
    seconds: Counter = field(default_factory=Counter)


def _issue_token(app: Any, user: Any) -> str:
    """A bearer token asked for through ``POST /api/v1/auth/token/``, with the second factor when the role has one."""
    body = {"username": user.username, "password": PASSWORD, "name": "fuzz"}
    device = otp_device(user) if user.role in {"coordinator", "secretariat"} else None
    if device is not None:
        body["otp"] = otp_code(device)
    response = werkzeug.test.Client(app).post("/api/v1/auth/token/", json=body)
    assert response.status_code == 201, response.text
    return response.json["token"]


def _headers(token: str) -> dict[str, str]:
    """The bearer token, and plain bodies: the transport hands the checks what the server sent, unzipped or not."""
    return {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}


def _fuzz(app: Any, user: Any, known: dict[str, list[Any]], budget: int) -> Run:
    token = _issue_token(app, user)
    headers = _headers(token)
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    run = Run()
    raised: list[str] = []

    def record(sender: Any, request: Any = None, **kwargs: Any) -> None:
        error = sys.exc_info()[1]
        raised.append(f"{type(error).__name__}: {error}"[:300])

    signals.got_request_exception.connect(record)
    # Operations with few possible requests (no parameters) run out early: the others take up their share,
    # and rounds go on with new seeds until the budget is spent.
    for round_ in range(5):
        for index, operation in enumerate(operations):
            remaining = budget - run.cases
            if remaining <= 0:
                break
            share = -(-remaining // (len(operations) - index)) if round_ == 0 else remaining
            _fuzz_operation(operation, share, _seed() + 1000 * round_ + index, user, known, run, raised, headers)
        if run.cases >= budget:
            break
    signals.got_request_exception.disconnect(record)
    return run


def _strategy(operation: Any, known: dict[str, list[Any]]) -> Any:
    """Valid and invalid requests, and as many again aimed at the caller's own objects where there are some."""
    strategies = [operation.as_strategy(mode) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
    for name in ("id", "code", "operation_id"):
        ids = known.get(operation.path.split("{")[0], []) if "{" + name + "}" in operation.path else []
        if ids:
            aimed = st.sampled_from(ids).flatmap(
                lambda value, name=name: operation.as_strategy(GenerationMode.POSITIVE, path_parameters={name: value})
            )
            strategies += [aimed, aimed]
    return st.one_of(strategies)


def _fuzz_operation(
    operation: Any,
    examples: int,
    seed: int,
    user: Any,
    known: dict[str, list[Any]],
    run: Run,
    raised: list[str],
    headers: dict[str, str],
) -> None:
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.seed(seed)
    @hypothesis.given(case=_strategy(operation, known))
    def check(case: Any) -> None:
        run.cases += 1
        started = time.monotonic()
        with transaction.atomic():
            response = case.call(headers=headers)
            run.statuses[response.status_code] += 1
            run.per_operation.setdefault(operation.label, Counter())[response.status_code] += 1
            if response.status_code >= 500:
                transaction.set_rollback(True)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                cause = raised.pop() if raised and response.status_code >= 500 else ""
                first = (failure.message.strip().splitlines() or [""])[0][:160]
                key = f"{operation.label} [{response.status_code}] {failure.title}: {first} {cause}".strip()
                run.failures.setdefault(key, f"{group}\n{cause}"[:4000])
        raised.clear()
        run.seconds[operation.label] += time.monotonic() - started
        if response.status_code == 401:
            # The case revoked the token in use (DELETE /auth/token/): carry on with a new one.
            _token, raw = account_services.token_issue(user=user, name="fuzz")
            headers.update(_headers(raw))

    check()


@pytest.fixture
def known(world, joint, file_seizure):  # noqa: F811
    """Objects of every kind the API serves, built through the services, keyed by the path that serves them:
    generated requests aim at them as well as at random ids, so that answers with data are checked too."""
    from datetime import timedelta

    from django.utils import timezone

    from messaging import services as messaging_services
    from messaging.choices import FeedbackOutcome, PostKind
    from reports import services as report_services
    from tests.messaging.factories import document, post

    submitted = file_seizure()
    draft = file_seizure(submit=False)
    alert = post(
        world.coordinator,
        [world.officer_ng],
        kind=PostKind.ALERT,
        due_at=timezone.now() + timedelta(days=3),
    )
    feedback = messaging_services.post_reply(
        author=world.officer_ng,
        parent=alert,
        body="Checked: nothing found.",
        kind=PostKind.FEEDBACK,
        outcome=FeedbackOutcome.NEGATIVE,
    )
    guide = document(world.coordinator, [world.officer_ng])
    report = report_services.report_request(user=world.coordinator, operation=joint, kind="preliminary", language="en")
    preferences = [
        messaging_services.notification_preference_set(user=user, frequency="digest", topic="A").pk
        for user in (world.officer_ng, world.coordinator)
    ]
    return {
        "/api/v1/seizures/": [submitted.pk, draft.pk],
        "/api/v1/operations/": [joint.pk],
        "/api/v1/posts/": [alert.pk, feedback.pk],
        "/api/v1/library/documents/": [guide.pk],
        "/api/v1/reports/": [report.pk],
        "/api/v1/me/notification-settings/": preferences,
        "/api/v1/reference/countries/": ["NG", "FR"],
        "/api/v1/reference/units/": ["KGM", "TNE"],
        "/api/v1/reference/meas/": ["BASEL", "CITES"],
        "/api/v1/reference/rilos/": ["WA"],
        "/api/v1/reference/hs-codes/": ["854911"],
        "/api/v1/administrations/": [world.nigeria.pk, world.office.pk],
    }


@pytest.mark.django_db
@pytest.mark.timeout(1800)
def test_the_api_answers_every_generated_request_without_server_error_and_as_documented(
    wsgi_app,
    world,  # noqa: F811
    known,
    capsys,
):
    budget = _budget()
    started = time.monotonic()
    runs = {
        "officer": _fuzz(wsgi_app, world.officer_ng, known, budget // 2),
        "coordinator": _fuzz(wsgi_app, world.coordinator, known, budget - budget // 2),
    }
    elapsed = time.monotonic() - started
    total = sum(run.cases for run in runs.values())
    failures = {f"{role} {key}": text for role, run in runs.items() for key, text in run.failures.items()}
    statuses = sum((run.statuses for run in runs.values()), Counter())
    with capsys.disabled():  # the figures belong in CI's log whatever the outcome
        print(
            f"\nAPI fuzz: {total} cases (seed {_seed()}) in {elapsed:.1f} s, "
            f"statuses {dict(sorted(statuses.items()))}, {len(failures)} distinct failures"
        )
        for key in failures:
            print(" -", key)
        if os.environ.get("FUZZ_VERBOSE"):
            for role, run in runs.items():
                for label, seconds in run.seconds.most_common():
                    print(f"   {role:11} {seconds:6.1f} s {label:55} {dict(sorted(run.per_operation[label].items()))}")
    assert not failures, "\n\n".join(f"{key}\n{text}" for key, text in failures.items())
    assert total >= budget
