"""The daily collection cycle (DESIGN §11): deterministic for a date, and a second run changes nothing.

Accounts are set up by their oldest unpaid due date relative to the cycle date ``D`` with
``days_past_due`` left stale at 0, so every number the tests check was computed by the cycle's SQL.
The cycle runs at ``D`` 04:00 UTC (12:00 in Shanghai, inside the contact window) with the clock frozen.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from accounts.models import ContactPoint, CreditAccount
from debt_collections import services
from debt_collections.cycle import ESCALATE_AT_DPD, CycleReport, cycle_run
from debt_collections.models import AuditEvent, CaseState, CollectionCase, CycleMark, Dispute, HoldReason
from notifications.channels import InMemorySmsBackend
from notifications.models import Notice
from tests.factories import SYSTEM, CreditAccountFactory, CustomerFactory, PhoneFactory

pytestmark = pytest.mark.django_db

D = date(2026, 3, 2)  # a Monday
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
NEXT_DAY = NOW + timedelta(days=1)


@pytest.fixture(autouse=True)
def _no_worker_and_a_fixed_clock(sms_outbox: list[Any], time_machine: Any) -> None:
    """SMS to memory (tasks already run in-process); the clock frozen at NOW."""
    time_machine.move_to(NOW, tick=False)


def account_at(dpd: int, *, verified: bool = True, as_of: date = D) -> CreditAccount:
    """An account whose oldest unpaid due date is ``dpd`` days before ``as_of`` (stored dpd left stale)."""
    customer = CustomerFactory.create()
    if verified:
        PhoneFactory.create(customer=customer)
    else:
        PhoneFactory.create(customer=customer, status=ContactPoint.Status.UNVERIFIED, verified_at=None)
    return CreditAccountFactory.create(customer=customer, due_date=as_of - timedelta(days=dpd),
                                       days_past_due=0, status=CreditAccount.Status.CURRENT)


@pytest.fixture
def ladder() -> dict[int, CreditAccount]:
    """Accounts at 0, 1, 16, 35 and 200 days past due on ``D``, all with a balance."""
    return {dpd: account_at(dpd) for dpd in (0, 1, 16, 35, 200)}


def case_of(account: CreditAccount) -> CollectionCase:
    return CollectionCase.objects.get(account=account)


def notice_keys(case: CollectionCase) -> list[str]:
    return list(Notice.objects.filter(case=case).order_by("pk").values_list("template__key", flat=True))


def row_counts() -> dict[str, int]:
    """Rows in every table the project owns (and the audit chain)."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()
            if model._meta.app_label in {"accounts", "collections", "notifications"}}


# --- the first run for a date -------------------------------------------------------------------------

def test_cycle_recomputes_days_past_due_and_delinquency_status(ladder: dict[int, CreditAccount]) -> None:
    report = cycle_run(as_of=D, now=NOW)

    stored = {dpd: CreditAccount.objects.get(pk=account.pk) for dpd, account in ladder.items()}
    assert {dpd: a.days_past_due for dpd, a in stored.items()} == {0: 0, 1: 1, 16: 16, 35: 35, 200: 200}
    assert stored[0].status == CreditAccount.Status.CURRENT
    assert {stored[d].status for d in (1, 16, 35)} == {CreditAccount.Status.DELINQUENT}
    assert stored[200].status == CreditAccount.Status.CHARGED_OFF
    assert report.accounts_updated == 4  # the 0-dpd account already read 0 / current


def test_paid_up_account_past_its_due_date_is_not_delinquent() -> None:
    paid = CreditAccountFactory.create(due_date=D - timedelta(days=40), days_past_due=40, principal=0,
                                       interest=0, fees=0, penalty_interest=0,
                                       status=CreditAccount.Status.DELINQUENT)

    cycle_run(as_of=D, now=NOW)

    paid.refresh_from_db()
    assert (paid.days_past_due, paid.status) == (0, CreditAccount.Status.CURRENT)
    assert not CollectionCase.objects.filter(account=paid).exists()


