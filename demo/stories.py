"""Case lifecycles as beats on the customer's local calendar: ``(day past due, action, params)``.

Pure: values in, beats out. Day ``k`` is ``k`` days past the account's due date in the customer's time
zone; ``history`` adds contact, waivers and disputes around these beats, and ``plan`` turns them into
timed steps. The beat names are the runner's actions (``runner.Runner``).

Plans are real: a case reaches ``on_plan`` by accepting an option, its installments are paid on their
due dates (``pay`` beats), it breaks only when the daily cycle's plan step finds an installment past
the grace period (``break_plan`` on that very day), and a plan completes when its last installment is
paid. So the schedule is computed here exactly as the offer calculation will compute it at run time:
installment ``k`` falls ``k`` calendar months after the acceptance day (``policies.add_months``).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from debt_collections.cycle import ESCALATE_AT_DPD
from debt_collections.models import HOLDABLE, CaseState, CloseReason, Dispute, HoldReason
from debt_collections.policies import PolicyPack, add_months, pack_versions

S = CaseState
ESC = ESCALATE_AT_DPD  # the day the nightly cycle escalates an early case (the firm-reminder rung)
Beat = tuple[int, str, dict[str, Any]]

STATE_WEIGHTS: dict[str | None, float] = {
    None: 0.20,
    S.EARLY: 0.15,
    S.ACTIVE: 0.18,
    S.NEGOTIATING: 0.09,
    S.ON_PLAN: 0.10,
    S.ON_HOLD: 0.10,
    S.RESOLVED: 0.08,
    S.CHARGED_OFF: 0.05,
    S.CLOSED: 0.05,
}
HOLD_REASONS = (HoldReason.DISPUTE, HoldReason.COMPLAINT, HoldReason.HARDSHIP, HoldReason.COMPLIANCE)
CLOSE_REASONS = (
    CloseReason.WRITTEN_OFF,
    CloseReason.FRAUD_UPHELD,
    CloseReason.NOT_OUR_CUSTOMER,
    CloseReason.DECEASED,
)
# Steps the nightly batch takes (03:xx local); everything else happens in office hours.
BATCH_ACTIONS = frozenset({"open", "escalate", "charge_off", "activate_plan", "break_plan"})
WORKING = (S.EARLY, S.ACTIVE, S.NEGOTIATING, S.ON_PLAN)
HOLD_NOTES: dict[str, str] = {
    HoldReason.HARDSHIP: "customer reported job loss; hardship review",
    HoldReason.BREATHING_SPACE: "breathing space moratorium notified by a debt adviser",
    HoldReason.COMPLIANCE: "compliance review of the contact history",
}
DISPUTE_NOTES: dict[str, str] = {
    Dispute.Kind.AMOUNT_WRONG: "Customer says the penalty interest was charged twice.",
    Dispute.Kind.NOT_MY_DEBT: "Customer says the loan was taken out by a former partner.",
    Dispute.Kind.ALREADY_PAID: "Customer sent a bank transfer receipt for the overdue amount.",
    Dispute.Kind.CREDIT_REPORT: "Customer objects to the overdue record on the credit report.",
    Dispute.Kind.CONDUCT_COMPLAINT: "Customer complains about repeated calls to a relative.",
    Dispute.Kind.IDENTITY_THEFT: "Customer reports the account was opened with a stolen identity card.",
}
OUTCOME_NOTES: dict[tuple[str, str], str] = {
    (
        Dispute.Kind.AMOUNT_WRONG,
        "upheld",
    ): "The penalty interest was charged twice; the duplicate is removed.",
    (Dispute.Kind.AMOUNT_WRONG, "rejected"): "The statement shows one penalty charge per overdue month.",
    (Dispute.Kind.NOT_MY_DEBT, "upheld"): "The signature and device records are not the customer's; the "
    "debt is not theirs.",
    (Dispute.Kind.NOT_MY_DEBT, "rejected"): "The loan was signed with the customer's verified identity "
    "and paid out to their own bank account.",
    (Dispute.Kind.ALREADY_PAID, "upheld"): "The transfer was found on a suspense account and applied.",
    (Dispute.Kind.ALREADY_PAID, "rejected"): "The receipt is for another account; nothing was received "
    "for this one.",
    (Dispute.Kind.CREDIT_REPORT, "upheld"): "The overdue date reported was wrong; a correction is sent.",
    (Dispute.Kind.CREDIT_REPORT, "rejected"): "The record matches the account history and the pre-notice "
    "was delivered.",
    (Dispute.Kind.CONDUCT_COMPLAINT, "upheld"): "The calls broke our contact rules; the agent is retrained "
    "and we apologise.",
    (Dispute.Kind.CONDUCT_COMPLAINT, "rejected"): "The call log shows contact only with the customer, "
    "within the permitted hours.",
    (Dispute.Kind.IDENTITY_THEFT, "upheld"): "Identity theft confirmed with the police report; the debt is "
    "not the customer's.",
    (Dispute.Kind.IDENTITY_THEFT, "rejected"): "The account was opened in person with the customer's "
    "identity card and face check.",
}
INSTALLMENT_TERMS = (3, 6, 12)


class Story:
    """The beats of one case, with the calendar to turn days into dates and back."""

    def __init__(self, rng: random.Random, today: date, pack: PolicyPack) -> None:
        self.rng = rng
        self.today = today
        # The first date on which the services can judge a step: no policy pack version existed before
        # (they refuse older dates rather than apply numbers that did not exist). Plus a day for zones.
        self.first_day = pack_versions(pack.code)[0].effective_from + timedelta(days=1)
        self.dpd = 0
        self.beats: list[Beat] = [(1, "open", {})]

    def set_dpd(self, dpd: int) -> int:
        self.dpd = dpd
        return dpd

    @property
    def due(self) -> date:
        return self.today - timedelta(days=self.dpd)

    def date_of(self, day: int) -> date:
        return self.due + timedelta(days=day)

    def day_of(self, when: date) -> int:
        return (when - self.due).days

    @property
    def floor(self) -> int:
        """The first day on which steps that need the policy pack (contact, plans, money) may happen."""
        return self.day_of(self.first_day)

    @property
    def reach(self) -> int:
        """How many days back from today such steps may go."""
        return (self.today - self.first_day).days

    def add(self, day: int, action: str, **params: Any) -> int:
        self.beats.append((day, action, params))
        return day

    def pick(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, max(lo, hi))

    @property
    def last(self) -> int:
        return max(day for day, _a, _p in self.beats)

    def sorted_beats(self) -> list[Beat]:
        """By day; beats of one day keep the order they were added in."""
        return sorted(self.beats, key=lambda b: b[0])

    def busy(self) -> set[int]:
        return {day for day, _a, _p in self.beats}

    # -- plans ----------------------------------------------------------------------------------------

    def schedule(self, accept_day: int, option: str) -> list[int]:
        """The due days of the option's payments if accepted on ``accept_day`` (as ``compute_options``)."""
        kind, _sep, n = option.partition(":")
        accepted = self.date_of(accept_day)
        if kind == "installment":
            return [self.day_of(add_months(accepted, k)) for k in range(1, int(n) + 1)]
        if kind == "deferral":
            return [accept_day + int(n)]
        return [accept_day + 7]  # pay_in_full: PAY_IN_FULL_DAYS

    def accept(self, day: int, option: str, *, via: str, pack: PolicyPack, activate_by: int) -> list[int]:
        """Accept ``option`` on ``day`` (by the customer on the page or an agent on the phone) and let the
        nightly cycle activate it after cooling-off if that is before ``activate_by``. Returns due days."""
        if via == "link":
            self.add(day, "link", verify=True)
        self.add(day, "accept", option=option, via=via)
        activation = day + pack.cooling_off_days + 1
        if activation <= activate_by:
            self.add(activation, "activate_plan")
        return self.schedule(day, option)

    def pay_installments(self, dues: list[int], *, until: int, last_ends: bool) -> int:
        """A payment for each installment due by ``until``, on its due day or up to three days early.
        Returns how many were paid."""
        paid = 0
        earliest = 0
        for number, due in enumerate(dues, start=1):
            if due > until:
                break
            day = max(earliest, due - self.rng.randint(0, 3))
            earliest = day
            ends = last_ends and number == len(dues)
            self.add(day, "pay", kind="installment", by=self.rng.choice(["bank", "bank", "agent"]), ends=ends)
            paid += 1
        return paid


