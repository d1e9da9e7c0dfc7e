"""``manage.py seed_demo``: deterministic, idempotent demo data whose cases reach every state through the
services, so the audit chain verifies."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import phonenumbers
import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.utils import timezone

from accounts.models import Agency, ContactPoint, CreditAccount, Customer, User
from debt_collections import services
from debt_collections.audit import verify_chain
from debt_collections.demo import DEMO_LOGINS, LAPSED, MARKER_ACCOUNT, build_plan
from debt_collections.errors import InvalidInput
from debt_collections.models import TERMINAL, AuditEvent, CaseState, CollectionCase, Dispute, HoldReason
from tests.factories import SYSTEM

SMALL = 30  # enough for one case in every state, small enough to seed several times per test
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
HANZI = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _demo_settings(settings: Any) -> None:
    settings.DEBUG = True  # as under `make run`; the command refuses to seed public logins otherwise
    # The demo resets five passwords per run; the production hasher would dominate the test time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(customers: int) -> str:
    out = StringIO()
    call_command("seed_demo", customers=customers, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    models = (Customer, ContactPoint, CreditAccount, CollectionCase, User, Agency, AuditEvent, Dispute)
    return {model.__name__: model.objects.count() for model in models}


# --- the plan (pure, no database) ------------------------------------------------------------


def test_the_same_seed_and_clock_give_the_same_plan() -> None:
    assert build_plan(customers=SMALL, now=NOW) == build_plan(customers=SMALL, now=NOW)
    assert build_plan(customers=SMALL, now=NOW) != build_plan(customers=SMALL, now=NOW, seed=1)


def test_phone_numbers_are_unique_valid_and_fictional_where_a_fictional_range_exists() -> None:
    plan = build_plan(customers=240, now=NOW)
    phones = [(c.jurisdiction, cp.value) for c in plan.customers for cp in c.contacts if cp.kind == "phone"]

    assert len({value for _j, value in phones}) == len(phones)
    for jurisdiction, value in phones:
        if jurisdiction == "CN":
            assert re.fullmatch(r"\+861[3-9]\d{9}", value)
            assert phonenumbers.is_valid_number(phonenumbers.parse(value))
        elif jurisdiction == "US":
            assert re.fullmatch(r"\+1\d{3}55501\d{2}", value)  # 555-0100..0199: reserved for fiction
            assert phonenumbers.is_valid_number(phonenumbers.parse(value))
        else:
            assert re.fullmatch(r"\+447700900\d{3}", value)  # Ofcom's drama range


def test_every_step_is_in_the_past_and_in_time_order() -> None:
    steps = build_plan(customers=240, now=NOW).steps

    assert all(step.at < NOW for step in steps)
    assert [s.at for s in steps] == sorted(s.at for s in steps)


# --- the command ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_full_seed_has_every_state_realistic_people_and_a_verified_audit_chain() -> None:
    before = timezone.now()
    output = seed(240)

    assert Customer.objects.count() == 240
    names = list(Customer.objects.values_list("full_name", flat=True))
    assert sum(bool(HANZI.search(n)) for n in names) == 168
    assert any(re.fullmatch(r"[A-Z][a-z]+ [A-Z][A-Za-z']+", n) for n in names)
    for state in CaseState:
        assert CollectionCase.objects.filter(state=state).count() >= 5, state
    held = CollectionCase.objects.filter(state=CaseState.ON_HOLD)
    assert set(held.values_list("hold_reason", flat=True)) == set(HoldReason.values)
    breathing_space = held.filter(hold_reason=HoldReason.BREATHING_SPACE)
    assert not breathing_space.exclude(customer__jurisdiction="UK").exists()
    assert verify_chain().ok
    times = list(AuditEvent.objects.order_by("seq").values_list("at", flat=True))
    assert times == sorted(times) and times[-1] < before
    assert ContactPoint.objects.filter(last_reassigned_at__gt=F("consent_at")).exists()
    assert not CollectionCase.objects.filter(agency__licence_number=LAPSED.licence_number).exists()
    assert CollectionCase.objects.filter(agency__isnull=False).exists()
    for login in DEMO_LOGINS:
        assert f"{login.username} / {login.password}" in re.sub(r" +/ +", " / ", output)
    assert "http://127.0.0.1:8000/admin/" in output


@pytest.mark.django_db
def test_seeding_twice_changes_no_row_count() -> None:
    seed(SMALL)
    first = row_counts()

    output = seed(SMALL)

    assert row_counts() == first
    assert "already present" in output
    assert CreditAccount.objects.filter(account_number=MARKER_ACCOUNT).exists()
    assert {s for s in CaseState} <= set(CollectionCase.objects.values_list("state", flat=True))
    assert verify_chain().ok


@pytest.mark.django_db
def test_rerun_resets_the_demo_passwords_so_the_printed_logins_work() -> None:
    seed(SMALL)
    agent = User.objects.get(username="agent")
    agent.set_password("changed-by-someone")
    agent.save()

    seed(SMALL)

    for login in DEMO_LOGINS:
        user = authenticate(username=login.username, password=login.password)
        assert user is not None and user.is_staff
        assert user.is_superuser == login.superuser
        assert (login.role is None) or user.has_role(login.role)
    assert User.objects.get(username="agency_agent").agency.name == "North Star Recoveries"  # type: ignore[union-attr]


@pytest.mark.django_db
def test_accounts_agree_with_their_cases() -> None:
    seed(SMALL)
    today = timezone.localdate()

    for account in CreditAccount.objects.all():
        open_cases = account.cases.exclude(state__in=TERMINAL)
        if account.status == CreditAccount.Status.DELINQUENT:
            assert account.days_past_due > 0 and open_cases.count() == 1, account
            assert account.due_date is not None
            assert abs((today - account.due_date).days - account.days_past_due) <= 1  # local vs UTC day
        elif account.status == CreditAccount.Status.CURRENT:
            assert account.days_past_due == 0 and not open_cases.exists(), account
    for case in CollectionCase.objects.filter(state=CaseState.CHARGED_OFF).select_related("account"):
        assert case.account.status == CreditAccount.Status.CHARGED_OFF
        assert case.account.days_past_due >= 180


@pytest.mark.django_db
def test_the_lapsed_agency_is_refused_a_placement() -> None:
    seed(SMALL)
    case = CollectionCase.objects.filter(state=CaseState.ACTIVE).first()
    assert case is not None
    lapsed = Agency.objects.get(licence_number=LAPSED.licence_number)

    with pytest.raises(InvalidInput) as refused:
        services.case_place_with_agency(case_id=case.pk, actor=SYSTEM, agency=lapsed)

    assert refused.value.code == "agency_not_licensed"


@pytest.mark.django_db
def test_refuses_to_create_public_logins_when_debug_is_off(settings: Any) -> None:
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off"):
        seed(SMALL)

    assert not User.objects.exists()


def test_the_build_anchors_dates_to_the_clock_it_is_given() -> None:
    plan = build_plan(customers=SMALL, now=NOW)
    delinquent = [a for c in plan.customers for a in c.accounts if a.state is not None]

    assert delinquent
    for account in delinquent:
        assert account.due_date is not None
        assert NOW.date() - account.due_date == timedelta(days=account.dpd)
