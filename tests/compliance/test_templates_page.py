"""Template approval in the workspace: drafts with a line diff, four-eyes approve / reject through the
notification services, every version readable for good, and the new-draft form."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import User
from debt_collections.errors import InvalidInput
from debt_collections.kernel.audit import Actor
from notifications.models import NoticeTemplate
from notifications.services import template_create_draft

pytestmark = pytest.mark.django_db

LIST = reverse("compliance:templates")


def approved(key: str = "reminder.soft", channel: str = "sms", locale: str = "en") -> NoticeTemplate:
    return NoticeTemplate.objects.get(
        key=key, channel=channel, locale=locale, status=NoticeTemplate.Status.APPROVED
    )


def fresh(template: NoticeTemplate) -> NoticeTemplate:
    """Read again (the FSM-protected status refuses ``refresh_from_db``)."""
    return NoticeTemplate.objects.get(pk=template.pk)


@pytest.fixture
def draft(second_officer: User) -> NoticeTemplate:
    """A new version of reminder.soft (SMS, English): last line replaced, a markup-looking line added."""
    current = approved()
    lines = current.body.splitlines()
    body = "\n".join([*lines[:-1], "Reply STOP to opt out: {{ opt_out_url }}", "<b>not markup</b>"])
    return template_create_draft(
        key="reminder.soft", channel="sms", locale="en", body=body, actor=Actor.for_user(second_officer)
    )


def test_drafts_are_listed_with_a_line_diff_against_the_approved_version(
    draft: NoticeTemplate, client_for: Any, compliance: User
) -> None:
    current = approved()

    html = client_for(compliance).get(LIST).content.decode()

    section = html.split(f'id="draft-{draft.pk}"', 1)[1].split("</section>", 1)[0]
    assert f"v{draft.version}" in section and f"v{current.version}</a>" in section
    assert '<div class="added"><ins>Reply STOP to opt out: {{ opt_out_url }}</ins></div>' in section
    assert f'<div class="removed"><del>{current.body.splitlines()[-1]}</del></div>' in section
    assert "&lt;b&gt;not markup&lt;/b&gt;" in section and "<b>not markup</b>" not in section
    assert "Author: <strong>compliance_two</strong>" in section


def test_a_draft_of_a_key_without_a_contract_is_refused(second_officer: User) -> None:
    # A new key needs its contract (context names, required blocks) in notifications.template_contracts first.
    with pytest.raises(InvalidInput) as refused:
        template_create_draft(
            key="brand.new",
            channel="email",
            locale="en",
            subject="Hi",
            body="line one",
            actor=Actor.for_user(second_officer),
        )

    assert "'brand.new' is not a known template key" in refused.value.message


def test_another_officer_approves_and_the_previous_version_is_retired(
    draft: NoticeTemplate, client_for: Any, compliance: User
) -> None:
    previous = approved()
    client = client_for(compliance)

    response = client.post(reverse("compliance:template-approve", args=[draft.pk]), {"note": "reviewed"})

    draft = fresh(draft)
    previous = fresh(previous)
    assert response.status_code == 302 and response["Location"] == LIST
    assert (draft.status, draft.approved_by, draft.decision_note) == ("approved", compliance, "reviewed")
    assert previous.status == "retired"
    assert f"Approved reminder.soft sms/en v{draft.version}." in client.get(LIST).content.decode()


def test_the_author_cannot_approve_their_own_draft_and_sees_why(
    draft: NoticeTemplate, client_for: Any, second_officer: User
) -> None:
    client = client_for(second_officer)

    client.post(reverse("compliance:template-approve", args=[draft.pk]))

    draft = fresh(draft)
    assert draft.status == "draft"
    html = client.get(LIST).content.decode()
    assert "The author of a template cannot approve it; another compliance officer must." in html
    assert "You wrote this draft" in html


def test_rejecting_needs_a_reason_and_keeps_it(
    draft: NoticeTemplate, client_for: Any, compliance: User
) -> None:
    client = client_for(compliance)
    url = reverse("compliance:template-reject", args=[draft.pk])

    client.post(url, {"note": "   "})
    draft = fresh(draft)
    assert draft.status == "draft"
    assert "Say why the draft is rejected." in client.get(LIST).content.decode()

    client.post(url, {"note": "the opt-out line must stay first"})
    draft = fresh(draft)
    assert (draft.status, draft.decision_note) == ("rejected", "the opt-out line must stay first")


def test_a_decided_draft_cannot_be_decided_again(
    draft: NoticeTemplate, client_for: Any, compliance: User
) -> None:
    client = client_for(compliance)
    client.post(reverse("compliance:template-reject", args=[draft.pk]), {"note": "no"})

    client.post(reverse("compliance:template-approve", args=[draft.pk]))

    draft = fresh(draft)
    assert draft.status == "rejected"
    assert "Only drafts can be approved; this version is rejected." in client.get(LIST).content.decode()


def test_retired_versions_stay_listed_and_readable(
    draft: NoticeTemplate, client_for: Any, compliance: User
) -> None:
    previous = approved()
    client = client_for(compliance)
    client.post(reverse("compliance:template-approve", args=[draft.pk]))

    listing = client.get(LIST).content.decode()
    detail = client.get(reverse("compliance:template-detail", args=[previous.pk]))

    retired_section = listing.split("<h2>Retired</h2>", 1)[1].split("<h2>", 1)[0]
    assert reverse("compliance:template-detail", args=[previous.pk]) in retired_section
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "Retired" in text and previous.body.splitlines()[0].strip()[:30] in text


def test_new_draft_form_creates_the_next_version_with_the_officer_as_author(
    client_for: Any, compliance: User
) -> None:
    current = approved("reminder.firm", "email", "en")
    client = client_for(compliance)

    response = client.post(
        reverse("compliance:template-new"),
        {
            "key": "reminder.firm",
            "channel": "email",
            "locale": "en",
            "subject": "A firmer reminder",
            "body": "Dear {{ customer_name }}, {{ total_due }} {{ currency }} is overdue on account "
            "{{ account_masked }}. Pay at {{ portal_url }} or call {{ contact_phone }}.\n\n"
            "{{ lender_name }}\n\nStop these messages: {{ opt_out_url }}",
            "limited_content": "",
            "is_service": "",
        },
    )

    created = NoticeTemplate.objects.get(key="reminder.firm", channel="email", locale="en", status="draft")
    assert response.status_code == 302
    assert (created.version, created.author, created.subject) == (
        current.version + 1,
        compliance,
        "A firmer reminder",
    )
    assert (created.limited_content, created.is_service) == (False, False)


def test_new_draft_form_refuses_a_malformed_key_and_creates_nothing(
    client_for: Any, compliance: User
) -> None:
    before = NoticeTemplate.objects.count()

    response = client_for(compliance).post(
        reverse("compliance:template-new"),
        {"key": "Reminder Soft!", "channel": "sms", "locale": "en", "body": "x"},
    )

    assert response.status_code == 200
    assert "Use lower-case letters" in response.content.decode()
    assert NoticeTemplate.objects.count() == before


def test_new_draft_can_start_from_an_existing_version(client_for: Any, compliance: User) -> None:
    source = approved()

    html = (
        client_for(compliance).get(reverse("compliance:template-new"), {"from": source.pk}).content.decode()
    )

    assert 'value="reminder.soft"' in html
    assert source.body.splitlines()[0].strip()[:30] in html
