"""Who may use the workspace: compliance officers and superusers. Everyone else is refused.

Anonymous visitors are sent to the staff login (``/admin/login/?next=…``); a logged-in person without
the role gets 403 (not a login page, which would suggest that another account could help). Agency
users are refused even if someone put them in the compliance group: oversight is in-house, and the
workspace reads every agency's cases.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse

from accounts.models import User

View = Callable[..., HttpResponseBase]


def is_compliance_officer(user: Any) -> bool:
    """An active staff user who is a superuser, or an in-house member of the ``compliance`` group."""
    if not isinstance(user, User) or not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    return user.is_compliance and user.agency_id is None


def compliance_required(view: View) -> View:
    """Decorate a view: login redirect for anonymous users, 403 for anyone without the role."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url=reverse("admin:login"))
        if not is_compliance_officer(request.user):
            raise PermissionDenied("The compliance workspace is for compliance officers.")
        return view(request, *args, **kwargs)

    return wrapped


def officer(request: HttpRequest) -> User:
    """The request's user, typed; only call inside a ``compliance_required`` view."""
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - the decorator has refused anyone else
        raise PermissionDenied
    return user
