"""Gate rules that lift by themselves as time passes: HOURS, FREQ_7D, DAILY, CONVERSATION_WAIT, VULNERABLE.

All of them are evaluated at an arbitrary instant ``t`` against a fixed history, so the gate can search
forward for the earliest instant at which they all pass (``next_allowed_at``).

Boundaries, exactly:

* HOURS: the customer's local wall clock is in ``[start, end)`` on a contact day that is not a bank
  holiday: 20:59:59 passes, 21:00:00 is blocked. Letters are exempt (a letter is delivered by the post
  when the post delivers; sending it interrupts nobody). Service notices are not exempt: an SMS
  confirmation at 23:00 still wakes someone, so it waits for the morning.
* FREQ_7D: attempts counted are the *allowed* ones on this channel with ``t - 7×24h < at`` (contacts
  stamped after ``t``, e.g. by a worker whose clock runs ahead, count too). Blocked when the count has
  reached the cap, i.e. the (N+1)th attempt. An attempt stops counting at exactly ``at + 7×24h``.
  A rolling 7×24h window always contains Reg F's "seven consecutive days" window ending today, so it is
  at least as strict as 1006.14(b)(2)(i)(A).
* DAILY (calls): counts by the customer's local calendar day; lifts at the next local midnight.
* CONVERSATION_WAIT (calls): a telephone conversation on local day D makes D day 1 of
  ``conversation_quiet_days`` (7) days, per 1006.14(b)(2)(i)(B) ("the date of the telephone
  conversation is the first day of the seven-consecutive-day period"). Calls are blocked on local days
  D … D+6 and allowed from local midnight starting D+7 (then HOURS opens it at 08:00). Conversation at
  Monday 10:00 → next call no earlier than the following Monday 08:00. Other channels are not affected.
* VULNERABLE: the same caps lowered to ``policy.vulnerable_cap(cap)``. Reported whenever a lowered cap
  is reached; FREQ_7D / DAILY are reported as well only when the ordinary cap is reached too, so the
  audit shows which protection actually bound.

Service notices (``template.is_service``) skip the caps (FREQ_7D, DAILY, CONVERSATION_WAIT, VULNERABLE)
but still count toward them once sent: the person received them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from debt_collections.policies.decision import Rule
from debt_collections.policies.localtime import first_instant_at_or_after, local_wall, offset_changes
from debt_collections.policies.packs import PolicyPack
from debt_collections.policies.snapshots import PastContact

__all__ = ["ROLLING_WINDOW", "TimeContext"]

ROLLING_WINDOW = timedelta(days=7)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class _PastCall:
    local_day: date
    connected: bool
    same_number: bool


@dataclass(frozen=True)
class TimeContext:
    """Everything the time rules need, precomputed once per decision."""

    policy: PolicyPack
    zone: ZoneInfo
    channel: str
    window: tuple[time, time]
    agreed_window: bool
    service: bool
    vulnerable: bool
    counted: tuple[datetime, ...]  # allowed contacts on this channel, ascending
    calls: tuple[_PastCall, ...]  # allowed calls, by local day
    conversation_days: tuple[date, ...]

    @classmethod
    def build(
        cls,
        *,
        policy: PolicyPack,
        zone: ZoneInfo,
        channel: str,
        agreed_window: tuple[time, time] | None,
        service: bool,
        vulnerable: bool,
        history: Iterable[PastContact],
        point_value: str,
        now: datetime,
    ) -> TimeContext:
        # Nothing older than this can block now or later: the 7×24h window, the quiet days counted in
        # local days (+2 covers a day boundary and a DST shift), and today's daily counts.
        horizon_back = now - timedelta(days=max(ROLLING_WINDOW.days, policy.conversation_quiet_days) + 2)
        recent = [c for c in history if c.at > horizon_back]
        counted = sorted(c.at for c in recent if c.allowed and c.channel == channel)
        calls = tuple(
            _PastCall(local_wall(c.at, zone).date(), c.connected, c.contact_point_value == point_value)
            for c in recent
            if c.allowed and c.channel == "call"
        )
        conversations = tuple(
            sorted({local_wall(c.at, zone).date() for c in recent if c.channel == "call" and c.conversation})
        )
        return cls(
            policy=policy,
            zone=zone,
            channel=channel,
            window=agreed_window or (policy.contact_window_start, policy.contact_window_end),
            agreed_window=agreed_window is not None,
            service=service,
            vulnerable=vulnerable,
            counted=tuple(counted),
            calls=calls,
            conversation_days=conversations,
        )

    # -- the rules ---------------------------------------------------------------------------------

    def blockers(self, t: datetime) -> dict[Rule, str]:
        """``{rule: reason}`` for every time rule that blocks a contact at instant ``t``."""
        found: dict[Rule, str] = {}
        vulnerable_reasons: list[str] = []
        local = local_wall(t, self.zone)
        if self.channel != "letter":
            hours = self._hours(local)
            if hours:
                found[Rule.HOURS] = hours
        if not self.service:
            freq = self._frequency(t, vulnerable_reasons)
            if freq:
                found[Rule.FREQ_7D] = freq
            if self.channel == "call":
                daily = self._daily(local.date(), vulnerable_reasons)
                if daily:
                    found[Rule.DAILY] = daily
                wait = self._conversation_wait(local.date())
                if wait:
                    found[Rule.CONVERSATION_WAIT] = wait
        if vulnerable_reasons:
            found[Rule.VULNERABLE] = (
                "Vulnerable customer, lower limits reached: " + "; ".join(vulnerable_reasons) + "."
            )
        return found

    def is_contact_day(self, day: date) -> bool:
        return day.weekday() in self.policy.contact_days and day not in self.policy.bank_holidays

    def _hours(self, local: datetime) -> str | None:
        start, end = self.window
        source = "the customer's agreed window" if self.agreed_window else self.policy.version
        stamp = f"{_WEEKDAYS[local.weekday()]} {local:%Y-%m-%d %H:%M} {self.zone.key}"
        if local.date() in self.policy.bank_holidays:
            return f"No contact on a bank holiday ({stamp})."
        if local.weekday() not in self.policy.contact_days:
            return f"No contact on {_WEEKDAYS[local.weekday()]} under {self.policy.version} ({stamp})."
        if not start <= local.time() < end:
            return f"Outside contact hours {start:%H:%M}–{end:%H:%M} ({source}); local time is {stamp}."
        return None

    def _frequency(self, t: datetime, vulnerable_reasons: list[str]) -> str | None:
        n = sum(1 for at in self.counted if at > t - ROLLING_WINDOW)
        cap = self.policy.per_7d_cap(self.channel)
        if self.vulnerable and n >= self.policy.vulnerable_cap(cap):
            vulnerable_reasons.append(f"{self.policy.vulnerable_cap(cap)} {self.channel} per 7 days")
        if n >= cap:
            return f"{n} {self.channel} attempts to this person in the last 7 days; the limit is {cap}."
        return None

    def _daily(self, day: date, vulnerable_reasons: list[str]) -> str | None:
        today = [c for c in self.calls if c.local_day == day]
        counts = (
            (sum(c.connected for c in today), self.policy.connected_calls_per_day, "connected calls per day"),
            (
                sum(c.same_number for c in today),
                self.policy.dial_attempts_per_number_per_day,
                "dial attempts to this number per day",
            ),
            (len(today), self.policy.placed_calls_per_day, "calls placed per day"),
        )
        reached = []
        for n, cap, label in counts:
            if cap is None:
                continue
            if self.vulnerable and n >= self.policy.vulnerable_cap(cap):
                vulnerable_reasons.append(f"{self.policy.vulnerable_cap(cap)} {label}")
            if n >= cap:
                reached.append(f"{n} of {cap} {label}")
        if reached:
            return f"Daily limit reached on {day.isoformat()} (local): " + "; ".join(reached) + "."
        return None

    def _conversation_wait(self, day: date) -> str | None:
        quiet = timedelta(days=self.policy.conversation_quiet_days)
        blocking = [d for d in self.conversation_days if day < d + quiet]
        if not blocking:
            return None
        last = max(blocking)
        return (
            f"Telephone conversation on {last.isoformat()} (day 1 of {quiet.days}); "
            f"no new call before {(last + quiet).isoformat()}."
        )

    # -- the search --------------------------------------------------------------------------------

    def candidates(self, now: datetime, until: datetime) -> list[datetime]:
        """Every instant in ``(now, until]`` at which a time rule can stop blocking, ascending.

        Each rule's allowed set is a union of intervals closed on the left, and every left end is one of:
        a window opening (first or, in an autumn fold, second occurrence of the start time), a local
        midnight (daily counts and quiet days reset, a contact day begins), a DST offset change (the wall
        clock jumps back into the window), or a counted attempt leaving the 7×24h window. So the
        earliest instant at which all rules pass is among these.
        """
        start = self.window[0]
        first_day = local_wall(now, self.zone).date()
        last_day = local_wall(until, self.zone).date()
        found: set[datetime] = {at + ROLLING_WINDOW for at in self.counted}
        day = first_day
        while day <= last_day + timedelta(days=1):
            found.add(first_instant_at_or_after(day, time(0), self.zone))
            found.update(offset_changes(day, self.zone))
            if self.is_contact_day(day):
                found.add(first_instant_at_or_after(day, start, self.zone))
                naive = datetime.combine(day, start)
                second = naive.replace(tzinfo=self.zone, fold=1).astimezone(UTC)
                if local_wall(second, self.zone) == naive:
                    found.add(second)
            day += timedelta(days=1)
        return sorted(c for c in found if now < c <= until)
