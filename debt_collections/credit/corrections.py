"""Corrections of credit reports (DESIGN §9): the bureau removes a negative record an upheld dispute (or
a person's finding) proved wrong. Called by the daily cycle, the feed export and staff.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from debt_collections.credit.common import CYCLE, S, in_range, pack_at
from debt_collections.errors import InvalidInput, NotPermitted
from debt_collections.kernel.access import may
from debt_collections.kernel.audit import Actor, audit_append
from debt_collections.kernel.locking import check_actor, lock_case
from debt_collections.models import BureauRecord, CreditReportNotice, Dispute
from debt_collections.policies.credit_reporting import CORRECTING_KINDS, CORRECTION_CODE


def _require_corrector(actor: Actor) -> None:
    user = actor.user
    if user is not None and not may(user, "credit_report.correct"):
        raise NotPermitted("Only a compliance officer or a supervisor corrects a credit report.")


def credit_report_correct(
    *,
    case_id: int,
    actor: Actor,
    reason: str,
    now: datetime | None = None,
    dispute_id: int | None = None,
) -> BureauRecord:
    """A correction record for the negative record reported on the case: the bureau removes it.

    Made when a credit-report, not-my-debt or identity-theft dispute is upheld (the daily cycle and the
    export find those, ``dispute_id`` names it) or when a compliance officer or supervisor finds the report
    was wrong. The case's ``CreditReportNotice`` becomes ``corrected``; the next feed carries the record.

    Safe to repeat: a negative record is corrected once, and a second call returns that correction.
    Raises ``NotPermitted`` (role, scope), ``InvalidInput`` (no reason; nothing reported on the case;
    ``correction_today``: the account already had a correction today, from another case).
    """
    now = now or timezone.now()
    _require_corrector(actor)
    if not reason.strip():
        raise InvalidInput("Say why the report is corrected.", code="reason_required")
    with transaction.atomic():
        case = lock_case(case_id)
        check_actor(actor, case, None, now)
        negative = (
            BureauRecord.objects.select_for_update()
            .filter(case=case, kind=BureauRecord.Kind.NEGATIVE)
            .order_by("pk")
            .first()
        )
        if negative is None:
            raise InvalidInput(
                "Nothing has been reported to the credit bureau for this case, so there is nothing to "
                "correct.",
                code="nothing_reported",
            )
        existing = BureauRecord.objects.filter(corrects=negative).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                correction = BureauRecord.objects.create(
                    account_id=negative.account_id,
                    case=case,
                    notice_id=negative.notice_id,
                    kind=BureauRecord.Kind.CORRECTION,
                    status_code=CORRECTION_CODE,
                    amount_band=negative.amount_band,
                    currency=negative.currency,
                    days_past_due=negative.days_past_due,
                    delinquent_since=negative.delinquent_since,
                    as_of=now.astimezone(UTC).date(),
                    dispute_marker=(
                        BureauRecord.DisputeMarker.DISPUTE_UPHELD
                        if dispute_id
                        else BureauRecord.DisputeMarker.NONE
                    ),
                    dispute_id=dispute_id,
                    corrects=negative,
                    reason=reason,
                    policy_version=pack_at(case, now).version,
                    created_at=now,
                    created_by=actor.label,
                )
        except IntegrityError as exc:
            raise InvalidInput(
                "This account already has a correction dated today; make this one tomorrow.",
                code="correction_today",
            ) from exc
        CreditReportNotice.objects.filter(pk=negative.notice_id).update(
            status=S.CORRECTED, corrected_at=now, suppressed_reason=""
        )
        audit_append(
            actor=actor,
            action="credit_report.corrected",
            at=now,
            case=case,
            payload={
                "record": correction.pk,
                "corrects": negative.pk,
                "dispute": dispute_id,
                "reason": reason,
                "as_of": correction.as_of,
            },
        )
    return correction


def credit_report_corrections_due(
    *, now: datetime, lo: int | None = None, hi: int | None = None
) -> list[BureauRecord]:
    """Corrections for reported cases (accounts ``lo``..``hi``) with an upheld credit-report, not-my-debt
    or identity-theft dispute decided after the report. Returns the corrections made. Safe to repeat."""
    reported = BureauRecord.objects.filter(
        kind=BureauRecord.Kind.NEGATIVE, corrections__isnull=True, **in_range(lo, hi)
    ).values_list("case_id", flat=True)
    upheld = (
        Dispute.objects.filter(
            case_id__in=list(reported), kind__in=CORRECTING_KINDS, status=Dispute.Status.UPHELD
        )
        .order_by("case_id", "resolved_at", "pk")
        .values_list("case_id", "pk", "kind")
    )
    first: dict[int, tuple[int, str]] = {}
    for case_id, dispute_id, kind in upheld:
        first.setdefault(case_id, (dispute_id, kind))
    made = []
    for case_id, (dispute_id, kind) in first.items():
        made.append(
            credit_report_correct(
                case_id=case_id,
                actor=CYCLE,
                reason=f"dispute {dispute_id} ({kind}) upheld",
                now=now,
                dispute_id=dispute_id,
            )
        )
    return made
