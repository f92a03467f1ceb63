"""Structured logs: JSON lines that parse, each carrying the id the response header shows."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from opsplatform.logging import JsonFormatter, RequestIdFilter

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def json_log():
    """The production handler (JSON formatter and request-id filter) on the root logger, read back as dicts."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    root.removeHandler(handler)


def test_each_request_gets_an_id_in_its_header_and_its_log_line(json_log):
    response = Client().get("/healthz")

    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    [line] = [line for line in json_log() if line["logger"] == "opsplatform.request"]
    assert line["request_id"] == request_id
    assert line["method"] == "GET"
    assert line["path"] == "/healthz"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert {"time", "level", "message"} <= line.keys()


def test_every_record_of_the_request_carries_its_id(json_log):
    """Django logs the 404 after the middleware is done; it still carries the request's id."""
    response = Client().get("/no-such-page/")

    ids = {line["logger"]: line["request_id"] for line in json_log()}
    assert ids["django.request"] == ids["opsplatform.request"] == response["X-Request-ID"]


def test_a_sane_incoming_id_is_kept_and_anything_else_replaced(json_log):
    client = Client()
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="nginx-5f2b9c0e")
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID='x" injected\n{"level": "CRITICAL"}')
    too_long = client.get("/healthz", HTTP_X_REQUEST_ID="a" * 500)
    trailing_newline = client.get("/healthz", HTTP_X_REQUEST_ID="abc\n")

    assert kept["X-Request-ID"] == "nginx-5f2b9c0e"
    assert {len(answer["X-Request-ID"]) for answer in (replaced, too_long, trailing_newline)} == {32}
    assert [line["request_id"] for line in json_log()] == [
        "nginx-5f2b9c0e",
        replaced["X-Request-ID"],
        too_long["X-Request-ID"],
        trailing_newline["X-Request-ID"],
    ]


def test_records_outside_a_request_have_no_id_and_tracebacks_stay_on_one_line(json_log):
    logger = logging.getLogger("opsplatform.tests")
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        logger.exception("failed with %s", "detail", extra={"operation": "DEMETER-2026"})

    [line] = json_log()
    assert line["request_id"] is None
    assert line["message"] == "failed with detail"
    assert line["operation"] == "DEMETER-2026"
    assert "ValueError: bad" in line["exception"]


def _run(env: dict[str, str], script: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="opsplatform.settings.base")
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_log_format_json_makes_every_stderr_line_json(tmp_path):
    script = (
        "import django; django.setup(); from django.test import Client; "
        "print(Client(HTTP_HOST='localhost').get('/healthz')['X-Request-ID'])"
    )
    result = _run({"OPS_VAR_DIR": str(tmp_path), "LOG_FORMAT": "json"}, script)

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    request_lines = [line for line in lines if line["logger"] == "opsplatform.request"]
    assert [line["request_id"] for line in request_lines] == [result.stdout.strip()]


def test_the_embedded_default_is_plain_text_and_a_bad_format_is_refused(tmp_path):
    script = "import django; django.setup(); import logging; logging.getLogger('probe').warning('hello')"
    plain = _run({"OPS_VAR_DIR": str(tmp_path)}, script)
    assert plain.returncode == 0, plain.stderr
    assert "WARNING probe [-] hello" in plain.stderr

    refused = _run({"OPS_VAR_DIR": str(tmp_path), "LOG_FORMAT": "xml"}, script)
    assert refused.returncode != 0
    assert "LOG_FORMAT must be plain or json" in refused.stderr
