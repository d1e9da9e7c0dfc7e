"""The runtime role (PostgreSQL): it appends and reads audit events, and cannot rewrite them.

CI's PostgreSQL pass sets ``DATABASE_RUNTIME_ROLE`` and the whole suite runs as that role
(``tests/conftest.py``); these tests show what it is refused. Elsewhere they are skipped.
"""

from __future__ import annotations

import os
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from debt_collections.kernel.audit import audit_append
from debt_collections.models import AuditEvent
from tests.audit_support import runtime_role
from tests.factories import SYSTEM

TABLE = AuditEvent._meta.db_table

REFUSED = {
    "disable-trigger": f"ALTER TABLE {TABLE} DISABLE TRIGGER ALL",
    "drop-trigger": f"DROP TRIGGER {TABLE}_no_update_delete ON {TABLE}",
    "update": f"UPDATE {TABLE} SET action = 'x'",  # noqa: S608
    "delete": f"DELETE FROM {TABLE}",  # noqa: S608
    "truncate": f"TRUNCATE {TABLE}",
}


@pytest.fixture
def as_runtime_role(db: None) -> str:
    role = runtime_role()
    if not role:
        pytest.skip("PostgreSQL with DATABASE_RUNTIME_ROLE only (CI's PostgreSQL pass)")
    return role


@pytest.mark.django_db
def test_ci_postgres_pass_runs_the_suite_as_the_runtime_role() -> None:
    if connection.vendor != "postgresql" or not os.environ.get("REQUIRE_SERVICES"):
        pytest.skip("CI's PostgreSQL pass only")
    role = runtime_role()
    assert role, "CI must set DATABASE_RUNTIME_ROLE"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == role


@pytest.mark.parametrize("statement", list(REFUSED.values()), ids=list(REFUSED))
def test_the_runtime_role_cannot_rewrite_the_audit_table(as_runtime_role: str, statement: str) -> None:
    # given an event
    with transaction.atomic():
        audit_append(actor=SYSTEM, action="test.kept", at=timezone.now(), payload={})

    # when the runtime role tries to change history, then PostgreSQL refuses on privileges (not a trigger)
    with pytest.raises(DatabaseError, match="must be owner|permission denied"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)

    # and the event is still there, unchanged
    assert AuditEvent.objects.filter(action="test.kept").count() == 1


def test_the_runtime_role_appends_and_reads_audit_events(as_runtime_role: str) -> None:
    with transaction.atomic():
        event = audit_append(actor=SYSTEM, action="test.appended", at=timezone.now(), payload={"a": 1})

    assert AuditEvent.objects.get(pk=event.pk).payload == {"a": 1}


def test_audit_db_roles_prints_insert_and_select_only_on_the_audit_table(as_runtime_role: str) -> None:
    out = StringIO()

    call_command("audit_db_roles", stdout=out)

    printed = out.getvalue()
    assert f'GRANT SELECT, INSERT ON "{TABLE}" TO "{as_runtime_role}";' in printed
    assert f'REVOKE ALL ON "{TABLE}" FROM "{as_runtime_role}";' in printed
