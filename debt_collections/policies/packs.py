"""Policy packs: the numbers the compliance gate and the services enforce, as versioned data.

Every number carries its tag from ``../shared/policy-packs.md`` (relative to the repository root):

* **[V]** verified in the text of the rule,
* **[S]** from a secondary source,
* **[D]** a design default where the law sets no number (chosen conservatively).

Packs are immutable. A change of any number is a *new version* with its own ``effective_from`` appended
to ``_VERSIONS`` (never an edit of a shipped version), so a stored decision's ``policy_version`` always
names the exact numbers that produced it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from types import MappingProxyType
from typing import Final

__all__ = [
    "ALL_DAYS",
    "CHANNELS",
    "DEFAULT_PACK",
    "DISPUTE_TYPES",
    "MON_TO_SAT",
    "PACK_CHOICES",
    "PACK_CODES",
    "PAYMENT_COMPONENTS",
    "PolicyPack",
    "UK_BANK_HOLIDAYS",
    "UnknownPolicyPack",
    "get_pack",
    "pack_versions",
]

CHANNELS: Final = ("call", "sms", "email", "letter")
DISPUTE_TYPES: Final = (
    "not_my_debt",
    "identity_theft",
    "amount_wrong",
    "already_paid",
    "conduct_complaint",
    "credit_report",
)
PAYMENT_COMPONENTS: Final = ("principal", "interest", "fees", "penalty_interest")

ALL_DAYS: Final = frozenset(range(7))  # date.weekday(): Monday 0 … Sunday 6
MON_TO_SAT: Final = frozenset(range(6))

# England and Wales bank holidays [S, gov.uk/bank-holidays], including substitute days. A pack version
# only knows the years it lists: the next pack version must extend this set before 2029.
UK_BANK_HOLIDAYS: Final = frozenset(
    {
        date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4),
        date(2026, 5, 25), date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28),
        date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 3),
        date(2027, 5, 31), date(2027, 8, 30), date(2027, 12, 27), date(2027, 12, 28),
        date(2028, 1, 3), date(2028, 4, 14), date(2028, 4, 17), date(2028, 5, 1),
        date(2028, 5, 29), date(2028, 8, 28), date(2028, 12, 25), date(2028, 12, 26),
    }
)  # fmt: skip


class UnknownPolicyPack(KeyError):
    """No pack with this code, or no version of it in effect on the requested date."""


def _frozen_map(values: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True)
class PolicyPack:
    """One jurisdiction's numbers at one version. Pure data: the gate and services read it, never write it.

    ``None`` for a cap means "this jurisdiction has no such cap" (not zero). Day counts are calendar days
    in the customer's time zone unless a field says otherwise.
    """

    code: str
    version: str
    effective_from: date
    # Contact window in the customer's local wall-clock time, half open: [start, end).
    contact_window_start: time
    contact_window_end: time
    contact_days: frozenset[int]
    bank_holidays: frozenset[date]
    # Per person, per channel, any rolling 7×24h window (FREQ_7D).
    calls_per_7d: int
    sms_per_7d: int
    email_per_7d: int
    letters_per_7d: int
    # Per local calendar day (DAILY); calls only.
    connected_calls_per_day: int | None
    placed_calls_per_day: int | None
    dial_attempts_per_number_per_day: int | None
    conversation_quiet_days: int
    # VULNERABLE: each cap above becomes max(1, floor(cap × factor)).
    vulnerable_cap_factor: Decimal
    dispute_window_days: int
    dispute_sla_days: Mapping[str, int] = field(hash=False)  # by dispute type; a mapping is unhashable
    credit_report_prenotice_days: int
    credit_limit_notice_days: int
    max_plan_months: int
    cooling_off_days: int
    breathing_space_days: int | None
    retention_years: int
    call_recording_retention_years: int
    # A phone whose consent is at least this many days old needs a verification at or after the consent;
    # None switches the staleness check off (the reassignment feed still applies).
    reassigned_check_days: int | None
    charge_off_dpd: int
    reminder_ladder: tuple[tuple[int, str], ...]  # (days past due, template key), ascending
    plan_grace_days: int
    min_installment: Decimal
    deferral_max_days: int
    deferrals_per_12_months: int
    agent_waiver_limit: Decimal
    payment_allocation_order: tuple[str, ...]
    link_expiry_days: int
    link_max_failed_checks: int
    timezone_default: str
    currency: str

    def __post_init__(self) -> None:
        if not self.contact_window_start < self.contact_window_end:
            raise ValueError(f"{self.version}: contact window start must be before its end")
        if not self.contact_days <= ALL_DAYS:
            raise ValueError(f"{self.version}: contact_days must be weekday numbers 0..6")
        if set(self.dispute_sla_days) != set(DISPUTE_TYPES):
            raise ValueError(f"{self.version}: dispute_sla_days must name every dispute type")
        if sorted(self.payment_allocation_order) != sorted(PAYMENT_COMPONENTS):
            raise ValueError(f"{self.version}: payment_allocation_order must order every component once")
        if not Decimal(0) < self.vulnerable_cap_factor <= Decimal(1):
            raise ValueError(f"{self.version}: vulnerable_cap_factor must be in (0, 1]")
        # Keep the mapping immutable even when a caller built the pack with a plain dict.
        object.__setattr__(self, "dispute_sla_days", _frozen_map(self.dispute_sla_days))

    def per_7d_cap(self, channel: str) -> int:
        """The FREQ_7D cap for ``channel``; ValueError for an unknown channel."""
        caps = {
            "call": self.calls_per_7d,
            "sms": self.sms_per_7d,
            "email": self.email_per_7d,
            "letter": self.letters_per_7d,
        }
        try:
            return caps[channel]
        except KeyError:
            raise ValueError(f"unknown channel {channel!r}; expected one of {CHANNELS}") from None

    def vulnerable_cap(self, cap: int) -> int:
        """The lower cap that applies to a vulnerable customer: ``max(1, floor(cap × factor))``.

        [D] Half the ordinary cap, never below one: a vulnerable customer still gets reminders and
        can still be reached, just less often (CONC 7.2 / FCA FG21/1 ask for more care, not silence).
        """
        return max(1, int(Decimal(cap) * self.vulnerable_cap_factor))

    def dispute_sla(self, dispute_type: str) -> int:
        """Days within which a dispute of this type must be answered; ValueError for an unknown type."""
        try:
            return self.dispute_sla_days[dispute_type]
        except KeyError:
            raise ValueError(f"unknown dispute type {dispute_type!r}") from None


_REMINDER_LADDER: Final = (
    (1, "reminder.soft"),  # [D] the day after the due date: a friendly reminder
    (15, "reminder.firm"),  # [D]
    (30, "debt.information"),  # [D] the full breakdown / validation information (1006.34 content for US)
    (60, "credit_report.pre_notice"),  # [D] ≥ 14 days before any negative report, well before charge-off
)

CN_2026_1: Final = PolicyPack(
    code="CN",
    version="CN-2026.1",
    effective_from=date(2026, 1, 1),
    # [D] 08:00; legal floor: nothing 22:00–08:00 unless agreed [S, NIFA 2024; GB/T 45251-2025]
    contact_window_start=time(8, 0),
    contact_window_end=time(21, 0),  # [D] 21:00, an hour inside that floor
    contact_days=ALL_DAYS,  # [D] no weekday ban in the sources
    bank_holidays=frozenset(),  # [D] none imposed
    calls_per_7d=7,  # [D] mirrors Reg F's 7-in-7
    sms_per_7d=3,  # [D]
    email_per_7d=3,  # [D]
    letters_per_7d=2,  # [D]
    connected_calls_per_day=3,  # [S] NIFA 2024: 3 connected calls per debtor per day, all collectors combined
    placed_calls_per_day=None,  # not set by the CN sources; the per-number dial cap below applies instead
    dial_attempts_per_number_per_day=6,  # [S] China Banking Association 2026
    conversation_quiet_days=7,  # [D] conversation day = day 1
    vulnerable_cap_factor=Decimal("0.5"),  # [D] half the caps, minimum 1
    dispute_window_days=30,  # [D] pause collection while investigating [D]
    dispute_sla_days={
        "credit_report": 20,  # [V] 征信业管理条例 Art. 25: objections answered within 20 days
        "not_my_debt": 15,  # [D]
        "identity_theft": 15,  # [D]
        "amount_wrong": 15,  # [D]
        "already_paid": 15,  # [D]
        "conduct_complaint": 15,  # [D]
    },
    credit_report_prenotice_days=14,  # [V] pre-notice required, 征信业管理条例 Art. 15; 14 days [D]
    # [D] PIPL Art. 24 only says "at or before the action"; 7 days ahead lets the customer appeal first.
    credit_limit_notice_days=7,
    max_plan_months=60,  # [S] 商业银行信用卡业务监督管理办法 Art. 70: at most 5 years
    cooling_off_days=14,  # [D]
    breathing_space_days=None,  # [D] an agreed deferral freezes contact and penalty interest instead
    retention_years=5,  # [S] NIFA 2018
    call_recording_retention_years=2,  # [S] at least 2 years (inside the 5-year record retention)
    reassigned_check_days=90,  # [D] re-verify numbers whose consent is older than 90 days
    charge_off_dpd=180,  # [D]
    reminder_ladder=_REMINDER_LADDER,  # [D]
    plan_grace_days=5,  # [D] a plan breaks only when an installment is 5 days late
    min_installment=Decimal("50.00"),  # [D] CNY
    deferral_max_days=90,  # [D]
    deferrals_per_12_months=1,  # [D]
    agent_waiver_limit=Decimal("500.00"),  # [D] CNY; above it a supervisor approves (maker-checker)
    # [D] lender practice in CN contracts; the seed asks us to follow "the policy's order" and shows this one.
    payment_allocation_order=("penalty_interest", "fees", "interest", "principal"),
    link_expiry_days=14,  # [D]
    link_max_failed_checks=5,  # [D] DESIGN §7
    timezone_default="Asia/Shanghai",
    currency="CNY",
)

US_2026_1: Final = PolicyPack(
    code="US",
    version="US-2026.1",
    effective_from=date(2026, 1, 1),
    contact_window_start=time(8, 0),  # [V] 12 CFR 1006.6(b)(1)(i): before 8 a.m. is inconvenient
    contact_window_end=time(21, 0),  # [V] 12 CFR 1006.6(b)(1)(i): after 9 p.m. is inconvenient
    contact_days=ALL_DAYS,  # [V] no weekday ban in Reg F
    bank_holidays=frozenset(),
    calls_per_7d=7,  # [V] 1006.14(b)(2)(i)(A): more than 7 calls in 7 consecutive days; the 8th is blocked
    sms_per_7d=3,  # [D]
    email_per_7d=3,  # [D]
    letters_per_7d=2,  # [D]
    connected_calls_per_day=None,
    placed_calls_per_day=3,  # [D]
    dial_attempts_per_number_per_day=None,
    conversation_quiet_days=7,  # [V] 1006.14(b)(2)(i)(B): conversation date is the first of the 7 days
    vulnerable_cap_factor=Decimal("0.5"),  # [D]
    dispute_window_days=30,  # [V] 1006.34: 30 days after assumed receipt (send + 5 business days)
    dispute_sla_days={t: 30 for t in DISPUTE_TYPES},  # [D]; collection stops until verification [V, 1006.38]
    credit_report_prenotice_days=14,  # [V] 1006.30(a): speak to the customer, or send and wait 14 days
    credit_limit_notice_days=45,  # [S] Reg Z 1026.9(c)(2)(vi): 45 days around a limit decrease
    max_plan_months=60,  # [D]
    cooling_off_days=14,  # [D]
    breathing_space_days=None,  # no US equivalent
    retention_years=3,  # [V] 1006.100: 3 years after the last collection activity
    call_recording_retention_years=3,  # [V] recordings are records under 1006.100
    # [V/S] FCC reassigned numbers database, 47 CFR 64.1200(l): check before the first contact after consent.
    # 0 means "any consent needs a verification at or after it"; later disconnections arrive as
    # last_reassigned_at from the RND feed.
    reassigned_check_days=0,
    charge_off_dpd=180,  # [D]
    reminder_ladder=_REMINDER_LADDER,  # [D]
    plan_grace_days=5,  # [D]
    min_installment=Decimal("25.00"),  # [D] USD
    deferral_max_days=90,  # [D]
    deferrals_per_12_months=1,  # [D]
    agent_waiver_limit=Decimal("100.00"),  # [D] USD
    # [D] customer-favourable: pay what accrues interest first, charges last.
    payment_allocation_order=("interest", "principal", "fees", "penalty_interest"),
    link_expiry_days=14,  # [D]
    link_max_failed_checks=5,  # [D]
    timezone_default="America/New_York",
    currency="USD",
)

UK_2026_1: Final = PolicyPack(
    code="UK",
    version="UK-2026.1",
    effective_from=date(2026, 1, 1),
    contact_window_start=time(8, 0),  # [D]; CONC 7.9: "not at unreasonable times" [V]
    contact_window_end=time(20, 0),  # [D]
    contact_days=MON_TO_SAT,  # [D] none on Sundays
    bank_holidays=UK_BANK_HOLIDAYS,  # [D] none on bank holidays (England and Wales list [S])
    calls_per_7d=7,  # [D]
    sms_per_7d=3,  # [D]
    email_per_7d=3,  # [D]
    letters_per_7d=2,  # [D]
    connected_calls_per_day=None,
    placed_calls_per_day=3,  # [D]
    dial_attempts_per_number_per_day=None,
    conversation_quiet_days=7,  # [D]
    vulnerable_cap_factor=Decimal("0.5"),  # [D]
    dispute_window_days=30,  # [D]; pause while investigating [D]
    dispute_sla_days={t: 56 for t in DISPUTE_TYPES},  # [D] 8 weeks (the FOS complaint-handling horizon)
    credit_report_prenotice_days=14,  # [V] CCA ss.87–88: default notice gives at least 14 days
    # [D] CCA s.98A allows "before or immediately after"; we choose 7 days before, the conservative side.
    credit_limit_notice_days=7,
    max_plan_months=60,  # [D]
    cooling_off_days=14,  # [D]
    breathing_space_days=60,  # [S] SI 2020/1311: 60 days, interest, fees and contact frozen
    retention_years=6,  # [D]
    call_recording_retention_years=6,  # [D] same as records
    reassigned_check_days=90,  # [D] as CN
    charge_off_dpd=180,  # [D]
    reminder_ladder=_REMINDER_LADDER,  # [D]
    plan_grace_days=5,  # [D]
    # [D] GBP 1.00, not 10: CONC 7.3 expects token payments to be possible as forbearance.
    min_installment=Decimal("1.00"),
    deferral_max_days=90,  # [D] a "payment holiday" [S, CONC 7.3]
    deferrals_per_12_months=1,  # [D]
    agent_waiver_limit=Decimal("50.00"),  # [D] GBP
    # [D] customer-favourable, as US: arrears charges never displace repayment of the debt itself.
    payment_allocation_order=("interest", "principal", "fees", "penalty_interest"),
    link_expiry_days=14,  # [D]
    link_max_failed_checks=5,  # [D]
    timezone_default="Europe/London",
    currency="GBP",
)

# code -> versions in ascending effective_from. Append new versions; never edit a shipped one.
_VERSIONS: Final[Mapping[str, tuple[PolicyPack, ...]]] = MappingProxyType(
    {
        "CN": (CN_2026_1,),
        "US": (US_2026_1,),
        "UK": (UK_2026_1,),
    }
)

PACK_CODES: Final = tuple(_VERSIONS)
PACK_CHOICES: Final = (("CN", "China"), ("US", "United States (Reg F)"), ("UK", "United Kingdom (FCA CONC)"))
DEFAULT_PACK: Final = "CN"


def pack_versions(code: str) -> tuple[PolicyPack, ...]:
    """Every version of pack ``code``, oldest first. Raises ``UnknownPolicyPack`` for an unknown code."""
    try:
        return _VERSIONS[code]
    except KeyError:
        raise UnknownPolicyPack(f"unknown policy pack {code!r}; known: {', '.join(PACK_CODES)}") from None


def get_pack(code: str, on: date | None = None) -> PolicyPack:
    """The version of pack ``code`` in effect on ``on``.

    Without ``on`` the newest version is returned: pass ``on`` (the customer's local date of ``now``)
    wherever a future-dated version may already be registered. Raises ``UnknownPolicyPack`` for an
    unknown code, and for a date before the first version (no rules were ever recorded for it; better
    to fail loudly than to judge a past decision with numbers that did not exist).
    """
    versions = pack_versions(code)
    if on is None:
        return versions[-1]
    in_effect = [pack for pack in versions if pack.effective_from <= on]
    if not in_effect:
        first = versions[0]
        raise UnknownPolicyPack(
            f"no {code} policy pack in effect on {on.isoformat()}; "
            f"the first is {first.version} from {first.effective_from.isoformat()}"
        )
    return in_effect[-1]
