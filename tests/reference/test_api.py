import pytest
from django.urls import reverse

from reference.models import Country

ENDPOINTS = ["countries", "rilos", "meas", "hs-codes", "units", "waste-codes", "ods-substances", "cites-terms", "ports"]


def _results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_callers_are_refused(api_client, endpoint):
    response = api_client.get(f"/api/v1/reference/{endpoint}/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_member_can_list_reference_data(officer_client, endpoint):
    body = officer_client.get(f"/api/v1/reference/{endpoint}/").json()
    assert body["count"] > 0
    assert len(body["results"]) == min(body["count"], 50)


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_unknown_reference_code_answers_404(officer_client, endpoint):
    assert officer_client.get(f"/api/v1/reference/{endpoint}/NOPE9/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_reference_data_is_read_only(officer_client, method):
    response = getattr(officer_client, method)("/api/v1/reference/meas/BASEL/", {"topic": "E"})
    assert response.status_code == 405


@pytest.mark.django_db
def test_hs_search_by_word_returns_only_matching_hs2022_codes(officer_client):
    body = officer_client.get("/api/v1/reference/hs-codes/", {"search": "waste", "limit": 1000}).json()
    assert body["count"] > 50
    assert all("waste" in row["description"].lower() for row in body["results"])
    codes = {row["code"] for row in body["results"]}
    assert {"3915", "8549", "854911"} <= codes
    assert all(row["edition"] == "HS2022" for row in body["results"])


@pytest.mark.django_db
def test_hs_code_prefix_and_words_filters(officer_client):
    by_prefix = _results(officer_client.get("/api/v1/reference/hs-codes/", {"code": "8549.1", "limit": 100}))
    assert by_prefix
    assert all(row["code"].startswith("85491") for row in by_prefix)

    by_words = _results(officer_client.get("/api/v1/reference/hs-codes/", {"q": "lead-acid waste", "limit": 100}))
    assert by_words
    assert all("lead-acid" in row["description"].lower() and "waste" in row["description"].lower() for row in by_words)

    by_digits = _results(officer_client.get("/api/v1/reference/hs-codes/", {"q": "2903", "limit": 1000}))
    assert by_digits
    assert all(row["code"].startswith("2903") for row in by_digits)


@pytest.mark.django_db
def test_hs_level_and_mea_filters(officer_client):
    chapters = _results(officer_client.get("/api/v1/reference/hs-codes/", {"level": "2", "limit": 200}))
    assert chapters
    assert all(len(row["code"]) == 2 for row in chapters)

    montreal = _results(officer_client.get("/api/v1/reference/hs-codes/", {"mea": "MONTREAL", "limit": 1000}))
    codes = {row["code"] for row in montreal}
    assert "290341" in codes
    assert "0106" not in codes


@pytest.mark.django_db
def test_rilos_list_eleven_offices_with_members(officer_client):
    body = officer_client.get("/api/v1/reference/rilos/").json()
    assert body["count"] == 11
    for rilo in body["results"]:
        assert rilo["members"], rilo["code"]
    western_europe = next(rilo for rilo in body["results"] if rilo["code"] == "WE")
    assert "FR" in {member["code"] for member in western_europe["members"]}

    filtered = _results(officer_client.get("/api/v1/reference/rilos/", {"member": "ng"}))
    assert [rilo["code"] for rilo in filtered] == ["WA"]


@pytest.mark.django_db
def test_country_filters_and_french_names(officer_client):
    members = _results(officer_client.get("/api/v1/reference/countries/", {"rilo": "WA", "limit": 100}))
    assert members
    assert all(row["rilo"] == "WA" for row in members)

    germany = officer_client.get("/api/v1/reference/countries/DE/", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert germany["name"] == "Allemagne"
    assert germany["name_en"] == "Germany"


@pytest.mark.django_db
def test_mea_filters_and_links(officer_client):
    agreements = _results(officer_client.get("/api/v1/reference/meas/", {"kind": "agreement"}))
    assert agreements
    assert all(row["kind"] == "agreement" for row in agreements)
    ozone = _results(officer_client.get("/api/v1/reference/meas/", {"topic": "D"}))
    assert [row["code"] for row in ozone] == ["MONTREAL"]
    basel = officer_client.get("/api/v1/reference/meas/BASEL/").json()
    assert "3915" in {link["hs_code"] for link in basel["hs_links"]}


@pytest.mark.django_db
def test_unit_waste_ods_and_term_filters(officer_client):
    volumes = _results(officer_client.get("/api/v1/reference/units/", {"dimension": "volume"}))
    assert volumes
    assert all(row["dimension"] == "volume" for row in volumes)
    cites_units = _results(officer_client.get("/api/v1/reference/units/", {"is_cites": "true", "limit": 200}))
    assert cites_units
    assert all(row["is_cites"] for row in cites_units)

    a_list = _results(officer_client.get("/api/v1/reference/waste-codes/", {"annex": "VIII", "limit": 200}))
    assert a_list
    assert all(row["code"].startswith("A") for row in a_list)

    hfcs = _results(officer_client.get("/api/v1/reference/ods-substances/", {"family": "HFC", "limit": 200}))
    assert hfcs
    assert all(row["code"].startswith("HFC") for row in hfcs)

    by_unit = _results(officer_client.get("/api/v1/reference/cites-terms/", {"preferred_unit": "NOS", "limit": 200}))
    assert "LIV" in {row["code"] for row in by_unit}
    assert all(row["preferred_unit"] == "NOS" for row in by_unit)


@pytest.mark.django_db
def test_port_filters_and_search(officer_client):
    seaports = _results(officer_client.get("/api/v1/reference/ports/", {"kind": "seaport", "country": "NG"}))
    assert seaports
    assert all(row["kind"] == "seaport" and row["country"] == "NG" for row in seaports)

    west_africa = _results(officer_client.get("/api/v1/reference/ports/", {"rilo": "WA", "limit": 1000}))
    assert west_africa
    assert {row["country"] for row in west_africa} <= set(
        Country.objects.filter(rilo="WA").values_list("code", flat=True)
    )

    found = _results(officer_client.get("/api/v1/reference/ports/", {"search": "CDG"}))
    assert "LFPG" in {row["code"] for row in found}


@pytest.mark.django_db
def test_invalid_filter_value_is_a_400_naming_the_field(officer_client):
    response = officer_client.get("/api/v1/reference/hs-codes/", {"level": "9"})
    assert response.status_code == 400
    assert "level" in response.json()


def test_reference_routes_are_named_under_the_app_namespace():
    assert reverse("reference-api:hscode-list") == "/api/v1/reference/hs-codes/"
