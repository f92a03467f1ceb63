"""The seizures REST API: /api/v1/seizures/, its review actions and its history.

Every endpoint is tried anonymous, by a role that may see the seizure but not do this (403), by
someone who may not see it (404, exactly like a missing id), with bad input (400 naming the field,
nested as DRF nests list items) and with good input. Every list filter is shown to filter.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from drf_spectacular.drainage import GENERATOR_STATS

from accounts.choices import Role
from accounts.models import AccessLog
from messaging.models import Event, Post
from operations import services as operations
from seizures.choices import SeizureStatus
from seizures.models import Party, Seizure

URL = "/api/v1/seizures/"
MISSING = 999_999
NOT_REPORTER = "Only the reporting administration can change this seizure."
NOT_REVIEWER = "Only the operation's coordinators review seizures."
CANNOT_FILE = "Only officers of an administration taking part in this operation can file in it."
NO_OPERATION = "No operation you take part in has this id."
PARTY_NAMES = ["Eurotrade Srl", "John Doe"]

DETAIL_ENDPOINTS = [
    ("get", "{id}/"),
    ("put", "{id}/"),
    ("patch", "{id}/"),
    ("get", "{id}/history/"),
    ("post", "{id}/submit/"),
    ("post", "{id}/validate/"),
    ("post", "{id}/request-info/"),
    ("post", "{id}/withdraw/"),
]

#: Lines that differ from the default filing's waste lines in MEA, HS code or how usual they are.
OZONE_LINE = {
    "mea": "MONTREAL",
    "hs_code": "2903.71",
    "description": "HCFC-22 cylinders",
    "quantity": "300",
    "unit": "KGM",
}
PLASTIC_LINE = {"mea": "BASEL", "hs_code": "3915.10", "description": "Plastic scrap", "quantity": "8", "unit": "TNE"}
TYRE_LINE = {"mea": "BASEL", "hs_code": "4011.20", "description": "Tyres for lorries", "quantity": "3", "unit": "TNE"}
#: Filed second in a pair, so that it shares no container or bill of lading with the first.
APART = {"containers": [], "transport_document": ""}


def _jsonable(value):
    """A filing as a client sends it: dates in ISO 8601, decimals as strings."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _payload(filing, operation, *, submit=False, **overrides):
    return {**_jsonable(filing(**overrides)), "operation": operation.pk, "submit": submit}


def _iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


def _ids(response):
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])
    return {row["id"] for row in body["results"]}


def _accept(world, operation, administration, ncp):
    participation = operation.participations.get(administration=administration)
    operations.participation_respond(user=ncp, participation=participation, accept=True)


def _seizure_events():
    return list(Event.objects.filter(type="seizure").order_by("id").values_list("op", flat=True))


def _party_reads(user):
    return AccessLog.objects.filter(user=user, object_type="party", action=AccessLog.Action.READ)


@pytest.fixture
def ghana_joins(world, joint):
    """Ghana accepts its invitation: its people now see the seizures shared with the operation."""
    _accept(world, joint, world.ghana, world.ncp_gh)


# --- Anonymous ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), [("get", ""), ("post", ""), *DETAIL_ENDPOINTS])
def test_anonymous_callers_get_401_and_change_nothing(client_for, file_seizure, method, path):
    seizure = file_seizure()

    response = getattr(client_for(), method)(URL + path.format(id=seizure.pk), {}, format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    seizure.refresh_from_db()
    assert (seizure.status, seizure.version) == (SeizureStatus.SUBMITTED, 1)
    assert Seizure.objects.count() == 1


# --- Who sees what ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["officer_gh", "ncp_gh", "officer_sn", "officer_fr", "other_coordinator", "office_colleague"]
)
@pytest.mark.parametrize(("method", "path"), DETAIL_ENDPOINTS)
def test_outsiders_get_exactly_the_404_of_a_missing_seizure(
    world, file_seizure, filing, client_for, name, method, path
):
    seizure = file_seizure()
    client = client_for(getattr(world, name))
    body = {**_jsonable(filing(narrative="Hijacked")), "comment": "Why?"}

    hidden = getattr(client, method)(URL + path.format(id=seizure.pk), body, format="json")
    missing = getattr(client, method)(URL + path.format(id=MISSING), body, format="json")

    assert missing.status_code == 404
    assert (hidden.status_code, hidden.content) == (missing.status_code, missing.content)
    seizure.refresh_from_db()
    assert (seizure.status, seizure.version, seizure.narrative) == (
        SeizureStatus.SUBMITTED,
        1,
        "Used fridges declared as second-hand goods.",
    )
    assert not _party_reads(getattr(world, name)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["officer_gh", "ncp_gh", "officer_fr", "other_coordinator", "office_colleague"])
