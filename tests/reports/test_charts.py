"""The operation workspace's figures at a glance: SVG images drawn on the server."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "expected"), [("per-day", "Seizures per day"), ("streams", "8549"), ("routes", "IT → NG")]
)
def test_each_chart_is_an_accessible_svg_of_the_reported_figures(world, joint, file_seizure, page_for, name, expected):
    file_seizure()

    response = page_for(world.coordinator).get(reverse("report-chart", args=[joint.pk, name]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    svg = response.content.decode()
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert 'role="img"' in svg
    assert expected in svg
    assert "<script" not in svg


@pytest.mark.django_db
def test_the_workspace_shows_the_charts_to_participants_only(world, joint, file_seizure, page_for):
    file_seizure()
    chart = reverse("report-chart", args=[joint.pk, "routes"])

    assert chart in page_for(world.officer_ng).get(reverse("operation-detail", args=[joint.pk])).content.decode()
    declined = page_for(world.ncp_sn)
    assert chart not in declined.get(reverse("operation-detail", args=[joint.pk])).content.decode()
    assert declined.get(chart).status_code == 404


@pytest.mark.django_db
def test_an_unknown_chart_answers_404(world, joint, page_for):
    assert page_for(world.coordinator).get(reverse("report-chart", args=[joint.pk, "pie"])).status_code == 404
