"""Signed checkpoints of the audit chain, and the append-only stores that keep them outside the database.

A checkpoint says "at ``at`` each chain ``c`` ended at seq ``heads[c][0]`` with hash ``heads[c][1]``,
``count`` events in all", signed with the Ed25519 key the database never holds (``audit_keys``): one
signature seals every chain, so a cut tail on any of them is found. Stored as one JSON document per
checkpoint::

    {"checkpoint": {"format": FORMAT, "seq": N, "count": N, "hash": sha256(canonical_json(heads)),
                    "heads": {"0": [S0, H0], "1": [S1, H1], ...}, "at": "...", "key": FINGERPRINT},
     "signature": "<base64 Ed25519 signature over canonical_json(checkpoint)>"}

under the name ``<count, 20 digits>.json`` (names sort in order: events are only ever added). Checkpoints of
the single-chain format (``FORMAT_V1``: ``seq`` and ``hash`` of the one chain, now chain 0) still verify.
Whoever can rewrite the audit table cannot produce such a document, and cannot remove one from the store: a
rewrite before a checkpoint's seq
changes the hash the checkpoint names, a cut tail loses the seq it names.

Stores are append-only behind ``CheckpointStore``: ``put`` refuses a name that exists
(``CheckpointExists``), nothing deletes. ``LocalDirectoryStore`` (default; files made read-only) suits
development and a single host whose directory is shipped elsewhere; ``S3ObjectLockStore`` writes to an
S3-compatible bucket with object lock (COMPLIANCE mode: not even the bucket's owner can delete or
overwrite a version before its retention ends) and a conditional put (``If-None-Match: *``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings

from debt_collections.kernel.audit_keys import AuditKeys, public_key_fingerprint

FORMAT = "collections-audit-checkpoint/2"
FORMAT_V1 = "collections-audit-checkpoint/1"


class CheckpointExists(Exception):
    """The store already holds a checkpoint under this name; stores never overwrite."""


class InvalidCheckpoint(Exception):
    """A stored document that is not a checkpoint signed by the given key."""


class CheckpointStore(Protocol):
    def put(self, name: str, data: bytes) -> None:
        """Store ``data`` under ``name``; raise ``CheckpointExists`` if the name is taken."""

    def get(self, name: str) -> bytes: ...

    def names(self) -> list[str]:
        """Every stored name, sorted."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int  # events in all chains (the sum of the heads' seqs): the checkpoint's order and name
    hash: str  # format 2: sha256 of the heads' canonical JSON; format 1: the one chain's head hash
    count: int
    at: str
    key: str
    signature: str
    heads: dict[int, tuple[int, str]] = field(default_factory=dict)  # chain -> (seq, hash)
    format: str = FORMAT

    @property
    def name(self) -> str:
        return checkpoint_name(self.seq)

    def head(self, chain: int) -> tuple[int, str]:
        """What this checkpoint signs for ``chain``: ``(0, genesis)`` for a chain without events then."""
        return self.heads.get(chain, (0, "0" * 64))

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "format": self.format,
            "seq": self.seq,
            "hash": self.hash,
            "count": self.count,
            "at": self.at,
            "key": self.key,
        }
        if self.format != FORMAT_V1:
            body["heads"] = {str(c): [s, h] for c, (s, h) in sorted(self.heads.items())}
        return body

    def document(self) -> dict[str, Any]:
        return {"checkpoint": self.body(), "signature": self.signature}

    def to_bytes(self) -> bytes:
        return (json.dumps(self.document(), sort_keys=True, indent=1) + "\n").encode("utf-8")


def checkpoint_name(seq: int) -> str:
    return f"{seq:020d}.json"


