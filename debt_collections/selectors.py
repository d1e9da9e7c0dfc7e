"""Reads, scoped to the caller: every queryset a person sees comes from here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import CreditAccount, User
from debt_collections.kernel.scope import case_scope, row_scope
from debt_collections.models import (
    LIVE_PLAN_STATES,
    AuditEvent,
    CollectionCase,
    Dispute,
    FeeWaiver,
    PlanState,
    QueueEntry,
    RepaymentPlan,
)
from debt_collections.policies import NegotiationOptions, PolicyPack, compute_options, get_pack
from debt_collections.policies.localtime import customer_zone, local_wall


def case_list_for(user: User, today: date | None = None) -> QuerySet[CollectionCase]:
    """Cases the user may see (``kernel.scope.case_scope`` with the licence checked).

    Agency users see only their agency's cases, and none while the agency's licence or contract is not
    valid ``today`` (default: today's date); in-house agents, supervisors and compliance officers see
    every case; anyone else (anonymous, staff without a collections role) sees none.
    """
    return _cases().filter(case_scope(user, today or timezone.localdate()))


def case_scope_for(user: User) -> QuerySet[CollectionCase]:
    """The cases the user's organisation holds, whatever its licence says today.

    Only for resolving the case of a call or notice request: there the compliance gate decides the
    licence and its ``AGENCY_LICENCE`` decision is stored and audited. Everything a person reads comes
    from ``case_list_for``.
    """
    return _cases().filter(case_scope(user))


def queue_entries_for(user: User, today: date | None = None) -> QuerySet[QueueEntry]:
    """Work-queue rows of the cases ``case_list_for(user, today)`` lists, by the same scope rule on the
    entry's case: a filter on the case's agency for an agency user, none for in-house staff (rather than
    ``case__in`` a subquery of every case the user may see, which read every case per page view)."""
    return QueueEntry.objects.filter(row_scope(user, "case__agency_id", today or timezone.localdate()))


def _cases() -> QuerySet[CollectionCase]:
    return CollectionCase.objects.select_related("account", "customer", "assignee", "agency")


def case_timeline(case: CollectionCase) -> QuerySet[AuditEvent]:
    """Every audit event of a case, oldest first: a case's events are on one chain, in its order (after any on
    chain 0, written before there were several chains; cases never go to chain 0 now)."""
    return AuditEvent.objects.filter(case_id=case.pk).order_by("chain", "seq")


# --- negotiation: options, plans, waivers, disputes ------------------------------------------------


def customer_today(case: CollectionCase, now: datetime) -> date:
    """The customer's local calendar date at ``now`` (day boundaries are the customer's, DESIGN §2)."""
    return local_wall(now, customer_zone(case.customer)).date()


def case_pack(case: CollectionCase, now: datetime) -> PolicyPack:
    """The policy pack version in effect for the case's customer on their local ``now``."""
    return get_pack(case.customer.jurisdiction, customer_today(case, now))


@dataclass(frozen=True)
class PlanFacts:
    """What the plan rules need to know about a case's plans, read in one query (``plan_facts``)."""

    on_live_plan: bool  # the case has an accepted or active plan
    offers: int  # plans offered on the case and not yet accepted or cancelled
    deferrals_last_12_months: int  # the account's deferrals accepted in the last 365 days, not withdrawn


def plan_facts(case: CollectionCase, now: datetime) -> PlanFacts:
    """The case's live plan, open offers and the account's recent deferrals, in one query.

    Deferrals are counted per account, across its cases. A deferral withdrawn in its cooling-off period
    never took effect, so it does not count; one that was broken or completed does.
    """
    on_case = Q(case_id=case.pk)
    counts = RepaymentPlan.objects.filter(case__account_id=case.account_id).aggregate(
        live=Count("pk", filter=on_case & Q(state__in=LIVE_PLAN_STATES)),
        offers=Count("pk", filter=on_case & Q(state=PlanState.OFFERED)),
        deferrals=Count(
            "pk",
            filter=Q(
                kind=RepaymentPlan.Kind.DEFERRAL,
                accepted_at__isnull=False,
                accepted_at__gt=now - timedelta(days=365),
            )
            & ~Q(state=PlanState.WITHDRAWN),
        ),
    )
    return PlanFacts(
        on_live_plan=bool(counts["live"]),
        offers=counts["offers"] or 0,
        deferrals_last_12_months=counts["deferrals"] or 0,
    )


def live_plan(case: CollectionCase) -> RepaymentPlan | None:
    """The case's accepted or active plan, if any (there is at most one)."""
    return case.plans.filter(state__in=LIVE_PLAN_STATES).first()


def negotiation_options(
    *, case: CollectionCase, now: datetime, facts: PlanFacts | None = None
) -> NegotiationOptions:
    """The options the customer may choose now, computed from the stored balance (never a client's).

    ``facts`` is ``plan_facts(case, now)`` when the caller has already read it (under its lock)."""
    account = case.account
    pack = case_pack(case, now)
    facts = facts or plan_facts(case, now)
    return compute_options(
        principal=account.principal,
        interest=account.interest,
        fees=account.fees,
        penalty_interest=account.penalty_interest,
        currency=account.currency,
        pack=pack,
        today=customer_today(case, now),
        deferral_used_in_last_12_months=facts.deferrals_last_12_months >= pack.deferrals_per_12_months,
        on_live_plan=facts.on_live_plan,
    )


def plans_for_case(case: CollectionCase) -> QuerySet[RepaymentPlan]:
    return case.plans.prefetch_related("installments").order_by("-offered_at", "-pk")


def waivers_for_case(case: CollectionCase) -> QuerySet[FeeWaiver]:
    return case.waivers.order_by("requested_at", "pk")


def disputes_for_case(case: CollectionCase) -> QuerySet[Dispute]:
    return case.disputes.order_by("opened_at", "pk")


def open_disputes(user: User | None = None) -> QuerySet[Dispute]:
    """Open disputes and complaints, the one due soonest first: the compliance queue (DESIGN §9).

    With ``user``, only disputes on cases the user may see; ``None`` is for system callers (reports, the
    daily cycle) and returns every open dispute.
    """
    disputes = Dispute.objects.filter(status=Dispute.Status.OPEN).select_related(
        "case", "case__customer", "case__account"
    )
    if user is not None:
        disputes = disputes.filter(case__in=case_list_for(user).values("pk"))
    return disputes.order_by("sla_due_at", "pk")


def account_for(user: User, account_id: int) -> CreditAccount | None:
    """The credit account, if ``user`` may see it today: through a case they may see, or (in-house staff
    with a collections role) any account. Agency users see only accounts with a case placed with them,
    and none while their agency's licence or contract has lapsed (``kernel.scope.row_scope``)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return None
    scope = row_scope(user, "cases__agency_id", timezone.localdate())
    return CreditAccount.objects.filter(scope, pk=account_id).distinct().first()