def test_cycle_opens_cases_for_delinquent_accounts_only_and_escalates_and_charges_off_in_one_run(
    ladder: dict[int, CreditAccount],
) -> None:
    report = cycle_run(as_of=D, now=NOW)

    # Then only the delinquent accounts have a case
    assert not CollectionCase.objects.filter(account=ladder[0]).exists()
    states = {dpd: case_of(ladder[dpd]).state for dpd in (1, 16, 35, 200)}
    # ≥ 15 dpd are escalated; at 200 (≥ the CN pack's 180) the case is opened, escalated and charged off
    # in the same run, because the charge-off pass reads the cases the escalation pass just made active
    assert states == {1: CaseState.EARLY, 16: CaseState.ACTIVE, 35: CaseState.ACTIVE,
                      200: CaseState.CHARGED_OFF}
    assert (report.cases_opened, report.escalated, report.charged_off) == (4, 3, 1)
    assert report.errors == []
    # and each step is on the case's audit trail, in order
    deep = case_of(ladder[200])
    assert list(AuditEvent.objects.filter(case=deep).values_list("action", flat=True)) == [
        "case.open", "case.escalate", "case.charge_off"]
    assert AuditEvent.objects.filter(case=deep, action="case.open").get().actor == "system:collection_cycle"


def test_escalation_threshold_is_inclusive() -> None:
    below, at_threshold = account_at(ESCALATE_AT_DPD - 1), account_at(ESCALATE_AT_DPD)

    cycle_run(as_of=D, now=NOW)

    assert case_of(below).state == CaseState.EARLY
    assert case_of(at_threshold).state == CaseState.ACTIVE


def test_cycle_queues_only_the_highest_rung_reached_once_per_case(
    ladder: dict[int, CreditAccount],
) -> None:
    report = cycle_run(as_of=D, now=NOW)

    assert notice_keys(case_of(ladder[1])) == ["reminder.soft"]
    assert notice_keys(case_of(ladder[16])) == ["reminder.firm"]
    assert notice_keys(case_of(ladder[35])) == ["debt.information"]
    assert notice_keys(case_of(ladder[200])) == []  # charged off: no ladder
    assert (report.notices_queued, report.notices_blocked) == (3, 0)
    # the rung's due date is the account's due date plus the rung's threshold, and each is pending
    firm = Notice.objects.get(case=case_of(ladder[16]))
    assert firm.due_date == D - timedelta(days=16) + timedelta(days=15)
    assert firm.status == Notice.Status.PENDING
    assert firm.not_before is None


