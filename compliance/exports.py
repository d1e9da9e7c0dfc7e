"""File formats: reports as CSV and XLSX, the audit trail as verifiable JSON Lines.

**CSV** is UTF-8 with a byte-order mark (so spreadsheet programs open Chinese names correctly), and every
cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'``:
a spreadsheet would otherwise run it as a formula (CSV injection). **XLSX** (openpyxl) gets the same
neutralised text; numbers stay numbers there, since a numeric cell can never be a formula.

**Audit export (JSON Lines)**, format ``collections-audit-export/3``, one JSON object per line:

1. ``{"type": "anchor", "chains": [0, 3, ...], "public_key": FINGERPRINT, ...}``: what was asked for (range,
   case, who, when), the chains in the file and the fingerprint of the key that signs the checkpoints.
2. For each chain: ``{"type": "chain", "chain": C, "seq": S, "hash": H}``, the link just before the chain's
   span (``0`` and 64 zeros at the start of the chain), then ``{"type": "event", "chain", "seq", "at",
   "actor", "action", "case", "payload", "prev_hash", "hash"}`` for every event of a *contiguous* seq span
   of that chain, in seq order. ``seq, at, actor, action, case, payload`` (and ``chain`` unless it is 0)
   are exactly the hashed fields (``debt_collections.kernel.audit.event_fields``), so
   ``hash == sha256(prev_hash + canonical_json(fields))`` can be recomputed from the line alone. The span
   runs past the asked-for range to the first signed checkpoint (those events carry ``"after_range": true``).
3. ``{"type": "checkpoint", "checkpoint": {...}, "signature": ...}`` for every signed checkpoint the spans
   reach (``debt_collections.kernel.checkpoints``): each names, for every chain, a seq and its hash.
4. ``{"type": "end", "count": N, "chains": {"C": {"count", "first_seq", "last_seq", "last_hash",
   "range_last_seq"}}, "sealed_through", "unsealed"}``: ``unsealed`` events are newer than what the last
   checkpoint in the file names (publishing failed).

``tools/verify_audit_export.py --public-key KEY.pem FILE`` (needs only ``cryptography``) checks a file:
every hash, every link from each chain's anchor on, contiguous seqs, the end record, every checkpoint's
signature with the public key, and that each checkpoint's hash for a chain is the exported event's at its
seq. The last checkpoint signs hashes that depend on every event before them, so an event changed, removed,
added, reordered or moved to another chain anywhere from an anchor to it, or a chain recomputed after an
edit, fails the check.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from compliance.reports import Cell, Report
from compliance.selectors import ChainSpan, ExportSpan
from debt_collections.kernel.audit import canonical_time
from debt_collections.kernel.checkpoints import Checkpoint
from debt_collections.models import AuditEvent

FORMAT = "collections-audit-export/3"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSONL_CONTENT_TYPE = "application/x-ndjson; charset=utf-8"
EXPORT_CHUNK = 1000


def neutralise(text: str) -> str:
    """``'`` in front of text a spreadsheet would read as a formula; any other text unchanged."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def cell_text(value: Cell) -> str:
    if value is None:
        return ""
    return neutralise(str(value))


