"""``manage.py run_collection_cycle [--as-of YYYY-MM-DD] [--fan-out]``: the daily cycle, with progress.

In-process by default (the chunks one after another); ``--fan-out`` sends the chunks to the workers as
a Celery group, as beat does, and waits for them (needs a result backend). Either way ``cycle_start``
runs first and every step gets the one clock read here.

Prints one summary line (the counts that are not zero; every count with ``-v 2``, JSON with ``--json``)
and records the run for the metrics (``ops.models.CycleRun``). Its log lines share one
``cycle-<date>-<hex>`` request id.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import CreditAccount
from debt_collections.cycle import CHUNK_SIZE, CycleReport, chunks, cycle_run, cycle_send_chunks, cycle_start
from debt_collections.services.queue import queue_refresh_due_all
from ops.logs import log_context, new_id
from ops.progress import Progress
from ops.services import cycle_record_finish, cycle_record_start

SHOWN_ERRORS = 10  # skipped accounts listed at the default verbosity (all with -v 2 or --json)


class Command(BaseCommand):
    help = "Run the daily collection cycle for a date (default: today, UTC). Safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", help="the cycle date, YYYY-MM-DD")
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument(
            "--fan-out",
            action="store_true",
            help="send the chunks to the Celery workers as a group (as beat does) and wait for them; "
            "needs a result backend. Without it the chunks run one after another in this process.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = timezone.now()  # the run's one clock, passed to every step and chunk
        try:
            as_of = date.fromisoformat(options["as_of"]) if options["as_of"] else timezone.localdate(started)
        except ValueError as exc:
            raise CommandError(f"--as-of must be YYYY-MM-DD: {exc}") from exc
        verbosity = options["verbosity"]
        shown = verbosity >= 1 and not options["json"]
        progress = Progress(self.stderr, "cycle", unit="chunks", enabled=shown)

        def on_chunk(done: int, total: int, report: CycleReport) -> None:
            opened, escalated, queued = report.cases_opened, report.escalated, report.notices_queued
            progress.update(done, total, note=f"{opened} opened, {escalated} escalated, {queued} queued")

        if options["fan_out"]:
            report = self._fan_out(
                as_of=as_of, now=started, chunk_size=options["chunk_size"], on_chunk=on_chunk
            )
            counts = report.as_dict()
        else:
            run = cycle_record_start(as_of=as_of, via="command", now=started)
            with log_context(request_id=new_id(f"cycle-{as_of.isoformat()}-")):
                try:
                    with progress:
                        report = cycle_run(
                            as_of=as_of, chunk_size=options["chunk_size"], now=started, progress=on_chunk
                        )
                except BaseException:
                    cycle_record_finish(run_id=run.pk, now=timezone.now(), failed=True)
                    raise
            counts = report.as_dict()
            cycle_record_finish(run_id=run.pk, now=timezone.now(), report=counts, errors=len(report.errors))
            # The work queue's rows the day's changes marked due, computed here as the periodic task
            # (debt_collections.queue_refresh_due) would on the workers: the queue is right when this returns.
            counts["queue_rows_refreshed"] = queue_refresh_due_all(now=timezone.now())
        finished = timezone.now()
        if options["json"]:
            self.stdout.write(json.dumps(counts))
            return
        if verbosity >= 2:
            for key, value in counts.items():
                if key != "errors":
                    self.stdout.write(f"{key}: {value}")
        else:
            nonzero = {key: value for key, value in counts.items() if isinstance(value, int) and value}
            done = ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in nonzero.items())
            seconds = (finished - started).total_seconds()
            self.stdout.write(f"Cycle {as_of.isoformat()} done in {seconds:.1f}s: {done or 'nothing to do'}.")
        shown = report.errors if verbosity >= 2 else report.errors[:SHOWN_ERRORS]
        for error in shown:
            self.stdout.write(self.style.WARNING(f"skipped: {error}"))
        if len(shown) < len(report.errors):
            more = len(report.errors) - len(shown)
            self.stdout.write(self.style.WARNING(f"… and {more} more (-v 2 lists all)"))

    def _fan_out(self, *, as_of: date, now: Any, chunk_size: int, on_chunk: Any) -> CycleReport:
        """``cycle_start`` here, the chunks as a Celery group (the chunk tasks end the run record), and
        their reports summed as they arrive."""
        report = cycle_start(as_of=as_of, now=now)
        ranges = list(chunks(CreditAccount, chunk_size))
        run = cycle_record_start(
            as_of=as_of, via="command --fan-out", now=now, chunks=len(ranges), errors=len(report.errors)
        )
        if not ranges:
            cycle_record_finish(run_id=run.pk, now=timezone.now(), errors=len(report.errors))
            return report
        result = cycle_send_chunks(as_of=as_of, now=now, ranges=ranges, run_id=run.pk)
        for index, chunk in enumerate(result.get(), start=1):
            part = CycleReport(as_of=as_of)
            for key, value in chunk.items():
                if key not in ("as_of", "errors"):
                    setattr(part, key, value)
            part.errors.extend(chunk["errors"])
            report.add(part)
            on_chunk(index, len(ranges), report)
        return report