def test_the_list_never_shows_a_seizure_to_who_may_not_see_it(world, file_seizure, client_for, name):
    file_seizure()

    assert _ids(client_for(getattr(world, name)).get(URL)) == set()


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), DETAIL_ENDPOINTS)
def test_a_draft_is_hidden_from_the_coordinators(world, file_seizure, client_for, method, path):
    draft = file_seizure(submit=False)
    client = client_for(world.coordinator)

    hidden = getattr(client, method)(URL + path.format(id=draft.pk), {"comment": "Why?"}, format="json")
    missing = getattr(client, method)(URL + path.format(id=MISSING), {"comment": "Why?"}, format="json")

    assert (hidden.status_code, hidden.content) == (404, missing.content)
    assert _ids(client.get(URL)) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["officer_ng", "ncp_ng", "analyst_ng", "observer_ng", "coordinator", "secretariat"])
def test_a_submitted_seizure_is_shown_to_its_administration_and_the_coordinators(world, file_seizure, client_for, name):
    seizure = file_seizure()
    client = client_for(getattr(world, name))

    assert _ids(client.get(URL)) == {seizure.pk}
    assert client.get(f"{URL}{seizure.pk}/").status_code == 200


@pytest.mark.django_db
def test_a_participant_sees_what_is_shared_with_the_operation_only(world, file_seizure, client_for, ghana_joins):
    shared = file_seizure()
    kept = file_seizure(handling_code="red", **APART)
    client = client_for(world.officer_gh)

    assert _ids(client.get(URL)) == {shared.pk}
    assert client.get(f"{URL}{shared.pk}/").status_code == 200
    assert client.get(f"{URL}{kept.pk}/").status_code == 404
    assert client_for(world.coordinator).get(f"{URL}{kept.pk}/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("seizure_id", ["abc", "1e3", "-1", "1" * 19, str(2**63)])
@pytest.mark.parametrize(("method", "path"), DETAIL_ENDPOINTS)
def test_ids_that_are_not_database_ids_are_404(world, file_seizure, client_for, seizure_id, method, path):
    file_seizure()

    response = getattr(client_for(world.officer_ng), method)(URL + path.format(id=seizure_id), {}, format="json")

    assert response.status_code == 404


# --- Retrieve: parties --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_coordinator_reads_the_parties_and_each_read_is_logged(world, file_seizure, client_for):
    seizure = file_seizure()
    party_ids = {str(pk) for pk in Party.objects.filter(seizure=seizure).values_list("pk", flat=True)}
    client = client_for(world.coordinator)

    first = client.get(f"{URL}{seizure.pk}/")

    assert first.status_code == 200
    body = first.json()
    assert sorted((party["kind"], party["role"], party["name"]) for party in body["parties"]) == [
        ("company", "exporter", "Eurotrade Srl"),
        ("person", "suspect", "John Doe"),
    ]
    assert body["party_counts"] == {"total": 2, "person": 1, "company": 1}
    reads = _party_reads(world.coordinator)
    assert sorted(reads.values_list("object_id", flat=True)) == sorted(party_ids)
    assert set(reads.values_list("channel", flat=True)) == {"api"}
    assert all(row.startswith(seizure.reference) for row in reads.values_list("reference", flat=True))

    client.get(f"{URL}{seizure.pk}/")

    assert _party_reads(world.coordinator).count() == 4
    assert sorted(_party_reads(world.coordinator).values_list("object_id", flat=True)) == sorted([*party_ids] * 2)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["officer_gh", "secretariat"])
def test_other_viewers_see_how_many_parties_but_not_who(world, file_seizure, client_for, ghana_joins, name):
    seizure = file_seizure()
    user = getattr(world, name)

    response = client_for(user).get(f"{URL}{seizure.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["parties"] is None
    assert body["party_counts"] == {"total": 2, "person": 1, "company": 1}
    assert not any(party in response.content.decode() for party in PARTY_NAMES)
    assert not _party_reads(user).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["officer_ng", "coordinator", "officer_gh"])
def test_the_list_never_names_a_party_and_logs_nothing(world, file_seizure, client_for, ghana_joins, name):
    seizure = file_seizure()
    user = getattr(world, name)
    before = AccessLog.objects.count()

    response = client_for(user).get(URL)

    assert response.status_code == 200
    text = response.content.decode()
    assert not any(party in text for party in PARTY_NAMES)
    (row,) = response.json()["results"]
    assert row["id"] == seizure.pk
    assert row["parties"] is None
    assert row["party_counts"]["total"] == 2
    assert AccessLog.objects.count() == before


@pytest.mark.django_db
def test_a_seizure_is_shown_with_its_lines_route_and_reference(world, joint, file_seizure, client_for):
    seizure = file_seizure()

    body = client_for(world.coordinator).get(f"{URL}{seizure.pk}/").json()

    assert body["id"] == seizure.pk
    assert body["url"] == f"/seizures/{seizure.pk}/"
    assert (body["reference"], body["status"], body["version"]) == ("DEMETER-2026/NG/0001", "submitted", 1)
    assert (body["operation"], body["operation_code"]) == (joint.pk, "DEMETER-2026")
    assert (body["administration"], body["country"], body["filed_by"]) == (
        world.nigeria.code,
        "NG",
        world.officer_ng.username,
    )
    assert (body["place_port"], body["place_locode"]) == ("NGAPP", "NGAPP")
    assert [(line["position"], line["mea"], line["hs_code"]) for line in body["lines"]] == [
        (1, "BASEL", "854911"),
        (2, "BASEL", "841810"),
    ]
    assert body["lines"][0]["kg"] == "12500.000000"
    assert [(leg["position"], leg["role"], leg["country"]) for leg in body["route"]] == [
        (1, "origin", "IT"),
        (2, "transit", "ES"),
        (3, "discovery", "NG"),
    ]
    assert (body["flagged"], body["findings"]) == (False, [])