def csv_bytes(columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """A CSV file: BOM, header row, then the rows; every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([cell_text(c) for c in columns])
    for row in rows:
        writer.writerow([cell_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_value(value: Cell) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | Decimal):
        return value
    return neutralise(str(value))


def xlsx_bytes(title: str, columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """An XLSX workbook with one sheet: the header row, then the rows (text neutralised as in CSV)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.append([neutralise(c) for c in columns])
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return (cleaned or "Report")[:31]


def report_filename(report: Report, date_from: date, date_to: date, extension: str) -> str:
    return f"{report.slug}_{date_from.isoformat()}_{date_to.isoformat()}.{extension}"


# --- audit export -----------------------------------------------------------------------------------


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def anchor_record(span: ExportSpan, *, exported_at: datetime, exported_by: str) -> dict[str, Any]:
    return {
        "type": "anchor",
        "format": FORMAT,
        "chains": [c.chain for c in span.chains],
        "from": span.date_from.isoformat(),
        "to": span.date_to.isoformat(),
        "case": span.case_id,
        "selection": span.selection,
        "exported_at": canonical_time(exported_at),
        "exported_by": exported_by,
        "hashing": "sha256(prev_hash + json.dumps({seq, at, actor, action, case, payload, and chain unless "
        "it is 0}, sort_keys=True, separators=(',', ':'), ensure_ascii=False))",
        "public_key": span.key_fingerprint,
        "signatures": "Ed25519 over json.dumps(checkpoint, sort_keys=True, separators=(',', ':'), "
        "ensure_ascii=False); public_key is sha256 of the raw 32-byte key",
    }


def event_record(row: tuple[Any, ...], *, span: ExportSpan, chain: ChainSpan) -> dict[str, Any]:
    seq, at, actor, action, case, payload, prev_hash, digest = row
    record: dict[str, Any] = {
        "type": "event",
        "chain": chain.chain,
        "seq": seq,
        "at": canonical_time(at),
        "actor": actor,
        "action": action,
        "case": case,
        "payload": payload,
        "prev_hash": prev_hash,
        "hash": digest,
    }
    if span.case_id is not None:
        # Not a hashed field: marks the case's own events among the others the span needs.
        record["in_case"] = case == span.case_id
    if seq > chain.range_last_seq:
        # Not a hashed field: after the asked-for range, up to the checkpoint that seals it.
        record["after_range"] = True
    return record


def checkpoint_record(checkpoint: Checkpoint) -> dict[str, Any]:
    return {"type": "checkpoint", **checkpoint.document()}


def audit_jsonl_lines(span: ExportSpan, *, exported_at: datetime, exported_by: str) -> Iterator[str]:
    """The export, line by line (each chain read in seq order in chunks, so memory stays flat for any
    range).

    Rows are read as plain values: a damaged row (a payload that is not JSON) is written as it is, for the
    checker to report, instead of stopping the export.
    """
    yield _line(anchor_record(span, exported_at=exported_at, exported_by=exported_by))
    columns = ("seq", "at", "actor", "action", "case_id", "payload", "prev_hash", "hash")
    ends: dict[str, dict[str, Any]] = {}
    total = 0
    for chain in span.chains:
        yield _line(
            {"type": "chain", "chain": chain.chain, "seq": chain.anchor_seq, "hash": chain.anchor_hash}
        )
        count, last_hash, last_seq = 0, chain.anchor_hash, chain.anchor_seq
        after = chain.anchor_seq
        while chain.count:
            rows = list(
                AuditEvent.objects.filter(chain=chain.chain, seq__gt=after, seq__lte=chain.last_seq)
                .order_by("seq")
                .values_list(*columns)[:EXPORT_CHUNK]
            )
            if not rows:
                break
            for row in rows:
                yield _line(event_record(row, span=span, chain=chain))
                count, last_hash, last_seq = count + 1, row[7], row[0]
            after = rows[-1][0]
        total += count
        ends[str(chain.chain)] = {
            "count": count,
            "first_seq": chain.anchor_seq + 1,
            "last_seq": last_seq,
            "last_hash": last_hash,
            "range_last_seq": chain.range_last_seq,
        }
    for checkpoint in span.checkpoints:
        yield _line(checkpoint_record(checkpoint))
    yield _line(
        {
            "type": "end",
            "count": total,
            "chains": ends,
            "sealed_through": span.sealed_through,
            "unsealed": span.unsealed,
        }
    )


def audit_filename(span: ExportSpan) -> str:
    case = f"_case-{span.case_id}" if span.case_id is not None else ""
    return f"audit-export_{span.date_from.isoformat()}_{span.date_to.isoformat()}{case}.jsonl"
