"""Credit-bureau reporting (DESIGN §9): no negative report without a pre-notice delivered N days earlier,
nothing while a dispute is open or a plan is kept, a correction when a dispute is upheld, and a feed that
never reports anything twice.

Accounts are 60 days past due on ``D`` (the CN ladder's ``credit_report.pre_notice`` rung). The daily
cycle queues the pre-notice at ``NOW`` (12:00 in Shanghai), the worker sends it when the cycle's
transaction commits (eager Celery, SMS to memory), and the next cycle run records its delivery. Every
service call passes ``now``; the clock is moved with it so that what the worker stamps agrees.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from accounts.models import ContactPoint, CreditAccount, User
from debt_collections import credit, services
from debt_collections.credit.feed import bureau_feed_export
from debt_collections.credit.reporting import (
    REGISTER_LOOKBACK,
    credit_report_notice_delivered,
    credit_report_register,
)
from debt_collections.cycle import cycle_run
from debt_collections.errors import InvalidInput, NotPermitted
from debt_collections.kernel.audit import Actor
from debt_collections.models import AuditEvent, BureauRecord, CaseState, CollectionCase, CreditReportNotice
from notifications.models import Notice
from tests.factories import CreditAccountFactory, CustomerFactory, PhoneFactory, settle_balance

pytestmark = pytest.mark.django_db

D = date(2026, 3, 2)  # a Monday
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
N = 14  # the CN pack's credit_report_prenotice_days
PRE_NOTICE = "credit_report.pre_notice"
S = CreditReportNotice.Status


@pytest.fixture(autouse=True)
def _env(sms_outbox: list[Any], time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def clock(time_machine: Any) -> Any:
    def move(to: datetime) -> datetime:
        time_machine.move_to(to, tick=False)
        return to

    return move


def account_at(dpd: int, *, verified: bool = True, balance: str = "5000.00") -> CreditAccount:
    """An account ``dpd`` days past due on ``D`` (stored days past due left stale for the cycle)."""
    customer = CustomerFactory.create()
    PhoneFactory.create(
        customer=customer,
        status=ContactPoint.Status.VERIFIED if verified else ContactPoint.Status.UNVERIFIED,
        verified_at=NOW - timedelta(days=10) if verified else None,
    )
    return CreditAccountFactory.create(
        customer=customer,
        principal=balance,
        due_date=D - timedelta(days=dpd),
        days_past_due=0,
        status=CreditAccount.Status.CURRENT,
    )


def pre_noticed(capture: Any) -> CollectionCase:
    """A case whose pre-notice the cycle queued and the worker sent at NOW; delivery not yet recorded."""
    account = account_at(60)
    with capture(execute=True):
        cycle_run(as_of=D, now=NOW)
    case = CollectionCase.objects.get(account=account)
    notice = Notice.objects.get(case=case, template__key=PRE_NOTICE)
    assert (notice.status, notice.sent_at) == (Notice.Status.SENT, NOW)
    return case


def delivered(capture: Any) -> CollectionCase:
    """A pre-noticed case whose delivery the next day's cycle recorded (delivered at NOW)."""
    case = pre_noticed(capture)
    cycle_run(as_of=D + timedelta(days=1), now=NOW + timedelta(days=1))
    return case


