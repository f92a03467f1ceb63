"""While the database is out of reach (a restart, a failover) the API says so: 503 with Retry-After, not 500."""

import pytest
from django.db import InterfaceError, OperationalError
from django.utils import translation

from opsplatform.api.exceptions import exception_handler


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("connection to server at 127.0.0.1 failed: Connection refused"),
        OperationalError("terminating connection due to administrator command"),
        InterfaceError("connection already closed"),
    ],
)
def test_a_lost_database_answers_503_with_retry_after(error):
    with translation.override("fr"):
        response = exception_handler(error, {})

    assert response is not None
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "Réessayez" in str(response.data["detail"])
