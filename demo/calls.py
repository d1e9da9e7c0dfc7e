"""The calls around the case lifecycles, planned against the rules the compliance gate enforces.

Per person (all their accounts), allowed calls are at least three local days apart, never in the seven-day
quiet period after a conversation (the day of the conversation is day 1), inside contact hours on a
contact day; inbound calls count too. The blocked calls are deliberate, one rule each: a call at 22:xx or
07:xx local (HOURS), the eighth call in seven days (FREQ_7D), a call two to four days after a
conversation (CONVERSATION_WAIT), a call to a held case (HOLD), to a quarantined number (WRONG_PARTY) and
to an unverified number (DISCLOSURE). Calls lead to what they lead to in real life: a promised part
payment, a booked callback (and the call back), a written breakdown by email. Pure, like ``history``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from accounts.models import ContactPoint
from debt_collections.models import CaseState
from demo.history import History, Outcome
from demo.records import CaseDraft, CustomerPlan
from demo.stories import WORKING, local_at, placement

if TYPE_CHECKING:
    from demo.plan import Planner

S = CaseState

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


class CallHistory(History):
    """``History`` plus the calls: who called whom, when, and what came of it."""

    def __init__(self, planner: Planner, people: list[CustomerPlan], drafts: list[CaseDraft]) -> None:
        super().__init__(planner, people, drafts)
        self.calendar = Calendar()
        self.quota = {rule: self.scaled(n) for rule, n in QUOTAS.items()}

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
            if not starts or placement(d.story.sorted_beats(), hi + 1) is not None:
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


def write_history(planner: Planner, people: list[CustomerPlan], drafts: list[CaseDraft]) -> None:
    """Add every kind of history to the drafts' stories, in an order where each pass sees the last's
    beats: the fixed points first (inbound calls on engagement, disputes, waivers, the wrong-party link,
    limit changes, the eight-call week), then the ordinary calls around them, then the reminders."""
    h = CallHistory(planner, people, drafts)
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
