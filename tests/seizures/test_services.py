"""The seizure services: the life cycle, who may do what, reference numbers, versions, the events,
post and e-mails they send, shipments reported twice, the scope they record, and who sees what."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from accounts.models import AccessLog
from messaging.models import Event, EventRecipient, Notification, Post, PostRecipient
from operations import services as operations
from operations.models import ReportedScope
from seizures import selectors, services
from seizures.models import Case, Seizure, SeizureVersion

CANNOT_FILE = "Only officers of an administration taking part in this operation can file in it."
NOT_REVIEWER = "Only the operation's coordinators review seizures."
PARTY_NAMES = ("John Doe", "Eurotrade Srl", "IT-991")


def _ids(*users):
    return {user.pk for user in users}


def _nigerians(world):
    return _ids(world.ncp_ng, world.officer_ng, world.analyst_ng, world.observer_ng)


def _ghanaians(world):
    return _ids(world.ncp_gh, world.officer_gh)


def _recipients(event):
    return set(EventRecipient.objects.filter(event=event).values_list("user_id", flat=True))


def _events():
    return list(Event.objects.filter(type="seizure").order_by("id"))


def _codes(error):
    return {field: [item.code for item in items] for field, items in error.error_dict.items()}


def _refreshed(seizure):
    seizure.refresh_from_db()
    return seizure


def _edit(seizure, user, comment="", **changes):
    """Change a seizure as the form does: its current filing with some fields replaced."""
    data = services.seizure_as_filing(_refreshed(seizure), with_parties=False)
    data.update(changes)
    return services.seizure_update(user=user, seizure=seizure, data=data, comment=comment)


def _with_quantity(seizure, index, quantity):
    lines = services.seizure_as_filing(_refreshed(seizure), with_parties=False)["lines"]
    lines[index]["quantity"] = quantity
    return lines


def _in_state(world, file_seizure, state):
    seizure = file_seizure(submit=state != "draft")
    if state == "info_requested":
        seizure = services.seizure_request_info(user=world.coordinator, seizure=seizure, comment="Which batteries?")
    elif state == "validated":
        seizure = services.seizure_validate(user=world.coordinator, seizure=seizure)
    elif state == "withdrawn":
        seizure = services.seizure_withdraw(user=world.officer_ng, seizure=seizure)
    assert _refreshed(seizure).status == state
    return seizure


@pytest.fixture
def ghana_joins(world, joint):
    """Ghana's contact point accepts the invitation it has had since the operation began."""
    operations.participation_respond(
        user=world.ncp_gh, participation=joint.participations.get(administration=world.ghana), accept=True
    )


@pytest.fixture
def unep_observes(world, joint):
    """UNEP joins as a read-only observer."""
    (participation,) = operations.participation_invite(
        user=world.coordinator, operation=joint, administrations=[world.unep]
    )
    operations.participation_respond(user=world.observer_unep, participation=participation, accept=True)


def _ghana_filing(filing, **overrides):
    """The same shipment as seen from Tema: discovered in Ghana."""
    return filing(
        place_port="GHTEM",
        route=[
            {"role": "origin", "country": "IT", "place_port": "", "place_name": "Genoa"},
            {"role": "discovery", "country": "GH", "place_port": "GHTEM", "place_name": ""},
        ],
        **overrides,
    )


# --- Life cycle --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_draft_is_submitted_then_validated(world, file_seizure):
    draft = file_seizure(submit=False)
    assert (draft.status, draft.version, draft.submitted_at) == ("draft", 0, None)

    submitted = services.seizure_submit(user=world.officer_ng, seizure=draft)
    assert (submitted.status, submitted.version) == ("submitted", 1)
    assert submitted.submitted_at is not None

    validated = services.seizure_validate(user=world.coordinator, seizure=submitted, comment=" Confirmed. ")
    validated = _refreshed(validated)
    assert (validated.status, validated.version) == ("validated", 2)
    assert validated.validated_at is not None
    assert (validated.reviewed_by, validated.review_comment) == (world.coordinator, "Confirmed.")


