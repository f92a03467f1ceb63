"""A seizure's content as plain values, the form versions and the audit trail keep it.

``services.seizure_snapshot`` reads a written seizure; ``filing_snapshot`` gives the same snapshot
from a cleaned filing before it is written, for bulk writes that record history without reading
every seizure back. Both must agree to the character: the audit trail hashes them.
"""

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .validation import CleanFiling

SNAPSHOT_HEADER = (
    "status", "occurred_at", "place_port", "place_locode", "place_name", "place_function", "latitude", "longitude",
    "direction", "transport_mode", "vessel_name", "vessel_imo", "flight", "vehicle_registration", "containers",
    "transport_document", "detection_methods", "concealment_methods", "reasons", "actions_taken", "narrative",
    "handling_code", "review_comment",
)  # fmt: skip
SNAPSHOT_LINE = (
    "mea", "hs_code", "hs_national", "description", "quantity", "unit", "kg", "m3", "pieces", "waste_code",
    "ods_substance", "odp_tonnes", "co2e_tonnes", "equipment_pieces", "species", "cites_appendix",
    "cites_term", "live_count", "surviving_count", "disposal",
)  # fmt: skip
#: Decimal places the database keeps (``CommodityLine`` and ``Seizure`` fields): what a snapshot read back shows.
STORED_PLACES = {
    "quantity": Decimal("0.001"), "kg": Decimal("0.000001"), "m3": Decimal("0.000001"),
    "pieces": Decimal("0.000001"), "odp_tonnes": Decimal("0.000001"), "co2e_tonnes": Decimal("0.000001"),
    "latitude": Decimal("0.000001"), "longitude": Decimal("0.000001"),
}  # fmt: skip


def plain(value: Any) -> Any:
    """A field's value as JSON keeps it: decimals as text (whole ones without places), dates as ISO text,
    rows as their primary key."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UTC)  # as read back from the database, whichever zone it was given in
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _stored(name: str, value: Any) -> Any:
    """``value`` as the database gives it back: decimals to the column's places, times in UTC."""
    if value is None:
        return None
    if name in STORED_PLACES:
        return plain(Decimal(value).quantize(STORED_PLACES[name], rounding=ROUND_HALF_UP))
    if name == "occurred_at":
        return value.astimezone(UTC).isoformat()
    return plain(value)


def filing_lines_snapshot(clean: CleanFiling) -> list[dict[str, Any]]:
    """The lines of a snapshot: as written, then read back."""
    return [{name: _stored(name, line[name]) for name in SNAPSHOT_LINE} for line in clean.lines]


def filing_snapshot(
    clean: CleanFiling,
    *,
    status: str,
    stored: bool,
    lines: list[dict[str, Any]] | None = None,
    review_comment: str = "",
) -> dict[str, Any]:
    """``seizure_snapshot`` of the seizure ``clean`` becomes, with no attachments.

    ``stored``: header values as read back from the database (after a transition), else as just
    assigned (the creation's own snapshot). Lines, route and party count are always as read back.
    """
    header = clean.header
    value = _stored if stored else (lambda _name, item: plain(item))
    snapshot: dict[str, Any] = {}
    for name in SNAPSHOT_HEADER:
        if name == "status":
            snapshot[name] = status
        elif name == "review_comment":
            snapshot[name] = review_comment
        elif name == "place_port":
            snapshot[name] = header["place_port"].code if header["place_port"] is not None else ""
        else:
            snapshot[name] = value(name, header[name])
    snapshot["lines"] = lines if lines is not None else filing_lines_snapshot(clean)
    snapshot["route"] = [
        {
            "role": leg["role"],
            "country": plain(leg["country"]),
            "place_port": leg["place_port"].code if leg["place_port"] is not None else "",
            "place_name": leg["place_name"],
        }
        for leg in clean.route
    ]
    snapshot["attachments"] = []
    snapshot["parties"] = len(clean.parties)
    return snapshot
