"""The compliance gate, rule by rule: each rule's allowed and blocked cases against a compliant baseline."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from debt_collections.policies import (
    OPT_OUT_CONFIRMATION_KEY,
    RULE_ORDER,
    ActorSnapshot,
    Decision,
    Rule,
    TemplateSnapshot,
    decide_contact,
    get_pack,
)
from debt_collections.policies.snapshots import CaseSnapshot, ContactPointSnapshot, PastContact
from tests.policies.builders import (
    CONSENT,
    CUSTOMER,
    LONDON,
    NEW_YORK,
    NOW,
    OTHER_CUSTOMER,
    OTHER_PHONE,
    PHONE,
    SHANGHAI,
    agency_actor,
    at_local,
    daily_spread,
    decide,
    make_case,
    make_point,
    make_template,
    past,
    service_template,
    utc,
    window,
)

# -- baseline ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["call", "sms", "email", "letter"])
@pytest.mark.parametrize(
    ("pack", "now"),
    [
        ("CN", at_local(SHANGHAI, 2026, 3, 10, 10)),
        ("US", at_local(NEW_YORK, 2026, 3, 10, 10)),
        ("UK", at_local(LONDON, 2026, 3, 10, 10)),
    ],
)
def test_a_compliant_contact_is_allowed_and_names_the_pack_version(
    pack: str, now: datetime, channel: str
) -> None:
    decision = decide(pack=pack, now=now, channel=channel)

    assert decision.allowed
    assert decision.blocked_by == ()
    assert decision.next_allowed_at is None
    assert decision.reasons == {}
    assert decision.policy_version == get_pack(pack).version


# -- HOURS ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "minute", "allowed"),
    [(7, 59, False), (8, 0, True), (12, 0, True), (20, 59, True), (21, 0, False), (23, 30, False)],
)
def test_shanghai_calls_are_allowed_from_eight_until_just_before_nine_pm(
    hour: int, minute: int, allowed: bool
) -> None:
    decision = decide(now=at_local(SHANGHAI, 2026, 3, 10, hour, minute))

    assert decision.allowed is allowed
    assert (Rule.HOURS in decision.blocked_by) is not allowed


def test_nine_pm_in_shanghai_waits_for_eight_am_next_day_which_is_midnight_utc() -> None:
    decision = decide(now=at_local(SHANGHAI, 2026, 3, 10, 21, 0))

    assert decision.blocked_by == (Rule.HOURS,)
    assert decision.next_allowed_at == utc(2026, 3, 11, 0, 0)
    assert decision.next_allowed_at is not None and decision.next_allowed_at.tzinfo == UTC
    assert "21:00" in decision.reasons["HOURS"]


def test_a_uk_call_on_sunday_is_blocked_until_monday_morning() -> None:
    sunday = at_local(LONDON, 2026, 3, 15, 11)

    decision = decide(pack="UK", now=sunday)

    assert decision.blocked_by == (Rule.HOURS,)
    assert decision.next_allowed_at == at_local(LONDON, 2026, 3, 16, 8)


def test_a_uk_call_on_saturday_inside_hours_is_allowed_but_not_at_eight_pm() -> None:
    assert decide(pack="UK", now=at_local(LONDON, 2026, 3, 14, 19, 59)).allowed
    assert decide(pack="UK", now=at_local(LONDON, 2026, 3, 14, 20, 0)).blocked_by == (Rule.HOURS,)


def test_a_uk_bank_holiday_is_skipped_to_the_next_working_morning() -> None:
    christmas = at_local(LONDON, 2026, 12, 25, 10)  # Fri; Sat 26 is fine, Boxing Day substitute is Mon 28

    decision = decide(pack="UK", now=christmas)

    assert decision.blocked_by == (Rule.HOURS,)
    assert "bank holiday" in decision.reasons["HOURS"]
    assert decision.next_allowed_at == at_local(LONDON, 2026, 12, 26, 8)


def test_hours_use_the_customers_zone_not_the_packs_default() -> None:
    # 10:00 in Shanghai is 22:00 the evening before in New York.
    case = make_case(customer_tz="America/New_York")

    decision = decide(pack="CN", case=case, now=at_local(SHANGHAI, 2026, 3, 10, 10))

    assert decision.blocked_by == (Rule.HOURS,)
    assert decision.next_allowed_at == at_local(NEW_YORK, 2026, 3, 10, 8)


def test_an_empty_customer_zone_falls_back_to_the_packs_default() -> None:
    case = make_case(customer_tz="")

    assert decide(now=at_local(SHANGHAI, 2026, 3, 10, 20, 59), case=case).allowed
    assert decide(now=at_local(SHANGHAI, 2026, 3, 10, 21, 0), case=case).blocked_by == (Rule.HOURS,)


def test_a_letter_is_not_bound_by_hours() -> None:
    assert decide(channel="letter", now=at_local(SHANGHAI, 2026, 3, 10, 3)).allowed
    assert decide(channel="letter", pack="UK", now=at_local(LONDON, 2026, 3, 15, 3)).allowed


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_messages_and_service_notices_are_bound_by_hours(channel: str) -> None:
    decision = decide(channel=channel, template=service_template(), now=at_local(SHANGHAI, 2026, 3, 10, 23))

    assert decision.blocked_by == (Rule.HOURS,)


def test_an_agreed_evening_window_allows_a_call_after_nine_pm() -> None:
    case = make_case(agreed_contact_window=window((21, 0), (22, 0)))

    assert decide(case=case, now=at_local(SHANGHAI, 2026, 3, 10, 21, 30)).allowed


def test_an_agreed_window_replaces_the_pack_hours_and_next_allowed_at_follows_it() -> None:
    case = make_case(agreed_contact_window=window((18, 0), (20, 0)))

    decision = decide(case=case, now=at_local(SHANGHAI, 2026, 3, 10, 10))

    assert decision.blocked_by == (Rule.HOURS,)
    assert "agreed window" in decision.reasons["HOURS"]
    assert decision.next_allowed_at == at_local(SHANGHAI, 2026, 3, 10, 18)


def test_an_agreed_window_does_not_override_the_uk_sunday_ban() -> None:
    case = make_case(customer_tz="Europe/London", agreed_contact_window=window((10, 0), (12, 0)))

    decision = decide(pack="UK", case=case, now=at_local(LONDON, 2026, 3, 15, 11))

    assert decision.blocked_by == (Rule.HOURS,)
    assert decision.next_allowed_at == at_local(LONDON, 2026, 3, 16, 10)


def test_an_overnight_agreed_window_is_refused() -> None:
    with pytest.raises(ValueError, match="start < end"):
        make_case(agreed_contact_window=window((22, 0), (2, 0)))


# -- FREQ_7D -------------------------------------------------------------------------------------------


def test_seventh_call_in_seven_days_is_allowed() -> None:
    assert decide(history=daily_spread(NOW, 6)).allowed


def test_eighth_call_in_seven_days_is_blocked() -> None:
    history = daily_spread(NOW, 7, step=timedelta(hours=23))

    decision = decide(history=history)

    assert decision.blocked_by == (Rule.FREQ_7D,)
    assert "7 call attempts" in decision.reasons["FREQ_7D"]
    # The oldest attempt (7×23h ago) leaves the window 7×24h after it was made: 7 hours from now.
    assert decision.next_allowed_at == NOW - timedelta(hours=7 * 23) + timedelta(days=7)


def test_an_attempt_exactly_seven_days_ago_no_longer_counts() -> None:
    history = [past(NOW - timedelta(days=7))] + daily_spread(NOW, 6, step=timedelta(hours=20))

    assert decide(history=history).allowed
    assert decide(history=history, now=NOW - timedelta(microseconds=1)).blocked_by == (Rule.FREQ_7D,)


def test_blocked_attempts_do_not_count_toward_the_cap() -> None:
    history = daily_spread(NOW, 6) + [past(NOW - timedelta(hours=2), allowed=False)]

    assert decide(history=history).allowed


def test_attempts_on_other_channels_do_not_count_toward_the_call_cap() -> None:
    history = daily_spread(NOW, 6) + daily_spread(NOW, 3, channel="sms", step=timedelta(hours=5))

    assert decide(history=history).allowed


def test_calls_to_the_persons_other_numbers_and_accounts_count_toward_the_cap() -> None:
    history = [past(NOW - timedelta(hours=20 * (i + 1)), contact_point_value=OTHER_PHONE) for i in range(7)]

    assert decide(history=history).blocked_by == (Rule.FREQ_7D,)


@pytest.mark.parametrize(("channel", "cap"), [("sms", 3), ("email", 3), ("letter", 2)])
def test_the_message_caps_block_the_next_message_in_seven_days(channel: str, cap: int) -> None:
    history = daily_spread(NOW, cap, channel=channel)

    assert decide(channel=channel, history=daily_spread(NOW, cap - 1, channel=channel)).allowed
    decision = decide(channel=channel, history=history)
    assert decision.blocked_by == (Rule.FREQ_7D,)
    assert decision.next_allowed_at == NOW - timedelta(days=cap) + timedelta(days=7)


def test_a_service_notice_is_not_held_back_by_the_caps() -> None:
    history = daily_spread(NOW, 5, channel="sms", step=timedelta(hours=6))

    assert decide(channel="sms", history=history).blocked_by == (Rule.FREQ_7D,)
    assert decide(channel="sms", history=history, template=service_template()).allowed


# -- DAILY ---------------------------------------------------------------------------------------------


def _today(slots: list[int], **changes: Any) -> list[PastContact]:
    """Calls on NOW's local day, at 08:00 + 10 minutes × slot."""
    return [past(at_local(SHANGHAI, 2026, 3, 10, 8) + timedelta(minutes=10 * n), **changes) for n in slots]


