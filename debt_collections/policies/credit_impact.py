"""Credit-impact grades: what the credit bureau is told (or not yet told) at each stage of a delinquency,
how the record reads, how long it stays on file, and what the customer can do now, in ``zh-hans`` and
``en``.

Pure data and functions (no ORM, no clock), like the rest of ``policies``; the texts are gettext
messages (English source, ``locale/zh_Hans`` for Chinese), the project's one translation mechanism:

    grade = credit_impact(get_pack("CN", today), account.days_past_due)
    what, reads_as, stays, what_you_can_do = grade_text(grade, customer.locale)

Each pack's bands are data (``BANDS``): every band names only where it starts, and ends where the next
one starts, so the bands cover 0..∞ with no gap and no overlap by construction (``_check_bands`` also
checks it at import). A band's ``status_code`` is what the bureau feed says for an account in it; ""
means nothing negative is reported in that band. Negative reporting starts at the reminder ladder's
``credit_report.pre_notice`` rung (the same number: ``tests/policies/test_credit_impact.py`` holds the
two together) and only after the pre-notice period (the services enforce that, not this module).

How long a negative record stays on file is the *bureau's* retention, not the lender's record retention
(``PolicyPack.retention_years``, which is about our own files):

* CN: 5 years from the day the adverse event ends (the overdue amount is repaid) [V, 征信业管理条例 Art. 16];
* US: 7 years, counted from 180 days after the delinquency began [S, FCRA §605(a)(4), (c)];
* UK: 6 years from the date the default or late payment is recorded, even once repaid [S, CRA practice].

Texts follow the template library's rules: plain, respectful, no threat and no consequence the lender
does not intend; every text is one or more full sentences ending in "。" or ".", so templates can place
them side by side (``credit_report_text`` = ``what`` + ``reads_as``, ``retention_text`` = ``stays``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import Final, NamedTuple

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from debt_collections.policies.packs import PolicyPack

__all__ = [
    "AMOUNT_BANDS",
    "BANDS",
    "BUREAU_RETENTION_YEARS",
    "CREDIT_IMPACT_LOCALES",
    "GRADE_CODES",
    "PRE_NOTICE_KEY",
    "Band",
    "Grade",
    "GradeText",
    "amount_band",
    "credit_impact",
    "grade_text",
    "grades_for",
    "reporting_threshold",
]

PRE_NOTICE_KEY: Final = "credit_report.pre_notice"
CREDIT_IMPACT_LOCALES: Final = ("zh-hans", "en")
GRADE_CODES: Final = ("current", "late", "pre_notice", "serious", "charged_off")


@dataclass(frozen=True)
class Band:
    """One row of a pack's table: where the band starts (days past due, inclusive) and its feed code."""

    code: str
    dpd_from: int
    status_code: str  # "" = nothing negative is reported in this band


# [D] The bands and the feed's status codes are the project's own (docs/bureau-feed.md); a bureau adapter
# maps them to the bureau's format (PBOC 二代征信, Metro 2, SCOR). Starts: 60 = the ladder's pre-notice rung,
# 90 = "serious" as bureaus commonly grade it, 180 = every pack's charge_off_dpd.
BANDS: Final[Mapping[str, tuple[Band, ...]]] = MappingProxyType(
    {
        "CN": (
            Band("current", 0, ""),
            Band("late", 1, ""),
            Band("pre_notice", 60, "DPD60"),
            Band("serious", 90, "DPD90"),
            Band("charged_off", 180, "CHARGED_OFF"),
        ),
        "US": (
            Band("current", 0, ""),
            Band("late", 1, ""),
            Band("pre_notice", 60, "DPD60"),
            Band("serious", 90, "DPD90"),
            Band("charged_off", 180, "CHARGED_OFF"),
        ),
        "UK": (
            Band("current", 0, ""),
            Band("late", 1, ""),
            Band("pre_notice", 60, "DPD60"),
            Band("serious", 90, "DPD90"),
            # A UK credit file records a "default" rather than a charge-off.
            Band("charged_off", 180, "DEFAULT"),
        ),
    }
)

BUREAU_RETENTION_YEARS: Final[Mapping[str, int]] = MappingProxyType(
    {
        "CN": 5,  # [V] 征信业管理条例 Art. 16: 5 years from the day the adverse event ends
        "US": 7,  # [S] FCRA §605(a)(4), (c): 7 years, from 180 days after the delinquency began
        "UK": 6,  # [S] 6 years from the date of default / late payment (credit reference agency practice)
    }
)

# [D] Upper edges of the amount bands (exclusive), in the account's currency; the last band is open.
AMOUNT_BANDS: Final = (Decimal(1000), Decimal(5000), Decimal(20000), Decimal(100000))