# --- Create -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_officer_files_a_draft(world, joint, filing, client_for):
    response = client_for(world.officer_ng).post(URL, _payload(filing, joint), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["version"], body["submitted_at"]) == ("draft", 0, None)
    assert body["reference"] == "DEMETER-2026/NG/0001"
    assert len(body["parties"]) == 2
    seizure = Seizure.objects.get()
    assert (seizure.pk, seizure.filed_by, seizure.administration) == (body["id"], world.officer_ng, world.nigeria)
    assert _seizure_events() == []
    assert not Post.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["officer_ng", "ncp_ng"])
def test_filing_with_submit_sends_it_to_the_v_ocu_at_once(world, joint, filing, client_for, name):
    response = client_for(getattr(world, name)).post(URL, _payload(filing, joint, submit=True), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["version"]) == ("submitted", 1)
    assert body["submitted_at"] is not None
    assert Seizure.objects.get().status == SeizureStatus.SUBMITTED
    assert _seizure_events() == ["add"]
    assert Post.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["analyst_ng", "observer_ng", "coordinator", "secretariat", "ncp_gh", "ncp_sn"])
def test_who_sees_the_operation_but_may_not_file_gets_403(world, joint, filing, client_for, name):
    response = client_for(getattr(world, name)).post(URL, _payload(filing, joint, submit=True), format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": CANNOT_FILE}
    assert not Seizure.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["officer_gh", "officer_sn", "officer_fr", "other_coordinator"])
def test_filing_into_an_operation_one_does_not_see_is_the_400_of_a_missing_one(world, joint, filing, client_for, name):
    client = client_for(getattr(world, name))

    hidden = client.post(URL, _payload(filing, joint, submit=True), format="json")
    missing = client.post(URL, {**_payload(filing, joint, submit=True), "operation": MISSING}, format="json")

    assert (hidden.status_code, hidden.json()) == (400, {"operation": [NO_OPERATION]})
    assert (missing.status_code, missing.content) == (hidden.status_code, hidden.content)
    assert not Seizure.objects.exists()


