"""Serializers of the negotiation API (options, plans, waivers, payments, disputes).

They shape requests and responses and validate types and enumerations only; who may do what, and
whether the case allows it, are the services' rules (see ``debt_collections.api.serializers``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import MONEY_DIGITS, MONEY_PLACES
from debt_collections.models import Dispute, FeeWaiver, Installment, Payment, RepaymentPlan
from debt_collections.policies import PAYMENT_COMPONENTS
from debt_collections.services.plans import plan_code

# Money leaves the API as a string with exactly two decimals ("5000.00"), never a float.
_MONEY: dict[str, Any] = {
    "max_digits": MONEY_DIGITS,
    "decimal_places": MONEY_PLACES,
    "coerce_to_string": True,
    "read_only": True,
}
# Money coming in: two decimals at most, positive.
_MONEY_IN: dict[str, Any] = {
    "max_digits": MONEY_DIGITS,
    "decimal_places": MONEY_PLACES,
    "min_value": Decimal("0.01"),
}


class PlainDecimalField(serializers.DecimalField):
    """A decimal written out in digits ("1250.50" or 1250.5): exponents ("1e5"), NaN and infinities
    are a 400, so what is stored is what a person would read."""

    def to_internal_value(self, data: Any) -> Decimal:
        text = str(data).strip() if isinstance(data, str | int | float | Decimal) else ""
        if isinstance(data, bool) or not _PLAIN_NUMBER.fullmatch(text):
            self.fail("invalid")
        return super().to_internal_value(data)


_PLAIN_NUMBER = re.compile(r"-?\d{1,20}(\.\d{1,20})?")
_COMPONENT_CHOICES = [(c, c.replace("_", " ")) for c in PAYMENT_COMPONENTS]
OUTCOME_CHOICES = [(Dispute.Status.UPHELD, "Upheld"), (Dispute.Status.REJECTED, "Rejected (not upheld)")]


# --- options ------------------------------------------------------------------------------------


class ScheduledPaymentSerializer(serializers.Serializer[Any]):
    number = serializers.IntegerField(read_only=True)
    due_date = serializers.DateField(read_only=True)
    amount = serializers.DecimalField(**_MONEY)


class OptionSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(
        read_only=True,
        help_text="Stable id to send back: pay_in_full, installment:<months>, deferral:<days>, hardship.",
    )
    plan_kind = serializers.ChoiceField(
        choices=RepaymentPlan.Kind.choices,
        read_only=True,
        allow_null=True,
        help_text="The plan this option creates; null for hardship (a waiver request decided by a person).",
    )
    total = serializers.DecimalField(
        help_text="Total the customer pays. For hardship: the total if fees and penalty interest are waived.",
        **_MONEY,
    )
    monthly_amount = serializers.DecimalField(
        allow_null=True,
        help_text="The largest regular payment (later ones are at most one minor unit less); null when the "
        "option is not paid monthly.",
        **_MONEY,
    )
    months = serializers.IntegerField(read_only=True)
    deferral_days = serializers.IntegerField(read_only=True, allow_null=True)
    first_due_date = serializers.DateField(read_only=True, allow_null=True)
    payment_count = serializers.IntegerField(read_only=True)
    waivable = serializers.DecimalField(help_text="Hardship: fees plus penalty interest.", **_MONEY)
    schedule = ScheduledPaymentSerializer(many=True, read_only=True)


class NegotiationOptionsSerializer(serializers.Serializer[Any]):
    currency = serializers.CharField(read_only=True)
    principal = serializers.DecimalField(**_MONEY)
    interest = serializers.DecimalField(**_MONEY)
    fees = serializers.DecimalField(**_MONEY)
    penalty_interest = serializers.DecimalField(**_MONEY)
    total_due = serializers.DecimalField(**_MONEY)
    today = serializers.DateField(read_only=True, help_text="The customer's local date the options are for.")
    policy_version = serializers.CharField(read_only=True)
    options = OptionSerializer(many=True, read_only=True)
    withheld = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Option families not offered now, with the reason (e.g. a deferral already used).",
    )


# --- plans --------------------------------------------------------------------------------------


class InstallmentSerializer(serializers.ModelSerializer[Installment]):
    class Meta:
        model = Installment
        fields = ["number", "due_date", "amount", "paid_amount", "paid_at"]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer[RepaymentPlan]):
    option = serializers.SerializerMethodField(help_text="The option code the plan was made from.")
    installments = InstallmentSerializer(many=True, read_only=True)

    class Meta:
        model = RepaymentPlan
        fields = [
            "id",
            "case",
            "option",
            "kind",
            "state",
            "currency",
            "total",
            "months",
            "deferral_days",
            "first_due_date",
            "offered_at",
            "offered_by",
            "accepted_at",
            "accepted_by",
            "cooling_off_until",
            "ended_at",
            "end_reason",
            "policy_version",
            "installments",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_option(self, plan: RepaymentPlan) -> str:
        return plan_code(plan)


class PlanRequestSerializer(serializers.Serializer[Any]):
    option = serializers.CharField(max_length=32, help_text="An option code from `options/`.")
    accept = serializers.BooleanField(
        default=False,
        help_text="true: the customer accepts now (the agent records it on their behalf); false: offer it.",
    )
    contact_point = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="Where the confirmation (accept) or the offer goes. Default for a confirmation: the "
        "customer's verified phone, else email. An offer is sent only when this is given.",
    )


# --- waivers ------------------------------------------------------------------------------------


class WaiverSerializer(serializers.ModelSerializer[FeeWaiver]):
    class Meta:
        model = FeeWaiver
        fields = [
            "id",
            "case",
            "component",
            "amount",
            "reason",
            "hardship",
            "state",
            "requested_at",
            "requested_by",
            "decided_by",
            "decided_at",
            "decision_note",
            "applied_at",
        ]
        read_only_fields = fields


class WaiverRequestSerializer(serializers.Serializer[Any]):
    component = serializers.ChoiceField(choices=FeeWaiver.Component.choices)
    amount = serializers.DecimalField(**_MONEY_IN)
    reason = serializers.CharField(max_length=4000)
    hardship = serializers.BooleanField(default=False, help_text="A hardship request from the customer.")


class WaiverApproveSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class WaiverRejectSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=4000, help_text="Why; required.")


# --- payments -----------------------------------------------------------------------------------


class PaymentRequestSerializer(serializers.Serializer[Any]):
    account = serializers.IntegerField(min_value=1, help_text="Credit account id.")
    external_reference = serializers.CharField(
        max_length=64, help_text="The payment provider's reference; the same one again is the same payment."
    )
    amount = PlainDecimalField(
        help_text="Positive, in digits, at most what is owed unless `overpayment` is true.", **_MONEY_IN
    )
    currency = serializers.CharField(min_length=3, max_length=3)
    received_at = serializers.DateTimeField(help_text="Not in the future, not before the account opened.")
    overpayment = serializers.BooleanField(
        default=False,
        help_text="Record more than is owed on purpose: the surplus is kept as `unapplied`.",
    )


class PaymentSerializer(serializers.ModelSerializer[Payment]):
    allocation = serializers.DictField(
        read_only=True,
        help_text="`order` (the pack's allocation order), `applied` per component, `unapplied` (could not be "
        "allocated: overpayment or an amount under dispute) and `withheld_by_dispute` per component.",
    )

    class Meta:
        model = Payment
        fields = [
            "id",
            "account",
            "case",
            "external_reference",
            "amount",
            "currency",
            "received_at",
            "allocation",
            "recorded_by",
        ]
        read_only_fields = fields


# --- disputes -----------------------------------------------------------------------------------


class DisputeSerializer(serializers.ModelSerializer[Dispute]):
    class Meta:
        model = Dispute
        fields = [
            "id",
            "case",
            "kind",
            "status",
            "description",
            "channel",
            "disputed_amount",
            "disputed_component",
            "opened_at",
            "sla_due_at",
            "resolved_at",
            "outcome",
        ]
        read_only_fields = fields


class DisputeRequestSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=Dispute.Kind.choices)
    description = serializers.CharField(max_length=4000, allow_blank=True, default="")
    channel = serializers.CharField(
        max_length=16, default="phone", help_text="How it reached us: phone, email, letter, portal, …"
    )
    disputed_amount = serializers.DecimalField(required=False, allow_null=True, default=None, **_MONEY_IN)
    disputed_component = serializers.ChoiceField(
        choices=_COMPONENT_CHOICES,
        required=False,
        allow_blank=True,
        default="",
        help_text="The balance component disputed; no payment is allocated to it (or to the amount) "
        "while the dispute is open.",
    )


class DisputeResolveSerializer(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=OUTCOME_CHOICES)
    outcome_text = serializers.CharField(max_length=4000, help_text="Sent to the customer; required.")