def test_cn_fourth_connected_call_of_the_day_is_blocked_until_tomorrow_morning() -> None:
    history = _today([0, 1, 2], connected=True)

    decision = decide(history=history)

    assert decision.blocked_by == (Rule.DAILY,)
    assert "3 of 3 connected calls" in decision.reasons["DAILY"]
    assert decision.next_allowed_at == at_local(SHANGHAI, 2026, 3, 11, 8)


def test_cn_unanswered_calls_do_not_use_up_the_connected_call_cap() -> None:
    assert decide(history=_today([0, 1, 2, 3, 4], connected=False)).allowed


def test_cn_seventh_dial_to_the_same_number_in_a_day_is_blocked() -> None:
    assert decide(history=_today([0, 1, 2, 3, 4])).allowed

    decision = decide(history=_today([0, 1, 2, 3, 4, 5]))

    assert decision.blocked_by == (Rule.DAILY,)
    assert "dial attempts to this number" in decision.reasons["DAILY"]


def test_cn_dials_to_another_number_do_not_count_toward_this_numbers_dial_cap() -> None:
    history = _today([0, 1, 2, 3, 4, 5], contact_point_value=OTHER_PHONE)

    assert decide(history=history).allowed


@pytest.mark.parametrize(("pack", "zone"), [("US", NEW_YORK), ("UK", LONDON)])
def test_us_and_uk_fourth_call_placed_in_a_local_day_is_blocked(pack: str, zone: ZoneInfo) -> None:
    morning = at_local(zone, 2026, 3, 10, 8)
    history = [past(morning + timedelta(minutes=m)) for m in (0, 10, 20)]

    decision = decide(pack=pack, now=at_local(zone, 2026, 3, 10, 12), history=history)

    assert decision.blocked_by == (Rule.DAILY,)
    assert decision.next_allowed_at == at_local(zone, 2026, 3, 11, 8)


