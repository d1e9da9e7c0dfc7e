from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class IsStaff(BasePermission):
    """Staff API: an authenticated, active staff user in one of the collection roles (or a superuser)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        from debt_collections.kernel.access import user_roles

        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.is_staff):
            return False
        return bool(user.is_superuser or user_roles(user))
