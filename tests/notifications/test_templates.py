"""Notice templates: versioned, maker-checker approved by compliance (DESIGN §3, §6).

The shipped texts arrive as approved version 1 through data migration ``notifications/0002``; these
tests draft version 2 and walk it through approval, rejection and the database's own guards.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Role, User
from debt_collections.errors import InvalidInput, NotPermitted
from debt_collections.kernel.audit import Actor
from debt_collections.models import AuditEvent
from notifications.models import NoticeTemplate
from notifications.selectors import approved_template
from notifications.services import (
    template_approve,
    template_create_draft,
    template_reject,
    templates_install_library,
)
from tests.factories import UserFactory
from tests.notifications.conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("notice_env")]

Status = NoticeTemplate.Status
KEY: dict[str, str] = {"key": "reminder.soft", "channel": "sms", "locale": "en"}
BODY = "{{ lender_name }}: {{ total_due }} {{ currency }} was due on {{ due_date }}. Pay: {{ portal_url }} " \
       "Ref {{ reference }}\nStop these messages: {{ opt_out_url }}"

# Written out here, independently of the library module, so a dropped text fails the install test.
EXPECTED_CHANNELS: dict[str, set[str]] = {
    "reminder.soft": {"sms", "email"},
    "reminder.firm": {"sms", "email"},
    "contact.prompt": {"sms", "email"},
    "debt.information": {"sms", "email", "letter"},
    "plan.offer": {"sms", "email"},
    "plan.confirmation": {"sms", "email"},
    "plan.broken": {"sms", "email"},
    "credit_report.pre_notice": {"sms", "email", "letter"},
    "credit_limit.notice": {"sms", "email", "letter"},
    "credit_limit.appeal_outcome": {"sms", "email"},
    "dispute.acknowledgement": {"sms", "email"},
    "dispute.outcome": {"sms", "email"},
    "wrong_party.acknowledgement": {"sms"},
    "opt_out.confirmation": {"sms", "email"},
    "promise.confirmation": {"sms", "email"},
    "payment.receipt": {"sms", "email"},
}
LOCALES = ("zh-hans", "en")


@pytest.fixture
def second_compliance() -> User:
    return UserFactory.create(username="compliance_two", roles=[Role.COMPLIANCE])


def new_draft(author: User) -> NoticeTemplate:
    return template_create_draft(key=KEY["key"], channel=KEY["channel"], locale=KEY["locale"], body=BODY,
                                 actor=Actor.for_user(author), now=NOW)


@pytest.fixture
def draft(compliance: User) -> NoticeTemplate:
    return new_draft(compliance)


def fresh(template: NoticeTemplate) -> NoticeTemplate:
    # A protected FSM field refuses refresh_from_db(): read the row again instead.
    return NoticeTemplate.objects.get(pk=template.pk)


def shipped_version() -> NoticeTemplate:
    return NoticeTemplate.objects.get(**KEY, version=1)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# --- draft → approved ---------------------------------------------------------------------------------

def test_draft_gets_the_next_version_number_and_is_audited(draft: NoticeTemplate, compliance: User) -> None:
    assert (draft.version, draft.status, draft.author) == (2, Status.DRAFT, compliance)
    assert shipped_version().status == Status.APPROVED
    [event] = events("template.draft")
    assert event.payload == {"template": draft.pk, **KEY, "version": 2}
    assert event.actor_user_id == compliance.pk


def test_another_compliance_officer_approves_a_draft_and_the_previous_version_is_retired(
    draft: NoticeTemplate, second_compliance: User,
) -> None:
    # When a compliance officer who did not write it approves the draft
    approved = template_approve(template_id=draft.pk, actor=Actor.for_user(second_compliance),
                                note="Reviewed", now=NOW)

    # Then it is the approved version, with who and when
    approved = fresh(approved)
    assert (approved.status, approved.approved_by, approved.approved_at, approved.decision_note) == (
        Status.APPROVED, second_compliance, NOW, "Reviewed")
    assert approved_template(**KEY) == approved
    # and the shipped version 1 is retired, still readable
    old = shipped_version()
    assert (old.status, old.retired_at) == (Status.RETIRED, NOW)
    # and the approval is on the audit chain, naming the retired version
    [event] = events("template.approve")
    assert event.actor_user_id == second_compliance.pk
    assert event.payload["template"] == draft.pk
    assert event.payload["version"] == 2
    assert event.payload["retired"] == old.pk


def test_author_may_not_approve_their_own_draft(draft: NoticeTemplate, compliance: User) -> None:
    with pytest.raises(NotPermitted) as caught:
        template_approve(template_id=draft.pk, actor=Actor.for_user(compliance), now=NOW)

    assert caught.value.code == "four_eyes"
    assert fresh(draft).status == Status.DRAFT
    assert shipped_version().status == Status.APPROVED
    assert not events("template.approve")


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR])
def test_only_a_compliance_officer_may_approve(draft: NoticeTemplate, role: str) -> None:
    other = UserFactory.create(username=f"a_{role}", roles=[role])

    with pytest.raises(NotPermitted) as caught:
        template_approve(template_id=draft.pk, actor=Actor.for_user(other), now=NOW)

    assert caught.value.code == "not_permitted"
    assert fresh(draft).status == Status.DRAFT


def test_database_refuses_an_approver_who_is_the_author(draft: NoticeTemplate) -> None:
    # Even a write that bypasses the service cannot make the author the approver
    with pytest.raises(IntegrityError), transaction.atomic():
        NoticeTemplate.objects.filter(pk=draft.pk).update(approved_by_id=draft.author_id)


# --- rejection ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("note", ["", "   "])
def test_rejecting_a_draft_needs_a_reason(draft: NoticeTemplate, second_compliance: User, note: str) -> None:
    with pytest.raises(InvalidInput):
        template_reject(template_id=draft.pk, actor=Actor.for_user(second_compliance), note=note, now=NOW)

    assert fresh(draft).status == Status.DRAFT
    assert not events("template.reject")


def test_rejected_draft_keeps_its_reason_is_audited_and_can_no_longer_be_approved(
    draft: NoticeTemplate, second_compliance: User,
) -> None:
    actor = Actor.for_user(second_compliance)

    rejected = template_reject(template_id=draft.pk, actor=actor, note="Amount must come first", now=NOW)

    assert (rejected.status, rejected.decision_note) == (Status.REJECTED, "Amount must come first")
    [event] = events("template.reject")
    assert event.payload["note"] == "Amount must come first"
    with pytest.raises(InvalidInput) as caught:
        template_approve(template_id=draft.pk, actor=actor, now=NOW)
    assert caught.value.code == "not_draft"
    assert approved_template(**KEY) == shipped_version()


# --- one approved version at a time -------------------------------------------------------------------

def test_successive_approvals_leave_exactly_one_approved_version(
    compliance: User, second_compliance: User,
) -> None:
    checker = Actor.for_user(second_compliance)
    for _ in range(2):
        template_approve(template_id=new_draft(compliance).pk, actor=checker, now=NOW)

    statuses = dict(NoticeTemplate.objects.filter(**KEY).values_list("version", "status"))
    assert statuses == {1: Status.RETIRED, 2: Status.RETIRED, 3: Status.APPROVED}


def test_database_refuses_a_second_approved_version_of_the_same_key_channel_and_locale(
    draft: NoticeTemplate,
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        NoticeTemplate.objects.filter(pk=draft.pk).update(status=Status.APPROVED)


def test_same_key_may_be_approved_once_per_locale_and_channel() -> None:
    # The shipped library: one approved version for each of en and zh-hans, SMS and email
    rows = NoticeTemplate.objects.filter(key="reminder.soft", status=Status.APPROVED)
    assert sorted(rows.values_list("channel", "locale")) == [
        ("email", "en"), ("email", "zh-hans"), ("sms", "en"), ("sms", "zh-hans")]


# --- the shipped library ------------------------------------------------------------------------------

def test_install_library_is_idempotent_and_approves_all_sixteen_keys_in_both_locales() -> None:
    # Given an empty template table (as after a flush)
    NoticeTemplate.objects.all().delete()
    expected_rows = sum(len(channels) for channels in EXPECTED_CHANNELS.values()) * len(LOCALES)

    # When the library is installed twice
    first = templates_install_library(now=NOW)
    second = templates_install_library(now=NOW)

    # Then the first call created every text, the second nothing
    assert (first, second) == (expected_rows, 0)
    assert NoticeTemplate.objects.count() == expected_rows
    # and each of the 16 keys is approved in each of its channels, in both locales, exactly once
    rows = NoticeTemplate.objects.filter(status=Status.APPROVED).values_list("key", "channel", "locale")
    approved = set(rows)
    assert {key for key, _channel, _locale in approved} == set(EXPECTED_CHANNELS)
    assert len(EXPECTED_CHANNELS) == 16
    assert approved == {(key, channel, locale) for key, channels in EXPECTED_CHANNELS.items()
                        for channel in channels for locale in LOCALES}


def test_install_library_after_the_data_migration_creates_nothing() -> None:
    before = NoticeTemplate.objects.count()

    assert templates_install_library(now=NOW) == 0
    assert NoticeTemplate.objects.count() == before


def test_install_library_approves_a_text_whose_only_version_is_a_draft(compliance: User) -> None:
    # Given a flushed table where someone drafted a text before the library was installed
    NoticeTemplate.objects.all().delete()
    new_draft(compliance)

    # When the library is installed
    templates_install_library(now=NOW)

    # Then every library text has an approved version, as the function promises
    assert approved_template(**KEY) is not None
