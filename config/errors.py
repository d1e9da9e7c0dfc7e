"""Humane error pages (issue 12): 400, 403, 404 and 500 in plain words, in both languages, never Django's
debug page to a customer, and the customer page's own layout for anything under ``/n/``.

``handler400`` … ``handler500`` in ``config.urls`` serve them when ``DEBUG`` is off. With ``DEBUG`` on
(the demo), ``HumaneErrorsMiddleware`` replaces Django's technical 404/500 page with the same page for
anyone who is not signed-in staff, so a customer never sees a traceback, a URL list or settings.
The API keeps its JSON errors (``config.api_errors``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

CUSTOMER_PREFIXES = ("/n/", "/o/", "/payments/")
# (English, Chinese) title and sentence for each status.
TEXTS: dict[int, tuple[str, str, str, str]] = {
    400: (
        "We could not read that request",
        "请求无法处理",
        "Please go back, reload the page and try again.",
        "请返回并刷新页面后重试。",
    ),
    403: (
        "This page is not available to you",
        "您无权访问此页面",
        "If you followed a link from a message, please open the whole link again.",
        "如果您是通过短信或邮件中的链接进入，请重新打开完整链接。",
    ),
    404: (
        "We could not find that page",
        "找不到该页面",
        "Please check that you opened the whole link from the message.",
        "请确认您打开的是短信或邮件中的完整链接。",
    ),
    500: (
        "Something went wrong on our side",
        "系统出现问题",
        "Nothing you did caused this. Please try again in a few minutes.",
        "这不是您的操作造成的，请稍后再试。",
    ),
}


def is_customer_path(path: str) -> bool:
    return path.startswith(CUSTOMER_PREFIXES)


def error_page(request: HttpRequest, status: int) -> HttpResponse:
    """The page for ``status``; needs no database (a 500 may be the database's fault)."""
    en_title, zh_title, en_text, zh_text = TEXTS.get(status, TEXTS[500])
    template = "errors/customer.html" if is_customer_path(request.path) else "errors/staff.html"
    html = render_to_string(
        template,
        {
            "status": status,
            "lender_name": settings.LENDER_NAME,
            "en_title": en_title,
            "zh_title": zh_title,
            "en_text": en_text,
            "zh_text": zh_text,
        },
    )
    return HttpResponse(html, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(request, 500)


class HumaneErrorsMiddleware:
    """With ``DEBUG`` on, swap Django's technical error page for the humane one unless staff is signed in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not settings.DEBUG or response.status_code not in TEXTS or request.path.startswith("/api/"):
            return response
        if b"DEBUG = True" not in getattr(response, "content", b""):
            return response  # already a page of ours (the link pages, the admin's own messages)
        user = getattr(request, "user", None)
        staff = user is not None and user.is_authenticated and user.is_staff
        if staff and not is_customer_path(request.path):
            return response  # a developer at the admin keeps the debug page
        return error_page(request, response.status_code)
