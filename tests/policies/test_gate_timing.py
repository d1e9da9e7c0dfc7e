"""The gate and time: DST days, next_allowed_at as the true earliest instant, rolling-window properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from debt_collections.policies import (
    SEARCH_HORIZON,
    TIME_RULES,
    PastContact,
    Rule,
    get_pack,
    time_blockers_at,
)
from debt_collections.policies.localtime import first_instant_at_or_after, offset_changes
from tests.policies.builders import (
    LONDON,
    NEW_YORK,
    POINT_FOR_CHANNEL,
    SHANGHAI,
    at_local,
    decide,
    make_case,
    make_point,
    make_template,
    past,
    utc,
    window,
)

# -- local time helpers across DST ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "wall", "expected"),
    [
        (NEW_YORK, date(2026, 3, 8), time(8, 0), utc(2026, 3, 8, 12)),  # EDT from 02:00
        (NEW_YORK, date(2026, 3, 7), time(8, 0), utc(2026, 3, 7, 13)),  # EST
        (NEW_YORK, date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7)),  # in the gap: the jump to 03:00 EDT
        (NEW_YORK, date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30)),  # in the fold: first (EDT)
        (NEW_YORK, date(2026, 11, 1), time(8, 0), utc(2026, 11, 1, 13)),  # EST again
        (LONDON, date(2026, 3, 29), time(1, 30), utc(2026, 3, 29, 1)),  # gap 01:00–02:00 → 02:00 BST
        (LONDON, date(2026, 3, 29), time(8, 0), utc(2026, 3, 29, 7)),
        (LONDON, date(2026, 10, 25), time(1, 30), utc(2026, 10, 25, 0, 30)),  # fold: first (BST)
        (LONDON, date(2026, 10, 25), time(8, 0), utc(2026, 10, 25, 8)),
        (SHANGHAI, date(2026, 3, 11), time(8, 0), utc(2026, 3, 11, 0)),
    ],
)
def test_first_instant_at_or_after_a_wall_time_is_dst_correct(
    zone: ZoneInfo, day: date, wall: time, expected: datetime
) -> None:
    assert first_instant_at_or_after(day, wall, zone) == expected


@pytest.mark.parametrize(
    ("zone", "day", "expected"),
    [
        (NEW_YORK, date(2026, 3, 8), [utc(2026, 3, 8, 7)]),
        (NEW_YORK, date(2026, 11, 1), [utc(2026, 11, 1, 6)]),
        (LONDON, date(2026, 3, 29), [utc(2026, 3, 29, 1)]),
        (LONDON, date(2026, 10, 25), [utc(2026, 10, 25, 1)]),
        (NEW_YORK, date(2026, 3, 9), []),
        (SHANGHAI, date(2026, 3, 8), []),
    ],
)
def test_offset_changes_find_the_dst_transition_instant(
    zone: ZoneInfo, day: date, expected: list[datetime]
) -> None:
    assert offset_changes(day, zone) == expected


# -- HOURS across DST ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "allowed", "next_allowed_at"),
    [
        # Spring forward, Sunday 2026-03-08: 08:00 EDT is 12:00 UTC (13:00 UTC the day before).
        (utc(2026, 3, 8, 2), False, utc(2026, 3, 8, 12)),  # 21:00 EST Saturday
        (utc(2026, 3, 8, 11, 59), False, utc(2026, 3, 8, 12)),  # 07:59 EDT
        (utc(2026, 3, 8, 12), True, None),  # 08:00 EDT
        (utc(2026, 3, 9, 0, 59), True, None),  # 20:59 EDT
        (utc(2026, 3, 9, 1), False, utc(2026, 3, 9, 12)),  # 21:00 EDT
        # Fall back, Sunday 2026-11-01: 08:00 EST is 13:00 UTC.
        (utc(2026, 11, 1, 1), False, utc(2026, 11, 1, 13)),  # 21:00 EDT Saturday
        (utc(2026, 11, 1, 12, 59), False, utc(2026, 11, 1, 13)),  # 07:59 EST
        (utc(2026, 11, 2, 1, 59), True, None),  # 20:59 EST
        (utc(2026, 11, 2, 2), False, utc(2026, 11, 2, 13)),  # 21:00 EST
    ],
)
def test_new_york_window_opens_and_closes_on_local_time_across_dst(
    now: datetime, allowed: bool, next_allowed_at: datetime | None
) -> None:
    decision = decide(pack="US", case=make_case(customer_tz="America/New_York"), now=now)

    assert decision.allowed is allowed
    assert decision.next_allowed_at == next_allowed_at


@pytest.mark.parametrize(
    ("now", "allowed", "next_allowed_at"),
    [
        # CN rules for a customer living in London (every day allowed): Sunday 2026-03-29 springs forward.
        (utc(2026, 3, 28, 21), False, utc(2026, 3, 29, 7)),  # 21:00 GMT Sat → 08:00 BST Sun
        (utc(2026, 3, 29, 7), True, None),  # 08:00 BST
        (utc(2026, 3, 29, 19, 59), True, None),  # 20:59 BST
        (utc(2026, 3, 29, 20), False, utc(2026, 3, 30, 7)),  # 21:00 BST
        # Sunday 2026-10-25 falls back.
        (utc(2026, 10, 24, 20), False, utc(2026, 10, 25, 8)),  # 21:00 BST Sat → 08:00 GMT Sun
        (utc(2026, 10, 25, 7, 59), False, utc(2026, 10, 25, 8)),  # 07:59 GMT
        (utc(2026, 10, 25, 20, 59), True, None),  # 20:59 GMT
    ],
)
def test_london_window_opens_and_closes_on_local_time_across_dst(
    now: datetime, allowed: bool, next_allowed_at: datetime | None
) -> None:
    decision = decide(pack="CN", case=make_case(customer_tz="Europe/London"), now=now)

    assert decision.allowed is allowed
    assert decision.next_allowed_at == next_allowed_at


def test_uk_saturday_evening_is_allowed_until_eight_pm_gmt() -> None:
    assert decide(
        pack="UK", case=make_case(customer_tz="Europe/London"), now=utc(2026, 3, 28, 19, 59)
    ).allowed


@pytest.mark.parametrize(
    ("now", "next_allowed_at"),
    [
        (utc(2026, 3, 28, 20), utc(2026, 3, 30, 7)),  # 20:00 GMT Sat → Mon 08:00 BST, skipping the DST Sunday
        (utc(2026, 10, 24, 19), utc(2026, 10, 26, 8)),  # 20:00 BST Sat → Mon 08:00 GMT
    ],
)
def test_uk_saturday_evening_waits_for_monday_across_the_dst_sunday(
    now: datetime, next_allowed_at: datetime
) -> None:
    decision = decide(pack="UK", case=make_case(customer_tz="Europe/London"), now=now)

    assert decision.blocked_by == (Rule.HOURS,)
    assert decision.next_allowed_at == next_allowed_at


def test_daily_cap_resets_at_local_midnight_on_the_spring_forward_day() -> None:
    saturday = [past(at_local(NEW_YORK, 2026, 3, 7, 9) + timedelta(minutes=m)) for m in (0, 10, 20)]

    decision = decide(pack="US", case=make_case(customer_tz="America/New_York"), history=saturday,
                      now=at_local(NEW_YORK, 2026, 3, 7, 12))  # fmt: skip

    assert decision.blocked_by == (Rule.DAILY,)
    assert decision.next_allowed_at == utc(2026, 3, 8, 12)  # 08:00 EDT


def test_conversation_wait_ends_at_local_day_eight_across_the_fall_back() -> None:
    conversation = past(at_local(NEW_YORK, 2026, 10, 29, 14), conversation=True, connected=True)  # Thursday

    decision = decide(pack="US", case=make_case(customer_tz="America/New_York"), history=[conversation],
                      now=at_local(NEW_YORK, 2026, 11, 4, 12))  # fmt: skip

    assert decision.blocked_by == (Rule.CONVERSATION_WAIT,)
    assert decision.next_allowed_at == utc(2026, 11, 5, 13)  # Thursday 08:00 EST


def test_an_agreed_window_in_the_spring_gap_opens_when_the_clock_jumps_past_its_start() -> None:
    case = make_case(customer_tz="America/New_York", agreed_contact_window=window((2, 30), (4, 0)))

    decision = decide(pack="US", case=case, now=utc(2026, 3, 8, 6))  # 01:00 EST

    assert decision.blocked_by == (Rule.HOURS,)
    assert decision.next_allowed_at == utc(2026, 3, 8, 7)  # 03:00 EDT, wall clock past 02:30


def test_an_agreed_window_reopens_when_the_fall_back_repeats_its_hour() -> None:
    case = make_case(customer_tz="America/New_York", agreed_contact_window=window((0, 30), (1, 30)))

    decision = decide(pack="US", case=case, now=utc(2026, 11, 1, 5, 30))  # 01:30 EDT, window just closed

    assert decision.blocked_by == (Rule.HOURS,)
    assert decision.next_allowed_at == utc(2026, 11, 1, 6)  # the clock reads 01:00 EST: inside again


def test_an_agreed_window_inside_the_repeated_hour_opens_a_second_time() -> None:
    case = make_case(customer_tz="America/New_York", agreed_contact_window=window((1, 15), (1, 45)))

    decision = decide(pack="US", case=case, now=utc(2026, 11, 1, 5, 45))  # 01:45 EDT, window just closed

    assert decision.blocked_by == (Rule.HOURS,)
    assert decision.next_allowed_at == utc(2026, 11, 1, 6, 15)  # 01:15 EST, the second time round


def test_a_frequency_block_lifting_at_night_waits_for_the_morning() -> None:
    # Seven calls, the oldest at 22:30 local seven days ago (recorded under an agreed late window).
    oldest = at_local(SHANGHAI, 2026, 3, 3, 22, 30)
    history = [past(oldest)] + [past(at_local(SHANGHAI, 2026, 3, 4 + i, 10)) for i in range(6)]

    decision = decide(history=history, now=at_local(SHANGHAI, 2026, 3, 10, 12))

    assert decision.blocked_by == (Rule.FREQ_7D,)
    assert decision.next_allowed_at == at_local(SHANGHAI, 2026, 3, 11, 8)


# -- properties of FREQ_7D ------------------------------------------------------------------------------

_WEEK_SECONDS = 7 * 24 * 3600
_CHANNEL_CAPS = st.sampled_from(["call", "sms", "email", "letter"])
_PACKS = st.sampled_from(["CN", "US", "UK"])


@given(
    pack=_PACKS,
    channel=_CHANNEL_CAPS,
    offsets=st.lists(st.integers(min_value=0, max_value=_WEEK_SECONDS - 1), min_size=7, max_size=7),
    now_offset=st.integers(min_value=0, max_value=365 * 24 * 3600),
)
def test_the_n_plus_first_attempt_inside_any_rolling_seven_days_is_always_blocked(
    pack: str, channel: str, offsets: list[int], now_offset: int
) -> None:
    policy = get_pack(pack)
    cap = policy.per_7d_cap(channel)
    now = utc(2026, 1, 1) + timedelta(seconds=now_offset)
    history = [past(now - timedelta(seconds=s), channel) for s in offsets[:cap]]

    decision = decide(pack=pack, channel=channel, history=history, now=now)

    assert Rule.FREQ_7D in decision.blocked_by


@st.composite
def _spread_attempts(draw: st.DrawFn, cap: int) -> list[datetime]:
    """Attempts (ascending) such that no cap of them fit inside one 7×24h window."""
    gaps = draw(st.lists(st.integers(min_value=0, max_value=3 * 24 * 3600), min_size=cap, max_size=3 * cap))
    times: list[datetime] = []
    at = utc(2026, 2, 1)
    for i, gap in enumerate(gaps):
        at = at + timedelta(seconds=gap)
        if i >= cap - 1:
            at = max(at, times[i - cap + 1] + timedelta(days=7))
        times.append(at)
    return times


@given(data=st.data(), pack=_PACKS, channel=_CHANNEL_CAPS, after=st.integers(0, 10 * 24 * 3600))
def test_attempts_spread_so_each_window_holds_at_most_n_minus_one_are_never_frequency_blocked(
    data: st.DataObject, pack: str, channel: str, after: int
) -> None:
    cap = get_pack(pack).per_7d_cap(channel)
    times = data.draw(_spread_attempts(cap))
    now = times[-1] + timedelta(seconds=after)

    decision = decide(pack=pack, channel=channel, history=[past(at, channel) for at in times], now=now)

    assert Rule.FREQ_7D not in decision.blocked_by


# -- next_allowed_at is the true earliest instant ---------------------------------------------------------

_ZONES = st.sampled_from(["Asia/Shanghai", "America/New_York", "Europe/London"])
# Around the 2026 DST changes in New York and London, and an ordinary stretch.
_NOW = st.sampled_from(
    [utc(2026, 3, 5), utc(2026, 3, 25), utc(2026, 10, 22), utc(2026, 10, 29), utc(2026, 6, 1)]
)


@st.composite
def _history(draw: st.DrawFn, now: datetime) -> list[PastContact]:
    contacts = []
    for _ in range(draw(st.integers(0, 14))):
        channel = draw(st.sampled_from(["call", "call", "sms", "letter"]))
        connected = draw(st.booleans())
        contacts.append(
            PastContact(
                at=now - timedelta(seconds=draw(st.integers(1, 10 * 24 * 3600))),
                channel=channel,
                contact_point_value=draw(st.sampled_from([POINT_FOR_CHANNEL[channel][1], "+8613900139000"])),
                connected=connected,
                conversation=connected and draw(st.integers(0, 4)) == 0,
                allowed=draw(st.integers(0, 5)) > 0,
            )
        )
    return contacts


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    pack=_PACKS,
    zone=_ZONES,
    base=_NOW,
    shift=st.integers(0, 6 * 24 * 3600),
    channel=st.sampled_from(["call", "call", "sms", "letter"]),
    vulnerable=st.booleans(),
    agreed=st.sampled_from(
        [
            None,
            window((18, 0), (22, 30)),
            window((0, 30), (1, 30)),
            window((1, 15), (1, 45)),
            window((2, 15), (3, 15)),
        ]
    ),
    samples=st.lists(st.floats(min_value=0.0, max_value=1.0, exclude_max=True, exclude_min=True), max_size=6),
)
def test_next_allowed_at_is_allowed_and_everything_before_it_is_blocked(
    data: st.DataObject,
    pack: str,
    zone: str,
    base: datetime,
    shift: int,
    channel: str,
    vulnerable: bool,
    agreed: tuple[time, time] | None,
    samples: list[float],
) -> None:
    now = base + timedelta(seconds=shift)
    history = data.draw(_history(now))
    case = make_case(customer_tz=zone, vulnerable=vulnerable, agreed_contact_window=agreed)
    point = make_point(channel)
    template = None if channel == "call" else make_template()
    decision = decide(
        pack=pack, case=case, point=point, channel=channel, template=template, history=history, now=now
    )
    assume(not decision.allowed)

    def time_blockers(at: datetime) -> tuple[Rule, ...]:
        return time_blockers_at(
            policy=get_pack(pack),
            case=case,
            history=history,
            contact_point=point,
            channel=channel,
            template=template,
            at=at,
        )

    # Only time rules can block in this set-up, so a time must always be found within the horizon.
    assert set(decision.blocked_by) <= TIME_RULES
    assert time_blockers(now) == decision.blocked_by
    found = decision.next_allowed_at
    assert found is not None
    assert found.tzinfo == UTC
    assert now < found <= now + SEARCH_HORIZON
    assert time_blockers(found) == ()
    assert decide(pack=pack, case=case, point=point, channel=channel, template=template, history=history,
                  now=found).allowed  # fmt: skip
    for instant in [found - timedelta(microseconds=1), found - timedelta(seconds=1)] + [
        now + (found - now) * fraction for fraction in samples
    ]:
        if now <= instant < found:
            assert time_blockers(instant) != (), instant


def test_a_blocked_decision_with_a_permanent_rule_has_no_next_allowed_at() -> None:
    decision = decide(point=make_point(status="wrong_party"), now=at_local(SHANGHAI, 2026, 3, 10, 22))

    assert decision.blocked_by == (Rule.HOURS, Rule.WRONG_PARTY, Rule.DISCLOSURE)
    assert decision.next_allowed_at is None


def test_no_contact_day_within_the_horizon_gives_no_next_allowed_at() -> None:
    never = replace(get_pack("UK"), contact_days=frozenset({6}), bank_holidays=frozenset(
        date(2026, 3, 1) + timedelta(days=7 * i) for i in range(10)))  # fmt: skip

    decision = decide(
        pack=never, case=make_case(customer_tz="Europe/London"), now=at_local(LONDON, 2026, 3, 10)
    )

    assert decision.blocked_by == (Rule.HOURS,)
    assert decision.next_allowed_at is None
