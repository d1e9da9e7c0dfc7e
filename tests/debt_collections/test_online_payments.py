"""Paying from the customer's page (issue 14): the provider interface, the signed webhook (signature,
replay window, idempotency), the receipt, and that a failed or abandoned payment changes nothing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from accounts.models import ContactPoint, CreditAccount
from debt_collections import services
from debt_collections.kernel.audit import Actor
from debt_collections.models import (
    AuditEvent,
    CaseState,
    CollectionCase,
    IntentState,
    Payment,
    PaymentIntent,
    PromiseToPay,
)
from debt_collections.payments_provider import signing
from debt_collections.services.online_payments import (
    payable_amounts,
    payment_intent_start,
    payment_intents_abandon_stale,
)
from tests.debt_collections.negotiation_support import NOW, case_with_phone, negotiation_env, notices
from tests.factories import SYSTEM

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("negotiation_env")]
__all__ = ["negotiation_env"]

SECRET = "test-provider-secret"
D = Decimal


# --- signing (pure) -----------------------------------------------------------------------------------


def test_a_signature_verifies_inside_the_replay_window_only() -> None:
    body = b'{"a": 1}'
    header = signing.sign(secret=SECRET, body=body, at=NOW)

    signing.verify(secret=SECRET, body=body, header=header, now=NOW + timedelta(minutes=4, seconds=59))
    with pytest.raises(signing.BadSignature, match="replay window"):
        signing.verify(secret=SECRET, body=body, header=header, now=NOW + timedelta(minutes=5, seconds=1))
    with pytest.raises(signing.BadSignature, match="replay window"):
        signing.verify(secret=SECRET, body=body, header=header, now=NOW - timedelta(minutes=6))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda b, h: (b + b" ", h),  # body changed
        lambda b, h: (b, h.replace("t=", "t=1")),  # timestamp changed
        lambda b, h: (b, h[:-1] + ("0" if h[-1] != "0" else "1")),  # digest changed
        lambda b, h: (b, ""),  # no header
        lambda b, h: (b, "v1=abc"),  # no timestamp
    ],
)
def test_a_tampered_request_does_not_verify(tamper: Any) -> None:
    body, header = tamper(b'{"a": 1}', signing.sign(secret=SECRET, body=b'{"a": 1}', at=NOW))
    with pytest.raises(signing.BadSignature):
        signing.verify(secret=SECRET, body=body, header=header, now=NOW)


def test_another_secret_does_not_verify() -> None:
    header = signing.sign(secret="someone-else", body=b"{}", at=NOW)
    with pytest.raises(signing.BadSignature):
        signing.verify(secret=SECRET, body=b"{}", header=header, now=NOW)


# --- the webhook ----------------------------------------------------------------------------------------


def start(case: CollectionCase, purpose: str = "balance", provider: str = "test") -> PaymentIntent:
    intent, _checkout = payment_intent_start(
        case_id=case.pk,
        purpose=purpose,
        provider=provider,
        return_url="/n/x/",
        actor=Actor.link("L"),
        now=NOW,
    )
    return intent


def post_event(
    event: dict[str, Any], *, at: datetime = NOW, secret: str = SECRET, provider: str = "test"
) -> Any:
    body = json.dumps(event).encode()
    return Client().post(
        f"/payments/webhook/{provider}/",
        data=body,
        content_type="application/json",
        headers={"X-Payment-Signature": signing.sign(secret=secret, body=body, at=at)},
    )


def success(intent: PaymentIntent, txn: str = "T-1", amount: str | None = None) -> dict[str, Any]:
    return {
        "type": "payment.succeeded",
        "intent": intent.reference,
        "transaction": txn,
        "amount": amount or str(intent.amount),
        "currency": intent.currency,
        "received_at": NOW.isoformat(),
    }


def test_a_signed_success_records_the_payment_through_the_payment_service_and_sends_a_receipt() -> None:
    case, _phone = case_with_phone()
    intent = start(case)
    before = CreditAccount.objects.get(pk=case.account_id).total_due

    response = post_event(success(intent, amount="100.00"))

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "succeeded"
    payment = Payment.objects.get()
    assert payment.external_reference == "test:T-1" and payment.amount == D("100.00")
    assert CreditAccount.objects.get(pk=case.account_id).total_due == before - D("100.00")
    intent.refresh_from_db()
    assert intent.state == IntentState.SUCCEEDED and intent.payment == payment
    assert AuditEvent.objects.filter(case=case, action="payment.recorded").count() == 1
    [receipt] = notices(case, "payment.receipt")
    assert "100.00" in receipt.body


def test_the_same_success_delivered_twice_pays_once() -> None:
    case, _phone = case_with_phone()
    intent = start(case)

    first = post_event(success(intent, amount="100.00"))
    second = post_event(success(intent, amount="100.00"), at=NOW + timedelta(seconds=30))

    assert (first.status_code, second.status_code) == (200, 200)
    assert Payment.objects.count() == 1
    assert AuditEvent.objects.filter(case=case, action="payment_intent.succeeded").count() == 1
    assert len(notices(case, "payment.receipt")) == 1


def test_a_bad_signature_or_a_replay_outside_the_window_changes_nothing() -> None:
    case, _phone = case_with_phone()
    intent = start(case)

    forged = post_event(success(intent), secret="guess")
    replayed = post_event(success(intent), at=NOW - timedelta(minutes=10))
    unknown = post_event(success(intent), provider="nobody")

    assert (forged.status_code, replayed.status_code, unknown.status_code) == (400, 400, 404)
    assert not Payment.objects.exists()
    intent.refresh_from_db()
    assert intent.state == IntentState.CREATED


def test_a_failed_payment_changes_nothing_but_the_intent() -> None:
    case, _phone = case_with_phone()
    intent = start(case)
    before = CreditAccount.objects.get(pk=case.account_id).total_due

    response = post_event({"type": "payment.failed", "intent": intent.reference, "reason": "declined"})

    assert response.status_code == 200
    intent.refresh_from_db()
    assert intent.state == IntentState.FAILED
    assert not Payment.objects.exists()
    assert CreditAccount.objects.get(pk=case.account_id).total_due == before
    assert notices(case, "payment.receipt") == []


def test_an_unknown_intent_is_refused() -> None:
    response = post_event({"type": "payment.failed", "intent": "PI-NOPE"})
    assert response.status_code == 422 and response.json()["code"] == "not_found"


def test_stale_intents_are_abandoned_and_a_late_success_is_still_recorded() -> None:
    case, _phone = case_with_phone()
    intent = start(case)

    assert payment_intents_abandon_stale(now=NOW + timedelta(days=4)) == 1
    assert payment_intents_abandon_stale(now=NOW + timedelta(days=4)) == 0
    intent.refresh_from_db()
    assert intent.state == IntentState.ABANDONED and not Payment.objects.exists()

    post_event(success(intent, amount="50.00"))

    intent.refresh_from_db()
    assert intent.state == IntentState.SUCCEEDED and Payment.objects.count() == 1


# --- what can be paid, and from the page ---------------------------------------------------------------


def test_payable_amounts_offer_the_installment_the_promise_and_the_balance(agent: Any) -> None:
    case, _phone = case_with_phone()
    from debt_collections.services.promises import promise_take

    promise_take(
        case_id=case.pk,
        amount=D("120.00"),
        due_date=NOW.date() + timedelta(days=3),
        channel="call",
        actor=Actor.for_user(agent),
        now=NOW,
    )
    services.plan_accept_option(case_id=case.pk, option_code="installment:3", actor=SYSTEM, now=NOW)
    case.refresh_from_db()

    found = {p.purpose: p.amount for p in payable_amounts(case, NOW)}

    assert set(found) == {"installment", "promise", "balance"}
    assert found["promise"] == D("120.00")
    plan = case.plans.get()
    assert found["installment"] == plan.installments.get(number=1).amount


def _verified(case: CollectionCase, phone: ContactPoint) -> tuple[Client, str]:
    link, _url = services.link_create(case_id=case.pk, actor=SYSTEM, contact_point_id=phone.pk, now=NOW)
    token = services.link_token(link)
    client = Client()
    customer = case.customer
    client.post(
        f"/n/{token}/verify/",
        {
            "national_id_last4": customer.national_id_last4,
            "date_of_birth": customer.date_of_birth.isoformat(),
        },
    )
    return client, token


def test_a_customer_pays_an_installment_with_the_test_provider() -> None:
    case, phone = case_with_phone()
    services.plan_accept_option(case_id=case.pk, option_code="installment:3", actor=SYSTEM, now=NOW)
    installment = case.plans.get().installments.get(number=1)
    client, token = _verified(case, phone)
    assert 'value="installment"' in client.get(f"/n/{token}/").content.decode()

    started = client.post(f"/n/{token}/pay/", {"purpose": "installment"})
    assert started.status_code == 302 and started["Location"].startswith("/payments/test/")
    checkout = client.get(started["Location"])
    assert checkout.status_code == 200
    back = client.post(started["Location"], {"choice": "pay", "back": f"/n/{token}/"})

    assert back.status_code == 302 and back["Location"] == f"/n/{token}/?payment=paid#pay"
    installment.refresh_from_db()
    assert installment.paid_amount == installment.amount
    assert len(notices(case, "payment.receipt")) == 1


def test_a_declined_card_on_the_page_changes_nothing() -> None:
    case, phone = case_with_phone()
    client, token = _verified(case, phone)
    before = CreditAccount.objects.get(pk=case.account_id).total_due

    started = client.post(f"/n/{token}/pay/", {"purpose": "balance"})
    back = client.post(started["Location"], {"choice": "decline", "back": f"/n/{token}/"})

    assert back["Location"].endswith("?payment=failed#pay")
    assert not Payment.objects.exists()
    assert CreditAccount.objects.get(pk=case.account_id).total_due == before
    assert PaymentIntent.objects.get().state == IntentState.FAILED


def test_bank_transfer_shows_instructions_with_the_reference(settings: Any) -> None:
    settings.PAYMENT_PROVIDER = "bank_transfer"
    case, phone = case_with_phone()
    client, token = _verified(case, phone)

    response = client.post(f"/n/{token}/pay/", {"purpose": "balance"}, follow=True)

    intent = PaymentIntent.objects.get()
    assert intent.provider == "bank_transfer" and intent.state == IntentState.CREATED
    assert intent.reference in response.content.decode()
    assert not Payment.objects.exists()


def test_paying_a_finished_case_is_refused() -> None:
    case, _phone = case_with_phone(CaseState.RESOLVED)
    assert payable_amounts(case, NOW) == []
    assert not PromiseToPay.objects.exists()