@pytest.mark.django_db
def test_information_requested_is_answered_by_an_edit_and_a_new_submission(world, file_seizure):
    seizure = file_seizure()

    services.seizure_request_info(user=world.coordinator, seizure=seizure, comment="How many batteries?")
    assert (_refreshed(seizure).status, seizure.review_comment) == ("info_requested", "How many batteries?")

    _edit(seizure, world.officer_ng, narrative="About 900 batteries.")
    assert _refreshed(seizure).status == "info_requested"

    services.seizure_submit(user=world.officer_ng, seizure=seizure)
    assert _refreshed(seizure).status == "submitted"
    assert [event.op for event in _events()] == ["add", "request_info", "update", "resubmit"]


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["draft", "submitted", "info_requested", "validated"])
def test_a_seizure_is_withdrawn_from_any_state(world, file_seizure, state):
    seizure = _in_state(world, file_seizure, state)

    services.seizure_withdraw(user=world.officer_ng, seizure=seizure, reason="Filed twice")

    assert _refreshed(seizure).status == "withdrawn"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("submitted", "submit"),
        ("validated", "submit"),
        ("withdrawn", "submit"),
        ("draft", "validate"),
        ("info_requested", "validate"),
        ("validated", "validate"),
        ("withdrawn", "validate"),
        ("draft", "request_info"),
        ("info_requested", "request_info"),
        ("validated", "request_info"),
        ("withdrawn", "withdraw"),
    ],
)
def test_invalid_transitions_are_refused(world, file_seizure, state, action):
    seizure = _in_state(world, file_seizure, state)
    events = Event.objects.count()
    attempts = {
        "submit": lambda: services.seizure_submit(user=world.officer_ng, seizure=seizure),
        "validate": lambda: services.seizure_validate(user=world.coordinator, seizure=seizure),
        "request_info": lambda: services.seizure_request_info(user=world.coordinator, seizure=seizure, comment="?"),
        "withdraw": lambda: services.seizure_withdraw(user=world.officer_ng, seizure=seizure),
    }

    with pytest.raises(ValidationError) as error:
        attempts[action]()

    assert _codes(error.value) == {"status": ["invalid_transition"]}
    assert _refreshed(seizure).status == state
    assert Event.objects.count() == events


@pytest.mark.django_db
def test_transition_errors_say_what_the_seizure_is(world, file_seizure):
    seizure = file_seizure()

    with pytest.raises(ValidationError) as submitting:
        services.seizure_submit(user=world.officer_ng, seizure=seizure)
    services.seizure_withdraw(user=world.officer_ng, seizure=seizure)
    with pytest.raises(ValidationError) as reviewing:
        services.seizure_validate(user=world.coordinator, seizure=seizure)

    assert submitting.value.message_dict == {
        "status": ["This seizure is submitted: only drafts and seizures sent back for information are submitted."]
    }
    assert reviewing.value.message_dict == {
        "status": ["This seizure is withdrawn: only submitted seizures are reviewed."]
    }


@pytest.mark.django_db
def test_a_withdrawn_seizure_can_no_longer_be_changed(world, file_seizure):
    seizure = _in_state(world, file_seizure, "withdrawn")

    with pytest.raises(ValidationError) as error:
        _edit(seizure, world.officer_ng, narrative="Changed")

    assert error.value.message_dict == {"status": ["A withdrawn seizure can no longer be changed."]}
    assert _codes(error.value) == {"status": ["withdrawn"]}


@pytest.mark.django_db
def test_a_draft_is_not_submitted_once_reporting_has_closed(world, joint, file_seizure):
    draft = file_seizure(submit=False)
    closed = operations.operation_transition(user=world.coordinator, operation=joint, action="close")

    with time_machine.travel(closed.reporting_closes_at + timedelta(seconds=1), tick=False):
        with pytest.raises(ValidationError) as error:
            services.seizure_submit(user=world.officer_ng, seizure=draft)
        services.seizure_withdraw(user=world.officer_ng, seizure=draft)

    assert error.value.message_dict == {
        "operation": ["Operation DEMETER-2026 does not accept seizure reports now: it is closed."]
    }
    assert _codes(error.value) == {"operation": ["not_accepting"]}
    assert _refreshed(draft).status == "withdrawn"
    assert _events() == []


