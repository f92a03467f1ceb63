"""The PDF debrief of an operation, rendered from its dataset, and the stamp put on every download.

The debrief is drawn from ``operation_dataset``'s dict alone, so that it shows exactly the figures of the
JSON, CSV and XLSX formats of the same edition, in the dataset's language.

Numbers are written as a reader of that language expects, with Django's number format for it: thousands
grouped, at most three decimals, no trailing zeros (``3,582.038`` and ``12.5`` in English, ``3 582,038``
and ``12,5`` in French, grouped with a no-break space). Codes, references and the ISO dates of the
tables are printed as they are; the title page writes its dates in words.

Text is set in the PDF standard fonts (Helvetica, WinAnsi encoding): nothing to embed, quick to render,
and every word, chart labels included, stays extractable text. Characters outside Windows-1252 (a narrow
no-break space, a name in another script) are replaced by their closest Latin form or "?", never drawn
as a missing-glyph box. Table cells are plain strings wrapped here rather than Paragraphs, so that a
thousand-row annex renders in a fraction of a second.
"""

import io
import math
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache, partial
from typing import Any
from xml.sax.saxutils import escape

import pypdf
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from .choices import ReportAudience, ReportKind

FONT = "Helvetica"
BOLD = "Helvetica-Bold"
ITALIC = "Helvetica-Oblique"
CELL_SIZE = 7
CELL_LEADING = 8.4
CELL_PADDING = 3
MARGIN = 15 * mm
BOTTOM_MARGIN = 20 * mm
FOOTER_Y = 11 * mm
STAMP_Y = 6 * mm
PORTRAIT = A4
LANDSCAPE = landscape(A4)
#: Longest text a table cell shows; HS and Basel descriptions run to several hundred characters.
CELL_MAX_CHARS = 80
#: Widest a text column's unbreakable word may make it.
WORD_MAX_WIDTH = 110
CHART_HEADINGS = 10
CHART_COUNTRIES = 15
CHART_DAY_LABELS = 12
#: The route matrix is cut to the busiest origins and destinations beyond these sizes.
MATRIX_DESTINATIONS = 12
MATRIX_ORIGINS = 25

INK = colors.HexColor("#1f2a44")
ACCENT = colors.HexColor("#2f6f9f")
HEADER_FILL = colors.HexColor("#dde6ef")
STRIPE = colors.HexColor("#f4f6f9")
RULE = colors.HexColor("#b8c4d0")
MUTED = colors.HexColor("#5b6573")
STAMP_GREY = colors.Color(0.55, 0.55, 0.55)

STYLES = {
    "cover_code": ParagraphStyle("cover_code", fontName=BOLD, fontSize=28, leading=34, textColor=INK),
    "cover_name": ParagraphStyle("cover_name", fontName=FONT, fontSize=15, leading=20, textColor=INK),
    "cover_kind": ParagraphStyle("cover_kind", fontName=BOLD, fontSize=20, leading=26, textColor=ACCENT),
    "h1": ParagraphStyle("h1", fontName=BOLD, fontSize=15, leading=19, textColor=INK, spaceAfter=6),
    "h2": ParagraphStyle("h2", fontName=BOLD, fontSize=11, leading=14, textColor=INK, spaceBefore=10, spaceAfter=4),
    "body": ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5, textColor=INK, spaceAfter=4),
    "label": ParagraphStyle("label", fontName=BOLD, fontSize=9.5, leading=12.5, textColor=INK, spaceAfter=4),
    "note": ParagraphStyle("note", fontName=ITALIC, fontSize=7.5, leading=9.5, textColor=MUTED, spaceAfter=4),
}

_REPLACEMENTS = {"\u202f": "\xa0", "\u2007": "\xa0", "\u2009": " ", "\u2010": "-", "\u2011": "-", "\u2212": "-"}


