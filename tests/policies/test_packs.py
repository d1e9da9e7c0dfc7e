"""Policy packs hold the numbers of policy-packs.md, are versioned by date, and overlay strictest-wins."""

from __future__ import annotations

from dataclasses import MISSING, FrozenInstanceError, fields, replace
from datetime import date, time
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from debt_collections.policies import (
    CHANNELS,
    DEFAULT_PACK,
    DISPUTE_TYPES,
    PACK_CODES,
    PolicyPack,
    UnknownPolicyPack,
    get_pack,
    pack_versions,
    strictest,
)
from debt_collections.policies import packs as packs_module

ALL_WEEK = frozenset(range(7))
MON_SAT = frozenset(range(6))

# One row per parameter of policy-packs.md (plus the design defaults the brief fixes), per pack.
EXPECTED: dict[str, dict[str, Any]] = {
    "CN": {
        "version": "CN-2026.1",
        "contact_window_start": time(8),
        "contact_window_end": time(21),
        "contact_days": ALL_WEEK,
        "calls_per_7d": 7,
        "connected_calls_per_day": 3,
        "placed_calls_per_day": None,
        "dial_attempts_per_number_per_day": 6,
        "conversation_quiet_days": 7,
        "sms_per_7d": 3,
        "email_per_7d": 3,
        "letters_per_7d": 2,
        "dispute_window_days": 30,
        "credit_report_prenotice_days": 14,
        "credit_limit_notice_days": 7,
        "max_plan_months": 60,
        "cooling_off_days": 14,
        "breathing_space_days": None,
        "retention_years": 5,
        "call_recording_retention_years": 2,
        "reassigned_check_days": 90,
        "charge_off_dpd": 180,
        "deferrals_per_12_months": 1,
        "link_expiry_days": 14,
        "link_max_failed_checks": 5,
        "min_installment": Decimal("50.00"),
        "plan_grace_days": 5,
        "deferral_max_days": 90,
        "agent_waiver_limit": Decimal("500.00"),
        "vulnerable_cap_factor": Decimal("0.5"),
        "timezone_default": "Asia/Shanghai",
        "currency": "CNY",
    },
    "US": {
        "version": "US-2026.1",
        "contact_window_start": time(8),
        "contact_window_end": time(21),
        "contact_days": ALL_WEEK,
        "calls_per_7d": 7,
        "connected_calls_per_day": None,
        "placed_calls_per_day": 3,
        "dial_attempts_per_number_per_day": None,
        "conversation_quiet_days": 7,
        "sms_per_7d": 3,
        "email_per_7d": 3,
        "letters_per_7d": 2,
        "dispute_window_days": 30,
        "credit_report_prenotice_days": 14,
        "credit_limit_notice_days": 45,
        "max_plan_months": 60,
        "cooling_off_days": 14,
        "breathing_space_days": None,
        "retention_years": 3,
        "reassigned_check_days": 0,
        "charge_off_dpd": 180,
        "deferrals_per_12_months": 1,
        "link_expiry_days": 14,
        "link_max_failed_checks": 5,
        "min_installment": Decimal("25.00"),
        "plan_grace_days": 5,
        "deferral_max_days": 90,
        "agent_waiver_limit": Decimal("100.00"),
        "vulnerable_cap_factor": Decimal("0.5"),
        "call_recording_retention_years": 3,
        "timezone_default": "America/New_York",
        "currency": "USD",
    },
    "UK": {
        "version": "UK-2026.1",
        "contact_window_start": time(8),
        "contact_window_end": time(20),
        "contact_days": MON_SAT,
        "calls_per_7d": 7,
        "connected_calls_per_day": None,
        "placed_calls_per_day": 3,
        "dial_attempts_per_number_per_day": None,
        "conversation_quiet_days": 7,
        "sms_per_7d": 3,
        "email_per_7d": 3,
        "letters_per_7d": 2,
        "dispute_window_days": 30,
        "credit_report_prenotice_days": 14,
        "credit_limit_notice_days": 7,
        "max_plan_months": 60,
        "cooling_off_days": 14,
        "breathing_space_days": 60,
        "retention_years": 6,
        "reassigned_check_days": 90,
        "charge_off_dpd": 180,
        "deferrals_per_12_months": 1,
        "link_expiry_days": 14,
        "link_max_failed_checks": 5,
        "plan_grace_days": 5,
        "deferral_max_days": 90,
        "agent_waiver_limit": Decimal("50.00"),
        "vulnerable_cap_factor": Decimal("0.5"),
        "min_installment": Decimal("1.00"),
        "call_recording_retention_years": 6,
        "timezone_default": "Europe/London",
        "currency": "GBP",
    },
}
EXPECTED_SLA = {
    "CN": {"credit_report": 20, "not_my_debt": 15, "conduct_complaint": 15, "amount_wrong": 15},
    "US": {"credit_report": 30, "not_my_debt": 30, "identity_theft": 30},
    "UK": {"credit_report": 56, "already_paid": 56},
}


