"""``manage.py export_audit --from YYYY-MM-DD --to YYYY-MM-DD [--case ID] --out FILE.jsonl``

Writes the evidence export (format: ``compliance.exports``) and records it in the audit chain
(``compliance.export``, actor ``system:export_audit`` with the operating-system user). Check the file with
``python3 tools/verify_audit_export.py --public-key KEY.pub.pem FILE.jsonl``.
"""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from compliance import exports, services
from debt_collections.errors import DomainError
from debt_collections.kernel.audit import Actor
from debt_collections.models import CollectionCase
from ops.progress import Progress


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = "Export the audit events of a date range (optionally one case's span) as verifiable JSON Lines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="date_from", required=True, help="first UTC day, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="last UTC day (included), YYYY-MM-DD")
        parser.add_argument("--case", dest="case_id", type=int, default=None, help="only this case's span")
        parser.add_argument("--out", required=True, help="file to write (JSON Lines)")

    def handle(self, *args: Any, **options: Any) -> None:
        date_from, date_to = _day(options["date_from"]), _day(options["date_to"])
        case_id = options["case_id"]
        if case_id is not None and not CollectionCase.objects.filter(pk=case_id).exists():
            raise CommandError(f"there is no case {case_id}")
        try:
            os_user = getpass.getuser()
        except (KeyError, OSError):  # no name for this uid (containers)
            os_user = "unknown"
        actor = Actor.system("export_audit")
        try:
            span = services.audit_export_start(
                actor=actor,
                date_from=date_from,
                date_to=date_to,
                case_id=case_id,
                via=f"manage.py export_audit (os user {os_user})",
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        out = Path(options["out"])
        written = 0
        progress = Progress(
            self.stderr, "export_audit", total=span.count, unit="events", enabled=options["verbosity"] >= 1
        )
        with progress, out.open("w", encoding="utf-8", newline="\n") as fh:
            for line in exports.audit_jsonl_lines(span, exported_at=timezone.now(), exported_by=actor.label):
                fh.write(line)
                written += 1
                if written % 1000 == 0:
                    progress.update(written)
            progress.update(written)
        scope = f" (case {case_id}: {span.case_events} of its events)" if case_id is not None else ""
        chains = ", ".join(
            f"chain {c.chain} seq {c.anchor_seq + 1}–{c.last_seq} (last hash {c.last_hash[:16]}…)"
            for c in span.chains
        )
        self.stdout.write(
            f"{span.count} events{scope} written to {out}: {chains or 'no chain'}; "
            f"public key {span.key_fingerprint}"
        )
        if span.unsealed:
            # The seal before the export failed (see the chain status): say so where the operator looks.
            self.stderr.write(
                f"WARNING: {span.unsealed} events are not covered by a signed checkpoint; "
                "the file will not verify without --allow-unsealed. Check the chain status."
            )
