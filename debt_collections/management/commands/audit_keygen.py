"""``manage.py audit_keygen``: create the audit signing key if it is missing; print the public key.

The private key goes to ``AUDIT_SIGNING_KEY_FILE`` (0600; ``make run`` calls this so a fresh clone gets a
development key under ``var/``), the public key beside it (``.pub.pem``): give that file, and the fingerprint
printed here, to whoever checks exports (``tools/verify_audit_export.py --public-key``). An existing key is
never replaced: every checkpoint signed with it would stop verifying.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from debt_collections.kernel.audit_keys import (
    audit_keys,
    generate_key_file,
    public_key_pem,
    public_path,
)


class Command(BaseCommand):
    help = "Create the audit signing key if missing (never replaces one) and print its public key."

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(settings.AUDIT_SIGNING_KEY_FILE)
        if not settings.AUDIT_SIGNING_KEY and not path.exists():
            generate_key_file(path)
            self.stderr.write(f"created {path} (private, keep it out of the database and backups of it)")
        keys = audit_keys()
        if not settings.AUDIT_SIGNING_KEY:
            public = public_path(path)
            if not public.exists():
                public.write_text(public_key_pem(keys.public), encoding="ascii")
            self.stderr.write(f"public key: {public}")
        self.stdout.write(f"fingerprint {keys.fingerprint}")
        self.stdout.write(public_key_pem(keys.public).rstrip())