@pytest.mark.django_db
def test_an_operation_that_has_not_started_refuses_seizures(world, make_operation, filing, client_for):
    planned = make_operation(code="LATER-2026")
    operations.participation_invite(user=world.coordinator, operation=planned, administrations=[world.nigeria])
    _accept(world, planned, world.nigeria, world.ncp_ng)
    operations.operation_transition(user=world.coordinator, operation=planned, action="schedule")

    response = client_for(world.officer_ng).post(URL, _payload(filing, planned), format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["operation"] == ["Operation LATER-2026 does not accept seizure reports now: it is planned."]
    assert not Seizure.objects.exists()


def _set(path, value):
    """Change one value deep in a JSON filing: ``_set("lines.1.hs_code", "9999.99")``."""

    def change(payload):
        *parents, last = path.split(".")
        target = payload
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value
        return payload

    return change


_DELETE = object()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            _set("lines.1.hs_code", "9999.99"),
            {"lines": {"1": {"hs_code": ["999999 is not a heading or subheading of HS 2022."]}}},
        ),
        (
            _set("lines.1.hs_code", "84-18"),
            {
                "lines": {
                    "1": {"hs_code": ["An HS code has 4 or 6 digits, optionally followed by 2 to 4 national digits."]},
                }
            },
        ),
        (_set("lines.1.mea", "KYOTO"), {"lines": {"1": {"mea": ["Unknown MEA KYOTO."]}}}),
        (_set("lines.1.quantity", "0"), {"lines": {"1": {"quantity": ["The quantity must be greater than zero."]}}}),
        (_set("lines.1.unit", "XYZ"), {"lines": {"1": {"unit": ["Unknown unit XYZ."]}}}),
        (_set("lines.1.quantity", "lots"), {"lines": {"1": {"quantity": ["A valid number is required."]}}}),
        (
            _set("lines", []),
            {
                "lines": ["Report at least one commodity line."],
                "reasons": ["Basel Article 9 reasons apply to waste: add a waste line or leave them out."],
            },
        ),
        (_set("lines", _DELETE), {"lines": ["This field is required."]}),
        (
            _set("route.2.country", "GH"),
            {"route": {"2": {"country": ["The country of discovery is the reporting country (NG)."]}}},
        ),
        (_set("route.1.country", "ZZ"), {"route": {"1": {"country": ["Unknown country code ZZ."]}}}),
        (_set("route.0.role", "somewhere"), {"route": {"0": {"role": ['"somewhere" is not a valid choice.']}}}),
        (
            _set("route.2.role", "destination"),
            {"route": ["Mark the leg where the goods were discovered: it is your country (NG)."]},
        ),
        (
            _set("containers", ["CSQU3054384"]),
            {"containers": ["CSQU3054384: The container number check digit is wrong (expected 3, given 4)."]},
        ),
        (
            _set("containers", ["CSQU305438"]),
            {
                "containers": [
                    "CSQU305438: A container number has four letters and seven digits, such as CSQU 305438 3."
                ]
            },
        ),
        (_set("place_port", "NGXXX"), {"place_port": ["No port or airport has the code NGXXX."]}),
        (_set("place_port", "GHTEM"), {"place_port": ["The place of seizure must be in your country (NG)."]}),
        (_set("transport_mode", "0"), {"transport_mode": ['"0" is not a valid choice.']}),
        (_set("occurred_at", "yesterday"), None),
        (_set("operation", "DEMETER-2026"), {"operation": ["A valid integer is required."]}),
        (_set("operation", _DELETE), {"operation": ["This field is required."]}),
        (
            _set("parties.0.date_of_birth", "1970-01-01"),
            {
                "parties": {
                    "0": {
                        "kind": [
                            "A company has a registration number, not a date of birth, "
                            "nationality or identity document."
                        ]
                    }
                }
            },
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field(world, joint, filing, client_for, change, errors):
    payload = change(_payload(filing, joint, submit=True))

    response = client_for(world.officer_ng).post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    if errors is None:
        assert set(body) == {"occurred_at"}
    else:
        assert body == errors
    assert not Seizure.objects.exists()
    assert _seizure_events() == []


@pytest.mark.django_db
def test_a_seizure_outside_the_operation_window_is_a_400_naming_the_window(world, joint, filing, client_for):
    payload = _payload(filing, joint, occurred_at=joint.starts_at - timedelta(minutes=1))

    response = client_for(world.officer_ng).post(URL, payload, format="json")

    assert response.status_code == 400
    window = f"{joint.starts_at:%Y-%m-%d %H:%M} UTC to {joint.ends_at:%Y-%m-%d %H:%M} UTC"
    assert response.json() == {"occurred_at": [f"The seizure date must fall within the operation's window, {window}."]}


@pytest.mark.django_db
def test_a_seizure_in_the_future_is_a_400(world, joint, filing, client_for):
    payload = _payload(filing, joint, occurred_at=timezone.now() + timedelta(hours=1))

    response = client_for(world.officer_ng).post(URL, payload, format="json")

    assert response.status_code == 400
    assert response.json() == {"occurred_at": ["The seizure date cannot be in the future."]}


@pytest.mark.django_db
def test_every_problem_is_named_in_one_answer(world, joint, filing, client_for):
    payload = _payload(filing, joint, submit=True)
    payload["lines"][1]["hs_code"] = "9999.99"
    payload["route"][2]["country"] = "GH"
    payload["containers"] = ["CSQU3054384"]

    response = client_for(world.officer_ng).post(URL, payload, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "lines": {"1": {"hs_code": ["999999 is not a heading or subheading of HS 2022."]}},
        "route": {"2": {"country": ["The country of discovery is the reporting country (NG)."]}},
        "containers": ["CSQU3054384: The container number check digit is wrong (expected 3, given 4)."],
    }


@pytest.mark.django_db
def test_domain_errors_on_list_items_take_the_shape_drf_gives_shape_errors(world, joint, filing, client_for):
    shape = _payload(filing, joint)
    shape["lines"][1]["quantity"] = "lots"
    domain = _payload(filing, joint)
    domain["lines"][1]["hs_code"] = "9999.99"
    client = client_for(world.officer_ng)

    shape_errors = client.post(URL, shape, format="json").json()["lines"]
    domain_errors = client.post(URL, domain, format="json").json()["lines"]

    assert shape_errors == {"1": {"quantity": ["A valid number is required."]}}
    assert type(domain_errors) is type(shape_errors)


# --- Update -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_patching_the_narrative_of_a_submitted_seizure_makes_a_new_version(world, file_seizure, client_for):
    seizure = file_seizure()

    response = client_for(world.officer_ng).patch(
        f"{URL}{seizure.pk}/", {"narrative": "Fridges still charged with R-12."}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["version"], body["narrative"]) == ("submitted", 2, "Fridges still charged with R-12.")
    assert [line["hs_code"] for line in body["lines"]] == ["854911", "841810"]
    assert len(body["parties"]) == 2
    seizure.refresh_from_db()
    assert (seizure.version, seizure.narrative) == (2, "Fridges still charged with R-12.")
    assert Party.objects.filter(seizure=seizure).count() == 2
    assert _seizure_events() == ["add", "update"]


@pytest.mark.django_db
def test_a_full_update_replaces_lines_and_route(world, file_seizure, filing, client_for):
    seizure = file_seizure()
    payload = _jsonable(filing(lines=[PLASTIC_LINE], route=[{"role": "discovery", "country": "NG"}]))
    del payload["parties"]

    response = client_for(world.officer_ng).put(f"{URL}{seizure.pk}/", payload, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert [(line["mea"], line["hs_code"]) for line in body["lines"]] == [("BASEL", "391510")]
    assert [(leg["role"], leg["country"]) for leg in body["route"]] == [("discovery", "NG")]
    assert body["version"] == 2
    assert body["party_counts"]["total"] == 2


@pytest.mark.django_db
def test_a_put_needs_the_whole_filing(world, file_seizure, client_for):
    seizure = file_seizure()

    response = client_for(world.officer_ng).put(f"{URL}{seizure.pk}/", {"narrative": "Only this"}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"occurred_at", "lines", "route"}
    seizure.refresh_from_db()
    assert seizure.version == 1


@pytest.mark.django_db
def test_a_draft_is_edited_without_versions(world, file_seizure, client_for):
    draft = file_seizure(submit=False)

    response = client_for(world.officer_ng).patch(f"{URL}{draft.pk}/", {"narrative": "Typo fixed"}, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["version"]) == ("draft", 0)
    assert _seizure_events() == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.OFFICER, Role.NATIONAL_CONTACT])
