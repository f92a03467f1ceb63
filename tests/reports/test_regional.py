"""The regional view: a RILO's seizures over time and top routes across its region's operations.

In the operations world RILO West Africa ("WA") coordinates ``joint``; Nigeria, Ghana and Senegal are WA
members, France belongs to RILO Western Europe ("WE"), whose office ``world.other_coordinator`` works in.
"""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from geopy.distance import great_circle

from operations import services as operations
from reference.models import Rilo
from reports.datasets import country_positions
from reports.regional import region_operations, region_summary
from seizures import services as seizures

GHANA_ROUTE = [
    {"role": "origin", "country": "IT", "place_port": "", "place_name": "Genoa"},
    {"role": "discovery", "country": "GH", "place_port": "GHTEM", "place_name": ""},
]


def _url(code="WA"):
    return reverse("report-region", args=[code])


def _page(client, url, **query):
    response = client.get(url, query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _summary(user, **options):
    return region_summary(rilo=Rilo.objects.get(code="WA"), user=user, **options)


def _month(moment):
    return f"{timezone.localtime(moment):%Y-%m}"


def _distance(origin, destination):
    positions = country_positions({origin, destination})
    return round(great_circle(positions[origin], positions[destination]).km)


@pytest.fixture
def file_seizure(file_seizure):
    """Seizures that may travel beyond their operation (TLP:GREEN), unless a test says otherwise."""

    def make(*args, **overrides):
        overrides.setdefault("handling_code", "green")
        return file_seizure(*args, **overrides)

    return make


@pytest.fixture
def ghana_joins(world, joint):
    """Ghana's contact point accepts the invitation it has had since the operation began."""
    operations.participation_respond(
        user=world.ncp_gh, participation=joint.participations.get(administration=world.ghana), accept=True
    )


@pytest.fixture
def long_operation(world, make_operation):
    """A WA operation running for a hundred days, with Ghana alone taking part (Nigeria was not invited)."""
    now = timezone.now()
    operation = make_operation(
        code="SKY-HOLE-2026", name_en="Sky-Hole", starts_at=now - timedelta(days=100), ends_at=now + timedelta(days=5)
    )
    (participation,) = operations.participation_invite(
        user=world.coordinator, operation=operation, administrations=[world.ghana]
    )
    operations.participation_respond(user=world.ncp_gh, participation=participation, accept=True)
    return operations.operation_transition(user=world.coordinator, operation=operation, action="activate")


@pytest.fixture
def file_in_ghana(world, filing):
    def make(operation, **overrides):
        values = {"place_port": "GHTEM", "route": GHANA_ROUTE, "handling_code": "green", **overrides}
        return seizures.seizure_create(user=world.officer_gh, operation=operation, data=filing(**values), submit=True)

    return make


# --- What the V-OCU sees -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_coordinator_sees_the_operation_the_seizures_per_month_and_the_route(world, joint, file_seizure, page_for):
    first = file_seizure()
    seizures.seizure_validate(user=world.coordinator, seizure=first)
    file_seizure(containers=[], transport_document="")

    html = _page(page_for(world.coordinator), _url())

    assert "RILO West Africa" in html
    assert f'<a href="{reverse("operation-detail", args=[joint.pk])}">{joint.code}</a>' in html
    distance = _distance("IT", "NG")
    assert distance > 3000
    assert re.search(rf"<td>Italy \(IT\)</td><td>Nigeria \(NG\)</td><td>2</td><td>25\.0</td><td>{distance}</td>", html)
    summary = _summary(world.coordinator)
    assert summary["per_month"] == [{"month": _month(first.occurred_at), "seizures": 2, "tonnes": 25.0}]
    assert summary["top_routes"] == [
        {
            "origin": "IT",
            "origin_name": "Italy",
            "destination": "NG",
            "destination_name": "Nigeria",
            "seizures": 2,
            "tonnes": 25.0,
            "distance_km": distance,
        }
    ]
    assert [(row["code"], row["seizures"], row["tonnes"]) for row in summary["operations"]] == [(joint.code, 2, 25.0)]
    figures = summary["key_figures"]
    assert (figures["operations"], figures["seizures"], figures["tonnes"], figures["countries_reporting"]) == (
        1,
        2,
        25.0,
        1,
    )


@pytest.mark.django_db
def test_months_without_seizures_are_shown_as_zero_between_the_first_and_the_last(
    world, joint, file_seizure, long_operation, file_in_ghana
):
    now = timezone.now()
    early = file_in_ghana(long_operation, occurred_at=now - timedelta(days=95), containers=[], transport_document="")
    file_in_ghana(long_operation, occurred_at=now - timedelta(hours=3), containers=[], transport_document="")
    last = file_seizure()

    months = _summary(world.coordinator)["per_month"]

    assert months[0] == {"month": _month(early.occurred_at), "seizures": 1, "tonnes": 12.5}
    assert months[-1]["month"] == _month(last.occurred_at)
    assert sum(month["seizures"] for month in months) == 3
    assert len(months) >= 4
    assert 0 in [month["seizures"] for month in months[1:-1]]
    assert [month["month"] for month in months] == sorted({month["month"] for month in months})


@pytest.mark.django_db
def test_two_administrations_reporting_the_same_container_count_once(
    world, joint, file_seizure, ghana_joins, file_in_ghana, page_for
):
    nigerian = file_seizure()
    ghanaian = file_in_ghana(joint)
    ghanaian.refresh_from_db()
    nigerian.refresh_from_db()
    assert nigerian.case_id == ghanaian.case_id is not None

    summary = _summary(world.coordinator)

    figures = summary["key_figures"]
    assert (figures["seizure_reports"], figures["seizures"], figures["linked_duplicates"]) == (2, 1, 1)
    assert figures["tonnes"] == 12.5
    assert [month["seizures"] for month in summary["per_month"]] == [1]
    assert [(route["origin"], route["destination"], route["seizures"]) for route in summary["top_routes"]] == [
        ("IT", "NG", 1)
    ]
    assert [row["seizures"] for row in summary["operations"]] == [1]
    html = _page(page_for(world.coordinator), _url())
    assert "Ghana (GH)" not in html


@pytest.mark.django_db
def test_drafts_and_withdrawn_seizures_do_not_count(world, file_seizure):
    file_seizure(submit=False, containers=[], transport_document="")
    withdrawn = file_seizure(containers=[], transport_document="")
    seizures.seizure_withdraw(user=world.officer_ng, seizure=withdrawn)
    file_seizure()

    summary = _summary(world.coordinator)

    assert (summary["key_figures"]["seizures"], summary["key_figures"]["seizure_reports"]) == (1, 1)
    assert [month["seizures"] for month in summary["per_month"]] == [1]
    assert [route["seizures"] for route in summary["top_routes"]] == [1]


@pytest.mark.django_db
def test_seizures_by_the_regions_members_are_told_apart_from_those_of_others(
    world, make_operation, file_seizure, file_in_ghana, long_operation
):
    """France (a WE member) files in an operation of RILO Western Europe naming West Africa in its scope."""
    now = timezone.now()
    west_africa = Rilo.objects.get(code="WA")
    western = make_operation(
        user=world.other_coordinator,
        code="DEMETER-WE",
        coordinating_administration=world.other_office,
        coordinators=[world.other_coordinator],
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
        scope_rilos=[west_africa],
    )
    (participation,) = operations.participation_invite(
        user=world.other_coordinator, operation=western, administrations=[world.france]
    )
    operations.participation_respond(user=world.ncp_fr, participation=participation, accept=True)
    western = operations.operation_transition(user=world.other_coordinator, operation=western, action="activate")
    french = {
        "place_port": "FRLEH",
        "route": [
            {"role": "origin", "country": "FR", "place_port": "", "place_name": "Le Havre"},
            {"role": "destination", "country": "NG", "place_port": "", "place_name": "Lagos"},
            {"role": "discovery", "country": "FR", "place_port": "FRLEH", "place_name": ""},
        ],
        "containers": [],
        "transport_document": "",
    }
    file_seizure(user=world.officer_fr, operation=western, **french)
    file_seizure()
    file_in_ghana(long_operation, containers=[], transport_document="")

    assert set(region_operations(rilo=west_africa).values_list("code", flat=True)) == {
        "DEMETER-2026",
        "SKY-HOLE-2026",
        "DEMETER-WE",
    }
    figures = _summary(world.secretariat)["key_figures"]
    assert (figures["operations"], figures["seizures"], figures["by_members"], figures["by_others"]) == (3, 3, 2, 1)
    routes = {
        (route["origin"], route["destination"]): route["seizures"]
        for route in _summary(world.secretariat)["top_routes"]
    }
    assert routes == {("IT", "NG"): 1, ("IT", "GH"): 1, ("FR", "NG"): 1}
    # the V-OCU of West Africa takes no part in the Western European operation: it is not counted for them
    coordinator = _summary(world.coordinator)["key_figures"]
    assert (coordinator["operations"], coordinator["seizures"], coordinator["by_others"]) == (2, 2, 0)


# --- Who may see which region -----------------------------------------------------------------


@pytest.mark.django_db
def test_another_regions_coordinator_meets_the_same_404_as_for_an_unknown_region(world, joint, page_for):
    page = page_for(world.other_coordinator)

    hidden, unknown = page.get(_url("WA")), page.get(_url("XX"))

    assert hidden.status_code == unknown.status_code == 404
    assert hidden.content == unknown.content
    listing = _page(page, reverse("report-regions"))
    assert _url("WE") in listing
    assert _url("WA") not in listing


@pytest.mark.django_db
def test_an_unknown_region_is_not_found_even_for_the_secretariat(world, page_for):
    assert page_for(world.secretariat).get(_url("XX")).status_code == 404


@pytest.mark.django_db
def test_the_secretariat_sees_every_region(world, joint, file_seizure, page_for):
    file_seizure()
    page = page_for(world.secretariat)

    listing = _page(page, reverse("report-regions"))

    assert len(re.findall(r'href="/reports/regions/[A-Z]+/"', listing)) == Rilo.objects.count() == 11
    html = _page(page, _url("WA"))
    assert joint.code in html
    assert "Nigeria (NG)" in html
    assert _page(page, _url("WE"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "regions"),
    [
        ("coordinator", {"WA"}),
        ("office_colleague", {"WA"}),
        ("ncp_ng", {"WA"}),
        ("analyst_ng", {"WA"}),
        ("ncp_fr", {"WE"}),
        ("officer_ng", set()),
        ("observer_ng", set()),
        ("observer_unep", set()),
    ],
)
def test_people_see_their_office_or_their_countrys_region_only(world, joint, page_for, who, regions):
    page = page_for(getattr(world, who))

    listing = _page(page, reverse("report-regions"))

    assert set(re.findall(r'href="/reports/regions/([A-Z]+)/"', listing)) == regions
    for code in ("WA", "WE", "CA"):
        assert page.get(_url(code)).status_code == (200 if code in regions else 404)


@pytest.mark.django_db
def test_a_national_user_counts_only_the_operations_they_may_see(
    world, joint, file_seizure, long_operation, file_in_ghana, page_for
):
    file_seizure()
    file_in_ghana(long_operation, containers=[], transport_document="")

    html = _page(page_for(world.analyst_ng), _url())

    assert joint.code in html
    assert long_operation.code not in html
    assert "Ghana (GH)" not in html
    figures = _summary(world.analyst_ng)["key_figures"]
    assert (figures["operations"], figures["seizures"], figures["by_members_everywhere"]) == (1, 1, 1)
    assert _summary(world.coordinator)["key_figures"]["seizures"] == 2


@pytest.mark.django_db
def test_signing_in_is_required(client):
    response = client.get(_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


# --- The page ----------------------------------------------------------------------------------


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Checker(HTMLParser):
    """Well-formedness as a browser needs it: every element closed in order, ids unique."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open, self.ids, self.problems = [], [], []

    def handle_starttag(self, tag, attrs):
        self.ids += [value for name, value in attrs if name == "id"]
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.ids += [value for name, value in attrs if name == "id"]

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.open[-1] if self.open else None}>")
        else:
            self.open.pop()


@pytest.mark.django_db
def test_the_page_is_valid_html_with_accessible_inline_charts_and_no_script(world, joint, file_seizure, page_for):
    file_seizure()

    html = _page(page_for(world.coordinator), _url())

    assert html.startswith("<!doctype html>")
    checker = _Checker()
    checker.feed(html)
    assert checker.problems == []
    assert checker.open == []
    assert len(checker.ids) == len(set(checker.ids))
    main = html[html.index('<main id="main">') : html.index("</main>")]
    assert "<script" not in main
    assert not re.search(r"<[^>]+\son[a-z]+=", main), "no event handler attributes"
    charts = re.findall(r"<svg\b.*?</svg>", main, flags=re.S)
    assert len(charts) == 2
    for markup in charts:
        svg = ET.fromstring(markup)
        assert svg.get("role") == "img"
        assert svg.find("{http://www.w3.org/2000/svg}title").text in ("Seizures per month", "Top routes")
        assert svg.get("viewBox")
    assert "IT → NG" in charts[1]


@pytest.mark.django_db
def test_the_page_is_aggregated_in_sql_whatever_the_number_of_seizures(
    world, joint, file_seizure, long_operation, file_in_ghana, page_for
):
    page = page_for(world.coordinator)
    file_seizure()

    with CaptureQueriesContext(connection) as few:
        page.get(_url())
    for _ in range(3):
        file_seizure(containers=[], transport_document="")
        file_in_ghana(long_operation, containers=[], transport_document="")
    with CaptureQueriesContext(connection) as more:
        page.get(_url())

    assert len(more) == len(few)


@pytest.mark.django_db
def test_an_empty_region_shows_no_data_charts(world, page_for):
    html = _page(page_for(world.coordinator), _url())

    assert html.count(">No data</text>") == 2
    assert "No route to show." in html
    assert "No operation to show." in html


@pytest.mark.django_db
def test_figures_start_from_the_day_asked_for(world, joint, file_seizure, page_for):
    file_seizure()
    page = page_for(world.coordinator)
    tomorrow = (timezone.now() + timedelta(days=1)).date().isoformat()

    assert _summary(world.coordinator, since=timezone.now() + timedelta(days=1))["key_figures"]["seizures"] == 0
    html = _page(page, _url(), since=tomorrow)
    assert f'value="{tomorrow}"' in html
    assert "Nigeria (NG)" not in html
    assert "Nigeria (NG)" in _page(page, _url(), since=(timezone.now() - timedelta(days=3)).date().isoformat())
    wrong = page.get(_url(), {"since": "yesterday"})
    assert wrong.status_code == 400
    assert "Enter a valid date." in wrong.content.decode()
    assert "Nigeria (NG)" in wrong.content.decode(), "an unreadable date shows every figure"


@pytest.mark.django_db
def test_a_french_user_reads_the_page_in_french(world, joint, file_seizure, page_for):
    seizure = file_seizure()
    world.coordinator.language = "fr"
    world.coordinator.save()
    page = page_for(world.coordinator)
    page.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    html = _page(page, _url())

    assert '<html lang="fr">' in html
    assert "BRLR Afrique de l&#x27;Ouest" in html
    assert "Déméter 2026" in html
    assert '<th scope="col">Statut</th>' in html
    assert '<th scope="col">Période</th>' in html
    with translation.override("fr"):
        month = date_format(timezone.localtime(seizure.occurred_at).date().replace(day=1), "YEAR_MONTH_FORMAT")
    assert month in html
    assert "<td>Italie (IT)</td>" in html
