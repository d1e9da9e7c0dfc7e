"""The case timeline: one case taken through every kind of event by the services, then read back whole."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ContactPoint, User
from compliance.timeline import case_timeline
from debt_collections import services
from debt_collections.errors import ComplianceBlocked
from debt_collections.kernel.audit import Actor
from debt_collections.models import AuditEvent, CaseState, CollectionCase, ContactAttempt
from debt_collections.services.links import links_for_notices
from notifications.masking import mask_links
from notifications.models import Notice
from notifications.services import notice_queue
from tests.factories import CreditAccountFactory, CustomerFactory, PhoneFactory, make_case

pytestmark = pytest.mark.django_db


def _step(frozen: Any) -> Any:
    frozen.shift(timedelta(minutes=7))
    return timezone.now()


@pytest.fixture
def full_case(frozen: Any, agent: User, supervisor: User) -> tuple[CollectionCase, ContactPoint]:
    """Open → escalate → a call (allowed, a conversation) → a second call (blocked) → a notice → a plan
    → a waiver (requested by the agent, approved by the supervisor) → a payment → a dispute (hold)."""
    customer = CustomerFactory.create(full_name="Timeline Person")
    phone = PhoneFactory.create(customer=customer)
    account = CreditAccountFactory.create(customer=customer)
    case = make_case(CaseState.EARLY, account=account)
    by_agent, by_supervisor = Actor.for_user(agent), Actor.for_user(supervisor)

    services.case_escalate(
        case_id=case.pk, actor=by_agent, reason="no answer to reminders", now=_step(frozen)
    )
    services.contact_attempt_log(
        case_id=case.pk,
        actor=by_agent,
        contact_point_id=phone.pk,
        connected=True,
        conversation=True,
        outcome="spoke_debtor",
        now=_step(frozen),
    )
    with pytest.raises(ComplianceBlocked):
        services.contact_attempt_log(
            case_id=case.pk, actor=by_agent, contact_point_id=phone.pk, now=_step(frozen)
        )
    notice_queue(
        links=links_for_notices,
        case_id=case.pk,
        template_key="reminder.soft",
        contact_point_id=phone.pk,
        actor=by_agent,
        now=_step(frozen),
    )
    services.plan_accept_option(
        case_id=case.pk, option_code="installment:3", actor=by_agent, now=_step(frozen)
    )
    waiver = services.waiver_request(
        case_id=case.pk,
        component="fees",
        amount=Decimal("40.00"),
        reason="goodwill",
        actor=by_agent,
        now=_step(frozen),
    )
    services.waiver_approve(waiver_id=waiver.pk, actor=by_supervisor, note="agreed", now=_step(frozen))
    paid_at = _step(frozen)
    services.payment_record(
        account_id=account.pk,
        external_reference="PAY-TL-1",
        amount=Decimal("100.00"),
        currency="CNY",
        received_at=paid_at,
        actor=by_supervisor,
        now=paid_at,
    )
    services.dispute_open(
        case_id=case.pk,
        kind="amount_wrong",
        description="fee charged twice",
        channel="phone",
        actor=by_agent,
        now=_step(frozen),
    )
    case.refresh_from_db()
    return case, phone


def test_timeline_holds_every_audit_event_of_the_case_in_seq_order(full_case: Any) -> None:
    case, _phone = full_case

    entries = case_timeline(case, timezone.now())

    audit_seqs = [e.seq for e in entries if e.kind == "audit"]
    assert audit_seqs == list(
        AuditEvent.objects.filter(case_id=case.pk).order_by("seq").values_list("seq", flat=True)
    )
    actions = {e.title for e in entries if e.kind == "audit"}
    assert {
        "case.open",
        "case.escalate",
        "contact.attempt",
        "contact.blocked",
        "notice.queued",
        "plan.accepted",
        "waiver.requested",
        "waiver.approved",
        "payment.recorded",
        "dispute.opened",
        "case.hold",
    } <= actions


def test_timeline_has_one_entry_per_record_of_every_kind(full_case: Any) -> None:
    case, _phone = full_case

    entries = case_timeline(case, timezone.now())

    kinds = [e.kind for e in entries if e.kind != "audit"]
    assert kinds.count("attempt") == 2
    assert kinds.count("notice") == Notice.objects.filter(case=case).count() >= 2  # reminder + confirmation
    assert (kinds.count("plan"), kinds.count("waiver"), kinds.count("payment"), kinds.count("dispute")) == (
        1,
        1,
        1,
        1,
    )


def test_entries_are_in_time_order_with_the_record_before_its_audit_event(full_case: Any) -> None:
    case, _phone = full_case

    entries = case_timeline(case, timezone.now())

    assert [e.sort_key for e in entries] == sorted(e.sort_key for e in entries)
    first_attempt = next(i for i, e in enumerate(entries) if e.kind == "attempt")
    assert entries[first_attempt + 1].title == "contact.attempt"


def test_allowed_and_blocked_calls_show_the_gate_decision_with_rule_ids_and_policy_version(
    full_case: Any,
) -> None:
    case, _phone = full_case
    allowed, blocked = ContactAttempt.objects.filter(case=case).order_by("placed_at")

    entries = [e for e in case_timeline(case, timezone.now()) if e.kind == "attempt"]

    assert entries[0].gate is not None and entries[0].gate.allowed
    assert entries[0].gate.policy_version == allowed.policy_version != ""
    assert entries[1].gate is not None and not entries[1].gate.allowed
    assert "CONVERSATION_WAIT" in entries[1].gate.blocked_by
    assert list(entries[1].gate.blocked_by) == blocked.blocked_by
    assert entries[0].actor == entries[1].actor == "agent"


def test_notice_entry_carries_the_exact_text_and_the_template_key_and_version(
    full_case: Any, agent: User
) -> None:
    case, _phone = full_case
    notice = Notice.objects.get(case=case, template__key="reminder.soft")

    entry = next(
        e for e in case_timeline(case, timezone.now()) if e.kind == "notice" and "reminder.soft" in e.title
    )

    # The exact words, with the customer's live links masked (compliance reads, it never acts as them).
    assert entry.text == mask_links(notice.body) and notice.body.strip()
    assert "/n/[link" in entry.text and "/n/" + notice.body.split("/n/")[1].split("/")[0] not in entry.text
    assert f"reminder.soft v{notice.template.version}" in entry.title
    assert entry.gate is not None and entry.gate.policy_version == notice.decision["policy_version"]
    assert entry.actor == Actor.for_user(agent).label


def test_plan_entry_lists_its_installments(full_case: Any) -> None:
    case, _phone = full_case
    plan = case.plans.get()

    entry = next(e for e in case_timeline(case, timezone.now()) if e.kind == "plan")

    assert [row[0] for row in entry.table] == ["1", "2", "3"]
    assert sum(Decimal(row[2]) for row in entry.table) == plan.total


def test_dispute_entry_names_who_opened_it_from_the_audit_trail(full_case: Any, agent: User) -> None:
    case, _phone = full_case

    entry = next(e for e in case_timeline(case, timezone.now()) if e.kind == "dispute")

    assert entry.actor == Actor.for_user(agent).label
    assert ("SLA", "open, within SLA") in entry.facts


def test_timeline_page_shows_gate_rules_notice_text_and_actors_read_only(
    full_case: Any, client_for: Any, compliance: User
) -> None:
    case, phone = full_case
    notice = Notice.objects.get(case=case, template__key="reminder.soft")
    url = reverse("compliance:case-timeline", args=[case.pk])

    response = client_for(compliance).get(url)

    html = response.content.decode()
    assert response.status_code == 200
    policy_versions = set(ContactAttempt.objects.filter(case=case).values_list("policy_version", flat=True))
    assert "CONVERSATION_WAIT" in html and all(f"policy <code>{v}</code>" in html for v in policy_versions)
    assert notice.body.split("\n")[0].replace("'", "&#x27;")[:40] in html
    assert "Timeline Person" in html and "user:" in html
    assert phone.value not in html  # contact values stay masked
    assert "<form" not in html.split("<main", 1)[1]  # read-only: no form in the page body


def test_timeline_of_an_unknown_case_is_404(client_for: Any, compliance: User) -> None:
    response = client_for(compliance).get(reverse("compliance:case-timeline", args=[999999]))

    assert response.status_code == 404


def test_search_finds_a_case_by_id_account_number_and_part_of_the_name(
    client_for: Any, compliance: User
) -> None:
    case = make_case(
        CaseState.EARLY,
        account=CreditAccountFactory.create(customer=CustomerFactory.create(full_name="Zhou Searchable")),
    )
    other = make_case(CaseState.EARLY)
    client = client_for(compliance)
    url = reverse("compliance:dashboard")
    timeline = reverse("compliance:case-timeline", args=[case.pk])
    other_timeline = reverse("compliance:case-timeline", args=[other.pk])

    for query in (str(case.pk), f"#{case.pk}", case.account.account_number, "searchab"):
        html = client.get(url, {"q": query}).content.decode()
        assert timeline in html, query
        assert other_timeline not in html, query
    assert "No case matches" in client.get(url, {"q": "nobody-like-this"}).content.decode()
    assert "No case matches" in client.get(url, {"q": "9" * 40}).content.decode()