def _installment(rng: random.Random) -> str:
    return f"installment:{rng.choices(INSTALLMENT_TERMS, weights=(3, 4, 3))[0]}"


def _sla_delay(rng: random.Random, sla: int, *, late: bool) -> int:
    """Days from opening to the decision: inside the SLA, or a few days past it."""
    return sla + rng.randint(1, 6) if late else rng.randint(2, max(2, sla - 1))


def _plan_completed(st: Story, rng: random.Random, pack: PolicyPack) -> None:
    """Accepted after escalation, every installment paid (or the rest paid off with the second one):
    the plan completes and the case is resolved. Quick ones (a settlement, a 30-day deferral, a plan
    paid off early) mostly lie in the reports' period; the long ones started months ago."""
    option = rng.choices(
        ["installment:3", "installment:6", "pay_in_full", "deferral:30"], weights=(5, 2, 2, 2)
    )[0]
    months = int(option.split(":")[1]) if option.startswith("installment") else 1
    early_payoff = months > 2 and rng.random() < 0.4
    span = {"pay_in_full": 8, "deferral:30": 31}.get(option, (2 if early_payoff else months) * 31) + 5
    if span <= 70 and rng.random() < 0.7:  # recent
        dpd = st.set_dpd(rng.randint(ESC + 90, 250))
        accepted_at = dpd - rng.randint(span, 85)
        engaged_at = accepted_at - rng.randint(1, 3)
    else:
        engaged_at = ESC + rng.randint(1, 15)
        accepted_at = engaged_at + rng.randint(1, 3)
        # The whole plan within the policy packs' history (it needs the pack from acceptance on).
        dpd = st.set_dpd(
            rng.randint(accepted_at + span, max(accepted_at + span, min(380, engaged_at + st.reach)))
        )
    st.add(ESC, "escalate")
    st.add(engaged_at, "engage")
    dues = st.schedule(accepted_at, option)
    # Activated after cooling-off only if still running by then (a pay-in-full settles in days).
    st.accept(accepted_at, option, via=rng.choice(["agent", "link"]), pack=pack, activate_by=dues[-1] - 1)
    if early_payoff:
        st.pay_installments(dues[:1], until=st.dpd, last_ends=False)
        st.add(dues[1] - rng.randint(0, 3), "pay", kind="rest", by="bank", ends=True)
    else:
        st.pay_installments(dues, until=st.dpd, last_ends=True)


