"""``manage.py seed_demo``: deterministic, idempotent demo data whose cases reach every state through the
services, with a history behind every compliance report, so the audit chain verifies."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import phonenumbers
import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F, Model
from django.test import RequestFactory, override_settings
from django.utils import timezone

from accounts.models import Agency, ContactPoint, CreditAccount, Customer, QuarantinedContact, User
from compliance.reports import REPORTS, ReportFilters, build_all
from compliance.selectors import agency_warnings
from debt_collections import services
from debt_collections.credit.selectors import limit_change_appeal_queue
from debt_collections.errors import InvalidInput
from debt_collections.kernel.audit import verify_chain
from debt_collections.models import (
    LIVE_PLAN_STATES,
    TERMINAL,
    AuditEvent,
    CaseState,
    CaseTask,
    CollectionCase,
    ContactAttempt,
    Dispute,
    FeeWaiver,
    HoldReason,
    Payment,
    PlanState,
    RepaymentPlan,
    WaiverState,
)
from debt_collections.policies import get_pack
from demo.build import build_plan
from demo.reference import DEMO_LOGINS, EXPIRING, LAPSED, MARKER_ACCOUNT
from notifications.models import Notice
from tests.factories import SYSTEM

SMALL = 30  # enough for one case in every state, small enough to seed several times per test
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
HANZI = re.compile(r"[\u4e00-\u9fff]")
BLOCKING_RULES = ("HOURS", "FREQ_7D", "CONVERSATION_WAIT", "HOLD", "WRONG_PARTY", "DISCLOSURE")
# The notice worker and the printed demo link act at today's clock, after the demo's history.
TODAY_ACTORS = ("system:notice_send", "system:seed_demo")
DEMO_SETTINGS = {
    "DEBUG": True,  # as under `make run`; the command refuses to seed public logins otherwise
    # The demo resets its passwords on every run; the production hasher would dominate the test time.
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
}


@pytest.fixture(autouse=True)
def _demo_settings(settings: Any) -> None:
    for name, value in DEMO_SETTINGS.items():
        setattr(settings, name, value)


def seed(customers: int) -> str:
    out = StringIO()
    call_command("seed_demo", customers=customers, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    """Rows of every model of the project's apps, the demo's new history included."""
    models: list[type[Model]] = [
        model
        for label in ("accounts", "collections", "notifications", "compliance")
        for model in apps.get_app_config(label).get_models()
    ]
    return {model.__name__: model._default_manager.count() for model in models}


def audit_times_never_decrease() -> bool:
    # Order is per chain (a case's events share one chain; seq counts within it), so the times
    # must not go back along any one chain; two chains interleave freely.
    by_chain: dict[int, list[Any]] = {}
    for chain, at in AuditEvent.objects.order_by("chain", "seq").values_list("chain", "at"):
        by_chain.setdefault(chain, []).append(at)
    return all(times == sorted(times) for times in by_chain.values())


def blocked_calls_by_rule() -> Counter[str]:
    rules: Counter[str] = Counter()
    for blocked_by in ContactAttempt.objects.filter(allowed=False).values_list("blocked_by", flat=True):
        rules.update(blocked_by)
    return rules


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


def test_the_plan_has_history_of_every_kind_through_the_services() -> None:
    actions = Counter(step.action for step in build_plan(customers=240, now=NOW).steps)

    assert 200 <= actions["call"] <= 400
    for action in ("accept", "withdraw", "break_plan", "pay", "waiver", "decide_waiver", "dispute"):
        assert actions[action] >= 5, action
    for action in ("resolve_dispute", "ladder", "notice", "callback", "link_wrong_party", "lift_quarantine"):
        assert actions[action] >= 1, action
    assert actions["limit_change"] == 2 and actions["limit_appeal"] == 1
    assert "start_plan" not in actions and "resolve" not in actions  # plans and payoffs are real now


def test_the_build_anchors_dates_to_the_clock_it_is_given() -> None:
    plan = build_plan(customers=SMALL, now=NOW)
    delinquent = [a for c in plan.customers for a in c.accounts if a.state is not None]

    assert delinquent
    for account in delinquent:
        assert account.due_date is not None
        assert NOW.date() - account.due_date == timedelta(days=account.dpd)


# --- the full demo, seeded once for the tests of this class -----------------------------------


@pytest.fixture(scope="class")
def full_demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The default 240 customers, seeded once per class that uses it and rolled back after its last test
    (so the small tests below start from an empty database)."""
    with django_db_blocker.unblock(), override_settings(**DEMO_SETTINGS), transaction.atomic():
        before = timezone.now()
        output = seed(240)
        yield {"output": output, "before": before, "after": timezone.now()}
        transaction.set_rollback(True)


