"""Staff API: one thin view per operation.

Views read through ``selectors`` (so every queryset is scoped to the caller) and write through
``services`` (which lock, check role and state, audit and schedule side effects). Domain errors from
the services become JSON 4xx in ``config.api_errors.exception_handler``; nothing here catches them.

Authentication and the role check at the door: ``api.base``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import django_fsm
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from accounts.models import User, days_past_due_q
from config.pagination import Pagination
from config.security import client_ip
from debt_collections import selectors, services
from debt_collections.api import serializers as ser
from debt_collections.api.base import ActingCaseView, ScopedCaseView, StaffAPI, caller, error_responses
from debt_collections.kernel.access import (
    MANUAL_TRANSITIONS,
    agency_user_is_active,
    can_transition,
)
from debt_collections.kernel.audit import Actor
from debt_collections.models import AuditEvent, CollectionCase

RECENT_EVENTS = 50


def allowed_transitions(case: CollectionCase, user: User, today: date) -> list[str]:
    """The manual transitions ``user`` may trigger on ``case`` now, in the permissions table's order.

    State via django-fsm's ``can_proceed``, role via ``permissions.can_transition``, and nothing for an
    agency user whose agency is not licensed today (the service would refuse them). Service guards
    that need data (charge-off days past due, an open dispute) are not evaluated here.
    """
    if not agency_user_is_active(user, today):
        return []
    # Transition names are the model's method names (escalate, hold, charge_off, …).
    return [
        name
        for name in MANUAL_TRANSITIONS
        if can_transition(user, name) and django_fsm.can_proceed(getattr(case, name))
    ]


# --- auth -------------------------------------------------------------------------------------


class TokenObtainThrottle(AnonRateThrottle):
    """Slows password guessing: per client address (``config.security.client_ip``: ``REMOTE_ADDR``, never
    a client's own ``X-Forwarded-For``), counted in the shared cache, ``settings.TOKEN_RATE``. Failed
    passwords also count towards django-axes' lockout per username and per address."""

    scope = "auth_token"

    def get_rate(self) -> str:
        return str(settings.TOKEN_RATE)

    def get_ident(self, request: Request) -> str:
        return client_ip(request)


class TokenObtainView(APIView):
    # No authentication: the caller proves who they are with the password in the body. (Session auth
    # here would also demand a CSRF token from a browser that happens to be logged in to the admin.)
    authentication_classes = []
    permission_classes = []
    throttle_classes = [TokenObtainThrottle]

    @extend_schema(
        summary="Exchange a staff username and password for an API token",
        description="Active staff only. The same token is returned until it is deleted. Send it as "
        "`Authorization: Token <token>`.",
        request=ser.StaffAuthTokenSerializer,
        responses={200: ser.TokenSerializer, **error_responses(400, 429)},
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        # The Django request, not DRF's wrapper: django-axes flags a lockout on the object it is given,
        # and its middleware looks at the Django request to answer 429 instead of this view's 400.
        body = ser.StaffAuthTokenSerializer(data=request.data, context={"request": request._request})
        body.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=body.validated_data["user"])
        return Response(ser.TokenSerializer({"token": token.key}).data)


# --- cases ------------------------------------------------------------------------------------


class CaseListView(StaffAPI, generics.ListAPIView[CollectionCase]):
    serializer_class = ser.CaseSummarySerializer
    pagination_class = Pagination  # no COUNT(*) over every case per page (config.paging), page_size

    @extend_schema(
        summary="List the cases the caller may see, newest first",
        description="Agency users see only their agency's cases. Filters: `state`, `dpd_min` (minimum "
        "days past due), `assigned=me|none`. Unknown filter values are a 400.",
        parameters=[ser.CaseListQuerySerializer],
        responses={200: ser.CaseSummarySerializer(many=True), **error_responses(400, 401, 403)},
        tags=["cases"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[CollectionCase]:
        user = caller(self.request)
        query = ser.CaseListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters: dict[str, Any] = query.validated_data
        cases = selectors.case_list_for(user)
        if "state" in filters:
            cases = cases.filter(state=filters["state"])
        if "dpd_min" in filters:
            today = timezone.localdate()
            cases = cases.filter(days_past_due_q(filters["dpd_min"], None, today=today, prefix="account__"))
        if filters.get("assigned") == "me":
            cases = cases.filter(assignee=user)
        elif filters.get("assigned") == "none":
            cases = cases.filter(assignee__isnull=True)
        # pk breaks ties so that pages never overlap or skip when cases share an opening time.
        return cases.order_by("-opened_at", "-pk")


class CaseDetailView(ScopedCaseView):
    serializer_class = ser.CaseDetailSerializer

    @extend_schema(
        summary="One case, what the caller may do next, and its recent audit trail",
        description="A case outside the caller's scope is a 404, exactly like a case that does not exist.",
        responses={200: ser.CaseDetailSerializer, **error_responses(401, 403, 404)},
        tags=["cases"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        user = caller(request)
        context = {
            **self.get_serializer_context(),
            "allowed_transitions": allowed_transitions(case, user, timezone.localdate()),
            "audit_events": list(selectors.case_timeline(case).reverse()[:RECENT_EVENTS]),
        }
        return Response(ser.CaseDetailSerializer(case, context=context).data)


class CaseTransitionView(ActingCaseView):
    serializer_class = ser.CaseTransitionRequestSerializer

    @extend_schema(
        summary="Trigger a transition (escalate, engage, hold, release, resolve, charge_off, close)",
        description="`hold` needs `hold_reason` (and may take `hold_until`); `close` needs "
        "`close_reason`. Send `expected_state` to refuse (409 `stale_state`) if someone else moved "
        "the case since you looked. Role rules: agents may escalate, engage and hold; release, "
        "resolve, charge_off and close need a supervisor; compliance officers read only.",
        request=ser.CaseTransitionRequestSerializer,
        responses={200: ser.CaseTransitionResultSerializer, **error_responses(400, 401, 403, 404, 409, 422)},
        tags=["cases"],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = caller(request)
        # Scope first: a case the caller cannot see is a 404 whatever the body says.
        case = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = body.validated_data
        params = {key: data[key] for key in ("hold_reason", "close_reason") if key in data}
        if data.get("hold_until") is not None:
            params["until"] = data["hold_until"]
        # One transaction with the service's: the case row stays locked until commit, so the newest
        # audit event of this case, read here, is the one this call wrote.
        with transaction.atomic():
            updated = services.case_transition(
                case_id=case.pk,
                name=data["transition"],
                actor=Actor.for_user(user),
                reason=data["reason"],
                expected_state=data.get("expected_state"),
                params=params,
            )
            event: AuditEvent | None = selectors.case_timeline(updated).last()
        if event is None:  # pragma: no cover - every service transition appends an event
            raise RuntimeError(f"case {updated.pk} changed state without an audit event")
        result = {
            "id": updated.pk,
            "state": updated.state,
            "previous_state": event.payload["from"],
            "audit_seq": event.seq,
        }
        return Response(ser.CaseTransitionResultSerializer(result).data)
