"""Small formatting helpers shared by the case page and the record admins."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

SUMMARY_MAX_LENGTH = 160


def money(amount: Decimal, currency: str) -> str:
    """``5,450.00 CNY``: grouped, the stored two decimals kept (never rounded for display)."""
    return f"{amount:,} {currency}"


def summarize_payload(payload: Any, max_length: int = SUMMARY_MAX_LENGTH) -> str:
    """One line for a timeline row: ``from → to`` first, then the other non-empty fields.

    The full payload stays on the audit event's own page; this is only a scan-friendly summary.
    """
    if not isinstance(payload, dict):
        return str(payload)[:max_length]
    parts: list[str] = []
    if "from" in payload and "to" in payload:
        parts.append(f"{payload['from']} → {payload['to']}")
    for key, value in payload.items():
        if key in {"from", "to"} or value in (None, "", [], {}):
            continue
        parts.append(f"{key}: {value}")
    text = "; ".join(parts)
    return text if len(text) <= max_length else text[: max_length - 1] + "…"
