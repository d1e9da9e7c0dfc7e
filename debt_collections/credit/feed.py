"""The bureau feed (DESIGN §9): negative records due and corrections, written as JSON lines
(docs/bureau-feed.md) and stamped as exported. Decided under the locks of the cases it reports; the file
is written after the commit.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from debt_collections.credit.reporting import credit_report_corrections_due, cutoff_of, pack_at
from debt_collections.credit.selectors import iso, report_facts
from debt_collections.errors import InvalidInput
from debt_collections.kernel.audit import Actor, PendingEvent, audit_append_many
from debt_collections.models import BureauRecord, CollectionCase, CreditReportNotice
from debt_collections.policies import amount_band, credit_impact
from debt_collections.policies.credit_reporting import (
    ELIGIBLE,
    OPEN_STATUSES,
    REPORTED,
    ReportFacts,
    evaluate,
)

FEED = Actor.system("bureau_feed")


@dataclass
class FeedReport:
    as_of: date
    path: str
    negatives: int = 0
    corrections: int = 0
    held_back: dict[int, str] = field(default_factory=dict)  # case id -> why no negative record

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "path": self.path,
            "negatives": self.negatives,
            "corrections": self.corrections,
            "held_back": {str(k): v for k, v in sorted(self.held_back.items())},
        }


def feed_line(record: BureauRecord, notice: CreditReportNotice) -> dict[str, object]:
    """One JSON object of the feed (docs/bureau-feed.md). Keys are stable; new keys may be added."""
    return {
        "record_id": record.pk,
        "kind": record.kind,
        "account": record.account.account_number,
        "currency": record.currency,
        "status_code": record.status_code,
        "amount_band": record.amount_band,
        "days_past_due": record.days_past_due,
        "delinquent_since": iso(record.delinquent_since),
        "as_of": iso(record.as_of),
        "pre_notice_delivered_at": iso(notice.delivered_at),
        "eligible_at": iso(notice.eligible_at),
        "dispute_marker": record.dispute_marker,
        "corrects_record_id": record.corrects_id,
        "policy_version": record.policy_version,
    }


def _make_negative(
    notice: CreditReportNotice, case: CollectionCase, facts: ReportFacts, *, as_of: date, now: datetime
) -> BureauRecord:
    account = case.account
    pack = pack_at(case, now)
    # Days past due at export (docs/bureau-feed.md): the cycle stores the number only at thresholds.
    days_past_due = account.days_past_due_on(as_of)
    grade = credit_impact(pack, days_past_due)
    return BureauRecord.objects.create(
        account=account,
        case=case,
        notice=notice,
        kind=BureauRecord.Kind.NEGATIVE,
        status_code=grade.status_code,
        amount_band=amount_band(account.total_due),
        currency=account.currency,
        days_past_due=days_past_due,
        delinquent_since=account.due_date,
        as_of=as_of,
        dispute_marker=(
            BureauRecord.DisputeMarker.PREVIOUSLY_DISPUTED
            if case.pk in facts.resolved_disputes
            else BureauRecord.DisputeMarker.NONE
        ),
        policy_version=pack.version,
        created_at=now,
        created_by=FEED.label,
    )


def write_lines(path: Path, lines: list[dict[str, object]]) -> None:
    """Write the file atomically: a temporary file in the same folder, flushed to disk, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            for line in lines:
                out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def bureau_feed_export(
    *,
    as_of: date,
    out: Path | str,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FeedReport:
    """Write the bureau feed for ``as_of`` to ``out`` (JSON lines) and record each line as exported.

    In one transaction, holding the lock of every candidate case (a dispute opened meanwhile waits for
    the export, or the export sees it): corrections due are made; each case whose pre-notice was
    delivered and whose ``eligible_at`` is at or before the end of ``as_of`` (and ``now``) is checked
    again and, if nothing forbids it, gets its negative record (status code from its grade, amount band,
    dates); then every record not yet exported, negative or correction, is written to ``out``, stamped
    ``exported_at``/``feed_file`` and audited. After the commit the file is written, synced and renamed
    into place (no lock is held while the disk syncs); if that fails, the records are un-stamped again
    (``credit_report.export_failed``) and the next run emits them (the bureau's de-duplication key is
    ``(account, kind, as_of)``), never loses them.

    Each run emits only records not exported before: a second run for the same date writes an empty
    file. Raises ``InvalidInput`` for an ``as_of`` after ``now``'s date.
    """
    now = now or timezone.now()
    path = Path(out)
    if as_of > now.astimezone(UTC).date():
        raise InvalidInput(f"A feed cannot be dated after today ({as_of.isoformat()}).", code="future_date")
    cutoff = cutoff_of(as_of, now)
    report = FeedReport(as_of=as_of, path=str(path))
    with transaction.atomic():
        credit_report_corrections_due(now=now)
        candidate_cases = list(
            CreditReportNotice.objects.filter(
                status__in=OPEN_STATUSES, delivered_at__isnull=False, eligible_at__lte=cutoff
            ).values_list("case_id", flat=True)
        )
        cases = {
            c.pk: c
            for c in CollectionCase.objects.select_for_update(of=("self",))
            .select_related("account", "customer")
            .filter(pk__in=candidate_cases)
            .order_by("pk")
        }
        notices = list(
            CreditReportNotice.objects.select_for_update()
            .filter(case_id__in=list(cases), status__in=OPEN_STATUSES)
            .order_by("case_id")
        )
        facts = report_facts(cases)
        events: list[PendingEvent] = []
        for index, notice in enumerate(notices, start=1):
            if progress is not None:
                progress(index, len(notices))  # (candidates checked, candidates): a command's progress
            case = cases[notice.case_id]
            status, reason = evaluate(notice, case, case.account, case.customer.jurisdiction, facts, cutoff)
            if status != ELIGIBLE:
                report.held_back[case.pk] = reason or "the pre-notice period has not passed"
                continue
            if BureauRecord.objects.filter(account_id=case.account_id, kind="negative", as_of=as_of).exists():
                report.held_back[case.pk] = "the account already has a negative record for this date"
                continue
            record = _make_negative(notice, case, facts, as_of=as_of, now=now)
            notice.status, notice.suppressed_reason, notice.reported_at = REPORTED, "", now
            notice.save(update_fields=["status", "suppressed_reason", "reported_at"])
            events.append(
                PendingEvent(
                    action="credit_report.reported",
                    case_id=case.pk,
                    actor=FEED,
                    payload={
                        "record": record.pk,
                        "credit_report_notice": notice.pk,
                        "status_code": record.status_code,
                        "amount_band": record.amount_band,
                        "days_past_due": record.days_past_due,
                        "as_of": as_of,
                        "eligible_at": notice.eligible_at,
                        "feed_file": str(path),
                    },
                )
            )
        pending = list(
            BureauRecord.objects.select_for_update(of=("self",))
            .select_related("account", "notice")
            .filter(exported_at__isnull=True)
            .order_by("pk")
        )
        lines = [feed_line(r, r.notice) for r in pending]
        BureauRecord.objects.filter(pk__in=[r.pk for r in pending]).update(
            exported_at=now, feed_file=str(path)[:255]
        )
        for record in pending:
            if record.kind == BureauRecord.Kind.NEGATIVE:
                report.negatives += 1
            else:
                report.corrections += 1
                events.append(
                    PendingEvent(
                        action="credit_report.correction_exported",
                        case_id=record.case_id,
                        actor=FEED,
                        payload={"record": record.pk, "corrects": record.corrects_id, "feed_file": str(path)},
                    )
                )
        audit_append_many(events, at=now)
    # The disk is synced after the commit, so no case lock waits on it. If the write fails, the records
    # are handed back (un-stamped, audited) and the next run emits them again: never lost, and a line
    # the bureau already has is de-duplicated by its key (account, kind, as_of).
    try:
        write_lines(path, lines)
    except BaseException:
        _unexport(pending, path, now)
        raise
    return report


def _unexport(records: list[BureauRecord], path: Path, now: datetime) -> None:
    with transaction.atomic():
        BureauRecord.objects.filter(pk__in=[r.pk for r in records], feed_file=str(path)[:255]).update(
            exported_at=None, feed_file=""
        )
        audit_append_many(
            [
                PendingEvent(
                    action="credit_report.export_failed",
                    case_id=r.case_id,
                    actor=FEED,
                    payload={"record": r.pk, "feed_file": str(path)},
                )
                for r in records
            ],
            at=now,
        )
