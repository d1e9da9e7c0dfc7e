"""The span of the audit chains an evidence export writes (``compliance.exports``): one contiguous seq span
per chain, anchored at the link before it and running on to the signed checkpoint that seals it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Max, Min

from debt_collections.kernel.checkpoints import Checkpoint
from debt_collections.models import GENESIS_HASH, AuditEvent

# --- audit export span ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainSpan:
    """The contiguous seq span of one audit chain that an export writes: after ``anchor_seq`` (its hash
    ``anchor_hash``: the link just before) up to ``last_seq``; events after ``range_last_seq`` are past the
    asked-for range, up to the checkpoint that seals it."""

    chain: int
    anchor_seq: int
    anchor_hash: str
    last_seq: int
    last_hash: str
    count: int
    range_last_seq: int
    sealed_seq: int  # what the sealing checkpoint names for this chain (the anchor's seq if none)

    def as_payload(self) -> dict[str, object]:
        return {
            "first_seq": self.anchor_seq + 1,
            "last_seq": self.last_seq,
            "anchor_hash": self.anchor_hash,
            "last_hash": self.last_hash,
            "count": self.count,
        }


@dataclass(frozen=True)
class ExportSpan:
    """What an export writes (see ``compliance.exports``): one contiguous seq span per audit chain.

    Without a case: on every chain, the events whose time falls in the UTC days ``date_from``..``date_to``,
    widened to the contiguous seq span from the first to the last of them (an event written with an earlier
    time inside that span is included, so each chain between its anchor and its end has no hole).

    With a case: the case's chain (and chain 0 for its events from before there were several chains), the
    span from the case's first to its last event in those days, *with every other event of that chain in
    between*: filtering out the others would break the hash chain, so the file would no longer be
    verifiable. The case's own events are marked ``in_case``; the others belong to other cases: treat the
    file as confidential evidence.

    Then each chain's span runs on to what the first signed checkpoint that covers every exported chain's
    last event names for it (events past ``range_last_seq`` are marked ``after_range``): that checkpoint's
    signature covers every hash before those heads, so a reader with the public key can trust the whole
    file, anchors included. Without such a checkpoint (publishing failed) each span ends with the range
    and the file says it is unsealed.
    """

    date_from: date
    date_to: date
    case_id: int | None
    chains: tuple[ChainSpan, ...]
    case_events: int
    checkpoints: tuple[Checkpoint, ...] = ()
    sealing: Checkpoint | None = None
    key_fingerprint: str = ""

    @property
    def selection(self) -> str:
        return "case span (all events between the case's first and last)" if self.case_id else "date range"

    @property
    def count(self) -> int:
        return sum(c.count for c in self.chains)

    @property
    def sealed_through(self) -> int:
        """The events (all chains) the last checkpoint in the file signs (0 if none)."""
        return max((c.seq for c in self.checkpoints), default=0)

    @property
    def unsealed(self) -> int:
        return sum(max(0, c.last_seq - c.sealed_seq) for c in self.chains)

    def as_payload(self) -> dict[str, object]:
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "case": self.case_id,
            "count": self.count,
            "case_events": self.case_events,
            "chains": {str(c.chain): c.as_payload() for c in self.chains},
            "sealed_through": self.sealed_through,
            "unsealed": self.unsealed,
        }


def audit_export_span(
    *,
    date_from: date,
    date_to: date,
    case_id: int | None = None,
    checkpoints: Sequence[Checkpoint] = (),
    upto: Checkpoint | None = None,
    key_fingerprint: str = "",
) -> ExportSpan:
    """The span to export: on each chain, events up to what ``upto`` names for it (default: every stored
    row, rows past the chain head included, so a stray row is exported and found), run on to the first
    of ``checkpoints`` that covers every exported chain."""
    start = datetime.combine(date_from, time.min, tzinfo=UTC)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=UTC)
    chosen = AuditEvent.objects.filter(at__gte=start, at__lt=end)
    if case_id is not None:
        chosen = chosen.filter(case_id=case_id)
    bounds = []
    for row in (
        chosen.values("chain").annotate(first=Min("seq"), last=Max("seq"), n=Count("id")).order_by("chain")
    ):
        chain = row["chain"]
        limit = upto.head(chain)[0] if upto is not None else None
        if limit is not None and row["first"] > limit:
            continue
        if limit is not None and row["last"] > limit:
            on_chain = chosen.filter(chain=chain, seq__lte=limit)
            row = {**row, **on_chain.aggregate(last=Max("seq"), n=Count("id"))}
        bounds.append(row)
    covering = (
        c
        for c in sorted(checkpoints, key=lambda c: c.seq)
        if all(c.head(b["chain"])[0] >= b["last"] for b in bounds)
    )
    sealing = next(covering, None)
    if not bounds:
        sealing = None
    reached = [
        c
        for c in sorted(checkpoints, key=lambda c: c.seq)
        if any(c.head(b["chain"])[0] >= b["first"] for b in bounds)
        and (sealing is None or c.seq <= sealing.seq)
    ]
    spans = []
    for b in bounds:
        chain, first, last = b["chain"], b["first"], b["last"]
        on_chain = AuditEvent.objects.filter(chain=chain)
        anchor = on_chain.filter(seq__lt=first).order_by("-seq").values("seq", "hash").first()
        anchor_seq, anchor_hash = (anchor["seq"], anchor["hash"]) if anchor else (0, GENESIS_HASH)
        end_seq = max(last, sealing.head(chain)[0]) if sealing is not None else last
        in_span = on_chain.filter(seq__gte=first, seq__lte=end_seq)
        tail = in_span.order_by("-seq").values_list("seq", "hash").first()
        last_seq = tail[0] if tail is not None else anchor_seq
        spans.append(
            ChainSpan(
                chain=chain,
                anchor_seq=anchor_seq,
                anchor_hash=anchor_hash,
                last_seq=last_seq,
                last_hash=tail[1] if tail is not None else anchor_hash,
                count=in_span.count(),
                range_last_seq=last,
                sealed_seq=max(
                    (c.head(chain)[0] for c in reached if anchor_seq < c.head(chain)[0] <= last_seq),
                    default=anchor_seq,
                ),
            )
        )
    return ExportSpan(
        date_from=date_from,
        date_to=date_to,
        case_id=case_id,
        chains=tuple(spans),
        case_events=sum(b["n"] for b in bounds) if case_id is not None else 0,
        # Every checkpoint the spans reach, up to the sealing one (whose heads may lie beyond the stored rows
        # of a cut chain: the cut shows there).
        checkpoints=tuple(reached),
        sealing=sealing,
        key_fingerprint=key_fingerprint,
    )