def lifecycle(
    state: str, rng: random.Random, *, today: date, pack: PolicyPack, reason: str = ""
) -> tuple[int, Story]:
    """The days past due today and the beats that bring a new case to ``state`` through the services."""
    st = Story(rng, today, pack)
    cod = pack.charge_off_dpd
    if state == S.EARLY:  # opened yesterday at the latest; the cycle escalates on day ESC
        return st.set_dpd(rng.randint(2, ESC - 1)), st
    if state == S.ACTIVE:
        dpd = st.set_dpd(rng.randint(ESC + 1, cod - 1))
        st.add(ESC, "escalate")
        roll = rng.random()
        if dpd >= 90 and roll < 0.25:  # an earlier plan that broke
            engaged = st.add(st.pick(ESC + 1, ESC + 20), "engage")
            option = rng.choice([_installment(rng), _installment(rng), "deferral:30"])
            accepted = engaged + rng.randint(1, 4)
            dues = st.schedule(accepted, option)
            paid = rng.randint(0, 1) if len(dues) > 2 else 0
            missed = dues[paid]
            broken = missed + pack.plan_grace_days + 1
            st.accept(accepted, option, via=rng.choice(["agent", "link"]), pack=pack, activate_by=broken - 1)
            st.pay_installments(dues[:paid], until=broken, last_ends=False)
            st.add(broken, "break_plan")
        elif dpd >= 60 and roll < 0.40:  # an earlier hardship hold, reviewed and lifted
            held = st.add(st.pick(ESC + 1, dpd - 20), "hold", hold_reason=HoldReason.HARDSHIP)
            st.add(held + rng.randint(7, 14), "release")
        return dpd, st
    if state == S.NEGOTIATING:
        dpd = st.set_dpd(rng.randint(3, 150))
        if dpd > ESC + 10 and rng.random() < 0.7:
            st.add(ESC, "escalate")
            engaged = st.add(st.pick(ESC + 1, dpd - 1), "engage")
        else:  # engaged before the escalation day, so it never became active
            engaged = st.add(st.pick(2, min(ESC - 1, dpd - 1)), "engage")
        roll = rng.random()
        if roll < 0.3 and engaged + 3 <= dpd - 1:  # accepted, then withdrew within cooling-off
            accepted = engaged + rng.randint(1, min(5, dpd - 2 - engaged))
            via = rng.choice(["agent", "link"])
            st.accept(accepted, _installment(rng), via=via, pack=pack, activate_by=-1)
            st.add(st.pick(accepted + 1, min(accepted + 10, dpd - 1)), "withdraw", via=via)
        elif roll < 0.5:  # an offer is out, not yet taken up
            st.add(st.pick(engaged, dpd - 1), "offer", option=_installment(rng))
        return dpd, st
    if state == S.ON_PLAN:
        dpd = st.set_dpd(rng.randint(10, 170))
        age = rng.randint(1, min(75, dpd - 3))
        accepted = dpd - age
        if accepted > ESC + 3 and rng.random() < 0.7:
            st.add(ESC, "escalate")
            engaged = st.add(st.pick(max(ESC + 1, accepted - 20), accepted - 1), "engage")
        else:
            engaged = st.add(st.pick(2, min(ESC - 1, accepted - 1)), "engage")
        roll = rng.random()
        if age <= 5 and roll < 0.15:
            option = "pay_in_full"
        elif age < 55 and roll < 0.35:
            option = "deferral:60" if age >= 25 else rng.choice(["deferral:30", "deferral:60"])
        else:
            option = _installment(rng)
        if option.startswith("installment") and rng.random() < 0.3 and engaged < accepted:
            # The agent offered a longer plan first; accepting another one supersedes the offer.
            st.add(st.pick(engaged, accepted - 1), "offer", option="installment:12")
        dues = st.accept(accepted, option, via=rng.choice(["agent", "link"]), pack=pack, activate_by=dpd - 1)
        st.pay_installments(dues, until=dpd - 1, last_ends=False)
        return dpd, st
    if state == S.ON_HOLD:
        base = rng.choice([S.EARLY, S.ACTIVE, S.ACTIVE, S.NEGOTIATING, S.ON_PLAN])
        dpd, st = lifecycle(base, rng, today=today, pack=pack)
        # Held recently, so holds with an end date are still running today.
        day = st.pick(max(st.last, dpd - 20), dpd - 1)
        if reason in (HoldReason.DISPUTE, HoldReason.COMPLAINT):
            kind = (
                Dispute.Kind.CONDUCT_COMPLAINT
                if reason == HoldReason.COMPLAINT
                else rng.choice(
                    [
                        Dispute.Kind.AMOUNT_WRONG,
                        Dispute.Kind.NOT_MY_DEBT,
                        Dispute.Kind.ALREADY_PAID,
                        Dispute.Kind.CREDIT_REPORT,
                    ]
                )
            )
            st.add(day, "dispute", kind=kind, via=rng.choice(["agent", "agent", "link"]))
        else:
            st.add(day, "hold", hold_reason=reason)
        return dpd, st
    if state == S.RESOLVED:
        variant = rng.choices(
            ["paid_early", "paid_active", "paid_negotiated", "plan_completed"], weights=(2, 2, 2, 3)
        )[0]
        if variant == "paid_early":
            dpd = st.set_dpd(rng.randint(8, 200))
            st.add(rng.randint(2, min(ESC - 1, dpd - 1)), "pay", kind="full", by="bank", ends=True)
        elif variant == "paid_active":
            dpd = st.set_dpd(rng.randint(ESC + 10, 300))
            st.add(ESC, "escalate")
            st.add(st.pick(ESC + 1, min(dpd - 1, 170)), "pay", kind="full", by="bank", ends=True)
        elif variant == "paid_negotiated":
            dpd = st.set_dpd(rng.randint(10, 250))
            engaged = st.add(rng.randint(2, min(ESC - 1, dpd - 2)), "engage")
            day = st.pick(engaged + 1, min(dpd - 1, engaged + 30))
            st.add(day, "pay", kind="full", by=rng.choice(["bank", "agent"]), ends=True)
        else:
            _plan_completed(st, rng, pack)
        return st.dpd, st
    if state == S.CHARGED_OFF:
        dpd = st.set_dpd(rng.randint(cod + 1, 400))
        st.add(ESC, "escalate")
        st.add(cod, "charge_off")  # on the day the policy threshold is reached
        return dpd, st
    if state == S.CLOSED:
        if reason == CloseReason.WRITTEN_OFF:
            dpd = st.set_dpd(rng.randint(cod + 30, 400))
            st.add(ESC, "escalate")
            st.add(cod, "charge_off")
            st.add(st.pick(cod + 20, dpd - 1), "close", close_reason=reason)
        elif reason in (CloseReason.FRAUD_UPHELD, CloseReason.NOT_OUR_CUSTOMER):
            # The customer disputes; compliance upholds it and the dispute service closes the case.
            kind = (
                Dispute.Kind.IDENTITY_THEFT
                if reason == CloseReason.FRAUD_UPHELD
                else Dispute.Kind.NOT_MY_DEBT
            )
            opened = rng.randint(2, 20)
            decided = opened + _sla_delay(rng, pack.dispute_sla(kind), late=rng.random() < 0.3)
            st.set_dpd(decided + rng.randint(1, 60))
            if opened > ESC:
                st.add(ESC, "escalate")
            st.add(opened, "dispute", kind=kind, via=rng.choice(["agent", "link"]))
            st.add(decided, "resolve_dispute", outcome="upheld", closes=True)
            return st.dpd, st
        else:  # deceased: the estate's notice arrives while the case is worked
            dpd = st.set_dpd(rng.randint(20, 250))
            if dpd > ESC + 10:
                st.add(ESC, "escalate")
                st.add(rng.randint(ESC + 1, dpd - 1), "close", close_reason=reason)
            else:
                st.add(rng.randint(2, min(ESC - 1, dpd - 1)), "close", close_reason=reason)
        return st.dpd, st
    raise ValueError(f"no demo story for state {state!r}")


