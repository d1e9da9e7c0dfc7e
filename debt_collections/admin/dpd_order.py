"""The case list sorted by days past due, from indexes and in the order the column shows.

The stored ``days_past_due`` is rewritten only when an account crosses a threshold (``DPD_THRESHOLDS``);
the column shows ``days_past_due_on(today)``: for a delinquent account the stored number plus the days
since the cycle stored it (that is, the days since its due date), for any other the stored number. So no
single stored column orders the rows as the column reads, and ``ORDER BY account.days_past_due`` was
both wrong (delinquent accounts by their last threshold) and a sort of every case per page (2.4 s at
1,000,000 accounts).

Instead a page is merged from two index-ordered reads of ``offset + limit`` rows each: delinquent
accounts by due date (the older the due date, the more days past due; ``account_delinquent_due_idx``)
and every other account by its stored number (``account_not_delinquent_dpd_idx``). The candidates'
days past due are computed as the column computes them, the two lists merged by (days past due, account
id, case id, all in the same direction), and the page's rows read by id.

Ties break by the account's id before the case's: both indexes end in the account id, so each read walks
its index and stops after a page's worth of rows. Broken by the case's id alone, each read sorted every
account sharing the first due date (1,760 rows at 1,000,000 accounts, ten times that at 10,000,000). The
case id still breaks the last tie: an account's earlier, finished cases share its days past due.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.admin.views.main import ChangeList
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import CreditAccount
from debt_collections.models import CollectionCase

DPD_ORDER = "account__days_past_due"
DELINQUENT = Q(account__status=CreditAccount.Status.DELINQUENT)
_COLUMNS = ("pk", "account_id", "account__days_past_due", "account__dpd_on", "account__status")
# What the list's columns read (CollectionCaseAdmin.list_display and the joined rows' ``__str__``). A column
# added there needs its fields here, else each row loads it with a query of its own (the list's query
# count test fails then).
LIST_COLUMNS = (
    "state",
    "next_action_at",
    "opened_at",
    "account__account_number",
    "account__product",
    "account__currency",
    "account__principal",
    "account__interest",
    "account__fees",
    "account__penalty_interest",
    "account__days_past_due",
    "account__dpd_on",
    "account__status",
    "customer__full_name",
    "assignee__username",
    "agency__name",
    "agency__licence_number",
)


def _shown_dpd(row: dict[str, Any], today: date) -> int:
    """``CreditAccount.days_past_due_on(today)`` from the row's values."""
    stored, on = int(row["account__days_past_due"]), row["account__dpd_on"]
    if on is None or row["account__status"] != CreditAccount.Status.DELINQUENT or today <= on:
        return stored
    return stored + (today - on).days


def dpd_sort_key(dpd: int, account_id: int, case_id: int, *, descending: bool) -> tuple[int, int, int]:
    """The list's order by days past due: the number shown, then the account's id, then the case's, all in
    the sort's direction. Total: no two cases share an id."""
    if descending:
        return (-dpd, -account_id, -case_id)
    return (dpd, account_id, case_id)


def page_by_days_past_due(
    queryset: QuerySet[CollectionCase], *, offset: int, limit: int, descending: bool, today: date
) -> list[CollectionCase]:
    """Rows ``offset`` .. ``offset + limit`` of ``queryset`` (its filters, not its order) by days past due
    as shown on ``today``, ties by account id, then case id, in the same direction (``dpd_sort_key``).
    Three queries whatever the page."""
    base = queryset.order_by()
    take = offset + limit
    due = F("account__due_date")
    stored = F("account__days_past_due")
    ties = ("-account_id", "-pk") if descending else ("account_id", "pk")
    delinquent = base.filter(DELINQUENT).order_by(due.asc() if descending else due.desc(), *ties)
    others = base.exclude(DELINQUENT).order_by(stored.desc() if descending else stored.asc(), *ties)
    candidates = [
        (_shown_dpd(row, today), row["account_id"], row["pk"])
        for rows in (delinquent.values(*_COLUMNS)[:take], others.values(*_COLUMNS)[:take])
        for row in rows
    ]
    candidates.sort(key=lambda c: dpd_sort_key(*c, descending=descending))
    ids = [pk for _dpd, _account, pk in candidates[offset:take]]
    by_id = {case.pk: case for case in queryset.order_by().filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


class CaseChangeList(ChangeList):
    """The admin's case list; sorted by the days-past-due column, its page comes from
    ``page_by_days_past_due`` (the counts and the paginator stay the admin's own).

    Ties break by id in the direction of the sort (Django appends ``-pk`` whatever the direction), so one
    index on (column, id) serves a sort both ways, read forwards or backwards."""

    def get_ordering(self, request: HttpRequest, queryset: QuerySet[Any]) -> list[Any]:
        ordering = list(super().get_ordering(request, queryset))
        first = ordering[0] if ordering else None
        if len(ordering) >= 2 and ordering[-1] == "-pk" and isinstance(first, str) and first[:1] != "-":
            ordering[-1] = "pk"
        return ordering

    def get_results(self, request: HttpRequest) -> None:
        # The page reads only what its columns show (LIST_COLUMNS): a row of the four joined tables is
        # about seventy columns, most of them never shown here.
        self.queryset = self.queryset.only(*LIST_COLUMNS)
        super().get_results(request)  # the page's queryset is lazy: replaced below, never run
        order = list(self.queryset.query.order_by)
        first = order[0] if order else None
        if not isinstance(first, str) or first.lstrip("-") != DPD_ORDER:
            return
        if self.show_all and self.can_show_all:
            offset, limit = 0, self.list_max_show_all
        else:
            offset, limit = (self.page_num - 1) * self.list_per_page, self.list_per_page
        self.result_list = page_by_days_past_due(
            self.queryset,
            offset=offset,
            limit=limit,
            descending=first.startswith("-"),
            today=timezone.localdate(),
        )
