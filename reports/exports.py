"""Downloads of an operation's figures: the raw commodity lines as CSV, a dataset's tables as CSV, the workbook.

Safety and format, the same for every download:
- a text cell that a spreadsheet would read as a formula (it begins with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return) is prefixed with a single quote ``'``, so that opening a download never runs what an officer
  typed (CSV injection); numbers stay numbers;
- CSV files are UTF-8 with a byte-order mark, so that Excel opens accented French correctly; fields are separated
  by commas, quoted only when they hold a comma, a double quote or a line break, and lines end with ``\\n``
  (as PostgreSQL's ``COPY`` writes them); an empty cell is an absent value;
- decimals are written without trailing zeros (``12500``, ``0.5``), times in ISO 8601 UTC to the second.
"""

import io
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from itertools import islice
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Count, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils import translation
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from operations.models import Operation
from seizures.choices import PartyKind, RouteRole
from seizures.models import CommodityLine, Party, RouteLeg

from .datasets import LABELS, ORIGIN_ROLES, counted_seizures, listed_seizures, route_legs_sql

#: A text cell beginning with one of these is read as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
#: Rows per database fetch and per chunk of the Python path; bytes per chunk of the ``COPY`` path.
CHUNK_ROWS = 2000
CHUNK_BYTES = 64 * 1024

TEXT, NUMBER, MOMENT = "text", "number", "moment"

#: The raw lines' columns: stable machine key, header label (translated), kind of cell.
LINE_COLUMNS: list[tuple[str, Any, str]] = [
    ("reference", gettext_lazy("Reference"), TEXT),
    ("status", gettext_lazy("Status"), TEXT),
    ("country", gettext_lazy("Reporting country"), TEXT),
    ("occurred_at", gettext_lazy("Seized on (UTC)"), MOMENT),
    ("place", gettext_lazy("Place"), TEXT),
    ("direction", gettext_lazy("Direction"), TEXT),
    ("transport_mode", gettext_lazy("Transport mode"), TEXT),
    ("mea", gettext_lazy("MEA"), TEXT),
    ("hs_code", gettext_lazy("HS code"), TEXT),
    ("hs_national", gettext_lazy("National tariff code"), TEXT),
    ("description", gettext_lazy("Description"), TEXT),
    ("quantity", gettext_lazy("Quantity"), NUMBER),
    ("unit", gettext_lazy("Unit (blank: specimens)"), TEXT),
    ("kg", gettext_lazy("Kilograms"), NUMBER),
    ("m3", gettext_lazy("Cubic metres"), NUMBER),
    ("pieces", gettext_lazy("Pieces"), NUMBER),
    ("waste_code", gettext_lazy("Basel code"), TEXT),
    ("ods_substance", gettext_lazy("ODS substance"), TEXT),
    ("odp_tonnes", gettext_lazy("ODP tonnes"), NUMBER),
    ("co2e_tonnes", gettext_lazy("CO2-equivalent tonnes"), NUMBER),
    ("equipment_pieces", gettext_lazy("Pieces of pre-charged equipment"), NUMBER),
    ("species", gettext_lazy("Species"), TEXT),
    ("cites_appendix", gettext_lazy("CITES appendix"), TEXT),
    ("cites_term", gettext_lazy("CITES term"), TEXT),
    ("live_count", gettext_lazy("Live at seizure"), NUMBER),
    ("surviving", gettext_lazy("Surviving"), NUMBER),
    ("disposal", gettext_lazy("Disposal"), TEXT),
    ("route", gettext_lazy("Route"), TEXT),
    ("origin", gettext_lazy("Origin"), TEXT),
    ("destination", gettext_lazy("Destination"), TEXT),
    ("case", gettext_lazy("Case"), NUMBER),
    ("counted", gettext_lazy("Counted in the totals"), NUMBER),
    ("persons", gettext_lazy("Persons involved"), NUMBER),
    ("companies", gettext_lazy("Companies involved"), NUMBER),
]
KEY_FIGURES_TITLE = gettext_lazy("Key figures")
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE_MAX = 31


# --- cells -----------------------------------------------------------------------------------


def neutralised(text: str) -> str:
    """Text a spreadsheet shows as typed, never evaluates."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _number_text(value: int | float | Decimal) -> str:
    """As PostgreSQL's ``trim_scale(value)::text`` writes it: no exponent, no trailing zeros."""
    if isinstance(value, int):
        return str(int(value))
    decimal = value if isinstance(value, Decimal) else Decimal(repr(value))
    return format(decimal.normalize(), "f")


def _csv_field(text: str) -> str:
    if any(character in text for character in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_line(cells: Iterable[str]) -> str:
    """One record as PostgreSQL's ``COPY ... (FORMAT csv)`` writes it."""
    return ",".join(_csv_field(cell) for cell in cells) + "\n"


def _table_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, float, Decimal)):
        return _number_text(value)
    return neutralised(str(value))


