"""Realistic seizure filings, generated from a seed, for demos, rehearsals and load tests.

Every filing goes through ``services.seizure_create`` as an officer (or, failing one, the national
contact point) of a participating administration would file it, and the operation's coordinator then
reviews part of them, so simulated data passes the same rules and produces the same events, posts,
versions and same-shipment cases as real reports. The catalogues follow what DEMETER, Sky-Hole Patching
and Thunder debriefs describe: e-waste and end-of-life vehicles leave Europe and North America for West
Africa and Asia, refrigerant cylinders leave East Asia for the Middle East, Africa and South America,
and ivory, pangolin scales and live animals leave Africa for Asia through Middle East hubs.
"""

import logging
import math
import random
from bisect import bisect
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Administration, User
from operations.choices import ParticipationRole, ParticipationStatus
from operations.models import Operation, Participation
from reference.choices import PortKind, TransportMode
from reference.models import Country, OdsSubstance, Port

from . import selectors, services
from .bulk import BulkFiling, seizures_write_bulk
from .choices import Direction, PlaceFunction, RouteRole, SeizureStatus
from .models import Seizure
from .validation import TEMPLATE_FIELD_MAP, CodeBook, FilingValidator, operation_scope

logger = logging.getLogger(__name__)

WASTE, ODS, WILDLIFE = "waste", "ods", "wildlife"
DOMAIN_MEA = {WASTE: "BASEL", ODS: "MONTREAL", WILDLIFE: "CITES"}
#: How often each kind of seizure comes up when an operation covers them all (DEMETER IX: waste first).
DOMAIN_WEIGHT = {WASTE: 0.55, ODS: 0.25, WILDLIFE: 0.2}
SEA, ROAD, AIR = TransportMode.SEA.value, TransportMode.ROAD.value, TransportMode.AIR.value


class SimulationError(Exception):
    """The operation cannot be simulated as asked (nobody may file, or its template cannot be met)."""


# --- Catalogues ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    """A trafficking pattern: where goods start, the hubs they pass and where they are bound."""

    sources: tuple[str, ...]
    hubs: tuple[str, ...]
    destinations: tuple[str, ...]
    weight: float = 1.0
    exports: tuple[str, ...] = ()  # gateways through which goods from the sources leave (Rotterdam, Douala)

    def countries(self) -> set[str]:
        return {*self.sources, *self.hubs, *self.destinations}


@dataclass(frozen=True)
class Commodity:
    """One kind of seized goods with the codes and the quantities real reports give for it.

    Quantities are drawn log-normally around ``median`` (in ``unit``, or in packs when ``pack_kg``
    is set: cylinders or pre-charged units) and clipped to ``low``..``high``.
    """

    key: str
    domain: str
    hs_code: str
    description: str
    unit: str  # "" means number of specimens
    median: float
    low: float
    high: float
    sigma: float = 0.9
    decimals: int = 1
    weight: float = 1.0
    waste_code: str = ""
    ods_substance: str = ""
    pack_kg: float = 0.0  # kg per cylinder, or per pre-charged unit when ``equipment``
    equipment: bool = False
    species: tuple[tuple[str, str], ...] = ()  # (scientific name, CITES appendix)
    cites_term: str = ""
    live: bool = False
    flows: str = ""  # key in FLOWS; the domain's when blank
    air_below: float = 0.0  # quantities up to this travel by air when they can
    covers: tuple[str, ...] = ("general cargo",)
    disposals: tuple[str, ...] = ("evidence",)

    @property
    def mea(self) -> str:
        return DOMAIN_MEA[self.domain]

    @property
    def flow_key(self) -> str:
        return self.flows or self.domain


WESTERN_EUROPE = ("NL", "BE", "DE", "FR", "GB", "IT", "ES", "IE", "DK", "AT")
EUROPEAN_GATEWAYS = ("NL", "BE", "DE", "FR", "ES", "IT")
WEST_AFRICA = ("NG", "GH", "CI", "TG", "BJ", "SN", "CM", "GN")
SOUTH_ASIA = ("IN", "PK", "BD")
SOUTH_EAST_ASIA = ("MY", "ID", "VN", "TH", "PH")
EAST_ASIA_MARKETS = ("CN", "HK", "VN", "TH", "MY", "LA", "KH", "SG")
MIDDLE_EAST_HUBS = ("AE", "QA", "TR", "OM")

FLOWS: dict[str, tuple[Flow, ...]] = {
    WASTE: (
        Flow(WESTERN_EUROPE, ("ES", "MA", "PT", "TR", "EG", "MT"), WEST_AFRICA, 5, exports=EUROPEAN_GATEWAYS),
        Flow(("NL", "BE", "DE", "FR", "GB", "IT", "PL"), ("AE", "EG", "LK", "TR"), SOUTH_ASIA, 2,
             exports=EUROPEAN_GATEWAYS),
        Flow(("US", "CA"), ("ES", "MA", "PA"), ("NG", "GH", "CI", "TG", "BJ"), 1.5),
        Flow(("US", "CA", "JP", "KR", "AU"), ("SG", "HK", "KR", "TW"), SOUTH_EAST_ASIA, 2),
        Flow(
            ("DE", "IT", "AT", "NL", "BE", "FR", "GB"),
            ("SI", "HR", "HU", "CZ", "SK", "RO", "BG"),
            ("UA", "TR", "RS", "BA", "MD", "GE"),
            1,
            exports=("DE", "AT", "IT"),
        ),
        Flow(("DE", "NL", "BE", "GB", "DK"), ("PL", "LT", "LV", "EE"), ("RU", "BY", "UA", "KZ"), 1, exports=("DE",)),
        Flow(("GB", "DE", "NL", "BE", "IT", "FR"), ("AE", "OM", "EG", "ES"), ("KE", "TZ", "MZ", "UG", "ZA"), 1.5,
             exports=EUROPEAN_GATEWAYS),
    ),
    ODS: (
        Flow(("CN", "HK", "IN"), ("AE", "SG", "MY", "OM"), ("SA", "JO", "KW", "IQ", "OM", "YE", "LB"), 3,
             exports=("HK",)),
        Flow(
            ("CN", "HK"),
            ("AE", "SG", "MY", "MA"),
            ("NG", "GH", "KE", "TZ", "EG", "DZ", "MA", "SN", "CI", "ZA", "MZ", "CM", "TG", "BJ", "TN"),
            3,
            exports=("HK",),
        ),
        Flow(("CN", "HK"), ("PA", "SG", "KR"), ("BR", "AR", "CL", "PE", "CO", "EC", "PY", "UY"), 2),
        Flow(("CN", "HK"), ("SG", "MY", "AE"), ("IN", "PK", "BD", "LK", "NP"), 1.5),
        Flow(
            ("TR", "UA", "RU", "CN", "BY"),
            ("UA", "TR", "BY", "KZ", "RO", "BG", "HU", "RU"),
            ("PL", "RO", "BG", "LT", "HU", "SK", "CZ", "DE", "LV", "EE", "SI", "HR"),
            1.5,
        ),
    ),
    WILDLIFE: (
        Flow(("CM", "CG", "CD", "GA", "CF", "NG", "CI", "GH", "GN", "LR"), (*MIDDLE_EAST_HUBS, "ET"),
             EAST_ASIA_MARKETS, 5, exports=("CM", "CG", "NG", "CI", "TG")),
        Flow(("KE", "TZ", "UG", "MZ", "ZM", "MW", "ZA", "AO"), ("AE", "QA", "ET", "OM", "TR"), EAST_ASIA_MARKETS, 3,
             exports=("KE", "TZ", "MZ")),
    ),
    "parrots": (
        Flow(("CD", "CM", "CG", "GA", "CI", "GN", "NG"), ("ET", "TR", "KE", "QA"), ("AE", "KW", "BH", "ZA", "SA"), 1),
    ),
    "madagascar": (Flow(("MG",), ("MU", "KE", "ET", "AE", "KM"), ("TH", "MY", "CN", "HK", "IN", "LK"), 1),),
    "sharks": (
        Flow(("EC", "PE", "MX", "BR", "ZA", "MZ", "LK", "YE", "ID", "ES"), ("SG", "AE", "PA", "MY"),
             ("HK", "CN", "VN"), 1),
    ),
    "rosewood": (
        Flow(("SN", "GM", "ML", "GH", "NG", "BJ", "TG", "GW", "CI", "SL"), ("MA", "ES", "AE", "SG", "TR"),
             ("CN", "VN", "HK", "IN"), 1),
    ),
}  # fmt: skip

