"""Seizures filed in the operations world: Nigeria takes part in ``joint`` (a Basel operation run by
RILO West Africa), Ghana was invited, Senegal declined, France was never invited."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from seizures import services
from tests.operations.conftest import client_for, joint, make_operation, page_for, world  # noqa: F401


@pytest.fixture
def filing():
    """A valid waste seizure at Lagos: two lines, a three-leg route from Italy through Spain."""

    def make(**overrides):
        data = {
            "occurred_at": timezone.now() - timedelta(hours=2),
            "place_port": "NGAPP",
            "place_function": "port",
            "direction": "import",
            "transport_mode": "1",
            "vessel_name": "GRANDE NIGERIA",
            "vessel_imo": "9321483",
            "containers": ["CSQU3054383"],
            "transport_document": "MSCU-123456",
            "detection_methods": ["risk_profiling", "physical_examination"],
            "concealment_methods": ["misdeclaration"],
            "reasons": ["a"],
            "actions_taken": ["seized"],
            "narrative": "Used fridges declared as second-hand goods.",
            "lines": [
                {
                    "mea": "BASEL",
                    "hs_code": "8549.11",
                    "description": "Waste lead-acid batteries",
                    "quantity": Decimal("12.5"),
                    "unit": "TNE",
                    "waste_code": "A1160",
                },
                {
                    "mea": "BASEL",
                    "hs_code": "841810",
                    "description": "End-of-life refrigerators",
                    "quantity": Decimal("40"),
                    "unit": "PCS",
                },
            ],
            "route": [
                {"role": "origin", "country": "IT", "place_port": "", "place_name": "Genoa"},
                {"role": "transit", "country": "ES", "place_port": "", "place_name": "Algeciras"},
                {"role": "discovery", "country": "NG", "place_port": "", "place_name": "Apapa"},
            ],
            "parties": [
                {"kind": "company", "role": "exporter", "name": "Eurotrade Srl", "registration_number": "IT-991"},
                {"kind": "person", "role": "suspect", "name": "John Doe", "nationality": "NG"},
            ],
        }
        data.update(overrides)
        return data

    return make


@pytest.fixture
def file_seizure(joint, world, filing):  # noqa: F811
    """File through the service; submitted unless told otherwise."""

    def make(user=None, operation=None, submit=True, **overrides):
        return services.seizure_create(
            user=user or world.officer_ng, operation=operation or joint, data=filing(**overrides), submit=submit
        )

    return make
