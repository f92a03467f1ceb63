"""The CITES Annual Illegal Trade Report (AITR): one administration's CITES lines of one calendar year, as XLSX.

Parties submit the AITR to the CITES Secretariat each year by 31 October, covering 1 January to 31 December of the
year before, in the Secretariat's Excel layout. The workbook follows that layout: a header block naming the
reporting Party, the year and when it was generated, then one row per seized specimen line. Columns the seizure
message does not carry (estimated value, infringement, sanctions) are kept, empty, so that the rows can be pasted
into the Secretariat's template as they are. Who was involved never appears: no person or company, not even a
count, and no narrative, which officers write freely.
"""

import io
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, TextChoices
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from accounts.models import Administration
from reference.choices import ConcealmentMethod, DetectionMethod, TransportMode
from seizures.choices import Direction, Disposal, RouteRole, SeizureStatus
from seizures.models import CommodityLine, RouteLeg, Seizure

from .exports import neutralised

CITES = "CITES"
#: The first year a Party could have seized anything under CITES (in force 1 July 1975).
FIRST_YEAR = 1975
#: Messages still in the reporter's hands (draft, sent back) or withdrawn are not the administration's word yet.
REPORTED_STATUSES = (SeizureStatus.SUBMITTED, SeizureStatus.VALIDATED)
CHUNK_ROWS = 500
DATE_FORMAT = "yyyy-mm-dd"
#: Rows 1-4 name the report, the Party, the year and the day; row 5 is blank; the table's header is row 6.
HEADER_ROW = 6
SPECIMENS = gettext_lazy("specimens")

