"""Overlays: combine packs so that, number by number, the strictest value wins.

Used when more than one regime applies to one person (for example a CN customer who now lives in the
UK): the gate then runs with ``strictest(get_pack("CN"), get_pack("UK"))``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TypeVar

from debt_collections.policies.packs import DISPUTE_TYPES, PolicyPack

__all__ = ["strictest"]

_T = TypeVar("_T")


def _min_cap(values: Iterable[int | None]) -> int | None:
    """Smallest cap among the packs that set one; None ("no cap") only when none does."""
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _max_days(values: Iterable[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def strictest(*packs: PolicyPack) -> PolicyPack:
    """One pack whose every number is the strictest of ``packs``.

    * caps (per 7 days, per day, per number, vulnerable factor, link failures, waiver authority): minimum;
      a cap that one pack does not set (None) does not loosen another pack's cap;
    * contact window: the latest start and the earliest end; days: the intersection; holidays: the union;
    * waiting and notice periods, cooling-off, breathing space, dispute window, retention, plan grace,
      deferral allowance: maximum (more time for the customer, longer records);
    * dispute SLAs, plan term ceiling, link expiry, reassigned-number check age: minimum;
    * not orderable by strictness (charge-off DPD, reminder ladder, allocation order, default time zone,
      currency): taken from the first pack, the base. Money amounts (minimum installment, waiver limit)
      are compared only when every pack uses the base currency; otherwise the base's amounts stand,
      because amounts in different currencies are not comparable.

    The result's ``code`` and ``version`` join the inputs' with ``+`` (``"CN-2026.1+UK-2026.1"``) so a
    decision records exactly which versions were combined; ``effective_from`` is the latest input's.
    Raises ValueError with no packs, or when the combined window or days leave no time to contact at all.
    """
    if not packs:
        raise ValueError("strictest() needs at least one pack")
    base = packs[0]
    if len(packs) == 1:
        return base

    def each(getter: Callable[[PolicyPack], _T]) -> list[_T]:
        return [getter(p) for p in packs]

    same_currency = all(p.currency == base.currency for p in packs)
    start = max(each(lambda p: p.contact_window_start))
    end = min(each(lambda p: p.contact_window_end))
    if not start < end:
        raise ValueError(f"the packs' contact windows do not overlap ({start}–{end})")
    days = frozenset.intersection(*each(lambda p: p.contact_days))
    if not days:
        raise ValueError("the packs share no contact day")
    return replace(
        base,
        code="+".join(dict.fromkeys(p.code for p in packs)),
        version="+".join(dict.fromkeys(p.version for p in packs)),
        effective_from=max(each(lambda p: p.effective_from)),
        contact_window_start=start,
        contact_window_end=end,
        contact_days=days,
        bank_holidays=frozenset().union(*each(lambda p: p.bank_holidays)),
        calls_per_7d=min(each(lambda p: p.calls_per_7d)),
        sms_per_7d=min(each(lambda p: p.sms_per_7d)),
        email_per_7d=min(each(lambda p: p.email_per_7d)),
        letters_per_7d=min(each(lambda p: p.letters_per_7d)),
        connected_calls_per_day=_min_cap(each(lambda p: p.connected_calls_per_day)),
        placed_calls_per_day=_min_cap(each(lambda p: p.placed_calls_per_day)),
        dial_attempts_per_number_per_day=_min_cap(each(lambda p: p.dial_attempts_per_number_per_day)),
        conversation_quiet_days=max(each(lambda p: p.conversation_quiet_days)),
        vulnerable_cap_factor=min(each(lambda p: p.vulnerable_cap_factor)),
        dispute_window_days=max(each(lambda p: p.dispute_window_days)),
        dispute_sla_days={t: min(p.dispute_sla_days[t] for p in packs) for t in DISPUTE_TYPES},
        credit_report_prenotice_days=max(each(lambda p: p.credit_report_prenotice_days)),
        credit_limit_notice_days=max(each(lambda p: p.credit_limit_notice_days)),
        # A legal ceiling on the term (CN Art. 70) must hold even if another pack would allow longer.
        max_plan_months=min(each(lambda p: p.max_plan_months)),
        cooling_off_days=max(each(lambda p: p.cooling_off_days)),
        breathing_space_days=_max_days(each(lambda p: p.breathing_space_days)),
        retention_years=max(each(lambda p: p.retention_years)),
        call_recording_retention_years=max(each(lambda p: p.call_recording_retention_years)),
        # Smaller is stricter: 0 demands a verification after every consent, 90 only after old ones.
        reassigned_check_days=_min_cap(each(lambda p: p.reassigned_check_days)),
        plan_grace_days=max(each(lambda p: p.plan_grace_days)),
        min_installment=(min(each(lambda p: p.min_installment)) if same_currency else base.min_installment),
        deferral_max_days=max(each(lambda p: p.deferral_max_days)),
        deferrals_per_12_months=max(each(lambda p: p.deferrals_per_12_months)),
        agent_waiver_limit=(
            min(each(lambda p: p.agent_waiver_limit)) if same_currency else base.agent_waiver_limit
        ),
        link_expiry_days=min(each(lambda p: p.link_expiry_days)),
        link_max_failed_checks=min(each(lambda p: p.link_max_failed_checks)),
    )
