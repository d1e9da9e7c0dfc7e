"""The whole demo as data: people and timing (``plan``), then their history (``calls``, ``history``).

Above both, so the history modules can take the planner without importing back into it.
"""

from __future__ import annotations

import random
from datetime import datetime

from demo import calls
from demo.plan import Planner, state_slots
from demo.records import CaseDraft, DemoPlan
from demo.reference import DEFAULT_CUSTOMERS, SEED


def build_plan(*, customers: int = DEFAULT_CUSTOMERS, now: datetime, seed: int = SEED) -> DemoPlan:
    """The whole demo as data. Pure: no database, no clock (``now`` is passed in)."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security: it must be reproducible
    n_us = n_uk = round(customers * 0.15)
    jurisdictions = ["CN"] * (customers - n_us - n_uk) + ["US"] * n_us + ["UK"] * n_uk
    rng.shuffle(jurisdictions)
    planner = Planner(rng, now)
    people = [planner.customer(i, code) for i, code in enumerate(jurisdictions)]
    owners = [i for i, _p in enumerate(people) for _n in range(2 if rng.random() < 0.10 else 1)]
    reasons: dict[str, int] = {}
    drafts: list[CaseDraft] = []
    for order, (owner, state) in enumerate(zip(owners, state_slots(len(owners), rng), strict=True)):
        number = f"ACC-DEMO-{order + 1:05d}"
        account, draft = planner.account(number, people[owner], owner, state, order, reasons)
        people[owner].accounts.append(account)
        if draft is not None:
            drafts.append(draft)
    calls.write_history(planner, people, drafts)
    for draft in drafts:
        planner.time_story(draft)
    return DemoPlan(people, planner.ordered_steps())
