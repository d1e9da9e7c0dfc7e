"""The agency register and its warnings; and proof, through the admin and the API, that an agency whose
licence or contract is not valid gets no case and its users lose access the day after it ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Agency, Role, User
from compliance.selectors import agency_status
from debt_collections import services
from debt_collections.models import CaseState, CollectionCase
from tests.factories import SYSTEM, AgencyFactory, UserFactory, make_case

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def agency(name: str, *, licence_days: int, contract_days: int, started_days_ago: int = 100) -> Agency:
    return AgencyFactory.create(
        name=name,
        licensed_until=TODAY + timedelta(days=licence_days),
        contract_start=TODAY - timedelta(days=started_days_ago),
        contract_end=TODAY + timedelta(days=contract_days),
    )


@pytest.mark.parametrize(
    ("licence_days", "contract_days", "started_days_ago", "status"),
    [
        (365, 365, 100, "valid"),
        (31, 365, 100, "valid"),
        (30, 365, 100, "expiring"),
        (365, 0, 100, "expiring"),  # the contract's last day is still valid
        (-1, 365, 100, "expired"),
        (365, -1, 100, "expired"),
        (365, 365, -5, "not_started"),
    ],
)
def test_status_is_valid_expiring_within_30_days_expired_or_not_started(
    licence_days: int, contract_days: int, started_days_ago: int, status: str
) -> None:
    row = agency_status(
        agency(
            "A", licence_days=licence_days, contract_days=contract_days, started_days_ago=started_days_ago
        ),
        TODAY,
    )

    assert row.status == status
    assert row.warning is (status != "valid")


def test_register_lists_licence_number_expiry_contract_end_status_and_open_cases(
    client_for: Any, compliance: User
) -> None:
    ok = agency("Long Licence Ltd", licence_days=400, contract_days=500)
    soon = agency("Soon Ending Ltd", licence_days=12, contract_days=500)
    lapsed = agency("Lapsed Ltd", licence_days=400, contract_days=500)
    with time_machine.travel(NOON, tick=False):
        services.case_place_with_agency(case_id=make_case(CaseState.EARLY).pk, actor=SYSTEM, agency=lapsed)
        # placed while valid; the licence lapsed since
        Agency.objects.filter(pk=lapsed.pk).update(licensed_until=TODAY - timedelta(days=3))
        lapsed.refresh_from_db()
        html = client_for(compliance).get(reverse("compliance:agencies")).content.decode()

    for a in (ok, soon, lapsed):
        row = html.split(f"<td>{a.name}</td>", 1)[1].split("</tr>", 1)[0]
        assert a.licence_number in row
        assert a.licensed_until.isoformat() in row and a.contract_end.isoformat() in row
    assert 'data-status="valid">Valid' in html.split("Long Licence Ltd", 1)[1]
    assert 'data-status="expiring">Expiring in 12 days' in html.split("Soon Ending Ltd", 1)[1]
    lapsed_row = html.split("<td>Lapsed Ltd</td>", 1)[1].split("</tr>", 1)[0]
    assert 'data-status="expired">Expired' in lapsed_row and "licence expired 2026-02-27" in lapsed_row
    assert '<td class="num">1</td>' in lapsed_row  # its open case


def test_dashboard_warns_30_days_ahead_and_about_expired_agencies_only(
    client_for: Any, compliance: User
) -> None:
    agency("Fine For Long Ltd", licence_days=31, contract_days=400)
    agency("Thirty Days Ltd", licence_days=400, contract_days=30)
    agency("Gone Ltd", licence_days=-1, contract_days=400)

    with time_machine.travel(NOON, tick=False):
        html = client_for(compliance).get(reverse("compliance:dashboard")).content.decode()

    warnings = html.split('id="agency-title"', 1)[1].split("</section>", 1)[0]
    assert "Thirty Days Ltd — contract ends 2026-04-01" in warnings and "Expiring in 30 days" in warnings
    assert "Gone Ltd — licence expired 2026-03-01" in warnings
    assert "Fine For Long Ltd" not in warnings


# --- placement is refused for an invalid agency (through the admin) ------------------------------------


def place(client: Any, case: CollectionCase, target: Agency) -> Any:
    url = reverse("admin:collections_collectioncase_place", args=[case.pk])
    return client.post(url, {"agency": target.pk, "confirmed": "yes"}, follow=True)


def test_supervisor_cannot_place_a_case_with_an_agency_whose_licence_lapsed(
    client_for: Any, supervisor: User
) -> None:
    lapsed = agency("Lapsed Licence Ltd", licence_days=-1, contract_days=300)
    case = make_case(CaseState.ACTIVE)

    with time_machine.travel(NOON, tick=False):
        response = place(client_for(supervisor), case, lapsed)

    case.refresh_from_db()
    assert case.agency_id is None
    assert "is not valid today; the case was not placed" in response.content.decode()


def test_supervisor_cannot_place_a_case_with_an_agency_whose_contract_ended_yesterday(
    client_for: Any, supervisor: User
) -> None:
    ended = agency("Ended Contract Ltd", licence_days=300, contract_days=-1)
    case = make_case(CaseState.ACTIVE)

    with time_machine.travel(NOON, tick=False):
        place(client_for(supervisor), case, ended)

    case.refresh_from_db()
    assert case.agency_id is None


def test_placement_on_the_last_day_of_licence_and_contract_is_still_allowed(
    client_for: Any, supervisor: User
) -> None:
    last_day = agency("Last Day Ltd", licence_days=0, contract_days=0)
    case = make_case(CaseState.ACTIVE)

    with time_machine.travel(NOON, tick=False):
        place(client_for(supervisor), case, last_day)

    case.refresh_from_db()
    assert case.agency_id == last_day.pk


# --- agency users lose access when the contract ends (through the API) ---------------------------------


@pytest.fixture
def agency_case() -> tuple[CollectionCase, User, Agency]:
    with time_machine.travel(NOON, tick=False):
        north = agency("Contract Ends Today Ltd", licence_days=300, contract_days=0)
        case = make_case(CaseState.EARLY)
        services.case_place_with_agency(case_id=case.pk, actor=SYSTEM, agency=north)
        user = UserFactory.create(username="north_agent", agency=north, roles=[Role.AGENT])
    return case, user, north


def escalate(user: User, case: CollectionCase) -> Any:
    client = APIClient()
    client.force_authenticate(User.objects.get(pk=user.pk))  # loaded afresh, as a real request would
    return client.post(
        reverse("api:case-transitions", kwargs={"id": case.pk}),
        {"transition": "escalate", "reason": "no contact"},
        format="json",
    )


def test_agency_user_still_acts_on_the_last_day_of_the_contract(agency_case: Any) -> None:
    case, user, _ = agency_case

    with time_machine.travel(datetime(2026, 3, 2, 23, 59, tzinfo=UTC), tick=False):
        response = escalate(user, case)

    assert response.status_code == 200
    case.refresh_from_db()
    assert case.state == CaseState.ACTIVE


def test_agency_user_loses_access_the_day_after_the_contract_ends(agency_case: Any) -> None:
    case, user, _ = agency_case

    with time_machine.travel(datetime(2026, 3, 3, 0, 1, tzinfo=UTC), tick=False):
        response = escalate(user, case)
        reader = APIClient()
        reader.force_authenticate(user)
        detail = reader.get(reverse("api:case-detail", kwargs={"id": case.pk}))
        listed = reader.get(reverse("api:case-list")).json()

    assert response.status_code == 403
    assert response.json()["code"] == "agency_licence"
    # and while lapsed the agency sees none of its cases: no names, no balances (issue 12)
    assert detail.status_code == 404
    assert listed["results"] == [] if isinstance(listed, dict) else listed == []
    case.refresh_from_db()
    assert case.state == CaseState.EARLY


def test_agency_user_of_an_agency_whose_licence_lapsed_is_refused_the_same_way(agency_case: Any) -> None:
    case, user, north = agency_case
    Agency.objects.filter(pk=north.pk).update(
        licensed_until=TODAY - timedelta(days=1), contract_end=TODAY + timedelta(days=90)
    )

    with time_machine.travel(NOON, tick=False):
        response = escalate(user, case)

    assert response.status_code == 403 and response.json()["code"] == "agency_licence"


def test_a_lapsed_agencys_call_through_the_api_is_a_stored_and_audited_agency_licence_decision(
    agency_case: Any,
) -> None:
    from debt_collections.models import AuditEvent, ContactAttempt
    from tests.factories import PhoneFactory

    case, user, north = agency_case
    phone = PhoneFactory.create(customer=case.customer)
    Agency.objects.filter(pk=north.pk).update(licensed_until=TODAY - timedelta(days=1))
    client = APIClient()
    client.force_authenticate(User.objects.get(pk=user.pk))  # loaded afresh, as a real request would

    with time_machine.travel(NOON, tick=False):
        response = client.post(
            reverse("api:case-contact-attempts", kwargs={"id": case.pk}),
            {"contact_point": phone.pk, "channel": "call"},
            format="json",
        )
        listed = client.get(reverse("api:case-list")).json()

    assert response.status_code == 422, response.content
    assert response.json()["blocked_by"] == ["AGENCY_LICENCE"]
    attempt = ContactAttempt.objects.get(case=case)
    assert attempt.allowed is False and attempt.blocked_by == ["AGENCY_LICENCE"]
    assert AuditEvent.objects.filter(case_id=case.pk, action="contact.blocked").count() == 1
    # and its cases are not listed while lapsed: no names, no balances
    assert (listed["results"] if isinstance(listed, dict) else listed) == []
