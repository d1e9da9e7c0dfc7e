"""The outbox (DESIGN §6): a notice is a row first, sent after commit, re-checked by the gate at send time,
and every SMS carries a one-click opt-out that works without a login.

Sending runs in-process: Celery is forced eager and SMS go to ``InMemorySmsBackend`` (``notice_env``),
so nothing depends on a worker. ``django_capture_on_commit_callbacks`` plays the commit: ``execute=True``
to send as production would after commit, ``execute=False`` to hold the send back and change the world
first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.test import Client

from accounts.models import ContactPoint, Customer
from debt_collections import services
from debt_collections.errors import ComplianceBlocked
from debt_collections.models import AuditEvent, CaseState, CollectionCase, HoldReason
from debt_collections.services.links import links_for_notices
from notifications.channels import InMemorySmsBackend
from notifications.models import Notice
from notifications.rendering import OPT_OUT_SALT, opt_out_url
from notifications.services import (
    NoticeRequest,
    notice_queue,
    notice_queue_many,
    notice_relay_due,
    notice_send,
)
from tests.factories import SYSTEM, CreditAccountFactory, CustomerFactory, PhoneFactory, make_case
from tests.notifications.conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("notice_env")]

Status = Notice.Status
Capture = Callable[..., Any]
# CreditAccountFactory's balances: 5000 + 300 + 100 + 50.
TOTAL_DUE = "5,450.00"
OPT_OUT_URL = re.compile(r"https?://\S+/o/(?P<token>[^/\s]+)/")
SentReminder = tuple[CollectionCase, ContactPoint, str]


def open_case(*, state: str = CaseState.EARLY, verified: bool = True, **customer: Any
              ) -> tuple[CollectionCase, ContactPoint]:
    person = CustomerFactory.create(**customer)
    phone = PhoneFactory.create(customer=person) if verified else PhoneFactory.create(
        customer=person, status=ContactPoint.Status.UNVERIFIED, verified_at=None)
    return make_case(state, account=CreditAccountFactory.create(customer=person)), phone


def queue(case: CollectionCase, point: ContactPoint, key: str = "reminder.soft", **kwargs: Any) -> Notice:
    kwargs.setdefault("now", NOW)
    return notice_queue(case_id=case.pk, template_key=key, contact_point_id=point.pk, actor=SYSTEM,
                        links=links_for_notices, **kwargs)


def queue_as_service(case: CollectionCase, point: ContactPoint, key: str, **extra: Any) -> Notice:
    """A service-only notice, queued as its owing service queues it (one item, the case it locked)."""
    locked = CollectionCase.objects.select_related("customer", "account").get(pk=case.pk)
    request = NoticeRequest(case=locked, template_key=key, contact_point=point, extra_context=extra,
                            by_service=True)
    with transaction.atomic():
        [notice] = notice_queue_many(requests=[request], actor=SYSTEM, now=NOW, links=links_for_notices)
    return notice


def fresh(notice: Notice) -> Notice:
    return Notice.objects.get(pk=notice.pk)


def sent_messages() -> list[Any]:
    return list(InMemorySmsBackend.outbox)


def events(action: str, **filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters))


# --- queue, commit, send ------------------------------------------------------------------------------

def test_queued_notice_is_a_pending_row_in_the_customers_language_and_is_sent_after_commit(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # Given a Chinese-speaking customer with a verified number
    case, phone = open_case(locale="zh-hans")

    # When a soft reminder is queued (and the transaction commits)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notice = queue(case, phone)
        # Then before the commit it is only a row, pending, rendered in zh-hans, and nothing left
        assert notice.status == Status.PENDING
        assert sent_messages() == []
    assert notice.template.locale == "zh-hans"
    assert "温馨提示" in notice.body
    assert TOTAL_DUE in notice.body
    assert notice.recipient == phone.value
    assert notice.due_date == NOW.date()
    assert len(callbacks) == 1

    # and after the commit the provider got exactly one message, with a working opt-out link
    [message] = sent_messages()
    assert message.to == phone.value
    assert "温馨提示" in message.body
    match = OPT_OUT_URL.search(message.body)
    assert match is not None and match.group(0).startswith(f"{settings.SITE_URL}/o/")
    assert signing.loads(match.group("token"), salt=OPT_OUT_SALT) == {"p": phone.pk, "c": "sms"}
    # and the row says sent, with the provider's reference, on the audit chain
    row = fresh(notice)
    assert row.status == Status.SENT
    assert row.provider_reference == message.reference != ""
    assert (row.attempts, row.sent_at) == (1, NOW)
    assert row.decision["allowed"] is True
    [queued] = events("notice.queued", case=case)
    [sent] = events("notice.sent", case=case)
    assert queued.payload["notice"] == sent.payload["notice"] == notice.pk
    assert sent.payload["provider_reference"] == message.reference


def test_english_customer_gets_the_english_text(django_capture_on_commit_callbacks: Capture) -> None:
    case, phone = open_case(locale="en")

    with django_capture_on_commit_callbacks(execute=True):
        notice = queue(case, phone)

    assert notice.template.locale == "en"
    [message] = sent_messages()
    assert "a friendly reminder" in message.body
    assert "温馨提示" not in message.body


def test_queuing_the_same_notice_twice_gives_one_row_and_one_message(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    case, phone = open_case()

    # When the same (case, template, point, due date) is queued twice, the second time an hour later
    with django_capture_on_commit_callbacks(execute=True):
        first = queue(case, phone)
    with django_capture_on_commit_callbacks(execute=True) as second_callbacks:
        second = queue(case, phone, now=NOW + timedelta(hours=1))

    # Then it is the same notice, sent once, queued once on the audit chain
    assert second.pk == first.pk
    assert second_callbacks == []
    assert Notice.objects.count() == 1
    assert len(sent_messages()) == 1
    assert len(events("notice.queued")) == 1
    assert len(events("notice.sent")) == 1


def test_a_new_due_date_is_a_new_notice(django_capture_on_commit_callbacks: Capture) -> None:
    # The idempotency key includes the due date: the next cycle's reminder is not swallowed
    case, phone = open_case()

    with django_capture_on_commit_callbacks(execute=True):
        first = queue(case, phone, due_date=NOW.date())
        second = queue(case, phone, due_date=NOW.date() + timedelta(days=30))

    assert first.pk != second.pk
    assert len(sent_messages()) == 2


# --- DISCLOSURE: unverified points get only limited content -------------------------------------------

def test_debt_notice_to_an_unverified_point_is_blocked_stored_and_not_sent(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    case, unverified = open_case(verified=False)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ComplianceBlocked) as caught:
            queue(case, unverified)

    assert caught.value.rule_ids == ("DISCLOSURE",)
    row = Notice.objects.get(case=case)
    assert row.status == Status.BLOCKED
    assert row.decision["blocked_by"] == ["DISCLOSURE"]
    assert callbacks == []
    assert sent_messages() == []
    [event] = events("notice.blocked", case=case)
    assert event.payload["blocked_by"] == ["DISCLOSURE"]


def test_limited_content_prompt_to_an_unverified_point_goes_out_without_any_debt_detail(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    case, unverified = open_case(verified=False)
    customer: Customer = case.customer

    with django_capture_on_commit_callbacks(execute=True):
        notice = queue(case, unverified, "contact.prompt")

    assert fresh(notice).status == Status.SENT
    [message] = sent_messages()
    for text in (notice.body, message.body):
        assert settings.NEUTRAL_SENDER_NAME in text
        assert f"C{case.pk:07d}" in text  # the opaque reference is allowed
        assert TOTAL_DUE not in text
        assert "5000" not in text and "5,000" not in text
        assert customer.full_name not in text
        assert settings.LENDER_NAME not in text
        assert case.account.account_number[-4:] not in text


# --- the gate again at send time ----------------------------------------------------------------------

def test_send_rechecks_the_gate_and_blocks_a_notice_whose_case_went_on_hold_after_queuing(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    case, phone = open_case()
    # Given a notice queued while the case was open, its send not yet run
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notice = queue(case, phone)
    assert notice.status == Status.PENDING

    # When the case goes on hold before the worker sends it
    services.case_hold(case_id=case.pk, actor=SYSTEM, hold_reason=HoldReason.COMPLAINT, now=NOW)
    for callback in callbacks:
        callback()

    # Then the send-time decision blocks it and nothing leaves
    row = fresh(notice)
    assert row.status == Status.BLOCKED
    assert row.decision["blocked_by"] == ["HOLD"]
    assert (row.attempts, row.sent_at) == (0, None)
    assert sent_messages() == []
    [event] = events("notice.blocked", case=case)
    assert event.payload["at_send_time"] is True
    assert event.payload["blocked_by"] == ["HOLD"]


def test_service_notice_still_goes_out_while_the_case_is_on_hold(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    case, phone = open_case(state=CaseState.ON_HOLD)
    context = {"dispute_kind": "dispute", "dispute_due_date": "2026-03-17"}

    with django_capture_on_commit_callbacks(execute=True):
        notice = queue_as_service(case, phone, "dispute.acknowledgement", **context)

    assert notice.template.is_service
    assert fresh(notice).status == Status.SENT
    assert len(sent_messages()) == 1


def test_notice_queued_with_extra_context_is_sent_with_that_context(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    case, phone = open_case(state=CaseState.ON_HOLD)
    context = {"dispute_kind": "dispute", "dispute_due_date": "2026-03-17"}

    with django_capture_on_commit_callbacks(execute=True):
        notice = queue_as_service(case, phone, "dispute.acknowledgement", **context)
    assert "we will reply by 2026-03-17" in notice.body  # rendered right at queue time

    [message] = sent_messages()
    assert "we have received your dispute" in message.body
    assert "we will reply by 2026-03-17" in message.body
    assert "we will reply by 2026-03-17" in fresh(notice).body


# --- deferral, relay, failure, double send ------------------------------------------------------------

def test_time_blocked_notice_is_deferred_to_next_allowed_at_and_relayed_then(
    django_capture_on_commit_callbacks: Capture, time_machine: Any,
) -> None:
    case, phone = open_case()
    late = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai
    morning = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai

    # When the daily cycle queues a notice at night, asking to defer rather than block
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notice = queue(case, phone, now=late, defer_when_time_blocked=True)

    # Then it waits, pending, for the window to open; nothing is handed to a worker yet
    assert notice.status == Status.PENDING
    assert notice.not_before == morning
    assert notice.decision["blocked_by"] == ["HOURS"]
    assert callbacks == []
    assert sent_messages() == []
    assert notice_relay_due(now=morning - timedelta(seconds=1)) == []
    # and once the window opens the relay picks it up and it is sent
    assert notice_relay_due(now=morning) == [notice.pk]
    time_machine.move_to(morning, tick=False)
    assert notice_send(notice_id=notice.pk, now=morning).status == Status.SENT
    assert len(sent_messages()) == 1
    assert notice_relay_due(now=morning + timedelta(hours=1)) == []


def test_time_blocked_notice_without_deferral_is_blocked_with_next_allowed_at() -> None:
    case, phone = open_case()

    with pytest.raises(ComplianceBlocked) as caught:
        queue(case, phone, now=datetime(2026, 3, 2, 14, 0, tzinfo=UTC))

    assert caught.value.rule_ids == ("HOURS",)
    assert caught.value.next_allowed_at == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    assert Notice.objects.get(case=case).status == Status.BLOCKED


def test_pending_notice_whose_enqueue_was_lost_is_relayed_after_the_relay_delay(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # Given a queued notice whose after-commit hand-off never happened (broker down)
    case, phone = open_case()
    with django_capture_on_commit_callbacks(execute=False):
        notice = queue(case, phone)

    # Then the relay leaves it alone for the relay delay, then returns it
    delay = timedelta(seconds=settings.NOTICE_RELAY_AFTER_SECONDS)
    assert notice_relay_due(now=NOW + delay - timedelta(seconds=1)) == []
    assert notice_relay_due(now=NOW + delay) == [notice.pk]


def test_provider_failure_marks_the_notice_failed_with_the_error_and_audits_it(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    case, phone = open_case()
    InMemorySmsBackend.fail_with = "boom"

    with django_capture_on_commit_callbacks(execute=True):
        notice = queue(case, phone)

    row = fresh(notice)
    assert (row.status, row.last_error, row.attempts) == (Status.FAILED, "boom", 1)
    assert row.provider_reference == ""
    assert sent_messages() == []
    [event] = events("notice.failed", case=case)
    assert event.payload == {"notice": notice.pk, "error": "boom", "attempts": 1}
    assert not events("notice.sent")


def test_sending_the_same_notice_twice_talks_to_the_provider_once(
    django_capture_on_commit_callbacks: Capture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Count calls to the provider itself (the in-memory provider would hide a duplicate by its key)
    calls: list[str] = []
    original = InMemorySmsBackend.send

    def counting_send(self: InMemorySmsBackend, **kwargs: Any) -> str:
        calls.append(kwargs["idempotency_key"])
        return original(self, **kwargs)

    monkeypatch.setattr(InMemorySmsBackend, "send", counting_send)
    case, phone = open_case()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notice = queue(case, phone)

    # When the notice is sent by hand, again, and then by the after-commit task
    first = notice_send(notice_id=notice.pk, now=NOW)
    second = notice_send(notice_id=notice.pk, now=NOW)
    for callback in callbacks:
        callback()

    # Then the provider was asked once and the row recorded one attempt and one sent event
    assert (first.status, second.status) == (Status.SENT, Status.SENT)
    assert calls == [notice.idempotency_key]
    assert fresh(notice).attempts == 1
    assert len(events("notice.sent")) == 1


# --- the one-click opt-out link -----------------------------------------------------------------------

@pytest.fixture
def sent_reminder(django_capture_on_commit_callbacks: Capture) -> SentReminder:
    """A reminder sent to an English-speaking customer; returns the case, the point and the link's path."""
    case, phone = open_case(locale="en")
    with django_capture_on_commit_callbacks(execute=True):
        queue(case, phone)
    [message] = sent_messages()
    match = OPT_OUT_URL.search(message.body)
    assert match is not None
    return case, phone, urlsplit(match.group(0)).path


