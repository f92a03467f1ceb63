"""Findings of the security review on reports: the CITES AITR export is rate-limited and logged, the
regional view counts only seizures whose handling code lets them travel beyond their operation, and
who may open either page is what ``accounts.policy`` says."""

from datetime import UTC
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from accounts import policy
from accounts.choices import Role
from accounts.models import AccessLog
from reference.models import Rilo
from reports.regional import region_summary, rilos_visible

AITR = reverse("report-aitr")
TUSKS = {
    "mea": "CITES", "hs_code": "0507.10", "description": "Elephant tusks", "quantity": Decimal("12"), "unit": "KIL",
    "species": "Loxodonta africana", "cites_appendix": "I", "cites_term": "TUS", "disposal": "evidence",
}  # fmt: skip
FROM_SPAIN = [
    {"role": "origin", "country": "ES", "place_port": "", "place_name": "Algeciras"},
    {"role": "discovery", "country": "NG", "place_port": "", "place_name": "Apapa"},
]


@pytest.fixture
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def _region(code="WA"):
    return reverse("report-region", args=[code])


# --- 2. the CITES AITR export -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_cache")
@override_settings(DOWNLOAD_RATE_LIMIT="1/min")
def test_the_aitr_export_is_rate_limited_and_each_export_is_logged_once(world, joint, file_seizure, page_for):
    seizure = file_seizure(lines=[TUSKS], reasons=[], containers=[], transport_document="")
    year = str(seizure.occurred_at.astimezone(UTC).year)
    page = page_for(world.ncp_ng)

    form = page.get(AITR)
    first = page.get(AITR, {"year": year})
    second = page.get(AITR, {"year": year})

    assert form.status_code == 200  # showing the form is not a download
    assert first.status_code == 200
    assert first["Content-Disposition"] == f'attachment; filename="AITR-{year}-NG.xlsx"'
    assert second.status_code == 429
    assert int(second["Retry-After"]) > 0
    entry = AccessLog.objects.get(user=world.ncp_ng)
    assert (entry.action, entry.object_type, entry.object_id) == (
        AccessLog.Action.EXPORT,
        "report",
        str(world.nigeria.pk),
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_cache")
@override_settings(DOWNLOAD_RATE_LIMIT="1/min")
def test_a_refused_aitr_request_spends_no_download(world, page_for):
    page = page_for(world.ncp_ng)

    assert page.get(AITR, {"year": "1974"}).status_code == 400
    assert page.get(AITR, {"year": "2025"}).status_code == 200
    assert AccessLog.objects.filter(user=world.ncp_ng).count() == 1


@pytest.mark.django_db
def test_the_aitr_page_follows_the_policy_table(world, page_for, monkeypatch):
    page = page_for(world.observer_ng)
    assert page.get(AITR).status_code == 404

    grants = {**policy.RULES["report.aitr"].grants, Role.OBSERVER: frozenset({policy.Relation.OWN_ADMINISTRATION})}
    monkeypatch.setitem(policy.RULES, "report.aitr", policy.Rule("report.aitr", grants))

    assert page.get(AITR).status_code == 200


# --- 4a. regional figures count only GREEN and CLEAR seizures -----------------------------------


@pytest.fixture
def four_codes(world, joint, file_seizure):
    """One seizure per handling code; the RED and AMBER ones come by a route of their own (from Spain)."""
    return {
        code: file_seizure(
            handling_code=code,
            containers=[],
            transport_document="",
            **({"route": FROM_SPAIN} if code in ("red", "amber") else {}),
        )
        for code in ("red", "amber", "green", "clear")
    }


@pytest.mark.django_db
def test_regional_figures_count_only_green_and_clear_seizures(world, joint, four_codes):
    summary = region_summary(rilo=Rilo.objects.get(code="WA"), user=world.coordinator)

    assert [(row["origin"], row["destination"], row["seizures"]) for row in summary["top_routes"]] == [("IT", "NG", 2)]
    figures = summary["key_figures"]
    assert (figures["seizures"], figures["seizure_reports"], figures["linked_duplicates"]) == (2, 2, 0)
    assert (figures["tonnes"], figures["countries_reporting"]) == (25.0, 1)
    assert (figures["by_members"], figures["by_others"], figures["by_members_everywhere"]) == (2, 0, 2)
    assert [row["seizures"] for row in summary["per_month"]] == [2]
    assert [(row["code"], row["seizures"], row["tonnes"]) for row in summary["operations"]] == [(joint.code, 2, 25.0)]
    assert summary["handling_codes"] == ["clear", "green"]


@pytest.mark.django_db
def test_the_regional_page_shows_no_route_of_a_red_or_amber_seizure_and_says_why(world, joint, four_codes, page_for):
    response = page_for(world.coordinator).get(_region())
    html = response.content.decode()

    assert response.status_code == 200
    assert "Italy (IT)" in html
    assert "Spain (ES)" not in html
    assert "TLP:GREEN and TLP:CLEAR" in str(response.context["handling_note"])


@pytest.mark.django_db
def test_a_red_seizure_alone_leaves_the_region_empty(world, joint, file_seizure):
    file_seizure(handling_code="red")

    summary = region_summary(rilo=Rilo.objects.get(code="WA"), user=world.coordinator)

    assert summary["top_routes"] == []
    assert summary["per_month"] == []
    assert summary["key_figures"]["seizures"] == 0
    assert summary["key_figures"]["tonnes"] == 0


# --- 4b. who may open a region is the policy's rule report.regional ---------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.OFFICER, Role.OBSERVER])
def test_officers_and_observers_of_a_rilo_office_may_not_open_its_region(world, make_user, page_for, role):
    user = make_user(role=role, administration=world.office)
    page = page_for(user)

    assert page.get(_region()).status_code == 404
    assert "RILO West Africa" not in page.get(reverse("report-regions")).content.decode()
    assert not rilos_visible(user=user).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("coordinator", 200),  # the region's office
        ("ncp_ng", 200),  # a member country's contact point
        ("analyst_ng", 200),
        ("officer_ng", 404),
        ("observer_ng", 404),
        ("ncp_fr", 404),  # another region's country
        ("other_coordinator", 404),  # another region's office
        ("observer_unep", 404),
        ("secretariat", 200),
    ],
)
def test_each_person_meets_the_rule_report_regional(world, page_for, who, status):
    assert page_for(getattr(world, who)).get(_region()).status_code == status


@pytest.mark.django_db
def test_the_regional_page_follows_the_policy_table(world, make_user, page_for, monkeypatch):
    officer = make_user(role=Role.OFFICER, administration=world.office)
    grants = {**policy.RULES["report.regional"].grants, Role.OFFICER: frozenset({policy.Relation.OWN_ADMINISTRATION})}
    monkeypatch.setitem(policy.RULES, "report.regional", policy.Rule("report.regional", grants))

    assert page_for(officer).get(_region()).status_code == 200
    assert page_for(officer).get(_region("WE")).status_code == 404
