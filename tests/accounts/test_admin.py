"""The people-and-credit admin: every staff role views (agency users only their own), superusers change."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Agency, CreditAccount, Customer, User
from debt_collections import services
from tests.factories import SYSTEM, PhoneFactory, UserFactory, make_case

pytestmark = pytest.mark.django_db


def listed_ids(response: Any) -> set[int]:
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.fixture
def superuser(db: Any) -> User:
    return UserFactory.create(username="root", is_superuser=True)


@pytest.fixture
def agency_customer(agency: Agency) -> Customer:
    case = make_case()
    services.case_place_with_agency(case_id=case.pk, actor=SYSTEM, agency=agency)
    return case.customer


@pytest.fixture
def in_house_customer() -> Customer:
    return make_case().customer


def test_every_staff_role_views_customers_but_only_a_superuser_gets_a_save_button(
    client_for: Any,
    agent: User,
    supervisor: User,
    compliance: User,
    superuser: User,
    in_house_customer: Customer,
) -> None:
    url = reverse("admin:accounts_customer_change", args=[in_house_customer.pk])
    for user in (agent, supervisor, compliance):
        page = client_for(user).get(url)
        assert page.status_code == 200, user.username
        assert b'name="_save"' not in page.content
        assert client_for(user).post(url, {"full_name": "Changed"}).status_code == 403
    assert b'name="_save"' in client_for(superuser).get(url).content


def test_agency_agent_lists_only_customers_and_accounts_of_their_agencys_cases(
    client_for: Any,
    agency_agent: User,
    agency_customer: Customer,
    in_house_customer: Customer,
) -> None:
    client = client_for(agency_agent)
    assert listed_ids(client.get(reverse("admin:accounts_customer_changelist"))) == {agency_customer.pk}
    accounts = listed_ids(client.get(reverse("admin:accounts_creditaccount_changelist")))
    own_accounts = CreditAccount.objects.filter(customer=agency_customer).values_list("pk", flat=True)
    assert accounts == set(own_accounts)


def test_agency_agent_sees_only_their_own_agency_and_its_people(
    client_for: Any,
    agency_agent: User,
    other_agency_agent: User,
    agent: User,
    agency: Agency,
) -> None:
    client = client_for(agency_agent)
    assert listed_ids(client.get(reverse("admin:accounts_agency_changelist"))) == {agency.pk}
    assert listed_ids(client.get(reverse("admin:accounts_user_changelist"))) == {agency_agent.pk}


def test_customer_page_shows_contact_points_masked_and_read_only(
    client_for: Any,
    agent: User,
    in_house_customer: Customer,
) -> None:
    PhoneFactory.create(customer=in_house_customer, phone="+8613800001234")
    page = client_for(agent).get(reverse("admin:accounts_customer_change", args=[in_house_customer.pk]))
    html = page.content.decode()
    assert "+861****1234" in html
    assert "+8613800001234" not in html
    assert "5,450.00 CNY" in html  # the credit account inline's total


def test_user_admin_edits_the_agency_for_superusers(
    client_for: Any, superuser: User, agency_agent: User
) -> None:
    page = client_for(superuser).get(reverse("admin:accounts_user_change", args=[agency_agent.pk]))
    assert 'name="agency"' in page.content.decode()


def test_nobody_deletes_credit_records_or_adds_customers_by_hand(
    client_for: Any,
    superuser: User,
    in_house_customer: Customer,
) -> None:
    client = client_for(superuser)
    assert client.get(reverse("admin:accounts_customer_add")).status_code == 403
    delete_url = reverse("admin:accounts_customer_delete", args=[in_house_customer.pk])
    assert client.get(delete_url).status_code == 403


def test_staff_without_a_collections_role_sees_no_people_or_credit(
    client_for: Any, in_house_customer: Customer
) -> None:
    clerk = UserFactory.create(username="clerk")
    client = client_for(clerk)
    assert client.get(reverse("admin:accounts_customer_changelist")).status_code == 403
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403


def test_groups_and_api_tokens_are_offered_to_superusers_only(
    client_for: Any, agent: User, agency_agent: User, supervisor: User, compliance: User, superuser: User
) -> None:
    def app_labels(user: User) -> set[str]:
        return {app["app_label"] for app in client_for(user).get("/admin/").context["app_list"]}

    assert {"auth", "authtoken"} <= app_labels(superuser)
    for user in (agent, agency_agent, supervisor, compliance):
        assert not {"auth", "authtoken"} & app_labels(user), user.username
        assert client_for(user).get(reverse("admin:auth_group_changelist")).status_code == 403
        assert client_for(user).get(reverse("admin:authtoken_tokenproxy_changelist")).status_code == 403
    assert client_for(superuser).get(reverse("admin:auth_group_changelist")).status_code == 200
    assert client_for(superuser).get(reverse("admin:authtoken_tokenproxy_changelist")).status_code == 200


def test_admin_pages_do_not_read_model_permissions_for_the_staff_roles(
    client_for: Any, agent: User, supervisor: User, in_house_customer: Customer
) -> None:
    # The roles are groups without model permissions: loading them was two queries on every admin page.
    for user in (agent, supervisor):
        client = client_for(user)
        for url in ("/admin/", reverse("admin:collections_collectioncase_changelist")):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            assert not [q for q in queries if "auth_permission" in q["sql"]], (user.username, url)