@pytest.mark.django_db
class TestTheFullDemo:
    def test_full_seed_has_every_state_realistic_people_and_the_printed_logins(
        self,
        full_demo: dict[str, Any],
    ) -> None:
        output = full_demo["output"]

        assert Customer.objects.count() == 240
        names = list(Customer.objects.values_list("full_name", flat=True))
        assert sum(bool(HANZI.search(n)) for n in names) == 168
        assert any(re.fullmatch(r"[A-Z][a-z]+ [A-Z][A-Za-z']+", n) for n in names)
        for state in CaseState:
            assert CollectionCase.objects.filter(state=state).count() >= 5, state
        held = CollectionCase.objects.filter(state=CaseState.ON_HOLD)
        assert set(held.values_list("hold_reason", flat=True)) == set(HoldReason.values)
        breathing_space = held.filter(hold_reason="breathing_space")
        assert not breathing_space.exclude(customer__jurisdiction="UK").exists()
        assert ContactPoint.objects.filter(last_reassigned_at__gt=F("consent_at")).exists()
        assert not CollectionCase.objects.filter(agency__licence_number=LAPSED.licence_number).exists()
        assert CollectionCase.objects.filter(agency__isnull=False).exists()
        for login in DEMO_LOGINS:
            assert f"{login.username} / {login.password}" in re.sub(r" +/ +", " / ", output)
        assert "http://127.0.0.1:8000/admin/" in output
        assert "skipped:" not in output  # every step the plan made, the services accepted

    def test_full_seed_audit_chain_verifies_and_its_times_never_decrease(
        self, full_demo: dict[str, Any]
    ) -> None:
        assert verify_chain().ok
        assert audit_times_never_decrease()
        history = AuditEvent.objects.exclude(actor__in=TODAY_ACTORS)
        assert not history.filter(at__gte=full_demo["before"]).exists()  # the demo's history is all past
        assert not AuditEvent.objects.filter(at__gt=full_demo["after"]).exists()

    def test_every_compliance_report_has_data_for_its_default_period(self, full_demo: dict[str, Any]) -> None:
        now = timezone.now()

        reports = {r.slug: r for r in build_all(ReportFilters.last_days(now.date()), now)}

        assert set(reports) == set(REPORTS)
        totals = {
            slug: {series.name: sum(series.values) for series in report.chart.series}
            for slug, report in reports.items()
        }
        for slug, report in reports.items():
            assert report.rows and any(totals[slug].values()), slug
        for rule in BLOCKING_RULES:
            assert totals["gate-decisions"][f"Blocked: {rule}"] >= 1, rule
        assert totals["gate-decisions"]["Allowed"] > 200
        assert totals["disputes"]["SLA met"] >= 1 and totals["disputes"]["SLA breached"] >= 1
        assert totals["disputes"]["Open, within SLA"] >= 1
        assert totals["waivers"]["Applied"] >= 1 and totals["waivers"]["Rejected"] >= 1
        for outcome in ("Completed", "Live", "Broken", "Withdrawn", "Not taken up"):
            assert totals["plans"][outcome] >= 1, outcome
        assert totals["notices"]["Sent"] >= 100
        assert totals["wrong-party"]["Wrong-party reports"] >= 2
        assert totals["wrong-party"]["Quarantines lifted"] >= 1
        assert len({row[0] for row in reports["gate-decisions"].rows}) >= 10  # weeks with decisions

    def test_about_three_hundred_calls_by_in_house_and_agency_agents_with_a_block_for_each_rule(
        self,
        full_demo: dict[str, Any],
    ) -> None:
        calls = ContactAttempt.objects.all()

        assert 250 <= calls.count() <= 400
        assert calls.filter(allowed=True).count() > 4 * calls.filter(allowed=False).count()
        assert {"agent", "agent2", "agency_agent"} <= set(calls.values_list("agent__username", flat=True))
        assert calls.filter(connected=True, conversation=True, outcome="promise_to_pay").exists()
        assert calls.filter(direction=ContactAttempt.Direction.INBOUND).exists()
        rules = blocked_calls_by_rule()
        for rule in BLOCKING_RULES:
            assert rules[rule] >= 1, rule
        # Blocked calls are stored and audited like allowed ones.
        blocked_events = AuditEvent.objects.filter(action="contact.blocked").count()
        assert blocked_events == calls.filter(allowed=False).count()
        assert CaseTask.objects.filter(kind=CaseTask.Kind.CALLBACK, done_at__isnull=False).exists()
        assert CaseTask.objects.filter(kind=CaseTask.Kind.FIND_NEW_CONTACT).exists()
        # A hardship request's review task is closed when the request is decided; only undecided ones wait.
        open_reviews = CaseTask.objects.filter(kind=CaseTask.Kind.REVIEW, done_at__isnull=True).count()
        assert open_reviews == FeeWaiver.objects.filter(hardship=True, state=WaiverState.REQUESTED).count()

    def test_every_case_on_a_plan_has_a_live_plan_and_plans_reach_every_outcome(
        self,
        full_demo: dict[str, Any],
    ) -> None:
        on_plan = CollectionCase.objects.filter(state=CaseState.ON_PLAN)
        held_on_plan = CollectionCase.objects.filter(state=CaseState.ON_HOLD, resume_state=CaseState.ON_PLAN)

        for case in [*on_plan, *held_on_plan]:
            assert case.plans.filter(state__in=LIVE_PLAN_STATES).count() == 1, case
        states = set(RepaymentPlan.objects.values_list("state", flat=True))
        assert {
            PlanState.ACCEPTED,
            PlanState.ACTIVE,
            PlanState.COMPLETED,
            PlanState.BROKEN,
            PlanState.WITHDRAWN,
        } <= states
        kinds = set(RepaymentPlan.objects.exclude(state=PlanState.OFFERED).values_list("kind", "months"))
        assert {("installment", 3), ("installment", 6), ("installment", 12)} <= kinds
        assert RepaymentPlan.objects.filter(kind=RepaymentPlan.Kind.DEFERRAL).exists()
        for plan in RepaymentPlan.objects.filter(state=PlanState.COMPLETED).select_related("case"):
            assert plan.case.state == CaseState.RESOLVED
            assert not plan.installments.filter(paid_amount__lt=F("amount")).exists()
        for plan in RepaymentPlan.objects.filter(state=PlanState.BROKEN).select_related("case"):
            assert plan.case.state != CaseState.ON_PLAN
        assert AuditEvent.objects.filter(action="plan.accepted", actor__startswith="link:").exists()

    def test_payments_waivers_and_disputes_went_through_their_services(
        self, full_demo: dict[str, Any]
    ) -> None:
        payments = Payment.objects.all()
        assert payments.count() >= 30
        assert AuditEvent.objects.filter(action="payment.recorded").count() == payments.count()
        assert all(p.external_reference.startswith("DEMO-") for p in payments)
        paid_off = AuditEvent.objects.filter(action="case.resolve", actor="system:settlement")
        assert paid_off.exists()

        waivers = FeeWaiver.objects.select_related("requested_by_user", "decided_by", "case__customer")
        assert {WaiverState.APPLIED, WaiverState.REJECTED} <= set(waivers.values_list("state", flat=True))
        assert waivers.filter(hardship=True, requested_by__startswith="link:").exists()
        by_agent, by_supervisor = [], []
        for waiver in waivers.filter(state=WaiverState.APPLIED, requested_by_user__isnull=False):
            assert waiver.decided_by != waiver.requested_by_user
            limit = get_pack(waiver.case.customer.jurisdiction).agent_waiver_limit
            assert waiver.decided_by is not None
            if waiver.decided_by.is_agent:
                assert waiver.amount <= limit
                by_agent.append(waiver)
            elif waiver.amount > limit:
                by_supervisor.append(waiver)
        assert by_agent and by_supervisor
        assert waivers.filter(state=WaiverState.REJECTED).exclude(decision_note="").exists()

        disputes = Dispute.objects.all()
        assert set(disputes.values_list("kind", flat=True)) == set(Dispute.Kind.values)
        assert AuditEvent.objects.filter(action="dispute.opened").count() == disputes.count()
        assert disputes.filter(resolved_at__lte=F("sla_due_at")).exists()
        assert disputes.filter(resolved_at__gt=F("sla_due_at")).exists()
        assert disputes.filter(status=Dispute.Status.OPEN).exists()
        decided = AuditEvent.objects.filter(action="dispute.resolved").values_list("actor", flat=True)
        assert set(decided) == {f"user:{User.objects.get(username='compliance').pk}:compliance"}

    def test_notices_wrong_party_agencies_and_limit_changes(self, full_demo: dict[str, Any]) -> None:
        notices = Notice.objects.all()
        weeks = {n.queued_at.isocalendar()[:2] for n in notices}
        assert len(weeks) >= 8
        assert {"reminder.soft", "reminder.firm", "plan.confirmation", "dispute.acknowledgement"} <= set(
            notices.values_list("template__key", flat=True)
        )
        assert notices.filter(status=Notice.Status.SENT, sent_at__lt=full_demo["before"]).count() >= 100

        quarantines = QuarantinedContact.objects.all()
        assert quarantines.filter(reported_via__startswith="link:").exists()
        assert quarantines.filter(reported_via__startswith="user:").exists()
        lifted = quarantines.get(lifted_at__isnull=False)
        assert lifted.lifted_by is not None and not lifted.reported_via.startswith(
            f"user:{lifted.lifted_by.pk}:"
        )

        today = timezone.localdate()
        warned = {s.agency.licence_number: s.status for s in agency_warnings(today)}
        assert warned == {EXPIRING.licence_number: "expiring", LAPSED.licence_number: "expired"}

        queue = limit_change_appeal_queue(User.objects.get(username="supervisor"))
        assert queue.count() == 1


