"""What the case page shows around the actions: the record sections, and gate decisions in plain words.

Reads and formatting only (no writes). Times are shown on the customer's wall clock with UTC beside
them (``2026-03-11 08:00 Asia/Shanghai (00:00 UTC)``), contact points masked. A compliance block is
reported as each blocking rule with the gate's reason, and when the contact becomes possible;
``ComplianceBlocked`` carries only the rule ids and the time, so the reasons are read back from the
decision the service stored and audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from debt_collections import selectors
from debt_collections.admin.display import money
from debt_collections.models import AuditEvent, CaseState, CollectionCase
from notifications.masking import mask_links
from notifications.selectors import notices_for_case

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# How many attempts and notices the case page lists (newest first); the record admins have them all.
ROW_LIMIT = 100
# The audit actions under which the services store a blocked decision with its reasons.
BLOCK_EVENTS = ("contact.blocked", "notice.blocked")
# States in which a plan can be offered (as services.plans checks); elsewhere the form is not shown.
NEGOTIABLE = (CaseState.EARLY, CaseState.ACTIVE, CaseState.NEGOTIATING)

# Plain words for each gate rule, used when the stored decision has no reason for it.
RULE_TEXT: dict[str, StrPromise] = {
    "HOURS": gettext_lazy("outside contact hours (customer time)"),
    "FREQ_7D": gettext_lazy("the limit of contacts with this person in 7 days is reached"),
    "DAILY": gettext_lazy("today's call limit is reached"),
    "CONVERSATION_WAIT": gettext_lazy("too soon after the last conversation"),
    "HOLD": gettext_lazy("the case is on hold"),
    "CEASE": gettext_lazy("the customer asked us to stop communicating"),
    "OPT_OUT": gettext_lazy("the customer opted out of this channel"),
    "WRONG_PARTY": gettext_lazy("this number or address was reported as a wrong party"),
    "REASSIGNED": gettext_lazy("the number may have a new owner; verify it first"),
    "DISCLOSURE": gettext_lazy("an unverified contact point gets only limited-content notices"),
    "THIRD_PARTY": gettext_lazy("not one of the customer's own contact points"),
    "AGENCY_LICENCE": gettext_lazy("your agency's licence or contract is not valid today"),
    "TEMPLATE": gettext_lazy("this template version is not approved"),
    "VULNERABLE": gettext_lazy("the lower limits for a vulnerable customer are reached"),
}


# --- plain words for times and gate decisions ----------------------------------------------------


def local_and_utc(instant: datetime, zone: ZoneInfo) -> str:
    """``2026-03-11 08:00 Asia/Shanghai (00:00 UTC)``; the UTC date is written only when it differs."""
    local, utc = instant.astimezone(zone), instant.astimezone(UTC)
    utc_text = f"{utc:%H:%M} UTC" if utc.date() == local.date() else f"{utc:%Y-%m-%d %H:%M} UTC"
    return f"{local:%Y-%m-%d %H:%M} {zone.key} ({utc_text})"


def blocked_text(
    *, rule_ids: Iterable[str], next_allowed_at: datetime | None, reasons: Mapping[str, str], zone: ZoneInfo
) -> str:
    """``Blocked: HOURS — <reason>. Possible from <local> (<UTC>).``, naming every blocking rule."""
    parts = []
    for rule in rule_ids:
        reason = (reasons.get(rule) or str(RULE_TEXT.get(rule, ""))).strip().rstrip(".")
        parts.append(f"{rule} — {reason}." if reason else f"{rule}.")
    text = _("Blocked: %(rules)s") % {"rules": " ".join(parts)}
    if next_allowed_at is not None:
        return text + " " + _("Possible from %(when)s.") % {"when": local_and_utc(next_allowed_at, zone)}
    return (
        text
        + " "
        + _(
            "Waiting will not lift this block: its cause must be dealt with first (for example verify the "
            "number, release the hold or approve the template)."
        )
    )


def audited_reasons(case: CollectionCase, now: datetime) -> Mapping[str, str]:
    """The gate's reason per rule for the block a service stored at ``now`` on this case."""
    event = (
        AuditEvent.objects.filter(case_id=case.pk, at=now, action__in=BLOCK_EVENTS).order_by("-seq").first()
    )
    reasons = event.payload.get("reasons") if event is not None and isinstance(event.payload, dict) else None
    return reasons if isinstance(reasons, dict) else {}


def decision_text(decision: Mapping[str, Any], zone: ZoneInfo) -> str:
    """``blocked_text`` for a decision stored on a notice (``Decision.to_dict()``)."""
    raw_next = decision.get("next_allowed_at")
    return blocked_text(
        rule_ids=decision.get("blocked_by") or [],
        next_allowed_at=datetime.fromisoformat(raw_next) if raw_next else None,
        reasons=decision.get("reasons") or {},
        zone=zone,
    )


# --- the record sections -------------------------------------------------------------------------


def attempt_rows(case: CollectionCase, zone: ZoneInfo) -> list[dict[str, Any]]:
    attempts = case.contact_attempts.select_related("contact_point", "agent").order_by("-placed_at", "-pk")
    return [
        {
            "attempt": a,
            "at": local_and_utc(a.placed_at, zone),
            "point": a.contact_point.masked_value,
            "blocked_by": ", ".join(a.blocked_by or []),
            "next_allowed": local_and_utc(a.next_allowed_at, zone) if a.next_allowed_at else "",
        }
        for a in attempts[:ROW_LIMIT]
    ]


def notice_rows(case: CollectionCase, zone: ZoneInfo) -> list[dict[str, Any]]:
    notices = notices_for_case(case.pk).order_by("-queued_at", "-pk")
    rows = []
    for n in notices[:ROW_LIMIT]:
        decision = n.decision if isinstance(n.decision, dict) else {}
        raw_next = decision.get("next_allowed_at")
        rows.append(
            {
                "notice": n,
                "at": local_and_utc(n.queued_at, zone),
                "point": n.contact_point.masked_value,
                # Staff read the words, never a live link (they re-send one to the customer instead).
                "body": mask_links(n.body),
                "blocked_by": ", ".join(decision.get("blocked_by") or []),
                "next_allowed": local_and_utc(datetime.fromisoformat(raw_next), zone) if raw_next else "",
                "not_before": local_and_utc(n.not_before, zone) if n.not_before else "",
            }
        )
    return rows


def plan_options(case: CollectionCase, now: datetime) -> list[tuple[str, str]]:
    """The plan options the policy offers now, labelled with their cost (hardship is a waiver, not here)."""
    if case.state not in NEGOTIABLE:  # plan_offer refuses the others (on hold, on a plan, finished)
        return []
    found = selectors.negotiation_options(case=case, now=now)
    choices = []
    for option in found.options:
        if option.plan_kind is None:
            continue
        label = f"{option.code}: {money(option.total, found.currency)}"
        if option.monthly_amount is not None and option.payment_count > 1:
            label += f" ({option.payment_count} × {money(option.monthly_amount, found.currency)})"
        choices.append((option.code, label))
    return choices