def debrief_pdf(data: dict[str, Any]) -> bytes:
    """The debrief of one edition: title page, key figures, charts, every table, the annex of seizures."""
    with translation.override(data["language"]):
        operation = data["operation"]
        buffer = io.BytesIO()
        document = BaseDocTemplate(
            buffer,
            pagesize=PORTRAIT,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=BOTTOM_MARGIN,
            title=_safe(f"{operation['code']}: {_kind_title(data['kind'])}"),
            subject=_safe(operation["name"]),
            author=_safe(operation["coordinating_administration"]),
            creator="opsplatform",
            lang=data["language"],
            displayDocTitle=True,
        )
        document.addPageTemplates([_page_template("portrait", PORTRAIT), _page_template("landscape", LANDSCAPE)])
        portrait_width = PORTRAIT[0] - 2 * MARGIN
        landscape_width = LANDSCAPE[0] - 2 * MARGIN
        story: list[Flowable] = [
            *_cover(data),
            PageBreak(),
            *_key_figures(data, portrait_width),
            *_charts(data, portrait_width),
            NextPageTemplate("landscape"),
            PageBreak(),
            *_tables(data, landscape_width),
        ]
        document.build(story, canvasmaker=partial(_FooterCanvas, operation_code=_safe(operation["code"])))
        return buffer.getvalue()


def watermark_pdf(pdf: bytes, text: str) -> bytes:
    """``pdf`` with ``text`` along the bottom edge of every page, in light grey, below the footer.

    The stamp is real text, so that it survives copying the text out; one overlay is drawn per page size.
    """
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    overlays: dict[tuple[float, float, float, float], pypdf.PageObject] = {}
    for page in writer.pages:
        if page.rotation:
            page.transfer_rotation_to_content()
        box = page.mediabox
        size = (float(box.left), float(box.bottom), float(box.width), float(box.height))
        if size not in overlays:
            overlays[size] = _stamp_overlay(text, *size)
        page.merge_page(overlays[size])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _stamp_overlay(text: str, left: float, bottom: float, width: float, height: float) -> pypdf.PageObject:
    text = _safe(text)
    size = 7.0
    room = width - 2 * MARGIN
    if stringWidth(text, FONT, size) > room:
        size = max(3.5, size * room / stringWidth(text, FONT, size))
    buffer = io.BytesIO()
    overlay = canvas.Canvas(buffer, pagesize=(left + width, bottom + height))
    overlay.setFont(FONT, size)
    overlay.setFillColor(STAMP_GREY)
    overlay.drawCentredString(left + width / 2, bottom + STAMP_Y, text)
    overlay.showPage()
    overlay.save()
    return pypdf.PdfReader(io.BytesIO(buffer.getvalue())).pages[0]


class _FooterCanvas(canvas.Canvas):
    """Holds the pages back until the last one, so that each footer can say "Page 3 of 20"."""

    def __init__(self, *args: Any, operation_code: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.operation_code = operation_code
        self.held_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self.held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self.held_pages)
        for number, state in enumerate(self.held_pages, start=1):
            self.__dict__.update(state)
            self.draw_footer(number, total)
            super().showPage()
        super().save()

    def draw_footer(self, number: int, total: int) -> None:
        width = self._pagesize[0]
        self.saveState()
        self.setFont(FONT, 8)
        self.setFillColor(MUTED)
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(MARGIN, FOOTER_Y + 10, width - MARGIN, FOOTER_Y + 10)
        self.drawString(MARGIN, FOOTER_Y, self.operation_code)
        self.drawRightString(width - MARGIN, FOOTER_Y, _safe(_("Page %(number)s of %(total)s") % {
            "number": number, "total": total}))  # fmt: skip
        self.restoreState()


def _page_template(name: str, size: tuple[float, float]) -> PageTemplate:
    frame = Frame(MARGIN, BOTTOM_MARGIN, size[0] - 2 * MARGIN, size[1] - MARGIN - BOTTOM_MARGIN, id=name,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)  # fmt: skip
    return PageTemplate(id=name, frames=[frame], pagesize=size)


# --- text and numbers ----------------------------------------------------------------------


def _safe(text: str) -> str:
    """``text`` as Helvetica can draw it: characters outside Windows-1252 are replaced."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return "".join(_safe_char(char) for char in text)
    return text


@lru_cache(maxsize=2048)
def _safe_char(char: str) -> str:
    if char in _REPLACEMENTS:
        return _REPLACEMENTS[char]
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        latin = unicodedata.normalize("NFKD", char).encode("cp1252", "ignore").decode("cp1252")
        return latin or "?"
    return char


def _number(value: float) -> str:
    """A quantity in the active language's format: grouped thousands, at most three decimals."""
    if isinstance(value, float):
        value = round(value, 3)
        if value.is_integer():
            value = int(value)
    return _safe(formats.number_format(value, use_l10n=True, force_grouping=True))


