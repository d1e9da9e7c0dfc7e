#!/usr/bin/env python3
"""Check an audit evidence export (JSON Lines from ``manage.py export_audit`` or the compliance workspace).

    python3 tools/verify_audit_export.py FILE.jsonl

Standard library only: runs anywhere Python 3.9+ does, without the application, its database or Django.

The file is ``{"type": "anchor", "seq": S, "hash": H, ...}``, then one ``{"type": "event", ...}`` line per
audit event, then ``{"type": "end", "count": N, "last_hash": ...}``. Every event is recomputed exactly as
``debt_collections/kernel/audit.py`` does::

    fields = {"seq", "at", "actor", "action", "case", "payload"}      # the event's own values
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    hash = sha256((prev_hash + canonical).encode("utf-8")).hexdigest()

and the chain is followed from the anchor: seqs must run S+1, S+2, … without a gap, each ``prev_hash``
must be the hash before it, and the end record must give the number of events and the last hash. So a
changed, removed, added or reordered event is found, and the first problem is printed.

Prints ``OK …`` and exits 0, or ``FAILED …`` naming the line and the event and exits 1.

What this cannot know by itself is whether the anchor and the last hash are the real chain's: compare
them with the live chain (``manage.py verify_audit``) or with the ``compliance.export`` audit event that
recorded this export (it names the same seqs and hashes).
"""

from __future__ import annotations

import hashlib
import json
import sys
from typing import Any

HASHED_FIELDS = ("seq", "at", "actor", "action", "case", "payload")
GENESIS = "0" * 64


class Problem(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")


def canonical_json(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def compute_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(fields)).encode("utf-8")).hexdigest()


def _is_hash(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _is_seq(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def read_records(path: str) -> list[tuple[int, dict[str, Any]]]:
    records = []
    with open(path, encoding="utf-8-sig") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise Problem(number, f"not valid JSON ({exc.msg})") from None
            if not isinstance(record, dict):
                raise Problem(number, "not a JSON object")
            records.append((number, record))
    return records


def verify(records: list[tuple[int, dict[str, Any]]]) -> str:
    """Return the OK summary, or raise ``Problem`` at the first thing wrong."""
    if not records:
        raise Problem(0, "the file is empty")
    line, anchor = records[0]
    if anchor.get("type") != "anchor":
        raise Problem(line, 'the first record must be the anchor ({"type": "anchor", ...})')
    if not _is_seq(anchor.get("seq")) or not _is_hash(anchor.get("hash")):
        raise Problem(line, "the anchor needs a seq (integer ≥ 0) and a hash (64 hex digits)")
    if anchor["seq"] == 0 and anchor["hash"] != GENESIS:
        raise Problem(line, "an anchor at seq 0 (the start of the chain) must have the hash of 64 zeros")
    last_line, end = records[-1]
    if end.get("type") != "end":
        raise Problem(last_line, "the last record must be the end record: the file is truncated")

    expected_seq, expected_prev = anchor["seq"] + 1, anchor["hash"]
    count = in_case = 0
    for line, record in records[1:-1]:
        kind = record.get("type")
        if kind != "event":
            raise Problem(line, f"unexpected {kind!r} record between the anchor and the end")
        missing = [f for f in (*HASHED_FIELDS, "prev_hash", "hash") if f not in record]
        if missing:
            raise Problem(line, f"event lacks {', '.join(missing)}")
        seq = record["seq"]
        if not _is_seq(seq):
            raise Problem(line, f"seq {seq!r} is not a non-negative integer")
        if seq > expected_seq:
            raise Problem(
                line,
                f"event seq {expected_seq} is missing (found seq {seq} where seq {expected_seq} should be): "
                "an event was removed, or events were reordered",
            )
        if seq < expected_seq:
            raise Problem(
                line,
                f"event seq {seq} appears where seq {expected_seq} should be: events were reordered or "
                "duplicated",
            )
        fields = {name: record[name] for name in HASHED_FIELDS}
        recomputed = compute_hash(record["prev_hash"], fields)
        if recomputed != record["hash"]:
            raise Problem(
                line,
                f"event seq {seq} was changed: its fields hash to {recomputed[:16]}…, the record says "
                f"{str(record['hash'])[:16]}…",
            )
        if record["prev_hash"] != expected_prev:
            raise Problem(
                line,
                f"event seq {seq} does not link to the event before it: prev_hash "
                f"{str(record['prev_hash'])[:16]}… ≠ {expected_prev[:16]}… (an event before it was "
                "changed or replaced)",
            )
        expected_prev, expected_seq = record["hash"], seq + 1
        count += 1
        in_case += 1 if record.get("in_case") else 0

    if end.get("count") != count:
        raise Problem(
            last_line,
            f"the end record says {end.get('count')} events but the file holds {count}: events were "
            + ("removed" if isinstance(end.get("count"), int) and end["count"] > count else "added"),
        )
    if end.get("last_hash") != expected_prev:
        raise Problem(
            last_line,
            f"the end record's last_hash {str(end.get('last_hash'))[:16]}… is not the hash of the last event "
            f"({expected_prev[:16]}…)",
        )
    if "last_seq" in end and end["last_seq"] != expected_seq - 1:
        raise Problem(last_line, f"the end record's last_seq {end['last_seq']} ≠ {expected_seq - 1}")
    span = f"seq {anchor['seq'] + 1}–{expected_seq - 1}" if count else "no events"
    marked = f", {in_case} of them marked in_case (case {anchor.get('case')})" if anchor.get("case") else ""
    return (
        f"OK: {count} events ({span}){marked}; every hash recomputed and every link intact.\n"
        f"anchor: seq {anchor['seq']} hash {anchor['hash']}\n"
        f"last:   seq {expected_seq - 1} hash {expected_prev}"
    )


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__ or "usage: python3 tools/verify_audit_export.py FILE.jsonl", file=sys.stderr)
        return 1 if len(argv) != 2 else 0
    try:
        print(verify(read_records(argv[1])))
    except Problem as exc:
        print(f"FAILED: {exc}")
        return 1
    except OSError as exc:
        print(f"FAILED: cannot read {argv[1]}: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