def _signed_bytes(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def heads_digest(heads: dict[int, tuple[int, str]]) -> str:
    """The hash a checkpoint names for all its chains' heads together."""
    text = {str(c): [s, h] for c, (s, h) in sorted(heads.items())}
    return hashlib.sha256(_signed_bytes(text)).hexdigest()


def checkpoint_sign(keys: AuditKeys, *, heads: dict[int, tuple[int, str]], at: datetime) -> Checkpoint:
    """Sign every chain's head (``chain -> (seq, hash)``) at once."""
    total = sum(seq for seq, _hash in heads.values())
    unsigned = Checkpoint(
        seq=total,
        hash=heads_digest(heads),
        count=total,
        at=at.astimezone(UTC).isoformat(timespec="microseconds"),
        key=keys.fingerprint,
        signature="",
        heads=dict(heads),
    )
    signature = base64.b64encode(keys.sign(_signed_bytes(unsigned.body()))).decode("ascii")
    return replace(unsigned, signature=signature)


def checkpoint_parse(data: bytes, public_key: Ed25519PublicKey) -> Checkpoint:
    """The checkpoint in ``data`` if its signature verifies with ``public_key``; else raises
    ``InvalidCheckpoint``."""
    try:
        document = json.loads(data)
        body, signature = document["checkpoint"], document["signature"]
        if body.get("format") not in (FORMAT, FORMAT_V1):
            raise InvalidCheckpoint(f"unknown format {body.get('format')!r}")
        public_key.verify(base64.b64decode(signature, validate=True), _signed_bytes(body))
        if body["format"] == FORMAT_V1:
            heads = {0: (int(body["seq"]), str(body["hash"]))}
        else:
            heads = {int(c): (int(s), str(h)) for c, (s, h) in body["heads"].items()}
            if heads_digest(heads) != body["hash"] or sum(s for s, _h in heads.values()) != body["seq"]:
                raise InvalidCheckpoint("signed, but its heads do not add up to its seq and hash")
        checkpoint = Checkpoint(
            seq=int(body["seq"]),
            hash=str(body["hash"]),
            count=int(body["count"]),
            at=str(body["at"]),
            key=str(body["key"]),
            signature=signature,
            heads=heads,
            format=str(body["format"]),
        )
    except InvalidCheckpoint:
        raise
    except InvalidSignature:
        raise InvalidCheckpoint("the signature does not verify with this public key") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidCheckpoint(f"not a checkpoint document ({exc})") from None
    if checkpoint.key != public_key_fingerprint(public_key):
        raise InvalidCheckpoint("signed, but names another key's fingerprint")
    return checkpoint


@dataclass(frozen=True)
class StoredCheckpoints:
    valid: list[Checkpoint]  # sorted by seq
    invalid: list[tuple[str, str]]  # (name, why)

    @property
    def last(self) -> Checkpoint | None:
        return self.valid[-1] if self.valid else None


def checkpoints_load(store: CheckpointStore, public_key: Ed25519PublicKey) -> StoredCheckpoints:
    """Every checkpoint in the store, verified. A document that fails is listed in ``invalid``: a store is
    append-only, so a bad document is itself a finding (a forged or damaged object)."""
    valid: list[Checkpoint] = []
    invalid: list[tuple[str, str]] = []
    for name in store.names():
        try:
            checkpoint = checkpoint_parse(store.get(name), public_key)
        except InvalidCheckpoint as exc:
            invalid.append((name, str(exc)))
            continue
        if checkpoint.name != name:
            invalid.append((name, f"stored under {name} but names seq {checkpoint.seq}"))
            continue
        valid.append(checkpoint)
    valid.sort(key=lambda c: c.seq)
    return StoredCheckpoints(valid=valid, invalid=invalid)


# --- stores -------------------------------------------------------------------------------------------


class LocalDirectoryStore:
    """One read-only file per checkpoint in a directory; ``put`` never replaces a file.

    The write goes to a temporary file that is then hard-linked to its name: ``link`` fails when the name
    exists (no overwrite, even between processes), and a crash never leaves a half-written checkpoint.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def put(self, name: str, data: bytes) -> None:
        _check_name(name)
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = self.path / f".{name}.{uuid.uuid4().hex}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.chmod(tmp, 0o444)
            os.link(tmp, self.path / name)
        except FileExistsError:
            raise CheckpointExists(name) from None
        finally:
            tmp.unlink(missing_ok=True)

    def get(self, name: str) -> bytes:
        _check_name(name)
        return (self.path / name).read_bytes()

    def names(self) -> list[str]:
        if not self.path.is_dir():
            return []
        return sorted(p.name for p in self.path.iterdir() if p.name.endswith(".json"))


class S3ObjectLockStore:
    """Checkpoints as objects in an S3-compatible bucket created with object lock (versioning on).

    Each ``put`` is conditional (``IfNoneMatch="*"``: refused with 412 when the key exists) and carries a
    COMPLIANCE-mode retention, so no credential, including the bucket owner's, can delete or overwrite it
    before ``retention_days``. The application's credentials need ``s3:PutObject``,
    ``s3:PutObjectRetention``, ``s3:GetObject`` and ``s3:ListBucket`` only. ``client`` is a boto3 S3
    client (or anything with ``put_object``, ``get_object`` and ``list_objects_v2``).
    """

    def __init__(
        self,
        client: Any,
        bucket: str,
        *,
        prefix: str = "",
        retention_days: int = 3650,
        mode: str = "COMPLIANCE",
    ) -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix
        self.retention_days, self.mode = retention_days, mode

    def put(self, name: str, data: bytes) -> None:
        _check_name(name)
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.prefix + name,
                Body=data,
                ContentType="application/json",
                IfNoneMatch="*",
                ObjectLockMode=self.mode,
                ObjectLockRetainUntilDate=datetime.now(UTC) + timedelta(days=self.retention_days),
            )
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
                raise CheckpointExists(name) from None
            raise

    def get(self, name: str) -> bytes:
        _check_name(name)
        body = self.client.get_object(Bucket=self.bucket, Key=self.prefix + name)["Body"]
        return bytes(body.read())

    def names(self) -> list[str]:
        found: list[str] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self.prefix}
            if token:
                kwargs["ContinuationToken"] = token
            page = self.client.list_objects_v2(**kwargs)
            found.extend(_strip(self.prefix, item["Key"]) for item in page.get("Contents", []))
            if not page.get("IsTruncated"):
                break
            token = page.get("NextContinuationToken")
        return sorted(n for n in found if n.endswith(".json") and "/" not in n)


def _strip(prefix: str, key: str) -> str:
    return key[len(prefix) :] if key.startswith(prefix) else key


def _check_name(name: str) -> None:
    if "/" in name or name.startswith(".") or not name.endswith(".json"):
        raise ValueError(f"not a checkpoint name: {name!r}")


def checkpoint_store() -> CheckpointStore:
    """The store named by ``settings.AUDIT_CHECKPOINT_STORE`` (``local`` or ``s3``)."""
    kind = settings.AUDIT_CHECKPOINT_STORE
    if kind == "s3":
        import boto3  # only deployments that use object storage install it

        client = boto3.client("s3", endpoint_url=settings.AUDIT_CHECKPOINT_S3_ENDPOINT or None)
        return S3ObjectLockStore(
            client,
            settings.AUDIT_CHECKPOINT_S3_BUCKET,
            prefix=settings.AUDIT_CHECKPOINT_S3_PREFIX,
            retention_days=settings.AUDIT_CHECKPOINT_S3_RETENTION_DAYS,
        )
    if kind == "local":
        return LocalDirectoryStore(settings.AUDIT_CHECKPOINT_DIR)
    raise ValueError(f"unknown AUDIT_CHECKPOINT_STORE {kind!r} (local or s3)")
