"""Reading a file of seizures for a bulk import: parsing and shape checks only, nothing is written.

A file is CSV (UTF-8, with or without a byte-order mark, comma or semicolon delimiter) or XLSX
(the first sheet). Its first row is the header; names are matched lowercased with surrounding
blanks removed, and columns not listed below are ignored. Rows are numbered as a spreadsheet shows
them (the header is row 1), so every error names the row and the column to correct. The layout is
recognised from the header.

Platform layout: one row per commodity line
    Rows with the same ``seizure`` key (any text) form one seizure; its header fields are read from
    its first row, and later rows of the seizure may leave them blank.

    seizure                 key grouping the rows of one seizure (required)
    country                 reporting country, ISO 3166 alpha-2 (required); an administration of it
                            must take part in the operation
    occurred_at             ISO date or date and time, UTC: 2026-06-04 or 2026-06-04T14:30 (required)
    place_port              UN/LOCODE, ICAO or IATA code of the port or airport
    place_locode            UN/LOCODE of the place
    place_name              name of the place
    place_function          port, rail, road, airport, postal, border, inland
    direction               import, export, transit, transhipment
    transport_mode          UNECE Rec. 19 code: 1 sea, 2 rail, 3 road, 4 air, 5 mail, 6 multimodal, 8 inland water
    vessel_name, vessel_imo, flight, vehicle_registration, transport_document
    containers              container numbers separated by spaces, commas or semicolons
    detection_methods, concealment_methods, reasons, actions_taken
                            choice values separated by ``;`` (risk_profiling;nii_scan)
    narrative
    handling_code           TLP code: clear, green, amber (default) or red; TLP:RED etc. also read
    route                   legs from origin to discovery: ``IT:origin>ES:transit>NG:discovery``; a port
                            code may follow the country: ``IT@ITGOA:origin``. Blank: the reporting
                            country as the place of discovery.
    then the commodity line:
    mea, hs_code, description, quantity (required)
    unit                    unit code (KIL, GRM, TNE, CUM, LTR, PCS ...) or kg, g, t, m3, l, pieces;
                            blank means number of specimens (species only)
    waste_code, ods_substance, equipment_pieces, species, cites_appendix (I, II, III), cites_term,
    live_count, surviving_count, disposal

CITES trade database layout: the comparative tabulation CSV of the CITES Trade Database
    Year, App., Taxon, Class, Order, Family, Genus, Term, Quantity, Unit, Importer, Exporter, Origin,
    Purpose, Source. Instead of ``Quantity`` the file may carry ``Importer reported quantity`` and
    ``Exporter reported quantity``: the importer's figure is used, the exporter's when it is blank.

    Each row is one seizure with one CITES line reported by the Importer: species = Taxon, appendix
    = App., term = Term (code or name: LIV or live), unit = Unit (blank: number of specimens), the
    description "<Taxon> (<term>)", the HS code derived from the term (``TERM_HS_CODES``) and the
    route Origin (unless blank or XX) > Exporter (export) > Importer (discovery). The file gives only
    a year: a year the operation runs in dates the seizure at the operation's start, or at 1 January
    when the operation started the year before; any other year is an error. Only seized specimens
    (Source I) are imported.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from operations.models import Operation
from reference.choices import BaselReason, CitesAppendix, ConcealmentMethod, DetectionMethod, TransportMode
from reference.models import CitesTerm

from .choices import ActionTaken, Direction, Disposal, HandlingCode, PlaceFunction, RouteRole
from .models import Seizure
from .validation import CleanFiling

PLATFORM = "platform"
CITES = "cites"

PLATFORM_HEADER_COLUMNS = [
    "seizure", "country", "occurred_at", "place_port", "place_locode", "place_name", "place_function", "direction",
    "transport_mode", "vessel_name", "vessel_imo", "flight", "vehicle_registration", "containers",
    "transport_document", "detection_methods", "concealment_methods", "reasons", "actions_taken", "narrative",
    "handling_code", "route",
]  # fmt: skip
PLATFORM_LINE_COLUMNS = [
    "mea", "hs_code", "description", "quantity", "unit", "waste_code", "ods_substance", "equipment_pieces",
    "species", "cites_appendix", "cites_term", "live_count", "surviving_count", "disposal",
]  # fmt: skip
PLATFORM_REQUIRED = ["seizure", "country", "occurred_at", "mea", "hs_code", "description", "quantity"]
CITES_COLUMNS = [
    "Year", "App.", "Taxon", "Class", "Order", "Family", "Genus", "Term", "Quantity", "Unit", "Importer", "Exporter",
    "Origin", "Purpose", "Source",
]  # fmt: skip
CITES_REQUIRED = ["year", "app.", "taxon", "term", "unit", "importer", "exporter", "source"]
CITES_QUANTITY_COLUMNS = ["quantity", "importer reported quantity", "exporter reported quantity"]
#: Trade-database source code of confiscated or seized specimens: the only rows a seizure import takes.
CITES_SEIZED_SOURCE = "I"

#: HS 2022 code filed for a CITES term, since the trade database gives none. Terms not listed fall
#: back to ``DEFAULT_HS_CODE`` (animal products n.e.c.); rows without a Class (plants) read
#: ``PLANT_TERM_HS_CODES`` first. Every code is a heading or subheading of ``reference.HsCode``.
TERM_HS_CODES = {
    "LIV": "0106",  # live animals n.e.c.
    "TUS": "050710",  # ivory, unworked
    "IVP": "050710",
    "IVS": "050710",
    "IVC": "960110",  # worked ivory and articles thereof
    "SCA": "050790",  # tortoise-shell, horns, scales ...
    "HOR": "050790",
    "CAP": "050790",
    "SKI": "4103",  # raw hides and skins n.e.c.
    "SKP": "4103",
    "SKS": "4103",
    "MEA": "020890",  # meat n.e.c.
    "FIN": "030571",  # shark fins
    "CAV": "160431",  # caviar
    "BOD": "051199",  # animal products n.e.c.
    "DER": "3001",  # animal substances for therapeutic uses
    "UNS": "051199",
    "TIM": "4403",  # wood in the rough
    "LOG": "4403",
    "SAW": "4407",  # sawn wood
    "VEN": "4408",  # veneer sheets
    "PLY": "4412",  # plywood
}
PLANT_TERM_HS_CODES = {
    "LIV": "0602",  # live plants
    "DPL": "1211",  # plants used in pharmacy or perfumery
    "ROO": "1211",
    "LVS": "1211",
    "EXT": "1302",  # vegetable saps and extracts
    "DER": "1302",
}
DEFAULT_HS_CODE = "051199"

#: Unit names people write, to the unit codes of ``reference.Unit``; "" is a number of specimens.
UNIT_ALIASES = {
    "kg": "KIL", "kgs": "KIL", "kilo": "KIL", "kilogram": "KIL", "kilograms": "KIL",
    "g": "GRM", "gram": "GRM", "grams": "GRM", "mg": "MGM",
    "t": "TON", "tonne": "TON", "tonnes": "TON", "ton": "TON", "tons": "TON",
    "m3": "CUM", "m³": "CUM", "cubic metre": "CUM", "cubic metres": "CUM", "cubic meter": "CUM",
    "l": "LTR", "litre": "LTR", "litres": "LTR", "liter": "LTR", "liters": "LTR", "ml": "MLT",
    "m": "MTR", "m2": "SQM", "m²": "SQM",
    "piece": "PCS", "pieces": "PCS", "pcs": "PCS",
    "number of specimens": "", "specimens": "", "specimen": "",
}  # fmt: skip

TEXT_LIMITS = {
    "place_port": 8, "place_locode": 8, "place_name": 200, "vessel_name": 128, "vessel_imo": 16, "flight": 16,
    "vehicle_registration": 32, "transport_document": 64, "narrative": 20_000, "mea": 16, "hs_code": 16,
    "description": 500, "unit": 8, "waste_code": 8, "ods_substance": 16, "species": 200, "cites_term": 3,
}  # fmt: skip
HEADER_TEXT = ["place_port", "place_locode", "place_name", "vessel_name", "vessel_imo", "flight",
               "vehicle_registration", "transport_document", "narrative"]  # fmt: skip
LINE_TEXT = ["mea", "hs_code", "description", "unit", "waste_code", "ods_substance", "species", "cites_term"]
HEADER_CHOICES: dict[str, type[models.TextChoices]] = {
    "place_function": PlaceFunction,
    "direction": Direction,
    "transport_mode": TransportMode,
    "handling_code": HandlingCode,
}
#: ``TLP:AMBER`` as TLP writes it, and the codes of files written before TLP.
HANDLING_CODE_ALIASES = {
    **{code.tlp.lower(): code.value for code in HandlingCode},
    "operation": HandlingCode.AMBER.value,
    "coordinators": HandlingCode.RED.value,
}
LIST_CHOICES: dict[str, type[models.TextChoices]] = {
    "detection_methods": DetectionMethod,
    "concealment_methods": ConcealmentMethod,
    "reasons": BaselReason,
    "actions_taken": ActionTaken,
}
LINE_CHOICES: dict[str, type[models.TextChoices]] = {"cites_appendix": CitesAppendix, "disposal": Disposal}
COUNTS = ["equipment_pieces", "live_count", "surviving_count"]
MAX_COUNT = 2_000_000_000
MAX_LINES = 200
MAX_ROUTE_LEGS = 20
MAX_CONTAINERS = 500
MAX_QUANTITY = Decimal(10) ** 15
THOUSANDTH = Decimal("0.001")
CONTAINER_RUN = re.compile(r"(?:[A-Z]{4}[0-9]{7})+")


class FileError(Exception):
    """The file as a whole cannot be read."""


@dataclass(frozen=True)
class RowError:
    """One problem in the file: its row (the header is row 1; 0 for the file itself) and column."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if not self.row:
            return self.message
        return _("Row %(row)s, %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ParsedSeizure:
    """One seizure of the file: a filing for ``FilingValidator`` and the cells each part came from."""

    row: int
    country: str
    filing: dict[str, Any]
    columns: dict[str, str]
    line_rows: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: Filing fields whose cell could not be read; the validator's complaint about them would repeat ours.
    unreadable: set[str] = field(default_factory=set)

    def column(self, field_name: str) -> str:
        """The file column a filing field (``occurred_at``, ``lines.2.hs_code``, ``route.1.country``) comes from."""
        parts = field_name.split(".")
        if parts[0] == "lines" and len(parts) >= 3:
            return self.columns.get(f"lines.{parts[2]}", parts[2])
        if parts[0] == "route" and len(parts) >= 2 and parts[1].isdigit():
            return self.columns.get(f"route.{parts[1]}", self.columns.get("route", "route"))
        return self.columns.get(parts[0], parts[0])

    def locate(self, field_name: str) -> tuple[int, str]:
        """The row and column a validator error key is about."""
        parts = field_name.split(".")
        row = self.row
        if parts[0] == "lines" and len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) < len(self.line_rows):
            row = self.line_rows[int(parts[1])]
        return row, self.column(field_name)

    def fail(self, row: int, field_name: str, message: str) -> None:
        self.errors.append(RowError(row, self.column(field_name), message))
        self.unreadable.add(field_name)

    def row_errors(self, error: ValidationError) -> list[RowError]:
        """The validator's field errors as row errors, leaving out those about cells already reported."""
        found = []
        for field_name, items in error.error_dict.items():
            if field_name in self.unreadable:
                continue
            row, column = self.locate(field_name)
            for item in items:
                found += [RowError(row, column, message) for message in item.messages]
        return found


