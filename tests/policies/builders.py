"""Builders for gate tests: a compliant baseline that each test changes in one respect."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from debt_collections.policies import (
    ActorSnapshot,
    CaseSnapshot,
    ContactPointSnapshot,
    Decision,
    PastContact,
    PolicyPack,
    TemplateSnapshot,
    decide_contact,
    get_pack,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
ZONE_FOR_PACK = {"CN": "Asia/Shanghai", "US": "America/New_York", "UK": "Europe/London"}

CUSTOMER = 7
OTHER_CUSTOMER = 8
PHONE = "+8613800138000"
OTHER_PHONE = "+8613900139000"
EMAIL = "li.wei@example.com"
POSTAL = "1 Example Road, Shanghai"
CONSENT = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
VERIFIED = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)

POINT_FOR_CHANNEL = {"call": ("phone", PHONE), "sms": ("phone", PHONE), "email": ("email", EMAIL)}
POINT_FOR_CHANNEL["letter"] = ("postal", POSTAL)


def at_local(zone: ZoneInfo, year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """The UTC instant of a local wall-clock time (first occurrence if ambiguous)."""
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# Tuesday 2026-03-10, 10:00 in Shanghai: inside every window, no holiday, no DST nearby.
NOW = at_local(SHANGHAI, 2026, 3, 10, 10)


def make_case(**changes: Any) -> CaseSnapshot:
    base = CaseSnapshot(case_id=1, state="active", customer_id=CUSTOMER, customer_tz="Asia/Shanghai")
    return replace(base, **changes)


def make_point(channel: str = "call", **changes: Any) -> ContactPointSnapshot:
    kind, value = POINT_FOR_CHANNEL[channel]
    base = ContactPointSnapshot(
        id=11,
        kind=kind,
        value=value,
        status="verified",
        owner_customer_id=CUSTOMER,
        consent_at=CONSENT,
        verified_at=VERIFIED,
    )
    return replace(base, **changes)


def make_template(key: str = "reminder.soft", **changes: Any) -> TemplateSnapshot:
    fields: dict[str, Any] = {"key": key, "version": 3, "status": "approved"} | changes
    return TemplateSnapshot(**fields)


def service_template(key: str = "plan.confirmation") -> TemplateSnapshot:
    return make_template(key, is_service=True)


def agency_actor(valid_until: Any = None, contract_end: Any = None) -> ActorSnapshot:
    return ActorSnapshot(is_agency=True, licence_valid_until=valid_until, contract_end=contract_end)


def past(at: datetime, channel: str = "call", **changes: Any) -> PastContact:
    value = POINT_FOR_CHANNEL[channel][1]
    fields: dict[str, Any] = {"at": at, "channel": channel, "contact_point_value": value} | changes
    return PastContact(**fields)


def daily_spread(
    end: datetime, count: int, channel: str = "call", step: timedelta = timedelta(days=1)
) -> list[PastContact]:
    """``count`` allowed attempts, one per ``step``, the newest ``step`` before ``end``."""
    return [past(end - step * (i + 1), channel) for i in range(count)]


def decide(
    *,
    pack: PolicyPack | str = "CN",
    now: datetime = NOW,
    channel: str = "call",
    template: TemplateSnapshot | None = None,
    history: Iterable[PastContact] = (),
    case: CaseSnapshot | None = None,
    point: ContactPointSnapshot | None = None,
    actor: ActorSnapshot | None = None,
) -> Decision:
    policy = get_pack(pack) if isinstance(pack, str) else pack
    if template is None and channel != "call":
        template = make_template()
    return decide_contact(
        policy=policy,
        case=case or make_case(customer_tz=ZONE_FOR_PACK.get(policy.code, "Asia/Shanghai")),
        history=tuple(history),
        contact_point=point or make_point(channel),
        channel=channel,
        template=template,
        now=now,
        actor=actor,
    )


def window(start: tuple[int, int], end: tuple[int, int]) -> tuple[time, time]:
    return time(*start), time(*end)
