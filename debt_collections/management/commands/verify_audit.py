"""``manage.py verify_audit [--public-key FILE]``: verify the audit chain against itself, its MACs and every
signed checkpoint in the store. Exit 0 with ``OK …`` (and how many events are not yet sealed), or exit 1
naming the first seq that differs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Sum

from debt_collections.kernel.audit_keys import audit_keys, load_public_key
from debt_collections.kernel.audit_verify import verify_chain
from debt_collections.kernel.checkpoints import checkpoint_store, checkpoints_load
from debt_collections.models import AuditChainHead
from ops.progress import Progress


class Command(BaseCommand):
    help = "Verify the audit chain and every signed checkpoint; name the first seq that differs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk", type=int, default=50_000, help="events read per round trip")
        parser.add_argument(
            "--public-key",
            help="verify checkpoints with this PEM public key (default: the configured signing key's)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        keys = audit_keys()
        public = keys.public
        if options["public_key"]:
            try:
                public = load_public_key(Path(options["public_key"]).read_bytes())
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read the public key: {exc}") from exc
        stored = checkpoints_load(checkpoint_store(), public)
        # The heads' last seq is what "100 %" means (events appended meanwhile are not verified).
        total = AuditChainHead.objects.aggregate(n=Sum("last_seq"))["n"] or 0
        shown = options["verbosity"] >= 1
        with Progress(self.stderr, "verify_audit", total=total, unit="events", enabled=shown) as bar:
            report = verify_chain(chunk=options["chunk"], progress=bar.update, stored=stored, keys=keys)
        if report.ok:
            self.stdout.write(report.describe())
            return
        self.stderr.write(report.describe())
        sys.exit(1)