def format_number(value: float, language: str) -> str:
    """A quantity as the debrief prints it for readers of ``language``."""
    with translation.override(language):
        return _number(value)


def _short(text: str, limit: int = CELL_MAX_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return _number(value)
    return _safe(_short(" ".join(str(value).split())))


def _text(text: str) -> str:
    """``text`` ready for a Paragraph: drawable, and with its markup characters escaped."""
    return escape(_safe(text))


def _day(iso: str) -> str:
    """A date in words, as the language writes it ("Nov. 19, 2026", "19 novembre 2026"); UTC."""
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return str(formats.date_format(moment.date(), "DATE_FORMAT"))


def _kind_title(kind: str) -> str:
    return _("Final report") if kind == ReportKind.FINAL else _("Preliminary report")


# --- cover and key figures -----------------------------------------------------------------------


def _cover(data: dict[str, Any]) -> list[Flowable]:
    operation = data["operation"]
    computed = datetime.fromisoformat(data["computed_at"]).astimezone(UTC)
    facts = [
        (_("Coordinating administration"), operation["coordinating_administration"]),
        (_("Period"), f"{_day(operation['starts_at'])} – {_day(operation['ends_at'])}"),
        (_("Edition for"), str(ReportAudience(data["audience"]).label)),
        (_("Counts"), _counting_rule(data["kind"])),
        (_("Generated on"), f"{formats.date_format(computed.date(), 'DATE_FORMAT')} {computed:%H:%M} UTC"),
    ]
    if data.get("version"):
        facts.insert(0, (_("Version"), str(data["version"])))
    if data.get("baseline_operation"):
        facts.append((_("Compared with"), data["baseline_operation"]))
    rows = [
        [Paragraph(_text(label), STYLES["label"]), Paragraph(_text(value), STYLES["body"])] for label, value in facts
    ]
    table = Table(rows, colWidths=[55 * mm, None], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ]))  # fmt: skip
    return [
        Spacer(1, 45 * mm),
        Paragraph(_text(operation["code"]), STYLES["cover_code"]),
        Spacer(1, 3 * mm),
        Paragraph(_text(operation["name"]), STYLES["cover_name"]),
        Spacer(1, 12 * mm),
        Paragraph(_text(_kind_title(data["kind"])), STYLES["cover_kind"]),
        Spacer(1, 12 * mm),
        table,
    ]


def _counting_rule(kind: str) -> str:
    if kind == ReportKind.FINAL:
        return _("Validated seizures; a shipment reported by several administrations counts once.")
    return _("Submitted and validated seizures; a shipment reported by several administrations counts once.")


def _key_figures(data: dict[str, Any], width: float) -> list[Flowable]:
    rows = [[figure["label"], figure["value"]] for figure in data["key_figures"]]
    story: list[Flowable] = [
        Paragraph(_text(_("Key figures")), STYLES["h1"]),
        _grid([_("Figure"), _("Value")], rows, width * 0.7, size=9, leading=11.5),
    ]
    largest = _columns(data["tables"].get("largest"), "reference", "country", "occurred_at", "mea", "description",
                       "tonnes")  # fmt: skip
    if largest:
        reference, country, occurred_at, mea, description, tonnes = largest[0]
        text = _("%(reference)s, reported by %(country)s on %(date)s (%(mea)s): %(description)s, %(tonnes)s t.") % {
            "reference": reference,
            "country": country,
            "date": _day(occurred_at),
            "mea": mea,
            "description": description,
            "tonnes": _number(tonnes),
        }
        story += [
            Paragraph(_text(_("Largest single seizure")), STYLES["h2"]),
            Paragraph(_text(text), STYLES["body"]),
        ]
    return story


# --- charts -----------------------------------------------------------------------------------


