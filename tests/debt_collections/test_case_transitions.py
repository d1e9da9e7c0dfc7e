"""The one transition table and its batch-first function (issue 10): a click and the daily cycle go
through the same code, so they lock, check and audit the same way."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import CreditAccount
from debt_collections.errors import InvalidInput, StaleState, TransitionNotAllowed
from debt_collections.kernel.access import MANUAL_TRANSITIONS, TRANSITION_ROLES
from debt_collections.kernel.locking import lock_cases
from debt_collections.models import AuditEvent, CaseState, CollectionCase
from debt_collections.services import case_transition, case_transition_locked, case_transition_many
from debt_collections.services.case_transitions import TRANSITIONS, Step, transition_spec
from tests.factories import SYSTEM, make_case

S = CaseState
pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


def last_event(case: CollectionCase) -> AuditEvent:
    return AuditEvent.objects.filter(case=case).order_by("-seq").first()  # type: ignore[return-value]


def test_sources_and_targets_are_read_from_the_state_machine() -> None:
    assert TRANSITIONS["escalate"].sources == (S.EARLY,)
    assert TRANSITIONS["escalate"].targets == (S.ACTIVE,)
    assert set(TRANSITIONS["engage"].sources) == {S.EARLY, S.ACTIVE}
    # a release returns to the state saved by the hold: every holdable state is a possible target
    assert set(TRANSITIONS["release"].targets) == {S.EARLY, S.ACTIVE, S.NEGOTIATING, S.ON_PLAN}
    assert TRANSITIONS["release_expired_hold"].sources == (S.ON_HOLD,)


def test_roles_come_from_the_kernel_role_table_and_service_only_transitions_have_none() -> None:
    assert {name for name, t in TRANSITIONS.items() if t.roles is not None} == set(MANUAL_TRANSITIONS)
    assert TRANSITIONS["hold"].roles == TRANSITION_ROLES["hold"]
    assert TRANSITIONS["start_plan"].roles is None


def test_a_name_outside_the_table_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        transition_spec("teleport")
    assert exc.value.code == "unknown_transition"


def test_a_person_cannot_trigger_a_service_only_transition_by_name() -> None:
    case = make_case(S.NEGOTIATING)

    with pytest.raises(InvalidInput) as exc:
        case_transition(case_id=case.pk, name="start_plan", actor=SYSTEM)

    assert exc.value.code == "unknown_transition"


def test_the_single_form_and_the_batch_write_the_same_audit_payload() -> None:
    one, other = make_case(S.EARLY), make_case(S.EARLY)

    case_transition(case_id=one.pk, name="escalate", actor=SYSTEM, reason="why", now=NOW)
    case_transition_many(case_ids=[other.pk], name="escalate", actor=SYSTEM, reason="why", now=NOW)

    first, second = last_event(one), last_event(other)
    assert first.action == second.action == "case.escalate"
    assert first.payload == second.payload == {"from": "early", "to": "active", "reason": "why"}


def test_the_batch_skips_refused_cases_when_asked_and_changes_the_rest() -> None:
    early, active = make_case(S.EARLY), make_case(S.ACTIVE)

    moved = case_transition_many(
        case_ids=[early.pk, active.pk], name="escalate", actor=SYSTEM, now=NOW, skip_refused=True
    )

    assert [c.pk for c in moved] == [early.pk]
    assert CollectionCase.objects.get(pk=active.pk).state == S.ACTIVE


def test_without_skipping_one_refused_case_rolls_the_whole_batch_back() -> None:
    early, active = make_case(S.EARLY), make_case(S.ACTIVE)
    events = AuditEvent.objects.count()

    with pytest.raises(TransitionNotAllowed):
        case_transition_many(case_ids=[early.pk, active.pk], name="escalate", actor=SYSTEM, now=NOW)

    assert CollectionCase.objects.get(pk=early.pk).state == S.EARLY
    assert AuditEvent.objects.count() == events


def test_a_missing_id_is_not_found_in_the_strict_batch() -> None:
    case = make_case(S.EARLY)

    with pytest.raises(InvalidInput) as exc:
        case_transition_many(case_ids=[case.pk, 987654], name="escalate", actor=SYSTEM, now=NOW)

    assert exc.value.code == "not_found"


def test_the_charge_off_guard_and_its_account_write_are_the_same_for_one_and_many() -> None:
    shallow = make_case(S.ACTIVE, days_past_due=5)
    deep = make_case(S.ACTIVE, days_past_due=400)

    with pytest.raises(TransitionNotAllowed) as exc:
        case_transition(case_id=shallow.pk, name="charge_off", actor=SYSTEM, now=NOW)
    moved = case_transition_many(
        case_ids=[shallow.pk, deep.pk], name="charge_off", actor=SYSTEM, now=NOW, skip_refused=True
    )

    assert exc.value.code == "charge_off_too_early"
    assert [c.pk for c in moved] == [deep.pk]
    assert CreditAccount.objects.get(pk=deep.account_id).status == CreditAccount.Status.CHARGED_OFF
    assert CreditAccount.objects.get(pk=shallow.account_id).status != CreditAccount.Status.CHARGED_OFF


def test_a_row_changed_behind_a_stale_copy_is_a_stale_state_not_an_overwrite() -> None:
    # given a copy of the case read as early, and the row moved on meanwhile (what the lock prevents)
    case = make_case(S.EARLY)
    with transaction.atomic():
        (stale,) = lock_cases([case.pk])
        CollectionCase.objects.filter(pk=case.pk).update(state=S.NEGOTIATING)

        # when the transition is applied to the stale copy, then it is refused as stale
        with pytest.raises(StaleState):
            case_transition_locked(cases=[stale], name="escalate", actor=SYSTEM, now=NOW)

    assert CollectionCase.objects.get(pk=case.pk).state == S.NEGOTIATING


def test_a_case_saved_after_a_table_transition_is_not_mistaken_for_a_stale_copy() -> None:
    case = make_case(S.EARLY)
    with transaction.atomic():
        (locked,) = lock_cases([case.pk])
        case_transition_locked(cases=[locked], name="escalate", actor=SYSTEM, now=NOW)
        locked.next_action_at = NOW
        locked.save(update_fields=["next_action_at"])

    assert CollectionCase.objects.get(pk=case.pk).state == S.ACTIVE


def test_a_path_of_transitions_is_one_write_with_an_event_per_step() -> None:
    case = make_case(S.ACTIVE)
    with transaction.atomic():
        (locked,) = lock_cases([case.pk])
        with CaptureQueriesContext(connection) as captured:
            case_transition_locked(
                cases=[locked],
                name="engage",
                actor=SYSTEM,
                now=NOW,
                reason="talks",
                then=[Step("start_plan", reason="accepted", params={"plan": 7})],
            )

    updates = [
        q for q in captured.captured_queries if q["sql"].startswith('UPDATE "collections_collectioncase"')
    ]
    assert len(updates) == 1
    assert CollectionCase.objects.get(pk=case.pk).state == S.ON_PLAN
    events = list(AuditEvent.objects.filter(case=case).order_by("-seq")[:2])[::-1]
    assert [(e.action, e.payload) for e in events] == [
        ("case.engage", {"from": "active", "to": "negotiating", "reason": "talks"}),
        ("case.start_plan", {"from": "negotiating", "to": "on_plan", "reason": "accepted", "plan": 7}),
    ]


def test_a_refused_later_step_leaves_the_case_as_it_was() -> None:
    case = make_case(S.EARLY)
    events = AuditEvent.objects.count()

    with pytest.raises(TransitionNotAllowed), transaction.atomic():
        (locked,) = lock_cases([case.pk])
        case_transition_locked(
            cases=[locked], name="escalate", actor=SYSTEM, now=NOW, then=[Step("start_plan")]
        )

    assert CollectionCase.objects.get(pk=case.pk).state == S.EARLY
    assert AuditEvent.objects.count() == events
