"""Scope comes from one function (``kernel.scope.row_scope``): the staff of an agency whose licence or
contract has lapsed see none of that agency's rows in any admin list, while the same people saw them the
day before (issue 14)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from accounts.models import Agency, CreditAccount, Customer, Role, User
from debt_collections import selectors, services
from debt_collections.kernel.scope import case_scope, row_scope
from debt_collections.models import CollectionCase
from debt_collections.services.queue import queue_refresh
from tests.factories import SYSTEM, PhoneFactory, UserFactory, make_case

pytestmark = pytest.mark.django_db


def rows_listed(response: Any) -> int:
    """How many rows a changelist (or the work queue's own page) shows."""
    context = response.context
    if "cl" in context:
        return len(context["cl"].result_list)
    if "rows" in context:
        return len(context["rows"])
    return 0


# The lender's published notice texts belong to no agency: every staff role reads them.
NOT_AGENCY_ROWS = {"noticetemplate"}


def every_changelist() -> list[str]:
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
        if model._meta.model_name not in NOT_AGENCY_ROWS
    ]


@pytest.fixture
def agency_world(agency: Agency) -> tuple[User, User, CollectionCase]:
    """An agency agent and supervisor, and a case placed with their agency with some history."""
    case = make_case()
    services.case_place_with_agency(case_id=case.pk, actor=SYSTEM, agency=agency)
    PhoneFactory.create(customer=case.customer)
    queue_refresh(case_ids=[case.pk], now=timezone.now())
    agent = UserFactory.create(username="lapsing_agent", agency=agency, roles=[Role.AGENT])
    boss = UserFactory.create(username="lapsing_supervisor", agency=agency, roles=[Role.SUPERVISOR])
    return agent, boss, case


def lapse(agency: Agency) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    Agency.objects.filter(pk=agency.pk).update(
        contract_end=yesterday, contract_start=yesterday - timedelta(days=90)
    )


def test_while_the_placement_is_valid_the_agency_sees_its_rows(
    client_for: Any, agency_world: tuple[User, User, CollectionCase]
) -> None:
    agent, boss, _case = agency_world
    seen = {
        (who.username, url): rows_listed(client_for(who).get(url))
        for who in (agent, boss)
        for url in every_changelist()
    }
    # (the control for the test below: these lists do hold the agency's rows)
    for model in ("collectioncase", "customer", "creditaccount", "auditevent", "queueentry"):
        assert any(count for (_who, url), count in seen.items() if f"/{model}/" in url), model


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_after_the_placement_lapses_no_admin_list_shows_the_agencys_rows(
    client_for: Any, agency: Agency, agency_world: tuple[User, User, CollectionCase], who: str
) -> None:
    agent, boss, _case = agency_world
    lapse(agency)
    client = client_for(agent if who == "agent" else boss)
    for url in every_changelist():
        response = client.get(url)
        if response.status_code != 200:
            assert response.status_code in (302, 403, 404), url
            continue
        assert rows_listed(response) == 0, url


def test_the_case_selectors_and_the_account_lookup_agree_with_the_kernel_scope(
    agency: Agency, agency_world: tuple[User, User, CollectionCase]
) -> None:
    agent, _boss, case = agency_world
    today = timezone.localdate()
    assert list(selectors.case_list_for(agent)) == [case]
    assert selectors.account_for(agent, case.account_id) == case.account
    lapse(agency)
    agent.refresh_from_db()
    assert not selectors.case_list_for(agent).exists()
    assert selectors.account_for(agent, case.account_id) is None
    assert not CollectionCase.objects.filter(case_scope(agent, today)).exists()
    assert not Customer.objects.filter(row_scope(agent, "cases__agency_id", today)).exists()
    assert not CreditAccount.objects.filter(row_scope(agent, "cases__agency_id", today)).exists()
    # the organisation's holdings (for the gate to refuse a call with AGENCY_LICENCE) are unchanged
    assert list(selectors.case_scope_for(agent)) == [case]
