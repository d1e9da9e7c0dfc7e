"""Reports checked against hand-built records (exact counts), their filters, and their CSV / XLSX exports.

The records are written straight to the tables (they are the fixture, not the behaviour under test):
two report weeks, Monday 2 and Monday 9 March 2026, plus a few rows just outside them.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import ContactPoint, QuarantinedContact, User
from compliance import exports, reports
from compliance.reports import ReportFilters
from debt_collections.models import (
    AuditEvent,
    CaseState,
    CollectionCase,
    ContactAttempt,
    Dispute,
    FeeWaiver,
    RepaymentPlan,
)
from notifications.models import Notice, NoticeTemplate
from tests.factories import (
    AgencyFactory,
    CreditAccountFactory,
    CustomerFactory,
    PhoneFactory,
    UserFactory,
    make_case,
)

pytestmark = pytest.mark.django_db

WEEK1, WEEK2 = date(2026, 3, 2), date(2026, 3, 9)
FILTERS = ReportFilters(date_from=WEEK1, date_to=date(2026, 3, 15))
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def at(day: date, hour: int = 3) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def case_for(jurisdiction: str = "CN") -> tuple[CollectionCase, ContactPoint]:
    customer = CustomerFactory.create(jurisdiction=jurisdiction)
    phone = PhoneFactory.create(customer=customer)
    return make_case(CaseState.ACTIVE, account=CreditAccountFactory.create(customer=customer)), phone


def attempt(
    case: CollectionCase, phone: ContactPoint, when: datetime, blocked: list[str] | None = None, **extra: Any
) -> ContactAttempt:
    return ContactAttempt.objects.create(
        case=case,
        customer_id=case.customer_id,
        contact_point=phone,
        channel="call",
        placed_at=when,
        allowed=not blocked,
        blocked_by=blocked or [],
        policy_version="CN-2026.1",
        **extra,
    )


def notice(
    case: CollectionCase,
    phone: ContactPoint,
    when: datetime,
    *,
    key: str,
    channel: str,
    status: str,
    blocked: list[str] | None = None,
    n: int = 0,
) -> Notice:
    template = NoticeTemplate.objects.filter(key=key, channel=channel, locale="en").first()
    assert template is not None
    decision = {
        "allowed": not blocked,
        "blocked_by": blocked or [],
        "policy_version": "CN-2026.1",
        "reasons": {},
    }
    return Notice.objects.create(
        case=case,
        template=template,
        contact_point=phone,
        channel=channel,
        recipient=phone.value,
        body="x",
        body_hash="0" * 64,
        due_date=when.date(),
        idempotency_key=f"k{case.pk}-{key}-{n}-{when:%j%H}",
        status=status,
        decision=decision,
        queued_at=when,
        queued_by="system:tests",
    )


# --- (a) gate decisions ---------------------------------------------------------------------------------


@pytest.fixture
def decisions(db: Any) -> dict[str, Any]:
    case, phone = case_for()
    for _ in range(3):
        attempt(case, phone, at(WEEK1))
    attempt(case, phone, at(WEEK1 + timedelta(days=1)), ["HOURS"])
    attempt(case, phone, at(WEEK1 + timedelta(days=6), 23), ["HOURS"])  # Sunday night: still week 1
    attempt(case, phone, at(WEEK1), ["FREQ_7D", "DAILY"])
    attempt(case, phone, at(WEEK2), [])
    attempt(case, phone, at(WEEK2 + timedelta(days=2)), ["WRONG_PARTY"])
    attempt(case, phone, at(WEEK1 - timedelta(days=1)))  # the day before the range
    attempt(case, phone, at(date(2026, 3, 16)))  # the day after
    notice(case, phone, at(WEEK1), key="reminder.soft", channel="sms", status="sent")
    notice(
        case, phone, at(WEEK1), key="reminder.soft", channel="sms", status="blocked", blocked=["HOURS"], n=1
    )
    notice(case, phone, at(WEEK2), key="reminder.firm", channel="email", status="pending", n=2)
    return {"case": case, "phone": phone}


def test_gate_decisions_count_calls_and_notices_per_rule_per_week(decisions: Any) -> None:
    report = reports.gate_decisions(FILTERS, NOW)

    assert report.rows == [
        ("2026-03-02", "allowed", 3, 1, 4),
        ("2026-03-02", "HOURS", 2, 1, 3),
        ("2026-03-02", "FREQ_7D", 1, 0, 1),
        ("2026-03-02", "DAILY", 1, 0, 1),
        ("2026-03-09", "allowed", 1, 1, 2),
        ("2026-03-09", "WRONG_PARTY", 1, 0, 1),
    ]
    assert report.chart.categories == ("2026-03-02", "2026-03-09")
    series = {s.name: s.values for s in report.chart.series}
    assert series == {
        "Allowed": (4, 2),
        "Blocked: HOURS": (3, 0),
        "Blocked: FREQ_7D": (1, 0),
        "Blocked: DAILY": (1, 0),
        "Blocked: WRONG_PARTY": (0, 1),
    }


def test_gate_decisions_filter_by_agency_agent_and_pack(decisions: Any, agent: User) -> None:
    agency = AgencyFactory.create()
    us_case, us_phone = case_for("US")
    attempt(us_case, us_phone, at(WEEK2), ["HOURS"], agent=agent, agency=agency)

    by_agency = reports.gate_decisions(ReportFilters(WEEK1, WEEK2, agency_id=agency.pk), NOW)
    by_agent = reports.gate_decisions(ReportFilters(WEEK1, WEEK2, agent_id=agent.pk), NOW)
    by_pack = reports.gate_decisions(ReportFilters(WEEK1, WEEK2, pack="US"), NOW)
    cn_only = reports.gate_decisions(ReportFilters(WEEK1, WEEK2, pack="CN"), NOW)

    assert by_agency.rows == by_agent.rows == by_pack.rows == [("2026-03-09", "HOURS", 1, 0, 1)]
    assert ("2026-03-09", "HOURS", 1, 0, 1) not in cn_only.rows


# --- (b) disputes -----------------------------------------------------------------------------------------


def dispute(
    case: CollectionCase, kind: str, opened: datetime, sla_days: int, resolved: datetime | None
) -> Dispute:
    return Dispute.objects.create(
        case=case,
        kind=kind,
        opened_at=opened,
        sla_due_at=opened + timedelta(days=sla_days),
        resolved_at=resolved,
        status="open" if resolved is None else "upheld",
    )


def test_disputes_by_type_count_sla_met_and_breached(db: Any) -> None:
    case, _ = case_for()
    opened = at(WEEK1)
    dispute(case, "amount_wrong", opened, 15, opened + timedelta(days=3))
    dispute(case, "amount_wrong", opened, 15, opened + timedelta(days=15))  # on the due time: met
    dispute(case, "amount_wrong", opened, 15, opened + timedelta(days=16))  # late
    dispute(case, "conduct_complaint", opened, 5, None)  # due 7 March, open on 20 March: breached
    dispute(case, "conduct_complaint", at(WEEK2), 15, None)  # due 24 March: open within SLA
    dispute(case, "credit_report", at(WEEK1 - timedelta(days=1)), 20, None)  # before the range

    report = reports.disputes(FILTERS, NOW)

    rows = {row[0]: row[1:] for row in report.rows}
    assert rows["The amount is wrong"] == (3, 2, 1, 0, 0, Decimal("66.7"))
    assert rows["Complaint about collection conduct"] == (2, 0, 0, 1, 1, Decimal("0.0"))
    assert rows["Credit report objection"] == (0, 0, 0, 0, 0, None)
    assert len(report.rows) == 6
    met, breached, open_ok = (s.values for s in report.chart.series)
    assert (sum(met), sum(breached), sum(open_ok)) == (2, 2, 1)


# --- (c) waivers ------------------------------------------------------------------------------------------


@pytest.fixture
def waivers(db: Any) -> dict[str, User]:
    case, _ = case_for()
    people = {name: UserFactory.create(username=name) for name in ("=cmd", "+1", "-1", "@x")}
    decider = UserFactory.create(username="decider")

    def waiver(who: str, amount: str, state: str, when: date = WEEK1, label: str = "") -> None:
        user = people.get(who)
        FeeWaiver.objects.create(
            case=case,
            component="fees",
            amount=Decimal(amount),
            reason="r",
            state=state,
            requested_at=at(when),
            requested_by=label or (f"user:{user.pk}:{who}" if user else ""),
            requested_by_user=user,
            decided_by=decider if state != "requested" else None,
        )

    waiver("=cmd", "30.00", "applied")
    waiver("=cmd", "10.00", "rejected", WEEK2)
    waiver("+1", "5.00", "requested")
    waiver("-1", "7.50", "applied")
    waiver("@x", "1.00", "rejected")
    waiver("", "20.00", "applied", label="link:1234")
    waiver("", "2.00", "requested", label="link:5678")
    waiver("+1", "99.00", "applied", WEEK1 - timedelta(days=3))  # before the range
    return people


def test_waivers_by_requester_count_decisions_and_sum_amounts_per_currency(waivers: Any) -> None:
    report = reports.waivers(FILTERS, NOW)

    assert report.rows == [
        ("=cmd", "CNY", 2, 1, 1, 0, Decimal("40.00"), Decimal("30.00")),
        ("customer (negotiation page)", "CNY", 2, 1, 0, 1, Decimal("22.00"), Decimal("20.00")),
        ("+1", "CNY", 1, 0, 0, 1, Decimal("5.00"), Decimal("0.00")),
        ("-1", "CNY", 1, 1, 0, 0, Decimal("7.50"), Decimal("7.50")),
        ("@x", "CNY", 1, 0, 1, 0, Decimal("1.00"), Decimal("0.00")),
    ]


def test_waiver_report_filtered_by_agent_keeps_only_their_requests(waivers: Any) -> None:
    report = reports.waivers(ReportFilters(WEEK1, date(2026, 3, 15), agent_id=waivers["=cmd"].pk), NOW)

    assert [row[:3] for row in report.rows] == [("=cmd", "CNY", 2)]


# --- (d) plans ------------------------------------------------------------------------------------------


def test_plan_rates_are_take_up_of_offered_and_completion_and_break_of_accepted(db: Any) -> None:
    def plan(kind: str, state: str, when: date = WEEK1) -> None:
        case, _ = case_for()
        RepaymentPlan.objects.create(
            case=case,
            kind=kind,
            state=state,
            currency="CNY",
            total=Decimal("100.00"),
            months=3,
            first_due_date=when + timedelta(days=30),
            offered_at=at(when),
            offered_by="system:tests",
            policy_version="CN-2026.1",
        )

    for state in ("cancelled", "completed", "broken", "active"):
        plan("installment", state)
    plan("deferral", "withdrawn", WEEK2)
    plan("deferral", "completed", WEEK1 - timedelta(days=2))  # before the range

    report = reports.plans(FILTERS, NOW)

    assert report.rows == [
        ("Installment plan", 4, 3, 1, 1, 1, 0, Decimal("75.0"), Decimal("33.3"), Decimal("33.3")),
        ("Deferral", 1, 1, 0, 0, 0, 1, Decimal("100.0"), Decimal("0.0"), Decimal("0.0")),
        ("Settlement", 0, 0, 0, 0, 0, 0, None, None, None),
    ]


# --- (e) notices ----------------------------------------------------------------------------------------


def test_notices_by_template_and_channel_count_each_status(decisions: Any) -> None:
    case, phone = decisions["case"], decisions["phone"]
    notice(case, phone, at(WEEK2), key="reminder.soft", channel="sms", status="failed", n=3)
    notice(case, phone, at(WEEK2), key="reminder.soft", channel="sms", status="sending", n=4)

    report = reports.notices(FILTERS, NOW)

    assert report.columns == ("Template", "Channel", "Sent", "Pending", "Blocked", "Failed", "Total")
    assert report.rows == [("reminder.soft", "sms", 1, 1, 1, 1, 4), ("reminder.firm", "email", 0, 1, 0, 0, 1)]


# --- (f) wrong party --------------------------------------------------------------------------------------


def test_wrong_party_report_counts_reports_lifts_and_numbers_quarantined_each_week(decisions: Any) -> None:
    def quarantine(value: str, reported: datetime, lifted: datetime | None = None) -> None:
        QuarantinedContact.objects.create(
            value=value, kind="phone", reported_at=reported, reported_via="system:tests", lifted_at=lifted
        )

    quarantine("+8613800000001", at(WEEK1 - timedelta(days=20)))
    quarantine("+8613800000002", at(WEEK1), lifted=at(WEEK2 + timedelta(days=1)))
    quarantine("+8613800000003", at(WEEK1 + timedelta(days=3)))
    quarantine("+8613800000004", at(WEEK2 + timedelta(days=4)))

    report = reports.wrong_party(FILTERS, NOW)

    assert report.rows == [("2026-03-02", 2, 0, 3, 0, 0), ("2026-03-09", 1, 1, 3, 1, 0)]
    assert dict(report.summary) == {"Numbers quarantined now": 3, "of which phone numbers": 3}


# --- exports ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=cmd", "'=cmd"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("safe", "safe"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_cells_a_spreadsheet_would_run_as_formulas_are_prefixed_with_a_quote(
    text: str, expected: str
) -> None:
    assert exports.neutralise(text) == expected


def _params() -> dict[str, str]:
    return FILTERS.as_params()


def test_csv_export_has_a_bom_and_neutralised_cells(waivers: Any, client_for: Any, compliance: User) -> None:
    response = client_for(compliance).get(reverse("compliance:report-csv", args=["waivers"]), _params())

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Requested by"
    first_cells = [row[0] for row in rows[1:]]
    assert first_cells == ["'=cmd", "customer (negotiation page)", "'+1", "'-1", "'@x"]
    assert rows[1] == ["'=cmd", "CNY", "2", "1", "1", "0", "40.00", "30.00"]


def test_xlsx_export_opens_and_holds_the_same_rows_as_the_csv(
    waivers: Any, client_for: Any, compliance: User
) -> None:
    from openpyxl import load_workbook

    client = client_for(compliance)
    csv_rows = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("compliance:report-csv", args=["waivers"]), _params()).content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    response = client.get(reverse("compliance:report-xlsx", args=["waivers"]), _params())

    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    xlsx_rows = [list(row) for row in sheet.iter_rows(values_only=True)]

    def same(value: Any) -> str:
        return (
            ""
            if value is None
            else str(Decimal(str(value)).normalize())
            if isinstance(value, int | float)
            else value
        )

    def csv_same(value: str) -> str:
        try:
            return str(Decimal(value).normalize())
        except ArithmeticError:
            return value

    assert [[same(v) for v in row] for row in xlsx_rows] == [[csv_same(v) for v in row] for row in csv_rows]
    assert xlsx_rows[1][0] == "'=cmd"  # stored as text, never as a formula


def test_every_report_download_is_audited_with_its_filters(
    decisions: Any, client_for: Any, compliance: User
) -> None:
    client_for(compliance).get(reverse("compliance:report-xlsx", args=["gate-decisions"]), _params())

    event = AuditEvent.objects.filter(action="compliance.export").get()
    assert event.actor == f"user:{compliance.pk}:compliance"
    assert event.payload == {
        "export": "report:gate-decisions",
        "format": "xlsx",
        "filters": {"date_from": "2026-03-02", "date_to": "2026-03-15"},
        "rows": 6,
    }


def test_an_unknown_report_is_404(client_for: Any, compliance: User) -> None:
    assert client_for(compliance).get("/compliance/reports/nope/export.csv").status_code == 404


# --- the pages --------------------------------------------------------------------------------------------


def test_reports_page_draws_an_accessible_svg_chart_per_report_from_the_filters(
    decisions: Any, client_for: Any, compliance: User
) -> None:
    response = client_for(compliance).get(reverse("compliance:reports"), _params())

    html = response.content.decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"') == len(
        reports.REPORTS
    )
    assert 'aria-label="Contact decisions per rule per week. Stacked bar chart' in html
    assert "<title>2026-03-02 · Blocked: HOURS: 3</title>" in html
    assert "https://" not in html and "<script" not in html  # nothing fetched, no JavaScript


def test_dashboard_shows_the_last_90_days_by_default(frozen: Any, client_for: Any, compliance: User) -> None:
    case, phone = case_for()
    attempt(case, phone, at(date(2026, 3, 1)), ["HOURS"])
    attempt(case, phone, at(date(2025, 12, 2)))  # 91 days before 2 March: outside

    html = client_for(compliance).get(reverse("compliance:dashboard")).content.decode()

    assert "2025-12-03 to 2026-03-02" in html
    assert "<title>2026-02-23 · Blocked: HOURS: 1</title>" in html
    assert "Allowed" not in html.split("Contact decisions per rule per week", 1)[1].split("</svg>", 1)[0]


def test_an_invalid_filter_falls_back_to_the_default_and_says_why(client_for: Any, compliance: User) -> None:
    html = (
        client_for(compliance)
        .get(reverse("compliance:reports"), {"date_from": "2026-03-10", "date_to": "2026-03-01"})
        .content.decode()
    )

    assert "The start date is after the end date." in html
