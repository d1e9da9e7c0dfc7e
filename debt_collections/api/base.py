"""What every staff API view stands on: authentication order, the role check at the door, the
scoped case lookup and the documented error responses.

Authentication: session or ``Authorization: Token <key>`` (from ``POST auth/token/``). Anonymous
callers get **401** with ``WWW-Authenticate: Token``: DRF answers with the challenge of the *first*
authentication class and only token auth has one, so these views list it first (with the project
default, session first, the answer would be 403 and a client could not tell "log in" from "not
allowed"). Session-authenticated writes need the CSRF token, as in the admin.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import generics
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from config.pagination import Pagination
from config.permissions import IsStaff
from debt_collections import selectors
from debt_collections.api import serializers as ser
from debt_collections.kernel.access import user_roles
from debt_collections.models import CollectionCase

ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Invalid request: `errors` names each bad field or query parameter.",
    401: "Not authenticated: no or invalid credentials.",
    403: "Not allowed: not staff, no collections role, or the role may not do this (`not_permitted`).",
    404: "No such case, or the case is outside the caller's scope (the two are not distinguished).",
    409: "Conflict: the state does not allow it (`transition_not_allowed`) or it changed meanwhile "
    "(`stale_state`). Nothing was changed.",
    422: "The request is well-formed but the service refused its content (`invalid`, …).",
    429: "Too many attempts; retry later.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    return {
        code: OpenApiResponse(ser.ErrorSerializer, description=ERROR_DESCRIPTIONS[code]) for code in codes
    }


class HasCollectionsRole(IsStaff):
    """Active staff with a collections role (or a superuser).

    ``IsStaff`` alone lets a role-less staff user through to an empty list and 404s; refusing at the
    door says what is actually wrong.
    """

    message = "This API is for staff with a collections role (agent, supervisor or compliance)."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        user = request.user
        return isinstance(user, User) and (user.is_superuser or bool(user_roles(user)))


class StaffAPI(APIView):
    """Base of every staff endpoint: authentication order and the role check (see module docstring).

    Every list answers one page (``page_of``): ``{count, next, previous, results}``, ``?page=`` and
    ``?page_size=`` up to ``Pagination.max_page_size``, as the schema says (drf-spectacular documents the
    paginated shape from ``pagination_class``)."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [HasCollectionsRole]
    pagination_class: type[BasePagination] | None = Pagination


def page_of(view: APIView, request: Request, rows: Any, serializer_class: Any, **kwargs: Any) -> Response:
    """One page of ``rows`` (an ordered queryset or a list) serialized with ``serializer_class``; an
    out-of-range or malformed page is DRF's 404 ``Invalid page``."""
    paginator = Pagination()
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True, **kwargs).data)


def caller(request: Request) -> User:
    user = request.user
    if not isinstance(user, User):  # the permission class has already refused anyone else
        raise NotAuthenticated()
    return user


class ScopedCaseView(StaffAPI, generics.GenericAPIView[CollectionCase]):
    """Looks a case up by ``id`` inside the caller's scope: anything else is a 404, never a 403."""

    # For the schema generator only (path parameter type); requests use get_queryset.
    queryset = CollectionCase.objects.none()
    lookup_url_kwarg = "id"

    def get_queryset(self) -> QuerySet[CollectionCase]:
        return selectors.case_list_for(caller(self.request))

    def get_object(self) -> CollectionCase:
        try:
            return super().get_object()
        except Http404 as exc:
            # config.api_errors takes the code from the exception it is given, and Django's Http404
            # has none (the body would say "error"); DRF's NotFound says "not_found".
            raise NotFound("Case not found.") from exc


class ActingCaseView(ScopedCaseView):
    """Reads (GET) see the caller's visible cases; an action (POST) resolves its case in the caller's
    organisation's scope even while its agency's licence lapsed, so the service answers for it: a call
    or notice becomes the gate's ``AGENCY_LICENCE`` decision, stored and audited (a 422 on the record),
    a transition a 403 ``agency_licence``, never a 404 that leaves no trace."""

    def get_queryset(self) -> QuerySet[CollectionCase]:
        if self.request.method == "POST":
            return selectors.case_scope_for(caller(self.request))
        return super().get_queryset()