def _check_bands(bands: Mapping[str, tuple[Band, ...]]) -> None:
    for code, rows in bands.items():
        starts = [b.dpd_from for b in rows]
        if not rows or starts[0] != 0:
            raise ValueError(f"{code}: the first credit-impact band must start at 0 days past due")
        if starts != sorted(set(starts)):
            raise ValueError(f"{code}: credit-impact bands must start at strictly increasing days past due")
        if [b.code for b in rows] != list(GRADE_CODES):
            raise ValueError(f"{code}: credit-impact bands must be {GRADE_CODES}, in order")
        if code not in BUREAU_RETENTION_YEARS:
            raise ValueError(f"{code}: no bureau retention period")


_check_bands(BANDS)


@dataclass(frozen=True)
class Grade:
    """The credit impact of being ``dpd_from``..``dpd_to`` days past due under one pack.

    ``dpd_to`` is inclusive; ``None`` means no upper bound. ``negative`` says whether a negative record
    can be reported in this band (after a delivered pre-notice and its waiting period).
    """

    pack: str
    code: str
    dpd_from: int
    dpd_to: int | None
    status_code: str
    retention_years: int
    prenotice_days: int
    report_from_dpd: int

    @property
    def negative(self) -> bool:
        return bool(self.status_code)

    def contains(self, days_past_due: int) -> bool:
        return self.dpd_from <= days_past_due and (self.dpd_to is None or days_past_due <= self.dpd_to)


class GradeText(NamedTuple):
    what: str  # what is, or is not yet, reported
    reads_as: str  # how the record reads at the bureau
    stays: str  # how long it stays on file
    what_you_can_do: str


def _base_code(pack: PolicyPack) -> str:
    # An overlay (policies.strictest) is coded "CN+UK": the bureau is the base jurisdiction's.
    return pack.code.split("+", 1)[0]


def reporting_threshold(pack: PolicyPack) -> int:
    """Days past due of the reminder ladder's ``credit_report.pre_notice`` rung (CN: 60).

    Raises ``ValueError`` if the pack's ladder has no such rung (no pre-notice, so no reporting).
    """
    for dpd, key in pack.reminder_ladder:
        if key == PRE_NOTICE_KEY:
            return dpd
    raise ValueError(f"{pack.version}: the reminder ladder has no {PRE_NOTICE_KEY} rung")


@lru_cache(maxsize=64)
def grades_for(pack: PolicyPack) -> tuple[Grade, ...]:
    """Every grade of ``pack``, in ascending days past due. Raises ``KeyError`` for a pack without bands.

    Cached per pack (packs are frozen and the bands constants): the cycle asks for the grades of each of
    ~20,000 notices and records a day, and building them each time was half a second of its CPU."""
    code = _base_code(pack)
    rows = BANDS[code]
    report_from = next(b.dpd_from for b in rows if b.status_code)
    grades = []
    for index, band in enumerate(rows):
        upper = rows[index + 1].dpd_from - 1 if index + 1 < len(rows) else None
        grades.append(
            Grade(
                pack=code,
                code=band.code,
                dpd_from=band.dpd_from,
                dpd_to=upper,
                status_code=band.status_code,
                retention_years=BUREAU_RETENTION_YEARS[code],
                prenotice_days=pack.credit_report_prenotice_days,
                report_from_dpd=report_from,
            )
        )
    return tuple(grades)


def credit_impact(pack: PolicyPack, days_past_due: int) -> Grade:
    """The grade an account ``days_past_due`` days past due is in under ``pack``.

    Raises ``ValueError`` for a negative number of days and ``KeyError`` for a pack without bands.
    """
    if days_past_due < 0:
        raise ValueError(f"days past due cannot be negative, got {days_past_due}")
    for grade in grades_for(pack):
        if grade.contains(days_past_due):
            return grade
    raise AssertionError("unreachable: the bands cover 0..∞")  # pragma: no cover


def amount_band(amount: Decimal) -> str:
    """The feed's coarse amount band for ``amount``: ``"0-1000"`` … ``"100000+"`` (lower bound inclusive)."""
    if amount < 0:
        raise ValueError("an amount band needs a non-negative amount")
    lower = Decimal(0)
    for upper in AMOUNT_BANDS:
        if amount < upper:
            return f"{lower:.0f}-{upper:.0f}"
        lower = upper
    return f"{lower:.0f}+"


# --- texts ---------------------------------------------------------------------------------------
# Placeholders: {days} pre-notice days, {report_from} first reportable days past due, {band_from} the
# grade's first day, {years} the bureau's retention.

