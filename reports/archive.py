"""One operation as one file, and back: a lossless backup of an operation that can be restored elsewhere.

The archive is a zip: ``records.json`` (every row that belongs to the operation, in the order they can be
written back), ``people.json`` (the administrations, accounts and units those rows name), the stored files
under ``files/``, and ``manifest.json`` with a SHA-256 of every record, of both JSON documents and of every
file. Rows refer to each other by their ids in the source database; accounts by username, administrations by
code, units by administration and name, ports by code; reference data (countries, MEAs, HS codes...) by its
code, which the target must have loaded (``load_reference_data``).

Restoring keeps the source ids when none of them is taken in the target (an empty database, or the same one
after ``--replace``), and numbers every row anew otherwise, rewriting the ``operation:<id>`` context of
posts and documents. Ids inside JSON documents (a seizure's findings, a version's snapshot, a report's
figures) are kept as they were. Administrations, accounts and units already present are used as they are;
missing ones are created through the account services (accounts without a usable password, so that nobody
signs in until an activation). The restore appends an ``import`` event to the audit trail naming the
archive's digest; the source's own audit trail, access log, event outbox and notifications stay with the
source platform, whose chain they belong to.

This module sits in ``reports``, the rightmost app, because an operation's archive spans every app.
"""

import hashlib
import io
import itertools
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.audit import audit_record
from accounts.models import Administration, User
from accounts.models import Unit as AccountUnit
from messaging.models import Document, DocumentRecipient, Post, PostRecipient, StoredFile
from operations.models import Operation, Participation, ReportedScope
from reference.models import Country, Port, Rilo
from seizures.models import (
    Case,
    CommodityLine,
    Party,
    ReferenceCounter,
    RouteLeg,
    Seizure,
    SeizureVersion,
    ShipmentKey,
)

from .models import Report

FORMAT = "opsplatform-operation-archive"
VERSION = 1

#: Every model whose rows belong to an operation, in the order they can be written back.
MODELS: tuple[type[models.Model], ...] = (
    Operation,
    Participation,
    ReportedScope,
    StoredFile,
    Case,
    Seizure,
    ReferenceCounter,
    RouteLeg,
    CommodityLine,
    ShipmentKey,
    Party,
    SeizureVersion,
    Post,
    PostRecipient,
    Document,
    DocumentRecipient,
    Report,
)
_LABELS = {model._meta.label_lower: model for model in MODELS}


class ArchiveError(Exception):
    """The archive cannot be written or restored; the message says why, for the person running the command."""


