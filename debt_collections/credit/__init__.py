"""Credit reporting (pre-notices, the bureau feed, corrections) and credit-limit changes (notice,
appeal, review): domain services with their own home, called by the API, the admin, the customer
page and the daily cycle."""

from __future__ import annotations

from debt_collections.credit.corrections import credit_report_correct
from debt_collections.credit.feed import bureau_feed_export
from debt_collections.credit.limit_appeals import limit_change_appeal, limit_change_review
from debt_collections.credit.limits import limit_change_schedule, limit_changes_apply_due
from debt_collections.credit.reporting import credit_report_notice_delivered

__all__ = [
    "bureau_feed_export",
    "credit_report_correct",
    "credit_report_notice_delivered",
    "limit_change_appeal",
    "limit_change_review",
    "limit_change_schedule",
    "limit_changes_apply_due",
]
