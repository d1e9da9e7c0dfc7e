"""Irreversible case actions in the admin ask for confirmation, saying what will happen (issue 12)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import Agency, User
from debt_collections.models import AuditEvent, CaseState, CollectionCase
from tests.factories import make_case, settle_balance

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/collections/collectioncase/"


def transition_url(case: CollectionCase) -> str:
    return reverse("admin:collections_collectioncase_transition", args=[case.pk])


def _events(case: CollectionCase) -> int:
    return AuditEvent.objects.filter(case_id=case.pk).count()


@pytest.mark.parametrize(
    ("transition", "extra", "says"),
    [
        ("resolve", {}, "5,450.00 CNY"),
        ("charge_off", {}, "will be charged off with 5,450.00 CNY outstanding"),
        ("close", {"close_reason": "deceased"}, "will be closed (Deceased)"),
    ],
)
def test_an_irreversible_transition_first_shows_what_will_happen_and_changes_nothing(
    client_for: Any, supervisor: User, transition: str, extra: dict[str, str], says: str
) -> None:
    case = make_case(CaseState.ACTIVE, days_past_due=400)
    before = _events(case)

    response = client_for(supervisor).post(
        transition_url(case), {"transition": transition, "expected_state": "active", "reason": "x", **extra}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "this cannot be undone" in html
    assert says in html
    assert 'name="confirmed" value="yes"' in html
    assert f'name="transition" value="{transition}"' in html
    case.refresh_from_db()
    assert case.state == CaseState.ACTIVE
    assert _events(case) == before


def test_confirming_resolve_on_a_settled_account_resolves_it(client_for: Any, supervisor: User) -> None:
    case = make_case(CaseState.ACTIVE)
    settle_balance(case.account)

    client_for(supervisor).post(
        transition_url(case),
        {"transition": "resolve", "expected_state": "active", "reason": "paid", "confirmed": "yes"},
    )

    case.refresh_from_db()
    assert case.state == CaseState.RESOLVED


def test_confirming_resolve_with_money_owed_is_refused_with_the_balance(
    client_for: Any, supervisor: User
) -> None:
    case = make_case(CaseState.ACTIVE)

    response = client_for(supervisor).post(
        transition_url(case),
        {"transition": "resolve", "expected_state": "active", "reason": "paid", "confirmed": "yes"},
        follow=True,
    )

    case.refresh_from_db()
    assert case.state == CaseState.ACTIVE
    assert "5450.00 CNY is still owed" in response.content.decode()


def test_a_reversible_transition_needs_no_confirmation(client_for: Any, agent: User) -> None:
    case = make_case(CaseState.EARLY)

    client_for(agent).post(transition_url(case), {"transition": "escalate", "expected_state": "early"})

    case.refresh_from_db()
    assert case.state == CaseState.ACTIVE


def test_placing_a_case_asks_first_naming_the_agency_and_its_licence(
    client_for: Any, supervisor: User, agency: Agency
) -> None:
    case = make_case(CaseState.EARLY)
    url = reverse("admin:collections_collectioncase_place", args=[case.pk])

    response = client_for(supervisor).post(url, {"agency": agency.pk})

    html = response.content.decode()
    assert agency.name in html and agency.licence_number in html
    case.refresh_from_db()
    assert case.agency is None


def test_bulk_placement_asks_first_then_places_on_confirmation(
    client_for: Any, supervisor: User, agency: Agency
) -> None:
    case = make_case(CaseState.EARLY)
    client = client_for(supervisor)
    data = {"action": "place_selected", "agency": agency.pk, "_selected_action": [case.pk]}

    asked = client.post(LIST_URL, data)
    case.refresh_from_db()
    assert case.agency is None
    assert f"#{case.pk}" in asked.content.decode()

    client.post(LIST_URL, {**data, "confirmed": "yes"})
    case.refresh_from_db()
    assert case.agency == agency
