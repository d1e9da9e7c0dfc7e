"""Shared pieces of the reports: the filters, the ``Report`` shape and small helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from compliance.charts import Chart

Cell = str | int | Decimal | None
DEFAULT_DAYS = 90

GREEN, BLUE, ORANGE = "#009E73", "#0072B2", "#E69F00"
VERMILION, PURPLE, GREY = "#D55E00", "#CC79A7", "#888888"


@dataclass(frozen=True)
class ReportFilters:
    date_from: date
    date_to: date
    agency_id: int | None = None
    agent_id: int | None = None
    pack: str = ""

    @classmethod
    def last_days(cls, today: date, days: int = DEFAULT_DAYS) -> ReportFilters:
        """The default: the last ``days`` UTC days up to and including ``today``."""
        return cls(date_from=today - timedelta(days=days - 1), date_to=today)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.date_from, time.min, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after ``date_to``."""
        return datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=UTC)

    def as_params(self) -> dict[str, str]:
        """Query-string form (the filter form's field names); also what an export's audit event records."""
        params = {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()}
        if self.agency_id is not None:
            params["agency"] = str(self.agency_id)
        if self.agent_id is not None:
            params["agent"] = str(self.agent_id)
        if self.pack:
            params["pack"] = self.pack
        return params


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    chart: Chart
    notes: tuple[str, ...] = ()
    summary: tuple[tuple[str, Cell], ...] = field(default=())


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks(filters: ReportFilters) -> list[date]:
    """Every Monday from the week of ``date_from`` to the week of ``date_to`` (empty weeks included)."""
    first, last = week_start(filters.date_from), week_start(filters.date_to)
    return [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


def percent(part: int, whole: int) -> Decimal | None:
    """``part / whole`` as a percentage with one decimal, or None when there is nothing to divide by."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def scoped(
    qs: QuerySet[Any],
    filters: ReportFilters,
    *,
    at: str,
    agency: str | None,
    pack: str | None,
    agent: Callable[[int], Q] | None,
) -> QuerySet[Any]:
    """Apply the date range on field ``at`` and the optional filters through the given lookups."""
    qs = qs.filter(**{f"{at}__gte": filters.start, f"{at}__lt": filters.end})
    if filters.agency_id is not None and agency is not None:
        qs = qs.filter(**{agency: filters.agency_id})
    if filters.agent_id is not None and agent is not None:
        qs = qs.filter(agent(filters.agent_id))
    if filters.pack and pack is not None:
        qs = qs.filter(**{pack: filters.pack})
    return qs


def by_label(user_id: int, field_name: str) -> Q:
    """Rows whose audit-label column (``user:<id>:<username>``) names this user."""
    return Q(**{f"{field_name}__startswith": f"user:{user_id}:"})
