"""Blank forms of the verified page, rendered once per process, language and shape.

The page carries up to eight forms (hardship, dispute, complaint, callback, opt-out, promise, one appeal
per limit change); rendering their fields through Django's form templates cost about a third of the
page's template time on every view, for HTML that only changes with the language and the few values a
form is built from (the day for the date bounds, the choices). A blank form's fields are rendered once
for that key and served from a bounded per-process table afterwards; a form bound to a failed POST (with
its errors and the customer's text) is never cached: the view passes it instead of the blank one.

The template reads a cached form exactly as a form (``{{ dispute_form.kind.as_field_group }}``): it is a
mapping of field name to a mapping holding ``as_field_group``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from django import forms
from django.utils.safestring import SafeString
from django.utils.translation import get_language

# Keys are (form key, language); a few hundred distinct days, choice sets and limit changes at most
# between restarts. Cleared whole when full: simpler than an LRU, and refilling costs one render each.
MAX_ENTRIES = 2048
_rendered: dict[tuple[Hashable, str], dict[str, dict[str, SafeString]]] = {}

BlankForm = dict[str, dict[str, SafeString]]


def blank_form(key: Hashable, make: Callable[[], forms.Form]) -> BlankForm:
    """The rendered fields of the blank form ``make()`` builds; ``key`` must name everything the form's
    HTML depends on besides the active language (its class and constructor arguments)."""
    full_key = (key, get_language() or "")
    cached = _rendered.get(full_key)
    if cached is None:
        form = make()
        if form.is_bound:
            raise ValueError("only blank forms are cached")
        cached = {name: {"as_field_group": form[name].as_field_group()} for name in form.fields}
        if len(_rendered) >= MAX_ENTRIES:
            _rendered.clear()
        _rendered[full_key] = cached
    return cached


def form_or_blank(bound: Any, key: Hashable, make: Callable[[], forms.Form]) -> Any:
    """``bound`` (a form with errors the view re-shows) when given, else the cached blank form."""
    return bound if bound is not None else blank_form(key, make)
