"""The supervisor dashboard (issue 14): measures against hand-computed fixtures, the page, the exports,
and the cycle's month-end snapshot."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from accounts.models import User
from debt_collections.cycle import cycle_run
from debt_collections.measures import cure_rate, promise_kept, roll_rates, transitions
from debt_collections.models import DelinquencySnapshot
from debt_collections.services.snapshots import delinquency_snapshot_range
from tests.debt_collections.negotiation_support import NOW, negotiation_env
from tests.factories import CreditAccountFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("negotiation_env")]
__all__ = ["negotiation_env"]

FEB, MAR = date(2026, 2, 1), date(2026, 3, 1)
URL = "/admin/collections/delinquencysnapshot/"

# (bucket at the end of February, bucket at the end of March) for ten accounts, written out by hand.
MOVES = [
    ("1-30", "current"),  # cured
    ("1-30", "1-30"),
    ("1-30", "31-60"),  # rolled
    ("1-30", "31-60"),  # rolled
    ("31-60", "61-90"),  # rolled
    ("31-60", "current"),  # cured
    ("61-90", "61-90"),
    ("61-90", "91-180"),  # rolled
    ("current", "1-30"),  # rolled (newly late)
    ("current", "current"),
]


@pytest.fixture
def snapshots() -> None:
    for before, after in MOVES:
        account = CreditAccountFactory.create()
        for month, bucket in ((FEB, before), (MAR, after)):
            DelinquencySnapshot.objects.create(
                account=account, month=month, bucket=bucket, total_due=Decimal("100.00"), currency="CNY"
            )
    # In March only (new this month): not in any transition.
    DelinquencySnapshot.objects.create(
        account=CreditAccountFactory.create(), month=MAR, bucket="1-30", total_due=Decimal(1), currency="CNY"
    )


@pytest.mark.usefixtures("snapshots")
def test_roll_rates_match_the_hand_computed_transition_table() -> None:
    found = transitions(MAR)
    assert found == {
        ("1-30", "current"): 1,
        ("1-30", "1-30"): 1,
        ("1-30", "31-60"): 2,
        ("31-60", "61-90"): 1,
        ("31-60", "current"): 1,
        ("61-90", "61-90"): 1,
        ("61-90", "91-180"): 1,
        ("current", "1-30"): 1,
        ("current", "current"): 1,
    }
    rows = {r[0]: r for r in roll_rates(MAR).rows}
    assert rows["1-30"][1] == 4 and rows["1-30"][-1] == Decimal("50.0")  # 2 of 4 rolled
    assert rows["31-60"][-1] == Decimal("50.0")  # 1 of 2
    assert rows["61-90"][-1] == Decimal("50.0")  # 1 of 2
    assert rows["current"][-1] == Decimal("50.0")  # 1 of 2 became late
    assert rows["91-180"][1] == 0 and rows["91-180"][-1] is None


@pytest.mark.usefixtures("snapshots")
def test_cure_rate_is_the_share_of_last_months_past_due_accounts_now_current() -> None:
    [(past_due, cured, pct)] = cure_rate(MAR).rows
    assert (past_due, cured, pct) == (8, 2, Decimal("25.0"))


def test_promise_kept_rate_counts_promises_decided_in_the_month(agent: User) -> None:
    from debt_collections.kernel.audit import Actor
    from debt_collections.services import payment_record
    from debt_collections.services.promises import promise_take, promises_decide_due
    from tests.debt_collections.negotiation_support import case_with_phone

    kept_case, _ = case_with_phone()
    broken_case, _ = case_with_phone()
    for case in (kept_case, broken_case):
        promise_take(
            case_id=case.pk,
            amount=Decimal("50.00"),
            due_date=NOW.date(),
            channel="call",
            actor=Actor.for_user(agent),
            now=NOW,
        )
    payment_record(
        account_id=kept_case.account_id,
        external_reference="K-1",
        amount=Decimal("50.00"),
        currency="CNY",
        received_at=NOW + timedelta(hours=1),
        actor=Actor.system("feed"),
        now=NOW + timedelta(hours=1),
    )
    promises_decide_due(as_of=NOW.date() + timedelta(days=7), now=NOW + timedelta(days=7))

    assert promise_kept(MAR).rows == ((1, 1, Decimal("50.0")),)


def test_the_cycle_snapshot_buckets_accounts_and_a_rerun_writes_nothing() -> None:
    late = CreditAccountFactory.create(due_date=date(2026, 1, 20))  # 41 days past due on 2 March
    fine = CreditAccountFactory.create(due_date=date(2026, 3, 20))  # not due yet: not snapshotted
    lo, hi = min(late.pk, fine.pk), max(late.pk, fine.pk)

    assert delinquency_snapshot_range(as_of=date(2026, 3, 2), lo=lo, hi=hi) == 1
    assert delinquency_snapshot_range(as_of=date(2026, 3, 2), lo=lo, hi=hi) == 0

    row = DelinquencySnapshot.objects.get(account=late)
    assert (row.month, row.bucket) == (MAR, "31-60")
    assert not DelinquencySnapshot.objects.filter(account=fine).exists()


@pytest.mark.usefixtures("snapshots")
def test_supervisor_opens_the_dashboard_with_charts_tables_and_exports(
    client_for: Any, supervisor: User
) -> None:
    page = client_for(supervisor).get(URL + "?month=2026-03")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "Roll rates" in html and "Cure rate" in html
    csv = client_for(supervisor).get(URL + "?month=2026-03&export=roll-rates&fmt=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert "1-30" in csv.content.decode("utf-8-sig")
    xlsx = client_for(supervisor).get(URL + "?month=2026-03&export=cure-rate&fmt=xlsx")
    assert xlsx.content[:2] == b"PK"


def test_agents_do_not_get_the_dashboard(client_for: Any, agent: User) -> None:
    assert client_for(agent).get(URL).status_code == 403


def test_supervisors_land_on_the_dashboard_after_logging_in(supervisor: User) -> None:
    from django.test import Client

    supervisor.set_password("pw-for-test-1")
    supervisor.save()
    response = Client().post("/admin/login/", {"username": supervisor.username, "password": "pw-for-test-1"})
    assert response.status_code == 302 and response["Location"] == URL


def test_the_cycle_takes_the_snapshot_on_the_months_last_day_only(time_machine: Any) -> None:
    """The snapshot reads every account of a chunk: a daily cycle whose cost follows the day's changes
    takes it once a month, on the day whose state the roll and cure rates compare."""
    late = CreditAccountFactory.create(due_date=date(2026, 3, 1))
    for day in (date(2026, 3, 2), date(2026, 3, 30)):
        time_machine.move_to(datetime.combine(day, NOW.timetz()), tick=False)
        cycle_run(as_of=day, now=datetime.combine(day, NOW.timetz()))
        assert not DelinquencySnapshot.objects.exists()
    last = date(2026, 3, 31)
    time_machine.move_to(datetime.combine(last, NOW.timetz()), tick=False)
    cycle_run(as_of=last, now=datetime.combine(last, NOW.timetz()).astimezone(UTC))

    assert DelinquencySnapshot.objects.get(account=late).month == MAR
