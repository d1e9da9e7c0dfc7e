"""Every write in the collections app goes through a function here (CONVENTIONS §1).

Split by subject: ``cases`` (the lifecycle and its transition table), ``contacts`` (contact attempts,
wrong-party reports, opt-outs), ``links`` (the customer's signed links), ``plans`` and ``plan_cycle``,
``payments``, ``waivers``, ``disputes``, ``callbacks``, ``case_tasks`` (the agent's to-do items),
``service_notices`` (notices the customer is owed). Credit reporting and limit changes are
``debt_collections.credit``; the daily cycle, which drives all of them, is ``debt_collections.cycle``.
Import from ``debt_collections.services``; grep a name to find every caller.
"""

from __future__ import annotations

from debt_collections.services.callbacks import callback_request
from debt_collections.services.case_tasks import task_complete
from debt_collections.services.case_transitions import (
    case_transition,
    case_transition_locked,
    case_transition_many,
)
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
    case_withdraw_plan,
)
from debt_collections.services.contacts import (
    contact_attempt_log,
    contact_opt_out,
    contact_quarantine_lift,
    contact_report_wrong_party,
)
from debt_collections.services.disputes import dispute_open, dispute_resolve
from debt_collections.services.links import (
    LinkUnusable,
    link_create,
    link_record_view,
    link_report_wrong_party,
    link_resolve,
    link_revoke,
    link_send,
    link_token,
    link_url,
    link_verify,
)
from debt_collections.services.payments import payment_record, payment_record_outcome
from debt_collections.services.plan_changes import plan_apply_payment, plan_cancel, plan_withdraw
from debt_collections.services.plan_cycle import plan_activate_after_cooling_off, plan_break_missed
from debt_collections.services.plans import plan_accept, plan_accept_option, plan_offer
from debt_collections.services.waivers import waiver_approve, waiver_reject, waiver_request

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
    "case_transition_locked",
    "case_transition_many",
    "case_withdraw_plan",
    "contact_attempt_log",
    "contact_opt_out",
    "contact_quarantine_lift",
    "contact_report_wrong_party",
    "LinkUnusable",
    "link_create",
    "link_send",
    "link_record_view",
    "link_report_wrong_party",
    "link_resolve",
    "link_revoke",
    "link_token",
    "link_url",
    "link_verify",
    "callback_request",
    "dispute_open",
    "dispute_resolve",
    "payment_record",
    "payment_record_outcome",
    "plan_accept",
    "plan_accept_option",
    "plan_activate_after_cooling_off",
    "plan_apply_payment",
    "plan_break_missed",
    "plan_cancel",
    "plan_offer",
    "plan_withdraw",
    "task_complete",
    "waiver_approve",
    "waiver_reject",
    "waiver_request",
]
