"""Small charts drawn on the server as inline SVG, so pages show figures without JavaScript or a chart library.

Each chart is an accessible image: ``role="img"`` named by its ``<title>``, its figures spelled out in
``<desc>`` for screen readers, labels drawn as real ``<text>`` (searchable, translatable, zoomable) and
every label escaped. The width comes from the ``viewBox``, so a chart shrinks to a phone's width. Colours
are the site stylesheet's (``opsplatform/static/css/site.css``), dark enough on white for WCAG AA, and
the font is the reader's own system font.
"""

import hashlib
import math
from collections.abc import Sequence

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

# The site stylesheet's --ink, --muted, --line and --accent: text 16:1, axis labels 6.4:1, bars 8.9:1 on white.
INK = "#1b1f23"
MUTED = "#57606a"
LINE = "#d0d7de"
ACCENT = "#0b4f6c"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
WIDTH = 640
CHAR_WIDTH = 7.2  # average advance of a 13px system-font character, to size label columns
LABEL_CHARS = 16  # a time axis label, such as "septembre 2026"


def bar_chart_svg(items: list[tuple[str, float]], *, title: str, unit: str = "", horizontal: bool = True) -> str:
    """Bars for labelled values, longest first as given; ``horizontal`` suits long labels such as routes.

    Values scale to the largest; a negative value draws no bar but keeps its label and figure.
    Returns safe markup to place in a template as it is.
    """
    if not items:
        return _empty(title, "bar")
    ident = _ident("bar", title, items)
    values = [(str(label), float(value)) for label, value in items]
    desc = "; ".join(f"{label}: {_figure(value, unit)}" for label, value in values)
    if horizontal:
        body, height = _horizontal_bars(values, unit)
    else:
        body, height = _vertical_bars(values, unit)
    return _svg(ident, title, desc, height, body)


def time_series_svg(points: list[tuple[str, float]], *, title: str) -> str:
    """A line through values in time order (such as seizures per month), with a value axis from zero.

    Returns safe markup to place in a template as it is.
    """
    if not points:
        return _empty(title, "series")
    ident = _ident("series", title, points)
    values = [(str(label), float(value)) for label, value in points]
    desc = "; ".join(f"{label}: {_figure(value)}" for label, value in values)
    height = 260
    left, right, top, bottom = 56, 32, 16, 44
    plot_width, plot_height = WIDTH - left - right, height - top - bottom
    ticks = _ticks(
        min(0.0, *(value for _label, value in values)),
        max(value for _label, value in values),
        integers=all(value.is_integer() for _label, value in values),
    )
    low, high = ticks[0], ticks[-1]

    def y(value: float) -> float:
        return top + plot_height - (value - low) * plot_height / (high - low)

    def x(index: int) -> float:
        if len(values) == 1:
            return left + plot_width / 2
        return left + index * plot_width / (len(values) - 1)

    parts = []
    for tick in ticks:
        level = _c(y(tick))
        if tick != 0:  # the zero line is drawn last, darker
            parts.append(f'<line x1="{left}" y1="{level}" x2="{WIDTH - right}" y2="{level}" stroke="{LINE}"/>')
        parts.append(
            f'<text x="{left - 6}" y="{_c(y(tick) + 4)}" text-anchor="end" fill="{MUTED}">'
            f"{escape(_number(tick))}</text>"
        )
    coordinates = " ".join(f"{_c(x(index))},{_c(y(value))}" for index, (_label, value) in enumerate(values))
    if len(values) > 1:
        parts.append(f'<polyline points="{coordinates}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
    shown = max(len(label) for label, _value in values)
    room = max(1, int(plot_width / (min(shown, LABEL_CHARS) * CHAR_WIDTH + 16)))
    step = math.ceil(len(values) / room)
    for index, (label, value) in enumerate(values):
        parts.append(
            f'<circle cx="{_c(x(index))}" cy="{_c(y(value))}" r="3.5" fill="{ACCENT}">'
            f"<title>{escape(label)}: {escape(_figure(value))}</title></circle>"
        )
        if index % step == 0:
            # the ends' labels lean inwards so that they stay on the canvas
            anchor = "middle" if len(values) == 1 else {0: "start", len(values) - 1: "end"}.get(index, "middle")
            parts.append(
                f'<text x="{_c(x(index))}" y="{height - bottom + 18}" text-anchor="{anchor}" fill="{MUTED}">'
                f"{escape(_shorten(label, LABEL_CHARS))}</text>"
            )
    zero = _c(y(0.0))
    parts.append(f'<line x1="{left}" y1="{zero}" x2="{WIDTH - right}" y2="{zero}" stroke="{MUTED}"/>')
    return _svg(ident, title, desc, height, "".join(parts))


# --- drawing ---------------------------------------------------------------------------------------


def _horizontal_bars(values: list[tuple[str, float]], unit: str) -> tuple[str, int]:
    row, bar, top = 28, 18, 6
    fits = min(max(len(label) for label, _value in values), 28)
    label_width = max(60, math.ceil(fits * CHAR_WIDTH) + 16)
    value_width = 96
    plot_width = WIDTH - label_width - value_width
    scale = plot_width / _largest(values)
    parts = []
    for index, (label, value) in enumerate(values):
        y = top + index * row
        length = max(0.0, value) * scale
        parts.append(
            f"<g><title>{escape(label)}: {escape(_figure(value, unit))}</title>"
            f'<text x="{label_width - 8}" y="{y + bar - 5}" text-anchor="end" fill="{INK}">'
            f"{escape(_shorten(label, fits))}</text>"
            f'<rect x="{label_width}" y="{y}" width="{_c(length)}" height="{bar}" fill="{ACCENT}"/>'
            f'<text x="{_c(label_width + length + 6)}" y="{y + bar - 5}" fill="{INK}">'
            f"{escape(_figure(value, unit))}</text></g>"
        )
    height = top * 2 + len(values) * row
    return "".join(parts), height


def _vertical_bars(values: list[tuple[str, float]], unit: str) -> tuple[str, int]:
    turned = len(values) > 6 or max(len(label) for label, _value in values) > 10
    top, bottom, side = 24, 84 if turned else 28, 12
    start = 72 if turned else side  # room for the first turned label, which leans left
    height = 260 + (56 if turned else 0)
    plot_height = height - top - bottom
    slot = (WIDTH - start - side) / len(values)
    bar = slot * 0.7
    scale = plot_height / _largest(values)
    base = top + plot_height
    parts = [f'<line x1="{start}" y1="{base}" x2="{WIDTH - side}" y2="{base}" stroke="{MUTED}"/>']
    for index, (label, value) in enumerate(values):
        centre = start + slot * (index + 0.5)
        length = max(0.0, value) * scale
        if turned:
            name = (
                f'<text x="{_c(centre)}" y="{base + 14}" text-anchor="end" fill="{INK}" '
                f'transform="rotate(-40 {_c(centre)} {base + 14})">{escape(_shorten(label, 14))}</text>'
            )
        else:
            name = (
                f'<text x="{_c(centre)}" y="{base + 18}" text-anchor="middle" fill="{INK}">'
                f"{escape(_shorten(label, 10))}</text>"
            )
        parts.append(
            f"<g><title>{escape(label)}: {escape(_figure(value, unit))}</title>"
            f'<rect x="{_c(centre - bar / 2)}" y="{_c(base - length)}" width="{_c(bar)}" height="{_c(length)}" '
            f'fill="{ACCENT}"/>'
            f'<text x="{_c(centre)}" y="{_c(base - length - 6)}" text-anchor="middle" fill="{INK}">'
            f"{escape(_figure(value, unit))}</text>{name}</g>"
        )
    return "".join(parts), height


def _empty(title: str, kind: str) -> str:
    ident = _ident(kind, title, [])
    message = _("No data")
    body = (
        f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="79" fill="none" stroke="{LINE}"/>'
        f'<text x="{WIDTH // 2}" y="45" text-anchor="middle" fill="{MUTED}">{escape(message)}</text>'
    )
    return _svg(ident, title, message, 80, body)


def _svg(ident: str, title: str, desc: str, height: int, body: str) -> str:
    # Every label and figure in it has been escaped.
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="{FONT}" font-size="13">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>'
        f"{body}</svg>"
    )


