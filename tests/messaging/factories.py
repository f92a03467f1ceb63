"""Channel objects built through the services, as the tests of pages and API both need them."""

from django.core.files.uploadedfile import SimpleUploadedFile

from messaging import services
from messaging.choices import AudienceKind, DocumentKind

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def pdf(name="guide.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def post(author, to, **fields):
    """A root post addressed to ``to`` (a list of people)."""
    values = {
        "topic": "A",
        "title": "Suspect e-waste container",
        "body": "Container MSCU1234565 declared as *used goods*.",
        "audience": AudienceKind.CHOSEN,
        "chosen_users": to,
    }
    return services.post_create(author=author, **{**values, **fields})


def document(uploader, to, **fields):
    values = {
        "title_en": "Identifying e-waste",
        "kind": DocumentKind.IDENTIFICATION,
        "topic": "A",
        "upload": pdf(),
        "audience": AudienceKind.CHOSEN,
        "chosen_users": to,
    }
    return services.document_upload(uploader=uploader, **{**values, **fields})
