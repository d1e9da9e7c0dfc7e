"""The workspace pages: thin views that call ``compliance.selectors``, ``reports`` and ``services``.

Every view is wrapped in ``access.compliance_required`` (login redirect, or 403 without the role).
"""

from __future__ import annotations

from compliance.views.audit import audit_status, evidence_export, verify_now
from compliance.views.cases import case_timeline
from compliance.views.dashboard import dashboard, report_export, reports_page
from compliance.views.registers import agencies, retention
from compliance.views.templates import (
    template_approve,
    template_detail,
    template_list,
    template_new,
    template_reject,
)

__all__ = [
    "agencies",
    "audit_status",
    "case_timeline",
    "dashboard",
    "evidence_export",
    "report_export",
    "reports_page",
    "retention",
    "template_approve",
    "template_detail",
    "template_list",
    "template_new",
    "template_reject",
    "verify_now",
]