def test_opening_the_opt_out_link_shows_a_button_and_changes_nothing(
    sent_reminder: SentReminder,
) -> None:
    _case, phone, path = sent_reminder

    response = Client().get(path)

    assert response.status_code == 200
    content = response.content.decode()
    assert '<form method="post">' in content
    assert "<button" in content and "Stop text messages" in content
    phone.refresh_from_db()
    assert phone.opted_out_channels == []
    assert not events("contact.opt_out")


def test_posting_the_opt_out_form_without_login_opts_out_and_blocks_sms_now_and_later(
    sent_reminder: SentReminder, django_capture_on_commit_callbacks: Capture,
) -> None:
    case, phone, path = sent_reminder
    # Given another SMS to the same point waiting in the outbox
    with django_capture_on_commit_callbacks(execute=False):
        waiting = queue(case, phone, "reminder.firm")
    assert waiting.status == Status.PENDING

    # When the customer opens the link in a browser and presses the button (no login; CSRF enforced)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token is not None
    response = browser.post(path, {"csrfmiddlewaretoken": token.group(1)})

    # Then the page confirms, the point is opted out of SMS, and it is audited
    assert response.status_code == 200
    assert "You will no longer receive text messages here" in response.content.decode()
    phone.refresh_from_db()
    assert phone.opted_out_channels == ["sms"]
    [event] = events("contact.opt_out")
    assert event.payload == {"contact_point": phone.pk, "channel": "sms", "notices_blocked": 1}
    assert event.actor == f"optout:{phone.pk}:sms"
    # and the waiting SMS is blocked
    row = fresh(waiting)
    assert row.status == Status.BLOCKED
    assert row.decision["blocked_by"] == ["OPT_OUT"]
    # and a later SMS notice is blocked by the gate
    with pytest.raises(ComplianceBlocked) as caught:
        queue(case, phone, "contact.prompt")
    assert caught.value.rule_ids == ("OPT_OUT",)
    assert len(sent_messages()) == 1


