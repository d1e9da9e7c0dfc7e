"""Promises to pay on the agent's case page and on the customer's page (issue 14)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from debt_collections import services
from debt_collections.models import AuditEvent, CollectionCase, PromiseState, PromiseToPay
from tests.debt_collections.negotiation_support import NOW, case_with_phone, negotiation_env
from tests.factories import SYSTEM

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("negotiation_env")]
__all__ = ["negotiation_env"]


def test_agent_takes_a_promise_from_the_case_page(client_for: Any, agent: User) -> None:
    case, _phone = case_with_phone()
    client = client_for(agent)
    page = client.get(reverse("admin:collections_collectioncase_change", args=[case.pk]))
    assert "Take a promise to pay" in page.content.decode()

    response = client.post(
        reverse("admin:collections_collectioncase_take_promise", args=[case.pk]),
        {"amount": "250.00", "due_date": "2026-03-06"},
    )

    assert response.status_code == 302 and response["Location"].endswith("#case-promises")
    promise = PromiseToPay.objects.get(case=case)
    assert (promise.amount, promise.due_date, promise.channel) == (250, date(2026, 3, 6), "admin")
    page = client.get(reverse("admin:collections_collectioncase_change", args=[case.pk])).content.decode()
    assert "2026-03-06" in page and "Cancel a promise" in page


def test_compliance_officer_cannot_take_a_promise(client_for: Any, compliance: User) -> None:
    case, _phone = case_with_phone()
    response = client_for(compliance).post(
        reverse("admin:collections_collectioncase_take_promise", args=[case.pk]),
        {"amount": "250.00", "due_date": "2026-03-06"},
    )
    assert response.status_code == 403
    assert not PromiseToPay.objects.exists()


def _verified_client(case: CollectionCase, phone: Any) -> tuple[Client, str]:
    link, _url = services.link_create(case_id=case.pk, actor=SYSTEM, contact_point_id=phone.pk, now=NOW)
    token = services.link_token(link)
    client = Client()
    customer = case.customer
    client.post(
        f"/n/{token}/verify/",
        {
            "national_id_last4": customer.national_id_last4,
            "date_of_birth": customer.date_of_birth.isoformat(),
        },
    )
    return client, token


def test_customer_records_a_promise_on_their_page(settings: Any) -> None:
    case, phone = case_with_phone()
    client, token = _verified_client(case, phone)
    assert "promise-amount" in client.get(f"/n/{token}/").content.decode()

    response = client.post(
        f"/n/{token}/promise/", {"promise-amount": "100.00", "promise-due_date": "2026-03-09"}
    )

    assert response.status_code == 302
    promise = PromiseToPay.objects.get(case=case)
    assert promise.state == PromiseState.OPEN and promise.channel == "page"
    assert promise.taken_by.startswith("link:")
    assert AuditEvent.objects.filter(case=case, action="promise.taken").exists()
    page = client.get(f"/n/{token}/").content.decode()
    assert "100.00" in page


def test_a_promise_too_far_ahead_is_refused_on_the_page() -> None:
    case, phone = case_with_phone()
    client, token = _verified_client(case, phone)

    response = client.post(
        f"/n/{token}/promise/", {"promise-amount": "100.00", "promise-due_date": "2026-06-01"}
    )

    assert response.status_code == 400
    assert not PromiseToPay.objects.exists()


def test_the_api_takes_lists_and_cancels_promises(agent: User) -> None:
    from rest_framework.test import APIClient

    case, _phone = case_with_phone()
    api = APIClient()
    api.force_authenticate(agent)

    created = api.post(
        f"/api/v1/cases/{case.pk}/promises/", {"amount": "80.00", "due_date": "2026-03-04"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["state"] == "open" and created.json()["channel"] == "api"
    listed = api.get(f"/api/v1/cases/{case.pk}/promises/")
    assert [p["id"] for p in listed.json()["results"]] == [created.json()["id"]]
    cancelled = api.post(
        f"/api/v1/promises/{created.json()['id']}/cancel/", {"reason": "typo"}, format="json"
    )
    assert cancelled.json()["state"] == "cancelled"
    late = api.post(
        f"/api/v1/cases/{case.pk}/promises/", {"amount": "80.00", "due_date": "2026-05-04"}, format="json"
    )
    assert late.status_code == 422 and late.json()["code"] == "invalid_due_date"


def test_the_api_hides_other_agencies_cases(other_agency_agent: User, agency: Any) -> None:
    from rest_framework.test import APIClient

    case, _phone = case_with_phone()
    services.case_place_with_agency(case_id=case.pk, agency=agency, actor=SYSTEM, now=NOW)
    api = APIClient()
    api.force_authenticate(other_agency_agent)

    response = api.post(
        f"/api/v1/cases/{case.pk}/promises/", {"amount": "80.00", "due_date": "2026-03-04"}, format="json"
    )

    assert response.status_code == 404
