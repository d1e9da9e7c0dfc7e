"""The endpoint × role matrix, generated from the URL configuration (issue 11).

Every route Django knows (the API, the admin's pages and actions, the compliance workspace and its
exports, the customer's pages and the opt-out page, operations endpoints) is requested by each of:
anonymous, an in-house agent, an agency agent, the same agency agent after the agency's licence lapsed,
a supervisor and a compliance officer. Each answer must be the one ``route_matrix.EXPECTED`` names, and
every route must have an entry: a new route without a decision fails here.

Ids in paths point at rows of one case placed with the agency, so an agency agent is inside their
scope; request bodies are empty (a write with an empty body must be refused for a role that may not
write, and be a 400/validation answer for one that may). Set ``ROUTE_MATRIX_RECORD=1`` to print the
observed table (to review a change, never to paste blindly).
"""

from __future__ import annotations

import os
import pprint
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.admin.sites import site
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import Agency, ContactPoint, CreditLimitChange, Role, User
from debt_collections import services
from debt_collections.credit import limit_change_schedule
from debt_collections.models import CaseState, CollectionCase, Dispute, FeeWaiver, RepaymentPlan
from notifications.models import NoticeTemplate
from notifications.rendering import opt_out_token
from tests.config.route_matrix import EXPECTED, ROLES
from tests.factories import (
    SYSTEM,
    AgencyFactory,
    CreditAccountFactory,
    CustomerFactory,
    PhoneFactory,
    UserFactory,
    make_case,
)

pytestmark = pytest.mark.django_db


def walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern), p


def routes() -> list[str]:
    return sorted({route for route, _p in walk(get_resolver().url_patterns)})


def methods_for(route: str) -> list[str]:
    """GET everywhere; POST too for the API's write views, the admin's case actions and the workspace's
    decisions. The customer's pages are GET only here (their POSTs act for the customer: a wrong-party
    report from the matrix would quarantine the number for the next cells)."""
    if route.startswith("api/v1/"):
        pattern = dict(walk(get_resolver().url_patterns))[route]
        view = getattr(pattern.callback, "view_class", None)
        return [m.upper() for m in ("get", "post") if view is not None and hasattr(view, m)]
    if re.search(r"admin/collections/(collectioncase|dispute)/<path:object_id>/\w+/$", route):
        return ["GET", "POST"]
    if route.startswith("compliance/") and route.endswith(("approve/", "reject/", "verify/")):
        return ["GET", "POST"]
    return ["GET"]


# --- the world the matrix runs in -----------------------------------------------------------------


def build_world(agency: Agency) -> dict[str, Any]:
    now = timezone.now()
    customer = CustomerFactory.create()
    phone: ContactPoint = PhoneFactory.create(customer=customer)
    account = CreditAccountFactory.create(customer=customer)
    case: CollectionCase = make_case(CaseState.ACTIVE, account=account)
    services.case_place_with_agency(case_id=case.pk, actor=SYSTEM, agency=agency)
    link, url = services.link_create(case_id=case.pk, actor=SYSTEM, contact_point_id=phone.pk)
    plan: RepaymentPlan = services.plan_offer(case_id=case.pk, option_code="pay_in_full", actor=SYSTEM)
    waiver: FeeWaiver = services.waiver_request(
        case_id=case.pk, component="fees", amount=Decimal("10.00"), reason="r", hardship=False, actor=SYSTEM
    )
    change: CreditLimitChange = limit_change_schedule(
        account_id=account.pk,
        new_limit=Decimal("100.00"),
        is_freeze=False,
        reason_code=CreditLimitChange.Reason.RISK_SCORE,
        explanation="Risk review.",
        actor=SYSTEM,
        automated=True,
    )
    # A second case for the dispute (a dispute puts its case on hold).
    held = make_case(CaseState.ACTIVE, account=CreditAccountFactory.create(customer=customer))
    services.case_place_with_agency(case_id=held.pk, actor=SYSTEM, agency=agency)
    dispute: Dispute = services.dispute_open(
        case_id=held.pk, kind="amount_wrong", description="d", channel="phone", actor=SYSTEM
    )
    template = NoticeTemplate.objects.order_by("pk").first()
    assert template is not None
    ids: dict[str, Any] = {
        "case": case.pk,
        "plan": plan.pk,
        "waiver": waiver.pk,
        "dispute": dispute.pk,
        "account": account.pk,
        "change": change.pk,
        "template": template.pk,
        "customer": customer.pk,
        "token": url.rstrip("/").rsplit("/", 1)[1],
        "optout": opt_out_token(contact_point_id=phone.pk, channel="sms"),
        "link": link.pk,
        "now": now,
    }
    return ids


def admin_object_id(route: str, ids: dict[str, Any]) -> str:
    """The pk of a row of the admin model in ``route`` that belongs to the agency's case."""
    match = re.match(r"admin/(\w+)/(\w+)/", route)
    if match is None:  # the admin's "view on site" shortcut (admin/r/<content_type_id>/<object_id>/)
        return "999999"
    app, model_name = match.groups()
    for model, model_admin in site._registry.items():
        if model._meta.app_label == app and model._meta.model_name == model_name:
            by_name = {
                "collectioncase": ids["case"],
                "repaymentplan": ids["plan"],
                "feewaiver": ids["waiver"],
                "dispute": ids["dispute"],
                "creditaccount": ids["account"],
                "creditlimitchange": ids["change"],
                "customer": ids["customer"],
                "noticetemplate": ids["template"],
            }
            if model_name in by_name:
                return str(by_name[model_name])
            row = model_admin.model._default_manager.order_by("pk").first()
            return str(row.pk) if row is not None else "999999"
    return "999999"


