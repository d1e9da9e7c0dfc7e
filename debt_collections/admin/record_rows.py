"""The case page's contact attempt and notice rows, formatted here with the markup ``_records.html``'s loops
wrote (``test_admin_case_page.py`` renders those loops and compares).

Through the template engine the two tables were about a tenth of the page for a case with a few dozen
attempts: every cell a variable lookup, and each ``get_<field>_display`` call hashed every label of the
field's choices (Django builds the value → label dict on each call), translating them all. Here the
labels come from a dict built once per field (``choice_labels``), still translated per request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from django.db.models import Model
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from debt_collections.models import ContactAttempt
from notifications.models import Notice


@cache
def choice_labels(model: type[Model], field_name: str) -> Mapping[Any, Any]:
    """A field's value → label (lazy, so translated when shown); the choices are fixed per process."""
    return dict(model._meta.get_field(field_name).flatchoices)  # type: ignore[union-attr]


def display(model: type[Model], field_name: str, value: Any) -> Any:
    """What ``get_<field>_display()`` returns: the label, or the value itself when it has none."""
    label = choice_labels(model, field_name).get(value, value)
    return label if label is None else str(label)


def _e(value: Any) -> str:
    """``{{ value }}`` under autoescape (``None`` is written as ``None``, as the template does)."""
    return str(conditional_escape(value))


def _when(text: str, when: str) -> str:
    """``{% blocktranslate with when=... %}<text> {{ when }}{% endblocktranslate %}``: only the value is
    escaped, not the translation."""
    return text % {"when": _e(when)}


def attempt_table_rows(rows: Iterable[Mapping[str, Any]]) -> SafeString:
    """The ``<tr>`` rows of the contact attempts table, from ``case_records.attempt_rows``."""
    allowed, blocked = _e(_("Allowed")), _e(_("Blocked"))
    possible = _("Possible from %(when)s")
    parts = []
    for row in rows:
        a: ContactAttempt = row["attempt"]
        outcome = display(ContactAttempt, "outcome", a.outcome)
        note = format_html('<div class="help">{}</div>', a.note) if a.note else ""
        if a.allowed:
            gate = allowed
        else:
            later = (
                f'<div class="help">{_when(possible, row["next_allowed"])}</div>'
                if row["next_allowed"]
                else ""
            )
            gate = f'<strong class="case-flag">{blocked}</strong>: {_e(row["blocked_by"])}\n          {later}'
        parts.append(
            f'\n      <tr class="{"" if a.allowed else "case-blocked"}">\n'
            f"        <td>{_e(row['at'])}</td>\n"
            f"        <td>{_e(display(ContactAttempt, 'channel', a.channel))}</td>\n"
            f"        <td>{_e(display(ContactAttempt, 'direction', a.direction))}</td>\n"
            f"        <td>{_e(row['point'])}</td>\n"
            f"        <td>{_e(outcome or '—')}{note}</td>\n"
            f"        <td>{gate}</td>\n"
            f"        <td>{_e(a.agent or '—')}</td>\n"
            "      </tr>\n      "
        )
    return mark_safe("".join(parts))  # noqa: S308  (every value above is escaped)


def notice_table_rows(rows: Iterable[Mapping[str, Any]]) -> SafeString:
    """The ``<tr>`` rows of the notices table, from ``case_records.notice_rows``."""
    show_text = _e(_("Show the text"))
    possible, not_before = _("Possible from %(when)s"), _("Not before %(when)s")
    parts = []
    for row in rows:
        n: Notice = row["notice"]
        status = _e(display(Notice, "status", n.status))
        is_blocked = n.status == "blocked"
        if is_blocked:
            later = (
                f'<div class="help">{_when(possible, row["next_allowed"])}</div>'
                if row["next_allowed"]
                else ""
            )
            flag = f'<strong class="case-flag">{status}</strong>'
            state = f"{flag}: {_e(row['blocked_by'])}\n          {later}\n          "
        else:
            later = (
                f'<div class="help">{_when(not_before, row["not_before"])}</div>' if row["not_before"] else ""
            )
            state = f"{status}{later}"
        subject = f"{_e(n.subject)}\n\n" if n.subject else ""
        parts.append(
            f'\n      <tr class="{"case-blocked" if is_blocked else ""}">\n'
            f"        <td>{_e(row['at'])}</td>\n"
            f"        <td>{_e(n.template.key)} v{_e(n.template.version)}</td>\n"
            f"        <td>{_e(display(Notice, 'channel', n.channel))}</td>\n"
            f"        <td>{_e(row['point'])}</td>\n"
            f"        <td>{state}</td>\n"
            '        <td class="case-payload">\n'
            "          <details>\n"
            f"            <summary>{show_text}</summary>\n"
            f'            <pre class="case-notice-body">{subject}{_e(row["body"])}</pre>\n'
            "          </details>\n"
            "        </td>\n"
            "      </tr>\n      "
        )
    return mark_safe("".join(parts))  # noqa: S308  (every value above is escaped)
