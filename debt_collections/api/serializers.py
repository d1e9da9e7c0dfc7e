"""Staff API serializers: they shape requests and responses and validate types and enumerations.

Which transition needs which parameter, who may trigger it and whether the state allows it are
the services' rules (``debt_collections.services``); serializers do not repeat them, so there is one
source of truth and the API answers with the same domain errors as the admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from accounts.models import MONEY_DIGITS, MONEY_PLACES, Agency, Customer, User
from debt_collections.kernel.access import MANUAL_TRANSITIONS
from debt_collections.models import AuditEvent, CaseState, CloseReason, CollectionCase, HoldReason

# Money leaves the API as a string with exactly two decimals ("5000.00"), never a float.
_MONEY_FIELD: dict[str, Any] = {
    "max_digits": MONEY_DIGITS,
    "decimal_places": MONEY_PLACES,
    "coerce_to_string": True,
    "read_only": True,
}

_TRANSITION_CHOICES = [(name, name) for name in MANUAL_TRANSITIONS]


# --- errors -----------------------------------------------------------------------------------


# Documentation only (never used to validate): the body ``config.api_errors`` gives every error.
class ErrorSerializer(serializers.Serializer[Any]):
    """Every API error: a sentence, a stable code, and details for some codes."""

    detail = serializers.CharField(help_text="A sentence for people.")
    code = serializers.CharField(
        help_text="Stable machine-readable id: invalid, not_authenticated, permission_denied, not_found, "
        "not_permitted, transition_not_allowed, stale_state, compliance_blocked, …"
    )
    # The serializer metaclass pops declared fields off the class, so this does not shadow `.errors`.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors by field (400 only).",
    )
    blocked_by = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Ids of the compliance rules that blocked the action (compliance_blocked only).",
    )
    next_allowed_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="Earliest time the blocked action may be retried, if any (compliance_blocked only).",
    )
    reasons = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text="Rule id → one plain sentence saying why it blocked (compliance_blocked only).",
    )


# --- auth -------------------------------------------------------------------------------------


class StaffAuthTokenSerializer(AuthTokenSerializer):
    """A staff user's username and password."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # authenticate() (in super) already refuses inactive users. A non-staff user gets the same
        # message as a wrong password, so the endpoint does not tell which credentials are staff's.
        attrs = super().validate(attrs)
        user: AbstractBaseUser = attrs["user"]
        if not getattr(user, "is_staff", False):
            raise serializers.ValidationError(
                "Unable to log in with provided credentials.", code="authorization"
            )
        return attrs


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")


# --- shared references ------------------------------------------------------------------------


class UserRefSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ["id", "username"]


class AgencyRefSerializer(serializers.ModelSerializer[Agency]):
    class Meta:
        model = Agency
        fields = ["id", "name", "licence_number"]


class CustomerRefSerializer(serializers.ModelSerializer[Customer]):
    class Meta:
        model = Customer
        fields = ["id", "full_name", "locale", "jurisdiction", "time_zone", "vulnerable"]


class BalancesSerializer(serializers.Serializer[Any]):
    """The balance split of the case's credit account. Amounts are strings with two decimals."""

    currency = serializers.CharField(read_only=True)
    principal = serializers.DecimalField(**_MONEY_FIELD)
    interest = serializers.DecimalField(**_MONEY_FIELD)
    fees = serializers.DecimalField(**_MONEY_FIELD)
    penalty_interest = serializers.DecimalField(**_MONEY_FIELD)
    total = serializers.DecimalField(source="total_due", **_MONEY_FIELD)


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    class Meta:
        model = AuditEvent
        fields = ["seq", "at", "actor", "action", "payload"]


# --- cases ------------------------------------------------------------------------------------


class CaseListQuerySerializer(serializers.Serializer[Any]):
    """Query parameters of the case list. An unknown value is a 400, never silently ignored."""

    state = serializers.ChoiceField(choices=CaseState.choices, required=False)
    dpd_min = serializers.IntegerField(
        min_value=0, max_value=100_000, required=False, help_text="Minimum days past due."
    )
    assigned = serializers.ChoiceField(
        choices=[("me", "Assigned to me"), ("none", "Unassigned")], required=False
    )