# --- Who may do what ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who",
    [
        "officer_gh",  # invited, has not answered
        "ncp_gh",
        "officer_sn",  # declined
        "officer_fr",  # never invited
        "observer_ng",
        "analyst_ng",
        "coordinator",
        "secretariat",
        "observer_unep",
    ],
)
def test_only_officers_of_an_accepting_administration_file(world, file_seizure, unep_observes, who):
    with pytest.raises(PermissionDenied, match=re.escape(CANNOT_FILE)):
        file_seizure(user=getattr(world, who))

    assert not Seizure.objects.exists()
    assert not Event.objects.filter(type="seizure").exists()


@pytest.mark.django_db
def test_the_national_contact_point_files_too(world, file_seizure):
    seizure = file_seizure(user=world.ncp_ng)

    assert (seizure.administration, seizure.filed_by, seizure.status) == (world.nigeria, world.ncp_ng, "submitted")


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer_gh", "coordinator", "secretariat", "observer_ng", "analyst_ng"])
@pytest.mark.parametrize("action", ["update", "submit", "withdraw"])
def test_only_the_reporting_administration_edits_submits_and_withdraws(world, file_seizure, ghana_joins, who, action):
    seizure = file_seizure(submit=False)
    user = getattr(world, who)
    attempts = {
        "update": lambda: _edit(seizure, user, narrative="Not yours"),
        "submit": lambda: services.seizure_submit(user=user, seizure=seizure),
        "withdraw": lambda: services.seizure_withdraw(user=user, seizure=seizure),
    }

    with pytest.raises(PermissionDenied):
        attempts[action]()

    seizure = _refreshed(seizure)
    assert (seizure.status, seizure.narrative) == ("draft", "Used fridges declared as second-hand goods.")


@pytest.mark.django_db
def test_a_colleague_of_the_filer_edits_submits_and_withdraws(world, file_seizure):
    seizure = file_seizure(submit=False)

    _edit(seizure, world.ncp_ng, narrative="Checked by the contact point.")
    services.seizure_submit(user=world.ncp_ng, seizure=seizure)
    services.seizure_withdraw(user=world.ncp_ng, seizure=seizure)

    seizure = _refreshed(seizure)
    assert (seizure.status, seizure.narrative) == ("withdrawn", "Checked by the contact point.")
    assert seizure.filed_by == world.officer_ng


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who", ["other_coordinator", "office_colleague", "secretariat", "officer_ng", "ncp_ng", "officer_gh"]
)
@pytest.mark.parametrize("action", ["validate", "request_info"])
def test_only_the_operation_coordinators_review(world, file_seizure, who, action):
    seizure = file_seizure()
    user = getattr(world, who)

    attempts = {
        "validate": lambda: services.seizure_validate(user=user, seizure=seizure),
        "request_info": lambda: services.seizure_request_info(user=user, seizure=seizure, comment="Which batteries?"),
    }

    with pytest.raises(PermissionDenied, match=re.escape(NOT_REVIEWER)):
        attempts[action]()

    assert _refreshed(seizure).status == "submitted"


@pytest.mark.django_db
@pytest.mark.parametrize("comment", ["", "   "])
def test_a_request_for_information_says_what_is_needed(world, file_seizure, comment):
    seizure = file_seizure()

    with pytest.raises(ValidationError) as error:
        services.seizure_request_info(user=world.coordinator, seizure=seizure, comment=comment)

    assert error.value.message_dict == {"comment": ["Say what information is needed."]}
    assert _codes(error.value) == {"comment": ["required"]}
    assert _refreshed(seizure).status == "submitted"
    assert [event.op for event in _events()] == ["add"]


