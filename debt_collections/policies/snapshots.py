"""Immutable value snapshots the gate decides on. Callers build them from models; the gate never sees ORM.

Every datetime must be timezone-aware (ValueError otherwise): the gate compares instants across zones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from debt_collections.policies.packs import CHANNELS

__all__ = [
    "CONTACT_POINT_KINDS",
    "CONTACT_POINT_STATUSES",
    "CHANNEL_KINDS",
    "OPT_OUT_CONFIRMATION_KEY",
    "TEMPLATE_STATUSES",
    "ActorSnapshot",
    "CaseSnapshot",
    "ContactHistory",
    "ContactPointSnapshot",
    "PastContact",
    "TemplateSnapshot",
    "require_aware",
]

CONTACT_POINT_KINDS = ("phone", "email", "postal")
CONTACT_POINT_STATUSES = ("unverified", "verified", "wrong_party", "opted_out", "invalid")
TEMPLATE_STATUSES = ("draft", "approved", "retired")
# Which contact point kind each channel needs.
CHANNEL_KINDS = {"call": "phone", "sms": "phone", "email": "email", "letter": "postal"}
# The one service template that may go to a channel the person opted out of, once (see gate.OPT_OUT).
OPT_OUT_CONFIRMATION_KEY = "opt_out.confirmation"


def require_aware(value: datetime | None, name: str) -> None:
    """Raise ValueError if ``value`` is a naive datetime (None is accepted)."""
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")


def _check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; expected one of {CHANNELS}")


@dataclass(frozen=True)
class CaseSnapshot:
    """The case as the gate needs it.

    ``customer_tz`` is an IANA name; empty means "use the pack's ``timezone_default``".
    ``agreed_contact_window`` is a (start, end) local time range the customer asked for; when set it
    replaces the pack's hours (a customer may consent to 21:30, Reg F 1006.6(b)(1)), never the days.
    """

    case_id: int | str
    state: str
    customer_id: int | str
    customer_tz: str
    vulnerable: bool = False
    cease_communication: bool = False
    agreed_contact_window: tuple[time, time] | None = None
    jurisdiction: str = ""

    def __post_init__(self) -> None:
        window = self.agreed_contact_window
        # Overnight windows (22:00–02:00) are refused rather than guessed at: ask for two windows instead.
        if window is not None and not window[0] < window[1]:
            raise ValueError(f"agreed_contact_window must have start < end, got {window!r}")

    @property
    def on_hold(self) -> bool:
        return self.state == "on_hold"


@dataclass(frozen=True)
class ContactPointSnapshot:
    """One phone number, email address or postal address, with what we know about who owns it.

    ``quarantined`` is true when the *value* is on the wrong-party list for any customer: a number one
    person reported as "not me" is dead for every case until a second person unblocks it.
    """

    id: int | str
    kind: str
    value: str
    status: str
    owner_customer_id: int | str | None
    consent_at: datetime | None = None
    verified_at: datetime | None = None
    last_reassigned_at: datetime | None = None
    quarantined: bool = False
    opted_out_channels: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.kind not in CONTACT_POINT_KINDS:
            raise ValueError(f"unknown contact point kind {self.kind!r}")
        if self.status not in CONTACT_POINT_STATUSES:
            raise ValueError(f"unknown contact point status {self.status!r}")
        require_aware(self.consent_at, "consent_at")
        require_aware(self.verified_at, "verified_at")
        require_aware(self.last_reassigned_at, "last_reassigned_at")
        object.__setattr__(self, "opted_out_channels", frozenset(self.opted_out_channels))
        for channel in self.opted_out_channels:
            _check_channel(channel)


@dataclass(frozen=True)
class TemplateSnapshot:
    """The template version about to be sent (or the script for a call).

    ``contains_debt_content`` defaults to ``not limited_content``; a limited-content template that
    claims debt content is a contradiction and raises ValueError.
    ``is_service`` marks acknowledgements, confirmations, the opt-out confirmation, dispute outcomes and
    wrong-party acknowledgements: notices the customer is owed even on hold or after cease.
    """

    key: str
    version: int | str
    status: str
    limited_content: bool = False
    is_service: bool = False
    contains_debt_content: bool | None = None

    def __post_init__(self) -> None:
        if self.status not in TEMPLATE_STATUSES:
            raise ValueError(f"unknown template status {self.status!r}")
        if self.contains_debt_content is None:
            object.__setattr__(self, "contains_debt_content", not self.limited_content)
        elif self.limited_content and self.contains_debt_content:
            raise ValueError(f"template {self.key!r} cannot be limited_content and contain debt content")

    @property
    def has_debt_content(self) -> bool:
        return bool(self.contains_debt_content)


@dataclass(frozen=True)
class ActorSnapshot:
    """Who is acting. Only agency users are checked: a licence or contract that has lapsed stops them."""

    is_agency: bool
    licence_valid_until: date | None = None
    contract_end: date | None = None


@dataclass(frozen=True)
class PastContact:
    """One earlier contact with the person (any of their accounts, teams or agencies).

    Only ``allowed`` contacts (actually placed/sent) count toward caps. ``conversation`` marks a
    telephone conversation; it starts the quiet period whatever ``allowed`` says (an inbound call the
    gate never saw is still a conversation). ``template_key`` is needed only to send the opt-out
    confirmation once.
    """

    at: datetime
    channel: str
    contact_point_value: str
    connected: bool = False
    conversation: bool = False
    allowed: bool = True
    template_key: str | None = None

    def __post_init__(self) -> None:
        require_aware(self.at, "PastContact.at")
        _check_channel(self.channel)


# The caller gathers this for the person, not the case. decide_contact accepts any iterable of these.
ContactHistory = tuple[PastContact, ...]
