"""The operations pages: plain forms and buttons, used with the Django test client as a browser without JavaScript."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import formats, timezone

from messaging.models import Post
from operations import services
from operations.choices import OperationStatus, ParticipationStatus
from operations.models import Operation, Participation
from reference.models import HsCode, Mea

HIDDEN_FROM_JOINT = ["other_coordinator", "officer_gh", "officer_sn", "officer_fr", "ncp_fr", "observer_unep"]
FORM_DATETIME = "%Y-%m-%dT%H:%M"


def _html(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _text(html):
    """The page's text as a reader sees it: tags dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _status(operation):
    operation.refresh_from_db()
    return operation.status


def _participation(operation, administration):
    return Participation.objects.get(operation=operation, administration=administration)


def _form(world, **overrides):
    """What a coordinator types into the new-operation form."""
    data = {
        "code": "WASTE-WA-2026",
        "name_en": "West African ports against e-waste dumping",
        "name_fr": "Ports d'Afrique de l'Ouest contre les déchets électroniques",
        "description_en": "Containers of used electronics declared as second-hand goods.",
        "coordinating_administration": world.office.pk,
        "coordinators": [world.coordinator.pk],
        "starts_at": "2026-09-01T00:00",
        "ends_at": "2026-09-30T23:00",
        "grace_days": "21",
        "scope_meas": ["BASEL"],
        "scope_hs_codes": "8549, 2903.41",
        "scope_rilos": ["WA"],
        "scope_countries": "ng gh",
        "default_form": "long",
        "rule_containers": "required",
        "rule_photos": "hidden",
        "rule_vessel": "optional",
    }
    data.update(overrides)
    return data


def _settings_form(operation, **overrides):
    """The settings form as the browser submits it: the values the page rendered, with the given changes."""
    data = {
        "name_en": operation.name_en,
        "name_fr": operation.name_fr,
        "description_en": operation.description_en,
        "description_fr": operation.description_fr,
        "coordinators": [user.pk for user in operation.coordinators.all()],
        "starts_at": timezone.localtime(operation.starts_at).strftime(FORM_DATETIME),
        "ends_at": timezone.localtime(operation.ends_at).strftime(FORM_DATETIME),
        "grace_days": str(operation.grace_days),
        "scope_meas": list(operation.scope_meas.values_list("code", flat=True)),
        "scope_hs_codes": " ".join(operation.scope_hs_codes.values_list("code", flat=True)),
        "scope_rilos": list(operation.scope_rilos.values_list("code", flat=True)),
        "scope_countries": " ".join(operation.scope_countries.values_list("code", flat=True)),
        "default_form": operation.default_form,
        **{f"rule_{name}": rule for name, rule in operation.field_rules.items()},
    }
    data.update(overrides)
    return data


def _input_value(html, name):
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1)


# --- Signing in ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["", "new/", "{id}/", "{id}/settings/", "{id}/participants/"])
def test_the_pages_need_signing_in(client, joint, path):
    url = f"/operations/{path.format(id=joint.pk)}"

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