def test_a_colleague_of_the_same_administration_may_patch(world, file_seizure, client_for, make_user, role):
    seizure = file_seizure()
    colleague = make_user(role=role, administration=world.nigeria)

    response = client_for(colleague).patch(f"{URL}{seizure.pk}/", {"narrative": "Seen by a colleague"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    assert response.json()["filed_by"] == world.officer_ng.username


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["coordinator", "secretariat", "analyst_ng", "observer_ng", "officer_gh"])
@pytest.mark.parametrize("method", ["put", "patch"])
def test_who_sees_but_did_not_report_cannot_change_it(
    world, file_seizure, filing, client_for, ghana_joins, name, method
):
    seizure = file_seizure()
    payload = _jsonable(filing(narrative="Hijacked"))

    response = getattr(client_for(getattr(world, name)), method)(f"{URL}{seizure.pk}/", payload, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": NOT_REPORTER}
    seizure.refresh_from_db()
    assert (seizure.version, seizure.narrative) == (1, "Used fridges declared as second-hand goods.")


@pytest.mark.django_db
def test_bad_input_on_update_is_a_400_naming_the_item(world, file_seizure, client_for):
    seizure = file_seizure()
    lines = [{**PLASTIC_LINE}, {**PLASTIC_LINE, "hs_code": "0000"}]

    response = client_for(world.officer_ng).patch(f"{URL}{seizure.pk}/", {"lines": lines}, format="json")

    assert response.status_code == 400
    assert response.json() == {"lines": {"1": {"hs_code": ["0000 is not a heading or subheading of HS 2022."]}}}
    seizure.refresh_from_db()
    assert seizure.version == 1


@pytest.mark.django_db
def test_changing_a_validated_seizure_sends_it_back_to_the_v_ocu(world, file_seizure, client_for):
    seizure = file_seizure()
    assert client_for(world.coordinator).post(f"{URL}{seizure.pk}/validate/").status_code == 200

    response = client_for(world.officer_ng).patch(f"{URL}{seizure.pk}/", {"narrative": "Late detail"}, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["version"], response.json()["validated_at"]) == (
        "submitted",
        3,
        None,
    )


@pytest.mark.django_db
def test_a_withdrawn_seizure_cannot_be_changed(world, file_seizure, client_for):
    seizure = file_seizure()
    client = client_for(world.officer_ng)
    client.post(f"{URL}{seizure.pk}/withdraw/")

    response = client.patch(f"{URL}{seizure.pk}/", {"narrative": "Undo"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"status": ["A withdrawn seizure can no longer be changed."]}


# --- Review and life cycle ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_draft_is_submitted_by_its_administration(world, file_seizure, client_for):
    draft = file_seizure(submit=False)

    response = client_for(world.ncp_ng).post(f"{URL}{draft.pk}/submit/")

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["version"]) == ("submitted", 1)
    assert _seizure_events() == ["add"]
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_submitting_twice_is_a_400_naming_the_status(world, file_seizure, client_for):
    seizure = file_seizure()

    response = client_for(world.officer_ng).post(f"{URL}{seizure.pk}/submit/")

    assert response.status_code == 400
    assert response.json() == {
        "status": ["This seizure is submitted: only drafts and seizures sent back for information are submitted."]
    }
    assert _seizure_events() == ["add"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["analyst_ng", "observer_ng"])
@pytest.mark.parametrize("action", ["submit", "withdraw"])
def test_only_officers_and_contact_points_submit_and_withdraw(world, file_seizure, client_for, name, action):
    draft = file_seizure(submit=False)

    response = client_for(getattr(world, name)).post(f"{URL}{draft.pk}/{action}/")

    assert response.status_code == 403
    assert response.json()["detail"].startswith("Only the reporting administration can")
    draft.refresh_from_db()
    assert draft.status == SeizureStatus.DRAFT


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["submit", "withdraw"])
def test_the_coordinator_cannot_submit_or_withdraw_for_the_administration(world, file_seizure, client_for, action):
    seizure = file_seizure()

    response = client_for(world.coordinator).post(f"{URL}{seizure.pk}/{action}/")

    assert response.status_code == 403
    seizure.refresh_from_db()
    assert seizure.status == SeizureStatus.SUBMITTED


@pytest.mark.django_db
def test_the_coordinator_validates_with_a_comment(world, file_seizure, client_for):
    seizure = file_seizure()

    response = client_for(world.coordinator).post(
        f"{URL}{seizure.pk}/validate/", {"comment": "Confirmed by the port."}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["version"], body["review_comment"]) == ("validated", 2, "Confirmed by the port.")
    assert body["validated_at"] is not None
    assert _seizure_events() == ["add", "validate"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["officer_ng", "ncp_ng", "secretariat", "officer_gh"])
@pytest.mark.parametrize("action", ["validate", "request-info"])
def test_only_the_operation_coordinators_review(world, file_seizure, client_for, ghana_joins, name, action):
    seizure = file_seizure()

    response = client_for(getattr(world, name)).post(f"{URL}{seizure.pk}/{action}/", {"comment": "OK"}, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": NOT_REVIEWER}
    seizure.refresh_from_db()
    assert seizure.status == SeizureStatus.SUBMITTED


@pytest.mark.django_db
def test_a_validated_seizure_is_not_reviewed_again(world, file_seizure, client_for):
    seizure = file_seizure()
    client = client_for(world.coordinator)
    client.post(f"{URL}{seizure.pk}/validate/")

    response = client.post(f"{URL}{seizure.pk}/request-info/", {"comment": "More?"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"status": ["This seizure is validated: only submitted seizures are reviewed."]}


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"comment": ""}, {"comment": "   "}])
def test_a_request_for_information_needs_a_comment(world, file_seizure, client_for, body):
    seizure = file_seizure()

    response = client_for(world.coordinator).post(f"{URL}{seizure.pk}/request-info/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"comment": ["Say what information is needed."]}
    seizure.refresh_from_db()
    assert seizure.status == SeizureStatus.SUBMITTED


@pytest.mark.django_db
def test_an_overlong_comment_is_a_400(world, file_seizure, client_for):
    seizure = file_seizure()

    response = client_for(world.coordinator).post(
        f"{URL}{seizure.pk}/validate/", {"comment": "x" * 5001}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"comment"}


@pytest.mark.django_db
def test_information_requested_and_given_then_resubmitted(world, file_seizure, client_for):
    seizure = file_seizure()

    asked = client_for(world.coordinator).post(
        f"{URL}{seizure.pk}/request-info/", {"comment": "Which vessel?"}, format="json"
    )
    answered = client_for(world.officer_ng).patch(
        f"{URL}{seizure.pk}/", {"vessel_name": "GRANDE AFRICA"}, format="json"
    )
    resubmitted = client_for(world.officer_ng).post(f"{URL}{seizure.pk}/submit/")

    assert asked.status_code == 200, asked.content
    assert (asked.json()["status"], asked.json()["review_comment"]) == ("info_requested", "Which vessel?")
    assert answered.json()["status"] == "info_requested"
    assert (resubmitted.json()["status"], resubmitted.json()["version"]) == ("submitted", 4)
    assert _seizure_events() == ["add", "request_info", "update", "resubmit"]
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_the_administration_withdraws_a_seizure(world, file_seizure, client_for):
    seizure = file_seizure()

    response = client_for(world.officer_ng).post(
        f"{URL}{seizure.pk}/withdraw/", {"reason": "Filed twice."}, format="json"
    )

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["version"]) == ("withdrawn", 2)
    assert _seizure_events() == ["add", "withdraw"]
    again = client_for(world.officer_ng).post(f"{URL}{seizure.pk}/withdraw/")
    assert (again.status_code, again.json()) == (400, {"status": ["This seizure is already withdrawn."]})


