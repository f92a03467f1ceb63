"""Writing many rows at once: ``COPY`` on PostgreSQL, one ``executemany`` elsewhere.

Bulk writers (the seizure import, the simulation of large operations) produce rows whose every
value the model's services would have written, and need their primary keys before they write, so
that rows referring to each other (a seizure, its lines, its audit entries and events) go out in a
few statements. Nothing here knows a domain rule: callers hand over validated rows.
"""

import datetime
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models


def ids_reserve(model: type[models.Model], count: int) -> int:
    """The first of ``count`` consecutive primary keys, which no other writer will be given.

    On PostgreSQL they are taken from the table's sequence; callers that need them in the order of a
    chain (the audit trail) hold that chain's lock meanwhile. Elsewhere (SQLite, which serialises
    writers) they follow the largest key in the table.
    """
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s)", [sequence])
            first = int(cursor.fetchone()[0])
            if count > 1:
                cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
            return first
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        return int(cursor.fetchone()[0]) + 1


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, uuid.UUID):
        return value.hex
    return value


def rows_copy(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write ``rows`` (values in the order of ``columns``, JSON already encoded) into the model's table.

    Returns how many. PostgreSQL gets them through ``COPY ... FROM STDIN``; other databases through
    one parameterised ``INSERT`` run for every row.
    """
    table = model._meta.db_table
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        values = [tuple(_sqlite_value(value) for value in row) for row in rows]
        placeholders = ", ".join(["%s"] * len(columns))
        if values:
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", values)
        return len(values)