# --- raw commodity lines ---------------------------------------------------------------------


def _alias(key: str) -> str:
    return f"export_{key}"


def _first_leg(roles: Sequence[str]) -> Subquery:
    legs = RouteLeg.objects.filter(seizure_id=OuterRef("seizure_id"), role__in=roles).order_by("position")
    return Subquery(legs.values("country_id")[:1])


def _party_count(kind: str) -> Coalesce:
    parties = Party.objects.filter(seizure_id=OuterRef("seizure_id"), kind=kind).order_by().values("seizure_id")
    return Coalesce(Subquery(parties.annotate(n=Count("pk")).values("n")), Value(0))


#: Columns the ``COPY`` path joins from per-seizure aggregates instead of looking up line by line.
PER_SEIZURE_KEYS = ("route", "origin", "destination", "persons", "companies")


def _lines(*, operation: Operation, kind: str, audience: str, per_line: bool = True) -> QuerySet[CommodityLine]:
    """The listed lines with every column but the route, under ``export_<key>`` names, in download order.

    ``per_line=False`` leaves out the route ends and party counts, which the ``COPY`` path joins per seizure.
    """
    counted = counted_seizures(operation=operation, kind=kind)
    expressions = {
        "seizure": F("seizure_id"),
        "position": F("position"),
        "reference": F("seizure__reference"),
        "status": F("seizure__status"),
        "country": F("seizure__country_id"),
        "occurred_at": F("seizure__occurred_at"),
        "place": Coalesce(
            NullIf("seizure__place_port__code", Value("")),
            NullIf("seizure__place_locode", Value("")),
            NullIf("seizure__place_name", Value("")),
        ),
        "direction": F("seizure__direction"),
        "transport_mode": F("seizure__transport_mode"),
        "mea": F("mea_id"),
        "hs_code": F("hs_code_id"),
        "hs_national": F("hs_national"),
        "description": F("description"),
        "quantity": F("quantity"),
        "unit": F("unit_id"),
        "kg": F("kg"),
        "m3": F("m3"),
        "pieces": F("pieces"),
        "waste_code": F("waste_code_id"),
        "ods_substance": F("ods_substance_id"),
        "odp_tonnes": F("odp_tonnes"),
        "co2e_tonnes": F("co2e_tonnes"),
        "equipment_pieces": F("equipment_pieces"),
        "species": F("species"),
        "cites_appendix": F("cites_appendix"),
        "cites_term": F("cites_term_id"),
        "live_count": F("live_count"),
        "surviving": F("surviving_count"),
        "disposal": F("disposal"),
        "origin": _first_leg(ORIGIN_ROLES),
        "destination": Coalesce(_first_leg([RouteRole.DESTINATION]), _first_leg([RouteRole.DISCOVERY])),
        "case": F("seizure__case_id"),
        "counted": Case(When(seizure__in=counted, then=Value(1)), default=Value(0)),
        "persons": _party_count(PartyKind.PERSON),
        "companies": _party_count(PartyKind.COMPANY),
    }
    if not per_line:
        expressions = {key: value for key, value in expressions.items() if key not in PER_SEIZURE_KEYS}
    return (
        CommodityLine.objects.filter(seizure__in=listed_seizures(operation=operation, kind=kind, audience=audience))
        .annotate(**{_alias(key): expression for key, expression in expressions.items()})
        .order_by("seizure__reference", "position")
    )


def _header(language: str) -> bytes:
    with translation.override(language):
        labels = [neutralised(str(label)) for _key, label, _kind in LINE_COLUMNS]
    return (BOM + _csv_line(labels)).encode()


def _routes(seizure_ids: set[int]) -> dict[int, str]:
    """Each seizure's route chain in one cell: ``IT origin > ES transit > NG discovery``."""
    legs = (
        RouteLeg.objects.filter(seizure_id__in=seizure_ids)
        .order_by("seizure_id", "position")
        .values_list("seizure_id", "country_id", "role")
    )
    chains: dict[int, list[str]] = defaultdict(list)
    for seizure_id, country, role in legs:
        chains[seizure_id].append(f"{country} {role}")
    return {seizure_id: " > ".join(chain) for seizure_id, chain in chains.items()}


