"""The retention review: finished cases held longer than their pack's retention period, counted per pack."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import User
from compliance.selectors import retention_review, years_before
from debt_collections.models import AuditEvent, CaseState, CollectionCase
from tests.factories import CreditAccountFactory, CustomerFactory, make_case

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


def finished(state: str, pack: str, closed: date | None) -> CollectionCase:
    account = CreditAccountFactory.create(
        customer=CustomerFactory.create(jurisdiction=pack), days_past_due=200
    )
    case = make_case(state, account=account)
    if closed is not None:
        CollectionCase.objects.filter(pk=case.pk).update(
            closed_at=datetime(closed.year, closed.month, closed.day, tzinfo=UTC)
        )
    return case


@pytest.fixture
def history(db: Any) -> dict[str, CollectionCase]:
    return {
        "cn_old": finished(CaseState.RESOLVED, "CN", date(2021, 3, 1)),  # 5 years and a day: past
        "cn_edge": finished(CaseState.CLOSED, "CN", date(2021, 3, 2)),  # exactly 5 years: not yet
        "us_old": finished(CaseState.CLOSED, "US", date(2022, 6, 1)),  # US keeps 3 years: past
        "uk_kept": finished(CaseState.RESOLVED, "UK", date(2021, 1, 1)),  # UK keeps 6 years: not yet
        "charged_off": finished(CaseState.CHARGED_OFF, "CN", None),  # not finished: never listed
    }


def test_cases_finished_before_their_packs_cutoff_are_listed_per_pack(history: Any) -> None:
    packs, cases = retention_review(TODAY)

    counts = {p.code: (p.retention_years, p.cutoff, p.cases) for p in packs}
    assert counts == {
        "CN": (5, date(2021, 3, 2), 1),
        "US": (3, date(2023, 3, 2), 1),
        "UK": (6, date(2020, 3, 2), 0),
    }
    assert [c.pk for c in cases] == [history["cn_old"].pk, history["us_old"].pk]
    cn = next(p for p in packs if p.code == "CN")
    assert cn.audit_events == AuditEvent.objects.filter(case_id=history["cn_old"].pk).count() > 0


def test_retention_page_lists_them_and_says_audit_events_are_never_deleted(
    history: Any, client_for: Any, compliance: User, time_machine: Any
) -> None:
    time_machine.move_to(datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False)
    events = AuditEvent.objects.count()

    html = client_for(compliance).get(reverse("compliance:retention")).content.decode()

    assert "never deletes audit events" in html
    assert '<td class="num" data-pack="CN">1</td>' in html and '<td class="num" data-pack="UK">0</td>' in html
    assert reverse("compliance:case-timeline", args=[history["us_old"].pk]) in html
    assert reverse("compliance:case-timeline", args=[history["uk_kept"].pk]) not in html
    assert AuditEvent.objects.count() == events  # reading the review changes nothing


def test_29_february_minus_a_year_is_28_february() -> None:
    assert years_before(date(2028, 2, 29), 1) == date(2027, 2, 28)