WASTE_COVERS = ("second-hand goods", "used household goods", "personal effects", "spare parts", "scrap for recycling")
ODS_COVERS = (
    "HFC-134a",
    "R-410A refrigerant",
    "spare parts for air-conditioners",
    "cleaning solvent",
    "fire extinguishers",
)
WILDLIFE_COVERS = ("cashew nuts", "frozen fish", "sawn timber", "plastic granules", "personal effects", "dried cassava")
CYLINDER_KG = 13.6

CATALOGUE: tuple[Commodity, ...] = (
    # Waste (Basel): DEMETER's streams, tonnes or pieces.
    Commodity("weee", WASTE, "8549.91", "Mixed e-waste: untested computers, CRT monitors and mobile phones",
              "TNE", 12, 0.5, 400, weight=5, waste_code="A1180", covers=WASTE_COVERS,
              disposals=("returned", "pending", "evidence")),
    Commodity("crt_tv", WASTE, "8549.91", "Broken CRT television sets, unpackaged", "PCS", 150, 10, 3000,
              decimals=0, weight=2, waste_code="A1180", covers=WASTE_COVERS, disposals=("returned", "pending")),
    Commodity("fridges", WASTE, "8418.21", "End-of-life refrigerators with CFC-blown insulation foam", "PCS",
              60, 5, 1500, sigma=0.8, decimals=0, weight=2, waste_code="A1180", covers=WASTE_COVERS,
              disposals=("returned", "pending")),
    Commodity("pcb", WASTE, "8549.21", "Printed circuit boards for precious-metal recovery", "TNE", 6, 0.2, 120,
              weight=1, waste_code="A1180", covers=("scrap for recycling", "metal concentrates")),
    Commodity("assemblies", WASTE, "8549.39", "Dismantled electronic assemblies without hazardous components",
              "TNE", 8, 0.5, 200, weight=1, waste_code="B1110", covers=("spare parts", "scrap for recycling")),
    Commodity("cables", WASTE, "8549.99", "Waste copper cables insulated with PVC", "TNE", 15, 1, 300, weight=1,
              waste_code="A1190", covers=("copper scrap", "scrap for recycling")),
    Commodity("lead_acid", WASTE, "8549.11", "Spent lead-acid vehicle batteries, undrained", "TNE", 20, 1, 500,
              sigma=0.7, weight=3, waste_code="A1160", covers=("spare parts", "used batteries for reuse"),
              disposals=("returned", "pending", "evidence")),
    Commodity("batteries", WASTE, "8549.12", "Unsorted spent batteries containing lead, cadmium and mercury",
              "TNE", 5, 0.2, 80, weight=1, waste_code="A1170", covers=WASTE_COVERS),
    Commodity("elv", WASTE, "8703.23", "End-of-life vehicles, not depolluted (fluids and batteries in place)",
              "PCS", 8, 1, 300, sigma=0.8, decimals=0, weight=2, covers=("used vehicles", "second-hand goods"),
              disposals=("returned", "pending")),
    Commodity("vehicle_parts", WASTE, "8708.99", "Used vehicle parts (gearboxes, axles) contaminated with oil",
              "TNE", 18, 1, 400, sigma=0.8, weight=2, covers=("spare parts", "second-hand goods")),
    Commodity("tyres", WASTE, "4012.20", "Used tyres unfit for retreading", "TNE", 25, 2, 800, sigma=0.8,
              weight=2, waste_code="B3140", covers=("used tyres for reuse", "second-hand goods")),
    Commodity("metal_scrap", WASTE, "7204.49", "Ferrous scrap mixed with non-metallic residues", "TNE", 120, 10,
              20000, sigma=1.0, weight=2, waste_code="B1010", covers=("steel scrap", "raw materials")),
    Commodity("pe_film", WASTE, "3915.10", "Baled polyethylene film waste, contaminated", "TNE", 20, 1, 600,
              sigma=0.8, weight=1.5, waste_code="B3011", covers=("plastic raw material", "scrap for recycling")),
    Commodity("mixed_plastic", WASTE, "3915.90", "Mixed plastic waste, unsorted and contaminated", "TNE", 25, 1,
              1000, weight=2, waste_code="Y48", covers=("plastic raw material", "scrap for recycling")),
    Commodity("household", WASTE, "3825.10", "Household waste mixed with used textiles and packaging", "TNE", 20,
              1, 600, weight=1.5, waste_code="Y46", covers=("used clothing", "second-hand goods")),
    # Ozone-depleting substances and HFCs (Montreal Protocol): kg, cylinders and pre-charged equipment.
    Commodity("hcfc22", ODS, "2903.71", "HCFC-22 (R-22) in disposable cylinders", "KGM", 110, 5, 2500,
              weight=4, ods_substance="HCFC-22", pack_kg=CYLINDER_KG, covers=ODS_COVERS,
              disposals=("evidence", "destroyed", "pending")),
    Commodity("hfc134a", ODS, "2903.45", "HFC-134a (R-134a) in disposable cylinders", "KGM", 120, 5, 2500,
              weight=3, ods_substance="HFC-134a", pack_kg=CYLINDER_KG, covers=("spare parts", "cleaning solvent"),
              disposals=("evidence", "returned", "pending")),
    Commodity("cfc12", ODS, "2903.77", "CFC-12 (R-12) in cylinders", "KGM", 40, 2, 800, weight=2,
              ods_substance="CFC-12", pack_kg=CYLINDER_KG, covers=ODS_COVERS,
              disposals=("evidence", "destroyed")),
    Commodity("r404a", ODS, "3827.61", "R-404A refrigerant blend in cylinders", "KGM", 80, 5, 1500, weight=2,
              ods_substance="R-404A", pack_kg=10.9, covers=ODS_COVERS, disposals=("evidence", "returned")),
    Commodity("r410a", ODS, "3827.63", "R-410A refrigerant blend in cylinders", "KGM", 90, 5, 1500, weight=1.5,
              ods_substance="R-410A", pack_kg=11.3, covers=ODS_COVERS, disposals=("evidence", "returned")),
    Commodity("ac_hcfc22", ODS, "8415.10", "Split air-conditioners pre-charged with HCFC-22", "KGM", 200, 10,
              6000, weight=2, ods_substance="HCFC-22", pack_kg=1.2, equipment=True,
              covers=("household appliances", "air-conditioners charged with R-410A"),
              disposals=("returned", "evidence")),
    Commodity("ac_r410a", ODS, "8415.10", "Split air-conditioners pre-charged with R-410A", "KGM", 250, 10,
              6000, weight=1, ods_substance="R-410A", pack_kg=1.0, equipment=True,
              covers=("household appliances",), disposals=("returned", "evidence")),
    # Wildlife and timber (CITES): kg, specimens, live animals and m3.
    Commodity("ivory", WILDLIFE, "0507.10", "Raw elephant ivory tusks", "KIL", 300, 5, 7000, sigma=1.0,
              weight=3, species=(("Loxodonta africana", "I"), ("Loxodonta cyclotis", "I")), cites_term="TUS",
              air_below=120, covers=WILDLIFE_COVERS),
    Commodity("pangolin", WILDLIFE, "0507.90", "Pangolin scales in polypropylene sacks", "KIL", 800, 5, 12000,
              sigma=1.1, weight=3, cites_term="SCA", air_below=150, covers=WILDLIFE_COVERS,
              species=(("Phataginus tricuspis", "I"), ("Smutsia gigantea", "I"), ("Phataginus tetradactyla", "I"))),
    Commodity("parrots", WILDLIFE, "0106.32", "Live African grey parrots in crates", "", 80, 5, 600, sigma=0.8,
              decimals=0, weight=1.5, species=(("Psittacus erithacus", "I"),), cites_term="LIV", live=True,
              flows="parrots", air_below=math.inf, covers=("live poultry", "personal effects"),
              disposals=("rescue_centre",)),
    Commodity("tortoises", WILDLIFE, "0106.20", "Live tortoises packed in suitcases", "", 150, 10, 1500,
              sigma=0.8, decimals=0, weight=1,
              species=(("Astrochelys radiata", "I"), ("Astrochelys yniphora", "I")), cites_term="LIV", live=True,
              flows="madagascar", air_below=math.inf, covers=("personal effects", "clothing"),
              disposals=("rescue_centre",)),
    Commodity("shark_fins", WILDLIFE, "0305.71", "Dried shark fins", "KIL", 400, 10, 10000, weight=1.5,
              species=(("Sphyrna lewini", "II"), ("Carcharhinus falciformis", "II"), ("Alopias pelagicus", "II")),
              cites_term="FIN", flows="sharks", air_below=200, covers=("dried fish", "frozen fish")),
    Commodity("rosewood_logs", WILDLIFE, "4403.49", "Rosewood logs (kosso)", "CUM", 60, 5, 1500, sigma=0.8,
              weight=1.5, species=(("Pterocarpus erinaceus", "II"),), cites_term="TIM", flows="rosewood",
              covers=("sawn timber", "teak logs")),
    Commodity("rosewood_sawn", WILDLIFE, "4407.29", "Sawn rosewood planks", "CUM", 25, 2, 600, sigma=0.8,
              weight=1, species=(("Dalbergia maritima", "II"), ("Dalbergia baronii", "II")), cites_term="TIM",
              flows="madagascar", covers=("sawn timber", "furniture parts")),
)  # fmt: skip

