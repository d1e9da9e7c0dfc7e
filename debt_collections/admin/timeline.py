"""The case page's timeline: the case's audit events, oldest first, the latest ``TIMELINE_LIMIT`` of them
unless the page is asked for all (``?timeline=all``).

Agents cannot open the audit log, so nothing may be out of their reach here: a longer history is one link
away on the same page. Without the limit the page read and formatted every event of the case on each
view, however old the case.

The rows are formatted here, with the markup the template's loop made (``test_admin_case_page.py``
compares them): through the template engine each row cost about as much as a form field, a tenth of the
page for a case with 50 events.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from debt_collections import selectors
from debt_collections.admin.display import summarize_payload
from debt_collections.models import AuditEvent, CollectionCase
from debt_collections.policies.localtime import customer_zone

TIMELINE_LIMIT = 100
SHOW_ALL_PARAM, SHOW_ALL_VALUE = "timeline", "all"

_ROW = (
    '\n      <tr>\n        <td class="case-num">{}</td>\n'
    '        <td><time datetime="{}">{}</time></td>\n'
    "        <td>{}</td>\n"
    "        <td>{}</td>\n"
    "        <td>{}</td>\n"
    '        <td class="case-payload">{}</td>\n'
    "      </tr>\n      "
)


def timeline_events(case: CollectionCase, *, show_all: bool) -> tuple[list[AuditEvent], bool]:
    """The events to show, oldest first, and whether older ones were left out. One query."""
    events = selectors.case_timeline(case)
    if show_all:
        return list(events), False
    newest = list(events.reverse()[: TIMELINE_LIMIT + 1])
    return newest[:TIMELINE_LIMIT][::-1], len(newest) > TIMELINE_LIMIT


def timeline_rows(events: Iterable[AuditEvent], customer: Any) -> SafeString:
    """The ``<tr>`` rows, as the template's loop wrote them: the time in UTC (the admin's zone) and on the
    customer's wall clock (``case_time.customer_local``), the actor, the action and the payload's summary."""
    try:
        zone = customer_zone(customer)
    except (KeyError, ValueError):  # an unknown zone or pack: the local column stays empty, not a failed page
        zone = None
    rows = []
    for event in events:
        at = timezone.localtime(event.at)
        local = f"{event.at.astimezone(zone):%Y-%m-%d %H:%M:%S} {zone.key}" if zone is not None else ""
        rows.append(
            (
                event.seq,
                at.isoformat(),
                f"{at:%Y-%m-%d %H:%M:%S}",
                local,
                event.actor,
                event.action,
                summarize_payload(event.payload),
            )
        )
    return format_html_join("", _ROW, rows)


def timeline_context(request: HttpRequest, case: CollectionCase) -> dict[str, Any]:
    show_all = request.GET.get(SHOW_ALL_PARAM) == SHOW_ALL_VALUE
    events, more = timeline_events(case, show_all=show_all)
    return {
        "timeline_events": events,
        "timeline": timeline_rows(events, case.customer) if events else "",
        "timeline_more": more,
        "timeline_limit": TIMELINE_LIMIT,
        "timeline_all_query": format_html("?{}={}", SHOW_ALL_PARAM, SHOW_ALL_VALUE),
    }
