"""Collections models, split by subject (CONVENTIONS §10): the case lifecycle and the audit chain in
``cases``; plans, waivers and negotiation links in ``negotiation``."""

from __future__ import annotations

from debt_collections.models.cases import (
    GENESIS_HASH,
    HOLDABLE,
    TERMINAL,
    AuditChainHead,
    AuditEvent,
    CaseState,
    CloseReason,
    CollectionCase,
    ContactAttempt,
    Dispute,
    HoldReason,
    Payment,
)
from debt_collections.models.negotiation import (
    LIVE_PLAN_STATES,
    CaseTask,
    FeeWaiver,
    Installment,
    NegotiationLink,
    PlanState,
    RepaymentPlan,
    WaiverState,
)

__all__ = [
    "GENESIS_HASH",
    "HOLDABLE",
    "TERMINAL",
    "AuditChainHead",
    "AuditEvent",
    "CaseState",
    "CaseTask",
    "CloseReason",
    "CollectionCase",
    "ContactAttempt",
    "Dispute",
    "FeeWaiver",
    "HoldReason",
    "LIVE_PLAN_STATES",
    "Installment",
    "NegotiationLink",
    "Payment",
    "PlanState",
    "RepaymentPlan",
    "WaiverState",
]
