"""Shared setup for the negotiation tests (plans, waivers, payments, disputes and their API).

The clock is frozen at ``NOW`` (12:00 in Shanghai, the factories' customers' zone, inside the CN contact
window) and every service call passes ``now`` explicitly, so no test depends on the hour the suite runs
at. Celery is eager and SMS go to memory, so a notice sent after commit can be read back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from accounts.models import ContactPoint, CreditAccount
from debt_collections.models import AuditEvent, CaseState, CollectionCase
from notifications.models import Notice
from tests.factories import CreditAccountFactory, CustomerFactory, PhoneFactory, make_case

# Monday 2 March 2026, 04:00 UTC = 12:00 in Asia/Shanghai; the CN pack is in effect from 1 January.
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
D = Decimal


@pytest.fixture
def negotiation_env(sms_outbox: list[Any], time_machine: Any) -> None:
    """SMS to memory (tasks already run in-process), the clock frozen at ``NOW``."""
    time_machine.move_to(NOW, tick=False)


def case_with_phone(
    state: str = CaseState.ACTIVE, *, jurisdiction: str = "CN", **balances: Any
) -> tuple[CollectionCase, ContactPoint]:
    """A case in ``state`` whose customer has a verified phone; ``balances`` override the account's."""
    customer = CustomerFactory.create(
        jurisdiction=jurisdiction,
        time_zone={"CN": "Asia/Shanghai", "US": "America/New_York", "UK": "Europe/London"}[jurisdiction],
    )
    phone = PhoneFactory.create(customer=customer)
    currency = {"CN": "CNY", "US": "USD", "UK": "GBP"}[jurisdiction]
    account = CreditAccountFactory.create(customer=customer, currency=currency, **balances)
    return make_case(state, account=account), phone


def balances(account: CreditAccount) -> dict[str, Decimal]:
    account.refresh_from_db()
    return {
        "principal": account.principal,
        "interest": account.interest,
        "fees": account.fees,
        "penalty_interest": account.penalty_interest,
    }


def actions(case: CollectionCase) -> list[str]:
    return list(AuditEvent.objects.filter(case_id=case.pk).order_by("seq").values_list("action", flat=True))


def notices(case: CollectionCase, key: str) -> list[Notice]:
    return list(Notice.objects.filter(case=case, template__key=key).order_by("pk"))
