"""``manage.py run_collection_cycle [--as-of YYYY-MM-DD]``: the daily cycle, in-process, with progress.

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

from debt_collections.cycle import CHUNK_SIZE, CycleReport, cycle_run
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

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = date.fromisoformat(options["as_of"]) if options["as_of"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--as-of must be YYYY-MM-DD: {exc}") from exc
        verbosity = options["verbosity"]
        shown = verbosity >= 1 and not options["json"]
        progress = Progress(self.stderr, "cycle", unit="chunks", enabled=shown)

        def on_chunk(done: int, total: int, report: CycleReport) -> None:
            opened, escalated, queued = report.cases_opened, report.escalated, report.notices_queued
            progress.update(done, total, note=f"{opened} opened, {escalated} escalated, {queued} queued")

        started = timezone.now()
        run = cycle_record_start(as_of=as_of, via="command", now=started)
        with log_context(request_id=new_id(f"cycle-{as_of.isoformat()}-")):
            try:
                with progress:
                    report = cycle_run(as_of=as_of, chunk_size=options["chunk_size"], progress=on_chunk)
            except BaseException:
                cycle_record_finish(run_id=run.pk, now=timezone.now(), failed=True)
                raise
        finished = timezone.now()
        counts = report.as_dict()
        cycle_record_finish(run_id=run.pk, now=finished, report=counts, errors=len(report.errors))
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
