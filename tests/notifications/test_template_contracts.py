"""Templates that cannot render wrong (issue 12): each key's contract, checked at save, at approval and
(for the values) at send time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from django.db import transaction

from accounts.models import Role, User
from debt_collections.errors import InvalidInput
from debt_collections.kernel.audit import Actor
from debt_collections.models import AuditEvent, CaseState, CollectionCase
from debt_collections.policies import contacts as pack_contacts
from debt_collections.services.links import links_for_notices
from notifications.channels import InMemorySmsBackend
from notifications.models import Notice, NoticeTemplate
from notifications.services import NoticeRequest, notice_queue_many, template_approve, template_create_draft
from notifications.template_contracts import check_template, preview
from notifications.template_library import LIBRARY
from tests.factories import (
    SYSTEM,
    CreditAccountFactory,
    CustomerFactory,
    PhoneFactory,
    UserFactory,
    make_case,
)
from tests.notifications.conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("notice_env")]

GOOD_SMS = (
    "{{ lender_name }}: {{ total_due }} {{ currency }} was due on {{ due_date }}. Pay: {{ portal_url }} "
    "Ref {{ reference }}\nStop these messages: {{ opt_out_url }}"
)
# The text that reached Freya Taylor: undeclared placeholders, no lender name, no opt-out line.
BROKEN_SMS = "Hello {{ customer_name }}, your payment of {{ amount }} is overdue. Pay here: {{ pay_link }}"


@pytest.fixture
def author() -> User:
    return UserFactory.create(username="author_officer", roles=[Role.COMPLIANCE])


@pytest.fixture
def approver() -> User:
    return UserFactory.create(username="approving_officer", roles=[Role.COMPLIANCE])


def draft(author: User, body: str, **kwargs: Any) -> NoticeTemplate:
    fields = {"key": "reminder.soft", "channel": "sms", "locale": "en", **kwargs}
    return template_create_draft(body=body, actor=Actor.for_user(author), **fields)


def unchecked_draft(body: str, **kwargs: Any) -> NoticeTemplate:
    """A draft row as an older release (or a direct insert) may have left it: never checked."""
    fields = {"key": "reminder.soft", "channel": "sms", "locale": "en", "version": 99, **kwargs}
    return NoticeTemplate.objects.create(body=body, **fields)


@pytest.mark.parametrize("text", LIBRARY, ids=lambda t: f"{t.key}-{t.channel}-{t.locale}")
def test_every_shipped_template_meets_its_contract_for_every_pack(text: Any) -> None:
    problems = check_template(
        key=text.key,
        channel=text.channel,
        locale=text.locale,
        subject=text.subject,
        body=text.body,
        limited_content=text.limited_content,
    )

    assert problems == []


def test_an_undeclared_placeholder_is_refused_at_save_naming_it(author: User) -> None:
    with pytest.raises(InvalidInput) as refused:
        draft(author, BROKEN_SMS)

    assert refused.value.code == "template_invalid"
    assert "{{ amount }}" in refused.value.message and "{{ pay_link }}" in refused.value.message
    assert not NoticeTemplate.objects.filter(status="draft").exists()


def test_a_text_without_the_opt_out_line_is_refused_at_save(author: User) -> None:
    body = GOOD_SMS.split("\n")[0]

    with pytest.raises(InvalidInput) as refused:
        draft(author, body)

    assert "missing the opt-out line" in refused.value.message


def test_a_text_without_the_lender_name_is_refused_at_save(author: User) -> None:
    with pytest.raises(InvalidInput) as refused:
        draft(author, GOOD_SMS.replace("{{ lender_name }}: ", ""))

    assert "the lender's name" in refused.value.message


def test_a_tag_other_than_if_and_for_is_refused(author: User) -> None:
    with pytest.raises(InvalidInput) as refused:
        draft(author, GOOD_SMS + '{% include "secret.txt" %}')

    assert "{% include %} is not allowed" in refused.value.message


def test_an_empty_render_for_one_packs_sample_customer_is_refused_naming_the_pack(
    author: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the UK pack has no customer-service e-mail on file
    uk = pack_contacts.PACK_CONTACTS["UK"]
    no_email = replace(uk, lender_email=replace(uk.lender_email, email=""))
    monkeypatch.setattr(
        "notifications.template_contracts.contacts_for",
        lambda code: no_email if code == "UK" else pack_contacts.PACK_CONTACTS[code],
    )

    # When a text that prints the e-mail is saved
    with pytest.raises(InvalidInput) as refused:
        draft(author, GOOD_SMS + "\nWrite to {{ contact_email }}")

    # Then it is refused for the UK customers only, naming the empty value
    assert "contact_email" in refused.value.message
    assert "(for UK customers)" in refused.value.message


@pytest.mark.parametrize(
    "body",
    [BROKEN_SMS, GOOD_SMS.split("\n")[0]],
    ids=["undeclared-placeholder", "no-opt-out"],
)
def test_approval_refuses_an_unchecked_draft_with_the_reason_and_changes_nothing(
    approver: User, body: str
) -> None:
    bad = unchecked_draft(body)

    with pytest.raises(InvalidInput) as refused:
        template_approve(template_id=bad.pk, actor=Actor.for_user(approver))

    assert refused.value.code == "template_invalid"
    assert "cannot be approved" in refused.value.message
    assert NoticeTemplate.objects.get(pk=bad.pk).status == "draft"
    assert not AuditEvent.objects.filter(action="template.approve").exists()


def test_a_good_draft_is_saved_and_approved(author: User, approver: User) -> None:
    saved = draft(author, GOOD_SMS)

    approved = template_approve(template_id=saved.pk, actor=Actor.for_user(approver))

    assert approved.status == "approved"


def test_the_preview_renders_the_text_for_a_sample_customer_of_each_pack() -> None:
    previews = preview(key="reminder.soft", channel="sms", locale="en", subject="", body=GOOD_SMS)

    assert [p.pack for p in previews] == ["CN", "US", "UK"]
    by_pack = {p.pack: p for p in previews}
    assert "CNY" in by_pack["CN"].body and "GBP" in by_pack["UK"].body and "USD" in by_pack["US"].body
    assert all(not p.problems for p in previews)


def test_the_approval_page_shows_a_preview_per_pack_and_the_reasons_a_draft_would_be_refused(
    client_for: Callable[[User], Any], approver: User
) -> None:
    unchecked_draft(BROKEN_SMS)

    html = client_for(approver).get("/compliance/templates/").content.decode()

    assert 'data-pack="CN"' in html and 'data-pack="UK"' in html and 'data-pack="US"' in html
    assert "This version cannot be approved" in html
    assert "{{ pay_link }}" in html


def test_at_send_time_a_missing_value_fails_the_notice_with_a_reason_never_a_blank(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    # Given a credit-limit notice queued without the change's details (a service that forgot them: by
    # hand the outbox refuses the key altogether)
    customer = CustomerFactory.create()
    phone = PhoneFactory.create(customer=customer)
    case = make_case(CaseState.EARLY, account=CreditAccountFactory.create(customer=customer))
    locked = CollectionCase.objects.select_related("customer", "account").get(pk=case.pk)
    request = NoticeRequest(
        case=locked, template_key="credit_limit.notice", contact_point=phone, by_service=True
    )

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        [notice] = notice_queue_many(requests=[request], actor=SYSTEM, now=NOW, links=links_for_notices)

    # Then nothing was sent, the notice failed with the names of the missing values, and that is audited
    stored = Notice.objects.get(pk=notice.pk)
    assert InMemorySmsBackend.outbox == []
    assert stored.status == Notice.Status.FAILED
    assert "effective_date" in stored.last_error and "appeal_url" in stored.last_error
    event = AuditEvent.objects.get(action="notice.failed", case_id=case.pk)
    assert "effective_date" in event.payload["missing"]
