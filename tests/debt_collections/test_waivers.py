"""Waivers: authority by amount, maker-checker in the service and in the database, applied on approval
with a balance that can never go negative (DESIGN §8)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts.models import CreditAccount, Role, User
from debt_collections import services
from debt_collections.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from debt_collections.kernel.audit import Actor
from debt_collections.models import CaseState, CaseTask, CollectionCase, FeeWaiver, WaiverState
from tests.debt_collections.negotiation_support import NOW, balances, case_with_phone, negotiation_env
from tests.factories import SYSTEM, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("negotiation_env")]
__all__ = ["negotiation_env"]

D = Decimal
LIMIT = D("500.00")  # CN agent_waiver_limit


@pytest.fixture
def requester() -> User:
    return UserFactory.create(username="requesting_agent", roles=[Role.AGENT])


def big_case() -> CollectionCase:
    case, _phone = case_with_phone(fees=D("900.00"), penalty_interest=D("700.00"))
    return case


def ask(case: CollectionCase, user: User, amount: str, component: str = "fees", **kw: bool) -> FeeWaiver:
    return services.waiver_request(
        case_id=case.pk,
        component=component,
        amount=D(amount),
        reason="Lost their job in January.",
        actor=Actor.for_user(user),
        now=NOW,
        **kw,
    )


def approve(waiver: FeeWaiver, user: User) -> FeeWaiver:
    return services.waiver_approve(waiver_id=waiver.pk, actor=Actor.for_user(user), note="ok", now=NOW)


# --- authority ----------------------------------------------------------------------------------------


def test_an_agent_approves_up_to_the_limit_and_the_balance_goes_down_at_once(
    requester: User, agent: User
) -> None:
    case = big_case()
    waiver = ask(case, requester, "500.00")

    decided = approve(waiver, agent)

    assert decided.state == WaiverState.APPLIED
    assert decided.decided_by == agent
    assert decided.applied_at == NOW
    assert balances(case.account)["fees"] == D("400.00")


def test_an_agent_cannot_approve_above_the_limit(requester: User, agent: User) -> None:
    case = big_case()
    waiver = ask(case, requester, "500.01")

    with pytest.raises(NotPermitted) as refused:
        approve(waiver, agent)

    assert refused.value.code == "waiver_limit"
    waiver.refresh_from_db()
    assert waiver.state == WaiverState.REQUESTED
    assert balances(case.account)["fees"] == D("900.00")


def test_a_supervisor_approves_above_the_agent_limit(requester: User, supervisor: User) -> None:
    case = big_case()
    waiver = ask(case, requester, "700.00", component="penalty_interest")

    approve(waiver, supervisor)

    assert balances(case.account)["penalty_interest"] == D("0.00")


def test_compliance_officers_cannot_decide(requester: User, compliance: User) -> None:
    waiver = ask(big_case(), requester, "10.00")

    with pytest.raises(NotPermitted):
        approve(waiver, compliance)


def test_the_customer_and_the_system_cannot_decide(requester: User) -> None:
    waiver = ask(big_case(), requester, "10.00")

    for actor in (Actor.link("abc"), SYSTEM):
        with pytest.raises(NotPermitted):
            services.waiver_approve(waiver_id=waiver.pk, actor=actor, now=NOW)


def test_an_agency_user_decides_only_on_cases_placed_with_their_agency(
    requester: User, agency_agent: User, other_agency_agent: User
) -> None:
    case = big_case()
    services.case_place_with_agency(case_id=case.pk, actor=SYSTEM, agency=agency_agent.agency, now=NOW)
    waiver = ask(case, requester, "10.00")

    with pytest.raises(NotPermitted):
        approve(waiver, other_agency_agent)
    approve(waiver, agency_agent)

    assert balances(case.account)["fees"] == D("890.00")


# --- maker-checker ------------------------------------------------------------------------------------


def test_the_requester_can_never_approve_their_own_waiver(supervisor: User) -> None:
    waiver = ask(big_case(), supervisor, "10.00")

    with pytest.raises(NotPermitted) as refused:
        approve(waiver, supervisor)

    assert refused.value.code == "four_eyes"
    waiver.refresh_from_db()
    assert waiver.state == WaiverState.REQUESTED


def test_the_requester_cannot_reject_their_own_waiver_either(requester: User) -> None:
    waiver = ask(big_case(), requester, "10.00")

    with pytest.raises(NotPermitted) as refused:
        services.waiver_reject(waiver_id=waiver.pk, actor=Actor.for_user(requester), note="no", now=NOW)

    assert refused.value.code == "four_eyes"


def test_the_same_actor_label_without_a_user_is_the_same_requester() -> None:
    case = big_case()
    link = Actor.link("customer-link")
    waiver = services.waiver_request(
        case_id=case.pk, component="fees", amount=D("10.00"), reason="hardship", actor=link, now=NOW
    )
    impostor = UserFactory.create(roles=[Role.SUPERVISOR])

    with pytest.raises(NotPermitted) as refused:
        services.waiver_approve(waiver_id=waiver.pk, actor=Actor(label=link.label, user=impostor), now=NOW)

    assert refused.value.code == "four_eyes"


def test_the_database_refuses_a_waiver_decided_by_its_requester(requester: User) -> None:
    case = big_case()

    with pytest.raises(IntegrityError), transaction.atomic():
        FeeWaiver.objects.create(
            case=case,
            component="fees",
            amount=D("10.00"),
            reason="x",
            requested_at=NOW,
            requested_by=requester.audit_label,
            requested_by_user=requester,
            decided_by=requester,
        )


# --- amounts and outcomes -----------------------------------------------------------------------------


def test_a_request_above_the_components_balance_is_refused(requester: User) -> None:
    case = big_case()

    with pytest.raises(InvalidInput) as refused:
        ask(case, requester, "900.01")

    assert refused.value.code == "exceeds_balance"
    assert not FeeWaiver.objects.exists()


def test_approval_never_takes_a_balance_below_zero_and_changes_nothing_then(
    requester: User, agent: User
) -> None:
    case = big_case()
    waiver = ask(case, requester, "400.00")
    CreditAccount.objects.filter(pk=case.account_id).update(fees=D("300.00"))  # a payment since

    with pytest.raises(InvalidInput) as refused:
        approve(waiver, agent)

    assert refused.value.code == "exceeds_balance"
    waiver.refresh_from_db()
    assert waiver.state == WaiverState.REQUESTED
    assert balances(case.account)["fees"] == D("300.00")


def test_a_decided_waiver_cannot_be_decided_again(requester: User, agent: User, supervisor: User) -> None:
    waiver = ask(big_case(), requester, "10.00")
    approve(waiver, agent)

    with pytest.raises(TransitionNotAllowed):
        services.waiver_reject(waiver_id=waiver.pk, actor=Actor.for_user(supervisor), note="late", now=NOW)


def test_rejection_needs_a_reason_and_leaves_the_balance(requester: User, agent: User) -> None:
    case = big_case()
    waiver = ask(case, requester, "10.00")
    with pytest.raises(InvalidInput):
        services.waiver_reject(waiver_id=waiver.pk, actor=Actor.for_user(agent), note=" ", now=NOW)

    rejected = services.waiver_reject(
        waiver_id=waiver.pk, actor=Actor.for_user(agent), note="No hardship evidence.", now=NOW
    )

    assert rejected.state == WaiverState.REJECTED
    assert balances(case.account)["fees"] == D("900.00")


def test_a_hardship_request_puts_a_review_task_in_the_queue() -> None:
    case = big_case()

    services.waiver_request(
        case_id=case.pk,
        component="penalty_interest",
        amount=D("700.00"),
        reason="Medical bills.",
        actor=Actor.link("customer"),
        hardship=True,
        now=NOW,
    )

    task = CaseTask.objects.get(case=case)
    assert task.kind == CaseTask.Kind.REVIEW
    assert "700.00 penalty_interest" in task.note


def test_waiving_the_last_amount_owed_resolves_the_case(requester: User, agent: User) -> None:
    case, _phone = case_with_phone(
        CaseState.ACTIVE,
        principal=D("0.00"),
        interest=D("0.00"),
        fees=D("100.00"),
        penalty_interest=D("0.00"),
    )

    approve(ask(case, requester, "100.00"), agent)

    case.refresh_from_db()
    assert case.state == CaseState.RESOLVED
