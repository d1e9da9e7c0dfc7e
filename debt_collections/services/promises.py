"""Promises to pay (issue 14): taken, replaced, cancelled, and decided by payments in the daily cycle.

* ``promise_take``: an agent on a call, the customer on their page or a client of the API records "I will
  pay X by D". An open promise on the same case is cancelled and points at the new one (replaced
  visibly: both are kept, and the audit says which replaced which). A confirmation notice
  (``promise.confirmation``) is queued through the gate in the same transaction.
* ``promise_cancel``: a person withdraws an open promise (mis-keyed, the customer changed their mind).
* ``promises_decide_due``: the daily cycle's step (one call line in ``services.cycle``). A promise is
  **kept** once payments on the account received from when it was taken until the end of its due date
  plus the pack's grace days (the customer's local day) add up to its amount (partial payments count
  together); **broken** when that day is over and they do not. On its due date an open promise gets one
  follow-up task for the agent.

Locks: the case first (``lock_case``), then the promise, as every other service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from debt_collections import selectors
from debt_collections.errors import DomainError, InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from debt_collections.kernel.audit import Actor, audit_append
from debt_collections.kernel.locking import check_actor, lock_case
from debt_collections.kernel.scope import cases_for, resolve_case
from debt_collections.models import (
    TERMINAL,
    CaseState,
    CaseTask,
    CollectionCase,
    ContactAttempt,
    Payment,
    PromiseChannel,
    PromiseState,
    PromiseToPay,
)
from debt_collections.policies import get_pack, quantize
from debt_collections.policies.localtime import customer_zone, first_instant_at_or_after
from debt_collections.services import service_notices
from debt_collections.services.queue import queue_refresh_after_commit
from notifications.rendering import money

CYCLE = Actor.system("collection_cycle")  # the same actor as the rest of the cycle
# [D] A promise is a short-term commitment: further out, an installment plan is the right tool.
MAX_PROMISE_DAYS = 30


@dataclass
class PromiseStep:
    """What the cycle's promise step changed, and what it could not (the next run retries)."""

    kept: int = 0
    broken: int = 0
    follow_ups: int = 0
    errors: list[str] = field(default_factory=list)


def _require_taker(actor: Actor) -> None:
    """Agents and supervisors take promises; the customer's own link and system feeds carry no user and
    are checked by their entry point. Compliance officers review, they do not negotiate."""
    user = actor.user
    if user is None or user.is_superuser or user.is_agent or user.is_supervisor:
        return
    raise NotPermitted("Only agents and supervisors take promises to pay.")


def deadline(case: CollectionCase, promise: PromiseToPay) -> datetime:
    """The instant the promise's last counted day ends: midnight after ``due_date + grace_days`` in the
    customer's time zone. A payment received before it counts; one received at it does not."""
    zone = customer_zone(case.customer)
    last_day = promise.due_date + timedelta(days=promise.grace_days)
    return first_instant_at_or_after(last_day + timedelta(days=1), time(0), zone)


def paid_towards(case: CollectionCase, promise: PromiseToPay, *, until: datetime) -> Decimal:
    """Payments on the case's account received from when the promise was taken, before ``until``."""
    total = Payment.objects.filter(
        account_id=case.account_id, received_at__gte=promise.taken_at, received_at__lt=until
    ).aggregate(total=Sum("amount"))["total"]
    # Sum() comes back unscaled on SQLite: keep the currency's minor unit.
    return quantize(Decimal(total or 0), promise.currency)


def _validate(case: CollectionCase, amount: Decimal, due_date: date, now: datetime) -> Decimal:
    if case.state in TERMINAL:
        raise InvalidInput("The case is finished.", code="case_finished")
    if case.state == CaseState.ON_HOLD:
        raise InvalidInput("Collection on this case is paused (on hold).", code="case_on_hold")
    if isinstance(amount, float) or not isinstance(amount, Decimal | int):
        raise InvalidInput("The amount must be a decimal number.", code="invalid_amount")
    amount = Decimal(amount)
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput("The amount must be positive.", code="invalid_amount")
    try:
        exact = quantize(amount, case.account.currency)
    except ValueError as exc:
        raise InvalidInput(str(exc), code="invalid_amount") from exc
    if exact != amount:
        raise InvalidInput(f"{amount} has more precision than the currency allows.", code="invalid_amount")
    if amount > case.account.total_due:
        raise InvalidInput(
            f"The amount is more than the {case.account.total_due} owed.", code="amount_over_balance"
        )
    today = selectors.customer_today(case, now)
    if not today <= due_date <= today + timedelta(days=MAX_PROMISE_DAYS):
        raise InvalidInput(
            f"The date must be between today and {MAX_PROMISE_DAYS} days from now (the customer's dates).",
            code="invalid_due_date",
        )
    return exact


