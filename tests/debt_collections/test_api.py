"""The staff API: scoping, filters, transitions through the services, errors as JSON, token auth, schema."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Agency, Role, User
from debt_collections import services
from debt_collections.models import AuditEvent, CaseState, CollectionCase
from tests.factories import SYSTEM, UserFactory, make_case

pytestmark = pytest.mark.django_db

LIST_URL = reverse("api:case-list")
TOKEN_URL = reverse("api:token")
PASSWORD = "pw-for-tests-123"  # UserFactory's password


def detail_url(case: CollectionCase | int) -> str:
    return reverse("api:case-detail", kwargs={"id": getattr(case, "pk", case)})


def transitions_url(case: CollectionCase | int) -> str:
    return reverse("api:case-transitions", kwargs={"id": getattr(case, "pk", case)})


@pytest.fixture
def api_for() -> Callable[[User | None], APIClient]:
    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def staff_without_role(db: Any) -> User:
    return UserFactory.create(username="staff_without_role", roles=[])


@pytest.fixture
def non_staff_agent(db: Any) -> User:
    return UserFactory.create(username="non_staff_agent", is_staff=False, roles=[Role.AGENT])


@pytest.fixture
def in_house_case(db: Any) -> CollectionCase:
    return make_case(CaseState.EARLY)


@pytest.fixture
def agency_case(agency: Agency) -> CollectionCase:
    case = make_case(CaseState.EARLY)
    return services.case_place_with_agency(case_id=case.pk, actor=SYSTEM, agency=agency)


@pytest.fixture(autouse=True)
def _fresh_throttle_counts() -> None:
    # Throttle counters live in the cache, which outlives a test; each test starts with none.
    cache.clear()


def audit_count(case: CollectionCase) -> int:
    return AuditEvent.objects.filter(case_id=case.pk).count()


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["detail"]
    return body


# --- who sees what --------------------------------------------------------------------------------

LIST_SCOPE = [
    ("agent", {"in_house", "agency"}),
    ("agency_agent", {"agency"}),
    ("other_agency_agent", set()),
    ("supervisor", {"in_house", "agency"}),
    ("compliance", {"in_house", "agency"}),
]


@pytest.mark.parametrize(("who", "expected"), LIST_SCOPE)
def test_case_list_shows_each_role_only_the_cases_in_its_scope(
    request: pytest.FixtureRequest, api_for: Any, in_house_case: CollectionCase,
    agency_case: CollectionCase, who: str, expected: set[str],
) -> None:
    names = {in_house_case.pk: "in_house", agency_case.pk: "agency"}

    response = api_for(request.getfixturevalue(who)).get(LIST_URL)

    assert response.status_code == 200
    assert {names[row["id"]] for row in response.json()["results"]} == expected
    assert response.json()["count"] == len(expected)


DETAIL_SCOPE = [
    ("agent", 200),
    ("agency_agent", 200),
    ("other_agency_agent", 404),
    ("supervisor", 200),
    ("compliance", 200),
    ("staff_without_role", 403),
    ("non_staff_agent", 403),
]


@pytest.mark.parametrize(("who", "status"), DETAIL_SCOPE)
def test_agency_case_detail_is_visible_only_inside_the_callers_scope(
    request: pytest.FixtureRequest, api_for: Any, agency_case: CollectionCase, who: str, status: int,
) -> None:
    response = api_for(request.getfixturevalue(who)).get(detail_url(agency_case))

    assert response.status_code == status
    if status == 200:
        assert response.json()["id"] == agency_case.pk
    else:
        # 404 for another agency's case: it must not learn that the case exists.
        assert_error(response, status, {403: "permission_denied", 404: "not_found"}[status])


@pytest.mark.parametrize("who", ["staff_without_role", "non_staff_agent"])
def test_case_list_refuses_users_without_a_collections_role_or_staff_status(
    request: pytest.FixtureRequest, api_for: Any, in_house_case: CollectionCase, who: str,
) -> None:
    response = api_for(request.getfixturevalue(who)).get(LIST_URL)

    assert_error(response, 403, "permission_denied")


@pytest.mark.parametrize("url", [LIST_URL, "detail"])
def test_anonymous_caller_gets_401_with_a_token_challenge(
    api_for: Any, in_house_case: CollectionCase, url: str
) -> None:
    response = api_for(None).get(detail_url(in_house_case) if url == "detail" else url)

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_case_that_does_not_exist_is_404_json(api_for: Any, supervisor: User) -> None:
    response = api_for(supervisor).get(detail_url(999_999))

    assert_error(response, 404, "not_found")


# --- the list: filters, order, queries --------------------------------------------------------------


def test_case_list_is_newest_first(api_for: Any, agent: User) -> None:
    older, newer = make_case(CaseState.EARLY), make_case(CaseState.EARLY)

    response = api_for(agent).get(LIST_URL)

    assert [row["id"] for row in response.json()["results"]] == [newer.pk, older.pk]


def test_case_list_rows_carry_customer_balance_and_assignment(api_for: Any, agent: User) -> None:
    case = services.case_assign(case_id=make_case(CaseState.EARLY).pk, actor=SYSTEM, assignee=agent)

    row = api_for(agent).get(LIST_URL).json()["results"][0]

    assert row["customer_name"] == case.customer.full_name
    assert row["total_due"] == "5450.00"
    assert row["currency"] == "CNY"
    assert row["assignee"] == {"id": agent.pk, "username": "agent"}
    assert row["agency"] is None


def test_state_filter_returns_only_cases_in_that_state(api_for: Any, agent: User) -> None:
    make_case(CaseState.EARLY)
    on_hold = make_case(CaseState.ON_HOLD)

    response = api_for(agent).get(LIST_URL, {"state": "on_hold"})

    assert [row["id"] for row in response.json()["results"]] == [on_hold.pk]


def test_dpd_min_filter_returns_only_cases_at_or_past_that_many_days(api_for: Any, agent: User) -> None:
    make_case(CaseState.EARLY, days_past_due=29)
    thirty = make_case(CaseState.EARLY, days_past_due=30)
    ninety = make_case(CaseState.EARLY, days_past_due=90)

    response = api_for(agent).get(LIST_URL, {"dpd_min": "30"})

    assert {row["id"] for row in response.json()["results"]} == {thirty.pk, ninety.pk}


def test_assigned_me_and_assigned_none_filter_by_assignee(
    api_for: Any, agent: User, supervisor: User
) -> None:
    mine = services.case_assign(case_id=make_case().pk, actor=SYSTEM, assignee=agent)
    services.case_assign(case_id=make_case().pk, actor=SYSTEM, assignee=supervisor)
    unassigned = make_case()
    client = api_for(agent)

    assert [r["id"] for r in client.get(LIST_URL, {"assigned": "me"}).json()["results"]] == [mine.pk]
    assert [r["id"] for r in client.get(LIST_URL, {"assigned": "none"}).json()["results"]] == [unassigned.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "sleeping"}, "state"),
        ({"dpd_min": "-1"}, "dpd_min"),
        ({"dpd_min": "thirty"}, "dpd_min"),
        ({"assigned": "bob"}, "assigned"),
    ],
)
def test_bad_filter_value_is_a_400_naming_the_parameter(
    api_for: Any, agent: User, params: dict[str, str], field: str
) -> None:
    response = api_for(agent).get(LIST_URL, params)

    body = assert_error(response, 400, "invalid")
    assert list(body["errors"]) == [field]


def test_case_list_query_count_does_not_grow_with_the_number_of_cases(api_for: Any, agency_agent: User,
                                                                     agency: Agency) -> None:
    def place() -> None:
        case = make_case(CaseState.EARLY)
        case = services.case_place_with_agency(case_id=case.pk, actor=SYSTEM, agency=agency)
        services.case_assign(case_id=case.pk, actor=SYSTEM, assignee=agency_agent)

    client = api_for(agency_agent)
    place()
    client.get(LIST_URL)  # warm the per-user role cache so both measurements see the same work
    with CaptureQueriesContext(connection) as one_case:
        client.get(LIST_URL)
    for _ in range(4):
        place()
    with CaptureQueriesContext(connection) as five_cases:
        response = client.get(LIST_URL)

    assert response.json()["count"] == 5
    assert len(five_cases) == len(one_case)


# --- the detail -----------------------------------------------------------------------------------


def test_case_detail_shows_customer_balances_as_two_decimal_strings(api_for: Any, agent: User) -> None:
    case = make_case(CaseState.EARLY)

    body = api_for(agent).get(detail_url(case)).json()

    assert body["state"] == "early"
    assert body["customer"]["full_name"] == case.customer.full_name
    assert body["customer"]["locale"] == "en"
    assert body["customer"]["jurisdiction"] == "CN"
    assert body["balances"] == {
        "currency": "CNY",
        "principal": "5000.00",
        "interest": "300.00",
        "fees": "100.00",
        "penalty_interest": "50.00",
        "total": "5450.00",
    }


@pytest.mark.parametrize(
    ("who", "state", "expected"),
    [
        ("agent", CaseState.EARLY, ["escalate", "engage", "hold"]),
        ("supervisor", CaseState.EARLY, ["escalate", "engage", "hold", "resolve", "close"]),
        ("compliance", CaseState.EARLY, []),
        ("agent", CaseState.ON_HOLD, []),
        ("supervisor", CaseState.ON_HOLD, ["release", "resolve", "close"]),
        ("supervisor", CaseState.ACTIVE, ["engage", "hold", "resolve", "charge_off", "close"]),
        ("supervisor", CaseState.CLOSED, []),
    ],
)
def test_allowed_transitions_are_those_both_the_state_and_the_role_allow(
    request: pytest.FixtureRequest, api_for: Any, who: str, state: str, expected: list[str]
) -> None:
    case = make_case(state)

    body = api_for(request.getfixturevalue(who)).get(detail_url(case)).json()

    assert body["allowed_transitions"] == expected


def test_agency_user_of_an_expired_agency_may_trigger_nothing(
    api_for: Any, agency_agent: User, agency_case: CollectionCase, agency: Agency
) -> None:
    agency.licensed_until = timezone.localdate() - timedelta(days=1)
    agency.save()

    response = api_for(agency_agent).get(detail_url(agency_case))

    # While lapsed the agency sees none of its cases (issue 12), so it is offered nothing.
    assert response.status_code == 404


def test_case_on_hold_shows_its_hold_reason_and_the_state_it_will_resume(api_for: Any, agent: User) -> None:
    case = make_case(CaseState.ON_HOLD)

    body = api_for(agent).get(detail_url(case)).json()

    assert (body["state"], body["hold_reason"], body["resume_state"]) == ("on_hold", "complaint", "active")


def test_case_detail_lists_the_50_most_recent_audit_events_newest_first(
    api_for: Any, supervisor: User
) -> None:
    case = make_case(CaseState.ACTIVE)
    for _ in range(30):
        services.case_hold(case_id=case.pk, actor=SYSTEM, hold_reason="complaint")
        services.case_release(case_id=case.pk, actor=SYSTEM)
    newest = list(AuditEvent.objects.filter(case_id=case.pk).order_by("-seq")[:50])

    events = api_for(supervisor).get(detail_url(case)).json()["audit_events"]

    assert [e["seq"] for e in events] == [e.seq for e in newest]
    assert events[0]["action"] == "case.release"
    assert set(events[0]) == {"seq", "at", "actor", "action", "payload"}


# --- transitions ----------------------------------------------------------------------------------


def test_agent_escalates_an_early_case_and_the_audit_trail_records_it(api_for: Any, agent: User) -> None:
    case = make_case(CaseState.EARLY)

    response = api_for(agent).post(
        transitions_url(case), {"transition": "escalate", "reason": "two reminders unanswered"}, format="json"
    )

    assert response.status_code == 200, response.content
    event = AuditEvent.objects.filter(case_id=case.pk).latest("seq")
    assert response.json() == {
        "id": case.pk, "state": "active", "previous_state": "early", "audit_seq": event.seq,
    }
    case.refresh_from_db()
    assert case.state == CaseState.ACTIVE
    assert (event.action, event.actor_user_id) == ("case.escalate", agent.pk)
    assert event.payload["reason"] == "two reminders unanswered"


def test_hold_takes_its_reason_and_end_time_from_the_body(api_for: Any, agent: User) -> None:
    case = make_case(CaseState.ACTIVE)
    until = timezone.now().replace(microsecond=0) + timedelta(days=30)

    response = api_for(agent).post(
        transitions_url(case),
        {"transition": "hold", "reason": "customer in hospital", "hold_reason": "hardship",
         "hold_until": until.isoformat(), "expected_state": "active"},
        format="json",
    )

    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert (case.state, case.hold_reason, case.hold_until, case.resume_state) == (
        "on_hold", "hardship", until, "active"
    )


def test_supervisor_closes_a_case_with_a_close_reason(api_for: Any, supervisor: User) -> None:
    case = make_case(CaseState.ACTIVE)

    response = api_for(supervisor).post(
        transitions_url(case),
        {"transition": "close", "reason": "death certificate received", "close_reason": "deceased"},
        format="json",
    )

    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert (case.state, case.close_reason) == ("closed", "deceased")


def test_transition_the_state_does_not_allow_is_409_and_changes_nothing(api_for: Any, agent: User) -> None:
    case = make_case(CaseState.ACTIVE)
    events_before = audit_count(case)

    response = api_for(agent).post(
        transitions_url(case), {"transition": "escalate", "reason": "again"}, format="json"
    )

    assert_error(response, 409, "transition_not_allowed")
    case.refresh_from_db()
    assert case.state == CaseState.ACTIVE
    assert audit_count(case) == events_before


def test_stale_expected_state_is_409_stale_state_and_changes_nothing(api_for: Any, agent: User) -> None:
    case = make_case(CaseState.ACTIVE)  # the caller still believes it is early
    events_before = audit_count(case)

    response = api_for(agent).post(
        transitions_url(case), {"transition": "engage", "reason": "offer", "expected_state": "early"},
        format="json",
    )

    assert_error(response, 409, "stale_state")
    case.refresh_from_db()
    assert case.state == CaseState.ACTIVE
    assert audit_count(case) == events_before


def test_agent_may_not_charge_off(api_for: Any, agent: User) -> None:
    case = make_case(CaseState.ACTIVE, days_past_due=200)

    response = api_for(agent).post(
        transitions_url(case), {"transition": "charge_off", "reason": "200 days"}, format="json"
    )

    assert_error(response, 403, "not_permitted")
    case.refresh_from_db()
    assert case.state == CaseState.ACTIVE


def test_compliance_officer_reads_but_may_not_transition(api_for: Any, compliance: User) -> None:
    case = make_case(CaseState.EARLY)
    events_before = audit_count(case)

    response = api_for(compliance).post(
        transitions_url(case), {"transition": "hold", "reason": "review", "hold_reason": "compliance"},
        format="json",
    )

    assert_error(response, 403, "not_permitted")
    assert audit_count(case) == events_before


def test_transition_on_a_case_outside_the_callers_scope_is_404_and_changes_nothing(
    api_for: Any, other_agency_agent: User, agency_case: CollectionCase
) -> None:
    events_before = audit_count(agency_case)

    response = api_for(other_agency_agent).post(
        transitions_url(agency_case), {"transition": "escalate", "reason": "x"}, format="json"
    )

    assert_error(response, 404, "not_found")
    agency_case.refresh_from_db()
    assert agency_case.state == CaseState.EARLY
    assert audit_count(agency_case) == events_before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"transition": "teleport", "reason": "x"}, "transition"),
        ({"transition": "escalate"}, "reason"),
        ({"transition": "escalate", "reason": "x", "expected_state": "limbo"}, "expected_state"),
        ({"transition": "hold", "reason": "x", "hold_reason": "bored"}, "hold_reason"),
        ({"transition": "hold", "reason": "x", "hold_reason": "hardship", "hold_until": "May"}, "hold_until"),
    ],
)
def test_malformed_transition_request_is_a_400_naming_the_field(
    api_for: Any, agent: User, body: dict[str, str], field: str
) -> None:
    case = make_case(CaseState.EARLY)

    response = api_for(agent).post(transitions_url(case), body, format="json")

    assert field in assert_error(response, 400, "invalid")["errors"]


def test_hold_without_a_hold_reason_is_refused_by_the_service_with_422(api_for: Any, agent: User) -> None:
    case = make_case(CaseState.ACTIVE)
    body = {"transition": "hold", "reason": "x"}

    response = api_for(agent).post(transitions_url(case), body, format="json")

    assert_error(response, 422, "invalid")
    case.refresh_from_db()
    assert case.state == CaseState.ACTIVE


def test_session_authenticated_post_without_csrf_token_is_refused(client_for: Any, agent: User) -> None:
    case = make_case(CaseState.EARLY)
    client = client_for(agent)
    client.handler.enforce_csrf_checks = True

    response = client.post(
        transitions_url(case), {"transition": "escalate", "reason": "x"}, content_type="application/json"
    )

    assert_error(response, 403, "permission_denied")
    case.refresh_from_db()
    assert case.state == CaseState.EARLY


# --- authentication -------------------------------------------------------------------------------


def test_staff_user_exchanges_password_for_a_token_and_lists_cases_with_it(agent: User) -> None:
    case = make_case(CaseState.EARLY)
    client = APIClient()

    token = client.post(TOKEN_URL, {"username": "agent", "password": PASSWORD}, format="json").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [case.pk]


def test_session_login_works_for_reads(client_for: Any, supervisor: User) -> None:
    case = make_case(CaseState.EARLY)

    response = client_for(supervisor).get(detail_url(case))

    assert response.status_code == 200


@pytest.mark.parametrize("who", ["wrong_password", "non_staff", "inactive"])
def test_token_is_refused_with_one_message_for_bad_password_non_staff_and_inactive_users(
    who: str, agent: User
) -> None:
    users: dict[str, Callable[[], User]] = {
        "wrong_password": lambda: agent,
        "non_staff": lambda: UserFactory.create(username="cashier", is_staff=False, roles=[Role.AGENT]),
        "inactive": lambda: UserFactory.create(username="leaver", is_active=False, roles=[Role.AGENT]),
    }
    user = users[who]()
    password = "not-the-password" if who == "wrong_password" else PASSWORD

    response = APIClient().post(TOKEN_URL, {"username": user.username, "password": password}, format="json")

    body = assert_error(response, 400, "invalid")
    assert body["errors"] == {"non_field_errors": ["Unable to log in with provided credentials."]}


def test_invalid_token_is_401(in_house_case: CollectionCase) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert_error(client.get(LIST_URL), 401, "authentication_failed")


def test_token_endpoint_slows_down_password_guessing(agent: User) -> None:
    client = APIClient()
    for _ in range(10):
        client.post(TOKEN_URL, {"username": "agent", "password": "guess"}, format="json")

    response = client.post(TOKEN_URL, {"username": "agent", "password": PASSWORD}, format="json")

    assert_error(response, 429, "throttled")


# --- schema ---------------------------------------------------------------------------------------


def test_schema_is_served_with_the_case_and_token_paths(api_for: Any) -> None:
    response = api_for(None).get(reverse("api-schema"), {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/cases/", "/api/v1/cases/{id}/", "/api/v1/cases/{id}/transitions/",
                 "/api/v1/auth/token/"):
        assert path in paths
    assert "Error" in response.json()["components"]["schemas"]


@pytest.mark.xfail(
    "ENUM_NAME_OVERRIDES" not in settings.SPECTACULAR_SETTINGS,
    reason="CaseState and the transition names appear under several field names; the lead adds "
    "SPECTACULAR_SETTINGS['ENUM_NAME_OVERRIDES'] to name each once (see the API handover note)",
    strict=True,
)
def test_schema_generates_and_validates_without_warnings(tmp_path: Any) -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