# --- Creating -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_coordinator_creates_an_operation_through_the_form(world, page_for):
    browser = page_for(world.coordinator)
    html = _html(browser.get("/operations/new/"))
    assert 'name="rule_containers"' in html
    assert re.search(rf'<option value="{world.office.pk}" selected>', html)

    response = browser.post("/operations/new/", _form(world))

    operation = Operation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/operations/{operation.pk}/"
    assert operation.code == "WASTE-WA-2026"
    assert operation.status == OperationStatus.DRAFT
    assert (operation.coordinating_administration, operation.created_by) == (world.office, world.coordinator)
    assert list(operation.coordinators.all()) == [world.coordinator]
    assert operation.starts_at.isoformat() == "2026-09-01T00:00:00+00:00"
    assert operation.ends_at.isoformat() == "2026-09-30T23:00:00+00:00"
    assert operation.grace_days == 21
    assert list(operation.scope_meas.values_list("code", flat=True)) == ["BASEL"]
    assert set(operation.scope_hs_codes.values_list("code", flat=True)) == {"8549", "290341"}
    assert set(operation.scope_countries.values_list("code", flat=True)) == {"NG", "GH"}
    assert list(operation.scope_rilos.values_list("code", flat=True)) == ["WA"]
    assert operation.default_form == "long"
    assert operation.field_rules == {"containers": "required", "photos": "hidden"}

    detail = _html(browser.get(response["Location"]))
    assert "Operation WASTE-WA-2026 created as a draft." in detail


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_at": "2026-08-01T00:00"}, "The operation must end after it starts."),
        ({"scope_hs_codes": "8549 9999"}, "Unknown codes: 9999"),
        ({"scope_countries": "NG XX"}, "Unknown codes: XX"),
        ({"code": "waste wa"}, "Use 3 to 32 capital letters, digits and hyphens, such as DEMETER-2026."),
    ],
)
def test_the_form_shows_what_is_wrong_and_creates_nothing(world, page_for, overrides, message):
    html = _html(page_for(world.coordinator).post("/operations/new/", _form(world, **overrides)))

    assert message in _text(html)
    assert 'role="alert"' in html
    assert not Operation.objects.exists()


@pytest.mark.django_db
def test_the_form_refuses_a_code_already_used(world, page_for, make_operation):
    make_operation(code="WASTE-WA-2026")

    html = _html(page_for(world.coordinator).post("/operations/new/", _form(world)))

    assert "An operation with this code already exists." in html
    assert Operation.objects.count() == 1


@pytest.mark.django_db
def test_a_coordinator_cannot_create_for_another_office_through_the_form(world, page_for):
    html = _html(page_for(world.other_coordinator).post("/operations/new/", _form(world)))

    # The form offers a coordinator only the people of their own office, so another office's are refused.
    assert "Select a valid choice" in html
    assert 'role="alert"' in html
    assert not Operation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["officer_ng", "ncp_ng", "analyst_ng", "observer_unep"])
def test_other_roles_have_no_creation_page(world, page_for, name):
    browser = page_for(getattr(world, name))

    assert browser.get("/operations/new/").status_code == 404
    assert browser.post("/operations/new/", _form(world)).status_code == 404
    assert "New operation" not in _html(browser.get("/operations/"))
    assert not Operation.objects.exists()


@pytest.mark.django_db
def test_the_list_offers_creation_to_coordinators(world, page_for):
    assert 'href="/operations/new/"' in _html(page_for(world.coordinator).get("/operations/"))


# --- Coordinating -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_coordinator_schedules_then_activates_with_the_buttons(world, make_operation, page_for):
    operation = make_operation()
    browser = page_for(world.coordinator)
    html = _html(browser.get(f"/operations/{operation.pk}/"))
    assert f'action="/operations/{operation.pk}/schedule/"' in html
    assert f'action="/operations/{operation.pk}/activate/"' in html
    assert f'action="/operations/{operation.pk}/close/"' not in html

    response = browser.post(f"/operations/{operation.pk}/schedule/")
    assert response.status_code == 302
    assert response["Location"] == f"/operations/{operation.pk}/"
    assert _status(operation) == OperationStatus.PLANNED
    html = _html(browser.get(response["Location"]))
    assert '<span class="tag">Planned</span>' in html
    assert '<li class="success">' in html
    assert f'action="/operations/{operation.pk}/schedule/"' not in html

    browser.post(f"/operations/{operation.pk}/activate/")
    assert _status(operation) == OperationStatus.ACTIVE
    html = _html(browser.get(f"/operations/{operation.pk}/"))
    assert '<span class="tag">Active</span>' in html
    assert f'action="/operations/{operation.pk}/close/"' in html
    assert f'action="/operations/{operation.pk}/activate/"' not in html


@pytest.mark.django_db
def test_a_refused_action_is_explained_on_the_page(world, make_operation, page_for):
    operation = make_operation()
    browser = page_for(world.coordinator)

    response = browser.post(f"/operations/{operation.pk}/close/", follow=True)

    assert "This operation is draft: it cannot be closed." in _html(response)
    assert _status(operation) == OperationStatus.DRAFT


