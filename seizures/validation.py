"""The rules a seizure message is held to: hard errors per field, and soft findings for the V-OCU.

Forms and serializers check shape (types, lengths, choices). This module resolves codes against
reference data and applies the domain rules, collecting every error at once under a dotted field
name (``occurred_at``, ``lines.0.hs_code``, ``route.2.country``) so the API and the form can put
each message beside its field.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import freightid
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Administration
from operations.models import Operation
from reference.choices import Dimension, Topic
from reference.models import CitesTerm, Country, HsCode, Mea, MeaHsLink, OdsSubstance, Port, Unit, WasteCode
from reference.normalise import normalise_quantity

from .choices import Finding, HandlingCode, RouteRole, SeizureStatus
from .models import CommodityLine, Seizure

#: Above this many tonnes a single line is flagged whatever the history says (DEMETER IV's slag was ~180,000 t).
ABSOLUTE_UNUSUAL_TONNES = Decimal(50_000)
#: A line weighing this many times the average for its HS heading is flagged, once there is a history.
UNUSUAL_FACTOR = Decimal(20)
UNUSUAL_MIN_HISTORY = 5
#: Units of length and area fit only goods measured that way (timber, skins, fabrics).
LENGTH_AREA_CHAPTERS = {"41", "43", "44", "50", "51", "52", "53", "54", "55"}
HS_INPUT = re.compile(r"^[0-9]{4}(?:[0-9]{2}(?:[0-9]{2,4})?)?$")
LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")

HEADER_FIELDS = [
    "occurred_at", "place_locode", "place_name", "place_function", "latitude", "longitude", "direction",
    "transport_mode", "vessel_name", "vessel_imo", "flight", "vehicle_registration", "containers",
    "transport_document", "detection_methods", "concealment_methods", "reasons", "actions_taken", "narrative",
    "handling_code",
]  # fmt: skip
#: Template field (operations.choices.TEMPLATE_FIELDS) -> the seizure fields that carry it.
TEMPLATE_FIELD_MAP = {
    "place": ["place_port", "place_locode", "place_name", "latitude"],
    "direction": ["direction"],
    "transport_mode": ["transport_mode"],
    "vessel": ["vessel_name", "vessel_imo"],
    "flight": ["flight"],
    "vehicle": ["vehicle_registration"],
    "containers": ["containers"],
    "transport_document": ["transport_document"],
    "detection_methods": ["detection_methods"],
    "concealment_methods": ["concealment_methods"],
    "reasons": ["reasons"],
    "action_taken": ["actions_taken"],
    "narrative": ["narrative"],
    "photos": ["attachments"],
    "parties": ["parties"],
}


@dataclass
class CleanFiling:
    """A seizure message with every code resolved, ready to be written."""

    header: dict[str, Any]
    lines: list[dict[str, Any]]
    route: list[dict[str, Any]]
    parties: list[dict[str, Any]]
    shipment_keys: list[tuple[str, str]]
    findings: list[dict[str, Any]] = field(default_factory=list)


class Errors:
    """Collects field errors so one answer lists every problem."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[ValidationError]] = {}

    def add(self, name: str, message: str, code: str) -> None:
        self.by_field.setdefault(name, []).append(ValidationError(message, code=code))

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)  # type: ignore[arg-type]


def normalise_hs(raw: str) -> str:
    return re.sub(r"[\s.]", "", raw or "")


def normalise_identifier(raw: str) -> str:
    return re.sub(r"[\s\-./]", "", raw or "").upper()


def _lookup(model: type, code: str) -> Any:
    """A code list entry by its code, exactly or else ignoring case (``hfc-134A`` is ``HFC-134a``)."""
    if not code:
        return None
    manager = model.objects  # type: ignore[attr-defined]
    return manager.filter(pk=code).first() or manager.filter(pk__iexact=code).first()


def resolve_port(code: str) -> Port | None:
    """A port or airport by UN/LOCODE, ICAO or IATA code."""
    code = (code or "").strip().upper()
    if not code:
        return None
    return (
        Port.objects.filter(code=code).first()
        or Port.objects.filter(locode=code).first()
        or (Port.objects.filter(iata=code).first() if len(code) == 3 else None)
    )


