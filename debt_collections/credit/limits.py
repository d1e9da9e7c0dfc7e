"""Credit-limit reductions and freezes (DESIGN §9): advance notice, the reason in plain words, an appeal
to a person.

* ``limit_change_schedule``: a reduction or a freeze (never an increase) with a reason code from the
  fixed list and a plain-language explanation. The ``credit_limit.notice`` (a service notice) goes
  through the gate to the customer's best verified contact point with a link to the negotiation page,
  where the customer can appeal. It takes effect ``pack.credit_limit_notice_days`` later (CN 7, US 45,
  UK 7); a freeze for suspected fraud takes effect at once and is notified at the same moment.
* ``limit_changes_apply_due``: the daily cycle applies changes whose notice period has passed, never one
  under appeal, and never before its notice was actually sent that many days earlier.
* ``limit_change_appeal``: the customer (through the page, or staff on their behalf) appeals; the change
  goes to the supervisors' queue (``limit_change_appeal_queue``, the "limit-change appeals" admin).
* ``limit_change_review``: a supervisor who did not ask for the change upholds or reverses it; the
  customer is told the outcome (``credit_limit.appeal_outcome``) and a reversal restores the old limit.

Automated changes (``automated=True``; every change a system actor schedules) can be appealed like any
other, and an appeal is always decided by a person (PIPL Art. 24).

The outbox sends notices on a case: a change needs an open collection case on the account (``no_open_case``
otherwise; a gap the lead knows of). The decision is told with ``credit_limit.appeal_outcome``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from django.db import transaction
from django.utils import timezone

from accounts.models import ContactPoint, CreditAccount, CreditLimitChange
from debt_collections import selectors
from debt_collections.credit.selectors import (
    LIMIT_NOTICE_KEY,
    best_verified_point,
    case_for_change,
    notice_sent_at,
)
from debt_collections.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from debt_collections.kernel.access import may
from debt_collections.kernel.audit import Actor, audit_append
from debt_collections.kernel.locking import check_actor, lock_case
from debt_collections.models import TERMINAL, CollectionCase
from debt_collections.policies import quantize
from debt_collections.policies.limit_texts import reason_text
from debt_collections.services import service_notices
from notifications.rendering import money

if TYPE_CHECKING:
    from notifications.models import Notice

NOTICE_KEY: Final = LIMIT_NOTICE_KEY
DECISION_KEY: Final = "credit_limit.appeal_outcome"
LIMIT_POLICY = Actor.system("limit_policy")
ST = CreditLimitChange.Status
Reason = CreditLimitChange.Reason
Decision = CreditLimitChange.Decision
# A change not yet in effect that another change would overlap.
PENDING_STATES: Final = (ST.SCHEDULED, ST.UNDER_REVIEW)
APPEAL_MAX_LENGTH: Final = 4000

# --- who may act ----------------------------------------------------------------------------------


def _require_scheduler(actor: Actor) -> None:
    user = actor.user
    if user is None:
        return  # a system actor (a risk model's feed): the change is marked automated
    if user.agency_id is not None:
        raise NotPermitted("A collection agency cannot change a customer's credit limit.")
    if not may(user, "limit.change"):
        raise NotPermitted("Only in-house agents and supervisors change credit limits.")


# --- helpers ----------------------------------------------------------------------------------------


def queue_for_change(
    *,
    change: CreditLimitChange,
    case: CollectionCase,
    key: str,
    point: ContactPoint,
    actor: Actor,
    now: datetime,
    extra: dict[str, Any],
) -> Notice | None:
    """Queue ``key`` for this change (in the caller's transaction; a gate block is stored, not raised).

    The outbox's idempotency key gets the reference ``limit_change:<id>``, so this change's notice never
    collides with another notice of the same kind that day (a dispute's outcome, an earlier change's).
    Safe to repeat: the same change's notice is returned, not queued twice.
    """
    extra = {**extra, "limit_change": change.pk}
    notice = service_notices.queue(
        case=case,
        template_key=key,
        point=point,
        actor=actor,
        now=now,
        extra=extra,
        reference=f"limit_change:{change.pk}",
    )
    if notice is not None and notice.context.get("limit_change") != change.pk:  # pragma: no cover
        raise InvalidInput("Another notice took this change's place in the outbox.", code="notice_collision")
    return notice


def _validate_new_limit(new_limit: Decimal | None, account: CreditAccount) -> Decimal:
    if new_limit is None or isinstance(new_limit, float) or not isinstance(new_limit, Decimal | int):
        raise InvalidInput("Give the new limit as a decimal amount.", code="invalid_limit")
    value = Decimal(new_limit)
    if not value.is_finite() or value < 0 or quantize(value, account.currency) != value:
        raise InvalidInput(
            f"The new limit must be a non-negative {account.currency} amount.", code="invalid_limit"
        )
    if value > account.credit_limit:
        raise InvalidInput(
            "Only a reduction or a freeze can be scheduled here; an increase is refused.",
            code="increase_refused",
        )
    if value == account.credit_limit:
        raise InvalidInput("The new limit is the current limit: nothing would change.", code="no_change")
    return value


def apply_change(
    change: CreditLimitChange, account: CreditAccount, *, now: datetime, actor: Actor, case: Any
) -> None:
    """Put the change into effect (caller's transaction, both rows locked). A freeze keeps the limit."""
    before = account.credit_limit
    if not change.is_freeze and change.new_limit < account.credit_limit:
        account.credit_limit = change.new_limit
        account.save(update_fields=["credit_limit"])
    change.apply(at=now)
    change.save(update_fields=["status", "applied_at"])
    audit_append(
        actor=actor,
        action="limit_change.applied",
        at=now,
        case=case,
        payload={
            "limit_change": change.pk,
            "account": account.account_number,
            "limit_before": before,
            "limit_after": account.credit_limit,
            "is_freeze": change.is_freeze,
            "reason_code": change.reason_code,
        },
    )


def notice_period_over(change: CreditLimitChange, case: CollectionCase | None, now: datetime) -> bool:
    """A change takes effect at ``effective_at``, and never before its notice was sent N days earlier
    (a notice deferred past contact hours moves the change, not the customer's notice period)."""
    if change.reason_code == Reason.FRAUD_SUSPICION:
        return True
    if change.effective_at > now:
        return False
    sent = notice_sent_at(change)
    if sent is None or case is None:
        return False
    days = selectors.case_pack(case, sent).credit_limit_notice_days
    return sent + timedelta(days=days) <= now


# --- schedule -----------------------------------------------------------------------------------------


def limit_change_schedule(
    *,
    account_id: int,
    new_limit: Decimal | None,
    is_freeze: bool,
    reason_code: str,
    explanation: str,
    actor: Actor,
    automated: bool = False,
    now: datetime | None = None,
) -> CreditLimitChange:
    """Schedule a reduction (``new_limit`` below the current limit) or a freeze (``is_freeze``; the limit
    stays, drawing stops; ``new_limit`` is ignored) of the account's credit line.

    In one transaction: the change (``scheduled``, ``effective_at = now + pack.credit_limit_notice_days``),
    a negotiation link to the customer's best verified point, and ``credit_limit.notice`` with the reason,
    the effective date and the appeal link, through the gate (a service notice: it passes a hold). A
    ``fraud_suspicion`` freeze or reduction takes effect at once, is notified at the same moment, and
    replaces any change still pending on the account (which is cancelled).

    Returns the change. Raises ``InvalidInput``: ``invalid_reason``, ``explanation_required``,
    ``invalid_limit``, ``increase_refused``, ``no_change``, ``not_found``, ``account_closed``,
    ``no_open_case``, ``no_verified_contact`` (nobody to notify; a fraud freeze goes ahead without);
    ``NotPermitted`` (agency users, compliance officers, out of scope); ``TransitionNotAllowed``
    (``change_pending``: another change on the account is scheduled or under review). Not idempotent:
    each call schedules a new change.
    """
    now = now or timezone.now()
    _require_scheduler(actor)
    if reason_code not in Reason.values:
        raise InvalidInput(f"Choose a reason code: {', '.join(Reason.values)}.", code="invalid_reason")
    explanation = (explanation or "").strip()
    if not explanation:
        raise InvalidInput(
            "Explain the change in plain words: the customer reads this.", code="explanation_required"
        )
    fraud = reason_code == Reason.FRAUD_SUSPICION
    with transaction.atomic():
        account = CreditAccount.objects.select_for_update().filter(pk=account_id).first()
        if account is None:
            raise InvalidInput(f"Account {account_id} does not exist.", code="not_found")
        if account.status == CreditAccount.Status.CLOSED:
            raise InvalidInput("The account is closed.", code="account_closed")
        target = account.credit_limit if is_freeze else _validate_new_limit(new_limit, account)
        case_id = (
            CollectionCase.objects.filter(account=account)
            .exclude(state__in=TERMINAL)
            .values_list("pk", flat=True)
            .first()
        )
        if case_id is None:
            raise InvalidInput(
                "This account has no open collection case, and notices go out on a case.",
                code="no_open_case",
            )
        case = lock_case(case_id)
        check_actor(actor, case, None, now)
        pending = list(
            CreditLimitChange.objects.select_for_update()
            .filter(account=account, status__in=PENDING_STATES, applied_at__isnull=True)
            .order_by("pk")
        )
        if pending and not fraud:
            raise TransitionNotAllowed(
                f"Change #{pending[0].pk} on this account is still {pending[0].status}; decide it first.",
                code="change_pending",
            )
        point = best_verified_point(case.customer)
        if point is None and not fraud:
            raise InvalidInput(
                "The customer has no verified phone, email or address to send the notice to.",
                code="no_verified_contact",
            )
        for old in pending:  # only for fraud: the freeze replaces what was pending
            old.cancel()
            old.save(update_fields=["status"])
            audit_append(
                actor=actor,
                action="limit_change.superseded",
                at=now,
                case=case,
                payload={"limit_change": old.pk, "reason": "replaced by a fraud-suspicion change"},
            )
        pack = selectors.case_pack(case, now)
        effective = now if fraud else now + timedelta(days=pack.credit_limit_notice_days)
        change = CreditLimitChange.objects.create(
            account=account,
            old_limit=account.credit_limit,
            new_limit=target,
            is_freeze=is_freeze,
            reason_code=reason_code,
            explanation=explanation,
            automated=automated or actor.user is None,
            requested_by=actor.user,
            effective_at=effective,
        )
        audit_append(
            actor=actor,
            action="limit_change.scheduled",
            at=now,
            case=case,
            payload={
                "limit_change": change.pk,
                "account": account.account_number,
                "old_limit": change.old_limit,
                "new_limit": change.new_limit,
                "is_freeze": is_freeze,
                "reason_code": reason_code,
                "automated": change.automated,
                "effective_at": effective,
                "notice_days": 0 if fraud else pack.credit_limit_notice_days,
                "policy_version": pack.version,
            },
        )
        notice = None
        if point is not None:
            from debt_collections.services.links import link_create

            _link, url = link_create(case_id=case.pk, actor=actor, contact_point_id=point.pk, now=now)
            locale = case.customer.locale
            notice = queue_for_change(
                change=change,
                case=case,
                key=NOTICE_KEY,
                point=point,
                actor=actor,
                now=now,
                extra={
                    "old_limit": money(change.old_limit),
                    "new_limit": money(change.new_limit),
                    "is_freeze": is_freeze,
                    "reason_text": reason_text(change, locale),
                    "effective_date": service_notices.local_text(case, effective),
                    "appeal_url": url,
                },
            )
        if fraud:
            apply_change(change, account, now=now, actor=actor, case=case)
            if notice is None:
                audit_append(
                    actor=actor,
                    action="limit_change.not_notified",
                    at=now,
                    case=case,
                    payload={"limit_change": change.pk, "reason": "no verified contact point"},
                )
    return change


# --- apply --------------------------------------------------------------------------------------------


@dataclass
class ApplyReport:
    applied: int = 0
    waiting: list[str] = field(default_factory=list)


def limit_changes_apply_due(*, now: datetime) -> ApplyReport:
    """Apply every scheduled change whose notice period is over (the daily cycle, once per run).

    Skips changes under appeal (``under_review``) and changes whose notice has not been sent at least
    the pack's notice days ago (listed in ``waiting``: a blocked or failed notice needs a person). Also
    records ``notice_sent_at`` once a change's notice is sent. Each change is its own transaction.
    Safe to repeat: an applied change is not picked again, and nothing is written when nothing is due.
    """
    result = ApplyReport()
    unstamped = CreditLimitChange.objects.filter(notice_sent_at__isnull=True).exclude(status=ST.CANCELLED)
    for change in unstamped.order_by("pk"):
        sent = notice_sent_at(change)
        if sent is not None:
            CreditLimitChange.objects.filter(pk=change.pk, notice_sent_at__isnull=True).update(
                notice_sent_at=sent
            )
    due = CreditLimitChange.objects.filter(status=ST.SCHEDULED, effective_at__lte=now).order_by("pk")
    for change_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            change = CreditLimitChange.objects.select_for_update().get(pk=change_id)
            if change.status != ST.SCHEDULED or change.effective_at > now:
                continue
            case = case_for_change(change)
            if not notice_period_over(change, case, now):
                result.waiting.append(
                    f"limit change {change.pk}: its notice has not been sent long enough ago"
                )
                continue
            account = CreditAccount.objects.select_for_update().get(pk=change.account_id)
            apply_change(change, account, now=now, actor=LIMIT_POLICY, case=case)
            result.applied += 1
    return result
