"""The admin case list sorted by days past due (issue 13): the order the column shows, on every page, in
both directions, with a fixed number of queries; and the work queue's fixed number of queries.

The stored ``days_past_due`` is rewritten only at thresholds, so a delinquent account's shown number runs
ahead of it; charged-off and current accounts show the stored one. The sort must read as the column does.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import CreditAccount, User
from debt_collections.admin.dpd_order import dpd_sort_key
from debt_collections.models import CaseState, CollectionCase
from debt_collections.services.queue import queue_refresh
from tests.debt_collections.negotiation_support import NOW, case_with_phone, negotiation_env
from tests.factories import CreditAccountFactory, UserFactory, make_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("negotiation_env")]
__all__ = ["negotiation_env"]
LIST = "/admin/collections/collectioncase/"


def case_shown_at(
    dpd_today: int,
    *,
    stored_on_days_ago: int,
    status: str,
    account: CreditAccount | None = None,
    state: str = CaseState.ACTIVE,
) -> CollectionCase:
    """A case whose account shows ``dpd_today`` days past due today; a delinquent one had its number stored
    ``stored_on_days_ago`` days ago (the cycle stores it only at thresholds)."""
    today = timezone.localdate()
    if status == CreditAccount.Status.DELINQUENT:
        stored, on = dpd_today - stored_on_days_ago, today - timedelta(days=stored_on_days_ago)
    else:
        stored, on = dpd_today, today - timedelta(days=stored_on_days_ago)
    case = make_case(state, account=account)
    CreditAccount.objects.filter(pk=case.account_id).update(
        status=status, days_past_due=stored, dpd_on=on, due_date=today - timedelta(days=dpd_today)
    )
    return case


@pytest.fixture
def mixed_book() -> dict[int, int]:
    """Case id → days past due shown today, delinquent and not, with stored numbers that order them
    differently from what is shown (and ties)."""
    specs = [
        (95, 40, CreditAccount.Status.DELINQUENT),  # stored 55: below the charged-off 60 if sorted stored
        (60, 0, CreditAccount.Status.CHARGED_OFF),
        (61, 30, CreditAccount.Status.DELINQUENT),  # stored 31
        (200, 0, CreditAccount.Status.CHARGED_OFF),
        (0, 0, CreditAccount.Status.CURRENT),
        (61, 1, CreditAccount.Status.DELINQUENT),  # a tie with the other 61
        (12, 2, CreditAccount.Status.DELINQUENT),
        (60, 0, CreditAccount.Status.CLOSED),  # a tie across the two kinds
    ]
    shown = {}
    for dpd, ago, status in specs:
        case = case_shown_at(dpd, stored_on_days_ago=ago, status=status)
        shown[case.pk] = dpd
    return shown


@pytest.fixture
def tied_book() -> dict[int, int]:
    """Case id → days past due shown today, nearly all tied: accounts made before their cases in the
    opposite order (so account ids run against case ids), delinquent and not, and one account with a
    finished case and an open one (the same account id and days past due)."""
    delinquent, closed = CreditAccount.Status.DELINQUENT, CreditAccount.Status.CLOSED
    accounts = [CreditAccountFactory.create() for _ in range(6)]
    specs = [  # (account, days past due today, days since stored, status, case state)
        (accounts[5], 40, 3, delinquent, CaseState.ACTIVE),
        (accounts[4], 40, 0, delinquent, CaseState.ACTIVE),
        (accounts[3], 40, 0, closed, CaseState.ACTIVE),
        (accounts[2], 40, 0, closed, CaseState.ACTIVE),
        (accounts[1], 40, 9, delinquent, CaseState.RESOLVED),
        (accounts[1], 40, 9, delinquent, CaseState.ACTIVE),  # the same account's open case
        (accounts[0], 7, 1, delinquent, CaseState.ACTIVE),
    ]
    shown = {}
    for account, dpd, ago, status, state in specs:
        case = case_shown_at(dpd, stored_on_days_ago=ago, status=status, account=account, state=state)
        shown[case.pk] = dpd
    return shown


def python_order(shown: dict[int, int], *, descending: bool) -> list[int]:
    """The same rows sorted in Python by the list's key (days past due, account id, case id)."""
    accounts = dict(CollectionCase.objects.filter(pk__in=shown).values_list("pk", "account_id"))
    return sorted(shown, key=lambda pk: dpd_sort_key(shown[pk], accounts[pk], pk, descending=descending))


def listed(client: Any, query: str) -> list[int]:
    html = client.get(LIST + query).content.decode()
    return [int(pk) for pk in re.findall(r'name="_selected_action" value="(\d+)"', html)]