def fill(route: str, ids: dict[str, Any]) -> str:
    path = "/" + route
    if "(?P<url>" in path:
        return "/admin/no-such-page/"
    if path.startswith("/api/v1/"):
        what = (
            {
                "cases": "case",
                "plans": "plan",
                "waivers": "waiver",
                "disputes": "dispute",
                "accounts": "account",
                "limit-changes": "change",
                "promises": "case",  # no promise exists: a 404 for everyone who passes the door
            }[path.split("/")[3]]
            if "<int:id>" in path
            else None
        )
        if what:
            path = path.replace("<int:id>", str(ids[what]))
    if "<path:object_id>" in path:
        path = path.replace("<path:object_id>", admin_object_id(route, ids))
    if path.startswith("/o/"):
        path = path.replace("<str:token>", ids["optout"])
    path = path.replace("<str:token>", ids["token"])
    path = path.replace("<int:change_id>", str(ids["change"]))
    path = path.replace("<int:case_id>", str(ids["case"]))
    path = path.replace("<int:template_id>", str(ids["template"]))
    path = path.replace("<slug:slug>", "contact-attempts").replace("<int:content_type_id>", "1")
    path = path.replace("<str:provider>", "test").replace("<str:reference>", "no-such-reference")
    return path.replace("^", "").replace("$", "")


def users(agency: Agency) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "agent": UserFactory.create(username="m-agent", roles=[Role.AGENT]),
        "agency_agent": UserFactory.create(username="m-agency", agency=agency, roles=[Role.AGENT]),
        "lapsed_agency_agent": None,  # the agency agent again, after the licence lapsed (set below)
        "supervisor": UserFactory.create(username="m-supervisor", roles=[Role.SUPERVISOR]),
        "compliance": UserFactory.create(username="m-compliance", roles=[Role.COMPLIANCE]),
    }


def observe(settings: Any) -> dict[str, dict[str, dict[str, int]]]:
    settings.CUSTOMER_PAGE_RATE = (100_000, 60)
    settings.CUSTOMER_VERIFY_RATE_PER_IP = (100_000, 3600)
    agency = AgencyFactory.create(name="Matrix Recoveries")
    ids = build_world(agency)
    people = users(agency)
    table: dict[str, dict[str, dict[str, int]]] = {}
    for role in ROLES:
        if role == "lapsed_agency_agent":
            Agency.objects.filter(pk=agency.pk).update(
                licensed_until=timezone.localdate() - timedelta(days=1)
            )
            user = people["agency_agent"]
        else:
            user = people[role]
        client = Client()
        if user is not None:
            client.force_login(user)
        for route in routes():
            path = fill(route, ids)
            for method in methods_for(route):
                if method == "GET":
                    response = client.get(path)
                else:
                    response = client.post(path, data="{}", content_type="application/json")
                table.setdefault(route, {}).setdefault(method, {})[role] = response.status_code
    return table


def test_every_route_has_a_decision_for_every_role(settings: Any) -> None:
    observed = observe(settings)
    if os.environ.get("ROUTE_MATRIX_RECORD"):
        print("EXPECTED = " + pprint.pformat(observed, width=110, sort_dicts=True))  # noqa: T201

    missing = sorted(set(observed) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(observed))
    assert not missing, f"routes without a decision in tests/config/route_matrix.py: {missing}"
    assert not stale, f"decisions for routes that no longer exist: {stale}"
    wrong = [
        f"{method} /{route} as {role}: expected {EXPECTED[route].get(method, {}).get(role)}, got {status}"
        for route, by_method in observed.items()
        for method, by_role in by_method.items()
        for role, status in by_role.items()
        if EXPECTED[route].get(method, {}).get(role) != status
    ]
    assert not wrong, "\n".join(wrong)


def test_every_api_route_taking_an_id_refuses_another_agencys_row_and_stores_nothing(settings: Any) -> None:
    """An agency agent with ids of another agency's case, plan, waiver, dispute, account and limit
    change: every API route answers 404 (or 400/403 before it looks), and nothing new is stored."""
    from debt_collections.models import AuditEvent

    ids = build_world(AgencyFactory.create(name="Other Recoveries"))
    outsider = UserFactory.create(
        username="m-outsider",
        agency=AgencyFactory.create(name="Mine Ltd"),
        roles=[Role.AGENT, Role.SUPERVISOR],
    )
    client = Client()
    client.force_login(outsider)
    events = AuditEvent.objects.count()
    answers = {}
    for route in routes():
        if not (route.startswith("api/v1/") and "<int:id>" in route):
            continue
        path = fill(route, ids)
        for method in methods_for(route):
            response = (
                client.get(path)
                if method == "GET"
                else client.post(path, data='{"note": "x", "reason": "x"}', content_type="application/json")
            )
            answers[f"{method} {path}"] = response.status_code

    assert {k: v for k, v in answers.items() if v not in (400, 403, 404)} == {}
    assert AuditEvent.objects.count() == events
