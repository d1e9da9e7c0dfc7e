"""``manage.py verify_audit``: recompute the audit chain; exit 0 with ``OK <n> events`` or 1 naming the
first broken event."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Sum

from debt_collections.kernel.audit import verify_chain
from debt_collections.models import AuditChainHead
from ops.progress import Progress


class Command(BaseCommand):
    help = "Recompute the tamper-evident audit chain and name the first broken event, if any."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk", type=int, default=2000, help="events read per database round trip")

    def handle(self, *args: Any, **options: Any) -> None:
        # The heads' last seq is what "100 %" means (events appended meanwhile are not verified).
        total = AuditChainHead.objects.aggregate(n=Sum("last_seq"))["n"] or 0
        shown = options["verbosity"] >= 1
        with Progress(self.stderr, "verify_audit", total=total, unit="events", enabled=shown) as bar:
            report = verify_chain(chunk=options["chunk"], progress=bar.update)
        if report.ok:
            self.stdout.write(report.describe())
            return
        self.stderr.write(report.describe())
        sys.exit(1)