# --- figures ---------------------------------------------------------------------------------------


def _ident(kind: str, title: str, data: Sequence[tuple[str, float]]) -> str:
    """An id the same chart always gets, and two different charts on one page almost never share."""
    digest = hashlib.sha256(repr((kind, str(title), list(data))).encode()).hexdigest()[:10]
    return f"chart-{digest}"


def _largest(values: list[tuple[str, float]]) -> float:
    largest = max(value for _label, value in values)
    return largest if largest > 0 else 1.0


def _ticks(low: float, high: float, *, integers: bool, count: int = 4) -> list[float]:
    """Round axis marks from ``low`` (zero or below) to at least ``high``: steps of 1, 2, 2.5 or 5 times a
    power of ten, whole steps for whole figures."""
    span = high - low
    if span <= 0:
        span = 1.0
    power = 10 ** math.floor(math.log10(span / count))
    step = next(factor * power for factor in (1, 2, 2.5, 5, 10) if factor * power * count >= span)
    if integers:
        step = float(max(1, math.ceil(step)))
    first = math.floor(low / step) * step
    marks = [first]
    while marks[-1] < high or len(marks) < 2:
        marks.append(first + step * len(marks))
    return marks


def _number(value: float) -> str:
    """A figure as the reader's language writes it, with at most three decimals."""
    rounded = round(value, 3)
    if rounded == int(rounded):
        return number_format(int(rounded))
    return number_format(rounded)


def _figure(value: float, unit: str = "") -> str:
    return f"{_number(value)} {unit}" if unit else _number(value)


def _shorten(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: max(1, limit - 1)] + "…"


def _c(coordinate: float) -> str:
    """A coordinate to a tenth of a unit: enough on any screen, and light markup."""
    text = f"{coordinate:.1f}"
    return text[:-2] if text.endswith(".0") else text
