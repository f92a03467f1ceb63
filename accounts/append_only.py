"""Database guards that keep the audit trail and the access log append-only, whatever client writes.

The models refuse updates and deletes too, but only the database can refuse them to a raw SQL client.
The chain head may only move forward, to the newest audit event and its digest.
"""

APPEND_ONLY_TABLES = ("accounts_auditevent", "accounts_accesslog")
HEAD_TABLE = "accounts_audithead"

_HEAD_IS_NEWEST = (
    "NEW.id = 1 AND NEW.last_event_id = (SELECT max(id) FROM accounts_auditevent) "
    "AND EXISTS (SELECT 1 FROM accounts_auditevent WHERE id = NEW.last_event_id AND digest = NEW.digest)"
)

_POSTGRESQL_FUNCTIONS = [
    """
    CREATE OR REPLACE FUNCTION accounts_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused',
            ERRCODE = 'integrity_constraint_violation';
    END
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION accounts_audithead_advance() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.last_event_id <= OLD.last_event_id THEN
            RAISE EXCEPTION USING
                MESSAGE = 'the audit chain head only moves forward', ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF NOT ({_HEAD_IS_NEWEST}) THEN
            RAISE EXCEPTION USING
                MESSAGE = 'the audit chain head must name the newest event and its digest',
                ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END
    $$
    """,
]


def install_sql(vendor: str) -> list[str]:
    """Statements creating the triggers on this database vendor (none on others)."""
    if vendor == "postgresql":
        statements = list(_POSTGRESQL_FUNCTIONS)
        for table in APPEND_ONLY_TABLES:
            statements += [
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION accounts_refuse_change()",
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION accounts_refuse_change()",
            ]
        return [
            *statements,
            f"CREATE TRIGGER {HEAD_TABLE}_advance BEFORE INSERT OR UPDATE ON {HEAD_TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION accounts_audithead_advance()",
            f"CREATE TRIGGER {HEAD_TABLE}_append_only BEFORE DELETE ON {HEAD_TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION accounts_refuse_change()",
            f"CREATE TRIGGER {HEAD_TABLE}_no_truncate BEFORE TRUNCATE ON {HEAD_TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION accounts_refuse_change()",
        ]
    if vendor == "sqlite":
        statements = []
        for table in APPEND_ONLY_TABLES:
            for event in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {event} refused'); END"
                )
        return [
            *statements,
            f"CREATE TRIGGER {HEAD_TABLE}_no_delete BEFORE DELETE ON {HEAD_TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{HEAD_TABLE} cannot be removed'); END",
            f"CREATE TRIGGER {HEAD_TABLE}_insert BEFORE INSERT ON {HEAD_TABLE} WHEN NOT ({_HEAD_IS_NEWEST}) "
            "BEGIN SELECT RAISE(ABORT, 'the audit chain head must name the newest event and its digest'); END",
            f"CREATE TRIGGER {HEAD_TABLE}_advance BEFORE UPDATE ON {HEAD_TABLE} "
            f"WHEN NEW.last_event_id <= OLD.last_event_id OR NOT ({_HEAD_IS_NEWEST}) "
            "BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves forward, to the newest event'); END",
        ]
    return []


def remove_sql(vendor: str) -> list[str]:
    """Statements dropping the triggers again: for reversing the migration, and for flushing a test database."""
    if vendor == "postgresql":
        statements = []
        for table in APPEND_ONLY_TABLES:
            statements += [
                f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
                f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            ]
        return [
            *statements,
            f"DROP TRIGGER IF EXISTS {HEAD_TABLE}_advance ON {HEAD_TABLE}",
            f"DROP TRIGGER IF EXISTS {HEAD_TABLE}_append_only ON {HEAD_TABLE}",
            f"DROP TRIGGER IF EXISTS {HEAD_TABLE}_no_truncate ON {HEAD_TABLE}",
            "DROP FUNCTION IF EXISTS accounts_audithead_advance()",
            "DROP FUNCTION IF EXISTS accounts_refuse_change()",
        ]
    if vendor == "sqlite":
        statements = [
            f"DROP TRIGGER IF EXISTS {table}_no_{event}"
            for table in APPEND_ONLY_TABLES
            for event in ("update", "delete")
        ]
        return [
            *statements,
            f"DROP TRIGGER IF EXISTS {HEAD_TABLE}_no_delete",
            f"DROP TRIGGER IF EXISTS {HEAD_TABLE}_insert",
            f"DROP TRIGGER IF EXISTS {HEAD_TABLE}_advance",
        ]
    return []