def test_the_daily_count_follows_the_customers_local_day_not_utc() -> None:
    # Just after local midnight on the 10th is still the 9th in UTC (16:xx UTC); now is 10:00 local on the
    # 10th (02:00 UTC on the 10th). By local day these are today's calls; by UTC day they would not be.
    history = [past(at_local(SHANGHAI, 2026, 3, 10, 0, m), connected=True) for m in (10, 20, 30)]
    assert all(contact.at.date() == date(2026, 3, 9) for contact in history)

    decision = decide(history=history)

    assert decision.blocked_by == (Rule.DAILY,)


def test_daily_caps_apply_to_calls_only() -> None:
    history = _today([0, 1, 2], connected=True)

    assert decide(channel="sms", history=history).allowed


# -- CONVERSATION_WAIT ---------------------------------------------------------------------------------


def test_a_conversation_makes_its_day_day_one_of_seven_quiet_days() -> None:
    conversation = past(at_local(SHANGHAI, 2026, 3, 9, 10), connected=True, conversation=True)  # Monday

    on_day_7 = decide(history=[conversation], now=at_local(SHANGHAI, 2026, 3, 15, 20, 59))
    on_day_8 = decide(history=[conversation], now=at_local(SHANGHAI, 2026, 3, 16, 8))

    assert on_day_7.blocked_by == (Rule.CONVERSATION_WAIT,)
    assert "2026-03-09 (day 1 of 7)" in on_day_7.reasons["CONVERSATION_WAIT"]
    assert on_day_7.next_allowed_at == at_local(SHANGHAI, 2026, 3, 16, 8)
    assert on_day_8.allowed


