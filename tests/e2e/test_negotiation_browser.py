"""The negotiation page in a real browser (chromium, no JavaScript of ours): wrong number, choosing and
withdrawing a plan, the lock after five wrong answers, and the page in Chinese on a phone.

Data is created with the real services and factories inside each test, then the browser drives the live
server. The clock is the real one (the browser keeps cookies by its own clock).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.models import ContactPoint
from debt_collections import services
from debt_collections.models import CaseState, CollectionCase, NegotiationLink, PlanState, RepaymentPlan
from debt_collections.services.links import links_for_notices
from notifications.models import Notice
from notifications.services import notice_queue
from tests.factories import SYSTEM, CreditAccountFactory, CustomerFactory, PhoneFactory, make_case

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAST4 = "4821"
DOB = date(1987, 6, 15)
AMOUNTS = {
    "principal": Decimal("8765.43"),
    "interest": Decimal("321.09"),
    "fees": Decimal("87.65"),
    "penalty_interest": Decimal("43.21"),
}
PRE_VERIFICATION_FORBIDDEN = ["overdue", "debt", "collection", "欠款", "逾期", "催收", "8,765.43", "9,217.38"]


def make_customer_case(*, locale: str, name: str, phone: str) -> tuple[CollectionCase, ContactPoint, str]:
    """A case in ``active`` with a verified phone and a link sent to it; returns (case, phone, token)."""
    customer = CustomerFactory.create(
        full_name=name, national_id_last4=LAST4, date_of_birth=DOB, locale=locale
    )
    account = CreditAccountFactory.create(
        customer=customer, interest_rate_apr=Decimal("18.250"), penalty_rate_apr=Decimal("9.125"), **AMOUNTS
    )
    case = make_case(CaseState.ACTIVE, account=account)
    point = PhoneFactory.create(customer=customer, phone=phone)
    link, _url = services.link_create(case_id=case.pk, actor=SYSTEM, contact_point_id=point.pk)
    return case, point, services.link_token(link)


def verify(
    page: Page, *, last4: str = LAST4, dob: date = DOB, last4_label: str, dob_label: str, go: str
) -> None:
    page.get_by_label(last4_label).fill(last4)
    page.get_by_label(dob_label).fill(dob.isoformat())
    page.get_by_role("button", name=go).click()


def verify_en(page: Page, **kwargs: Any) -> None:
    verify(
        page,
        last4_label="Last 4 characters of your ID number",
        dob_label="Date of birth",
        go="Continue",
        **kwargs,
    )


def test_wrong_number_acknowledges_and_blocks_the_number_for_every_customer(
    live_server: Any, page: Page
) -> None:
    case, point, token = make_customer_case(locale="en", name="Jane Placeholder", phone="+8613912345678")
    other = PhoneFactory.create(phone=point.phone)  # the same recycled number on another customer's file
    other_case = make_case(CaseState.ACTIVE, account=CreditAccountFactory.create(customer=other.customer))

    page.goto(f"{live_server.url}/n/{token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Please confirm your identity")
    page.get_by_role("button", name="This is not me / wrong number").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Is this message not for you?")
    page.get_by_role("button", name="Yes, this is not me / wrong number").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you. We will not contact this number again."
    )
    html = page.content().lower()
    for word in [*PRE_VERIFICATION_FORBIDDEN, "jane placeholder"]:
        assert word.lower() not in html
    for target_case, target in ((case, point), (other_case, other)):
        notice = notice_queue(
            links=links_for_notices,
            case_id=target_case.pk,
            template_key="reminder.soft",
            contact_point_id=target.pk,
            actor=SYSTEM,
            raise_when_blocked=False,
        )
        assert notice.status == Notice.Status.BLOCKED
        assert "WRONG_PARTY" in notice.decision["blocked_by"]
    point.refresh_from_db()
    other.refresh_from_db()
    assert point.status == other.status == ContactPoint.Status.WRONG_PARTY


def test_verify_compare_options_accept_six_months_and_withdraw(live_server: Any, page: Page) -> None:
    case, _point, token = make_customer_case(locale="en", name="Jane Placeholder", phone="+8613912345679")

    page.goto(f"{live_server.url}/n/{token}/")
    verify_en(page)

    expect(page.get_by_role("heading", name="Your options")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^Total 9,217\.38"))).to_be_visible()
    cards = page.locator("#options article.card")
    full = cards.filter(has=page.get_by_role("heading", name="Pay in full", exact=True))
    six = cards.filter(has=page.get_by_role("heading", name="6 monthly payments", exact=True))
    twelve = cards.filter(has=page.get_by_role("heading", name="12 monthly payments", exact=True))
    expect(full).to_contain_text("9,217.38 CNY")
    expect(six).to_contain_text("1,536.23 CNY")  # per month, side by side with the total
    expect(six).to_contain_text("9,217.38 CNY")
    expect(twelve).to_contain_text("768.12 CNY")
    six.get_by_text("See every payment").click()
    expect(six.locator("tbody tr")).to_have_count(6)

    six.get_by_role("button", name="Choose: 6 monthly payments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check before you confirm")
    page.get_by_role("button", name="Confirm: 6 monthly payments").click()

    expect(page.get_by_role("status")).to_contain_text("Your choice is confirmed")
    expect(page.locator("#plan tbody tr")).to_have_count(6)
    expect(page.locator("#plan")).to_contain_text("1,536.23")
    plan = RepaymentPlan.objects.get(case=case)
    assert plan.state == PlanState.ACCEPTED and plan.months == 6
    page.get_by_role("button", name=re.compile(r"^Withdraw within cooling-off \(until .+\)$")).click()

    expect(page.get_by_role("status")).to_contain_text("You have withdrawn from the plan")
    plan.refresh_from_db()
    assert plan.state == PlanState.WITHDRAWN
    expect(page.get_by_role("button", name="Choose: 6 monthly payments")).to_be_visible()


def test_five_wrong_answers_lock_the_link(live_server: Any, page: Page) -> None:
    case, _point, token = make_customer_case(locale="en", name="Jane Placeholder", phone="+8613912345680")
    page.goto(f"{live_server.url}/n/{token}/")

    for attempt in range(1, 5):
        verify_en(page, last4="9999")
        expect(page.get_by_role("alert")).to_contain_text(f"You can try {5 - attempt} more")
    verify_en(page, last4="9999")

    expect(page.get_by_role("heading", level=1)).to_have_text("This link can no longer be used")
    expect(page.get_by_text("locked after too many unsuccessful attempts")).to_be_visible()
    page.goto(f"{live_server.url}/n/{token}/")
    expect(page.get_by_label("Date of birth")).to_have_count(0)
    link = NegotiationLink.objects.get(case=case)
    assert link.locked_at is not None and link.failed_checks == 5
    assert "jane placeholder" not in page.content().lower()


def test_the_page_in_chinese_on_a_phone(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    _case, _point, token = make_customer_case(locale="zh-hans", name="李雪梅", phone="+8613912345681")
    # A phone in China: 390×844 CSS pixels, the browser's own locale Chinese (date pickers, fonts).
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="zh-CN"
    )
    try:
        page = context.new_page()

        page.goto(f"{live_server.url}/n/{token}/")
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
        expect(page.get_by_text("我们想与您沟通您的账户事宜。请先确认您的身份。")).to_be_visible()
        page.screenshot(path=str(artifacts_dir / "negotiation-zh-hans-verify.png"), full_page=True)
        verify(page, last4_label="身份证号码后 4 位", dob_label="出生日期", go="继续")

        expect(page.get_by_role("heading", name="李雪梅，您好")).to_be_visible()
        expect(page.get_by_role("heading", name="您的选项")).to_be_visible()
        expect(page.get_by_role("button", name="选择：6 期按月还款")).to_be_visible()
        # One column, nothing wider than the phone, every button a comfortable tap target.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        heights = page.evaluate(
            "[...document.querySelectorAll('button')].map(b => b.getBoundingClientRect().height)"
        )
        assert heights and min(heights) >= 44
        page.screenshot(path=str(artifacts_dir / "negotiation-zh-hans.png"), full_page=True)
        assert (artifacts_dir / "negotiation-zh-hans.png").stat().st_size > 10_000

        page.get_by_role("link", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("heading", name="Your options")).to_be_visible()
    finally:
        context.close()