@pytest.mark.django_db
def test_an_administration_that_left_the_operation_no_longer_submits(world, joint, file_seizure):
    draft = file_seizure(submit=False)
    operations.participation_respond(
        user=world.ncp_ng, participation=joint.participations.get(administration=world.nigeria), accept=False
    )

    with pytest.raises(PermissionDenied, match=re.escape(CANNOT_FILE)):
        services.seizure_submit(user=world.officer_ng, seizure=draft)

    assert _refreshed(draft).status == "draft"


# --- Reference numbers -------------------------------------------------------------------------


@pytest.mark.django_db
def test_reference_numbers_count_per_country(world, file_seizure, filing, ghana_joins):
    first = file_seizure()
    draft = file_seizure(submit=False)
    ghanaian = services.seizure_create(
        user=world.officer_gh, operation=first.operation, data=_ghana_filing(filing, containers=[]), submit=True
    )
    third = file_seizure()

    assert [first.reference, draft.reference, ghanaian.reference, third.reference] == [
        "DEMETER-2026/NG/0001",
        "DEMETER-2026/NG/0002",
        "DEMETER-2026/GH/0001",
        "DEMETER-2026/NG/0003",
    ]


@pytest.mark.django_db
def test_reference_numbers_count_per_operation(world, joint, make_operation, file_seizure):
    now = timezone.now()
    other = make_operation(code="THUNDER-2026", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=9))
    operations.participation_invite(user=world.coordinator, operation=other, administrations=[world.nigeria])
    operations.participation_respond(
        user=world.ncp_ng, participation=other.participations.get(administration=world.nigeria), accept=True
    )
    other = operations.operation_transition(user=world.coordinator, operation=other, action="activate")
    file_seizure()

    seizure = file_seizure(operation=other)

    assert seizure.reference == "THUNDER-2026/NG/0001"


# --- Versions ----------------------------------------------------------------------------------


def _versions(seizure):
    return list(SeizureVersion.objects.filter(seizure=seizure).order_by("number"))


@pytest.mark.django_db
def test_submission_makes_version_one_and_validation_version_two(world, file_seizure):
    seizure = file_seizure()
    services.seizure_validate(user=world.coordinator, seizure=seizure)

    v1, v2 = _versions(seizure)
    assert (v1.number, v1.action, v1.status, v1.changed_by, v1.changes) == (
        1,
        "submit",
        "submitted",
        world.officer_ng,
        [],
    )
    assert (v2.number, v2.action, v2.status, v2.changed_by) == (2, "validate", "validated", world.coordinator)
    assert v2.changes == [{"field": "status", "before": "submitted", "after": "validated"}]
    assert [version.number for version in selectors.seizure_versions(seizure=seizure)] == [2, 1]


@pytest.mark.django_db
def test_an_edit_makes_a_version_naming_what_changed(world, file_seizure):
    seizure = file_seizure()

    _edit(seizure, world.officer_ng, comment="Recounted", lines=_with_quantity(seizure, 1, Decimal("45")))

    _v1, v2 = _versions(seizure)
    assert (v2.number, v2.action, v2.comment, v2.status) == (2, "update", "Recounted", "submitted")
    assert v2.changes == [
        {"field": "lines.2.pieces", "before": "40", "after": "45"},
        {"field": "lines.2.quantity", "before": "40", "after": "45"},
    ]
    assert _refreshed(seizure).version == 2


