"""Demo data for ``manage.py seed_demo``: customers, accounts and cases in every state, with a real history.

How it is built:

* **Deterministic.** One ``random.Random(SEED)`` drives every choice, in a fixed order that never
  depends on what the database holds, so the same size gives the same people, numbers and stories.
* **Idempotent.** Groups, agencies and the demo logins are upserted by natural key (name, licence
  number, username) on every run. Customers, accounts and cases are created only when the marker
  account ``ACC-DEMO-00001`` is absent; that creation is one transaction, so an interrupted run leaves
  nothing behind and the marker test stays sound. A second run creates nothing.
* **Through the services.** Bulk inserts are used only for rows that have no service yet and no
  history of their own (customers, contact points, accounts). Every case is opened and walked through
  ``debt_collections.services`` with the system actor ``system:seed_demo``; wrong-party reports and
  opt-outs go through their services too. So the audit chain holds the same events real use writes.
* **Time.** Dates are anchored to the clock at seed time (read once, ``now``), not to a fixed date:
  agencies must be licensed *today*, and ``due_date`` must agree with ``days_past_due`` for the daily
  cycle. Each story is laid out on the customer's local calendar (day ``k`` = ``k`` days past due,
  night-batch steps at 03:xx, staff steps in office hours), every step strictly before ``now``, and all
  steps of all cases run in time order, so ``AuditEvent.at`` never decreases along ``seq``. Run on a
  database that already holds later events, the demo events would sit after them in ``seq`` with
  earlier times; seed an empty database for a clean timeline.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import ZERO, Agency, ContactPoint, CreditAccount, Customer, Role, User
from debt_collections import services
from debt_collections.audit import Actor
from debt_collections.models import AuditEvent, CaseState, CloseReason, CollectionCase, Dispute, HoldReason
from debt_collections.policies import get_pack

SEED = 20261121
DEFAULT_CUSTOMERS = 240
MARKER_ACCOUNT = "ACC-DEMO-00001"
ACTOR = Actor.system("seed_demo")
S = CaseState
CENT = Decimal("0.01")
Progress = Callable[[str], None]

# --- agencies and logins --------------------------------------------------------------------


@dataclass(frozen=True)
class AgencySpec:
    name: str
    licence_number: str
    licence_days: int  # licensed until today + this (negative: already expired)
    contract_from_days: int  # contract started this many days ago (covers every placement in the stories)
    contract_days: int  # contract ends today + this


NORTH_STAR = AgencySpec("North Star Recoveries", "NSR-LIC-2023-0417", 730, 1095, 365)
LOTUS = AgencySpec("Lotus Credit Services 莲花信用服务", "LCS-LIC-2022-0088", 365, 1095, 540)
# Licence lapsed 45 days ago while the contract still runs: placing a case with it must be refused.
LAPSED = AgencySpec("Old Harbour Debt Recovery", "OHD-LIC-2021-0152", -45, 1095, 180)
AGENCIES = (NORTH_STAR, LOTUS, LAPSED)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str  # public on purpose: printed by the command, demo databases only
    role: str | None
    agency_licence: str | None
    description: str
    superuser: bool = False


DEMO_LOGINS = (
    DemoLogin("agent", "agent-demo-2026", Role.AGENT, None, "in-house collection agent"),
    DemoLogin(
        "agency_agent",
        "agency-agent-demo-2026",
        Role.AGENT,
        NORTH_STAR.licence_number,
        f"agent at {NORTH_STAR.name}",
    ),
    DemoLogin("supervisor", "supervisor-demo-2026", Role.SUPERVISOR, None, "supervisor"),
    DemoLogin("compliance", "compliance-demo-2026", Role.COMPLIANCE, None, "compliance officer"),
    DemoLogin("admin", "admin-demo-2026", None, None, "superuser", superuser=True),
)

# --- people -----------------------------------------------------------------------------------

CN_SURNAMES = (
    "王wang 李li 张zhang 刘liu 陈chen 杨yang 黄huang 赵zhao 吴wu 周zhou 徐xu 孙sun 马ma 朱zhu 胡hu 郭guo "
    "何he 高gao 林lin 罗luo 郑zheng 梁liang 谢xie 宋song 唐tang 韩han 冯feng 邓deng 曹cao 彭peng 曾zeng "
    "肖xiao 田tian 董dong 潘pan 袁yuan 蔡cai 蒋jiang 余yu 叶ye"
).split()
CN_GIVEN = (
    "伟wei 芳fang 娜na 敏min 静jing 丽li 强qiang 磊lei 军jun 洋yang 勇yong 艳yan 杰jie 娟juan 涛tao "
    "明ming 超chao 秀英xiuying 霞xia 平ping 刚gang 桂英guiying 建华jianhua 志强zhiqiang 晓明xiaoming "
    "海燕haiyan 子涵zihan 浩然haoran 欣怡xinyi 宇轩yuxuan 梓萱zixuan 俊杰junjie 雨婷yuting 文博wenbo "
    "佳琪jiaqi 思远siyuan 丹dan 鹏peng 辉hui 玲ling 斌bin 红梅hongmei 国栋guodong 立新lixin 淑珍shuzhen"
).split()
US_FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Christopher Karen Daniel Maria Marcus Aisha Carlos Emily Tyler Ashley "
    "Kevin Michelle Jamal Rosa"
).split()
US_LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Wilson "
    "Anderson Thomas Taylor Moore Jackson Martin Lee Thompson White Harris Clark Lewis Robinson Walker "
    "Young Nguyen Patel"
).split()
UK_FIRST = (
    "Oliver Amelia George Isla Harry Ava Jack Emily Charlie Sophie Thomas Grace James Lily William Freya "
    "Alfie Ella Mohammed Priya Callum Niamh Rhys Siobhan Hamish Eleanor"
).split()
UK_LAST = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker White "
    "Roberts Green Hall Wood Jackson Clarke Patel Khan Hughes Edwards MacDonald O'Brien Campbell Murphy"
).split()


def _split_hanzi(entry: str) -> tuple[str, str]:
    """``"王wang"`` → ``("王", "wang")``: the characters, then the pinyin used for the email address."""
    cut = next(i for i, ch in enumerate(entry) if ch.isascii())
    return entry[:cut], entry[cut:]


# Valid mainland mobile prefixes (checked against libphonenumber in the tests).
CN_MOBILE_PREFIXES = (
    "133 135 136 137 138 139 150 151 152 155 156 157 158 159 166 176 177 180 181 182 "
    "185 186 187 188 189 191 198 199"
).split()
CN_REGIONS = ("110101", "310104", "440305", "330106", "510107", "420106", "320102", "440106")
# US zone → area codes; numbers use the fictional 555-0100..0199 block.
US_AREAS = {
    "America/New_York": ("212", "646", "718"),
    "America/Chicago": ("312", "773", "872"),
    "America/Los_Angeles": ("213", "310", "323"),
}
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")  # RFC 2606: never a real mailbox


@dataclass(frozen=True)
class Region:
    code: str
    locale: str
    currency: str
    products: tuple[tuple[str, str], ...]  # (product name, "card" | "loan")


REGIONS = {
    "CN": Region(
        "CN",
        "zh-hans",
        "CNY",
        (
            ("信用卡 / Credit card", "card"),
            ("消费贷 / Consumer loan", "loan"),
            ("现金分期 / Cash instalment loan", "loan"),
        ),
    ),
    "US": Region("US", "en", "USD", (("Credit card", "card"), ("Personal loan", "loan"))),
    "UK": Region("UK", "en", "GBP", (("Credit card", "card"), ("Personal loan", "loan"))),
}

# --- the plan: pure data, built before anything is written -----------------------------------


@dataclass
class Step:
    """One thing that happens to a case or contact point, at ``at`` (UTC)."""

    at: datetime
    subject: str  # account number (case steps) or "cp:<customer>:<contact>" (contact-point steps)
    action: str
    day: int = 0  # days past due at ``at`` (case steps)
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ContactPlan:
    kind: str
    value: str
    status: str
    consent_at: datetime | None
    verified_at: datetime | None
    last_reassigned_at: datetime | None = None


@dataclass
class AccountPlan:
    number: str
    product: str
    currency: str
    credit_limit: Decimal
    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalty_interest: Decimal
    apr: Decimal
    penalty_apr: Decimal
    opened_at: date
    due_date: date | None
    dpd: int
    state: str | None  # the case's target state; None: a current account without a case
    final: dict[str, Any] = field(default_factory=dict)  # account fields once its story is told
    next_action_at: datetime | None = None


@dataclass
class CustomerPlan:
    full_name: str
    national_id: str
    date_of_birth: date
    locale: str
    time_zone: str
    jurisdiction: str
    vulnerable: bool
    since: date  # customer since: the first account opened and the contact points were given then
    contacts: list[ContactPlan] = field(default_factory=list)
    accounts: list[AccountPlan] = field(default_factory=list)


@dataclass
class DemoPlan:
    customers: list[CustomerPlan]
    steps: list[Step]  # every step of every story, in execution (time) order


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
BATCH_ACTIONS = frozenset({"open", "escalate", "charge_off", "start_plan", "complete_plan", "break_plan"})
HOLD_NOTES = {
    HoldReason.DISPUTE: "customer disputes the debt",
    HoldReason.COMPLAINT: "complaint about collection conduct",
    HoldReason.HARDSHIP: "customer reported job loss; hardship review",
    HoldReason.BREATHING_SPACE: "breathing space moratorium notified by a debt adviser",
    HoldReason.COMPLIANCE: "compliance review of the contact history",
}
DISPUTE_NOTES = {
    Dispute.Kind.AMOUNT_WRONG: "Customer says the penalty interest was charged twice.",
    Dispute.Kind.NOT_MY_DEBT: "Customer says the loan was taken out by a former partner.",
    Dispute.Kind.ALREADY_PAID: "Customer sent a bank transfer receipt for the overdue amount.",
    Dispute.Kind.CREDIT_REPORT: "Customer objects to the overdue record on the credit report.",
    Dispute.Kind.CONDUCT_COMPLAINT: "Customer complains about repeated calls to a relative.",
    Dispute.Kind.IDENTITY_THEFT: "Customer reports the account was opened with a stolen identity card.",
}


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


class _Story:
    """Beats of one case on its local calendar: ``(day past due, action, params)`` in order."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.beats: list[tuple[int, str, dict[str, Any]]] = [(1, "open", {})]

    def add(self, day: int, action: str, **params: Any) -> int:
        self.beats.append((day, action, params))
        return day

    def pick(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, max(lo, hi))

    @property
    def last(self) -> int:
        return max(day for day, _a, _p in self.beats)


