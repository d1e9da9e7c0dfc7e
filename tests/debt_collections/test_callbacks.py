"""Callback requests: a task for a window the customer chose, inside their contact hours (DESIGN §7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from debt_collections import services
from debt_collections.errors import InvalidInput
from debt_collections.kernel.audit import Actor
from debt_collections.models import AuditEvent, CaseTask
from tests.debt_collections.negotiation_support import NOW, case_with_phone, negotiation_env

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("negotiation_env")]
__all__ = ["negotiation_env"]

CUSTOMER = Actor.link("callback-link")
TOMORROW_10_SHANGHAI = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)


def ask(start: datetime, end: datetime, jurisdiction: str = "CN") -> CaseTask:
    case, _phone = case_with_phone(jurisdiction=jurisdiction)
    return services.callback_request(
        case_id=case.pk, window_start=start, window_end=end, actor=CUSTOMER, now=NOW
    )


def test_a_callback_window_inside_contact_hours_becomes_a_task_in_the_queue() -> None:
    task = ask(TOMORROW_10_SHANGHAI, TOMORROW_10_SHANGHAI + timedelta(hours=1))

    assert task.kind == CaseTask.Kind.CALLBACK
    assert (task.due_at, task.window_end) == (TOMORROW_10_SHANGHAI, TOMORROW_10_SHANGHAI + timedelta(hours=1))
    assert "2026-03-03 10:00 and 11:00" in task.note
    event = AuditEvent.objects.get(action="callback.requested")
    assert event.payload["task"] == task.pk


def test_a_window_may_end_exactly_at_closing_time() -> None:
    closing = datetime(2026, 3, 3, 13, 0, tzinfo=UTC)  # 21:00 in Shanghai

    task = ask(closing - timedelta(minutes=30), closing)

    assert task.window_end == closing


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2026, 3, 3, 13, 0, tzinfo=UTC), datetime(2026, 3, 3, 13, 30, tzinfo=UTC)),  # 21:00–21:30
        (datetime(2026, 3, 2, 23, 30, tzinfo=UTC), datetime(2026, 3, 3, 0, 30, tzinfo=UTC)),  # 07:30–08:30
    ],
)
def test_a_window_outside_the_customers_contact_hours_is_refused(start: datetime, end: datetime) -> None:
    with pytest.raises(InvalidInput) as refused:
        ask(start, end)

    assert refused.value.code == "outside_contact_hours"
    assert not CaseTask.objects.exists()


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (NOW - timedelta(hours=1), NOW + timedelta(hours=1)),  # already begun
        (TOMORROW_10_SHANGHAI + timedelta(days=14), TOMORROW_10_SHANGHAI + timedelta(days=14, hours=1)),
        (TOMORROW_10_SHANGHAI, TOMORROW_10_SHANGHAI),  # empty
    ],
)
def test_a_window_in_the_past_empty_or_more_than_fourteen_days_ahead_is_refused(
    start: datetime, end: datetime
) -> None:
    with pytest.raises(InvalidInput) as refused:
        ask(start, end)

    assert refused.value.code == "invalid_window"


def test_no_uk_callback_on_a_sunday() -> None:
    sunday_noon_london = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)

    with pytest.raises(InvalidInput) as refused:
        ask(sunday_noon_london, sunday_noon_london + timedelta(hours=1), jurisdiction="UK")

    assert refused.value.code == "outside_contact_hours"