@dataclass
class ArchiveSummary:
    """What an export wrote or an import restored, and whether every checksum matched."""

    code: str
    records: int
    files: int
    digest: str
    ids: str = "kept"
    checked: bool = False
    created_people: list[str] = field(default_factory=list)

    def line(self) -> str:
        equal = "checksums equal" if self.checked else "checksums written"
        return f"{self.records} records, {self.files} files, {equal}"


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class _Encoder(DjangoJSONEncoder):
    """Django's encoder, but times keep their microseconds (Django's cuts them to milliseconds)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


def _canonical(value: Any) -> bytes:
    return json.dumps(value, cls=_Encoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --- What belongs to an operation --------------------------------------------------------------


def _rows(operation: Operation) -> dict[type[models.Model], models.QuerySet[Any]]:
    context = operation.context
    seizures = Seizure.objects.filter(operation=operation)
    posts = Post.objects.filter(context=context)
    documents = Document.objects.filter(context=context)
    reports = Report.objects.filter(operation=operation)
    file_ids = (
        set(seizures.values_list("attachments", flat=True))
        | set(posts.values_list("attachments", flat=True))
        | set(documents.values_list("file", flat=True))
        | set(reports.values_list("pdf", flat=True))
        | set(reports.values_list("xlsx", flat=True))
    ) - {None}
    return {
        Operation: Operation.objects.filter(pk=operation.pk),
        Participation: Participation.objects.filter(operation=operation),
        ReportedScope: ReportedScope.objects.filter(operation=operation),
        StoredFile: StoredFile.objects.filter(pk__in=file_ids),
        Case: Case.objects.filter(operation=operation),
        Seizure: seizures,
        ReferenceCounter: ReferenceCounter.objects.filter(operation=operation),
        RouteLeg: RouteLeg.objects.filter(seizure__operation=operation),
        CommodityLine: CommodityLine.objects.filter(seizure__operation=operation),
        ShipmentKey: ShipmentKey.objects.filter(seizure__operation=operation),
        Party: Party.objects.filter(seizure__operation=operation),
        SeizureVersion: SeizureVersion.objects.filter(seizure__operation=operation),
        Post: posts,
        PostRecipient: PostRecipient.objects.filter(post__in=posts),
        Document: documents,
        DocumentRecipient: DocumentRecipient.objects.filter(document__in=documents),
        Report: reports,
    }


# --- Records: rows as JSON, with references the target can resolve -----------------------------

#: Translates an id of an archived row (model label, id) into the id to write or to compare.
IdMap = Callable[[str, Any], Any]


def _unit_key(unit: AccountUnit) -> list[str]:
    return [unit.administration.code, unit.name]


def _reference(related: type[models.Model], value: Any, ids: IdMap, lookups: "_Lookups") -> Any:
    """An id as the archive writes it: people and ports by their natural keys, archived rows by archive id."""
    if value is None:
        return None
    if related is User:
        return lookups.username(value)
    if related is Administration:
        return lookups.administration_code(value)
    if related is AccountUnit:
        return lookups.unit_key(value)
    if related is Port:
        return lookups.port_code(value)
    if related in MODELS:
        return ids(related._meta.label_lower, value)
    return value


class _Lookups:
    """Natural keys of the people, administrations, units and ports rows name, read once each."""

    def __init__(self) -> None:
        self.users: dict[int, str] = {}
        self.administrations: dict[int, str] = {}
        self.units: dict[int, list[str]] = {}
        self.ports: dict[int, str] = {}

    def username(self, pk: int) -> str:
        if pk not in self.users:
            self.users[pk] = User.objects.values_list("username", flat=True).get(pk=pk)
        return self.users[pk]

    def administration_code(self, pk: int) -> str:
        if pk not in self.administrations:
            self.administrations[pk] = Administration.objects.values_list("code", flat=True).get(pk=pk)
        return self.administrations[pk]

    def unit_key(self, pk: int) -> list[str]:
        if pk not in self.units:
            self.units[pk] = _unit_key(AccountUnit.objects.select_related("administration").get(pk=pk))
        return self.units[pk]

    def port_code(self, pk: int) -> str:
        if pk not in self.ports:
            self.ports[pk] = Port.objects.values_list("code", flat=True).get(pk=pk)
        return self.ports[pk]


def _context(value: str, ids: IdMap) -> str:
    prefix = "operation:"
    if value.startswith(prefix) and value[len(prefix) :].isdigit():
        return f"{prefix}{ids('operations.operation', int(value[len(prefix) :]))}"
    return value


def _record(instance: models.Model, ids: IdMap, lookups: _Lookups) -> dict[str, Any]:
    """One row as the archive keeps it; its checksum is the SHA-256 of its canonical JSON."""
    label = instance._meta.label_lower
    fields: dict[str, Any] = {}
    for model_field in instance._meta.concrete_fields:
        if model_field.primary_key:
            continue
        if model_field.is_relation:
            assert model_field.related_model is not None
            related = model_field.related_model
            fields[model_field.name] = _reference(
                related,  # type: ignore[arg-type]
                getattr(instance, model_field.attname),
                ids,
                lookups,
            )
        elif isinstance(model_field, models.FileField):
            fields[model_field.name] = getattr(instance, model_field.name).name
        elif model_field.name == "context":
            fields[model_field.name] = _context(getattr(instance, model_field.name), ids)
        else:
            fields[model_field.name] = json.loads(_canonical(model_field.value_from_object(instance)))
    for many in instance._meta.many_to_many:
        related = many.related_model
        values = [
            _reference(related, pk, ids, lookups)  # type: ignore[arg-type]
            for pk in getattr(instance, many.name).values_list("pk", flat=True)
        ]
        fields[many.name] = sorted(values, key=lambda value: json.dumps(value))
    return {"model": label, "pk": ids(label, instance.pk), "fields": fields}


def _checksum(record: dict[str, Any]) -> str:
    return _sha256(_canonical(record))


def _same_ids(label: str, pk: Any) -> Any:
    return pk


def _people(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The administrations, accounts and units the records name, as the target may need to create them."""
    usernames: set[str] = set()
    codes: set[str] = set()
    units: set[tuple[str, str]] = set()
    for record in records:
        model = _LABELS[record["model"]]
        for model_field in [*model._meta.concrete_fields, *model._meta.many_to_many]:
            value = record["fields"].get(model_field.name)
            if value is None or not model_field.is_relation:
                continue
            values = value if model_field.many_to_many else [value]
            if model_field.related_model is User:
                usernames.update(values)
            elif model_field.related_model is Administration:
                codes.update(values)
            elif model_field.related_model is AccountUnit:
                units.update((code, name) for code, name in values)
    users = list(User.objects.filter(username__in=usernames).select_related("administration").order_by("username"))
    codes.update(user.administration.code for user in users if user.administration is not None)
    codes.update(code for code, _name in units)
    administrations = Administration.objects.filter(code__in=codes).order_by("code")
    return {
        "administrations": [
            {
                "code": item.code,
                "name": item.name,
                "name_fr": item.name_fr,
                "kind": item.kind,
                "country": item.country_id,
                "rilo": item.rilo_id,
            }
            for item in administrations
        ],
        "users": [
            {
                "username": user.username,
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "role": user.role,
                "language": user.language,
                "position": user.position,
                "administration": user.administration.code if user.administration is not None else None,
            }
            for user in users
        ],
        "units": [{"administration": code, "name": name} for code, name in sorted(units)],
    }


