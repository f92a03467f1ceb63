"""The operations services: the life cycle, the rules coordinators work under, invitations, events and the thread."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.choices import Role
from messaging.models import Event, EventRecipient, Post, PostRecipient
from operations import services
from operations.choices import OperationStatus, ParticipationRole, ParticipationStatus
from operations.models import Operation, Participation
from reference.models import Country, HsCode, Mea

ARCHIVED = "This operation is archived and can no longer be changed."
NOT_COORDINATOR = "Only the coordinators of this operation can change it."


def _status(operation):
    operation.refresh_from_db()
    return operation.status


def _move(operation, user, *actions):
    for action in actions:
        operation = services.operation_transition(user=user, operation=operation, action=action)
    return operation


def _archived(world, make_operation, **overrides):
    """An operation run to its end, closed and archived once its grace period is over."""
    operation = _move(make_operation(**overrides), world.coordinator, "activate", "close")
    with time_machine.travel(operation.reporting_closes_at + timedelta(seconds=1), tick=False):
        return services.operation_transition(user=world.coordinator, operation=operation, action="archive")


def _participation(operation, administration):
    return Participation.objects.get(operation=operation, administration=administration)


def _recipients(event):
    return set(EventRecipient.objects.filter(event=event).values_list("user_id", flat=True))


def _ids(*users):
    return {user.pk for user in users}


def _nigerians(world):
    return _ids(world.ncp_ng, world.officer_ng, world.analyst_ng, world.observer_ng)


def _last_event(type="operation"):
    return Event.objects.filter(type=type).latest("id")


# --- Creation -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_coordinator_creates_a_draft_for_their_office(world, make_operation):
    operation = make_operation(code=" demeter-2026 ", field_rules={"containers": "required", "photos": "hidden"})

    assert operation.code == "DEMETER-2026"
    assert operation.status == OperationStatus.DRAFT
    assert operation.grace_days == 14
    assert operation.reporting_closes_at == operation.ends_at + timedelta(days=14)
    assert operation.created_by == world.coordinator
    assert list(operation.coordinators.all()) == [world.coordinator]
    assert list(operation.scope_meas.values_list("code", flat=True)) == ["BASEL"]
    assert operation.field_rules == {"containers": "required", "photos": "hidden"}


@pytest.mark.django_db
def test_optional_template_fields_are_not_stored(make_operation):
    operation = make_operation(field_rules={"vessel": "optional", "containers": "required"})

    assert operation.field_rules == {"containers": "required"}


@pytest.mark.django_db
def test_the_secretariat_creates_an_operation_coordinated_by_a_rilo(world, make_operation):
    operation = make_operation(user=world.secretariat, coordinators=[world.coordinator, world.office_colleague])

    assert operation.coordinating_administration == world.office
    assert set(operation.coordinators.all()) == {world.coordinator, world.office_colleague}


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.OFFICER, Role.ANALYST, Role.NATIONAL_CONTACT, Role.OBSERVER])
def test_only_the_secretariat_and_coordinators_create_operations(world, make_operation, make_user, role):
    user = make_user(role=role, administration=world.nigeria)

    with pytest.raises(PermissionDenied, match=re.escape("Only the secretariat and coordinators create operations.")):
        make_operation(user=user)

    assert not Operation.objects.exists()


@pytest.mark.django_db
def test_a_coordinator_creates_operations_for_their_own_office_only(world, make_operation):
    with pytest.raises(PermissionDenied, match=re.escape("Coordinators create operations for their own office only.")):
        make_operation(user=world.other_coordinator)

    assert not Operation.objects.exists()


@pytest.mark.django_db
def test_an_operation_is_coordinated_by_a_rilo_or_the_secretariat(world, make_operation):
    with pytest.raises(ValidationError) as error:
        make_operation(user=world.secretariat, coordinating_administration=world.nigeria)

    assert error.value.message_dict == {
        "coordinating_administration": ["An operation is coordinated by a RILO or the secretariat."]
    }


@pytest.mark.django_db
def test_coordinators_must_be_coordinators_of_the_coordinating_administration(world, make_operation, make_user):
    office_officer = make_user(role=Role.OFFICER, administration=world.office)

    with pytest.raises(ValidationError) as error:
        make_operation(coordinators=[world.coordinator, world.other_coordinator, office_officer])

    message = error.value.message_dict["coordinators"][0]
    assert message.startswith("Coordinators must be coordinators of the coordinating administration: ")
    assert world.other_coordinator.username in message
    assert office_officer.username in message
    assert world.coordinator.username not in message
    assert not Operation.objects.exists()


@pytest.mark.django_db
def test_an_operation_names_at_least_one_coordinator(make_operation):
    with pytest.raises(ValidationError) as error:
        make_operation(coordinators=[])

    assert error.value.message_dict == {"coordinators": ["Name at least one coordinator."]}


@pytest.mark.django_db
@pytest.mark.parametrize("length", [timedelta(0), timedelta(hours=-1)])
def test_an_operation_ends_after_it_starts(make_operation, length):
    starts_at = timezone.now() + timedelta(days=1)

    with pytest.raises(ValidationError) as error:
        make_operation(starts_at=starts_at, ends_at=starts_at + length)

    assert error.value.message_dict == {"ends_at": ["The operation must end after it starts."]}
    assert not Operation.objects.exists()


@pytest.mark.django_db
def test_operation_codes_are_unique_whatever_their_case(make_operation):
    make_operation(code="DEMETER-2026")

    with pytest.raises(ValidationError) as error:
        make_operation(code="Demeter-2026")

    assert error.value.message_dict == {"code": ["An operation with this code already exists."]}
    assert Operation.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["DE", "-DEMETER", "DEMETER 2026", "DÉMÉTER-2026", "D" * 33])
def test_operation_codes_have_a_fixed_format(make_operation, code):
    with pytest.raises(ValidationError) as error:
        make_operation(code=code)

    assert "Use 3 to 32 capital letters, digits and hyphens, such as DEMETER-2026." in error.value.message_dict["code"]
    assert not Operation.objects.exists()


@pytest.mark.django_db
def test_the_template_refuses_unknown_fields(make_operation):
    with pytest.raises(ValidationError) as error:
        make_operation(field_rules={"engine_number": "required", "containers": "required", "colour": "hidden"})

    assert error.value.message_dict == {"field_rules": ["Unknown seizure fields: colour, engine_number"]}
    assert not Operation.objects.exists()


@pytest.mark.django_db
def test_the_template_refuses_unknown_rules(make_operation):
    with pytest.raises(ValidationError) as error:
        make_operation(field_rules={"vessel": "mandatory", "containers": "required"})

    assert error.value.message_dict == {"field_rules": ["Each field is required, optional or hidden: vessel"]}


# --- Transitions --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_draft_is_scheduled_then_activated_then_closed(world, make_operation):
    operation = make_operation()

    assert _move(operation, world.coordinator, "schedule").status == OperationStatus.PLANNED
    assert _move(operation, world.coordinator, "activate").status == OperationStatus.ACTIVE
    assert _move(operation, world.coordinator, "close").status == OperationStatus.CLOSED
    assert _status(operation) == OperationStatus.CLOSED


@pytest.mark.django_db
def test_a_draft_can_be_activated_directly(world, make_operation):
    operation = _move(make_operation(), world.coordinator, "activate")

    assert _status(operation) == OperationStatus.ACTIVE


@pytest.mark.django_db
def test_any_coordinator_of_the_operation_moves_it(world, make_operation):
    operation = make_operation(coordinators=[world.coordinator, world.office_colleague])

    _move(operation, world.office_colleague, "schedule")

    assert _status(operation) == OperationStatus.PLANNED


@pytest.mark.django_db
def test_a_closed_operation_is_archived_only_after_its_grace_period(world, make_operation):
    operation = _move(make_operation(grace_days=3), world.coordinator, "activate", "close")

    too_early = time_machine.travel(operation.reporting_closes_at - timedelta(minutes=1), tick=False)
    with too_early, pytest.raises(ValidationError) as error:
        services.operation_transition(user=world.coordinator, operation=operation, action="archive")
    until = operation.reporting_closes_at.strftime("%Y-%m-%d %H:%M UTC")
    assert error.value.message_dict == {"status": [f"Reports may still come in until {until}; archive it after that."]}
    assert _status(operation) == OperationStatus.CLOSED

    with time_machine.travel(operation.reporting_closes_at, tick=False):
        services.operation_transition(user=world.coordinator, operation=operation, action="archive")
    assert _status(operation) == OperationStatus.ARCHIVED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("moves", "action", "message"),
    [
        ([], "close", "This operation is draft: it cannot be closed."),
        ([], "archive", "This operation is draft: it cannot be archived."),
        (["schedule"], "schedule", "This operation is planned: it cannot be scheduled."),
        (["schedule"], "close", "This operation is planned: it cannot be closed."),
        (["schedule"], "archive", "This operation is planned: it cannot be archived."),
        (["activate"], "schedule", "This operation is active: it cannot be scheduled."),
        (["activate"], "activate", "This operation is active: it cannot be activated."),
        (["activate"], "archive", "This operation is active: it cannot be archived."),
        (["activate", "close"], "schedule", "This operation is closed: it cannot be scheduled."),
        (["activate", "close"], "activate", "This operation is closed: it cannot be activated."),
        (["activate", "close"], "close", "This operation is closed: it cannot be closed."),
    ],
)
def test_refused_transitions_name_the_status_and_change_nothing(world, make_operation, moves, action, message):
    operation = _move(make_operation(), world.coordinator, *moves)
    before = operation.status
    events = Event.objects.count()

    with pytest.raises(ValidationError) as error:
        services.operation_transition(user=world.coordinator, operation=operation, action=action)

    assert error.value.message_dict == {"status": [message]}
    assert _status(operation) == before
    assert Event.objects.count() == events


@pytest.mark.django_db
def test_an_unknown_action_is_refused(world, make_operation):
    operation = make_operation()

    with pytest.raises(ValidationError) as error:
        services.operation_transition(user=world.coordinator, operation=operation, action="pause")

    assert error.value.messages == ["Unknown action."]
    assert _status(operation) == OperationStatus.DRAFT


@pytest.mark.django_db
@pytest.mark.parametrize("first", [None, "schedule"])
def test_an_operation_whose_end_has_passed_cannot_be_activated(world, make_operation, first):
    now = timezone.now()
    operation = make_operation(starts_at=now - timedelta(days=2), ends_at=now + timedelta(hours=1))
    if first:
        operation = _move(operation, world.coordinator, first)
    before = operation.status

    with time_machine.travel(now + timedelta(hours=2), tick=False), pytest.raises(ValidationError) as error:
        services.operation_transition(user=world.coordinator, operation=operation, action="activate")

    assert error.value.message_dict == {"ends_at": ["The operation's end has passed: extend it before activating it."]}
    assert _status(operation) == before


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["office_colleague", "other_coordinator", "secretariat", "ncp_ng", "officer_ng"])
def test_only_the_operations_coordinators_move_it(world, joint, name):
    for action in ("schedule", "activate", "close", "archive"):
        with pytest.raises(PermissionDenied, match=re.escape(NOT_COORDINATOR)):
            services.operation_transition(user=getattr(world, name), operation=joint, action=action)

    assert _status(joint) == OperationStatus.ACTIVE


@pytest.mark.django_db
def test_a_closed_operation_extended_past_now_is_active_again(world, joint):
    _move(joint, world.coordinator, "close")
    new_end = joint.ends_at + timedelta(days=7)

    operation = services.operation_extend(user=world.coordinator, operation=joint, ends_at=new_end)

    assert operation.status == OperationStatus.ACTIVE
    joint.refresh_from_db()
    assert (joint.status, joint.ends_at) == (OperationStatus.ACTIVE, new_end)


@pytest.mark.django_db
def test_a_closed_operation_extended_to_a_past_date_stays_closed(world, make_operation):
    now = timezone.now()
    operation = _move(
        make_operation(starts_at=now - timedelta(days=5), ends_at=now + timedelta(hours=1)),
        world.coordinator,
        "activate",
    )
    with time_machine.travel(now + timedelta(days=2), tick=False):
        _move(operation, world.coordinator, "close")
        services.operation_extend(user=world.coordinator, operation=operation, ends_at=now + timedelta(days=1))
        assert _status(operation) == OperationStatus.CLOSED

        services.operation_extend(user=world.coordinator, operation=operation, ends_at=now + timedelta(days=3))
        assert _status(operation) == OperationStatus.ACTIVE


@pytest.mark.django_db
@pytest.mark.parametrize("delta", [timedelta(0), timedelta(days=-1)])
def test_an_extension_ends_later_than_the_current_end(world, joint, delta):
    end = joint.ends_at

    with pytest.raises(ValidationError) as error:
        services.operation_extend(user=world.coordinator, operation=joint, ends_at=end + delta)

    assert error.value.message_dict == {"ends_at": ["An extension must end later than the current end."]}
    joint.refresh_from_db()
    assert joint.ends_at == end


@pytest.mark.django_db
def test_only_coordinators_extend(world, joint):
    end = joint.ends_at

    with pytest.raises(PermissionDenied, match=re.escape(NOT_COORDINATOR)):
        services.operation_extend(user=world.office_colleague, operation=joint, ends_at=end + timedelta(days=1))

    joint.refresh_from_db()
    assert joint.ends_at == end


@pytest.mark.django_db
def test_an_archived_operation_is_read_only(world, make_operation):
    operation = _archived(world, make_operation)
    operation.refresh_from_db()
    snapshot = (operation.status, operation.name_en, operation.ends_at, operation.updated_at)
    events = Event.objects.count()
    attempts = [
        *(
            lambda action=action: services.operation_transition(
                user=world.coordinator, operation=operation, action=action
            )
            for action in ("schedule", "activate", "close", "archive")
        ),
        lambda: services.operation_extend(
            user=world.coordinator, operation=operation, ends_at=timezone.now() + timedelta(days=30)
        ),
        lambda: services.operation_update(user=world.coordinator, operation=operation, name_en="Renamed"),
        lambda: services.participation_invite(
            user=world.coordinator, operation=operation, administrations=[world.ghana]
        ),
    ]

    for attempt in attempts:
        with pytest.raises(ValidationError) as error:
            attempt()
        assert error.value.messages == [ARCHIVED]
        assert error.value.code == "archived"

    operation.refresh_from_db()
    assert (operation.status, operation.name_en, operation.ends_at, operation.updated_at) == snapshot
    assert not operation.participations.exists()
    assert Event.objects.count() == events


# --- Updates ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_coordinator_changes_details_scope_and_template(world, make_operation):
    operation = make_operation()

    services.operation_update(
        user=world.coordinator,
        operation=operation,
        name_en="Demeter XII",
        grace_days=30,
        scope_meas=list(Mea.objects.filter(code__in=["BASEL", "MONTREAL"])),
        scope_hs_codes=[HsCode.objects.get(code="8549")],
        scope_countries=[Country.objects.get(code="NG")],
        field_rules={"vessel": "required", "flight": "hidden", "place": "optional"},
        coordinators=[world.coordinator, world.office_colleague],
    )

    operation.refresh_from_db()
    assert (operation.name_en, operation.grace_days) == ("Demeter XII", 30)
    assert set(operation.scope_meas.values_list("code", flat=True)) == {"BASEL", "MONTREAL"}
    assert list(operation.scope_hs_codes.values_list("code", flat=True)) == ["8549"]
    assert list(operation.scope_countries.values_list("code", flat=True)) == ["NG"]
    assert operation.field_rules == {"vessel": "required", "flight": "hidden"}
    assert set(operation.coordinators.all()) == {world.coordinator, world.office_colleague}
    assert _last_event().op == "update"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["office_colleague", "secretariat", "other_coordinator", "ncp_ng"])
def test_only_the_operations_coordinators_change_it(world, joint, name):
    with pytest.raises(PermissionDenied, match=re.escape(NOT_COORDINATOR)):
        services.operation_update(user=getattr(world, name), operation=joint, name_en="Hijacked")

    joint.refresh_from_db()
    assert joint.name_en == "Demeter 2026"


@pytest.mark.django_db
def test_coordinators_named_in_an_update_must_belong_to_the_office(world, joint):
    with pytest.raises(ValidationError) as error:
        services.operation_update(user=world.coordinator, operation=joint, coordinators=[world.other_coordinator])

    assert list(error.value.message_dict) == ["coordinators"]
    assert list(joint.coordinators.all()) == [world.coordinator]


@pytest.mark.django_db
def test_an_update_keeps_the_end_after_the_start(world, make_operation):
    operation = make_operation()

    with pytest.raises(ValidationError) as error:
        services.operation_update(user=world.coordinator, operation=operation, ends_at=operation.starts_at)

    assert error.value.message_dict == {"ends_at": ["The operation must end after it starts."]}


@pytest.mark.django_db
def test_the_window_never_shrinks_past_a_filed_seizure(world, make_operation):
    operation = make_operation()
    filed_at = operation.starts_at + timedelta(days=2)
    services.operation_record_report(operation=operation, reference="SZ-1", occurred_at=filed_at)
    starts_at, ends_at = operation.starts_at, operation.ends_at

    with pytest.raises(ValidationError) as late_start:
        services.operation_update(user=world.coordinator, operation=operation, starts_at=filed_at + timedelta(hours=1))
    with pytest.raises(ValidationError) as early_end:
        services.operation_update(user=world.coordinator, operation=operation, ends_at=filed_at - timedelta(hours=1))

    assert late_start.value.message_dict == {
        "starts_at": ["Seizures were filed before this date: the window cannot shrink past them."]
    }
    assert early_end.value.message_dict == {
        "ends_at": ["Seizures were filed after this date: the window cannot shrink past them."]
    }
    operation.refresh_from_db()
    assert (operation.starts_at, operation.ends_at) == (starts_at, ends_at)

    services.operation_update(
        user=world.coordinator, operation=operation, starts_at=filed_at, ends_at=filed_at + timedelta(hours=1)
    )
    operation.refresh_from_db()
    assert (operation.starts_at, operation.ends_at) == (filed_at, filed_at + timedelta(hours=1))


@pytest.mark.django_db
def test_an_operation_that_started_keeps_its_start(world, joint):
    starts_at = joint.starts_at

    with pytest.raises(ValidationError) as error:
        services.operation_update(user=world.coordinator, operation=joint, starts_at=starts_at - timedelta(days=1))

    assert error.value.message_dict == {"starts_at": ["An operation that has started keeps its start date."]}
    joint.refresh_from_db()
    assert joint.starts_at == starts_at


@pytest.mark.django_db
def test_a_planned_operation_may_move_its_start(world, make_operation):
    operation = _move(make_operation(), world.coordinator, "schedule")
    new_start = operation.starts_at + timedelta(days=2)

    services.operation_update(user=world.coordinator, operation=operation, starts_at=new_start)

    operation.refresh_from_db()
    assert operation.starts_at == new_start


@pytest.mark.django_db
def test_a_closed_operation_changes_its_end_only_by_extension(world, joint):
    _move(joint, world.coordinator, "close")
    ends_at = joint.ends_at

    with pytest.raises(ValidationError) as error:
        services.operation_update(user=world.coordinator, operation=joint, ends_at=ends_at + timedelta(days=1))

    assert error.value.message_dict == {"ends_at": ["Extend a closed operation with the extend action."]}
    joint.refresh_from_db()
    assert (joint.status, joint.ends_at) == (OperationStatus.CLOSED, ends_at)


@pytest.mark.django_db
def test_fields_outside_the_editable_ones_are_refused(world, joint):
    with pytest.raises(ValidationError) as error:
        services.operation_update(user=world.coordinator, operation=joint, status="archived", code="HIJACK")

    assert error.value.messages == ["These fields cannot be changed: code, status"]
    joint.refresh_from_db()
    assert (joint.status, joint.code) == (OperationStatus.ACTIVE, "DEMETER-2026")


@pytest.mark.django_db
def test_narrowing_the_meas_past_a_filed_seizure_needs_confirmation(world, make_operation):
    basel, cites = Mea.objects.get(code="BASEL"), Mea.objects.get(code="CITES")
    operation = make_operation(scope_meas=[basel, cites])
    services.operation_record_report(
        operation=operation, reference="SZ-7", occurred_at=operation.starts_at + timedelta(hours=1), mea=basel
    )

    with pytest.raises(ValidationError) as error:
        services.operation_update(user=world.coordinator, operation=operation, scope_meas=[cites], name_en="Renamed")

    assert error.value.message_dict == {
        "scope": [
            "1 filed seizures would fall outside the new scope (SZ-7). "
            "Confirm the change to keep them flagged as out of scope."
        ]
    }
    operation.refresh_from_db()
    assert set(operation.scope_meas.values_list("code", flat=True)) == {"BASEL", "CITES"}
    assert operation.name_en == "Demeter 2026"

    services.operation_update(
        user=world.coordinator, operation=operation, scope_meas=[cites], confirm_scope_change=True
    )
    assert list(operation.scope_meas.values_list("code", flat=True)) == ["CITES"]


@pytest.mark.django_db
def test_narrowing_the_commodities_past_a_filed_seizure_needs_confirmation(world, make_operation):
    operation = make_operation(scope_hs_codes=[HsCode.objects.get(code="8549")])
    services.operation_record_report(
        operation=operation,
        reference="SZ-9",
        occurred_at=operation.starts_at + timedelta(hours=1),
        hs_code=HsCode.objects.get(code="854911"),
    )

    with pytest.raises(ValidationError) as error:
        services.operation_update(
            user=world.coordinator, operation=operation, scope_hs_codes=[HsCode.objects.get(code="3915")]
        )
    assert list(error.value.message_dict) == ["scope"]
    assert list(operation.scope_hs_codes.values_list("code", flat=True)) == ["8549"]

    # A subheading that still contains the seizure's code is no narrowing past it.
    services.operation_update(
        user=world.coordinator, operation=operation, scope_hs_codes=[HsCode.objects.get(code="854911")]
    )
    assert list(operation.scope_hs_codes.values_list("code", flat=True)) == ["854911"]


@pytest.mark.django_db
def test_a_scope_refusal_carries_the_scope_narrowed_code(world, make_operation):
    basel = Mea.objects.get(code="BASEL")
    operation = make_operation(scope_meas=[basel])
    services.operation_record_report(
        operation=operation, reference="SZ-7", occurred_at=operation.starts_at + timedelta(hours=1), mea=basel
    )

    with pytest.raises(ValidationError) as error:
        services.operation_update(
            user=world.coordinator, operation=operation, scope_meas=[Mea.objects.get(code="CITES")]
        )

    assert [item.code for item in error.value.error_dict["scope"]] == ["scope_narrowed"]


@pytest.mark.django_db
def test_widening_the_scope_needs_no_confirmation(world, make_operation):
    basel = Mea.objects.get(code="BASEL")
    operation = make_operation(scope_meas=[basel])
    services.operation_record_report(
        operation=operation, reference="SZ-1", occurred_at=operation.starts_at + timedelta(hours=1), mea=basel
    )

    services.operation_update(
        user=world.coordinator, operation=operation, scope_meas=[basel, Mea.objects.get(code="MONTREAL")]
    )
    services.operation_update(user=world.coordinator, operation=operation, scope_meas=[])

    assert not operation.scope_meas.exists()


@pytest.mark.django_db
def test_narrowing_the_countries_past_a_filed_seizure_needs_confirmation(world, make_operation):
    nigeria, ghana = Country.objects.get(code="NG"), Country.objects.get(code="GH")
    operation = make_operation(scope_countries=[nigeria, ghana])
    services.operation_record_report(
        operation=operation, reference="SZ-3", occurred_at=operation.starts_at + timedelta(hours=1), country=nigeria
    )

    with pytest.raises(ValidationError) as error:
        services.operation_update(user=world.coordinator, operation=operation, scope_countries=[ghana])

    assert list(error.value.message_dict) == ["scope"]
    assert set(operation.scope_countries.values_list("code", flat=True)) == {"NG", "GH"}


# --- Invitations and answers --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_coordinator_invites_an_administration(world, make_operation):
    operation = make_operation()

    invited = services.participation_invite(user=world.coordinator, operation=operation, administrations=[world.france])

    assert [(p.administration, p.role, p.status, p.invited_by) for p in invited] == [
        (world.france, ParticipationRole.PARTICIPANT, ParticipationStatus.INVITED, world.coordinator)
    ]
    assert list(operation.participations.values_list("administration", flat=True)) == [world.france.pk]


@pytest.mark.django_db
def test_inviting_a_rilo_invites_the_national_administrations_of_its_countries(
    world, make_operation, make_administration
):
    ghana_police = make_administration(kind="police", country="GH")
    operation = make_operation()

    invited = services.participation_invite(user=world.coordinator, operation=operation, rilo=world.office.rilo)

    expected = {world.nigeria, world.ghana, world.senegal, ghana_police}
    assert {p.administration for p in invited} == expected
    assert {p.administration for p in operation.participations.all()} == expected
    assert set(operation.participations.values_list("status", "role")) == {
        (ParticipationStatus.INVITED, ParticipationRole.PARTICIPANT)
    }


@pytest.mark.django_db
def test_an_international_organisation_joins_as_an_observer(world, make_operation):
    operation = make_operation()

    services.participation_invite(user=world.coordinator, operation=operation, administrations=[world.unep])

    assert _participation(operation, world.unep).role == ParticipationRole.OBSERVER


@pytest.mark.django_db
def test_a_rilo_office_or_the_secretariat_is_not_invited(world, make_operation):
    operation = make_operation()

    invited = services.participation_invite(
        user=world.coordinator, operation=operation, administrations=[world.other_office, world.office]
    )

    assert invited == []
    assert not operation.participations.exists()


@pytest.mark.django_db
def test_inviting_a_rilo_again_leaves_existing_answers_and_reinvites_who_declined(world, joint):
    ghana_invited_at = _participation(joint, world.ghana).invited_at

    invited = services.participation_invite(user=world.coordinator, operation=joint, rilo=world.office.rilo)

    assert [p.administration for p in invited] == [world.senegal]
    nigeria, ghana, senegal = (_participation(joint, a) for a in (world.nigeria, world.ghana, world.senegal))
    assert (nigeria.status, nigeria.national_contact) == (ParticipationStatus.ACCEPTED, world.ncp_ng)
    assert (ghana.status, ghana.invited_at) == (ParticipationStatus.INVITED, ghana_invited_at)
    assert (senegal.status, senegal.responded_at) == (ParticipationStatus.INVITED, None)


@pytest.mark.django_db
def test_an_invitation_names_administrations_or_a_rilo(world, make_operation):
    with pytest.raises(ValidationError) as error:
        services.participation_invite(user=world.coordinator, operation=make_operation())

    assert error.value.message_dict == {"administrations": ["Choose administrations or a RILO to invite."]}


@pytest.mark.django_db
def test_invitations_close_with_the_operation(world, joint):
    joint = _move(joint, world.coordinator, "close")

    with pytest.raises(ValidationError) as error:
        services.participation_invite(user=world.coordinator, operation=joint, administrations=[world.france])

    assert error.value.messages == ["Invitations close with the operation."]
    assert not joint.participations.filter(administration=world.france).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["office_colleague", "ncp_ng", "secretariat"])
def test_only_coordinators_invite(world, joint, name):
    with pytest.raises(PermissionDenied, match=re.escape(NOT_COORDINATOR)):
        services.participation_invite(user=getattr(world, name), operation=joint, administrations=[world.france])

    assert not joint.participations.filter(administration=world.france).exists()


@pytest.mark.django_db
def test_the_national_contact_point_accepts_for_the_administration(world, joint):
    participation = services.participation_respond(
        user=world.ncp_gh, participation=_participation(joint, world.ghana), accept=True
    )

    assert (participation.status, participation.national_contact) == (ParticipationStatus.ACCEPTED, world.ncp_gh)
    assert participation.responded_at is not None
    assert _participation(joint, world.ghana).status == ParticipationStatus.ACCEPTED


@pytest.mark.django_db
def test_declining_an_invitation_and_withdrawing_after_accepting(world, joint):
    declined = services.participation_respond(
        user=world.ncp_gh, participation=_participation(joint, world.ghana), accept=False
    )
    withdrawn = services.participation_respond(
        user=world.ncp_ng, participation=_participation(joint, world.nigeria), accept=False
    )

    assert declined.status == ParticipationStatus.DECLINED
    assert withdrawn.status == ParticipationStatus.WITHDRAWN
    assert _participation(joint, world.nigeria).status == ParticipationStatus.WITHDRAWN


@pytest.mark.django_db
def test_an_administration_that_declined_may_change_its_mind(world, joint):
    participation = services.participation_respond(
        user=world.ncp_sn, participation=_participation(joint, world.senegal), accept=True
    )

    assert participation.status == ParticipationStatus.ACCEPTED


@pytest.mark.django_db
def test_answers_that_do_not_follow_an_invitation_are_refused(world, joint):
    with pytest.raises(ValidationError) as twice:
        services.participation_respond(
            user=world.ncp_ng, participation=_participation(joint, world.nigeria), accept=True
        )
    services.participation_respond(user=world.ncp_ng, participation=_participation(joint, world.nigeria), accept=False)
    with pytest.raises(ValidationError) as after_withdrawal:
        services.participation_respond(
            user=world.ncp_ng, participation=_participation(joint, world.nigeria), accept=True
        )
    with pytest.raises(ValidationError) as decline_twice:
        services.participation_respond(
            user=world.ncp_sn, participation=_participation(joint, world.senegal), accept=False
        )

    assert twice.value.messages == ["There is no invitation to accept."]
    assert after_withdrawal.value.messages == ["There is no invitation to accept."]
    assert decline_twice.value.messages == ["There is nothing to decline."]
    assert _participation(joint, world.nigeria).status == ParticipationStatus.WITHDRAWN
    assert _participation(joint, world.senegal).status == ParticipationStatus.DECLINED


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["officer_gh", "ncp_ng", "coordinator"])
def test_only_the_administrations_national_contact_point_answers(world, joint, name):
    with pytest.raises(
        PermissionDenied, match=re.escape("Only the national contact point of the administration can answer.")
    ):
        services.participation_respond(
            user=getattr(world, name), participation=_participation(joint, world.ghana), accept=True
        )

    assert _participation(joint, world.ghana).status == ParticipationStatus.INVITED


@pytest.mark.django_db
@pytest.mark.parametrize("accept", [True, False])
def test_answers_are_refused_once_the_operation_is_closed(world, joint, accept):
    _move(joint, world.coordinator, "close")

    with pytest.raises(ValidationError) as error:
        services.participation_respond(
            user=world.ncp_gh, participation=_participation(joint, world.ghana), accept=accept
        )

    assert error.value.messages == ["This operation is closed."]
    assert _participation(joint, world.ghana).status == ParticipationStatus.INVITED


# --- Events -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_creation_is_recorded_for_the_coordinators(world, make_operation):
    operation = make_operation(coordinators=[world.coordinator, world.office_colleague])

    event = _last_event()
    assert (event.op, event.payload["id"], event.payload["code"]) == ("add", operation.pk, "DEMETER-2026")
    assert event.payload["status"] == "draft"
    assert _recipients(event) == _ids(world.coordinator, world.office_colleague)


@pytest.mark.django_db
def test_status_changes_reach_the_coordinators_and_the_people_taking_part(world, joint):
    _move(joint, world.coordinator, "close")

    event = _last_event()
    assert event.op == "status"
    assert event.payload | {"previous": "active", "status": "closed", "by_clock": False} == event.payload
    assert _recipients(event) == {world.coordinator.pk, *_nigerians(world)}


@pytest.mark.django_db
def test_every_change_of_status_is_recorded_once(world, make_operation):
    operation = make_operation()
    start = Event.objects.filter(type="operation").latest("id").pk

    _move(operation, world.coordinator, "schedule", "activate", "close")

    changes = Event.objects.filter(type="operation", pk__gt=start).order_by("id")
    assert [(e.op, e.payload["previous"], e.payload["status"]) for e in changes] == [
        ("status", "draft", "planned"),
        ("status", "planned", "active"),
        ("status", "active", "closed"),
    ]


@pytest.mark.django_db
def test_an_invitation_reaches_the_invited_administration_and_the_operation(world, joint):
    services.participation_invite(user=world.coordinator, operation=joint, administrations=[world.france])

    event = _last_event("participation")
    assert event.op == "invite"
    assert event.payload == {
        "operation": joint.pk,
        "administration": world.france.name,
        "country": "FR",
        "status": "invited",
    }
    assert _recipients(event) == {world.coordinator.pk, *_nigerians(world), world.ncp_fr.pk, world.officer_fr.pk}


@pytest.mark.django_db
def test_answers_are_recorded_for_the_operation_and_the_administration(world, joint):
    services.participation_respond(user=world.ncp_gh, participation=_participation(joint, world.ghana), accept=True)

    event = _last_event("participation")
    assert (event.op, event.payload["status"], event.payload["country"]) == ("accepted", "accepted", "GH")
    assert _recipients(event) == {world.coordinator.pk, *_nigerians(world), world.ncp_gh.pk, world.officer_gh.pk}
    assert world.ncp_sn.pk not in _recipients(event)


@pytest.mark.django_db
def test_an_extension_is_recorded_for_the_participants(world, joint):
    services.operation_extend(user=world.coordinator, operation=joint, ends_at=joint.ends_at + timedelta(days=3))

    event = _last_event()
    assert event.op == "extend"
    assert _recipients(event) == {world.coordinator.pk, *_nigerians(world)}


# --- The operation's thread ---------------------------------------------------------------------


def _thread_post(user, operation, title="Containers leaving Lagos"):
    return services.operation_post(
        user=user, operation=operation, title=title, body="Three reefers of CRT monitors.", topic="A"
    )


@pytest.mark.django_db
def test_the_thread_reaches_exactly_the_coordinators_and_the_people_taking_part(world, joint):
    post = _thread_post(world.coordinator, joint)

    assert post.context == f"operation:{joint.pk}"
    assert post.context_label == "DEMETER-2026"
    assert list(post.meas.values_list("code", flat=True)) == ["BASEL"]
    assert set(PostRecipient.objects.filter(post=post).values_list("user_id", flat=True)) == {
        world.coordinator.pk,
        *_nigerians(world),
    }


@pytest.mark.django_db
def test_a_participant_posts_in_the_thread(world, joint):
    post = _thread_post(world.officer_ng, joint)

    assert post.author == world.officer_ng
    assert PostRecipient.objects.filter(post=post, user=world.coordinator).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["officer_gh", "ncp_gh", "officer_sn", "officer_fr", "office_colleague", "secretariat"]
)
def test_outsiders_cannot_post_in_the_thread(world, joint, name):
    with pytest.raises(
        PermissionDenied, match=re.escape("Only participants and coordinators post in the operation's thread.")
    ):
        _thread_post(getattr(world, name), joint)

    assert not Post.objects.filter(context=joint.context).exists()


@pytest.mark.django_db
def test_an_archived_operations_thread_is_read_only(world, make_operation):
    operation = _archived(world, make_operation)

    with pytest.raises(ValidationError):
        _thread_post(world.coordinator, operation)

    assert not Post.objects.filter(context=operation.context).exists()
