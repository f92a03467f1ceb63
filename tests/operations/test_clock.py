"""The beat task moves operations on time: planned ones start at their start and close at their end."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from messaging.models import Event, EventRecipient
from operations import services
from operations.choices import OperationStatus
from operations.tasks import advance_operations_clock

SECOND = timedelta(seconds=1)


def _status(operation):
    operation.refresh_from_db()
    return operation.status


def _tick(moment):
    """The beat task, run by a worker whose clock reads ``moment``."""
    with time_machine.travel(moment, tick=False):
        return advance_operations_clock.delay().get()


def _clock_events(operation):
    return list(
        Event.objects.filter(type="operation", op="status", payload__id=operation.pk, payload__by_clock=True)
        .order_by("id")
        .values_list("payload__previous", "payload__status")
    )


@pytest.fixture
def planned(world, make_operation):
    """Scheduled to run from a week from now for ten days, with Nigeria taking part."""
    start = (timezone.now() + timedelta(days=7)).replace(microsecond=0)
    operation = make_operation(starts_at=start, ends_at=start + timedelta(days=10))
    services.participation_invite(user=world.coordinator, operation=operation, administrations=[world.nigeria])
    participation = operation.participations.get()
    services.participation_respond(user=world.ncp_ng, participation=participation, accept=True)
    return services.operation_transition(user=world.coordinator, operation=operation, action="schedule")


def test_the_beat_runs_the_operations_clock_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["advance-operations-clock"]

    assert entry == {"task": "operations.tasks.advance_operations_clock", "schedule": 60}
    assert advance_operations_clock.name == "operations.tasks.advance_operations_clock"


@pytest.mark.django_db
def test_a_planned_operation_activates_at_its_start_and_closes_at_its_end(world, planned):
    assert _tick(planned.starts_at - SECOND) == {"activated": 0, "closed": 0}
    assert _status(planned) == OperationStatus.PLANNED

    assert _tick(planned.starts_at) == {"activated": 1, "closed": 0}
    assert _status(planned) == OperationStatus.ACTIVE

    assert _tick(planned.ends_at - SECOND) == {"activated": 0, "closed": 0}
    assert _status(planned) == OperationStatus.ACTIVE

    assert _tick(planned.ends_at) == {"activated": 0, "closed": 1}
    assert _status(planned) == OperationStatus.CLOSED
    assert _clock_events(planned) == [("planned", "active"), ("active", "closed")]


@pytest.mark.django_db
def test_the_clocks_changes_are_recorded_for_the_participants(world, planned):
    _tick(planned.starts_at + timedelta(hours=1))

    event = Event.objects.filter(type="operation").latest("id")
    assert (event.op, event.payload["by_clock"], event.payload["status"]) == ("status", True, "active")
    recipients = set(EventRecipient.objects.filter(event=event).values_list("user_id", flat=True))
    assert recipients == {world.coordinator.pk, world.ncp_ng.pk, world.officer_ng.pk, world.analyst_ng.pk,
                          world.observer_ng.pk}  # fmt: skip


@pytest.mark.django_db
def test_running_the_task_again_changes_nothing_more(planned):
    _tick(planned.starts_at + timedelta(minutes=1))
    events = Event.objects.count()

    assert _tick(planned.starts_at + timedelta(minutes=2)) == {"activated": 0, "closed": 0}
    assert _status(planned) == OperationStatus.ACTIVE
    assert Event.objects.count() == events

    _tick(planned.ends_at + timedelta(minutes=1))
    events = Event.objects.count()
    assert _tick(planned.ends_at + timedelta(minutes=2)) == {"activated": 0, "closed": 0}
    assert _status(planned) == OperationStatus.CLOSED
    assert Event.objects.count() == events


@pytest.mark.django_db
def test_a_planned_operation_whose_whole_window_passed_is_activated_then_closed(planned):
    assert _tick(planned.ends_at + timedelta(days=1)) == {"activated": 0, "closed": 1}

    assert _status(planned) == OperationStatus.CLOSED
    assert _clock_events(planned) == [("planned", "active"), ("active", "closed")]


@pytest.mark.django_db
def test_a_draft_is_not_activated_by_the_clock(make_operation):
    start = timezone.now() + timedelta(days=1)
    draft = make_operation(starts_at=start, ends_at=start + timedelta(days=2))

    assert _tick(start + timedelta(hours=1)) == {"activated": 0, "closed": 0}
    assert _status(draft) == OperationStatus.DRAFT
    assert _tick(start + timedelta(days=3)) == {"activated": 0, "closed": 0}
    assert _status(draft) == OperationStatus.DRAFT
    assert _clock_events(draft) == []


@pytest.mark.django_db
def test_an_operation_activated_by_hand_is_closed_by_the_clock(world, planned):
    services.operation_transition(user=world.coordinator, operation=planned, action="activate")

    assert _tick(planned.ends_at + SECOND) == {"activated": 0, "closed": 1}
    assert _status(planned) == OperationStatus.CLOSED
    assert _clock_events(planned) == [("active", "closed")]


@pytest.mark.django_db
def test_the_clock_never_archives_nor_reopens(world, planned):
    services.operation_transition(user=world.coordinator, operation=planned, action="activate")
    services.operation_transition(user=world.coordinator, operation=planned, action="close")

    assert _tick(planned.starts_at + timedelta(hours=1)) == {"activated": 0, "closed": 0}
    assert _tick(planned.reporting_closes_at + timedelta(days=1)) == {"activated": 0, "closed": 0}
    assert _status(planned) == OperationStatus.CLOSED


@pytest.mark.django_db
def test_an_extended_operation_closes_at_its_new_end(world, planned):
    _tick(planned.starts_at)
    new_end = planned.ends_at + timedelta(days=5)
    services.operation_extend(user=world.coordinator, operation=planned, ends_at=new_end)

    assert _tick(planned.ends_at + SECOND) == {"activated": 0, "closed": 0}
    assert _status(planned) == OperationStatus.ACTIVE
    assert _tick(new_end) == {"activated": 0, "closed": 1}
    assert _status(planned) == OperationStatus.CLOSED