# --- Export -------------------------------------------------------------------------------------


def operation_archive_export(*, code: str, output: io.BufferedIOBase | Any) -> ArchiveSummary:
    """Write the operation ``code`` and everything that belongs to it to ``output`` as one zip."""
    operation = Operation.objects.filter(code=code).first()
    if operation is None:
        raise ArchiveError(_("No operation has the code %(code)s.") % {"code": code})
    lookups = _Lookups()
    records: list[dict[str, Any]] = []
    files: list[StoredFile] = []
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:  # one consistent picture while the platform writes on
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        for queryset in _rows(operation).values():
            for instance in queryset.order_by("pk"):
                records.append(_record(instance, _same_ids, lookups))
                if isinstance(instance, StoredFile):
                    files.append(instance)
        people = _people(records)
        with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            file_sums: dict[str, str] = {}
            for stored in files:
                try:
                    with default_storage.open(_name(stored), "rb") as handle:
                        content = handle.read()
                except OSError as error:
                    raise ArchiveError(
                        _("The file %(name)s of stored file #%(id)s cannot be read: %(error)s")
                        % {"name": _name(stored), "id": stored.pk, "error": error}
                    ) from None
                member = f"files/{stored.uuid.hex}"
                file_sums[member] = _sha256(content)
                archive.writestr(member, content)
            records_json = _canonical(records)
            people_json = _canonical(people)
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "operation": operation.code,
                "exported_at": timezone.now().astimezone(UTC).isoformat(),
                "records.json": _sha256(records_json),
                "people.json": _sha256(people_json),
                "records": {f"{record['model']}:{record['pk']}": _checksum(record) for record in records},
                "files": file_sums,
            }
            manifest_json = json.dumps(manifest, indent=1, sort_keys=True).encode()
            archive.writestr("records.json", records_json)
            archive.writestr("people.json", people_json)
            archive.writestr("manifest.json", manifest_json)
    return ArchiveSummary(
        code=operation.code, records=len(records), files=len(files), digest=_sha256(manifest_json), checked=False
    )


