"""A case's complete timeline for compliance review (read-only).

Every audit event of the case, and every record hanging off it: contact attempts and notices with the
gate's decision (allowed or blocked, the rule ids, the policy version), the exact text of each notice
with its template key and version, repayment plans with their installments, waivers, payments,
disputes, tasks and negotiation links. Merged in time order; at the same instant the record comes
before the audit event that recorded it. Contact values are masked, as everywhere else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from debt_collections.models import AuditEvent, CollectionCase, Dispute
from notifications.masking import mask_links
from notifications.models import Notice

Fact = tuple[str, str]


@dataclass(frozen=True)
class Gate:
    allowed: bool
    blocked_by: tuple[str, ...]
    policy_version: str
    next_allowed_at: str = ""
    reasons: tuple[Fact, ...] = ()


@dataclass
class Entry:
    at: datetime
    kind: str  # audit | attempt | notice | plan | waiver | payment | dispute | task | link
    title: str
    actor: str
    facts: list[Fact] = field(default_factory=list)
    gate: Gate | None = None
    subject: str = ""
    text: str = ""  # a notice's exact rendered body
    payload_json: str = ""  # an audit event's full payload
    table: list[tuple[str, ...]] = field(default_factory=list)  # installments of a plan
    table_head: tuple[str, ...] = ()
    seq: int | None = None
    order: int = 0

    @property
    def sort_key(self) -> tuple[datetime, int, int]:
        return (self.at, 1 if self.kind == "audit" else 0, self.seq if self.seq is not None else self.order)


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else "—"


def _money(amount: Any, currency: str) -> str:
    return f"{amount:,} {currency}" if amount is not None else "—"


def _gate(decision: dict[str, Any], *, allowed: bool | None = None) -> Gate:
    reasons = decision.get("reasons") or {}
    return Gate(
        allowed=bool(decision.get("allowed")) if allowed is None else allowed,
        blocked_by=tuple(str(r) for r in decision.get("blocked_by") or ()),
        policy_version=str(decision.get("policy_version") or "—"),
        next_allowed_at=str(decision.get("next_allowed_at") or ""),
        reasons=tuple((str(k), str(v)) for k, v in reasons.items()),
    )


def _audit_actors(events: list[AuditEvent]) -> dict[tuple[str, Any], str]:
    """(action, record id from the payload) → actor label, to name who opened a dispute and the like."""
    actors: dict[tuple[str, Any], str] = {}
    for event in events:
        payload = event.payload if isinstance(event.payload, dict) else {}
        for key in ("dispute", "waiver", "plan", "payment", "attempt", "notice"):
            if isinstance(payload.get(key), int | str):
                actors.setdefault((event.action, payload[key]), event.actor)
    return actors


def summarize(payload: Any, limit: int = 240) -> str:
    """One line: ``from → to`` first, then the other non-empty fields (the full payload is one click away)."""
    if not isinstance(payload, dict):
        return str(payload)[:limit]
    parts = [f"{payload['from']} → {payload['to']}"] if "from" in payload and "to" in payload else []
    parts += [
        f"{k}: {v}"
        for k, v in payload.items()
        if k not in ("from", "to", "reasons") and v not in (None, "", [], {})
    ]
    text = "; ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _audit_entries(events: list[AuditEvent]) -> list[Entry]:
    return [
        Entry(
            at=e.at,
            kind="audit",
            title=e.action,
            actor=e.actor,
            facts=[("summary", summarize(e.payload) or "—"), ("seq · hash", f"{e.seq} · {e.hash[:16]}…")],
            payload_json=json.dumps(e.payload, ensure_ascii=False, sort_keys=True, indent=2),
            seq=e.seq,
        )
        for e in events
    ]


def _attempt_entries(case: CollectionCase) -> list[Entry]:
    entries = []
    for a in case.contact_attempts.select_related("agent", "agency", "contact_point").order_by(
        "placed_at", "pk"
    ):
        verdict = "allowed" if a.allowed else "blocked"
        actor = a.agent.username if a.agent else "system"
        if a.agency:
            actor += f" ({a.agency.name})"
        entries.append(
            Entry(
                at=a.placed_at,
                kind="attempt",
                title=f"{a.get_direction_display()} {a.get_channel_display().lower()} {verdict}",
                actor=actor,
                facts=[
                    ("attempt", f"#{a.pk}"),
                    ("contact point", a.contact_point.masked_value),
                    ("connected", "yes" if a.connected else "no"),
                    ("conversation", "yes" if a.conversation else "no"),
                    ("outcome", a.get_outcome_display() if a.outcome else "—"),
                    ("note", a.note or "—"),
                ],
                gate=Gate(
                    allowed=a.allowed,
                    blocked_by=tuple(str(r) for r in a.blocked_by or ()),
                    policy_version=a.policy_version,
                    next_allowed_at=_when(a.next_allowed_at) if a.next_allowed_at else "",
                ),
                order=a.pk,
            )
        )
    return entries


def _notice_entries(case: CollectionCase) -> list[Entry]:
    notices = Notice.objects.filter(case_id=case.pk).select_related("template", "contact_point")
    entries = []
    for n in notices.order_by("queued_at", "pk"):
        entries.append(
            Entry(
                at=n.queued_at,
                kind="notice",
                title=f"Notice {n.template.key} v{n.template.version} ({n.get_channel_display()}): "
                f"{n.get_status_display()}",
                actor=n.queued_by,
                facts=[
                    ("notice", f"#{n.pk}"),
                    ("template", f"{n.template.key} v{n.template.version} ({n.template.locale})"),
                    ("to", n.contact_point.masked_value),
                    ("status", n.get_status_display()),
                    ("sent at", _when(n.sent_at)),
                    ("provider reference", n.provider_reference or "—"),
                    ("body sha256", n.body_hash),
                    ("purpose", n.purpose or "—"),
                ],
                gate=_gate(n.decision) if n.decision else None,
                subject=n.subject,
                text=mask_links(n.body),
                order=n.pk,
            )
        )
    return entries


def _plan_entries(case: CollectionCase) -> list[Entry]:
    entries = []
    for p in case.plans.prefetch_related("installments").order_by("offered_at", "pk"):
        entries.append(
            Entry(
                at=p.offered_at,
                kind="plan",
                title=f"{p.get_kind_display()} {_money(p.total, p.currency)}: {p.get_state_display()}",
                actor=p.offered_by,
                facts=[
                    ("plan", f"#{p.pk}"),
                    ("months", str(p.months)),
                    ("deferral days", str(p.deferral_days or "—")),
                    ("accepted", f"{_when(p.accepted_at)} by {p.accepted_by or '—'}"),
                    ("cooling-off until", _when(p.cooling_off_until)),
                    ("ended", f"{_when(p.ended_at)} {p.end_reason}".strip()),
                    ("policy version", p.policy_version),
                ],
                table_head=("#", "due", "amount", "paid", "paid at"),
                table=[
                    (
                        str(i.number),
                        i.due_date.isoformat(),
                        str(i.amount),
                        str(i.paid_amount),
                        _when(i.paid_at),
                    )
                    for i in p.installments.all()
                ],
                order=p.pk,
            )
        )
    return entries


def _waiver_entries(case: CollectionCase, currency: str) -> list[Entry]:
    entries = []
    for w in case.waivers.select_related("decided_by").order_by("requested_at", "pk"):
        entries.append(
            Entry(
                at=w.requested_at,
                kind="waiver",
                title=f"Waiver of {_money(w.amount, currency)} {w.get_component_display().lower()}: "
                f"{w.get_state_display()}",
                actor=w.requested_by,
                facts=[
                    ("waiver", f"#{w.pk}"),
                    ("reason", w.reason),
                    ("hardship request", "yes" if w.hardship else "no"),
                    ("decided", f"{_when(w.decided_at)} by {w.decided_by.username if w.decided_by else '—'}"),
                    ("decision note", w.decision_note or "—"),
                    ("applied", _when(w.applied_at)),
                ],
                order=w.pk,
            )
        )
    return entries


def _payment_entries(case: CollectionCase) -> list[Entry]:
    entries = []
    for p in case.payments.select_related("recorded_by").order_by("received_at", "pk"):
        entries.append(
            Entry(
                at=p.received_at,
                kind="payment",
                title=f"Payment {_money(p.amount, p.currency)}",
                actor=p.recorded_by.username if p.recorded_by else "system (payments feed)",
                facts=[
                    ("payment", f"#{p.pk}"),
                    ("external reference", p.external_reference),
                    ("allocation", json.dumps(p.allocation, ensure_ascii=False, sort_keys=True)),
                ],
                order=p.pk,
            )
        )
    return entries


def _sla(d: Dispute, now: datetime) -> str:
    if d.resolved_at is not None:
        return "met" if d.resolved_at <= d.sla_due_at else "breached"
    return "open, past SLA" if now > d.sla_due_at else "open, within SLA"


def _dispute_entries(case: CollectionCase, actors: dict[tuple[str, Any], str], now: datetime) -> list[Entry]:
    entries = []
    for d in case.disputes.order_by("opened_at", "pk"):
        entries.append(
            Entry(
                at=d.opened_at,
                kind="dispute",
                title=f"{d.get_kind_display()}: {d.get_status_display()}",
                actor=actors.get(("dispute.opened", d.pk), f"via {d.channel}"),
                facts=[
                    ("dispute", f"#{d.pk}"),
                    ("channel", d.channel),
                    ("description", d.description or "—"),
                    ("disputed", f"{d.disputed_amount or '—'} {d.disputed_component}".strip()),
                    ("SLA due", _when(d.sla_due_at)),
                    ("SLA", _sla(d, now)),
                    ("resolved", _when(d.resolved_at)),
                    ("outcome", d.outcome or "—"),
                ],
                order=d.pk,
            )
        )
    return entries


def _task_and_link_entries(case: CollectionCase) -> list[Entry]:
    entries = [
        Entry(
            at=t.created_at,
            kind="task",
            title=f"Task: {t.get_kind_display()}",
            actor=t.created_by,
            facts=[
                ("due", _when(t.due_at)),
                ("note", t.note or "—"),
                ("done", f"{_when(t.done_at)} by {t.done_by.username if t.done_by else '—'}"),
            ],
            order=t.pk,
        )
        for t in case.tasks.select_related("done_by").order_by("created_at", "pk")
    ]
    for link in case.links.order_by("created_at"):
        entries.append(
            Entry(
                at=link.created_at,
                kind="link",
                title="Negotiation link created",
                actor=link.created_by,
                facts=[
                    ("link", str(link.id)[:8] + "…"),
                    ("expires", _when(link.expires_at)),
                    ("revoked", f"{_when(link.revoked_at)} {link.revoke_reason}".strip()),
                    ("failed identity checks", str(link.failed_checks)),
                    ("locked", _when(link.locked_at)),
                ],
            )
        )
    return entries


KINDS = ("audit", "attempt", "notice", "plan", "waiver", "payment", "dispute", "task", "link")


def case_timeline(case: CollectionCase, now: datetime) -> list[Entry]:
    """Every entry of the case (see the module docstring), oldest first."""
    events = list(AuditEvent.objects.filter(case_id=case.pk).order_by("chain", "seq"))
    actors = _audit_actors(events)
    entries = [
        *_audit_entries(events),
        *_attempt_entries(case),
        *_notice_entries(case),
        *_plan_entries(case),
        *_waiver_entries(case, case.account.currency),
        *_payment_entries(case),
        *_dispute_entries(case, actors, now),
        *_task_and_link_entries(case),
    ]
    entries.sort(key=lambda e: e.sort_key)
    return entries