@pytest.mark.parametrize("code", ["CN", "US", "UK"])
def test_each_pack_holds_the_numbers_of_the_policy_table(code: str) -> None:
    pack = get_pack(code)

    actual = {name: getattr(pack, name) for name in EXPECTED[code]}

    assert actual == EXPECTED[code]
    assert pack.code == code
    assert {t: pack.dispute_sla(t) for t in EXPECTED_SLA[code]} == EXPECTED_SLA[code]


def test_uk_bank_holidays_include_christmas_and_its_substitute_days() -> None:
    holidays = get_pack("UK").bank_holidays

    assert {date(2026, 12, 25), date(2026, 12, 28), date(2027, 12, 27), date(2027, 12, 28)} <= holidays
    assert date(2026, 12, 26) not in holidays  # a Saturday: its substitute is Monday the 28th
    assert get_pack("CN").bank_holidays == frozenset()


@pytest.mark.parametrize("code", PACK_CODES)
def test_every_pack_orders_every_payment_component_and_ladders_upward(code: str) -> None:
    pack = get_pack(code)

    assert sorted(pack.payment_allocation_order) == ["fees", "interest", "penalty_interest", "principal"]
    days = [dpd for dpd, _ in pack.reminder_ladder]
    assert days == sorted(days) and days[0] >= 1
    assert days[-1] + pack.credit_report_prenotice_days < pack.charge_off_dpd
    assert set(pack.dispute_sla_days) == set(DISPUTE_TYPES)


def test_cn_allocates_penalty_interest_first_and_us_uk_principal_before_charges() -> None:
    assert get_pack("CN").payment_allocation_order == ("penalty_interest", "fees", "interest", "principal")
    for code in ("US", "UK"):
        order = get_pack(code).payment_allocation_order
        assert order.index("principal") < order.index("fees") < order.index("penalty_interest")


@pytest.mark.parametrize(("cap", "lowered"), [(7, 3), (6, 3), (3, 1), (2, 1), (1, 1)])
def test_vulnerable_caps_are_half_rounded_down_and_never_zero(cap: int, lowered: int) -> None:
    assert get_pack("CN").vulnerable_cap(cap) == lowered


@pytest.mark.parametrize(("channel", "cap"), [("call", 7), ("sms", 3), ("email", 3), ("letter", 2)])
def test_per_channel_seven_day_caps(channel: str, cap: int) -> None:
    assert get_pack("US").per_7d_cap(channel) == cap


def test_an_unknown_channel_or_dispute_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown channel"):
        get_pack("CN").per_7d_cap("fax")
    with pytest.raises(ValueError, match="unknown dispute type"):
        get_pack("CN").dispute_sla("bored")


# -- the registry ---------------------------------------------------------------------------------------


def test_the_default_pack_is_cn_and_every_code_resolves() -> None:
    assert DEFAULT_PACK == "CN"
    assert PACK_CODES == ("CN", "US", "UK")
    assert [get_pack(code).code for code in PACK_CODES] == list(PACK_CODES)


@pytest.mark.parametrize("code", ["XX", "cn", "", "CN-2026.1"])
def test_an_unknown_pack_code_raises_unknown_policy_pack(code: str) -> None:
    with pytest.raises(UnknownPolicyPack) as raised:
        get_pack(code)

    assert isinstance(raised.value, KeyError)


def test_a_date_before_the_first_version_has_no_pack() -> None:
    with pytest.raises(UnknownPolicyPack, match="no CN policy pack in effect on 2025-12-31"):
        get_pack("CN", on=date(2025, 12, 31))


def test_the_version_in_effect_on_a_date_is_returned(monkeypatch: pytest.MonkeyPatch) -> None:
    first = get_pack("CN")
    second = replace(first, version="CN-2027.1", effective_from=date(2027, 1, 1), calls_per_7d=5)
    monkeypatch.setattr(packs_module, "_VERSIONS", {"CN": (first, second)})

    assert get_pack("CN", on=date(2026, 12, 31)) is first
    assert get_pack("CN", on=date(2027, 1, 1)) is second
    assert get_pack("CN") is second
    assert pack_versions("CN") == (first, second)


def test_packs_are_immutable() -> None:
    pack = get_pack("CN")

    with pytest.raises(FrozenInstanceError):
        pack.calls_per_7d = 99  # type: ignore[misc]
    with pytest.raises(TypeError):
        pack.dispute_sla_days["credit_report"] = 99  # type: ignore[index]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"contact_window_start": time(21), "contact_window_end": time(8)}, "window"),
        ({"contact_days": frozenset({7})}, "contact_days"),
        ({"dispute_sla_days": {"credit_report": 20}}, "dispute type"),
        ({"payment_allocation_order": ("principal",)}, "allocation"),
        ({"vulnerable_cap_factor": Decimal(0)}, "vulnerable_cap_factor"),
    ],
)
def test_an_inconsistent_pack_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(get_pack("CN"), **changes)


