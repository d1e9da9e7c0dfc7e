"""The agents' admin: scoping by role, the worklist's filters and search, and the case page's buttons.

Every state change here goes through a real POST to the admin and so through the services; the tests
check the state, the audit event and the message the person sees.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from accounts.models import Agency, User
from debt_collections import services
from debt_collections.admin.search import phone_search_candidates
from debt_collections.models import AuditEvent, CaseState, CollectionCase, ContactAttempt, Dispute, Payment
from tests.factories import SYSTEM, AgencyFactory, PhoneFactory, UserFactory, make_case

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/collections/collectioncase/"


def change_url(case: CollectionCase) -> str:
    return reverse("admin:collections_collectioncase_change", args=[case.pk])


def transition_url(case: CollectionCase) -> str:
    return reverse("admin:collections_collectioncase_transition", args=[case.pk])


def placed(case: CollectionCase, agency: Agency) -> CollectionCase:
    services.case_place_with_agency(case_id=case.pk, actor=SYSTEM, agency=agency)
    case.refresh_from_db()
    return case


def messages_of(response: HttpResponse) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


def listed_ids(response: Any) -> set[int]:
    return {obj.pk for obj in response.context["cl"].result_list}


def post_transition(
    client: Any, case: CollectionCase, name: str, *, expected_state: str | None = None, **extra: str
) -> HttpResponse:
    # Irreversible transitions ask first (test_admin_confirm.py); these tests post the confirmed form.
    data = {
        "transition": name,
        "expected_state": expected_state or case.state,
        "reason": "test",
        "confirmed": "yes",
        **extra,
    }
    response: HttpResponse = client.post(transition_url(case), data)
    return response


@pytest.fixture
def agency_case(agency: Agency) -> CollectionCase:
    return placed(make_case(CaseState.EARLY), agency)


@pytest.fixture
def other_agency_case(other_agency: Agency) -> CollectionCase:
    return placed(make_case(CaseState.EARLY), other_agency)


@pytest.fixture
def in_house_case() -> CollectionCase:
    return make_case(CaseState.EARLY)


@pytest.fixture
def superuser(db: Any) -> User:
    return UserFactory.create(username="root", is_superuser=True)


@pytest.fixture
def clerk(db: Any) -> User:
    """Staff, but in no collections role."""
    return UserFactory.create(username="clerk")


# --- who sees what -------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_login_page(client_for: Any, in_house_case: CollectionCase) -> None:
    client = client_for(None)
    for url in (LIST_URL, change_url(in_house_case)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    response = post_transition(client, in_house_case, "escalate")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    in_house_case.refresh_from_db()
    assert in_house_case.state == CaseState.EARLY


def test_agency_agent_lists_only_their_own_agencys_cases(
    client_for: Any,
    agency_agent: User,
    agency_case: CollectionCase,
    other_agency_case: CollectionCase,
    in_house_case: CollectionCase,
) -> None:
    response = client_for(agency_agent).get(LIST_URL)
    assert response.status_code == 200
    assert listed_ids(response) == {agency_case.pk}


def test_agency_agent_opens_their_case_but_gets_404_for_another_agencys(
    client_for: Any,
    agency_agent: User,
    agency_case: CollectionCase,
    other_agency_case: CollectionCase,
) -> None:
    client = client_for(agency_agent)
    assert client.get(change_url(agency_case)).status_code == 200
    assert client.get(change_url(other_agency_case)).status_code == 404
    assert post_transition(client, other_agency_case, "escalate").status_code == 404
    other_agency_case.refresh_from_db()
    assert other_agency_case.state == CaseState.EARLY


def test_other_agency_agent_sees_their_case_and_not_the_first_agencys(
    client_for: Any,
    other_agency_agent: User,
    agency_case: CollectionCase,
    other_agency_case: CollectionCase,
) -> None:
    client = client_for(other_agency_agent)
    assert listed_ids(client.get(LIST_URL)) == {other_agency_case.pk}
    assert client.get(change_url(other_agency_case)).status_code == 200
    assert client.get(change_url(agency_case)).status_code == 404


def test_in_house_agent_and_supervisor_see_every_case(
    client_for: Any,
    agent: User,
    supervisor: User,
    agency_case: CollectionCase,
    other_agency_case: CollectionCase,
    in_house_case: CollectionCase,
) -> None:
    everything = {agency_case.pk, other_agency_case.pk, in_house_case.pk}
    for user in (agent, supervisor):
        assert listed_ids(client_for(user).get(LIST_URL)) == everything


def test_compliance_officer_sees_every_case_but_gets_no_transition_buttons(
    client_for: Any,
    compliance: User,
    agency_case: CollectionCase,
    in_house_case: CollectionCase,
) -> None:
    client = client_for(compliance)
    assert listed_ids(client.get(LIST_URL)) == {agency_case.pk, in_house_case.pk}
    response = client.get(change_url(agency_case))
    assert response.status_code == 200
    assert response.context["transitions"] == []
    assert b'name="transition"' not in response.content
    assert b'name="_save"' not in response.content


def test_compliance_officer_posting_a_transition_is_forbidden_and_changes_nothing(
    client_for: Any,
    compliance: User,
    in_house_case: CollectionCase,
) -> None:
    response = post_transition(client_for(compliance), in_house_case, "escalate")
    assert response.status_code == 403
    in_house_case.refresh_from_db()
    assert in_house_case.state == CaseState.EARLY
    assert not AuditEvent.objects.filter(case=in_house_case, action="case.escalate").exists()


def test_staff_without_a_collections_role_sees_nothing(
    client_for: Any, clerk: User, in_house_case: CollectionCase
) -> None:
    client = client_for(clerk)
    index = client.get("/admin/")
    assert index.status_code == 200
    assert index.context["app_list"] == []
    assert client.get(LIST_URL).status_code == 403
    assert client.get(change_url(in_house_case)).status_code == 404


def test_admin_index_shows_the_collections_app_to_every_role(
    client_for: Any,
    agent: User,
    agency_agent: User,
    supervisor: User,
    compliance: User,
) -> None:
    for user in (agent, agency_agent, supervisor, compliance):
        response = client_for(user).get("/admin/")
        labels = {app["app_label"] for app in response.context["app_list"]}
        assert {"collections", "accounts"} <= labels, user.username


def test_site_header_names_the_product(client_for: Any, agent: User) -> None:
    assert "Collections case management" in client_for(agent).get("/admin/").content.decode()


def test_nobody_can_add_or_delete_cases_through_the_admin(
    client_for: Any, superuser: User, in_house_case: CollectionCase
) -> None:
    client = client_for(superuser)
    assert client.get("/admin/collections/collectioncase/add/").status_code == 403
    assert client.get(f"/admin/collections/collectioncase/{in_house_case.pk}/delete/").status_code == 403


def test_saving_the_case_form_directly_is_refused_and_changes_nothing(
    client_for: Any,
    supervisor: User,
    in_house_case: CollectionCase,
) -> None:
    response = client_for(supervisor).post(change_url(in_house_case), {"state": "resolved", "_save": "Save"})
    assert response.status_code == 405
    in_house_case.refresh_from_db()
    assert in_house_case.state == CaseState.EARLY


# --- the case page -------------------------------------------------------------------------------


def test_case_page_presents_customer_balances_masked_contacts_and_the_timeline(
    client_for: Any,
    agent: User,
    in_house_case: CollectionCase,
) -> None:
    PhoneFactory.create(customer=in_house_case.customer, phone="+8613800001234")
    response = client_for(agent).get(change_url(in_house_case))
    html = response.content.decode()
    assert in_house_case.customer.full_name in html
    assert "Asia/Shanghai" in html
    assert "5,450.00 CNY" in html  # 5000 principal + 300 interest + 100 fees + 50 penalty interest
    assert "+861****1234" in html
    assert "+8613800001234" not in html
    timeline = response.context["timeline_events"]
    assert [event.action for event in timeline] == ["case.open"]
    assert timeline[0].actor == "system:tests"
    assert "case.open" in html


def test_agent_gets_the_buttons_their_role_allows_in_the_current_state(
    client_for: Any,
    agent: User,
    in_house_case: CollectionCase,
) -> None:
    response = client_for(agent).get(change_url(in_house_case))
    names = [t["name"] for t in response.context["transitions"]]
    # early: escalate/engage/hold are agent transitions; resolve and close need a supervisor.
    assert names == ["escalate", "engage", "hold"]
    assert 'name="expected_state" value="early"' in response.content.decode()


def test_supervisor_gets_release_resolve_and_close_on_a_held_case(client_for: Any, supervisor: User) -> None:
    case = make_case(CaseState.ON_HOLD)
    response = client_for(supervisor).get(change_url(case))
    # Paid in full ends a held case too, so resolve is offered alongside release and close.
    assert [t["name"] for t in response.context["transitions"]] == ["release", "resolve", "close"]
    html = response.content.decode()
    assert 'for="transition-close-close_reason"' in html
    assert 'id="transition-close-close_reason"' in html


# --- transitions ---------------------------------------------------------------------------------


def test_escalate_button_moves_the_case_to_active_and_writes_an_audit_event(
    client_for: Any,
    agent: User,
    in_house_case: CollectionCase,
) -> None:
    client = client_for(agent)
    response = post_transition(client, in_house_case, "escalate")
    assert response.status_code == 302
    assert response["Location"] == change_url(in_house_case)
    in_house_case.refresh_from_db()
    assert in_house_case.state == CaseState.ACTIVE
    event = AuditEvent.objects.get(case=in_house_case, action="case.escalate")
    assert event.actor == f"user:{agent.pk}:agent"
    assert event.payload == {"from": "early", "to": "active", "reason": "test"}
    assert messages_of(response) == [f"Case #{in_house_case.pk} is now: Active collection."]


def test_agency_agent_can_act_on_their_own_agencys_case(
    client_for: Any, agency_agent: User, agency_case: CollectionCase
) -> None:
    post_transition(client_for(agency_agent), agency_case, "engage")
    agency_case.refresh_from_db()
    assert agency_case.state == CaseState.NEGOTIATING


def test_hold_records_the_chosen_hold_reason(
    client_for: Any, agent: User, in_house_case: CollectionCase
) -> None:
    post_transition(client_for(agent), in_house_case, "hold", hold_reason="hardship")
    in_house_case.refresh_from_db()
    assert in_house_case.state == CaseState.ON_HOLD
    assert in_house_case.hold_reason == "hardship"
    assert in_house_case.resume_state == CaseState.EARLY


def test_hold_without_a_hold_reason_shows_an_error_and_changes_nothing(
    client_for: Any,
    agent: User,
    in_house_case: CollectionCase,
) -> None:
    response = post_transition(client_for(agent), in_house_case, "hold")
    assert messages_of(response) == ["Choose why the case is put on hold."]
    in_house_case.refresh_from_db()
    assert in_house_case.state == CaseState.EARLY


def test_stale_expected_state_shows_an_error_and_changes_nothing(
    client_for: Any,
    agent: User,
    supervisor: User,
    in_house_case: CollectionCase,
) -> None:
    # Given the agent's page showed "early", when a colleague escalates the case meanwhile...
    services.case_escalate(case_id=in_house_case.pk, actor=SYSTEM)
    events_before = AuditEvent.objects.count()
    # ...then the agent's "engage" (valid from active too) is refused instead of silently applied.
    response = post_transition(client_for(agent), in_house_case, "engage", expected_state=CaseState.EARLY)
    assert response.status_code == 302
    in_house_case.refresh_from_db()
    assert in_house_case.state == CaseState.ACTIVE
    assert AuditEvent.objects.count() == events_before
    [message] = messages_of(response)
    assert "someone else changed it" in message


def test_transition_not_allowed_in_the_current_state_shows_an_error_and_changes_nothing(
    client_for: Any,
    supervisor: User,
) -> None:
    case = make_case(CaseState.ACTIVE)
    response = post_transition(client_for(supervisor), case, "escalate")
    case.refresh_from_db()
    assert case.state == CaseState.ACTIVE
    assert messages_of(response) == ["'escalate' is not allowed while the case is 'Active collection'."]


def test_agent_cannot_charge_off_and_is_told_why(client_for: Any, agent: User) -> None:
    case = make_case(CaseState.ACTIVE, days_past_due=200)
    response = post_transition(client_for(agent), case, "charge_off")
    case.refresh_from_db()
    assert case.state == CaseState.ACTIVE
    assert messages_of(response) == ["Your role does not allow 'charge_off'."]
    assert not AuditEvent.objects.filter(case=case, action="case.charge_off").exists()


def test_supervisor_charges_off_past_the_policy_threshold(client_for: Any, supervisor: User) -> None:
    case = make_case(CaseState.ACTIVE, days_past_due=200)
    page = client_for(supervisor).get(change_url(case))
    assert "charge_off" in [t["name"] for t in page.context["transitions"]]
    post_transition(client_for(supervisor), case, "charge_off")
    case.refresh_from_db()
    assert case.state == CaseState.CHARGED_OFF


def test_supervisor_closing_a_case_records_the_close_reason(
    client_for: Any, supervisor: User, in_house_case: CollectionCase
) -> None:
    post_transition(client_for(supervisor), in_house_case, "close", close_reason="deceased")
    in_house_case.refresh_from_db()
    assert in_house_case.state == CaseState.CLOSED
    assert in_house_case.close_reason == "deceased"


def test_unknown_transition_name_is_rejected_with_a_message(
    client_for: Any, supervisor: User, in_house_case: CollectionCase
) -> None:
    response = post_transition(client_for(supervisor), in_house_case, "accept_plan")
    assert len(messages_of(response)) == 1
    in_house_case.refresh_from_db()
    assert in_house_case.state == CaseState.EARLY


def test_transition_url_refuses_get(client_for: Any, agent: User, in_house_case: CollectionCase) -> None:
    assert client_for(agent).get(transition_url(in_house_case)).status_code == 405


# --- assignment and placement ---------------------------------------------------------------------


def test_supervisor_assigns_a_case_from_the_case_page(
    client_for: Any, supervisor: User, agent: User, in_house_case: CollectionCase
) -> None:
    url = reverse("admin:collections_collectioncase_assign", args=[in_house_case.pk])
    response = client_for(supervisor).post(url, {"assignee": agent.pk})
    in_house_case.refresh_from_db()
    assert in_house_case.assignee == agent
    assert AuditEvent.objects.filter(case=in_house_case, action="case.assign").exists()
    assert messages_of(response) == ["Assigned to agent."]


def test_agent_gets_no_assignment_forms_and_their_post_is_refused_by_the_service(
    client_for: Any,
    agent: User,
    in_house_case: CollectionCase,
) -> None:
    client = client_for(agent)
    assert client.get(change_url(in_house_case)).context["assign_form"] is None
    url = reverse("admin:collections_collectioncase_assign", args=[in_house_case.pk])
    response = client.post(url, {"assignee": agent.pk})
    in_house_case.refresh_from_db()
    assert in_house_case.assignee is None
    assert messages_of(response) == ["Only a supervisor can reassign cases."]


def test_placing_with_an_unlicensed_agency_shows_the_services_refusal(
    client_for: Any,
    supervisor: User,
    in_house_case: CollectionCase,
) -> None:
    lapsed = AgencyFactory.create(name="Lapsed Ltd", licensed_until=date.today() - timedelta(days=1))  # noqa: DTZ011
    url = reverse("admin:collections_collectioncase_place", args=[in_house_case.pk])
    response = client_for(supervisor).post(url, {"agency": lapsed.pk, "confirmed": "yes"})
    in_house_case.refresh_from_db()
    assert in_house_case.agency is None
    [message] = messages_of(response)
    assert "Lapsed Ltd's licence" in message


def test_supervisor_places_a_case_with_a_licensed_agency(
    client_for: Any, supervisor: User, agency: Agency, in_house_case: CollectionCase
) -> None:
    url = reverse("admin:collections_collectioncase_place", args=[in_house_case.pk])
    client_for(supervisor).post(url, {"agency": agency.pk, "confirmed": "yes"})
    in_house_case.refresh_from_db()
    assert in_house_case.agency == agency


def test_supervisor_bulk_assigns_selected_cases_and_hears_about_refusals(
    client_for: Any,
    supervisor: User,
    agent: User,
    agency_case: CollectionCase,
    in_house_case: CollectionCase,
) -> None:
    # The in-house agent can take the in-house case, not the agency's: the service refuses that one.
    response = client_for(supervisor).post(
        LIST_URL,
        {
            "action": "assign_selected",
            "assignee": agent.pk,
            "_selected_action": [in_house_case.pk, agency_case.pk],
        },
    )
    in_house_case.refresh_from_db()
    agency_case.refresh_from_db()
    assert in_house_case.assignee == agent
    assert agency_case.assignee is None
    success, failure = messages_of(response)
    assert success == "1 case(s) updated."
    assert f"#{agency_case.pk}: The assignee must belong to the agency" in failure


def test_bulk_assign_without_choosing_anyone_changes_nothing(
    client_for: Any,
    supervisor: User,
    agent: User,
    in_house_case: CollectionCase,
) -> None:
    services.case_assign(case_id=in_house_case.pk, actor=SYSTEM, assignee=agent)
    response = client_for(supervisor).post(
        LIST_URL,
        {
            "action": "assign_selected",
            "assignee": "",
            "_selected_action": [in_house_case.pk],
        },
    )
    in_house_case.refresh_from_db()
    assert in_house_case.assignee == agent  # an empty choice is "not chosen", never "unassign all"
    assert messages_of(response) == ["Choose whom to assign the cases to (or “Nobody”)."]


def test_supervisor_brings_selected_cases_back_in_house(
    client_for: Any, supervisor: User, agency_case: CollectionCase
) -> None:
    client_for(supervisor).post(
        LIST_URL,
        {
            "action": "place_selected",
            "agency": "in-house",
            "_selected_action": [agency_case.pk],
            "confirmed": "yes",
        },
    )
    agency_case.refresh_from_db()
    assert agency_case.agency is None


def test_bulk_actions_are_offered_to_supervisors_only(
    client_for: Any, agent: User, supervisor: User, in_house_case: CollectionCase
) -> None:
    assert client_for(agent).get(LIST_URL).context["action_form"] is None
    assert client_for(supervisor).get(LIST_URL).context["action_form"] is not None


# --- filters and search ----------------------------------------------------------------------------


def test_assigned_to_me_filter_lists_my_cases_and_unassigned_lists_the_rest(
    client_for: Any,
    agent: User,
) -> None:
    mine, nobodys = make_case(), make_case()
    services.case_assign(case_id=mine.pk, actor=SYSTEM, assignee=agent)
    client = client_for(agent)
    assert listed_ids(client.get(LIST_URL, {"assigned": "mine"})) == {mine.pk}
    assert listed_ids(client.get(LIST_URL, {"assigned": "unassigned"})) == {nobodys.pk}
    assert listed_ids(client.get(LIST_URL)) == {mine.pk, nobodys.pk}


@pytest.mark.parametrize(
    ("bucket", "expected_dpd"),
    [("1-29", {10}), ("30-59", {30, 59}), ("60-89", set()), ("90-179", {179}), ("180+", {180, 400})],
)
def test_days_past_due_bucket_filter_uses_the_accounts_days_past_due(
    client_for: Any,
    agent: User,
    bucket: str,
    expected_dpd: set[int],
) -> None:
    by_dpd = {dpd: make_case(days_past_due=dpd) for dpd in (10, 30, 59, 179, 180, 400)}
    response = client_for(agent).get(LIST_URL, {"dpd": bucket})
    assert listed_ids(response) == {by_dpd[dpd].pk for dpd in expected_dpd}


def test_next_action_due_filter_splits_overdue_later_today_this_week_and_none(
    client_for: Any,
    agent: User,
) -> None:
    noon = datetime.combine(timezone.now().date(), time(12), tzinfo=UTC)
    with time_machine.travel(noon, tick=False):
        when = {
            "overdue": noon - timedelta(hours=1),
            "later_today": noon + timedelta(hours=6),
            "in_three_days": noon + timedelta(days=3),
            "next_month": noon + timedelta(days=30),
            "none": None,
        }
        cases = {name: make_case() for name in when}
        for name, at in when.items():
            # Test setup of a scheduling field (no service writes it yet); the state is untouched.
            CollectionCase.objects.filter(pk=cases[name].pk).update(next_action_at=at)
        client = client_for(agent)

        def ids(value: str) -> set[int]:
            return listed_ids(client.get(LIST_URL, {"next_action": value}))

        assert ids("overdue") == {cases["overdue"].pk}
        assert ids("today") == {cases["later_today"].pk}
        assert ids("week") == {cases["later_today"].pk, cases["in_three_days"].pk}
        assert ids("none") == {cases["none"].pk}


def test_state_and_agency_filters_narrow_the_list(
    client_for: Any, supervisor: User, agency: Agency, agency_case: CollectionCase
) -> None:
    active = make_case(CaseState.ACTIVE)
    client = client_for(supervisor)
    assert listed_ids(client.get(LIST_URL, {"state__exact": "active"})) == {active.pk}
    assert listed_ids(client.get(LIST_URL, {"agency__id__exact": agency.pk})) == {agency_case.pk}
    assert listed_ids(client.get(LIST_URL, {"agency__isnull": "True"})) == {active.pk}


@pytest.mark.parametrize("term", ["13800001234", "+8613800001234", "+86 138 0000 1234", "8613800001234"])
def test_search_finds_a_case_by_the_customers_phone_however_it_is_typed(
    client_for: Any,
    agent: User,
    term: str,
) -> None:
    wanted, other = make_case(), make_case()
    PhoneFactory.create(customer=wanted.customer, phone="+8613800001234")
    PhoneFactory.create(customer=wanted.customer, phone="+8613900005678")  # a second number: no duplicate row
    PhoneFactory.create(customer=other.customer, phone="+8613800009999")
    response = client_for(agent).get(LIST_URL, {"q": term})
    assert [obj.pk for obj in response.context["cl"].result_list] == [wanted.pk]


def test_search_finds_a_case_by_customer_name(client_for: Any, agent: User) -> None:
    wanted, _other = make_case(), make_case()
    wanted.customer.full_name = "Li Xiaoming"
    wanted.customer.save(update_fields=["full_name"])
    assert listed_ids(client_for(agent).get(LIST_URL, {"q": "xiaoming"})) == {wanted.pk}


def test_phone_search_candidates_normalise_national_and_international_forms() -> None:
    assert "+8613800001234" in phone_search_candidates("13800001234")
    assert phone_search_candidates("+8613800001234") == {"+8613800001234"}
    assert phone_search_candidates("Li Xiaoming") == set()


def test_search_stays_inside_the_users_scope(
    client_for: Any, agency_agent: User, other_agency_case: CollectionCase
) -> None:
    PhoneFactory.create(customer=other_agency_case.customer, phone="+8613800001234")
    assert listed_ids(client_for(agency_agent).get(LIST_URL, {"q": "13800001234"})) == set()


# --- query count -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_case_list_with_thirty_cases_runs_a_bounded_number_of_queries(
    client_for: Any,
    django_assert_max_num_queries: Any,
    request: pytest.FixtureRequest,
    who: str,
) -> None:
    user = request.getfixturevalue(who)
    for _ in range(30):
        services.case_assign(case_id=make_case().pk, actor=SYSTEM, assignee=user)
    client = client_for(user)
    # Session, user, role groups, two counts, the page, the agency filter and (supervisors) the action
    # bar's two choice lists: the same for 30 rows as for 3.
    with django_assert_max_num_queries(12):
        response = client.get(LIST_URL)
    assert len(response.context["cl"].result_list) == 30


def test_case_page_runs_a_bounded_number_of_queries(
    client_for: Any, supervisor: User, django_assert_max_num_queries: Any
) -> None:
    case = make_case(CaseState.ON_HOLD)
    for _ in range(3):
        PhoneFactory.create(customer=case.customer)
    client = client_for(supervisor)
    with django_assert_max_num_queries(18):  # 19 before the case was read once (issue 13)
        client.get(change_url(case))


# --- the records around a case ----------------------------------------------------------------------


def _dispute(case: CollectionCase, *, days: int) -> Dispute:
    # Disputes have no service yet; created directly as test data (the case state is untouched).
    now = timezone.now()
    return Dispute.objects.create(
        case=case, kind=Dispute.Kind.AMOUNT_WRONG, opened_at=now, sla_due_at=now + timedelta(days=days)
    )


def test_dispute_list_is_scoped_to_the_agency_and_ordered_by_sla_due(
    client_for: Any,
    agency_agent: User,
    compliance: User,
    agency_case: CollectionCase,
    other_agency_case: CollectionCase,
) -> None:
    late = _dispute(agency_case, days=10)
    early = _dispute(other_agency_case, days=2)
    url = "/admin/collections/dispute/"
    assert [d.pk for d in client_for(compliance).get(url).context["cl"].result_list] == [early.pk, late.pk]
    assert [d.pk for d in client_for(agency_agent).get(url).context["cl"].result_list] == [late.pk]
    assert client_for(agency_agent).get(f"{url}{early.pk}/change/").status_code == 302  # not found → index


def test_dispute_list_filters_by_status_and_kind(
    client_for: Any, compliance: User, in_house_case: CollectionCase
) -> None:
    dispute = _dispute(in_house_case, days=5)
    client = client_for(compliance)
    url = "/admin/collections/dispute/"
    open_amount_disputes = client.get(url, {"status__exact": "open", "kind__exact": "amount_wrong"})
    assert listed_ids(open_amount_disputes) == {dispute.pk}
    assert listed_ids(client.get(url, {"status__exact": "upheld"})) == set()


def test_records_around_a_case_are_read_only_for_everyone(
    client_for: Any, superuser: User, in_house_case: CollectionCase
) -> None:
    client = client_for(superuser)
    for model in ("contactattempt", "payment", "dispute", "auditevent"):
        assert client.get(f"/admin/collections/{model}/add/").status_code == 403, model
    event = AuditEvent.objects.filter(case=in_house_case).first()
    assert event is not None
    page = client.get(f"/admin/collections/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(f"/admin/collections/auditevent/{event.pk}/delete/").status_code == 403


def test_audit_log_is_for_compliance_and_supervisors_only(
    client_for: Any,
    agent: User,
    supervisor: User,
    compliance: User,
    in_house_case: CollectionCase,
) -> None:
    url = "/admin/collections/auditevent/"
    assert client_for(agent).get(url).status_code == 403
    for user in (supervisor, compliance):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert "case.open" in response.content.decode()


def test_audit_log_filters_by_action_and_searches_by_actor(
    client_for: Any,
    compliance: User,
    agent: User,
    in_house_case: CollectionCase,
) -> None:
    post_transition(client_for(agent), in_house_case, "escalate")
    client = client_for(compliance)
    url = "/admin/collections/auditevent/"
    escalations = client.get(url, {"action": "case.escalate"}).context["cl"].result_list
    assert [e.action for e in escalations] == ["case.escalate"]
    by_agent = client.get(url, {"q": f"user:{agent.pk}:"}).context["cl"].result_list
    assert {e.actor for e in by_agent} == {f"user:{agent.pk}:agent"}


def test_contact_attempts_are_listed_for_the_case_owners_only(
    client_for: Any,
    agency_agent: User,
    other_agency_agent: User,
    agency_case: CollectionCase,
) -> None:
    point = PhoneFactory.create(customer=agency_case.customer)
    attempt = ContactAttempt.objects.create(  # test data: the contact service is not under test here
        case=agency_case,
        customer=agency_case.customer,
        contact_point=point,
        channel="call",
        placed_at=timezone.now(),
        allowed=True,
        policy_version="CN-test",
    )
    url = "/admin/collections/contactattempt/"
    own = client_for(agency_agent).get(url)
    assert listed_ids(own) == {attempt.pk}
    assert str(point.phone) not in own.content.decode()  # masked in the list
    page = client_for(agency_agent).get(f"{url}{attempt.pk}/change/")
    assert page.status_code == 200
    assert str(point.phone) not in page.content.decode()  # and on the record's page
    assert listed_ids(client_for(other_agency_agent).get(url)) == set()


def test_payments_are_listed_for_in_house_staff_including_unmatched_ones(
    client_for: Any,
    agent: User,
    agency_agent: User,
    agency_case: CollectionCase,
) -> None:
    def payment(ref: str, case: CollectionCase | None) -> Payment:
        # Test data: the payments feed service is not under test here.
        return Payment.objects.create(
            account=agency_case.account,
            case=case,
            external_reference=ref,
            amount=Decimal("100.00"),
            currency="CNY",
            received_at=timezone.now(),
        )

    matched, unmatched = payment("PAY-1", agency_case), payment("PAY-2", None)
    url = "/admin/collections/payment/"
    assert listed_ids(client_for(agent).get(url)) == {matched.pk, unmatched.pk}
    assert listed_ids(client_for(agency_agent).get(url)) == {matched.pk}
    assert client_for(agent).get(f"{url}{matched.pk}/change/").status_code == 200
