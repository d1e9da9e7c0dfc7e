"""``manage.py restore_wrong_party <contact_point_id> --by USERNAME --verified-via TEXT --reason TEXT``.

The recorded path back for a customer who pressed "this is not me" by mistake (issue 12): a supervisor
or compliance officer, after verifying the customer's identity through another channel, restores the
number for that customer only (``services.quarantine_release``; audited). A thin entry point.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from debt_collections.errors import DomainError
from debt_collections.kernel.audit import Actor
from debt_collections.services.quarantine_release import contact_quarantine_release_for_customer


class Command(BaseCommand):
    help = "Restore a wrong-party quarantined contact point for its own customer only (after an ID check)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("contact_point_id", type=int)
        parser.add_argument("--by", required=True, help="username of the supervisor or compliance officer")
        parser.add_argument("--verified-via", required=True, help="how identity was verified (other channel)")
        parser.add_argument("--reason", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["by"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['by']!r}.")
        try:
            release = contact_quarantine_release_for_customer(
                contact_point_id=options["contact_point_id"],
                actor=Actor.for_user(user),
                verified_via=options["verified_via"],
                reason=options["reason"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Restored for customer {release.customer_id} only; quarantine {release.quarantine_id} stays for "
            "everyone else."
        )
