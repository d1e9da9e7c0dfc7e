"""PostgreSQL roles: an owner that runs migrations, and a runtime role that cannot rewrite history.

The application, its Celery workers and the daily cycle connect as the runtime role
(``settings.DATABASE_RUNTIME_ROLE``). It may read and write every table it needs, except the audit table, on
which it has INSERT and SELECT and nothing else: it does not own the table, so it cannot ``ALTER TABLE …
DISABLE TRIGGER``, ``UPDATE``, ``DELETE`` or ``TRUNCATE`` it, drop the triggers, or grant itself more.
Only the owner (used for ``migrate`` and nothing else) can; the signed checkpoints catch what the owner does.

``migrate`` re-applies these grants at its end when the setting names a role (``post_migrate``), so a table
added later is covered; ``manage.py audit_db_roles`` prints or applies them by hand.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

from debt_collections.models import AuditEvent

AUDIT_TABLE = AuditEvent._meta.db_table


class RoleProblem(Exception):
    pass


def runtime_grants(connection: BaseDatabaseWrapper, role: str) -> list[str]:
    """The statements that give ``role`` exactly the runtime privileges (safe to run again)."""
    r = connection.ops.quote_name(role)
    audit = connection.ops.quote_name(AUDIT_TABLE)
    return [
        f"GRANT USAGE ON SCHEMA public TO {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {r}",
        # The audit table: append and read, nothing else.
        f"REVOKE ALL ON {audit} FROM PUBLIC",
        f"REVOKE ALL ON {audit} FROM {r}",
        f"GRANT SELECT, INSERT ON {audit} TO {r}",
    ]


def create_role_sql(connection: BaseDatabaseWrapper, role: str, *, login: bool) -> str:
    r = connection.ops.quote_name(role)
    kind = "LOGIN" if login else "NOLOGIN"
    return f"CREATE ROLE {r} {kind} NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOBYPASSRLS"


def check_runtime_role(connection: BaseDatabaseWrapper, role: str) -> None:
    """Raise ``RoleProblem`` if ``role`` is missing, a superuser, or the audit table's owner (either would
    make the grants meaningless)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
        row = cursor.fetchone()
        if row is None:
            raise RoleProblem(f"the role {role!r} does not exist (audit_db_roles --create-role creates it)")
        if row[0] or row[1]:
            raise RoleProblem(f"the role {role!r} is a superuser or bypasses row security: it may do all")
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = %s", [AUDIT_TABLE])
        owner = cursor.fetchone()
    if owner is not None and owner[0] == role:
        raise RoleProblem(f"the role {role!r} owns {AUDIT_TABLE}: run migrations as another role")


def apply_runtime_grants(connection: BaseDatabaseWrapper, role: str) -> list[str]:
    """Check the role, then grant. Returns the statements run. PostgreSQL only."""
    if connection.vendor != "postgresql":
        raise RoleProblem("database roles are a PostgreSQL feature")
    check_runtime_role(connection, role)
    statements = runtime_grants(connection, role)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    return statements