@pytest.mark.django_db
def test_editing_a_validated_seizure_sends_it_back_to_the_coordinators(world, file_seizure):
    seizure = _in_state(world, file_seizure, "validated")

    _edit(seizure, world.officer_ng, narrative="Corrected narrative.")

    seizure = _refreshed(seizure)
    assert (seizure.status, seizure.validated_at, seizure.version) == ("submitted", None, 3)
    v3 = _versions(seizure)[-1]
    assert v3.action == "update"
    assert v3.changes == [
        {
            "field": "narrative",
            "before": "Used fridges declared as second-hand goods.",
            "after": "Corrected narrative.",
        },
        {"field": "status", "before": "validated", "after": "submitted"},
    ]
    assert selectors.validation_queue(user=world.coordinator, operation=seizure.operation).get() == seizure


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.mark.django_db
def test_an_edit_keeps_the_photos_the_operation_requires(world, joint, filing):
    operations.operation_update(user=world.coordinator, operation=joint, field_rules={"photos": "required"})
    photo = SimpleUploadedFile("labels.png", PNG, content_type="image/png")
    seizure = services.seizure_create(
        user=world.officer_ng, operation=joint, data=filing(), submit=True, attachments=[photo]
    )
    assert seizure.attachments.count() == 1

    _edit(seizure, world.officer_ng, narrative="Corrected narrative.")

    assert _refreshed(seizure).narrative == "Corrected narrative."


@pytest.mark.django_db
def test_drafts_keep_no_versions(world, file_seizure):
    seizure = file_seizure(submit=False)

    _edit(seizure, world.officer_ng, narrative="Still drafting.")

    assert _refreshed(seizure).version == 0
    assert not SeizureVersion.objects.exists()


@pytest.mark.django_db
def test_the_history_holds_no_party_names(world, file_seizure):
    seizure = file_seizure()
    services.seizure_request_info(user=world.coordinator, seizure=seizure, comment="Which batteries?")
    _edit(seizure, world.officer_ng, narrative="Lead-acid car batteries.")
    services.seizure_submit(user=world.officer_ng, seizure=seizure)
    services.seizure_validate(user=world.coordinator, seizure=seizure)

    versions = _versions(seizure)

    assert [version.action for version in versions] == ["submit", "request_info", "update", "submit", "validate"]
    for version in versions:
        stored = json.dumps([version.snapshot, version.changes])
        assert not [name for name in PARTY_NAMES if name in stored]
        assert version.snapshot["parties"] == 2


# --- Events ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_submission_reaches_the_operation_and_nobody_else(world, file_seizure, unep_observes):
    seizure = file_seizure()

    (event,) = _events()
    assert (event.type, event.op) == ("seizure", "add")
    assert _recipients(event) == _nigerians(world) | _ids(world.coordinator, world.observer_unep)
    assert not _recipients(event) & (
        _ghanaians(world)
        | _ids(world.officer_fr, world.ncp_fr, world.officer_sn, world.ncp_sn)
        | _ids(world.other_coordinator, world.office_colleague, world.secretariat)
    )
    assert event.payload["reference"] == seizure.reference


@pytest.mark.django_db
def test_a_seizure_for_the_coordinators_reaches_only_them_and_its_administration(world, file_seizure, unep_observes):
    file_seizure(handling_code="red")

    (event,) = _events()
    assert event.op == "add"
    assert _recipients(event) == _nigerians(world) | _ids(world.coordinator)


@pytest.mark.django_db
def test_drafts_send_nothing(world, file_seizure):
    seizure = file_seizure(submit=False)
    _edit(seizure, world.officer_ng, narrative="Still drafting.")
    services.seizure_withdraw(user=world.officer_ng, seizure=seizure)

    assert _events() == []
    assert not Post.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_each_step_sends_one_event_to_the_same_audience(world, file_seizure, unep_observes):
    seizure = file_seizure()
    services.seizure_request_info(user=world.coordinator, seizure=seizure, comment="Which batteries?")
    _edit(seizure, world.officer_ng, narrative="Lead-acid car batteries.")
    services.seizure_submit(user=world.officer_ng, seizure=seizure)
    services.seizure_validate(user=world.coordinator, seizure=seizure)
    services.seizure_withdraw(user=world.officer_ng, seizure=seizure)

    events = _events()
    assert [(event.op, event.payload["status"], event.payload["version"]) for event in events] == [
        ("add", "submitted", 1),
        ("request_info", "info_requested", 2),
        ("update", "info_requested", 3),
        ("resubmit", "submitted", 4),
        ("validate", "validated", 5),
        ("withdraw", "withdrawn", 6),
    ]
    audience = _nigerians(world) | _ids(world.coordinator, world.observer_unep)
    assert all(_recipients(event) == audience for event in events)


