"""Everything around the case lifecycles but the calls (``calls``): disputes decided within or after
their SLA, waivers decided maker-checker, the reminders the nightly cycle sends, notices agents send, a
lifted quarantine and credit-limit changes. Pure: it only adds beats to the stories (and a few
contact-point steps) before they are timed. Most of it lies in the last ~90 days, the compliance
reports' default period.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from accounts.models import ContactPoint, CreditLimitChange
from debt_collections.models import CaseState, ContactAttempt, Dispute
from demo.records import CaseDraft, CustomerPlan, Step
from demo.reference import IN_HOUSE_AGENTS, NORTH_STAR
from demo.stories import local_at, placement, state_before, timeline

if TYPE_CHECKING:
    from demo.plan import Planner

S = CaseState
Outcome = ContactAttempt.Outcome
Reason = CreditLimitChange.Reason
WINDOW = 88  # days of history before today that the reports show by default (90, minus a margin)
DISPUTE_ROTATION = (
    (Dispute.Kind.AMOUNT_WRONG, "upheld"),
    (Dispute.Kind.ALREADY_PAID, "rejected"),
    (Dispute.Kind.CREDIT_REPORT, "rejected"),
    (Dispute.Kind.CONDUCT_COMPLAINT, "upheld"),
    (Dispute.Kind.NOT_MY_DEBT, "rejected"),
    (Dispute.Kind.IDENTITY_THEFT, "rejected"),
    (Dispute.Kind.CREDIT_REPORT, "upheld"),
    (Dispute.Kind.CONDUCT_COMPLAINT, "rejected"),
    (Dispute.Kind.ALREADY_PAID, "upheld"),
)
WAIVER_ROTATION = ("within", "above", "rejected", "hardship", "within", "agency", "hardship", "above")


def _whole(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("1"), rounding=ROUND_FLOOR)


class History:
    """The passes that add history to the drafts, and what they need to read a draft's story."""

    def __init__(self, planner: Planner, people: list[CustomerPlan], drafts: list[CaseDraft]) -> None:
        self.planner = planner
        self.rng: random.Random = planner.rng
        self.people = people
        self.drafts = drafts
        # The numbers are for the default 240 customers (~200 cases); a smaller demo gets fewer of each.
        self.scale = min(1.0, len(drafts) / 200)

    def scaled(self, n: int) -> int:
        return max(1, round(n * self.scale))

    # -- reading a draft ---------------------------------------------------------------------------------

    def states(self, d: CaseDraft, lo: int, hi: int) -> dict[int, str]:
        """The state on each beat-free day in ``[lo, hi]`` (days with a beat are left out)."""
        path = timeline(d.story.sorted_beats())
        busy = d.story.busy()
        return {day: state_before(path, day) for day in range(max(lo, 2), hi + 1) if day not in busy}

    def window(self, d: CaseDraft) -> tuple[int, int]:
        return max(2, d.dpd - WINDOW, d.story.floor), d.dpd - 1

    def contact_day(self, d: CaseDraft, day: int) -> bool:
        when = d.story.date_of(day)
        return when.weekday() in d.pack.contact_days and when not in d.pack.bank_holidays

    def phone(self, person: CustomerPlan, *, status: str = ContactPoint.Status.VERIFIED) -> int | None:
        """The index of the person's first phone with ``status`` that nothing else blocks."""
        for n, cp in enumerate(person.contacts):
            if (
                cp.kind == "phone"
                and cp.status == status
                and cp.last_reassigned_at is None
                and not cp.reported_at
            ):
                return n
        return None

    def caller(self, d: CaseDraft, day: int) -> str | None:
        """Who works the case on ``day``: the agency's agent once placed (None for agencies without a demo
        login), else the assigned in-house agent, else either of them."""
        beats = d.story.sorted_beats()
        licence = placement(beats, day)
        if licence is not None:
            return "agency_agent" if licence == NORTH_STAR.licence_number else None
        if any(a == "assign" and p.get("to") == "agent" for _d, a, p in beats):
            return "agent"
        return self.rng.choice(IN_HOUSE_AGENTS)

    def shuffled(self, drafts: list[CaseDraft] | None = None) -> list[CaseDraft]:
        out = list(self.drafts if drafts is None else drafts)
        self.rng.shuffle(out)
        return out

    def call(self, d: CaseDraft, day: int, point: int, agent: str, *, hm: tuple[int, int], **kw: Any) -> None:
        d.story.add(day, "call", point=f"cp:{d.owner}:{point}", by=agent, _hm=hm, **kw)

    # -- passes ------------------------------------------------------------------------------------------

    def disputes(self, count: int = 20) -> None:
        """Disputes opened and decided in the last ~90 days, within the SLA or after it."""
        made, count = 0, self.scaled(count)
        for d in self.shuffled():
            if made >= count or d.state in (S.CLOSED, S.ON_HOLD):
                continue
            kind, outcome = DISPUTE_ROTATION[made % len(DISPUTE_ROTATION)]
            sla = d.pack.dispute_sla(kind)
            late = made % 3 == 1
            delay = sla + self.rng.randint(1, 5) if late else self.rng.randint(2, max(2, sla - 2))
            lo, hi = self.window(d)
            days = self.states(d, lo, hi)
            starts = [
                a
                for a in range(lo, hi - delay + 1)
                if days.get(a) in (S.EARLY, S.ACTIVE, S.NEGOTIATING, S.CHARGED_OFF)
                and all(x in days for x in range(a, a + delay + 1))
            ]
            if not starts:
                continue
            opened = self.rng.choice(starts)
            via = self.rng.choice(["agent", "agent", "link"])
            d.story.add(opened, "dispute", kind=kind, via=via)
            d.story.add(opened + delay, "resolve_dispute", outcome=outcome, closes=False)
            made += 1

    def waivers(self, count: int = 26) -> None:
        made, count = 0, self.scaled(count)
        for d in self.shuffled():
            if made >= count or d.state not in (S.EARLY, S.ACTIVE, S.NEGOTIATING, S.CHARGED_OFF, S.RESOLVED):
                continue
            kind = WAIVER_ROTATION[made % len(WAIVER_ROTATION)]
            lo, hi = self.window(d)
            days = self.states(d, lo, hi - 1)
            choices = [
                x for x, s in days.items() if s in (S.EARLY, S.ACTIVE, S.NEGOTIATING) and x + 1 in days
            ]
            if kind == "agency":
                choices = [
                    x for x in choices if placement(d.story.sorted_beats(), x) == NORTH_STAR.licence_number
                ]
            elif any(placement(d.story.sorted_beats(), x) for x in choices):
                choices = [x for x in choices if placement(d.story.sorted_beats(), x) is None]
            # Not after a payment: the payment order takes charges first, so little would be left to waive.
            paid = [x for x, a, _p in d.story.beats if a == "pay"]
            choices = [x for x in choices if not paid or x < min(paid)]
            if not choices or (kind == "hardship" and self.phone(d.person) is None):
                continue
            asked = self.rng.choice(choices)
            if self._waiver(d, kind, asked, made):
                made += 1

    def _waiver(self, d: CaseDraft, kind: str, asked: int, n: int) -> bool:
        a, limit = d.account, d.pack.agent_waiver_limit
        balances = {"penalty_interest": a.penalty_interest, "fees": a.fees, "interest": a.interest}
        above = [c for c, v in balances.items() if v > limit * Decimal("1.2")]
        if kind == "above" and not above:
            kind = "within"
        component = self.rng.choice(above) if kind == "above" else max(balances, key=lambda c: balances[c])
        balance = balances[component]
        if balance < 2:
            return False
        tag = f"{a.number}:w{n}"
        requester = self.rng.choice(IN_HOUSE_AGENTS)
        other = next(x for x in IN_HOUSE_AGENTS if x != requester)
        decided = asked + self.rng.randint(0, 1)
        reason = "agreed on the phone as a goodwill gesture after the customer's late-fee query"
        if kind == "within":
            amount = max(
                Decimal(1), _whole(min(balance, limit) * Decimal(self.rng.choice(["0.5", "0.75", "1"])))
            )
            decision, decider = ("approve", other)
        elif kind == "above":
            amount, decision, decider = _whole(balance), "approve", "supervisor"
            reason = "customer paid the principal arrears; remaining penalty interest waived as settlement"
        elif kind == "rejected":
            amount = _whole(balance)
            decision, decider = "reject", "supervisor" if amount > limit else other
            reason = "customer asks to waive the late fees"
        elif kind == "agency":
            requester, amount = "agency_agent", _whole(min(balance, limit * 2))
            decision, decider = "approve", "supervisor"
            reason = "agency: settlement offer conditional on the fees being waived"
        else:  # hardship, from the customer's negotiation page
            point = self.phone(d.person)
            d.story.add(asked, "link", point=f"cp:{d.owner}:{point}", verify=True)
            requester, amount = "link", _whole(balance)
            # Asked in the last fortnight: still waiting for a supervisor.
            decision = "pending" if asked >= d.dpd - 14 else self.rng.choice(["approve", "approve", "reject"])
            decider = "supervisor"
            reason = "lost my job in March; I can pay the principal but not the charges"
        d.story.add(asked, "waiver", tag=tag, component=component, amount=amount, by=requester, reason=reason)
        if decision != "pending":
            note = (
                "Within policy: hardship evidence seen."
                if decision == "approve"
                else "Not granted: the account shows no hardship and the charges were correctly applied."
            )
            d.story.add(decided, "decide_waiver", tag=tag, decision=decision, by=decider, note=note)
        return True

    def limit_changes(self) -> None:
        """A reduction under appeal (the supervisors' queue) and an automated one in its notice period."""
        made = 0
        for d in self.shuffled():
            if made >= 2 or d.person.jurisdiction == "US" or self.phone(d.person) is None:
                continue
            days = self.states(d, d.dpd - 5, d.dpd - 1)
            if not all(days.get(x) in (S.EARLY, S.ACTIVE, S.NEGOTIATING) for x in (d.dpd - 4, d.dpd - 2)):
                continue
            if placement(d.story.sorted_beats(), d.dpd) is not None:
                continue
            new_limit = (d.account.credit_limit / 2).quantize(Decimal("1"))
            if made == 0:
                d.story.add(
                    d.dpd - 4, "limit_change", new_limit=new_limit, reason_code=Reason.DELINQUENCY, by="agent"
                )
                d.story.add(d.dpd - 2, "limit_appeal")
            else:
                d.story.add(
                    d.dpd - 2, "limit_change", new_limit=new_limit, reason_code=Reason.RISK_SCORE, by="risk"
                )
            made += 1

    def ladder(self) -> None:
        """The reminders the nightly cycle would have queued on each rung's day (in the morning, so inside
        contact hours): only for rungs in the report period, while the case was early or active."""
        for d in self.drafts:
            path = timeline(d.story.sorted_beats())
            for threshold, key in d.pack.reminder_ladder:
                if not max(d.dpd - WINDOW - 3, d.story.floor) <= threshold <= d.dpd - 1:
                    continue
                morning = state_before(path, threshold)
                for day, action, _p in d.story.sorted_beats():
                    if day == threshold and action in ("open", "escalate", "charge_off"):
                        morning = {"open": S.EARLY, "escalate": S.ACTIVE, "charge_off": S.CHARGED_OFF}[action]
                if morning in (S.EARLY, S.ACTIVE):
                    d.story.add(
                        threshold, "ladder", key=key, threshold=threshold, _hm=(8, self.rng.randint(5, 50))
                    )

    def agent_notices(self) -> None:
        """A limited-content prompt to an unverified number, and reminders to an address that opted out of
        email (the gate records them as blocked)."""
        prompts = opted = 0
        for d in self.shuffled():
            lo, hi = self.window(d)
            days = sorted(
                x for x, s in self.states(d, lo, hi).items() if s in (S.EARLY, S.ACTIVE, S.NEGOTIATING)
            )
            if not days:
                continue
            unverified = self.phone(d.person, status=ContactPoint.Status.UNVERIFIED)
            if prompts < 5 and unverified is not None and (agent := self.caller(d, days[-1])):
                d.story.add(
                    days[-1], "notice", key="contact.prompt", point=f"cp:{d.owner}:{unverified}", by=agent
                )
                prompts += 1
                continue
            out = next((n for n, c in enumerate(d.person.contacts) if c.opted_out_at), None)
            if opted < 3 and out is not None and (agent := self.caller(d, days[-1])):
                at = d.person.contacts[out].opted_out_at
                if at is not None and local_at(d.story.date_of(days[-1]), d.tz, 0, 0) > at:
                    d.story.add(
                        days[-1], "notice", key="reminder.firm", point=f"cp:{d.owner}:{out}", by=agent
                    )
                    opted += 1

    def quarantine_lift(self) -> None:
        """Compliance lifts one quarantine a few days after the report (the number was ported back to the
        customer); the contact point stays wrong-party until it is re-verified."""
        today = self.planner.now.date()
        for index, person in enumerate(self.people):
            for n, cp in enumerate(person.contacts):
                if cp.reported_at is None or (today - cp.reported_at.date()).days < 10:
                    continue
                lifted = local_at(cp.reported_at.date() + timedelta(days=3), person.time_zone, 11, 0)
                step = Step(lifted, f"cp:{index}:{n}", "lift_quarantine", params={"by": "compliance"})
                if cp.reported_at.date() >= today - timedelta(days=WINDOW) and lifted < self.planner.now:
                    self.planner.add(lifted, -(index * 10 + n + 1), 1, step)
                    return
