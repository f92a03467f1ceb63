"""Reports over the operations world (see tests/operations/conftest.py and tests/seizures/conftest.py)."""

from tests.operations.conftest import client_for, joint, make_operation, page_for, world  # noqa: F401
from tests.seizures.conftest import file_seizure, filing  # noqa: F401
