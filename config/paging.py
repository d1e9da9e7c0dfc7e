"""Page counts that do not scan a large table: exact up to ``EXACT_UP_TO`` rows, the planner's estimate above.

Staff lists at a lender's scale (issue 13) have hundreds of thousands of cases; ``COUNT(*)`` over them costs
more than the page itself. Counting stops at ``EXACT_UP_TO + 1`` rows (a bounded ``COUNT`` over a
``LIMIT``), so any filtered list a person works through is counted exactly; past that, on PostgreSQL, the
count is the planner's row estimate for the same query (``EXPLAIN``), never less than the rows counted.
Used by the admin's case list (``paginator``) and the API's case list (``pagination_class``).
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination

EXACT_UP_TO = 10_000


def estimated_count(queryset: QuerySet[Any]) -> int:
    """The number of rows of ``queryset``: exact up to ``EXACT_UP_TO``, estimated above (PostgreSQL)."""
    unordered = queryset.order_by()
    counted = unordered[: EXACT_UP_TO + 1].count()
    connection = connections[queryset.db]
    if counted <= EXACT_UP_TO or connection.vendor != "postgresql":
        return counted if counted <= EXACT_UP_TO else unordered.count()
    sql, params = unordered.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return max(counted, int(plan[0]["Plan"]["Plan Rows"]))


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return estimated_count(self.object_list)
        return len(self.object_list)


class EstimatedCountPagination(PageNumberPagination):
    django_paginator_class = EstimatedCountPaginator