# --- the command, small ------------------------------------------------------------------------


@pytest.mark.django_db
def test_seeding_twice_changes_no_row_count() -> None:
    seed(SMALL)
    first = row_counts()

    output = seed(SMALL)

    assert row_counts() == first
    assert first["ContactAttempt"] and first["RepaymentPlan"] and first["Payment"] and first["Notice"]
    assert (
        first["FeeWaiver"] and first["Dispute"] and first["QuarantinedContact"] and first["CreditLimitChange"]
    )
    assert "already present" in output
    assert CreditAccount.objects.filter(account_number=MARKER_ACCOUNT).exists()
    assert {s for s in CaseState} <= set(CollectionCase.objects.values_list("state", flat=True))
    assert verify_chain().ok
    assert audit_times_never_decrease()


@pytest.mark.django_db
def test_rerun_resets_the_demo_passwords_so_the_printed_logins_work() -> None:
    seed(SMALL)
    agent = User.objects.get(username="agent")
    agent.set_password("changed-by-someone")
    agent.save()

    seed(SMALL)

    for login in DEMO_LOGINS:
        # With a request, as the admin login does: django-axes counts failures per client address.
        user = authenticate(
            RequestFactory().post("/admin/login/"), username=login.username, password=login.password
        )
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
    for case in CollectionCase.objects.filter(state=CaseState.RESOLVED).select_related("account"):
        assert case.account.total_due == 0  # paid off through the payments (or a waiver)


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