# -- overlays -------------------------------------------------------------------------------------------


def test_strictest_of_cn_and_uk_takes_the_narrowest_window_and_lowest_caps() -> None:
    cn, uk = get_pack("CN"), get_pack("UK")

    both = strictest(cn, uk)

    assert both.code == "CN+UK"
    assert both.version == "CN-2026.1+UK-2026.1"
    assert (both.contact_window_start, both.contact_window_end) == (time(8), time(20))
    assert both.contact_days == MON_SAT
    assert both.bank_holidays == uk.bank_holidays
    # A cap only one pack sets still applies: CN's connected/dial caps and UK's placed-call cap.
    assert (both.connected_calls_per_day, both.dial_attempts_per_number_per_day) == (3, 6)
    assert both.placed_calls_per_day == 3
    assert both.breathing_space_days == 60
    assert both.retention_years == 6
    assert both.dispute_sla("credit_report") == 20
    assert both.dispute_sla("not_my_debt") == 15
    # Not comparable by strictness, or in another currency: the base pack's.
    assert (both.currency, both.min_installment, both.timezone_default) == (
        "CNY",
        Decimal("50.00"),
        "Asia/Shanghai",
    )
    assert both.payment_allocation_order == cn.payment_allocation_order


def test_strictest_takes_the_longest_notice_and_the_most_frequent_number_check() -> None:
    both = strictest(get_pack("CN"), get_pack("US"))

    assert both.credit_limit_notice_days == 45
    assert both.reassigned_check_days == 0
    assert both.dispute_sla("credit_report") == 20


def test_strictest_compares_money_when_the_currency_is_the_same() -> None:
    cn = get_pack("CN")
    tighter = replace(
        cn, version="CN-local", agent_waiver_limit=Decimal("200.00"), min_installment=Decimal("80.00")
    )

    both = strictest(cn, tighter)

    assert both.agent_waiver_limit == Decimal("200.00")
    assert both.min_installment == Decimal("50.00")


def test_strictest_of_one_pack_is_that_pack_and_of_none_is_an_error() -> None:
    assert strictest(get_pack("US")) is get_pack("US")
    with pytest.raises(ValueError, match="at least one"):
        strictest()


def test_strictest_refuses_windows_that_never_overlap() -> None:
    mornings = replace(get_pack("CN"), version="m", contact_window_start=time(6), contact_window_end=time(8))

    with pytest.raises(ValueError, match="do not overlap"):
        strictest(get_pack("CN"), mornings)


_CAP_FIELDS = ("calls_per_7d", "sms_per_7d", "email_per_7d", "letters_per_7d", "link_max_failed_checks")
_LONGER_FIELDS = (
    "conversation_quiet_days",
    "cooling_off_days",
    "credit_report_prenotice_days",
    "retention_years",
)


@st.composite
def _variant(draw: st.DrawFn) -> PolicyPack:
    base = get_pack(draw(st.sampled_from(PACK_CODES)))
    start = draw(st.integers(6, 10))
    changes: dict[str, Any] = {name: draw(st.integers(1, 10)) for name in _CAP_FIELDS + _LONGER_FIELDS}
    changes["contact_window_start"] = time(start)
    changes["contact_window_end"] = time(draw(st.integers(start + 1, 23)))
    changes["placed_calls_per_day"] = draw(st.none() | st.integers(1, 5))
    return replace(base, **changes)


@given(packs=st.lists(_variant(), min_size=1, max_size=4))
def test_strictest_is_never_looser_than_any_input(packs: list[PolicyPack]) -> None:
    start = max(p.contact_window_start for p in packs)
    end = min(p.contact_window_end for p in packs)
    if not start < end:
        with pytest.raises(ValueError):
            strictest(*packs)
        return

    combined = strictest(*packs)

    for pack in packs:
        for name in _CAP_FIELDS:
            assert getattr(combined, name) <= getattr(pack, name)
        for name in _LONGER_FIELDS:
            assert getattr(combined, name) >= getattr(pack, name)
        for channel in CHANNELS:
            assert combined.per_7d_cap(channel) <= pack.per_7d_cap(channel)
        assert pack.contact_window_start <= combined.contact_window_start < combined.contact_window_end
        assert combined.contact_window_end <= pack.contact_window_end
        assert combined.contact_days <= pack.contact_days
        if pack.placed_calls_per_day is not None:
            assert combined.placed_calls_per_day is not None
            assert combined.placed_calls_per_day <= pack.placed_calls_per_day


def test_every_pack_field_is_set_explicitly_with_no_silent_default() -> None:
    with_default = [
        f.name for f in fields(PolicyPack) if f.default is not MISSING or f.default_factory is not MISSING
    ]

    assert with_default == []