@pytest.mark.django_db
def test_a_coordinator_extends_and_closes_from_the_workspace(world, joint, page_for):
    browser = page_for(world.coordinator)
    new_end = (joint.ends_at + timedelta(days=5)).replace(second=0, microsecond=0)

    browser.post(f"/operations/{joint.pk}/extend/", {"ends_at": new_end.strftime(FORM_DATETIME)})
    browser.post(f"/operations/{joint.pk}/close/")

    joint.refresh_from_db()
    assert (joint.ends_at, joint.status) == (new_end, OperationStatus.CLOSED)
    html = _html(browser.get(f"/operations/{joint.pk}/"))
    assert f'action="/operations/{joint.pk}/archive/"' in html


@pytest.mark.django_db
def test_an_extension_to_an_earlier_date_is_refused_on_the_page(world, joint, page_for):
    ends_at = joint.ends_at
    earlier = (ends_at - timedelta(days=1)).strftime(FORM_DATETIME)

    response = page_for(world.coordinator).post(f"/operations/{joint.pk}/extend/", {"ends_at": earlier}, follow=True)

    assert "An extension must end later than the current end." in _html(response)
    joint.refresh_from_db()
    assert joint.ends_at == ends_at


@pytest.mark.django_db
def test_a_coordinator_invites_a_rilo_on_the_participants_page(world, make_operation, page_for):
    operation = make_operation()
    browser = page_for(world.coordinator)
    assert "No administration invited yet." in _html(browser.get(f"/operations/{operation.pk}/participants/"))

    response = browser.post(f"/operations/{operation.pk}/participants/", {"rilo": "WA"})

    assert response.status_code == 302
    assert response["Location"] == f"/operations/{operation.pk}/participants/"
    html = _html(browser.get(response["Location"]))
    assert "3 administrations invited." in html
    for administration in (world.nigeria, world.ghana, world.senegal):
        assert administration.name in html
    assert world.france.name not in _text(html).split("Invited so far")[1]
    assert set(operation.participations.values_list("administration", flat=True)) == {
        world.nigeria.pk,
        world.ghana.pk,
        world.senegal.pk,
    }


@pytest.mark.django_db
def test_an_invitation_naming_nobody_is_refused_on_the_page(world, make_operation, page_for):
    operation = make_operation()

    # A browser sends the empty RILO choice along with the form.
    html = _html(page_for(world.coordinator).post(f"/operations/{operation.pk}/participants/", {"rilo": ""}))

    assert "Choose administrations or a RILO to invite." in html
    assert not operation.participations.exists()


# --- The workspace ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_workspace_shows_period_scope_participants_by_rilo_and_counters(world, joint, page_for):
    services.operation_update(
        user=world.coordinator,
        operation=joint,
        scope_hs_codes=[HsCode.objects.get(code="854911")],
        scope_rilos=[world.office.rilo],
    )
    services.participation_invite(user=world.coordinator, operation=joint, administrations=[world.unep])
    services.operation_record_report(
        operation=joint, reference="SZ-1", occurred_at=timezone.now(), mea=Mea.objects.get(code="BASEL")
    )
    services.operation_post(user=world.officer_ng, operation=joint, title="Reefers at Apapa", body="Three.", topic="A")

    html = _html(page_for(world.coordinator).get(f"/operations/{joint.pk}/"))
    text = _text(html)

    starts = formats.date_format(joint.starts_at, "DATETIME_FORMAT")
    ends = formats.date_format(joint.ends_at, "DATETIME_FORMAT")
    assert "DEMETER-2026 · Demeter 2026" in text
    assert f"{starts} – {ends} UTC" in text
    assert "Ends in" in text
    assert "Seizures reported: 1" in text
    assert "Messages in the thread: 1" in text
    assert "1 taking part, 2 invited, 1 declined" in text
    assert "Basel" in text
    assert "HS: 8549.11" in text
    assert "RILO West Africa" in text
    assert "Reefers at Apapa" in text
    groups = {heading: _text(table) for heading, table in re.findall(r"<h3>(.*?)</h3>(.*?)</table>", html, re.S)}
    assert list(groups) == ["International organisations", "RILO West Africa"]
    assert f"{world.unep.name} observer Invited" in groups["International organisations"]
    for administration, answer in ((world.nigeria, "Accepted"), (world.ghana, "Invited"), (world.senegal, "Declined")):
        assert f"{administration.name} {answer}" in groups["RILO West Africa"]


