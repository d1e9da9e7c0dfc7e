"""A form renderer for the case page: Django's widget markup for the plain widgets, formatted in Python.

The case page carries a dozen small action forms (call, notice, link, dispute, waiver, plan, payment,
assignment, placement, promise, restore): some 30 widgets, and every ``<option>`` of every select is one
more template include. Through Django's template renderer that was a fifth of the page's server time
(issue 13). The widgets whose templates are a plain ``<input>``, ``<textarea>``, ``<select>`` and
``<option>`` are written here as those templates write them; any other template (radio buttons, a
project override) goes to Django's renderer unchanged. ``test_admin_case_page.py`` renders every form of
the page both ways and compares, and checks that Django's templates are still the ones copied here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape

_WIDGETS = "django/forms/widgets/"
# Django's widget templates that are only ``{% include "django/forms/widgets/input.html" %}``.
INPUT_TEMPLATES = tuple(
    f"{_WIDGETS}{name}.html"
    for name in ("input", "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time")
) + (f"{_WIDGETS}checkbox.html",)


def _text(value: Any) -> str:
    """``{{ value|stringformat:'s' }}`` under autoescape."""
    return str(conditional_escape(value if hasattr(value, "__html__") else f"{value}"))


def _attrs(attrs: Mapping[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_text(value)}"')
    return "".join(parts)


def _input(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{_text(value)}"'
    kind, name = _text(widget["type"]), _text(widget["name"])
    return f'<input type="{kind}" name="{name}"{shown}{_attrs(widget["attrs"])}>'


def _textarea(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{_text(value) if value else ''}</textarea>"
    )


def _option(option: Mapping[str, Any]) -> str:
    return (
        f'<option value="{_text(option["value"])}"{_attrs(option["attrs"])}>{_text(option["label"])}</option>'
    )


def _select(widget: Mapping[str, Any]) -> str:
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != f"{_WIDGETS}select_option.html":
                raise _NotPlain
            parts.append(f"\n  {_option(option)}\n")  # an included template keeps its final newline
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class _NotPlain(Exception):
    """A widget this module does not write (an option with its own template): Django's renderer does."""


PLAIN: dict[str, Callable[[Mapping[str, Any]], str]] = {
    **dict.fromkeys(INPUT_TEMPLATES, _input),
    f"{_WIDGETS}textarea.html": _textarea,
    f"{_WIDGETS}select.html": _select,
    f"{_WIDGETS}select_option.html": _option,
}


class PlainWidgetRenderer(DjangoTemplates):
    """Django's ``DjangoTemplates`` form renderer, with the plain widgets written directly (see above)."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        write = PLAIN.get(template_name)
        if write is not None and "widget" in context:
            try:
                return write(context["widget"]).strip()
            except _NotPlain:
                pass
        return str(super().render(template_name, context, request))


# One per process, like Django's default renderer (its template engine is built once).
CASE_PAGE_RENDERER = PlainWidgetRenderer()