def _story(state: str, rng: random.Random, *, cod: int, reason: str = "") -> tuple[int, _Story]:
    """The days past due today and the path that brings a new case to ``state`` through the services."""
    st = _Story(rng)
    if state == S.EARLY:  # opened yesterday at the latest; escalated on day 30
        return rng.randint(2, 29), st
    if state == S.ACTIVE:
        dpd = rng.randint(31, cod - 1)
        st.add(30, "escalate")
        roll = rng.random()
        if dpd >= 80 and roll < 0.25:  # an earlier plan that broke
            plan = st.add(st.pick(31, 40), "engage") + rng.randint(1, 4)
            st.add(plan, "start_plan")
            st.add(st.pick(plan + 35, dpd - 1), "break_plan")
        elif dpd >= 60 and roll < 0.40:  # an earlier hardship hold, reviewed and lifted
            held = st.add(st.pick(31, dpd - 20), "hold", hold_reason=HoldReason.HARDSHIP)
            st.add(held + rng.randint(7, 14), "release")
        return dpd, st
    if state in (S.NEGOTIATING, S.ON_PLAN):
        dpd = rng.randint(3, 150) if state == S.NEGOTIATING else rng.randint(10, 170)
        room = 1 if state == S.NEGOTIATING else 3  # days left for the plan to start
        if dpd > 40 and rng.random() < 0.7:
            st.add(30, "escalate")
            engaged = st.add(st.pick(31, dpd - room), "engage")
        else:  # engaged before the 30-day escalation, so it never became active
            engaged = st.add(st.pick(2, min(29, dpd - room)), "engage")
        if state == S.ON_PLAN:
            st.add(st.pick(engaged + 1, min(engaged + 3, dpd - 1)), "start_plan")
        return dpd, st
    if state == S.ON_HOLD:
        dpd, st = _story(rng.choice([S.EARLY, S.ACTIVE, S.ACTIVE, S.NEGOTIATING, S.ON_PLAN]), rng, cod=cod)
        # Held recently, so holds with an end date are still running today.
        st.add(st.pick(max(st.last, dpd - 20), dpd - 1), "hold", hold_reason=reason)
        return dpd, st
    if state == S.RESOLVED:
        variant = rng.choice(["paid_early", "paid_active", "paid_negotiated", "plan_completed"])
        if variant == "paid_early":
            dpd = rng.randint(8, 200)
            st.add(rng.randint(2, min(25, dpd - 1)), "resolve")
        elif variant == "paid_active":
            dpd = rng.randint(40, 300)
            st.add(30, "escalate")
            st.add(st.pick(31, min(dpd - 1, 170)), "resolve")
        elif variant == "paid_negotiated":
            dpd = rng.randint(10, 250)
            engaged = st.add(rng.randint(2, min(28, dpd - 2)), "engage")
            st.add(st.pick(engaged + 1, min(dpd - 1, engaged + 30)), "resolve")
        else:
            dpd = rng.randint(90, 380)
            st.add(30, "escalate")
            plan = st.add(st.pick(31, 45), "engage") + rng.randint(1, 3)
            st.add(plan, "start_plan")
            st.add(st.pick(plan + 30, min(dpd - 1, plan + 180)), "complete_plan")
        return dpd, st
    if state == S.CHARGED_OFF:
        dpd = rng.randint(cod + 1, 400)
        st.add(30, "escalate")
        st.add(cod, "charge_off")  # on the day the policy threshold is reached
        return dpd, st
    if state == S.CLOSED:
        if reason == CloseReason.WRITTEN_OFF:
            dpd = rng.randint(cod + 30, 400)
            st.add(30, "escalate")
            st.add(cod, "charge_off")
            st.add(st.pick(cod + 20, dpd - 1), "close", close_reason=reason)
        elif reason == CloseReason.FRAUD_UPHELD:  # identity-theft dispute, upheld
            dpd = rng.randint(20, 150)
            held = st.add(
                rng.randint(2, min(20, dpd - 16)),
                "hold",
                hold_reason=HoldReason.DISPUTE,
                dispute_kind=Dispute.Kind.IDENTITY_THEFT,
            )
            st.add(
                held + rng.randint(5, 15), "close", close_reason=reason, dispute_outcome=Dispute.Status.UPHELD
            )
        elif reason == CloseReason.NOT_OUR_CUSTOMER:
            dpd = rng.randint(5, 90)
            st.add(rng.randint(2, min(20, dpd - 1)), "close", close_reason=reason)
        else:  # deceased: the estate's notice arrives while the case is worked
            dpd = rng.randint(20, 250)
            if dpd > 40:
                st.add(30, "escalate")
                st.add(rng.randint(31, dpd - 1), "close", close_reason=reason)
            else:
                st.add(rng.randint(2, min(29, dpd - 1)), "close", close_reason=reason)
        return dpd, st
    raise ValueError(f"no demo story for state {state!r}")