def test_notices_queued_by_the_cycle_are_sent_after_commit(
    ladder: dict[int, CreditAccount], django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        cycle_run(as_of=D, now=NOW)

    assert set(Notice.objects.values_list("status", flat=True)) == {Notice.Status.SENT}
    assert len(InMemorySmsBackend.outbox) == 3


def test_notices_the_cycle_queues_at_night_are_deferred_to_the_window_not_blocked() -> None:
    account = account_at(1)
    night = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai

    report = cycle_run(as_of=D, now=night)

    notice = Notice.objects.get(case=case_of(account))
    assert notice.status == Notice.Status.PENDING
    assert notice.not_before == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    assert (report.notices_queued, report.notices_blocked) == (1, 0)


def test_customer_with_only_an_unverified_phone_gets_the_limited_contact_prompt() -> None:
    account = account_at(16, verified=False)

    cycle_run(as_of=D, now=NOW)

    [notice] = Notice.objects.filter(case=case_of(account))
    assert notice.template.key == "contact.prompt"
    assert notice.template.limited_content
    assert notice.status == Notice.Status.PENDING
    assert account.customer.full_name not in notice.body


# --- running again ------------------------------------------------------------------------------------

def test_second_run_for_the_same_date_creates_no_rows_and_no_audit_events(
    ladder: dict[int, CreditAccount],
) -> None:
    # Given the cycle ran once for D
    cycle_run(as_of=D, now=NOW)
    before = row_counts()
    last_seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    cases_before = list(CollectionCase.objects.order_by("pk").values("pk", "state", "updated_at"))
    accounts_before = list(CreditAccount.objects.order_by("pk").values("pk", "days_past_due", "status"))

    # When it runs again for the same date, later the same day
    report = cycle_run(as_of=D, now=NOW + timedelta(hours=3))

    # Then nothing new is written
    assert row_counts() == before
    assert before["collections.AuditEvent"] > 0
    assert AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() == last_seq
    assert list(CollectionCase.objects.order_by("pk").values("pk", "state", "updated_at")) == cases_before
    assert list(CreditAccount.objects.order_by("pk").values("pk", "days_past_due", "status")) == (
        accounts_before)
    assert report.as_dict() == CycleReport(as_of=D).as_dict()


def test_a_second_run_for_the_date_catches_what_changed_since_the_first(
    ladder: dict[int, CreditAccount],
) -> None:
    # A case 20 days past due, opened earlier and on hold through the first run: no escalation, no rung
    account = account_at(20)
    CreditAccount.objects.filter(pk=account.pk).update(days_past_due=20,
                                                       status=CreditAccount.Status.DELINQUENT)
    case = services.case_open(account=account, actor=SYSTEM, now=NOW - timedelta(days=5))
    services.case_hold(case_id=case.pk, actor=SYSTEM, hold_reason=HoldReason.HARDSHIP,
                       until=NOW + timedelta(days=30), now=NOW - timedelta(days=4))
    cycle_run(as_of=D, now=NOW)
    assert (case_of(account).state, notice_keys(case)) == (CaseState.ON_HOLD, [])
    # the steps left their marks for the date, so a later run reads only what changed since
    assert set(CycleMark.objects.filter(as_of=D).values_list("step", flat=True)) >= {
        "open_cases", "transitions", "ladder", "credit_report_register", "credit_report_refresh",
        "queue_refresh_range"}
    others = {dpd: notice_keys(case_of(a)) for dpd, a in ladder.items() if dpd}

    # When an agent releases the hold between the two runs of the day
    services.case_release(case_id=case.pk, actor=SYSTEM, now=NOW + timedelta(hours=1))
    report = cycle_run(as_of=D, now=NOW + timedelta(hours=2))

    # Then the second run escalates it and sends the rung it reached, and touches nothing else
    assert case_of(account).state == CaseState.ACTIVE
    assert notice_keys(case) == ["reminder.firm"]
    assert (report.escalated, report.notices_queued, report.cases_opened) == (1, 1, 0)
    assert {dpd: notice_keys(case_of(a)) for dpd, a in ladder.items() if dpd} == others


def test_next_day_run_does_not_resend_a_rung_already_queued(ladder: dict[int, CreditAccount]) -> None:
    cycle_run(as_of=D, now=NOW)
    first_day = {dpd: notice_keys(case_of(ladder[dpd])) for dpd in (1, 16, 35)}

    report = cycle_run(as_of=D + timedelta(days=1), now=NEXT_DAY)

    # Then the cases already on a rung got nothing new (1→2, 16→17, 35→36 dpd reach no new rung)
    assert {dpd: notice_keys(case_of(ladder[dpd])) for dpd in (1, 16, 35)} == first_day
    # and the account that fell due on D is newly delinquent today, with its first reminder
    ladder[0].refresh_from_db()
    assert ladder[0].days_past_due == 1
    assert notice_keys(case_of(ladder[0])) == ["reminder.soft"]
    assert (report.cases_opened, report.notices_queued) == (1, 1)


def test_reaching_a_higher_rung_later_queues_that_rung() -> None:
    account = account_at(14)
    cycle_run(as_of=D, now=NOW)

    cycle_run(as_of=D + timedelta(days=1), now=NEXT_DAY)

    assert notice_keys(case_of(account)) == ["reminder.soft", "reminder.firm"]


# --- holds --------------------------------------------------------------------------------------------

def held_case(*, until: datetime, reason: str = HoldReason.HARDSHIP) -> CollectionCase:
    """An active case (20 dpd, already computed) on hold until ``until``."""
    account = account_at(20)
    CreditAccount.objects.filter(pk=account.pk).update(days_past_due=20,
                                                       status=CreditAccount.Status.DELINQUENT)
    case = services.case_open(account=account, actor=SYSTEM, now=NOW - timedelta(days=10))
    services.case_escalate(case_id=case.pk, actor=SYSTEM, now=NOW - timedelta(days=10))
    return services.case_hold(case_id=case.pk, actor=SYSTEM, hold_reason=reason, until=until,
                              now=NOW - timedelta(days=9))


def test_expired_hold_is_released_back_to_the_state_it_interrupted() -> None:
    case = held_case(until=NOW - timedelta(days=1))

    report = cycle_run(as_of=D, now=NOW)

    case.refresh_from_db()
    assert case.state == CaseState.ACTIVE
    assert (case.hold_reason, case.hold_until, case.resume_state) == ("", None, "")
    assert report.holds_released == 1
    event = AuditEvent.objects.get(case=case, action="case.release")
    assert event.payload["reason"] == "hold expired"


def test_hold_that_has_not_expired_stays() -> None:
    case = held_case(until=NOW + timedelta(days=3))

    report = cycle_run(as_of=D, now=NOW)

    case.refresh_from_db()
    assert case.state == CaseState.ON_HOLD
    assert report.holds_released == 0
    assert not Notice.objects.filter(case=case).exists()


def test_hold_ending_later_on_the_cycle_day_is_not_released_before_it_ends() -> None:
    # Given a hardship hold that ends at 10:00 UTC on D, and the cycle running at 04:00 UTC on D
    case = held_case(until=datetime(2026, 3, 2, 10, 0, tzinfo=UTC))

    cycle_run(as_of=D, now=NOW)

    # Then the case is still on hold and nobody was contacted
    case.refresh_from_db()
    assert case.state == CaseState.ON_HOLD
    assert not Notice.objects.filter(case=case).exists()


def test_expired_hold_behind_an_open_dispute_is_not_released_and_is_reported() -> None:
    # Given a dispute hold whose end date passed while the dispute is still open
    case = held_case(until=NOW - timedelta(days=1), reason=HoldReason.DISPUTE)
    Dispute.objects.create(case=case, kind=Dispute.Kind.AMOUNT_WRONG, opened_at=NOW - timedelta(days=9),
                           sla_due_at=NOW + timedelta(days=6))

    report = cycle_run(as_of=D, now=NOW)

    case.refresh_from_db()
    assert case.state == CaseState.ON_HOLD
    assert report.holds_released == 0
    assert len(report.errors) == 1
    assert report.errors[0].startswith(f"case {case.pk}: ")
    assert "dispute" in report.errors[0]
    assert not AuditEvent.objects.filter(case=case, action="case.release").exists()
    assert not Notice.objects.filter(case=case).exists()


# --- the management command ---------------------------------------------------------------------------

def test_command_runs_the_cycle_for_the_given_date_and_prints_a_one_line_summary(
    ladder: dict[int, CreditAccount],
) -> None:
    out, err = StringIO(), StringIO()

    call_command("run_collection_cycle", "--as-of", "2026-03-02", stdout=out, stderr=err)

    assert err.getvalue() == ""  # progress: a bar on a terminal, periodic lines on longer runs elsewhere
    [summary] = out.getvalue().splitlines()
    assert summary.startswith("Cycle 2026-03-02 done in ")
    assert "cases opened 4," in summary and "charged off 1," in summary and "notices queued 3" in summary
    assert "holds released" not in summary  # counts that are zero are left out
    assert case_of(ladder[16]).state == CaseState.ACTIVE


def test_command_prints_the_report_as_json_and_reports_skipped_cases() -> None:
    case = held_case(until=NOW - timedelta(days=1), reason=HoldReason.DISPUTE)
    Dispute.objects.create(case=case, kind=Dispute.Kind.AMOUNT_WRONG, opened_at=NOW, sla_due_at=NOW)
    out = StringIO()

    call_command("run_collection_cycle", "--as-of", "2026-03-02", "--json", stdout=out, stderr=StringIO())

    report = json.loads(out.getvalue())
    assert report["as_of"] == "2026-03-02"
    assert report["holds_released"] == 0
    assert len(report["errors"]) == 1


@pytest.mark.parametrize("bad", ["2026-02-30", "02/03/2026", "yesterday"])
def test_command_refuses_a_date_that_is_not_yyyy_mm_dd(bad: str) -> None:
    with pytest.raises(CommandError, match="--as-of must be YYYY-MM-DD"):
        call_command("run_collection_cycle", "--as-of", bad, stdout=StringIO(), stderr=StringIO())


# --- the beat task: the same cycle fanned out as a Celery group -------------------------------------------

def test_beat_task_fans_the_cycle_out_one_task_per_chunk_with_the_same_outcome(
    ladder: dict[int, CreditAccount],
) -> None:
    from debt_collections.tasks import run_collection_cycle

    # When beat starts the cycle for D with two accounts per chunk (tasks run in-process in tests)
    chunks = run_collection_cycle.delay(as_of=D.isoformat(), chunk_size=2).get()

    # Then there was one task per chunk of two account ids
    ids = sorted(a.pk for a in ladder.values())
    assert chunks == len(range(ids[0], ids[-1] + 1, 2))
    # and every account got what the in-process cycle gives it
    assert not CollectionCase.objects.filter(account=ladder[0]).exists()
    assert {dpd: case_of(ladder[dpd]).state for dpd in (1, 16, 35, 200)} == {
        1: CaseState.EARLY, 16: CaseState.ACTIVE, 35: CaseState.ACTIVE, 200: CaseState.CHARGED_OFF}
    assert notice_keys(case_of(ladder[35])) == ["debt.information"]
    # and a second run for the date changes nothing
    before = row_counts()
    run_collection_cycle.delay(as_of=D.isoformat(), chunk_size=2).get()
    assert row_counts() == before
