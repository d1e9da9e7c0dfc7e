"""The whole demo as data, built before anything is written: people, accounts and every timed step.

Pure: no database, no clock (``now`` is passed in). One ``random.Random(seed)`` drives every choice in a
fixed order, so the same size and clock give the same people, numbers and stories.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from accounts.models import ZERO, ContactPoint, CreditAccount
from debt_collections.models import CaseState, CloseReason, HoldReason
from debt_collections.policies import get_pack
from debt_collections.policies.localtime import customer_zone
from demo.names import (
    CN_GIVEN,
    CN_MOBILE_PREFIXES,
    CN_REGIONS,
    CN_SURNAMES,
    EMAIL_DOMAINS,
    LIMITS,
    REGIONS,
    UK_FIRST,
    UK_LAST,
    US_AREAS,
    US_FIRST,
    US_LAST,
    split_hanzi,
)
from demo.records import AccountPlan, CaseDraft, ContactPlan, CustomerPlan, Step
from demo.reference import EXPIRING, LOTUS, NORTH_STAR
from demo.stories import (
    BATCH_ACTIONS,
    CLOSE_REASONS,
    HOLD_REASONS,
    STATE_WEIGHTS,
    lifecycle,
    local_at,
    placements,
)

S = CaseState
UNIT = Decimal("1")
# Lifecycle steps whose services do not consult the policy pack, so they may predate its first version.
UNJUDGED_ACTIONS = frozenset({"open", "escalate", "engage", "hold", "release", "close", "place", "assign"})


def _money(value: Decimal) -> Decimal:
    """Balances in whole currency units (as payments and waivers in the demo are): on SQLite, balances
    are REAL and the payment and waiver services subtract with ``F()``, so cents would leave float
    residue that makes a later pay-off of the exact balance fail (reported to the services' owner)."""
    return value.quantize(UNIT, rounding=ROUND_HALF_EVEN)


def state_slots(n: int, rng: random.Random) -> list[str | None]:
    """A target state (or None: current account) for each of ``n`` accounts; each state at least
    ``min(5, n // 9)`` times, the rest by weight, shuffled."""
    floor = min(5, n // 9)
    slots: list[str | None] = [s for s in STATE_WEIGHTS for _ in range(floor)]
    slots += rng.choices(list(STATE_WEIGHTS), weights=list(STATE_WEIGHTS.values()), k=n - len(slots))
    rng.shuffle(slots)
    return slots


def _cn_national_id(rng: random.Random, dob: date) -> str:
    body = f"{rng.choice(CN_REGIONS)}{dob:%Y%m%d}{rng.randint(1, 999):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


class Planner:
    """Builds people and stories and collects the timed steps (``add``), then orders them."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.used_values: set[str] = set()
        self.steps: list[tuple[datetime, int, int, Step]] = []  # (at, story number, beat, step)

    def _unique(self, make: Callable[[], str]) -> str:
        value = make()
        while value in self.used_values:
            value = make()
        self.used_values.add(value)
        return value

    def phone(self, jurisdiction: str, tz: str) -> str:
        r = self.rng
        if jurisdiction == "CN":
            return self._unique(lambda: f"+86{r.choice(CN_MOBILE_PREFIXES)}{r.randint(0, 99_999_999):08d}")
        if jurisdiction == "US":
            return self._unique(lambda: f"+1{r.choice(US_AREAS[tz])}55501{r.randint(0, 99):02d}")
        return self._unique(lambda: f"+447700900{r.randint(0, 999):03d}")  # Ofcom drama range

    def customer(self, index: int, jurisdiction: str) -> CustomerPlan:
        r, region = self.rng, REGIONS[jurisdiction]
        today = self.now.date()
        dob = today - timedelta(days=r.randint(21 * 365, 68 * 365))
        if jurisdiction == "CN":
            sur, sur_py = split_hanzi(r.choice(CN_SURNAMES))
            given, given_py = split_hanzi(r.choice(CN_GIVEN))
            name, handle, tz = sur + given, f"{given_py}.{sur_py}", "Asia/Shanghai"
            national_id = _cn_national_id(r, dob)
        else:
            first, last = (
                r.choice(US_FIRST if jurisdiction == "US" else UK_FIRST),
                r.choice(US_LAST if jurisdiction == "US" else UK_LAST),
            )
            name, handle = f"{first} {last}", f"{first}.{last}".lower().replace("'", "")
            if jurisdiction == "US":
                tz = r.choice(list(US_AREAS))
                national_id = f"666{r.randint(1, 99):02d}{r.randint(1, 9999):04d}"  # 666: never issued
            else:
                tz = "Europe/London"
                national_id = f"QQ{r.randint(0, 999_999):06d}{r.choice('ABCD')}"  # QQ: the specimen prefix
        since = today - timedelta(days=r.randint(480, 2400))  # before any story (at most 400 days)
        plan = CustomerPlan(
            name, national_id, dob, region.locale, tz, jurisdiction, vulnerable=r.random() < 0.05, since=since
        )
        consent = local_at(since, tz, r.randint(9, 20), r.randint(0, 59))
        for n in range(1 if r.random() < 0.6 else 2):
            roll = r.random()
            phone = self.phone(jurisdiction, tz)
            cp = ContactPlan(
                "phone",
                phone,
                ContactPoint.Status.VERIFIED,
                consent,
                consent + timedelta(minutes=r.randint(1, 30)),
            )
            if n == 1 and roll < 0.08:  # a recycled second number: the new owner said "not me"
                cp.status, cp.verified_at = ContactPoint.Status.UNVERIFIED, None
                cp.reported_at = local_at(
                    today - timedelta(days=r.randint(5, 120)), tz, r.randint(9, 17), r.randint(0, 59)
                )
                self.add(
                    cp.reported_at,
                    -(index * 10 + n + 1),
                    0,
                    Step(cp.reported_at, f"cp:{index}:{n}", "report_wrong_party"),
                )
            elif roll < 0.14:  # given later, never confirmed
                cp.consent_at = local_at(today - timedelta(days=r.randint(10, 300)), tz, 12, r.randint(0, 59))
                cp.status, cp.verified_at = ContactPoint.Status.UNVERIFIED, None
            elif roll < 0.20:  # the carrier reports the number recycled after consent: REASSIGNED blocks it
                cp.last_reassigned_at = local_at(today - timedelta(days=r.randint(3, 60)), tz, 6, 0)
            plan.contacts.append(cp)
        if r.random() < 0.65:
            mail = self._unique(lambda: f"{handle}{r.randint(1, 99)}@{r.choice(EMAIL_DOMAINS)}")
            plan.contacts.append(
                ContactPlan(
                    "email",
                    mail,
                    ContactPoint.Status.VERIFIED,
                    consent,
                    consent + timedelta(minutes=r.randint(2, 90)),
                )
            )
            if r.random() < 0.10:  # opted out of collection email via the link in a notice
                n = len(plan.contacts) - 1
                out = local_at(
                    today - timedelta(days=r.randint(2, 90)), tz, r.randint(7, 22), r.randint(0, 59)
                )
                plan.contacts[n].opted_out_at = out
                self.add(
                    out,
                    -(index * 10 + n + 1),
                    0,
                    Step(out, f"cp:{index}:{n}", "opt_out", params={"channel": "email"}),
                )
        return plan

    def account(
        self,
        number: str,
        customer: CustomerPlan,
        owner: int,
        state: str | None,
        order: int,
        reasons: dict[str, int],
    ) -> tuple[AccountPlan, CaseDraft | None]:
        r, region = self.rng, REGIONS[customer.jurisdiction]
        pack = get_pack(customer.jurisdiction, self.now.date())
        today = self.now.astimezone(customer_zone(customer)).date()
        product, kind = r.choice(region.products)
        lo, hi, step = LIMITS[(region.code, kind)]
        limit = Decimal(r.randrange(lo, hi + 1, step))
        apr, penalty = {
            ("CN", "card"): (Decimal("18.250"), Decimal("9.125")),
            ("CN", "loan"): (Decimal(r.randint(72, 239)) / 10, Decimal("0")),
            ("US", "card"): (Decimal(r.choice(["24.990", "27.490", "29.990"])), Decimal("29.990")),
            ("US", "loan"): (Decimal(r.choice(["8.990", "12.490", "15.990", "19.990"])), Decimal("0")),
            ("UK", "card"): (Decimal(r.choice(["21.900", "24.900", "29.900", "34.900"])), Decimal("0")),
            ("UK", "loan"): (Decimal(r.choice(["6.900", "9.900", "14.900"])), Decimal("0")),
        }[(region.code, kind)]
        if penalty == 0 and region.code == "CN":
            penalty = (apr / 2).quantize(Decimal("0.001"))
        late_fee = {"CN": Decimal("50.00"), "US": Decimal("32.00"), "UK": Decimal("12.00")}[region.code]
        principal = _money(limit * Decimal(r.randint(30, 100)) / 100)
        plan = AccountPlan(
            number,
            product,
            region.currency,
            limit,
            principal,
            ZERO,
            ZERO,
            ZERO,
            apr,
            penalty.quantize(Decimal("0.001")),
            opened_at=today,
            due_date=None,
            dpd=0,
            state=state,
        )
        if state is None:  # current: next due date ahead, one month's interest accrued
            plan.due_date = today + timedelta(days=r.randint(3, 28))
            plan.interest = _money(principal * apr / 100 / 12)
            plan.opened_at = customer.since + timedelta(days=r.randint(0, (today - customer.since).days - 60))
            return plan, None
        reason = ""
        if state == S.ON_HOLD:
            # Breathing space exists only where the pack has it (UK): the first UK holds get it.
            if pack.breathing_space_days and reasons.setdefault("breathing", 0) < 2:
                reason = HoldReason.BREATHING_SPACE
                reasons["breathing"] += 1
            else:
                reason = HOLD_REASONS[reasons.setdefault("hold", 0) % len(HOLD_REASONS)]
                reasons["hold"] += 1
        elif state == S.CLOSED:
            reason = CLOSE_REASONS[reasons.setdefault("close", 0) % len(CLOSE_REASONS)]
            reasons["close"] += 1
        dpd, story = lifecycle(state, r, today=today, pack=pack, reason=reason)
        agencies = (NORTH_STAR.licence_number, LOTUS.licence_number, EXPIRING.licence_number)
        placements(story, state, r, cod=pack.charge_off_dpd, agencies=agencies)
        due = today - timedelta(days=dpd)
        plan.dpd, plan.due_date = dpd, due
        plan.opened_at = customer.since + timedelta(days=r.randint(0, (due - customer.since).days - 60))
        cycles = min(6, 1 + dpd // 30)
        plan.interest = _money(principal * apr / 100 * min(dpd + 30, 180) / 365)
        plan.fees = late_fee * cycles
        plan.penalty_interest = _money(principal * plan.penalty_apr / 100 * dpd / 365)
        final: dict[str, Any] = {"days_past_due": dpd, "status": CreditAccount.Status.DELINQUENT}
        if state == S.CHARGED_OFF:
            final["status"] = CreditAccount.Status.CHARGED_OFF
        elif state == S.RESOLVED or reason in (CloseReason.FRAUD_UPHELD, CloseReason.NOT_OUR_CUSTOMER):
            # Paid in full (the payments cleared the balance), or never the customer's debt.
            final.update(
                days_past_due=0,
                due_date=None,
                principal=ZERO,
                interest=ZERO,
                fees=ZERO,
                penalty_interest=ZERO,
            )
            final["status"] = (
                CreditAccount.Status.CURRENT if state == S.RESOLVED else CreditAccount.Status.CLOSED
            )
        elif state == S.CLOSED:
            final["status"] = CreditAccount.Status.CLOSED
        plan.final = final
        draft = CaseDraft(order, owner, customer, plan, state, reason, story, pack)
        return plan, draft

    def time_story(self, draft: CaseDraft) -> None:
        """Give each beat its instant (batch beats at 03:xx local, staff beats in office hours, explicit
        ``_hm`` where the story needs one) and collect it as a step."""
        r, st, plan = self.rng, draft.story, draft.account
        pack, tz = draft.pack, draft.tz
        for beat_no, (day, action, raw) in enumerate(st.sorted_beats()):
            if (action not in UNJUDGED_ACTIONS or raw.get("inbound")) and day < st.floor:
                raise RuntimeError(
                    f"demo step {action} of {plan.number} on {st.date_of(day)} predates the first policy pack"
                )
            params = dict(raw)
            hm = params.pop("_hm", None)
            if hm is not None:
                hour, minute = hm
            elif action in BATCH_ACTIONS:
                hour, minute = 3, r.randint(0, 59)
            else:
                hour, minute = r.randint(9, 17), r.randint(0, 59)
            at = local_at(st.date_of(day), tz, hour, minute)
            if action == "hold":
                until = {HoldReason.HARDSHIP: 30, HoldReason.BREATHING_SPACE: pack.breathing_space_days or 0}
                days = until.get(params["hold_reason"], 0)
                params["until"] = at + timedelta(days=days) if days and draft.state == S.ON_HOLD else None
                if params["until"] is not None:
                    plan.next_action_at = params["until"]  # review the case when the hold ends
            self.add(at, 1_000_000 + draft.order, beat_no, Step(at, plan.number, action, day, params))
        if draft.state in (S.EARLY, S.ACTIVE, S.NEGOTIATING, S.ON_PLAN) and r.random() < 0.6:
            today = st.today
            plan.next_action_at = local_at(today + timedelta(days=r.randint(1, 7)), tz, r.randint(9, 17), 0)

    def add(self, at: datetime, story: int, beat: int, step: Step) -> None:
        self.steps.append((at, story, beat, step))

    def ordered_steps(self) -> list[Step]:
        """All steps in time order; within one story, strictly increasing and strictly before ``now``."""
        last_in_story: dict[int, datetime] = {}
        fixed: list[tuple[datetime, int, int, Step]] = []
        for at, story, beat, step in sorted(self.steps, key=lambda s: (s[1], s[2])):
            prev = last_in_story.get(story)
            if prev is not None and at <= prev:
                at = prev + timedelta(minutes=3)
            if at >= self.now:
                raise RuntimeError(f"demo step {step.action} of {step.subject} would be in the future")
            step.at = last_in_story[story] = at
            fixed.append((at, story, beat, step))
        return [s[3] for s in sorted(fixed, key=lambda s: (s[0], s[1], s[2]))]
