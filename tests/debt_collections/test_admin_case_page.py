"""The case page's forms through ``admin/widget_render.py`` and the page's query count.

The plain widgets are written in Python instead of through Django's widget templates; these tests hold
the page to what Django's renderer makes of the same forms, and the copied templates to Django's.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.forms.renderers import DjangoTemplates
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import Agency, User
from debt_collections import selectors, services
from debt_collections.admin import record_rows, timeline, widget_render
from debt_collections.admin.display import summarize_payload
from debt_collections.models import CaseState, CollectionCase, ContactAttempt
from debt_collections.templatetags.action_fields import action_fields
from notifications.models import Notice, NoticeTemplate
from tests.factories import SYSTEM, PhoneFactory, make_case

pytestmark = pytest.mark.django_db

# Django's templates as widget_render.py writes them: a Django upgrade that changes one fails here.
COPIED = {
    "django/forms/widgets/input.html": (
        '<input type="{{ widget.type }}" name="{{ widget.name }}"{% if widget.value != None %} '
        "value=\"{{ widget.value|stringformat:'s' }}\"{% endif %}"
        '{% include "django/forms/widgets/attrs.html" %}>\n'
    ),
    "django/forms/widgets/attrs.html": (
        "{% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}"
        "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}{% endfor %}"
    ),
    "django/forms/widgets/textarea.html": (
        '<textarea name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>\n'
        "{% if widget.value %}{{ widget.value }}{% endif %}</textarea>\n"
    ),
    "django/forms/widgets/select.html": (
        '<select name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>'
        "{% for group_name, group_choices, group_index in widget.optgroups %}{% if group_name %}\n"
        '  <optgroup label="{{ group_name }}">{% endif %}{% for option in group_choices %}\n'
        "  {% include option.template_name with widget=option %}{% endfor %}{% if group_name %}\n"
        "  </optgroup>{% endif %}{% endfor %}\n</select>\n"
    ),
    "django/forms/widgets/select_option.html": (
        "<option value=\"{{ widget.value|stringformat:'s' }}\""
        '{% include "django/forms/widgets/attrs.html" %}>{{ widget.label }}</option>\n'
    ),
}


def change_url(case: CollectionCase) -> str:
    return reverse("admin:collections_collectioncase_change", args=[case.pk])


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', html)


def test_the_copied_widget_templates_are_djangos() -> None:
    engine = DjangoTemplates().engine
    for name, source in COPIED.items():
        assert getattr(engine.get_template(name), "template").source == source, name  # noqa: B009
    for name in widget_render.INPUT_TEMPLATES:
        if name != "django/forms/widgets/input.html":
            source = getattr(engine.get_template(name), "template").source.strip()  # noqa: B009
            assert source == '{% include "django/forms/widgets/input.html" %}', name


@pytest.mark.parametrize("state", [CaseState.ACTIVE, CaseState.ON_HOLD])
def test_the_case_page_is_the_one_djangos_renderer_makes(
    state: str, client_for: Any, supervisor: User, agency: Agency, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = make_case(state)
    for _ in range(2):
        PhoneFactory.create(customer=case.customer)
    client = client_for(supervisor)

    ours = without_csrf(client.get(change_url(case)).content.decode())
    monkeypatch.setattr(widget_render, "PLAIN", {})
    djangos = without_csrf(client.get(change_url(case)).content.decode())

    assert "<select" in ours and "<textarea" in ours and 'type="checkbox"' in ours
    assert ours == djangos


def test_the_case_list_action_bar_is_the_one_djangos_renderer_makes(
    client_for: Any, supervisor: User, agency: Agency, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_case(CaseState.ACTIVE)
    client = client_for(supervisor)

    ours = without_csrf(client.get("/admin/collections/collectioncase/").content.decode())
    monkeypatch.setattr(widget_render, "PLAIN", {})
    djangos = without_csrf(client.get("/admin/collections/collectioncase/").content.decode())

    assert ours == djangos


def _page_queries(client: Any, case: CollectionCase) -> int:
    client.get(change_url(case))  # warm: content types, permissions
    with CaptureQueriesContext(connection) as queries:
        assert client.get(change_url(case)).status_code == 200
    return len(queries)


def test_a_case_with_more_records_costs_no_more_queries(
    client_for: Any, supervisor: User, agent: User, agency: Agency
) -> None:
    client = client_for(supervisor)
    few, many = make_case(CaseState.ACTIVE), make_case(CaseState.ACTIVE)
    PhoneFactory.create(customer=few.customer)
    for _ in range(6):
        PhoneFactory.create(customer=many.customer)
    for _ in range(3):  # more events on the timeline
        services.case_assign(case_id=many.pk, actor=SYSTEM, assignee=agent)
        services.case_assign(case_id=many.pk, actor=SYSTEM, assignee=None)

    assert _page_queries(client, many) == _page_queries(client, few)


def test_the_case_page_reads_the_case_once(client_for: Any, supervisor: User) -> None:
    case = make_case(CaseState.ACTIVE)
    client = client_for(supervisor)
    client.get(change_url(case))

    with CaptureQueriesContext(connection) as queries:
        client.get(change_url(case))
    case_reads = [q for q in queries if 'FROM "collections_collectioncase"' in q["sql"]]
    assert len(case_reads) == 1


# The timeline's rows as the change form's template wrote them before admin/timeline.py formatted them.
TIMELINE_LOOP = (
    "{% load case_time %}{% for event in timeline %}\n"
    "      <tr>\n"
    '        <td class="case-num">{{ event.seq }}</td>\n'
    '        <td><time datetime="{{ event.at|date:"c" }}">{{ event.at|date:"Y-m-d H:i:s" }}</time></td>\n'
    "        <td>{{ event.at|customer_local:customer }}</td>\n"
    "        <td>{{ event.actor }}</td>\n"
    "        <td>{{ event.action }}</td>\n"
    '        <td class="case-payload">{{ event.summary }}</td>\n'
    "      </tr>\n"
    "      {% endfor %}"
)


def held_and_released(case: CollectionCase, times: int) -> None:
    for i in range(times):
        services.case_hold(case_id=case.pk, actor=SYSTEM, hold_reason="hardship", reason=f"<b>{i}</b> & co")
        services.case_release(case_id=case.pk, actor=SYSTEM, reason=f"back {i}")


def test_the_timeline_rows_are_the_ones_the_template_loop_made() -> None:
    case = make_case(CaseState.ACTIVE)
    held_and_released(case, 2)  # payloads with markup in them: escaped the same way
    events = list(selectors.case_timeline(case))
    reference = Template(TIMELINE_LOOP).render(
        Context(
            {
                "customer": case.customer,
                "timeline": [
                    {
                        "seq": e.seq,
                        "at": e.at,
                        "actor": e.actor,
                        "action": e.action,
                        "summary": summarize_payload(e.payload),
                    }
                    for e in events
                ],
            }
        )
    )

    assert "&lt;b&gt;1&lt;/b&gt; &amp; co" in reference
    assert timeline.timeline_rows(events, case.customer) == reference


def _timeline_seqs(html: str) -> list[int]:
    section = html[html.index('id="case-timeline-title"') :]
    return [int(seq) for seq in re.findall(r'<td class="case-num">(\d+)</td>\s*<td><time', section)]


def test_the_timeline_shows_the_latest_events_and_all_of_them_on_request(
    client_for: Any, supervisor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timeline, "TIMELINE_LIMIT", 3)
    case = make_case(CaseState.ACTIVE)
    held_and_released(case, 3)
    every = [e.seq for e in selectors.case_timeline(case)]
    client = client_for(supervisor)

    page = client.get(change_url(case)).content.decode()
    everything = client.get(change_url(case) + "?timeline=all").content.decode()

    assert len(every) > 3
    assert _timeline_seqs(page) == every[-3:]  # the latest, oldest first
    assert 'href="?timeline=all#case-timeline-title"' in page
    assert _timeline_seqs(everything) == every
    assert "?timeline=all" not in everything


def test_a_short_timeline_has_no_show_all_link(client_for: Any, supervisor: User) -> None:
    case = make_case(CaseState.ACTIVE)
    page = client_for(supervisor).get(change_url(case)).content.decode()
    assert _timeline_seqs(page) == [e.seq for e in selectors.case_timeline(case)]
    assert "?timeline=all" not in page


def test_a_long_timeline_costs_no_more_queries_nor_rows(
    client_for: Any, supervisor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timeline, "TIMELINE_LIMIT", 4)
    client = client_for(supervisor)
    short, long = make_case(CaseState.ACTIVE), make_case(CaseState.ACTIVE)
    held_and_released(long, 6)

    assert _page_queries(client, long) == _page_queries(client, short)
    assert len(_timeline_seqs(client.get(change_url(long)).content.decode())) == 4


# The fields of an action form as the included template ``_action_fields.html`` wrote them before
# ``{% action_fields %}`` formatted them.
ACTION_FIELDS_TEMPLATE = (
    "{% comment %}\n"
    "The fields of one action form: a label above each input, checkboxes inline, help text tied to its\n"
    "input with aria-describedby (Django's widgets add it when the form has help text). Include with form=…\n"
    "{% endcomment %}\n"
    "{% for field in form %}\n"
    '{% if field.widget_type == "checkbox" %}\n'
    '<label class="case-check" for="{{ field.id_for_label }}">{{ field }} {{ field.label }}</label>\n'
    "{% else %}\n"
    '<label for="{{ field.id_for_label }}">{{ field.label }}</label>\n'
    "{{ field }}\n"
    "{% endif %}\n"
    '{% if field.help_text %}<p class="help" id="{{ field.auto_id }}_helptext">'
    "{{ field.help_text }}</p>{% endif %}\n"
    "{% endfor %}\n"
)


@pytest.mark.parametrize("state", [CaseState.ACTIVE, CaseState.ON_HOLD])
def test_every_action_form_is_written_as_the_template_wrote_it(
    state: str, client_for: Any, supervisor: User, agency: Agency
) -> None:
    case = make_case(state)
    PhoneFactory.create(customer=case.customer)
    context = client_for(supervisor).get(change_url(case)).context
    names = [
        *("log_call_form", "notice_form", "link_form", "plan_form", "waiver_form", "dispute_form"),
        *("payment_form", "promise_form", "promise_cancel_form", "restore_form"),
    ]
    forms = [context[name] for name in names if name in context and context[name] is not None]

    assert len(forms) >= 3
    for form in forms:
        reference = Template(ACTION_FIELDS_TEMPLATE).render(Context({"form": form}))
        assert action_fields(form) == reference, type(form).__name__


# The attempt and notice rows as _records.html's loops wrote them before admin/record_rows.py did.
ATTEMPT_LOOP = (
    "{% load i18n %}{% for row in attempt_rows %}{% with a=row.attempt %}\n"
    '      <tr class="{% if not a.allowed %}case-blocked{% endif %}">\n'
    "        <td>{{ row.at }}</td>\n"
    "        <td>{{ a.get_channel_display }}</td>\n"
    "        <td>{{ a.get_direction_display }}</td>\n"
    "        <td>{{ row.point }}</td>\n"
    '        <td>{{ a.get_outcome_display|default:"—" }}{% if a.note %}<div class="help">{{ a.note }}</div>'
    "{% endif %}</td>\n"
    '        <td>{% if a.allowed %}{% translate "Allowed" %}{% else %}<strong class="case-flag">'
    '{% translate "Blocked" %}</strong>: {{ row.blocked_by }}\n'
    '          {% if row.next_allowed %}<div class="help">{% blocktranslate with when=row.next_allowed %}'
    "Possible from {{ when }}{% endblocktranslate %}</div>{% endif %}{% endif %}</td>\n"
    '        <td>{{ a.agent|default:"—" }}</td>\n'
    "      </tr>\n"
    "      {% endwith %}{% endfor %}"
)
NOTICE_LOOP = (
    "{% load i18n %}{% for row in notice_rows %}{% with n=row.notice %}\n"
    "      <tr class=\"{% if n.status == 'blocked' %}case-blocked{% endif %}\">\n"
    "        <td>{{ row.at }}</td>\n"
    "        <td>{{ n.template.key }} v{{ n.template.version }}</td>\n"
    "        <td>{{ n.get_channel_display }}</td>\n"
    "        <td>{{ row.point }}</td>\n"
    '        <td>{% if n.status == "blocked" %}<strong class="case-flag">'
    "{{ n.get_status_display }}</strong>: {{ row.blocked_by }}\n"
    '          {% if row.next_allowed %}<div class="help">{% blocktranslate with when=row.next_allowed %}'
    "Possible from {{ when }}{% endblocktranslate %}</div>{% endif %}\n"
    '          {% else %}{{ n.get_status_display }}{% if row.not_before %}<div class="help">'
    "{% blocktranslate with when=row.not_before %}Not before {{ when }}{% endblocktranslate %}</div>"
    "{% endif %}{% endif %}</td>\n"
    '        <td class="case-payload">\n'
    "          <details>\n"
    '            <summary>{% translate "Show the text" %}</summary>\n'
    '            <pre class="case-notice-body">{% if n.subject %}{{ n.subject }}\n'
    "\n"
    "{% endif %}{{ row.body }}</pre>\n"
    "          </details>\n"
    "        </td>\n"
    "      </tr>\n"
    "      {% endwith %}{% endfor %}"
)


def _attempt_rows() -> list[dict[str, Any]]:
    """Every branch of the loop: allowed and blocked, with and without a note, an outcome, an agent, a
    time it becomes possible; markup in the texts."""
    rows = []
    for i, (allowed, outcome, note, agent) in enumerate(
        [
            (True, "spoke_debtor", "said <b>pay</b> & co", User(username="agent<1>")),
            (False, "", "", None),
            (False, "no_answer", "", User(username="a2")),
            (True, "unknown_code", "", None),  # a value without a label: shown as it is
        ]
    ):
        attempt = ContactAttempt(
            channel=["call", "sms", "email", "letter"][i],
            direction=["outbound", "inbound"][i % 2],
            allowed=allowed,
            outcome=outcome,
            note=note,
            agent=agent,
        )
        rows.append(
            {
                "attempt": attempt,
                "at": f"2026-03-1{i} 08:00 Asia/Shanghai (00:00 UTC) <{i}>",
                "point": f"+86 138****{i:04d}",
                "blocked_by": "" if allowed else "HOURS, FREQ_7D & <x>",
                "next_allowed": "2026-03-11 08:00 Asia/Shanghai (00:00 UTC)" if i == 1 else "",
            }
        )
    return rows


def _notice_rows() -> list[dict[str, Any]]:
    rows = []
    for i, (status, subject, next_allowed, not_before) in enumerate(
        [
            ("blocked", "", "2026-03-11 08:00 Asia/Shanghai (00:00 UTC)", ""),
            ("blocked", "", "", ""),
            ("queued", "Your <account>", "", "2026-03-12 09:00 Asia/Shanghai (01:00 UTC)"),
            ("sent", "", "", ""),
        ]
    ):
        notice = Notice(
            template=NoticeTemplate(key=f"reminder.soft<{i}>", version=i + 1),
            channel=["sms", "email", "letter", "sms"][i],
            status=status,
            subject=subject,
        )
        rows.append(
            {
                "notice": notice,
                "at": f"2026-03-1{i} 08:00 Asia/Shanghai (00:00 UTC)",
                "point": "a***@example.com",
                "body": f"Pay at /n/[link abc{i}]/ & <now>\nline two",
                "blocked_by": "HOURS & <y>" if status == "blocked" else "",
                "next_allowed": next_allowed,
                "not_before": not_before,
            }
        )
    return rows


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_attempt_and_notice_rows_are_the_ones_the_template_loops_made(language: str) -> None:
    attempts, notices = _attempt_rows(), _notice_rows()
    with translation.override(language):
        attempt_reference = Template(ATTEMPT_LOOP).render(Context({"attempt_rows": attempts}))
        notice_reference = Template(NOTICE_LOOP).render(Context({"notice_rows": notices}))

        assert record_rows.attempt_table_rows(attempts) == attempt_reference
        assert record_rows.notice_table_rows(notices) == notice_reference
    assert "said &lt;b&gt;pay&lt;/b&gt; &amp; co" in attempt_reference
    assert "Your &lt;account&gt;" in notice_reference


def test_the_case_page_shows_the_stored_attempts_and_notices_as_rows(
    client_for: Any, supervisor: User
) -> None:
    case = make_case(CaseState.ACTIVE)
    phone = PhoneFactory.create(customer=case.customer)
    services.contact_attempt_log(
        case_id=case.pk,
        actor=SYSTEM,
        contact_point_id=phone.pk,
        channel=ContactAttempt.Channel.CALL,
        direction=ContactAttempt.Direction.INBOUND,
        connected=True,
        conversation=True,
        outcome="spoke_debtor",
        note="<called back>",
    )

    page = client_for(supervisor).get(change_url(case))

    html = page.content.decode()
    assert str(page.context["attempt_table"]) in html
    assert str(page.context["notice_table"]) in html
    assert "&lt;called back&gt;" in html
    assert html.count('<tr class="') >= len(page.context["attempt_rows"]) + len(page.context["notice_rows"])
