"""``{% load case_list %}``: ``{% case_result_list cl %}``, the case list's rows from ``admin.case_list``.

Used by ``admin/collections/collectioncase/change_list.html`` in place of the admin's ``{% result_list %}``;
the same template (``change_list_results.html``) and the same markup, formatted once per column.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from debt_collections.admin.case_list import case_result_list

register = template.Library()


@register.tag(name="case_result_list")
def case_result_list_tag(parser: Any, token: Any) -> InclusionAdminNode:
    return InclusionAdminNode(
        parser, token, func=case_result_list, template_name="change_list_results.html", takes_context=False
    )
