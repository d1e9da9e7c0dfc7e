"""Writes of the compliance workspace: audit-chain verification runs, and the audit record of exports.

An export is a read, but who took which data out is itself a compliance fact: each export appends one
``compliance.export`` audit event, in a transaction of its own (nothing else changes with it).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from compliance import selectors
from compliance.models import AuditVerification
from compliance.selectors import ExportSpan
from debt_collections.errors import InvalidInput, NotPermitted
from debt_collections.kernel.audit import Actor, audit_append, verify_chain
from debt_collections.kernel.audit_keys import audit_keys
from debt_collections.kernel.checkpoints import checkpoint_store, checkpoints_load
from debt_collections.kernel.dispatch import task_enqueue
from debt_collections.kernel.sealing import checkpoint_seal

logger = logging.getLogger(__name__)

VERIFY_CHUNK = 1000


def _require_officer(actor: Actor) -> None:
    from compliance.access import is_compliance_officer

    if actor.user is not None and not is_compliance_officer(actor.user):
        raise NotPermitted("Only compliance officers run verifications and exports.")


# --- verification ------------------------------------------------------------------------------------


def verification_start(*, actor: Actor, now: datetime | None = None) -> AuditVerification:
    """Record a "verify now" request and run it in a Celery task after commit (in-process when eager).

    Raises ``InvalidInput`` (``verification_running``) while another run is in progress: two runs would
    read the same chain twice for nothing. A run whose worker died stops counting after
    ``selectors.STALLED_AFTER``.
    """
    now = now or timezone.now()
    _require_officer(actor)
    with transaction.atomic():
        running = selectors.running_verification(now)
        if running is not None:
            raise InvalidInput(
                f"A verification started at {running.started_at:%Y-%m-%d %H:%M:%S} UTC is still running.",
                code="verification_running",
            )
        run = AuditVerification.objects.create(
            started_at=now, started_by=actor.user, total=selectors.chain_head_seq()
        )
        run_id = run.pk
        transaction.on_commit(lambda: _enqueue_verification(run_id))
    return run


def _enqueue_verification(run_id: int) -> None:
    if not task_enqueue("compliance.verify_audit_chain", run_id):
        # Broker down: say so on the run instead of leaving it "running" for an hour.
        AuditVerification.objects.filter(pk=run_id, finished_at__isnull=True).update(
            finished_at=timezone.now(), problem="The task could not be queued (broker unavailable)."
        )


def verification_execute(*, verification_id: int, chunk: int = VERIFY_CHUNK) -> AuditVerification:
    """Recompute the chain for run ``verification_id``; save progress every ``chunk`` events and the result.

    Each progress write commits on its own (no transaction around the run), so the status page sees it
    while the run goes on. The result is also appended to the audit chain (``compliance.verify``), as
    the person who asked. Safe to repeat: a finished run is returned unchanged.
    """
    run = AuditVerification.objects.select_related("started_by").get(pk=verification_id)
    if run.finished_at is not None:
        return run

    def progress(count: int) -> None:
        AuditVerification.objects.filter(pk=run.pk).update(progress=count)

    try:
        report = verify_chain(chunk=chunk, progress=progress)
        ok, count, broken, problem = report.ok, report.count, report.broken_seq, report.problem
    except Exception as exc:  # a database error mid-run: record it rather than leave the run hanging
        logger.exception("audit verification %s failed", run.pk)
        ok, count, broken, problem = False, run.progress, None, f"verification could not finish: {exc}"
    finished = timezone.now()
    with transaction.atomic():
        AuditVerification.objects.filter(pk=run.pk).update(
            finished_at=finished, ok=ok, count=count, progress=count, broken_seq=broken, problem=problem
        )
        actor = Actor.for_user(run.started_by) if run.started_by else Actor.system("verify_audit_chain")
        audit_append(
            actor=actor,
            action="compliance.verify",
            at=finished,
            payload={
                "run": run.pk,
                "ok": ok,
                "count": count,
                "broken_seq": broken,
                "problem": problem[:500],
                "started_at": run.started_at,
            },
        )
    run.refresh_from_db()
    return run


# --- exports -------------------------------------------------------------------------------------------


def export_record(*, actor: Actor, what: str, details: dict[str, Any], now: datetime | None = None) -> None:
    """Append the ``compliance.export`` event for an export about to be handed out."""
    now = now or timezone.now()
    _require_officer(actor)
    with transaction.atomic():
        audit_append(actor=actor, action="compliance.export", at=now, payload={"export": what, **details})


def report_export(
    *,
    actor: Actor,
    report: str,
    file_format: str,
    filters: dict[str, str],
    rows: int,
    now: datetime | None = None,
) -> None:
    """Audit a report download (CSV or XLSX): which report, which filters, how many rows."""
    export_record(
        actor=actor,
        what=f"report:{report}",
        details={"format": file_format, "filters": filters, "rows": rows},
        now=now,
    )


def audit_export_start(
    *,
    actor: Actor,
    date_from: date,
    date_to: date,
    case_id: int | None = None,
    via: str = "workspace",
    now: datetime | None = None,
) -> ExportSpan:
    """Fix the span of an evidence export (bounded by the chain head now) and audit it before any line is
    written; the event names the span's first and last seq and hashes, so a file can be matched to it.

    Raises ``InvalidInput`` when ``date_from`` is after ``date_to``. The event is appended after the
    span is read, so it is never inside its own export.
    """
    if date_from > date_to:
        raise InvalidInput("The start date is after the end date.", code="invalid_range")
    _require_officer(actor)
    # Seal the head first, so the file ends at a signed checkpoint. If the chain does not verify (or the
    # store is down) the seal fails and is recorded; the export still runs, over every stored row, and
    # says it is unsealed: the damage is for the reader to see, not a reason to refuse the evidence.
    seal = checkpoint_seal(reason="export", now=now)
    keys = audit_keys()
    stored = checkpoints_load(checkpoint_store(), keys.public)
    sealed = (seal is None or seal.ok) and stored.last is not None
    span = selectors.audit_export_span(
        date_from=date_from,
        date_to=date_to,
        case_id=case_id,
        checkpoints=stored.valid,
        upto=stored.last if sealed else None,
        key_fingerprint=keys.fingerprint,
    )
    export_record(
        actor=actor,
        what="audit_jsonl",
        details={**span.as_payload(), "via": via},
        now=now,
    )
    return span
