"""The compliance reports: set-based queries that return plain rows (and the numbers for their chart).

Each report takes ``ReportFilters`` (a UTC date range, optionally an agency, an agent and a policy pack)
and ``now``, and returns a ``Report``: column names, rows of plain values (str, int, Decimal), a
``charts.Chart`` with the same numbers, and notes that say exactly what is counted. Views render them,
``exports`` writes them to CSV/XLSX; nothing here renders or writes.

Weeks start on Monday, in UTC. Dates in the filters are UTC calendar days, both ends included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from compliance.reports.base import DEFAULT_DAYS, Cell, Report, ReportFilters, percent, week_start, weeks
from compliance.reports.contacts import gate_decisions, notices, wrong_party
from compliance.reports.outcomes import disputes, plans, waivers

__all__ = [
    "DEFAULT_DAYS",
    "REPORTS",
    "Cell",
    "Report",
    "ReportFilters",
    "build",
    "build_all",
    "disputes",
    "gate_decisions",
    "notices",
    "percent",
    "plans",
    "waivers",
    "week_start",
    "weeks",
    "wrong_party",
]

# --- the registry ---------------------------------------------------------------------------------

ReportFn = Callable[[ReportFilters, datetime], Report]
REPORTS: dict[str, ReportFn] = {
    "gate-decisions": gate_decisions,
    "disputes": disputes,
    "waivers": waivers,
    "plans": plans,
    "notices": notices,
    "wrong-party": wrong_party,
}


def build(slug: str, filters: ReportFilters, now: datetime) -> Report:
    """One report by its slug; ``KeyError`` for an unknown slug."""
    return REPORTS[slug](filters, now)


def build_all(filters: ReportFilters, now: datetime, slugs: Iterable[str] | None = None) -> list[Report]:
    return [REPORTS[slug](filters, now) for slug in (slugs or REPORTS)]
