"""``field__any``: the bulk steps' membership test sends one parameter however long the list, and always
selects what ``__in`` selects (ids, relations, strings, an empty list), on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from accounts.models import ContactPoint
from debt_collections.models import CaseState, CollectionCase
from tests.factories import make_case

pytestmark = pytest.mark.django_db


def _same(qs_any: object, qs_in: object) -> None:
    assert sorted(qs_any) == sorted(qs_in)  # type: ignore[call-overload]


def test_any_selects_what_in_selects_for_ids_relations_strings_and_nothing() -> None:
    cases = [make_case(CaseState.EARLY) for _ in range(4)]
    ids = [c.pk for c in cases[:3]] + [10**9]  # one id that matches nothing
    customers = {c.customer_id for c in cases[1:]}
    values = [p.value for p in ContactPoint.objects.all()[:3]] + ["nobody@example.com"]

    _same(
        CollectionCase.objects.filter(pk__any=ids).values_list("pk", flat=True),
        CollectionCase.objects.filter(pk__in=ids).values_list("pk", flat=True),
    )
    _same(
        CollectionCase.objects.filter(customer_id__any=customers).values_list("pk", flat=True),
        CollectionCase.objects.filter(customer_id__in=customers).values_list("pk", flat=True),
    )
    _same(  # through a relation, and on a foreign key given by its field name
        CollectionCase.objects.filter(customer__any=customers, account__cases__id__any=ids).values_list(
            "pk", flat=True
        ),
        CollectionCase.objects.filter(customer__in=customers, account__cases__id__in=ids).values_list(
            "pk", flat=True
        ),
    )
    _same(
        ContactPoint.objects.filter(email__any=values).values_list("pk", flat=True),
        ContactPoint.objects.filter(email__in=values).values_list("pk", flat=True),
    )
    assert list(CollectionCase.objects.filter(pk__any=[])) == []
    assert CollectionCase.objects.exclude(pk__any=[]).count() == len(cases)


def test_a_long_list_is_one_parameter() -> None:
    case = make_case(CaseState.EARLY)
    qs = CollectionCase.objects.filter(pk__any=range(case.pk, case.pk + 20_000))

    _sql, params = qs.query.sql_with_params()

    assert len(params) == 1  # ``__in`` would send 20,000
    assert list(qs.values_list("pk", flat=True)) == [case.pk]
