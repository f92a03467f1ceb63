"""Each audited service writes the right event: who, what, the owning administration, before and after."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.audit import audit_verify
from accounts.choices import Role
from accounts.models import AuditEvent
from messaging import services as messaging
from messaging.choices import AudienceKind
from operations import services as operations
from seizures import services as seizures
from seizures.models import Party
from tests.messaging.factories import document, post

pytestmark = pytest.mark.django_db


def _last(object_type: str, object_id: object) -> AuditEvent:
    return AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id)).latest("id")


def _changed(event: AuditEvent) -> dict[str, tuple[object, object]]:
    before, after = event.before or {}, event.after or {}
    return {name: (before.get(name), after.get(name)) for name in after if before.get(name) != after.get(name)}


# --- accounts ----------------------------------------------------------------------------------


def test_creating_a_user_records_the_account_without_personal_details(world, make_administration):
    administration = make_administration(country="GH")

    user = account_services.user_create(
        username="kwame",
        email="kwame@example.org",
        password=None,
        administration=administration,
        role=Role.NATIONAL_CONTACT,
        first_name="Kwame",
        last_name="Mensah",
        position="Head of enforcement",
        actor=world.secretariat,
    )

    event = _last("user", user.pk)
    assert (event.action, event.actor, event.administration_id, event.reference) == (
        "create", world.secretariat, administration.pk, "kwame",
    )  # fmt: skip
    assert event.before is None
    assert event.after == {
        "username": "kwame",
        "role": Role.NATIONAL_CONTACT,
        "administration": administration.pk,
        "is_active": True,
        "is_staff": False,
        "is_superuser": False,
    }
    assert "Mensah" not in str(event.after)
    assert "kwame@example.org" not in str(event.after)


def test_deciding_an_access_request_records_it_without_the_applicants_address(world, make_administration, make_user):
    administration = make_administration(country="GH")
    contact_point = make_user(role=Role.NATIONAL_CONTACT, administration=administration)
    request = account_services.access_request_submit(
        first_name="Ama",
        last_name="Owusu",
        email="ama.owusu@customs.example.org",
        administration=administration,
        position="Officer, Tema",
        justification="Joins the operation at Tema port.",
        language="en",
    )

    account_services.access_request_endorse(actor=contact_point, access_request=request)

    event = _last("accessrequest", request.pk)
    assert (event.action, event.actor, event.administration_id, event.reference) == (
        "endorse", contact_point, administration.pk, f"AR-{request.pk}",
    )  # fmt: skip
    assert "ama.owusu" not in f"{event.reference} {event.before} {event.after}"
    assert "Owusu" not in f"{event.reference} {event.before} {event.after}"


def test_enrolling_a_second_factor_is_recorded_for_the_persons_administration(world, make_user):
    from base64 import b32encode

    import pyotp

    officer = make_user(role=Role.OFFICER, administration=world.office)
    device = account_services.totp_device_start(user=officer)
    code = pyotp.TOTP(b32encode(device.bin_key).decode(), interval=device.step).now()

    account_services.totp_device_confirm(user=officer, otp_token=code)

    event = _last("user", officer.pk)
    assert (event.action, event.actor, event.administration_id) == ("enrol_second_factor", officer, world.office.pk)


# --- operations --------------------------------------------------------------------------------


def test_creating_an_operation_records_its_settings(world, make_operation):
    operation = make_operation()

    event = _last("operation", operation.pk)
    assert (event.action, event.actor, event.administration_id, event.reference) == (
        "create", world.coordinator, world.office.pk, "DEMETER-2026",
    )  # fmt: skip
    assert event.before is None
    assert event.after["status"] == "draft"
    assert event.after["coordinators"] == [world.coordinator.pk]
    assert event.after["scope_meas"] == ["BASEL"]


def test_updating_an_operation_records_before_and_after(world, make_operation):
    operation = make_operation()

    operations.operation_update(user=world.coordinator, operation=operation, name_en="Demeter II", grace_days=7)

    event = _last("operation", operation.pk)
    assert event.action == "update"
    assert _changed(event) == {"name_en": ("Demeter 2026", "Demeter II"), "grace_days": (14, 7)}


def test_each_status_change_of_an_operation_is_recorded_with_its_actor(world, make_operation):
    now = timezone.now()
    operation = make_operation(starts_at=now - timedelta(days=2), ends_at=now - timedelta(hours=1))

    operations.operation_transition(user=world.coordinator, operation=operation, action="schedule")
    operations.operations_advance_clock()

    actions = list(
        AuditEvent.objects.filter(object_type="operation", object_id=str(operation.pk))
        .order_by("id")
        .values_list("action", "actor_id", "before__status", "after__status")
    )
    assert actions == [
        ("create", world.coordinator.pk, None, "draft"),
        ("schedule", world.coordinator.pk, "draft", "planned"),
        ("activate", None, "planned", "active"),
        ("close", None, "active", "closed"),
    ]


def test_extending_an_operation_records_the_new_end(world, joint):
    ends_at = joint.ends_at + timedelta(days=10)

    operations.operation_extend(user=world.coordinator, operation=joint, ends_at=ends_at)

    event = _last("operation", joint.pk)
    assert event.action == "extend"
    assert list(_changed(event)) == ["ends_at"]


def test_invitations_and_answers_are_recorded_for_the_invited_administration(world, make_operation):
    operation = make_operation()

    operations.participation_invite(user=world.coordinator, operation=operation, administrations=[world.nigeria])
    participation = operation.participations.get(administration=world.nigeria)
    invited = _last("participation", participation.pk)
    operations.participation_respond(user=world.ncp_ng, participation=participation, accept=True)
    accepted = _last("participation", participation.pk)
    operations.participation_respond(user=world.ncp_ng, participation=participation, accept=False)
    withdrawn = _last("participation", participation.pk)

    assert (invited.action, invited.actor, invited.before, invited.after["status"]) == (
        "invite", world.coordinator, None, "invited",
    )  # fmt: skip
    assert invited.administration_id == world.nigeria.pk
    assert (accepted.action, accepted.actor, _changed(accepted)["status"]) == (
        "accept", world.ncp_ng, ("invited", "accepted"),
    )  # fmt: skip
    assert accepted.after["national_contact"] == world.ncp_ng.pk
    assert (withdrawn.action, _changed(withdrawn)["status"]) == ("withdraw", ("accepted", "withdrawn"))


def test_declining_an_invitation_is_recorded(world, joint):
    participation = joint.participations.get(administration=world.senegal)

    event = _last("participation", participation.pk)

    assert (event.action, event.actor, event.administration_id) == ("decline", world.ncp_sn, world.senegal.pk)
    assert _changed(event)["status"] == ("invited", "declined")


# --- seizures and parties ----------------------------------------------------------------------


def test_filing_a_seizure_records_it_and_its_parties_without_their_identity(world, file_seizure):
    seizure = file_seizure()

    created = AuditEvent.objects.get(object_type="seizure", object_id=str(seizure.pk), action="create")
    submitted = _last("seizure", seizure.pk)
    assert (created.actor, created.administration_id, created.reference) == (
        world.officer_ng, world.nigeria.pk, seizure.reference,
    )  # fmt: skip
    assert created.after["status"] == "draft"
    assert created.after["parties"] == 2
    assert created.after["lines"][0]["description"] == "Waste lead-acid batteries"
    assert (submitted.action, _changed(submitted)["status"]) == ("submit", ("draft", "submitted"))
    parties = AuditEvent.objects.filter(object_type="party", action="create", reference=seizure.reference)
    assert sorted(parties.values_list("object_id", flat=True)) == sorted(
        str(pk) for pk in Party.objects.filter(seizure=seizure).values_list("pk", flat=True)
    )
    suspect = parties.get(after__role="suspect").after
    assert set(suspect) == {"seizure", "kind", "role", "personal"}
    assert len(suspect["personal"]) == 64
    trail = str(list(AuditEvent.objects.values_list("before", "after")))
    assert "John Doe" not in trail
    assert "Eurotrade" not in trail
    assert "IT-991" not in trail


def test_updating_a_seizure_records_the_change_and_replaced_parties(world, file_seizure, filing):
    seizure = file_seizure()
    old_parties = set(Party.objects.filter(seizure=seizure).values_list("pk", flat=True))
    data = filing(narrative="Fridges and batteries.")
    data["parties"] = [{"kind": "person", "role": "suspect", "name": "Jane Roe", "nationality": "NG"}]

    seizures.seizure_update(user=world.officer_ng, seizure=seizure, data=data)

    event = _last("seizure", seizure.pk)
    assert (event.action, event.actor) == ("update", world.officer_ng)
    assert _changed(event)["narrative"] == ("Used fridges declared as second-hand goods.", "Fridges and batteries.")
    assert _changed(event)["parties"] == (2, 1)
    removed = AuditEvent.objects.filter(object_type="party", action="delete", reference=seizure.reference)
    assert {int(pk) for pk in removed.values_list("object_id", flat=True)} == old_parties
    new = Party.objects.get(seizure=seizure)
    added = _last("party", new.pk)
    assert added.action == "create"
    assert added.after["role"] == "suspect"
    assert "Jane Roe" not in str(added.after)


@pytest.mark.parametrize(
    ("action", "status"),
    [("validate", "validated"), ("request_info", "info_requested")],
)
def test_the_coordinators_review_is_recorded(world, file_seizure, action, status):
    seizure = file_seizure()

    if action == "validate":
        seizures.seizure_validate(user=world.coordinator, seizure=seizure, comment="Fine.")
    else:
        seizures.seizure_request_info(user=world.coordinator, seizure=seizure, comment="Which batteries?")

    event = _last("seizure", seizure.pk)
    assert (event.action, event.actor, event.administration_id) == (action, world.coordinator, world.nigeria.pk)
    assert _changed(event)["status"] == ("submitted", status)
    assert event.after["review_comment"] in ("Fine.", "Which batteries?")


def test_withdrawing_a_seizure_is_recorded(world, file_seizure):
    seizure = file_seizure()

    seizures.seizure_withdraw(user=world.officer_ng, seizure=seizure, reason="Filed twice")

    event = _last("seizure", seizure.pk)
    assert (event.action, event.actor, _changed(event)["status"]) == (
        "withdraw", world.officer_ng, ("submitted", "withdrawn"),
    )  # fmt: skip


# --- messaging ---------------------------------------------------------------------------------


def test_a_post_and_a_reply_are_recorded_without_their_body(world):
    root = post(world.coordinator, [world.ncp_ng])
    reply = messaging.post_reply(author=world.ncp_ng, parent=root, body="Checked: nothing found.")

    created, answered = _last("post", root.pk), _last("post", reply.pk)
    assert (created.action, created.actor, created.administration_id, created.reference) == (
        "create", world.coordinator, world.office.pk, "Suspect e-waste container",
    )  # fmt: skip
    assert created.after["audience"] == AudienceKind.CHOSEN
    assert created.after["chosen_users"] == [world.ncp_ng.pk]
    assert len(created.after["body"]) == 64
    assert "MSCU" not in str(created.after)
    assert (answered.actor, answered.administration_id, answered.after["parent"]) == (
        world.ncp_ng, world.nigeria.pk, root.pk,
    )  # fmt: skip


def test_a_library_document_upload_is_recorded(world):
    uploaded = document(world.coordinator, [world.ncp_ng])

    event = _last("document", uploaded.pk)
    assert (event.action, event.actor, event.administration_id, event.reference) == (
        "create", world.coordinator, world.office.pk, "Identifying e-waste",
    )  # fmt: skip
    assert event.after["file_name"] == "guide.pdf"
    assert event.after["file_sha256"] == uploaded.file.sha256


def test_a_whole_journey_leaves_an_intact_chain(world, file_seizure):
    seizure = file_seizure()
    seizures.seizure_validate(user=world.coordinator, seizure=seizure)

    check = audit_verify()

    assert check.intact
    assert check.events == AuditEvent.objects.count()


def test_a_role_changed_in_the_platform_administration_is_recorded(world, client, make_user):
    admin = make_user(role=Role.SECRETARIAT, administration=world.secretariat.administration, platform_admin=True)
    client.force_login(admin)
    user = world.officer_ng
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and not isinstance(value, list)}
    data.update(
        {
            "administration": user.administration_id,
            "role": Role.ANALYST,
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "last_login_0": "",
            "last_login_1": "",
        }
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    event = _last("user", user.pk)
    assert (event.action, event.actor) == ("update", admin)
    assert _changed(event) == {"role": (Role.OFFICER, Role.ANALYST)}
