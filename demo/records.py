"""The demo's records: plain dataclasses the planner fills and the writer reads. Pure, no Django queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from debt_collections.policies import PolicyPack
from demo.stories import Story


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
    reported_at: datetime | None = None  # reported as reaching the wrong person (quarantined from then)
    opted_out_at: datetime | None = None  # opted out of email


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


@dataclass
class CaseDraft:
    """One case while its story is being written (``history`` adds to it before it is timed)."""

    order: int  # the account's place in the plan; its story number
    owner: int  # the customer's index
    person: CustomerPlan
    account: AccountPlan
    state: str  # target state today
    reason: str  # hold or close reason, if any
    story: Story
    pack: PolicyPack

    @property
    def dpd(self) -> int:
        return self.story.dpd

    @property
    def tz(self) -> str:
        return self.person.time_zone
