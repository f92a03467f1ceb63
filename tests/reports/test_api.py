"""The report API: the live debrief as JSON and stored editions."""

import pytest

URL = "/api/v1/reports/"


def _live(operation_id):
    return f"/api/v1/operations/{operation_id}/report/"


@pytest.mark.django_db
def test_the_live_report_gives_every_table_in_the_callers_language(world, joint, file_seizure, client_for):
    file_seizure()

    response = client_for(world.coordinator).get(_live(joint.pk), {"language": "fr"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["kind"], body["language"]) == ("preliminary", "fr")
    figures = {figure["key"]: figure["value"] for figure in body["key_figures"]}
    assert (figures["seizures"], figures["tonnes"]) == (1, 12.5)
    assert {"by_mea", "by_country", "top_routes", "per_day", "annex"} <= set(body["tables"])
    assert body["tables"]["by_country"]["title"] == "Saisies par pays déclarant"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer_fr", "other_coordinator", "ncp_sn"])
def test_an_operation_the_caller_may_not_see_answers_404(world, joint, client_for, who):
    assert client_for(getattr(world, who)).get(_live(joint.pk)).status_code == 404
    assert client_for(world.coordinator).get(_live(10**9)).status_code == 404


@pytest.mark.django_db
def test_anonymous_callers_are_refused(joint, client_for):
    assert client_for(None).get(_live(joint.pk)).status_code in (401, 403)
    assert client_for(None).get(URL).status_code in (401, 403)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [({"kind": "interim"}, "kind"), ({"language": "de"}, "language"), ({"baseline": "x"}, "baseline"),
     ({"baseline": 10**9}, "baseline"), ({"baseline": "self"}, "baseline")],
)  # fmt: skip
def test_a_bad_query_is_a_400_naming_it(world, joint, client_for, query, field):
    if query.get("baseline") == "self":
        query = {"baseline": joint.pk}

    response = client_for(world.coordinator).get(_live(joint.pk), query)

    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]


@pytest.mark.django_db
def test_an_edition_is_requested_listed_and_fetched(world, joint, file_seizure, client_for):
    file_seizure()
    client = client_for(world.coordinator)

    created = client.post(URL, {"operation": joint.pk, "kind": "final", "language": "en"}, format="json")

    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["version"], body["audience"]) == ("ready", 1, "coordination")
    assert set(body["downloads"]) == {"pdf", "xlsx", "json"}
    assert [item["id"] for item in client.get(URL).json()["results"]] == [body["id"]]
    assert client.get(URL, {"operation": joint.pk, "kind": "preliminary"}).json()["results"] == []
    assert client.get(f"{URL}{body['id']}/").json()["id"] == body["id"]
    assert client_for(world.analyst_ng).get(f"{URL}{body['id']}/").status_code == 404
    assert client_for(world.analyst_ng).get(URL).json()["results"] == []


@pytest.mark.django_db
def test_a_retried_request_makes_one_edition(world, joint, file_seizure, client_for):
    file_seizure()
    client = client_for(world.coordinator)
    payload = {"operation": joint.pk, "kind": "preliminary", "language": "en"}

    first = client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="debrief-1")
    again = client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="debrief-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert client.get(URL).json()["count"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [({"kind": "preliminary"}, "operation"), ({"operation": 10**9}, "operation"),
     ({"operation": "x"}, "operation"), ({"operation": "joint", "kind": "x"}, "kind")],
)  # fmt: skip
def test_a_bad_request_is_a_400_naming_the_field(world, joint, client_for, payload, field):
    body = {**payload, "operation": joint.pk} if payload.get("operation") == "joint" else payload

    response = client_for(world.coordinator).post(URL, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.django_db
def test_an_officer_may_not_generate(world, joint, client_for):
    response = client_for(world.officer_ng).post(URL, {"operation": joint.pk}, format="json")

    assert response.status_code == 403


@pytest.mark.django_db
def test_the_filters_filter(world, joint, file_seizure, client_for):
    file_seizure()
    client = client_for(world.coordinator)
    client.post(URL, {"operation": joint.pk, "kind": "final"}, format="json")
    client.post(URL, {"operation": joint.pk, "kind": "preliminary"}, format="json")

    kinds = [item["kind"] for item in client.get(URL, {"kind": "final"}).json()["results"]]
    assert kinds == ["final"]
    assert client.get(URL, {"status": "failed"}).json()["results"] == []
    assert client.get(URL, {"operation": joint.pk + 1}).json()["results"] == []
    assert client.get(URL, {"kind": "x"}).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["-201928816825224364805849088", "10000000000000000000", "0"])
def test_an_operation_filter_no_id_can_match_is_a_400_naming_it(world, joint, client_for, value):
    """Found by fuzzing: a number beyond the database's integers reached the query and answered 500."""
    response = client_for(world.coordinator).get(URL, {"operation": value})

    assert response.status_code == 400
    assert set(response.json()) == {"operation"}
