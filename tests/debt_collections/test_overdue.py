"""A finished case is never overdue (issue 14): the case list's "next action due" filters leave out
resolved and closed cases, and the transitions that finish a case clear its next action."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from debt_collections import services
from debt_collections.models import CaseState, CollectionCase
from tests.factories import SYSTEM, make_case, settle_balance

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/collections/collectioncase/"


def listed_ids(response: Any) -> set[int]:
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.mark.parametrize("finish", ["resolve", "close", "complete_plan"])
def test_finishing_a_case_clears_its_next_action(finish: str) -> None:
    # given a case with a next action scheduled
    case = make_case(CaseState.ON_PLAN if finish == "complete_plan" else CaseState.ACTIVE)
    CollectionCase.objects.filter(pk=case.pk).update(next_action_at=timezone.now() - timedelta(hours=1))

    # when it is finished through the services
    if finish == "resolve":
        settle_balance(case.account)
        services.case_resolve(case_id=case.pk, actor=SYSTEM)
    elif finish == "close":
        services.case_close(case_id=case.pk, actor=SYSTEM, close_reason="written_off")
    else:
        services.case_complete_plan(case_id=case.pk, actor=SYSTEM)

    # then nothing is left scheduled on it
    case.refresh_from_db()
    assert case.state in (CaseState.RESOLVED, CaseState.CLOSED)
    assert case.next_action_at is None


@pytest.mark.parametrize("value", ["overdue", "today", "week"])
def test_next_action_filters_leave_out_resolved_and_closed_cases(
    client_for: Any, agent: User, value: str
) -> None:
    noon = datetime.combine(timezone.now().date(), time(12), tzinfo=UTC)
    at = {
        "overdue": noon - timedelta(hours=1),
        "today": noon + timedelta(hours=3),
        "week": noon + timedelta(days=2),
    }[value]
    with time_machine.travel(noon, tick=False):
        # given an open, a resolved, a closed and a charged-off case, all with the same stale next action
        cases = {
            state: make_case(state)
            for state in (CaseState.ACTIVE, CaseState.RESOLVED, CaseState.CLOSED, CaseState.CHARGED_OFF)
        }
        # (setup only: older rows finished before the transitions cleared the column still hold one)
        CollectionCase.objects.filter(pk__in=[c.pk for c in cases.values()]).update(next_action_at=at)

        # when the agent filters the case list
        listed = listed_ids(client_for(agent).get(LIST_URL, {"next_action": value}))

    # then only the cases still being worked are listed
    assert listed == {cases[CaseState.ACTIVE].pk, cases[CaseState.CHARGED_OFF].pk}


def test_the_overdue_condition_is_the_models_and_excludes_every_terminal_state() -> None:
    now = timezone.now()
    open_case, closed = make_case(CaseState.NEGOTIATING), make_case(CaseState.CLOSED)
    CollectionCase.objects.update(next_action_at=now - timedelta(minutes=5))
    overdue_rows = CollectionCase.objects.filter(CollectionCase.next_action_overdue_q(now))
    overdue = set(overdue_rows.values_list("pk", flat=True))
    assert overdue == {open_case.pk}
    assert closed.pk not in overdue