def test_a_late_night_conversation_still_counts_its_own_day_as_day_one() -> None:
    conversation = past(at_local(SHANGHAI, 2026, 3, 9, 23, 50), connected=True, conversation=True)

    decision = decide(history=[conversation], now=at_local(SHANGHAI, 2026, 3, 10, 9))

    assert decision.blocked_by == (Rule.CONVERSATION_WAIT,)
    assert decision.next_allowed_at == at_local(SHANGHAI, 2026, 3, 16, 8)


def test_a_conversation_counts_even_when_the_gate_never_saw_the_call() -> None:
    inbound = past(NOW - timedelta(days=1), conversation=True, allowed=False)

    assert decide(history=[inbound]).blocked_by == (Rule.CONVERSATION_WAIT,)


def test_a_conversation_does_not_stop_messages() -> None:
    conversation = past(NOW - timedelta(days=1), conversation=True)

    assert decide(channel="sms", history=[conversation]).allowed


def test_us_conversation_wait_follows_reg_f_day_counting() -> None:
    conversation = past(at_local(NEW_YORK, 2026, 3, 2, 15), conversation=True, connected=True)

    blocked = decide(pack="US", history=[conversation], now=at_local(NEW_YORK, 2026, 3, 8, 20))
    allowed = decide(pack="US", history=[conversation], now=at_local(NEW_YORK, 2026, 3, 9, 8))

    assert blocked.blocked_by == (Rule.CONVERSATION_WAIT,)
    assert allowed.allowed


# -- HOLD and CEASE ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "rule"),
    [
        (make_case(state="on_hold"), Rule.HOLD),
        (make_case(cease_communication=True), Rule.CEASE),
    ],
)
@pytest.mark.parametrize("channel", ["call", "sms", "letter"])
def test_collection_contact_stops_on_hold_and_after_cease(
    case: CaseSnapshot, rule: Rule, channel: str
) -> None:
    decision = decide(case=case, channel=channel)

    assert decision.blocked_by == (rule,)
    assert decision.next_allowed_at is None


@pytest.mark.parametrize("case", [make_case(state="on_hold"), make_case(cease_communication=True)])
def test_service_notices_still_go_out_on_hold_and_after_cease(case: CaseSnapshot) -> None:
    assert decide(case=case, channel="sms", template=service_template("dispute.acknowledgement")).allowed


