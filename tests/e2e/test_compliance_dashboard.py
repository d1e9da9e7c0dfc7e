"""The compliance dashboard in a real browser: staff login at /admin/login/?next=…, the link on the admin
index, the six server-rendered SVG charts over seeded cases, a case search and its timeline, and a
full-page screenshot (``artifacts/compliance-dashboard.png``).

Data comes from the factories and the real services, with ``now`` passed explicitly: midday in Shanghai
(the factories' customers' zone) on recent days, inside the contact window and the last 90 days.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls need this (test only).
# tests/e2e/conftest.py sets it too; set here as well so the module works on its own.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.utils import timezone  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from debt_collections import services  # noqa: E402
from debt_collections.errors import ComplianceBlocked  # noqa: E402
from debt_collections.kernel.audit import Actor  # noqa: E402
from debt_collections.models import CaseState, CollectionCase  # noqa: E402
from debt_collections.services.links import links_for_notices
from notifications.services import notice_queue  # noqa: E402
from tests.factories import CreditAccountFactory, CustomerFactory, PhoneFactory, UserFactory, make_case  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-123"  # UserFactory's
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not CHROMIUM.exists() and os.environ.get("CI", "").lower() != "true":
    pytest.skip(
        f"needs Debian's chromium at {CHROMIUM} (apt-get install -y chromium)", allow_module_level=True
    )


def midday_in_shanghai(days_ago: int) -> datetime:
    day = timezone.now().date() - timedelta(days=days_ago)
    return datetime.combine(day, time(4, 0), tzinfo=UTC)  # 12:00 in Asia/Shanghai


def seed() -> CollectionCase:
    """Five cases: calls allowed and blocked, notices, plans, waivers, disputes, a wrong-party report."""
    agent = UserFactory.create(username="e2e_agent", roles=[Role.AGENT])
    supervisor = UserFactory.create(username="e2e_supervisor", roles=[Role.SUPERVISOR])
    by_agent, by_supervisor = Actor.for_user(agent), Actor.for_user(supervisor)
    first: CollectionCase | None = None
    for i, name in enumerate(["Wang Fang", "Li Wei", "Zhang Min", "Chen Jing", "Liu Yang"]):
        customer = CustomerFactory.create(full_name=name)
        phone = PhoneFactory.create(customer=customer)
        case = make_case(CaseState.ACTIVE, account=CreditAccountFactory.create(customer=customer))
        first = first or case
        when = midday_in_shanghai(3 + 9 * i)
        services.contact_attempt_log(
            case_id=case.pk,
            actor=by_agent,
            contact_point_id=phone.pk,
            connected=True,
            conversation=True,
            outcome="spoke_debtor",
            now=when,
        )
        try:  # a second call right after a conversation: the gate blocks it (CONVERSATION_WAIT)
            services.contact_attempt_log(
                case_id=case.pk, actor=by_agent, contact_point_id=phone.pk, now=when + timedelta(minutes=5)
            )
        except ComplianceBlocked:
            pass
        notice_queue(
            links=links_for_notices,
            case_id=case.pk,
            template_key="reminder.soft",
            contact_point_id=phone.pk,
            actor=by_agent,
            now=when + timedelta(minutes=10),
            raise_when_blocked=False,
        )
        if i % 2 == 0:
            services.plan_accept_option(
                case_id=case.pk, option_code="installment:3", actor=by_agent, now=when + timedelta(minutes=20)
            )
        waiver = services.waiver_request(
            case_id=case.pk,
            component="fees",
            amount=Decimal("20.00"),
            reason="goodwill",
            actor=by_agent,
            now=when + timedelta(minutes=30),
        )
        if i != 1:
            services.waiver_approve(
                waiver_id=waiver.pk, actor=by_supervisor, now=when + timedelta(minutes=40)
            )
        if i in (1, 3):
            services.dispute_open(
                case_id=case.pk,
                kind="conduct_complaint" if i == 1 else "amount_wrong",
                description="e2e",
                channel="phone",
                actor=by_agent,
                now=when + timedelta(minutes=50),
            )
        if i == 4:  # a second number on file turns out to be someone else's
            stranger = PhoneFactory.create(customer=customer)
            services.contact_report_wrong_party(
                contact_point_id=stranger.pk, actor=by_agent, now=when + timedelta(hours=1), source="e2e"
            )
    assert first is not None
    return first


def test_compliance_officer_logs_in_and_sees_the_dashboard_charts(
    live_server: Any, page: Any, artifacts_dir: Path
) -> None:
    case = seed()
    UserFactory.create(username="officer", roles=[Role.COMPLIANCE])
    assert User.objects.filter(username="officer").exists()
    page.set_viewport_size({"width": 1280, "height": 900})

    # log in at the admin, asking for the workspace
    page.goto(f"{live_server.url}/admin/login/?next=/compliance/")
    page.fill("#id_username", "officer")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/compliance/")

    # the six charts, drawn on the server: accessible SVG with a tooltip per bar
    assert page.locator("h1").inner_text() == "Compliance dashboard"
    charts = page.locator('svg.chart[role="img"]')
    assert charts.count() == 6
    for i in range(6):
        assert charts.nth(i).get_attribute("aria-label")
    assert page.locator("svg.chart text", has_text="No data for the selected period.").count() == 0
    gate_bars = page.locator('svg.chart[aria-label^="Contact decisions"] rect title')
    assert gate_bars.count() >= 2
    assert any("Blocked: CONVERSATION_WAIT" in t for t in gate_bars.all_text_contents())

    artifacts_dir.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(artifacts_dir / "compliance-dashboard.png"), full_page=True)
    assert (artifacts_dir / "compliance-dashboard.png").stat().st_size > 10_000

    # search by name, open the timeline: the blocked call names its rule and policy version
    page.fill("#case-search", "Wang Fang")
    page.click("button:has-text('Search')")
    page.click(f"text=Timeline of case #{case.pk}")
    page.wait_for_url(f"{live_server.url}/compliance/cases/{case.pk}/timeline/")
    body = page.locator("main").inner_text()
    assert "CONVERSATION_WAIT" in body and "policy CN-" in body and "Exact text sent" in body

    # the admin index links to the workspace
    page.goto(f"{live_server.url}/admin/")
    page.click("text=Open the compliance workspace")
    page.wait_for_url(f"{live_server.url}/compliance/")
