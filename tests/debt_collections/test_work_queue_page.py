"""The work queue page (issue 14): scoped, ordered by score, "can call now", one click into the case."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import User
from debt_collections import services
from debt_collections.models import CaseState
from debt_collections.services.queue import queue_refresh
from tests.debt_collections.negotiation_support import NOW, case_with_phone, negotiation_env
from tests.factories import SYSTEM

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("negotiation_env")]
__all__ = ["negotiation_env"]
URL = "/admin/collections/queueentry/"


def test_the_agent_sees_their_cases_highest_score_first_with_a_link_into_each(
    client_for: Any, agent: User
) -> None:
    low, _ = case_with_phone(days_past_due=3)
    high, _ = case_with_phone(days_past_due=60)
    other, _ = case_with_phone(days_past_due=90)
    for case in (low, high):
        services.case_assign(case_id=case.pk, assignee=agent, actor=SYSTEM, now=NOW)
    queue_refresh(case_ids=[low.pk, high.pk, other.pk], now=NOW)

    page = client_for(agent).get(URL).content.decode()

    high_url = reverse("admin:collections_collectioncase_change", args=[high.pk])
    low_url = reverse("admin:collections_collectioncase_change", args=[low.pk])
    assert high_url in page and low_url in page
    assert page.index(high_url) < page.index(low_url)
    assert reverse("admin:collections_collectioncase_change", args=[other.pk]) not in page  # not mine
    everyone = client_for(agent).get(URL + "?who=all").content.decode()
    assert reverse("admin:collections_collectioncase_change", args=[other.pk]) in everyone


def test_can_call_now_filter(client_for: Any, supervisor: User, time_machine: Any) -> None:
    case, _ = case_with_phone()
    queue_refresh(case_ids=[case.pk], now=NOW)
    url = reverse("admin:collections_collectioncase_change", args=[case.pk])

    assert url in client_for(supervisor).get(URL + "?call=now").content.decode()
    time_machine.move_to(NOW.replace(hour=14), tick=False)  # 22:00 in Shanghai: after hours
    assert url not in client_for(supervisor).get(URL + "?call=now").content.decode()


def test_compliance_officers_do_not_get_the_queue(client_for: Any, compliance: User) -> None:
    assert client_for(compliance).get(URL).status_code == 403


def test_agency_agents_see_only_their_agencys_cases(client_for: Any, agency_agent: User, agency: Any) -> None:
    theirs, _ = case_with_phone()
    services.case_place_with_agency(case_id=theirs.pk, agency=agency, actor=SYSTEM, now=NOW)
    services.case_assign(case_id=theirs.pk, assignee=agency_agent, actor=SYSTEM, now=NOW)
    in_house, _ = case_with_phone(CaseState.ACTIVE)
    queue_refresh(case_ids=[theirs.pk, in_house.pk], now=NOW)

    page = client_for(agency_agent).get(URL + "?who=all").content.decode()

    assert reverse("admin:collections_collectioncase_change", args=[theirs.pk]) in page
    assert reverse("admin:collections_collectioncase_change", args=[in_house.pk]) not in page


def test_tasks_close_when_their_case_is_closed_and_lists_link_to_the_case(
    client_for: Any, supervisor: User
) -> None:
    from decimal import Decimal

    from debt_collections.kernel.audit import Actor
    from debt_collections.models import AuditEvent, CaseTask
    from debt_collections.services.promises import promise_take, promises_decide_due

    case, _ = case_with_phone()
    promise_take(
        case_id=case.pk,
        amount=Decimal("10.00"),
        due_date=NOW.date(),
        channel="call",
        actor=Actor.for_user(supervisor),
        now=NOW,
    )
    promises_decide_due(as_of=NOW.date(), now=NOW)
    task = CaseTask.objects.get(case=case)
    tasks_page = client_for(supervisor).get("/admin/collections/casetask/?status=all").content.decode()
    assert reverse("admin:collections_collectioncase_change", args=[case.pk]) in tasks_page
    by_account = (
        client_for(supervisor)
        .get(f"/admin/collections/casetask/?status=all&q={case.account.account_number}")
        .content.decode()
    )
    assert reverse("admin:collections_collectioncase_change", args=[case.pk]) in by_account

    services.case_close(
        case_id=case.pk, actor=Actor.for_user(supervisor), close_reason="written_off", now=NOW
    )

    task.refresh_from_db()
    assert task.done_at == NOW
    assert AuditEvent.objects.filter(case=case, action="task.closed_with_case").exists()