# -- OPT_OUT -------------------------------------------------------------------------------------------


def test_a_channel_opted_out_of_is_blocked_even_for_service_notices() -> None:
    point = make_point("sms", opted_out_channels=frozenset({"sms"}))

    assert decide(channel="sms", point=point).blocked_by == (Rule.OPT_OUT,)
    assert decide(channel="sms", point=point, template=service_template()).blocked_by == (Rule.OPT_OUT,)


def test_opting_out_of_sms_leaves_calls_to_the_same_number_allowed() -> None:
    assert decide(channel="call", point=make_point("call", opted_out_channels=frozenset({"sms"}))).allowed


def test_an_opted_out_contact_point_blocks_every_channel() -> None:
    point = make_point("call", status="opted_out")

    assert decide(channel="call", point=point).blocked_by == (Rule.OPT_OUT,)
    assert decide(channel="sms", point=point).blocked_by == (Rule.OPT_OUT,)


def test_the_opt_out_confirmation_may_be_sent_once_on_the_channel_opted_out_of() -> None:
    point = make_point("sms", opted_out_channels=frozenset({"sms"}))
    confirmation = service_template(OPT_OUT_CONFIRMATION_KEY)
    sent = past(NOW - timedelta(minutes=1), "sms", template_key=OPT_OUT_CONFIRMATION_KEY)

    assert decide(channel="sms", point=point, template=confirmation).allowed
    assert decide(channel="sms", point=point, template=confirmation, history=[sent]).blocked_by == (
        Rule.OPT_OUT,
    )


# -- WRONG_PARTY ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "point",
    [make_point(status="wrong_party"), make_point(quarantined=True)],
    ids=["reported-here", "quarantined-for-another-customer"],
)
@pytest.mark.parametrize("template", [None, service_template("wrong_party.acknowledgement")])
def test_a_wrong_party_number_is_never_contacted(
    point: ContactPointSnapshot, template: TemplateSnapshot | None
) -> None:
    decision = decide(channel="sms" if template else "call", point=point, template=template)

    assert Rule.WRONG_PARTY in decision.blocked_by
    assert decision.next_allowed_at is None


# -- REASSIGNED ----------------------------------------------------------------------------------------

_BEFORE = NOW - timedelta(days=40)
_AFTER = NOW - timedelta(days=20)


@pytest.mark.parametrize(
    ("pack", "changes", "blocked"),
    [
        ("CN", {"consent_at": _BEFORE, "verified_at": _BEFORE, "last_reassigned_at": _AFTER}, True),
        (
            "CN",
            {"consent_at": _BEFORE, "verified_at": _AFTER + timedelta(days=1), "last_reassigned_at": _AFTER},
            False,
        ),
        ("CN", {"consent_at": _AFTER, "verified_at": _AFTER, "last_reassigned_at": _BEFORE}, False),
        ("CN", {"consent_at": NOW - timedelta(days=100), "verified_at": None}, True),
        ("CN", {"consent_at": NOW - timedelta(days=100), "verified_at": NOW - timedelta(days=99)}, False),
        ("CN", {"consent_at": NOW - timedelta(days=30), "verified_at": None}, False),
        ("CN", {"consent_at": None, "verified_at": None}, True),
        ("CN", {"consent_at": None, "verified_at": _AFTER}, False),
        ("UK", {"consent_at": NOW - timedelta(days=91), "verified_at": None}, True),
        ("US", {"consent_at": NOW - timedelta(days=1), "verified_at": None}, True),
        ("US", {"consent_at": NOW - timedelta(days=1), "verified_at": NOW - timedelta(hours=1)}, False),
        ("US", {"consent_at": NOW - timedelta(days=1), "verified_at": NOW - timedelta(days=2)}, True),
    ],
    ids=[
        "reassigned-after-consent-not-reverified",
        "reverified-after-reassignment",
        "reassigned-before-consent",
        "cn-consent-over-90-days-never-verified",
        "cn-old-consent-verified-since",
        "cn-recent-consent",
        "no-evidence-at-all",
        "verified-without-consent-date",
        "uk-consent-over-90-days",
        "us-consent-needs-a-check-before-first-contact",
        "us-checked-after-consent",
        "us-checked-only-before-consent",
    ],
)
def test_reassigned_numbers_are_blocked_until_reverified(
    pack: str, changes: dict[str, Any], blocked: bool
) -> None:
    zone = {"CN": SHANGHAI, "US": NEW_YORK, "UK": LONDON}[pack]
    now = at_local(zone, 2026, 3, 10, 11)
    point = make_point(**changes)

    decision = decide(pack=pack, now=now, point=point)

    assert (Rule.REASSIGNED in decision.blocked_by) is blocked
    assert decision.allowed is not blocked


