"""The agents' contact and negotiation admin: the case page's call, notice, link, dispute, waiver and
payment forms, its record sections, and the queues (pending waivers, disputes, tasks).

Every write is a real POST to the admin and so a call to a service; the tests check the stored rows, the
audit trail and the words the person sees. The clock is frozen at 12:00 in Shanghai (the customers'
zone) unless a test moves it to the night.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from accounts.models import Agency, ContactPoint, Role, User
from debt_collections import services
from debt_collections.admin.case_actions import CaseActionsMixin
from debt_collections.kernel.audit import Actor
from debt_collections.models import (
    AuditEvent,
    CaseState,
    CaseTask,
    CollectionCase,
    ContactAttempt,
    Dispute,
    FeeWaiver,
    NegotiationLink,
    Payment,
    WaiverState,
)
from debt_collections.services.links import links_for_notices
from notifications.masking import mask_links
from notifications.models import Notice
from notifications.services import notice_queue
from tests.factories import SYSTEM, PhoneFactory, UserFactory, make_case

pytestmark = pytest.mark.django_db

# Tuesday 10 March 2026, 04:00 UTC = 12:00 in Asia/Shanghai: inside the CN contact window (08:00–21:00).
NOON_IN_SHANGHAI = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)
# 14:00 UTC = 22:00 in Shanghai: outside it.
NIGHT_IN_SHANGHAI = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
WAIVERS_URL = "/admin/collections/feewaiver/"
TASKS_URL = "/admin/collections/casetask/"
DISPUTES_URL = "/admin/collections/dispute/"
Capture = Callable[..., Any]


@pytest.fixture(autouse=True)
def noon_in_shanghai() -> Iterator[None]:
    with time_machine.travel(NOON_IN_SHANGHAI, tick=False):
        yield


@pytest.fixture
def case() -> CollectionCase:
    return make_case(CaseState.ACTIVE)


@pytest.fixture
def phone(case: CollectionCase) -> ContactPoint:
    return PhoneFactory.create(customer=case.customer, phone="+8613800001234")


@pytest.fixture
def second_agent(db: Any) -> User:
    return UserFactory.create(username="second_agent", roles=[Role.AGENT])


def case_url(case: CollectionCase, action: str = "change") -> str:
    return reverse(f"admin:collections_collectioncase_{action}", args=[case.pk])


def messages_of(response: HttpResponse) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


def log_call(client: Any, case: CollectionCase, point: ContactPoint, **fields: Any) -> HttpResponse:
    data = {"contact_point": point.pk, "direction": "outbound", "outcome": "no_answer", "note": "", **fields}
    response: HttpResponse = client.post(case_url(case, "log_call"), data)
    return response


def run_action(client: Any, url: str, action: str, rows: list[Any], **extra: str) -> HttpResponse:
    data = {"action": action, "_selected_action": [str(row.pk) for row in rows], **extra}
    response: HttpResponse = client.post(url, data)
    return response


def request_waiver(case: CollectionCase, by: User, amount: str = "50.00", **kwargs: Any) -> FeeWaiver:
    return services.waiver_request(
        case_id=case.pk, component="fees", amount=Decimal(amount), reason="Lost her job in January",
        actor=Actor.for_user(by), **kwargs,
    )


# --- logging a call ------------------------------------------------------------------------------------


def test_agent_logs_an_allowed_call_from_the_case_page_and_sees_it_in_the_contact_history(
    client_for: Any, agent: User, case: CollectionCase, phone: ContactPoint,
) -> None:
    client = client_for(agent)

    response = log_call(client, case, phone, connected="on", outcome="spoke_debtor", note="Will pay Friday")

    assert response.status_code == 302
    assert response["Location"] == case_url(case) + "#case-outcome"
    assert messages_of(response) == ["Call logged; the compliance gate allowed it."]
    attempt = ContactAttempt.objects.get(case=case)
    assert (attempt.allowed, attempt.connected, attempt.outcome) == (True, True, "spoke_debtor")
    assert attempt.agent == agent
    assert AuditEvent.objects.filter(case=case, action="contact.attempt").exists()
    page = client.get(case_url(case)).content.decode()
    assert "2026-03-10 12:00 Asia/Shanghai (04:00 UTC)" in page
    assert "Will pay Friday" in page
    assert "+8613800001234" not in page  # masked everywhere on the page


def test_a_call_at_night_is_refused_in_plain_words_with_the_rule_and_the_customers_local_time(
    client_for: Any, agent: User, case: CollectionCase, phone: ContactPoint,
) -> None:
    client = client_for(agent)

    with time_machine.travel(NIGHT_IN_SHANGHAI, tick=False):
        response = log_call(client, case, phone)

    [message] = messages_of(response)
    assert message.startswith("Blocked: HOURS — Outside contact hours 08:00–21:00")
    assert "22:00 Asia/Shanghai" in message  # the gate's reason names the customer's wall clock
    assert message.endswith("Possible from 2026-03-11 08:00 Asia/Shanghai (00:00 UTC).")


def test_the_blocked_call_is_stored_and_shown_in_the_contact_history(
    client_for: Any, agent: User, case: CollectionCase, phone: ContactPoint,
) -> None:
    client = client_for(agent)
    with time_machine.travel(NIGHT_IN_SHANGHAI, tick=False):
        log_call(client, case, phone, connected="on", outcome="spoke_debtor")

    attempt = ContactAttempt.objects.get(case=case)
    assert attempt.allowed is False
    assert attempt.blocked_by == ["HOURS"]
    assert attempt.connected is False  # a blocked attempt never connected
    assert AuditEvent.objects.filter(case=case, action="contact.blocked").exists()
    rows = client.get(case_url(case)).context["attempt_rows"]
    assert [(row["attempt"].pk, row["blocked_by"]) for row in rows] == [(attempt.pk, "HOURS")]
    assert rows[0]["next_allowed"] == "2026-03-11 08:00 Asia/Shanghai (00:00 UTC)"


def test_compliance_officer_cannot_log_a_call_and_nothing_is_stored(
    client_for: Any, compliance: User, case: CollectionCase, phone: ContactPoint,
) -> None:
    client = client_for(compliance)

    assert log_call(client, case, phone).status_code == 403

    assert not ContactAttempt.objects.filter(case=case).exists()
    page = client.get(case_url(case))
    assert page.context.get("log_call_form") is None
    assert b"case-log-call-title" not in page.content


def test_other_agency_agent_gets_404_for_another_agencys_case_and_nothing_is_stored(
    client_for: Any, other_agency_agent: User, agency: Agency, case: CollectionCase, phone: ContactPoint,
) -> None:
    services.case_place_with_agency(case_id=case.pk, actor=SYSTEM, agency=agency)

    assert log_call(client_for(other_agency_agent), case, phone).status_code == 404

    assert not ContactAttempt.objects.filter(case=case).exists()


def test_a_call_form_only_offers_the_customers_own_phone_numbers(
    client_for: Any, agent: User, case: CollectionCase, phone: ContactPoint,
) -> None:
    stranger = PhoneFactory.create()

    response = log_call(client_for(agent), case, stranger)

    assert "Select a valid choice" in messages_of(response)[0]
    assert not ContactAttempt.objects.exists()


def test_a_call_on_a_held_case_is_refused_and_the_message_says_waiting_will_not_help(
    client_for: Any, agent: User,
) -> None:
    held = make_case(CaseState.ON_HOLD)
    point = PhoneFactory.create(customer=held.customer)

    [message] = messages_of(log_call(client_for(agent), held, point))

    assert message.startswith("Blocked: HOLD — The case is on hold")
    assert "Waiting will not lift this block" in message


@pytest.mark.parametrize("action", list(CaseActionsMixin.ACTION_VIEWS))
def test_every_case_action_is_post_only_403_for_compliance_and_404_outside_the_agency(
    client_for: Any, agent: User, compliance: User, other_agency_agent: User, agency: Agency,
    case: CollectionCase, action: str,
) -> None:
    services.case_place_with_agency(case_id=case.pk, actor=SYSTEM, agency=agency)
    url = case_url(case, action)
    assert client_for(agent).get(url).status_code == 405
    assert client_for(compliance).post(url, {}).status_code == 403
    assert client_for(other_agency_agent).post(url, {}).status_code == 404
    assert not AuditEvent.objects.filter(case=case).exclude(action__in=["case.open", "case.escalate",
                                                                       "case.place"]).exists()


# --- notices and the negotiation link -------------------------------------------------------------------


def test_sending_a_notice_from_the_case_page_queues_and_sends_it_and_the_page_shows_its_exact_text(
    client_for: Any, agent: User, case: CollectionCase, phone: ContactPoint, sms_outbox: list[Any],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    client = client_for(agent)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(case_url(case, "send_notice"),
                               {"template_key": "reminder.soft", "contact_point": phone.pk})

    notice = Notice.objects.get(case=case)
    assert notice.template.key == "reminder.soft"
    assert notice.status == Notice.Status.SENT
    assert [m.to for m in sms_outbox] == ["+8613800001234"]
    assert messages_of(response) == [
        f"Notice reminder.soft v{notice.template.version} queued by SMS to +861****1234; it is sent once "
        "the gate checks again at send time."
    ]
    page = client.get(case_url(case)).content.decode()
    assert "<details>" in page
    # The words, with the live opt-out link masked (staff never copy a customer's link).
    assert escape(mask_links(notice.body)) in page
    assert "/o/" + notice.body.split("/o/")[1].split("/")[0] not in page
    assert f"reminder.soft v{notice.template.version}" in page


def test_a_notice_at_night_is_blocked_and_the_message_says_when_it_becomes_possible(
    client_for: Any, agent: User, case: CollectionCase, phone: ContactPoint, sms_outbox: list[Any],
) -> None:
    with time_machine.travel(NIGHT_IN_SHANGHAI, tick=False):
        response = client_for(agent).post(case_url(case, "send_notice"),
                                          {"template_key": "reminder.soft", "contact_point": phone.pk})

    [message] = messages_of(response)
    assert message.startswith("Blocked: HOURS — ")
    assert message.endswith("Possible from 2026-03-11 08:00 Asia/Shanghai (00:00 UTC).")
    assert Notice.objects.get(case=case).status == Notice.Status.BLOCKED
    assert sms_outbox == []


def test_notice_choices_are_the_approved_keys_an_agent_may_send_by_hand(
    client_for: Any, agent: User, case: CollectionCase, phone: ContactPoint,
) -> None:
    form = client_for(agent).get(case_url(case)).context["notice_form"]
    keys = [key for key, _label in form.fields["template_key"].choices]
    assert "reminder.soft" in keys
    # Sent by their own services, with the context they need (a schedule, a dispute, a signed link).
    assert not {"plan.confirmation", "dispute.outcome", "plan.offer"} & set(keys)


def test_a_service_only_key_posted_by_hand_is_a_form_error_and_nothing_is_queued(
    client_for: Any, agent: User, case: CollectionCase, phone: ContactPoint, sms_outbox: list[Any],
) -> None:
    response = client_for(agent).post(case_url(case, "send_notice"),
                                      {"template_key": "credit_limit.notice", "contact_point": phone.pk})

    [message] = messages_of(response)
    assert "credit_limit.notice" in message and "not one of the available choices" in message
    assert not Notice.objects.filter(case=case).exists()
    assert sms_outbox == []


def test_asking_again_after_a_night_block_queues_a_new_attempt_in_the_morning(
    client_for: Any, agent: User, case: CollectionCase, phone: ContactPoint, sms_outbox: list[Any],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    client = client_for(agent)
    data = {"template_key": "reminder.soft", "contact_point": phone.pk}
    early = NIGHT_IN_SHANGHAI.replace(hour=23, minute=30)  # 07:30 in Shanghai, the next local day
    with time_machine.travel(early, tick=False):
        client.post(case_url(case, "send_notice"), data)
    with time_machine.travel(early + timedelta(hours=3), tick=False), django_capture_on_commit_callbacks(
        execute=True
    ):
        response = client.post(case_url(case, "send_notice"), data)

    assert messages_of(response)[-1].startswith("Notice reminder.soft")
    first, retry = Notice.objects.filter(case=case).order_by("attempt")
    assert (first.status, retry.status, retry.retry_of) == (Notice.Status.BLOCKED, Notice.Status.SENT, first)
    assert len(sms_outbox) == 1


def test_sending_the_negotiation_link_queues_the_plan_offer_with_the_signed_link(
    client_for: Any, agent: User, case: CollectionCase, phone: ContactPoint, sms_outbox: list[Any],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(agent).post(case_url(case, "send_link"), {"contact_point": phone.pk})

    link = NegotiationLink.objects.get(case=case)
    assert link.contact_point == phone
    notice = Notice.objects.get(case=case, template__key="plan.offer")
    assert notice.status == Notice.Status.SENT
    assert "/n/" in notice.body
    assert services.link_resolve(notice.body.split("/n/")[1].split("/")[0], now=NOON_IN_SHANGHAI) == link
    assert messages_of(response)[0].startswith("Negotiation link queued in the plan.offer notice by SMS")


def test_the_same_notice_twice_on_one_day_is_not_sent_twice(
    client_for: Any, agent: User, case: CollectionCase, phone: ContactPoint, sms_outbox: list[Any],
) -> None:
    client = client_for(agent)
    data = {"template_key": "reminder.soft", "contact_point": phone.pk}
    client.post(case_url(case, "send_notice"), data)

    response = client.post(case_url(case, "send_notice"), data)

    # (The first post's message is still queued: no page was shown in between.)
    assert messages_of(response)[-1] == (
        "reminder.soft already went to +861****1234 today (Pending); it is not sent twice."
    )
    assert Notice.objects.filter(case=case).count() == 1


def test_a_negotiation_link_at_night_is_made_but_not_sent_and_the_message_says_why(
    client_for: Any, agent: User, case: CollectionCase, phone: ContactPoint, sms_outbox: list[Any],
) -> None:
    with time_machine.travel(NIGHT_IN_SHANGHAI, tick=False):
        response = client_for(agent).post(case_url(case, "send_link"), {"contact_point": phone.pk})

    [message] = messages_of(response)
    assert message.startswith("The link was made but not sent. Blocked: HOURS — ")
    assert message.endswith("Possible from 2026-03-11 08:00 Asia/Shanghai (00:00 UTC).")
    assert Notice.objects.get(case=case, template__key="plan.offer").status == Notice.Status.BLOCKED
    assert sms_outbox == []


# --- disputes, payments, plans, waivers and tasks on the case page ----------------------------------------


def test_agent_offers_a_plan_from_the_options_the_policy_allows(
    client_for: Any, agent: User, case: CollectionCase,
) -> None:
    client = client_for(agent)
    options = dict(client.get(case_url(case)).context["plan_form"].fields["option_code"].choices)
    assert options["installment:6"] == "installment:6: 5,450.00 CNY (6 × 908.34 CNY)"

    response = client.post(case_url(case, "offer_plan"), {"option_code": "installment:6"})

    plan = case.plans.get()
    assert (plan.kind, plan.months, plan.installments.count()) == ("installment", 6, 6)
    assert messages_of(response) == [f"Offered: {plan}."]
    case.refresh_from_db()
    assert case.state == CaseState.NEGOTIATING
    assert client.get(case_url(case)).context["plans"] == [plan]


def test_agent_records_a_dispute_from_the_case_page_and_the_case_goes_on_hold(
    client_for: Any, agent: User, case: CollectionCase, phone: ContactPoint,
) -> None:
    response = client_for(agent).post(case_url(case, "open_dispute"), {
        "kind": "amount_wrong", "channel": "phone", "description": "Says the fee was charged twice",
        "disputed_amount": "100.00", "disputed_component": "fees",
    })

    dispute = Dispute.objects.get(case=case)
    assert (dispute.disputed_amount, dispute.disputed_component) == (Decimal("100.00"), "fees")
    case.refresh_from_db()
    assert case.state == CaseState.ON_HOLD
    assert messages_of(response)[0].startswith("The amount is wrong recorded")


def test_supervisor_records_a_payment_with_the_accounts_currency_prefilled(
    client_for: Any, supervisor: User, case: CollectionCase,
) -> None:
    client = client_for(supervisor)
    assert client.get(case_url(case)).context["payment_form"].initial["currency"] == "CNY"

    response = client.post(case_url(case, "record_payment"), {
        "external_reference": "PAY-77", "amount": "100.00", "currency": "CNY",
        "received_at": "2026-03-10T03:00",
    })

    payment = Payment.objects.get(external_reference="PAY-77")
    assert payment.amount == Decimal("100.00")
    assert payment.received_at == datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
    assert messages_of(response) == ["Payment PAY-77 of 100.00 CNY recorded."]


def test_agent_gets_no_payment_form_and_cannot_post_one(client_for: Any, agent: User,
                                                        case: CollectionCase) -> None:
    client = client_for(agent)
    assert client.get(case_url(case)).context["payment_form"] is None
    response = client.post(case_url(case, "record_payment"), {
        "external_reference": "PAY-78", "amount": "100.00", "currency": "CNY",
        "received_at": "2026-03-10T03:00",
    })
    assert response.status_code == 403
    assert not Payment.objects.exists()


def test_agent_requests_a_waiver_from_the_case_page_for_another_person_to_decide(
    client_for: Any, agent: User, case: CollectionCase,
) -> None:
    response = client_for(agent).post(case_url(case, "request_waiver"), {
        "component": "penalty_interest", "amount": "50.00", "reason": "Illness in the family",
    })

    waiver = FeeWaiver.objects.get(case=case)
    assert (waiver.state, waiver.amount, waiver.requested_by_user) == (WaiverState.REQUESTED,
                                                                       Decimal("50.00"), agent)
    assert messages_of(response) == [
        "Waiver of 50.00 CNY penalty interest requested; another person must decide it."
    ]


def test_requester_clicking_approve_on_the_case_page_sees_the_four_eyes_refusal(
    client_for: Any, agent: User, case: CollectionCase,
) -> None:
    waiver = request_waiver(case, agent)

    response = client_for(agent).post(case_url(case, "decide_waiver"),
                                      {"item": waiver.pk, "decision": "approve", "note": ""})

    assert messages_of(response) == ["The requester cannot decide their own waiver; another person must."]
    waiver.refresh_from_db()
    assert waiver.state == WaiverState.REQUESTED


def test_another_agent_approves_a_waiver_on_the_case_page(
    client_for: Any, agent: User, second_agent: User, case: CollectionCase,
) -> None:
    waiver = request_waiver(case, second_agent)

    response = client_for(agent).post(case_url(case, "decide_waiver"),
                                      {"item": waiver.pk, "decision": "approve", "note": "Checked payslips"})

    assert messages_of(response) == [f"Waiver #{waiver.pk} approved and applied."]
    case.account.refresh_from_db()
    assert case.account.fees == Decimal("50.00")


# --- the pending waivers queue ----------------------------------------------------------------------------


def test_waiver_queue_lists_pending_requests_by_default(
    client_for: Any, agent: User, second_agent: User, case: CollectionCase,
) -> None:
    pending = request_waiver(case, second_agent)
    decided = request_waiver(case, second_agent, amount="10.00")
    services.waiver_reject(waiver_id=decided.pk, actor=Actor.for_user(agent), note="No evidence")
    client = client_for(agent)

    assert [w.pk for w in client.get(WAIVERS_URL).context["cl"].result_list] == [pending.pk]
    everything = client.get(WAIVERS_URL, {"state__exact": "all"}).context["cl"].result_list
    assert {w.pk for w in everything} == {pending.pk, decided.pk}


def test_agent_within_authority_approves_a_waiver_from_the_queue(
    client_for: Any, agent: User, second_agent: User, case: CollectionCase,
) -> None:
    waiver = request_waiver(case, second_agent)

    response = run_action(client_for(agent), WAIVERS_URL, "approve_selected", [waiver])

    assert messages_of(response) == [f"Approved and applied: #{waiver.pk}."]
    waiver.refresh_from_db()
    assert waiver.state == WaiverState.APPLIED
    assert waiver.decided_by == agent


def test_requester_approving_their_own_waiver_in_the_queue_is_refused_with_the_four_eyes_message(
    client_for: Any, agent: User, second_agent: User, case: CollectionCase,
) -> None:
    own = request_waiver(case, agent)
    other = request_waiver(case, second_agent, amount="10.00")

    response = run_action(client_for(agent), WAIVERS_URL, "approve_selected", [own, other])

    assert messages_of(response) == [
        f"Approved and applied: #{other.pk}.",
        f"Not approved: #{own.pk}: The requester cannot decide their own waiver; another person must.",
    ]
    own.refresh_from_db()
    assert own.state == WaiverState.REQUESTED


def test_rejecting_waivers_in_the_queue_asks_for_a_reason_first(
    client_for: Any, agent: User, second_agent: User, case: CollectionCase,
) -> None:
    waiver = request_waiver(case, second_agent)
    client = client_for(agent)

    page = run_action(client, WAIVERS_URL, "reject_selected", [waiver])
    assert page.status_code == 200
    assert b'name="note"' in page.content
    waiver.refresh_from_db()
    assert waiver.state == WaiverState.REQUESTED

    done = run_action(client, WAIVERS_URL, "reject_selected", [waiver], apply="yes", note="Not in hardship")
    assert messages_of(done) == [f"Rejected: #{waiver.pk}."]
    waiver.refresh_from_db()
    assert (waiver.state, waiver.decision_note) == (WaiverState.REJECTED, "Not in hardship")


def test_compliance_officer_gets_no_waiver_decision_actions(
    client_for: Any, compliance: User, second_agent: User, case: CollectionCase,
) -> None:
    waiver = request_waiver(case, second_agent)
    client = client_for(compliance)
    response = client.get(WAIVERS_URL)
    assert [w.pk for w in response.context["cl"].result_list] == [waiver.pk]
    assert response.context["action_form"] is None

    run_action(client, WAIVERS_URL, "approve_selected", [waiver])

    waiver.refresh_from_db()
    assert waiver.state == WaiverState.REQUESTED


# --- the dispute queue -------------------------------------------------------------------------------------


def open_dispute(case: CollectionCase, by: User) -> Dispute:
    return services.dispute_open(case_id=case.pk, kind="amount_wrong", description="Fee charged twice",
                                 channel="phone", actor=Actor.for_user(by))


def test_compliance_resolves_a_dispute_on_its_resolve_page_and_the_hold_is_released(
    client_for: Any, agent: User, compliance: User, case: CollectionCase, phone: ContactPoint,
) -> None:
    dispute = open_dispute(case, agent)
    client = client_for(compliance)
    url = reverse("admin:collections_dispute_resolve", args=[dispute.pk])
    assert url in client.get(DISPUTES_URL).content.decode()  # the queue links to it
    page = client.get(url)
    assert page.status_code == 200
    assert "Fee charged twice" in page.content.decode()

    response = client.post(url, {"outcome": "rejected", "outcome_text": "The fee was charged once."})

    assert response.status_code == 302
    assert messages_of(response) == [
        f"Dispute #{dispute.pk} decided; the outcome notice is queued to the customer."
    ]
    dispute.refresh_from_db()
    assert (dispute.status, dispute.outcome) == (Dispute.Status.REJECTED, "The fee was charged once.")
    case.refresh_from_db()
    assert case.state == CaseState.ACTIVE


def test_resolving_without_an_explanation_keeps_the_dispute_open(
    client_for: Any, agent: User, compliance: User, case: CollectionCase,
) -> None:
    dispute = open_dispute(case, agent)
    url = reverse("admin:collections_dispute_resolve", args=[dispute.pk])
    response = client_for(compliance).post(url, {"outcome": "upheld", "outcome_text": ""})
    assert response.status_code == 200
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.OPEN


def test_agent_cannot_open_the_dispute_resolve_page(
    client_for: Any, agent: User, case: CollectionCase,
) -> None:
    dispute = open_dispute(case, agent)
    client = client_for(agent)
    assert client.get(reverse("admin:collections_dispute_resolve", args=[dispute.pk])).status_code == 403
    assert "/resolve/" not in client.get(DISPUTES_URL).content.decode()


def test_dispute_queue_shows_open_ones_by_default_and_highlights_the_overdue(
    client_for: Any, agent: User, compliance: User, case: CollectionCase,
) -> None:
    dispute = open_dispute(case, agent)

    with time_machine.travel(NOON_IN_SHANGHAI + timedelta(days=30), tick=False):
        client = client_for(compliance)  # signed in then: a month-old session would have expired
        response = client.get(DISPUTES_URL)

    assert [d.pk for d in response.context["cl"].result_list] == [dispute.pk]
    assert "(overdue)" in response.content.decode()
    assert client.get(DISPUTES_URL, {"status__exact": "rejected"}).context["cl"].result_list.count() == 0


# --- the task queue --------------------------------------------------------------------------------------


def test_agent_marks_a_task_done_from_the_task_queue_and_it_is_audited(
    client_for: Any, agent: User, second_agent: User, case: CollectionCase,
) -> None:
    request_waiver(case, second_agent, hardship=True)  # a hardship request puts a review task in the queue
    task = CaseTask.objects.get(case=case)
    client = client_for(agent)
    assert [t.pk for t in client.get(TASKS_URL).context["cl"].result_list] == [task.pk]

    response = run_action(client, TASKS_URL, "mark_done", [task])

    assert messages_of(response) == [f"Done: #{task.pk}."]
    task.refresh_from_db()
    assert (task.done_at, task.done_by) == (NOON_IN_SHANGHAI, agent)
    event = AuditEvent.objects.get(case=case, action="task.done")
    assert event.payload["task"] == task.pk
    assert list(client.get(TASKS_URL).context["cl"].result_list) == []  # open tasks only by default
    again = run_action(client, TASKS_URL + "?status=all", "mark_done", [task])
    assert "already done by agent" in messages_of(again)[0]


def test_task_queue_orders_by_due_time_and_filters_tasks_of_my_cases(
    client_for: Any, agent: User, case: CollectionCase,
) -> None:
    other_case = make_case(CaseState.ACTIVE)
    services.case_assign(case_id=case.pk, actor=SYSTEM, assignee=agent)
    # Test data: tasks are created by other services (callbacks, wrong-party reports), not under test here.
    later = CaseTask.objects.create(case=case, kind=CaseTask.Kind.CALLBACK, created_by="test",
                                    due_at=NOON_IN_SHANGHAI + timedelta(hours=5),
                                    created_at=NOON_IN_SHANGHAI)
    sooner = CaseTask.objects.create(case=other_case, kind=CaseTask.Kind.REVIEW, created_by="test",
                                     due_at=NOON_IN_SHANGHAI + timedelta(hours=1),
                                     created_at=NOON_IN_SHANGHAI)
    client = client_for(agent)

    assert [t.pk for t in client.get(TASKS_URL).context["cl"].result_list] == [sooner.pk, later.pk]
    assert [t.pk for t in client.get(TASKS_URL, {"assigned": "mine"}).context["cl"].result_list] == [later.pk]


def test_open_tasks_show_on_the_case_page_with_a_done_button(
    client_for: Any, agent: User, second_agent: User, case: CollectionCase,
) -> None:
    request_waiver(case, second_agent, hardship=True)
    task = CaseTask.objects.get(case=case)
    client = client_for(agent)
    assert client.get(case_url(case)).context["open_tasks"] == [task]

    response = client.post(case_url(case, "complete_task"), {"item": task.pk})

    assert messages_of(response) == ["Task done: Review."]
    assert client.get(case_url(case)).context["open_tasks"] == []


# --- every queue opens for every staff role -----------------------------------------------------------


def test_every_queue_and_its_records_open_for_every_staff_role(
    client_for: Any, agent: User, agency_agent: User, supervisor: User, compliance: User,
    second_agent: User, case: CollectionCase, phone: ContactPoint,
) -> None:
    waiver = request_waiver(case, second_agent, hardship=True)
    dispute = open_dispute(case, agent)
    task = CaseTask.objects.get(case=case)
    pages = [WAIVERS_URL, TASKS_URL, DISPUTES_URL, f"{WAIVERS_URL}{waiver.pk}/change/",
             f"{TASKS_URL}{task.pk}/change/", f"{DISPUTES_URL}{dispute.pk}/change/", case_url(case)]
    for user in (agent, supervisor, compliance):
        client = client_for(user)
        for url in pages:
            assert client.get(url).status_code == 200, (user.username, url)
    # The case is in-house: an agency agent's queues are empty and its records are unknown to them.
    client = client_for(agency_agent)
    for url in (WAIVERS_URL, TASKS_URL, DISPUTES_URL):
        assert list(client.get(url).context["cl"].result_list) == [], url
    assert client.get(case_url(case)).status_code == 404


def test_case_page_queries_do_not_grow_with_the_number_of_records(
    client_for: Any, supervisor: User, second_agent: User,
) -> None:
    def case_with(n: int) -> CollectionCase:
        case = make_case(CaseState.ACTIVE)
        point = PhoneFactory.create(customer=case.customer)
        actor = Actor.for_user(second_agent)
        for i in range(n):
            services.contact_attempt_log(case_id=case.pk, actor=actor, contact_point_id=point.pk,
                                         direction="outbound", outcome="no_answer")
            notice_queue(case_id=case.pk, template_key=("reminder.soft", "reminder.firm")[i],
                         contact_point_id=point.pk, actor=actor, links=links_for_notices)
            request_waiver(case, second_agent, amount="10.00", hardship=True)  # and its review task
            services.plan_offer(case_id=case.pk, option_code="installment:3", actor=actor)
        for _ in range(n):
            open_dispute(case, second_agent)
        return case

    client = client_for(supervisor)
    cases = (case_with(1), case_with(2))
    client.get(case_url(cases[0]))  # warm the per-process caches (content types) first
    counts = []
    for case in cases:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(case_url(case)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
