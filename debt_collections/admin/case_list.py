"""The case list's rows: the markup of Django's ``items_for_result``, planned once per page.

Django's ``result_list`` works out, for every cell of every row, what the column is (field lookup, admin
method or model attribute), its empty value (a lazy translation, so a catalogue lookup per cell), its CSS
classes and whether it links to the case, then escapes each cell and hands the template one item per cell
to render. With 50 rows of 10 columns that was the largest part of the list page (issue 13: about half of
its 30 ms of server time). Here those decisions are made once per column, each row is one string, and the
values still go through Django's own ``display_for_field`` / ``display_for_value``, so a column shows
what the stock admin shows. ``test_admin_list.py`` compares the rows with Django's, cell for cell.

Only the plain case is planned (no ``list_editable`` formset, no popup, no ``to_field``); anything else
takes Django's path unchanged.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    result_headers,
    result_hidden_fields,
    results,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import display_for_field, display_for_value
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

# A path segment that no primary key is: the change URL is reversed once with it, the row's key put in its
# place.
_PK_MARK = "__case_list_pk__"


@dataclass(frozen=True)
class _Column:
    """One column: how to read the value and turn it into the cell's text, decided once per page."""

    read: Callable[[Any], Any]  # the row → (field or None, value)
    field: models.Field[Any, Any] | None
    boolean: bool
    empty: str
    classes: str  # the cell's fixed classes; "nowrap" for a date value is added per row, as Django does
    link: bool
    tag: str  # "th" for the first linked column, else "td"


def _plan(cl: ChangeList) -> list[_Column]:
    model_admin = cl.model_admin
    opts = cl.lookup_opts
    default_empty = str(model_admin.get_empty_value_display())
    links = cl.list_display_links
    columns: list[_Column] = []
    first = True
    for index, name in enumerate(cl.list_display):
        link = links is not None and ((first and not links) or name in links)
        classes = [f"field-{_column_class(name, index)}"]
        attr: Any = None
        field = _plain_field(opts, name)
        if field is None:
            if callable(name):
                attr = name
                read: Callable[[Any], Any] = name
            elif hasattr(model_admin, name) and name != "__str__":
                attr = getattr(model_admin, name)
                read = attr
            else:
                attr = getattr(cl.model, name, None)
                read = _model_attribute(name)
        else:
            read = _field_value(field.name if field.is_relation else str(name))
        empty = str(getattr(attr, "empty_value_display", default_empty))
        boolean = getattr(attr, "boolean", False)
        if isinstance(attr, property) and hasattr(attr, "fget"):
            boolean = getattr(attr.fget, "boolean", False)
        if field is None or field.auto_created:
            if name == "action_checkbox":
                classes = ["action-checkbox"]
        elif isinstance(field, models.DateField | models.TimeField | models.ForeignKey):
            classes.append("nowrap")
        columns.append(
            _Column(
                read=read,
                field=None if field is None or field.auto_created else field,
                boolean=bool(boolean),
                empty=empty,
                classes=" ".join(classes),
                link=link,
                tag="th" if link and first else "td",
            )
        )
        first = first and not link
    return columns


def _column_class(name: Any, index: int) -> str:
    """The column's CSS name, as Django's ``_coerce_field_name``."""
    if callable(name):
        return f"lambda{index}" if name.__name__ == "<lambda>" else str(name.__name__)
    return str(name)


def _plain_field(opts: Any, name: Any) -> Any:
    """The model field ``name`` names, as Django's ``lookup_field`` finds it (its ``_get_non_gfk_field``);
    None for a method, attribute, generic or reverse relation, or a foreign key's ``_id`` column."""
    if not isinstance(name, str):
        return None
    try:
        field = opts.get_field(name)
    except FieldDoesNotExist:
        return None
    if field.is_relation and ((field.many_to_one and not field.related_model) or field.one_to_many):
        return None
    if field.is_relation and not field.many_to_many and getattr(field, "attname", None) == name:
        return None
    return field


def _field_value(name: str) -> Callable[[Any], Any]:
    return lambda obj: getattr(obj, name)


def _model_attribute(name: str) -> Callable[[Any], Any]:
    def read(obj: Any) -> Any:
        value = getattr(obj, name)
        return value() if callable(value) else value

    return read


def _cell_text(column: _Column, obj: Any) -> tuple[Any, bool]:
    """The cell's text (escaped when rendered) and whether the value is a date or time (Django's nowrap)."""
    try:
        value = column.read(obj)
    except ObjectDoesNotExist:
        return column.empty, False
    if isinstance(value, str) and value.strip() == "":
        value = ""
    field = column.field
    if field is None:
        return display_for_value(value, column.empty, column.boolean), isinstance(
            value, datetime.date | datetime.time
        )
    if isinstance(field.remote_field, models.ManyToOneRel):
        return (column.empty if value is None else value), False
    return display_for_field(value, field, column.empty, avoid_link=column.link), False


def _row_url(cl: ChangeList) -> Callable[[Any], str] | None:
    """The change URL of a row, with the list's filters preserved: reversed once, the key put in per row."""
    try:
        url = reverse(
            f"admin:{cl.opts.app_label}_{cl.opts.model_name}_change",
            args=(_PK_MARK,),
            current_app=cl.model_admin.admin_site.name,
        )
    except NoReverseMatch:
        return None
    preserved: dict[str, Any] = {"preserved_filters": cl.preserved_filters, "opts": cl.opts}
    url = add_preserved_filters(preserved, url)
    before, _, after = url.partition(_PK_MARK)  # the first one is the path's: a filter value comes later
    pk_name = cl.lookup_opts.pk.attname

    def row_url(obj: Any) -> str:
        pk = getattr(obj, pk_name)
        if isinstance(pk, int):
            return f"{before}{pk}{after}"
        # Any other key is quoted (admin's quote, then the URL's): Django's own path does both.
        return str(add_preserved_filters(preserved, cl.url_for_result(obj)))

    return row_url


def result_rows(cl: ChangeList) -> list[ResultList]:
    """Each row of ``cl.result_list`` as one safe string (in a one-item ``ResultList``, as the template
    expects), the same markup as Django's ``items_for_result``."""
    columns = _plan(cl)
    row_url = _row_url(cl)
    rows = []
    for obj in cl.result_list:
        url = row_url(obj) if row_url is not None else None
        cells = []
        for column in columns:
            text, nowrap = _cell_text(column, obj)
            classes = f"{column.classes} nowrap" if nowrap else column.classes
            escaped: str = conditional_escape(text)
            if column.link and url is not None:
                escaped = f'<a href="{conditional_escape(url)}">{escaped}</a>'
            cells.append(f'<{column.tag} class="{classes}">{escaped}</{column.tag}>')
        rows.append(ResultList(None, [SafeString("".join(cells))]))
    return rows


def case_result_list(cl: ChangeList) -> dict[str, Any]:
    """The context of Django's ``result_list`` tag (``change_list_results.html``), the rows from
    ``result_rows``."""
    headers = list(result_headers(cl))
    planned = not (cl.formset or cl.is_popup or cl.to_field)
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": result_rows(cl) if planned else list(results(cl)),
    }
