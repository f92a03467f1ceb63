"""Browser hardening: security headers and a content policy without inline code; uploads judged by their
bytes and served as attachments; downloads and token requests rate-limited."""

import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from rest_framework.throttling import ScopedRateThrottle

from accounts.choices import Role
from messaging import services as messaging_services
from messaging.choices import AudienceKind
from messaging.uploads import UploadUse, upload_check
from seizures.forms import ImportForm

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\0" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\0" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def _directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


# --- headers and the content policy -----------------------------------------------------------


@pytest.mark.django_db
def test_pages_carry_the_security_headers_and_a_policy_without_inline_code(client, officer):
    client.force_login(officer)
    for path in ("/accounts/login/", "/channel/", "/operations/"):
        response = client.get(path)
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        policy = _directives(response["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert "'unsafe-inline'" not in policy["style-src"]
        assert "'unsafe-eval'" not in policy["script-src"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"]
        assert policy["form-action"] == ["'self'"]
        assert policy["connect-src"][0] == "'self'"
        assert policy["connect-src"][1].startswith("ws://")


def test_no_template_holds_inline_script_event_handlers_or_style_attributes():
    offending = []
    templates = [
        path
        for path in ROOT.glob("*/templates/**/*.html")
        if ".venv" not in path.parts and "node_modules" not in path.parts
    ]
    assert templates
    for path in templates:
        text = path.read_text()
        for match in re.finditer(r"<script\b[^>]*>", text):
            if "src=" not in match.group(0) and 'type="application/json"' not in match.group(0):
                offending.append(f"{path}: inline script")
        if re.search(r"\son[a-z]+\s*=", text):
            offending.append(f"{path}: event handler attribute")
        if re.search(r"\sstyle\s*=", text) or "<style" in text:
            offending.append(f"{path}: inline style")
    assert offending == []


def test_inline_charts_need_no_style_attribute():
    from opsplatform.charts import bar_chart_svg

    assert "style=" not in str(bar_chart_svg([("a", 1)], title="t"))


# --- uploads ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [("map.svg", SVG), ("page.html", HTML), ("page.txt", HTML), ("photo.png", SVG), ("report.pdf", HTML)],
)
def test_svg_and_html_are_refused_whatever_their_name_or_claimed_type(name, content):
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        upload_check(upload)
    assert refused.value.error_dict["file"][0].code == "file_type"


def test_each_use_accepts_only_its_own_types():
    assert upload_check(SimpleUploadedFile("a.jpg", JPEG), use=UploadUse.PHOTO).content_type == "image/jpeg"
    assert upload_check(SimpleUploadedFile("a.bin", PNG), use=UploadUse.ATTACHMENT).content_type == "image/png"
    assert upload_check(SimpleUploadedFile("x", PDF), use=UploadUse.DOCUMENT).content_type == "application/pdf"
    assert upload_check(SimpleUploadedFile("a.csv", b"a;b\n1;2\n"), use=UploadUse.IMPORT).content_type == "text/csv"
    for use, name, content in (
        (UploadUse.PHOTO, "a.pdf", PDF),
        (UploadUse.IMPORT, "a.pdf", PDF),
        (UploadUse.IMPORT, "a.txt", b"plain"),
        (UploadUse.ATTACHMENT, "a.gif", b"GIF89a" + b"\0" * 32),
    ):
        with pytest.raises(ValidationError):
            upload_check(SimpleUploadedFile(name, content), use=use)


@override_settings(UPLOAD_MAX_BYTES=1024)
def test_an_upload_over_the_size_limit_is_refused():
    with pytest.raises(ValidationError) as refused:
        upload_check(SimpleUploadedFile("big.pdf", PDF + b"\0" * 2048))
    assert refused.value.error_dict["file"][0].code == "too_large"


@pytest.mark.django_db
def test_the_api_answers_a_refused_attachment_with_a_field_error(officer_client):
    response = officer_client.post(
        "/api/v1/posts/",
        {
            "kind": "information",
            "topic": "E",
            "title": "Map",
            "body": "See the map.",
            "audience": "my_country",
            "attachments": [SimpleUploadedFile("map.svg", SVG, content_type="image/svg+xml")],
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "attachments" in response.json()


@pytest.mark.django_db
def test_the_library_refuses_html_with_a_field_error(client, make_user):
    coordinator = make_user(role=Role.COORDINATOR)
    client.force_login(coordinator)
    response = client.post(
        "/channel/library/new/",
        {
            "title_en": "Guide",
            "title_fr": "Guide",
            "kind": "manual",
            "topic": "E",
            "audience": "everybody",
            "file": SimpleUploadedFile("guide.pdf", HTML, content_type="application/pdf"),
        },
    )
    assert response.status_code == 200
    assert "file" in response.context["form"].errors


def test_a_seizure_import_must_be_csv_or_xlsx_by_its_bytes():
    form = ImportForm(data={}, files={"file": SimpleUploadedFile("seizures.csv", SVG)})
    assert not form.is_valid()
    assert "file" in form.errors


@pytest.mark.django_db
def test_files_are_stored_under_generated_names(officer):
    stored = messaging_services.stored_file_create(
        uploader=officer, upload=SimpleUploadedFile("../../etc/passwd.pdf", PDF)
    )
    assert stored.file.name == f"uploads/{stored.uuid.hex[:2]}/{stored.uuid.hex}"
    assert "passwd" not in stored.file.name


@pytest.mark.django_db
def test_files_are_served_as_sandboxed_attachments(client, officer):
    stored = messaging_services.stored_file_create(uploader=officer, upload=SimpleUploadedFile("photo.png", PNG))
    client.force_login(officer)
    response = client.get(f"/channel/files/{stored.uuid}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


# --- rate limits ------------------------------------------------------------------------------


@pytest.fixture
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_cache")
@override_settings(DOWNLOAD_RATE_LIMIT="2/min")
def test_page_downloads_answer_429_past_the_limit(client, officer):
    stored = messaging_services.stored_file_create(uploader=officer, upload=SimpleUploadedFile("a.pdf", PDF))
    client.force_login(officer)
    url = f"/channel/files/{stored.uuid}/"
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    refused = client.get(url)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many downloads" in refused.content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_cache")
def test_api_downloads_are_throttled(api_client, make_user, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "download", "1/min")
    coordinator = make_user(role=Role.COORDINATOR)
    document = messaging_services.document_upload(
        uploader=coordinator,
        title_en="Guide",
        kind="manual",
        topic="E",
        upload=SimpleUploadedFile("guide.pdf", PDF),
        audience=AudienceKind.EVERYBODY,
    )
    api_client.force_authenticate(coordinator)
    url = f"/api/v1/library/documents/{document.pk}/download/"
    assert api_client.get(url).status_code == 200
    assert api_client.get(url).status_code == 429
    assert api_client.get(f"/api/v1/library/documents/{document.pk}/").status_code == 200


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_cache")
def test_the_token_endpoint_is_throttled(api_client, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "auth", "2/min")
    answers = [
        api_client.post("/api/v1/auth/token/", {"username": "nobody", "password": "wrong"}).status_code
        for _ in range(3)
    ]
    assert answers[-1] == 429


def test_generated_files_leave_as_sandboxed_private_attachments():
    from django.http import HttpResponse

    from opsplatform.downloads import as_attachment

    response = as_attachment(HttpResponse(b"%PDF", content_type="application/pdf"), "DEMETER-2026-final-v1.pdf")
    assert response["Content-Disposition"] == 'attachment; filename="DEMETER-2026-final-v1.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_the_api_docs_relax_styles_only_and_need_a_signed_in_member(client, officer):
    assert client.get("/api/docs/").status_code in (401, 403)
    assert client.get("/api/schema/").status_code in (401, 403)
    client.force_login(officer)
    policy = _directives(client.get("/api/docs/")["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in policy["style-src"]


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_cache")
@override_settings(PUBLIC_FORM_RATE_LIMIT="2/hour")
def test_the_public_access_request_form_limits_submissions_per_address(client):
    posted = [client.post("/accounts/request-access/", {"email": "not-an-address"}).status_code for _ in range(2)]
    assert posted == [200, 200]  # answered with the form's errors
    refused = client.post("/accounts/request-access/", {"email": "not-an-address"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many requests from your address" in refused.content.decode()
    assert client.get("/accounts/request-access/").status_code == 200  # reading the form stays open


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_cache")
@override_settings(PUBLIC_FORM_RATE_LIMIT="1/hour", TRUSTED_PROXY_NETWORKS=["127.0.0.0/8"])
def test_behind_the_proxy_each_client_address_has_its_own_limit(client):
    def post(peer, forwarded):
        return client.post(
            "/accounts/request-access/", {"email": "x"}, REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded
        ).status_code

    assert post("127.0.0.1", "203.0.113.7") == 200
    assert post("127.0.0.1", "203.0.113.7") == 429
    assert post("127.0.0.1", "203.0.113.7, 198.51.100.9") == 200  # nginx's last hop is a new client
    # From an untrusted peer the header counts for nothing: the peer itself is limited.
    assert post("192.0.2.1", "203.0.113.50") == 200
    assert post("192.0.2.1", "203.0.113.51") == 429
