"""The case state machine (DESIGN §4), driven only through ``debt_collections.services``.

Every allowed transition is exercised from a case walked into its source state by the real services
(``tests.factories.make_case``), so each test also proves the audit event that goes with the change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Agency, CreditAccount, User
from debt_collections import services
from debt_collections.errors import InvalidInput, NotPermitted, StaleState, TransitionNotAllowed
from debt_collections.kernel.audit import Actor
from debt_collections.models import (
    HOLDABLE,
    AuditEvent,
    CaseState,
    CloseReason,
    CollectionCase,
    Dispute,
    HoldReason,
)
from debt_collections.policies import get_pack
from tests.factories import SYSTEM, AgencyFactory, CreditAccountFactory, make_case, settle_balance

S = CaseState
pytestmark = pytest.mark.django_db

# Past every policy pack's charge-off threshold, so only the state decides in the tables below.
DEEP_DPD = 400

ServiceCall = Callable[..., CollectionCase]

# One entry per service step: how to call it with only ``case_id``, ``actor`` and optional overrides.
SERVICES: dict[str, ServiceCall] = {
    "escalate": services.case_escalate,
    "engage": services.case_engage,
    "start_plan": services.case_start_plan,
    "complete_plan": services.case_complete_plan,
    "break_plan": services.case_break_plan,
    "withdraw_plan": services.case_withdraw_plan,
    "resolve": services.case_resolve,
    "hold": lambda **kw: services.case_hold(**{"hold_reason": HoldReason.COMPLAINT, **kw}),
    "release": services.case_release,
    "charge_off": services.case_charge_off,
    "close": lambda **kw: services.case_close(**{"close_reason": CloseReason.WRITTEN_OFF, **kw}),
}

# The model's @transition method behind each service step (they differ only for start_plan).
MODEL_METHOD = {step: step for step in SERVICES} | {"start_plan": "accept_plan"}

# (from_state, service step, expected to_state): every edge of the diagram in DESIGN §4.
# ``make_case(ON_HOLD)`` holds an active case, so its release returns to active.
ALLOWED: list[tuple[str, str, str]] = [
    (S.EARLY, "escalate", S.ACTIVE),
    (S.EARLY, "engage", S.NEGOTIATING),
    (S.ACTIVE, "engage", S.NEGOTIATING),
    (S.NEGOTIATING, "start_plan", S.ON_PLAN),
    (S.ON_PLAN, "complete_plan", S.RESOLVED),
    (S.ON_PLAN, "break_plan", S.ACTIVE),
    (S.ON_PLAN, "withdraw_plan", S.NEGOTIATING),
    # Paid in full ends a held case too (nothing owed is left to pause).
    *[(state, "resolve", S.RESOLVED) for state in [*HOLDABLE, S.ON_HOLD]],
    *[(state, "hold", S.ON_HOLD) for state in HOLDABLE],
    (S.ON_HOLD, "release", S.ACTIVE),
    (S.ACTIVE, "charge_off", S.CHARGED_OFF),
    *[(state, "close", S.CLOSED) for state in [*HOLDABLE, S.ON_HOLD, S.CHARGED_OFF]],
]

# A sample of refused steps for every state, terminal states included.
FORBIDDEN: list[tuple[str, str]] = [
    (S.EARLY, "start_plan"),
    (S.EARLY, "complete_plan"),
    (S.EARLY, "break_plan"),
    (S.EARLY, "charge_off"),
    (S.EARLY, "release"),
    (S.ACTIVE, "escalate"),
    (S.ACTIVE, "start_plan"),
    (S.ACTIVE, "complete_plan"),
    (S.ACTIVE, "release"),
    (S.NEGOTIATING, "escalate"),
    (S.NEGOTIATING, "engage"),
    (S.NEGOTIATING, "break_plan"),
    (S.NEGOTIATING, "charge_off"),
    (S.NEGOTIATING, "release"),
    (S.NEGOTIATING, "withdraw_plan"),
    (S.ON_PLAN, "escalate"),
    (S.ON_PLAN, "engage"),
    (S.ON_PLAN, "start_plan"),
    (S.ON_PLAN, "charge_off"),
    (S.ON_PLAN, "release"),
    (S.ON_HOLD, "escalate"),
    (S.ON_HOLD, "engage"),
    (S.ON_HOLD, "hold"),
    (S.ON_HOLD, "complete_plan"),
    (S.ON_HOLD, "charge_off"),
    (S.ON_HOLD, "withdraw_plan"),
    (S.RESOLVED, "escalate"),
    (S.RESOLVED, "engage"),
    (S.RESOLVED, "hold"),
    (S.RESOLVED, "release"),
    (S.RESOLVED, "resolve"),
    (S.RESOLVED, "charge_off"),
    (S.RESOLVED, "close"),
    (S.RESOLVED, "withdraw_plan"),
    (S.CHARGED_OFF, "escalate"),
    (S.CHARGED_OFF, "engage"),
    (S.CHARGED_OFF, "resolve"),
    (S.CHARGED_OFF, "hold"),
    (S.CHARGED_OFF, "release"),
    (S.CHARGED_OFF, "charge_off"),
    (S.CLOSED, "escalate"),
    (S.CLOSED, "engage"),
    (S.CLOSED, "resolve"),
    (S.CLOSED, "hold"),
    (S.CLOSED, "release"),
    (S.CLOSED, "charge_off"),
    (S.CLOSED, "close"),
]


def _run(step: str, case: CollectionCase, actor: Actor = SYSTEM, **kwargs: Any) -> CollectionCase:
    return SERVICES[step](case_id=case.pk, actor=actor, **kwargs)


def _reload(case: CollectionCase) -> CollectionCase:
    return CollectionCase.objects.get(pk=case.pk)


def _snapshot(case: CollectionCase) -> tuple[Any, ...]:
    """The fields a refused operation must leave exactly as they were."""
    fresh = _reload(case)
    return (
        fresh.state,
        fresh.resume_state,
        fresh.hold_reason,
        fresh.close_reason,
        fresh.closed_at,
        fresh.agency_id,
        fresh.updated_at,
    )


def _last_seq() -> int:
    return AuditEvent.objects.aggregate(last=Max("seq"))["last"] or 0


def _charge_off_dpd(account: CreditAccount) -> int:
    return get_pack(account.customer.jurisdiction, timezone.localdate()).charge_off_dpd


@pytest.fixture
def licensed_agency() -> Agency:
    return AgencyFactory.create(name="Licensed Recoveries")


def _placed_case(agency: Agency, state: str = S.EARLY) -> CollectionCase:
    case = make_case(state, days_past_due=DEEP_DPD)
    services.case_place_with_agency(case_id=case.pk, actor=SYSTEM, agency=agency)
    return _reload(case)


# --- the tables themselves ------------------------------------------------------------------


def test_allowed_table_covers_every_transition_the_model_declares() -> None:
    # given the transitions declared with @transition on the model
    field = CollectionCase._meta.get_field("state")
    declared = {
        (str(source), t.name)
        for t in field.get_all_transitions(CollectionCase)
        for source in ([t.source] if isinstance(t.source, str) else t.source)
    }
    # when the table is expressed in the same terms
    tabled = {(str(source), MODEL_METHOD[step]) for source, step, _to in ALLOWED}
    # then neither has an edge the other lacks
    assert tabled == declared


def test_forbidden_sample_has_at_least_two_per_state_and_never_an_allowed_edge() -> None:
    allowed_edges = {(source, step) for source, step, _to in ALLOWED}
    for state in CaseState.values:
        assert sum(1 for source, _step in FORBIDDEN if source == state) >= 2, state
    assert not allowed_edges & set(FORBIDDEN)


# --- allowed transitions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("from_state", "step", "to_state"), ALLOWED, ids=[f"{a}-{s}-{b}" for a, s, b in ALLOWED]
)
def test_allowed_transition_moves_the_case_and_audits_from_and_to(
    from_state: str, step: str, to_state: str
) -> None:
    # given a case walked into the source state by the services
    case = make_case(from_state, days_past_due=DEEP_DPD)
    if step == "resolve":
        settle_balance(case.account)  # paid in full needs nothing owed (see the balance tests below)
    last_seq = _last_seq()

    # when the service runs with a system actor
    returned = _run(step, case)

    # then the state moved, in the returned object and in the database
    assert returned.state == to_state
    assert _reload(case).state == to_state
    # and exactly one audit event records it, with from/to
    new_events = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq"))
    assert [e.action for e in new_events] == [f"case.{step}"]
    event = new_events[0]
    assert event.case_id == case.pk
    assert event.actor == SYSTEM.label
    assert event.payload["from"] == from_state
    assert event.payload["to"] == to_state


# --- forbidden transitions ------------------------------------------------------------------


@pytest.mark.parametrize(("from_state", "step"), FORBIDDEN, ids=[f"{a}-{s}" for a, s in FORBIDDEN])
def test_forbidden_transition_is_refused_and_changes_nothing(from_state: str, step: str) -> None:
    # given a case in from_state (deep enough past due that the charge-off threshold is not the reason)
    case = make_case(from_state, days_past_due=DEEP_DPD)
    before = _snapshot(case)
    events_before = AuditEvent.objects.count()

    # when the step is attempted, then the domain error says the state does not allow it
    with pytest.raises(TransitionNotAllowed):
        _run(step, case)

    # and nothing changed: no state, no derived field, no audit event
    assert _snapshot(case) == before
    assert AuditEvent.objects.count() == events_before


# --- hold and release -----------------------------------------------------------------------


@pytest.mark.parametrize("held_from", HOLDABLE)
def test_release_returns_a_held_case_to_the_state_saved_when_the_hold_began(held_from: str) -> None:
    # given a case held from held_from
    case = make_case(held_from)
    services.case_hold(case_id=case.pk, actor=SYSTEM, hold_reason=HoldReason.HARDSHIP)
    held = _reload(case)
    assert (held.state, held.resume_state, held.hold_reason) == (S.ON_HOLD, held_from, HoldReason.HARDSHIP)

    # when the hold is released
    services.case_release(case_id=case.pk, actor=SYSTEM)

    # then the case is back where it was and the hold fields are cleared
    released = _reload(case)
    assert (released.state, released.resume_state, released.hold_reason, released.hold_until) == (
        held_from,
        "",
        "",
        None,
    )
    event = AuditEvent.objects.filter(case=case, action="case.release").get()
    assert (event.payload["from"], event.payload["to"]) == (S.ON_HOLD, held_from)


def _open_dispute(case: CollectionCase) -> Dispute:
    now = timezone.now()
    return Dispute.objects.create(
        case=case, kind=Dispute.Kind.NOT_MY_DEBT, opened_at=now, sla_due_at=now + timedelta(days=15)
    )


def test_release_is_refused_while_the_dispute_behind_a_dispute_hold_is_open() -> None:
    # given a case on a dispute hold with the dispute still open
    case = make_case(S.ACTIVE)
    dispute = _open_dispute(case)
    services.case_hold(case_id=case.pk, actor=SYSTEM, hold_reason=HoldReason.DISPUTE)
    events_before = AuditEvent.objects.count()

    # when someone releases it, then it is refused and the case stays on hold
    with pytest.raises(TransitionNotAllowed) as excinfo:
        services.case_release(case_id=case.pk, actor=SYSTEM)
    assert excinfo.value.code == "dispute_open"
    assert _reload(case).state == S.ON_HOLD
    assert AuditEvent.objects.count() == events_before

    # and once the dispute is decided the same release goes through
    Dispute.objects.filter(pk=dispute.pk).update(status=Dispute.Status.REJECTED, resolved_at=timezone.now())
    services.case_release(case_id=case.pk, actor=SYSTEM)
    assert _reload(case).state == S.ACTIVE


def test_release_is_refused_while_any_dispute_is_open_whatever_the_hold_reason() -> None:
    # given a case on a complaint hold, and a dispute opened while it was held
    case = make_case(S.ACTIVE)
    services.case_hold(case_id=case.pk, actor=SYSTEM, hold_reason=HoldReason.COMPLAINT)
    _open_dispute(case)

    # when the hold is released, then it is refused: collection would resume on a disputed debt
    with pytest.raises(TransitionNotAllowed):
        services.case_release(case_id=case.pk, actor=SYSTEM)
    assert _reload(case).state == S.ON_HOLD


@pytest.mark.parametrize("hold_reason", ["", "vacation", "DISPUTE"])
def test_hold_requires_a_known_hold_reason(hold_reason: str) -> None:
    case = make_case(S.ACTIVE)
    before = _snapshot(case)
    events_before = AuditEvent.objects.count()

    with pytest.raises(InvalidInput):
        services.case_hold(case_id=case.pk, actor=SYSTEM, hold_reason=hold_reason)

    assert _snapshot(case) == before
    assert AuditEvent.objects.count() == events_before


def test_hold_records_its_reason_in_the_audit_payload() -> None:
    case = make_case(S.NEGOTIATING)
    until = timezone.now() + timedelta(days=60)

    services.case_hold(case_id=case.pk, actor=SYSTEM, hold_reason=HoldReason.BREATHING_SPACE, until=until)

    event = AuditEvent.objects.filter(case=case, action="case.hold").get()
    assert event.payload["hold_reason"] == HoldReason.BREATHING_SPACE
    assert event.payload["until"] is not None
    assert _reload(case).hold_until == until


# --- charge-off and close guards ------------------------------------------------------------


def test_charge_off_is_refused_one_day_below_the_policy_threshold() -> None:
    # given an active case one day short of the pack's charge-off threshold
    account = CreditAccountFactory.create()
    threshold = _charge_off_dpd(account)
    CreditAccount.objects.filter(pk=account.pk).update(days_past_due=threshold - 1)
    case = make_case(S.ACTIVE, account=account)
    events_before = AuditEvent.objects.count()

    # when a charge-off is attempted, then the guard refuses it
    with pytest.raises(TransitionNotAllowed) as excinfo:
        services.case_charge_off(case_id=case.pk, actor=SYSTEM)
    assert excinfo.value.code == "charge_off_too_early"
    # and neither the case nor the account changed
    assert _reload(case).state == S.ACTIVE
    account.refresh_from_db()
    assert account.status == CreditAccount.Status.DELINQUENT
    assert AuditEvent.objects.count() == events_before


def test_charge_off_is_allowed_exactly_at_the_policy_threshold() -> None:
    account = CreditAccountFactory.create()
    threshold = _charge_off_dpd(account)
    CreditAccount.objects.filter(pk=account.pk).update(days_past_due=threshold)
    case = make_case(S.ACTIVE, account=account)

    services.case_charge_off(case_id=case.pk, actor=SYSTEM)

    assert _reload(case).state == S.CHARGED_OFF
    account.refresh_from_db()
    assert account.status == CreditAccount.Status.CHARGED_OFF


@pytest.mark.parametrize("close_reason", ["", "paid", "WRITTEN_OFF"])
def test_close_requires_a_known_close_reason(close_reason: str) -> None:
    case = make_case(S.ACTIVE)
    before = _snapshot(case)
    events_before = AuditEvent.objects.count()

    with pytest.raises(InvalidInput):
        services.case_close(case_id=case.pk, actor=SYSTEM, close_reason=close_reason)

    assert _snapshot(case) == before
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize("close_reason", CloseReason.values)
def test_close_with_a_known_reason_records_it_and_the_closing_time(close_reason: str) -> None:
    case = make_case(S.ON_HOLD)
    now = timezone.now()

    services.case_close(case_id=case.pk, actor=SYSTEM, close_reason=close_reason, now=now)

    closed = _reload(case)
    assert (closed.state, closed.close_reason, closed.closed_at) == (S.CLOSED, close_reason, now)
    # a hold is cleared by closing, so the on-hold check constraint cannot be left half-true
    assert (closed.hold_reason, closed.resume_state) == ("", "")
    event = AuditEvent.objects.filter(case=case, action="case.close").get()
    assert event.payload["close_reason"] == close_reason


# --- stale state and the protected field ----------------------------------------------------


def test_expected_state_mismatch_is_refused_as_stale_and_nothing_changes() -> None:
    # given a case the caller last saw as early, but that someone else escalated since
    case = make_case(S.ACTIVE)
    before = _snapshot(case)
    events_before = AuditEvent.objects.count()

    # when the caller acts on what it saw, then it is told the state is stale
    with pytest.raises(StaleState):
        services.case_engage(case_id=case.pk, actor=SYSTEM, expected_state=S.EARLY)

    assert _snapshot(case) == before
    assert AuditEvent.objects.count() == events_before


def test_matching_expected_state_lets_the_transition_through() -> None:
    case = make_case(S.ACTIVE)

    services.case_engage(case_id=case.pk, actor=SYSTEM, expected_state=S.ACTIVE)

    assert _reload(case).state == S.NEGOTIATING


def test_assigning_the_state_directly_raises_and_the_row_is_unchanged() -> None:
    case = make_case(S.ACTIVE)
    loaded = _reload(case)

    with pytest.raises(AttributeError):
        loaded.state = S.RESOLVED

    assert loaded.state == S.ACTIVE
    assert _reload(case).state == S.ACTIVE


# --- who may act ----------------------------------------------------------------------------

ROLE_CASES = [
    # (service step, state the case must be in for the step to be allowed)
    ("charge_off", S.ACTIVE),
    ("close", S.ACTIVE),
    ("release", S.ON_HOLD),
]


@pytest.mark.parametrize(("step", "state"), ROLE_CASES)
def test_an_agent_cannot_charge_off_close_or_release(agent: User, step: str, state: str) -> None:
    case = make_case(state, days_past_due=DEEP_DPD)
    before = _snapshot(case)
    events_before = AuditEvent.objects.count()

    with pytest.raises(NotPermitted):
        _run(step, case, Actor.for_user(agent))

    assert _snapshot(case) == before
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize(("step", "state"), ROLE_CASES)
def test_a_supervisor_can_charge_off_close_and_release(supervisor: User, step: str, state: str) -> None:
    case = make_case(state, days_past_due=DEEP_DPD)

    _run(step, case, Actor.for_user(supervisor))

    event = AuditEvent.objects.filter(case=case, action=f"case.{step}").get()
    assert event.actor == f"user:{supervisor.pk}:{supervisor.username}"
    assert event.actor_user_id == supervisor.pk


def test_an_agent_can_escalate_and_hold(agent: User) -> None:
    case = make_case(S.EARLY)
    actor = Actor.for_user(agent)

    services.case_escalate(case_id=case.pk, actor=actor)
    services.case_hold(case_id=case.pk, actor=actor, hold_reason=HoldReason.HARDSHIP)

    assert _reload(case).state == S.ON_HOLD


def test_an_agency_user_can_act_on_a_case_placed_with_their_agency(agency_agent: User) -> None:
    assert agency_agent.agency is not None
    case = _placed_case(agency_agent.agency)

    services.case_escalate(case_id=case.pk, actor=Actor.for_user(agency_agent))

    assert _reload(case).state == S.ACTIVE


def test_an_agency_user_cannot_act_on_another_agencys_case(
    agency_agent: User, other_agency_agent: User
) -> None:
    # given a case placed with the first agent's agency
    assert agency_agent.agency is not None
    case = _placed_case(agency_agent.agency)
    before = _snapshot(case)

    # when the other agency's agent tries to escalate it, then it is refused
    with pytest.raises(NotPermitted):
        services.case_escalate(case_id=case.pk, actor=Actor.for_user(other_agency_agent))

    assert _snapshot(case) == before


def test_an_agency_user_cannot_act_on_an_in_house_case(agency_agent: User) -> None:
    case = make_case(S.EARLY)

    with pytest.raises(NotPermitted):
        services.case_escalate(case_id=case.pk, actor=Actor.for_user(agency_agent))

    assert _reload(case).state == S.EARLY


@pytest.mark.parametrize("lapse", ["licence", "contract"])
def test_an_agency_user_is_refused_once_their_agencys_licence_or_contract_has_lapsed(
    agency_agent: User, lapse: str
) -> None:
    # given a case placed with the agency while it was valid
    agency = agency_agent.agency
    assert agency is not None
    case = _placed_case(agency)
    # and the licence (or contract) ended yesterday
    yesterday = timezone.localdate() - timedelta(days=1)
    if lapse == "licence":
        Agency.objects.filter(pk=agency.pk).update(licensed_until=yesterday)
    else:
        Agency.objects.filter(pk=agency.pk).update(
            contract_start=yesterday - timedelta(days=30), contract_end=yesterday
        )
    user = User.objects.get(pk=agency_agent.pk)
    before = _snapshot(case)

    # when the agency's agent acts, then it is refused for the licence, not the role
    with pytest.raises(NotPermitted) as excinfo:
        services.case_escalate(case_id=case.pk, actor=Actor.for_user(user))
    assert excinfo.value.code == "agency_licence"
    assert _snapshot(case) == before


# --- placing with an agency -----------------------------------------------------------------


def _agency(**dates_from_today: int) -> Agency:
    today = timezone.localdate()
    values = {"licensed_until": 365, "contract_start": -30, "contract_end": 365} | dates_from_today
    return AgencyFactory.create(**{name: today + timedelta(days=offset) for name, offset in values.items()})


@pytest.mark.parametrize(
    "dates",
    [
        pytest.param({"licensed_until": -1}, id="licence-expired-yesterday"),
        pytest.param({"contract_end": -1}, id="contract-ended-yesterday"),
        pytest.param({"contract_start": 1}, id="contract-starts-tomorrow"),
    ],
)
def test_placing_a_case_with_an_agency_without_a_valid_licence_and_contract_is_refused(
    dates: dict[str, int],
) -> None:
    # given a case and an agency that is not valid today
    case = make_case(S.ACTIVE)
    agency = _agency(**dates)
    events_before = AuditEvent.objects.count()

    # when a supervisor-level actor places it, then it is refused
    with pytest.raises(InvalidInput) as excinfo:
        services.case_place_with_agency(case_id=case.pk, actor=SYSTEM, agency=agency)
    assert excinfo.value.code == "agency_not_licensed"

    # and the case stayed in-house with no audit event
    assert _reload(case).agency_id is None
    assert AuditEvent.objects.count() == events_before


def test_placing_a_case_with_an_agency_licensed_through_today_is_accepted_and_audited(
    supervisor: User, agent: User
) -> None:
    # given a case assigned in-house and an agency whose licence ends today
    case = make_case(S.ACTIVE)
    services.case_assign(case_id=case.pk, actor=SYSTEM, assignee=agent)
    agency = _agency(licensed_until=0)

    # when a supervisor places it
    services.case_place_with_agency(case_id=case.pk, actor=Actor.for_user(supervisor), agency=agency)

    # then it is placed, the in-house assignee is cleared, and the licence number is on the record
    placed = _reload(case)
    assert (placed.agency_id, placed.assignee_id) == (agency.pk, None)
    event = AuditEvent.objects.filter(case=case, action="case.place").get()
    assert event.payload == {"from_agency": None, "to_agency": agency.pk, "licence": agency.licence_number}


def test_an_agent_cannot_place_a_case_with_an_agency(agent: User, licensed_agency: Agency) -> None:
    case = make_case(S.ACTIVE)

    with pytest.raises(NotPermitted):
        services.case_place_with_agency(case_id=case.pk, actor=Actor.for_user(agent), agency=licensed_agency)

    assert _reload(case).agency_id is None


# --- one open case per account --------------------------------------------------------------


def test_opening_a_second_case_for_an_account_with_an_open_case_is_refused() -> None:
    # given an account with an open case
    case = make_case(S.ACTIVE)
    events_before = AuditEvent.objects.count()

    # when the service is asked to open another, then it refuses
    with pytest.raises(InvalidInput) as excinfo:
        services.case_open(account=case.account, actor=SYSTEM)
    assert excinfo.value.code == "case_exists"
    assert CollectionCase.objects.filter(account=case.account).count() == 1
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize("open_state", [S.EARLY, S.ON_HOLD, S.CHARGED_OFF])
def test_the_database_refuses_a_second_open_case_when_the_service_is_bypassed(open_state: str) -> None:
    # given an account whose case is still open (charged-off counts as open: it may still be closed)
    case = make_case(open_state, days_past_due=DEEP_DPD)

    # when a second case row is inserted directly, then the partial unique constraint refuses it
    with pytest.raises(IntegrityError, match="one_open_case_per_account|UNIQUE|unique"), transaction.atomic():
        CollectionCase.objects.create(account=case.account, customer=case.customer, opened_at=timezone.now())

    assert CollectionCase.objects.filter(account=case.account).count() == 1


@pytest.mark.parametrize("finished_state", [S.RESOLVED, S.CLOSED])
def test_a_new_case_may_be_opened_once_the_previous_one_is_finished(finished_state: str) -> None:
    old = make_case(finished_state)

    new = services.case_open(account=old.account, actor=SYSTEM)

    assert new.pk != old.pk
    assert new.state == S.EARLY
    assert CollectionCase.objects.filter(account=old.account).count() == 2


@pytest.mark.django_db
def test_a_save_from_a_stale_copy_of_a_case_fails_instead_of_overwriting() -> None:
    """The optimistic check of the state-machine models (``ConcurrentStateMixin``): a copy read before
    another worker changed the state cannot save over it."""
    from django_fsm import ConcurrentTransition

    case = make_case(CaseState.EARLY)
    stale = CollectionCase.objects.get(pk=case.pk)
    CollectionCase.objects.filter(pk=case.pk).update(state=CaseState.ACTIVE)  # another worker's escalation

    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.ACTIVE
