"""The operations world and seizure filings, for the audit trail and access log tests."""

from tests.operations.conftest import client_for, joint, make_operation, page_for, world  # noqa: F401
from tests.seizures.conftest import file_seizure, filing  # noqa: F401
