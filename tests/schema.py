"""Checks an API answer against the OpenAPI schema the API publishes at ``/api/schema/``.

The schema is what clients generate their code from: an answer the schema does not allow (an empty
choice where it lists only the real ones, a ``null`` where it promises a string, a list where it
promises a page) breaks them as surely as a wrong status code.
"""

import requests
import schemathesis
from django.test import Client


def assert_documented(client: Client, response: object, *, method: str, path: str) -> None:
    """Raise with the schema's complaint unless ``response`` (a test client's answer to ``method`` on the
    schema's ``path`` template) has the status and the shape the schema documents."""
    raw = client.get("/api/schema/", {"format": "json"})
    assert raw.status_code == 200, raw.content
    operation = schemathesis.openapi.from_dict(raw.json())[path][method.upper()]
    sent = requests.Request(method.upper(), f"http://testserver{response.request['PATH_INFO']}").prepare()  # type: ignore[attr-defined]
    answer = schemathesis.Response(
        status_code=response.status_code,  # type: ignore[attr-defined]
        headers={key: [value] for key, value in response.headers.items()},  # type: ignore[attr-defined]
        content=response.content,  # type: ignore[attr-defined]
        request=sent,
        elapsed=0.0,
        verify=True,
    )
    operation.validate_response(answer)
