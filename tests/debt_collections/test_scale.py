"""At a lender's scale (issue 13): the cycle touches only the accounts whose state changes, and the staff
lists and the customer page run a fixed, small number of queries whatever the number of cases.

No test here measures time; the bench (``bench/run.py``) does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from accounts.models import DPD_THRESHOLDS, REVIEW_NOW, CreditAccount, days_past_due_q
from config import paging
from debt_collections import services
from debt_collections.cycle import ESCALATE_AT_DPD, cycle_run
from debt_collections.models import CaseState, CollectionCase
from debt_collections.policies import PACK_CODES
from debt_collections.policies.credit_impact import grades_for
from debt_collections.policies.packs import pack_versions
from tests.factories import (
    SYSTEM,
    CreditAccountFactory,
    CustomerFactory,
    PhoneFactory,
    UserFactory,
    make_case,
)

pytestmark = pytest.mark.django_db

D = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(sms_outbox: list[Any], time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


def account_due(days_before: int) -> CreditAccount:
    customer = CustomerFactory.create()
    PhoneFactory.create(customer=customer)
    return CreditAccountFactory.create(
        customer=customer, due_date=D - timedelta(days=days_before), days_past_due=0,
        status=CreditAccount.Status.CURRENT,
    )  # fmt: skip


def stored(account: CreditAccount) -> CreditAccount:
    return CreditAccount.objects.get(pk=account.pk)


# --- the thresholds the stored days past due follow -----------------------------------------------------


def test_every_packs_thresholds_are_review_thresholds() -> None:
    # A rung, escalation, a credit-impact band or charge-off the cycle would not see on its day would be
    # acted on late: the generated review date must stop at each of them (a new one needs a migration).
    needed = {ESCALATE_AT_DPD}
    for code in PACK_CODES:
        for pack in pack_versions(code):
            needed |= {days for days, _key in pack.reminder_ladder} | {pack.charge_off_dpd}
            needed |= {grade.dpd_from for grade in grades_for(pack) if grade.dpd_from > 0}
    assert needed <= set(DPD_THRESHOLDS)


def test_the_review_date_is_the_next_threshold_after_the_stored_days_past_due() -> None:
    account = account_due(16)
    assert stored(account).dpd_review_on == REVIEW_NOW  # no cycle has computed it yet

    cycle_run(as_of=D, now=NOW)

    again = stored(account)
    assert (again.days_past_due, again.dpd_on) == (16, D)
    assert again.dpd_review_on == D - timedelta(days=16) + timedelta(days=30)


def test_a_day_between_thresholds_writes_no_account_and_the_number_still_counts_up() -> None:
    # Given accounts 16 and 40 days past due computed on D
    sixteen, forty = account_due(16), account_due(40)
    cycle_run(as_of=D, now=NOW)

    # When the next day's cycle runs: neither reaches a threshold
    report = cycle_run(as_of=D + timedelta(days=1), now=NOW + timedelta(days=1))

    # Then no account was written, and the exact number is derived from the stored one
    assert report.accounts_updated == 0
    assert stored(sixteen).days_past_due == 16
    assert stored(sixteen).days_past_due_on(D + timedelta(days=1)) == 17
    assert stored(forty).days_past_due_on(D + timedelta(days=5)) == 45


def test_reaching_a_threshold_writes_the_account_on_that_day() -> None:
    account = account_due(ESCALATE_AT_DPD - 2)
    cycle_run(as_of=D, now=NOW)
    assert CollectionCase.objects.get(account=account).state == CaseState.EARLY

    cycle_run(as_of=D + timedelta(days=1), now=NOW + timedelta(days=1))
    assert stored(account).days_past_due == ESCALATE_AT_DPD - 2  # not a threshold: not written

    report = cycle_run(as_of=D + timedelta(days=2), now=NOW + timedelta(days=2))
    assert (report.accounts_updated, report.escalated) == (1, 1)
    assert (stored(account).days_past_due, stored(account).dpd_on) == (ESCALATE_AT_DPD, D + timedelta(days=2))


def test_an_account_paid_off_between_thresholds_is_current_at_the_next_run() -> None:
    account = account_due(20)
    cycle_run(as_of=D, now=NOW)
    zero = Decimal("0.00")
    CreditAccount.objects.filter(pk=account.pk).update(principal=zero, interest=zero, fees=zero,
                                                       penalty_interest=zero)  # fmt: skip

    cycle_run(as_of=D + timedelta(days=1), now=NOW + timedelta(days=1))

    assert (stored(account).days_past_due, stored(account).status) == (0, CreditAccount.Status.CURRENT)


def test_the_days_past_due_filter_counts_as_the_accounts_show() -> None:
    # Given accounts 20 and 40 days past due computed on D, seen ten days later
    twenty, forty = account_due(20), account_due(40)
    cycle_run(as_of=D, now=NOW)
    later = D + timedelta(days=10)

    def ids(low: int, high: int | None) -> set[int]:
        found = CreditAccount.objects.filter(days_past_due_q(low, high, today=later))
        return set(found.values_list("pk", flat=True))

    # Then 30 ≤ dpd finds the one at 30 now (stored 20), and 45..59 the one at 50 (stored 40)
    assert ids(30, None) == {twenty.pk, forty.pk}
    assert ids(30, 44) == {twenty.pk}
    assert ids(45, 59) == {forty.pk}


# --- counts that do not scan ---------------------------------------------------------------------------


def test_counts_are_exact_up_to_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(3):
        make_case()
    assert paging.estimated_count(CollectionCase.objects.all()) == 3
    monkeypatch.setattr(paging, "EXACT_UP_TO", 2)
    # Past the limit: the planner's estimate on PostgreSQL (never fewer than counted), exact elsewhere
    assert paging.estimated_count(CollectionCase.objects.all()) >= 3


# --- a fixed number of queries per page -------------------------------------------------------------


def many_cases(count: int) -> None:
    for _ in range(count):
        make_case(CaseState.ACTIVE)


@pytest.mark.parametrize("count", [3, 12])
def test_the_admin_case_list_runs_a_fixed_number_of_queries(
    count: int, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    many_cases(count)
    client = client_for(UserFactory.create(username="sup", roles=["supervisor"]))
    client.get("/admin/collections/collectioncase/")  # warm: content types, permissions

    with django_assert_max_num_queries(12):  # 10 measured, with 3 cases or 12
        response = client.get("/admin/collections/collectioncase/")
    assert response.status_code == 200


@pytest.mark.parametrize("count", [3, 12])
def test_the_api_case_list_runs_a_fixed_number_of_queries(
    count: int, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    many_cases(count)
    client = client_for(UserFactory.create(username="sup", roles=["supervisor"]))
    client.get("/api/v1/cases/")

    with django_assert_max_num_queries(6):  # 5 measured, with 3 cases or 12
        response = client.get("/api/v1/cases/?ordering=-opened_at")
    assert response.status_code == 200
    assert response.json()["count"] == count


@pytest.mark.parametrize("on_plan", [False, True])
def test_the_customer_page_runs_a_fixed_number_of_queries(
    on_plan: bool, django_assert_max_num_queries: Any, settings: Any
) -> None:
    # The page's rate counters (config.security) live in Redis in production, costing no query; the
    # embedded database cache would add its own, so this count runs them in memory.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    customer = CustomerFactory.create(national_id_last4="4821", date_of_birth=date(1987, 6, 15))
    phone = PhoneFactory.create(customer=customer)
    case = make_case(CaseState.ACTIVE, account=CreditAccountFactory.create(customer=customer))
    link, _url = services.link_create(case_id=case.pk, actor=SYSTEM, contact_point_id=phone.pk, now=NOW)
    if on_plan:  # a live plan of 12 installments: its schedule, the next installment to pay
        services.plan_accept_option(
            case_id=case.pk, option_code="installment:12", actor=SYSTEM, now=NOW, contact_point_id=phone.pk
        )
    page = f"/n/{services.link_token(link)}/"
    client = Client()

    # Session, link (with case, customer, account, point), the audited view (head, event, head, and the
    # savepoint's statements): 6 measured on SQLite; 7 before issue 13's second round.
    with django_assert_max_num_queries(6):
        assert client.get(page).status_code == 200
    client.post(page + "verify/", {"national_id_last4": "4821", "date_of_birth": "1987-06-15"})
    client.get(page)  # the first view after verifying stamps the session's activity
    # The same, then plan facts, disputes, credit record, limit changes, contact points, open promise,
    # and with a live plan the plan, its installments and the next one: 12 (15 on a plan) measured on
    # SQLite; 21 before (the plan, the promise and the link read twice, the session written on every
    # view).
    with django_assert_max_num_queries(15):
        assert client.get(page).status_code == 200


# --- one way to run -------------------------------------------------------------------------------------


def test_the_command_and_beat_run_the_same_steps_in_the_same_order_with_one_clock(
    monkeypatch: pytest.MonkeyPatch, time_machine: Any
) -> None:
    # Given a clock that moves, accounts in two chunks, and every step recorded with the clock it was given
    time_machine.move_to(NOW, tick=True)
    import debt_collections.cycle as cycle
    import debt_collections.tasks as tasks
    from debt_collections.management.commands import run_collection_cycle as command

    for days in (3, 20):
        account_due(days)
    calls: list[tuple[str, object]] = []
    real_start, real_chunk = cycle.cycle_start, cycle.cycle_run_chunk

    def start(**kwargs: Any) -> Any:
        calls.append(("start", kwargs["now"]))
        return real_start(**kwargs)

    def chunk(**kwargs: Any) -> Any:
        calls.append(("chunk", kwargs["now"]))
        return real_chunk(**kwargs)

    for module in (cycle, tasks, command):
        monkeypatch.setattr(module, "cycle_start", start, raising=False)
    for module in (cycle, tasks):
        monkeypatch.setattr(module, "cycle_run_chunk", chunk)
    ids = list(CreditAccount.objects.order_by("pk").values_list("pk", flat=True))
    size = 1 + (ids[-1] - ids[0]) // 2

    # When the command runs the cycle, then beat runs it for the next day (tasks in-process in tests)
    from io import StringIO

    from django.core.management import call_command

    args = ["--as-of", D.isoformat(), "--chunk-size", str(size)]
    call_command("run_collection_cycle", *args, stdout=StringIO(), stderr=StringIO())
    by_command, calls[:] = list(calls), []
    tasks.run_collection_cycle.delay(as_of=(D + timedelta(days=1)).isoformat(), chunk_size=size).get()
    by_beat = list(calls)

    # Then both ran the once-per-run steps first, then the chunks, all with the one clock of the run
    for run in (by_command, by_beat):
        assert [step for step, _now in run] == ["start", "chunk", "chunk"], run
        assert len({now for _step, now in run}) == 1, run
