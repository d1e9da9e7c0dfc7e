"""Signed checkpoints and the stores that keep them: signatures, the local directory, the S3 object-lock
store against an in-memory fake of the S3 API it uses, and the cadence that publishes them."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from debt_collections.kernel.audit import Actor, PendingEvent, audit_append, audit_append_many
from debt_collections.kernel.audit_keys import audit_keys, generate_key_file
from debt_collections.kernel.checkpoints import (
    CheckpointExists,
    InvalidCheckpoint,
    LocalDirectoryStore,
    S3ObjectLockStore,
    checkpoint_parse,
    checkpoint_sign,
    checkpoint_store,
    checkpoints_load,
)
from debt_collections.kernel.sealing import checkpoint_seal
from debt_collections.models import AuditSeal
from debt_collections.tasks import seal_audit_checkpoint
from tests.factories import SYSTEM

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


class FakeClientError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


class FakeObjectLockS3:
    """The part of the S3 API ``S3ObjectLockStore`` uses, with S3's rules: a conditional put is refused with
    412 when the key exists, every put must carry a lock retention, and a locked version cannot be deleted."""

    def __init__(self, page_size: int = 2) -> None:
        self.objects: dict[str, tuple[bytes, str, datetime]] = {}
        self.page_size = page_size

    def put_object(self, **kw: Any) -> dict[str, Any]:
        assert kw["ObjectLockMode"] in ("COMPLIANCE", "GOVERNANCE") and kw["ObjectLockRetainUntilDate"]
        key = kw["Key"]
        if kw.get("IfNoneMatch") == "*" and key in self.objects:
            raise FakeClientError("PreconditionFailed")
        self.objects[key] = (kw["Body"], kw["ObjectLockMode"], kw["ObjectLockRetainUntilDate"])
        return {}

    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803 - the S3 API's names
        return {"Body": io.BytesIO(self.objects[Key][0])}

    def list_objects_v2(self, **kw: Any) -> dict[str, Any]:
        keys = sorted(k for k in self.objects if k.startswith(kw.get("Prefix", "")))
        start = int(kw.get("ContinuationToken", 0))
        page = keys[start : start + self.page_size]
        more = start + self.page_size < len(keys)
        return {
            "Contents": [{"Key": k} for k in page],
            "IsTruncated": more,
            **({"NextContinuationToken": str(start + self.page_size)} if more else {}),
        }

    def delete_object(self, *, Bucket: str, Key: str) -> None:  # noqa: N803
        if self.objects[Key][2] > datetime.now(UTC):
            raise FakeClientError("AccessDenied")
        del self.objects[Key]


def test_a_checkpoint_verifies_with_its_key_and_not_with_another(tmp_path: Path) -> None:
    keys = audit_keys()
    checkpoint = checkpoint_sign(keys, heads={0: (7, "a" * 64)}, at=NOW)

    assert checkpoint_parse(checkpoint.to_bytes(), keys.public) == checkpoint
    other = generate_key_file(tmp_path / "other.pem").public_key()
    with pytest.raises(InvalidCheckpoint, match="does not verify"):
        checkpoint_parse(checkpoint.to_bytes(), other)


def test_a_checkpoint_whose_seq_or_hash_was_edited_no_longer_verifies() -> None:
    keys = audit_keys()
    data = checkpoint_sign(keys, heads={0: (7, "a" * 64)}, at=NOW).to_bytes()

    for forged in (data.replace(b'"seq": 7', b'"seq": 6'), data.replace(b"a" * 64, b"b" * 64)):
        with pytest.raises(InvalidCheckpoint):
            checkpoint_parse(forged, keys.public)


def test_the_s3_store_writes_locked_objects_once_and_lists_every_page() -> None:
    client = FakeObjectLockS3()
    store = S3ObjectLockStore(client, "audit-bucket", prefix="checkpoints/", retention_days=30)
    keys = audit_keys()
    for seq in (1, 2, 3):
        checkpoint = checkpoint_sign(keys, heads={0: (seq, f"{seq}" * 64)}, at=NOW)
        store.put(checkpoint.name, checkpoint.to_bytes())

    # a second write under a name is refused, and nobody can delete a locked checkpoint
    with pytest.raises(CheckpointExists):
        store.put("00000000000000000002.json", b"forged")
    with pytest.raises(FakeClientError):
        client.delete_object(Bucket="audit-bucket", Key="checkpoints/00000000000000000002.json")
    assert all(mode == "COMPLIANCE" for _body, mode, _until in client.objects.values())
    # and reading pages through the listing (two per page) finds all three, verified
    loaded = checkpoints_load(store, keys.public)
    assert [c.seq for c in loaded.valid] == [1, 2, 3] and loaded.invalid == []


def test_a_forged_object_in_the_store_is_listed_as_invalid(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path)
    store.put("00000000000000000009.json", b'{"checkpoint": {"seq": 9}, "signature": "AAAA"}')

    loaded = checkpoints_load(store, audit_keys().public)

    assert loaded.valid == [] and loaded.invalid[0][0] == "00000000000000000009.json"


@pytest.mark.django_db
def test_the_store_refuses_names_that_are_not_checkpoint_names(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        LocalDirectoryStore(tmp_path).put("../escape.json", b"x")


@pytest.mark.django_db
def test_crossing_every_n_events_publishes_a_checkpoint_after_commit(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with override_settings(AUDIT_CHECKPOINT_EVERY_EVENTS=5):
        # when 4 events commit, nothing is sealed; the 5th crosses the cadence
        with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
            for i in range(4):
                audit_append(actor=SYSTEM, action="test.step", at=timezone.now(), payload={"i": i})
        assert callbacks == []
        with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
            audit_append(actor=SYSTEM, action="test.step", at=timezone.now(), payload={"i": 4})

    assert len(callbacks) == 1
    seal = AuditSeal.objects.get()
    assert (seal.ok, seal.seq, seal.reason) == (True, 5, "cadence")
    assert [c.seq for c in checkpoints_load(checkpoint_store(), audit_keys().public).valid] == [5]


@pytest.mark.django_db
def test_the_timer_seals_only_when_the_head_moved() -> None:
    with transaction.atomic():
        audit_append_many(
            [PendingEvent("test.step", None, {"i": i}, Actor.system("t")) for i in range(3)],
            at=timezone.now(),
        )

    assert seal_audit_checkpoint() == 3
    assert seal_audit_checkpoint() is None  # already sealed: nothing new published
    assert AuditSeal.objects.filter(ok=True).count() == 1


@pytest.mark.django_db
def test_a_store_that_keeps_failing_is_retried_then_alerted_and_shown_on_the_chain_status(
    monkeypatch: Any, caplog: Any, client_for: Any, compliance: Any
) -> None:
    from debt_collections.kernel import sealing

    attempts: list[str] = []

    def failing_put(self: Any, name: str, data: bytes) -> None:
        attempts.append(name)
        raise OSError("disk full")

    monkeypatch.setattr(LocalDirectoryStore, "put", failing_put)
    monkeypatch.setattr(sealing, "BACKOFF_SECONDS", 0)
    with transaction.atomic():
        audit_append(actor=SYSTEM, action="test.step", at=timezone.now(), payload={})

    seal = checkpoint_seal(reason="timer")

    assert seal is not None and not seal.ok and "disk full" in seal.error
    assert len(attempts) == sealing.ATTEMPTS
    assert any(r.levelname == "ERROR" and "NOT published" in r.getMessage() for r in caplog.records)
    html = client_for(compliance).get("/compliance/audit/").content.decode()
    assert "Checkpoint not published" in html and "disk full" in html
