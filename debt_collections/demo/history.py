"""Everything around the case lifecycles: calls, callbacks, disputes, waivers, partial payments, notices,
a wrong-party report through a link, a lifted quarantine and credit-limit changes. Pure: it only adds
beats to the stories (and a few contact-point steps), before they are timed.

Calls are planned against the rules the gate enforces, per person (all their accounts): allowed calls are
at least three local days apart, never in the seven-day quiet period after a conversation (the day of the
conversation is day 1), inside contact hours on a contact day. The blocked calls are deliberate, one rule
each: a call at 22:xx local (HOURS), the eighth call in seven days (FREQ_7D), a call two to four days
after a conversation (CONVERSATION_WAIT), a call to a held case (HOLD), to a quarantined number
(WRONG_PARTY) and to an unverified number (DISCLOSURE). Most history lies in the last ~90 days, the
compliance reports' default period.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from accounts.models import ContactPoint, CreditLimitChange
from debt_collections.demo.records import CaseDraft, CustomerPlan, Step
from debt_collections.demo.reference import IN_HOUSE_AGENTS, NORTH_STAR
from debt_collections.demo.stories import WORKING, local_at, placement, state_before, timeline
from debt_collections.models import CaseState, ContactAttempt, Dispute

if TYPE_CHECKING:
    from debt_collections.demo.plan import Planner

S = CaseState
Outcome = ContactAttempt.Outcome
Reason = CreditLimitChange.Reason
WINDOW = 88  # days of history before today that the reports show by default (90, minus a margin)
QUOTAS = {
    "FREQ_7D": 3,
    "HOURS": 8,
    "CONVERSATION_WAIT": 8,
    "HOLD": 8,
    "WRONG_PARTY": 4,
    "DISCLOSURE": 5,
}
# (outcome, connected, conversation, weight) for an allowed outbound call
OUTCOMES = (
    (Outcome.NO_ANSWER, False, False, 48),
    (Outcome.LEFT_MESSAGE, False, False, 14),
    (Outcome.SPOKE_DEBTOR, True, True, 15),
    (Outcome.PROMISE_TO_PAY, True, True, 10),
    (Outcome.REFUSED, True, False, 5),
    (Outcome.CALLBACK, True, False, 8),
)
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


class Calendar:
    """Who was called when, per person: the allowed calls and the conversations the gate will count."""

    def __init__(self) -> None:
        self.calls: dict[int, list[tuple[date, bool]]] = {}

    def free(self, owner: int, day: date, *, conversation: bool, gap: int = 3) -> bool:
        for booked, talked in self.calls.get(owner, []):
            apart = (day - booked).days
            if abs(apart) < gap or (talked and 0 <= apart < 7) or (conversation and 0 < -apart < 7):
                return False
        return True

    def book(self, owner: int, day: date, *, conversation: bool) -> None:
        self.calls.setdefault(owner, []).append((day, conversation))


class History:
    def __init__(self, planner: Planner, people: list[CustomerPlan], drafts: list[CaseDraft]) -> None:
        self.planner = planner
        self.rng: random.Random = planner.rng
        self.people = people
        self.drafts = drafts
        self.calendar = Calendar()
        # The numbers are for the default 240 customers (~200 cases); a smaller demo gets fewer of each.
        self.scale = min(1.0, len(drafts) / 200)
        self.quota = {rule: self.scaled(n) for rule, n in QUOTAS.items()}

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

    def inbound_on_engage(self) -> None:
        """The customer calls in before most engagements: an inbound conversation (ungated, but it counts
        toward the caps and starts the quiet period, so the calendar books it)."""
        for d in self.drafts:
            point = self.phone(d.person)
            for i, (day, action, params) in enumerate(d.story.beats):
                if action != "engage" or point is None or day < d.story.floor or self.rng.random() >= 0.6:
                    continue
                when = d.story.date_of(day)
                if not self.calendar.free(d.owner, when, conversation=True):
                    continue
                self.calendar.book(d.owner, when, conversation=True)
                agent = self.caller(d, day) or "agent"
                d.story.beats[i] = (day, action, {**params, "by": agent, "inbound": f"cp:{d.owner}:{point}"})

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
            decision = "pending" if asked >= d.dpd - 4 else self.rng.choice(["approve", "approve", "reject"])
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

    def wrong_party_link(self) -> None:
        """A second number's new owner opens a negotiation link sent to it and says "not me"."""
        for d in self.shuffled():
            c = d.person.contacts
            if len([p for p in c if p.kind == "phone"]) < 2 or self.phone(d.person) != 0:
                continue
            if c[1].status != ContactPoint.Status.VERIFIED or c[1].last_reassigned_at or c[1].reported_at:
                continue
            lo, hi = self.window(d)
            days = self.states(d, max(lo, d.dpd - 60), hi - 3)
            starts = [x for x, s in days.items() if s in WORKING and x + 1 in days and x + 3 in days]
            if not starts or self.caller(d, starts[0]) != "agent" and placement(d.story.sorted_beats(), hi):
                continue
            sent = self.rng.choice(starts)
            d.story.add(sent, "link", point=f"cp:{d.owner}:1", verify=False)
            d.story.add(sent + 1, "link_wrong_party")
            agent = self.caller(d, sent + 3)
            if agent and self.quota["WRONG_PARTY"] > 0:
                self.call(d, sent + 3, 1, agent, hm=(self.rng.randint(9, 16), self.rng.randint(0, 59)))
                self.quota["WRONG_PARTY"] -= 1
            c[1].reported_at = local_at(d.story.date_of(sent + 1), d.tz, 12, 0)  # for the other passes
            return

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

    def freq_sequences(self) -> None:
        """Seven unanswered calls on seven days, then an eighth on the seventh day: FREQ_7D blocks it."""
        for d in self.shuffled():
            if self.quota["FREQ_7D"] <= 0:
                return
            point = self.phone(d.person)
            if d.person.vulnerable or d.person.jurisdiction == "UK" or point is None:
                continue
            lo, hi = self.window(d)
            days = self.states(d, lo, hi)
            for start in range(lo, hi - 6):
                run = [start + k for k in range(7)]
                agent = self.caller(d, start)
                if not agent or not all(days.get(x) in WORKING for x in run):
                    continue
                first, last = d.story.date_of(start), d.story.date_of(run[-1])
                if not all(
                    self.calendar.free(d.owner, first + timedelta(days=k), conversation=True, gap=1)
                    for k in range(-7, 14)
                ):
                    continue
                for x in run:
                    hm = (10, self.rng.randint(0, 45))
                    self.call(d, x, point, agent, hm=hm, outcome=Outcome.NO_ANSWER)
                    self.calendar.book(d.owner, d.story.date_of(x), conversation=False)
                self.call(
                    d, run[-1], point, agent, hm=(16, self.rng.randint(0, 45)), outcome=Outcome.NO_ANSWER
                )
                self.calendar.book(d.owner, last, conversation=False)
                self.quota["FREQ_7D"] -= 1
                break

    def regular_calls(self) -> None:
        for d in self.shuffled():
            point = self.phone(d.person)
            if point is None:
                continue
            for _ in range(1 if d.person.vulnerable else self.rng.choice([0, 1, 1, 2, 2])):
                self._regular_call(d, point)

    def _regular_call(self, d: CaseDraft, point: int) -> None:
        r = self.rng
        lo, hi = self.window(d)
        days = [x for x, s in self.states(d, lo, hi).items() if s in WORKING and self.contact_day(d, x)]
        r.shuffle(days)
        for day in days:
            outcome, connected, talked, _w = r.choices(OUTCOMES, weights=[o[3] for o in OUTCOMES])[0]
            when = d.story.date_of(day)
            agent = self.caller(d, day)
            if agent is None or not self.calendar.free(d.owner, when, conversation=talked):
                continue
            hour, minute = r.randint(9, 18), r.randint(0, 50)
            self.call(
                d,
                day,
                point,
                agent,
                hm=(hour, minute),
                outcome=outcome,
                connected=connected,
                conversation=talked,
            )
            self.calendar.book(d.owner, when, conversation=talked)
            self._follow_up(d, day, point, agent, outcome, (hour, minute))
            return

    def _follow_up(
        self, d: CaseDraft, day: int, point: int, agent: str, outcome: str, hm: tuple[int, int]
    ) -> None:
        """What a call leads to: a promised payment, a booked callback, an over-eager second call."""
        r = self.rng
        lo, hi = self.window(d)
        later = self.states(d, day + 1, hi)
        if outcome in (Outcome.SPOKE_DEBTOR, Outcome.PROMISE_TO_PAY) and self.quota["CONVERSATION_WAIT"] > 0:
            again = day + r.randint(2, 4)
            if later.get(again) in WORKING and self.contact_day(d, again) and r.random() < 0.35:
                self.call(d, again, point, agent, hm=(r.randint(10, 17), r.randint(0, 50)))
                self.quota["CONVERSATION_WAIT"] -= 1
        # A promised part-payment, except where a waiver of the charges it would pay first is asked for.
        if (
            outcome == Outcome.PROMISE_TO_PAY
            and r.random() < 0.6
            and not any(a == "waiver" for _d, a, _p in d.story.beats)
        ):
            paid = day + r.randint(1, 5)
            if later.get(paid) in (S.EARLY, S.ACTIVE, S.NEGOTIATING):
                share = Decimal(r.choice(["0.10", "0.15", "0.20", "0.30"]))
                d.story.add(paid, "pay", kind="partial", share=share, by="bank")
        if outcome == Outcome.SPOKE_DEBTOR and r.random() < 0.4:
            email = next(
                (n for n, c in enumerate(d.person.contacts) if c.kind == "email" and not c.opted_out_at), None
            )
            if email is not None:  # the customer asked for the breakdown in writing
                later_hm = (hm[0], hm[1] + 5)
                d.story.add(
                    day,
                    "notice",
                    key="debt.information",
                    point=f"cp:{d.owner}:{email}",
                    by=agent,
                    _hm=later_hm,
                )
        if outcome == Outcome.CALLBACK:
            ahead = [x for x in range(day + 1, day + 4) if self.contact_day(d, x)]
            if not ahead:
                return
            back = ahead[0]
            hour = r.choice([10, 14])
            start = local_at(d.story.date_of(back), d.tz, hour, 0)
            d.story.add(
                day, "callback", start=start, end=start + timedelta(hours=1), by=agent, _hm=(hm[0], hm[1] + 3)
            )
            when = d.story.date_of(back)
            if (
                back <= hi
                and later.get(back) in WORKING
                and self.calendar.free(d.owner, when, conversation=True, gap=1)
            ):
                self.call(
                    d,
                    back,
                    point,
                    agent,
                    hm=(hour, 10),
                    outcome=Outcome.SPOKE_DEBTOR,
                    connected=True,
                    conversation=True,
                )
                self.calendar.book(d.owner, when, conversation=True)
                d.story.add(back, "task_done", by=agent, _hm=(hour, 25))

    def blocked_calls(self) -> None:
        """The deliberate blocks not planned with their cause: HOURS, HOLD, WRONG_PARTY, DISCLOSURE."""
        r = self.rng
        for d in self.shuffled():
            lo, hi = self.window(d)
            days = self.states(d, lo, hi)
            main, unverified = (
                self.phone(d.person),
                self.phone(d.person, status=ContactPoint.Status.UNVERIFIED),
            )
            working = sorted(x for x, s in days.items() if s in WORKING)
            held = sorted(x for x, s in days.items() if s == S.ON_HOLD)
            office = (r.randint(9, 17), r.randint(0, 50))
            if self.quota["HOURS"] > 0 and main is not None and working and r.random() < 0.15:
                day = r.choice(working)
                if (agent := self.caller(d, day)) is not None:
                    self.call(
                        d, day, main, agent, hm=r.choice([(22, r.randint(0, 40)), (7, r.randint(0, 40))])
                    )
                    self.quota["HOURS"] -= 1
                    continue
            if self.quota["HOLD"] > 0 and main is not None and held:
                day = r.choice(held)
                if (agent := self.caller(d, day)) is not None:
                    self.call(d, day, main, agent, hm=office)
                    self.quota["HOLD"] -= 1
                    continue
            if self.quota["DISCLOSURE"] > 0 and unverified is not None and working:
                consent = d.person.contacts[unverified].consent_at
                after = [
                    x
                    for x in working
                    if consent is None or local_at(d.story.date_of(x), d.tz, 9, 0) > consent
                ]
                if after and (agent := self.caller(d, after[-1])) is not None:
                    self.call(d, after[-1], unverified, agent, hm=office)
                    self.quota["DISCLOSURE"] -= 1
                    continue
            reported = [n for n, c in enumerate(d.person.contacts) if c.reported_at is not None]
            if self.quota["WRONG_PARTY"] > 0 and reported and working:
                n = reported[0]
                at = d.person.contacts[n].reported_at
                after = [
                    x for x in working if at is not None and local_at(d.story.date_of(x), d.tz, 0, 0) > at
                ]
                if after and (agent := self.caller(d, after[0])) is not None:
                    self.call(d, after[0], n, agent, hm=office)
                    self.quota["WRONG_PARTY"] -= 1

    def ladder(self) -> None:
        """The reminders the nightly cycle would have queued on each rung's day (in the morning, so inside
        contact hours): only for rungs in the report period, while the case was early or active."""
        for d in self.drafts:
            path = timeline(d.story.sorted_beats())
            for threshold, key in d.pack.reminder_ladder:
                if not d.dpd - WINDOW - 3 <= threshold <= d.dpd - 1:
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


def write_history(planner: Planner, people: list[CustomerPlan], drafts: list[CaseDraft]) -> None:
    """Add every kind of history to the drafts' stories, in an order where each pass sees the last's beats."""
    h = History(planner, people, drafts)
    h.inbound_on_engage()
    h.disputes()
    h.waivers()
    h.wrong_party_link()
    h.limit_changes()
    h.freq_sequences()
    h.regular_calls()
    h.blocked_calls()
    h.ladder()
    h.agent_notices()
    h.quarantine_lift()