def test_opting_out_twice_changes_and_audits_once(sent_reminder: SentReminder) -> None:
    _case, phone, path = sent_reminder

    assert Client().post(path).status_code == 200
    assert Client().post(path).status_code == 200

    phone.refresh_from_db()
    assert phone.opted_out_channels == ["sms"]
    assert len(events("contact.opt_out")) == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_opt_out_token_is_404_and_changes_nothing(
    sent_reminder: SentReminder, method: str,
) -> None:
    _case, phone, path = sent_reminder
    token = path.split("/")[2]
    # Flip one character of the payload part, keeping the signature
    position = 3
    tampered = token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1:]

    response = getattr(Client(), method)(f"/o/{tampered}/")

    assert response.status_code == 404
    phone.refresh_from_db()
    assert phone.opted_out_channels == []
    assert not events("contact.opt_out")


def test_opt_out_token_signed_for_another_purpose_is_404() -> None:
    forged = signing.dumps({"p": 1, "c": "sms"}, salt="another-salt", compress=True)

    assert Client().get(f"/o/{forged}/").status_code == 404


def test_one_click_unsubscribe_post_from_a_mail_provider_opts_out() -> None:
    # Given an email address and the List-Unsubscribe URL an email to it carries
    person = CustomerFactory.create()
    email = ContactPoint.objects.create(customer=person, kind=ContactPoint.Kind.EMAIL, email="c@example.com",
                                        status=ContactPoint.Status.VERIFIED, verified_at=NOW, consent_at=NOW)
    path = urlsplit(opt_out_url(contact_point_id=email.pk, channel="email")).path

    # When the mail provider POSTs "List-Unsubscribe=One-Click" (no cookie, no CSRF token)
    response = Client(enforce_csrf_checks=True).post(path, "List-Unsubscribe=One-Click",
                                                     content_type="application/x-www-form-urlencoded")

    # Then the address is opted out of email
    assert response.status_code == 200
    email.refresh_from_db()
    assert email.opted_out_channels == ["email"]
