"""Twenty identical payments at the same instant (issue 11): one row, one 201, nineteen 200s.

Each thread is an API client with its own database connection; a barrier releases them together.
On PostgreSQL the unique external reference and the insert's savepoint decide who stored it; every
other call finds the stored row and answers 200 with it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from debt_collections.models import AuditChainHead, AuditEvent, Payment
from tests.factories import UserFactory, make_case

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
CALLS = 20


@pytest.fixture(autouse=True)
def audit_chain_head() -> Iterator[None]:
    AuditChainHead.objects.get_or_create(pk=0)
    yield


def test_simultaneous_identical_payments_store_one_row_and_answer_201_once() -> None:
    case = make_case()
    supervisor = UserFactory.create(username="race-supervisor", roles=[Role.SUPERVISOR])
    body = {
        "account": case.account_id,
        "external_reference": "RACE-1",
        "amount": "100.00",
        "currency": "CNY",
        "received_at": datetime.now(UTC).isoformat(),
    }
    barrier = threading.Barrier(CALLS, timeout=30)
    answers: list[Any] = [None] * CALLS

    def pay(index: int) -> None:
        client = APIClient()
        client.force_authenticate(supervisor)
        try:
            barrier.wait()
            answers[index] = client.post(reverse("api:payments"), body, format="json")
        except BaseException as exc:  # handed to the test thread
            answers[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(i,), daemon=True) for i in range(CALLS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    codes = sorted(a.status_code if hasattr(a, "status_code") else repr(a) for a in answers)
    assert codes == [200] * (CALLS - 1) + [201], codes
    assert Payment.objects.filter(external_reference="RACE-1").count() == 1
    assert {a.json()["id"] for a in answers} == {Payment.objects.get().pk}
    assert AuditEvent.objects.filter(action="payment.recorded").count() == 1
