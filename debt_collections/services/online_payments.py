"""Payments the customer makes from their page (issue 14), through a payment provider.

* ``payable_amounts``: what the customer can pay now: the next installment of a live plan (what is
  left of it), what is left of an open promise, the whole balance. Computed from stored rows only.
* ``payment_intent_start``: the customer picks one; an intent is stored with our reference and the
  provider starts a checkout (a redirect, or bank-transfer instructions).
* ``payment_webhook_apply``: the provider's callback, already authenticated by its signature (the
  webhook view checks it). ``succeeded`` records the money through ``payment_record``, the same service
  as staff payments (idempotent by the provider's transaction id), marks the intent paid and queues a
  ``payment.receipt``; ``failed`` and ``abandoned`` only mark the intent: nothing else changes.
* ``payment_intents_abandon_stale``: the cycle marks intents nobody finished as abandoned.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import CreditAccount
from debt_collections import selectors
from debt_collections.errors import InvalidInput, NotPermitted
from debt_collections.kernel.audit import Actor, audit_append
from debt_collections.kernel.locking import check_actor, lock_case
from debt_collections.kernel.scope import resolve_case
from debt_collections.models import (
    TERMINAL,
    CollectionCase,
    IntentPurpose,
    IntentState,
    PaymentIntent,
    PromiseState,
)
from debt_collections.payments_provider.base import Checkout, CheckoutRequest, provider_named
from debt_collections.services import service_notices
from debt_collections.services.payments import payment_record
from debt_collections.services.promises import paid_towards
from notifications.rendering import money

# [D] An intent nobody finished (the customer closed the checkout, a transfer never came) is abandoned
# after this long; a payment that still arrives later is recorded all the same.
INTENT_TTL = timedelta(days=3)
CYCLE = Actor.system("collection_cycle")


@dataclass(frozen=True)
class Payable:
    purpose: str
    amount: Decimal
    currency: str


# "Not read yet" for the rows a caller may pass to ``payable_amounts`` (``None`` means "there is none").
UNREAD: Any = object()


def payable_amounts(
    case: CollectionCase, now: datetime, *, plan: Any = UNREAD, promise: Any = UNREAD
) -> list[Payable]:
    """What can be paid now, in this order: the next installment, the promise, the balance (each only
    when positive; the balance excludes nothing: allocation withholds disputed amounts itself).

    ``plan`` (the live plan) and ``promise`` (the open promise), or ``None`` for none, when the caller
    has just read them (the customer page does): they are not read again."""
    account = case.account
    currency = account.currency
    found: list[Payable] = []
    if case.state in TERMINAL or account.total_due <= 0:
        return found
    if plan is UNREAD:
        plan = selectors.live_plan(case)
    if plan is not None:
        nxt = plan.installments.order_by("number").exclude(paid_amount__gte=F("amount")).first()
        if nxt is not None:
            found.append(
                Payable(
                    IntentPurpose.INSTALLMENT, min(nxt.amount - nxt.paid_amount, account.total_due), currency
                )
            )
    if promise is UNREAD:
        promise = case.promises.filter(state=PromiseState.OPEN).first()
    if promise is not None:
        left = promise.amount - paid_towards(case, promise, until=now)
        if left > 0:
            found.append(Payable(IntentPurpose.PROMISE, min(left, account.total_due), currency))
    found.append(Payable(IntentPurpose.BALANCE, account.total_due, currency))
    return found


def payment_intent_start(
    *, case_id: int, purpose: str, provider: str, return_url: str, actor: Actor, now: datetime | None = None
) -> tuple[PaymentIntent, Checkout]:
    """Store an intent to pay ``purpose`` (amount computed here, never taken from the client) and start
    the provider's checkout. Returns the intent and how to pay. Raises ``InvalidInput``
    (``nothing_to_pay`` when that purpose has nothing due) and ``NotPermitted`` (a staff user outside
    scope; the customer's link is checked by the page). The provider is called after the row is stored
    and committed, outside the transaction."""
    now = now or timezone.now()
    user = actor.user
    if user is not None and not (user.is_superuser or user.is_agent or user.is_supervisor):
        raise NotPermitted("Only the customer, agents and supervisors start a payment.")
    resolve_case(actor, case_id)  # out of scope is a 404, before anything is read back
    with transaction.atomic():
        case = lock_case(case_id)
        check_actor(actor, case, None, now)
        choice = next((p for p in payable_amounts(case, now) if p.purpose == purpose), None)
        if choice is None:
            raise InvalidInput("There is nothing to pay for that now.", code="nothing_to_pay")
        intent = PaymentIntent.objects.create(
            case=case,
            reference=f"PI{secrets.token_hex(8).upper()}",
            provider=provider,
            purpose=purpose,
            amount=choice.amount,
            currency=choice.currency,
            created_at=now,
            created_by=actor.label,
        )
        audit_append(
            actor=actor,
            action="payment_intent.started",
            at=now,
            case=case,
            payload={
                "intent": intent.pk,
                "reference": intent.reference,
                "provider": provider,
                "purpose": purpose,
                "amount": intent.amount,
                "currency": intent.currency,
            },
        )
    checkout = provider_named(provider).start(
        CheckoutRequest(
            reference=intent.reference,
            amount=intent.amount,
            currency=intent.currency,
            description=f"{case.account.product} {intent.get_purpose_display()}",
            return_url=return_url,
        )
    )
    return intent, checkout


def _receipt(case: CollectionCase, intent: PaymentIntent, actor: Actor, now: datetime) -> None:
    account = CreditAccount.objects.get(pk=case.account_id)
    payment = intent.payment
    if payment is None:
        return
    service_notices.queue(
        case=case,
        template_key="payment.receipt",
        reference=f"payment:{payment.pk}",
        point=service_notices.notice_point(case, None),
        actor=actor,
        now=now,
        extra={
            "payment_amount": money(payment.amount),
            "payment_date": service_notices.local_text(case, payment.received_at),
            "balance_after": money(account.total_due),
            "currency": payment.currency,
        },
    )


def payment_webhook_apply(*, provider: str, event: Mapping[str, object], now: datetime) -> PaymentIntent:
    """Apply one authenticated provider event: ``{"type": "payment.succeeded" | "payment.failed" |
    "payment.abandoned", "intent": <our reference>, "transaction": <provider id>, "amount", "currency",
    "received_at" (ISO 8601), "reason"}``.

    Idempotent: the same event again returns the intent and writes nothing (the payment is keyed by the
    provider's transaction id, so a retried success never pays twice). A success after the intent was
    abandoned is still recorded (the money arrived). Returns the intent. Raises ``InvalidInput``
    (``not_found``, ``invalid_event``, and ``payment_record``'s own refusals).
    """
    kind = str(event.get("type", ""))
    reference = str(event.get("intent", ""))
    actor = Actor.system(f"payments:{provider}")
    intent = PaymentIntent.objects.filter(reference=reference, provider=provider).first()
    if intent is None:
        raise InvalidInput(f"No payment {reference!r} from {provider}.", code="not_found")
    with transaction.atomic():
        if kind == "payment.succeeded":
            transaction_id = str(event.get("transaction", "")).strip()
            received = parse_datetime(str(event.get("received_at", "")))
            if not transaction_id or received is None or received.tzinfo is None:
                raise InvalidInput(
                    "A success needs a transaction id and a received_at.", code="invalid_event"
                )
            try:
                amount = Decimal(str(event.get("amount")))
            except ArithmeticError as exc:
                raise InvalidInput("The amount is not a number.", code="invalid_event") from exc
            payment = payment_record(
                account_id=intent.case.account_id,
                external_reference=f"{provider}:{transaction_id}"[:64],
                amount=amount,
                currency=str(event.get("currency", "")),
                received_at=received,
                actor=actor,
                now=now,
                # The money has arrived: a surplus is kept visibly as unapplied, never refused.
                allow_overpayment=True,
            )
            case = lock_case(intent.case_id)
            intent = PaymentIntent.objects.select_for_update().get(pk=intent.pk)
            if intent.state == IntentState.SUCCEEDED:
                return intent
            intent.succeed(at=now, payment=payment, provider_reference=transaction_id[:64])
            intent.save()
            audit_append(
                actor=actor,
                action="payment_intent.succeeded",
                at=now,
                case=case,
                payload={"intent": intent.pk, "payment": payment.pk, "amount": payment.amount},
            )
            _receipt(case, intent, actor, now)
            return intent
        if kind not in ("payment.failed", "payment.abandoned"):
            raise InvalidInput(f"Unknown event type {kind!r}.", code="invalid_event")
        case = lock_case(intent.case_id)
        intent = PaymentIntent.objects.select_for_update().get(pk=intent.pk)
        if intent.state != IntentState.CREATED:
            return intent  # already decided: a repeat, or a late failure after a success
        if kind == "payment.failed":
            intent.fail(at=now, reason=str(event.get("reason", "declined")))
        else:
            intent.abandon(at=now)
        intent.save()
        audit_append(
            actor=actor,
            action=f"payment_intent.{intent.state}",
            at=now,
            case=case,
            payload={"intent": intent.pk, "reason": intent.failure},
        )
    return intent


def payment_intents_abandon_stale(*, now: datetime, lo: int | None = None, hi: int | None = None) -> int:
    """Intents still ``created`` after ``INTENT_TTL`` become ``abandoned`` (audited). Returns how many.
    Safe to repeat."""
    stale = PaymentIntent.objects.filter(state=IntentState.CREATED, created_at__lt=now - INTENT_TTL)
    if lo is not None:
        stale = stale.filter(case__account_id__gte=lo)
    if hi is not None:
        stale = stale.filter(case__account_id__lte=hi)
    count = 0
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            case_id = PaymentIntent.objects.filter(pk=pk).values_list("case_id", flat=True).get()
            case = lock_case(case_id)
            intent = PaymentIntent.objects.select_for_update().get(pk=pk)
            if intent.state != IntentState.CREATED:
                continue
            intent.abandon(at=now)
            intent.save()
            audit_append(
                actor=CYCLE,
                action="payment_intent.abandoned",
                at=now,
                case=case,
                payload={"intent": intent.pk, "reason": "not finished in time"},
            )
            count += 1
    return count