#: The AITR columns, in the template's order: machine key, header (translated).
COLUMNS: list[tuple[str, Any]] = [
    ("date", gettext_lazy("Date of seizure")),
    ("species", gettext_lazy("Species (scientific name)")),
    ("appendix", gettext_lazy("CITES appendix")),
    ("term", gettext_lazy("Description of specimens (CITES term)")),
    ("quantity", gettext_lazy("Quantity")),
    ("unit", gettext_lazy("Unit")),
    ("origin", gettext_lazy("Country of origin")),
    ("export", gettext_lazy("Country of export or re-export")),
    ("transit", gettext_lazy("Countries of transit")),
    ("destination", gettext_lazy("Country of destination or import")),
    ("location", gettext_lazy("Place of seizure")),
    ("detection", gettext_lazy("Detection methods")),
    ("transport", gettext_lazy("Transport mode")),
    ("concealment", gettext_lazy("Concealment methods")),
    ("reason", gettext_lazy("Reason for seizure")),
    ("value", gettext_lazy("Estimated value")),
    ("disposal", gettext_lazy("Disposal")),
    ("offence", gettext_lazy("Infringement or offence")),
    ("sanctions", gettext_lazy("Sanctions")),
    ("additional", gettext_lazy("Additional information")),
    ("reference", gettext_lazy("Seizure reference")),
    ("operation", gettext_lazy("Operation")),
]
WIDTHS = {"date": 12, "species": 28, "term": 24, "quantity": 10, "unit": 10, "location": 30, "additional": 40}


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The calendar year in UTC, as the AITR counts it: from 1 January 00:00 up to, not including, the next."""
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


def aitr_lines(*, administration: Administration, year: int) -> QuerySet[CommodityLine]:
    """The administration's reported CITES lines seized in ``year``: under CITES, or naming a species.

    A species line filed under another heading (timber, IUU fishing) is still a CITES specimen if it names the
    species, so it is listed too. Everything a row needs is fetched with the line or prefetched per chunk.
    """
    start, end = year_bounds(year)
    legs = RouteLeg.objects.select_related("country").order_by("position")
    return (
        CommodityLine.objects.filter(
            seizure__administration=administration,
            seizure__status__in=REPORTED_STATUSES,
            seizure__occurred_at__gte=start,
            seizure__occurred_at__lt=end,
        )
        .filter(Q(mea_id=CITES) | ~Q(species=""))
        .select_related("seizure__operation", "seizure__country", "seizure__place_port", "unit", "cites_term")
        .prefetch_related(Prefetch("seizure__route", queryset=legs))
        .order_by("seizure__occurred_at", "seizure__reference", "position")
    )


# --- cells -----------------------------------------------------------------------------------


def _text(value: str) -> str:
    """Text shown as typed: characters Excel refuses are dropped, and nothing is read as a formula."""
    return neutralised(ILLEGAL_CHARACTERS_RE.sub("", value))


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _labels(choices: type[TextChoices], values: Iterable[str]) -> str:
    """Stored codes as their labels in the active language; a code no longer listed is shown as it is."""
    known = dict(choices.choices)
    return ", ".join(str(known.get(value, value)) for value in values)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


# --- one row ---------------------------------------------------------------------------------


def _countries(legs: list[RouteLeg], role: str) -> list[str]:
    return _unique(leg.country.name for leg in legs if leg.role == role)


def _route(seizure: Seizure) -> dict[str, str]:
    """The route chain read as the AITR asks: origin, export, transit and destination countries.

    The origin falls back to the first export leg (goods whose origin is unknown left from there). Without a
    destination leg, an import was bound for the reporting country itself.
    """
    legs = list(seizure.route.all())
    origins = _countries(legs, RouteRole.ORIGIN) or _countries(legs, RouteRole.EXPORT)[:1]
    destinations = _countries(legs, RouteRole.DESTINATION)
    if not destinations and seizure.direction == Direction.IMPORT:
        destinations = [seizure.country.name]
    return {
        "origin": ", ".join(origins),
        "export": ", ".join(_countries(legs, RouteRole.EXPORT)),
        "transit": ", ".join(_countries(legs, RouteRole.TRANSIT)),
        "destination": ", ".join(destinations),
    }


def _location(seizure: Seizure) -> str:
    """The port or airport and the place as the officer named it (else the UN/LOCODE), then the country."""
    port = seizure.place_port
    places = _unique([port.name if port is not None else "", seizure.place_name]) or _unique([seizure.place_locode])
    place = " / ".join(places)
    return f"{place}, {seizure.country.name}" if place else seizure.country.name


def _additional(line: CommodityLine) -> str:
    notes = [f"{gettext('Description')}: {line.description}"]
    if line.live_count is not None:
        notes.append(f"{gettext('Alive at seizure')}: {line.live_count}")
    if line.surviving_count is not None:
        notes.append(f"{gettext('Surviving')}: {line.surviving_count}")
    return "; ".join(notes)


def _row(line: CommodityLine) -> dict[str, Any]:
    seizure = line.seizure
    term = line.cites_term
    return {
        "date": seizure.occurred_at.astimezone(UTC).date(),
        "species": line.species,
        "appendix": line.cites_appendix,
        "term": f"{term.code} {term.name}" if term is not None else "",
        "quantity": _number(line.quantity),
        "unit": line.unit_id or str(SPECIMENS),
        **_route(seizure),
        "location": _location(seizure),
        "detection": _labels(DetectionMethod, seizure.detection_methods),
        "transport": _labels(TransportMode, [seizure.transport_mode] if seizure.transport_mode else []),
        "concealment": _labels(ConcealmentMethod, seizure.concealment_methods),
        # The message's reasons are the Basel Article 9 cases, about waste: never a reason to seize a specimen.
        "reason": "",
        "value": None,
        "disposal": _labels(Disposal, [line.disposal] if line.disposal else []),
        "offence": "",
        "sanctions": "",
        "additional": _additional(line),
        "reference": seizure.reference,
        "operation": seizure.operation.code,
    }


def aitr_rows(*, administration: Administration, year: int) -> Iterator[dict[str, Any]]:
    """Each AITR row as a dict keyed like ``COLUMNS``, labels in the active language, fetched in chunks."""
    for line in aitr_lines(administration=administration, year=year).iterator(chunk_size=CHUNK_ROWS):
        yield _row(line)


# --- workbook --------------------------------------------------------------------------------


def _cell(sheet: WriteOnlyWorksheet, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, str):
        value = _text(value) or None
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, date):
        cell.number_format = DATE_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def aitr_workbook(*, administration: Administration, year: int, language: str) -> bytes:
    """The administration's AITR for ``year`` as XLSX bytes, headers and code labels in ``language``."""
    with translation.override(language):
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(gettext("Illegal trade")[:31])
        for index, (key, _label) in enumerate(COLUMNS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(key, 18)
        sheet.freeze_panes = f"A{HEADER_ROW + 1}"
        party = administration.country.name if administration.country is not None else str(administration)
        sheet.append([_cell(sheet, gettext("CITES annual illegal trade report"), bold=True)])
        sheet.append([_cell(sheet, gettext("Reporting Party"), bold=True), _cell(sheet, party)])
        sheet.append([_cell(sheet, gettext("Year"), bold=True), _cell(sheet, year)])
        sheet.append([_cell(sheet, gettext("Generated on"), bold=True), _cell(sheet, timezone.now().date())])
        sheet.append([])
        header = []
        for _key, label in COLUMNS:
            cell = _cell(sheet, str(label), bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            header.append(cell)
        sheet.append(header)
        for row in aitr_rows(administration=administration, year=year):
            sheet.append([_cell(sheet, row[key]) for key, _label in COLUMNS])
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()
