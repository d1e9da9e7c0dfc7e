"""File formats: reports as CSV and XLSX, the audit trail as verifiable JSON Lines.

**CSV** is UTF-8 with a byte-order mark (so spreadsheet programs open Chinese names correctly), and every
cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'``:
a spreadsheet would otherwise run it as a formula (CSV injection). **XLSX** (openpyxl) gets the same
neutralised text; numbers stay numbers there, since a numeric cell can never be a formula.

**Audit export (JSON Lines)**, format ``collections-audit-export/2``, one JSON object per line:

1. ``{"type": "anchor", "seq": S, "hash": H, "public_key": FINGERPRINT, ...}``: the chain link just before
   the export: the seq and stored hash of the last event before the first exported one (``0`` and 64
   zeros at the start of the chain), plus what was asked for (range, case, who, when) and the fingerprint
   of the key that signs the chain's checkpoints.
2. ``{"type": "event", "seq", "at", "actor", "action", "case", "payload", "prev_hash", "hash"}`` for
   every event of a *contiguous* seq span, in seq order. The first six are exactly the hashed fields
   (``debt_collections.kernel.audit.event_fields``), so ``hash == sha256(prev_hash + canonical_json(fields))``
   can be recomputed from the line alone. The span runs past the asked-for range to the first signed
   checkpoint (those events carry ``"after_range": true``).
3. ``{"type": "checkpoint", "checkpoint": {...}, "signature": ...}`` for every signed checkpoint the span
   reaches (``debt_collections.kernel.checkpoints``): each names a seq and the hash the chain had there.
4. ``{"type": "end", "count": N, "first_seq", "last_seq", "last_hash", "range_last_seq", "sealed_through",
   "unsealed"}``: ``unsealed`` events are newer than the last checkpoint in the file (publishing failed).

``tools/verify_audit_export.py --public-key KEY.pem FILE`` (needs only ``cryptography``) checks a file:
every hash, every link from the anchor on, contiguous seqs, the end record, every checkpoint's signature
with the public key, and that each checkpoint's hash is the exported event's at its seq. The last
checkpoint signs a hash that depends on every event before it, so an event changed, removed, added or
reordered anywhere from the anchor to it, or a chain recomputed after an edit, fails the check.
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
from compliance.selectors import ExportSpan
from debt_collections.kernel.audit import canonical_time
from debt_collections.kernel.checkpoints import Checkpoint
from debt_collections.models import AuditEvent

FORMAT = "collections-audit-export/2"
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
        "seq": span.anchor_seq,
        "hash": span.anchor_hash,
        "from": span.date_from.isoformat(),
        "to": span.date_to.isoformat(),
        "case": span.case_id,
        "selection": span.selection,
        "exported_at": canonical_time(exported_at),
        "exported_by": exported_by,
        "hashing": "sha256(prev_hash + json.dumps({seq, at, actor, action, case, payload}, "
        "sort_keys=True, separators=(',', ':'), ensure_ascii=False))",
        "public_key": span.key_fingerprint,
        "signatures": "Ed25519 over json.dumps(checkpoint, sort_keys=True, separators=(',', ':'), "
        "ensure_ascii=False); public_key is sha256 of the raw 32-byte key",
    }


def event_record(row: tuple[Any, ...], *, span: ExportSpan) -> dict[str, Any]:
    seq, at, actor, action, case, payload, prev_hash, digest = row
    record: dict[str, Any] = {
        "type": "event",
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
    if seq > span.range_last_seq:
        # Not a hashed field: after the asked-for range, up to the checkpoint that seals it.
        record["after_range"] = True
    return record


def checkpoint_record(checkpoint: Checkpoint) -> dict[str, Any]:
    return {"type": "checkpoint", **checkpoint.document()}


def audit_jsonl_lines(span: ExportSpan, *, exported_at: datetime, exported_by: str) -> Iterator[str]:
    """The export, line by line (read in seq order in chunks, so memory stays flat for any range).

    Rows are read as plain values: a damaged row (a payload that is not JSON) is written as it is, for the
    checker to report, instead of stopping the export.
    """
    yield _line(anchor_record(span, exported_at=exported_at, exported_by=exported_by))
    count, last_hash, last_seq = 0, span.anchor_hash, span.anchor_seq
    after = span.anchor_seq
    columns = ("seq", "at", "actor", "action", "case_id", "payload", "prev_hash", "hash")
    while span.count:
        chunk = list(
            AuditEvent.objects.filter(seq__gt=after, seq__lte=span.last_seq)
            .order_by("seq")
            .values_list(*columns)[:EXPORT_CHUNK]
        )
        if not chunk:
            break
        for row in chunk:
            yield _line(event_record(row, span=span))
            count, last_hash, last_seq = count + 1, row[7], row[0]
        after = chunk[-1][0]
    for checkpoint in span.checkpoints:
        yield _line(checkpoint_record(checkpoint))
    sealed = span.sealed_through
    yield _line(
        {
            "type": "end",
            "count": count,
            "first_seq": span.anchor_seq + 1,
            "last_seq": last_seq,
            "last_hash": last_hash,
            "range_last_seq": span.range_last_seq,
            "sealed_through": sealed,
            "unsealed": max(0, last_seq - sealed),
        }
    )


def audit_filename(span: ExportSpan) -> str:
    case = f"_case-{span.case_id}" if span.case_id is not None else ""
    return f"audit-export_{span.date_from.isoformat()}_{span.date_to.isoformat()}{case}.jsonl"