@pytest.mark.django_db
def test_event_payloads_carry_no_party_data(world, file_seizure):
    seizure = file_seizure()

    (event,) = _events()
    assert event.payload == {
        "id": seizure.pk,
        "uuid": str(seizure.uuid),
        "reference": "DEMETER-2026/NG/0001",
        "operation": seizure.operation_id,
        "context": f"operation:{seizure.operation_id}",
        "status": "submitted",
        "version": 1,
        "country": "NG",
        "occurred_at": seizure.occurred_at.isoformat(),
        "meas": ["BASEL"],
        "hs_codes": ["841810", "854911"],
        "flagged": False,
    }
    assert not [name for name in PARTY_NAMES if name in json.dumps(event.payload)]


# --- The operation's thread and e-mails --------------------------------------------------------


def _post_recipients(post):
    return set(PostRecipient.objects.filter(post=post).values_list("user_id", flat=True))


@pytest.mark.django_db
def test_the_first_submission_is_posted_in_the_operation_thread(world, joint, file_seizure, unep_observes):
    seizure = file_seizure()

    (post,) = Post.objects.filter(context=joint.context)
    assert (post.author, post.context_label, post.topic) == (world.officer_ng, "DEMETER-2026", "A")
    assert post.title == "Seizure DEMETER-2026/NG/0001: Waste lead-acid batteries; End-of-life refrigerators"
    assert seizure.reference in post.body
    assert not [name for name in PARTY_NAMES if name in post.body]
    assert _post_recipients(post) == _nigerians(world) | _ids(world.coordinator, world.observer_unep)


@pytest.mark.django_db
def test_a_seizure_for_the_coordinators_is_posted_to_them_only(world, joint, file_seizure, unep_observes):
    file_seizure(handling_code="red")

    (post,) = Post.objects.filter(context=joint.context)
    assert _post_recipients(post) == _nigerians(world) | _ids(world.coordinator)


@pytest.mark.django_db
def test_later_submissions_are_not_posted_again(world, joint, file_seizure):
    seizure = file_seizure()
    services.seizure_request_info(user=world.coordinator, seizure=seizure, comment="Which batteries?")
    services.seizure_submit(user=world.officer_ng, seizure=seizure)
    _edit(seizure, world.officer_ng, narrative="Lead-acid car batteries.")

    assert Post.objects.filter(context=joint.context).count() == 1


@pytest.mark.django_db
def test_a_draft_submitted_later_is_posted_then(world, joint, file_seizure):
    seizure = file_seizure(submit=False)
    assert not Post.objects.exists()

    services.seizure_submit(user=world.officer_ng, seizure=seizure)

    assert Post.objects.filter(context=joint.context).count() == 1


def _review_notifications(seizure):
    return Notification.objects.filter(key__startswith=f"seizure-review:{seizure.pk}:")


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["validate", "request_info"])
def test_the_filer_and_contact_points_are_told_of_the_review(world, file_seizure, action):
    seizure = file_seizure()

    if action == "validate":
        services.seizure_validate(user=world.coordinator, seizure=seizure, comment="Confirmed.")
    else:
        services.seizure_request_info(user=world.coordinator, seizure=seizure, comment="Which batteries?")

    notifications = _review_notifications(seizure)
    assert {(item.user_id, item.key, item.kind) for item in notifications} == {
        (world.officer_ng.pk, f"seizure-review:{seizure.pk}:2", "seizure"),
        (world.ncp_ng.pk, f"seizure-review:{seizure.pk}:2", "seizure"),
    }
    assert {item.context["action"] for item in notifications} == {action}
    assert {item.context["reference"] for item in notifications} == {"DEMETER-2026/NG/0001"}


