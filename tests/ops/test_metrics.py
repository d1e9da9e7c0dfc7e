"""Domain metrics (ops.metrics): read from the tables at scrape time, every family, never a failed scrape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from compliance.models import AuditVerification
from debt_collections.models import CollectionCase, ContactAttempt
from notifications.models import Notice, NoticeTemplate
from ops import metrics
from ops.models import CycleRun
from tests.factories import PhoneFactory, make_case

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def scrape(now: datetime = NOW) -> dict[str, float]:
    """``{'name{labels}': value}`` of one scrape."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(metrics.DomainCollector(clock=lambda: now))
    text = generate_latest(registry).decode()
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }


def notice(
    case: CollectionCase, status: str, *, queued_at: datetime, blocked_by: list[str] | None = None
) -> Notice:
    point = PhoneFactory.create(customer=case.customer)
    template = NoticeTemplate.objects.filter(status="approved", channel="sms").first()
    assert template is not None
    return Notice.objects.create(
        case=case,
        template=template,
        contact_point=point,
        channel="sms",
        recipient=str(point.phone),
        body="text",
        body_hash="0" * 64,
        due_date=queued_at.date(),
        idempotency_key=f"key-{point.pk}-{status}",
        status=status,
        queued_at=queued_at,
        queued_by="system:test",
        decision={"allowed": not blocked_by, "blocked_by": blocked_by or []},
    )


def test_an_empty_database_scrapes_with_zeros_and_no_errors() -> None:
    values = scrape()
    for status in ("pending", "sending", "sent", "blocked", "failed", "unknown"):
        assert values[f'collections_notices{{status="{status}"}}'] == 0
    assert values["collections_outbox_backlog"] == 0
    assert values["collections_audit_checkpoint_present"] == 0
    assert "collections_cycle_last_duration_seconds" not in values  # no run yet: no value, not 0
    assert all(v == 0 for k, v in values.items() if k.startswith("collections_metrics_errors"))


def test_notices_by_status_include_unknown_and_the_backlog_and_its_oldest_age() -> None:
    case = make_case()
    notice(case, "pending", queued_at=NOW - timedelta(minutes=10))
    notice(case, "sending", queued_at=NOW - timedelta(minutes=1))
    notice(case, "sent", queued_at=NOW - timedelta(hours=2))
    notice(case, "unknown", queued_at=NOW - timedelta(hours=3))  # a send a crash left undecided

    values = scrape()

    assert values['collections_notices{status="unknown"}'] == 1
    assert values['collections_notices{status="sent"}'] == 1
    assert values["collections_outbox_backlog"] == 2
    assert values["collections_outbox_oldest_pending_age_seconds"] == 600


def test_gate_blocks_of_the_last_24_hours_are_counted_per_rule_and_kind() -> None:
    case = make_case()
    point = PhoneFactory.create(customer=case.customer)
    for placed_at, rules in [
        (NOW - timedelta(hours=1), ["HOURS"]),
        (NOW - timedelta(hours=2), ["HOURS", "FREQ_7D"]),
        (NOW - timedelta(days=2), ["WRONG_PARTY"]),  # outside the window
    ]:
        ContactAttempt.objects.create(
            case=case,
            customer=case.customer,
            contact_point=point,
            channel="call",
            placed_at=placed_at,
            allowed=False,
            blocked_by=rules,
            policy_version="test",
        )
    notice(case, "blocked", queued_at=NOW - timedelta(hours=3), blocked_by=["OPT_OUT"])

    values = scrape()

    assert values['collections_gate_blocks_24h{kind="attempt",rule="HOURS"}'] == 2
    assert values['collections_gate_blocks_24h{kind="attempt",rule="FREQ_7D"}'] == 1
    assert values['collections_gate_blocks_24h{kind="notice",rule="OPT_OUT"}'] == 1
    assert not any("WRONG_PARTY" in k for k in values)


def test_the_last_finished_cycle_gives_duration_outcome_and_time() -> None:
    CycleRun.objects.create(
        as_of=NOW.date(),
        via="beat",
        started_at=NOW - timedelta(hours=5),
        finished_at=NOW - timedelta(hours=4),
        outcome="ok",
    )
    CycleRun.objects.create(
        as_of=NOW.date(),
        via="command",
        started_at=NOW - timedelta(minutes=3),
        finished_at=NOW - timedelta(minutes=1),
        outcome="errors",
        errors=2,
    )
    CycleRun.objects.create(as_of=NOW.date(), via="beat", started_at=NOW - timedelta(seconds=30))

    values = scrape()

    assert values["collections_cycle_last_duration_seconds"] == 120
    assert values['collections_cycle_last_outcome{outcome="errors"}'] == 1
    assert values['collections_cycle_last_outcome{outcome="ok"}'] == 0
    assert (
        values["collections_cycle_last_finished_timestamp_seconds"]
        == (NOW - timedelta(minutes=1)).timestamp()
    )
    assert values['collections_cycle_runs_total{outcome="running"}'] == 1
    assert (
        values["collections_cycle_running_since_timestamp_seconds"]
        == (NOW - timedelta(seconds=30)).timestamp()
    )


def test_the_last_chain_verification_is_reported() -> None:
    AuditVerification.objects.create(
        started_at=NOW - timedelta(hours=1),
        finished_at=NOW - timedelta(minutes=59),
        ok=False,
        count=41,
        broken_seq=42,
    )
    values = scrape()
    assert values["collections_audit_verification_ok"] == 0
    assert values["collections_audit_verification_events"] == 41


def test_the_latest_published_checkpoint_and_failed_attempts_are_reported() -> None:
    from debt_collections.models import AuditSeal

    AuditSeal.objects.create(at=NOW - timedelta(hours=2), reason="timer", ok=True, seq=10, hash="a" * 64)
    AuditSeal.objects.create(at=NOW - timedelta(minutes=15), reason="cycle", ok=True, seq=20, hash="b" * 64)
    AuditSeal.objects.create(at=NOW - timedelta(minutes=5), reason="timer", ok=False, error="store down")

    values = scrape()

    assert values["collections_audit_checkpoint_present"] == 1
    assert values["collections_audit_checkpoint_age_seconds"] == 900
    assert values["collections_audit_checkpoint_failures_24h"] == 1


def test_without_a_checkpoint_record_the_checkpoint_is_reported_absent() -> None:
    with mock.patch.object(metrics, "seal_model", return_value=None):
        values = scrape()
    assert values["collections_audit_checkpoint_present"] == 0
    assert "collections_audit_checkpoint_age_seconds" not in values


def test_a_family_that_fails_is_reported_and_the_others_still_scrape() -> None:
    def broken(now: datetime) -> Any:
        raise RuntimeError("relation does not exist")

    families = tuple((name, broken if name == "cycle" else produce) for name, produce in metrics.FAMILIES)
    with mock.patch.object(metrics, "FAMILIES", families):
        values = scrape()
    assert values['collections_metrics_errors{family="cycle"}'] == 1
    assert values['collections_notices{status="sent"}'] == 0