def _charts(data: dict[str, Any], width: float) -> list[Flowable]:
    tables = data["tables"]
    story: list[Flowable] = [CondPageBreak(90 * mm), Paragraph(_text(_("Charts")), STYLES["h1"])]
    drawn = False
    headings = _columns(tables.get("by_hs_heading"), "heading", "description", "tonnes")[:CHART_HEADINGS]
    if headings:
        labels = [_short(f"{heading or ''} {description or ''}".strip(), 45) for heading, description, _t in headings]
        chart = _horizontal_bars(labels, [tonnes or 0 for _h, _d, tonnes in headings], width)
        story.append(_chart_block(_("Tonnes by commodity stream (HS heading, top %(count)s)") % {
            "count": CHART_HEADINGS}, chart))  # fmt: skip
        drawn = True
    countries = _columns(tables.get("by_country"), "country", "seizures")[:CHART_COUNTRIES]
    if countries:
        chart = _vertical_bars([country for country, _s in countries], [count or 0 for _c, count in countries], width)
        story.append(_chart_block(_("Seizures by reporting country (top %(count)s)") % {
            "count": CHART_COUNTRIES}, chart))  # fmt: skip
        drawn = True
    days = _every_day(_columns(tables.get("per_day"), "date", "seizures"))
    if days:
        step = math.ceil(len(days) / CHART_DAY_LABELS)
        labels = [formats.date_format(day, "j M") if index % step == 0 else "" for index, (day, _n) in enumerate(days)]
        chart = _vertical_bars(labels, [count for _when, count in days], width, bar_labels=len(days) <= 31)
        story.append(_chart_block(_("Seizures counted each day"), chart))
        drawn = True
    if not drawn:
        story.append(Paragraph(_text(_("No seizures are counted in this edition yet.")), STYLES["body"]))
    return story


def _columns(table: dict[str, Any] | None, *keys: str) -> list[tuple[Any, ...]]:
    """The rows of a dataset table reduced to the columns named, in that order; none if it is missing."""
    if not table:
        return []
    positions = {column["key"]: index for index, column in enumerate(table["columns"])}
    return [tuple(row[positions[key]] for key in keys) for row in table["rows"]]


def _chart_block(title: str, chart: Drawing) -> Flowable:
    return KeepTogether([Paragraph(_text(title), STYLES["h2"]), chart, Spacer(1, 4 * mm)])


def _every_day(rows: list[tuple[Any, ...]]) -> list[tuple[date, int]]:
    """Seizures per day from the first day with seizures to the last, days without any included."""
    counts = {date.fromisoformat(day): seizures or 0 for day, seizures in rows if day}
    if not counts:
        return []
    first, last = min(counts), max(counts)
    return [
        (first + timedelta(days=n), counts.get(first + timedelta(days=n), 0)) for n in range((last - first).days + 1)
    ]


def _scale(top: float, whole: bool) -> tuple[float, float]:
    """A value axis maximum and step: round steps, whole numbers for counts."""
    top = top or 1
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if whole:
        step = max(1, math.ceil(step))
    return step * math.ceil(top / step), step


def _style_axes(chart: Any, value_top: float, whole: bool) -> None:
    maximum, step = _scale(value_top, whole)
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = maximum
    chart.valueAxis.valueStep = step
    chart.valueAxis.labelTextFormat = _number
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = STRIPE
    for axis in (chart.valueAxis, chart.categoryAxis):
        axis.labels.fontName = FONT
        axis.labels.fontSize = 7
        axis.labels.fillColor = INK
        axis.strokeColor = RULE
    chart.bars[0].fillColor = ACCENT
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = _number
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 6.5
    chart.barLabels.fillColor = MUTED


def _horizontal_bars(labels: Sequence[str], values: Sequence[float], width: float) -> Drawing:
    label_width = min(max(stringWidth(_safe(label), FONT, 7) for label in labels) + 8, width * 0.45)
    bar_height = 15
    drawing = Drawing(width, len(values) * bar_height + 25)
    chart = HorizontalBarChart()
    chart.x, chart.y = label_width, 15
    chart.width, chart.height = width - label_width - 35, len(values) * bar_height
    # drawn bottom up: reversed, so that the heaviest stream is on top
    chart.data = [list(reversed(values))]
    chart.categoryAxis.categoryNames = [_safe(label) for label in reversed(labels)]
    _style_axes(chart, max(values), whole=False)
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -3
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    return drawing


