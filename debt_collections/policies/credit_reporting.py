"""When a negative credit report may be made (DESIGN §9): pure rules over values, no ORM, no clock.

``credit.reporting`` and ``credit.feed`` read the facts (``credit.selectors.report_facts``) and the rows,
and ask these functions what each pre-notice record's status should be; the customer page and the admin
ask them why a case would or would not be reported now.

States are the model's stored values (``CollectionCase.state``, ``CreditReportNotice.Status``,
``Dispute.Kind``), written here as the strings they are, since policies import no models.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

from debt_collections.policies.credit_impact import credit_impact
from debt_collections.policies.packs import PolicyPack, get_pack

# [D] A letter is taken as delivered a week after it is sent (at least five business days, the US
# pack's assumed-receipt rule, 12 CFR 1006.34); SMS and email are delivered when sent.
LETTER_DELIVERY_DAYS: Final = 7
# An upheld dispute of these kinds means the negative record must not stand (or must not be made).
CORRECTING_KINDS: Final = ("credit_report", "not_my_debt", "identity_theft")
# A complaint is about conduct, not the data: deciding one does not mark the record as disputed.
CONDUCT_COMPLAINT: Final = "conduct_complaint"
# The status code of a correction record: the bureau removes the negative record it names.
CORRECTION_CODE: Final = "DELETE"

# ``CreditReportNotice.Status`` values.
PENDING: Final = "pending"
ELIGIBLE: Final = "eligible"
REPORTED: Final = "reported"
SUPPRESSED: Final = "suppressed"
CORRECTED: Final = "corrected"
OPEN_STATUSES: Final = (PENDING, ELIGIBLE, SUPPRESSED)
FINAL_STATUSES: Final = (REPORTED, CORRECTED)

# ``CollectionCase.state`` values the rules look at.
FINISHED_CASE_STATES: Final = ("resolved", "closed")
ON_PLAN: Final = "on_plan"
ON_HOLD: Final = "on_hold"


@dataclass(frozen=True)
class ReportFacts:
    """What the evaluation needs to know about many cases' disputes and plans (read in a fixed number of
    queries by ``credit.selectors.report_facts``)."""

    open_disputes: Mapping[int, list[str]]  # case id -> kinds of its open disputes
    upheld_correcting: set[int]  # cases with an upheld dispute of a ``CORRECTING_KINDS`` kind
    resolved_disputes: set[int]  # cases with a decided dispute about the data (the record says so)
    live_plans: set[int]  # cases with an accepted or active plan


class CaseLike(Protocol):
    """What the evaluation reads of a case: a model, or a row the daily cycle read as plain values."""

    @property
    def pk(self) -> Any: ...
    @property
    def state(self) -> Any: ...
    @property
    def hold_reason(self) -> str: ...


class AccountLike(Protocol):
    @property
    def days_past_due(self) -> int: ...


class NoticeLike(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def suppressed_reason(self) -> str: ...
    @property
    def eligible_at(self) -> datetime | None: ...


def suppression_reason(case: CaseLike, account: AccountLike, pack: PolicyPack, facts: ReportFacts) -> str:
    """Why no negative record may be made for ``case`` now, or "" when nothing forbids it.

    (The pre-notice and its waiting period are checked separately: they make a report wait, not stop.)
    """
    if case.state in FINISHED_CASE_STATES:
        return f"the case is {case.state}"
    if case.pk in facts.upheld_correcting:
        return "a dispute about this debt or its report was upheld"
    if case.pk in facts.open_disputes:
        return "a dispute is open (" + ", ".join(sorted(set(facts.open_disputes[case.pk]))) + ")"
    if case.pk in facts.live_plans or case.state == ON_PLAN:
        return "a repayment plan is being kept"
    if case.state == ON_HOLD:
        return f"the case is on hold ({case.hold_reason or 'hold'})"
    if not credit_impact(pack, account.days_past_due).negative:
        return f"{account.days_past_due} days past due is below the reporting threshold"
    return ""


def evaluate(
    notice: NoticeLike,
    case: CaseLike,
    account: AccountLike,
    jurisdiction: str,
    facts: ReportFacts,
    cutoff: datetime,
) -> tuple[str, str]:
    """(status, suppressed_reason) that ``notice`` should have at ``cutoff``; final statuses stay."""
    if notice.status in FINAL_STATUSES:
        return notice.status, notice.suppressed_reason
    reason = suppression_reason(case, account, get_pack(jurisdiction, cutoff.date()), facts)
    if reason:
        return SUPPRESSED, reason[:200]
    if notice.eligible_at is None or notice.eligible_at > cutoff:
        return PENDING, ""
    return ELIGIBLE, ""


def delivered_at(sent_at: datetime, channel: str) -> datetime:
    """[D] When a pre-notice sent at ``sent_at`` counts as delivered: at once, or a week later by letter."""
    return sent_at + timedelta(days=LETTER_DELIVERY_DAYS) if channel == "letter" else sent_at


__all__ = [
    "CORRECTING_KINDS",
    "CORRECTION_CODE",
    "LETTER_DELIVERY_DAYS",
    "OPEN_STATUSES",
    "AccountLike",
    "CaseLike",
    "NoticeLike",
    "ReportFacts",
    "delivered_at",
    "evaluate",
    "suppression_reason",
]