# --- Reading and checking an archive ------------------------------------------------------------


@dataclass
class _Archive:
    manifest: dict[str, Any]
    digest: str
    records: list[dict[str, Any]]
    people: dict[str, Any]
    files: dict[str, bytes]


def _damaged(reason: str) -> ArchiveError:
    return ArchiveError(_("The archive is damaged: %(reason)s") % {"reason": reason})


def _read(source: Any) -> _Archive:
    """Open the zip and check every checksum before anything is written."""
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
            for required in ("manifest.json", "records.json", "people.json"):
                if required not in names:
                    raise _damaged(_("%(name)s is missing.") % {"name": required})
            manifest_json = archive.read("manifest.json")
            records_json = archive.read("records.json")
            people_json = archive.read("people.json")
            manifest = json.loads(manifest_json)
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise _damaged(_("it is not an operation archive."))
            if manifest.get("version") != VERSION:
                raise ArchiveError(
                    _("This archive has format version %(version)s; this platform reads version %(expected)s.")
                    % {"version": manifest.get("version"), "expected": VERSION}
                )
            files = {name: archive.read(name) for name in manifest.get("files", {}) if name in names}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as error:
        raise _damaged(_("it is not a readable zip file (%(error)s).") % {"error": error}) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _damaged(_("its JSON cannot be read (%(error)s).") % {"error": error}) from None
    if _sha256(records_json) != manifest.get("records.json"):
        raise _damaged(_("the checksum of records.json does not match the manifest."))
    if _sha256(people_json) != manifest.get("people.json"):
        raise _damaged(_("the checksum of people.json does not match the manifest."))
    for name, expected in manifest.get("files", {}).items():
        if name not in files:
            raise _damaged(_("the file %(name)s is missing.") % {"name": name})
        if _sha256(files[name]) != expected:
            raise _damaged(_("the checksum of %(name)s does not match the manifest.") % {"name": name})
    records = json.loads(records_json)
    expected_records = manifest.get("records", {})
    if len(records) != len(expected_records):
        raise _damaged(_("it holds %(count)s records where the manifest lists %(listed)s.") % {
            "count": len(records), "listed": len(expected_records),
        })  # fmt: skip
    for record in records:
        key = f"{record.get('model')}:{record.get('pk')}"
        if record.get("model") not in _LABELS or expected_records.get(key) != _checksum(record):
            raise _damaged(_("the record %(key)s does not match its checksum.") % {"key": key})
    return _Archive(
        manifest=manifest,
        digest=_sha256(manifest_json),
        records=records,
        people=json.loads(people_json),
        files=files,
    )


# --- Import -------------------------------------------------------------------------------------


