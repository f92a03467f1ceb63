"""The filing pages as a browser without JavaScript uses them: plain forms, posts and redirects."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AccessLog
from operations import services as operation_services
from seizures import services
from seizures.choices import SeizureStatus
from seizures.models import Seizure


def _management(prefix, total):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0"}


def _form(joint, *, lines=2, when=None, **extra):
    """What the simplified form posts for a seizure with ``lines`` commodity lines and a three-leg route."""
    when = when or (timezone.now() - timedelta(hours=3))
    data = {
        "variant": "simplified",
        "occurred_at": when.strftime("%Y-%m-%dT%H:%M"),
        "place_port": "NGAPP",
        "place_name": "Apapa container terminal",
        "transport_mode": "1",
        "containers": "CSQU3054383",
        "transport_document": "MSCU-998877",
        "detection_methods": ["risk_profiling", "nii_scan"],
        "narrative": "Fridges and batteries declared as used household goods.",
        **_management("lines", lines),
        **_management("route", 3),
        "route-0-role": "origin", "route-0-country": "IT", "route-0-place_name": "Genoa",
        "route-1-role": "transit", "route-1-country": "ES",
        "route-2-role": "discovery", "route-2-country": "NG",
    }  # fmt: skip
    goods = [
        ("BASEL", "8549.11", "Waste lead-acid batteries", "12.5", "TNE"),
        ("BASEL", "841810", "End-of-life refrigerators", "40", "PCS"),
        ("BASEL", "7204.49", "Mixed metal scrap", "3200", "KIL"),
    ]
    for index in range(lines):
        mea, hs, description, quantity, unit = goods[index]
        data.update({
            f"lines-{index}-mea": mea, f"lines-{index}-hs_code": hs, f"lines-{index}-description": description,
            f"lines-{index}-quantity": quantity, f"lines-{index}-unit": unit,
        })  # fmt: skip
    data.update(extra)
    return data


def test_filing_form_renders_simplified_first_and_light(page_for, world, joint):
    page = page_for(world.officer_ng).get(f"/seizures/file/{joint.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="lines-0-hs_code"' in html
    assert 'name="vessel_imo"' not in html  # long form only
    assert 'name="route-1-country" value="NG"' in html  # discovery prefilled with the reporter's country
    assert "<script" not in html.split("<main")[1].split("</main>")[0]  # the form itself needs no script
    long = page_for(world.officer_ng).get(f"/seizures/file/{joint.pk}/?variant=long")
    assert 'name="vessel_imo"' in long.content.decode()
    assert 'name="parties-TOTAL_FORMS"' in long.content.decode()


def test_add_line_button_keeps_what_was_typed(page_for, world, joint):
    page = page_for(world.officer_ng).post(f"/seizures/file/{joint.pk}/", _form(joint, lines=1, add="line"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="lines-1-hs_code"' in html
    assert "Waste lead-acid batteries" in html
    assert 'class="error"' not in html  # adding a row is not sending the form
    assert Seizure.objects.count() == 0


def test_officer_files_without_javascript_and_coordinator_validates(page_for, client, world, joint):
    officer = page_for(world.officer_ng)
    response = officer.post(f"/seizures/file/{joint.pk}/", _form(joint, lines=3, save="submit"))
    seizure = Seizure.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/seizures/{seizure.pk}/"
    assert seizure.status == SeizureStatus.SUBMITTED
    assert seizure.lines.count() == 3
    assert [leg.role for leg in seizure.route.all()] == ["origin", "transit", "discovery"]
    assert seizure.reference == "DEMETER-2026/NG/0001"

    client.force_login(world.coordinator)
    queue = client.get(f"/seizures/queue/{joint.pk}/").content.decode()
    assert seizure.reference in queue
    done = client.post(f"/seizures/{seizure.pk}/action/", {"action": "validate", "comment": "Thank you."})
    assert done.status_code == 302
    seizure.refresh_from_db()
    assert seizure.status == SeizureStatus.VALIDATED

    history = client.get(f"/seizures/{seizure.pk}/history/").content.decode()
    assert "Version 1" in history
    assert "Version 2" in history
    assert "Thank you." in history


def test_errors_appear_beside_their_fields_and_nothing_is_lost(page_for, world, joint):
    data = _form(joint, lines=2, save="submit")
    data["lines-1-hs_code"] = "9999"
    data["route-2-country"] = "FR"
    data["containers"] = "CSQU3054384"
    page = page_for(world.officer_ng).post(f"/seizures/file/{joint.pk}/", data)
    html = page.content.decode()
    assert page.status_code == 200
    assert Seizure.objects.count() == 0
    assert "9999 is not a heading or subheading of HS 2022." in html
    assert "The country of discovery is the reporting country (NG)." in html
    assert "check digit is wrong" in html
    assert "Waste lead-acid batteries" in html
    assert "MSCU-998877" in html


def test_date_outside_the_window_is_refused_in_french(page_for, world, joint):
    world.officer_ng.language = "fr"
    world.officer_ng.save()
    officer = page_for(world.officer_ng)
    officer.cookies["django_language"] = "fr"
    data = _form(joint, lines=1, save="submit", when=joint.starts_at - timedelta(days=3))
    html = officer.post(f"/seizures/file/{joint.pk}/", data, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert Seizure.objects.count() == 0
    assert re.search(r"fen[eê]tre", html), "the window error is shown in French"


def test_draft_is_kept_on_the_server_and_submitted_later(page_for, world, joint):
    officer = page_for(world.officer_ng)
    response = officer.post(f"/seizures/file/{joint.pk}/", _form(joint, lines=1, save="draft"))
    seizure = Seizure.objects.get()
    assert seizure.status == SeizureStatus.DRAFT
    assert response["Location"] == f"/seizures/{seizure.pk}/edit/"
    colleague = page_for(world.ncp_ng)
    edit = colleague.get(f"/seizures/{seizure.pk}/edit/")
    assert "Waste lead-acid batteries" in edit.content.decode()
    data = _form(joint, lines=1, save="submit")
    data["lines-0-quantity"] = "13"
    colleague.post(f"/seizures/{seizure.pk}/edit/", data)
    seizure.refresh_from_db()
    assert seizure.status == SeizureStatus.SUBMITTED
    assert seizure.lines.get().quantity == 13


def test_other_participants_see_counts_not_names_and_each_read_is_logged(page_for, client, world, joint, file_seizure):
    participation = joint.participations.get(administration=world.ghana)
    operation_services.participation_respond(user=world.ncp_gh, participation=participation, accept=True)
    seizure = file_seizure()
    client.force_login(world.officer_gh)
    other = client.get(f"/seizures/{seizure.pk}/").content.decode()
    assert "John Doe" not in other
    assert "Eurotrade" not in other
    assert "1 persons and 1 companies" in other
    assert AccessLog.objects.count() == 0

    client.force_login(world.coordinator)
    page = client.get(f"/seizures/{seizure.pk}/").content.decode()
    assert "John Doe" in page
    assert AccessLog.objects.filter(user=world.coordinator, object_type="party").count() == 2


def test_hidden_seizures_answer_404(page_for, world, joint, file_seizure):
    seizure = file_seizure(submit=False)
    for user in (world.officer_gh, world.officer_fr, world.coordinator):
        assert page_for(user).get(f"/seizures/{seizure.pk}/").status_code == 404
    assert page_for(world.officer_fr).get(f"/seizures/file/{joint.pk}/").status_code == 404
    assert page_for(world.officer_ng).get(f"/seizures/queue/{joint.pk}/").status_code == 404


@pytest.mark.parametrize("path", ["/seizures/", "/seizures/1/", "/seizures/file/1/"])
def test_pages_need_a_login(client, path):
    assert client.get(path).status_code == 302


def test_request_info_needs_a_comment_and_reaches_the_reporter(page_for, client, world, joint, file_seizure):
    seizure = file_seizure()
    client.force_login(world.coordinator)
    client.post(f"/seizures/{seizure.pk}/action/", {"action": "request_info", "comment": ""})
    seizure.refresh_from_db()
    assert seizure.status == SeizureStatus.SUBMITTED
    client.post(f"/seizures/{seizure.pk}/action/", {"action": "request_info", "comment": "Photos of the labels?"})
    seizure.refresh_from_db()
    assert seizure.status == SeizureStatus.INFO_REQUESTED
    page = page_for(world.officer_ng).get(f"/seizures/{seizure.pk}/edit/").content.decode()
    assert "Photos of the labels?" in page
    services.seizure_submit(user=world.officer_ng, seizure=seizure)


def test_photos_are_uploaded_with_the_long_form_and_served_to_those_who_see_the_seizure(page_for, client, world, joint):
    from django.core.files.uploadedfile import SimpleUploadedFile

    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
        b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    data = _form(joint, lines=1, save="submit", variant="long", handling_code="amber", **_management("parties", 0))
    data["attachments"] = SimpleUploadedFile("labels.png", png, content_type="image/png")
    page_for(world.officer_ng).post(f"/seizures/file/{joint.pk}/", data)
    seizure = Seizure.objects.get()
    stored = seizure.attachments.get()
    url = f"/seizures/{seizure.pk}/files/{stored.uuid}/"
    client.force_login(world.coordinator)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png
    client.force_login(world.officer_fr)
    assert client.get(url).status_code == 404
