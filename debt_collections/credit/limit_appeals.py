"""Appeals against credit-limit changes (DESIGN §9): the customer (or staff on their behalf) appeals, a
supervisor who did not ask for the change decides, and the customer is told the outcome. Scheduling and
applying changes are in ``credit.limits``.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import CreditAccount, CreditLimitChange, User
from debt_collections.credit.limits import (
    APPEAL_MAX_LENGTH,
    DECISION_KEY,
    ST,
    Decision,
    apply_change,
    notice_period_over,
    queue_for_change,
)
from debt_collections.credit.selectors import best_verified_point, case_for_change
from debt_collections.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from debt_collections.kernel.access import may
from debt_collections.kernel.audit import Actor, audit_append
from debt_collections.kernel.locking import check_actor
from debt_collections.policies.limit_texts import outcome_label, outcome_text
from notifications.rendering import money


def _require_reviewer(actor: Actor, change: CreditLimitChange) -> User:
    user = actor.user
    if user is None or user.agency_id is not None or not may(user, "limit.review"):
        raise NotPermitted("Only a supervisor reviews an appeal against a credit-limit change.")
    if change.requested_by_id is not None and change.requested_by_id == user.pk:
        raise NotPermitted(
            "You asked for this change, so another supervisor must review the appeal.", code="four_eyes"
        )
    return user


# --- appeal and review ----------------------------------------------------------------------------------


def limit_change_appeal(
    *, change_id: int, appeal_text: str, actor: Actor, now: datetime | None = None
) -> CreditLimitChange:
    """The customer appeals (through the negotiation page, ``Actor.link``; or staff on their behalf).

    The change becomes ``under_review`` and joins the supervisors' queue; a scheduled change does not take
    effect while it is reviewed, an applied one stays in effect until the decision. One appeal per change.
    The page must first check the change belongs to the link's case (``limit_changes_for_case``).

    Returns the change. Raises ``InvalidInput`` (``appeal_text_required``, ``not_found``),
    ``NotPermitted`` (staff out of scope), ``TransitionNotAllowed`` (``already_appealed``,
    ``not_appealable``: cancelled or reversed).
    """
    now = now or timezone.now()
    text = (appeal_text or "").strip()
    if not text:
        raise InvalidInput("Say why you disagree with the change.", code="appeal_text_required")
    if len(text) > APPEAL_MAX_LENGTH:
        raise InvalidInput(f"Please keep the appeal under {APPEAL_MAX_LENGTH} characters.", code="too_long")
    with transaction.atomic():
        change = CreditLimitChange.objects.select_for_update().filter(pk=change_id).first()
        if change is None:
            raise InvalidInput(f"Limit change {change_id} does not exist.", code="not_found")
        case = case_for_change(change)
        if actor.user is not None:
            if case is None:
                raise NotPermitted("You cannot act on this account.")
            check_actor(actor, case, None, now)
        if change.appealed_at is not None:
            raise TransitionNotAllowed("This change was already appealed.", code="already_appealed")
        if change.status not in (ST.SCHEDULED, ST.APPLIED):
            raise TransitionNotAllowed(
                f"A {change.get_status_display().lower()} change cannot be appealed.", code="not_appealable"
            )
        previous = change.status
        change.appeal(text=text, at=now)
        change.save(update_fields=["status", "appeal_text", "appealed_at"])
        audit_append(
            actor=actor,
            action="limit_change.appealed",
            at=now,
            case=case,
            # The customer's words stay on the change row; the chain records that they appealed.
            payload={"limit_change": change.pk, "from": previous, "in_effect": change.applied_at is not None},
        )
    return change


def limit_change_review(
    *, change_id: int, decision: str, note: str, actor: Actor, now: datetime | None = None
) -> CreditLimitChange:
    """A supervisor decides an appeal: ``upheld`` (the change stands: it returns to ``scheduled``, or is
    applied now if its notice period is over, or stays applied) or ``reversed`` (a change not yet in
    effect is ``cancelled``; one in effect is ``reversed`` and the old limit restored).

    ``note`` is the reason the customer reads in the decision notice (``credit_limit.appeal_outcome``, a
    service notice, to the best verified point). Never the person who asked for the change (``four_eyes``; a
    database constraint refuses it too).

    Returns the change. Raises ``NotPermitted`` (not a supervisor, ``four_eyes``, out of scope),
    ``InvalidInput`` (``invalid_decision``, ``note_required``, ``not_found``), ``TransitionNotAllowed``
    (``not_under_review``; ``limit_changed_since``: the limit moved after the change, so a reversal needs
    a person to set it). Not repeatable: a decided appeal is no longer under review.
    """
    now = now or timezone.now()
    if decision not in Decision.values:
        raise InvalidInput("The decision is 'upheld' or 'reversed'.", code="invalid_decision")
    note = (note or "").strip()
    if not note:
        raise InvalidInput("Explain the decision: the customer reads it.", code="note_required")
    with transaction.atomic():
        change = CreditLimitChange.objects.select_for_update().filter(pk=change_id).first()
        if change is None:
            raise InvalidInput(f"Limit change {change_id} does not exist.", code="not_found")
        reviewer = _require_reviewer(actor, change)
        case = case_for_change(change)
        if case is None:
            raise NotPermitted("You cannot act on this account.")
        check_actor(actor, case, None, now)
        if change.status != ST.UNDER_REVIEW:
            raise TransitionNotAllowed(
                f"The change is {change.get_status_display().lower()}, not under review.",
                code="not_under_review",
            )
        account = CreditAccount.objects.select_for_update().get(pk=change.account_id)
        change.appeal_decision = decision
        change.reviewed_by = reviewer
        change.reviewed_at = now
        change.review_note = note
        change.save(update_fields=["appeal_decision", "reviewed_by", "reviewed_at", "review_note"])
        in_effect = change.applied_at is not None
        if decision == Decision.UPHELD:
            if not in_effect and notice_period_over(change, case, now):
                apply_change(change, account, now=now, actor=actor, case=case)
            else:
                change.uphold()  # back to applied, or to scheduled until its date
                change.save(update_fields=["status"])
        else:
            if in_effect and not change.is_freeze:
                if account.credit_limit != change.new_limit:
                    raise TransitionNotAllowed(
                        f"The limit is now {account.credit_limit}, not {change.new_limit}: it changed after "
                        "this change took effect. Set it by hand and record the decision.",
                        code="limit_changed_since",
                    )
                account.credit_limit = change.old_limit
                account.save(update_fields=["credit_limit"])
            change.reverse()  # reversed if it was in effect, else cancelled
            change.save(update_fields=["status"])
        audit_append(
            actor=actor,
            action="limit_change.reviewed",
            at=now,
            case=case,
            payload={
                "limit_change": change.pk,
                "decision": decision,
                "note": note,
                "status": change.status,
                "limit_after": account.credit_limit,
            },
        )
        point = best_verified_point(case.customer)
        if point is not None:
            locale = case.customer.locale
            queue_for_change(
                change=change,
                case=case,
                key=DECISION_KEY,
                point=point,
                actor=actor,
                now=now,
                extra={
                    "appeal_outcome": outcome_label(decision, locale),
                    "appeal_outcome_text": outcome_text(
                        decision=decision,
                        is_freeze=change.is_freeze,
                        account_number=account.account_number,
                        old_limit=money(change.old_limit),
                        currency=account.currency,
                        note=note,
                        locale=locale,
                    ),
                },
            )
    return change