class CodeBook:
    """Reference look-ups a validator makes, each asked of the database once.

    Reference data does not change while a filing or a file is validated, so a bulk import or a
    simulated operation shares one book across all its seizures: the same answers as asking per
    row, without a dozen queries for each. So does the history behind the unusual-quantity finding,
    since an import validates every row before it writes any.
    """

    def __init__(self) -> None:
        self._codes: dict[tuple[type, str], Any] = {}
        self._ports: dict[str, Port | None] = {}
        self._ports_complete = False
        self._meas: dict[str, Mea | None] = {}
        self._hs: dict[str, HsCode | None] = {}
        self._links: dict[str, set[str]] = {}
        self._linked: dict[tuple[str, str], bool] = {}
        self._history: dict[tuple[str, int | None], dict[str, Any]] = {}

    def code(self, model: type, code: str) -> Any:
        key = (model, code)
        if key not in self._codes:
            found = _lookup(model, code)
            if model is CitesTerm and found is not None:
                found = CitesTerm.objects.select_related("preferred_unit", "alternative_unit").get(pk=found.pk)
            self._codes[key] = found
        return self._codes[key]

    def load_ports(self) -> None:
        """Every port at once, resolved as ``resolve_port`` resolves them: for files of thousands of seizures,
        whose places and route legs name hundreds of ports."""
        by_code: dict[str, Port] = {}
        by_locode: dict[str, Port] = {}
        by_iata: dict[str, Port] = {}
        for port in Port.objects.order_by("country", "name", "pk"):
            by_code[port.code] = port
            if port.locode:
                by_locode.setdefault(port.locode, port)
            if len(port.iata) == 3:
                by_iata.setdefault(port.iata, port)
        for code in by_iata:
            self._ports[code] = by_iata[code]
        for code in by_locode:
            self._ports[code] = by_locode[code]
        for code in by_code:
            self._ports[code] = by_code[code]
        self._ports_complete = True

    def port(self, code: str) -> Port | None:
        if code not in self._ports:
            if self._ports_complete and code == code.strip().upper():
                return None
            self._ports[code] = resolve_port(code)
        return self._ports[code]

    def mea(self, code: str) -> Mea | None:
        if code not in self._meas:
            self._meas[code] = Mea.objects.filter(code__iexact=code).first()
        return self._meas[code]

    def hs_code(self, code: str) -> HsCode | None:
        if code not in self._hs:
            self._hs[code] = HsCode.objects.filter(code=code).first()
        return self._hs[code]

    def hs_linked(self, mea: Mea, hs: HsCode) -> bool:
        """Whether the MEA usually covers the HS code (any code does when the MEA lists none)."""
        key = (mea.pk, hs.code)
        if key not in self._linked:
            if mea.pk not in self._links:
                self._links[mea.pk] = set(MeaHsLink.objects.filter(mea=mea).values_list("hs_code_id", flat=True))
            links = self._links[mea.pk]
            self._linked[key] = not links or any(hs.code.startswith(code) or code.startswith(hs.code) for code in links)
        return self._linked[key]

    def heading_history(self, heading: str, seizure_id: int | None) -> dict[str, Any]:
        """Average kilograms and count of the live lines already filed under an HS heading."""
        key = (heading, seizure_id)
        if key not in self._history:
            lines = CommodityLine.objects.filter(hs_code__code__startswith=heading, kg__isnull=False).exclude(
                seizure__status__in=[SeizureStatus.DRAFT, SeizureStatus.WITHDRAWN]
            )
            if seizure_id is not None:
                lines = lines.exclude(seizure_id=seizure_id)
            self._history[key] = lines.aggregate(average=Avg("kg"), count=Count("id"))
        return self._history[key]


def operation_scope(operation: Operation) -> tuple[set[str], list[str]]:
    """The MEA codes and HS prefixes an operation covers, as the validator checks them."""
    return (
        set(operation.scope_meas.values_list("code", flat=True)),
        list(operation.scope_hs_codes.values_list("code", flat=True)),
    )


