#!/usr/bin/env python3
"""Check an audit evidence export (JSON Lines from ``manage.py export_audit`` or the compliance workspace).

    python3 tools/verify_audit_export.py --public-key audit-signing-key.pub.pem FILE.jsonl

Needs Python 3.9+ and the ``cryptography`` package (for Ed25519), nothing else: not the application, its
database or Django. The public key comes from the lender out of band (``manage.py audit_keygen`` prints it
and its fingerprint); the file names the fingerprint of the key that signed it, and a different key fails.

The file is ``{"type": "anchor", "seq": S, "hash": H, "public_key": F, ...}``, one ``{"type": "event", ...}``
line per audit event, one ``{"type": "checkpoint", "checkpoint": {...}, "signature": ...}`` line per signed
checkpoint, then ``{"type": "end", ...}``. Every event is recomputed exactly as the application does::

    fields = {"seq", "at", "actor", "action", "case", "payload"}      # the event's own values
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    hash = sha256((prev_hash + canonical).encode("utf-8")).hexdigest()

and the chain is followed from the anchor: seqs must run S+1, S+2, … without a gap, each ``prev_hash``
must be the hash before it. Each checkpoint's Ed25519 signature must verify with the public key, and the
event at its seq must have the hash it names; a checkpoint past the last event means events were removed.
The last checkpoint signs a hash that depends on every event before it (and on the anchor's hash), so a
changed, removed, added or reordered event, or a chain recomputed after an edit, fails here even when the
file is self-consistent. Events after the last checkpoint are not covered by any signature: the file fails
unless ``--allow-unsealed`` is given (then it passes with a warning naming them).

Prints ``OK …`` and exits 0, or ``FAILED …`` naming the line and the event and exits 1.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from typing import Any

HASHED_FIELDS = ("seq", "at", "actor", "action", "case", "payload")
GENESIS = "0" * 64


class Problem(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")


class PublicKey:
    """An Ed25519 public key read from PEM (``cryptography`` is imported only here)."""

    def __init__(self, pem: bytes) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        key = serialization.load_pem_public_key(pem)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        self.key = key
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.fingerprint = hashlib.sha256(raw).hexdigest()

    def verifies(self, signature: bytes, data: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature

        try:
            self.key.verify(signature, data)
        except InvalidSignature:
            return False
        return True


def check_checkpoint(line: int, record: dict[str, Any], key: PublicKey) -> tuple[int, str]:
    """The (seq, hash) a checkpoint record signs, or ``Problem`` if its signature does not verify."""
    body, signature = record.get("checkpoint"), record.get("signature")
    if not isinstance(body, dict) or not isinstance(signature, str):
        raise Problem(line, "a checkpoint record needs a checkpoint object and a signature")
    try:
        raw = base64.b64decode(signature, validate=True)
    except ValueError:
        raise Problem(line, "the checkpoint's signature is not base64") from None
    signed = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if body.get("key") != key.fingerprint or not key.verifies(raw, signed):
        raise Problem(
            line,
            f"the checkpoint of seq {body.get('seq')} is not signed by this public key "
            f"(fingerprint {key.fingerprint[:16]}…): a forged checkpoint, or the wrong key",
        )
    if not _is_seq(body.get("seq")) or not _is_hash(body.get("hash")):
        raise Problem(line, "the checkpoint needs a seq and a hash")
    return body["seq"], body["hash"]


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


def verify(records: list[tuple[int, dict[str, Any]]], key: PublicKey, *, allow_unsealed: bool = False) -> str:
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
    if anchor.get("public_key") != key.fingerprint:
        raise Problem(
            line,
            f"the export was sealed with the key {str(anchor.get('public_key'))[:16]}…, this public key is "
            f"{key.fingerprint[:16]}…: the wrong public key",
        )
    last_line, end = records[-1]
    if end.get("type") != "end":
        raise Problem(last_line, "the last record must be the end record: the file is truncated")

    signed: dict[int, tuple[int, str]] = {}  # seq -> (line, hash)
    events: list[tuple[int, dict[str, Any]]] = []
    for line, record in records[1:-1]:
        kind = record.get("type")
        if kind == "event":
            events.append((line, record))
        elif kind == "checkpoint":
            seq, digest = check_checkpoint(line, record, key)
            signed[seq] = (line, digest)
        else:
            raise Problem(line, f"unexpected {kind!r} record between the anchor and the end")

    expected_seq, expected_prev = anchor["seq"] + 1, anchor["hash"]
    count = in_case = in_range = 0
    for line, record in events:
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
        if seq in signed and signed[seq][1] != record["hash"]:
            raise Problem(
                line,
                f"event seq {seq} is not the event the signed checkpoint (line {signed[seq][0]}) names: the "
                "chain was rewritten (an edit with every later hash recomputed, or a forged event)",
            )
        expected_prev, expected_seq = record["hash"], seq + 1
        count += 1
        in_case += 1 if record.get("in_case") else 0
        in_range += 0 if record.get("after_range") else 1

    last_seq = expected_seq - 1
    beyond = sorted(seq for seq in signed if seq > last_seq)
    if beyond:
        raise Problem(
            signed[beyond[0]][0],
            f"a signed checkpoint names seq {beyond[0]} but the export ends at seq {last_seq}: events "
            "were removed from the end of the chain",
        )
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
    if "last_seq" in end and end["last_seq"] != last_seq:
        raise Problem(last_line, f"the end record's last_seq {end['last_seq']} ≠ {last_seq}")
    sealed = max((seq for seq in signed if seq > anchor["seq"]), default=None)
    warning = ""
    if count and (sealed is None or sealed < last_seq):
        unsealed = f"seq {(sealed or anchor['seq']) + 1}–{last_seq}"
        if not allow_unsealed:
            raise Problem(
                last_line,
                f"events {unsealed} are not covered by any signed checkpoint in the file: they cannot be "
                "trusted (the chain could not be sealed when exporting; check the lender's chain status). "
                "--allow-unsealed accepts them with a warning",
            )
        warning = f"\nWARNING: events {unsealed} are newer than the last signed checkpoint: not covered"
    span = f"seq {anchor['seq'] + 1}–{last_seq}" if count else "no events"
    marked = f", {in_case} of them marked in_case (case {anchor.get('case')})" if anchor.get("case") else ""
    seal = f"seq {sealed}" if sealed is not None else "none"
    return (
        f"OK: {count} events ({span}), {in_range} in the requested range{marked}; every hash recomputed, "
        f"every link intact, {len(signed)} checkpoint signatures verified (last: {seal}).\n"
        f"anchor: seq {anchor['seq']} hash {anchor['hash']}\n"
        f"last:   seq {last_seq} hash {expected_prev}\n"
        f"key:    {key.fingerprint}" + warning
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Check an audit evidence export.")
    parser.add_argument("--public-key", required=True, help="the lender's Ed25519 public key (PEM)")
    parser.add_argument(
        "--allow-unsealed", action="store_true", help="accept events after the last checkpoint"
    )
    parser.add_argument("file")
    args = parser.parse_args(argv[1:])
    try:
        with open(args.public_key, "rb") as fh:
            key = PublicKey(fh.read())
    except ImportError:
        print("FAILED: this checker needs the cryptography package (pip install cryptography)")
        return 1
    except (OSError, ValueError) as exc:
        print(f"FAILED: cannot read the public key {args.public_key}: {exc}")
        return 1
    try:
        print(verify(read_records(args.file), key, allow_unsealed=args.allow_unsealed))
    except Problem as exc:
        print(f"FAILED: {exc}")
        return 1
    except OSError as exc:
        print(f"FAILED: cannot read {args.file}: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