def _place_and_assign(st: _Story, dpd: int, state: str, rng: random.Random, *, cod: int) -> None:
    """Give some cases to the in-house agent, place some with an agency (and its agent)."""
    if rng.random() < 0.55:
        st.add(1, "assign", to="agent")
    eligible = state in (S.ACTIVE, S.CHARGED_OFF) or (state == S.ON_HOLD and st.beats[1][1] == "escalate")
    if not eligible or dpd < 95 or rng.random() >= 0.45:
        return
    agency = NORTH_STAR if rng.random() < 0.6 else LOTUS
    # Placed from ~90 days past due (charged-off debt also later); never while the case is on hold.
    holds = [d for d, a, _p in st.beats if a == "hold"]
    releases = [d for d, a, _p in st.beats if a == "release"]
    hi = dpd - 1 if state == S.CHARGED_OFF else min(dpd - 1, cod - 1)
    if state == S.ON_HOLD:
        hi = min(hi, holds[-1] - 1)
    if hi < 90:
        return
    day = rng.randint(90, hi)
    for held, released in zip(holds, releases, strict=False):
        if held <= day <= released:
            day = released  # the same day, after the release (beats of a day keep their order)
    placed = st.add(day, "place", licence=agency.licence_number)
    if agency is NORTH_STAR and rng.random() < 0.6:
        st.add(placed, "assign", to="agency_agent")