@pytest.mark.django_db
def test_a_participant_sees_the_workspace_without_the_coordination(world, joint, page_for):
    html = _html(page_for(world.officer_ng).get(f"/operations/{joint.pk}/"))

    assert "DEMETER-2026" in html
    assert "Coordination" not in html
    assert f'action="/operations/{joint.pk}/close/"' not in html
    assert "Post to the participants" in html


@pytest.mark.django_db
def test_the_workspace_of_a_planned_operation_counts_down_to_its_start(world, make_operation, page_for):
    operation = make_operation()

    text = _text(_html(page_for(world.coordinator).get(f"/operations/{operation.pk}/")))

    assert "Starts in" in text
    assert "Ends in" not in text
    assert "All MEAs" not in text


@pytest.mark.django_db
def test_a_participant_posts_in_the_thread_from_the_workspace(world, joint, page_for):
    response = page_for(world.officer_ng).post(
        f"/operations/{joint.pk}/thread/", {"title": "Reefers at Apapa", "body": "Three reefers of monitors."}
    )

    assert response.status_code == 302
    post = Post.objects.get()
    assert (post.author, post.context, post.title) == (world.officer_ng, joint.context, "Reefers at Apapa")
    assert "Reefers at Apapa" in _html(page_for(world.coordinator).get(f"/operations/{joint.pk}/"))


# --- Answering ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_national_contact_point_sees_the_invitation_and_accepts(world, joint, page_for):
    browser = page_for(world.ncp_gh)
    html = _html(browser.get(f"/operations/{joint.pk}/"))
    assert "Your administration is invited" in html
    assert f'action="/operations/{joint.pk}/answer/accept/"' in html
    assert f'action="/operations/{joint.pk}/answer/decline/"' in html

    response = browser.post(f"/operations/{joint.pk}/answer/accept/")

    assert response.status_code == 302
    participation = _participation(joint, world.ghana)
    assert (participation.status, participation.national_contact) == (ParticipationStatus.ACCEPTED, world.ncp_gh)
    assert "Your administration is invited" not in _html(browser.get(f"/operations/{joint.pk}/"))


@pytest.mark.django_db
def test_the_national_contact_point_declines(world, joint, page_for):
    page_for(world.ncp_gh).post(f"/operations/{joint.pk}/answer/decline/")

    assert _participation(joint, world.ghana).status == ParticipationStatus.DECLINED


@pytest.mark.django_db
def test_an_officer_has_no_invitation_to_answer(world, joint, page_for):
    browser = page_for(world.officer_ng)
    assert "Your administration is invited" not in _html(browser.get(f"/operations/{joint.pk}/"))

    response = browser.post(f"/operations/{joint.pk}/answer/decline/", follow=True)

    assert "Only the national contact point of the administration can answer." in _html(response)
    assert _participation(joint, world.nigeria).status == ParticipationStatus.ACCEPTED


@pytest.mark.django_db
def test_an_answer_after_the_close_is_refused_on_the_page(world, joint, page_for):
    services.operation_transition(user=world.coordinator, operation=joint, action="close")

    response = page_for(world.ncp_gh).post(f"/operations/{joint.pk}/answer/accept/", follow=True)

    assert "This operation is closed." in _html(response)
    assert _participation(joint, world.ghana).status == ParticipationStatus.INVITED


