"""Staff API v1 routes (mounted at ``/api/v1/`` by ``config.urls``); reverse as ``api:<name>``."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from debt_collections.api import cases as api
from debt_collections.api import contacts as api_contacts
from debt_collections.api import credit_reports as api_credit_reports
from debt_collections.api import limits as api_limits
from debt_collections.api import negotiation as api_negotiation
from debt_collections.api import promises as api_promises  # issue 14

app_name = "api"

urlpatterns: list[URLPattern | URLResolver] = [
    path("auth/token/", api.TokenObtainView.as_view(), name="token"),
    path("cases/", api.CaseListView.as_view(), name="case-list"),
    path("cases/<int:id>/", api.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:id>/transitions/", api.CaseTransitionView.as_view(), name="case-transitions"),
    path(
        "cases/<int:id>/contact-attempts/",
        api_contacts.CaseContactAttemptsView.as_view(),
        name="case-contact-attempts",
    ),
    path("cases/<int:id>/notices/", api_contacts.CaseNoticesView.as_view(), name="case-notices"),
    # negotiation (api_negotiation)
    path("cases/<int:id>/options/", api_negotiation.CaseOptionsView.as_view(), name="case-options"),
    path("cases/<int:id>/plans/", api_negotiation.CasePlansView.as_view(), name="case-plans"),
    path("plans/<int:id>/accept/", api_negotiation.PlanAcceptView.as_view(), name="plan-accept"),
    path("plans/<int:id>/withdraw/", api_negotiation.PlanWithdrawView.as_view(), name="plan-withdraw"),
    path("plans/<int:id>/cancel/", api_negotiation.PlanCancelView.as_view(), name="plan-cancel"),
    path("cases/<int:id>/waivers/", api_negotiation.CaseWaiversView.as_view(), name="case-waivers"),
    path("waivers/<int:id>/approve/", api_negotiation.WaiverApproveView.as_view(), name="waiver-approve"),
    path("waivers/<int:id>/reject/", api_negotiation.WaiverRejectView.as_view(), name="waiver-reject"),
    path("payments/", api_negotiation.PaymentsView.as_view(), name="payments"),
    path("cases/<int:id>/disputes/", api_negotiation.CaseDisputesView.as_view(), name="case-disputes"),
    path("disputes/", api_negotiation.DisputeQueueView.as_view(), name="dispute-queue"),
    path("disputes/<int:id>/resolve/", api_negotiation.DisputeResolveView.as_view(), name="dispute-resolve"),
    # promises to pay (issue 14)
    path("cases/<int:id>/promises/", api_promises.CasePromisesView.as_view(), name="case-promises"),
    path("promises/<int:id>/cancel/", api_promises.PromiseCancelView.as_view(), name="promise-cancel"),
    # credit reporting (api_credit_reports) and limit changes (api_limits)
    path(
        "cases/<int:id>/credit-report/",
        api_credit_reports.CaseCreditReportView.as_view(),
        name="case-credit-report",
    ),
    path(
        "cases/<int:id>/credit-report/correct/",
        api_credit_reports.CaseCreditReportCorrectView.as_view(),
        name="case-credit-report-correct",
    ),
    path(
        "accounts/<int:id>/limit-changes/",
        api_limits.AccountLimitChangesView.as_view(),
        name="account-limit-changes",
    ),
    path("limit-changes/appeals/", api_limits.LimitChangeAppealQueueView.as_view(), name="limit-appeals"),
    path(
        "limit-changes/<int:id>/appeal/",
        api_limits.LimitChangeAppealView.as_view(),
        name="limit-change-appeal",
    ),
    path(
        "limit-changes/<int:id>/review/",
        api_limits.LimitChangeReviewView.as_view(),
        name="limit-change-review",
    ),
]
