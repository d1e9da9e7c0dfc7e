"""The negotiation API: options, plans, waivers, payments and disputes through the services; scope is a
404; domain refusals are JSON 4xx with a stable code."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role, User
from debt_collections import services
from debt_collections.kernel.audit import Actor
from debt_collections.models import CaseState, CollectionCase, Dispute, FeeWaiver, Payment, RepaymentPlan
from tests.debt_collections.negotiation_support import NOW, balances, case_with_phone, negotiation_env
from tests.factories import SYSTEM, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("negotiation_env")]
__all__ = ["negotiation_env"]


def api(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def url(name: str, pk: int | None = None) -> str:
    return reverse(f"api:{name}", kwargs={"id": pk} if pk is not None else None)


@pytest.fixture
def case() -> CollectionCase:
    return case_with_phone(CaseState.ACTIVE)[0]


def offered_plan(case: CollectionCase) -> RepaymentPlan:
    return services.plan_accept_option(case_id=case.pk, option_code="installment:6", actor=SYSTEM, now=NOW)


# --- options and plans --------------------------------------------------------------------------------


def test_options_list_every_choice_with_its_total_and_schedule(agent: User, case: CollectionCase) -> None:
    response = api(agent).get(url("case-options", case.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["total_due"] == "5450.00"
    assert body["policy_version"] == "CN-2026.1"
    codes = [o["code"] for o in body["options"]]
    assert codes[0] == "pay_in_full" and "installment:6" in codes and codes[-1] == "hardship"
    six = next(o for o in body["options"] if o["code"] == "installment:6")
    assert six["total"] == "5450.00"
    assert six["monthly_amount"] == "908.34"
    assert len(six["schedule"]) == 6


def test_a_case_outside_the_callers_scope_is_a_404_and_anonymous_is_a_401(
    other_agency_agent: User, case: CollectionCase
) -> None:
    outsider = api(other_agency_agent).get(url("case-options", case.pk))
    anonymous = api(None).get(url("case-options", case.pk))

    assert outsider.status_code == 404
    assert outsider.json()["code"] == "not_found"
    assert anonymous.status_code == 401


def test_an_agent_accepts_an_option_on_the_customers_behalf(agent: User, case: CollectionCase) -> None:
    response = api(agent).post(
        url("case-plans", case.pk), {"option": "installment:6", "accept": True}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "accepted"
    assert body["option"] == "installment:6"
    assert body["total"] == "5450.00"
    assert [i["amount"] for i in body["installments"]][:2] == ["908.34", "908.34"]
    case.refresh_from_db()
    assert case.state == CaseState.ON_PLAN
    listed = api(agent).get(url("case-plans", case.pk)).json()["results"]
    assert [p["id"] for p in listed] == [body["id"]]


def test_an_agent_offer_is_left_for_the_customer_to_accept(agent: User, case: CollectionCase) -> None:
    response = api(agent).post(url("case-plans", case.pk), {"option": "deferral:30"}, format="json")

    assert response.status_code == 201
    assert response.json()["state"] == "offered"
    accepted = api(agent).post(url("plan-accept", response.json()["id"]))
    assert accepted.status_code == 200
    assert accepted.json()["state"] == "accepted"


def test_an_unavailable_option_is_a_422_naming_the_reason(agent: User, case: CollectionCase) -> None:
    response = api(agent).post(
        url("case-plans", case.pk), {"option": "installment:7", "accept": True}, format="json"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "option_unavailable"
    assert not RepaymentPlan.objects.exists()


def test_a_plan_request_without_an_option_is_a_400(agent: User, case: CollectionCase) -> None:
    response = api(agent).post(url("case-plans", case.pk), {"accept": True}, format="json")

    assert response.status_code == 400
    assert "option" in response.json()["errors"]


def test_withdrawing_a_plan_in_cooling_off_and_again_is_a_409(agent: User, case: CollectionCase) -> None:
    plan = offered_plan(case)

    first = api(agent).post(url("plan-withdraw", plan.pk))
    second = api(agent).post(url("plan-withdraw", plan.pk))

    assert first.status_code == 200
    assert first.json()["state"] == "withdrawn"
    assert second.status_code == 409
    assert second.json()["code"] == "plan_not_accepted"
    case.refresh_from_db()
    assert case.state == CaseState.NEGOTIATING


def test_a_plan_outside_the_callers_scope_is_a_404(other_agency_agent: User, case: CollectionCase) -> None:
    plan = offered_plan(case)

    response = api(other_agency_agent).post(url("plan-withdraw", plan.pk))

    assert response.status_code == 404
    plan.refresh_from_db()
    assert plan.state == "accepted"


# --- waivers ------------------------------------------------------------------------------------------


def test_a_waiver_is_requested_by_one_agent_and_approved_by_another(
    agent: User, case: CollectionCase
) -> None:
    colleague = UserFactory.create(roles=[Role.AGENT])
    created = api(agent).post(
        url("case-waivers", case.pk),
        {"component": "penalty_interest", "amount": "50.00", "reason": "Hardship"},
        format="json",
    )
    assert created.status_code == 201
    waiver_id = created.json()["id"]

    own = api(agent).post(url("waiver-approve", waiver_id), {}, format="json")
    other = api(colleague).post(url("waiver-approve", waiver_id), {"note": "Evidence seen."}, format="json")

    assert own.status_code == 403
    assert own.json()["code"] == "four_eyes"
    assert other.status_code == 200
    assert other.json()["state"] == "applied"
    assert balances(case.account)["penalty_interest"] == 0
    assert [w["id"] for w in api(agent).get(url("case-waivers", case.pk)).json()["results"]] == [waiver_id]


def test_a_waiver_above_the_agent_limit_is_a_403_for_an_agent(agent: User, supervisor: User) -> None:
    case, _phone = case_with_phone(fees=Decimal("900.00"))
    waiver = services.waiver_request(
        case_id=case.pk,
        component="fees",
        amount=Decimal("900.00"),
        reason="x",
        actor=Actor.for_user(supervisor),
        now=NOW,
    )

    response = api(agent).post(url("waiver-approve", waiver.pk), {}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "waiver_limit"


def test_rejecting_a_waiver_needs_a_note(agent: User, supervisor: User, case: CollectionCase) -> None:
    waiver = services.waiver_request(
        case_id=case.pk,
        component="fees",
        amount=Decimal("10.00"),
        reason="x",
        actor=Actor.for_user(agent),
        now=NOW,
    )

    missing = api(supervisor).post(url("waiver-reject", waiver.pk), {}, format="json")
    given = api(supervisor).post(url("waiver-reject", waiver.pk), {"note": "No evidence."}, format="json")

    assert missing.status_code == 400
    assert given.status_code == 200
    assert FeeWaiver.objects.get(pk=waiver.pk).state == "rejected"


# --- payments -----------------------------------------------------------------------------------------


def payment_body(case: CollectionCase, **overrides: Any) -> dict[str, Any]:
    return {
        "account": case.account_id,
        "external_reference": "BANK-0001",
        "amount": "200.00",
        "currency": "CNY",
        "received_at": NOW.isoformat(),
        **overrides,
    }


def test_a_payment_is_201_when_new_and_200_when_repeated(supervisor: User, case: CollectionCase) -> None:
    first = api(supervisor).post(url("payments"), payment_body(case), format="json")
    again = api(supervisor).post(url("payments"), payment_body(case), format="json")

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["allocation"]["applied"]["penalty_interest"] == "50.00"
    assert Payment.objects.count() == 1


def test_a_reused_reference_with_another_amount_is_a_422(supervisor: User, case: CollectionCase) -> None:
    api(supervisor).post(url("payments"), payment_body(case), format="json")

    response = api(supervisor).post(url("payments"), payment_body(case, amount="201.00"), format="json")

    assert response.status_code == 422
    assert response.json()["code"] == "reference_conflict"


def test_a_payment_to_an_account_outside_the_callers_scope_is_a_404(
    other_agency: Any, case: CollectionCase
) -> None:
    outsider = UserFactory.create(username="other_supervisor", agency=other_agency, roles=[Role.SUPERVISOR])
    response = api(outsider).post(url("payments"), payment_body(case), format="json")

    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_a_payment_amount_with_three_decimals_is_a_400(supervisor: User, case: CollectionCase) -> None:
    response = api(supervisor).post(url("payments"), payment_body(case, amount="1.005"), format="json")

    assert response.status_code == 400
    assert "amount" in response.json()["errors"]


# --- disputes -----------------------------------------------------------------------------------------


def test_a_dispute_holds_the_case_and_compliance_resolves_it(
    agent: User, compliance: User, case: CollectionCase
) -> None:
    created = api(agent).post(
        url("case-disputes", case.pk),
        {"kind": "credit_report", "description": "The overdue record is wrong.", "channel": "email"},
        format="json",
    )
    assert created.status_code == 201
    dispute_id = created.json()["id"]
    case.refresh_from_db()
    assert case.state == CaseState.ON_HOLD
    queue = api(compliance).get(url("dispute-queue")).json()["results"]
    assert [d["id"] for d in queue] == [dispute_id]

    by_agent = api(agent).post(
        url("dispute-resolve", dispute_id), {"outcome": "rejected", "outcome_text": "No."}, format="json"
    )
    by_compliance = api(compliance).post(
        url("dispute-resolve", dispute_id),
        {"outcome": "rejected", "outcome_text": "The record matches the repayment history."},
        format="json",
    )

    assert by_agent.status_code == 403
    assert by_compliance.status_code == 200
    assert by_compliance.json()["status"] == "rejected"
    case.refresh_from_db()
    assert case.state == CaseState.ACTIVE
    assert api(agent).get(url("case-disputes", case.pk)).json()["results"][0]["status"] == "rejected"


def test_a_dispute_of_an_unknown_kind_is_a_400(agent: User, case: CollectionCase) -> None:
    response = api(agent).post(url("case-disputes", case.pk), {"kind": "vibes"}, format="json")

    assert response.status_code == 400
    assert not Dispute.objects.exists()


def test_a_dispute_outside_the_callers_scope_cannot_be_resolved(
    compliance: User, other_agency_agent: User, case: CollectionCase
) -> None:
    dispute = services.dispute_open(
        case_id=case.pk, kind="amount_wrong", description="", channel="phone", actor=SYSTEM, now=NOW
    )
    other_agency_agent.groups.add(*compliance.groups.all())
    other_agency_agent.__dict__.pop("_role_cache", None)

    response = api(other_agency_agent).post(
        url("dispute-resolve", dispute.pk), {"outcome": "upheld", "outcome_text": "Yes."}, format="json"
    )

    assert response.status_code == 404
