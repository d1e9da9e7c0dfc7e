"""``manage.py audit_db_roles [--role NAME] [--create-role] [--apply]``: the runtime role's grants.

Without ``--apply`` it prints the SQL (for a DBA to review and run); with it, runs them on the database of
``DATABASE_URL``, which must be the owner's connection (``migrate`` also applies them at its end when
``DATABASE_RUNTIME_ROLE`` is set). ``--create-role`` creates a NOLOGIN role if it does not exist (roles are
per cluster: any database will do; give it a password and LOGIN yourself in production).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from debt_collections.kernel.db_roles import (
    RoleProblem,
    apply_runtime_grants,
    create_role_sql,
    runtime_grants,
)


class Command(BaseCommand):
    help = "Print or apply the PostgreSQL grants of the runtime role (INSERT, SELECT only on audit events)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", default=None, help="default: settings.DATABASE_RUNTIME_ROLE")
        parser.add_argument("--create-role", action="store_true", help="create the role if it is missing")
        parser.add_argument("--apply", action="store_true", help="run the statements (as the owner)")

    def handle(self, *args: Any, **options: Any) -> None:
        role = options["role"] or settings.DATABASE_RUNTIME_ROLE
        if not role:
            raise CommandError("name the role: --role NAME or DATABASE_RUNTIME_ROLE")
        if connection.vendor != "postgresql":
            raise CommandError("database roles are a PostgreSQL feature (DATABASE_URL=postgres://…)")
        if options["create_role"]:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
                if cursor.fetchone() is None:
                    cursor.execute(create_role_sql(connection, role, login=False))
                    self.stdout.write(f"created role {role}")
        if not options["apply"]:
            for sql in runtime_grants(connection, role):
                self.stdout.write(sql + ";")
            return
        try:
            statements = apply_runtime_grants(connection, role)
        except RoleProblem as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{len(statements)} statements applied for role {role}")