@dataclass
class ParsedFile:
    layout: str
    seizures: list[ParsedSeizure]
    errors: list[RowError]


@dataclass
class ImportResult:
    seizures: list[Seizure]
    lines: int


def share_references(clean: CleanFiling, known: dict[tuple[type, Any], models.Model]) -> CleanFiling:
    """Point the filing at one instance per reference row (MEA, HS code, unit, country ...), so that the
    validated filings of a large file take no more memory than its parsed rows."""
    for item in (clean.header, *clean.lines, *clean.route):
        for name, value in item.items():
            if isinstance(value, models.Model):
                item[name] = known.setdefault((type(value), value.pk), value)
    return clean


# --- Reading cells ------------------------------------------------------------------------------


def normalise_header(label: str) -> str:
    return " ".join(label.replace("\ufeff", "").split()).lower()


def _cell(value: Any) -> str:
    """A spreadsheet cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return format(Decimal(format(value, ".15g")).normalize(), "f") if value == value else ""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    text = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline="")
    try:
        first = text.readline()
        delimiter = ";" if first.count(";") > first.count(",") else ","
        text.seek(0)
        yield from csv.reader(text, delimiter=delimiter)
    except UnicodeDecodeError:
        raise FileError(_("The file is not UTF-8 text: save it as CSV UTF-8 or as an Excel workbook.")) from None
    except csv.Error as error:
        raise FileError(_("The CSV file cannot be read: %(error)s.") % {"error": error}) from None


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise FileError(_("The workbook cannot be read: save it again as .xlsx or as CSV UTF-8.")) from None
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers leave a wrong size in the file; read every row there is
        for values in sheet.iter_rows(values_only=True):
            yield [_cell(value) for value in values]
    finally:
        workbook.close()


def read_rows(name: str, content: bytes) -> Iterator[tuple[int, list[str]]]:
    """The rows of the file with their numbers as a spreadsheet shows them; blank rows are skipped."""
    if name.lower().endswith(".xls"):
        raise FileError(_("Old .xls workbooks are not read: save the file as .xlsx or as CSV UTF-8."))
    is_workbook = name.lower().endswith(".xlsx") or content[:4] == b"PK\x03\x04"
    rows = _xlsx_rows(content) if is_workbook else _csv_rows(content)
    for number, values in enumerate(rows, start=1):
        values = [value.strip() for value in values]
        if any(values):
            yield number, values


# --- Reading values -----------------------------------------------------------------------------


def parse_decimal(raw: str) -> Decimal:
    """A quantity as written in either convention (12.5 or 12,5), with at most three decimals."""
    text = raw.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("%(value)s is not a number.") % {"value": raw}) from None
    if not value.is_finite():
        raise ValueError(_("%(value)s is not a number.") % {"value": raw})
    if abs(value) >= MAX_QUANTITY:
        raise ValueError(_("%(value)s is too large.") % {"value": raw})
    rounded = value.quantize(THOUSANDTH)
    if rounded != value:
        raise ValueError(_("%(value)s has more than three decimals.") % {"value": raw})
    return rounded


def parse_count(raw: str) -> int:
    text = raw.replace(" ", "")
    if not re.fullmatch(r"[0-9]{1,10}", text) or int(text) > MAX_COUNT:
        raise ValueError(_("%(value)s is not a whole number of at most two billion.") % {"value": raw})
    return int(text)


def parse_datetime(raw: str) -> datetime:
    """An ISO date or date and time; UTC unless an offset is given."""
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            _("%(value)s is not a date: write it as 2026-06-04 or 2026-06-04T14:30 (UTC).") % {"value": raw}
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def split_containers(raw: str) -> list[str]:
    """Container numbers separated by spaces, commas or semicolons; ``CSQU 305438 3`` stays one number."""
    numbers: list[str] = []
    for chunk in re.split(r"[,;]", raw):
        compact = re.sub(r"[\s\-./]", "", chunk).upper()
        if compact and CONTAINER_RUN.fullmatch(compact):
            numbers += [compact[start : start + 11] for start in range(0, len(compact), 11)]
        else:
            numbers += chunk.split()
    return numbers


def _choice_names(choices: type[models.TextChoices]) -> dict[str, str]:
    """Each choice by its value or its label, in any case."""
    names = {str(label).lower(): value for value, label in choices.choices}
    names.update({str(value).lower(): value for value in choices.values})
    return names


def unit_code(raw: str) -> str:
    return UNIT_ALIASES.get(raw.strip().lower(), raw.strip().upper())


# --- The platform layout ------------------------------------------------------------------------


class _PlatformReader:
    layout = PLATFORM

    def __init__(self, labels: dict[str, str]) -> None:
        self.columns = {name: labels.get(name, name) for name in PLATFORM_HEADER_COLUMNS}
        self.columns.update({f"lines.{name}": labels.get(name, name) for name in PLATFORM_LINE_COLUMNS})
        self.columns["lines"] = labels.get("hs_code", "hs_code")
        self.choices = {name: _choice_names(kind) for name, kind in {**HEADER_CHOICES, **LINE_CHOICES}.items()}
        self.choices["handling_code"].update(HANDLING_CODE_ALIASES)
        self.list_choices = {name: _choice_names(kind) for name, kind in LIST_CHOICES.items()}
        self.roles = _choice_names(RouteRole)
        self.by_key: dict[str, ParsedSeizure] = {}
        self.errors: list[RowError] = []

    @property
    def seizures(self) -> list[ParsedSeizure]:
        return list(self.by_key.values())

    def add(self, number: int, row: dict[str, str]) -> None:
        key = row.get("seizure", "")
        if not key:
            message = _("Give the seizure key that groups the lines of one seizure.")
            self.errors.append(RowError(number, self.columns["seizure"], message))
            return
        seizure = self.by_key.get(key)
        if seizure is None:
            seizure = self.by_key[key] = self._seizure(number, row)
        self._line(seizure, number, row)

    @staticmethod
    def _text(seizure: ParsedSeizure, number: int, raw: str, name: str, field_name: str) -> str:
        if len(raw) > TEXT_LIMITS[name]:
            seizure.fail(number, field_name, _("Write at most %(count)s characters.") % {"count": TEXT_LIMITS[name]})
            return ""
        return raw

    def _choice(self, seizure: ParsedSeizure, number: int, raw: str, name: str, field_name: str) -> str:
        if not raw:
            return ""
        value = self.choices[name].get(raw.lower())
        if value is None:
            seizure.fail(number, field_name, _not_a_choice(raw, name))
            return ""
        return value

    def _seizure(self, number: int, row: dict[str, str]) -> ParsedSeizure:
        country = row.get("country", "").upper()
        seizure = ParsedSeizure(row=number, country=country, filing={}, columns=self.columns)
        filing = seizure.filing
        if not country:
            seizure.fail(number, "country", _("Give the reporting country (ISO alpha-2 code, such as NG)."))
        filing["occurred_at"] = None
        if row.get("occurred_at"):
            try:
                filing["occurred_at"] = parse_datetime(row["occurred_at"])
            except ValueError as error:
                seizure.fail(number, "occurred_at", str(error))
        for name in HEADER_TEXT:
            filing[name] = self._text(seizure, number, row.get(name, ""), name, name)
        for name in HEADER_CHOICES:
            filing[name] = self._choice(seizure, number, row.get(name, ""), name, name)
        for name, names in self.list_choices.items():
            values = []
            for raw in filter(None, (item.strip() for item in row.get(name, "").split(";"))):
                value = names.get(raw.lower())
                if value is None:
                    seizure.fail(number, name, _not_a_choice(raw, name))
                else:
                    values.append(value)
            filing[name] = values
        filing["containers"] = self._containers(seizure, number, row.get("containers", ""))
        filing["route"] = self._route(seizure, number, row.get("route", ""))
        filing["lines"] = []
        filing["parties"] = []
        return seizure

    @staticmethod
    def _containers(seizure: ParsedSeizure, number: int, raw: str) -> list[str]:
        containers = split_containers(raw)
        if len(containers) > MAX_CONTAINERS:
            seizure.fail(number, "containers", _("Give at most %(count)s containers.") % {"count": MAX_CONTAINERS})
            return []
        for container in containers:
            if len(container) > 32:
                message = _("%(value)s is too long for a container number.") % {"value": container[:40]}
                seizure.fail(number, "containers", message)
                return []
        return containers

    def _route(self, seizure: ParsedSeizure, number: int, raw: str) -> list[dict[str, Any]]:
        if not raw:
            return [{"role": RouteRole.DISCOVERY, "country": seizure.country, "place_port": "", "place_name": ""}]
        legs: list[dict[str, Any]] = []
        for part in filter(None, (item.strip() for item in raw.split(">"))):
            place, separator, role_name = part.rpartition(":")
            if not separator:
                place, role_name = part, ""
            country, _at, port = place.partition("@")
            role_name = role_name.strip()
            role = self.roles.get(role_name.lower(), "")
            if role_name and not role:
                message = _("%(value)s is not a route role: use %(roles)s.") % {
                    "value": role_name,
                    "roles": ", ".join(RouteRole.values),
                }
                seizure.fail(number, f"route.{len(legs)}.role", message)
            legs.append(
                {"role": role, "country": country.strip().upper(), "place_port": port.strip(), "place_name": ""}
            )
        if len(legs) > MAX_ROUTE_LEGS:
            seizure.fail(number, "route", _("Give at most %(count)s route legs.") % {"count": MAX_ROUTE_LEGS})
            return legs[:MAX_ROUTE_LEGS]
        return legs

    def _line(self, seizure: ParsedSeizure, number: int, row: dict[str, str]) -> None:
        lines = seizure.filing["lines"]
        if len(lines) >= MAX_LINES:
            seizure.fail(number, "seizure", _("A seizure has at most %(count)s lines.") % {"count": MAX_LINES})
            return
        prefix = f"lines.{len(lines)}."
        line: dict[str, Any] = {}
        for name in LINE_TEXT:
            line[name] = self._text(seizure, number, row.get(name, ""), name, prefix + name)
        line["unit"] = unit_code(line["unit"])
        for name in LINE_CHOICES:
            line[name] = self._choice(seizure, number, row.get(name, ""), name, prefix + name)
        line["quantity"] = None
        if row.get("quantity"):
            try:
                line["quantity"] = parse_decimal(row["quantity"])
            except ValueError as error:
                seizure.fail(number, prefix + "quantity", str(error))
        for name in COUNTS:
            line[name] = None
            if row.get(name):
                try:
                    line[name] = parse_count(row[name])
                except ValueError as error:
                    seizure.fail(number, prefix + name, str(error))
        lines.append(line)
        seizure.line_rows.append(number)


def _not_a_choice(raw: str, name: str) -> str:
    kind = {**HEADER_CHOICES, **LIST_CHOICES, **LINE_CHOICES}[name]
    return _("%(value)s is not one of %(choices)s.") % {"value": raw, "choices": ", ".join(kind.values)}


# --- The CITES trade database layout --------------------------------------------------------------


def hs_code_for_term(term: str, *, plant: bool = False) -> str:
    if plant and term in PLANT_TERM_HS_CODES:
        return PLANT_TERM_HS_CODES[term]
    return TERM_HS_CODES.get(term, DEFAULT_HS_CODE)


class _CitesReader:
    layout = CITES

    def __init__(self, labels: dict[str, str], operation: Operation) -> None:
        self.labels = labels
        self.quantity_columns = [name for name in CITES_QUANTITY_COLUMNS if name in labels]
        if "quantity" in labels:
            self.quantity_columns = ["quantity"]
        self.appendix_column = "app." if "app." in labels else "appendix"
        self.starts_at, self.ends_at = operation.starts_at, operation.ends_at
        self.appendices = _choice_names(CitesAppendix)
        self.terms: dict[str, str] = {}
        self.term_labels: dict[str, str] = {}
        for term in CitesTerm.objects.all():
            self.term_labels[term.code] = term.name
            for name in filter(None, (term.name_en.lower(), term.name_fr.lower())):
                self.terms.setdefault(name, term.code)
                self.terms.setdefault(name.removesuffix("s"), term.code)
        self.terms.update({code.lower(): code for code in self.term_labels})
        self._columns: dict[tuple[str, ...], dict[str, str]] = {}
        self.seizures: list[ParsedSeizure] = []
        self.errors: list[RowError] = []

    def columns(self, route: tuple[str, ...], quantity: str) -> dict[str, str]:
        """Where each filing field comes from, shared by the rows with the same route and quantity columns."""
        key = (*route, quantity)
        if key not in self._columns:
            label = self.labels.get
            columns = {
                "occurred_at": label("year", "Year"),
                "country": label("importer", "Importer"),
                "route": label("importer", "Importer"),
                "source": label("source", "Source"),
                "lines.mea": label("term", "Term"),
                "lines.hs_code": label("term", "Term"),
                "lines.cites_term": label("term", "Term"),
                "lines.description": label("taxon", "Taxon"),
                "lines.species": label("taxon", "Taxon"),
                "lines.quantity": label(quantity, quantity),
                "lines.unit": label("unit", "Unit"),
                "lines.cites_appendix": label(self.appendix_column, "App."),
            }
            for index, name in enumerate((*route, "importer")):
                columns[f"route.{index}"] = label(name, name)
            self._columns[key] = columns
        return self._columns[key]

    def add(self, number: int, row: dict[str, str]) -> None:
        importer = row.get("importer", "").upper()
        route_columns = tuple(name for name in ("origin", "exporter") if row.get(name, "").upper() not in ("", "XX"))
        quantity_column = next((name for name in self.quantity_columns if row.get(name)), self.quantity_columns[0])
        seizure = ParsedSeizure(
            row=number, country=importer, filing={}, columns=self.columns(route_columns, quantity_column)
        )
        seizure.line_rows.append(number)
        self.seizures.append(seizure)
        if not importer:
            seizure.fail(number, "country", _("Give the importing country (ISO alpha-2 code)."))
        source = row.get("source", "")
        if source.upper() != CITES_SEIZED_SOURCE:
            message = _("Source %(source)s: only seized or confiscated specimens (source I) are imported.") % {
                "source": source or "-"
            }
            seizure.fail(number, "source", message)
        year = row.get("year", "")
        term, hs_code = self._term(
            seizure, number, row.get("term", ""), plant="class" in self.labels and not row.get("class")
        )
        taxon = row.get("taxon", "")
        if not taxon:
            seizure.fail(number, "lines.0.species", _("Give the taxon."))
            seizure.unreadable.add("lines.0.description")
        elif len(taxon) > TEXT_LIMITS["species"]:
            message = _("Write at most %(count)s characters.") % {"count": TEXT_LIMITS["species"]}
            seizure.fail(number, "lines.0.species", message)
            seizure.unreadable.add("lines.0.description")
            taxon = ""
        quantity = None
        if row.get(quantity_column):
            try:
                quantity = parse_decimal(row[quantity_column])
            except ValueError as error:
                seizure.fail(number, "lines.0.quantity", str(error))
        line = {
            "mea": "CITES",
            "hs_code": hs_code,
            "description": f"{taxon} ({self.term_labels.get(term, row.get('term', ''))})" if taxon else "",
            "quantity": quantity,
            "unit": unit_code(row.get("unit", "")),
            "species": taxon,
            "cites_appendix": self._appendix(seizure, number, row.get(self.appendix_column, "")),
            "cites_term": term,
        }
        route = [
            {"role": role, "country": row[name].upper(), "place_port": "", "place_name": ""}
            for name, role in (("origin", RouteRole.ORIGIN), ("exporter", RouteRole.EXPORT))
            if name in route_columns
        ]
        route.append({"role": RouteRole.DISCOVERY, "country": importer, "place_port": "", "place_name": ""})
        seizure.filing = {
            "occurred_at": self._occurred_at(seizure, number, year),
            "narrative": _("From the CITES trade database: year %(year)s, purpose %(purpose)s, source %(source)s.")
            % {"year": year, "purpose": row.get("purpose") or "-", "source": source},
            "lines": [line],
            "route": route,
            "parties": [],
        }

    def _occurred_at(self, seizure: ParsedSeizure, number: int, raw: str) -> datetime | None:
        """The file gives a year: the operation's start if it started that year, else 1 January, in its window."""
        if not re.fullmatch(r"[0-9]{4}", raw):
            seizure.fail(number, "occurred_at", _("%(value)s is not a year such as 2026.") % {"value": raw or "-"})
            return None
        year = int(raw)
        if not self.starts_at.year <= year <= self.ends_at.year:
            message = _("%(year)s is outside the operation's window, %(start)s to %(end)s.") % {
                "year": raw or "-",
                "start": f"{self.starts_at:%Y-%m-%d}",
                "end": f"{self.ends_at:%Y-%m-%d}",
            }
            seizure.fail(number, "occurred_at", message)
            return None
        return min(max(datetime(year, 1, 1, tzinfo=UTC), self.starts_at), self.ends_at)

    def _term(self, seizure: ParsedSeizure, number: int, raw: str, *, plant: bool) -> tuple[str, str]:
        """The CITES term code and the HS code it is filed under."""
        if not raw:
            seizure.fail(number, "lines.0.cites_term", _("Give the CITES term, such as TUS or tusks."))
            seizure.unreadable.add("lines.0.hs_code")
            return "", ""
        term = self.terms.get(raw.lower()) or self.terms.get(raw.lower().removesuffix("s"))
        if term is None:
            seizure.fail(
                number, "lines.0.cites_term", _("%(value)s is not a CITES term code or name.") % {"value": raw}
            )
            seizure.unreadable.add("lines.0.hs_code")
            return "", ""
        return term, hs_code_for_term(term, plant=plant)

    def _appendix(self, seizure: ParsedSeizure, number: int, raw: str) -> str:
        if not raw:
            return ""
        appendix = self.appendices.get(raw.lower())
        if appendix is None:
            seizure.fail(
                number,
                "lines.0.cites_appendix",
                _("%(value)s is not a CITES appendix: use I, II or III.") % {"value": raw},
            )
            return ""
        return appendix