@pytest.mark.django_db
def test_withdrawing_a_draft_tells_nobody(world, file_seizure, client_for):
    draft = file_seizure(submit=False)

    response = client_for(world.officer_ng).post(f"{URL}{draft.pk}/withdraw/")

    assert (response.status_code, response.json()["status"], response.json()["version"]) == (200, "withdrawn", 0)
    assert _seizure_events() == []


# --- History ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["officer_ng", "coordinator"])
def test_the_history_lists_every_version_with_its_changes(world, file_seizure, client_for, name):
    seizure = file_seizure()
    client_for(world.officer_ng).patch(f"{URL}{seizure.pk}/", {"narrative": "Second thoughts."}, format="json")

    response = client_for(getattr(world, name)).get(f"{URL}{seizure.pk}/history/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    newest, first = body["results"]
    assert (newest["number"], newest["action"], newest["status"]) == (2, "update", "submitted")
    assert newest["changed_by"] == world.officer_ng.username
    assert newest["changes"] == [
        {"field": "narrative", "before": "Used fridges declared as second-hand goods.", "after": "Second thoughts."}
    ]
    assert (first["number"], first["action"], first["changes"]) == (1, "submit", [])
    assert first["snapshot"]["narrative"] == "Used fridges declared as second-hand goods."
    assert first["snapshot"]["parties"] == 2
    assert not any(party in response.content.decode() for party in PARTY_NAMES)


@pytest.mark.django_db
def test_a_draft_has_no_history_yet(world, file_seizure, client_for):
    draft = file_seizure(submit=False)

    response = client_for(world.officer_ng).get(f"{URL}{draft.pk}/history/")

    assert response.status_code == 200
    assert (response.json()["count"], response.json()["results"]) == (0, [])


# --- Filters ------------------------------------------------------------------------------------


def _hours_ago(hours):
    return timezone.now() - timedelta(hours=hours)


def _at_run_time(values):
    """Dates in the parameters below are hours ago, counted when the test runs."""
    return {name: _hours_ago(value) if name.startswith("occurred") else value for name, value in values.items()}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("matching", "other", "query"),
    [
        ({"submit": False}, {}, {"status": "draft"}),
        ({}, {"submit": False}, {"status": "submitted"}),
        ({}, {"route": [{"role": "discovery", "country": "NG"}]}, {"route_country": "ES"}),
        (
            {},
            {"route": [{"role": "origin", "country": "IT"}, {"role": "discovery", "country": "NG"}]},
            {"route_role": "transit"},
        ),
        (
            {},
            {"route": [{"role": "origin", "country": "ES"}, {"role": "discovery", "country": "NG"}]},
            {"route_country": "ES", "route_role": "transit"},
        ),
        ({"lines": [OZONE_LINE], "reasons": []}, {}, {"mea": "MONTREAL"}),
        ({}, {"lines": [OZONE_LINE], "reasons": []}, {"mea": "BASEL"}),
        ({}, {"lines": [PLASTIC_LINE]}, {"hs_code": "8549"}),
        ({}, {"lines": [PLASTIC_LINE]}, {"hs_code": "8549.11"}),
        ({}, {"lines": [PLASTIC_LINE]}, {"hs_code": "854911"}),
        ({}, {"lines": [PLASTIC_LINE]}, {"hs_code": "8418.1"}),
        ({}, {"lines": [PLASTIC_LINE]}, {"hs_code": "85"}),
        ({"lines": [PLASTIC_LINE]}, {}, {"hs_code": "3915"}),
        ({"occurred_at": 2}, {"occurred_at": 20}, {"occurred_after": 10}),
        ({"occurred_at": 20}, {"occurred_at": 2}, {"occurred_before": 10}),
        ({"lines": [TYRE_LINE]}, {}, {"flagged": "true"}),
        ({}, {"lines": [TYRE_LINE]}, {"flagged": "false"}),
        ({"transport_mode": "4", "flight": "AF148"}, {}, {"transport_mode": "4"}),
        ({}, {"transport_mode": "3"}, {"transport_mode": "1"}),
        ({"narrative": "Lead-acid batteries under scrap."}, {}, {"q": "BATTERIES"}),
        ({}, {}, {"q": "NG/0001"}),
    ],
)
def test_each_filter_filters(world, file_seizure, client_for, matching, other, query):
    """Two seizures that differ in what is filtered on: the filter keeps the first only."""
    wanted = file_seizure(**_at_run_time(matching))
    unwanted = file_seizure(**_at_run_time({**APART, **other}))
    query = {name: _iso(value) if name.startswith("occurred") else value for name, value in _at_run_time(query).items()}
    client = client_for(world.officer_ng)

    assert _ids(client.get(URL)) == {wanted.pk, unwanted.pk}
    assert _ids(client.get(URL, query)) == {wanted.pk}


