"""Server-side SVG charts: accessible, escaped, well-formed, scaled to their data."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from opsplatform.charts import bar_chart_svg, time_series_svg

SVG = "{http://www.w3.org/2000/svg}"


def _parsed(markup):
    """The chart as XML: it must be well-formed to be parsed at all."""
    return ET.fromstring(str(markup))


def _bar_widths(markup):
    return [float(rect.get("width")) for rect in _parsed(markup).iter(f"{SVG}rect")]


def _texts(markup):
    return ["".join(text.itertext()) for text in _parsed(markup).iter(f"{SVG}text")]


def test_a_bar_chart_is_an_image_named_by_its_title_and_described_by_its_figures():
    markup = bar_chart_svg([("IT → NG", 3), ("ES → GH", 1)], title="Top routes", unit="t")

    svg = _parsed(markup)
    assert svg.get("role") == "img"
    assert svg.get("viewBox").startswith("0 0 ")
    assert svg.get("width") == "100%"
    assert svg.get("height") is None
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title.text == "Top routes"
    assert desc.text == "IT → NG: 3 t; ES → GH: 1 t"
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert {"IT → NG", "3 t", "ES → GH", "1 t"} <= set(_texts(markup))
    for outside in ("<script", "href", "@import", "url("):
        assert outside not in markup


def test_labels_and_titles_are_escaped():
    markup = bar_chart_svg([("<script>", 2)], title='Routes & "more"', unit="<b>")
    series = time_series_svg([("<script>alert(1)</script>", 1)], title="<script>")

    for chart in (markup, series):
        assert "<script>" not in chart
        assert "&lt;script&gt;" in chart
    assert "&lt;b&gt;" in markup
    assert _parsed(markup).find(f"{SVG}title").text == 'Routes & "more"'
    assert "<script>" in _texts(markup)
    assert _parsed(series).find(f"{SVG}title").text == "<script>"


def test_empty_data_draws_a_no_data_chart():
    for markup in (bar_chart_svg([], title="Top routes"), time_series_svg([], title="Seizures per month")):
        svg = _parsed(markup)
        assert svg.get("role") == "img"
        assert svg.find(f"{SVG}desc").text == "No data"
        assert _texts(markup) == ["No data"]
        assert list(svg.iter(f"{SVG}circle")) == []
        assert svg.find(f"{SVG}g") is None


def test_bars_scale_to_the_largest_value():
    widths = _bar_widths(bar_chart_svg([("a", 10), ("b", 5), ("c", 0), ("d", 2.5)], title="t"))

    assert widths[1] == pytest.approx(widths[0] / 2, abs=0.1)
    assert widths[2] == 0
    assert widths[3] == pytest.approx(widths[0] / 4, abs=0.1)
    assert widths[0] > 300


def test_upright_bars_scale_too_and_long_labels_keep_their_full_text_in_the_tooltip():
    label = "Democratic Republic of the Congo → Kingdom of the Netherlands"
    markup = bar_chart_svg([(label, 4), ("b", 1)], title="t", horizontal=False)

    heights = [float(rect.get("height")) for rect in _parsed(markup).iter(f"{SVG}rect")]
    assert heights[0] == pytest.approx(4 * heights[1], abs=0.4)
    tooltips = [group.find(f"{SVG}title").text for group in _parsed(markup).iter(f"{SVG}g")]
    assert tooltips[0] == f"{label}: 4"
    assert any(text.endswith("…") for text in _texts(markup))


def test_all_zero_values_draw_no_bar_and_do_not_fail():
    assert _bar_widths(bar_chart_svg([("a", 0), ("b", 0)], title="t")) == [0, 0]


def test_a_time_series_places_points_by_value_on_round_axis_marks():
    markup = time_series_svg([("Jan", 2), ("Feb", 0), ("Mar", 4), ("Apr", 1)], title="Seizures per month")

    svg = _parsed(markup)
    points = [(float(circle.get("cx")), float(circle.get("cy"))) for circle in svg.iter(f"{SVG}circle")]
    xs, ys = [x for x, _y in points], [y for _x, y in points]
    assert xs == sorted(set(xs))
    zero, two, four = ys[1], ys[0], ys[2]
    assert zero - two == pytest.approx(two - four, abs=0.1)  # twice the value, twice the height
    assert zero - two > 0
    assert (zero - ys[3]) * 2 == pytest.approx(zero - two, abs=0.2)
    assert [text for text in _texts(markup) if re.fullmatch(r"\d+", text)] == ["0", "1", "2", "3", "4"]
    assert {"Jan", "Feb", "Mar", "Apr"} <= set(_texts(markup))
    assert svg.find(f"{SVG}desc").text == "Jan: 2; Feb: 0; Mar: 4; Apr: 1"
    assert [circle.find(f"{SVG}title").text for circle in svg.iter(f"{SVG}circle")][2] == "Mar: 4"


def test_a_single_point_is_drawn_in_the_middle():
    svg = _parsed(time_series_svg([("2026-03", 5)], title="t"))

    (circle,) = svg.iter(f"{SVG}circle")
    assert svg.find(f"{SVG}polyline") is None
    assert 250 < float(circle.get("cx")) < 400


def test_figures_follow_the_language():
    with translation.override("fr"):
        markup = bar_chart_svg([("IT → NG", 12.5)], title="t", unit="t")
    assert "12,5 t" in _texts(markup)


def test_the_same_chart_gets_the_same_ids_and_different_charts_different_ones():
    first = _parsed(bar_chart_svg([("a", 1)], title="t")).find(f"{SVG}title").get("id")
    again = _parsed(bar_chart_svg([("a", 1)], title="t")).find(f"{SVG}title").get("id")
    other = _parsed(time_series_svg([("a", 1)], title="t")).find(f"{SVG}title").get("id")
    assert first == again != other
