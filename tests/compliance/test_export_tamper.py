"""Issue 16: each of the ten rewrites inside an exported range is caught by the export + the standalone
checker (``tools/verify_audit_export.py`` with the public key only), on SQLite and on PostgreSQL; a damaged
chain never stops the export; the wrong public key fails."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from debt_collections.kernel.audit_keys import generate_key_file, public_path
from debt_collections.models import AuditEvent, AuditSeal
from tests.audit_support import CHAIN_LENGTH, REWRITES, build_sealed_chain, owner_privileges, rewrite
from tests.compliance.test_export import check, lines

pytestmark = pytest.mark.django_db


def export_today(tmp_path: Path) -> tuple[Path, str]:
    out, err = tmp_path / "today.jsonl", StringIO()
    today = timezone.now().date().isoformat()
    call_command(
        "export_audit", "--from", today, "--to", today, "--out", str(out), stdout=StringIO(), stderr=err
    )
    return out, err.getvalue()


def test_an_untouched_sealed_chain_exports_and_checks_ok(tmp_path: Path) -> None:
    build_sealed_chain()

    path, warning = export_today(tmp_path)
    result = check(path)

    assert result.returncode == 0, result.stdout
    assert f"OK: {CHAIN_LENGTH} events" in result.stdout
    assert warning == ""


@pytest.mark.parametrize("name", list(REWRITES))
def test_the_export_and_the_standalone_checker_catch_every_rewrite(name: str, tmp_path: Path) -> None:
    # given a sealed chain that an insider rewrote
    build_sealed_chain()
    rewrite(name)

    # when the range is exported (the export does not crash, whatever the damage)
    path, _warning = export_today(tmp_path)

    # then the auditor's checker, given only the file and the public key, fails it
    result = check(path)
    assert result.returncode == 1, result.stdout
    assert result.stdout.startswith("FAILED")


def test_the_checker_with_another_public_key_fails(tmp_path: Path) -> None:
    build_sealed_chain()
    path, _warning = export_today(tmp_path)
    other = tmp_path / "other.pem"
    generate_key_file(other)

    result = check(path, key=public_path(other))

    assert result.returncode == 1
    assert "the wrong public key" in result.stdout


def test_an_export_whose_seal_failed_says_so_and_needs_allow_unsealed(
    tmp_path: Path, monkeypatch: Any
) -> None:
    # given a chain with events after its last checkpoint, and a store that refuses every write
    build_sealed_chain()
    from django.db import transaction

    from debt_collections.kernel import checkpoints, sealing
    from debt_collections.kernel.audit import audit_append
    from tests.factories import SYSTEM

    with transaction.atomic():
        audit_append(actor=SYSTEM, action="test.later", at=timezone.now(), payload={})

    def refuse(self: Any, name: str, data: bytes) -> None:
        raise OSError("store unavailable")

    monkeypatch.setattr(checkpoints.LocalDirectoryStore, "put", refuse)
    monkeypatch.setattr(sealing, "BACKOFF_SECONDS", 0)

    # when the range is exported
    path, warning = export_today(tmp_path)

    # then the failure is recorded and said, and the file fails unless the reader accepts unsealed events
    failure = AuditSeal.objects.filter(ok=False, reason="export").get()
    assert "store unavailable" in failure.error
    assert "not covered by a signed checkpoint" in warning
    assert lines(path)[-1]["unsealed"] == 1
    assert check(path).returncode == 1
    assert "WARNING" in check(path, "--allow-unsealed").stdout


def test_a_row_whose_payload_is_not_json_is_exported_as_is_and_fails_the_check(tmp_path: Path) -> None:
    build_sealed_chain()
    with owner_privileges():
        from debt_collections.kernel.db_triggers import drop_audit_triggers

        drop_audit_triggers(connection)
        with connection.cursor() as cursor:
            table = AuditEvent._meta.db_table
            cursor.execute(f"UPDATE {table} SET payload = %s WHERE seq = 40", ["{not json"])  # noqa: S608

    path, _warning = export_today(tmp_path)

    assert check(path).returncode == 1
    assert AuditEvent.objects.get(seq=40).payload == "{not json"
