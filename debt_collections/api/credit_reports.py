"""Staff API for credit-bureau reporting (DESIGN §9): a case's reporting position and corrections.

Thin views: scope through ``selectors`` (a case outside the caller's scope is a 404, never a 403),
reads through ``credit.selectors``, writes through ``credit.credit_report_correct`` (which checks role
and scope and audits). Domain errors become JSON 4xx in ``config.api_errors``. Serializers live here:
they are used by these views only.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from debt_collections import credit
from debt_collections.api.base import ScopedCaseView, caller, error_responses
from debt_collections.credit.selectors import credit_report_view
from debt_collections.kernel.audit import Actor
from debt_collections.models import BureauRecord, CreditReportNotice

# --- serializers ------------------------------------------------------------------------------------


class CreditReportNoticeSerializer(serializers.ModelSerializer[CreditReportNotice]):
    class Meta:
        model = CreditReportNotice
        fields = [
            "id",
            "status",
            "suppressed_reason",
            "pre_notice",
            "channel",
            "policy_version",
            "prenotice_days",
            "created_at",
            "sent_at",
            "delivered_at",
            "eligible_at",
            "reported_at",
            "corrected_at",
        ]
        read_only_fields = fields


class BureauRecordSerializer(serializers.ModelSerializer[BureauRecord]):
    class Meta:
        model = BureauRecord
        fields = [
            "id",
            "kind",
            "status_code",
            "amount_band",
            "currency",
            "days_past_due",
            "delinquent_since",
            "as_of",
            "dispute_marker",
            "dispute",
            "corrects",
            "reason",
            "created_at",
            "created_by",
            "exported_at",
            "feed_file",
        ]
        read_only_fields = fields


class GradeTextSerializer(serializers.Serializer[Any]):
    what = serializers.CharField(read_only=True, help_text="What is, or is not yet, reported.")
    reads_as = serializers.CharField(read_only=True, help_text="How the record reads at the bureau.")
    stays = serializers.CharField(read_only=True, help_text="How long it stays on file.")
    what_you_can_do = serializers.CharField(read_only=True)


class CreditReportSerializer(serializers.Serializer[Any]):
    grade = serializers.CharField(
        source="grade_code",
        read_only=True,
        help_text="current, late, pre_notice, serious or charged_off (policies.credit_impact).",
    )
    status_code = serializers.CharField(
        read_only=True, help_text="The feed's status code for this grade; empty when nothing is reported."
    )
    texts = serializers.DictField(
        child=GradeTextSerializer(),
        read_only=True,
        help_text="The grade's sentences by locale (zh-hans, en), as the customer reads them.",
    )
    reportable_now = serializers.BooleanField(
        read_only=True, help_text="Whether a negative record could be exported now."
    )
    reason = serializers.CharField(read_only=True, help_text="Why not, when it could not.")
    notice = CreditReportNoticeSerializer(read_only=True, allow_null=True)
    records = BureauRecordSerializer(many=True, read_only=True)


class CorrectionRequestSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000, help_text="Why the report was wrong.")


# --- credit reporting ----------------------------------------------------------------------------------


class CaseCreditReportView(ScopedCaseView):
    @extend_schema(
        summary="What the credit bureau is, or will be, told about this case, and why",
        description="The account's credit-impact grade with its texts in both locales, the pre-notice record "
        "(sent, delivered, eligible dates; status pending, eligible, reported, suppressed or corrected), "
        "whether a negative record could be exported now and why not, and the records sent.",
        responses={200: CreditReportSerializer, **error_responses(401, 403, 404)},
        tags=["credit reporting"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        return Response(CreditReportSerializer(credit_report_view(case, timezone.now())).data)


class CaseCreditReportCorrectView(ScopedCaseView):
    serializer_class = CorrectionRequestSerializer

    @extend_schema(
        summary="Correct the negative record reported for this case (it was wrong)",
        description="Compliance officers and supervisors. Makes a correction record (status `DELETE`) that "
        "the next feed carries; safe to repeat (returns the same correction). 422 `nothing_reported` when no "
        "negative record was made for the case.",
        request=CorrectionRequestSerializer,
        responses={201: BureauRecordSerializer, **error_responses(400, 401, 403, 404, 422)},
        tags=["credit reporting"],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = caller(request)
        case = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = credit.credit_report_correct(
            case_id=case.pk, actor=Actor.for_user(user), reason=body.validated_data["reason"]
        )
        return Response(BureauRecordSerializer(record).data, status=201)
