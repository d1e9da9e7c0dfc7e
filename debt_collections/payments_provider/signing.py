"""The webhook's signature: ``X-Payment-Signature: t=<unix seconds>,v1=<hex>`` where ``v1`` is
HMAC-SHA256 over ``"<t>." + body`` with the provider's shared secret. Pure functions of their arguments
(the clock is passed in), so the checks are tested without a request.

A callback is accepted only when the signature matches (compared in constant time) and ``t`` is within
``REPLAY_WINDOW`` of now, either way: an old captured request cannot be replayed later, and one replayed
inside the window is harmless because recording is idempotent by the provider's transaction id.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

REPLAY_WINDOW = timedelta(minutes=5)
HEADER = "X-Payment-Signature"


class BadSignature(Exception):
    """The callback is not from the provider, or too old or too far in the future."""


def sign(*, secret: str, body: bytes, at: datetime) -> str:
    """The header value a provider sends for ``body`` at ``at``."""
    stamp = int(at.timestamp())
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def verify(*, secret: str, body: bytes, header: str, now: datetime) -> None:
    """Raise ``BadSignature`` unless ``header`` signs ``body`` with ``secret`` within the replay window."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        stamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError) as exc:
        raise BadSignature("malformed signature header") from exc
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given):
        raise BadSignature("signature mismatch")
    if abs(now.timestamp() - stamp) > REPLAY_WINDOW.total_seconds():
        raise BadSignature("timestamp outside the replay window")
