"""Retention: the personal data of parties goes once the operation closed long enough ago; figures stay."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from accounts.models import Administration, AuditEvent
from operations import services as operations
from reports.datasets import operation_dataset
from seizures import selectors, services
from seizures.models import Party


@pytest.fixture
def filed(world, joint, file_seizure):
    """Two seizures with parties, one validated; then the operation closes."""
    validated = services.seizure_validate(user=world.coordinator, seizure=file_seizure())
    submitted = file_seizure(containers=[], transport_document="", handling_code="red")
    operations.operation_transition(user=world.coordinator, operation=joint, action="close")
    joint.refresh_from_db()
    return {"validated": validated, "submitted": submitted}


def _years_after_end(operation, years, days=1):
    return operation.ends_at.replace(year=operation.ends_at.year + years) + timedelta(days=days)


def _figures(operation):
    figures = {}
    for kind in ("preliminary", "final"):
        for audience in ("coordination", "participants"):
            data = operation_dataset(operation=operation, kind=kind, audience=audience, language="en")
            figures[kind, audience] = (data["key_figures"], data["tables"], data["largest_seizure"])
    return figures


@pytest.mark.django_db
def test_nothing_is_erased_before_the_period_ends(joint, filed):
    result = services.parties_erase_expired(now=_years_after_end(joint, 5, days=-1))

    assert result.parties == 0
    assert not Party.objects.filter(erased_at__isnull=False).exists()


@pytest.mark.django_db
def test_personal_fields_are_erased_and_marked_and_figures_stay_the_same(joint, filed):
    before = _figures(joint)
    counts = selectors.party_counts(seizure=filed["validated"])
    now = _years_after_end(joint, 5)

    result = services.parties_erase_expired(now=now)

    assert result.parties == 4
    assert result.seizures == sorted([filed["validated"].reference, filed["submitted"].reference])
    for party in Party.objects.all():
        assert (party.name, party.date_of_birth, party.nationality_id) == ("", None, None)
        assert (party.document_number, party.registration_number, party.address) == ("", "", "")
        assert party.erased_at == now
    assert set(Party.objects.values_list("kind", "role")) == {("company", "exporter"), ("person", "suspect")}
    assert selectors.party_counts(seizure=filed["validated"]) == counts
    assert _figures(joint) == before


@pytest.mark.django_db
def test_a_second_run_erases_nothing_more(joint, filed):
    now = _years_after_end(joint, 5)
    services.parties_erase_expired(now=now)

    again = services.parties_erase_expired(now=now + timedelta(days=1))

    assert again.parties == 0
    assert set(Party.objects.values_list("erased_at", flat=True)) == {now}
    assert AuditEvent.objects.filter(action="retention_erase").count() == 1


@pytest.mark.django_db
def test_one_audit_event_records_the_run_without_names(joint, filed):
    services.parties_erase_expired(now=_years_after_end(joint, 5))

    (event,) = AuditEvent.objects.filter(action="retention_erase")
    assert event.actor is None
    assert event.after["parties"] == 4
    assert filed["validated"].reference in event.after["seizures"]
    assert "John Doe" not in str(event.after)
    assert "Eurotrade" not in str(event.after)


@pytest.mark.django_db
def test_a_dry_run_changes_nothing(joint, filed):
    result = services.parties_erase_expired(now=_years_after_end(joint, 5), dry_run=True)

    assert (result.parties, result.dry_run) == (4, True)
    assert not Party.objects.filter(erased_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="retention_erase").exists()


@pytest.mark.django_db
def test_an_administration_may_keep_personal_data_longer(world, joint, filed):
    Administration.objects.filter(pk=world.nigeria.pk).update(retention_years=10)

    assert services.parties_erase_expired(now=_years_after_end(joint, 6)).parties == 0
    assert services.parties_erase_expired(now=_years_after_end(joint, 10)).parties == 4


@pytest.mark.django_db
def test_the_default_period_comes_from_the_settings(joint, filed, settings):
    settings.PARTY_RETENTION_YEARS = 2

    assert services.parties_erase_expired(now=_years_after_end(joint, 2)).parties == 4


@pytest.mark.django_db
def test_an_operation_still_open_keeps_its_parties(world, joint, file_seizure, make_operation):
    file_seizure()

    assert services.parties_erase_expired(now=_years_after_end(joint, 50)).parties == 0


@pytest.mark.django_db
def test_the_command_prints_what_a_dry_run_would_erase_then_erases(joint, filed, time_machine):
    time_machine.move_to(_years_after_end(joint, 5))
    out = io.StringIO()

    call_command("apply_retention", "--dry-run", stdout=out)
    dry = out.getvalue()
    call_command("apply_retention", stdout=out)

    assert filed["validated"].reference in dry
    assert "Would erase the personal data of 4 parties in 2 seizures." in dry
    assert "Erased the personal data of 4 parties in 2 seizures." in out.getvalue()
    assert not Party.objects.filter(erased_at__isnull=True).exists()


@pytest.mark.django_db
def test_the_seizure_page_says_a_party_was_erased(world, joint, filed, page_for):
    services.parties_erase_expired(now=_years_after_end(joint, 5))

    text = page_for(world.coordinator).get(f"/seizures/{filed['validated'].pk}/").content.decode()

    assert "Erased on" in text
    assert "John Doe" not in text


@pytest.mark.django_db
def test_the_review_page_lists_what_is_due_for_the_secretariat_only(world, joint, filed, page_for, time_machine):
    time_machine.move_to(_years_after_end(joint, 5))

    review = page_for(world.secretariat).get("/seizures/retention/")

    assert review.status_code == 200
    assert filed["validated"].reference in review.content.decode()
    assert "John Doe" not in review.content.decode()
    assert page_for(world.ncp_ng).get("/seizures/retention/").status_code == 404


def test_a_daily_beat_entry_runs_the_retention(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] == "seizures.tasks.apply_retention"