# --- Reading a whole file -----------------------------------------------------------------------


def parse(*, name: str, content: bytes, operation: Operation) -> ParsedFile:
    """Read the file into seizure filings, with every problem found on the way; nothing is written.

    The CITES layout reads the operation's window (its file gives only a year) and the CITES terms.
    """
    rows = read_rows(name, content)
    try:
        header = next(rows, None)
        if header is None:
            return _failed(_("The file is empty."))
        keys = [normalise_header(value) for value in header[1]]
        labels: dict[str, str] = {}
        positions: dict[str, int] = {}
        for index, (key, value) in enumerate(zip(keys, header[1], strict=True)):
            if key and key not in positions:
                labels[key], positions[key] = value, index
        reader = _reader_for(labels, operation)
        if isinstance(reader, str):
            return _failed(reader)
        for number, values in rows:
            width = len(values)
            reader.add(number, {key: values[index] if index < width else "" for key, index in positions.items()})
    except FileError as error:
        return _failed(str(error))
    seizures = reader.seizures
    errors = reader.errors
    if not seizures and not errors:
        errors.append(RowError(0, "", _("The file has a header but no rows.")))
    return ParsedFile(layout=reader.layout, seizures=seizures, errors=errors)


def _failed(message: str) -> ParsedFile:
    return ParsedFile(layout="", seizures=[], errors=[RowError(0, "", message)])