class FilingValidator:
    """Validates one filing for one administration in one operation."""

    def __init__(
        self,
        *,
        operation: Operation,
        administration: Administration,
        data: dict[str, Any],
        seizure: Seizure | None = None,
        codes: CodeBook | None = None,
        scope: tuple[set[str], list[str]] | None = None,
    ) -> None:
        self.operation = operation
        self.codes = codes or CodeBook()
        self.seizure_id = seizure.pk if seizure is not None else None
        self.administration = administration
        self.data = data
        self.errors = Errors()
        self.findings: list[dict[str, Any]] = []
        rules = operation.field_rules or {}
        self.required = {name for name, rule in rules.items() if rule == "required"}
        self.hidden = {name for name, rule in rules.items() if rule == "hidden"}
        if scope is None:
            scope = operation_scope(operation)
        self.scope_meas, self.scope_hs = scope

    # --- entry point --------------------------------------------------------------------

    def clean(self) -> CleanFiling:
        if not self.operation.accepts_reports:
            self.errors.add(
                "operation",
                _("Operation %(code)s does not accept seizure reports now: it is %(status)s.")
                % {"code": self.operation.code, "status": self.operation.get_status_display().lower()},
                "not_accepting",
            )
        header = self._header()
        lines = [self._line(index, raw) for index, raw in enumerate(self.data.get("lines") or [])]
        if not lines:
            self.errors.add("lines", _("Report at least one commodity line."), "required")
        route = self._route(self.data.get("route") or [])
        parties = [self._party(index, raw) for index, raw in enumerate(self.data.get("parties") or [])]
        self._template(header, parties)
        self.errors.raise_if_any()
        keys = [("container", number) for number in header["containers"]]
        if header["transport_document"]:
            keys.append(("transport_document", normalise_identifier(header["transport_document"])))
        return CleanFiling(
            header=header,
            lines=lines,
            route=route,
            parties=parties,
            shipment_keys=keys,
            findings=self.findings,
        )

    def _finding(self, code: str, field_name: str, detail: str = "") -> None:
        self.findings.append({"code": code, "field": field_name, "detail": detail})

    # --- the seizure itself -------------------------------------------------------------

    def _header(self) -> dict[str, Any]:
        data = self.data
        header: dict[str, Any] = {name: data.get(name) for name in HEADER_FIELDS}
        for name in ("containers", "detection_methods", "concealment_methods", "reasons", "actions_taken"):
            header[name] = list(dict.fromkeys(header[name] or []))
        for name, value in header.items():
            if value is None and name not in ("occurred_at", "latitude", "longitude"):
                header[name] = ""
        header["handling_code"] = header["handling_code"] or HandlingCode.AMBER
        occurred_at: datetime | None = header["occurred_at"]
        if occurred_at is None:
            self.errors.add("occurred_at", _("Give the date and time of the seizure."), "required")
        else:
            if occurred_at > timezone.now():
                self.errors.add("occurred_at", _("The seizure date cannot be in the future."), "future")
            elif not self.operation.starts_at <= occurred_at <= self.operation.ends_at:
                self.errors.add(
                    "occurred_at",
                    _("The seizure date must fall within the operation's window, %(start)s to %(end)s.")
                    % {
                        "start": self.operation.starts_at.strftime("%Y-%m-%d %H:%M UTC"),
                        "end": self.operation.ends_at.strftime("%Y-%m-%d %H:%M UTC"),
                    },
                    "outside_window",
                )
        self._place(header)
        imo = normalise_identifier(header["vessel_imo"]).removeprefix("IMO")
        if imo:
            result = freightid.validate_imo(imo)
            if not result["valid"]:
                self.errors.add("vessel_imo", self._identifier_message(result, _("IMO number")), "invalid_imo")
        header["vessel_imo"] = imo
        containers = []
        for number in header["containers"]:
            normalised = normalise_identifier(number)
            result = freightid.validate_container(normalised)
            if not result["valid"]:
                self.errors.add(
                    "containers",
                    _("%(number)s: %(reason)s")
                    % {"number": number, "reason": self._identifier_message(result, _("container number"))},
                    "invalid_container",
                )
            containers.append(normalised)
        header["containers"] = list(dict.fromkeys(containers))
        header["transport_document"] = header["transport_document"].strip()
        if header["reasons"] and not self._has_waste():
            self.errors.add(
                "reasons", _("Basel Article 9 reasons apply to waste: add a waste line or leave them out."), "not_waste"
            )
        return header

    @staticmethod
    def _identifier_message(result: dict[str, Any], label: str) -> str:
        if result.get("reason") == "bad_check_digit":
            detail = result.get("detail") or {}
            return _("The %(label)s check digit is wrong (expected %(expected)s, given %(given)s).") % {
                "label": label,
                "expected": detail.get("check_digit_expected"),
                "given": detail.get("check_digit_given"),
            }
        if label == _("IMO number"):
            return _("An IMO number has seven digits, such as IMO 9321483.")
        return _("A container number has four letters and seven digits, such as CSQU 305438 3.")

    def _place(self, header: dict[str, Any]) -> None:
        port_code = (self.data.get("place_port") or "").strip()
        port = self.codes.port(port_code.upper())
        if port_code and port is None:
            self.errors.add(
                "place_port", _("No port or airport has the code %(code)s.") % {"code": port_code}, "unknown"
            )
        header["place_port"] = port
        locode = normalise_identifier(header["place_locode"])
        if locode:
            result = freightid.validate_unlocode(locode)
            if not LOCODE.match(locode) or not result["valid"]:
                self.errors.add(
                    "place_locode",
                    _("A UN/LOCODE is a country code and three letters or digits, such as FRLEH."),
                    "invalid_locode",
                )
            elif locode[:2] != self.administration.country_id:
                self.errors.add(
                    "place_locode",
                    _("The place of seizure must be in your country (%(country)s).")
                    % {"country": self.administration.country_id},
                    "foreign_place",
                )
        header["place_locode"] = locode
        if port is not None:
            if port.country_id != self.administration.country_id:
                self.errors.add(
                    "place_port",
                    _("The place of seizure must be in your country (%(country)s).")
                    % {"country": self.administration.country_id},
                    "foreign_place",
                )
            header["place_locode"] = header["place_locode"] or port.locode
        if (header["latitude"] is None) != (header["longitude"] is None):
            self.errors.add("longitude", _("Give both latitude and longitude, or neither."), "incomplete")

    def _has_waste(self) -> bool:
        return any(
            (raw.get("waste_code") or "").strip() or (raw.get("mea") or "").strip().upper() == "BASEL"
            for raw in self.data.get("lines") or []
        )

    def _template(self, header: dict[str, Any], parties: list[dict[str, Any]]) -> None:
        """The operation's template: required fields must be filled, hidden ones left out."""
        values = {**header, "parties": parties, "attachments": self.data.get("attachments") or []}
        for template_field in sorted(self.required):
            if template_field == "parties" and self.data.get("parties") is None:
                continue  # an update that leaves the parties as they are
            if template_field == "reasons" and not self._has_waste():
                continue  # Basel Article 9 reasons concern waste only
            names = TEMPLATE_FIELD_MAP.get(template_field, [])
            if names and not any(values.get(name) for name in names):
                self.errors.add(names[0], _("This operation requires this field."), "required_by_operation")
        for template_field in sorted(self.hidden):
            for name in TEMPLATE_FIELD_MAP.get(template_field, []):
                if values.get(name):
                    self.errors.add(name, _("This operation does not collect this field."), "hidden_by_operation")

    # --- commodity lines ------------------------------------------------------------------

    def _line(self, index: int, raw: dict[str, Any]) -> dict[str, Any]:
        prefix = f"lines.{index}."
        errors = self.errors
        line: dict[str, Any] = {"position": index + 1}
        mea_code = (raw.get("mea") or "").strip()
        mea = self.codes.mea(mea_code) if mea_code else None
        if not mea_code:
            errors.add(prefix + "mea", _("Choose the MEA concerned."), "required")
        elif mea is None:
            errors.add(prefix + "mea", _("Unknown MEA %(code)s.") % {"code": mea_code}, "unknown")
        line["mea"] = mea
        hs_raw = normalise_hs(raw.get("hs_code") or "")
        hs = None
        if not hs_raw:
            errors.add(prefix + "hs_code", _("Give the HS code."), "required")
        elif not HS_INPUT.match(hs_raw):
            errors.add(
                prefix + "hs_code",
                _("An HS code has 4 or 6 digits, optionally followed by 2 to 4 national digits."),
                "invalid_hs",
            )
        else:
            hs = self.codes.hs_code(hs_raw[:6] if len(hs_raw) >= 6 else hs_raw)
            if hs is None:
                errors.add(
                    prefix + "hs_code",
                    _("%(code)s is not a heading or subheading of HS 2022.") % {"code": hs_raw[:6]},
                    "unknown_hs",
                )
        line["hs_code"] = hs
        line["hs_national"] = hs_raw if len(hs_raw) > 6 else ""
        description = (raw.get("description") or "").strip()
        if not description:
            errors.add(prefix + "description", _("Describe the goods."), "required")
        line["description"] = description
        quantity = raw.get("quantity")
        if quantity is None:
            errors.add(prefix + "quantity", _("Give the quantity."), "required")
        elif Decimal(quantity) <= 0:
            errors.add(prefix + "quantity", _("The quantity must be greater than zero."), "not_positive")
        line["quantity"] = quantity
        unit_code = (raw.get("unit") or "").strip().upper()
        unit = self.codes.code(Unit, unit_code) if unit_code else None
        if unit_code and unit is None:
            errors.add(prefix + "unit", _("Unknown unit %(code)s.") % {"code": unit_code}, "unknown")
        line["unit"] = unit
        line["waste_code"] = self._code(prefix + "waste_code", WasteCode, raw.get("waste_code"), upper=True)
        line["ods_substance"] = self._code(prefix + "ods_substance", OdsSubstance, raw.get("ods_substance"))
        line["cites_term"] = self._code(prefix + "cites_term", CitesTerm, raw.get("cites_term"), upper=True)
        for name in ("species", "cites_appendix", "disposal"):
            line[name] = (raw.get(name) or "").strip()
        for name in ("equipment_pieces", "live_count", "surviving_count"):
            line[name] = raw.get(name)
        if (
            line["live_count"] is not None
            and line["surviving_count"] is not None
            and (line["surviving_count"] > line["live_count"])
        ):
            errors.add(
                prefix + "surviving_count",
                _("Survivors cannot outnumber the animals alive at seizure."),
                "too_many_survivors",
            )
        self._unit_fits(prefix, line, unit_code)
        if mea is not None:
            self._domain_fields(prefix, mea, line)
        if mea is not None and hs is not None:
            self._line_findings(prefix, mea, hs, line)
        self._normalise(line)
        return line

    def _code(self, name: str, model: type, raw: Any, *, upper: bool = False) -> Any:
        code = (raw or "").strip()
        if upper:
            code = code.upper()
        found = self.codes.code(model, code) if code else None
        if code and found is None:
            self.errors.add(name, _("Unknown code %(code)s.") % {"code": code}, "unknown")
        return found

    def _unit_fits(self, prefix: str, line: dict[str, Any], unit_code: str) -> None:
        unit: Unit | None = line["unit"]
        mea: Mea | None = line["mea"]
        term: CitesTerm | None = line["cites_term"]
        hs: HsCode | None = line["hs_code"]
        if unit is None:
            if not unit_code and not (mea is not None and mea.topic == Topic.SPECIES):
                self.errors.add(
                    prefix + "unit",
                    _("Give a unit. Only species may be counted as specimens without one."),
                    "required",
                )
            return
        if unit.dimension in (Dimension.LENGTH, Dimension.AREA):
            if hs is not None and hs.code[:2] not in LENGTH_AREA_CHAPTERS:
                self.errors.add(
                    prefix + "unit",
                    _("%(unit)s measures length or area, which does not fit HS %(code)s: use a mass, volume or count.")
                    % {"unit": unit.code, "code": hs.code},
                    "unit_mismatch",
                )
            return
        if term is not None and (term.preferred_unit_id or term.alternative_unit_id):
            fitting: set[str] = {Dimension.COUNT}
            for option in (term.preferred_unit, term.alternative_unit):
                if option is not None:
                    fitting.add(option.dimension)
            if unit.dimension not in fitting:
                self.errors.add(
                    prefix + "unit",
                    _("%(term)s is reported in %(units)s, not in %(unit)s.")
                    % {
                        "term": term.code,
                        "units": ", ".join(
                            unit.code for unit in (term.preferred_unit, term.alternative_unit) if unit is not None
                        ),
                        "unit": unit.code,
                    },
                    "unit_mismatch",
                )
        if line["ods_substance"] is not None and unit.dimension not in (
            Dimension.MASS,
            Dimension.VOLUME,
            Dimension.COUNT,
        ):
            self.errors.add(
                prefix + "unit",
                _("An ozone-depleting substance is reported by mass or volume."),
                "unit_mismatch",
            )

    def _domain_fields(self, prefix: str, mea: Mea, line: dict[str, Any]) -> None:
        """Fields that belong to one kind of commodity only."""
        if line["waste_code"] is not None and mea.topic != Topic.HAZARDOUS:
            self.errors.add(prefix + "waste_code", _("A Basel code belongs on a waste line."), "not_waste")
        if line["ods_substance"] is not None and mea.topic != Topic.OZONE:
            self.errors.add(
                prefix + "ods_substance",
                _("An ODS substance belongs on a Montreal Protocol line."),
                "not_ods",
            )
        species_fields = ("species", "cites_appendix", "cites_term", "live_count", "surviving_count")
        if mea.topic != Topic.SPECIES:
            for name in species_fields:
                if line[name] not in (None, ""):
                    self.errors.add(prefix + name, _("This field is for species lines only."), "not_species")
        if line["surviving_count"] is not None and line["live_count"] is None:
            self.errors.add(prefix + "live_count", _("Give how many were alive at seizure."), "required")

    def _line_findings(self, prefix: str, mea: Mea, hs: HsCode, line: dict[str, Any]) -> None:
        if not self.codes.hs_linked(mea, hs):
            self._finding(Finding.HS_NOT_LINKED, prefix + "hs_code", f"{hs.code} / {mea.code}")
        if self.scope_meas and mea.code not in self.scope_meas:
            self._finding(Finding.MEA_OUT_OF_SCOPE, prefix + "mea", mea.code)
        if self.scope_hs and not any(hs.code.startswith(code) for code in self.scope_hs):
            self._finding(Finding.HS_OUT_OF_SCOPE, prefix + "hs_code", hs.code)

    def _normalise(self, line: dict[str, Any]) -> None:
        quantity = line["quantity"]
        unit: Unit | None = line["unit"]
        line.update(kg=None, m3=None, pieces=None, odp_tonnes=None, co2e_tonnes=None)
        if quantity is None or Decimal(quantity) <= 0:
            return
        quantity = Decimal(quantity)
        if unit is None:
            line["pieces"] = quantity
        else:
            normalised = normalise_quantity(quantity, unit)
            line.update(kg=normalised.kg, m3=normalised.m3, pieces=normalised.pieces)
        substance: OdsSubstance | None = line["ods_substance"]
        if substance is not None and line["kg"] is not None:
            tonnes = line["kg"] / 1000
            line["odp_tonnes"] = (tonnes * substance.odp).quantize(Decimal("0.000001"))
            if substance.gwp:
                line["co2e_tonnes"] = (tonnes * substance.gwp).quantize(Decimal("0.000001"))
        hs: HsCode | None = line["hs_code"]
        if line["kg"] is not None and hs is not None:
            self._weight_finding(line, hs)

    def _weight_finding(self, line: dict[str, Any], hs: HsCode) -> None:
        kg: Decimal = line["kg"]
        field_name = f"lines.{line['position'] - 1}.quantity"
        if kg / 1000 > ABSOLUTE_UNUSUAL_TONNES:
            self._finding(Finding.QUANTITY_UNUSUAL, field_name, f"{kg / 1000:.0f} t")
            return
        history = self.codes.heading_history(hs.code[:4], self.seizure_id)
        if history["count"] >= UNUSUAL_MIN_HISTORY and history["average"]:
            average = Decimal(history["average"])
            if kg > average * UNUSUAL_FACTOR:
                self._finding(Finding.QUANTITY_UNUSUAL, field_name, f"{kg:.0f} kg / {average:.0f} kg")

    # --- route and parties ---------------------------------------------------------------

    def _route(self, raw_legs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not raw_legs:
            self.errors.add("route", _("Give at least one route leg: the country of discovery."), "required")
            return []
        legs: list[dict[str, Any]] = []
        for index, raw in enumerate(raw_legs):
            prefix = f"route.{index}."
            code = (raw.get("country") or "").strip().upper()
            country = self.codes.code(Country, code) if code else None
            if not code:
                self.errors.add(prefix + "country", _("Give the country."), "required")
            elif country is None:
                self.errors.add(prefix + "country", _("Unknown country code %(code)s.") % {"code": code}, "unknown")
            port_code = (raw.get("place_port") or "").strip()
            port = self.codes.port(port_code.upper())
            if port_code and port is None:
                self.errors.add(
                    prefix + "place_port",
                    _("No port or airport has the code %(code)s.") % {"code": port_code},
                    "unknown",
                )
            if port is not None and country is not None and port.country_id != country.pk:
                self.errors.add(
                    prefix + "place_port",
                    _("%(port)s is not in %(country)s.") % {"port": port.code, "country": country.pk},
                    "port_country",
                )
            role = raw.get("role") or ""
            if not role:
                self.errors.add(prefix + "role", _("Choose the role of this leg."), "required")
            legs.append(
                {
                    "position": index + 1,
                    "role": role,
                    "country": country,
                    "place_port": port,
                    "place_name": (raw.get("place_name") or "").strip(),
                }
            )
        discoveries = [(index, leg) for index, leg in enumerate(legs) if leg["role"] == RouteRole.DISCOVERY]
        reporter = self.administration.country_id
        if not discoveries:
            self.errors.add(
                "route",
                _("Mark the leg where the goods were discovered: it is your country (%(country)s).")
                % {"country": reporter},
                "no_discovery",
            )
        elif len(discoveries) > 1:
            self.errors.add("route", _("A route has one place of discovery."), "several_discoveries")
        else:
            index, leg = discoveries[0]
            if leg["country"] is not None and leg["country"].pk != reporter:
                self.errors.add(
                    f"route.{index}.country",
                    _("The country of discovery is the reporting country (%(country)s).") % {"country": reporter},
                    "discovery_not_reporter",
                )
        origins = [index for index, leg in enumerate(legs) if leg["role"] == RouteRole.ORIGIN]
        if origins and origins[0] != 0:
            self.errors.add(f"route.{origins[0]}.role", _("The origin comes first in the route."), "origin_not_first")
        return legs

    def _party(self, index: int, raw: dict[str, Any]) -> dict[str, Any]:
        prefix = f"parties.{index}."
        name = (raw.get("name") or "").strip()
        if not name:
            self.errors.add(prefix + "name", _("Give the name."), "required")
        nationality = self._code(prefix + "nationality", Country, raw.get("nationality"), upper=True)
        kind = raw.get("kind") or ""
        if kind == "company" and (raw.get("date_of_birth") or nationality is not None or raw.get("document_number")):
            self.errors.add(
                prefix + "kind",
                _("A company has a registration number, not a date of birth, nationality or identity document."),
                "company_fields",
            )
        date_of_birth = raw.get("date_of_birth")
        if date_of_birth is not None and date_of_birth > timezone.now().date():
            self.errors.add(prefix + "date_of_birth", _("The date of birth cannot be in the future."), "future")
        return {
            "kind": kind,
            "role": raw.get("role") or "",
            "name": name,
            "date_of_birth": date_of_birth,
            "nationality": nationality,
            "document_number": (raw.get("document_number") or "").strip(),
            "registration_number": (raw.get("registration_number") or "").strip(),
            "address": (raw.get("address") or "").strip(),
        }
