"""``manage.py import_seizures FILE --operation CODE [--user USERNAME]``: a bulk import from the shell."""

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from operations.models import Operation
from seizures import services


class Command(BaseCommand):
    help = "Import a CSV or XLSX file of seizures into an operation: the whole file, or nothing if any row is wrong."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV (UTF-8) or XLSX file, platform or CITES trade database layout")
        parser.add_argument("--operation", required=True, help="code of the operation, such as DEMETER-2026")
        parser.add_argument("--user", help="username of the importing coordinator (default: the first coordinator)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        operation = Operation.objects.filter(code=options["operation"]).first()
        if operation is None:
            raise CommandError(f"No operation has the code {options['operation']}.")
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user has the username {options['user']}.")
        else:
            user = operation.coordinators.order_by("id").first()
            if user is None:
                raise CommandError(f"Operation {operation.code} has no coordinator to import as.")
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        try:
            result = services.seizures_import(user=user, operation=operation, name=path.name, content=content)
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            messages = error.messages
            for message in messages:
                self.stderr.write(message)
            raise CommandError(f"Nothing imported: {len(messages)} errors in {path.name}.") from None
        self.stdout.write(f"Imported {len(result.seizures)} seizures ({result.lines} lines) into {operation.code}.")