def export(tmp_path: Path, days: float, name: str = "feed.jsonl") -> tuple[Any, list[dict[str, Any]]]:
    """Export the feed for ``D + days`` at ``NOW + days``; returns the report and the file's lines."""
    at = NOW + timedelta(days=days)
    out = tmp_path / name
    report = bureau_feed_export(as_of=at.date(), out=out, now=at)
    return report, [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def evaluated_cases(monkeypatch: Any) -> list[int]:
    """The case of every record the refresh evaluates from now on, in order (a spy on ``evaluate``)."""
    from debt_collections.credit import reporting

    evaluated: list[int] = []
    real = reporting.evaluate

    def spy(notice: Any, *args: Any) -> tuple[str, str]:
        evaluated.append(notice.case_id)
        return real(notice, *args)

    monkeypatch.setattr(reporting, "evaluate", spy)
    return evaluated


def crn(case: CollectionCase) -> CreditReportNotice:
    return CreditReportNotice.objects.get(case=case)


# --- the pre-notice ------------------------------------------------------------------------------------


def test_the_cycle_registers_the_pre_notice_and_the_next_run_records_its_delivery(
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = pre_noticed(django_capture_on_commit_callbacks)
    registered = crn(case)
    assert (registered.status, registered.delivered_at, registered.eligible_at) == (S.PENDING, None, None)

    report = cycle_run(as_of=D + timedelta(days=1), now=NOW + timedelta(days=1))

    record = crn(case)
    assert record.pre_notice is not None and record.pre_notice.template.key == PRE_NOTICE
    # [D] an SMS counts as delivered when it was sent; the waiting period runs from then
    assert (record.sent_at, record.delivered_at) == (NOW, NOW)
    assert record.eligible_at == NOW + timedelta(days=N)
    assert record.status == S.PENDING
    assert report.credit_reports_delivered == 1
    assert AuditEvent.objects.filter(case=case, action="credit_report.pre_notice_delivered").count() == 1


def test_registration_reads_the_recent_pre_notices_and_a_missed_run_within_the_lookback_catches_up(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The cycle finds unregistered pre-notices by their queue time (an index), not by reading every case
    without a record: one queued within ``REGISTER_LOOKBACK`` is registered by a later run, one older is
    not looked at."""
    case = pre_noticed(django_capture_on_commit_callbacks)
    CreditReportNotice.objects.filter(case=case).delete()  # as if the run that queued it never registered it
    week = REGISTER_LOOKBACK.days

    assert credit_report_register(now=NOW + timedelta(days=week)) == 1
    CreditReportNotice.objects.filter(case=case).delete()
    assert credit_report_register(now=NOW + timedelta(days=week, seconds=1)) == 0


def test_the_pre_notice_says_what_will_be_reported_when_and_for_how_long() -> None:
    account = account_at(60)
    cycle_run(as_of=D, now=NOW)
    notice = Notice.objects.get(case__account=account, template__key=PRE_NOTICE)

    # The factory's customers read English; CN pack: reported as 60+ days overdue, kept 5 years
    assert "we will report to the credit bureau that this account is overdue" in notice.body
    assert "overdue 60 days or more" in notice.body
    assert f"Not before {(D + timedelta(days=N)).isoformat()}" in notice.body
    assert "5 years from the day the overdue amount is repaid" in notice.body


def test_recording_delivery_twice_changes_nothing(django_capture_on_commit_callbacks: Any) -> None:
    case = delivered(django_capture_on_commit_callbacks)
    before = crn(case)
    events = AuditEvent.objects.count()
    assert before.pre_notice_id is not None

    again = credit_report_notice_delivered(notice_id=before.pre_notice_id, now=NOW + timedelta(days=3))

    assert again is not None and again.delivered_at == before.delivered_at == NOW
    assert AuditEvent.objects.count() == events


def test_a_limited_content_prompt_is_not_a_pre_notice() -> None:
    # Given an account at 80 days past due whose only phone is unverified: the ladder sends the
    # limited-content contact prompt, which says nothing about reporting
    account = account_at(80, verified=False)
    cycle_run(as_of=D, now=NOW)

    assert not CreditReportNotice.objects.filter(account=account).exists()
    assert credit_report_notice_delivered(notice_id=Notice.objects.get(case__account=account).pk) is None


# --- eligibility ---------------------------------------------------------------------------------------


def test_no_negative_report_until_n_days_after_the_pre_notice_was_delivered(
    django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    case = delivered(django_capture_on_commit_callbacks)

    # N-1 days after delivery: refused, and the reason is the waiting period
    report, lines = export(tmp_path, N - 1, "day13.jsonl")
    assert (report.negatives, lines) == (0, [])
    assert report.held_back == {}  # not even a candidate yet
    # one second short of N days: still refused
    early = NOW + timedelta(days=N) - timedelta(seconds=1)
    assert bureau_feed_export(as_of=early.date(), out=tmp_path / "early.jsonl", now=early).negatives == 0
    assert crn(case).status == S.PENDING

    # N days after delivery: reported
    report, lines = export(tmp_path, N, "day14.jsonl")

    assert report.negatives == 1
    assert [(line["kind"], line["account"], line["status_code"]) for line in lines] == [
        ("negative", case.account.account_number, "DPD60")
    ]
    record = crn(case)
    assert (record.status, record.reported_at) == (S.REPORTED, NOW + timedelta(days=N))
    assert AuditEvent.objects.filter(case=case, action="credit_report.reported").count() == 1


def test_no_negative_report_while_the_pre_notice_is_undelivered(tmp_path: Path) -> None:
    # Given the pre-notice was queued but never sent (the worker did not run)
    account = account_at(60)
    cycle_run(as_of=D, now=NOW)
    cycle_run(as_of=D + timedelta(days=1), now=NOW + timedelta(days=1))
    case = CollectionCase.objects.get(account=account)
    assert Notice.objects.get(case=case, template__key=PRE_NOTICE).status == Notice.Status.PENDING

    report, lines = export(tmp_path, 40)

    assert (report.negatives, lines) == (0, [])
    assert (crn(case).status, crn(case).delivered_at) == (S.PENDING, None)
    assert not BureauRecord.objects.exists()


def test_no_negative_report_for_an_account_that_never_had_a_pre_notice(tmp_path: Path) -> None:
    account = CreditAccountFactory.create(days_past_due=120, due_date=D - timedelta(days=120))
    services.case_open(account=account, actor=Actor.system("tests"), now=NOW)

    report, lines = export(tmp_path, 30)

    assert (report.negatives, lines) == (0, [])


def test_the_cycle_marks_a_record_eligible_once_its_period_has_passed(
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = delivered(django_capture_on_commit_callbacks)

    cycle_run(as_of=D + timedelta(days=N - 1), now=NOW + timedelta(days=N - 1))
    assert crn(case).status == S.PENDING
    report = cycle_run(as_of=D + timedelta(days=N), now=NOW + timedelta(days=N))

    assert crn(case).status == S.ELIGIBLE
    assert report.credit_reports_eligible == 1
    # and a second run for the same date changes nothing
    events = AuditEvent.objects.count()
    again = cycle_run(as_of=D + timedelta(days=N), now=NOW + timedelta(days=N, hours=2))
    assert AuditEvent.objects.count() == events
    assert again.credit_reports_eligible == 0


@pytest.mark.parametrize("held_first", [False, True])
def test_a_second_run_for_the_date_reads_only_the_records_touched_since_and_catches_each_change(
    django_capture_on_commit_callbacks: Any, clock: Any, agent: User, monkeypatch: Any, held_first: bool
) -> None:

    case = delivered(django_capture_on_commit_callbacks)
    other = delivered(django_capture_on_commit_callbacks)  # eligible too, and nothing touches it
    day = D + timedelta(days=N)
    if held_first:  # then the dispute changes nothing on the case itself, only the reason
        services.case_hold(
            case_id=case.pk, actor=Actor.for_user(agent), hold_reason="hardship", now=clock(NOW)
        )
    cycle_run(as_of=day, now=clock(NOW + timedelta(days=N)))
    assert crn(other).status == S.ELIGIBLE
    services.dispute_open(
        case_id=case.pk,
        kind="credit_report",
        description="I was never told",
        channel="phone",
        actor=Actor.for_user(agent),
        now=clock(NOW + timedelta(days=N, hours=1)),
    )
    evaluated = evaluated_cases(monkeypatch)

    cycle_run(as_of=day, now=clock(NOW + timedelta(days=N, hours=2)))

    assert evaluated == [case.pk]  # not every open record again
    assert (crn(case).status, crn(case).suppressed_reason) == (
        S.SUPPRESSED,
        "a dispute is open (credit_report)",
    )
    assert crn(other).status == S.ELIGIBLE


@pytest.mark.parametrize("new_policy", [False, True])
def test_the_next_dates_first_run_reads_only_the_records_changed_since_the_last_date_and_catches_each(
    django_capture_on_commit_callbacks: Any, clock: Any, agent: User, monkeypatch: Any, new_policy: bool
) -> None:
    """A day's first run evaluates the records whose inputs changed since the last date's run (a dispute
    opened, an account whose days past due the cycle wrote), not every open record of the book; a new
    policy version on the date makes it evaluate every record again."""
    import dataclasses

    from debt_collections.credit import reporting

    disputed, crossed, quiet = (delivered(django_capture_on_commit_callbacks) for _ in range(3))
    day = D + timedelta(days=N)
    cycle_run(as_of=day, now=clock(NOW + timedelta(days=N)))
    assert {crn(c).status for c in (disputed, crossed, quiet)} == {S.ELIGIBLE}
    services.dispute_open(
        case_id=disputed.pk,
        kind="credit_report",
        description="I was never told",
        channel="phone",
        actor=Actor.for_user(agent),
        now=clock(NOW + timedelta(days=N, hours=5)),
    )
    # As the cycle's days-past-due write leaves it when a balance is settled below the threshold.
    CreditAccount.objects.filter(pk=crossed.account_id).update(
        days_past_due=0, dpd_on=day + timedelta(days=1)
    )
    if new_policy:
        real_pack = reporting.get_pack

        def pack_of(code: str, on: date) -> Any:
            pack = real_pack(code, on)
            return dataclasses.replace(pack, version=pack.version + "-next") if on > day else pack

        monkeypatch.setattr(reporting, "get_pack", pack_of)
    evaluated = evaluated_cases(monkeypatch)

    cycle_run(as_of=day + timedelta(days=1), now=clock(NOW + timedelta(days=N + 1)))

    if new_policy:
        assert sorted(evaluated) == sorted([disputed.pk, crossed.pk, quiet.pk])
    else:
        assert sorted(evaluated) == sorted([disputed.pk, crossed.pk])
    assert crn(disputed).status == S.SUPPRESSED
    # The same outcome as evaluating every record (the other parameter does): the dispute suppresses.
    assert crn(crossed).status == S.ELIGIBLE
    assert crn(quiet).status == S.ELIGIBLE


def test_the_next_dates_registration_reads_the_pre_notices_queued_since_the_last_dates_run(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The first run of a date asks for the pre-notices queued since the last date's run of the range
    (less ``IN_FLIGHT``), not the whole ``REGISTER_LOOKBACK``; and a pre-notice queued then is registered."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from debt_collections.credit.reporting import IN_FLIGHT

    later = account_at(59)  # reaches the pre-notice rung on D + 1 (made first: the chunk stays the same)
    first = pre_noticed(django_capture_on_commit_callbacks)  # day D's cycle queued and registered it
    assert crn(first).pre_notice_id is not None
    with CaptureQueriesContext(connection) as queries:
        cycle_run(as_of=D + timedelta(days=1), now=NOW + timedelta(days=1))

    [read] = [q["sql"] for q in queries if "queued_at" in q["sql"] and "creditreportnotice" in q["sql"]]
    bound = NOW - IN_FLIGHT  # the last date's run was at NOW
    assert str(bound.date()) in read and str((NOW - REGISTER_LOOKBACK).date()) not in read
    case = CollectionCase.objects.get(account=later)
    assert crn(case).pre_notice_id == Notice.objects.get(case=case, template__key=PRE_NOTICE).pk


# --- suppression ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["credit_report", "amount_wrong"])
def test_an_open_dispute_suppresses_the_negative_report(
    django_capture_on_commit_callbacks: Any, tmp_path: Path, clock: Any, agent: User, kind: str
) -> None:
    case = delivered(django_capture_on_commit_callbacks)
    services.dispute_open(
        case_id=case.pk,
        kind=kind,
        description="That is not what I owe",
        channel="phone",
        actor=Actor.for_user(agent),
        now=clock(NOW + timedelta(days=5)),
    )

    report, lines = export(tmp_path, N + 6)

    assert (report.negatives, lines) == (0, [])
    assert "dispute is open" in report.held_back[case.pk] and kind in report.held_back[case.pk]
    cycle_run(as_of=D + timedelta(days=N + 6), now=clock(NOW + timedelta(days=N + 6)))
    assert (crn(case).status, crn(case).suppressed_reason) == (S.SUPPRESSED, f"a dispute is open ({kind})")


def test_a_rejected_dispute_lets_the_report_go_ahead_marked_as_previously_disputed(
    django_capture_on_commit_callbacks: Any, tmp_path: Path, clock: Any, agent: User, compliance: User
) -> None:
    case = delivered(django_capture_on_commit_callbacks)
    dispute = services.dispute_open(
        case_id=case.pk,
        kind="credit_report",
        description="I was never told",
        channel="phone",
        actor=Actor.for_user(agent),
        now=clock(NOW + timedelta(days=2)),
    )
    services.dispute_resolve(
        dispute_id=dispute.pk,
        outcome="rejected",
        outcome_text="Our advance notice reached your phone on 2 March.",
        actor=Actor.for_user(compliance),
        now=clock(NOW + timedelta(days=10)),
    )

    report, lines = export(tmp_path, N + 1)

    assert report.negatives == 1
    assert lines[0]["dispute_marker"] == "previously_disputed"


def test_a_plan_being_kept_suppresses_the_negative_report(
    django_capture_on_commit_callbacks: Any, tmp_path: Path, clock: Any, agent: User
) -> None:
    case = delivered(django_capture_on_commit_callbacks)
    services.plan_accept_option(
        case_id=case.pk,
        option_code="installment:6",
        actor=Actor.for_user(agent),
        now=clock(NOW + timedelta(days=3)),
    )
    case.refresh_from_db()
    assert case.state == CaseState.ON_PLAN

    report, lines = export(tmp_path, N + 5)

    assert (report.negatives, lines) == (0, [])
    assert report.held_back[case.pk] == "a repayment plan is being kept"


def test_a_resolved_case_is_never_reported(
    django_capture_on_commit_callbacks: Any, tmp_path: Path, clock: Any, supervisor: User
) -> None:
    case = delivered(django_capture_on_commit_callbacks)
    settle_balance(case.account)
    services.case_resolve(
        case_id=case.pk, actor=Actor.for_user(supervisor), now=clock(NOW + timedelta(days=4))
    )

    report, _lines = export(tmp_path, N + 5)

    assert report.negatives == 0
    assert report.held_back[case.pk] == "the case is resolved"


# --- corrections ---------------------------------------------------------------------------------------


def reported(capture: Any, tmp_path: Path) -> CollectionCase:
    case = delivered(capture)
    assert export(tmp_path, N, "reported.jsonl")[0].negatives == 1
    return case


def test_an_upheld_credit_report_dispute_produces_a_correction(
    django_capture_on_commit_callbacks: Any, tmp_path: Path, clock: Any, agent: User, compliance: User
) -> None:
    case = reported(django_capture_on_commit_callbacks, tmp_path)
    dispute = services.dispute_open(
        case_id=case.pk,
        kind="credit_report",
        description="I paid before the due date",
        channel="web",
        actor=Actor.for_user(agent),
        now=clock(NOW + timedelta(days=N + 1)),
    )
    services.dispute_resolve(
        dispute_id=dispute.pk,
        outcome="upheld",
        outcome_text="You are right: your payment was misapplied. We have asked the bureau to remove it.",
        actor=Actor.for_user(compliance),
        now=clock(NOW + timedelta(days=N + 2)),
    )

    cycle = cycle_run(as_of=D + timedelta(days=N + 3), now=clock(NOW + timedelta(days=N + 3)))

    negative = BureauRecord.objects.get(case=case, kind="negative")
    correction = BureauRecord.objects.get(case=case, kind="correction")
    assert correction.corrects == negative
    assert (correction.status_code, correction.dispute_marker, correction.dispute_id) == (
        "DELETE",
        "dispute_upheld",
        dispute.pk,
    )
    assert crn(case).status == S.CORRECTED
    assert cycle.credit_reports_corrected == 1
    # and the next feed carries the correction, only it
    report, lines = export(tmp_path, N + 3, "correction.jsonl")
    assert (report.negatives, report.corrections) == (0, 1)
    assert [(line["kind"], line["corrects_record_id"]) for line in lines] == [("correction", negative.pk)]
    assert AuditEvent.objects.filter(case=case, action="credit_report.corrected").count() == 1


def test_an_upheld_identity_theft_dispute_is_corrected_by_the_export_itself(
    django_capture_on_commit_callbacks: Any, tmp_path: Path, clock: Any, agent: User, compliance: User
) -> None:
    case = reported(django_capture_on_commit_callbacks, tmp_path)
    dispute = services.dispute_open(
        case_id=case.pk,
        kind="identity_theft",
        description="Someone opened this in my name",
        channel="web",
        actor=Actor.for_user(agent),
        now=clock(NOW + timedelta(days=N + 1)),
    )
    services.dispute_resolve(
        dispute_id=dispute.pk,
        outcome="upheld",
        outcome_text="The police report confirms it.",
        actor=Actor.for_user(compliance),
        now=clock(NOW + timedelta(days=N + 2)),
    )

    report, lines = export(tmp_path, N + 2, "same-day.jsonl")

    assert report.corrections == 1 and lines[0]["kind"] == "correction"


def test_a_dispute_upheld_before_reporting_means_it_is_never_reported(
    django_capture_on_commit_callbacks: Any, tmp_path: Path, clock: Any, agent: User, compliance: User
) -> None:
    case = delivered(django_capture_on_commit_callbacks)
    dispute = services.dispute_open(
        case_id=case.pk,
        kind="credit_report",
        description="Wrong amount",
        channel="web",
        actor=Actor.for_user(agent),
        now=clock(NOW + timedelta(days=1)),
    )
    services.dispute_resolve(
        dispute_id=dispute.pk,
        outcome="upheld",
        outcome_text="Corrected.",
        actor=Actor.for_user(compliance),
        now=clock(NOW + timedelta(days=2)),
    )

    report, _lines = export(tmp_path, N + 5)

    assert report.negatives == 0 and not BureauRecord.objects.exists()
    assert "upheld" in report.held_back[case.pk]


def test_compliance_can_correct_a_wrong_report_and_an_agent_cannot(
    django_capture_on_commit_callbacks: Any, tmp_path: Path, agent: User, compliance: User
) -> None:
    case = reported(django_capture_on_commit_callbacks, tmp_path)
    at = NOW + timedelta(days=N + 1)

    with pytest.raises(NotPermitted):
        credit.credit_report_correct(case_id=case.pk, actor=Actor.for_user(agent), reason="typo", now=at)
    correction = credit.credit_report_correct(
        case_id=case.pk, actor=Actor.for_user(compliance), reason="the amount band was wrong", now=at
    )
    again = credit.credit_report_correct(
        case_id=case.pk, actor=Actor.for_user(compliance), reason="clicked twice", now=at
    )

    assert again == correction
    assert (correction.dispute_marker, correction.reason) == ("", "the amount band was wrong")
    assert BureauRecord.objects.filter(kind="correction").count() == 1


def test_a_case_with_nothing_reported_has_nothing_to_correct(
    django_capture_on_commit_callbacks: Any, compliance: User
) -> None:
    case = delivered(django_capture_on_commit_callbacks)

    with pytest.raises(InvalidInput) as error:
        credit.credit_report_correct(case_id=case.pk, actor=Actor.for_user(compliance), reason="x", now=NOW)

    assert error.value.code == "nothing_reported"


# --- the feed ------------------------------------------------------------------------------------------


def test_the_feed_is_idempotent_per_date(django_capture_on_commit_callbacks: Any, tmp_path: Path) -> None:
    first_case = pre_noticed(django_capture_on_commit_callbacks)
    second_account = account_at(60)
    with django_capture_on_commit_callbacks(execute=True):
        cycle_run(as_of=D, now=NOW + timedelta(minutes=5))
    cycle_run(as_of=D + timedelta(days=1), now=NOW + timedelta(days=1))

    report, lines = export(tmp_path, N + 1, "first.jsonl")
    again, second_lines = export(tmp_path, N + 1, "second.jsonl")
    third, third_lines = export(tmp_path, N + 1, "first.jsonl")  # even over the same file

    assert report.negatives == 2
    assert {line["account"] for line in lines} == {
        first_case.account.account_number,
        second_account.account_number,
    }
    assert (again.negatives, again.corrections, second_lines) == (0, 0, [])
    assert (third.negatives, third_lines) == (0, [])
    assert BureauRecord.objects.count() == 2
    assert set(BureauRecord.objects.values_list("feed_file", flat=True)) == {str(tmp_path / "first.jsonl")}
    assert AuditEvent.objects.filter(action="credit_report.reported").count() == 2


def test_a_later_date_does_not_report_the_same_delinquency_again(
    django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    case = reported(django_capture_on_commit_callbacks, tmp_path)

    report, lines = export(tmp_path, N + 30, "later.jsonl")

    assert (report.negatives, lines) == (0, [])
    assert BureauRecord.objects.filter(case=case).count() == 1


def test_each_line_carries_the_documented_fields(
    django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    case = delivered(django_capture_on_commit_callbacks)

    _report, lines = export(tmp_path, N)

    assert lines == [
        {
            "record_id": BureauRecord.objects.get(case=case).pk,
            "kind": "negative",
            "account": case.account.account_number,
            "currency": "CNY",
            "status_code": "DPD60",
            "amount_band": "5000-20000",  # 5,000 principal + 300 interest + 100 fees + 50 penalty
            "days_past_due": 74,  # at export (docs/bureau-feed.md), not as the last cycle stored it
            "delinquent_since": (D - timedelta(days=60)).isoformat(),
            "as_of": (D + timedelta(days=N)).isoformat(),
            "pre_notice_delivered_at": "2026-03-02T04:00:00Z",
            "eligible_at": "2026-03-16T04:00:00Z",
            "dispute_marker": "",
            "corrects_record_id": None,
            "policy_version": "CN-2026.1",
        }
    ]


def test_a_feed_cannot_be_dated_in_the_future(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        bureau_feed_export(as_of=D + timedelta(days=1), out=tmp_path / "x.jsonl", now=NOW)


def test_the_command_writes_the_feed_and_prints_a_summary(
    django_capture_on_commit_callbacks: Any, tmp_path: Path, clock: Any
) -> None:
    case = delivered(django_capture_on_commit_callbacks)
    clock(NOW + timedelta(days=N, hours=1))
    out, feed = StringIO(), tmp_path / "cmd.jsonl"

    call_command(
        "export_bureau_feed", "--as-of", (D + timedelta(days=N)).isoformat(), "--out", str(feed), stdout=out
    )

    assert f"{feed}: 1 negative, 0 correction record(s)" in out.getvalue()
    assert json.loads(feed.read_text(encoding="utf-8"))["account"] == case.account.account_number


def test_the_export_reports_its_progress_over_the_cases_it_checks(
    django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    delivered(django_capture_on_commit_callbacks)
    at = NOW + timedelta(days=N, hours=1)
    seen: list[tuple[int, int]] = []

    bureau_feed_export(as_of=at.date(), out=tmp_path / "p.jsonl", now=at, progress=lambda *a: seen.append(a))

    assert seen == [(1, 1)]


# --- the staff API and the admin -----------------------------------------------------------------------


def api(user: User | None) -> Any:
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def url(name: str, pk: int) -> str:
    from django.urls import reverse

    return reverse(f"api:{name}", kwargs={"id": pk})


def test_api_shows_the_grade_the_pre_notice_and_why_it_is_not_reported_yet(
    django_capture_on_commit_callbacks: Any, agent: User, clock: Any
) -> None:
    case = delivered(django_capture_on_commit_callbacks)
    clock(NOW + timedelta(days=3))

    body = api(agent).get(url("case-credit-report", case.pk)).json()

    assert (body["grade"], body["status_code"], body["reportable_now"]) == ("pre_notice", "DPD60", False)
    assert body["reason"] == "the pre-notice period runs until 2026-03-16T04:00:00Z"
    assert body["notice"]["status"] == "pending"
    assert body["notice"]["eligible_at"].startswith("2026-03-16T04:00:00")
    assert "5年" in body["texts"]["zh-hans"]["stays"]
    assert (
        body["texts"]["en"]["reads_as"]
        == "The record will read: overdue 60 days or more, with the amount overdue."
    )
    assert body["records"] == []


def test_api_shows_a_case_ready_to_report_and_its_records_after_export(
    django_capture_on_commit_callbacks: Any, agent: User, clock: Any, tmp_path: Path
) -> None:
    case = delivered(django_capture_on_commit_callbacks)
    clock(NOW + timedelta(days=N))
    ready = api(agent).get(url("case-credit-report", case.pk)).json()
    export(tmp_path, N)

    after = api(agent).get(url("case-credit-report", case.pk)).json()

    assert (ready["reportable_now"], ready["reason"]) == (True, "")
    assert after["reportable_now"] is False and after["reason"] == "already reported"
    assert [(r["kind"], r["status_code"], r["feed_file"]) for r in after["records"]] == [
        ("negative", "DPD60", str(tmp_path / "feed.jsonl"))
    ]


def test_api_correction_is_for_compliance_and_hidden_outside_scope(
    django_capture_on_commit_callbacks: Any,
    tmp_path: Path,
    agent: User,
    compliance: User,
    agency_agent: User,
    clock: Any,
) -> None:
    case = reported(django_capture_on_commit_callbacks, tmp_path)
    clock(NOW + timedelta(days=N + 1))

    by_agent = api(agent).post(url("case-credit-report-correct", case.pk), {"reason": "x"}, format="json")
    outside = api(agency_agent).get(url("case-credit-report", case.pk))
    by_compliance = api(compliance).post(
        url("case-credit-report-correct", case.pk), {"reason": "Wrong amount band."}, format="json"
    )

    assert (by_agent.status_code, by_agent.json()["code"]) == (403, "not_permitted")
    assert outside.status_code == 404
    assert by_compliance.status_code == 201
    assert (by_compliance.json()["kind"], by_compliance.json()["status_code"]) == ("correction", "DELETE")


def test_admin_lists_pending_reports_and_bureau_records_scoped_to_the_callers_cases(
    django_capture_on_commit_callbacks: Any, tmp_path: Path, agent: User, agency_agent: User, client_for: Any
) -> None:
    case = reported(django_capture_on_commit_callbacks, tmp_path)
    notices_page, records_page = "/admin/collections/creditreportnotice/", "/admin/collections/bureaurecord/"

    mine = client_for(agent).get(notices_page)
    records = client_for(agent).get(records_page + "?exported=yes")
    theirs = client_for(agency_agent).get(notices_page)

    assert [n.case_id for n in mine.context["cl"].result_list] == [case.pk]
    assert [r.case_id for r in records.context["cl"].result_list] == [case.pk]
    assert list(theirs.context["cl"].result_list) == []
    detail = client_for(agent).get(f"{notices_page}{crn(case).pk}/change/")
    assert detail.status_code == 200
    assert client_for(agent).get(notices_page + "add/").status_code == 403
