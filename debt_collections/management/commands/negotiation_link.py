"""``manage.py negotiation_link <case_id> [--contact-point ID]``: create a link and print its full URL.

A thin entry point (CONVENTIONS §13): ``services.link_create`` does the work and the audit. With DEBUG on
(development, the demo) it also prints the answers to the page's identity check, on stderr.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from debt_collections.errors import DomainError
from debt_collections.kernel.audit import Actor
from debt_collections.services import link_create


class Command(BaseCommand):
    help = "Create a signed negotiation-page link for a case and print its URL (SITE_URL/n/<token>/)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("case_id", type=int, help="the collection case")
        parser.add_argument(
            "--contact-point",
            type=int,
            default=None,
            help="the contact point the link is sent to (its wrong-party report and opt-outs act on it)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            link, url = link_create(
                case_id=options["case_id"],
                contact_point_id=options["contact_point"],
                actor=Actor.system("negotiation_link"),
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(f"Link {link.id} expires {link.expires_at:%Y-%m-%d %H:%M} UTC.")
        if settings.DEBUG:
            # What a tester types into the page's identity check: development and demo only (DEBUG), never
            # on a production console or log.
            customer = link.case.customer
            self.stderr.write(
                f"  verify with: ID number last 4 = {customer.national_id_last4}, "
                f"date of birth = {customer.date_of_birth.isoformat()}"
            )
        self.stdout.write(url)