def placements(st: Story, state: str, rng: random.Random, *, cod: int, agencies: tuple[str, ...]) -> None:
    """Give some cases to the in-house agent, place some with an agency (``agencies``: licence numbers of
    North Star, Lotus and the one whose licence is about to end, in that order)."""
    if rng.random() < 0.55:
        st.add(1, "assign", to="agent")
    dpd = st.dpd
    eligible = state in (S.ACTIVE, S.CHARGED_OFF) or (state == S.ON_HOLD and st.beats[1][1] == "escalate")
    if not eligible or dpd < 95 or rng.random() >= 0.45:
        return
    licence = rng.choices(agencies, weights=(0.55, 0.30, 0.15))[0]
    # Placed from ~90 days past due (charged-off debt also later); never while the case is on hold.
    holds = [d for d, a, _p in st.beats if a in ("hold", "dispute")]
    releases = [d for d, a, _p in st.beats if a in ("release", "resolve_dispute")]
    hi = dpd - 1 if state == S.CHARGED_OFF else min(dpd - 1, cod - 1)
    if state == S.ON_HOLD:
        hi = min(hi, holds[-1] - 1)
    if hi < 90:
        return
    day = rng.randint(90, hi)
    for held, released in zip(holds, releases, strict=False):
        if held <= day <= released:
            day = released  # the same day, after the release (beats of a day keep their order)
    placed = st.add(day, "place", licence=licence)
    if licence == agencies[0] and rng.random() < 0.6:
        st.add(placed, "assign", to="agency_agent")