#: International airports where seizures are made (IATA codes); a country without one falls back to another airport.
MAIN_AIRPORT_CODES = (
    "CDG ORY AMS BRU LGG FRA MUC LEJ MXP FCO MAD BCN LIS LHR LGW DUB WAW PRG BUD OTP SOF BTS LJU ZAG VNO RIX TLL "
    "LOS ABV KAN ACC ABJ DSS LFW COO DLA NSI LBV BZV PNR FIH BGF NBO MBA DAR JRO EBB JNB CPT MPM CMN ALG TUN CAI "
    "HKG PVG PEK CAN BOM DEL MAA KHI LHE DAC SGN HAN BKK KUL CGK MNL NRT ICN DXB AUH SHJ JED RUH AMM IST SVO ALA "
    "KBP GRU GIG EZE SCL DOH ADD SIN VTE PNH TNR CKY ROB JFK YYZ VIE ZRH LIM BOG UIO MEX CMB SAH KWI MCT BGW KTM "
    "RGN LUN HRE GAB WDH LAD BKO OUA NIA NDJ KRT KGL BJM LLW ATH ARN CPH HEL OSL LCA MLA LUX SYD AKL TPE BAH MRU "
    "BJL OXB FNA BEY PTY HYD BLR CCU KIX PUS TAS ASU MVD MSQ KIV GYD TBS EVN BEG SJJ HAH"
)
MAIN_AIRPORTS = frozenset(MAIN_AIRPORT_CODES.split())
CARRIERS = (  # (container owner code, SCAC used on bills of lading, vessel name prefix)
    ("MSCU", "MEDU", "MSC"), ("MSKU", "MAEU", "MAERSK"), ("CMAU", "CMDU", "CMA CGM"), ("HLXU", "HLCU", "HAPAG"),
    ("CSNU", "COSU", "COSCO"), ("EGHU", "EGLV", "EVER"), ("ONEU", "ONEY", "ONE"), ("YMLU", "YMLU", "YM"),
    ("ZIMU", "ZIMU", "ZIM"), ("OOLU", "OOLU", "OOCL"),
)  # fmt: skip
LESSOR_OWNERS = ("TGHU", "TCNU", "CAIU", "SEGU", "TRLU", "GESU", "FCIU")
VESSEL_WORDS = (
    "AURORA", "TAGE", "ESSEN", "GENOVA", "LAGOS", "HORIZON", "ATLAS", "MERIDIAN", "SIRIUS", "CORAL", "DELTA",
    "ORION", "VEGA", "PEARL", "HARMONY", "TRIUMPH", "LIBERTY", "ZENITH", "NOVA", "FORTUNE",
)  # fmt: skip
AIRLINES = (  # (IATA airline code, air waybill prefix)
    ("EK", "176"), ("QR", "157"), ("ET", "071"), ("TK", "235"), ("KQ", "706"), ("AF", "057"), ("KL", "074"),
    ("LH", "020"), ("SQ", "618"), ("CX", "160"), ("TG", "217"), ("MH", "232"), ("CZ", "784"), ("MU", "781"),
)  # fmt: skip
LEGAL_FORMS = {
    "DE": "GmbH", "AT": "GmbH", "NL": "B.V.", "BE": "BV", "FR": "SARL", "SN": "SARL", "CI": "SARL", "CM": "SARL",
    "IT": "S.r.l.", "ES": "S.L.", "PL": "Sp. z o.o.", "CN": "Co., Ltd", "HK": "Co., Ltd", "VN": "Co., Ltd",
    "AE": "FZE", "MY": "Sdn Bhd", "US": "LLC", "BR": "Ltda", "TR": "Ltd. Şti.",
}  # fmt: skip
COMPANY_WORDS = ("Global", "Atlas", "Sahel", "Delta", "Orient", "Green", "Horizon", "Eurasia", "Golden", "Crescent")
COMPANY_TRADES = ("Trading", "Recycling", "Logistics", "Import Export", "Metals", "Cooling", "General Merchandise")
FIRST_NAMES = ("Adebayo", "Kwame", "Jean-Paul", "Mohamed", "Li", "Minh", "Ahmed", "Samuel", "Ibrahim", "Chen",
               "Joseph", "Ali", "Emmanuel", "Wei", "Ousmane", "Peter", "Hassan", "Daniel")  # fmt: skip