def _state_slots(n: int, rng: random.Random) -> list[str | None]:
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


def _local(day: date, tz: str, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(tz)).astimezone(UTC)


class _Planner:
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
            sur, sur_py = _split_hanzi(r.choice(CN_SURNAMES))
            given, given_py = _split_hanzi(r.choice(CN_GIVEN))
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
        consent = _local(since, tz, r.randint(9, 20), r.randint(0, 59))
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
                reported = _local(
                    today - timedelta(days=r.randint(5, 120)), tz, r.randint(9, 17), r.randint(0, 59)
                )
                self._add(
                    reported,
                    -(index * 10 + n + 1),
                    0,
                    Step(reported, f"cp:{index}:{n}", "report_wrong_party"),
                )
            elif roll < 0.14:  # given later, never confirmed
                cp.consent_at = _local(today - timedelta(days=r.randint(10, 300)), tz, 12, r.randint(0, 59))
                cp.status, cp.verified_at = ContactPoint.Status.UNVERIFIED, None
            elif roll < 0.20:  # the carrier reports the number recycled after consent: REASSIGNED blocks it
                cp.last_reassigned_at = _local(today - timedelta(days=r.randint(3, 60)), tz, 6, 0)
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
                out = _local(today - timedelta(days=r.randint(2, 90)), tz, r.randint(7, 22), r.randint(0, 59))
                self._add(
                    out,
                    -(index * 10 + n + 1),
                    0,
                    Step(out, f"cp:{index}:{n}", "opt_out", params={"channel": "email"}),
                )
        return plan

    def account(
        self, number: str, customer: CustomerPlan, state: str | None, order: int, reasons: dict[str, int]
    ) -> AccountPlan:
        r, region = self.rng, REGIONS[customer.jurisdiction]
        pack = get_pack(customer.jurisdiction, self.now.date())
        today = self.now.astimezone(ZoneInfo(customer.time_zone)).date()
        product, kind = r.choice(region.products)
        limits = {
            ("CN", "card"): (5_000, 80_000, 1_000),
            ("CN", "loan"): (10_000, 200_000, 5_000),
            ("US", "card"): (1_000, 15_000, 500),
            ("US", "loan"): (2_000, 25_000, 500),
            ("UK", "card"): (500, 10_000, 250),
            ("UK", "loan"): (1_000, 20_000, 500),
        }
        lo, hi, step = limits[(region.code, kind)]
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
            return plan
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
        dpd, st = _story(state, r, cod=pack.charge_off_dpd, reason=reason)
        _place_and_assign(st, dpd, state, r, cod=pack.charge_off_dpd)
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
            # Paid in full, or never the customer's debt: nothing owed, nothing overdue.
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
        for beat_no, (day, action, params) in enumerate(sorted(st.beats, key=lambda b: b[0])):
            hour = 3 if action in BATCH_ACTIONS else r.randint(9, 17)
            at = _local(due + timedelta(days=day), customer.time_zone, hour, r.randint(0, 59))
            params = dict(params)
            if action == "hold":
                until = {HoldReason.HARDSHIP: 30, HoldReason.BREATHING_SPACE: pack.breathing_space_days or 0}
                days = until.get(params["hold_reason"], 0)
                params["until"] = at + timedelta(days=days) if days and state == S.ON_HOLD else None
                if params["hold_reason"] in (HoldReason.DISPUTE, HoldReason.COMPLAINT):
                    params.setdefault(
                        "dispute_kind",
                        Dispute.Kind.CONDUCT_COMPLAINT
                        if params["hold_reason"] == HoldReason.COMPLAINT
                        else r.choice(
                            [
                                Dispute.Kind.AMOUNT_WRONG,
                                Dispute.Kind.NOT_MY_DEBT,
                                Dispute.Kind.ALREADY_PAID,
                                Dispute.Kind.CREDIT_REPORT,
                            ]
                        ),
                    )
                    params["sla_days"] = pack.dispute_sla(params["dispute_kind"])
                if params["until"] is not None:
                    plan.next_action_at = params["until"]  # review the case when the hold ends
            self._add(at, 1_000_000 + order, beat_no, Step(at, number, action, day, params))
        if state in (S.EARLY, S.ACTIVE, S.NEGOTIATING, S.ON_PLAN) and r.random() < 0.6:
            plan.next_action_at = _local(
                today + timedelta(days=r.randint(1, 7)), customer.time_zone, r.randint(9, 17), 0
            )
        return plan

    def _add(self, at: datetime, story: int, beat: int, step: Step) -> None:
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


