"""The operations REST API: /api/v1/operations/, its participants and its actions.

Every endpoint is tried anonymous, by a role that may see the operation but not change it (403),
by someone of an administration that does not take part (404, exactly like a missing id), with bad
input (400 naming the field) and with good input.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.choices import Role
from operations import services
from operations.choices import OperationStatus, ParticipationStatus
from operations.models import Operation, Participation
from reference.models import Mea

URL = "/api/v1/operations/"
MISSING = 999_999
ARCHIVED = "This operation is archived and can no longer be changed."
NOT_COORDINATOR = "Only the coordinators of this operation can change it."

DETAIL_ENDPOINTS = [
    ("get", "{id}/"),
    ("put", "{id}/"),
    ("patch", "{id}/"),
    ("get", "{id}/participants/"),
    ("post", "{id}/schedule/"),
    ("post", "{id}/activate/"),
    ("post", "{id}/close/"),
    ("post", "{id}/archive/"),
    ("post", "{id}/extend/"),
    ("post", "{id}/invite/"),
    ("post", "{id}/accept/"),
    ("post", "{id}/decline/"),
]
ACTIONS = ["schedule", "activate", "close", "archive"]

#: Who sees the ``joint`` operation (active; Nigeria accepted, Ghana invited, Senegal declined) and who does not.
SEES_JOINT = [
    "coordinator",
    "office_colleague",
    "secretariat",
    "ncp_ng",
    "officer_ng",
    "analyst_ng",
    "observer_ng",
    "ncp_gh",
    "ncp_sn",
]
HIDDEN_FROM_JOINT = ["other_coordinator", "officer_gh", "officer_sn", "officer_fr", "ncp_fr", "observer_unep"]


def _iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


def _ids(response):
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])
    return {row["id"] for row in body["results"]}


def _status(operation):
    operation.refresh_from_db()
    return operation.status


def _move(operation, user, *actions):
    for action in actions:
        operation = services.operation_transition(user=user, operation=operation, action=action)
    return operation


def _participation(operation, administration):
    return Participation.objects.get(operation=operation, administration=administration)


def _payload(world, **overrides):
    now = timezone.now()
    payload = {
        "code": "DEMETER-2026",
        "name_en": "Demeter 2026",
        "name_fr": "Déméter 2026",
        "description_en": "Waste shipments leaving European ports for West Africa.",
        "coordinating_administration": world.office.code,
        "coordinators": [world.coordinator.username],
        "starts_at": _iso(now + timedelta(days=1)),
        "ends_at": _iso(now + timedelta(days=31)),
        "scope_meas": ["BASEL"],
        "scope_hs_codes": ["8549", "3915"],
        "scope_countries": ["NG", "GH"],
        "scope_rilos": ["WA"],
        "default_form": "long",
        "field_rules": {"containers": "required", "photos": "hidden", "vessel": "optional"},
    }
    payload.update(overrides)
    return {key: value for key, value in payload.items() if value is not None}


# --- Anonymous ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), [("get", ""), ("post", ""), *DETAIL_ENDPOINTS])
def test_anonymous_callers_get_401_and_change_nothing(client_for, joint, method, path):
    response = getattr(client_for(), method)(URL + path.format(id=joint.pk), {}, format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert _status(joint) == OperationStatus.ACTIVE
    assert Operation.objects.count() == 1


# --- Who sees what ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", SEES_JOINT)
def test_the_operation_is_listed_and_shown_to_who_may_see_it(world, joint, client_for, name):
    client = client_for(getattr(world, name))

    assert _ids(client.get(URL)) == {joint.pk}
    response = client.get(f"{URL}{joint.pk}/")
    assert response.status_code == 200
    assert response.json()["code"] == "DEMETER-2026"
    assert client.get(f"{URL}{joint.pk}/participants/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", HIDDEN_FROM_JOINT)
def test_the_list_never_shows_the_operation_to_outsiders(world, joint, client_for, name):
    response = client_for(getattr(world, name)).get(URL)

    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert response.json()["results"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("name", HIDDEN_FROM_JOINT)
@pytest.mark.parametrize(("method", "path"), DETAIL_ENDPOINTS)
def test_outsiders_get_exactly_the_404_of_a_missing_operation(world, joint, client_for, name, method, path):
    client = client_for(getattr(world, name))
    ends_at = joint.ends_at
    body = {"ends_at": _iso(ends_at + timedelta(days=3)), "administrations": [world.france.code]}

    hidden = getattr(client, method)(URL + path.format(id=joint.pk), body, format="json")
    missing = getattr(client, method)(URL + path.format(id=MISSING), body, format="json")

    assert missing.status_code == 404
    assert (hidden.status_code, hidden.content) == (missing.status_code, missing.content)
    joint.refresh_from_db()
    assert (joint.status, joint.ends_at) == (OperationStatus.ACTIVE, ends_at)
    assert joint.participations.count() == 3
    assert _participation(joint, world.ghana).status == ParticipationStatus.INVITED


@pytest.mark.django_db
def test_people_of_an_accepted_administration_do_not_see_a_draft(world, make_operation, client_for):
    draft = make_operation()
    services.participation_invite(user=world.coordinator, operation=draft, administrations=[world.nigeria])
    services.participation_respond(user=world.ncp_ng, participation=_participation(draft, world.nigeria), accept=True)

    for user in (world.ncp_ng, world.officer_ng):
        assert client_for(user).get(f"{URL}{draft.pk}/").status_code == 404
        assert _ids(client_for(user).get(URL)) == set()

    _move(draft, world.coordinator, "schedule")
    for user in (world.ncp_ng, world.officer_ng):
        assert client_for(user).get(f"{URL}{draft.pk}/").status_code == 200


@pytest.mark.django_db
def test_the_national_contact_point_sees_an_invitation_before_answering_it(world, joint, client_for):
    assert client_for(world.ncp_gh).get(f"{URL}{joint.pk}/").status_code == 200
    assert client_for(world.officer_gh).get(f"{URL}{joint.pk}/").status_code == 404

    services.participation_respond(user=world.ncp_gh, participation=_participation(joint, world.ghana), accept=True)

    assert client_for(world.officer_gh).get(f"{URL}{joint.pk}/").status_code == 200


@pytest.mark.django_db
def test_an_administration_that_withdraws_no_longer_sees_the_operation(world, joint, client_for):
    services.participation_respond(user=world.ncp_ng, participation=_participation(joint, world.nigeria), accept=False)

    for user in (world.ncp_ng, world.officer_ng, world.analyst_ng):
        assert client_for(user).get(f"{URL}{joint.pk}/").status_code == 404
        assert _ids(client_for(user).get(URL)) == set()


@pytest.mark.django_db
def test_the_secretariat_sees_every_operation_and_coordinators_their_offices(world, make_operation, client_for):
    ours = make_operation(code="DEMETER-2026")
    theirs = make_operation(
        code="ARMA-2026",
        user=world.other_coordinator,
        coordinating_administration=world.other_office,
        coordinators=[world.other_coordinator],
    )

    assert _ids(client_for(world.secretariat).get(URL)) == {ours.pk, theirs.pk}
    assert _ids(client_for(world.coordinator).get(URL)) == {ours.pk}
    assert _ids(client_for(world.office_colleague).get(URL)) == {ours.pk}
    assert _ids(client_for(world.other_coordinator).get(URL)) == {theirs.pk}
    assert client_for(world.coordinator).get(f"{URL}{theirs.pk}/").status_code == 404


@pytest.mark.django_db
def test_an_international_organisation_joins_as_a_read_only_observer(world, joint, client_for):
    services.participation_invite(user=world.coordinator, operation=joint, administrations=[world.unep])
    client = client_for(world.observer_unep)

    client.post(f"{URL}{joint.pk}/accept/")

    assert client.get(f"{URL}{joint.pk}/").status_code == 200
    assert client.post(f"{URL}{joint.pk}/close/").status_code == 403


# --- Retrieve -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_operation_is_shown_with_its_window_scope_and_template(world, make_operation, client_for):
    operation = make_operation(field_rules={"containers": "required"}, grace_days=10)

    body = client_for(world.coordinator).get(f"{URL}{operation.pk}/").json()

    assert body["id"] == operation.pk
    assert (body["code"], body["name"], body["status"]) == ("DEMETER-2026", "Demeter 2026", "draft")
    assert body["coordinating_administration"] == world.office.code
    assert body["coordinators"] == [world.coordinator.username]
    assert body["scope_meas"] == ["BASEL"]
    assert body["field_rules"] == {"containers": "required"}
    assert body["grace_days"] == 10
    assert body["starts_at"] == _iso(operation.starts_at)
    assert body["reporting_closes_at"] == _iso(operation.ends_at + timedelta(days=10))


@pytest.mark.django_db
def test_the_name_follows_the_language_asked_for(world, make_operation, client_for):
    operation = make_operation()

    body = client_for(world.coordinator).get(f"{URL}{operation.pk}/", HTTP_ACCEPT_LANGUAGE="fr").json()

    assert (body["name"], body["name_en"], body["name_fr"]) == ("Déméter 2026", "Demeter 2026", "Déméter 2026")


# --- Create -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_coordinator_creates_an_operation(world, client_for):
    response = client_for(world.coordinator).post(URL, _payload(world), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["code"], body["status"], body["default_form"]) == ("DEMETER-2026", "draft", "long")
    assert body["coordinators"] == [world.coordinator.username]
    assert sorted(body["scope_hs_codes"]) == ["3915", "8549"]
    assert sorted(body["scope_countries"]) == ["GH", "NG"]
    assert body["scope_rilos"] == ["WA"]
    assert body["field_rules"] == {"containers": "required", "photos": "hidden"}
    assert body["grace_days"] == 14
    operation = Operation.objects.get(pk=body["id"])
    assert (operation.created_by, operation.coordinating_administration) == (world.coordinator, world.office)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"scope_meas": ["BASEL\x00"]}, "scope_meas"),
        ({"coordinating_administration": "\x00"}, "coordinating_administration"),
        ({"field_rules": {"containers\x00": "required"}}, "field_rules"),
    ],
)
def test_a_nul_character_in_a_code_or_key_is_a_400_naming_the_field(world, client_for, overrides, field):
    """PostgreSQL can neither store nor look up text holding NUL: it used to fail there, as a server error."""
    response = client_for(world.coordinator).post(URL, _payload(world, **overrides), format="json")

    assert response.status_code == 400, response.content
    refused = ["Null characters are not allowed."]
    assert response.json() == {field: {"0": refused} if field == "scope_meas" else refused}
    assert not Operation.objects.exists()


@pytest.mark.django_db
def test_a_nul_character_in_a_form_encoded_body_is_a_400_naming_the_field(world, client_for):
    body = "code=DEMETER-2026&name_en=Demeter&coordinating_administration=%00"
    response = client_for(world.coordinator).post(URL, body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400, response.content
    assert response.json() == {"coordinating_administration": ["Null characters are not allowed."]}
    assert not Operation.objects.exists()


@pytest.mark.django_db
def test_the_secretariat_creates_an_operation_for_a_rilo(world, client_for):
    response = client_for(world.secretariat).post(URL, _payload(world), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["coordinating_administration"] == world.office.code


@pytest.mark.django_db
def test_a_retried_creation_with_the_same_idempotency_key_creates_one_operation(world, client_for):
    client = client_for(world.coordinator)
    payload = _payload(world)

    first = client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="create-demeter")
    again = client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="create-demeter")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Operation.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.OFFICER, Role.ANALYST, Role.NATIONAL_CONTACT, Role.OBSERVER])
def test_other_roles_cannot_create_operations(world, client_for, make_user, role):
    user = make_user(role=role, administration=world.nigeria)

    response = client_for(user).post(URL, _payload(world), format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": "Only the secretariat and coordinators create operations."}
    assert not Operation.objects.exists()


@pytest.mark.django_db
def test_a_coordinator_cannot_create_for_another_office(world, client_for):
    response = client_for(world.other_coordinator).post(URL, _payload(world), format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": "Coordinators create operations for their own office only."}
    assert not Operation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        (
            {"ends_at": "2026-01-01T00:00:00Z", "starts_at": "2026-01-01T00:00:00Z"},
            {"ends_at": ["The operation must end after it starts."]},
        ),
        (
            {"ends_at": "2026-01-01T00:00:00Z", "starts_at": "2026-02-01T00:00:00Z"},
            {"ends_at": ["The operation must end after it starts."]},
        ),
        (
            {"code": "DEMETER 2026"},
            {"code": ["Use 3 to 32 capital letters, digits and hyphens, such as DEMETER-2026."]},
        ),
        ({"field_rules": {"engine_number": "required"}}, {"field_rules": ["Unknown seizure fields: engine_number"]}),
        ({"field_rules": {"vessel": "mandatory"}}, {"field_rules": {"vessel": ['"mandatory" is not a valid choice.']}}),
        ({"coordinators": []}, {"coordinators": ["Name at least one coordinator."]}),
        ({"coordinators": ["nobody"]}, {"coordinators": ["Object with username=nobody does not exist."]}),
        ({"scope_meas": ["KYOTO"]}, {"scope_meas": ["Object with code=KYOTO does not exist."]}),
        ({"default_form": "medium"}, {"default_form": ['"medium" is not a valid choice.']}),
        ({"starts_at": "next monday"}, {"starts_at": None}),
    ],
)
def test_bad_input_is_a_400_naming_the_field(world, client_for, overrides, errors):
    response = client_for(world.coordinator).post(URL, _payload(world, **overrides), format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == set(errors)
    for field, expected in errors.items():
        if expected is not None:
            assert body[field] == expected
    assert not Operation.objects.exists()


@pytest.mark.django_db
def test_coordinators_outside_the_coordinating_administration_are_a_400(world, client_for):
    response = client_for(world.coordinator).post(
        URL, _payload(world, coordinators=[world.coordinator.username, world.other_coordinator.username]), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "coordinators": [
            f"Coordinators must be coordinators of the coordinating administration: {world.other_coordinator.username}"
        ]
    }


@pytest.mark.django_db
def test_a_code_already_used_is_a_400(world, client_for, make_operation):
    make_operation(code="DEMETER-2026")

    response = client_for(world.coordinator).post(URL, _payload(world, code="demeter-2026"), format="json")

    assert response.status_code == 400
    assert response.json() == {"code": ["An operation with this code already exists."]}
    assert Operation.objects.count() == 1


@pytest.mark.django_db
def test_missing_fields_are_named(world, client_for):
    response = client_for(world.coordinator).post(URL, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {
        "code", "name_en", "coordinating_administration", "coordinators", "starts_at", "ends_at"
    }  # fmt: skip


# --- Update -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_coordinator_changes_an_operation(world, joint, client_for):
    response = client_for(world.coordinator).patch(
        f"{URL}{joint.pk}/",
        {"name_en": "Demeter XII", "scope_meas": ["BASEL", "MONTREAL"], "field_rules": {"flight": "hidden"}},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["name_en"] == "Demeter XII"
    assert sorted(response.json()["scope_meas"]) == ["BASEL", "MONTREAL"]
    joint.refresh_from_db()
    assert (joint.name_en, joint.field_rules) == ("Demeter XII", {"flight": "hidden"})


@pytest.mark.django_db
def test_a_full_update_keeps_the_code_and_the_office(world, make_operation, client_for):
    operation = make_operation()
    payload = _payload(world, name_en="Demeter XII", starts_at=_iso(operation.starts_at + timedelta(days=1)))

    response = client_for(world.coordinator).put(f"{URL}{operation.pk}/", payload, format="json")

    assert response.status_code == 200, response.content
    operation.refresh_from_db()
    assert operation.name_en == "Demeter XII"
    assert operation.default_form == "long"


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), [("code", "OTHER-2026"), ("coordinating_administration", "other")])
def test_the_code_and_the_office_cannot_change(world, joint, client_for, field, value):
    value = world.other_office.code if value == "other" else value

    response = client_for(world.coordinator).patch(f"{URL}{joint.pk}/", {field: value}, format="json")

    assert response.status_code == 400
    assert response.json() == {field: ["This cannot change once the operation exists."]}
    joint.refresh_from_db()
    assert (joint.code, joint.coordinating_administration) == ("DEMETER-2026", world.office)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["office_colleague", "secretariat", "officer_ng", "ncp_ng", "ncp_gh"])
def test_people_who_see_but_do_not_coordinate_get_403_on_update(world, joint, client_for, name):
    response = client_for(getattr(world, name)).patch(f"{URL}{joint.pk}/", {"name_en": "Hijacked"}, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": NOT_COORDINATOR}
    joint.refresh_from_db()
    assert joint.name_en == "Demeter 2026"


@pytest.mark.django_db
def test_the_window_cannot_shrink_past_a_filed_seizure(world, make_operation, client_for):
    operation = make_operation()
    filed_at = operation.starts_at + timedelta(days=3)
    services.operation_record_report(operation=operation, reference="SZ-1", occurred_at=filed_at)
    client = client_for(world.coordinator)

    late_start = client.patch(f"{URL}{operation.pk}/", {"starts_at": _iso(filed_at + timedelta(days=1))})
    early_end = client.patch(f"{URL}{operation.pk}/", {"ends_at": _iso(filed_at - timedelta(days=1))})

    assert (late_start.status_code, early_end.status_code) == (400, 400)
    assert late_start.json() == {
        "starts_at": ["Seizures were filed before this date: the window cannot shrink past them."]
    }
    assert early_end.json() == {"ends_at": ["Seizures were filed after this date: the window cannot shrink past them."]}
    starts_at, ends_at = operation.starts_at, operation.ends_at
    operation.refresh_from_db()
    assert (operation.starts_at, operation.ends_at) == (starts_at, ends_at)


@pytest.mark.django_db
def test_a_started_operation_keeps_its_start(world, joint, client_for):
    response = client_for(world.coordinator).patch(
        f"{URL}{joint.pk}/", {"starts_at": _iso(joint.starts_at + timedelta(hours=2))}
    )

    assert response.status_code == 400
    assert response.json() == {"starts_at": ["An operation that has started keeps its start date."]}


@pytest.mark.django_db
def test_an_update_that_ends_before_the_start_is_a_400(world, make_operation, client_for):
    operation = make_operation()

    response = client_for(world.coordinator).patch(
        f"{URL}{operation.pk}/", {"ends_at": _iso(operation.starts_at - timedelta(hours=1))}
    )

    assert response.status_code == 400
    assert response.json() == {"ends_at": ["The operation must end after it starts."]}


@pytest.mark.django_db
def test_narrowing_the_scope_past_filed_seizures_needs_confirmation(world, make_operation, client_for):
    basel = Mea.objects.get(code="BASEL")
    operation = make_operation(scope_meas=[basel, Mea.objects.get(code="CITES")])
    services.operation_record_report(
        operation=operation, reference="SZ-2", occurred_at=operation.starts_at + timedelta(hours=1), mea=basel
    )
    client = client_for(world.coordinator)

    refused = client.patch(f"{URL}{operation.pk}/", {"scope_meas": ["CITES"]}, format="json")

    assert refused.status_code == 400
    assert refused.json() == {
        "scope": [
            "1 filed seizures would fall outside the new scope (SZ-2). "
            "Confirm the change to keep them flagged as out of scope."
        ]
    }
    assert set(operation.scope_meas.values_list("code", flat=True)) == {"BASEL", "CITES"}

    confirmed = client.patch(
        f"{URL}{operation.pk}/", {"scope_meas": ["CITES"], "confirm_scope_change": True}, format="json"
    )

    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["scope_meas"] == ["CITES"]


@pytest.mark.django_db
def test_an_archived_operation_cannot_be_changed(world, make_operation, client_for):
    operation = _move(make_operation(), world.coordinator, "activate", "close")
    client = client_for(world.coordinator)
    with time_machine.travel(operation.reporting_closes_at + timedelta(minutes=1), tick=False):
        assert client.post(f"{URL}{operation.pk}/archive/").status_code == 200

        responses = [
            client.patch(f"{URL}{operation.pk}/", {"name_en": "Renamed"}, format="json"),
            client.post(f"{URL}{operation.pk}/extend/", {"ends_at": _iso(timezone.now() + timedelta(days=9))}),
            client.post(f"{URL}{operation.pk}/invite/", {"administrations": [world.france.code]}, format="json"),
            *(client.post(f"{URL}{operation.pk}/{action}/") for action in ACTIONS),
        ]

    for response in responses:
        assert response.status_code == 400
        assert response.json() == {"non_field_errors": [ARCHIVED]}
    operation.refresh_from_db()
    assert (operation.status, operation.name_en) == (OperationStatus.ARCHIVED, "Demeter 2026")
    assert not operation.participations.exists()


# --- Transitions --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("moves", "action", "status"),
    [
        ([], "schedule", "planned"),
        ([], "activate", "active"),
        (["schedule"], "activate", "active"),
        (["activate"], "close", "closed"),
    ],
)
def test_a_coordinator_moves_the_operation_along(world, make_operation, client_for, moves, action, status):
    operation = _move(make_operation(), world.coordinator, *moves)

    response = client_for(world.coordinator).post(f"{URL}{operation.pk}/{action}/")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == status
    assert _status(operation) == status


@pytest.mark.django_db
def test_a_closed_operation_is_archived_after_its_grace_period(world, make_operation, client_for):
    operation = _move(make_operation(grace_days=2), world.coordinator, "activate", "close")
    client = client_for(world.coordinator)

    with time_machine.travel(operation.reporting_closes_at - timedelta(seconds=30), tick=False):
        early = client.post(f"{URL}{operation.pk}/archive/")
    with time_machine.travel(operation.reporting_closes_at + timedelta(seconds=30), tick=False):
        late = client.post(f"{URL}{operation.pk}/archive/")

    until = operation.reporting_closes_at.strftime("%Y-%m-%d %H:%M UTC")
    assert early.status_code == 400
    assert early.json() == {"status": [f"Reports may still come in until {until}; archive it after that."]}
    assert late.status_code == 200
    assert late.json()["status"] == "archived"
    assert _status(operation) == OperationStatus.ARCHIVED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("moves", "action", "message"),
    [
        ([], "close", "This operation is draft: it cannot be closed."),
        ([], "archive", "This operation is draft: it cannot be archived."),
        (["schedule"], "schedule", "This operation is planned: it cannot be scheduled."),
        (["schedule"], "close", "This operation is planned: it cannot be closed."),
        (["activate"], "schedule", "This operation is active: it cannot be scheduled."),
        (["activate"], "activate", "This operation is active: it cannot be activated."),
        (["activate"], "archive", "This operation is active: it cannot be archived."),
        (["activate", "close"], "schedule", "This operation is closed: it cannot be scheduled."),
        (["activate", "close"], "activate", "This operation is closed: it cannot be activated."),
        (["activate", "close"], "close", "This operation is closed: it cannot be closed."),
    ],
)
def test_a_refused_transition_is_a_400_naming_the_status(world, make_operation, client_for, moves, action, message):
    operation = _move(make_operation(), world.coordinator, *moves)
    before = operation.status

    response = client_for(world.coordinator).post(f"{URL}{operation.pk}/{action}/")

    assert response.status_code == 400
    assert response.json() == {"status": [message]}
    assert _status(operation) == before


@pytest.mark.django_db
def test_activating_after_the_end_is_a_400_naming_the_end(world, make_operation, client_for):
    now = timezone.now()
    operation = _move(
        make_operation(starts_at=now - timedelta(days=3), ends_at=now + timedelta(minutes=5)),
        world.coordinator,
        "schedule",
    )

    with time_machine.travel(now + timedelta(minutes=6), tick=False):
        response = client_for(world.coordinator).post(f"{URL}{operation.pk}/activate/")

    assert response.status_code == 400
    assert response.json() == {"ends_at": ["The operation's end has passed: extend it before activating it."]}
    assert _status(operation) == OperationStatus.PLANNED


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["office_colleague", "secretariat", "officer_ng", "ncp_ng", "observer_ng", "ncp_gh"])
@pytest.mark.parametrize("action", [*ACTIONS, "extend", "invite"])
def test_people_who_see_but_do_not_coordinate_get_403_on_actions(world, joint, client_for, name, action):
    body = {"ends_at": _iso(joint.ends_at + timedelta(days=3)), "administrations": [world.france.code]}

    response = client_for(getattr(world, name)).post(f"{URL}{joint.pk}/{action}/", body, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": NOT_COORDINATOR}
    ends_at = joint.ends_at
    joint.refresh_from_db()
    assert (joint.status, joint.ends_at) == (OperationStatus.ACTIVE, ends_at)
    assert not joint.participations.filter(administration=world.france).exists()


@pytest.mark.django_db
def test_an_unknown_action_is_a_404(world, joint, client_for):
    assert client_for(world.coordinator).post(f"{URL}{joint.pk}/pause/").status_code == 404


# --- Extend -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_coordinator_extends_an_operation(world, joint, client_for):
    new_end = joint.ends_at + timedelta(days=10)

    response = client_for(world.coordinator).post(f"{URL}{joint.pk}/extend/", {"ends_at": _iso(new_end)})

    assert response.status_code == 200
    assert response.json()["ends_at"] == _iso(new_end)
    joint.refresh_from_db()
    assert joint.ends_at == new_end


@pytest.mark.django_db
def test_extending_a_closed_operation_past_now_reopens_it(world, joint, client_for):
    _move(joint, world.coordinator, "close")

    response = client_for(world.coordinator).post(
        f"{URL}{joint.pk}/extend/", {"ends_at": _iso(joint.ends_at + timedelta(days=1))}
    )

    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert _status(joint) == OperationStatus.ACTIVE


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"ends_at": "earlier"}, {"ends_at"}),
        ({}, {"ends_at"}),
    ],
)
def test_an_extension_needs_a_date(world, joint, client_for, body, errors):
    response = client_for(world.coordinator).post(f"{URL}{joint.pk}/extend/", body)

    assert response.status_code == 400
    assert set(response.json()) == errors


@pytest.mark.django_db
def test_an_extension_that_does_not_end_later_is_a_400(world, joint, client_for):
    ends_at = joint.ends_at

    response = client_for(world.coordinator).post(
        f"{URL}{joint.pk}/extend/", {"ends_at": _iso(ends_at - timedelta(days=1))}
    )

    assert response.status_code == 400
    assert response.json() == {"ends_at": ["An extension must end later than the current end."]}
    joint.refresh_from_db()
    assert joint.ends_at == ends_at


# --- Invitations --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_coordinator_invites_administrations_singly(world, joint, client_for):
    response = client_for(world.coordinator).post(
        f"{URL}{joint.pk}/invite/", {"administrations": [world.france.code, world.unep.code]}, format="json"
    )

    assert response.status_code == 200, response.content
    rows = {row["administration"]: row for row in response.json()}
    assert set(rows) == {world.france.code, world.unep.code}
    assert (rows[world.france.code]["role"], rows[world.france.code]["status"]) == ("participant", "invited")
    assert (rows[world.france.code]["country"], rows[world.france.code]["rilo"]) == ("FR", "WE")
    assert rows[world.unep.code]["role"] == "observer"
    assert _participation(joint, world.france).status == ParticipationStatus.INVITED


@pytest.mark.django_db
def test_a_coordinator_invites_every_administration_of_a_rilo(world, make_operation, client_for):
    operation = make_operation()

    response = client_for(world.coordinator).post(f"{URL}{operation.pk}/invite/", {"rilo": "WA"}, format="json")

    assert response.status_code == 200, response.content
    assert {row["administration"] for row in response.json()} == {
        world.nigeria.code,
        world.ghana.code,
        world.senegal.code,
    }
    assert {row["rilo"] for row in response.json()} == {"WA"}
    assert not operation.participations.filter(administration__in=[world.france, world.unep]).exists()


@pytest.mark.django_db
def test_inviting_a_rilo_again_only_reinvites_who_declined(world, joint, client_for):
    response = client_for(world.coordinator).post(f"{URL}{joint.pk}/invite/", {"rilo": "WA"}, format="json")

    assert response.status_code == 200
    assert [row["administration"] for row in response.json()] == [world.senegal.code]
    assert _participation(joint, world.nigeria).status == ParticipationStatus.ACCEPTED
    assert _participation(joint, world.senegal).status == ParticipationStatus.INVITED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"administrations": ["Choose administrations or a RILO to invite."]}),
        ({"administrations": []}, {"administrations": ["Choose administrations or a RILO to invite."]}),
        ({"rilo": "XX"}, {"rilo": ["Object with code=XX does not exist."]}),
        ({"administrations": ["nowhere"]}, {"administrations": ["Object with code=nowhere does not exist."]}),
    ],
)
def test_an_invitation_without_valid_invitees_is_a_400(world, joint, client_for, body, errors):
    response = client_for(world.coordinator).post(f"{URL}{joint.pk}/invite/", body, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert joint.participations.count() == 3


@pytest.mark.django_db
def test_invitations_are_refused_once_the_operation_is_closed(world, joint, client_for):
    _move(joint, world.coordinator, "close")

    response = client_for(world.coordinator).post(
        f"{URL}{joint.pk}/invite/", {"administrations": [world.france.code]}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Invitations close with the operation."]}
    assert not joint.participations.filter(administration=world.france).exists()


# --- Answers ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_national_contact_point_accepts(world, joint, client_for):
    response = client_for(world.ncp_gh).post(f"{URL}{joint.pk}/accept/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["administration"], body["status"]) == (world.ghana.code, "accepted")
    assert body["national_contact"] == world.ncp_gh.username
    assert body["responded_at"] is not None
    participation = _participation(joint, world.ghana)
    assert (participation.status, participation.national_contact) == (ParticipationStatus.ACCEPTED, world.ncp_gh)


@pytest.mark.django_db
def test_the_national_contact_point_declines(world, joint, client_for):
    response = client_for(world.ncp_gh).post(f"{URL}{joint.pk}/decline/")

    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    assert _participation(joint, world.ghana).status == ParticipationStatus.DECLINED


@pytest.mark.django_db
def test_declining_after_accepting_withdraws(world, joint, client_for):
    response = client_for(world.ncp_ng).post(f"{URL}{joint.pk}/decline/")

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert _participation(joint, world.nigeria).status == ParticipationStatus.WITHDRAWN


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["officer_ng", "analyst_ng", "observer_ng"])
@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_only_the_national_contact_point_answers(world, joint, client_for, name, answer):
    response = client_for(getattr(world, name)).post(f"{URL}{joint.pk}/{answer}/")

    assert response.status_code == 403
    assert response.json() == {"detail": "Only the national contact point of the administration can answer."}
    assert _participation(joint, world.nigeria).status == ParticipationStatus.ACCEPTED


@pytest.mark.django_db
def test_accepting_twice_is_a_400(world, joint, client_for):
    response = client_for(world.ncp_ng).post(f"{URL}{joint.pk}/accept/")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["There is no invitation to accept."]}


@pytest.mark.django_db
def test_someone_whose_administration_was_not_invited_cannot_answer(world, joint, client_for):
    response = client_for(world.coordinator).post(f"{URL}{joint.pk}/accept/")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Your administration was not invited to this operation."]}


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "answer"), [("ncp_gh", "accept"), ("ncp_gh", "decline"), ("ncp_ng", "decline")])
def test_answers_are_refused_once_the_operation_is_closed(world, joint, client_for, name, answer):
    _move(joint, world.coordinator, "close")
    before = set(joint.participations.values_list("administration", "status"))

    response = client_for(getattr(world, name)).post(f"{URL}{joint.pk}/{answer}/")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["This operation is closed."]}
    assert set(joint.participations.values_list("administration", "status")) == before


# --- Participants -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["coordinator", "officer_ng"])
def test_the_participants_are_listed_with_their_answer(world, joint, client_for, name):
    response = client_for(getattr(world, name)).get(f"{URL}{joint.pk}/participants/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    rows = {row["administration"]: row for row in body["results"]}
    assert {code: row["status"] for code, row in rows.items()} == {
        world.nigeria.code: "accepted",
        world.ghana.code: "invited",
        world.senegal.code: "declined",
    }
    assert rows[world.nigeria.code]["national_contact"] == world.ncp_ng.username
    assert rows[world.ghana.code]["national_contact"] is None
    assert {row["rilo"] for row in body["results"]} == {"WA"}
    assert rows[world.nigeria.code]["administration_name"] == world.nigeria.name


# --- Filters ------------------------------------------------------------------------------------


@pytest.fixture
def three(world, make_operation):
    """A West African draft on e-waste, an active European one on wildlife, a planned ozone one by the secretariat."""
    now = timezone.now()
    waste = make_operation(code="WASTE-2026")
    wildlife = make_operation(
        code="WILDLIFE-2026",
        user=world.other_coordinator,
        coordinating_administration=world.other_office,
        coordinators=[world.other_coordinator],
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=5),
        scope_meas=[Mea.objects.get(code="CITES")],
    )
    _move(wildlife, world.other_coordinator, "activate")
    ozone = make_operation(
        code="OZONE-2026",
        user=world.secretariat,
        coordinating_administration=world.secretariat.administration,
        coordinators=[world.secretariat],
        starts_at=now + timedelta(days=60),
        ends_at=now + timedelta(days=90),
        scope_meas=[Mea.objects.get(code="MONTREAL"), Mea.objects.get(code="BASEL")],
    )
    _move(ozone, world.secretariat, "schedule")
    return waste, wildlife, ozone


def _codes(response):
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


@pytest.mark.django_db
def test_without_filters_the_secretariat_sees_all_three(world, three, client_for):
    assert _codes(client_for(world.secretariat).get(URL)) == {"WASTE-2026", "WILDLIFE-2026", "OZONE-2026"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ({"status": "active"}, {"WILDLIFE-2026"}),
        ({"status": "planned"}, {"OZONE-2026"}),
        ({"status": "closed"}, set()),
        ({"mea": "CITES"}, {"WILDLIFE-2026"}),
        ({"mea": "BASEL"}, {"WASTE-2026", "OZONE-2026"}),
        ({"rilo": "WE"}, {"WILDLIFE-2026"}),
        ({"rilo": "WA"}, {"WASTE-2026"}),
        ({"rilo": "AP"}, set()),
        ({"status": "draft", "mea": "BASEL"}, {"WASTE-2026"}),
    ],
)
def test_each_filter_filters(world, three, client_for, query, codes):
    assert _codes(client_for(world.secretariat).get(URL, query)) == codes


@pytest.mark.django_db
def test_the_coordinator_filter_selects_the_coordinating_administration(world, three, client_for):
    client = client_for(world.secretariat)

    assert _codes(client.get(URL, {"coordinator": world.office.pk})) == {"WASTE-2026"}
    assert _codes(client.get(URL, {"coordinator": world.other_office.pk})) == {"WILDLIFE-2026"}
    assert _codes(client.get(URL, {"coordinator": world.secretariat.administration.pk})) == {"OZONE-2026"}


@pytest.mark.django_db
def test_the_active_at_filter_selects_operations_running_at_that_moment(world, three, client_for):
    client = client_for(world.secretariat)
    now = timezone.now()

    assert _codes(client.get(URL, {"active_at": _iso(now)})) == {"WILDLIFE-2026"}
    assert _codes(client.get(URL, {"active_at": _iso(now + timedelta(days=3))})) == {"WILDLIFE-2026", "WASTE-2026"}
    assert _codes(client.get(URL, {"active_at": _iso(now + timedelta(days=75))})) == {"OZONE-2026"}
    assert _codes(client.get(URL, {"active_at": _iso(now + timedelta(days=365))})) == set()


@pytest.mark.django_db
def test_filters_never_widen_what_a_user_sees(world, three, client_for):
    client = client_for(world.coordinator)

    assert _codes(client.get(URL, {"mea": "CITES"})) == set()
    assert _codes(client.get(URL, {"rilo": "WE"})) == set()
    assert _codes(client.get(URL, {"status": "active"})) == set()
    assert _codes(client.get(URL, {"mea": "BASEL"})) == {"WASTE-2026"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [{"status": "paused"}, {"mea": "KYOTO"}, {"rilo": "XX"}, {"coordinator": "nobody"}, {"active_at": "soon"}],
)
def test_a_bad_filter_is_a_400_naming_it(world, three, client_for, query):
    response = client_for(world.secretariat).get(URL, query)

    assert response.status_code == 400
    assert set(response.json()) == set(query)


@pytest.mark.django_db
def test_the_coordinator_filter_only_accepts_coordinating_administrations(world, three, client_for):
    response = client_for(world.secretariat).get(URL, {"coordinator": world.nigeria.pk})

    assert response.status_code == 400
    assert set(response.json()) == {"coordinator"}


@pytest.mark.django_db
def test_participants_without_a_national_contact_answer_as_documented(client_for, world, joint):
    """Ghana has not answered, so it has no national contact yet (``null``): the schema promised a string."""
    from tests.schema import assert_documented

    client = client_for(world.coordinator)

    response = client.get(f"/api/v1/operations/{joint.pk}/participants/")

    contacts = {row["country"]: row["national_contact"] for row in response.json()["results"]}
    assert contacts["GH"] is None
    assert_documented(client, response, method="get", path="/api/v1/operations/{id}/participants/")