# --- reading a story back -----------------------------------------------------------------------------


def timeline(beats: list[Beat]) -> list[tuple[int, str]]:
    """``(day, state after the beat)`` for each beat in order: the path the services will walk."""
    state, saved = "", ""
    path = []
    for day, action, p in beats:
        if action == "open":
            state = S.EARLY
        elif action == "escalate":
            state = S.ACTIVE
        elif action in ("engage", "withdraw") or (action == "offer" and state in (S.EARLY, S.ACTIVE)):
            state = S.NEGOTIATING
        elif action == "accept":
            state = S.ON_PLAN
        elif action == "break_plan":
            state = S.ACTIVE
        elif action in ("hold", "dispute") and state in HOLDABLE:
            saved, state = state, S.ON_HOLD
        elif action == "release" or (
            action == "resolve_dispute" and state == S.ON_HOLD and not p.get("closes")
        ):
            state = saved
        elif action == "resolve_dispute" and p.get("closes"):
            state = S.CLOSED
        elif action == "pay" and p.get("ends"):
            state = S.RESOLVED
        elif action == "charge_off":
            state = S.CHARGED_OFF
        elif action == "close":
            state = S.CLOSED
        path.append((day, str(state)))
    return path


def state_before(path: list[tuple[int, str]], day: int) -> str:
    """The case's state during ``day`` if nothing happens on it: after every beat of earlier days."""
    state = ""
    for beat_day, after in path:
        if beat_day >= day:
            break
        state = after
    return state


def placement(beats: list[Beat], day: int) -> str | None:
    """The licence number of the agency the case is placed with during ``day`` (placed on an earlier day)."""
    licence = None
    for beat_day, action, p in beats:
        if beat_day >= day:
            break
        if action == "place":
            licence = p["licence"]
    return licence


def local_at(day: date, tz: str, hour: int, minute: int) -> datetime:
    """``hour:minute`` on ``day`` in the zone ``tz``, as a UTC instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(tz)).astimezone(UTC)
