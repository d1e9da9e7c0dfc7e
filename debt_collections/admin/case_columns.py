"""For every list whose rows belong to a case (tasks, waivers): the case as a link into its page, and
search by the customer's phone number (typed any usual way) and the exact account number, as on the case
list (issue 14)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from accounts.models import ContactPoint
from debt_collections.admin.search import phone_search_candidates

SEARCH_HELP = gettext_lazy(
    "Customer name, phone number (13800001234 or +8613800001234) or exact account number."
)


class CaseColumnsMixin:
    """Mix into a ``ModelAdmin`` of rows with a ``case`` foreign key; list ``case_link`` in
    ``list_display`` and add ``=case__account__account_number`` to ``search_fields``."""

    @admin.display(description=gettext_lazy("Case"), ordering="case")
    def case_link(self, obj: Any) -> str:
        url = reverse("admin:collections_collectioncase_change", args=[obj.case_id])
        return format_html('<a href="{}">#{}</a>', url, obj.case_id)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        results, duplicates = super().get_search_results(request, queryset, search_term)  # type: ignore[misc]
        phones = phone_search_candidates(search_term)
        if phones:
            has_phone = Exists(
                ContactPoint.objects.filter(
                    customer_id=OuterRef("case__customer_id"),
                    kind=ContactPoint.Kind.PHONE,
                    phone__in=sorted(phones),
                )
            )
            results = results | queryset.filter(has_phone)
        return results, duplicates
