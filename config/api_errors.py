"""API error mapping: every error is JSON with ``detail`` and ``code``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from debt_collections.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.http_status)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    # Django's Http404 / PermissionDenied carry no code; name them as DRF's equivalents do.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    code = getattr(exc, "default_code", "error")
    if hasattr(exc, "get_codes"):
        codes = exc.get_codes()
        if isinstance(codes, str):
            code = codes
    if isinstance(data, dict) and "detail" in data:
        body: dict[str, Any] = {"detail": str(data["detail"]), "code": code}
    elif response.status_code == status.HTTP_400_BAD_REQUEST:
        body = {"detail": "The request is invalid.", "code": "invalid", "errors": data}
    else:
        body = {"detail": str(data), "code": code}
    response.data = body
    return response