def _vertical_bars(labels: Sequence[str], values: Sequence[int], width: float, bar_labels: bool = True) -> Drawing:
    drawing = Drawing(width, 150)
    chart = VerticalBarChart()
    chart.x, chart.y = 35, 20
    chart.width, chart.height = width - 45, 115
    chart.data = [list(values)]
    chart.categoryAxis.categoryNames = [_safe(label) for label in labels]
    _style_axes(chart, max(values), whole=True)
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.labels.dy = -3
    chart.barLabels.boxAnchor = "s"
    chart.barLabels.dy = 2
    if not bar_labels:
        chart.barLabelFormat = None
    drawing.add(chart)
    return drawing


# --- tables -----------------------------------------------------------------------------------


def _tables(data: dict[str, Any], width: float) -> list[Flowable]:
    story: list[Flowable] = [Paragraph(_text(_("Tables")), STYLES["h1"])]
    for key, table in data["tables"].items():
        if key == "annex":
            continue
        notes: list[str] = []
        if key == "route_matrix":
            table, notes = _route_matrix_view(table)
        elif key == "baseline" and table.get("baseline_operation"):
            notes = [_("Compared with %(operation)s.") % {"operation": table["baseline_operation"]}]
        story += _table_block(table, width, notes)
    if "annex" in data["tables"]:
        annex = data["tables"]["annex"]
        listed, total = len(annex["rows"]), annex.get("total", len(annex["rows"]))
        notes = [ngettext("%(count)s validated seizure.", "%(count)s validated seizures.", total) % {
            "count": _number(total)}]  # fmt: skip
        if total > listed:
            notes = [ngettext(
                "Only the first %(listed)s of %(total)s validated seizures are listed; %(missing)s is not.",
                "Only the first %(listed)s of %(total)s validated seizures are listed; %(missing)s are not.",
                total - listed,
            ) % {"total": _number(total), "listed": _number(listed), "missing": _number(total - listed)}]  # fmt: skip
        story += [PageBreak(), *_table_block(annex, width, notes)]
    return story


def _table_block(table: dict[str, Any], width: float, notes: Sequence[str] = ()) -> list[Flowable]:
    story: list[Flowable] = [CondPageBreak(35 * mm), Paragraph(_text(table["title"]), STYLES["h2"])]
    story += [Paragraph(_text(note), STYLES["note"]) for note in notes]
    if table["rows"]:
        story.append(_grid([column["label"] for column in table["columns"]], table["rows"], width))
    else:
        story.append(Paragraph(_text(_("Nothing to show in this edition.")), STYLES["body"]))
    return story


