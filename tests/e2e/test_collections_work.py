"""The collections work in a real browser (issue 14): an agent logs a call and sees the gate's answer
without scrolling, the case list and the work queue fit a 1366 px screen, a customer pays an installment
with the test provider, and a supervisor opens the dashboard in Chinese."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.utils import timezone  # noqa: E402

from accounts.models import Role  # noqa: E402
from debt_collections import services  # noqa: E402
from debt_collections.models import CaseState, Installment, Payment  # noqa: E402
from debt_collections.services.queue import queue_refresh  # noqa: E402
from tests.factories import (  # noqa: E402
    SYSTEM,
    CreditAccountFactory,
    CustomerFactory,
    PhoneFactory,
    UserFactory,
    make_case,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-123"  # UserFactory's
LAST4 = "4821"
DOB = date(1987, 6, 15)


def login(page: Any, live_server: Any, username: str, next_url: str = "") -> None:
    page.goto(f"{live_server.url}/admin/login/" + (f"?next={next_url}" if next_url else ""))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()


def a_case(**customer: Any) -> Any:
    person = CustomerFactory.create(national_id_last4=LAST4, date_of_birth=DOB, **customer)
    phone = PhoneFactory.create(customer=person)
    account = CreditAccountFactory.create(customer=person)
    return make_case(CaseState.ACTIVE, account=account), phone


def test_an_agent_logs_a_call_and_sees_the_answer_without_scrolling(live_server: Any, page: Any) -> None:
    UserFactory.create(username="agent_e2e", roles=[Role.AGENT])
    case, _phone = a_case()
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_server, "agent_e2e")

    page.goto(f"{live_server.url}/admin/collections/collectioncase/{case.pk}/change/")
    form = page.locator("form[aria-labelledby=case-log-call-title]")
    point = form.locator("select[name=contact_point]")
    point.select_option(index=point.locator("option").count() - 1)  # the customer's phone
    form.locator("button[type=submit]").click()
    page.wait_for_url("**#case-outcome")

    message = page.locator("ul.messagelist li").first
    message.wait_for()
    box = message.bounding_box()
    assert box is not None
    assert 0 <= box["y"] < 768 and box["y"] + box["height"] <= 768, box
    text = message.inner_text()
    assert text.startswith("Blocked:") or "Call logged" in text  # the rule, its reason, the next time


def test_the_case_list_and_the_work_queue_fit_1366_pixels(live_server: Any, page: Any) -> None:
    UserFactory.create(username="sup_e2e", roles=[Role.SUPERVISOR])
    cases = [a_case(full_name=f"Customer with a rather long name {i}")[0] for i in range(3)]
    queue_refresh(case_ids=[c.pk for c in cases], now=timezone.now())
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_server, "sup_e2e")

    for path in ("/admin/collections/collectioncase/", "/admin/collections/queueentry/?who=all"):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1366, (path, width)


def test_a_customer_pays_an_installment_from_their_page(live_server: Any, page: Any) -> None:
    case, phone = a_case(locale="en")
    services.plan_accept_option(case_id=case.pk, option_code="installment:3", actor=SYSTEM)
    first = Installment.objects.get(plan__case=case, number=1)
    link, _url = services.link_create(case_id=case.pk, actor=SYSTEM, contact_point_id=phone.pk)
    token = services.link_token(link)

    page.goto(f"{live_server.url}/n/{token}/?lang=en")
    page.get_by_label("Last 4 characters of your ID number").fill(LAST4)
    page.get_by_label("Date of birth").fill(DOB.isoformat())
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Pay the next installment", exact=False).click()
    page.get_by_role("button", name="Pay now").click()
    page.wait_for_url(f"{live_server.url}/n/{token}/?payment=paid#pay")

    assert "your payment was received" in page.content()
    first.refresh_from_db()
    assert first.paid_amount == first.amount
    assert Payment.objects.filter(account_id=case.account_id, amount=first.amount).exists()


def test_a_supervisor_opens_the_dashboard_in_chinese(live_server: Any, browser: Any) -> None:
    UserFactory.create(username="sup_zh", roles=[Role.SUPERVISOR])
    context = browser.new_context(
        viewport={"width": 1366, "height": 768},
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-hans"},
    )
    try:
        page = context.new_page()
        login(page, live_server, "sup_zh")
        assert page.url.endswith("/admin/collections/delinquencysnapshot/")  # the supervisor's landing
        html = page.content()
        assert "催收看板" in html and "迁徙率" in html and "治愈率" in html and "承诺兑现率" in html
        assert "<svg" in html
    finally:
        context.close()
