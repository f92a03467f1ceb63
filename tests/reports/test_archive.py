"""An operation exported to one archive and imported back, here or into a platform that never knew it."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_verify
from accounts.models import Administration, AuditEvent, User
from messaging import services as messaging
from messaging.choices import AudienceKind, DocumentKind
from messaging.models import Document, Post, PostRecipient, StoredFile
from operations import services as operations
from operations.models import Operation, Participation
from reports.archive import ArchiveError, operation_archive_export, operation_archive_import
from seizures import services as seizures
from seizures.models import CommodityLine, Party, RouteLeg, Seizure, SeizureVersion
from tests.messaging.factories import PDF, pdf

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _fill(world, joint, filing):
    """A seizure with a photo, another still a draft, the operation's thread with a reply and a file, a document."""
    photo = SimpleUploadedFile("labels.png", PNG, content_type="image/png")
    seizures.seizure_create(user=world.officer_ng, operation=joint, data=filing(), submit=True, attachments=[photo])
    seizures.seizure_create(user=world.officer_ng, operation=joint, data=filing(narrative="Second container."))
    thread = operations.operation_post(
        user=world.coordinator, operation=joint, title="Briefing", body="Watch **Apapa**.", topic="A", kind="request",
        due_at=timezone.now() + timedelta(days=2),
    )  # fmt: skip
    messaging.post_reply(author=world.officer_ng, parent=thread, body="Two containers held.", attachments=[pdf()])
    messaging.document_upload(
        uploader=world.coordinator, title_en="Identifying lead-acid batteries", kind=DocumentKind.IDENTIFICATION,
        topic="A", upload=pdf("batteries.pdf"), audience=AudienceKind.CHOSEN, chosen_users=[world.officer_ng],
        context=joint.context, context_label=joint.code,
    )  # fmt: skip


def _counts(code):
    operation = Operation.objects.get(code=code)
    return {
        "participations": Participation.objects.filter(operation=operation).count(),
        "seizures": Seizure.objects.filter(operation=operation).count(),
        "lines": CommodityLine.objects.filter(seizure__operation=operation).count(),
        "legs": RouteLeg.objects.filter(seizure__operation=operation).count(),
        "parties": Party.objects.filter(seizure__operation=operation).count(),
        "versions": SeizureVersion.objects.filter(seizure__operation=operation).count(),
        "posts": Post.objects.filter(context=operation.context).count(),
        "replies": Post.objects.filter(context=operation.context, parent__isnull=False).count(),
        "deliveries": PostRecipient.objects.filter(post__context=operation.context).count(),
        "documents": Document.objects.filter(context=operation.context).count(),
        "photos": sum(seizure.attachments.count() for seizure in Seizure.objects.filter(operation=operation)),
    }


def _export(code):
    archive = io.BytesIO()
    summary = operation_archive_export(code=code, output=archive)
    archive.seek(0)
    return summary, archive


@pytest.fixture
def filled(world, joint, filing):
    _fill(world, joint, filing)
    return joint


@pytest.mark.django_db
def test_an_existing_code_is_refused_and_replace_restores_it_equal(filled):
    before = _counts(filled.code)
    exported, archive = _export(filled.code)

    with pytest.raises(ArchiveError, match="already exists; use --replace"):
        operation_archive_import(source=archive)
    archive.seek(0)
    restored = operation_archive_import(source=archive, replace=True)

    print(f"\n{restored.line()} (ids {restored.ids})")
    assert restored.line() == f"{exported.records} records, {exported.files} files, checksums equal"
    assert exported.files == 3
    assert before["photos"] == 1
    assert before["replies"] == 1
    assert _counts(filled.code) == before
    assert audit_verify().intact
    assert AuditEvent.objects.filter(action="import", reference=filled.code).count() == 1