@pytest.mark.django_db
def test_each_review_is_told_once(world, file_seizure):
    seizure = file_seizure()
    services.seizure_request_info(user=world.coordinator, seizure=seizure, comment="Which batteries?")
    services.seizure_submit(user=world.officer_ng, seizure=seizure)
    services.seizure_validate(user=world.coordinator, seizure=seizure)

    keys = sorted(_review_notifications(seizure).filter(user=world.officer_ng).values_list("key", flat=True))
    assert keys == [f"seizure-review:{seizure.pk}:2", f"seizure-review:{seizure.pk}:4"]


# --- One shipment, two reports -----------------------------------------------------------------


@pytest.mark.django_db
def test_two_administrations_reporting_one_container_make_one_case(world, joint, filing, file_seizure, ghana_joins):
    nigerian = file_seizure()

    ghanaian = services.seizure_create(
        user=world.officer_gh, operation=joint, data=_ghana_filing(filing, transport_document=""), submit=True
    )

    nigerian, ghanaian = _refreshed(nigerian), _refreshed(ghanaian)
    assert nigerian.case_id is not None
    assert ghanaian.case_id == nigerian.case_id
    assert Case.objects.count() == 1
    assert (ghanaian.flagged, ghanaian.findings) == (
        True,
        [{"code": "same_shipment", "field": "containers", "detail": "DEMETER-2026/NG/0001"}],
    )
    assert (nigerian.flagged, nigerian.findings) == (False, [])


@pytest.mark.django_db
def test_one_bill_of_lading_written_two_ways_is_one_shipment(world, joint, filing, file_seizure, ghana_joins):
    nigerian = file_seizure(containers=[], transport_document="MSCU-123456")

    ghanaian = services.seizure_create(
        user=world.officer_gh,
        operation=joint,
        data=_ghana_filing(filing, containers=[], transport_document="mscu 123456"),
        submit=True,
    )

    assert _refreshed(ghanaian).case_id == _refreshed(nigerian).case_id is not None


@pytest.mark.django_db
def test_a_draft_does_not_join_a_case(world, joint, filing, file_seizure, ghana_joins):
    file_seizure(submit=False)

    ghanaian = services.seizure_create(user=world.officer_gh, operation=joint, data=_ghana_filing(filing), submit=True)

    assert _refreshed(ghanaian).case_id is None
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_withdrawing_one_report_dissolves_the_case(world, joint, filing, file_seizure, ghana_joins):
    nigerian = file_seizure()
    ghanaian = services.seizure_create(user=world.officer_gh, operation=joint, data=_ghana_filing(filing), submit=True)

    services.seizure_withdraw(user=world.officer_gh, seizure=ghanaian)

    assert (_refreshed(nigerian).case_id, _refreshed(ghanaian).case_id) == (None, None)
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_withdrawing_the_first_report_clears_the_flag_on_the_other(world, joint, filing, file_seizure, ghana_joins):
    nigerian = file_seizure()
    ghanaian = services.seizure_create(user=world.officer_gh, operation=joint, data=_ghana_filing(filing), submit=True)

    services.seizure_withdraw(user=world.officer_ng, seizure=nigerian)

    ghanaian = _refreshed(ghanaian)
    assert ghanaian.case_id is None
    assert not Case.objects.exists()
    assert (ghanaian.flagged, ghanaian.findings) == (False, [])


@pytest.mark.django_db
def test_one_administration_reporting_one_container_twice_is_not_a_shared_case(file_seizure):
    first = file_seizure()

    second = file_seizure()

    assert (_refreshed(first).case_id, _refreshed(second).case_id) == (None, None)
    assert _refreshed(second).findings == []


# --- What the operation records about filed reports --------------------------------------------


def _scope(seizure):
    return sorted(
        ReportedScope.objects.filter(operation=seizure.operation, reference=seizure.reference).values_list(
            "mea_id", "hs_code_id", "country_id", "occurred_at"
        )
    )


@pytest.mark.django_db
def test_the_scope_of_a_submitted_seizure_is_recorded_and_forgotten_on_withdrawal(world, file_seizure):
    seizure = file_seizure(submit=False)
    assert _scope(seizure) == []

    services.seizure_submit(user=world.officer_ng, seizure=seizure)
    assert _scope(seizure) == [
        ("BASEL", "841810", "NG", seizure.occurred_at),
        ("BASEL", "854911", "NG", seizure.occurred_at),
    ]

    services.seizure_withdraw(user=world.officer_ng, seizure=seizure)
    assert _scope(seizure) == []


