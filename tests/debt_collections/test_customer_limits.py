"""The negotiation page's credit-bureau grade and credit-limit changes, and the appeal against a change.

Before verification nothing of either reaches the page (checked on the RAW HTML: no limit amount, no
grade sentence, no reason). After verification a CN customer 75 days past due reads the grade for that
band (``policies.credit_impact``) in the page's language, with the date reporting becomes possible once a
pre-notice is on record; the account's limit changes are listed with their reason, and one that can still
be appealed has a form. Appeals are audited with the link as actor; a second appeal and a change that is
not this account's are refused in plain words.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from accounts.models import ContactPoint, CreditLimitChange, User
from debt_collections import credit, selectors, services
from debt_collections.kernel.audit import Actor
from debt_collections.models import (
    AuditEvent,
    CaseState,
    CollectionCase,
    CreditReportNotice,
    NegotiationLink,
)
from debt_collections.policies.credit_impact import credit_impact, grade_text
from debt_collections.policies.limit_texts import reason_text
from notifications.services import templates_install_library
from tests.audit_support import audit_events
from tests.debt_collections.test_customer_page import (
    AMOUNTS,
    DOB,
    LAST4,
    assert_reveals_nothing,
    bump_case_ids,
    url,
    verify,
)
from tests.factories import SYSTEM, CreditAccountFactory, CustomerFactory, PhoneFactory, make_case

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 12:00 in Asia/Shanghai: inside contact hours, after the CN pack's start.
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
DPD = 75  # CN: the "pre_notice" band (60..89 days past due)
ST = CreditLimitChange.Status
EXPLANATION = "Your account has been more than 60 days overdue."
# What a limit change shows, as amounts: never on the page before verification.
LIMIT_TEXTS = ["20,000.00", "10,000.00", "20000", "10000"]


@pytest.fixture(autouse=True)
def _clock(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def case() -> CollectionCase:
    bump_case_ids()
    templates_install_library(now=NOW)
    customer = CustomerFactory.create(
        full_name="李雪梅",
        national_id_last4=LAST4,
        date_of_birth=DOB,
        locale="zh-hans",
        jurisdiction="CN",
        time_zone="Asia/Shanghai",
    )
    account = CreditAccountFactory.create(
        customer=customer,
        account_number="AC77310952",
        interest_rate_apr=Decimal("18.250"),
        penalty_rate_apr=Decimal("9.125"),
        credit_limit=Decimal("20000.00"),
        days_past_due=DPD,
        **AMOUNTS,
    )
    return make_case(CaseState.ACTIVE, account=account)


@pytest.fixture
def phone(case: CollectionCase) -> ContactPoint:
    return PhoneFactory.create(customer=case.customer, phone="+8613912345678")


@pytest.fixture
def link(case: CollectionCase, phone: ContactPoint) -> NegotiationLink:
    link, _url = services.link_create(case_id=case.pk, actor=SYSTEM, contact_point_id=phone.pk, now=NOW)
    return link


@pytest.fixture
def token(link: NegotiationLink) -> str:
    return services.link_token(link)


@pytest.fixture
def client() -> Client:
    return Client(enforce_csrf_checks=False)


@pytest.fixture
def change(case: CollectionCase, phone: ContactPoint, agent: User) -> CreditLimitChange:
    """A reduction from 20,000 to 10,000 CNY, scheduled by an agent: in effect 7 days from now."""
    return credit.limit_change_schedule(
        account_id=case.account_id,
        new_limit=Decimal("10000.00"),
        is_freeze=False,
        reason_code=CreditLimitChange.Reason.DELINQUENCY,
        explanation=EXPLANATION,
        actor=Actor.for_user(agent),
        now=NOW,
    )


@pytest.fixture
def report_notice(case: CollectionCase) -> CreditReportNotice:
    """A pre-notice delivered 5 days ago: reporting possible 14 days after delivery (in 9 days)."""
    delivered = NOW - timedelta(days=5)
    return CreditReportNotice.objects.create(
        case=case,
        account=case.account,
        channel="sms",
        policy_version="test",
        prenotice_days=14,
        created_at=delivered,
        sent_at=delivered,
        delivered_at=delivered,
        eligible_at=delivered + timedelta(days=14),
    )


def appeal_url(token: str, change_id: int) -> str:
    return f"/n/{token}/limit-change/{change_id}/appeal/"


def appeal(client: Client, token: str, change_id: int, text: str = "我已经还了一部分，请重新评估。") -> Any:
    return client.post(appeal_url(token, change_id), {f"appeal-{change_id}-text": text})


def grade_sentences(case: CollectionCase, locale: str) -> list[str]:
    grade = credit_impact(selectors.case_pack(case, NOW), DPD)
    return list(grade_text(grade, locale))


def refusals(link: NegotiationLink) -> list[str]:
    events = audit_events(actor=f"link:{link.id}", payload={"page": "refused:limit_appeal"})
    return [e.payload["code"] for e in events]


# --- before verification -------------------------------------------------------------------------


def test_before_verification_neither_the_grade_nor_a_limit_change_is_on_the_page(
    client: Client,
    case: CollectionCase,
    change: CreditLimitChange,
    report_notice: CreditReportNotice,
    token: str,
) -> None:
    pages = [client.get(url(token)).content.decode()]
    client.get(url(token) + "?lang=en")
    pages.append(client.get(url(token)).content.decode())
    pages.append(verify(client, token, last4="9999").content.decode())

    hidden = [
        *LIMIT_TEXTS,
        *grade_sentences(case, "zh-hans"),
        *grade_sentences(case, "en"),
        reason_text(change, "zh-hans"),
        reason_text(change, "en"),
        EXPLANATION,
        "信用额度",
        "credit limit",
        "征信",
        "credit bureau",
        "limit-change",
    ]
    for html in pages:
        assert_reveals_nothing(html, case, token)
        for text in hidden:
            assert text not in html and escape(text) not in html, f"{text!r} before verification"


def test_an_appeal_needs_a_verified_session(
    client: Client, case: CollectionCase, change: CreditLimitChange, link: NegotiationLink, token: str
) -> None:
    response = appeal(client, token, change.pk)

    assert response.status_code == 302 and response["Location"] == url(token)
    change.refresh_from_db()
    assert (change.status, change.appealed_at) == (ST.SCHEDULED, None)
    assert audit_events(actor=f"link:{link.id}", payload={"page": "refused:limit_appeal"})
    assert_reveals_nothing(client.get(url(token)).content.decode(), case, token)


# --- the credit-impact grade -----------------------------------------------------------------------


def test_a_75_dpd_cn_customer_reads_the_grade_in_chinese_with_the_date_reporting_becomes_possible(
    client: Client, case: CollectionCase, report_notice: CreditReportNotice, token: str
) -> None:
    verify(client, token)

    html = client.get(url(token)).content.decode()

    what, reads_as, stays, can_do = grade_sentences(case, "zh-hans")
    for sentence in (what, reads_as, stays, can_do):
        assert escape(sentence) in html
    assert "报送时间不早于书面事先告知送达后14天" in what
    assert "逾期60天以上" in reads_as and "保存5年" in stays
    # delivered 25 February, reportable from 11 March (the customer's local dates)
    assert "我们的书面事先告知已于 2026年2月25日 送达您，因此自 2026年3月11日 起可能进行报送。" in html
    for heading in ("报送内容", "在信用报告中的显示", "保存期限", "您现在可以做什么"):
        assert heading in html


def test_the_grade_in_english(
    client: Client, case: CollectionCase, report_notice: CreditReportNotice, token: str
) -> None:
    verify(client, token)
    client.get(url(token) + "?lang=en")

    html = client.get(url(token)).content.decode()

    for sentence in grade_sentences(case, "en"):
        assert escape(sentence) in html
    assert "no earlier than 14 days after our written advance notice reached you" in html
    assert "The record will read: overdue 60 days or more, with the amount overdue." in html
    assert "reached you on Feb. 25, 2026, so reporting is possible from March 11, 2026." in html
    assert "您现在可以做什么" not in html


def test_a_plan_being_kept_suppresses_reporting_and_says_so(
    client: Client, case: CollectionCase, report_notice: CreditReportNotice, token: str
) -> None:
    verify(client, token)
    client.post(url(token, "accept"), {"option": "installment:6", "confirm": "yes"})

    html = client.get(url(token)).content.decode()

    assert "在您按还款方案还款期间，我们不会报送新的不良信息。" in html
    assert "起可能进行报送" not in html


def test_an_open_dispute_suppresses_reporting_and_says_so(
    client: Client, case: CollectionCase, report_notice: CreditReportNotice, token: str
) -> None:
    verify(client, token)
    client.get(url(token) + "?lang=en")
    client.post(url(token, "dispute"), {"dispute-kind": "credit_report", "dispute-description": "Wrong."})

    html = client.get(url(token)).content.decode()

    assert "You have an open dispute, so nothing is reported until we have replied." in html
    assert "so reporting is possible from" not in html


# --- credit-limit changes --------------------------------------------------------------------------


def test_a_scheduled_reduction_is_listed_with_its_reason_date_and_an_appeal_form(
    client: Client, case: CollectionCase, change: CreditLimitChange, token: str
) -> None:
    verify(client, token)

    html = client.get(url(token)).content.decode()

    assert "信用额度调整" in html
    assert "额度由 20,000.00 调整为 10,000.00 CNY" in html
    assert escape(reason_text(change, "zh-hans")) in html and EXPLANATION in html
    assert "您的账户目前有逾期未还的款项。" in html  # the reason code's own words
    assert "2026年3月9日 12:00" in html  # effective 7 days on, Shanghai time
    assert "已安排：尚未生效" in html and "我们的工作人员" in html
    assert f'action="{appeal_url(token, change.pk)}"' in html
    assert f'<label for="id_appeal-{change.pk}-text">您为什么不同意此项调整？</label>' in html


def test_an_automated_freeze_reads_as_such_in_english(
    client: Client, case: CollectionCase, phone: ContactPoint, token: str
) -> None:
    freeze = credit.limit_change_schedule(
        account_id=case.account_id,
        new_limit=None,
        is_freeze=True,
        reason_code=CreditLimitChange.Reason.RISK_SCORE,
        explanation="The risk model scored the account higher.",
        actor=Actor.system("risk_model"),
        now=NOW,
    )
    verify(client, token)
    client.get(url(token) + "?lang=en")

    html = client.get(url(token)).content.decode()

    assert "Frozen: you cannot draw on your credit line. The limit stays 20,000.00 CNY." in html
    assert "An automated system" in html
    assert escape(reason_text(freeze, "en")) in html
    assert "you can ask for a person to review it" in html
    assert f'action="{appeal_url(token, freeze.pk)}"' in html


def test_appealing_from_the_page_puts_the_change_under_review_audited_with_the_link(
    client: Client, case: CollectionCase, change: CreditLimitChange, link: NegotiationLink, token: str
) -> None:
    verify(client, token)

    response = appeal(client, token, change.pk)

    assert response.status_code == 302 and response["Location"] == url(token) + "#status"
    change.refresh_from_db()
    assert change.status == ST.UNDER_REVIEW and change.appealed_at == NOW
    assert change.appeal_text == "我已经还了一部分，请重新评估。"
    [event] = AuditEvent.objects.filter(action="limit_change.appealed")
    assert event.actor == f"link:{link.id}" and event.case_id == case.pk
    assert event.payload["limit_change"] == change.pk
    html = client.get(url(token)).content.decode()
    assert 'role="status"' in html
    assert "我们已收到您的申诉。工作人员将对您的申诉进行人工复核，并通过短信告知您复核结果。" in html
    assert "在此之前，此项调整不会生效。" in html
    assert "复核中：工作人员正在处理您的申诉。在其作出决定之前，此项调整不会生效。" in html
    assert "您的申诉日期" in html and "2026年3月2日" in html
    assert f'action="{appeal_url(token, change.pk)}"' not in html  # no second form


def test_the_appeal_confirmation_in_english(
    client: Client, case: CollectionCase, change: CreditLimitChange, token: str
) -> None:
    verify(client, token)
    client.get(url(token) + "?lang=en")

    appeal(client, token, change.pk, text="I have paid part of it.")
    html = client.get(url(token)).content.decode()

    assert (
        "We have received your appeal. A person will review your appeal and tell you their decision by "
        "text message. Until then, the change does not take effect."
    ) in html
    assert "Under review: a person is looking at your appeal." in html


def test_a_second_appeal_is_refused_in_plain_words(
    client: Client, case: CollectionCase, change: CreditLimitChange, link: NegotiationLink, token: str
) -> None:
    verify(client, token)
    appeal(client, token, change.pk, text="First.")
    client.get(url(token))  # the confirmation is shown once

    second = appeal(client, token, change.pk, text="Second.")
    html = client.get(url(token)).content.decode()

    assert second.status_code == 302
    assert 'role="alert"' in html and "您已对此项调整提出过申诉。工作人员正在复核，并会将结果告知您。" in html
    assert "Traceback" not in html and "already_appealed" not in html
    change.refresh_from_db()
    assert change.appeal_text == "First."
    assert AuditEvent.objects.filter(action="limit_change.appealed").count() == 1
    assert refusals(link) == ["already_appealed"]


def test_a_change_that_is_not_this_accounts_is_refused_without_revealing_anything(
    client: Client, case: CollectionCase, change: CreditLimitChange, link: NegotiationLink, token: str
) -> None:
    other_customer = CustomerFactory.create(full_name="王小明")
    PhoneFactory.create(customer=other_customer)
    other_case = make_case(
        CaseState.ACTIVE,
        account=CreditAccountFactory.create(customer=other_customer, credit_limit=Decimal("55555.00")),
    )
    other = credit.limit_change_schedule(
        account_id=other_case.account_id,
        new_limit=Decimal("33333.00"),
        is_freeze=False,
        reason_code=CreditLimitChange.Reason.INACTIVITY,
        explanation="Not used for two years (other customer).",
        actor=SYSTEM,
        now=NOW,
    )
    verify(client, token)

    forged = appeal(client, token, other.pk)
    forged_html = client.get(url(token)).content.decode()
    missing = appeal(client, token, other.pk + 1000)
    missing_html = client.get(url(token)).content.decode()

    assert forged.status_code == missing.status_code == 302
    other.refresh_from_db()
    assert (other.status, other.appealed_at, other.appeal_text) == (ST.SCHEDULED, None, "")
    assert not AuditEvent.objects.filter(action="limit_change.appealed").exists()
    refusal = "未找到该项信用额度调整，请重新查看页面。"
    assert refusal in forged_html and refusal in missing_html
    for html in (forged_html, missing_html):
        for secret in ("55,555.00", "33,333.00", "王小明", "other customer", str(other_case.pk).zfill(7)):
            assert secret not in html
    # The same answer whether the change is someone else's or does not exist, and both are audited.
    assert refusals(link) == ["limit_change_not_found", "limit_change_not_found"]
    change.refresh_from_db()
    assert change.status == ST.SCHEDULED


def test_an_empty_appeal_is_shown_again_with_an_accessible_error(
    client: Client, case: CollectionCase, change: CreditLimitChange, link: NegotiationLink, token: str
) -> None:
    verify(client, token)

    response = appeal(client, token, change.pk, text="   ")

    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and f'id="id_appeal-{change.pk}-text_error"' in html
    change.refresh_from_db()
    assert change.status == ST.SCHEDULED
    assert refusals(link) == ["invalid_form"]


def test_a_decided_appeal_shows_the_decision_and_the_reviewers_note(
    client: Client, case: CollectionCase, change: CreditLimitChange, token: str, supervisor: User
) -> None:
    verify(client, token)
    appeal(client, token, change.pk)
    credit.limit_change_review(
        change_id=change.pk,
        decision="reversed",
        note="我们核实到您 3 月 1 日的还款。",
        actor=Actor.for_user(supervisor),
        now=NOW + timedelta(hours=1),
    )

    html = client.get(url(token)).content.decode()

    assert "申诉复核结果：撤销此项调整。" in html and "我们核实到您 3 月 1 日的还款。" in html
    assert "已取消：不会生效" in html
    assert f'action="{appeal_url(token, change.pk)}"' not in html


def test_appealing_a_change_in_effect_without_a_verified_contact_says_to_call(
    client: Client, case: CollectionCase, phone: ContactPoint, token: str, agent: User, settings: Any
) -> None:
    ContactPoint.objects.filter(pk=phone.pk).update(status=ContactPoint.Status.UNVERIFIED)
    freeze = credit.limit_change_schedule(
        account_id=case.account_id,
        new_limit=None,
        is_freeze=True,
        reason_code=CreditLimitChange.Reason.FRAUD_SUSPICION,
        explanation="Card used in two countries within an hour.",
        actor=Actor.for_user(agent),
        now=NOW,
    )
    assert freeze.status == ST.APPLIED  # a fraud freeze takes effect at once
    verify(client, token)
    client.get(url(token) + "?lang=en")

    appeal(client, token, freeze.pk, text="Both were me, on a trip.")
    html = client.get(url(token)).content.decode()

    freeze.refresh_from_db()
    assert freeze.status == ST.UNDER_REVIEW and freeze.applied_at == NOW
    assert (
        "A person will review your appeal; to hear their decision, please call us on "
        f"{settings.CONTACT_PHONE}. Until then, the change stays in effect."
    ) in html
    assert "The change stays in effect until they decide." in html