def _python_cell(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == NUMBER:
        return _number_text(value)
    if kind == MOMENT:
        moment: datetime = value
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return neutralised(str(value))


def _python_lines(*, operation: Operation, kind: str, audience: str, language: str) -> Iterator[bytes]:
    """Any database: rows fetched ``CHUNK_ROWS`` at a time, routes looked up per chunk, written by Python."""
    yield _header(language)
    keys = [key for key, _label, _kind in LINE_COLUMNS if key != "route"]
    rows = (
        _lines(operation=operation, kind=kind, audience=audience)
        .values_list(_alias("seizure"), *(_alias(key) for key in keys))
        .iterator(chunk_size=CHUNK_ROWS)
    )
    while batch := list(islice(rows, CHUNK_ROWS)):
        routes = _routes({row[0] for row in batch})
        text = []
        for seizure_id, *values in batch:
            cells = dict(zip(keys, values, strict=True), route=routes.get(seizure_id))
            text.append(_csv_line(_python_cell(cell_kind, cells[key]) for key, _label, cell_kind in LINE_COLUMNS))
        yield "".join(text).encode()


#: Number columns holding integers: their text is already what ``_number_text`` writes, no numeric cast needed.
INTEGER_KEYS = frozenset({"equipment_pieces", "live_count", "surviving", "case", "counted", "persons", "companies"})


def _sql_cell(kind: str, column: str, *, integer: bool = False) -> str:
    """The SQL that writes one cell exactly as ``_python_cell`` does.

    Text is tested by the code point of its first character (``ascii``), which allocates nothing, rather than
    by ``left(text, 1)``: the check runs for every text cell of every line.
    """
    if kind == NUMBER:
        return f"{column}::text" if integer else f"trim_scale({column}::numeric)::text"
    if kind == MOMENT:
        return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""
    text = f"{column}::text"
    starts = ", ".join(str(ord(character)) for character in FORMULA_STARTS)
    return f"CASE WHEN ascii({text}) IN ({starts}) THEN chr(39) || {text} ELSE NULLIF({text}, '') END"


def _per_seizure_sql(listed: QuerySet[Any]) -> tuple[str, str, list[Any]]:
    """Route chains and ends, and party counts, aggregated once per listed seizure (not once per line)."""
    seizures, params = listed.order_by().values("pk").query.sql_with_params()
    legs, legs_params = route_legs_sql(listed)
    parties = (
        "SELECT seizure_id, count(*) FILTER (WHERE kind = %s) AS persons, "
        "count(*) FILTER (WHERE kind = %s) AS companies "
        f"FROM {Party._meta.db_table} WHERE seizure_id IN ({seizures}) GROUP BY seizure_id"
    )
    party_params = [str(PartyKind.PERSON), str(PartyKind.COMPANY), *params]
    return legs, parties, [*legs_params, *party_params]


def _copy_lines(*, operation: Operation, kind: str, audience: str, language: str) -> Iterator[bytes]:
    """PostgreSQL: the Django query, joined to per-seizure routes and party counts and wrapped in a
    formatting ``SELECT``, streamed by ``COPY ... TO STDOUT``."""
    yield _header(language)
    keys = [key for key, _label, _kind in LINE_COLUMNS if key not in PER_SEIZURE_KEYS]
    queryset = (
        _lines(operation=operation, kind=kind, audience=audience, per_line=False)
        .order_by()
        .values(*(_alias(key) for key in [*keys, "seizure", "position"]))
    )
    inner, params = queryset.query.sql_with_params()
    legs, parties, joined_params = _per_seizure_sql(listed_seizures(operation=operation, kind=kind, audience=audience))
    quote = connection.ops.quote_name
    columns = {key: f"export_rows.{quote(_alias(key))}" for key in keys}
    columns.update(
        route="legs.chain",
        origin="legs.origin",
        destination="COALESCE(legs.destination, legs.discovery)",
        persons="COALESCE(parties.persons, 0)",
        companies="COALESCE(parties.companies, 0)",
    )
    cells = ", ".join(
        _sql_cell(cell_kind, columns[key], integer=key in INTEGER_KEYS) for key, _label, cell_kind in LINE_COLUMNS
    )
    seizure = f"export_rows.{quote(_alias('seizure'))}"
    order = f"export_rows.{quote(_alias('reference'))}, export_rows.{quote(_alias('position'))}"
    select = (
        f"SELECT {cells} FROM ({inner}) AS export_rows "
        f"LEFT JOIN ({legs}) AS legs ON legs.seizure_id = {seizure} "
        f"LEFT JOIN ({parties}) AS parties ON parties.seizure_id = {seizure} ORDER BY {order}"
    )
    sql = f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER false, ENCODING 'UTF8')"
    buffer = bytearray()
    with transaction.atomic():
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            # The plan's cost passes PostgreSQL's JIT thresholds from a few tens of thousands of lines, and
            # compiling its ~200 cell expressions then costs more than it saves: 8.8 s of a 22 s export of a
            # million lines went to inlining and optimising them. Local to this export's transaction.
            cursor.execute("SET LOCAL jit = off")
            with cursor.copy(sql, [*params, *joined_params]) as copy:
                for chunk in copy:
                    buffer += chunk
                    if len(buffer) >= CHUNK_BYTES:
                        yield bytes(buffer)
                        buffer.clear()
    if buffer:
        yield bytes(buffer)


