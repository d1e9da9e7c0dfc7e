"""The daily cycle's run record (ops.services), written by its command and its beat task."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from ops.models import CycleRun
from ops.services import cycle_record_chunk_done, cycle_record_finish, cycle_record_start
from tests.factories import CreditAccountFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
DAY = date(2026, 3, 2)


def test_a_run_is_ok_without_errors_and_errors_with_them() -> None:
    clean = cycle_record_start(as_of=DAY, via="command", now=NOW)
    messy = cycle_record_start(as_of=DAY, via="command", now=NOW)
    cycle_record_finish(
        run_id=clean.pk, now=NOW + timedelta(seconds=5), report={"cases_opened": 3, "as_of": "x"}
    )
    cycle_record_finish(run_id=messy.pk, now=NOW + timedelta(seconds=5), errors=2)
    clean.refresh_from_db()
    messy.refresh_from_db()
    assert (clean.outcome, clean.duration_seconds, clean.report) == ("ok", 5.0, {"cases_opened": 3})
    assert (messy.outcome, messy.errors) == ("errors", 2)


def test_a_fanned_out_run_ends_with_its_last_chunk() -> None:
    run = cycle_record_start(as_of=DAY, via="beat", now=NOW, chunks=3)
    cycle_record_chunk_done(run_id=run.pk, now=NOW + timedelta(seconds=1))
    cycle_record_chunk_done(run_id=run.pk, now=NOW + timedelta(seconds=2), errors=1)
    run.refresh_from_db()
    assert (run.outcome, run.finished_at, run.chunks_done) == ("running", None, 2)

    cycle_record_chunk_done(run_id=run.pk, now=NOW + timedelta(seconds=3))

    run.refresh_from_db()
    assert (run.outcome, run.errors, run.duration_seconds) == ("errors", 1, 3.0)


def test_a_chunk_that_raised_makes_the_run_failed() -> None:
    run = cycle_record_start(as_of=DAY, via="beat", now=NOW, chunks=2)
    cycle_record_chunk_done(run_id=run.pk, now=NOW, failed=True)
    cycle_record_chunk_done(run_id=run.pk, now=NOW + timedelta(seconds=2))
    run.refresh_from_db()
    assert run.outcome == "failed" and run.finished_at is not None


def test_the_command_records_its_run() -> None:
    CreditAccountFactory.create(days_past_due=1)
    call_command("run_collection_cycle", "--as-of", "2026-03-02", stdout=StringIO(), stderr=StringIO())
    [run] = CycleRun.objects.all()
    assert (run.via, run.as_of, run.outcome) == ("command", DAY, "ok")
    assert run.finished_at is not None and "cases_opened" in run.report


def test_the_command_prints_every_count_at_verbosity_2() -> None:
    out = StringIO()
    call_command("run_collection_cycle", "--as-of", "2026-03-02", "-v", "2", stdout=out, stderr=StringIO())
    assert "holds_released: 0" in out.getvalue().splitlines()


def test_the_beat_task_records_one_run_its_chunks_finish() -> None:
    from debt_collections.tasks import run_collection_cycle

    accounts = [CreditAccountFactory.create(days_past_due=1) for _ in range(3)]
    chunks = run_collection_cycle.delay(as_of="2026-03-02", chunk_size=2).get()  # in-process in tests

    [run] = CycleRun.objects.all()
    assert chunks >= 2 and len(accounts) == 3
    assert (run.via, run.chunks, run.chunks_done, run.outcome) == ("beat", chunks, chunks, "ok")
    assert run.finished_at is not None
