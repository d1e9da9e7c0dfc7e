"""Paid in full means nothing owed (issue 12): resolve is refused while a balance remains."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from debt_collections import services
from debt_collections.errors import TransitionNotAllowed
from debt_collections.models import AuditEvent, CaseState, CollectionCase, Installment, RepaymentPlan
from debt_collections.services.case_guards import settlement_met
from tests.factories import SYSTEM, make_case, settle_balance

pytestmark = pytest.mark.django_db


def _settlement(case: CollectionCase, *, total: str, paid: str) -> RepaymentPlan:
    now = timezone.now()
    plan = RepaymentPlan.objects.create(
        case=case,
        kind=RepaymentPlan.Kind.SETTLEMENT,
        state="active",
        currency="CNY",
        total=Decimal(total),
        first_due_date=now.date(),
        offered_at=now - timedelta(days=20),
        offered_by="tests",
        accepted_at=now - timedelta(days=19),
        policy_version="test",
    )
    Installment.objects.create(
        plan=plan, number=1, due_date=now.date(), amount=Decimal(total), paid_amount=Decimal(paid)
    )
    return plan


def test_resolve_with_money_owed_is_refused_with_the_balance_and_changes_nothing() -> None:
    # given an active case whose account still owes 5,450.00 CNY
    case = make_case(CaseState.ACTIVE)
    events_before = AuditEvent.objects.filter(case_id=case.pk).count()

    # when someone resolves it as paid in full
    with pytest.raises(TransitionNotAllowed) as refused:
        services.case_resolve(case_id=case.pk, actor=SYSTEM, reason="paid in full")

    # then it is refused, naming the balance, and nothing changed
    assert refused.value.code == "balance_outstanding"
    assert "5450.00 CNY" in refused.value.message
    case.refresh_from_db()
    assert case.state == CaseState.ACTIVE
    assert AuditEvent.objects.filter(case_id=case.pk).count() == events_before


def test_resolve_with_a_zero_balance_is_allowed() -> None:
    case = make_case(CaseState.ACTIVE)
    settle_balance(case.account)

    resolved = services.case_resolve(case_id=case.pk, actor=SYSTEM, reason="paid in full")

    assert resolved.state == CaseState.RESOLVED


def test_resolve_with_a_settlement_paid_in_full_is_allowed_though_the_books_show_a_balance() -> None:
    case = make_case(CaseState.NEGOTIATING)
    _settlement(case, total="3000.00", paid="3000.00")

    resolved = services.case_resolve(case_id=case.pk, actor=SYSTEM, reason="settled")

    assert resolved.state == CaseState.RESOLVED


def test_a_settlement_not_yet_paid_does_not_let_the_case_resolve() -> None:
    case = make_case(CaseState.NEGOTIATING)
    _settlement(case, total="3000.00", paid="2999.99")

    assert settlement_met(case) is None
    with pytest.raises(TransitionNotAllowed):
        services.case_resolve(case_id=case.pk, actor=SYSTEM)


def test_api_resolve_with_a_balance_is_409_balance_outstanding(supervisor: User) -> None:
    case = make_case(CaseState.ACTIVE)
    client = APIClient()
    client.force_authenticate(supervisor)

    response = client.post(
        reverse("api:case-transitions", kwargs={"id": case.pk}),
        {"transition": "resolve", "reason": "paid"},
        format="json",
    )

    assert response.status_code == 409, response.content
    body: dict[str, Any] = response.json()
    assert body["code"] == "balance_outstanding"
    assert "still owed" in body["detail"]