def build_plan(*, customers: int = DEFAULT_CUSTOMERS, now: datetime, seed: int = SEED) -> DemoPlan:
    """The whole demo as data. Pure: no database, no clock (``now`` is passed in)."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security: it must be reproducible
    n_us = n_uk = round(customers * 0.15)
    jurisdictions = ["CN"] * (customers - n_us - n_uk) + ["US"] * n_us + ["UK"] * n_uk
    rng.shuffle(jurisdictions)
    planner = _Planner(rng, now)
    people = [planner.customer(i, code) for i, code in enumerate(jurisdictions)]
    owners = [i for i, _p in enumerate(people) for _n in range(2 if rng.random() < 0.10 else 1)]
    reasons: dict[str, int] = {}
    for order, (owner, state) in enumerate(zip(owners, _state_slots(len(owners), rng), strict=True)):
        number = f"ACC-DEMO-{order + 1:05d}"
        people[owner].accounts.append(planner.account(number, people[owner], state, order, reasons))
    return DemoPlan(people, planner.ordered_steps())


# --- writing -------------------------------------------------------------------------------------


@dataclass
class DemoSummary:
    created: bool
    counts: dict[str, int]
    cases_by_state: dict[str, int]
    lapsed_agency: str
    site_url: str
    logins: tuple[DemoLogin, ...] = DEMO_LOGINS
    customer_link: str | None = None


def demo_customer_link() -> str | None:
    """A signed negotiation link for one demo customer, printed by ``seed_demo``; None without demo data.

    The customer is the first (by account number) zh-hans customer whose case is negotiating, active or
    early (in that order of preference) and who has a verified phone; the link is sent to that phone.
    Safe to repeat: an unexpired, unrevoked, unlocked link that seed_demo made for that case is reused,
    so a second run creates nothing. A new link is dated just after the last audit event (at most an
    hour back), like the demo's other steps, so the whole demo history lies before the seeding run.
    """
    from django.db.models import F

    from debt_collections.models import NegotiationLink
    from debt_collections.services.links import link_create, link_url

    now = timezone.now()
    point = None
    for state in (S.NEGOTIATING, S.ACTIVE, S.EARLY):
        point = (
            ContactPoint.objects.filter(
                kind=ContactPoint.Kind.PHONE,
                status=ContactPoint.Status.VERIFIED,
                customer__locale="zh-hans",
                customer__cease_communication=False,
                customer__cases__state=state,
                customer__cases__account__account_number__startswith="ACC-DEMO-",
            )
            .exclude(last_reassigned_at__gt=F("consent_at"))  # a recycled number: REASSIGNED would block it
            .order_by("customer__cases__account__account_number", "pk")
            .first()
        )
        if point is not None:
            break
    if point is None:
        return None
    case = (
        CollectionCase.objects.filter(customer_id=point.customer_id, state=state)
        .order_by("account__account_number")
        .first()
    )
    if case is None:
        return None
    reusable = NegotiationLink.objects.filter(
        case=case, created_by=ACTOR.label, revoked_at__isnull=True, locked_at__isnull=True, expires_at__gt=now
    ).first()
    if reusable is not None:
        return link_url(reusable)
    last = AuditEvent.objects.order_by("-seq").values_list("at", flat=True).first()
    at = (
        now
        if last is None or last >= now
        else max(last + timedelta(microseconds=1), now - timedelta(hours=1))
    )
    _link, url = link_create(case_id=case.pk, contact_point_id=point.pk, actor=ACTOR, now=at)
    return url


def ensure_reference_data(*, today: date) -> dict[str, Agency]:
    """Upsert the role groups, the three agencies and the demo logins; reset the demo passwords.

    Safe to repeat: keyed by group name, licence number and username, so counts never change. Agency
    dates are re-anchored to ``today`` so the licensed ones stay valid whenever the demo is re-run.
    """
    groups = {role.value: Group.objects.get_or_create(name=role.value)[0] for role in Role}
    agencies: dict[str, Agency] = {}
    for spec in AGENCIES:
        agencies[spec.licence_number], _created = Agency.objects.update_or_create(
            licence_number=spec.licence_number,
            defaults={
                "name": spec.name,
                "licensed_until": today + timedelta(days=spec.licence_days),
                "contract_start": today - timedelta(days=spec.contract_from_days),
                "contract_end": today + timedelta(days=spec.contract_days),
            },
        )
    for login in DEMO_LOGINS:
        user, _created = User.objects.update_or_create(
            username=login.username,
            defaults={
                "email": f"{login.username}@example.com",
                "is_staff": True,
                "is_active": True,
                "is_superuser": login.superuser,
                "agency": agencies[login.agency_licence] if login.agency_licence else None,
            },
        )
        # Reset every run so the printed passwords always work (demo databases only).
        user.set_password(login.password)
        user.save(update_fields=["password"])
        user.groups.set([groups[login.role]] if login.role else [])
    return agencies


def _write_people(plan: DemoPlan) -> tuple[dict[str, CreditAccount], dict[str, ContactPoint]]:
    """Bulk-insert customers, contact points and accounts (no service writes these yet)."""
    customers = Customer.objects.bulk_create(
        Customer(
            full_name=c.full_name,
            national_id_last4=c.national_id[-4:],
            national_id_hash=Customer.hash_national_id(c.national_id),
            date_of_birth=c.date_of_birth,
            locale=c.locale,
            time_zone=c.time_zone,
            jurisdiction=c.jurisdiction,
            vulnerable=c.vulnerable,
        )
        for c in plan.customers
    )
    points: dict[str, ContactPoint] = {}
    for i, (row, c) in enumerate(zip(customers, plan.customers, strict=True)):
        for n, cp in enumerate(c.contacts):
            points[f"cp:{i}:{n}"] = ContactPoint(
                customer=row,
                kind=cp.kind,
                phone=cp.value if cp.kind == "phone" else "",
                email=cp.value if cp.kind == "email" else "",
                status=cp.status,
                consent_at=cp.consent_at,
                verified_at=cp.verified_at,
                last_reassigned_at=cp.last_reassigned_at,
            )
    ContactPoint.objects.bulk_create(points.values())
    accounts = {
        a.number: CreditAccount(
            customer=row,
            account_number=a.number,
            product=a.product,
            currency=a.currency,
            credit_limit=a.credit_limit,
            principal=a.principal,
            interest=a.interest,
            fees=a.fees,
            penalty_interest=a.penalty_interest,
            interest_rate_apr=a.apr,
            penalty_rate_apr=a.penalty_apr,
            due_date=a.due_date,
            days_past_due=a.dpd,
            opened_at=a.opened_at,
            status=CreditAccount.Status.DELINQUENT if a.dpd else CreditAccount.Status.CURRENT,
        )
        for row, c in zip(customers, plan.customers, strict=True)
        for a in c.accounts
    }
    CreditAccount.objects.bulk_create(accounts.values())
    return accounts, points


class _Runner:
    """Runs the plan's steps through the services, in time order."""

    def __init__(
        self, accounts: dict[str, CreditAccount], points: dict[str, ContactPoint], agencies: dict[str, Agency]
    ) -> None:
        self.accounts, self.points, self.agencies = accounts, points, agencies
        names = [x.username for x in DEMO_LOGINS]
        self.users = {u.username: u for u in User.objects.filter(username__in=names)}
        self.case_ids: dict[str, int] = {}

    def run(self, step: Step) -> None:
        at, p = step.at, step.params
        if step.action == "report_wrong_party":
            services.contact_report_wrong_party(
                contact_point_id=self.points[step.subject].pk,
                actor=ACTOR,
                now=at,
                source="demo: the number's new owner said 'not me'",
            )
            return
        if step.action == "opt_out":
            services.contact_opt_out(
                contact_point_id=self.points[step.subject].pk, channel=p["channel"], actor=ACTOR, now=at
            )
            return
        if step.action in ("open", "charge_off"):
            # The daily cycle would have recomputed days past due by then; the services read it.
            CreditAccount.objects.filter(pk=self.accounts[step.subject].pk).update(days_past_due=step.day)
        if step.action == "open":
            case = services.case_open(account=self.accounts[step.subject], actor=ACTOR, now=at)
            self.case_ids[step.subject] = case.pk
            return
        case_id = self.case_ids[step.subject]
        common: dict[str, Any] = {"case_id": case_id, "actor": ACTOR, "now": at}
        match step.action:
            case "escalate":
                services.case_escalate(**common, reason="30 days past due")
            case "engage":
                services.case_engage(**common, reason="customer called back to discuss options")
            case "start_plan":
                services.case_start_plan(**common, reason="installment plan accepted")
            case "complete_plan":
                services.case_complete_plan(**common, reason="final installment paid")
            case "break_plan":
                services.case_break_plan(**common, reason="installment missed past the grace period")
            case "resolve":
                services.case_resolve(**common, reason="paid in full")
            case "release":
                services.case_release(**common, reason="hardship review finished")
            case "charge_off":
                services.case_charge_off(**common, reason=f"{step.day} days past due")
            case "hold":
                # A dispute or complaint and its hold commit together, as the dispute service will do.
                # No dispute service exists yet, so the Dispute row is written here directly.
                with transaction.atomic():
                    if p.get("dispute_kind"):
                        Dispute.objects.create(
                            case_id=case_id,
                            kind=p["dispute_kind"],
                            channel="phone",
                            description=DISPUTE_NOTES[p["dispute_kind"]],
                            opened_at=at,
                            sla_due_at=at + timedelta(days=p["sla_days"]),
                        )
                    services.case_hold(
                        **common,
                        hold_reason=p["hold_reason"],
                        until=p["until"],
                        reason=HOLD_NOTES[p["hold_reason"]],
                    )
            case "close":
                with transaction.atomic():
                    if p.get("dispute_outcome"):
                        Dispute.objects.filter(case_id=case_id, status=Dispute.Status.OPEN).update(
                            status=p["dispute_outcome"],
                            resolved_at=at,
                            outcome="Identity theft confirmed with the police report; the debt is not the "
                            "customer's.",
                        )
                    services.case_close(
                        **common,
                        close_reason=p["close_reason"],
                        reason=f"closed: {p['close_reason'].replace('_', ' ')}",
                    )
            case "place":
                services.case_place_with_agency(**common, agency=self.agencies[p["licence"]])
            case "assign":
                services.case_assign(**common, assignee=self.users[p["to"]])
            case _:
                raise ValueError(f"unknown demo step {step.action!r}")