class _Resolver:
    """Finds, or creates through the account services, the people the archive names."""

    def __init__(self, people: dict[str, Any]) -> None:
        self.people = people
        self.created: list[str] = []
        self.users: dict[str, int] = {}
        self.administrations: dict[str, int] = {}
        self.units: dict[tuple[str, str], int] = {}
        self.references: dict[tuple[type[models.Model], str], Any] = {}

    def prepare(self) -> None:
        for item in self.people["administrations"]:
            existing = Administration.objects.filter(code=item["code"]).first()
            if existing is None:
                existing = account_services.administration_create(
                    code=item["code"],
                    name=item["name"],
                    name_fr=item["name_fr"],
                    kind=item["kind"],
                    country=Country.objects.get(pk=item["country"]) if item["country"] else None,
                    rilo=Rilo.objects.get(pk=item["rilo"]) if item["rilo"] else None,
                )
                self.created.append(f"administration {item['code']}")
            self.administrations[item["code"]] = existing.pk
        for item in self.people["users"]:
            user = User.objects.filter(username=item["username"]).first()
            if user is None:
                user = account_services.user_create(
                    username=item["username"],
                    email=item["email"],
                    password=None,
                    administration=Administration.objects.get(code=item["administration"]),
                    role=item["role"],
                    language=item["language"],
                    first_name=item["first_name"],
                    last_name=item["last_name"],
                    position=item["position"],
                )
                self.created.append(f"user {item['username']}")
            self.users[item["username"]] = user.pk
        for item in self.people["units"]:
            administration = Administration.objects.get(code=item["administration"])
            unit = AccountUnit.objects.filter(administration=administration, name=item["name"]).first()
            if unit is None:
                unit = AccountUnit.objects.create(administration=administration, name=item["name"])
                audit_record(
                    actor=None, action="create", obj=unit, reference=unit.name, administration=administration,
                    after={"administration": administration.pk, "name": unit.name},
                )  # fmt: skip
                self.created.append(f"unit {item['administration']}/{item['name']}")
            self.units[(item["administration"], item["name"])] = unit.pk

    def resolve(self, related: type[models.Model], value: Any, ids: dict[str, dict[Any, Any]]) -> Any:
        if value is None:
            return None
        try:
            if related is User:
                return self.users[value]
            if related is Administration:
                return self.administrations[value]
            if related is AccountUnit:
                return self.units[(value[0], value[1])]
        except KeyError:
            raise _damaged(_("it names %(value)s, which people.json does not list.") % {"value": value}) from None
        if related in MODELS:
            try:
                return ids[related._meta.label_lower][value]
            except KeyError:
                message = _("a record refers to %(model)s %(value)s, which comes later or is not in the archive.")
                raise _damaged(message % {"model": related._meta.label_lower, "value": value}) from None
        key = (related, json.dumps(value))
        if key not in self.references:
            self.references[key] = self._reference(related, value)
        return self.references[key]

    def _reference(self, related: type[models.Model], value: Any) -> Any:
        if related is Port:
            port = Port.objects.filter(code=value).values_list("pk", flat=True).first()
            if port is None:
                raise ArchiveError(_("The port %(code)s is not in this platform's reference data.") % {"code": value})
            return port
        if not related._default_manager.filter(pk=value).exists():
            raise ArchiveError(
                _("%(model)s %(value)s is not in this platform's reference data: run load_reference_data.")
                % {"model": related._meta.verbose_name, "value": value}
            )
        return value


def _ids_free(records: list[dict[str, Any]]) -> bool:
    by_model: dict[str, list[Any]] = {}
    for record in records:
        by_model.setdefault(record["model"], []).append(record["pk"])
    return not any(_LABELS[label]._default_manager.filter(pk__in=pks).exists() for label, pks in by_model.items())


def _unique_taken(records: list[dict[str, Any]]) -> str:
    """A uuid already used by another stored file or seizure: restoring it would break the unique index."""
    for record in records:
        if record["model"] in ("messaging.storedfile", "seizures.seizure"):
            model = _LABELS[record["model"]]
            if model._default_manager.filter(uuid=record["fields"]["uuid"]).exists():
                return f"{record['model']} {record['fields']['uuid']}"
    return ""


