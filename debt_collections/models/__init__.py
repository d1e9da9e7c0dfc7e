"""Collections models, split by subject (CONVENTIONS §10): the case lifecycle and the audit chain in
``cases``; plans, waivers and negotiation links in ``negotiation``."""

from __future__ import annotations

from debt_collections.models.audit_seals import AuditSeal
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
from debt_collections.models.checkout import IntentPurpose, IntentState, PaymentIntent  # issue 14
from debt_collections.models.cycle_marks import CycleMark
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
from debt_collections.models.promises import PromiseChannel, PromiseState, PromiseToPay  # issue 14
from debt_collections.models.queue import NextAction, QueueEntry  # issue 14
from debt_collections.models.reporting import BureauRecord, CreditReportNotice, LimitChangeAppeal
from debt_collections.models.snapshots import DelinquencySnapshot  # issue 14

__all__ = [
    "GENESIS_HASH",
    "HOLDABLE",
    "TERMINAL",
    "AuditChainHead",
    "AuditEvent",
    "AuditSeal",
    "BureauRecord",
    "CaseState",
    "CaseTask",
    "CloseReason",
    "CollectionCase",
    "ContactAttempt",
    "CreditReportNotice",
    "CycleMark",
    "DelinquencySnapshot",
    "Dispute",
    "FeeWaiver",
    "HoldReason",
    "LIVE_PLAN_STATES",
    "LimitChangeAppeal",
    "Installment",
    "NegotiationLink",
    "IntentPurpose",
    "IntentState",
    "NextAction",
    "Payment",
    "PaymentIntent",
    "PromiseChannel",
    "PromiseState",
    "PromiseToPay",
    "QueueEntry",
    "PlanState",
    "RepaymentPlan",
    "WaiverState",
]
