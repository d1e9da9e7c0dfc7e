"""The bureau feed is decided under the cases' locks and written to disk after the commit (issue 10: the
fsync no longer runs inside the transaction); a failed write hands the records back for the next run."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.db import connection

from debt_collections.credit import feed
from debt_collections.models import AuditEvent, BureauRecord
from tests.debt_collections.test_credit_reporting import NOW, N, _env, delivered, export  # noqa: F401 (_env)

pytestmark = pytest.mark.django_db


def test_the_file_is_written_once_the_records_are_stamped_and_the_transaction_closed(
    django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    delivered(django_capture_on_commit_callbacks)
    seen: list[tuple[int, int]] = []
    write = feed.write_lines

    def spy(path: Path, lines: list[dict[str, object]]) -> None:
        # the records are already stamped, and the service's own atomic block is closed (the test's
        # outer transaction is all that is left open)
        seen.append(
            (BureauRecord.objects.filter(exported_at__isnull=False).count(), len(connection.atomic_blocks))
        )
        write(path, lines)

    with mock.patch.object(feed, "write_lines", side_effect=spy):
        report, lines = export(tmp_path, N + 1)

    assert report.negatives == 1 and len(lines) == 1
    assert seen == [(1, 1)]


def test_a_failed_write_hands_the_records_back_to_the_next_run(
    django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    case = delivered(django_capture_on_commit_callbacks)

    with mock.patch.object(feed, "write_lines", side_effect=OSError("disk full")), pytest.raises(OSError):
        export(tmp_path, N + 1, "lost.jsonl")

    record = BureauRecord.objects.get(case=case)
    assert (record.exported_at, record.feed_file) == (None, "")
    assert AuditEvent.objects.filter(case=case, action="credit_report.export_failed").exists()
    assert not (tmp_path / "lost.jsonl").exists()

    again, lines = export(tmp_path, N + 1, "retry.jsonl")
    assert again.negatives == 1 and lines[0]["record_id"] == record.pk
    assert NOW + timedelta(days=N + 1) == BureauRecord.objects.get(pk=record.pk).exported_at


def test_the_rules_speak_the_models_values() -> None:
    from debt_collections.models import CaseState, CreditReportNotice, Dispute
    from debt_collections.policies import credit_reporting as rules

    statuses = {rules.PENDING, rules.ELIGIBLE, rules.REPORTED, rules.SUPPRESSED, rules.CORRECTED}
    assert statuses == set(CreditReportNotice.Status.values)
    assert set(rules.CORRECTING_KINDS) | {rules.CONDUCT_COMPLAINT} <= set(Dispute.Kind.values)
    assert {*rules.FINISHED_CASE_STATES, rules.ON_PLAN, rules.ON_HOLD} <= set(CaseState.values)
