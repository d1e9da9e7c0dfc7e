"""``manage.py verify_audit``: recompute the audit chain; exit 0 with ``OK <n> events`` or 1 naming the
first broken event."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from debt_collections.kernel.audit import verify_chain


class Command(BaseCommand):
    help = "Recompute the tamper-evident audit chain and name the first broken event, if any."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk", type=int, default=2000, help="events read per database round trip")

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(n: int) -> None:
            self.stderr.write(f"… {n} events verified")

        report = verify_chain(chunk=options["chunk"], progress=progress if options["verbosity"] > 1 else None)
        if report.ok:
            self.stdout.write(report.describe())
            return
        self.stderr.write(report.describe())
        sys.exit(1)
