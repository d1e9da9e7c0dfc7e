"""The case list's rows (admin/case_list.py) and its query count, with rows that fill every column.

The rows are formatted once per column instead of through Django's per-cell ``items_for_result``; these
tests hold them to Django's markup, cell for cell, on pages that show every kind of value (assigned and
not, placed with an agency and in-house, with and without a next action, sorted and filtered).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.admin import ModelAdmin
from django.contrib.admin.templatetags.admin_list import results
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Agency, User
from debt_collections import services
from debt_collections.admin.case_list import result_rows
from debt_collections.admin.cases import CollectionCaseAdmin
from debt_collections.models import CaseState, CollectionCase
from tests.factories import SYSTEM, make_case

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/collections/collectioncase/"


def varied_cases(count: int, *, agency: Agency, agency_agent: User, agent: User) -> list[CollectionCase]:
    """``count`` cases, in turn: in-house unassigned, in-house assigned, placed and assigned, placed only;
    every other one with a next action, in several states."""
    states = [CaseState.EARLY, CaseState.ACTIVE, CaseState.NEGOTIATING, CaseState.ON_HOLD]
    cases = []
    for i in range(count):
        case = make_case(states[i % len(states)])
        if i % 4 in (2, 3):
            services.case_place_with_agency(case_id=case.pk, actor=SYSTEM, agency=agency)
        if i % 4 == 1:
            services.case_assign(case_id=case.pk, actor=SYSTEM, assignee=agent)
        if i % 4 == 2:
            services.case_assign(case_id=case.pk, actor=SYSTEM, assignee=agency_agent)
        if i % 2:  # test data: the column's value, however the cycle would have set it
            due = timezone.now() + timedelta(days=i)
            CollectionCase.objects.filter(pk=case.pk).update(next_action_at=due)
        cases.append(case)
    return cases


@pytest.mark.parametrize(
    "query",
    ["", "?o=-5", "?o=5", "?o=4.1", "?state__exact=active", "?assigned=unassigned&o=-9", "?q=Customer"],
)
def test_the_rows_are_the_markup_djangos_admin_renders(
    query: str, client_for: Any, supervisor: User, agency: Agency, agency_agent: User, agent: User
) -> None:
    varied_cases(8, agency=agency, agency_agent=agency_agent, agent=agent)

    response = client_for(supervisor).get(LIST_URL + query)

    assert response.status_code == 200
    cl = response.context["cl"]
    ours = [str(row[0]) for row in result_rows(cl)]
    djangos = ["".join(str(cell) for cell in row) for row in results(cl)]
    assert ours == djangos
    assert all(row in response.content.decode() for row in ours)


def test_the_row_checkbox_is_djangos(agency: Agency, agency_agent: User, agent: User) -> None:
    from django.contrib import admin

    model_admin = admin.site._registry[CollectionCase]
    assert isinstance(model_admin, CollectionCaseAdmin)
    for case in varied_cases(4, agency=agency, agency_agent=agency_agent, agent=agent):
        assert model_admin.action_checkbox(case) == ModelAdmin.action_checkbox(model_admin, case)


def _list_queries(client: Any, url: str) -> int:
    client.get(url)  # warm: content types, permissions
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [LIST_URL, LIST_URL + "?o=-5", LIST_URL + "?state__exact=active"])
def test_more_rows_cost_no_more_queries(
    url: str, client_for: Any, supervisor: User, agency: Agency, agency_agent: User, agent: User
) -> None:
    # Every column filled (assignee, agency, next action): a field the page's query leaves out would be
    # read with one query per row.
    client = client_for(supervisor)
    varied_cases(4, agency=agency, agency_agent=agency_agent, agent=agent)
    few = _list_queries(client, url)
    varied_cases(12, agency=agency, agency_agent=agency_agent, agent=agent)
    many = _list_queries(client, url)

    assert many == few


@pytest.mark.parametrize("who", ["supervisor", "agency_agent"])
def test_the_case_list_with_every_column_filled_runs_a_fixed_number_of_queries(
    who: str,
    request: pytest.FixtureRequest,
    client_for: Any,
    django_assert_max_num_queries: Any,
    agency: Agency,
    agency_agent: User,
    agent: User,
) -> None:
    varied_cases(16, agency=agency, agency_agent=agency_agent, agent=agent)
    client = client_for(request.getfixturevalue(who))
    client.get(LIST_URL)

    # Session, user, role groups, the agency filter, two counts, the page; for a supervisor the action
    # bar's two choice lists and the navigation's permission lookups.
    with django_assert_max_num_queries(12):
        response = client.get(LIST_URL)
    assert len(response.context["cl"].result_list) == (16 if who == "supervisor" else 8)
