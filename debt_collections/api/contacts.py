"""Staff API for contacts: log a call through the gate, queue a standardized notice, list both.

A contact point that is not the case's customer's own is a 404 and nothing is stored (the service
resolves it in the case's scope). A compliance block is a 422 with ``blocked_by`` (rule ids) and
``next_allowed_at``; the blocked attempt
or notice is stored and audited all the same (see ``services.contact_attempt_log`` and
``notifications.services.notice_queue``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from debt_collections import services
from debt_collections.api.base import ActingCaseView, caller, error_responses, page_of
from debt_collections.kernel.audit import Actor
from debt_collections.models import ContactAttempt
from debt_collections.services.links import links_for_notices
from notifications.masking import mask_address, mask_links
from notifications.models import Notice
from notifications.selectors import notices_for_case
from notifications.services import notice_queue


class ContactAttemptRequestSerializer(serializers.Serializer[Any]):
    channel = serializers.ChoiceField(
        choices=ContactAttempt.Channel.choices, default=ContactAttempt.Channel.CALL
    )
    contact_point = serializers.IntegerField(min_value=1)
    direction = serializers.ChoiceField(
        choices=ContactAttempt.Direction.choices, default=ContactAttempt.Direction.OUTBOUND
    )
    connected = serializers.BooleanField(default=False)
    conversation = serializers.BooleanField(default=False)
    outcome = serializers.ChoiceField(
        choices=ContactAttempt.Outcome.choices, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class ContactAttemptSerializer(serializers.ModelSerializer[ContactAttempt]):
    class Meta:
        model = ContactAttempt
        fields = [
            "id",
            "case",
            "channel",
            "direction",
            "contact_point",
            "placed_at",
            "connected",
            "conversation",
            "outcome",
            "note",
            "agent",
            "allowed",
            "blocked_by",
            "next_allowed_at",
            "policy_version",
        ]
        read_only_fields = fields


class NoticeRequestSerializer(serializers.Serializer[Any]):
    template = serializers.CharField(max_length=64, help_text="template key, e.g. reminder.soft")
    contact_point = serializers.IntegerField(min_value=1)


class NoticeSerializer(serializers.ModelSerializer[Notice]):
    """The notice as staff may see it: the recipient masked as in the admin, and the body's negotiation
    and opt-out links replaced by a masked link id (whoever holds a live link can act as the customer)."""

    template_key = serializers.CharField(source="template.key", read_only=True)
    template_version = serializers.IntegerField(source="template.version", read_only=True)
    recipient = serializers.SerializerMethodField(help_text="Masked: `+861****5678`, `a***@example.com`.")
    body = serializers.SerializerMethodField(
        help_text="The exact text, with links masked (`/n/[link …abcd]/`)."
    )

    def get_recipient(self, notice: Notice) -> str:
        return mask_address(notice.recipient)

    def get_body(self, notice: Notice) -> str:
        return mask_links(notice.body)

    class Meta:
        model = Notice
        fields = [
            "id",
            "case",
            "template_key",
            "template_version",
            "contact_point",
            "channel",
            "recipient",
            "subject",
            "body",
            "body_hash",
            "status",
            "due_date",
            "attempt",
            "retry_of",
            "not_before",
            "decision",
            "provider_reference",
            "queued_at",
            "sent_at",
            "attempts",
            "last_error",
        ]
        read_only_fields = fields


class CaseContactAttemptsView(ActingCaseView):
    serializer_class = ContactAttemptRequestSerializer

    @extend_schema(
        summary="The case's contact attempts, newest first (allowed and blocked)",
        responses={200: ContactAttemptSerializer(many=True), **error_responses(401, 403, 404)},
        tags=["contacts"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        attempts: QuerySet[ContactAttempt] = case.contact_attempts.order_by("-placed_at", "-pk")
        return page_of(self, request, attempts, ContactAttemptSerializer)

    @extend_schema(
        summary="Log a call (asks the compliance gate first)",
        description="Outbound calls are checked by the gate; 201 with the stored decision when allowed, "
        "422 with `blocked_by` and `next_allowed_at` when blocked (the blocked attempt is stored and "
        "audited). Inbound contacts are recorded without gating. An outcome of `wrong_party` quarantines "
        "the number for every customer. Outbound SMS/email/letters go through `notices/`.",
        request=ContactAttemptRequestSerializer,
        responses={201: ContactAttemptSerializer, **error_responses(400, 401, 403, 404, 409, 422)},
        tags=["contacts"],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = caller(request)
        case = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = body.validated_data
        attempt = services.contact_attempt_log(
            case_id=case.pk,
            actor=Actor.for_user(user),
            contact_point_id=data["contact_point"],
            channel=data["channel"],
            direction=data["direction"],
            connected=data["connected"],
            conversation=data["conversation"],
            outcome=data["outcome"],
            note=data["note"],
        )
        return Response(ContactAttemptSerializer(attempt).data, status=201)


class CaseNoticesView(ActingCaseView):
    serializer_class = NoticeRequestSerializer

    @extend_schema(
        summary="The case's notices (the outbox), oldest first, with the exact text and template version",
        responses={200: NoticeSerializer(many=True), **error_responses(401, 403, 404)},
        tags=["notices"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        return page_of(self, request, notices_for_case(case.pk).order_by("queued_at", "pk"), NoticeSerializer)

    @extend_schema(
        summary="Queue a standardized notice (asks the compliance gate first)",
        description="The channel follows the contact point (phone → SMS, email → email, postal → letter) "
        "and the template version is the approved one in the customer's language. 202 when queued (a "
        "worker sends it after commit and re-checks the gate); 422 with `blocked_by` and "
        "`next_allowed_at` when the gate blocks (the blocked notice is stored). Idempotent: the same "
        "template to the same point on the same day returns the existing notice, unless it was blocked: "
        "asking again is then a new attempt (its own row and decision, `retry_of` the blocked one), 202 "
        "when the gate allows it now and 422 with the current `blocked_by` and `next_allowed_at` when "
        "not. Service-only keys (confirmations, acknowledgements, offers, credit-report notices) are "
        "refused with 422 `service_only_template`: their services send them.",
        request=NoticeRequestSerializer,
        responses={202: NoticeSerializer, **error_responses(400, 401, 403, 404, 409, 422)},
        tags=["notices"],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = caller(request)
        case = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = body.validated_data
        notice = notice_queue(
            case_id=case.pk,
            template_key=data["template"],
            contact_point_id=data["contact_point"],
            actor=Actor.for_user(user),
            links=links_for_notices,
        )
        notice.refresh_from_db()
        return Response(NoticeSerializer(notice).data, status=202)
