"""Pure policy layer: policy packs, the compliance gate and money arithmetic.

Standard library only (no Django, no ORM, no clock): every function takes the values and the ``now``
it needs, so it can be tested exhaustively and called from services, tasks and views alike.

    from debt_collections.policies import decide_contact, get_pack
"""

from __future__ import annotations

from debt_collections.policies.credit_impact import Grade as CreditImpactGrade
from debt_collections.policies.credit_impact import (
    GradeText,
    amount_band,
    credit_impact,
    grade_text,
    grades_for,
    reporting_threshold,
)
from debt_collections.policies.decision import NON_TIME_RULES, RULE_ORDER, TIME_RULES, Decision, Rule
from debt_collections.policies.gate import SEARCH_HORIZON, decide_contact, time_blockers_at
from debt_collections.policies.money import (
    MINOR_UNITS,
    Allocation,
    allocate_payment,
    minor_unit,
    quantize,
    split_installments,
)
from debt_collections.policies.offers import (
    DEFERRAL_STEPS,
    HARDSHIP,
    PAY_IN_FULL,
    PAY_IN_FULL_DAYS,
    STANDARD_TERMS,
    NegotiationOptions,
    Option,
    ScheduledPayment,
    add_months,
    compute_options,
    deferral_code,
    installment_code,
)
from debt_collections.policies.overlay import strictest
from debt_collections.policies.packs import (
    CHANNELS,
    DEFAULT_PACK,
    DISPUTE_TYPES,
    PACK_CHOICES,
    PACK_CODES,
    PAYMENT_COMPONENTS,
    PolicyPack,
    UnknownPolicyPack,
    get_pack,
    pack_versions,
)
from debt_collections.policies.snapshots import (
    CHANNEL_KINDS,
    OPT_OUT_CONFIRMATION_KEY,
    ActorSnapshot,
    CaseSnapshot,
    ContactHistory,
    ContactPointSnapshot,
    PastContact,
    TemplateSnapshot,
)

__all__ = [
    "CHANNELS",
    "CHANNEL_KINDS",
    "DEFAULT_PACK",
    "DEFERRAL_STEPS",
    "DISPUTE_TYPES",
    "HARDSHIP",
    "MINOR_UNITS",
    "NON_TIME_RULES",
    "OPT_OUT_CONFIRMATION_KEY",
    "PACK_CHOICES",
    "PACK_CODES",
    "PAYMENT_COMPONENTS",
    "PAY_IN_FULL",
    "PAY_IN_FULL_DAYS",
    "RULE_ORDER",
    "SEARCH_HORIZON",
    "STANDARD_TERMS",
    "TIME_RULES",
    "ActorSnapshot",
    "Allocation",
    "CaseSnapshot",
    "ContactHistory",
    "ContactPointSnapshot",
    "CreditImpactGrade",
    "Decision",
    "GradeText",
    "NegotiationOptions",
    "Option",
    "PastContact",
    "PolicyPack",
    "Rule",
    "ScheduledPayment",
    "TemplateSnapshot",
    "UnknownPolicyPack",
    "add_months",
    "allocate_payment",
    "amount_band",
    "credit_impact",
    "compute_options",
    "decide_contact",
    "deferral_code",
    "get_pack",
    "grade_text",
    "grades_for",
    "installment_code",
    "minor_unit",
    "pack_versions",
    "quantize",
    "reporting_threshold",
    "split_installments",
    "strictest",
    "time_blockers_at",
]
