"""The gate's vocabulary: rule ids and the Decision value it returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

__all__ = ["NON_TIME_RULES", "RULE_ORDER", "TIME_RULES", "Decision", "Rule"]


class Rule(StrEnum):
    """Stable rule ids (stored with every decision; never rename one). Order = reporting order."""

    HOURS = "HOURS"
    FREQ_7D = "FREQ_7D"
    DAILY = "DAILY"
    CONVERSATION_WAIT = "CONVERSATION_WAIT"
    HOLD = "HOLD"
    CEASE = "CEASE"
    OPT_OUT = "OPT_OUT"
    WRONG_PARTY = "WRONG_PARTY"
    REASSIGNED = "REASSIGNED"
    DISCLOSURE = "DISCLOSURE"
    THIRD_PARTY = "THIRD_PARTY"
    AGENCY_LICENCE = "AGENCY_LICENCE"
    TEMPLATE = "TEMPLATE"
    VULNERABLE = "VULNERABLE"


RULE_ORDER: tuple[Rule, ...] = tuple(Rule)
# Rules that lift by themselves as time passes (with the same history). Any other blocker needs a person
# or an event (verification, release of the hold, template approval…), so next_allowed_at is None.
TIME_RULES: frozenset[Rule] = frozenset(
    {Rule.HOURS, Rule.FREQ_7D, Rule.DAILY, Rule.CONVERSATION_WAIT, Rule.VULNERABLE}
)
NON_TIME_RULES: frozenset[Rule] = frozenset(RULE_ORDER) - TIME_RULES


@dataclass(frozen=True)
class Decision:
    """What the gate decided, for storing and auditing whatever the outcome.

    * ``allowed``: True only when no rule blocks.
    * ``blocked_by``: every blocking rule id, in ``RULE_ORDER`` (``Rule`` is a ``str`` enum).
    * ``next_allowed_at``: UTC instant from which every time-based blocker is lifted (searched, not
      estimated); None when allowed, when any non-time rule blocks, or when no such instant exists within
      the search horizon.
    * ``policy_version``: the pack version that decided.
    * ``reasons``: rule id -> one English sentence, for each blocking rule.
    """

    allowed: bool
    blocked_by: tuple[Rule, ...]
    next_allowed_at: datetime | None
    policy_version: str
    reasons: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)

    def __post_init__(self) -> None:
        if self.allowed == bool(self.blocked_by):
            raise ValueError("a decision is allowed exactly when nothing blocks it")
        object.__setattr__(self, "reasons", MappingProxyType(dict(self.reasons)))

    @property
    def blocked(self) -> bool:
        return not self.allowed

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (plain strings, ISO 8601 datetime) for storage on the attempt or notice."""
        return {
            "allowed": self.allowed,
            "blocked_by": [str(rule) for rule in self.blocked_by],
            "next_allowed_at": self.next_allowed_at.isoformat() if self.next_allowed_at else None,
            "policy_version": self.policy_version,
            "reasons": {str(rule): text for rule, text in self.reasons.items()},
        }