def _write_plan(plan: DemoPlan, agencies: dict[str, Agency], progress: Progress) -> None:
    accounts, points = _write_people(plan)
    n_cases = sum(1 for c in plan.customers for a in c.accounts if a.state)
    progress(
        f"  {len(plan.customers)} customers, {len(points)} contact points, {len(accounts)} accounts; "
        f"walking {n_cases} cases through the services ({len(plan.steps)} steps)…"
    )
    runner = _Runner(accounts, points, agencies)
    for done, step in enumerate(plan.steps, start=1):
        runner.run(step)
        if done % 250 == 0:
            progress(f"  … {done}/{len(plan.steps)} steps")
    # Put each account where its story leaves it (the open/charge-off steps moved days past due).
    changed = []
    for a in (a for c in plan.customers for a in c.accounts if a.final):
        row = accounts[a.number]
        for name, value in a.final.items():
            setattr(row, name, value)
        changed.append(row)
    CreditAccount.objects.bulk_update(
        changed, ["days_past_due", "status", "due_date", "principal", "interest", "fees", "penalty_interest"]
    )
    # next_action_at is a plain scheduling field with no service: set directly, as the demo's
    # "follow up on" dates (in the future, so they show up in the agents' queues).
    for a in (a for c in plan.customers for a in c.accounts if a.next_action_at):
        CollectionCase.objects.filter(pk=runner.case_ids[a.number]).update(next_action_at=a.next_action_at)


