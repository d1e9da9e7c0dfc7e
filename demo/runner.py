"""Runs the plan's steps through the services, in time order, each at its own past instant.

Every row with a service is written by that service: calls (``contact_attempt_log``; a blocked call is
stored and then raised as ``ComplianceBlocked``, which is the point here), plans, payments, waivers,
disputes, notices, links, wrong-party reports, quarantine lifts, callbacks, limit changes. The actors are
the ones real use has: the nightly cycle, the bank feed, the demo logins, the customer's own link.

Steps that depend on what earlier steps left behind (an installment's amount, a waiver within the
current balance) read it from the database when they run. A step the services refuse for a reason the
plan could not foresee is skipped and listed in ``skipped`` (the tests require it to stay empty).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import Agency, ContactPoint, CreditAccount, CreditLimitChange, QuarantinedContact, User
from debt_collections import credit, selectors, services
from debt_collections.errors import ComplianceBlocked, DomainError
from debt_collections.kernel.audit import Actor
from debt_collections.models import (
    LIVE_PLAN_STATES,
    CaseTask,
    CollectionCase,
    Dispute,
    NegotiationLink,
    RepaymentPlan,
)
from debt_collections.policies import quantize
from debt_collections.policies.localtime import customer_zone
from debt_collections.services.links import links_for_notices
from demo.outbox import Outbox, queue_ladder_rung
from demo.records import Step
from demo.reference import BANK_FEED, CYCLE, DEMO_LOGINS, RISK_MODEL
from demo.stories import DISPUTE_NOTES, HOLD_NOTES, OUTCOME_NOTES
from notifications.services import notice_queue

PAYMENT_DELAY = timedelta(minutes=7)  # a bank transfer reaches the feed a few minutes after it was made


class Runner:
    """Executes steps; keeps what later steps refer to (case ids, links, waivers) by the plan's names."""

    def __init__(
        self, accounts: dict[str, CreditAccount], points: dict[str, ContactPoint], agencies: dict[str, Agency]
    ) -> None:
        self.accounts, self.points, self.agencies = accounts, points, agencies
        names = [x.username for x in DEMO_LOGINS]
        self.users = {u.username: u for u in User.objects.filter(username__in=names)}
        self.case_ids: dict[str, int] = {}
        self.links: dict[str, NegotiationLink] = {}
        self.waivers: dict[str, int] = {}
        self.payments: dict[str, int] = {}
        self.dpd: dict[str, int] = {}  # account -> the days past due last written
        self.skipped: list[str] = []
        self.outbox = Outbox()

    def actor(self, who: str) -> Actor:
        return Actor.for_user(self.users[who])

    def run(self, step: Step) -> None:
        self.outbox.deliver(step.at)  # what was deferred to contact hours goes out before this step
        try:
            if step.subject.startswith("cp:"):
                self._contact_point(step)
            else:
                self._case(step)
        except DomainError as exc:
            self.skipped.append(f"{step.at:%Y-%m-%d %H:%M} {step.subject} {step.action}: {exc.message}")
        self.outbox.collect()
        self.outbox.deliver(step.at)  # and what this step queued goes out at once

    # -- contact points -------------------------------------------------------------------------------

    def _contact_point(self, step: Step) -> None:
        point, at = self.points[step.subject], step.at
        if step.action == "report_wrong_party":  # the agent takes the new owner's "not me" on an inbound call
            services.contact_report_wrong_party(
                contact_point_id=point.pk,
                actor=self.actor("agent"),
                now=at,
                source="inbound call: the number's new owner said 'not me'",
            )
        elif step.action == "opt_out":  # the one-click link in a notice
            channel = step.params["channel"]
            services.contact_opt_out(
                contact_point_id=point.pk,
                channel=channel,
                actor=Actor(label=f"optout:{point.pk}:{channel}"),
                now=at,
            )
        elif step.action == "lift_quarantine":
            point.refresh_from_db()
            entry = QuarantinedContact.objects.get(value=point.value, lifted_at__isnull=True)
            services.contact_quarantine_lift(
                quarantine_id=entry.pk,
                actor=self.actor(step.params["by"]),
                reason="The customer ported the number back and confirmed it in branch with ID; re-verify "
                "before use.",
                now=at,
            )
        else:
            raise ValueError(f"unknown demo step {step.action!r}")

    # -- cases ----------------------------------------------------------------------------------------

    def _case(self, step: Step) -> None:
        at, p, number = step.at, step.params, step.subject
        if step.day and self.dpd.get(number) != step.day:
            # The nightly cycle recomputes days past due; the services and the notices' texts read it.
            CreditAccount.objects.filter(
                pk=self.accounts[number].pk, status=CreditAccount.Status.DELINQUENT
            ).update(days_past_due=step.day)
            self.dpd[number] = step.day
        if step.action == "open":
            case = services.case_open(account=self.accounts[number], actor=CYCLE, now=at)
            self.case_ids[number] = case.pk
            return
        case_id = self.case_ids[number]
        by = self.actor(p["by"]) if p.get("by") in self.users else None
        match step.action:
            case "escalate":
                services.case_escalate(
                    case_id=case_id, actor=CYCLE, now=at, reason=f"{step.day} days past due"
                )
            case "charge_off":
                services.case_charge_off(
                    case_id=case_id, actor=CYCLE, now=at, reason=f"{step.day} days past due"
                )
            case "engage":
                who = by or self.actor("agent")
                if p.get("inbound"):
                    services.contact_attempt_log(
                        case_id=case_id,
                        actor=who,
                        contact_point_id=self.points[p["inbound"]].pk,
                        direction="inbound",
                        connected=True,
                        conversation=True,
                        outcome="spoke_debtor",
                        note="customer called in to discuss repayment options",
                        now=at,
                    )
                services.case_engage(
                    case_id=case_id, actor=who, now=at, reason="customer wants to discuss options"
                )
            case "hold":
                services.case_hold(
                    case_id=case_id,
                    actor=self.actor("agent"),
                    hold_reason=p["hold_reason"],
                    until=p["until"],
                    reason=HOLD_NOTES[p["hold_reason"]],
                    now=at,
                )
            case "release":
                services.case_release(
                    case_id=case_id, actor=self.actor("supervisor"), now=at, reason="review finished"
                )
            case "close":
                services.case_close(
                    case_id=case_id,
                    actor=self.actor("supervisor"),
                    close_reason=p["close_reason"],
                    reason=f"closed: {p['close_reason'].replace('_', ' ')}",
                    now=at,
                )
            case "place":
                services.case_place_with_agency(
                    case_id=case_id,
                    actor=self.actor("supervisor"),
                    agency=self.agencies[p["licence"]],
                    now=at,
                )
            case "assign":
                services.case_assign(
                    case_id=case_id, actor=self.actor("supervisor"), assignee=self.users[p["to"]], now=at
                )
            case "link":
                self._new_link(number, case_id, p.get("point"), verify=p["verify"], at=at)
            case "link_wrong_party":
                services.link_report_wrong_party(link_id=self.links[number].id, now=at)
            case "offer" | "accept" | "withdraw" | "activate_plan" | "break_plan" | "pay":
                self._plans(step, case_id)
            case "dispute" | "resolve_dispute":
                self._disputes(step, case_id)
            case "waiver" | "decide_waiver":
                self._waivers(step, case_id)
            case "call" | "callback" | "task_done" | "ladder" | "notice":
                self._contact(step, case_id, by)
            case "limit_change" | "limit_appeal":
                self._limits(step, case_id)
            case _:
                raise ValueError(f"unknown demo step {step.action!r}")

    # -- links ----------------------------------------------------------------------------------------

    def _main_point(self, case_id: int) -> ContactPoint | None:
        """The customer's first verified phone, else their first verified email."""
        case = CollectionCase.objects.get(pk=case_id)
        verified = ContactPoint.objects.filter(
            customer_id=case.customer_id, status=ContactPoint.Status.VERIFIED
        )
        for kind in (ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL):
            point = verified.filter(kind=kind).order_by("pk").first()
            if point is not None:
                return point
        return None

    def _new_link(self, number: str, case_id: int, point_key: str | None, *, verify: bool, at: Any) -> Actor:
        """An agent sends the customer a link (to ``point_key`` or their first verified point); with
        ``verify`` the customer opens it and passes the identity check."""
        point = self.points[point_key] if point_key else self._main_point(case_id)
        link, _url = services.link_create(
            case_id=case_id, actor=self.actor("agent"), contact_point_id=point.pk if point else None, now=at
        )
        if verify:
            customer = link.case.customer
            services.link_verify(
                link_id=link.id,
                national_id_last4=customer.national_id_last4,
                date_of_birth=customer.date_of_birth,
                now=at,
            )
        self.links[number] = link
        return Actor.link(link.id)

    def _customer(self, number: str, case_id: int, at: Any) -> Actor:
        """The customer acting on their page: the link sent for this step, else a new one."""
        link = self.links.get(number)
        if link is not None:
            link.refresh_from_db(fields=["revoked_at"])
        if link is None or link.revoked_at is not None or at - link.created_at > timedelta(days=10):
            return self._new_link(number, case_id, None, verify=True, at=at)
        return Actor.link(link.id)

    # -- plans and payments ---------------------------------------------------------------------------

    def _plans(self, step: Step, case_id: int) -> None:
        at, p, number = step.at, step.params, step.subject
        account = self.accounts[number]
        live = RepaymentPlan.objects.filter(case_id=case_id, state__in=LIVE_PLAN_STATES).first()
        match step.action:
            case "offer":
                point = self._main_point(case_id)
                services.plan_offer(
                    case_id=case_id,
                    option_code=p["option"],
                    actor=self.actor("agent"),
                    contact_point_id=point.pk if point and point.kind == "phone" else None,
                    now=at,
                )
            case "accept":
                who = self._customer(number, case_id, at) if p["via"] == "link" else self.actor("agent")
                link = self.links.get(number) if p["via"] == "link" else None
                # The option the story wants if it is offered now (a smaller balance may not allow a long
                # plan, a deferral may have been used), else the shortest plan, else paying in full.
                case = CollectionCase.objects.select_related("account", "customer").get(pk=case_id)
                offered = selectors.negotiation_options(case=case, now=at)
                wanted = (p["option"], "installment:3", "pay_in_full")
                option = next((code for code in wanted if offered.get(code) is not None), None)
                if option is None:
                    raise DomainError(f"none of {', '.join(wanted)} is offered")
                services.plan_accept_option(
                    case_id=case_id,
                    option_code=option,
                    actor=who,
                    contact_point_id=link.contact_point_id if link else None,
                    now=at,
                )
            case "withdraw":
                if live is None:
                    raise DomainError("no plan to withdraw")
                who = self._customer(number, case_id, at) if p["via"] == "link" else self.actor("agent")
                services.plan_withdraw(plan_id=live.pk, actor=who, now=at)
            case "activate_plan":
                services.plan_activate_after_cooling_off(
                    as_of=timezone.localdate(at, timezone=_zone(account)),
                    now=at,
                    lo=account.pk,
                    hi=account.pk,
                )
            case "break_plan":
                services.plan_break_missed(
                    as_of=timezone.localdate(at, timezone=_zone(account)),
                    now=at,
                    lo=account.pk,
                    hi=account.pk,
                )
            case "pay":
                self._pay(step, case_id, live)

    def _pay(self, step: Step, case_id: int, live: RepaymentPlan | None) -> None:
        p, number = step.params, step.subject
        account = CreditAccount.objects.get(pk=self.accounts[number].pk)
        owed = account.principal + account.interest + account.fees + account.penalty_interest
        if p["kind"] == "installment":
            if live is None:
                raise DomainError("no live plan to pay")
            unpaid = [
                i.amount - i.paid_amount
                for i in live.installments.order_by("number")
                if i.paid_amount < i.amount
            ]
            # Rounded up to a whole unit, as people pay (the extra goes to the next installment).
            amount = unpaid[0].to_integral_value(rounding=ROUND_CEILING) if unpaid else Decimal(0)
        elif p["kind"] == "partial":
            amount = max(Decimal(1), (owed * p["share"]).quantize(Decimal(1)))
        else:  # full, or the rest of a plan paid off early
            amount = owed
        amount = min(quantize(amount, account.currency), owed)
        if amount <= 0:
            raise DomainError("nothing owed")
        self.payments[number] = self.payments.get(number, 0) + 1
        services.payment_record(
            account_id=account.pk,
            external_reference=f"DEMO-{number[-5:]}-{self.payments[number]:02d}",
            amount=amount,
            currency=account.currency,
            received_at=step.at - PAYMENT_DELAY,
            # Payments come from the bank feed or a supervisor (access.ACTION_ROLES "payment.record").
            actor=BANK_FEED if p["by"] == "bank" else self.actor("supervisor"),
            now=step.at,
        )

    # -- disputes and waivers -------------------------------------------------------------------------

    def _disputes(self, step: Step, case_id: int) -> None:
        at, p, number = step.at, step.params, step.subject
        if step.action == "dispute":
            by_link = p["via"] == "link"
            services.dispute_open(
                case_id=case_id,
                kind=p["kind"],
                description=DISPUTE_NOTES[p["kind"]],
                channel="web" if by_link else "phone",
                actor=self._customer(number, case_id, at) if by_link else self.actor("agent"),
                now=at,
            )
            return
        dispute = Dispute.objects.filter(case_id=case_id, status=Dispute.Status.OPEN).order_by("pk").last()
        if dispute is None:
            raise DomainError("no open dispute to resolve")
        services.dispute_resolve(
            dispute_id=dispute.pk,
            outcome=p["outcome"],
            outcome_text=OUTCOME_NOTES[(dispute.kind, p["outcome"])],
            actor=self.actor("compliance"),
            now=at,
        )

    def _waivers(self, step: Step, case_id: int) -> None:
        at, p, number = step.at, step.params, step.subject
        if step.action == "decide_waiver":
            waiver_id = self.waivers.get(p["tag"])
            if waiver_id is None:
                raise DomainError("no waiver to decide")
            decider = self.actor(p["by"])
            if p["decision"] == "approve":
                waiver = services.waiver_approve(waiver_id=waiver_id, actor=decider, note=p["note"], now=at)
            else:
                waiver = services.waiver_reject(waiver_id=waiver_id, actor=decider, note=p["note"], now=at)
            review = CaseTask.objects.filter(
                case_id=case_id,
                kind=CaseTask.Kind.REVIEW,
                done_at__isnull=True,
                note__contains=f" {waiver.pk}:",
            ).first()
            if waiver.hardship and review is not None:  # the hardship request's review is done
                services.task_complete(task_id=review.pk, actor=decider, now=at)
            return
        account = CreditAccount.objects.get(pk=self.accounts[number].pk)
        component = p["component"]
        if getattr(account, component) <= 0:  # paid off since the plan was made: ask about what is left
            component = max(("penalty_interest", "fees", "interest"), key=lambda c: getattr(account, c))
        balance: Decimal = getattr(account, component)
        if balance <= 0:
            raise DomainError("no fees or interest left to waive")
        hardship = p["by"] == "link"
        amount = balance if hardship else min(p["amount"], balance)  # the page asks for the whole component
        who = self._customer(number, case_id, at) if hardship else self.actor(p["by"])
        requested = services.waiver_request(
            case_id=case_id,
            component=component,
            amount=amount,
            reason=p["reason"],
            actor=who,
            hardship=hardship,
            now=at,
        )
        self.waivers[p["tag"]] = requested.pk

    # -- contact: calls, callbacks, notices -----------------------------------------------------------

    def _contact(self, step: Step, case_id: int, by: Actor | None) -> None:
        at, p = step.at, step.params
        match step.action:
            case "call":
                try:
                    services.contact_attempt_log(
                        case_id=case_id,
                        actor=by or self.actor("agent"),
                        contact_point_id=self.points[p["point"]].pk,
                        connected=p.get("connected", False),
                        conversation=p.get("conversation", False),
                        outcome=p.get("outcome", ""),
                        now=at,
                    )
                except ComplianceBlocked:
                    pass  # the point of the blocked ones: stored and audited before it was raised
            case "callback":
                services.callback_request(
                    case_id=case_id,
                    window_start=p["start"],
                    window_end=p["end"],
                    actor=by or self.actor("agent"),
                    now=at,
                )
            case "task_done":
                task = CaseTask.objects.filter(
                    case_id=case_id, kind=CaseTask.Kind.CALLBACK, done_at__isnull=True
                ).last()
                if task is None:
                    raise DomainError("no callback task to close")
                services.task_complete(task_id=task.pk, actor=by or self.actor("agent"), now=at)
            case "ladder":
                queue_ladder_rung(case_id=case_id, key=p["key"], threshold=p["threshold"], now=at)
            case "notice":
                notice_queue(
                    case_id=case_id,
                    template_key=p["key"],
                    contact_point_id=self.points[p["point"]].pk,
                    actor=by or self.actor("agent"),
                    now=at,
                    links=links_for_notices,
                    raise_when_blocked=False,
                )

    # -- credit limits --------------------------------------------------------------------------------

    def _limits(self, step: Step, case_id: int) -> None:
        at, p, number = step.at, step.params, step.subject
        account = self.accounts[number]
        if step.action == "limit_change":
            automated = p["by"] == "risk"
            credit.limit_change_schedule(
                account_id=account.pk,
                new_limit=p["new_limit"],
                is_freeze=False,
                reason_code=p["reason_code"],
                explanation=(
                    "Our monthly risk review lowered the limit while the account is overdue."
                    if automated
                    else "The account has been overdue for several weeks; the unused limit is reduced until "
                    "it is up to date."
                ),
                actor=RISK_MODEL if automated else self.actor(p["by"]),
                automated=automated,
                now=at,
            )
            return
        change = CreditLimitChange.objects.filter(account_id=account.pk).order_by("pk").last()
        link = (
            NegotiationLink.objects.filter(case_id=case_id, revoked_at__isnull=True)
            .order_by("created_at")
            .last()
        )
        if change is None or link is None:
            raise DomainError("no limit change or link to appeal through")
        customer = link.case.customer
        services.link_verify(
            link_id=link.id,
            national_id_last4=customer.national_id_last4,
            date_of_birth=customer.date_of_birth,
            now=at,
        )
        credit.limit_change_appeal(
            change_id=change.pk,
            appeal_text="I use this card for my children's school fees. I have agreed a plan for the "
            "arrears; please keep my limit.",
            actor=Actor.link(link.id),
            now=at,
        )


def _zone(account: CreditAccount) -> ZoneInfo:
    return customer_zone(account.customer)
