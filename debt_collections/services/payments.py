"""Payments: recorded once per external reference, allocated in the pack's order, never to a disputed
amount (DESIGN §8), and then the case follows: installments paid, plan completed, case resolved.

Locks: the account's open case first (``lock_case`` also locks its account row), then the account, as
every other writer of balances does (waivers), so two of them never wait on each other in a circle.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import CreditAccount
from debt_collections import selectors
from debt_collections.errors import InvalidInput, NotFound, NotPermitted
from debt_collections.kernel.access import is_payments_system, may
from debt_collections.kernel.audit import Actor, audit_append
from debt_collections.kernel.locking import check_actor, lock_case
from debt_collections.kernel.scope import resolve_account
from debt_collections.models import HOLDABLE, TERMINAL, CaseState, CollectionCase, Dispute, Payment
from debt_collections.policies import PAYMENT_COMPONENTS, allocate_payment, get_pack, quantize
from debt_collections.services import cases as case_services
from debt_collections.services import plan_changes as plan_services

# Resolving a case because nothing is owed is a consequence of the money, decided by policy, not by the
# person who keyed the payment in (an agent may not resolve by hand): the system acts, the reason names
# the payment, and the payment's own event names the person.
SETTLEMENT = Actor.system("settlement")
# A provider's clock may run a little ahead of ours; more than this is a wrong date, not skew.
CLOCK_SKEW = timedelta(minutes=5)


def _require_recorder(actor: Actor) -> None:
    """Supervisors and the payments-system service account record payments (access.ACTION_ROLES); an
    agent keying in money could resolve a case by hand, which only a supervisor may do."""
    user = actor.user
    if user is None or may(user, "payment.record"):
        return
    raise NotPermitted("Only supervisors or the payments system record payments.")


def _replay(
    existing: Payment, *, account_id: int, amount: Decimal, currency: str, actor: Actor, now: datetime
) -> Payment:
    """The stored payment for a repeated reference, or ``reference_conflict``.

    The conflict names nothing of the stored payment: the reference may belong to an account the
    caller may not see.
    """
    if existing.account_id != account_id or existing.amount != amount or existing.currency != currency:
        raise InvalidInput(
            f"The reference {existing.external_reference} was already used for a different payment.",
            code="reference_conflict",
        )
    if actor.user is not None and existing.case is not None and not is_payments_system(actor.user):
        check_actor(actor, existing.case, None, now, action="payment.record")
    return existing


def withheld_by_disputes(account: CreditAccount) -> dict[str, Decimal]:
    """Per balance component, the amount under an open dispute (a payment is never allocated to it).

    A dispute naming a component without an amount withholds the whole component; one without a
    component withholds nothing here (the hold already pauses collection).
    """
    open_disputes = Dispute.objects.filter(case__account_id=account.pk, status=Dispute.Status.OPEN).exclude(
        disputed_component=""
    )
    withheld: dict[str, Decimal] = {}
    whole = set(
        open_disputes.filter(disputed_amount__isnull=True).values_list("disputed_component", flat=True)
    )
    sums = (
        open_disputes.filter(disputed_amount__isnull=False)
        .values("disputed_component")
        .annotate(total=Sum("disputed_amount"))
    )
    for row in sums:
        withheld[row["disputed_component"]] = row["total"]
    for component in whole:
        withheld[component] = getattr(account, component)
    # Sum() comes back unscaled on SQLite (Decimal("30")): keep the currency's minor unit.
    return {
        c: quantize(v, account.currency) for c, v in withheld.items() if c in PAYMENT_COMPONENTS and v > 0
    }


def _allocation_json(
    order: tuple[str, ...], applied: Mapping[str, Decimal], unapplied: Decimal, withheld: dict[str, Decimal]
) -> dict[str, object]:
    return {
        "order": list(order),
        "applied": {c: str(applied[c]) for c in order},
        "unapplied": str(unapplied),
        "withheld_by_dispute": {c: str(v) for c, v in withheld.items()},
    }


def settle_if_nothing_owed(
    *, case: CollectionCase, applied: Decimal, actor: Actor, now: datetime, reason: str
) -> None:
    """After the balance went down by ``applied``: pay the plan's installments, and when nothing is
    owed any more complete the plan (case ``resolved``) or resolve the case. In the caller's transaction.

    A case on hold stays on hold (the hold saved where to resume); a charged-off case stays charged off.
    """
    account = CreditAccount.objects.get(pk=case.account_id)
    cleared = account.total_due == 0
    case.refresh_from_db(fields=["state"])
    if case.state == CaseState.ON_PLAN or (
        case.state == CaseState.ON_HOLD and case.resume_state == CaseState.ON_PLAN
    ):
        plan_services.plan_apply_payment(
            case_id=case.pk, amount=applied, actor=actor, now=now, balance_cleared=cleared
        )
        case.refresh_from_db(fields=["state"])
    # Still on_plan here only without a live plan behind it (a cleared balance completes a live plan).
    if cleared and case.state in HOLDABLE:
        case_services.case_resolve(case_id=case.pk, actor=SETTLEMENT, reason=reason, now=now)


def payment_record(
    *,
    account_id: int,
    external_reference: str,
    amount: Decimal,
    currency: str,
    received_at: datetime,
    actor: Actor,
    now: datetime | None = None,
    allow_overpayment: bool = False,
) -> Payment:
    """Record a payment and allocate it; ``payment_record_outcome`` without the "was it new" flag."""
    payment, _created = payment_record_outcome(
        account_id=account_id,
        external_reference=external_reference,
        amount=amount,
        currency=currency,
        received_at=received_at,
        actor=actor,
        now=now,
        allow_overpayment=allow_overpayment,
    )
    return payment


def payment_record_outcome(
    *,
    account_id: int,
    external_reference: str,
    amount: Decimal,
    currency: str,
    received_at: datetime,
    actor: Actor,
    now: datetime | None = None,
    allow_overpayment: bool = False,
) -> tuple[Payment, bool]:
    """Record a payment and allocate it; returns the payment and whether this call stored it.

    Idempotent by ``external_reference``: the same reference again returns the stored payment and writes
    nothing (no second allocation, no audit event); the same reference with another account, amount or
    currency is ``InvalidInput`` ``reference_conflict``. The amount goes to the balance components in the
    pack's ``payment_allocation_order``, never to an amount under an open dispute; what cannot be
    allocated is kept as ``unapplied`` in ``Payment.allocation``. On the account's open case the live
    plan's installments are paid oldest first; when nothing is owed the plan completes or the case is
    resolved.

    Bounds: the amount is positive and at most what is owed, unless ``allow_overpayment`` (an explicit
    path: the surplus is kept visibly as ``unapplied`` in the allocation); ``received_at`` is neither in
    the future nor before the account was opened. Under a race the one insert that wins returns
    ``created=True``; every other call with the same reference returns the stored row with ``False``.

    Raises ``NotFound`` (an account unknown or outside the actor's scope), ``InvalidInput``
    (``currency_mismatch``, ``invalid_amount``, ``overpayment``, ``invalid_received_at``,
    ``reference_conflict``) and ``NotPermitted`` (role, scope, agency licence).
    """
    now = now or timezone.now()
    reference = external_reference.strip()
    if not reference or len(reference) > 64:
        raise InvalidInput("The external reference must be 1 to 64 characters.", code="invalid_reference")
    if isinstance(amount, float) or not isinstance(amount, Decimal | int):
        raise InvalidInput("The amount must be a decimal number.", code="invalid_amount")
    amount = Decimal(amount)
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput("The amount must be positive.", code="invalid_amount")
    if received_at.tzinfo is None:
        raise InvalidInput("received_at must include a time zone.", code="invalid_received_at")
    if received_at > now + CLOCK_SKEW:
        raise InvalidInput("received_at is in the future.", code="invalid_received_at")
    _require_recorder(actor)
    # Scope before anything is read back: an account the actor may not reach is a 404 with no detail.
    resolve_account(actor, account_id)
    at = now  # bound for the closure (mypy does not narrow ``now`` inside it)

    def replay(existing: Payment) -> tuple[Payment, bool]:
        stored = _replay(
            existing, account_id=account_id, amount=amount, currency=currency, actor=actor, now=at
        )
        return stored, False

    with transaction.atomic():
        existing = Payment.objects.filter(external_reference=reference).select_related("case").first()
        if existing is not None:  # a replay: no lock, no write, no audit
            return replay(existing)
        case_id = (
            CollectionCase.objects.filter(account_id=account_id)
            .exclude(state__in=TERMINAL)
            .values_list("pk", flat=True)
            .first()
        )
        case = lock_case(case_id) if case_id is not None else None
        account = (
            CreditAccount.objects.select_for_update().select_related("customer").filter(pk=account_id).first()
        )
        if account is None:
            raise NotFound("Account not found.")
        if actor.user is not None and not is_payments_system(actor.user):
            if case is not None:
                check_actor(actor, case, None, now, action="payment.record")
            elif actor.user.agency_id is not None:
                raise NotPermitted("Agency users record payments only on cases placed with their agency.")
        if received_at.date() < account.opened_at:
            raise InvalidInput("received_at is before the account was opened.", code="invalid_received_at")
        existing = Payment.objects.filter(external_reference=reference).select_related("case").first()
        if existing is not None:  # a concurrent call with the same reference won while we waited
            return replay(existing)
        if currency != account.currency:
            raise InvalidInput(
                f"The payment is in {currency} but the account is in {account.currency}.",
                code="currency_mismatch",
            )
        try:
            exact = quantize(amount, currency)
        except ValueError as exc:
            raise InvalidInput(str(exc), code="currency_mismatch") from exc
        if exact != amount:
            raise InvalidInput(f"{amount} has more precision than {currency} allows.", code="invalid_amount")
        if amount > account.total_due and not allow_overpayment:
            raise InvalidInput(
                f"{amount} is more than the {account.total_due} owed; record an overpayment explicitly "
                "(the surplus is kept as unapplied).",
                code="overpayment",
            )

        if case is not None:
            pack = selectors.case_pack(case, now)
        else:
            pack = get_pack(account.customer.jurisdiction, now.date())
        withheld = withheld_by_disputes(account)
        payable = {
            c: max(getattr(account, c) - withheld.get(c, Decimal(0)), Decimal(0)) for c in PAYMENT_COMPONENTS
        }
        allocation = allocate_payment(amount, payable, pack.payment_allocation_order, currency)
        try:
            # The row first, in its own savepoint: a concurrent payment with the same reference (to
            # another account, so not serialized by our locks) fails here, before any balance moves.
            with transaction.atomic():
                payment = Payment.objects.create(
                    account=account,
                    case=case,
                    external_reference=reference,
                    amount=amount,
                    currency=currency,
                    received_at=received_at,
                    allocation=_allocation_json(
                        pack.payment_allocation_order, allocation.applied, allocation.unapplied, withheld
                    ),
                    recorded_by=actor.user,
                )
        except IntegrityError:
            existing = Payment.objects.filter(external_reference=reference).select_related("case").first()
            if existing is None:
                raise
            return replay(existing)
        applied = {c: v for c, v in allocation.applied.items() if v > 0}
        if applied:
            # Exact values computed here from the locked row: SQLite would do ``F(c) - v`` in floating
            # point, and a component must never go below zero whatever happened since we read it.
            current = CreditAccount.objects.select_for_update().get(pk=account.pk)
            changes = {c: getattr(current, c) - v for c, v in applied.items()}
            if any(value < 0 for value in changes.values()):
                raise InvalidInput("The balance changed during allocation; retry.", code="retry")
            CreditAccount.objects.filter(pk=account.pk).update(**changes)
        audit_append(
            actor=actor,
            action="payment.recorded",
            at=now,
            case=case,
            payload={
                "payment": payment.pk,
                "account": account.account_number,
                "external_reference": reference,
                "amount": amount,
                "currency": currency,
                "received_at": received_at,
                "allocation": payment.allocation,
                "policy_version": pack.version,
            },
        )
        if case is not None and applied:
            settle_if_nothing_owed(
                case=case,
                applied=allocation.total_applied,
                actor=actor,
                now=now,
                reason=f"paid in full (payment {reference})",
            )
    return payment, True
