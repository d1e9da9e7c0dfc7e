"""Credit-limit reductions and freezes (DESIGN §9): advance notice with the reason and an appeal link, no
effect before the notice period, an appeal decided by a supervisor who did not ask for the change.

The clock is frozen at ``NOW`` (12:00 in Shanghai, inside the CN contact window) and moved with every
``now`` a test passes, so notices the worker sends are stamped with the same instant.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from accounts.models import CreditLimitChange, User
from debt_collections import credit, services
from debt_collections.credit.selectors import (
    account_is_frozen,
    limit_change_appeal_queue,
    limit_changes_for_case,
)
from debt_collections.cycle import cycle_run
from debt_collections.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from debt_collections.kernel.audit import Actor
from debt_collections.models import AuditEvent, CaseState, CollectionCase, NegotiationLink
from notifications.models import Notice
from tests.factories import CreditAccountFactory, CustomerFactory, PhoneFactory, UserFactory, make_case

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # Monday, 12:00 in Shanghai
D = NOW.date()
CN_NOTICE_DAYS = 7
ST = CreditLimitChange.Status


@pytest.fixture(autouse=True)
def _env(sms_outbox: list[Any], time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def clock(time_machine: Any) -> Any:
    def move(to: datetime) -> datetime:
        time_machine.move_to(to, tick=False)
        return to

    return move


@pytest.fixture
def case() -> CollectionCase:
    """An active case on a 20,000 CNY line whose customer (English) has a verified phone."""
    customer = CustomerFactory.create()
    PhoneFactory.create(customer=customer)
    account = CreditAccountFactory.create(customer=customer, credit_limit=Decimal("20000.00"))
    return make_case(CaseState.ACTIVE, account=account)


@pytest.fixture
def other_supervisor(db: Any) -> User:
    return UserFactory.create(username="supervisor2", roles=["supervisor"])


def schedule(case: CollectionCase, actor: Actor, **overrides: Any) -> CreditLimitChange:
    kwargs: dict[str, Any] = {
        "account_id": case.account_id,
        "new_limit": Decimal("10000.00"),
        "is_freeze": False,
        "reason_code": CreditLimitChange.Reason.DELINQUENCY,
        "explanation": "Your account has been more than 10 days overdue this month.",
        "actor": actor,
        "now": NOW,
        **overrides,
    }
    return credit.limit_change_schedule(**kwargs)


def notices(case: CollectionCase, key: str) -> list[Notice]:
    return list(Notice.objects.filter(case=case, template__key=key).order_by("pk"))


def limit_of(case: CollectionCase) -> Decimal:
    case.account.refresh_from_db()
    return case.account.credit_limit


# --- the notice period ---------------------------------------------------------------------------------


def test_a_reduction_does_not_take_effect_before_its_notice_period_and_does_after_via_the_cycle(
    case: CollectionCase, agent: User, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        change = schedule(case, Actor.for_user(agent))

    # Then the customer is told now, with the reason, the date and where to appeal
    assert (change.status, change.effective_at) == (ST.SCHEDULED, NOW + timedelta(days=CN_NOTICE_DAYS))
    [notice] = notices(case, "credit_limit.notice")
    assert (notice.status, notice.sent_at) == (Notice.Status.SENT, NOW)
    assert "changes from 20,000.00 to 10,000.00 CNY" in notice.body
    assert f"from {(D + timedelta(days=CN_NOTICE_DAYS)).isoformat()}" in notice.body
    assert "Reason: Your account has payments that are overdue." in notice.body
    assert "more than 10 days overdue this month" in notice.body
    assert "/n/" in notice.body  # the appeal link: the customer's negotiation page
    assert limit_of(case) == Decimal("20000.00")

    # When the daily cycle runs the day before the notice period ends, nothing changes
    early = cycle_run(as_of=D + timedelta(days=6), now=clock(NOW + timedelta(days=6)))
    change.refresh_from_db()
    assert (change.status, limit_of(case), early.limit_changes_applied) == (ST.SCHEDULED, Decimal("20000"), 0)

    # and the run on the day it ends applies it
    due = cycle_run(as_of=D + timedelta(days=7), now=clock(NOW + timedelta(days=7)))

    change.refresh_from_db()
    assert (change.status, change.applied_at) == (ST.APPLIED, NOW + timedelta(days=7))
    assert change.notice_sent_at == NOW
    assert limit_of(case) == Decimal("10000.00")
    assert due.limit_changes_applied == 1
    assert AuditEvent.objects.filter(case=case, action="limit_change.applied").count() == 1
    # and a second run for the date changes nothing
    again = cycle_run(as_of=D + timedelta(days=7), now=NOW + timedelta(days=7, hours=1))
    assert again.limit_changes_applied == 0


def test_a_change_whose_notice_was_never_sent_does_not_take_effect(case: CollectionCase, agent: User) -> None:
    # Given the notice was queued but the worker never sent it (no on-commit callbacks ran)
    change = schedule(case, Actor.for_user(agent))

    report = credit.limit_changes_apply_due(now=NOW + timedelta(days=30))

    change.refresh_from_db()
    assert (change.status, report.applied) == (ST.SCHEDULED, 0)
    assert report.waiting == [f"limit change {change.pk}: its notice has not been sent long enough ago"]
    assert limit_of(case) == Decimal("20000.00")


def test_a_fraud_suspicion_freeze_notifies_at_once_and_applies_at_once(
    case: CollectionCase, supervisor: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        change = schedule(
            case,
            Actor.for_user(supervisor),
            new_limit=None,
            is_freeze=True,
            reason_code=CreditLimitChange.Reason.FRAUD_SUSPICION,
            explanation="Three card payments abroad within an hour.",
        )

    assert (change.status, change.effective_at, change.applied_at) == (ST.APPLIED, NOW, NOW)
    [notice] = notices(case, "credit_limit.notice")
    assert (notice.queued_at, notice.sent_at, notice.status) == (NOW, NOW, Notice.Status.SENT)
    assert "will be frozen" in notice.body
    assert "may be fraud" in notice.body
    # A freeze keeps the limit and stops drawing on it
    assert limit_of(case) == Decimal("20000.00")
    assert change.new_limit == change.old_limit
    assert account_is_frozen(case.account)


def test_a_fraud_freeze_replaces_a_reduction_still_pending(case: CollectionCase, agent: User) -> None:
    pending = schedule(case, Actor.for_user(agent))

    freeze = schedule(
        case,
        Actor.for_user(agent),
        is_freeze=True,
        reason_code=CreditLimitChange.Reason.FRAUD_SUSPICION,
        explanation="Suspicious logins.",
        now=NOW + timedelta(hours=1),
    )

    pending.refresh_from_db()
    assert (pending.status, freeze.status) == (ST.CANCELLED, ST.APPLIED)


def test_a_second_change_waits_for_the_first_to_be_decided(case: CollectionCase, agent: User) -> None:
    schedule(case, Actor.for_user(agent))

    with pytest.raises(TransitionNotAllowed) as error:
        schedule(case, Actor.for_user(agent), new_limit=Decimal("5000.00"))

    assert error.value.code == "change_pending"


# --- what may be scheduled -----------------------------------------------------------------------------


def test_an_increase_is_refused(case: CollectionCase, agent: User) -> None:
    with pytest.raises(InvalidInput) as error:
        schedule(case, Actor.for_user(agent), new_limit=Decimal("25000.00"))

    assert error.value.code == "increase_refused"
    assert not CreditLimitChange.objects.exists()


def test_the_same_limit_is_not_a_change(case: CollectionCase, agent: User) -> None:
    with pytest.raises(InvalidInput) as error:
        schedule(case, Actor.for_user(agent), new_limit=Decimal("20000.00"))

    assert error.value.code == "no_change"


@pytest.mark.parametrize("reason_code", ["", "because", "RISK_SCORE_CHANGE"])
def test_a_reason_code_from_the_fixed_list_is_required(
    case: CollectionCase, agent: User, reason_code: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        schedule(case, Actor.for_user(agent), reason_code=reason_code)

    assert error.value.code == "invalid_reason"
    assert not CreditLimitChange.objects.exists()


@pytest.mark.parametrize("explanation", ["", "   "])
def test_a_plain_language_explanation_is_required(
    case: CollectionCase, agent: User, explanation: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        schedule(case, Actor.for_user(agent), explanation=explanation)

    assert error.value.code == "explanation_required"


def test_an_agency_user_or_a_compliance_officer_cannot_change_a_limit(
    case: CollectionCase, agency_agent: User, compliance: User
) -> None:
    for user in (agency_agent, compliance):
        with pytest.raises(NotPermitted):
            schedule(case, Actor.for_user(user))


def test_an_account_without_an_open_case_cannot_be_notified_so_is_refused(agent: User) -> None:
    account = CreditAccountFactory.create()

    with pytest.raises(InvalidInput) as error:
        credit.limit_change_schedule(
            account_id=account.pk,
            new_limit=Decimal("100.00"),
            is_freeze=False,
            reason_code="inactivity",
            explanation="Unused for two years.",
            actor=Actor.for_user(agent),
            now=NOW,
        )

    assert error.value.code == "no_open_case"


def test_an_automated_change_is_marked_and_says_a_person_can_review_it(case: CollectionCase) -> None:
    change = schedule(
        case,
        Actor.system("risk_model"),
        reason_code=CreditLimitChange.Reason.RISK_SCORE,
        explanation="Score fell.",
    )

    assert (change.automated, change.requested_by) == (True, None)
    [notice] = notices(case, "credit_limit.notice")
    assert "you can ask for a person to review it" in notice.body


# --- appeal and review ---------------------------------------------------------------------------------


def appeal_as_customer(case: CollectionCase, change: CreditLimitChange, at: datetime) -> CreditLimitChange:
    link = NegotiationLink.objects.filter(case=case).latest("created_at")
    assert change in limit_changes_for_case(link.case)  # what the page checks first
    return credit.limit_change_appeal(
        change_id=change.pk, appeal_text="I have paid; please look again.", actor=Actor.link(link.id), now=at
    )


def test_appeal_goes_to_a_supervisor_whose_reversal_cancels_the_change_and_tells_the_customer(
    case: CollectionCase,
    agent: User,
    supervisor: User,
    clock: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        change = schedule(case, Actor.for_user(agent))

    appealed = appeal_as_customer(case, change, clock(NOW + timedelta(days=2)))

    assert (appealed.status, appealed.appealed_at) == (ST.UNDER_REVIEW, NOW + timedelta(days=2))
    assert list(limit_change_appeal_queue(supervisor)) == [appealed]
    assert list(limit_change_appeal_queue(agent)) == []
    # While under review it does not take effect, even past its date
    cycle_run(as_of=D + timedelta(days=8), now=clock(NOW + timedelta(days=8)))
    assert limit_of(case) == Decimal("20000.00")

    with django_capture_on_commit_callbacks(execute=True):
        decided = credit.limit_change_review(
            change_id=change.pk,
            decision="reversed",
            note="Your payment of 1 March was found.",
            actor=Actor.for_user(supervisor),
            now=clock(NOW + timedelta(days=9)),
        )

    assert (decided.status, decided.appeal_decision, decided.reviewed_by) == (
        ST.CANCELLED,
        "reversed",
        supervisor,
    )
    assert limit_of(case) == Decimal("20000.00")
    [outcome] = notices(case, "credit_limit.appeal_outcome")
    assert outcome.status == Notice.Status.SENT
    assert "reviewed your appeal about the credit limit on account" in outcome.body
    assert ": the change is reversed." in outcome.body
    assert "Your payment of 1 March was found." in outcome.body
    assert list(limit_change_appeal_queue(supervisor)) == []


def test_an_upheld_appeal_decided_after_the_date_applies_the_change_then(
    case: CollectionCase, agent: User, supervisor: User, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        change = schedule(case, Actor.for_user(agent))
    appeal_as_customer(case, change, clock(NOW + timedelta(days=1)))

    decided = credit.limit_change_review(
        change_id=change.pk,
        decision="upheld",
        note="The account is still overdue.",
        actor=Actor.for_user(supervisor),
        now=clock(NOW + timedelta(days=10)),
    )

    assert (decided.status, decided.applied_at) == (ST.APPLIED, NOW + timedelta(days=10))
    assert limit_of(case) == Decimal("10000.00")
    [outcome] = notices(case, "credit_limit.appeal_outcome")
    assert "the change stands" in outcome.body


def test_an_upheld_appeal_decided_early_waits_for_the_date(
    case: CollectionCase, agent: User, supervisor: User, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        change = schedule(case, Actor.for_user(agent))
    appeal_as_customer(case, change, clock(NOW + timedelta(days=1)))

    decided = credit.limit_change_review(
        change_id=change.pk,
        decision="upheld",
        note="Still overdue.",
        actor=Actor.for_user(supervisor),
        now=clock(NOW + timedelta(days=2)),
    )

    assert decided.status == ST.SCHEDULED
    assert limit_of(case) == Decimal("20000.00")


def test_reversing_a_change_in_effect_restores_the_old_limit(
    case: CollectionCase, agent: User, supervisor: User, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        change = schedule(case, Actor.for_user(agent))
    credit.limit_changes_apply_due(now=clock(NOW + timedelta(days=7)))
    assert limit_of(case) == Decimal("10000.00")
    credit.limit_change_appeal(
        change_id=change.pk,
        appeal_text="Customer called: salary was late",
        actor=Actor.for_user(agent),
        now=NOW + timedelta(days=8),
    )

    decided = credit.limit_change_review(
        change_id=change.pk,
        decision="reversed",
        note="Paid in full since.",
        actor=Actor.for_user(supervisor),
        now=clock(NOW + timedelta(days=9)),
    )

    assert decided.status == ST.REVERSED
    assert limit_of(case) == Decimal("20000.00")


def test_the_requester_cannot_review_the_appeal_against_their_own_change(
    case: CollectionCase, supervisor: User, other_supervisor: User
) -> None:
    change = schedule(case, Actor.for_user(supervisor))
    appeal_as_customer(case, change, NOW + timedelta(days=1))

    with pytest.raises(NotPermitted) as error:
        credit.limit_change_review(
            change_id=change.pk, decision="reversed", note="Mine.", actor=Actor.for_user(supervisor), now=NOW
        )

    assert error.value.code == "four_eyes"
    decided = credit.limit_change_review(
        change_id=change.pk,
        decision="reversed",
        note="Reviewed.",
        actor=Actor.for_user(other_supervisor),
        now=NOW + timedelta(days=2),
    )
    assert decided.reviewed_by == other_supervisor


def test_only_a_supervisor_reviews_and_only_an_appealed_change(
    case: CollectionCase, agent: User, compliance: User, supervisor: User
) -> None:
    change = schedule(case, Actor.for_user(agent))

    with pytest.raises(TransitionNotAllowed) as not_appealed:
        credit.limit_change_review(
            change_id=change.pk, decision="upheld", note="x", actor=Actor.for_user(supervisor), now=NOW
        )
    assert not_appealed.value.code == "not_under_review"
    appeal_as_customer(case, change, NOW + timedelta(days=1))
    for user in (agent, compliance):
        with pytest.raises(NotPermitted):
            credit.limit_change_review(
                change_id=change.pk, decision="upheld", note="x", actor=Actor.for_user(user), now=NOW
            )


def test_a_change_is_appealed_once(case: CollectionCase, agent: User) -> None:
    change = schedule(case, Actor.for_user(agent))
    appeal_as_customer(case, change, NOW + timedelta(days=1))

    with pytest.raises(TransitionNotAllowed) as error:
        appeal_as_customer(case, change, NOW + timedelta(days=2))

    assert error.value.code == "already_appealed"


def test_an_automated_freeze_in_effect_can_be_appealed_and_reviewed_by_a_person(
    case: CollectionCase, supervisor: User
) -> None:
    change = schedule(
        case,
        Actor.system("fraud_model"),
        is_freeze=True,
        reason_code=CreditLimitChange.Reason.FRAUD_SUSPICION,
        explanation="Unusual device.",
    )
    assert (change.automated, change.status) == (True, ST.APPLIED)
    appeal_as_customer(case, change, NOW + timedelta(hours=2))

    decided = credit.limit_change_review(
        change_id=change.pk,
        decision="reversed",
        note="It was you: freeze lifted.",
        actor=Actor.for_user(supervisor),
        now=NOW + timedelta(hours=3),
    )

    assert decided.status == ST.REVERSED
    assert not account_is_frozen(case.account)


def test_the_appeal_date_and_review_date_are_audited(
    case: CollectionCase, agent: User, supervisor: User
) -> None:
    change = schedule(case, Actor.for_user(agent))
    appeal_as_customer(case, change, NOW + timedelta(days=1))
    credit.limit_change_review(
        change_id=change.pk,
        decision="upheld",
        note="ok",
        actor=Actor.for_user(supervisor),
        now=NOW + timedelta(days=2),
    )

    actions = list(
        AuditEvent.objects.filter(case=case, action__startswith="limit_change.").values_list(
            "action", "actor"
        )
    )
    link = NegotiationLink.objects.filter(case=case).latest("created_at")
    assert actions == [
        ("limit_change.scheduled", Actor.for_user(agent).label),
        ("limit_change.appealed", f"link:{link.id}"),
        ("limit_change.reviewed", Actor.for_user(supervisor).label),
    ]


def test_a_dispute_outcome_and_an_appeal_outcome_on_the_same_day_are_two_notices(
    case: CollectionCase, agent: User, supervisor: User, compliance: User
) -> None:
    change = schedule(case, Actor.for_user(agent))
    appeal_as_customer(case, change, NOW + timedelta(hours=1))
    dispute = services.dispute_open(
        case_id=case.pk,
        kind="amount_wrong",
        description="x",
        channel="phone",
        actor=Actor.for_user(agent),
        now=NOW,
    )
    services.dispute_resolve(
        dispute_id=dispute.pk,
        outcome="rejected",
        outcome_text="The amount is right.",
        actor=Actor.for_user(compliance),
        now=NOW + timedelta(hours=2),
    )

    credit.limit_change_review(
        change_id=change.pk, decision="upheld", note="Stands.", actor=Actor.for_user(supervisor), now=NOW
    )

    bodies = [n.body for n in notices(case, "dispute.outcome") + notices(case, "credit_limit.appeal_outcome")]
    assert len(bodies) == 2
    assert "The amount is right." in bodies[0] and "Stands." in bodies[1]


# --- the staff API -------------------------------------------------------------------------------------


def api(user: User | None) -> Any:
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def url(name: str, pk: int | None = None) -> str:
    from django.urls import reverse

    return reverse(f"api:{name}", kwargs={"id": pk} if pk is not None else None)


def test_api_schedules_a_reduction_and_lists_it(case: CollectionCase, agent: User) -> None:
    response = api(agent).post(
        url("account-limit-changes", case.account_id),
        {"new_limit": "12000.00", "reason_code": "risk_score_change", "explanation": "Your score changed."},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["old_limit"], body["new_limit"], body["is_freeze"]) == (
        "scheduled",
        "20000.00",
        "12000.00",
        False,
    )
    listed = api(agent).get(url("account-limit-changes", case.account_id)).json()["results"]
    assert [c["id"] for c in listed] == [body["id"]]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (
            {"new_limit": "25000.00", "reason_code": "delinquency", "explanation": "x"},
            422,
            "increase_refused",
        ),
        ({"new_limit": "1000.00", "explanation": "x"}, 400, "invalid"),  # reason code required
        ({"new_limit": "1000.00", "reason_code": "because", "explanation": "x"}, 400, "invalid"),
        ({"reason_code": "delinquency", "explanation": "x"}, 400, "invalid"),  # a reduction needs the limit
    ],
)
def test_api_refuses_an_increase_and_a_missing_or_unknown_reason(
    case: CollectionCase, agent: User, payload: dict[str, str], status: int, code: str
) -> None:
    response = api(agent).post(url("account-limit-changes", case.account_id), payload, format="json")

    assert response.status_code == status
    assert response.json()["code"] == code
    assert not CreditLimitChange.objects.exists()


def test_api_appeal_and_review_with_four_eyes(
    case: CollectionCase, supervisor: User, other_supervisor: User, agent: User
) -> None:
    change = schedule(case, Actor.for_user(supervisor))

    appealed = api(agent).post(
        url("limit-change-appeal", change.pk), {"appeal_text": "Customer phoned to appeal."}, format="json"
    )
    queue = api(other_supervisor).get(url("limit-appeals")).json()["results"]
    own = api(supervisor).post(
        url("limit-change-review", change.pk), {"decision": "reversed", "note": "x"}, format="json"
    )
    decided = api(other_supervisor).post(
        url("limit-change-review", change.pk), {"decision": "reversed", "note": "Reviewed."}, format="json"
    )

    assert appealed.status_code == 200 and appealed.json()["status"] == "under_review"
    assert [c["id"] for c in queue] == [change.pk]
    assert (own.status_code, own.json()["code"]) == (403, "four_eyes")
    assert decided.status_code == 200
    assert (decided.json()["status"], decided.json()["appeal_decision"]) == ("cancelled", "reversed")


def test_api_hides_accounts_and_changes_outside_the_callers_scope(
    case: CollectionCase, agent: User, agency_agent: User
) -> None:
    change = schedule(case, Actor.for_user(agent))

    assert api(agency_agent).get(url("account-limit-changes", case.account_id)).status_code == 404
    assert (
        api(agency_agent)
        .post(url("limit-change-appeal", change.pk), {"appeal_text": "x"}, format="json")
        .status_code
        == 404
    )
    assert api(None).get(url("account-limit-changes", case.account_id)).status_code == 401


# --- the admin appeal queue ----------------------------------------------------------------------------


def test_the_admin_appeal_queue_shows_appeals_and_a_supervisor_decides_them_with_a_reason(
    case: CollectionCase, agent: User, supervisor: User, client_for: Any
) -> None:
    change = schedule(case, Actor.for_user(agent))
    appeal_as_customer(case, change, NOW + timedelta(hours=1))
    queue = "/admin/collections/limitchangeappeal/"
    client = client_for(supervisor)

    listed = client.get(queue)
    asked = client.post(queue, {"action": "review_selected", "_selected_action": [str(change.pk)]})
    done = client.post(
        queue,
        {
            "action": "review_selected",
            "_selected_action": [str(change.pk)],
            "apply": "yes",
            "decision": "upheld",
            "note": "The account is overdue.",
        },
    )

    assert listed.status_code == 200 and [c.pk for c in listed.context["cl"].result_list] == [change.pk]
    assert asked.status_code == 200 and b"The account is overdue" not in asked.content
    assert done.status_code == 302
    change.refresh_from_db()
    assert (change.status, change.reviewed_by) == (ST.SCHEDULED, supervisor)
    # an agent sees the queue but has no action to decide with
    agent_view = client_for(agent).get(queue)
    assert agent_view.status_code == 200
    assert "review_selected" not in agent_view.context["cl"].model_admin.get_actions(agent_view.wsgi_request)