@pytest.mark.parametrize("channel", ["call", "email", "letter"])
def test_an_invalid_contact_point_is_blocked_as_possibly_reassigned(channel: str) -> None:
    decision = decide(channel=channel, point=make_point(channel, status="invalid"))

    assert Rule.REASSIGNED in decision.blocked_by


def test_email_addresses_are_not_subject_to_the_phone_reassignment_check() -> None:
    point = make_point("email", consent_at=NOW - timedelta(days=400), verified_at=None)

    assert decide(channel="email", point=point).allowed


# -- DISCLOSURE and THIRD_PARTY ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "template", "blocked"),
    [
        ("sms", make_template("reminder.soft"), True),
        ("sms", make_template("prompt.limited", limited_content=True), False),
        ("call", None, True),
        ("call", make_template("voicemail.limited", limited_content=True), False),
        ("email", make_template("debt.information"), True),
    ],
)
def test_an_unverified_point_gets_only_limited_content(
    channel: str, template: TemplateSnapshot | None, blocked: bool
) -> None:
    point = make_point(channel, status="unverified", verified_at=None, consent_at=NOW - timedelta(days=1))

    decision = decide(channel=channel, template=template, point=point)

    assert decision.blocked_by == ((Rule.DISCLOSURE,) if blocked else ())


def test_a_limited_content_template_cannot_claim_debt_content() -> None:
    with pytest.raises(ValueError, match="limited_content"):
        make_template("x", limited_content=True, contains_debt_content=True)


@pytest.mark.parametrize(
    ("owner", "template", "blocked"),
    [
        (OTHER_CUSTOMER, make_template("reminder.soft"), True),
        (None, make_template("reminder.soft"), True),
        (OTHER_CUSTOMER, make_template("location.request", limited_content=True), False),
        (OTHER_CUSTOMER, make_template("callback.note", contains_debt_content=False), False),
        (CUSTOMER, make_template("reminder.soft"), False),
    ],
)
def test_debt_content_goes_only_to_the_debtors_own_contact_points(
    owner: int | None, template: TemplateSnapshot, blocked: bool
) -> None:
    decision = decide(channel="sms", template=template, point=make_point("sms", owner_customer_id=owner))

    assert (Rule.THIRD_PARTY in decision.blocked_by) is blocked
    assert decision.allowed is not blocked


def test_a_plain_call_to_someone_elses_number_is_a_third_party_disclosure() -> None:
    decision = decide(point=make_point(owner_customer_id=OTHER_CUSTOMER))

    assert decision.blocked_by == (Rule.THIRD_PARTY,)


def test_a_service_notice_with_debt_content_still_needs_the_debtors_own_point() -> None:
    decision = decide(
        channel="email",
        template=service_template(),
        point=make_point("email", owner_customer_id=OTHER_CUSTOMER),
    )

    assert decision.blocked_by == (Rule.THIRD_PARTY,)


# -- AGENCY_LICENCE ------------------------------------------------------------------------------------

_TODAY = date(2026, 3, 10)  # NOW's local date in Shanghai


