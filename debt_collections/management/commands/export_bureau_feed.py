"""``manage.py export_bureau_feed --as-of YYYY-MM-DD --out FILE``: the credit-bureau feed for a date.

Thin entry point: ``credit.feed.bureau_feed_export`` decides what is reported and records it.
The file format is documented in ``docs/bureau-feed.md``. Safe to run twice: the second run for a date
writes a file with no records already exported.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from debt_collections.credit.feed import bureau_feed_export
from debt_collections.errors import DomainError
from ops.progress import Progress


class Command(BaseCommand):
    help = (
        "Write the credit-bureau feed (JSON lines): negative records now eligible and corrections not yet "
        "exported. Each record is exported once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", required=True, help="the feed date, YYYY-MM-DD")
        parser.add_argument("--out", required=True, help="the file to write (replaced atomically)")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = date.fromisoformat(options["as_of"])
        except ValueError as exc:
            raise CommandError(f"--as-of must be YYYY-MM-DD: {exc}") from exc
        shown = options["verbosity"] >= 1 and not options["json"]
        progress = Progress(self.stderr, "export_bureau_feed", unit="cases checked", enabled=shown)
        try:
            with progress:
                report = bureau_feed_export(
                    as_of=as_of, out=options["out"], now=timezone.now(), progress=progress.update
                )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict()))
            return
        self.stdout.write(
            f"{report.path}: {report.negatives} negative, {report.corrections} correction record(s) "
            f"for {report.as_of.isoformat()}"
        )
        for case_id, reason in sorted(report.held_back.items()):
            self.stdout.write(f"held back case {case_id}: {reason}")
