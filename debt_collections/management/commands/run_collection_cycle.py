"""``manage.py run_collection_cycle [--as-of YYYY-MM-DD]``: the daily cycle, in-process, with progress."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from debt_collections.cycle import CHUNK_SIZE, CycleReport, cycle_run


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

        def progress(done: int, total: int, report: CycleReport) -> None:
            if options["verbosity"] >= 1 and not options["json"]:
                self.stderr.write(
                    f"chunk {done}/{total}: {report.cases_opened} opened, {report.escalated} escalated, "
                    f"{report.notices_queued} notices queued"
                )

        report = cycle_run(as_of=as_of, chunk_size=options["chunk_size"], progress=progress)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict()))
            return
        for key, value in report.as_dict().items():
            if key != "errors":
                self.stdout.write(f"{key}: {value}")
        for error in report.errors:
            self.stdout.write(self.style.WARNING(f"skipped: {error}"))