LAST_NAMES = ("Okafor", "Mensah", "Diallo", "Kamara", "Wang", "Tran", "Haddad", "Schmidt", "Rossi", "Kovacs",
              "Novak", "Silva", "Mwangi", "Osei", "Traore", "Lin", "Yilmaz", "Petrov")  # fmt: skip
DETECTION = {
    "risk_profiling": "risk profiling", "intelligence": "intelligence", "document_check": "a document check",
    "physical_examination": "physical examination", "nii_scan": "an X-ray scan", "detector_dog": "a detector dog",
    "random": "a random check",
}  # fmt: skip
DETECTION_WEIGHTS = {
    WASTE: {"risk_profiling": 5, "physical_examination": 4, "document_check": 3, "nii_scan": 2, "intelligence": 2},
    ODS: {"risk_profiling": 4, "document_check": 4, "physical_examination": 3, "nii_scan": 2, "intelligence": 1},
    WILDLIFE: {"nii_scan": 4, "risk_profiling": 4, "intelligence": 3, "detector_dog": 2, "physical_examination": 3},
}
CONCEALMENT_WEIGHTS = {
    WASTE: {"misdeclaration": 6, "legal_cargo": 2, "none": 1},
    ODS: {"misdeclaration": 5, "false_labels": 3, "legal_cargo": 2},
    WILDLIFE: {"legal_cargo": 5, "misdeclaration": 3, "false_compartment": 1},
}
ACTIONS = {
    WASTE: ((("detained", "returned"), 4), (("seized",), 2), (("detained", "fined"), 2),
            (("seized", "criminal_case"), 1)),
    ODS: ((("seized",), 4), (("seized", "fined"), 3), (("detained", "returned"), 2), (("seized", "criminal_case"), 1)),
    WILDLIFE: ((("seized", "criminal_case"), 5), (("seized",), 3), (("seized", "fined"), 1)),
}  # fmt: skip
REASON_WEIGHTS = {"a": 6, "d": 3, "b": 2, "c": 1, "e": 1}
PLACE_PHRASES = {
    "Road border crossing": "a road border crossing",
    "Inland customs control": "an inland customs control",
}
INFO_QUESTIONS = {
    WASTE: "Please send photos of the container contents and say whether a Basel notification was presented.",
    ODS: "Please confirm the substance with a refrigerant identifier reading and send photos of the cylinder labels.",
    WILDLIFE: "Please confirm the species identification and send photos of the specimens.",
}


def _iso6346_values() -> dict[str, int]:
    values = {str(digit): digit for digit in range(10)}
    number = 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if number % 11 == 0:
            number += 1
        values[letter] = number
        number += 1
    return values


#: ISO 6346 values of the characters of a container number: digits for themselves, letters from 10 skipping 11s.
ISO6346_VALUES = _iso6346_values()


def _iso6346_remainder(prefix: str) -> int:
    return sum(ISO6346_VALUES[char] << index for index, char in enumerate(prefix)) % 11


def container_check_digit(prefix: str) -> int:
    """ISO 6346 check digit of an owner code, category letter and six-digit serial (``CSQU305438`` -> 3)."""
    return _iso6346_remainder(prefix) % 10


def imo_check_digit(six_digits: str) -> int:
    """IMO ship number check digit: the six digits weighted 7 to 2, last digit of the sum."""
    return sum(int(digit) * weight for digit, weight in zip(six_digits, range(7, 1, -1), strict=True)) % 10


def container_number(rng: random.Random, owner: str) -> str:
    """A container number of this owner with a valid check digit; serials whose remainder is 10 are
    skipped, as ISO 6346 advises owners to do."""
    while True:
        serial = f"{owner}{rng.randint(0, 999_999):06d}"
        if _iso6346_remainder(serial) != 10:
            return f"{serial}{container_check_digit(serial)}"


def imo_number(rng: random.Random) -> str:
    six = f"9{rng.randint(0, 99_999):05d}"
    return f"{six}{imo_check_digit(six)}"


# --- One filing ------------------------------------------------------------------------------


@dataclass
class Reporter:
    """An administration that may file in the operation, and the users who file for it."""

    administration: Administration
    country: str
    users: list[User]


@dataclass
class Planned:
    """A filing waiting to be filed, with what the simulation needs to know about it afterwards."""

    reporter: Reporter
    data: dict[str, Any]
    commodity: Commodity
    moment: float  # where in the window it happened, 0..1: filings are made in this order
    legs: list[tuple[str, str]] = field(default_factory=list)  # (country, role before discovery)
    discovery: int = 0
    mode: str = SEA
    twin: bool = False


