"""Trust boundaries (issue 11): ids resolved in the caller's scope inside the services, roles from one
table, identity secrets and live links kept from staff, payment bounds and idempotency answers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ContactPoint, Role, User
from debt_collections import services
from debt_collections.errors import NotFound, NotPermitted
from debt_collections.kernel.access import ACTION_ROLES, PAYMENTS_SYSTEM, may
from debt_collections.kernel.audit import Actor
from debt_collections.models import CollectionCase, ContactAttempt, Dispute, Payment
from notifications.models import Notice
from tests.debt_collections.negotiation_support import NOW, case_with_phone, negotiation_env
from tests.factories import PhoneFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("negotiation_env")]
__all__ = ["negotiation_env"]


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def case() -> CollectionCase:
    return case_with_phone()[0]


@pytest.fixture
def stranger_phone() -> ContactPoint:
    """Another customer's number, the value an attacker would like to read."""
    return PhoneFactory.create(phone="+8613912345678")


# --- foreign contact points ---------------------------------------------------------------------


def test_a_notice_to_another_customers_contact_point_is_a_404_and_stores_nothing(
    agent: User, case: CollectionCase, stranger_phone: ContactPoint
) -> None:
    response = api(agent).post(
        reverse("api:case-notices", kwargs={"id": case.pk}),
        {"template": "reminder.soft", "contact_point": stranger_phone.pk},
        format="json",
    )

    assert response.status_code == 404
    assert "13912345678" not in response.content.decode()
    assert not Notice.objects.filter(contact_point=stranger_phone).exists()
    listed = api(agent).get(reverse("api:case-notices", kwargs={"id": case.pk})).content.decode()
    assert "13912345678" not in listed


@pytest.mark.parametrize("direction", ["outbound", "inbound"])
def test_a_contact_attempt_on_another_customers_point_is_a_404_inbound_too(
    agent: User, case: CollectionCase, stranger_phone: ContactPoint, direction: str
) -> None:
    response = api(agent).post(
        reverse("api:case-contact-attempts", kwargs={"id": case.pk}),
        {"contact_point": stranger_phone.pk, "direction": direction},
        format="json",
    )

    assert response.status_code == 404
    assert not ContactAttempt.objects.exists()


def test_the_service_itself_refuses_a_foreign_point_whoever_calls_it(
    case: CollectionCase, stranger_phone: ContactPoint
) -> None:
    from notifications.services import notice_queue

    with pytest.raises(NotFound):
        notice_queue(
            case_id=case.pk,
            template_key="reminder.soft",
            contact_point_id=stranger_phone.pk,
            actor=Actor.system("tests"),
            links=None,
        )
    assert not Notice.objects.exists()


# --- roles in the services ----------------------------------------------------------------------


def test_compliance_officers_neither_queue_notices_nor_open_disputes(
    compliance: User, case: CollectionCase
) -> None:
    phone = ContactPoint.objects.get(customer=case.customer)
    notice = api(compliance).post(
        reverse("api:case-notices", kwargs={"id": case.pk}),
        {"template": "reminder.soft", "contact_point": phone.pk},
        format="json",
    )
    dispute = api(compliance).post(
        reverse("api:case-disputes", kwargs={"id": case.pk}),
        {"kind": "amount_wrong", "description": "x", "channel": "phone"},
        format="json",
    )

    assert (notice.status_code, dispute.status_code) == (403, 403)
    assert not Notice.objects.exists() and not Dispute.objects.exists()


def test_every_action_of_the_table_refuses_a_user_without_a_role() -> None:
    nobody = UserFactory.create(username="nobody", roles=[])
    assert not any(may(nobody, action) for action in ACTION_ROLES)


def body(case: CollectionCase, **overrides: Any) -> dict[str, Any]:
    return {
        "account": case.account_id,
        "external_reference": "BANK-1",
        "amount": "100.00",
        "currency": "CNY",
        "received_at": NOW.isoformat(),
        **overrides,
    }


@pytest.mark.parametrize("role", [Role.AGENT, Role.COMPLIANCE])
def test_agents_and_compliance_officers_record_no_payments(role: str, case: CollectionCase) -> None:
    user = UserFactory.create(username=f"u-{role}", roles=[role])
    response = api(user).post(reverse("api:payments"), body(case), format="json")

    assert response.status_code == 403
    assert not Payment.objects.exists()
    with pytest.raises(NotPermitted):
        services.payment_record(
            account_id=case.account_id,
            external_reference="X",
            amount=Decimal("100.00"),
            currency="CNY",
            received_at=NOW,
            actor=Actor.for_user(user),
            now=NOW,
        )


