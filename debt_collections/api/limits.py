"""Staff API for credit-limit changes (DESIGN §9): schedule, appeal on the customer's behalf, review.

Thin views: scope through ``selectors`` (an account outside the caller's scope is a 404, never a 403),
writes through ``credit.limit_change_*`` (which check role, state and the four-eyes rule, audit and queue
the customer's notices). Domain errors become JSON 4xx in ``config.api_errors``.

The customer appeals on the negotiation page (``credit.limit_change_appeal`` with the link as actor);
``POST limit-changes/{id}/appeal/`` is for staff recording an appeal the customer made by phone or letter.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import MONEY_DIGITS, MONEY_PLACES, CreditLimitChange, User
from debt_collections import credit, selectors
from debt_collections.api.base import StaffAPI, caller, error_responses, page_of
from debt_collections.credit.selectors import limit_change_appeal_queue
from debt_collections.kernel.audit import Actor

_ID = OpenApiParameter("id", int, OpenApiParameter.PATH)
_MONEY: dict[str, Any] = {
    "max_digits": MONEY_DIGITS,
    "decimal_places": MONEY_PLACES,
    "coerce_to_string": True,
    "read_only": True,
}


# --- serializers ------------------------------------------------------------------------------------


class LimitChangeSerializer(serializers.ModelSerializer[CreditLimitChange]):
    account_number = serializers.CharField(source="account.account_number", read_only=True)
    old_limit = serializers.DecimalField(**_MONEY)
    new_limit = serializers.DecimalField(**_MONEY)

    class Meta:
        model = CreditLimitChange
        fields = [
            "id",
            "account",
            "account_number",
            "old_limit",
            "new_limit",
            "is_freeze",
            "reason_code",
            "explanation",
            "automated",
            "status",
            "requested_by",
            "notice_sent_at",
            "effective_at",
            "applied_at",
            "appeal_text",
            "appealed_at",
            "appeal_decision",
            "reviewed_by",
            "reviewed_at",
            "review_note",
            "created_at",
        ]
        read_only_fields = fields


class LimitChangeRequestSerializer(serializers.Serializer[Any]):
    new_limit = serializers.DecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        min_value=Decimal("0.00"),
        required=False,
        allow_null=True,
        help_text="Below the current limit. Ignored (and may be left out) for a freeze.",
    )
    is_freeze = serializers.BooleanField(default=False, help_text="Freeze the line instead of reducing it.")
    reason_code = serializers.ChoiceField(choices=CreditLimitChange.Reason.choices)
    explanation = serializers.CharField(
        max_length=2000, help_text="Plain words the customer reads in the notice, in their language."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("is_freeze") and attrs.get("new_limit") is None:
            raise serializers.ValidationError({"new_limit": ["A reduction needs the new limit."]})
        return attrs


class AppealRequestSerializer(serializers.Serializer[Any]):
    appeal_text = serializers.CharField(max_length=4000, help_text="The customer's reasons, in their words.")


class ReviewRequestSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(
        choices=CreditLimitChange.Decision.choices,
        help_text="upheld: the change stands; reversed: it is cancelled, or undone if already in effect.",
    )
    note = serializers.CharField(
        max_length=2000, help_text="The reason, sent to the customer with the outcome."
    )


# --- credit-limit changes ------------------------------------------------------------------------------


def _change_in_scope(user: User, pk: int) -> CreditLimitChange:
    change = CreditLimitChange.objects.filter(pk=pk).first()
    if change is None or selectors.account_for(user, change.account_id) is None:
        raise NotFound("Limit change not found.")
    return change


class AccountLimitChangesView(StaffAPI):
    queryset = CreditLimitChange.objects.none()  # schema only: the path parameter's type

    @extend_schema(
        summary="The account's credit-limit changes, newest first",
        parameters=[_ID],
        responses={200: LimitChangeSerializer(many=True), **error_responses(401, 403, 404)},
        tags=["limit changes"],
    )
    def get(self, request: Request, id: int) -> Response:  # noqa: A002 (the URL's name)
        user = caller(request)
        if selectors.account_for(user, id) is None:
            raise NotFound("Account not found.")
        changes = CreditLimitChange.objects.filter(account_id=id).select_related("account")
        return page_of(self, request, changes.order_by("-created_at", "-pk"), LimitChangeSerializer)

    @extend_schema(
        summary="Schedule a credit-limit reduction or freeze, with advance notice to the customer",
        description="In-house agents and supervisors. Only a reduction or a freeze (422 `increase_refused`, "
        "`no_change`); `explanation` is required and sent to the customer with the reason code's words, the "
        "effective date (now + the pack's notice days: CN 7, US 45, UK 7) and an appeal link. "
        "`fraud_suspicion` takes effect at once, notified at the same moment. 422 `no_open_case` (notices "
        "go out on a collection case), `no_verified_contact`; 409 `change_pending` while another change on "
        "the account is scheduled or under review.",
        request=LimitChangeRequestSerializer,
        parameters=[_ID],
        responses={201: LimitChangeSerializer, **error_responses(400, 401, 403, 404, 409, 422)},
        tags=["limit changes"],
    )
    def post(self, request: Request, id: int) -> Response:  # noqa: A002
        user = caller(request)
        if selectors.account_for(user, id) is None:
            raise NotFound("Account not found.")
        body = LimitChangeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = body.validated_data
        change = credit.limit_change_schedule(
            account_id=id,
            new_limit=data.get("new_limit"),
            is_freeze=data["is_freeze"],
            reason_code=data["reason_code"],
            explanation=data["explanation"],
            actor=Actor.for_user(user),
        )
        return Response(LimitChangeSerializer(change).data, status=201)


class LimitChangeAppealView(StaffAPI):
    queryset = CreditLimitChange.objects.none()  # schema only

    @extend_schema(
        summary="Record the customer's appeal against a limit change (made by phone or letter)",
        description="The change goes to the supervisors' review queue; a scheduled change does not take "
        "effect while under review. 409 `already_appealed`, `not_appealable` (cancelled or reversed).",
        request=AppealRequestSerializer,
        parameters=[_ID],
        responses={200: LimitChangeSerializer, **error_responses(400, 401, 403, 404, 409, 422)},
        tags=["limit changes"],
    )
    def post(self, request: Request, id: int) -> Response:  # noqa: A002
        user = caller(request)
        change = _change_in_scope(user, id)
        body = AppealRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        change = credit.limit_change_appeal(
            change_id=change.pk, appeal_text=body.validated_data["appeal_text"], actor=Actor.for_user(user)
        )
        return Response(LimitChangeSerializer(change).data)


class LimitChangeReviewView(StaffAPI):
    queryset = CreditLimitChange.objects.none()  # schema only

    @extend_schema(
        summary="Decide an appeal: uphold the change or reverse it",
        description="Supervisors only, never the person who asked for the change (403 `four_eyes`). The "
        "customer is sent the outcome with `note` as the reason. Upheld: the change returns to `scheduled`, "
        "or takes effect now if its notice period is over. Reversed: `cancelled`, or `reversed` with the old "
        "limit restored if it was in effect. 409 `not_under_review`, `limit_changed_since`.",
        request=ReviewRequestSerializer,
        parameters=[_ID],
        responses={200: LimitChangeSerializer, **error_responses(400, 401, 403, 404, 409, 422)},
        tags=["limit changes"],
    )
    def post(self, request: Request, id: int) -> Response:  # noqa: A002
        user = caller(request)
        change = _change_in_scope(user, id)
        body = ReviewRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        change = credit.limit_change_review(
            change_id=change.pk,
            decision=body.validated_data["decision"],
            note=body.validated_data["note"],
            actor=Actor.for_user(user),
        )
        return Response(LimitChangeSerializer(change).data)


class LimitChangeAppealQueueView(StaffAPI):
    @extend_schema(
        summary="The supervisors' queue: appealed limit changes waiting for review, oldest appeal first",
        description="Empty for anyone but in-house supervisors.",
        responses={200: LimitChangeSerializer(many=True), **error_responses(401, 403)},
        tags=["limit changes"],
    )
    def get(self, request: Request) -> Response:
        return page_of(self, request, limit_change_appeal_queue(caller(request)), LimitChangeSerializer)
