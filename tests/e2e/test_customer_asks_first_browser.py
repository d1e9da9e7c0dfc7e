"""The page asks before it commits (issue 12), in a real browser, in both languages: the review step
before a plan is agreed, the confirmation before "not me" quarantines a number, and "Send me a new link"
from an expired link's page.

The clock is the real one, so the customer lives in a zone where it is daytime now (the gate's contact
hours decide whether the new link may go out).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import ContactPoint, QuarantinedContact
from debt_collections import services
from debt_collections.models import CaseState, NegotiationLink, PlanState, RepaymentPlan
from notifications.models import Notice
from tests.factories import SYSTEM, CreditAccountFactory, CustomerFactory, PhoneFactory, make_case

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAST4 = "4821"
DOB = date(1987, 6, 15)
ZONES = [
    "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland", "Pacific/Honolulu",
    "America/Los_Angeles", "America/New_York", "America/Sao_Paulo", "Europe/London", "Asia/Kolkata",
]  # fmt: skip


def daytime_zone() -> str:
    """A zone where it is between 10:00 and 18:00 now: inside every pack's contact window."""
    now = timezone.now()
    return next(z for z in ZONES if 10 <= now.astimezone(ZoneInfo(z)).hour < 18)


@dataclass(frozen=True)
class Words:
    lang: str
    last4: str
    dob: str
    go: str
    choose: str
    review: str
    confirm: str
    confirmed: str
    not_me: str
    not_me_question: str
    not_me_yes: str
    thanks: str
    new_link: str
    sending: str


EN = Words(
    "en", "Last 4 characters of your ID number", "Date of birth", "Continue", "Choose: 6 monthly payments",
    "Check before you confirm", "Confirm: 6 monthly payments", "Your choice is confirmed",
    "This is not me / wrong number", "Is this message not for you?", "Yes, this is not me / wrong number",
    "Thank you. We will not contact this number again.", "Send me a new link",
    "We are sending you a new link",
)  # fmt: skip
ZH = Words(
    "zh-hans", "身份证号码后 4 位", "出生日期", "继续", "选择：6 期按月还款",
    "确认前请核对", "确认：6 期按月还款", "您的选择已确认",
    "这不是我 / 号码错误", "这条消息不是发给您的吗？", "是的，这不是我 / 号码错误",
    "谢谢。我们不会再联系这个号码。", "给我发送新链接", "我们正在向您发送新链接",
)  # fmt: skip
BOTH = pytest.mark.parametrize("words", [EN, ZH], ids=["en", "zh-hans"])


def customer_link(words: Words, phone: str) -> tuple[Any, ContactPoint, NegotiationLink, str]:
    customer = CustomerFactory.create(
        full_name="Jane Placeholder" if words.lang == "en" else "李雪梅",
        national_id_last4=LAST4,
        date_of_birth=DOB,
        locale=words.lang,
        time_zone=daytime_zone(),
    )
    account = CreditAccountFactory.create(
        customer=customer, principal=Decimal("8765.43"), interest=Decimal("321.09"),
        fees=Decimal("87.65"), penalty_interest=Decimal("43.21"),
    )  # fmt: skip
    case = make_case(CaseState.ACTIVE, account=account)
    point = PhoneFactory.create(customer=customer, phone=phone)
    link, _url = services.link_create(case_id=case.pk, actor=SYSTEM, contact_point_id=point.pk)
    return case, point, link, services.link_token(link)


def verify(page: Page, words: Words) -> None:
    page.get_by_label(words.last4).fill(LAST4)
    page.get_by_label(words.dob).fill(DOB.isoformat())
    page.get_by_role("button", name=words.go).click()


@BOTH
def test_choosing_a_plan_shows_a_review_and_only_confirm_agrees(
    live_server: Any, page: Page, words: Words
) -> None:
    case, _point, _link, token = customer_link(
        words, "+8613912340001" if words.lang == "en" else "+8613912340002"
    )
    page.goto(f"{live_server.url}/n/{token}/")
    verify(page, words)

    page.get_by_role("button", name=words.choose).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(words.review)
    expect(page.locator("table tbody tr")).to_have_count(6)
    expect(page.locator("#review-total")).to_contain_text("9,217.38")
    expect(page.locator("#review-cooling-text")).to_contain_text("14")
    assert not RepaymentPlan.objects.filter(case=case).exists()  # nothing agreed yet

    page.get_by_role("button", name=words.confirm).click()

    expect(page.get_by_role("status")).to_contain_text(words.confirmed)
    plan = RepaymentPlan.objects.get(case=case)
    assert plan.state == PlanState.ACCEPTED and plan.months == 6


@BOTH
def test_not_me_asks_for_confirmation_before_the_number_is_quarantined(
    live_server: Any, page: Page, words: Words
) -> None:
    _case, point, _link, token = customer_link(
        words, "+8613912340003" if words.lang == "en" else "+8613912340004"
    )
    page.goto(f"{live_server.url}/n/{token}/")

    page.get_by_role("button", name=words.not_me).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(words.not_me_question)
    assert not QuarantinedContact.objects.exists()
    page.get_by_role("button", name=words.not_me_yes).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(words.thanks)
    point.refresh_from_db()
    assert point.status == ContactPoint.Status.WRONG_PARTY


@BOTH
def test_an_expired_link_page_sends_a_new_link_to_the_verified_number(
    live_server: Any, page: Page, words: Words
) -> None:
    _case, point, link, token = customer_link(
        words, "+8613912340005" if words.lang == "en" else "+8613912340006"
    )
    NegotiationLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    page.goto(f"{live_server.url}/n/{token}/")

    page.get_by_role("button", name=words.new_link).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(words.sending)
    notice = Notice.objects.get(template__key="contact.prompt")
    assert notice.contact_point_id == point.pk
    assert notice.status in (Notice.Status.PENDING, Notice.Status.SENDING, Notice.Status.SENT)