@pytest.mark.django_db
def test_an_edit_records_the_new_scope(world, file_seizure):
    seizure = file_seizure()
    lines = services.seizure_as_filing(_refreshed(seizure), with_parties=False)["lines"][:1]

    _edit(seizure, world.officer_ng, lines=lines)

    assert _scope(seizure) == [("BASEL", "854911", "NG", seizure.occurred_at)]


# --- Persons and companies ---------------------------------------------------------------------


def _party_reads():
    return list(AccessLog.objects.filter(object_type="party").values_list("user_id", "object_id", "channel"))


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer_ng", "analyst_ng", "coordinator"])
def test_the_reporter_and_the_coordinators_see_the_parties_and_each_read_is_logged(world, file_seizure, who):
    seizure = file_seizure()
    user = getattr(world, who)

    first = selectors.party_list(user=user, seizure=seizure, channel="page")
    second = selectors.party_list(user=user, seizure=seizure, channel="api")

    assert sorted(party.name for party in first) == ["Eurotrade Srl", "John Doe"]
    assert [party.pk for party in second] == [party.pk for party in first]
    assert sorted(_party_reads()) == sorted(
        [(user.pk, str(party.pk), channel) for channel in ("page", "api") for party in first]
    )
    references = set(AccessLog.objects.values_list("reference", flat=True))
    assert references == {"DEMETER-2026/NG/0001 Exporter", "DEMETER-2026/NG/0001 Suspect"}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer_gh", "observer_unep", "secretariat", "other_coordinator", "officer_fr"])
def test_everyone_else_sees_no_parties_and_nothing_is_logged(world, file_seizure, ghana_joins, unep_observes, who):
    seizure = file_seizure()

    assert selectors.party_list(user=getattr(world, who), seizure=seizure, channel="page") == []
    assert _party_reads() == []
    assert selectors.party_counts(seizure=seizure) == {"person": 1, "company": 1}


@pytest.mark.django_db
def test_coordinators_see_no_parties_of_a_draft(world, file_seizure):
    seizure = file_seizure(submit=False)

    assert selectors.party_list(user=world.coordinator, seizure=seizure, channel="page") == []
    assert _party_reads() == []


# --- Who sees which seizure --------------------------------------------------------------------


@pytest.mark.django_db
def test_each_role_sees_the_seizures_its_scope_allows(world, file_seizure, unep_observes):
    draft = file_seizure(submit=False)
    shared = file_seizure()
    restricted = file_seizure(handling_code="red", containers=[], transport_document="")

    def seen(who):
        return set(selectors.seizure_list(user=getattr(world, who)))

    assert seen("officer_ng") == seen("analyst_ng") == seen("observer_ng") == {draft, shared, restricted}
    assert seen("coordinator") == {shared, restricted}
    assert seen("secretariat") == {shared, restricted}
    assert seen("observer_unep") == {shared}
    for outsider in ("officer_gh", "ncp_gh", "officer_sn", "officer_fr", "other_coordinator"):
        assert seen(outsider) == set(), outsider


@pytest.mark.django_db
def test_an_administration_sees_the_shared_seizures_once_it_accepts(world, file_seizure, ghana_joins):
    shared = file_seizure()
    file_seizure(handling_code="red", containers=[], transport_document="")
    file_seizure(submit=False)

    assert set(selectors.seizure_list(user=world.officer_gh)) == {shared}


@pytest.mark.django_db
def test_a_hidden_seizure_answers_like_a_missing_one(world, file_seizure):
    seizure = file_seizure(handling_code="red")

    assert selectors.seizure_get(user=world.coordinator, seizure_id=seizure.pk) == seizure
    with pytest.raises(Http404):
        selectors.seizure_get(user=world.officer_gh, seizure_id=seizure.pk)