# --- Who may open which page --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", HIDDEN_FROM_JOINT)
def test_outsiders_get_404_on_every_page_of_the_operation(world, joint, page_for, name):
    browser = page_for(getattr(world, name))

    for path in ("", "settings/", "participants/"):
        assert browser.get(f"/operations/{joint.pk}/{path}").status_code == 404
    for path in ("schedule/", "activate/", "close/", "archive/", "extend/", "answer/accept/", "answer/decline/"):
        assert browser.post(f"/operations/{joint.pk}/{path}").status_code == 404
    assert browser.post(f"/operations/{joint.pk}/thread/", {"title": "Hi", "body": "Hello"}).status_code == 404
    assert browser.post(f"/operations/{joint.pk}/participants/", {"rilo": "WA"}).status_code == 404

    assert "DEMETER-2026" not in _html(browser.get("/operations/"))
    assert _status(joint) == OperationStatus.ACTIVE
    assert not Post.objects.exists()
    assert _participation(joint, world.ghana).status == ParticipationStatus.INVITED


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["office_colleague", "secretariat", "officer_ng", "ncp_ng", "ncp_gh"])
def test_who_sees_but_does_not_coordinate_gets_no_coordination_pages(world, joint, page_for, name):
    browser = page_for(getattr(world, name))

    assert browser.get(f"/operations/{joint.pk}/").status_code == 200
    assert browser.get(f"/operations/{joint.pk}/settings/").status_code == 404
    assert browser.get(f"/operations/{joint.pk}/participants/").status_code == 404
    assert browser.post(f"/operations/{joint.pk}/close/").status_code == 404
    assert _status(joint) == OperationStatus.ACTIVE


@pytest.mark.django_db
def test_a_draft_is_not_shown_to_the_people_of_an_accepted_administration(world, make_operation, page_for):
    draft = make_operation()
    services.participation_invite(user=world.coordinator, operation=draft, administrations=[world.nigeria])
    services.participation_respond(user=world.ncp_ng, participation=_participation(draft, world.nigeria), accept=True)

    assert page_for(world.officer_ng).get(f"/operations/{draft.pk}/").status_code == 404
    assert "DEMETER-2026" not in _html(page_for(world.officer_ng).get("/operations/"))


# --- The list -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_shows_the_operations_and_filters_them(world, joint, make_operation, page_for):
    services.operation_transition(
        user=world.coordinator, operation=make_operation(code="LATER-2027"), action="schedule"
    )
    browser = page_for(world.coordinator)

    everything = _html(browser.get("/operations/"))
    active = _html(browser.get("/operations/", {"status": "active"}))
    planned = _html(browser.get("/operations/", {"status": "planned"}))

    assert "DEMETER-2026" in everything
    assert "LATER-2027" in everything
    assert "DEMETER-2026" in active
    assert "LATER-2027" not in active
    assert "DEMETER-2026" not in planned
    assert "LATER-2027" in planned


@pytest.mark.django_db
def test_the_lists_active_on_date_filters(world, joint, make_operation, page_for):
    later = timezone.now() + timedelta(days=100)
    make_operation(code="LATER-2027", starts_at=later, ends_at=later + timedelta(days=10))
    browser = page_for(world.coordinator)

    today = _html(browser.get("/operations/", {"active_at": timezone.now().date().isoformat()}))
    then = _html(browser.get("/operations/", {"active_at": (later + timedelta(days=1)).date().isoformat()}))

    assert "DEMETER-2026" in today
    assert "LATER-2027" not in today
    assert "DEMETER-2026" not in then
    assert "LATER-2027" in then


# --- Settings -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_coordinator_changes_the_settings_and_template(world, make_operation, page_for):
    operation = make_operation(field_rules={"containers": "required"})
    browser = page_for(world.coordinator)
    html = _html(browser.get(f"/operations/{operation.pk}/settings/"))
    assert "Settings of DEMETER-2026" in html
    assert re.search(r'<option value="required" selected>', html)

    response = browser.post(
        f"/operations/{operation.pk}/settings/",
        _settings_form(operation, name_en="Demeter XII", rule_containers="optional", rule_flight="hidden"),
    )

    assert response.status_code == 302
    operation.refresh_from_db()
    assert (operation.name_en, operation.code) == ("Demeter XII", "DEMETER-2026")
    assert operation.field_rules == {"flight": "hidden"}


