"""The audit chain's secrets: one Ed25519 signing key, and the per-event MAC key derived from it.

Neither ever goes into the database. The private key is read from ``settings.AUDIT_SIGNING_KEY`` (PEM text,
e.g. from a secret manager through the environment) or else from the file ``settings.AUDIT_SIGNING_KEY_FILE``
(PEM, PKCS#8, unencrypted, mode 0600). In development (``DEBUG`` on) a missing key file is generated on first
use, so ``make run`` works on a fresh clone; in production a missing key is an error, never a fresh key.

The MAC key is ``HKDF-SHA256(private key bytes, info="collections-audit-event-mac/1")``: kept beside the
signing key by construction, one secret to protect and back up. Anyone holding it can forge MACs, so it stays
with the application; a regulator checks exports with the public key only (``tools/verify_audit_export.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

MAC_INFO = b"collections-audit-event-mac/1"


@dataclass(frozen=True)
class AuditKeys:
    private: Ed25519PrivateKey
    mac_key: bytes

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def fingerprint(self) -> str:
        return public_key_fingerprint(self.public)

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)

    def mac(self, event_hash: str) -> str:
        """The event's MAC: ``HMAC-SHA-256(mac key, the event's hash as ASCII hex)``, as hex."""
        return hmac.digest(self.mac_key, event_hash.encode("ascii"), "sha256").hex()


def public_key_fingerprint(key: Ed25519PublicKey) -> str:
    """``sha256`` of the raw 32-byte public key, hex: what exports and checkpoints name the key by."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def generate_key_file(path: Path) -> Ed25519PrivateKey:
    """Write a new private key to ``path`` (0600) and its public key beside it (``.pub.pem``).

    Refuses to overwrite: replacing a key would make every earlier checkpoint unverifiable with the key
    in use. Raises ``FileExistsError``.
    """
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public_path(path).write_text(public_key_pem(key.public_key()), encoding="ascii")
    return key


def public_path(private_path: Path) -> Path:
    return private_path.with_name(private_path.stem + ".pub.pem")


def _load_private(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("the audit signing key is not an Ed25519 private key")
    return key


@lru_cache(maxsize=4)
def _keys_for(inline: str, path: str, debug: bool) -> AuditKeys:
    if inline:
        private = _load_private(inline.encode("ascii"))
    else:
        file = Path(path)
        if not file.exists():
            if not debug:
                raise ImproperlyConfigured(
                    f"the audit signing key {file} does not exist: set AUDIT_SIGNING_KEY_FILE or "
                    "AUDIT_SIGNING_KEY, or create one with `manage.py audit_keygen`"
                )
            logger.warning("audit: generating a development signing key at %s", file)
            try:
                generate_key_file(file)
            except FileExistsError:  # another process won the race; read its key
                pass
        private = _load_private(file.read_bytes())
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    mac_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=MAC_INFO).derive(raw)
    return AuditKeys(private=private, mac_key=mac_key)


def audit_keys() -> AuditKeys:
    """The configured keys (cached per setting values). Raises ``ImproperlyConfigured`` without a key."""
    return _keys_for(settings.AUDIT_SIGNING_KEY, str(settings.AUDIT_SIGNING_KEY_FILE), bool(settings.DEBUG))
