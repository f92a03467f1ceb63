"""The operations world and seizure filings, for the audit trail and access log tests; access requests."""

from accounts import services
from tests.operations.conftest import client_for, joint, make_operation, page_for, world  # noqa: F401
from tests.seizures.conftest import file_seizure, filing  # noqa: F401


def submit_access_request(administration, **extra):
    """An access request as the public form files it, for Inès Durand unless ``extra`` says otherwise."""
    data = {
        "first_name": "Inès",
        "last_name": "Durand",
        "email": "ines.durand@douane.example.org",
        "administration": administration,
        "position": "Inspectrice, Le Havre",
        "justification": "Joins operation DEMETER as port officer.",
        **extra,
    }
    return services.access_request_submit(**data)
