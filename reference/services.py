"""Writes to reference data: loading (and reloading) every code list, idempotently."""

from collections.abc import Iterable
from typing import Any

from django.db import models, transaction

from . import loaders
from .models import CitesTerm, Country, HsCode, Mea, MeaHsLink, OdsSubstance, Port, Rilo, Unit, WasteCode


def _upsert(model: type[models.Model], rows: Iterable[dict[str, Any]], *, unique: list[str]) -> int:
    """Insert rows, updating those whose ``unique`` fields already exist. Returns the rows written."""
    objects = [model(**row) for row in rows]
    if not objects:
        return 0
    update_fields = [
        field.name for field in model._meta.concrete_fields if not field.primary_key and field.name not in unique
    ]
    model._default_manager.bulk_create(  # type: ignore[attr-defined]
        objects, update_conflicts=True, unique_fields=unique, update_fields=update_fields, batch_size=500
    )
    return len(objects)


def _decimal(value: Any) -> str | None:
    return None if value is None else str(value)


@transaction.atomic
def reference_data_load() -> dict[str, int]:
    """Load every code list. Running it again changes nothing; a newer edition updates rows in place.

    Rows that disappear from a source are kept: seizures filed under an older edition still point at them.
    """
    counts: dict[str, int] = {}
    counts["countries"] = _upsert(Country, loaders.country_rows(), unique=["code"])

    rilos = loaders.fixture_items("rilos.json")
    counts["rilos"] = _upsert(
        Rilo,
        (
            {
                "code": r["code"],
                "name_en": r["name_en"],
                "name_fr": r["name_fr"],
                "host_country_id": r.get("host_country"),
            }
            for r in rilos
        ),
        unique=["code"],
    )
    members = {country: rilo["code"] for rilo in rilos for country in rilo["members"]}
    Country.objects.exclude(code__in=members).update(rilo=None)
    for rilo in rilos:
        Country.objects.filter(code__in=rilo["members"]).update(rilo_id=rilo["code"])

    counts["meas"] = _upsert(
        Mea,
        (
            {
                key: item[key]
                for key in ("code", "short_name_en", "short_name_fr", "name_en", "name_fr", "kind", "topic")
            }
            for item in loaders.fixture_items("meas.json")
        ),
        unique=["code"],
    )
    counts["hs_codes"] = _upsert(HsCode, loaders.hs_code_rows(), unique=["code"])
    counts["mea_hs_links"] = _upsert(
        MeaHsLink,
        (
            {
                "mea_id": item["mea"],
                "hs_code_id": item["hs_code"],
                "note_en": item.get("note_en", ""),
                "note_fr": item.get("note_fr", ""),
            }
            for item in loaders.fixture_items("mea_hs_links.json")
        ),
        unique=["mea", "hs_code"],
    )
    counts["units"] = _upsert(
        Unit,
        (
            {
                "code": item["code"],
                "name_en": item["name_en"],
                "name_fr": item["name_fr"],
                "dimension": item["dimension"],
                "to_kg": _decimal(item["to_kg"]),
                "to_m3": _decimal(item["to_m3"]),
                "to_pieces": _decimal(item["to_pieces"]),
                "is_cites": item["cites"],
            }
            for item in loaders.fixture_items("units.json")
        ),
        unique=["code"],
    )
    counts["waste_codes"] = _upsert(
        WasteCode,
        (
            {key: item[key] for key in ("code", "annex", "description_en", "description_fr")}
            for item in loaders.fixture_items("waste_codes.json")
        ),
        unique=["code"],
    )
    counts["ods_substances"] = _upsert(
        OdsSubstance,
        (
            {
                "code": item["code"],
                "name": item["name"],
                "formula": item.get("formula") or "",
                "family": item["family"],
                "annex_group": item.get("annex_group") or "",
                "odp": _decimal(item["odp"]),
                "gwp": item.get("gwp"),
                "hs_code_id": item.get("hs_code"),
                "components": item.get("components", []),
            }
            for item in loaders.fixture_items("ods_substances.json")
        ),
        unique=["code"],
    )
    counts["cites_terms"] = _upsert(
        CitesTerm,
        (
            {
                "code": item["code"],
                "name_en": item["name_en"],
                "name_fr": item["name_fr"],
                "preferred_unit_id": item.get("preferred_unit"),
                "alternative_unit_id": item.get("alternative_unit"),
            }
            for item in loaders.fixture_items("cites_terms.json")
        ),
        unique=["code"],
    )
    seaports = [
        {
            "code": item["locode"],
            "kind": "seaport",
            "name": item["name"],
            "city": item.get("city", ""),
            "country_id": item["country"],
            "locode": item["locode"],
            "iata": "",
            "latitude": item["latitude"],
            "longitude": item["longitude"],
        }
        for item in loaders.fixture_items("seaports.json")
    ]
    known_countries = set(Country.objects.values_list("code", flat=True))
    counts["ports"] = _upsert(Port, [*seaports, *loaders.airport_rows(known_countries)], unique=["code"])
    return counts