def _route_matrix_view(table: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The matrix as a page can show it: beyond a dozen destinations, the busiest origins and destinations,
    the others summed up."""
    notes = [_("Seizures from each origin (rows) to each destination (columns).")]
    destinations = table["columns"][1:]
    rows = table["rows"]
    if len(destinations) <= MATRIX_DESTINATIONS and len(rows) <= MATRIX_ORIGINS:
        return table, notes
    totals = [sum(row[index + 1] or 0 for row in rows) for index in range(len(destinations))]
    busiest = sorted(range(len(destinations)), key=lambda index: (-totals[index], destinations[index]["label"]))
    kept = sorted(busiest[:MATRIX_DESTINATIONS])
    by_origin = sorted(rows, key=lambda row: -sum(value or 0 for value in row[1:]))[:MATRIX_ORIGINS]
    view_rows = []
    for row in by_origin:
        values = [row[index + 1] or 0 for index in range(len(destinations))]
        shown = [values[index] for index in kept]
        # empty cells rather than zeros: the few routes used stand out
        view_rows.append([row[0], *(value or None for value in shown), sum(values) - sum(shown) or None, sum(values)])
    columns = [
        table["columns"][0],
        *(destinations[index] for index in kept),
        {"key": "other", "label": _("Other destinations")},
        {"key": "total", "label": _("Total")},
    ]
    counts = {
        "origins": len(by_origin),
        "destinations": len(kept),
        "all_origins": len(rows),
        "all_destinations": len(destinations),
    }
    if len(by_origin) < len(rows):
        shown_text = _(
            "Only the %(origins)s origins (of %(all_origins)s) and %(destinations)s destinations (of "
            "%(all_destinations)s) with the most seizures are shown."
        )
    else:
        shown_text = _(
            "Only the %(destinations)s destinations (of %(all_destinations)s) with the most seizures are shown."
        )
    full = _("The full matrix is in the CSV and XLSX downloads.")
    notes.append(f"{shown_text % counts} {full}")
    return {**table, "columns": columns, "rows": view_rows}, notes


def _grid(
    header: Sequence[str], rows: Sequence[Sequence[Any]], width: float, size: float = CELL_SIZE,
    leading: float = CELL_LEADING,
) -> Table:  # fmt: skip
    """A table of plain strings fitted to ``width``: numbers right-aligned, long texts wrapped."""
    cells = [[_cell(value) for value in row] for row in rows]
    labels = [_safe(label) for label in header]
    count = len(labels)
    numeric = [
        all(isinstance(row[i], (int, float)) for row in rows if row[i] is not None)
        and any(row[i] is not None for row in rows)
        for i in range(count)
    ]
    pad = 2 * CELL_PADDING
    measured = [[stringWidth(cell, FONT, size) for cell in row] for row in cells]
    natural, wrapped_text, minimum = [], [], []
    for i in range(count):
        body = max((row[i] for row in measured), default=0)
        head = stringWidth(labels[i], BOLD, size)
        head_word = max((stringWidth(word, BOLD, size) for word in labels[i].split()), default=0)
        natural.append(max(body, head) + pad)
        if numeric[i]:
            wrapped_text.append(natural[i])
            minimum.append(max(body, head_word) + pad)
        else:
            word = min(_longest_word((row[i] for row in cells), size), WORD_MAX_WIDTH)
            wrapped_text.append(max(word, head, min(body, 40)) + pad)
            minimum.append(max(word, head_word, min(body, 40)) + pad)
    widths = _fit([natural, wrapped_text, minimum], width)
    wrapped_labels = [_wrap(label, BOLD, size, widths[i] - pad) for i, label in enumerate(labels)]
    body_rows = [
        [
            cell if numeric[i] or measured[r][i] <= widths[i] - pad + 0.01 else _wrap(cell, FONT, size, widths[i] - pad)
            for i, cell in enumerate(row)
        ]
        for r, row in enumerate(cells)
    ]
    grid = Table([wrapped_labels, *body_rows], colWidths=widths, repeatRows=1, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, size, leading),
        ("FONT", (0, 0), (-1, 0), BOLD, size, leading),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, STRIPE]),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
        ("LINEBELOW", (0, -1), (-1, -1), 0.6, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    commands += [("ALIGN", (i, 0), (i, -1), "RIGHT") for i in range(count) if numeric[i]]
    grid.setStyle(TableStyle(commands))
    return grid


def _fit(levels: list[list[float]], width: float) -> list[float]:
    """Column widths within ``width``. ``levels`` are ever narrower sets of widths (natural; texts
    wrapped; headers wrapped too): the first that fits is used, eased towards the one before it so that
    the room left is shared out; when even the narrowest is too wide, it is scaled down."""
    previous = levels[0]
    if sum(previous) <= width:
        return previous
    for level in levels[1:]:
        if sum(level) <= width:
            spare = sum(previous) - sum(level)
            keep = (width - sum(level)) / spare if spare else 0
            return [narrow + (wide - narrow) * keep for wide, narrow in zip(previous, level, strict=True)]
        previous = level
    return [column * width / sum(previous) for column in previous]


def _longest_word(texts: Iterable[str], size: float) -> float:
    """The width of the widest word: only the words with about the most letters are measured."""
    words = {word for text in texts for word in text.split()}
    if not words:
        return 0
    longest = max(len(word) for word in words)
    return max(stringWidth(word, FONT, size) for word in words if len(word) >= longest * 0.7)


def _wrap(text: str, font: str, size: float, width: float) -> str:
    if not text or stringWidth(text, font, size) <= width + 0.01:
        return text
    return "\n".join(simpleSplit(text, font, size, width))