class CaseSummarySerializer(serializers.ModelSerializer[CollectionCase]):
    customer_name = serializers.CharField(source="customer.full_name", read_only=True)
    account_number = serializers.CharField(source="account.account_number", read_only=True)
    days_past_due = serializers.IntegerField(source="account.days_past_due_today", read_only=True)
    currency = serializers.CharField(source="account.currency", read_only=True)
    total_due = serializers.DecimalField(source="account.total_due", **_MONEY_FIELD)
    assignee = UserRefSerializer(read_only=True, allow_null=True)
    agency = AgencyRefSerializer(read_only=True, allow_null=True)
    # Blank when the case is not on hold: read-only model fields lose ``allow_blank``, so the schema would
    # promise one of the reasons and a client validating against it would reject "" (schemathesis did).
    hold_reason = serializers.ChoiceField(choices=HoldReason.choices, allow_blank=True, read_only=True)

    class Meta:
        model = CollectionCase
        fields = [
            "id",
            "state",
            "customer_name",
            "account_number",
            "days_past_due",
            "currency",
            "total_due",
            "assignee",
            "agency",
            "hold_reason",
            "opened_at",
            "next_action_at",
        ]
        read_only_fields = fields


# allowed_transitions and audit_events depend on the caller and need their own queries, so the view
# computes them and passes them in the context under those names.
class CaseDetailSerializer(serializers.ModelSerializer[CollectionCase]):
    """A case, what the caller may do next, and its recent audit trail."""

    customer = CustomerRefSerializer(read_only=True)
    account_number = serializers.CharField(source="account.account_number", read_only=True)
    product = serializers.CharField(source="account.product", read_only=True)
    days_past_due = serializers.IntegerField(source="account.days_past_due_today", read_only=True)
    due_date = serializers.DateField(source="account.due_date", read_only=True, allow_null=True)
    balances = BalancesSerializer(source="account", read_only=True)
    assignee = UserRefSerializer(read_only=True, allow_null=True)
    agency = AgencyRefSerializer(read_only=True, allow_null=True)
    allowed_transitions = serializers.SerializerMethodField(
        help_text="Transitions this caller may trigger now: the state allows them and the caller's role "
        "does. A service guard (e.g. charge-off days past due, an open dispute) may still refuse with 409."
    )
    audit_events = serializers.SerializerMethodField(help_text="The 50 most recent events, newest first.")
    hold_reason = serializers.ChoiceField(choices=HoldReason.choices, allow_blank=True, read_only=True)
    resume_state = serializers.ChoiceField(choices=CaseState.choices, allow_blank=True, read_only=True)
    close_reason = serializers.ChoiceField(choices=CloseReason.choices, allow_blank=True, read_only=True)

    class Meta:
        model = CollectionCase
        fields = [
            "id",
            "state",
            "customer",
            "account_number",
            "product",
            "days_past_due",
            "due_date",
            "balances",
            "allowed_transitions",
            "assignee",
            "agency",
            "hold_reason",
            "hold_until",
            "resume_state",
            "close_reason",
            "opened_at",
            "closed_at",
            "next_action_at",
            "updated_at",
            "audit_events",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=_TRANSITION_CHOICES)))
    def get_allowed_transitions(self, case: CollectionCase) -> list[str]:
        return list(self.context["allowed_transitions"])

    @extend_schema_field(AuditEventSerializer(many=True))
    def get_audit_events(self, case: CollectionCase) -> list[dict[str, Any]]:
        return list(AuditEventSerializer(self.context["audit_events"], many=True).data)


class CaseTransitionRequestSerializer(serializers.Serializer[Any]):
    transition = serializers.ChoiceField(choices=_TRANSITION_CHOICES)
    reason = serializers.CharField(
        max_length=1000, help_text="Why: recorded on the audit trail with the transition."
    )
    expected_state = serializers.ChoiceField(
        choices=CaseState.choices,
        required=False,
        help_text="The state the caller saw. If the case has moved on meanwhile, 409 stale_state.",
    )
    hold_reason = serializers.ChoiceField(
        choices=HoldReason.choices, required=False, help_text="Required for `hold` (else 422)."
    )
    close_reason = serializers.ChoiceField(
        choices=CloseReason.choices, required=False, help_text="Required for `close` (else 422)."
    )
    hold_until = serializers.DateTimeField(
        required=False, allow_null=True, help_text="For `hold`: when the hold lapses on its own."
    )


class CaseTransitionResultSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    state = serializers.ChoiceField(choices=CaseState.choices)
    previous_state = serializers.ChoiceField(choices=CaseState.choices)
    audit_seq = serializers.IntegerField(help_text="Sequence number of the audit event that records it.")
