"""Every read of parties and every export or download leaves exactly one access-log row per object and request."""

from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from reports.models import Report
from seizures.models import Party

pytestmark = pytest.mark.django_db


def _rows() -> Counter[tuple[str, str, str, str, str]]:
    return Counter(AccessLog.objects.values_list("user__username", "action", "object_type", "object_id", "channel"))


def _party_reads(user, seizure, channel):
    return Counter(
        {
            (user.username, AccessLog.Action.READ, "party", str(pk), channel): 1
            for pk in Party.objects.filter(seizure=seizure).values_list("pk", flat=True)
        }
    )


# --- parties -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer_ng", "coordinator"])
def test_the_seizure_page_logs_each_party_once(world, file_seizure, page_for, who):
    seizure = file_seizure()
    user = getattr(world, who)

    response = page_for(user).get(reverse("seizure-detail", args=[seizure.pk]))

    assert response.status_code == 200
    assert b"John Doe" in response.content
    assert _rows() == _party_reads(user, seizure, "page")


def test_the_seizure_page_logs_nothing_for_a_reader_who_does_not_see_the_parties(world, file_seizure, page_for):
    seizure = file_seizure()

    response = page_for(world.officer_gh).get(reverse("seizure-detail", args=[seizure.pk]))

    assert b"John Doe" not in response.content
    assert _rows() == Counter()


def test_the_long_edit_form_logs_each_party_once(world, file_seizure, page_for):
    seizure = file_seizure()

    response = page_for(world.officer_ng).get(reverse("seizure-edit", args=[seizure.pk]), {"variant": "long"})

    assert response.status_code == 200
    assert b"John Doe" in response.content
    assert _rows() == _party_reads(world.officer_ng, seizure, "page")


def test_the_simplified_edit_form_shows_no_party_and_logs_nothing(world, file_seizure, page_for):
    seizure = file_seizure()

    response = page_for(world.officer_ng).get(reverse("seizure-edit", args=[seizure.pk]))

    assert response.status_code == 200
    assert b"John Doe" not in response.content
    assert _rows() == Counter()


def test_the_history_page_shows_no_party_and_logs_nothing(world, file_seizure, page_for):
    seizure = file_seizure()

    response = page_for(world.coordinator).get(reverse("seizure-history", args=[seizure.pk]))

    assert response.status_code == 200
    assert b"John Doe" not in response.content
    assert _rows() == Counter()


def test_the_api_detail_logs_each_party_once(world, file_seizure, client_for):
    seizure = file_seizure()

    response = client_for(world.coordinator).get(reverse("seizures-api:seizure-detail", args=[seizure.pk]))

    assert response.status_code == 200
    assert len(response.json()["parties"]) == 2
    assert _rows() == _party_reads(world.coordinator, seizure, "api")


def test_the_api_list_and_history_show_no_party_and_log_nothing(world, file_seizure, client_for):
    seizure = file_seizure()
    client = client_for(world.coordinator)

    listing = client.get(reverse("seizures-api:seizure-list"))
    history = client.get(reverse("seizures-api:seizure-history", args=[seizure.pk]))

    assert (listing.status_code, history.status_code) == (200, 200)
    assert b"John Doe" not in listing.content + history.content
    assert _rows() == Counter()


def test_an_api_action_answering_with_the_parties_logs_each_once(world, file_seizure, client_for):
    seizure = file_seizure()

    response = client_for(world.coordinator).post(
        reverse("seizures-api:seizure-validate", args=[seizure.pk]), {"comment": "Fine."}, format="json"
    )

    assert response.status_code == 200
    assert _rows() == _party_reads(world.coordinator, seizure, "api")


def test_filing_through_the_api_logs_the_parties_shown_back_once(world, joint, filing, client_for):
    data = {**filing(), "operation": joint.pk, "occurred_at": timezone.now().isoformat()}

    response = client_for(world.officer_ng).post(reverse("seizures-api:seizure-list"), data, format="json")

    assert response.status_code == 201, response.content
    seizure = Party.objects.get(name="John Doe").seizure
    assert _rows() == _party_reads(world.officer_ng, seizure, "api")


# --- exports and downloads ---------------------------------------------------------------------


@pytest.fixture
def report(world, joint, file_seizure, page_for):
    file_seizure()
    page_for(world.coordinator).post(reverse("report-list", args=[joint.pk]), {"kind": "preliminary", "language": "en"})
    return Report.objects.get()


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("report-download", ["pdf"]),
        ("report-download", ["xlsx"]),
        ("report-download", ["json"]),
        ("report-table-csv", ["key_figures"]),
        ("report-table-csv", ["by_country"]),
    ],
)
def test_each_report_download_is_logged_once(world, report, page_for, name, args):
    response = page_for(world.coordinator).get(reverse(name, args=[report.pk, *args]))

    assert response.status_code == 200
    assert _rows() == Counter({(world.coordinator.username, "download", "report", str(report.pk), "page"): 1})


def test_the_lines_export_is_logged_once(world, joint, file_seizure, page_for):
    file_seizure()

    response = page_for(world.coordinator).get(reverse("report-lines-csv", args=[joint.pk]))
    b"".join(response.streaming_content)

    assert response.status_code == 200
    assert _rows() == Counter({(world.coordinator.username, "download", "report", str(joint.pk), "page"): 1})


def test_the_cites_annual_report_export_is_logged_once(world, joint, page_for):
    response = page_for(world.ncp_ng).get(reverse("report-aitr"), {"year": str(timezone.now().year - 1)})

    assert response.status_code == 200
    assert _rows() == Counter({(world.ncp_ng.username, "export", "report", str(world.nigeria.pk), "page"): 1})


def test_the_live_report_through_the_api_is_logged_once(world, joint, file_seizure, client_for):
    file_seizure()

    response = client_for(world.coordinator).get(reverse("reports-api:operation-report", args=[joint.pk]))

    assert response.status_code == 200
    assert _rows() == Counter({(world.coordinator.username, "export", "report", str(joint.pk), "api"): 1})


def test_a_refused_download_logs_nothing(world, report, page_for):
    response = page_for(world.other_coordinator).get(reverse("report-download", args=[report.pk, "pdf"]))

    assert response.status_code == 404
    assert _rows() == Counter()
