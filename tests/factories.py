"""factory_boy factories and helpers shared by the whole suite."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Agency, ContactPoint, CreditAccount, Customer, User
from debt_collections import services
from debt_collections.kernel.audit import Actor
from debt_collections.models import CaseState, CollectionCase

SYSTEM = Actor.system("tests")


class AgencyFactory(factory.django.DjangoModelFactory[Agency]):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    licence_number = factory.Sequence(lambda n: f"LIC-{n:05d}")
    licensed_until = factory.LazyFunction(lambda: date.today() + timedelta(days=365))  # noqa: DTZ011
    contract_start = factory.LazyFunction(lambda: date.today() - timedelta(days=30))  # noqa: DTZ011
    contract_end = factory.LazyFunction(lambda: date.today() + timedelta(days=365))  # noqa: DTZ011


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-123")

    @factory.post_generation
    def roles(obj: User, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:  # noqa: N805
        if not create:
            return
        obj.save()
        for role in extracted or []:
            group, _ = Group.objects.get_or_create(name=role)
            obj.groups.add(group)


class CustomerFactory(factory.django.DjangoModelFactory[Customer]):
    class Meta:
        model = Customer

    full_name = factory.Sequence(lambda n: f"Customer {n}")
    national_id_last4 = "1234"
    national_id_hash = factory.LazyFunction(lambda: Customer.hash_national_id("11010119900101123X"))
    date_of_birth = date(1990, 1, 1)
    locale = "en"
    time_zone = "Asia/Shanghai"
    jurisdiction = "CN"


class PhoneFactory(factory.django.DjangoModelFactory[ContactPoint]):
    class Meta:
        model = ContactPoint

    customer = factory.SubFactory(CustomerFactory)
    kind = ContactPoint.Kind.PHONE
    phone = factory.Sequence(lambda n: f"+86138{n:08d}")
    status = ContactPoint.Status.VERIFIED
    consent_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))
    verified_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))


class CreditAccountFactory(factory.django.DjangoModelFactory[CreditAccount]):
    class Meta:
        model = CreditAccount

    customer = factory.SubFactory(CustomerFactory)
    account_number = factory.Sequence(lambda n: f"ACC{n:08d}")
    product = "Credit card"
    currency = "CNY"
    credit_limit = Decimal("20000.00")
    principal = Decimal("5000.00")
    interest = Decimal("300.00")
    fees = Decimal("100.00")
    penalty_interest = Decimal("50.00")
    due_date = factory.LazyFunction(lambda: date.today() - timedelta(days=10))  # noqa: DTZ011
    days_past_due = 10
    status = CreditAccount.Status.DELINQUENT
    opened_at = date(2023, 1, 1)


# How to walk a fresh case into each state through the services (so the audit trail is real).
PATHS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    CaseState.EARLY: [],
    CaseState.ACTIVE: [("escalate", {})],
    CaseState.NEGOTIATING: [("engage", {})],
    CaseState.ON_PLAN: [("engage", {}), ("start_plan", {})],
    CaseState.ON_HOLD: [("escalate", {}), ("hold", {"hold_reason": "complaint"})],
    CaseState.RESOLVED: [("resolve", {})],
    CaseState.CHARGED_OFF: [("escalate", {}), ("charge_off", {})],
    CaseState.CLOSED: [("close", {"close_reason": "written_off"})],
}


def make_case(
    state: str = CaseState.EARLY, *, account: CreditAccount | None = None, **account_kwargs: Any
) -> CollectionCase:
    """A case in ``state``, reached through the real services with a system actor."""
    if account is None:
        if state == CaseState.CHARGED_OFF:
            account_kwargs.setdefault("days_past_due", 200)
        account = CreditAccountFactory.create(**account_kwargs)
    case = services.case_open(account=account, actor=SYSTEM)
    if state == CaseState.RESOLVED:
        settle_balance(account)  # paid in full needs nothing owed
    for step, params in PATHS[state]:
        if step == "start_plan":
            services.case_start_plan(case_id=case.pk, actor=SYSTEM)
        else:
            services.case_transition(case_id=case.pk, name=step, actor=SYSTEM, params=params)
    case.refresh_from_db()
    assert case.state == state
    return case


def settle_balance(account: CreditAccount) -> None:
    """Set every balance component to zero, as if the customer had paid everything (no payment row)."""
    CreditAccount.objects.filter(pk=account.pk).update(
        principal=Decimal(0), interest=Decimal(0), fees=Decimal(0), penalty_interest=Decimal(0)
    )