@pytest.mark.parametrize(
    ("licence", "contract", "blocked"),
    [
        (_TODAY, _TODAY, False),
        (_TODAY + timedelta(days=365), _TODAY + timedelta(days=30), False),
        (_TODAY - timedelta(days=1), _TODAY + timedelta(days=30), True),
        (_TODAY + timedelta(days=365), _TODAY - timedelta(days=1), True),
        (None, _TODAY + timedelta(days=30), True),
        (_TODAY + timedelta(days=365), None, True),
    ],
)
def test_an_agency_acts_only_while_licence_and_contract_are_valid(
    licence: date | None, contract: date | None, blocked: bool
) -> None:
    decision = decide(actor=agency_actor(licence, contract))

    assert decision.blocked_by == ((Rule.AGENCY_LICENCE,) if blocked else ())


def test_agency_validity_is_judged_on_the_customers_local_date() -> None:
    # 16:30 UTC on the 10th is 00:30 on the 11th in Shanghai: a licence ending on the 10th has lapsed.
    decision = decide(actor=agency_actor(_TODAY, _TODAY), channel="letter", now=utc(2026, 3, 10, 16, 30))

    assert decision.blocked_by == (Rule.AGENCY_LICENCE,)
    assert decision.next_allowed_at is None


def test_in_house_staff_and_the_system_are_not_licence_checked() -> None:
    assert decide(actor=ActorSnapshot(is_agency=False)).allowed
    assert decide(actor=None).allowed


# -- TEMPLATE ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "retired"])
def test_only_an_approved_template_version_is_sent(status: str) -> None:
    decision = decide(channel="sms", template=make_template(status=status))

    assert decision.blocked_by == (Rule.TEMPLATE,)
    assert status in decision.reasons["TEMPLATE"]


@pytest.mark.parametrize("channel", ["sms", "email", "letter"])
def test_a_message_without_a_template_is_blocked(channel: str) -> None:
    decision = decide_contact(
        policy=get_pack("CN"),
        case=make_case(),
        history=(),
        contact_point=make_point(channel),
        channel=channel,
        template=None,
        now=NOW,
    )

    assert decision.blocked_by == (Rule.TEMPLATE,)


def test_a_draft_service_notice_is_still_blocked() -> None:
    template = make_template("plan.confirmation", is_service=True, status="draft")

    assert decide(channel="sms", template=template, case=make_case(state="on_hold")).blocked_by == (
        Rule.TEMPLATE,
    )


# -- VULNERABLE ----------------------------------------------------------------------------------------


def test_a_vulnerable_customer_gets_at_most_three_calls_a_week_reported_as_vulnerable() -> None:
    case = make_case(vulnerable=True)

    assert decide(case=case, history=daily_spread(NOW, 2)).allowed
    decision = decide(case=case, history=daily_spread(NOW, 3))
    assert decision.blocked_by == (Rule.VULNERABLE,)
    assert "3 call per 7 days" in decision.reasons["VULNERABLE"]
    assert decision.next_allowed_at == NOW - timedelta(days=3) + timedelta(days=7)


def test_a_vulnerable_customer_past_the_ordinary_cap_shows_both_rules() -> None:
    decision = decide(case=make_case(vulnerable=True), history=daily_spread(NOW, 7, step=timedelta(hours=20)))

    assert decision.blocked_by == (Rule.FREQ_7D, Rule.VULNERABLE)


def test_a_vulnerable_customer_gets_one_sms_a_week_and_one_connected_call_a_day() -> None:
    case = make_case(vulnerable=True)

    assert decide(case=case, channel="sms", history=daily_spread(NOW, 1, "sms")).blocked_by == (
        Rule.VULNERABLE,
    )
    assert decide(case=case, history=_today([0], connected=True)).blocked_by == (Rule.VULNERABLE,)
    assert decide(case=case, history=_today([0], connected=False)).allowed


# -- several rules at once, and the Decision record ----------------------------------------------------