def _reader_for(labels: dict[str, str], operation: Operation) -> "_PlatformReader | _CitesReader | str":
    """The reader of the layout the header shows, or why there is none."""
    if {"seizure", "hs_code"} <= labels.keys():
        missing = [name for name in PLATFORM_REQUIRED if name not in labels]
        if missing:
            return _("The file lacks the columns %(columns)s of the platform layout.") % {"columns": ", ".join(missing)}
        return _PlatformReader(labels)
    if {"taxon", "term", "importer"} <= labels.keys():
        missing = [name for name in CITES_REQUIRED if name not in labels]
        if "app." in missing and "appendix" in labels:
            missing.remove("app.")
        if not any(name in labels for name in CITES_QUANTITY_COLUMNS):
            missing.append("quantity")
        if missing:
            return _("The file lacks the columns %(columns)s of the CITES trade database layout.") % {
                "columns": ", ".join(missing)
            }
        return _CitesReader(labels, operation)
    return _(
        "The header matches no known layout. A seizure file has the columns %(platform)s; "
        "a CITES trade database file has the columns %(cites)s."
    ) % {
        "platform": ", ".join(PLATFORM_HEADER_COLUMNS + PLATFORM_LINE_COLUMNS),
        "cites": ", ".join(CITES_COLUMNS),
    }
