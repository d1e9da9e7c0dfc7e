"""Notice templates and the outbox (built by the compliance-gate/notices issue)."""

from __future__ import annotations
