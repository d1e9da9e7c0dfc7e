"""The outbox and template admin: notices listed per case scope with masked recipients and their exact
text; templates readable by every staff role, drafts decided by compliance through the services
(maker-checker: the author never approves their own text)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.http import HttpResponse

from accounts.models import Agency, Role, User
from debt_collections import services
from debt_collections.kernel.audit import Actor
from debt_collections.models import CaseState, CollectionCase
from debt_collections.services.links import links_for_notices
from notifications.models import Notice, NoticeTemplate
from notifications.services import notice_queue, template_create_draft
from tests.audit_support import audit_events
from tests.factories import SYSTEM, PhoneFactory, UserFactory, make_case
from tests.notifications.conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("notice_env")]

NOTICES_URL = "/admin/notifications/notice/"
TEMPLATES_URL = "/admin/notifications/noticetemplate/"
Status = NoticeTemplate.Status


def messages_of(response: HttpResponse) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


def listed(response: Any) -> list[Any]:
    return list(response.context["cl"].result_list)


def run_action(client: Any, action: str, rows: list[Any], **extra: str) -> HttpResponse:
    data = {"action": action, "_selected_action": [str(row.pk) for row in rows], **extra}
    response: HttpResponse = client.post(TEMPLATES_URL, data)
    return response


@pytest.fixture
def second_compliance(db: Any) -> User:
    return UserFactory.create(username="second_compliance", roles=[Role.COMPLIANCE])


@pytest.fixture
def draft(compliance: User) -> NoticeTemplate:
    """A new version of the English soft-reminder SMS, written by ``compliance``."""
    return template_create_draft(
        key="reminder.soft", channel="sms", locale="en", actor=Actor.for_user(compliance),
        body="{{ lender_name }}: a reminder about account {{ account_masked }}: {{ portal_url }} "
             "Ref {{ reference }}\n"
             "Stop these messages: {{ opt_out_url }}",
    )


def fresh(template: NoticeTemplate) -> NoticeTemplate:
    # The status field is protected (django-fsm): refresh_from_db may not assign it; load a new copy.
    return NoticeTemplate.objects.get(pk=template.pk)


def sent_reminder(case: CollectionCase, phone: str, key: str = "reminder.soft") -> Notice:
    point = PhoneFactory.create(customer=case.customer, phone=phone)
    return notice_queue(case_id=case.pk, template_key=key, contact_point_id=point.pk, actor=SYSTEM, now=NOW,
                        links=links_for_notices)


# --- notices --------------------------------------------------------------------------------------------


def test_notice_list_is_scoped_by_case_and_shows_recipients_masked(
    client_for: Any, agent: User, agency_agent: User, agency: Agency,
) -> None:
    own = make_case(CaseState.ACTIVE)
    services.case_place_with_agency(case_id=own.pk, actor=SYSTEM, agency=agency)
    elsewhere = make_case(CaseState.ACTIVE)
    placed = sent_reminder(own, "+8613800001111")
    in_house = sent_reminder(elsewhere, "+8613800002222")

    agency_view = client_for(agency_agent).get(NOTICES_URL)

    assert [n.pk for n in listed(agency_view)] == [placed.pk]
    html = agency_view.content.decode()
    assert "+861****1111" in html
    assert "+8613800001111" not in html
    assert {n.pk for n in listed(client_for(agent).get(NOTICES_URL))} == {placed.pk, in_house.pk}
    detail = client_for(agency_agent).get(f"{NOTICES_URL}{placed.pk}/change/")
    assert detail.status_code == 200
    assert "+8613800001111" not in detail.content.decode()
    assert b'name="_save"' not in detail.content


def test_notice_search_finds_the_recipient_by_its_exact_number_as_people_type_it(
    client_for: Any, agent: User,
) -> None:
    wanted = sent_reminder(make_case(CaseState.ACTIVE), "+8613800001111")
    sent_reminder(make_case(CaseState.ACTIVE), "+8613800002222")
    client = client_for(agent)

    for term in ("13800001111", "+8613800001111"):
        assert [n.pk for n in listed(client.get(NOTICES_URL, {"q": term}))] == [wanted.pk], term
    assert listed(client.get(NOTICES_URL, {"q": "1111"})) == []  # no fragment search on numbers


def test_notice_list_filters_by_status_channel_and_template_key(client_for: Any, agent: User) -> None:
    case = make_case(CaseState.ACTIVE)
    reminder = sent_reminder(case, "+8613800001111")
    information = sent_reminder(case, "+8613800002222", key="debt.information")
    client = client_for(agent)

    by_key = client.get(NOTICES_URL, {"template__key": "debt.information"})
    assert [n.pk for n in listed(by_key)] == [information.pk]
    pending_sms = client.get(NOTICES_URL, {"status": "pending", "channel": "sms"})
    assert {n.pk for n in listed(pending_sms)} == {reminder.pk, information.pk}
    assert listed(client.get(NOTICES_URL, {"status": "blocked"})) == []


def test_nobody_adds_changes_or_deletes_notices_in_the_admin(client_for: Any, compliance: User) -> None:
    notice = sent_reminder(make_case(CaseState.ACTIVE), "+8613800001111")
    client = client_for(compliance)
    assert client.get(f"{NOTICES_URL}add/").status_code == 403
    assert client.post(f"{NOTICES_URL}{notice.pk}/delete/").status_code == 403


# --- templates ------------------------------------------------------------------------------------------


def test_template_draft_is_approved_by_a_second_compliance_officer_and_the_old_version_retired(
    client_for: Any, second_compliance: User, draft: NoticeTemplate,
) -> None:
    previous = NoticeTemplate.objects.get(key="reminder.soft", channel="sms", locale="en",
                                          status=Status.APPROVED)

    response = run_action(client_for(second_compliance), "approve_selected", [draft])

    assert messages_of(response) == [f"Approved (the previous version of each is retired): #{draft.pk}."]
    draft, previous = fresh(draft), fresh(previous)
    assert (draft.status, draft.approved_by) == (Status.APPROVED, second_compliance)
    assert previous.status == Status.RETIRED
    assert audit_events(action="template.approve", payload={"template": draft.pk})


def test_the_author_approving_their_own_draft_is_refused_with_the_four_eyes_message(
    client_for: Any, compliance: User, draft: NoticeTemplate,
) -> None:
    response = run_action(client_for(compliance), "approve_selected", [draft])

    assert messages_of(response) == [
        f"Not approved: #{draft.pk}: The author of a template cannot approve it; another compliance "
        "officer must."
    ]
    draft = fresh(draft)
    assert draft.status == Status.DRAFT


def test_rejecting_a_draft_asks_for_a_reason_first(
    client_for: Any, second_compliance: User, draft: NoticeTemplate,
) -> None:
    client = client_for(second_compliance)

    page = run_action(client, "reject_selected", [draft])
    assert page.status_code == 200
    assert b'name="note"' in page.content

    done = run_action(client, "reject_selected", [draft], apply="yes", note="Says 'reminder' twice")
    assert messages_of(done) == [f"Rejected: #{draft.pk}."]
    draft = fresh(draft)
    assert (draft.status, draft.decision_note) == (Status.REJECTED, "Says 'reminder' twice")


def test_agents_read_published_templates_but_never_drafts_and_get_no_decision_actions(
    client_for: Any, agent: User, compliance: User, draft: NoticeTemplate,
) -> None:
    client = client_for(agent)
    response = client.get(TEMPLATES_URL, {"status": "draft"})
    assert listed(response) == []
    assert response.context["action_form"] is None
    assert client.get(f"{TEMPLATES_URL}{draft.pk}/change/").status_code == 302  # unknown to them → index
    published = client.get(TEMPLATES_URL, {"key": "reminder.soft"})
    assert {t.status for t in listed(published)} == {Status.APPROVED}
    assert draft in listed(client_for(compliance).get(TEMPLATES_URL, {"status": "draft"}))

    run_action(client, "approve_selected", [draft])

    draft = fresh(draft)
    assert draft.status == Status.DRAFT


def test_templates_are_never_added_or_edited_in_the_admin(
    client_for: Any, compliance: User, draft: NoticeTemplate,
) -> None:
    client = client_for(compliance)
    assert client.get(f"{TEMPLATES_URL}add/").status_code == 403
    page = client.get(f"{TEMPLATES_URL}{draft.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