def _operation_remove(operation: Operation) -> int:
    """Delete an operation and everything archived with it, for ``--replace``; the trail records it."""
    rows = _rows(operation)
    code, pk = operation.code, operation.pk
    removed = 0
    for model in (Report, DocumentRecipient, Document, PostRecipient):
        removed += rows[model].delete()[0]
    for post in Post.objects.filter(context=operation.context).order_by("-pk"):
        post.attachments.clear()
        removed += Post.objects.filter(pk=post.pk).delete()[0]
    for seizure in rows[Seizure]:
        seizure.attachments.clear()
    removed += Seizure.objects.filter(operation=operation).delete()[0]
    files = list(rows[StoredFile])
    removed += Operation.objects.filter(pk=pk).delete()[0]
    attached = Seizure.attachments.through.objects
    for stored in files:
        used = stored.posts.exists() or stored.documents.exists() or attached.filter(storedfile=stored).exists()
        used = used or Report.objects.filter(models.Q(pdf=stored) | models.Q(xlsx=stored)).exists()
        if not used:  # a file shared with another operation's rows stays
            removed += StoredFile.objects.filter(pk=stored.pk).delete()[0]
    audit_record(
        actor=None, action="delete", object_type="operation", object_id=pk, reference=code,
        before={"code": code}, after={"removed_rows": removed, "reason": "replaced by an archive"},
    )  # fmt: skip
    return removed


def _name(stored: StoredFile) -> str:
    return str(stored.file.name)


def _write_file(stored: StoredFile, content: bytes) -> None:
    """Put the file back under its own name; an identical file already there is kept."""
    name = _name(stored)
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as handle:
            if _sha256(handle.read()) == _sha256(content):
                return
        default_storage.delete(name)
    saved = default_storage.save(name, ContentFile(content))
    if saved != name:
        stored.file.name = saved
        StoredFile.objects.filter(pk=stored.pk).update(file=saved)


def _build(
    model: type[models.Model], record: dict[str, Any], resolver: _Resolver, ids: dict[str, dict[Any, Any]], keep: bool
) -> tuple[models.Model, dict[str, list[Any]]]:
    values: dict[str, Any] = {}
    fields = record["fields"]
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key:
            if keep:
                values[model_field.attname] = record["pk"]
            continue
        value = fields.get(model_field.name)
        if model_field.is_relation:
            values[model_field.attname] = resolver.resolve(model_field.related_model, value, ids)  # type: ignore[arg-type]
        elif model_field.name == "context" and isinstance(value, str):
            values[model_field.name] = _context(value, lambda label, pk: ids[label][pk])
        elif isinstance(model_field, models.FileField | models.JSONField):
            values[model_field.name] = value
        else:
            values[model_field.name] = model_field.to_python(value)
    many = {
        many_field.name: [
            resolver.resolve(many_field.related_model, value, ids)  # type: ignore[arg-type]
            for value in fields.get(many_field.name, [])
        ]
        for many_field in model._meta.many_to_many
    }
    return model(**values), many


def operation_archive_import(*, source: Any, replace: bool = False, renumber: bool = False) -> ArchiveSummary:
    """Restore an archive written by ``operation_archive_export``, checking every checksum before and after.

    Refuses an archive whose operation code exists here, unless ``replace`` removes that operation first
    (in the same transaction, so a failed restore leaves it in place). ``renumber`` gives every row a new id
    even where the source's ids are free."""
    archive = _read(source)
    code = archive.manifest["operation"]
    with transaction.atomic():
        existing = Operation.objects.filter(code=code).first()
        if existing is not None:
            if not replace:
                raise ArchiveError(
                    _("An operation with the code %(code)s already exists; use --replace to replace it.")
                    % {"code": code}
                )
            _operation_remove(existing)
        taken = _unique_taken(archive.records)
        if taken:
            raise ArchiveError(_("This platform already holds %(what)s from another operation.") % {"what": taken})
        resolver = _Resolver(archive.people)
        resolver.prepare()
        keep = not renumber and _ids_free(archive.records)
        ids: dict[str, dict[Any, Any]] = {label: {} for label in _LABELS}
        restored: list[tuple[dict[str, Any], models.Model]] = []
        for model, group in itertools.groupby(archive.records, key=lambda record: _LABELS[record["model"]]):
            restored.extend(_restore(model, list(group), resolver, ids, keep, archive.files))
        if keep:
            _reset_sequences()
        _check_restored(archive, restored, ids)
        operation = Operation.objects.get(code=code)
        audit_record(
            actor=None, action="import", obj=operation, reference=code,
            after={
                "archive_sha256": archive.digest,
                "records": len(archive.records),
                "files": len(archive.files),
                "ids": "kept" if keep else "renumbered",
                "created": resolver.created,
            },
        )  # fmt: skip
    return ArchiveSummary(
        code=code,
        records=len(archive.records),
        files=len(archive.files),
        digest=archive.digest,
        ids="kept" if keep else "renumbered",
        checked=True,
        created_people=resolver.created,
    )