def test_every_blocking_rule_is_reported_in_the_stable_order() -> None:
    case = make_case(state="on_hold", cease_communication=True)
    point = make_point("sms", status="unverified", verified_at=None, owner_customer_id=OTHER_CUSTOMER)

    decision = decide(
        case=case,
        channel="sms",
        point=point,
        template=make_template(status="draft"),
        history=daily_spread(NOW, 3, "sms"),
        now=at_local(SHANGHAI, 2026, 3, 10, 22),
        actor=agency_actor(None, None),
    )

    expected = (
        Rule.HOURS,
        Rule.FREQ_7D,
        Rule.HOLD,
        Rule.CEASE,
        Rule.DISCLOSURE,
        Rule.THIRD_PARTY,
        Rule.AGENCY_LICENCE,
        Rule.TEMPLATE,
    )
    assert decision.blocked_by == expected
    assert list(decision.blocked_by) == sorted(decision.blocked_by, key=RULE_ORDER.index)
    assert set(decision.reasons) == {str(rule) for rule in expected}
    assert decision.next_allowed_at is None


def test_time_rules_alone_give_a_next_allowed_at_covering_all_of_them() -> None:
    # 22:00 local, three connected calls today: HOURS lifts at 08:00 tomorrow, DAILY at midnight.
    decision = decide(history=_today([0, 1, 2], connected=True), now=at_local(SHANGHAI, 2026, 3, 10, 22))

    assert decision.blocked_by == (Rule.HOURS, Rule.DAILY)
    assert decision.next_allowed_at == at_local(SHANGHAI, 2026, 3, 11, 8)


def test_the_decision_serialises_to_json_with_rule_ids_and_iso_times() -> None:
    decision = decide(now=at_local(SHANGHAI, 2026, 3, 10, 21, 0))

    stored = json.loads(json.dumps(decision.to_dict()))

    assert stored == {
        "allowed": False,
        "blocked_by": ["HOURS"],
        "next_allowed_at": "2026-03-11T00:00:00+00:00",
        "policy_version": "CN-2026.1",
        "reasons": {"HOURS": decision.reasons["HOURS"]},
    }


def test_a_decision_cannot_be_allowed_and_blocked_at_once() -> None:
    with pytest.raises(ValueError, match="allowed exactly when"):
        Decision(allowed=True, blocked_by=(Rule.HOURS,), next_allowed_at=None, policy_version="CN-2026.1")


def test_rule_ids_are_the_stable_strings_services_store() -> None:
    assert [str(rule) for rule in RULE_ORDER] == [
        "HOURS",
        "FREQ_7D",
        "DAILY",
        "CONVERSATION_WAIT",
        "HOLD",
        "CEASE",
        "OPT_OUT",
        "WRONG_PARTY",
        "REASSIGNED",
        "DISCLOSURE",
        "THIRD_PARTY",
        "AGENCY_LICENCE",
        "TEMPLATE",
        "VULNERABLE",
    ]


# -- contract errors -----------------------------------------------------------------------------------


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(now=datetime(2026, 3, 10, 10, 0))  # noqa: DTZ001 - the point of the test


def test_a_naive_history_timestamp_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        PastContact(at=datetime(2026, 3, 10, 10, 0), channel="call", contact_point_value=PHONE)  # noqa: DTZ001


@pytest.mark.parametrize(("channel", "kind"), [("sms", "email"), ("email", "letter"), ("letter", "call")])
def test_a_channel_the_contact_point_cannot_carry_is_refused(channel: str, kind: str) -> None:
    with pytest.raises(ValueError, match="cannot go to"):
        decide(channel=channel, point=make_point(kind))


def test_an_unknown_channel_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown channel"):
        decide(channel="fax", point=make_point("call"))


def test_an_unknown_customer_zone_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ZoneInfoNotFoundError):
        decide(case=make_case(customer_tz="Mars/Olympus_Mons"))


def test_consent_is_recorded_as_an_aware_datetime() -> None:
    with pytest.raises(ValueError, match="consent_at"):
        make_point(consent_at=CONSENT.replace(tzinfo=None))