class FilingGenerator:
    """Builds valid, realistic filings for one operation from one random stream."""

    def __init__(self, *, operation: Operation, rng: random.Random) -> None:
        self.operation = operation
        self.rng = rng
        rules = operation.field_rules or {}
        self.required = {name for name, rule in rules.items() if rule == "required"}
        self.hidden = {name for name, rule in rules.items() if rule == "hidden"}
        if "photos" in self.required:
            raise SimulationError(f"{operation.code} requires photos, which the simulation does not make.")
        scope = set(operation.scope_meas.values_list("code", flat=True))
        self.meas = scope or set(DOMAIN_MEA.values())
        self.scope_hs = list(operation.scope_hs_codes.values_list("code", flat=True))
        self.domains = [domain for domain, mea in DOMAIN_MEA.items() if mea in self.meas]
        # FilingValidator upper-cases substance codes before looking them up, so it refuses the
        # mixed-case ones (HFC-134a, HCFC-141b, Halon-1211): leave those out while it does.
        fileable = set(OdsSubstance.objects.values_list("code", flat=True))
        self.catalogue = [
            item for item in CATALOGUE if not item.ods_substance or item.ods_substance.upper() in fileable
        ]
        if "reasons" in self.required:
            # Basel reasons are refused on seizures without waste, so a template that requires them
            # leaves room for waste seizures only (ODS may still ride along in a waste seizure).
            self.domains = [domain for domain in self.domains if domain == WASTE]
        if not self.domains:
            raise SimulationError(
                f"{operation.code} covers {', '.join(sorted(self.meas))}: the simulation has catalogues for "
                f"{', '.join(sorted(DOMAIN_MEA.values()))} only (and only waste when Basel reasons are required)."
            )
        self.modes = {SEA, ROAD, AIR}
        if "containers" in self.required or "vessel" in self.required:
            self.modes.discard(AIR)
        for template_field, mode in (("vessel", SEA), ("flight", AIR), ("vehicle", ROAD)):
            if template_field in self.required:
                self.modes &= {mode}
        if not self.modes:
            raise SimulationError(f"{operation.code} requires conveyance fields of different transport modes.")
        self.seaports: dict[str, list[tuple[str, str]]] = {}
        for country, code, name in (
            Port.objects.filter(kind=PortKind.SEAPORT).order_by("code").values_list("country_id", "code", "name")
        ):
            self.seaports.setdefault(country, []).append((code, name))
        self.airports: dict[str, list[tuple[str, str]]] = {}
        for country, code, name in (
            Port.objects.filter(kind=PortKind.AIRPORT, iata__in=MAIN_AIRPORTS)
            .order_by("code")
            .values_list("country_id", "code", "name")
        ):
            self.airports.setdefault(country, []).append((code, name))
        self.names = dict(Country.objects.values_list("code", "name_en"))
        self._commodity_weights: dict[tuple[str, str], tuple[list[Commodity], list[float]]] = {}
        self.start, self.end = operation.starts_at, min(operation.ends_at, timezone.now() - timedelta(minutes=5))
        if self.end <= self.start:
            raise SimulationError(f"{operation.code} has no past moment inside its window to date seizures at.")

    # --- helpers ------------------------------------------------------------------------------

    def _weighted(self, options: Sequence[Any], weights: Sequence[float]) -> Any:
        """``rng.choices(options, weights)[0]``, drawing the same number from the stream, without its copies."""
        cumulative = list(accumulate(weights))
        return options[bisect(cumulative, self.rng.random() * (cumulative[-1] + 0.0), 0, len(options) - 1)]

    def _pick(self, options: Sequence[str], exclude: set[str]) -> str | None:
        allowed = [option for option in options if option not in exclude and option in self.names]
        return self.rng.choice(allowed) if allowed else None

    def _airport(self, country: str) -> tuple[str, str] | None:
        if country not in self.airports:
            fallback = (
                Port.objects.filter(kind=PortKind.AIRPORT, country_id=country)
                .exclude(iata="")
                .order_by("code")
                .values_list("code", "name")
                .first()
            )
            self.airports[country] = [fallback] if fallback else []
        options = self.airports[country]
        return self.rng.choice(options) if options else None

    def _port(self, country: str, mode: str) -> tuple[str, str] | None:
        if mode == SEA:
            options = self.seaports.get(country)
            return self.rng.choice(options) if options else None
        if mode == AIR:
            return self._airport(country)
        return None

    def _quantity(self, commodity: Commodity) -> tuple[Decimal, int | None]:
        """The quantity in the commodity's unit, and the packs (cylinders, units) it came in."""
        value = self.rng.lognormvariate(math.log(commodity.median), commodity.sigma)
        value = min(max(value, commodity.low), commodity.high)
        if commodity.pack_kg:
            packs = max(1, round(value))
            return Decimal(str(round(packs * commodity.pack_kg, 1))), packs
        quantity = Decimal(round(value)) if commodity.decimals == 0 else Decimal(str(round(value, commodity.decimals)))
        return max(quantity, Decimal(1).scaleb(-commodity.decimals)), None

    def _in_scope(self, commodity: Commodity) -> bool:
        code = commodity.hs_code.replace(".", "")
        return not self.scope_hs or any(code.startswith(prefix) for prefix in self.scope_hs)

    # --- choosing what was seized --------------------------------------------------------------

    def _commodity(self, domain: str, country: str) -> Commodity:
        key = (domain, country)
        if key not in self._commodity_weights:
            options = [item for item in self.catalogue if item.domain == domain]
            weights = []
            for item in options:
                weight = item.weight * (1 if self._in_scope(item) else 0.15)
                if any(country in flow.countries() for flow in FLOWS[item.flow_key]):
                    weight *= 3
                weights.append(weight)
            self._commodity_weights[key] = (options, weights)
        options, weights = self._commodity_weights[key]
        return self._weighted(options, weights)

    def _line(self, commodity: Commodity) -> dict[str, Any]:
        quantity, packs = self._quantity(commodity)
        description = commodity.description
        line: dict[str, Any] = {
            "mea": commodity.mea,
            "hs_code": commodity.hs_code,
            "quantity": quantity,
            "unit": commodity.unit,
            "waste_code": commodity.waste_code,
            "ods_substance": commodity.ods_substance,
            "disposal": self.rng.choice(commodity.disposals),
        }
        if commodity.equipment:
            line["equipment_pieces"] = packs
            description = f"{description} ({packs} units)"
        elif packs is not None:
            description = f"{description} ({packs} x {commodity.pack_kg:g} kg)"
        if commodity.species:
            species, appendix = self.rng.choice(commodity.species)
            line.update(species=species, cites_appendix=appendix, cites_term=commodity.cites_term)
        if commodity.live:
            count = int(quantity)
            alive = count - self.rng.randint(0, count // 10)
            line.update(live_count=alive, surviving_count=alive - self.rng.randint(0, alive // 5))
        line["description"] = description
        return line

    # --- the route -------------------------------------------------------------------------------

    def _route(self, commodity: Commodity, country: str) -> tuple[list[tuple[str, str]], int]:
        """Legs as (country, role) from origin to destination, and which of them is the reporter's."""
        flows = [item for item in FLOWS[commodity.flow_key] if country in item.countries()] or FLOWS[commodity.flow_key]
        flow = self._weighted(flows, [item.weight for item in flows])
        positions = []
        on_route = country in flow.countries()
        if country in flow.sources:
            positions.append("export")
        if country in flow.hubs:
            positions.append("transit")
        if country in flow.destinations:
            positions.append("import")
        position = self.rng.choice(positions) if positions else "import"
        used = {country}
        legs: list[tuple[str, str]] = []

        def add(options: Sequence[str], role: str) -> None:
            picked = self._pick(options, used)
            if picked is not None:
                used.add(picked)
                legs.append((picked, role))

        if position == "export":
            if country in flow.exports and self.rng.random() < 0.5:
                add(flow.sources, RouteRole.ORIGIN)
                legs.append((country, RouteRole.EXPORT))
            else:
                legs.append((country, RouteRole.ORIGIN))
            if self.rng.random() < 0.5:
                add(flow.hubs, RouteRole.TRANSIT)
            add(flow.destinations, RouteRole.DESTINATION)
        elif position == "transit":
            add(flow.sources, RouteRole.ORIGIN)
            if self.rng.random() < 0.3:
                add(flow.exports, RouteRole.EXPORT)
            legs.append((country, RouteRole.TRANSIT))
            add(flow.destinations, RouteRole.DESTINATION)
        else:
            add(flow.sources, RouteRole.ORIGIN)
            if self.rng.random() < 0.3:
                add(flow.exports, RouteRole.EXPORT)
            if on_route and self.rng.random() < 0.6:  # a hub of the pattern may not lead to an unlisted country
                add(flow.hubs, RouteRole.TRANSIT)
            legs.append((country, RouteRole.DESTINATION))
        if len(legs) < 2:  # every pool of the pattern was used up: name an origin from its other countries
            origin = self._pick(sorted(set().union(*(item.countries() for item in FLOWS[commodity.flow_key]))), used)
            if origin is not None:
                legs.insert(0, (origin, RouteRole.ORIGIN))
        discovery = next(index for index, (code, _role) in enumerate(legs) if code == country)
        return legs, discovery

    def _mode(self, commodity: Commodity, country: str, quantity: Decimal) -> str:
        """By air when small enough to fly, by sea otherwise; by road where the country has no seaport
        (or the template asks for a vehicle), so that the place is a port or airport whenever it can be."""
        flies = float(quantity) <= commodity.air_below and self.rng.random() < 0.85
        wanted = AIR if flies else SEA
        if wanted == SEA and country not in self.seaports:
            wanted = AIR if commodity.air_below and AIR in self.modes else ROAD
        if wanted not in self.modes:
            wanted = next(mode for mode in (SEA, ROAD, AIR) if mode in self.modes)
        return wanted

    def _route_data(
        self, legs: list[tuple[str, str]], discovery: int, mode: str, place_port: str
    ) -> list[dict[str, Any]]:
        route = []
        for index, (country, role) in enumerate(legs):
            port = place_port if index == discovery else (self._port(country, mode) or ("", ""))[0]
            route.append(
                {
                    "role": RouteRole.DISCOVERY if index == discovery else role,
                    "country": country,
                    "place_port": port,
                    "place_name": "",
                }
            )
        return route

    # --- conveyance ------------------------------------------------------------------------------

    def _conveyance(self, mode: str, domain: str) -> dict[str, Any]:
        header: dict[str, Any] = {"containers": [], "vessel_name": "", "vessel_imo": "", "flight": ""}
        header["vehicle_registration"] = ""
        if mode == AIR:
            airline, prefix = self.rng.choice(AIRLINES)
            header["flight"] = f"{airline}{self.rng.randint(100, 999)}"
            serial = self.rng.randint(1_000_000, 9_999_999)
            header["transport_document"] = f"{prefix}-{serial}{serial % 7}"
            return header
        owner, scac, vessel_prefix = self.rng.choice(CARRIERS)
        containers = 1
        if domain != WILDLIFE and mode == SEA:
            containers = self._weighted((1, 2, 3, 5), (10, 4, 2, 1))
        with_containers = mode == SEA or "containers" in self.required or self.rng.random() < 0.5
        if with_containers:
            header["containers"] = [
                container_number(self.rng, owner if self.rng.random() < 0.7 else self.rng.choice(LESSOR_OWNERS))
                for _index in range(containers)
            ]
        if mode == SEA:
            header["vessel_name"] = f"{vessel_prefix} {self.rng.choice(VESSEL_WORDS)}"
            header["vessel_imo"] = imo_number(self.rng)
            header["transport_document"] = f"{scac}{self.rng.randint(10**8, 10**9 - 1)}"
        else:
            letters = "".join(self.rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _index in range(2))
            header["vehicle_registration"] = f"{letters}-{self.rng.randint(100, 999)}-{letters[::-1]}"
            header["transport_document"] = f"CMR-{self.rng.randint(100_000, 999_999)}"
        return header

    def _place(self, country: str, mode: str) -> dict[str, Any]:
        port = self._port(country, mode)
        if port is not None:
            function = PlaceFunction.AIRPORT if mode == AIR else PlaceFunction.PORT
            return {"place_port": port[0], "place_name": port[1], "place_function": function}
        if mode == ROAD:
            return {"place_port": "", "place_name": "Road border crossing", "place_function": PlaceFunction.BORDER}
        return {"place_port": "", "place_name": "Inland customs control", "place_function": PlaceFunction.INLAND}

    # --- people and companies (nominal data) --------------------------------------------------------

    def _company(self, role: str, country: str) -> dict[str, Any]:
        name = f"{self.rng.choice(COMPANY_WORDS)} {self.rng.choice(COMPANY_TRADES)} {LEGAL_FORMS.get(country, 'Ltd')}"
        return {
            "kind": "company",
            "role": role,
            "name": name,
            "registration_number": f"{country}-{self.rng.randint(100_000, 999_999)}",
            "address": self.names.get(country, country),
        }

    def _person(self, country: str) -> dict[str, Any]:
        return {
            "kind": "person",
            "role": "suspect",
            "name": f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}",
            "date_of_birth": date(1960, 1, 1) + timedelta(days=self.rng.randint(0, 40 * 365)),
            "nationality": country,
            "document_number": f"P{self.rng.randint(1_000_000, 9_999_999)}",
        }

    def _parties(self, legs: list[tuple[str, str]]) -> list[dict[str, Any]]:
        if "parties" in self.hidden:
            return []
        count = self._weighted((0, 1, 2), (3, 4, 3))
        if "parties" in self.required:
            count = max(count, 1)
        makers = [
            lambda: self._company("exporter", legs[0][0]),
            lambda: self._company("consignee", legs[-1][0]),
            lambda: self._person(self.rng.choice(legs)[0]),
        ]
        return [maker() for maker in self.rng.sample(makers, count)]

    # --- the whole filing --------------------------------------------------------------------------

    def _moment(self) -> tuple[float, datetime]:
        moment = self.rng.random()
        occurred_at = self.start + (self.end - self.start) * moment
        return moment, max(self.start, occurred_at.replace(second=0, microsecond=0))

    def filing(self, reporter: Reporter) -> Planned:
        rng = self.rng
        country = reporter.country
        domain = self._weighted(self.domains, [DOMAIN_WEIGHT[item] for item in self.domains])
        commodity = self._commodity(domain, country)
        lines = [self._line(commodity)]
        if rng.random() < 0.25:  # a second commodity in the same shipment
            other = self._commodity(domain, country)
            if other.key != commodity.key and other.flow_key == commodity.flow_key:
                lines.append(self._line(other))
        mixed = domain == WASTE and "MONTREAL" in self.meas and commodity.key in ("weee", "fridges", "assemblies")
        if mixed and rng.random() < 0.3:  # refrigerant cylinders hidden among e-waste, as DEMETER keeps finding
            cylinders = [item for item in self.catalogue if item.domain == ODS and not item.equipment]
            lines.append(self._line(rng.choice(cylinders)))
        legs, discovery = self._route(commodity, country)
        mode = self._mode(commodity, country, lines[0]["quantity"])
        moment, occurred_at = self._moment()
        data: dict[str, Any] = {"occurred_at": occurred_at, **self._place(country, mode), "transport_mode": mode}
        data.update(self._conveyance(mode, domain))
        data["direction"] = self._direction(legs[discovery][1], mode)
        data["detection_methods"] = self._some(DETECTION_WEIGHTS[domain], 2)
        if mode == AIR and domain == WILDLIFE and rng.random() < 0.4:
            data["detection_methods"] = list(dict.fromkeys([*data["detection_methods"], "detector_dog"]))
        concealment = dict(CONCEALMENT_WEIGHTS[domain])
        if mode == AIR:
            concealment["baggage"] = 4
        data["concealment_methods"] = self._some(concealment, 1)
        data["reasons"] = self._some(REASON_WEIGHTS, 2) if domain == WASTE else []
        data["actions_taken"] = list(
            self._weighted([item for item, _w in ACTIONS[domain]], [w for _i, w in ACTIONS[domain]])
        )
        # Most stay within the operation; some may travel to regional views; a few go to the V-OCU only.
        draw = rng.random()
        data["handling_code"] = "red" if draw < 0.1 else "amber" if draw < 0.6 else "green" if draw < 0.95 else "clear"
        data["lines"] = lines
        data["route"] = self._route_data(legs, discovery, mode, data["place_port"])
        data["parties"] = self._parties(legs)
        data["narrative"] = self._narrative(data, commodity, legs)
        self._apply_template(data)
        return Planned(reporter, data, commodity, moment, legs=legs, discovery=discovery, mode=mode)

    def _some(self, weights: Mapping[str, float], most: int) -> list[str]:
        count = self.rng.randint(1, most)
        picked: list[str] = []
        options = dict(weights)
        for _index in range(count):
            choice = self._weighted(list(options), list(options.values()))
            picked.append(choice)
            options.pop(choice)
            if not options:
                break
        return picked

    def _direction(self, role: str, mode: str) -> str:
        if role in (RouteRole.ORIGIN, RouteRole.EXPORT):
            return Direction.EXPORT
        if role == RouteRole.TRANSIT:
            return Direction.TRANSHIPMENT if mode == SEA and self.rng.random() < 0.5 else Direction.TRANSIT
        return Direction.IMPORT

    def _narrative(self, data: dict[str, Any], commodity: Commodity, legs: list[tuple[str, str]]) -> str:
        line = data["lines"][0]
        quantity = line["quantity"]
        amount = {
            "TNE": f"{quantity:,} t", "KGM": f"{quantity:,} kg", "KIL": f"{quantity:,} kg",
            "PCS": f"{quantity:,} pieces", "CUM": f"{quantity:,} m3", "": f"{quantity:,} specimens",
        }[line["unit"]]  # fmt: skip
        if data["containers"]:
            conveyance = f"in container {data['containers'][0]}"
        elif data["flight"]:
            conveyance = f"on flight {data['flight']}"
        else:
            conveyance = "on a truck"
        detection = DETECTION[data["detection_methods"][0]]
        origin = self.names.get(legs[0][0], legs[0][0])
        place = PLACE_PHRASES.get(data["place_name"], data["place_name"])
        cover = self.rng.choice(commodity.covers)
        goods = line["description"]
        if goods[1:2].islower():
            goods = goods[0].lower() + goods[1:]
        return (
            f"Found through {detection} {conveyance} from {origin} at {place}: {goods} ({amount}) declared as {cover}."
        )

    def _apply_template(self, data: dict[str, Any]) -> None:
        """Leave out what the operation does not collect."""
        for template_field in self.hidden:
            if template_field == "parties":
                data["parties"] = []
                continue
            for name in TEMPLATE_FIELD_MAP.get(template_field, []):
                if name in data:
                    data[name] = [] if isinstance(data[name], list) else ("" if name != "latitude" else None)

    # --- the same shipment reported twice ---------------------------------------------------------

    def twin(self, original: Planned, reporters: dict[str, Reporter]) -> Planned | None:
        """The same container reported by another administration on its route (exporter and importer)."""
        candidates = [
            (index, reporters[country])
            for index, (country, _role) in enumerate(original.legs)
            if index != original.discovery
            and country in reporters
            and (original.mode != SEA or country in self.seaports)
        ]
        if not candidates:
            return None
        index, reporter = self.rng.choice(candidates)
        data = dict(original.data)
        mode = original.mode
        role = original.legs[index][1]
        data.update(self._place(reporter.country, mode))
        data["direction"] = self._direction(role, mode)
        moment, data["occurred_at"] = self._moment()
        data["lines"] = [dict(line) for line in original.data["lines"]]
        data["parties"] = self._parties(original.legs)
        data["route"] = self._route_data(original.legs, index, mode, data["place_port"])
        # the original reporter's leg keeps the place it had in the original filing
        data["route"][original.discovery]["place_port"] = original.data["place_port"]
        other = self.names.get(original.reporter.country, original.reporter.country)
        narrative = self._narrative(data, original.commodity, original.legs)
        data["narrative"] = f"{narrative[:-1]}; {other} reported the same container."
        self._apply_template(data)
        return Planned(
            reporter=reporter,
            data=data,
            commodity=original.commodity,
            moment=moment,
            legs=original.legs,
            discovery=index,
            mode=mode,
            twin=True,
        )


# --- Filing a whole operation -------------------------------------------------------------------


def operation_reporters(*, operation: Operation) -> list[Reporter]:
    """Administrations that may file in the operation, each with the users who would file for it."""
    participations = (
        Participation.objects.filter(
            operation=operation,
            status=ParticipationStatus.ACCEPTED,
            role=ParticipationRole.PARTICIPANT,
            administration__country__isnull=False,
        )
        .select_related("administration")
        .order_by("administration__country_id", "administration__code")
    )
    reporters = []
    for participation in participations:
        administration = participation.administration
        users = [
            user
            for user in User.objects.filter(
                administration=administration, role__in=selectors.FILING_ROLES, is_active=True
            ).order_by("username")
            if selectors.filing_participation(user=user, operation=operation) is not None
        ]
        officers = [user for user in users if user.role == Role.OFFICER]
        if users:
            assert administration.country_id is not None
            reporters.append(Reporter(administration, administration.country_id, officers or users))
    return reporters


def _skewed_weights(reporters: list[Reporter], rng: random.Random) -> list[float]:
    """A few administrations report most seizures, as in real operations: Zipf-like over a shuffled
    ranking in which administrations with officers on the platform come first."""
    order = list(range(len(reporters)))
    rng.shuffle(order)
    order.sort(key=lambda index: not any(user.role == Role.OFFICER for user in reporters[index].users))
    weights = [0.0] * len(reporters)
    for rank, index in enumerate(order):
        weights[index] = 1 / (rank + 1) ** 0.9
    return weights


#: Filings planned, validated and written together in bulk mode, so memory stays bounded at any size.
BULK_BATCH = 20_000


def _plan_batches(
    generator: FilingGenerator,
    reporters: list[Reporter],
    rng: random.Random,
    *,
    seizures: int,
    lines: int,
    same_shipment_share: float,
    batch: int,
) -> Iterator[list[Planned]]:
    """The filings to make, each batch in the order they happened; one batch unless ``batch`` is set.

    A batch is cut only after a filing's twin, so the two reports of one shipment travel together.
    """
    weights = _skewed_weights(reporters, rng)
    by_country = {reporter.country: reporter for reporter in reporters}
    plan: list[Planned] = []
    planned = planned_lines = 0

    def wanted() -> bool:
        return planned < seizures if seizures else planned_lines < lines

    while wanted():
        reporter = rng.choices(reporters, weights=weights, k=1)[0]
        filing = generator.filing(reporter)
        plan.append(filing)
        planned, planned_lines = planned + 1, planned_lines + len(filing.data["lines"])
        if wanted() and rng.random() < same_shipment_share:
            twin = generator.twin(filing, by_country)
            if twin is not None:
                plan.append(twin)
                planned, planned_lines = planned + 1, planned_lines + len(twin.data["lines"])
        if batch and len(plan) >= batch:
            plan.sort(key=lambda item: item.moment)
            yield plan
            plan = []
    plan.sort(key=lambda item: item.moment)
    yield plan


def simulate_operation(
    *,
    operation: Operation,
    seizures: int = 0,
    seed: int = 2026,
    validate_share: float = 0.6,
    info_share: float = 0.05,
    same_shipment_share: float = 0.03,
    lines: int = 0,
    bulk: bool = False,
) -> dict[str, int]:
    """File ``seizures`` realistic seizures (or as many as make ``lines`` commodity lines) into the
    operation through the services, then have its coordinator validate about ``validate_share`` of them
    and send ``info_share`` back with a question.

    The same seed in the same world gives the same filings; a second run into an operation that already
    has seizures draws new ones (the seed is combined with how many there are). Returns counts.

    ``bulk`` (PostgreSQL) validates every filing by the same rules but writes the rows with ``COPY``
    (``seizures.bulk``), for operations of a million lines: no per-seizure versions, audit entries,
    events or channel posts, which at that scale would take hours.
    """
    if not seizures and not lines:
        raise SimulationError("Say how many seizures or commodity lines to simulate.")
    operation = Operation.objects.get(pk=operation.pk)
    if not operation.accepts_reports:
        raise SimulationError(
            f"Operation {operation.code} does not accept seizure reports now: "
            f"it is {operation.get_status_display().lower()}."
        )
    already = Seizure.objects.filter(operation=operation).count()
    rng = random.Random(seed if not already else f"{seed}/{already}")
    reporters = operation_reporters(operation=operation)
    if not reporters:
        raise SimulationError(
            f"No administration can file in {operation.code}: none has accepted to take part with an officer "
            "or a national contact point."
        )
    generator = FilingGenerator(operation=operation, rng=rng)
    batches = _plan_batches(
        generator, reporters, rng, seizures=seizures, lines=lines, same_shipment_share=same_shipment_share,
        batch=BULK_BATCH if bulk else 0,
    )  # fmt: skip
    if bulk:
        return _file_in_bulk(operation, batches, rng, validate_share=validate_share, info_share=info_share)
    plan = next(batches)
    counts = {"filed": 0, "refused": 0, "same_shipment": 0, "validated": 0, "info_requested": 0, "submitted": 0}
    filed: list[tuple[Seizure, str]] = []
    countries: set[str] = set()
    with transaction.atomic():
        for planned in plan:
            user = rng.choice(planned.reporter.users)
            try:
                seizure = services.seizure_create(user=user, operation=operation, data=planned.data, submit=True)
            except ValidationError as error:
                counts["refused"] += 1
                logger.warning("Simulated filing refused for %s: %s", planned.reporter.country, error)
                continue
            filed.append((seizure, planned.commodity.domain))
            countries.add(planned.reporter.country)
            counts["filed"] += 1
            counts["same_shipment"] += planned.twin
        coordinator = operation.coordinators.order_by("pk").first()
        if coordinator is not None and filed:
            to_validate = min(len(filed), round(validate_share * len(filed)))
            to_question = min(len(filed) - to_validate, round(info_share * len(filed)))
            chosen = rng.sample(range(len(filed)), to_validate + to_question)
            for position, index in enumerate(chosen):
                seizure, domain = filed[index]
                if position < to_validate:
                    services.seizure_validate(user=coordinator, seizure=seizure)
                    counts["validated"] += 1
                else:
                    services.seizure_request_info(user=coordinator, seizure=seizure, comment=INFO_QUESTIONS[domain])
                    counts["info_requested"] += 1
    counts["submitted"] = counts["filed"] - counts["validated"] - counts["info_requested"]
    counts["administrations"] = len(countries)
    return counts


def _file_in_bulk(
    operation: Operation,
    batches: Iterator[list[Planned]],
    rng: random.Random,
    *,
    validate_share: float,
    info_share: float,
) -> dict[str, int]:
    """Every filing validated as ``seizure_create`` validates it, then written a batch at a time with
    ``COPY`` (``seizures.bulk``), all in one transaction."""
    codes, scope = CodeBook(), operation_scope(operation)
    codes.load_ports()
    counts = {"filed": 0, "refused": 0, "same_shipment": 0, "validated": 0, "info_requested": 0, "submitted": 0}
    countries: set[str] = set()
    coordinator = operation.coordinators.order_by("pk").first()
    with transaction.atomic():
        for plan in batches:
            filings: list[BulkFiling] = []
            domains: list[str] = []
            for planned in plan:
                user = rng.choice(planned.reporter.users)
                administration = planned.reporter.administration
                try:
                    clean = FilingValidator(
                        operation=operation, administration=administration, data=planned.data, codes=codes,
                        scope=scope,
                    ).clean()  # fmt: skip
                except ValidationError as error:
                    counts["refused"] += 1
                    logger.warning("Simulated filing refused for %s: %s", planned.reporter.country, error)
                    continue
                filings.append(BulkFiling(administration=administration, filed_by=user, clean=clean))
                domains.append(planned.commodity.domain)
                countries.add(planned.reporter.country)
                counts["filed"] += 1
                counts["same_shipment"] += planned.twin
            if coordinator is not None and filings:
                to_validate = min(len(filings), round(validate_share * len(filings)))
                to_question = min(len(filings) - to_validate, round(info_share * len(filings)))
                chosen = rng.sample(range(len(filings)), to_validate + to_question)
                for position, index in enumerate(chosen):
                    filing = filings[index]
                    filing.reviewed_by = coordinator
                    if position < to_validate:
                        filing.status = SeizureStatus.VALIDATED
                        counts["validated"] += 1
                    else:
                        filing.status = SeizureStatus.INFO_REQUESTED
                        filing.review_comment = INFO_QUESTIONS[domains[index]]
                        counts["info_requested"] += 1
            seizures_write_bulk(operation=operation, filings=filings)
    counts["submitted"] = counts["filed"] - counts["validated"] - counts["info_requested"]
    counts["administrations"] = len(countries)
    return counts
