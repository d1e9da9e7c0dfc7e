"""Staff API for promises to pay (issue 14): list a case's promises, take one, cancel one.

Thin views: the case and the promise are found inside the caller's scope (anything else is a 404), the
services check role and state, audit and queue the confirmation; domain errors become JSON 4xx in
``config.api_errors``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from debt_collections import selectors
from debt_collections.api.base import StaffAPI, page_of
from debt_collections.api.serializers import ErrorSerializer
from debt_collections.kernel.audit import Actor
from debt_collections.models import CollectionCase, PromiseToPay
from debt_collections.services.promises import promise_cancel, promise_take

_ID = OpenApiParameter("id", int, OpenApiParameter.PATH)
_ERRORS = {code: OpenApiResponse(ErrorSerializer) for code in (400, 401, 403, 404, 409, 422)}


class PromiseSerializer(serializers.ModelSerializer[PromiseToPay]):
    class Meta:
        model = PromiseToPay
        fields = [
            "id",
            "case",
            "state",
            "amount",
            "currency",
            "due_date",
            "grace_days",
            "channel",
            "attempt",
            "taken_at",
            "taken_by",
            "decided_at",
            "paid_amount",
            "end_reason",
            "replaced_by",
        ]
        read_only_fields = fields


class PromiseRequestSerializer(serializers.Serializer[Any]):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    due_date = serializers.DateField(help_text="The customer's local date by which they will pay.")
    attempt = serializers.IntegerField(required=False, min_value=1, help_text="The call it was taken on.")
    contact_point = serializers.IntegerField(required=False, min_value=1, help_text="Confirmation goes here.")


class PromiseCancelSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=200)


def _caller(request: Request) -> User:
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user


def _case(user: User, pk: int) -> CollectionCase:
    case = selectors.case_list_for(user).filter(pk=pk).first()
    if case is None:
        raise NotFound("Case not found.")
    return case


class CasePromisesView(StaffAPI):
    @extend_schema(
        summary="The case's promises to pay, newest first",
        parameters=[_ID],
        responses={200: PromiseSerializer(many=True), **_ERRORS},
        tags=["promises"],
    )
    def get(self, request: Request, id: int) -> Response:  # noqa: A002 (the URL's name)
        case = _case(_caller(request), id)
        return page_of(self, request, case.promises.order_by("-taken_at", "-pk"), PromiseSerializer)

    @extend_schema(
        summary="Take a promise to pay",
        description="Replaces an open promise on the case (it becomes `cancelled` with `replaced_by`). "
        "Kept when payments received by the due date plus the pack's grace days cover it; broken after. "
        "Queues `promise.confirmation` through the gate. 422 `invalid_amount`, `amount_over_balance`, "
        "`invalid_due_date` (today to 30 days ahead), `case_on_hold`, `case_finished`.",
        parameters=[_ID],
        request=PromiseRequestSerializer,
        responses={201: PromiseSerializer, **_ERRORS},
        tags=["promises"],
    )
    def post(self, request: Request, id: int) -> Response:  # noqa: A002
        user = _caller(request)
        case = _case(user, id)
        body = PromiseRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = body.validated_data
        promise = promise_take(
            case_id=case.pk,
            amount=data["amount"],
            due_date=data["due_date"],
            channel="call" if data.get("attempt") else "api",
            attempt_id=data.get("attempt"),
            contact_point_id=data.get("contact_point"),
            actor=Actor.for_user(user),
        )
        return Response(PromiseSerializer(promise).data, status=201)


class PromiseCancelView(StaffAPI):
    @extend_schema(
        summary="Cancel an open promise to pay",
        parameters=[_ID],
        request=PromiseCancelSerializer,
        responses={200: PromiseSerializer, **_ERRORS},
        tags=["promises"],
    )
    def post(self, request: Request, id: int) -> Response:  # noqa: A002
        user = _caller(request)
        promise = PromiseToPay.objects.filter(
            pk=id, case__in=selectors.case_list_for(user).values("pk")
        ).first()
        if promise is None:
            raise NotFound("Promise not found.")
        body = PromiseCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        promise = promise_cancel(
            promise_id=promise.pk, reason=body.validated_data["reason"], actor=Actor.for_user(user)
        )
        return Response(PromiseSerializer(promise).data)
