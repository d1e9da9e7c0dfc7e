"""Staff API for negotiation: options, plans, waivers, payments and disputes (DESIGN §7–9).

Thin views: scope through ``selectors`` (anything outside the caller's cases is a 404, never a 403),
writes through ``services`` (which check role, state and authority, audit and queue notices). Domain
errors become JSON 4xx in ``config.api_errors``: 403 ``not_permitted`` / ``four_eyes`` /
``waiver_limit``, 409 ``transition_not_allowed`` / ``cooling_off_over``, 422 ``invalid`` and friends.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from debt_collections import selectors, services
from debt_collections.api import serializers_negotiation as ser
from debt_collections.api.base import ScopedCaseView, StaffAPI, caller, error_responses, page_of
from debt_collections.kernel.access import is_payments_system, may
from debt_collections.kernel.audit import Actor
from debt_collections.models import Dispute, FeeWaiver, RepaymentPlan

M = TypeVar("M", bound=Model)

_ID = OpenApiParameter("id", int, OpenApiParameter.PATH)


def _in_scope(queryset: QuerySet[M], user: User, pk: int, what: str) -> M:
    """The row whose case the caller may see; else 404 (outside the scope looks like not there)."""
    row = queryset.filter(pk=pk, case__in=selectors.case_list_for(user).values("pk")).first()
    if row is None:
        raise NotFound(f"{what} not found.")
    return row


# --- options and plans --------------------------------------------------------------------------


class CaseOptionsView(ScopedCaseView):
    @extend_schema(
        summary="What the customer may choose now, each with its total cost and schedule",
        description="Pay in full, installment plans (term and minimum installment from the policy pack), "
        "deferral (once in 12 months) and a hardship waiver request. Computed from the stored balance; "
        "plans add no interest and freeze penalty interest. `withheld` says why an option is missing.",
        responses={200: ser.NegotiationOptionsSerializer, **error_responses(401, 403, 404)},
        tags=["negotiation"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        options = selectors.negotiation_options(case=case, now=timezone.now())
        return Response(ser.NegotiationOptionsSerializer(options).data)


class CasePlansView(ScopedCaseView):
    serializer_class = ser.PlanRequestSerializer

    @extend_schema(
        summary="The case's plans, newest first, with their installments",
        responses={200: ser.PlanSerializer(many=True), **error_responses(401, 403, 404)},
        tags=["negotiation"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        return page_of(self, request, selectors.plans_for_case(case), ser.PlanSerializer)

    @extend_schema(
        summary="Offer an option, or accept it on the customer's behalf",
        description="`accept: true` creates the plan exactly as offered now, accepts it, moves the case to "
        "`on_plan`, opens the cooling-off period and queues `plan.confirmation` with the schedule. "
        "`accept: false` creates an offer (state `offered`). 422 for an unknown or unavailable option "
        "(`option_unavailable`), a case on hold (`case_on_hold`) or with a live plan (`live_plan`).",
        request=ser.PlanRequestSerializer,
        responses={201: ser.PlanSerializer, **error_responses(400, 401, 403, 404, 409, 422)},
        tags=["negotiation"],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = caller(request)
        case = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = body.validated_data
        action = services.plan_accept_option if data["accept"] else services.plan_offer
        plan = action(
            case_id=case.pk,
            option_code=data["option"],
            actor=Actor.for_user(user),
            contact_point_id=data.get("contact_point"),
        )
        return Response(ser.PlanSerializer(plan).data, status=201)


class _PlanAction(StaffAPI):
    queryset = RepaymentPlan.objects.none()  # schema only: the path parameter's type

    def plan(self, request: Request, pk: int) -> tuple[User, RepaymentPlan]:
        user = caller(request)
        return user, _in_scope(RepaymentPlan.objects.all(), user, pk, "Plan")


class PlanWithdrawView(_PlanAction):
    @extend_schema(
        summary="Withdraw an accepted plan within its cooling-off period (penalty-free)",
        description="The plan becomes `withdrawn` and the case goes back to `negotiating`. 409 "
        "`cooling_off_over` once the cooling-off period has ended, `plan_not_accepted` for another state.",
        request=None,
        parameters=[_ID],
        responses={200: ser.PlanSerializer, **error_responses(401, 403, 404, 409)},
        tags=["negotiation"],
    )
    def post(self, request: Request, id: int) -> Response:  # noqa: A002 (the URL's name)
        user, plan = self.plan(request, id)
        plan = services.plan_withdraw(plan_id=plan.pk, actor=Actor.for_user(user))
        return Response(ser.PlanSerializer(plan).data)


class PlanAcceptView(_PlanAction):
    @extend_schema(
        summary="Accept an offered plan on the customer's behalf",
        description="422 `offer_outdated` when the balance or the options changed since the offer.",
        request=None,
        parameters=[_ID],
        responses={200: ser.PlanSerializer, **error_responses(401, 403, 404, 409, 422)},
        tags=["negotiation"],
    )
    def post(self, request: Request, id: int) -> Response:  # noqa: A002
        user, plan = self.plan(request, id)
        plan = services.plan_accept(plan_id=plan.pk, actor=Actor.for_user(user))
        return Response(ser.PlanSerializer(plan).data)


class PlanCancelView(_PlanAction):
    @extend_schema(
        summary="Cancel an offer that was not accepted",
        request=None,
        parameters=[_ID],
        responses={200: ser.PlanSerializer, **error_responses(401, 403, 404, 409)},
        tags=["negotiation"],
    )
    def post(self, request: Request, id: int) -> Response:  # noqa: A002
        user, plan = self.plan(request, id)
        plan = services.plan_cancel(plan_id=plan.pk, actor=Actor.for_user(user), reason="cancelled by staff")
        return Response(ser.PlanSerializer(plan).data)


# --- waivers ------------------------------------------------------------------------------------


class CaseWaiversView(ScopedCaseView):
    serializer_class = ser.WaiverRequestSerializer

    @extend_schema(
        summary="The case's waiver requests, oldest first",
        responses={200: ser.WaiverSerializer(many=True), **error_responses(401, 403, 404)},
        tags=["waivers"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        return page_of(self, request, selectors.waivers_for_case(case), ser.WaiverSerializer)

    @extend_schema(
        summary="Ask to waive fees, penalty interest or interest",
        description="Someone else decides (maker-checker). 422 `exceeds_balance` above the component's "
        "balance; 403 for compliance officers (they review, not request).",
        request=ser.WaiverRequestSerializer,
        responses={201: ser.WaiverSerializer, **error_responses(400, 401, 403, 404, 422)},
        tags=["waivers"],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = caller(request)
        case = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = body.validated_data
        waiver = services.waiver_request(
            case_id=case.pk,
            component=data["component"],
            amount=data["amount"],
            reason=data["reason"],
            hardship=data["hardship"],
            actor=Actor.for_user(user),
        )
        return Response(ser.WaiverSerializer(waiver).data, status=201)


class _WaiverDecision(StaffAPI):
    queryset = FeeWaiver.objects.none()  # schema only

    def waiver(self, request: Request, pk: int) -> tuple[User, FeeWaiver]:
        user = caller(request)
        return user, _in_scope(FeeWaiver.objects.all(), user, pk, "Waiver")


class WaiverApproveView(_WaiverDecision):
    @extend_schema(
        summary="Approve a waiver and apply it to the balance",
        description="Agents up to the pack's limit, supervisors above it. 403 `four_eyes` for the "
        "requester, `waiver_limit` above an agent's authority; 409 `waiver_decided` if already decided.",
        request=ser.WaiverApproveSerializer,
        parameters=[_ID],
        responses={200: ser.WaiverSerializer, **error_responses(400, 401, 403, 404, 409, 422)},
        tags=["waivers"],
    )
    def post(self, request: Request, id: int) -> Response:  # noqa: A002
        user, waiver = self.waiver(request, id)
        body = ser.WaiverApproveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        waiver = services.waiver_approve(
            waiver_id=waiver.pk, actor=Actor.for_user(user), note=body.validated_data["note"]
        )
        return Response(ser.WaiverSerializer(waiver).data)


class WaiverRejectView(_WaiverDecision):
    @extend_schema(
        summary="Reject a waiver with a reason",
        description="The same people may reject as may approve.",
        request=ser.WaiverRejectSerializer,
        parameters=[_ID],
        responses={200: ser.WaiverSerializer, **error_responses(400, 401, 403, 404, 409, 422)},
        tags=["waivers"],
    )
    def post(self, request: Request, id: int) -> Response:  # noqa: A002
        user, waiver = self.waiver(request, id)
        body = ser.WaiverRejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        waiver = services.waiver_reject(
            waiver_id=waiver.pk, actor=Actor.for_user(user), note=body.validated_data["note"]
        )
        return Response(ser.WaiverSerializer(waiver).data)


# --- payments -----------------------------------------------------------------------------------


class CanRecordPayments(BasePermission):
    """Supervisors (staff) and the payments-system service account (a token user in the
    ``payments_system`` group); the service checks the role again (``access.ACTION_ROLES``)."""

    message = "Payments are recorded by supervisors or the payments system."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return (
            isinstance(user, User)
            and may(user, "payment.record")
            and (user.is_staff or is_payments_system(user))
        )


class PaymentsView(StaffAPI):
    permission_classes = [CanRecordPayments]

    @extend_schema(
        summary="Record a payment (idempotent by external reference)",
        description="201 for a new payment, 200 with the stored one when the reference was already "
        "recorded with the same account, amount and currency; 422 `reference_conflict` when it was recorded "
        "differently, `currency_mismatch` for another currency. Allocated in the pack's order, never to "
        "an amount under dispute; on the open case it pays the plan's installments and resolves the case "
        "when nothing is owed. 404 for an account outside the caller's scope. Supervisors and the "
        "payments-system account only (403 otherwise). Every repeat of a reference answers 200, even "
        "when sent at the same time as the first.",
        request=ser.PaymentRequestSerializer,
        responses={
            201: ser.PaymentSerializer,
            200: ser.PaymentSerializer,
            **error_responses(400, 401, 403, 404, 409, 422),
        },
        tags=["payments"],
    )
    def post(self, request: Request) -> Response:
        user = caller(request)
        body = ser.PaymentRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = body.validated_data
        payment, created = services.payment_record_outcome(
            account_id=data["account"],
            external_reference=data["external_reference"],
            amount=data["amount"],
            currency=data["currency"],
            received_at=data["received_at"],
            actor=Actor.for_user(user),
            allow_overpayment=data["overpayment"],
        )
        return Response(ser.PaymentSerializer(payment).data, status=201 if created else 200)


# --- disputes -----------------------------------------------------------------------------------


class CaseDisputesView(ScopedCaseView):
    serializer_class = ser.DisputeRequestSerializer

    @extend_schema(
        summary="The case's disputes and complaints, oldest first",
        responses={200: ser.DisputeSerializer(many=True), **error_responses(401, 403, 404)},
        tags=["disputes"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        return page_of(self, request, selectors.disputes_for_case(case), ser.DisputeSerializer)

    @extend_schema(
        summary="Record a dispute or complaint: the case goes on hold in the same transaction",
        description="Starts the pack's SLA clock (CN: credit-report objections 20 days, others 15), routes "
        "it to compliance and queues `dispute.acknowledgement`. A disputed amount/component is never "
        "paid down while the dispute is open.",
        request=ser.DisputeRequestSerializer,
        responses={201: ser.DisputeSerializer, **error_responses(400, 401, 403, 404, 409, 422)},
        tags=["disputes"],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = caller(request)
        case = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = body.validated_data
        dispute = services.dispute_open(
            case_id=case.pk,
            kind=data["kind"],
            description=data["description"],
            channel=data["channel"],
            disputed_amount=data.get("disputed_amount"),
            disputed_component=data.get("disputed_component") or "",
            actor=Actor.for_user(user),
        )
        return Response(ser.DisputeSerializer(dispute).data, status=201)


class DisputeQueueView(StaffAPI):
    @extend_schema(
        summary="Open disputes and complaints the caller may see, the one due soonest first",
        responses={200: ser.DisputeSerializer(many=True), **error_responses(401, 403)},
        tags=["disputes"],
    )
    def get(self, request: Request) -> Response:
        return page_of(self, request, selectors.open_disputes(caller(request)), ser.DisputeSerializer)


class DisputeResolveView(StaffAPI):
    queryset = Dispute.objects.none()  # schema only

    @extend_schema(
        summary="Decide a dispute: upheld or rejected, with the explanation sent to the customer",
        description="Compliance officers and supervisors only. An upheld identity-theft or not-my-debt "
        "dispute closes the case; otherwise the hold is released once no dispute is open. 409 "
        "`dispute_closed` when already decided.",
        request=ser.DisputeResolveSerializer,
        parameters=[_ID],
        responses={200: ser.DisputeSerializer, **error_responses(400, 401, 403, 404, 409, 422)},
        tags=["disputes"],
    )
    def post(self, request: Request, id: int) -> Response:  # noqa: A002
        user = caller(request)
        dispute = _in_scope(Dispute.objects.all(), user, id, "Dispute")
        body = ser.DisputeResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dispute = services.dispute_resolve(
            dispute_id=dispute.pk,
            outcome=body.validated_data["outcome"],
            outcome_text=body.validated_data["outcome_text"],
            actor=Actor.for_user(user),
        )
        return Response(ser.DisputeSerializer(dispute).data)