def promise_take(
    *,
    case_id: int,
    amount: Decimal,
    due_date: date,
    channel: str,
    actor: Actor,
    now: datetime | None = None,
    attempt_id: int | None = None,
    contact_point_id: int | None = None,
) -> PromiseToPay:
    """Record a promise to pay ``amount`` by ``due_date`` (the customer's local date) and queue its
    confirmation to ``contact_point_id`` or the customer's verified phone, else email (through the gate;
    a block is recorded, not raised).

    An open promise on the case is cancelled and ``replaced_by`` the new one. ``attempt_id`` links the
    call it was taken on (it must be one of this case's). Returns the new promise. Raises ``InvalidInput``
    (``invalid_amount``, ``amount_over_balance``, ``invalid_due_date``, ``case_on_hold``,
    ``case_finished``, ``invalid_channel``, ``not_found``), ``NotFound`` (a case outside the actor's
    scope) and ``NotPermitted`` (role, agency licence). Not idempotent: each call records a new promise
    (and replaces the previous one).
    """
    now = now or timezone.now()
    _require_taker(actor)
    if channel not in PromiseChannel.values:
        raise InvalidInput(f"Unknown channel {channel!r}.", code="invalid_channel")
    # Scope before anything is read back: a case the actor may not reach is a 404 with no detail.
    resolve_case(actor, case_id)
    with transaction.atomic():
        case = lock_case(case_id)
        check_actor(actor, case, None, now)
        exact = _validate(case, amount, due_date, now)
        attempt = None
        if attempt_id is not None:
            attempt = ContactAttempt.objects.filter(pk=attempt_id, case_id=case.pk).first()
            if attempt is None:
                raise InvalidInput(f"Attempt {attempt_id} is not one of this case's.", code="not_found")
        pack = selectors.case_pack(case, now)
        previous = PromiseToPay.objects.select_for_update().filter(case=case, state=PromiseState.OPEN).first()
        if previous is not None:
            # The partial unique index allows one open promise per case: end the old one first.
            previous.cancel(at=now, reason="replaced")
            previous.save()
        promise = PromiseToPay.objects.create(
            case=case,
            amount=exact,
            currency=case.account.currency,
            due_date=due_date,
            grace_days=pack.plan_grace_days,
            channel=channel,
            attempt=attempt,
            taken_at=now,
            taken_by=actor.label,
            taken_by_user=actor.user,
        )
        if previous is not None:
            previous.replaced_by = promise
            previous.end_reason = f"replaced by promise {promise.pk}"
            previous.save(update_fields=["replaced_by", "end_reason"])
            audit_append(
                actor=actor,
                action="promise.replaced",
                at=now,
                case=case,
                payload={"promise": previous.pk, "replaced_by": promise.pk},
            )
        audit_append(
            actor=actor,
            action="promise.taken",
            at=now,
            case=case,
            payload={
                "promise": promise.pk,
                "amount": exact,
                "currency": promise.currency,
                "due_date": due_date,
                "grace_days": promise.grace_days,
                "channel": channel,
                "attempt": attempt_id,
                "replaces": previous.pk if previous is not None else None,
                "policy_version": pack.version,
            },
        )
        queue_refresh_after_commit(customer_ids=[case.customer_id], now=now)
        service_notices.queue(
            case=case,
            template_key="promise.confirmation",
            reference=f"promise:{promise.pk}",
            point=service_notices.notice_point(case, contact_point_id),
            actor=actor,
            now=now,
            extra={
                "promise_amount": money(exact),
                "promise_due_date": due_date.isoformat(),
                "currency": promise.currency,
            },
        )
    return promise


def promise_cancel(
    *, promise_id: int, reason: str, actor: Actor, now: datetime | None = None
) -> PromiseToPay:
    """Cancel an open promise (``cancelled``, with the reason), audited as ``promise.cancelled``; its
    follow-up task, if any, is closed. Returns it. Raises ``InvalidInput`` (``not_found``, an empty
    reason), ``NotPermitted`` (role, scope) and ``TransitionNotAllowed`` (``promise_decided``: it is no
    longer open). Not repeatable."""
    now = now or timezone.now()
    user = actor.user
    if user is None or not (user.is_superuser or user.is_agent or user.is_supervisor):
        raise NotPermitted("Agents and supervisors cancel promises to pay.")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Say why the promise is cancelled.", code="reason_required")
    with transaction.atomic():
        case_id = (
            PromiseToPay.objects.filter(pk=promise_id, case__in=cases_for(user))
            .values_list("case_id", flat=True)
            .first()
        )
        if case_id is None:  # unknown and out of scope look the same
            raise NotFound("Promise not found.")
        case = lock_case(case_id)
        check_actor(actor, case, None, now)
        promise = PromiseToPay.objects.select_for_update().get(pk=promise_id)
        if promise.state != PromiseState.OPEN:
            raise TransitionNotAllowed(
                f"This promise is already {promise.get_state_display()}.", code="promise_decided"
            )
        promise.cancel(at=now, reason=reason[:200])
        promise.save()
        if promise.follow_up_id is not None:
            CaseTask.objects.filter(pk=promise.follow_up_id, done_at__isnull=True).update(done_at=now)
        audit_append(
            actor=actor,
            action="promise.cancelled",
            at=now,
            case=case,
            payload={"promise": promise.pk, "reason": promise.end_reason},
        )
        queue_refresh_after_commit(customer_ids=[case.customer_id], now=now)
    return promise


