"""Domain metrics for Prometheus, read from the database at scrape time.

The web process that answers a scrape is never the process that ran the cycle or sent the notices (Celery
workers, a command), so the numbers an operator alerts on come from the tables, not from in-process
counters. Each query is small: counts over indexed status columns, a window of the last 24 hours for the
gate's blocks, and the latest row of a few run records. ``DomainCollector.collect`` never raises: a
failing query becomes ``collections_metrics_errors`` for that family instead of a failed scrape.

Families (all prefixed ``collections_``):

* ``notices{status}``: the outbox by status (every status present, plus ``unknown``, the status a
  reconciled send after a crash ends in, always reported, 0 when none).
* ``outbox_backlog``, ``outbox_oldest_pending_age_seconds``: pending and sending rows; age of the oldest.
* ``gate_blocks_24h{rule,kind}``: blocked calls and notices of the last 24 hours, per rule id.
* ``cycle_last_duration_seconds``, ``cycle_last_finished_timestamp_seconds``, ``cycle_last_outcome{outcome}``,
  ``cycle_runs{outcome}``, ``cycle_running_since_timestamp_seconds``: the daily cycle's run records.
* ``audit_verification_ok``, ``audit_verification_timestamp_seconds``, ``audit_verification_events``: the
  latest finished verification of the audit chain (absent before the first one).
* ``audit_checkpoint_present``, ``audit_checkpoint_age_seconds``, ``audit_checkpoint_failures_24h``: the
  latest signed checkpoint published and the failed attempts (``collections.AuditSeal``, read by name:
  ``present`` 0 and no age when there is none).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

PREFIX = "collections_"
# Statuses always reported (0 when none), so an alert on a status never sees "no data".
NOTICE_STATUSES = ("pending", "sending", "sent", "blocked", "failed", "unknown")


def _ts(value: datetime) -> float:
    return value.timestamp()


def notice_families(now: datetime) -> Iterator[Metric]:
    Notice = apps.get_model("notifications", "Notice")
    counts = Counter({s: 0 for s in NOTICE_STATUSES})
    for row in Notice.objects.order_by().values("status").annotate(n=models.Count("pk")):
        counts[row["status"]] = row["n"]
    family = GaugeMetricFamily(PREFIX + "notices", "Notices in the outbox by status.", labels=["status"])
    for status, n in sorted(counts.items()):
        family.add_metric([status], n)
    yield family
    yield GaugeMetricFamily(
        PREFIX + "outbox_backlog",
        "Notices waiting to be sent (pending) or claimed by a worker (sending).",
        value=counts["pending"] + counts["sending"],
    )
    oldest = (
        Notice.objects.filter(status="pending").order_by().aggregate(oldest=models.Min("queued_at"))["oldest"]
    )
    yield GaugeMetricFamily(
        PREFIX + "outbox_oldest_pending_age_seconds",
        "Age of the oldest pending notice (0 when none); deferred notices wait for contact hours.",
        value=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
    )


def gate_families(now: datetime) -> Iterator[Metric]:
    ContactAttempt = apps.get_model("collections", "ContactAttempt")
    Notice = apps.get_model("notifications", "Notice")
    since = now - timedelta(hours=24)
    blocks: Counter[tuple[str, str]] = Counter()
    calls = ContactAttempt.objects.filter(placed_at__gte=since, allowed=False).values_list(
        "blocked_by", flat=True
    )
    for rules in calls:
        blocks.update(("attempt", rule) for rule in rules or [])
    notices = Notice.objects.filter(status="blocked", queued_at__gte=since).values_list("decision", flat=True)
    for decision in notices:
        rules = decision.get("blocked_by") if isinstance(decision, dict) else None
        blocks.update(("notice", rule) for rule in rules or [])
    family = GaugeMetricFamily(
        PREFIX + "gate_blocks_24h",
        "Contact attempts and notices the compliance gate blocked in the last 24 hours, per rule.",
        labels=["kind", "rule"],
    )
    for (kind, rule), n in sorted(blocks.items()):
        family.add_metric([kind, str(rule)], n)
    yield family


def cycle_families(now: datetime) -> Iterator[Metric]:
    from ops.models import CycleRun

    runs = CounterMetricFamily(PREFIX + "cycle_runs", "Daily-cycle runs by outcome.", labels=["outcome"])
    by_outcome = Counter({o.value: 0 for o in CycleRun.Outcome})
    for row in CycleRun.objects.order_by().values("outcome").annotate(n=models.Count("pk")):
        by_outcome[row["outcome"]] = row["n"]
    for outcome, n in sorted(by_outcome.items()):
        runs.add_metric([outcome], n)
    yield runs
    last = CycleRun.objects.filter(finished_at__isnull=False).order_by("-finished_at", "-pk").first()
    if last is not None and last.finished_at is not None:
        yield GaugeMetricFamily(
            PREFIX + "cycle_last_duration_seconds",
            "Wall time of the last finished daily cycle.",
            value=last.duration_seconds or 0.0,
        )
        yield GaugeMetricFamily(
            PREFIX + "cycle_last_finished_timestamp_seconds",
            "When the last daily cycle finished (Unix time).",
            value=_ts(last.finished_at),
        )
        last_outcome = GaugeMetricFamily(
            PREFIX + "cycle_last_outcome", "1 for the last finished cycle's outcome.", labels=["outcome"]
        )
        for value in (CycleRun.Outcome.OK, CycleRun.Outcome.ERRORS, CycleRun.Outcome.FAILED):
            last_outcome.add_metric([value.value], 1 if last.outcome == value else 0)
        yield last_outcome
    running = CycleRun.objects.filter(finished_at__isnull=True).order_by("started_at").first()
    if running is not None:
        yield GaugeMetricFamily(
            PREFIX + "cycle_running_since_timestamp_seconds",
            "Start of the oldest daily cycle still running (a stuck run shows as an old value).",
            value=_ts(running.started_at),
        )


def audit_families(now: datetime) -> Iterator[Metric]:
    AuditVerification = apps.get_model("compliance", "AuditVerification")
    last = AuditVerification.objects.filter(finished_at__isnull=False).order_by("-finished_at", "-pk").first()
    if last is not None:
        yield GaugeMetricFamily(
            PREFIX + "audit_verification_ok",
            "1 when the last finished audit-chain verification found the chain intact, else 0.",
            value=1 if last.ok else 0,
        )
        yield GaugeMetricFamily(
            PREFIX + "audit_verification_timestamp_seconds",
            "When the last audit-chain verification finished (Unix time).",
            value=_ts(last.finished_at),
        )
        yield GaugeMetricFamily(
            PREFIX + "audit_verification_events", "Events the last verification checked.", value=last.count
        )
    yield from checkpoint_families(now)


def seal_model() -> type[models.Model] | None:
    """The record of each attempt to publish a signed checkpoint (``collections.AuditSeal``: ``at``, ``ok``),
    read defensively so the metrics work with or without it."""
    try:
        return apps.get_model("collections", "AuditSeal")
    except LookupError:
        return None


def checkpoint_families(now: datetime) -> Iterator[Metric]:
    model = seal_model()
    latest = failures = None
    if model is not None:
        seals = model._default_manager.order_by()
        latest = seals.filter(ok=True).aggregate(latest=models.Max("at"))["latest"]
        failures = seals.filter(ok=False, at__gte=now - timedelta(hours=24)).count()
    yield GaugeMetricFamily(
        PREFIX + "audit_checkpoint_present",
        "1 when a signed audit checkpoint was published (0: none yet, or no checkpoint record at all).",
        value=1 if latest is not None else 0,
    )
    if latest is not None:
        yield GaugeMetricFamily(
            PREFIX + "audit_checkpoint_age_seconds",
            "Seconds since the latest signed audit checkpoint was published.",
            value=max(0.0, (now - latest).total_seconds()),
        )
    if failures is not None:
        yield GaugeMetricFamily(
            PREFIX + "audit_checkpoint_failures_24h",
            "Attempts to publish a signed checkpoint that failed in the last 24 hours.",
            value=failures,
        )


FAMILIES: tuple[tuple[str, Callable[[datetime], Iterable[Metric]]], ...] = (
    ("notices", notice_families),
    ("gate", gate_families),
    ("cycle", cycle_families),
    ("audit", audit_families),
)


class DomainCollector(Collector):
    """The families above, computed on every scrape. ``now`` is read once per scrape."""

    def __init__(self, clock: Callable[[], datetime] = timezone.now) -> None:
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        now = self.clock()
        errors = GaugeMetricFamily(
            PREFIX + "metrics_errors", "1 when a family could not be read at this scrape.", labels=["family"]
        )
        for name, produce in FAMILIES:
            try:
                families = list(produce(now))
            except Exception:  # a broken query must not hide the other families
                logger.exception("metrics family %s could not be read", name)
                errors.add_metric([name], 1)
                continue
            errors.add_metric([name], 0)
            yield from families
        yield errors

    def describe(self) -> Iterable[Any]:
        return []  # computed per scrape: nothing to describe at registration (no query then)