@pytest.mark.parametrize("descending", [True, False])
def test_sorting_by_days_past_due_follows_the_number_shown_on_every_page(
    descending: bool, mixed_book: dict[int, int], client_for: Any, supervisor: User, monkeypatch: Any
) -> None:
    from debt_collections.admin.cases import CollectionCaseAdmin

    monkeypatch.setattr(CollectionCaseAdmin, "list_per_page", 3)  # pages end inside runs and ties
    client = client_for(supervisor)
    column = 1 + list(CollectionCaseAdmin.list_display).index("dpd")
    order = f"o={'-' if descending else ''}{column}"

    pages = [listed(client, f"?{order}&p={page}") for page in (1, 2, 3)]

    assert [pk for page in pages for pk in page] == python_order(mixed_book, descending=descending)
    for page in pages:  # the column shows the number the rows are sorted by
        assert len(page) <= 3


@pytest.mark.parametrize("descending", [True, False])
def test_ties_break_by_account_then_case_the_same_on_every_page_and_every_view(
    descending: bool, tied_book: dict[int, int], client_for: Any, supervisor: User, monkeypatch: Any
) -> None:
    from debt_collections.admin.cases import CollectionCaseAdmin

    monkeypatch.setattr(CollectionCaseAdmin, "list_per_page", 2)  # every page boundary inside a tie
    client = client_for(supervisor)
    order = f"o={'-' if descending else ''}{1 + list(CollectionCaseAdmin.list_display).index('dpd')}"

    first = [listed(client, f"?{order}&p={page}") for page in (1, 2, 3, 4)]
    again = [listed(client, f"?{order}&p={page}") for page in (1, 2, 3, 4)]

    rows = [pk for page in first for pk in page]
    assert rows == python_order(tied_book, descending=descending)  # total: every case once, in key order
    assert again == first  # stable between views
    by_case_id = sorted(tied_book, key=lambda pk: (tied_book[pk], pk), reverse=descending)
    assert rows != by_case_id  # the fixture does tell the account id from the case id


def test_the_sort_key_is_total_and_runs_one_way() -> None:
    rows = [(40, 3, 9), (40, 3, 8), (40, 2, 10), (7, 9, 1), (40, 2, 11)]
    assert sorted(rows, key=lambda r: dpd_sort_key(*r, descending=True)) == sorted(rows, reverse=True)
    assert sorted(rows, key=lambda r: dpd_sort_key(*r, descending=False)) == sorted(rows)


def test_the_days_past_due_column_shows_the_number_the_sort_used(
    mixed_book: dict[int, int], client_for: Any, supervisor: User
) -> None:
    from debt_collections.admin.cases import CollectionCaseAdmin

    shown = {case.pk: case.account.days_past_due_today for case in CollectionCase.objects.all()}
    assert shown == mixed_book
    assert CollectionCaseAdmin.sortable_by is not None and "dpd" in CollectionCaseAdmin.sortable_by


@pytest.mark.parametrize("count", [3, 12])
def test_the_sorted_case_list_runs_a_fixed_number_of_queries(
    count: int, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(count):
        case_shown_at(10 + i, stored_on_days_ago=i % 5, status=CreditAccount.Status.DELINQUENT)
    client = client_for(UserFactory.create(username="sup", roles=["supervisor"]))
    client.get(LIST + "?o=-5")  # warm: content types, permissions

    # The list's own (session, user, groups, count, agencies, actions' choices) and the merge's three.
    with django_assert_max_num_queries(13):
        response = client.get(LIST + "?o=-5")
    assert response.status_code == 200


@pytest.mark.parametrize("count", [3, 12])
def test_the_work_queue_runs_a_fixed_number_of_queries(
    count: int, client_for: Any, django_assert_max_num_queries: Any, supervisor: User
) -> None:
    cases = [case_with_phone(days_past_due=5 + i)[0] for i in range(count)]
    queue_refresh(case_ids=[c.pk for c in cases], now=NOW)
    client = client_for(supervisor)
    client.get("/admin/collections/queueentry/")

    # Session, user, groups, the page of entries with their cases, accounts, customers and assignees.
    with django_assert_max_num_queries(6):
        page = client.get("/admin/collections/queueentry/").content.decode()
    assert all(f"/admin/collections/collectioncase/{c.pk}/change/" in page for c in cases)


def test_days_past_due_shown_is_the_models_own(mixed_book: dict[int, int]) -> None:
    today: date = timezone.localdate()
    for case in CollectionCase.objects.select_related("account"):
        assert case.account.days_past_due_on(today) == mixed_book[case.pk]
