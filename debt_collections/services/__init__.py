"""Every write in the collections app goes through a function here (CONVENTIONS §1).

Split by subject: ``cases`` (the lifecycle), ``contacts`` (contact attempts, wrong-party reports,
opt-outs). Import from ``debt_collections.services``; grep a name to find every caller.
"""

from __future__ import annotations

from debt_collections.services.cases import (
    case_assign,
    case_break_plan,
    case_charge_off,
    case_close,
    case_complete_plan,
    case_engage,
    case_escalate,
    case_hold,
    case_open,
    case_place_with_agency,
    case_release,
    case_release_expired_hold,
    case_resolve,
    case_start_plan,
    case_transition,
    case_withdraw_plan,
)
from debt_collections.services.contacts import (
    contact_attempt_log,
    contact_opt_out,
    contact_quarantine_lift,
    contact_report_wrong_party,
)

__all__ = [
    "case_assign",
    "case_break_plan",
    "case_charge_off",
    "case_close",
    "case_complete_plan",
    "case_engage",
    "case_escalate",
    "case_hold",
    "case_open",
    "case_place_with_agency",
    "case_release",
    "case_release_expired_hold",
    "case_resolve",
    "case_start_plan",
    "case_transition",
    "case_withdraw_plan",
    "contact_attempt_log",
    "contact_opt_out",
    "contact_quarantine_lift",
    "contact_report_wrong_party",
]