def _restore(
    model: type[models.Model],
    records: list[dict[str, Any]],
    resolver: _Resolver,
    ids: dict[str, dict[Any, Any]],
    keep: bool,
    files: dict[str, bytes],
) -> list[tuple[dict[str, Any], models.Model]]:
    """Write one model's rows: in bulk, unless they have many-to-many fields or point at each other."""
    label = model._meta.label_lower
    restored: list[tuple[dict[str, Any], models.Model]] = []
    bulk = not model._meta.many_to_many and not any(
        model_field.is_relation and model_field.related_model is model for model_field in model._meta.concrete_fields
    )
    if bulk:
        instances = [_build(model, record, resolver, ids, keep)[0] for record in records]
        model._default_manager.bulk_create(instances, batch_size=500)
        restored = list(zip(records, instances, strict=True))
    else:
        for record in records:
            instance, many = _build(model, record, resolver, ids, keep)
            instance.save(force_insert=True)
            for name, values in many.items():
                getattr(instance, name).set(values)
            ids[label][record["pk"]] = instance.pk
            restored.append((record, instance))
    for record, instance in restored:
        assert instance.pk is not None
        ids[label][record["pk"]] = instance.pk
        _keep_clock(instance, record)
        if isinstance(instance, StoredFile):
            _write_file(instance, files[f"files/{instance.uuid.hex}"])
    return restored


def _keep_clock(instance: models.Model, record: dict[str, Any]) -> None:
    """``auto_now`` fields take the time of the save: put back the archived time."""
    stamped = {
        model_field.attname: model_field.to_python(record["fields"][model_field.name])
        for model_field in instance._meta.concrete_fields
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False)
    }
    if stamped:
        type(instance)._default_manager.filter(pk=instance.pk).update(**stamped)


def _reset_sequences() -> None:
    """Rows written with their own ids leave PostgreSQL's sequences behind; move them past the new rows."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(MODELS))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def _check_restored(
    archive: _Archive, restored: Iterable[tuple[dict[str, Any], models.Model]], ids: dict[str, dict[Any, Any]]
) -> None:
    """Read every restored row and file back and compare its checksum with the manifest's."""
    back = {label: {new: old for old, new in mapping.items()} for label, mapping in ids.items()}
    lookups = _Lookups()
    restored = list(restored)
    for model, group in itertools.groupby(restored, key=lambda pair: type(pair[1])):
        pairs = list(group)
        for start in range(0, len(pairs), 500):
            chunk = pairs[start : start + 500]
            again = model._default_manager.in_bulk([instance.pk for _record, instance in chunk])
            for record, instance in chunk:
                _check_one(archive, record, again[instance.pk], back, lookups)


def _check_one(
    archive: _Archive, record: dict[str, Any], again: models.Model, back: dict[str, dict[Any, Any]], lookups: _Lookups
) -> None:
    key = f"{record['model']}:{record['pk']}"
    if _checksum(_record(again, lambda label, pk: back[label][pk], lookups)) != archive.manifest["records"][key]:
        raise ArchiveError(_("The restored record %(key)s differs from the archive.") % {"key": key})
    if isinstance(again, StoredFile):
        with default_storage.open(_name(again), "rb") as handle:
            if _sha256(handle.read()) != archive.manifest["files"][f"files/{again.uuid.hex}"]:
                message = _("The restored file %(name)s differs from the archive.")
                raise ArchiveError(message % {"name": _name(again)})


def archive_timestamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