@pytest.mark.django_db
def test_the_operation_filter_keeps_one_operations_seizures(world, joint, make_operation, file_seizure, client_for):
    now = timezone.now()
    other = make_operation(code="OTHER-2026", starts_at=now - timedelta(days=2), ends_at=now + timedelta(days=5))
    operations.participation_invite(user=world.coordinator, operation=other, administrations=[world.nigeria])
    _accept(world, other, world.nigeria, world.ncp_ng)
    operations.operation_transition(user=world.coordinator, operation=other, action="activate")
    in_joint = file_seizure()
    in_other = file_seizure(operation=other, **APART)
    client = client_for(world.officer_ng)

    assert _ids(client.get(URL)) == {in_joint.pk, in_other.pk}
    assert _ids(client.get(URL, {"operation": joint.pk})) == {in_joint.pk}
    assert _ids(client.get(URL, {"operation": other.pk})) == {in_other.pk}


@pytest.mark.django_db
def test_the_country_filter_keeps_one_countrys_seizures(world, file_seizure, client_for, ghana_joins):
    nigerian = file_seizure()
    ghanaian = file_seizure(
        user=world.officer_gh,
        place_port="GHTEM",
        route=[{"role": "origin", "country": "IT"}, {"role": "discovery", "country": "GH"}],
        **APART,
    )
    client = client_for(world.coordinator)

    assert _ids(client.get(URL)) == {nigerian.pk, ghanaian.pk}
    assert _ids(client.get(URL, {"country": "GH"})) == {ghanaian.pk}
    assert _ids(client.get(URL, {"country": "NG"})) == {nigerian.pk}
    assert _ids(client.get(URL, {"country": "FR"})) == set()


