"""Guards of case transitions that need more than the state: what must be true in the books first.

Each guard takes the locked case and the operation's ``now`` and raises ``TransitionNotAllowed`` (with
a stable code and the numbers in the message) or returns. They are public so the transition table in
``services.cases`` can name them; they never change anything.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import django_fsm
from django.db.models import Sum

from accounts.models import CreditAccount
from debt_collections.errors import TransitionNotAllowed
from debt_collections.models import CollectionCase, PlanState, RepaymentPlan
from debt_collections.policies.money import quantize


def settlement_met(case: CollectionCase) -> RepaymentPlan | None:
    """The case's accepted settlement whose terms are met (every installment paid in full), if any.

    A settlement is an agreement to take less than the balance: once its total has been paid, what is
    left on the account is forgiven, so the case may be resolved as paid although the books show a
    balance until the write-down is posted.
    """
    plans = RepaymentPlan.objects.filter(
        case_id=case.pk,
        kind=RepaymentPlan.Kind.SETTLEMENT,
        state__in=[PlanState.ACCEPTED, PlanState.ACTIVE, PlanState.COMPLETED],
    )
    for plan in plans:
        paid = plan.installments.aggregate(paid=Sum("paid_amount"))["paid"] or Decimal(0)
        if paid >= plan.total:
            return plan
    return None


def guard_paid_in_full(case: CollectionCase, now: datetime) -> None:
    """Resolving as paid in full needs a zero balance, or an accepted settlement whose terms are met.

    Raises ``TransitionNotAllowed`` ``balance_outstanding`` naming the balance. A state that does not
    allow ``resolve`` at all is left to the transition itself (its own, clearer refusal).
    """
    if not django_fsm.can_proceed(case.resolve):
        return
    account = CreditAccount.objects.get(pk=case.account_id)
    balance = quantize(account.total_due, account.currency)
    if balance <= 0 or settlement_met(case) is not None:
        return
    raise TransitionNotAllowed(
        f"This case cannot be resolved as paid in full: {balance} {account.currency} is still owed "
        f"on account {account.account_number} (principal {account.principal}, interest "
        f"{account.interest}, fees {account.fees}, penalty interest {account.penalty_interest}) and no "
        "settlement has been paid in full. Record the payment first, or agree a settlement.",
        code="balance_outstanding",
    )