@pytest.mark.django_db
def test_the_settings_page_keeps_the_code_and_the_office(world, make_operation, page_for):
    operation = make_operation()

    page_for(world.coordinator).post(
        f"/operations/{operation.pk}/settings/",
        _settings_form(operation, code="HIJACK-2026", coordinating_administration=world.other_office.pk),
    )

    operation.refresh_from_db()
    assert (operation.code, operation.coordinating_administration) == ("DEMETER-2026", world.office)


@pytest.mark.django_db
def test_narrowing_the_scope_on_the_settings_page_is_refused_until_confirmed(world, make_operation, page_for):
    operation = make_operation(scope_meas=[Mea.objects.get(code="BASEL"), Mea.objects.get(code="CITES")])
    services.operation_record_report(
        operation=operation,
        reference="SZ-4",
        occurred_at=operation.starts_at + timedelta(hours=1),
        mea=Mea.objects.get(code="BASEL"),
    )
    browser = page_for(world.coordinator)

    refused = _html(
        browser.post(f"/operations/{operation.pk}/settings/", _settings_form(operation, scope_meas=["CITES"]))
    )
    assert "1 filed seizures would fall outside the new scope (SZ-4)." in refused
    assert set(operation.scope_meas.values_list("code", flat=True)) == {"BASEL", "CITES"}

    confirmed = browser.post(
        f"/operations/{operation.pk}/settings/",
        _settings_form(operation, scope_meas=["CITES"], confirm_scope_change="1"),
    )
    assert confirmed.status_code == 302
    assert list(operation.scope_meas.values_list("code", flat=True)) == ["CITES"]


@pytest.mark.django_db
def test_a_refused_narrowing_offers_the_confirmation_checkbox(world, make_operation, page_for):
    basel = Mea.objects.get(code="BASEL")
    operation = make_operation(scope_meas=[basel, Mea.objects.get(code="CITES")])
    services.operation_record_report(
        operation=operation, reference="SZ-4", occurred_at=operation.starts_at + timedelta(hours=1), mea=basel
    )

    html = _html(
        page_for(world.coordinator).post(
            f"/operations/{operation.pk}/settings/", _settings_form(operation, scope_meas=["CITES"])
        )
    )

    assert 'name="confirm_scope_change"' in html


@pytest.mark.django_db
def test_an_active_operation_with_a_start_to_the_second_can_be_renamed_on_the_settings_page(
    world, make_operation, page_for
):
    start = timezone.now().replace(microsecond=0) - timedelta(hours=1, seconds=17)
    operation = make_operation(starts_at=start, ends_at=start + timedelta(days=10))
    services.operation_transition(user=world.coordinator, operation=operation, action="activate")
    browser = page_for(world.coordinator)
    html = _html(browser.get(f"/operations/{operation.pk}/settings/"))
    form = _settings_form(
        operation,
        name_en="Demeter XII",
        starts_at=_input_value(html, "starts_at"),
        ends_at=_input_value(html, "ends_at"),
    )

    response = browser.post(f"/operations/{operation.pk}/settings/", form)

    assert response.status_code == 302
    operation.refresh_from_db()
    assert operation.name_en == "Demeter XII"


@pytest.mark.django_db
def test_an_archived_operation_cannot_be_changed_on_the_settings_page(world, make_operation, page_for):
    operation = make_operation()
    for action in ("activate", "close"):
        operation = services.operation_transition(user=world.coordinator, operation=operation, action=action)
    with time_machine.travel(operation.reporting_closes_at + timedelta(minutes=1), tick=False):
        browser = page_for(world.coordinator)
        browser.post(f"/operations/{operation.pk}/archive/")
        assert _status(operation) == OperationStatus.ARCHIVED

        html = _html(browser.post(f"/operations/{operation.pk}/settings/", _settings_form(operation, name_en="X")))
        workspace = _html(browser.get(f"/operations/{operation.pk}/"))

    assert "This operation is archived and can no longer be changed." in html
    operation.refresh_from_db()
    assert operation.name_en == "Demeter 2026"
    assert "Post to the participants" not in workspace
    assert f'action="/operations/{operation.pk}/extend/"' not in workspace
