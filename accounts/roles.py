"""Role helpers: roles are Django groups so admins can manage them without code."""

from __future__ import annotations

from accounts.models import Role

ROLE_NAMES: tuple[str, ...] = tuple(r.value for r in Role)
