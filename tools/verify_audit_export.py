#!/usr/bin/env python3
"""Check an audit evidence export (JSON Lines from ``manage.py export_audit`` or the compliance workspace).

    python3 tools/verify_audit_export.py --public-key audit-signing-key.pub.pem FILE.jsonl

Needs Python 3.9+ and the ``cryptography`` package (for Ed25519), nothing else: not the application, its
database or Django. The public key comes from the lender out of band (``manage.py audit_keygen`` prints it
and its fingerprint); the file names the fingerprint of the key that signed it, and a different key fails.

The file is ``{"type": "anchor", "chains": [...], "public_key": F, ...}``, then for each audit chain a
``{"type": "chain", "chain": C, "seq": S, "hash": H}`` record (the link before the chain's span) followed by
one ``{"type": "event", ...}`` line per event of that chain, one ``{"type": "checkpoint", "checkpoint":
{...}, "signature": ...}`` line per signed checkpoint, then ``{"type": "end", ...}``. (Files of the
single-chain format 2 have the anchor's seq and hash on the anchor record and no chain records.) Every event
is recomputed exactly as the application does::

    fields = {"seq", "at", "actor", "action", "case", "payload"}      # the event's own values
    if chain != 0: fields["chain"] = chain
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    hash = sha256((prev_hash + canonical).encode("utf-8")).hexdigest()

and each chain is followed from its anchor: seqs must run S+1, S+2, … without a gap, each ``prev_hash``
must be the hash before it. Each checkpoint's Ed25519 signature must verify with the public key, and for
every chain the event at the seq it names must have the hash it names; a checkpoint past a chain's last
event means events were removed. The last checkpoint signs hashes that depend on every event before them
(and on the anchors' hashes), so a changed, removed, added, reordered or moved event, or a chain
recomputed after an edit, fails here even when the file is self-consistent. Events after the last
checkpoint are not covered by any signature: the file fails unless ``--allow-unsealed`` is given (then it
passes with a warning naming them).

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


def check_checkpoint(line: int, record: dict[str, Any], key: PublicKey) -> dict[int, tuple[int, str]]:
    """What a checkpoint record signs, ``chain -> (seq, hash)``, or ``Problem`` if its signature does not
    verify."""
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
    if "heads" not in body:  # format 1: the single chain, now chain 0
        return {0: (body["seq"], body["hash"])}
    heads = body["heads"]
    if not isinstance(heads, dict) or not all(
        isinstance(v, list) and len(v) == 2 and _is_seq(v[0]) and _is_hash(v[1]) for v in heads.values()
    ):
        raise Problem(line, "the checkpoint's heads are not [seq, hash] pairs")
    text = json.dumps(heads, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != body["hash"]:
        raise Problem(line, "the checkpoint's hash is not the hash of its heads")
    return {int(c): (v[0], v[1]) for c, v in heads.items()}


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
    if anchor.get("public_key") != key.fingerprint:
        raise Problem(
            line,
            f"the export was sealed with the key {str(anchor.get('public_key'))[:16]}…, this public key is "
            f"{key.fingerprint[:16]}…: the wrong public key",
        )
    last_line, end = records[-1]
    if end.get("type") != "end":
        raise Problem(last_line, "the last record must be the end record: the file is truncated")
    several = "chains" in anchor  # format 3; format 2 had one chain anchored on the anchor record
    sections: list[tuple[int, dict[str, Any], list[tuple[int, dict[str, Any]]]]] = []
    if not several:
        sections.append((line, {"chain": 0, "seq": anchor.get("seq"), "hash": anchor.get("hash")}, []))
    signed: dict[int, dict[int, tuple[int, str]]] = {}  # chain -> seq -> (line, hash)
    for line, record in records[1:-1]:
        kind = record.get("type")
        if kind == "chain" and several:
            sections.append((line, record, []))
        elif kind == "event" and sections:
            sections[-1][2].append((line, record))
        elif kind == "checkpoint":
            for chain, (seq, digest) in check_checkpoint(line, record, key).items():
                signed.setdefault(chain, {})[seq] = (line, digest)
        else:
            raise Problem(line, f"unexpected {kind!r} record between the anchor and the end")
    named = [s[1].get("chain") for s in sections]
    if several and named != anchor["chains"]:
        raise Problem(last_line, f"the anchor names chains {anchor['chains']} but the file holds {named}")

    count = in_case = in_range = 0
    ends: dict[str, dict[str, Any]] = {}
    unsealed: list[str] = []
    for section_line, head, events in sections:
        number = head.get("chain")
        if not isinstance(number, int) or not _is_seq(number):
            raise Problem(section_line, "a chain record needs a chain number")
        totals = _verify_chain(section_line, head, events, signed.get(number, {}))
        count += totals["count"]
        in_case += totals["in_case"]
        in_range += totals["in_range"]
        ends[str(number)] = totals
        if totals["count"] and totals["sealed"] < totals["last_seq"]:
            unsealed.append(f"chain {number} seq {totals['sealed'] + 1}–{totals['last_seq']}")
    if end.get("count") != count:
        raise Problem(
            last_line,
            f"the end record says {end.get('count')} events but the file holds {count}: events were "
            + ("removed" if isinstance(end.get("count"), int) and end["count"] > count else "added"),
        )
    claimed = end.get("chains") if several else {"0": end}
    for name, totals in ends.items():
        said = (claimed or {}).get(name) or {}
        if said.get("last_hash") != totals["last_hash"]:
            raise Problem(
                last_line,
                f"the end record's last_hash of chain {name} {str(said.get('last_hash'))[:16]}… is not the "
                f"hash of its last event ({totals['last_hash'][:16]}…)",
            )
        if "last_seq" in said and said["last_seq"] != totals["last_seq"]:
            raise Problem(
                last_line,
                f"the end record's last_seq of chain {name} {said['last_seq']} ≠ {totals['last_seq']}",
            )
    warning = ""
    if unsealed:
        if not allow_unsealed:
            raise Problem(
                last_line,
                f"events {', '.join(unsealed)} are not covered by any signed checkpoint in the file: they "
                "cannot be trusted (the chain could not be sealed when exporting; check the lender's chain "
                "status). --allow-unsealed accepts them with a warning",
            )
        warning = (
            f"\nWARNING: events {', '.join(unsealed)} are newer than the last signed checkpoint: not covered"
        )
    marked = f", {in_case} of them marked in_case (case {anchor.get('case')})" if anchor.get("case") else ""
    checkpoints = len({line for seqs in signed.values() for line, _h in seqs.values()})
    spans = "\n".join(
        f"chain {c}: seq {t['first_seq']}–{t['last_seq']}, last hash {t['last_hash']}"
        for c, t in ends.items()
    )
    return (
        f"OK: {count} events on {len(ends)} chains, {in_range} in the requested range{marked}; every hash "
        f"recomputed, every link intact, {checkpoints} checkpoint signatures verified.\n"
        f"{spans}\n"
        f"key:    {key.fingerprint}" + warning
    )


def _verify_chain(
    line: int,
    head: dict[str, Any],
    events: list[tuple[int, dict[str, Any]]],
    signed: dict[int, tuple[int, str]],
) -> dict[str, Any]:
    """Follow one chain's events from its anchor; return its totals, or raise ``Problem``."""
    chain = head["chain"]
    if not _is_seq(head.get("seq")) or not _is_hash(head.get("hash")):
        raise Problem(line, "the anchor needs a seq (integer ≥ 0) and a hash (64 hex digits)")
    if head["seq"] == 0 and head["hash"] != GENESIS:
        raise Problem(line, "an anchor at seq 0 (the start of the chain) must have the hash of 64 zeros")
    expected_seq, expected_prev = head["seq"] + 1, head["hash"]
    count = in_case = in_range = 0
    for line, record in events:
        missing = [f for f in (*HASHED_FIELDS, "prev_hash", "hash") if f not in record]
        if missing:
            raise Problem(line, f"event lacks {', '.join(missing)}")
        if record.get("chain", 0) != chain:
            raise Problem(line, f"an event of chain {record.get('chain')} in the section of chain {chain}")
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
        if chain:
            fields["chain"] = chain
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
            f"a signed checkpoint names seq {beyond[0]} of chain {chain} but the export ends at seq "
            f"{last_seq}: events were removed from the end of the chain",
        )
    sealed = max((seq for seq in signed if seq > head["seq"]), default=head["seq"])
    return {
        "count": count,
        "in_case": in_case,
        "in_range": in_range,
        "first_seq": head["seq"] + 1,
        "last_seq": last_seq,
        "last_hash": expected_prev,
        "sealed": sealed,
    }


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