def lines_csv(*, operation: Operation, kind: str, audience: str, language: str) -> Iterator[bytes]:
    """Every commodity line of the seizures the audience may see listed, one CSV row each, streamed.

    Memory stays constant: chunks are yielded as rows are fetched (PostgreSQL streams them with ``COPY``;
    other databases through a chunked cursor). Rows follow seizure reference, then line position. The header
    row holds the labels in ``language``; scripts should rely on the column order, whose machine keys are:

    ``reference, status, country, occurred_at, place, direction, transport_mode, mea, hs_code, hs_national,
    description, quantity, unit, kg, m3, pieces, waste_code, ods_substance, odp_tonnes, co2e_tonnes,
    equipment_pieces, species, cites_appendix, cites_term, live_count, surviving, disposal, route, origin,
    destination, case, counted, persons, companies``

    Codes stay codes (status, direction, transport mode, disposal: as the API has them; ``country`` is ISO 3166
    alpha-2; ``place`` is the port code, else the UN/LOCODE, else the place name; ``unit`` blank means
    specimens). ``route`` is the chain ``IT origin > ES transit > NG discovery``; ``origin`` the first origin or
    export leg, ``destination`` the first destination leg, else the discovery country. ``case`` names the
    shipment when several administrations reported it, and ``counted`` is 1 for the one report that stands for
    it in the totals (and for every report not linked to another): summing counted rows gives the report's
    totals, as far as the audience's rows reach. Who was involved appears only as the number of persons and
    companies: never a name or any other nominal data.
    """
    if connection.vendor == "postgresql":
        yield from _copy_lines(operation=operation, kind=kind, audience=audience, language=language)
    else:
        yield from _python_lines(operation=operation, kind=kind, audience=audience, language=language)


# --- aggregate tables ------------------------------------------------------------------------


def table_csv(table: dict[str, Any]) -> bytes:
    """One table of a dataset (``data["tables"][key]``), headed by its column labels in the dataset's language."""
    lines = [_csv_line(neutralised(str(column["label"])) for column in table["columns"])]
    lines += [_csv_line(_table_cell(value) for value in row) for row in table["rows"]]
    return (BOM + "".join(lines)).encode()


def _key_figures_table(data: dict[str, Any]) -> dict[str, Any]:
    """The key figures in the shape of a dataset table, labelled in the dataset's language."""
    with translation.override(data.get("language") or "en"):
        return {
            "key": "key_figures",
            "title": str(KEY_FIGURES_TITLE),
            "columns": [
                {"key": "figure", "label": str(LABELS["figure"])},
                {"key": "value", "label": str(LABELS["value"])},
                {"key": "code", "label": str(LABELS["code"])},
            ],
            "rows": [[figure["label"], figure["value"], figure["key"]] for figure in data["key_figures"]],
        }


def key_figures_csv(data: dict[str, Any]) -> bytes:
    """The dataset's key figures: label, value, and the figure's machine key last."""
    return table_csv(_key_figures_table(data))


# --- workbook --------------------------------------------------------------------------------


def _sheet_title(title: str, taken: set[str]) -> str:
    """A title Excel accepts: at most 31 characters, none of ``[]:*?/\\``, unique whatever the case."""
    base = " ".join(SHEET_TITLE_FORBIDDEN.sub(" ", title).split())[:SHEET_TITLE_MAX].strip(" '") or "Sheet"
    candidate, number = base, 1
    while candidate.lower() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = base[: SHEET_TITLE_MAX - len(suffix)].strip(" '") + suffix
    taken.add(candidate.lower())
    return candidate


def _xlsx_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return neutralised(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def _width(values: Iterable[Any]) -> float:
    return min(60, max((len(str(value)) for value in values if value is not None), default=0) + 2)


def workbook_xlsx(data: dict[str, Any]) -> bytes:
    """The key figures, then one sheet per table of the dataset; headers bold and frozen, numbers as numbers."""
    workbook = Workbook(write_only=True)
    taken = {"history"}  # Excel reserves it
    bold = Font(bold=True)
    for table in [_key_figures_table(data), *data["tables"].values()]:
        sheet = workbook.create_sheet(_sheet_title(str(table["title"]), taken))
        for index, column in enumerate(table["columns"]):
            values = [column["label"], *(row[index] for row in table["rows"])]
            sheet.column_dimensions[get_column_letter(index + 1)].width = max(8, _width(values))
        sheet.freeze_panes = "A2"
        header = []
        for column in table["columns"]:
            cell = WriteOnlyCell(sheet, value=_xlsx_value(str(column["label"])))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in table["rows"]:
            sheet.append([_xlsx_value(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