def seed_demo(*, customers: int = DEFAULT_CUSTOMERS, progress: Progress | None = None) -> DemoSummary:
    """Create the demo data unless it exists; always upsert the logins. Returns the summary to print.

    Safe to repeat: the second run creates nothing and only resets the demo passwords.
    """
    say = progress or (lambda _msg: None)
    now = timezone.now()
    with transaction.atomic():
        agencies = ensure_reference_data(today=timezone.localdate(now))
        created = not CreditAccount.objects.filter(account_number=MARKER_ACCOUNT).exists()
        if created:
            say(f"Building the demo plan ({customers} customers, seed {SEED})…")
            plan = build_plan(customers=customers, now=now)
            say("Writing customers, accounts and case histories…")
            _write_plan(plan, agencies, say)
        else:
            say(
                f"Demo data already present ({MARKER_ACCOUNT} exists): nothing created; demo passwords reset."
            )
    return summarize(created=created)


def summarize(*, created: bool) -> DemoSummary:
    counts = {
        label: model.objects.count()
        for label, model in (
            ("agencies", Agency),
            ("users", User),
            ("customers", Customer),
            ("contact points", ContactPoint),
            ("credit accounts", CreditAccount),
            ("cases", CollectionCase),
            ("disputes", Dispute),
            ("audit events", AuditEvent),
        )
    }
    rows = CollectionCase.objects.order_by().values("state").annotate(n=Count("pk"))
    by_state = {row["state"]: row["n"] for row in rows}
    return DemoSummary(
        created=created,
        counts=counts,
        cases_by_state={s.value: by_state.get(s.value, 0) for s in CaseState},
        lapsed_agency=f"{LAPSED.name} ({LAPSED.licence_number})",
        site_url=settings.SITE_URL,
        customer_link=demo_customer_link(),
    )


def summary_lines(summary: DemoSummary) -> list[str]:
    lines = [
        "Demo data " + ("created." if summary.created else "already present; nothing created."),
        "",
        "Rows in the database:",
    ]
    lines += [f"  {label:<16}{n:>7}" for label, n in summary.counts.items()]
    lines += ["", "Cases per state:"]
    lines += [f"  {state:<16}{n:>7}" for state, n in summary.cases_by_state.items()]
    lines += [
        "",
        f"Lapsed-licence agency (placements are refused): {summary.lapsed_agency}",
        "",
        f"Demo logins (demo only):  {summary.site_url}/admin/",
    ]
    width = max(len(x.username) for x in summary.logins)
    pw_width = max(len(x.password) for x in summary.logins)
    lines += [f"  {x.username:<{width}} / {x.password:<{pw_width}}  {x.description}" for x in summary.logins]
    lines.append("  These passwords are public: never use seed_demo on a real deployment.")
    if summary.customer_link:
        lines += ["", f"Customer negotiation page (demo): {summary.customer_link}"]
    return lines