@pytest.mark.django_db
def test_filters_never_widen_what_a_user_sees(world, file_seizure, client_for):
    file_seizure()
    file_seizure(submit=False, **APART)
    client = client_for(world.officer_fr)

    for query in ({"country": "NG"}, {"status": "draft"}, {"mea": "BASEL"}, {"q": "DEMETER"}):
        assert _ids(client.get(URL, query)) == set()
    assert _ids(client_for(world.coordinator).get(URL, {"status": "draft"})) == set()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"operation": -1},
        {"operation": "DEMETER-2026"},
        {"status": "paused"},
        {"country": "XX"},
        {"route_country": "ZZ"},
        {"route_role": "stopover"},
        {"mea": "KYOTO"},
        {"hs_code": "8" * 11},
        {"occurred_after": "yesterday"},
        {"occurred_before": "2026-13-01"},
        {"transport_mode": "0"},
        {"q": "x" * 101},
        {"flagged": "maybe"},
        {"flagged": "1"},
    ],
)
def test_a_bad_filter_is_a_400_naming_it(world, file_seizure, client_for, query):
    file_seizure()

    response = client_for(world.officer_ng).get(URL, query)

    assert response.status_code == 400, response.content
    assert set(response.json()) == set(query)


@pytest.mark.django_db
def test_filters_combine(world, file_seizure, client_for):
    waste = file_seizure()
    ozone = file_seizure(lines=[OZONE_LINE], reasons=[], **APART)
    draft = file_seizure(submit=False, lines=[OZONE_LINE], reasons=[], containers=[], transport_document="X-1")
    client = client_for(world.officer_ng)

    assert _ids(client.get(URL, {"mea": "MONTREAL"})) == {ozone.pk, draft.pk}
    assert _ids(client.get(URL, {"mea": "MONTREAL", "status": "submitted"})) == {ozone.pk}
    assert _ids(client.get(URL, {"hs_code": "8549", "status": "submitted"})) == {waste.pk}


# --- OpenAPI ------------------------------------------------------------------------------------


def _schema_problems(client):
    GENERATOR_STATS.reset()
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    problems = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    return response.json(), problems


@pytest.mark.django_db
def test_the_schema_describes_every_seizure_endpoint(officer_client):
    schema, _problems = _schema_problems(officer_client)

    paths = schema["paths"]
    assert set(paths[URL]) >= {"get", "post"}
    assert set(paths[URL + "{id}/"]) >= {"get", "put", "patch"}
    for action in ["submit", "validate", "request-info", "withdraw"]:
        assert "post" in paths[f"{URL}{{id}}/{action}/"]
    assert "get" in paths[URL + "{id}/history/"]
    filters = {parameter["name"] for parameter in paths[URL]["get"]["parameters"]}
    assert filters >= {
        "operation", "status", "country", "route_country", "route_role", "mea", "hs_code", "occurred_after",
        "occurred_before", "flagged", "transport_mode", "q",
    }  # fmt: skip
    request_body = paths[URL]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert request_body.endswith("/SeizureCreateRequest")


@pytest.mark.django_db
def test_the_seizure_endpoints_add_no_schema_warnings(officer_client):
    schema, problems = _schema_problems(officer_client)

    seizure_components = {
        name for name in schema["components"]["schemas"] if name.startswith(("Seizure", "RouteLeg", "PartyInput"))
    }
    assert seizure_components
    assert [problem for problem in problems if "seizure" in problem.lower()] == []
    numbered_enums = {name for name in schema["components"]["schemas"] if re.fullmatch(r"[A-Za-z]+[0-9]+Enum", name)}
    assert numbered_enums == set(), "an enum name collision the settings do not resolve"


@pytest.mark.django_db
def test_a_seizure_with_blank_choices_and_legs_without_a_port_answers_as_documented(client_for, world, file_seizure):
    """Blank disposal, CITES appendix, direction and transport mode are "", a leg without a port has ``null``:
    the schema described them as never blank and never null."""
    from tests.schema import assert_documented

    seizure = file_seizure(direction="", transport_mode="", place_function="")
    client = client_for(world.officer_ng)

    detail = client.get(f"{URL}{seizure.pk}/")
    listed = client.get(URL)

    body = detail.json()
    assert (body["direction"], body["transport_mode"], body["route"][0]["place_port"]) == ("", "", None)
    assert body["lines"][0]["disposal"] == body["lines"][0]["cites_appendix"] == ""
    assert_documented(client, detail, method="get", path="/api/v1/seizures/{id}/")
    assert_documented(client, listed, method="get", path="/api/v1/seizures/")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["operation", "unit"])
def test_an_id_filter_beyond_the_database_integers_is_a_400_naming_it(client_for, world, name):
    response = client_for(world.officer_ng).get(URL, {name: "10000000000000000000"})

    assert response.status_code == 400
    assert set(response.json()) == {name}
