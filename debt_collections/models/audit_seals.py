"""The audit chain's canonical payload column and the record of checkpoint publications.

``AuditSeal`` rows are bookkeeping for operators (the compliance workspace's chain status): which
checkpoint was published when, and which attempts failed and why. They are not evidence: the signed
checkpoints in the store are, and verification reads those.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models


def canonical_json(value: Any) -> str:
    """The one JSON text the audit chain hashes: sorted keys, no spaces, UTF-8 as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class CanonicalJSONField(models.TextField):
    """JSON stored as its canonical text, byte for byte what the event's hash covers.

    ``jsonb`` would re-format the text, so the chain could not hash the stored bytes (and verification
    would have to re-serialise every payload). Reading a row whose text is not JSON (a damaged or
    forged row) gives the raw text instead of raising, so no page or export crashes on it.
    """

    # For django-stubs: any JSON value in, any JSON value (or the raw text of a damaged row) out.
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        try:
            return json.loads(value)
        except ValueError:
            return value

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return canonical_json(value)

    def value_to_string(self, obj: Any) -> str:
        return canonical_json(self.value_from_object(obj))


class AuditSeal(models.Model):
    """One attempt to publish a signed checkpoint: ``ok`` with its seq and hash, or the error."""

    class Reason(models.TextChoices):
        CADENCE = "cadence", "every N events"
        TIMER = "timer", "every M minutes"
        CYCLE = "cycle", "end of the daily cycle"
        EXPORT = "export", "evidence export"
        MANUAL = "manual", "by hand"

    at = models.DateTimeField(db_index=True)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    ok = models.BooleanField()
    seq = models.BigIntegerField(null=True, blank=True)
    hash = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=64, blank=True, help_text="the checkpoint's name in the store")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"seal {'ok' if self.ok else 'FAILED'} seq={self.seq} at {self.at:%Y-%m-%d %H:%M}"