@pytest.mark.django_db
def test_renumbered_rows_point_at_each_other_and_at_the_new_operation(filled):
    before = _counts(filled.code)
    _summary, archive = _export(filled.code)

    restored = operation_archive_import(source=archive, replace=True, renumber=True)

    operation = Operation.objects.get(code=filled.code)
    assert restored.ids == "renumbered"
    assert restored.checked
    assert operation.pk != filled.pk
    assert _counts(filled.code) == before
    reply = Post.objects.get(context=operation.context, parent__isnull=False)
    assert reply.parent.context == operation.context
    assert reply.attachments.get().file.read() == PDF
    assert audit_verify().intact


@pytest.mark.django_db
def test_a_platform_that_never_knew_the_operation_gets_it_whole(request):
    """Everything, people included, is built and exported inside a savepoint that is then rolled back
    and its files deleted: the import meets a platform without them."""
    with transaction.atomic():
        point = transaction.savepoint()
        world, joint, filing = (request.getfixturevalue(name) for name in ("world", "joint", "filing"))
        _fill(world, joint, filing)
        code, before = joint.code, _counts(joint.code)
        photo = Seizure.objects.filter(operation=joint).exclude(attachments=None).get().attachments.get()
        exported, archive = _export(code)
        for stored in StoredFile.objects.all():
            default_storage.delete(stored.file.name)
        transaction.savepoint_rollback(point)
    assert not Operation.objects.filter(code=code).exists()
    assert not User.objects.filter(username=world.officer_ng.username).exists()

    restored = operation_archive_import(source=archive)

    print(f"\n{restored.line()}; created {len(restored.created_people)} people")
    assert restored.line() == f"{exported.records} records, {exported.files} files, checksums equal"
    assert _counts(code) == before
    officer = User.objects.get(username=world.officer_ng.username)
    assert not officer.has_usable_password()
    assert Administration.objects.filter(code=world.nigeria.code).exists()
    assert StoredFile.objects.get(uuid=photo.uuid).file.read() == PNG
    assert audit_verify().intact


def _rewrite(archive, member, change):
    """The same zip with one member's bytes changed."""
    damaged = io.BytesIO()
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item.filename, change(content) if item.filename == member else content)
    damaged.seek(0)
    return damaged


@pytest.mark.django_db
def test_a_damaged_archive_is_refused_and_nothing_is_written(filled):
    _summary, archive = _export(filled.code)
    with zipfile.ZipFile(archive) as opened:
        photo = next(name for name in opened.namelist() if name.startswith("files/"))
    archive.seek(0)
    events = AuditEvent.objects.count()

    for damaged, reason in (
        (_rewrite(archive, photo, lambda content: content[:-1] + b"!"), f"checksum of {photo}"),
        (_rewrite(archive, "records.json", lambda content: content.replace(b"Apapa", b"Lagos")), "records.json"),
        (io.BytesIO(archive.getvalue()[: len(archive.getvalue()) // 2]), "not a readable zip"),
        (io.BytesIO(b"not an archive"), "not a readable zip"),
    ):
        archive.seek(0)
        with pytest.raises(ArchiveError, match=f"damaged: .*{reason}"):
            operation_archive_import(source=damaged, replace=True)

    assert Operation.objects.filter(code=filled.code).get().pk == filled.pk
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_the_commands_round_trip_and_the_audit_trail_still_verifies(filled, tmp_path):
    path = tmp_path / "operation.zip"
    out = io.StringIO()
    call_command("export_operation", filled.code, output=str(path), stdout=out)
    assert f"{path}: " in out.getvalue()
    assert "checksums written" in out.getvalue()

    with pytest.raises(CommandError, match="already exists"):
        call_command("import_operation", str(path), stdout=io.StringIO())
    out = io.StringIO()
    call_command("import_operation", str(path), "--replace", stdout=out)
    assert "files, checksums equal; ids kept" in out.getvalue()

    verified = io.StringIO()
    call_command("verify_audit", stdout=verified)
    assert "chain intact" in verified.getvalue()
    with pytest.raises(CommandError, match="No operation has the code NOPE"):
        call_command("export_operation", "NOPE", output=str(tmp_path / "nope.zip"))
    assert not (tmp_path / "nope.zip").exists()