def test_the_payments_system_account_records_payments_with_its_token_and_reads_nothing_else(
    case: CollectionCase,
) -> None:
    feed = UserFactory.create(username="payments-feed", is_staff=False, roles=[PAYMENTS_SYSTEM])
    assert Group.objects.filter(name=PAYMENTS_SYSTEM).exists()

    first = api(feed).post(reverse("api:payments"), body(case), format="json")
    again = api(feed).post(reverse("api:payments"), body(case), format="json")
    cases = api(feed).get(reverse("api:case-list"))

    assert (first.status_code, again.status_code) == (201, 200)
    assert cases.status_code == 403


@pytest.mark.parametrize(
    ("override", "status", "code"),
    [
        ({"amount": "1e5"}, 400, "invalid"),
        ({"amount": "99999999999.99"}, 422, "overpayment"),
        ({"amount": "5450.01"}, 422, "overpayment"),
        ({"amount": "0"}, 400, "invalid"),
        ({"received_at": "9999-12-31T00:00:00Z"}, 422, "invalid_received_at"),
        ({"received_at": "0001-01-01T00:00:00Z"}, 422, "invalid_received_at"),
        ({"received_at": "2022-12-31T00:00:00Z"}, 422, "invalid_received_at"),  # before the account opened
    ],
)
def test_payment_amounts_and_dates_are_bounded(
    supervisor: User, case: CollectionCase, override: dict[str, str], status: int, code: str
) -> None:
    response = api(supervisor).post(reverse("api:payments"), body(case, **override), format="json")

    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert not Payment.objects.exists()


def test_an_overpayment_is_recorded_only_on_the_explicit_path_and_the_surplus_stays_visible(
    supervisor: User, case: CollectionCase
) -> None:
    response = api(supervisor).post(
        reverse("api:payments"), body(case, amount="5500.00", overpayment=True), format="json"
    )

    assert response.status_code == 201
    assert response.json()["allocation"]["unapplied"] == "50.00"


# --- identity secrets and live links ------------------------------------------------------------


def test_notices_in_the_api_show_masked_recipients_and_masked_links(
    agent: User, case: CollectionCase
) -> None:
    phone = ContactPoint.objects.get(customer=case.customer)
    response = api(agent).post(
        reverse("api:case-notices", kwargs={"id": case.pk}),
        {"template": "reminder.soft", "contact_point": phone.pk},
        format="json",
    )
    notice = Notice.objects.get()
    assert "/o/" in notice.body  # the customer's text carries a working opt-out link

    for data in (response.json(), api(agent).get(reverse("api:case-notices", kwargs={"id": case.pk})).json()):
        row = data if "body" in data else data["results"][0] if "results" in data else data[0]
        assert row["recipient"] == phone.masked_value
        assert phone.value not in str(data)
        token = notice.body.split("/o/")[1].split("/")[0]
        assert token not in str(data) and "[opt-out" in row["body"]


def test_no_staff_role_sees_the_customers_date_of_birth_or_national_id_digits(
    client_for: Any, agent: User, supervisor: User, compliance: User, case: CollectionCase
) -> None:
    customer = case.customer
    customer.national_id_last4 = "9876"
    customer.save(update_fields=["national_id_last4"])
    url = reverse("admin:accounts_customer_change", args=[customer.pk])

    for user in (agent, supervisor, compliance):
        page = client_for(user).get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert "9876" not in html and "1990-01-01" not in html and "national_id_last4" not in html
        assert "date_of_birth" not in html


def test_an_email_point_is_masked_in_the_api_like_in_the_admin(agent: User, case: CollectionCase) -> None:
    email = ContactPoint.objects.create(
        customer=case.customer,
        kind=ContactPoint.Kind.EMAIL,
        email="someone.private@example.org",
        status=ContactPoint.Status.VERIFIED,
        consent_at=NOW,
        verified_at=NOW,
    )
    response = api(agent).post(
        reverse("api:case-notices", kwargs={"id": case.pk}),
        {"template": "reminder.soft", "contact_point": email.pk},
        format="json",
    )
    assert "someone.private" not in response.content.decode()