_WHAT: Final[Mapping[str, Promise]] = {
    "current": _("Your account is up to date: we report nothing negative about it to the credit bureau."),
    "late": _(
        "Nothing negative has been reported to the credit bureau about this account. We will not "
        "report anything without first writing to you at least {days} days beforehand, and not before "
        "the account is {report_from} days past due."
    ),
    "pre_notice": _(
        "If the amount stays unpaid, we will report to the credit bureau that this account is "
        "overdue, no earlier than {days} days after our written advance notice reached you."
    ),
    "serious": _(
        "Once {days} days have passed since our written advance notice reached you, this account "
        "can be reported to the credit bureau as seriously overdue."
    ),
    "charged_off": _(
        "Once {days} days have passed since our written advance notice reached you, this account "
        "can be reported to the credit bureau as an unpaid debt we have written off."
    ),
}

_READS_AS_SHARED: Final[Mapping[str, Promise]] = {
    "current": _("Your credit record shows this account as paid on time."),
    "late": _("Until then, your credit record shows no late payment from us."),
    "pre_notice": _("The record will read: overdue {band_from} days or more, with the amount overdue."),
    "serious": _("The record will read: overdue {band_from} days or more, with the amount overdue."),
}

_READS_AS_CHARGED_OFF: Final[Mapping[str, Promise]] = {
    "CN": _("The record will read: bad debt (written off), with the unpaid amount."),
    "US": _("The record will read: charged off, with the unpaid amount."),
    "UK": _("The record will read: defaulted, with the unpaid amount."),
}

# By pack, then whether the grade reports anything ("reported") or not yet ("if_reported").
_STAYS: Final[Mapping[str, Mapping[str, Promise]]] = {
    "CN": {
        "reported": _(
            "It stays on your credit record for {years} years from the day the overdue amount is repaid."
        ),
        "if_reported": _(
            "If we ever report a late payment, it stays on your credit record for {years} years from "
            "the day the overdue amount is repaid."
        ),
    },
    "US": {
        "reported": _(
            "It can stay on your credit report for up to {years} years, counted from 180 days after "
            "the payment you first missed, even after you pay."
        ),
        "if_reported": _(
            "If we ever report a late payment, it can stay on your credit report for up to {years} "
            "years, counted from 180 days after the payment you first missed."
        ),
    },
    "UK": {
        "reported": _(
            "It stays on your credit file for {years} years from the date it is recorded, even once "
            "it is repaid."
        ),
        "if_reported": _(
            "If we ever report a late payment, it stays on your credit file for {years} years from "
            "the date it is recorded."
        ),
    },
}

_CAN_DO: Final[Mapping[str, Promise]] = {
    "current": _("Nothing is needed: keep paying on time."),
    "late": _(
        "Pay the amount due, or agree a repayment plan, and nothing will be reported. If you think "
        "the amount is wrong, tell us: we do not report while a dispute is open."
    ),
    "pre_notice": _(
        "Pay the amount due or agree a repayment plan before that date, and nothing will be "
        "reported. If you think the information is wrong, dispute it: we do not report while a dispute "
        "is open."
    ),
    "serious": _(
        "Once you pay the amount due, or while you keep to a repayment plan, we report nothing new. "
        "If you think the information is wrong, dispute it: we do not report while a dispute is open, and we "
        "correct anything found to be wrong."
    ),
    "charged_off": _(
        "You can still pay in full or agree a repayment plan; while you keep to a plan we report "
        "nothing new. If you think the information is wrong, dispute it: we do not report while a dispute "
        "is open, and we correct anything found to be wrong."
    ),
}


def _locale(locale: str) -> str:
    # Customers are zh-hans or en (accounts.Locale); anything else reads English rather than a raw code.
    return locale if locale in CREDIT_IMPACT_LOCALES else "en"


# Cached per (grade, locale): every notice with debt content asks for it at queue and at send time (a
# twentieth of a worker's CPU per notice), and neither the grades nor the catalogues change while it runs.
@lru_cache(maxsize=256)
def grade_text(grade: Grade, locale: str) -> GradeText:
    """The grade's four sentences in ``locale`` (``zh-hans`` or ``en``; any other locale gets English):
    what is (or is not yet) reported, how the record reads, how long it stays, what the customer can do.
    """
    values = {
        "days": grade.prenotice_days,
        "report_from": grade.report_from_dpd,
        "band_from": grade.dpd_from,
        "years": grade.retention_years,
    }
    if grade.code == "charged_off":
        reads_as = _READS_AS_CHARGED_OFF[grade.pack]
    else:
        reads_as = _READS_AS_SHARED[grade.code]
    stays = _STAYS[grade.pack]["reported" if grade.negative else "if_reported"]
    # One translation mechanism for every customer-facing sentence: gettext (locale/), in the
    # customer's language whatever the request's language is.
    with translation.override(_locale(locale)):
        return GradeText(
            what=str(_WHAT[grade.code]).format(**values),
            reads_as=str(reads_as).format(**values),
            stays=str(stays).format(**values),
            what_you_can_do=str(_CAN_DO[grade.code]).format(**values),
        )
