"""Findings of the security review on seizures: downloads leave an access-log row, and the API's stored
answers to filings (which list the parties by name) do not outlive a retry nor a retention run."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import AccessLog
from operations import services as operations
from opsplatform.api.idempotency import idempotency_records_purge
from opsplatform.models import IdempotencyRecord
from seizures import services, tasks

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
URL = "/api/v1/seizures/"


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
def photographed(world, joint, filing):
    """A submitted seizure with one photo."""
    seizure = services.seizure_create(
        user=world.officer_ng,
        operation=joint,
        data=filing(),
        submit=True,
        attachments=[SimpleUploadedFile("labels.png", PNG, content_type="image/png")],
    )
    return seizure, seizure.attachments.get()


@pytest.fixture
def file_by_api(world, joint, filing, client_for):
    """File through the API with an ``Idempotency-Key``; the client is returned to retry with."""

    def post(key, operation=None, **overrides):
        client = client_for(world.officer_ng)
        body = {**_jsonable(filing(**overrides)), "operation": (operation or joint).pk, "submit": True}
        response = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
        assert response.status_code == 201, response.content
        return client, body, response.json()

    return post


def _after_retention(operation):
    return operation.ends_at.replace(year=operation.ends_at.year + 5) + timedelta(days=1)


# --- 1. seizure photos and documents -----------------------------------------------------------


@pytest.mark.django_db
def test_downloading_a_seizure_photo_leaves_exactly_one_access_log_row(world, photographed, page_for):
    seizure, stored = photographed
    before = AccessLog.objects.count()

    response = page_for(world.coordinator).get(f"/seizures/{seizure.pk}/files/{stored.uuid}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert AccessLog.objects.count() == before + 1
    entry = AccessLog.objects.latest("pk")
    assert (entry.user, entry.action, entry.object_type, entry.object_id, entry.reference, entry.channel) == (
        world.coordinator, AccessLog.Action.DOWNLOAD, "file", str(stored.uuid), "labels.png", "page",
    )  # fmt: skip


@pytest.mark.django_db
def test_a_refused_seizure_photo_download_leaves_no_access_log_row(world, photographed, page_for):
    seizure, stored = photographed
    before = AccessLog.objects.count()

    response = page_for(world.officer_fr).get(f"/seizures/{seizure.pk}/files/{stored.uuid}/")

    assert response.status_code == 404
    assert AccessLog.objects.count() == before
    assert not AccessLog.objects.filter(user=world.officer_fr).exists()


# --- 3a. stored answers are purged once no retry needs them ---------------------------------------


@pytest.mark.django_db
def test_stored_answers_older_than_the_retention_hours_are_purged_and_newer_ones_kept(file_by_api, time_machine):
    file_by_api("old")
    time_machine.move_to(timezone.now() + timedelta(hours=20))
    file_by_api("recent", containers=[], transport_document="")
    time_machine.move_to(timezone.now() + timedelta(hours=5))

    purged = tasks.purge_idempotency_records()

    assert purged == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]


@pytest.mark.django_db
def test_the_retention_hours_come_from_the_settings(file_by_api, settings):
    file_by_api("lagos-1")
    settings.IDEMPOTENCY_RETENTION_HOURS = 1

    assert idempotency_records_purge(now=timezone.now() + timedelta(minutes=59)) == 0
    assert idempotency_records_purge(now=timezone.now() + timedelta(minutes=61)) == 1
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_a_purged_key_is_a_new_request_not_a_replay(file_by_api, time_machine):
    client, body, first = file_by_api("lagos-1")
    time_machine.move_to(timezone.now() + timedelta(hours=25))

    tasks.purge_idempotency_records()
    retry = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="lagos-1")

    assert "Idempotent-Replayed" not in retry
    assert retry.json()["id"] != first["id"]


def test_an_hourly_beat_entry_purges_the_stored_answers(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["purge-idempotency-records"]

    assert entry["task"] == "seizures.tasks.purge_idempotency_records"
    assert entry["schedule"].minute == {15}
    assert len(entry["schedule"].hour) == 24
    assert settings.IDEMPOTENCY_RETENTION_HOURS == 24


# --- 3b. a retention run forgets the stored answers of the seizures it erased ---------------------


@pytest.mark.django_db
def test_retention_deletes_the_stored_answer_so_a_replay_cannot_show_the_erased_names(
    world, joint, make_operation, file_by_api, settings
):
    settings.IDEMPOTENCY_RETENTION_HOURS = 24 * 365 * 100  # the hourly purge is not what is tested here
    client, body, first = file_by_api("lagos-1")
    assert {party["name"] for party in first["parties"]} == {"Eurotrade Srl", "John Doe"}
    now = timezone.now()
    still_open = make_operation(
        code="OPEN-2026", name_en="Open", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30)
    )
    operations.participation_invite(user=world.coordinator, operation=still_open, administrations=[world.nigeria])
    operations.participation_respond(
        user=world.ncp_ng, participation=still_open.participations.get(administration=world.nigeria), accept=True
    )
    still_open = operations.operation_transition(user=world.coordinator, operation=still_open, action="activate")
    file_by_api("open-1", operation=still_open, containers=[], transport_document="")
    operations.operation_transition(user=world.coordinator, operation=joint, action="close")
    joint.refresh_from_db()

    result = services.parties_erase_expired(now=_after_retention(joint))

    assert result.parties == 2
    assert not IdempotencyRecord.objects.filter(response_body__id=first["id"]).exists()
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["open-1"]
    retry = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="lagos-1")
    assert "Idempotent-Replayed" not in retry
    assert retry.json().get("id") != first["id"]  # whatever it answers, it is not the stored filing with its names


@pytest.mark.django_db
def test_a_dry_retention_run_keeps_the_stored_answers(world, joint, file_by_api):
    file_by_api("lagos-1")
    operations.operation_transition(user=world.coordinator, operation=joint, action="close")
    joint.refresh_from_db()

    services.parties_erase_expired(now=_after_retention(joint), dry_run=True)

    assert IdempotencyRecord.objects.count() == 1
