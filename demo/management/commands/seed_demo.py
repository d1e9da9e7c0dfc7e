"""``manage.py seed_demo``: demo customers, accounts and cases in every state, with the history behind
every compliance report (calls allowed and blocked, plans, payments, waivers, disputes, notices,
wrong-party reports, limit changes), plus demo logins and agencies.

A thin entry point (CONVENTIONS §13): the data and its stories live in the ``demo``
package, and every row with a service is written through it. Safe to repeat: a second run creates
nothing and only resets the demo passwords (and re-anchors the agencies' dates to today).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test import override_settings
from django.utils import timezone

from debt_collections.services import link_resolve
from demo.reference import DEFAULT_CUSTOMERS
from demo.writer import DemoSummary, seed_demo, summary_lines
from ops.progress import Progress


def short_summary_lines(summary: DemoSummary) -> list[str]:
    """What ``make run`` shows above the server's lines: counts, logins and the customer link."""
    people = {label: n for label, n in summary.counts.items() if label not in ("users", "agencies")}
    counts = ", ".join(f"{n} {label}" for label, n in people.items())
    states = ", ".join(f"{state} {n}" for state, n in summary.cases_by_state.items())
    full = summary_lines(summary)
    logins = full[full.index(next(x for x in full if x.startswith("Demo logins"))) :]
    return [
        f"Demo data {'created' if summary.created else 'already present (nothing created)'}: {counts}.",
        f"Cases by state: {states}.",
        "(-v 2 adds the history behind the compliance reports and the demo agencies.)",
        "",
        *logins,
    ]


class Command(BaseCommand):
    help = (
        "Create demo customers, accounts and cases in every state with their history (calls, plans, "
        "payments, waivers, disputes, notices), and demo logins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--customers",
            type=int,
            default=DEFAULT_CUSTOMERS,
            help=f"how many demo customers to create (default {DEFAULT_CUSTOMERS})",
        )
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="seed even though DEBUG is off (the demo logins have public passwords)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo creates a superuser whose password is printed and public: refuse where DEBUG is off
        # (production settings) unless asked explicitly.
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "DEBUG is off: seed_demo creates logins with public passwords. "
                "Pass --allow-without-debug if this really is a demo database."
            )
        if options["customers"] < 1:
            raise CommandError("--customers must be at least 1.")
        verbosity = options["verbosity"]
        progress = Progress(self.stderr, "seed_demo", unit="steps", enabled=verbosity >= 1)

        def stage(message: str) -> None:  # "Writing customers…": a line with -v 2, else the bar's note
            if verbosity >= 2:
                progress.note(message)
            else:
                progress.update(progress.done, note=message.strip().split(";")[0][:60])

        # The history's emails (months of reminders) go to memory, not the console: the outbox rows and
        # the case timelines hold every text, and the console stays readable for the logins below.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), progress:
            summary = seed_demo(customers=options["customers"], progress=stage, steps=progress.update)
        lines = summary_lines(summary) if verbosity >= 2 else short_summary_lines(summary)
        self.stdout.write("\n".join(lines))
        if summary.skipped:
            self.stdout.write(
                self.style.WARNING(f"{len(summary.skipped)} demo steps were refused by the services (above).")
            )
        if summary.customer_link:
            # What a tester types into the page's identity check (demo data only).
            token = summary.customer_link.rstrip("/").rsplit("/", 1)[-1]
            customer = link_resolve(token, now=timezone.now()).case.customer
            self.stdout.write(
                f"  verify with: ID number last 4 = {customer.national_id_last4}, "
                f"date of birth = {customer.date_of_birth.isoformat()}"
            )