def _decide_one(promise_id: int, *, as_of: date, now: datetime, step: PromiseStep) -> None:
    with transaction.atomic():
        case_id = PromiseToPay.objects.filter(pk=promise_id).values_list("case_id", flat=True).get()
        case = lock_case(case_id)
        promise = PromiseToPay.objects.select_for_update().get(pk=promise_id)
        if promise.state != PromiseState.OPEN:
            return
        end = deadline(case, promise)
        paid = paid_towards(case, promise, until=min(end, now))
        last_day = promise.due_date + timedelta(days=promise.grace_days)
        if paid >= promise.amount:
            promise.keep(at=now, paid=paid)
            step.kept += 1
        elif as_of > last_day and now >= end:
            promise.break_(at=now, paid=paid)
            step.broken += 1
        else:
            return
        promise.save()
        if promise.follow_up_id is not None and promise.state == PromiseState.KEPT:
            CaseTask.objects.filter(pk=promise.follow_up_id, done_at__isnull=True).update(done_at=now)
        audit_append(
            actor=CYCLE,
            action=f"promise.{promise.state}",
            at=now,
            case=case,
            payload={
                "promise": promise.pk,
                "amount": promise.amount,
                "paid": paid,
                "due_date": promise.due_date,
                "grace_days": promise.grace_days,
                "counted_until": end,
            },
        )


def _follow_up(promise_id: int, *, now: datetime, step: PromiseStep) -> None:
    """Create the promise's one follow-up task, due at the opening of contact hours on its due date."""
    with transaction.atomic():
        case_id = PromiseToPay.objects.filter(pk=promise_id).values_list("case_id", flat=True).get()
        case = lock_case(case_id)
        promise = PromiseToPay.objects.select_for_update().get(pk=promise_id)
        if promise.state != PromiseState.OPEN or promise.follow_up_id is not None:
            return
        pack = get_pack(case.customer.jurisdiction, promise.due_date)
        zone = customer_zone(case.customer)
        due_at = first_instant_at_or_after(promise.due_date, pack.contact_window_start, zone)
        task = CaseTask.objects.create(
            case=case,
            kind=CaseTask.Kind.PROMISE_FOLLOW_UP,
            due_at=due_at,
            note=f"Promise of {promise.amount} {promise.currency} due {promise.due_date}: check it was paid.",
            created_at=now,
            created_by=CYCLE.label,
        )
        promise.follow_up = task
        promise.save(update_fields=["follow_up"])
        audit_append(
            actor=CYCLE,
            action="promise.follow_up",
            at=now,
            case=case,
            payload={"promise": promise.pk, "task": task.pk, "due_at": due_at},
        )
        step.follow_ups += 1


def promises_decide_due(
    *, as_of: date, now: datetime, lo: int | None = None, hi: int | None = None
) -> PromiseStep:
    """The cycle's promise step for accounts with ids in [lo, hi] (all when not given).

    Open promises covered by payments become ``kept``; those whose due date plus grace is over (before
    ``as_of``) without being covered become ``broken``; those due by ``as_of`` get their one follow-up
    task. Each promise is its own transaction; a failure is reported in ``errors`` and retried by the
    next run. Safe to repeat: a decided promise, or one with its task, is not picked again.
    """
    step = PromiseStep()
    bounds: dict[str, int] = {}
    if lo is not None:
        bounds["case__account_id__gte"] = lo
    if hi is not None:
        bounds["case__account_id__lte"] = hi
    open_promises = PromiseToPay.objects.filter(state=PromiseState.OPEN, **bounds)
    # Candidates: due (follow-up, maybe broken) or with any payment since taken (maybe kept). Both are
    # indexed reads; the exact decision is made per promise under its case's lock.
    due = set(open_promises.filter(due_date__lte=as_of).values_list("pk", flat=True))
    paid = set(
        open_promises.filter(case__account__payments__received_at__gte=F("taken_at")).values_list(
            "pk", flat=True
        )
    )
    for promise_id in sorted(due | paid):
        try:
            _decide_one(promise_id, as_of=as_of, now=now, step=step)
        except DomainError as exc:
            step.errors.append(f"promise {promise_id}: {exc}")
    for promise_id in sorted(due):
        try:
            _follow_up(promise_id, now=now, step=step)
        except DomainError as exc:
            step.errors.append(f"promise {promise_id} follow-up: {exc}")
    return step


__all__ = ["MAX_PROMISE_DAYS", "PromiseStep", "promise_cancel", "promise_take", "promises_decide_due"]
