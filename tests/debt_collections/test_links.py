"""Negotiation links: signed opaque tokens, expiry, revocation, identity checks that lock, and the
wrong-party report that quarantines the number, revokes the link and opens a task in one transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import signing
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import ContactPoint, QuarantinedContact
from debt_collections import services
from debt_collections.errors import InvalidInput
from debt_collections.models import AuditEvent, CaseState, CaseTask, CollectionCase, NegotiationLink
from debt_collections.services.links import LINK_SALT, LinkUnusable
from tests.audit_support import audit_events
from tests.factories import SYSTEM, CreditAccountFactory, CustomerFactory, PhoneFactory, make_case

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 12:00 in Asia/Shanghai.
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
LAST4 = "482X"
DOB = date(1987, 6, 15)


@pytest.fixture
def case(time_machine: Any) -> CollectionCase:
    time_machine.move_to(NOW, tick=False)
    customer = CustomerFactory.create(national_id_last4=LAST4, date_of_birth=DOB)
    return make_case(CaseState.EARLY, account=CreditAccountFactory.create(customer=customer))


@pytest.fixture
def phone(case: CollectionCase) -> ContactPoint:
    return PhoneFactory.create(customer=case.customer)


def new_link(case: CollectionCase, phone: ContactPoint | None = None) -> NegotiationLink:
    link, _url = services.link_create(
        case_id=case.pk, actor=SYSTEM, contact_point_id=phone.pk if phone else None, now=NOW
    )
    return link


# --- create and resolve ------------------------------------------------------------------------


def test_a_link_expires_after_the_packs_days_and_its_creation_is_audited(
    case: CollectionCase, phone: ContactPoint, settings: Any
) -> None:
    settings.SITE_URL = "https://pay.example.com"
    link, url = services.link_create(case_id=case.pk, actor=SYSTEM, contact_point_id=phone.pk, now=NOW)

    assert link.expires_at == NOW + timedelta(days=14)
    assert link.contact_point_id == phone.pk
    assert url == f"https://pay.example.com/n/{services.link_token(link)}/"
    event = AuditEvent.objects.get(action="link.create")
    assert event.case_id == case.pk and event.payload["link"] == str(link.id)


def test_the_token_signs_the_opaque_link_id_never_the_case_id(case: CollectionCase) -> None:
    link = new_link(case)
    token = services.link_token(link)

    assert signing.TimestampSigner(salt=LINK_SALT).unsign(token) == str(link.id)
    assert token.split(":")[0] == str(link.id)
    assert f"C{case.pk:07d}" not in token and f"case={case.pk}" not in token


def test_resolve_returns_the_link_while_it_is_usable(case: CollectionCase) -> None:
    link = new_link(case)

    assert services.link_resolve(services.link_token(link), now=NOW + timedelta(days=13)) == link


@pytest.mark.parametrize(
    "token",
    ["", "nonsense", "00000000-0000-0000-0000-000000000000:1abc:forged", "not-a-uuid"],
)
def test_a_bad_or_forged_token_is_invalid(case: CollectionCase, token: str) -> None:
    with pytest.raises(LinkUnusable) as caught:
        services.link_resolve(token, now=NOW)

    assert caught.value.reason == "invalid" and caught.value.link is None


def test_a_token_signed_for_another_purpose_or_naming_no_link_is_invalid(case: CollectionCase) -> None:
    link = new_link(case)
    other_salt = signing.TimestampSigner(salt="notifications.opt-out").sign(str(link.id))
    unknown = signing.TimestampSigner(salt=LINK_SALT).sign("6f1c0d1e-0000-4000-8000-000000000000")
    not_a_uuid = signing.TimestampSigner(salt=LINK_SALT).sign(str(case.pk))

    for token in (other_salt, unknown, not_a_uuid):
        with pytest.raises(LinkUnusable) as caught:
            services.link_resolve(token, now=NOW)
        assert caught.value.reason == "invalid"


def test_an_expired_link_is_refused(case: CollectionCase) -> None:
    link = new_link(case)

    with pytest.raises(LinkUnusable) as caught:
        services.link_resolve(services.link_token(link), now=NOW + timedelta(days=14))

    assert caught.value.reason == "expired" and caught.value.link == link


def test_a_revoked_link_is_refused_and_revoking_again_changes_nothing(case: CollectionCase) -> None:
    link = new_link(case)
    services.link_revoke(link_id=link.id, actor=SYSTEM, reason="new number", now=NOW)
    services.link_revoke(link_id=link.id, actor=SYSTEM, reason="again", now=NOW + timedelta(hours=1))

    with pytest.raises(LinkUnusable) as caught:
        services.link_resolve(services.link_token(link), now=NOW)

    assert caught.value.reason == "revoked"
    link.refresh_from_db()
    assert link.revoke_reason == "new number"
    assert AuditEvent.objects.filter(action="link.revoke").count() == 1


def test_a_link_cannot_go_to_another_customers_contact_point(case: CollectionCase) -> None:
    stranger = PhoneFactory.create()

    with pytest.raises(InvalidInput):
        services.link_create(case_id=case.pk, actor=SYSTEM, contact_point_id=stranger.pk, now=NOW)


def test_no_link_for_a_resolved_case(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)
    resolved = make_case(CaseState.RESOLVED)

    with pytest.raises(InvalidInput) as caught:
        services.link_create(case_id=resolved.pk, actor=SYSTEM, now=NOW)

    assert caught.value.code == "case_terminal"


# --- identity checks ---------------------------------------------------------------------------


def test_the_right_answers_verify_and_are_audited(case: CollectionCase) -> None:
    link = new_link(case)

    assert services.link_verify(link_id=link.id, national_id_last4="482x", date_of_birth=DOB, now=NOW)

    link.refresh_from_db()
    assert link.last_verified_at == NOW and link.failed_checks == 0
    event = AuditEvent.objects.get(action="link.verified")
    assert event.actor == f"link:{link.id}" and event.case_id == case.pk


@pytest.mark.parametrize(
    ("last4", "dob"), [("7Q9Z", DOB), (LAST4, date(1987, 6, 16)), ("7Q9Z", date(2001, 2, 3))]
)
def test_a_wrong_answer_counts_and_is_audited_without_the_submitted_values(
    case: CollectionCase, last4: str, dob: date
) -> None:
    link = new_link(case)

    assert not services.link_verify(link_id=link.id, national_id_last4=last4, date_of_birth=dob, now=NOW)

    link.refresh_from_db()
    assert link.failed_checks == 1 and link.locked_at is None
    event = AuditEvent.objects.get(action="link.verify_failed")
    assert event.actor == f"link:{link.id}"
    assert event.payload == {
        "link": str(link.id),
        "failed_checks": 1,
        "max_failed_checks": 5,
        "locked": False,
    }
    stored = str(list(AuditEvent.objects.values_list("payload", flat=True)))
    assert last4 not in stored and dob.isoformat() not in stored


def test_the_fifth_failure_locks_the_link_and_the_right_answer_is_then_refused(case: CollectionCase) -> None:
    link = new_link(case)
    for _ in range(5):
        services.link_verify(link_id=link.id, national_id_last4="0000", date_of_birth=DOB, now=NOW)

    link.refresh_from_db()
    assert link.failed_checks == 5 and link.locked_at == NOW
    with pytest.raises(LinkUnusable) as caught:
        services.link_verify(link_id=link.id, national_id_last4=LAST4, date_of_birth=DOB, now=NOW)
    assert caught.value.reason == "locked"
    assert len(audit_events(action="link.verify_failed", payload={"locked": True})) == 1


def test_a_success_does_not_reset_the_count_of_failures(case: CollectionCase) -> None:
    link = new_link(case)
    for _ in range(4):
        services.link_verify(link_id=link.id, national_id_last4="0000", date_of_birth=DOB, now=NOW)
    assert services.link_verify(link_id=link.id, national_id_last4=LAST4, date_of_birth=DOB, now=NOW)

    services.link_verify(link_id=link.id, national_id_last4="0000", date_of_birth=DOB, now=NOW)

    link.refresh_from_db()
    assert link.locked_at is not None


# --- wrong party -------------------------------------------------------------------------------


def test_wrong_party_quarantines_revokes_and_opens_a_task(case: CollectionCase, phone: ContactPoint) -> None:
    link = new_link(case, phone)
    same_number = PhoneFactory.create(phone=phone.phone)  # another customer's record of the number

    services.link_report_wrong_party(link_id=link.id, now=NOW)

    link.refresh_from_db()
    assert link.revoked_at == NOW
    assert set(
        ContactPoint.objects.filter(pk__in=[phone.pk, same_number.pk]).values_list("status", flat=True)
    ) == {ContactPoint.Status.WRONG_PARTY}
    assert QuarantinedContact.objects.filter(value=phone.value, lifted_at__isnull=True).exists()
    task = CaseTask.objects.get(case=case)
    assert task.kind == CaseTask.Kind.FIND_NEW_CONTACT and task.created_by == f"link:{link.id}"
    assert AuditEvent.objects.filter(action="link.wrong_party", actor=f"link:{link.id}").exists()


def test_wrong_party_without_a_contact_point_still_revokes_and_opens_the_task(case: CollectionCase) -> None:
    link = new_link(case)

    services.link_report_wrong_party(link_id=link.id, now=NOW)

    link.refresh_from_db()
    assert link.revoked_at == NOW
    assert CaseTask.objects.filter(case=case, kind=CaseTask.Kind.FIND_NEW_CONTACT).count() == 1
    assert not QuarantinedContact.objects.exists()


def test_reporting_wrong_party_twice_changes_nothing_the_second_time(
    case: CollectionCase, phone: ContactPoint
) -> None:
    link = new_link(case, phone)
    services.link_report_wrong_party(link_id=link.id, now=NOW)
    events = AuditEvent.objects.count()

    services.link_report_wrong_party(link_id=link.id, now=NOW + timedelta(minutes=5))

    assert AuditEvent.objects.count() == events
    assert CaseTask.objects.filter(case=case).count() == 1


def test_wrong_party_works_on_an_expired_link(case: CollectionCase, phone: ContactPoint) -> None:
    link = new_link(case, phone)

    services.link_report_wrong_party(link_id=link.id, now=NOW + timedelta(days=30))

    phone.refresh_from_db()
    assert phone.status == ContactPoint.Status.WRONG_PARTY


def test_wrong_party_is_all_or_nothing(case: CollectionCase, phone: ContactPoint, monkeypatch: Any) -> None:
    link = new_link(case, phone)

    def fail(**_kwargs: Any) -> None:
        raise RuntimeError("the task table is gone")

    monkeypatch.setattr(CaseTask.objects, "create", fail)
    with pytest.raises(RuntimeError):
        services.link_report_wrong_party(link_id=link.id, now=NOW)

    phone.refresh_from_db()
    link.refresh_from_db()
    assert phone.status == ContactPoint.Status.VERIFIED
    assert not QuarantinedContact.objects.exists()
    assert link.revoked_at is None
    assert not AuditEvent.objects.filter(action__in=["contact.wrong_party", "link.wrong_party"]).exists()


# --- the command -------------------------------------------------------------------------------


def test_the_command_prints_the_full_url(case: CollectionCase, phone: ContactPoint, settings: Any) -> None:
    settings.SITE_URL = "https://pay.example.com"
    out = StringIO()

    call_command(
        "negotiation_link", str(case.pk), "--contact-point", str(phone.pk), stdout=out, stderr=StringIO()
    )

    url = out.getvalue().strip()
    link = NegotiationLink.objects.get(case=case)
    assert url == f"https://pay.example.com/n/{services.link_token(link)}/"
    assert link.contact_point_id == phone.pk and link.created_by == "system:negotiation_link"


@pytest.mark.parametrize("debug", [True, False], ids=["demo (DEBUG)", "production"])
def test_the_command_prints_the_identity_check_answers_in_the_demo_only(
    case: CollectionCase, phone: ContactPoint, settings: Any, debug: bool
) -> None:
    settings.DEBUG = debug
    out, err = StringIO(), StringIO()

    call_command("negotiation_link", str(case.pk), "--contact-point", str(phone.pk), stdout=out, stderr=err)

    customer = case.customer
    answers = f"ID number last 4 = {customer.national_id_last4}, date of birth = {customer.date_of_birth}"
    assert (answers in err.getvalue()) is debug
    assert len(out.getvalue().splitlines()) == 1 and "verify" not in out.getvalue()  # the URL alone


def test_the_command_explains_a_refusal(case: CollectionCase) -> None:
    with pytest.raises(CommandError, match="Contact point not found"):
        call_command("negotiation_link", str(case.pk), "--contact-point", "999999", stdout=StringIO())


# --- the demo link -----------------------------------------------------------------------------


def test_seed_demo_prints_a_working_link_for_a_chinese_customer_and_reuses_it(settings: Any) -> None:
    settings.DEBUG = True
    first, second = StringIO(), StringIO()

    call_command("seed_demo", customers=30, stdout=first)
    call_command("seed_demo", customers=30, stdout=second)

    url = next(line for line in first.getvalue().splitlines() if "/n/" in line).split()[-1]
    link = services.link_resolve(url.rstrip("/").rsplit("/", 1)[-1], now=timezone.now())
    customer = link.case.customer
    assert customer.locale == "zh-hans"
    assert link.case.state in (CaseState.EARLY, CaseState.ACTIVE, CaseState.NEGOTIATING)
    assert link.contact_point is not None and link.contact_point.status == ContactPoint.Status.VERIFIED
    assert link.contact_point.customer_id == customer.pk
    expected = f"ID number last 4 = {customer.national_id_last4}, date of birth = {customer.date_of_birth}"
    assert expected in first.getvalue() and expected in second.getvalue()
    # The second run reused it (notices carry links of their own, made by the notice service).
    assert NegotiationLink.objects.filter(created_by="system:seed_demo").count() == 1
