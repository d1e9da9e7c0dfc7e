"""The bridge reads a person's contact history only when the decision can depend on it
(``needs_history``): a service notice skips the caps, so its decision is the same with or without it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from debt_collections.policies import OPT_OUT_CONFIRMATION_KEY
from debt_collections.policies.static_rules import needs_history
from tests.policies.builders import NOW, daily_spread, decide, make_template, service_template


def test_collection_notices_and_calls_need_the_history() -> None:
    assert needs_history(None)
    assert needs_history(make_template())


def test_service_notices_do_not_except_the_one_time_opt_out_confirmation() -> None:
    assert not needs_history(service_template("plan.confirmation"))
    assert needs_history(service_template(OPT_OUT_CONFIRMATION_KEY))


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_a_service_notice_is_decided_the_same_with_or_without_a_full_history(channel: str) -> None:
    # given a person contacted far past every cap this week
    busy = daily_spread(NOW, 40, channel, step=timedelta(hours=3))
    template = service_template("plan.confirmation")

    with_history = decide(channel=channel, template=template, history=busy)
    without = decide(channel=channel, template=template)

    assert with_history == without
    assert with_history.allowed
