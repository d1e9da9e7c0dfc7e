"""Gate rules that do not lift as time passes: each needs an event (verification, release, approval…).

Each check returns ``{rule: reason}`` for what blocks, empty when it passes. ``decide_contact`` calls
``static_blockers``; the functions are separate so each rule reads on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from debt_collections.policies.decision import Rule
from debt_collections.policies.packs import PolicyPack
from debt_collections.policies.snapshots import (
    OPT_OUT_CONFIRMATION_KEY,
    ActorSnapshot,
    CaseSnapshot,
    ContactPointSnapshot,
    PastContact,
    TemplateSnapshot,
)

__all__ = ["is_service_notice", "needs_history", "static_blockers"]

Blockers = dict[Rule, str]


def is_service_notice(template: TemplateSnapshot | None) -> bool:
    return template is not None and template.is_service


def needs_history(template: TemplateSnapshot | None) -> bool:
    """Whether the decision for ``template`` can depend on past contacts. Service notices skip the caps
    and quiet periods (``time_rules``); of them only the opt-out confirmation looks back (``check_opt_out``:
    once per point and channel). So the bridge need not read a history the rules would not use."""
    return not is_service_notice(template) or (
        template is not None and template.key == OPT_OUT_CONFIRMATION_KEY
    )


def _carries_debt_content(channel: str, template: TemplateSnapshot | None) -> bool:
    # A call without a limited-content script is a live conversation about the debt; a notice without a
    # template is refused by TEMPLATE anyway, and treated as debt content so no other rule loosens.
    if template is None:
        return True
    return template.has_debt_content


def _is_verified(point: ContactPointSnapshot) -> bool:
    # An opt-out replaces the status, not the verification that came before it.
    return point.status == "verified" or (point.status == "opted_out" and point.verified_at is not None)


def check_hold_and_cease(case: CaseSnapshot, template: TemplateSnapshot | None) -> Blockers:
    """HOLD and CEASE: collection contact stops; service notices the customer is owed still go out."""
    if is_service_notice(template):
        return {}
    blockers: Blockers = {}
    if case.on_hold:
        blockers[Rule.HOLD] = "The case is on hold; only service notices may be sent."
    if case.cease_communication:
        blockers[Rule.CEASE] = (
            "The customer asked us to stop communicating; only service notices may be sent."
        )
    return blockers


def check_opt_out(
    point: ContactPointSnapshot,
    channel: str,
    template: TemplateSnapshot | None,
    history: Sequence[PastContact],
) -> Blockers:
    """OPT_OUT: a channel the person opted out of on this point carries nothing, service notices included.

    One exception, once: the opt-out confirmation itself (template key ``opt_out.confirmation``) may
    follow on the channel just opted out of, as the FCC allows a single confirmation text (SoundBite,
    2012). A second one, ever, on the same point and channel is blocked.
    """
    opted_out = point.status == "opted_out" or channel in point.opted_out_channels
    if not opted_out:
        return {}
    if template is not None and template.is_service and template.key == OPT_OUT_CONFIRMATION_KEY:
        already_confirmed = any(
            past.allowed
            and past.channel == channel
            and past.contact_point_value == point.value
            and past.template_key == OPT_OUT_CONFIRMATION_KEY
            for past in history
        )
        if not already_confirmed:
            return {}
        return {Rule.OPT_OUT: f"The opt-out of {channel} on this contact point was already confirmed once."}
    return {Rule.OPT_OUT: f"The person opted out of {channel} on this contact point."}


def check_wrong_party(point: ContactPointSnapshot) -> Blockers:
    """WRONG_PARTY: reported "not me" here or for any customer with the same value. Nothing passes."""
    if point.status == "wrong_party" or point.quarantined:
        return {Rule.WRONG_PARTY: "This contact point was reported as reaching the wrong person."}
    return {}


def check_reassigned(policy: PolicyPack, point: ContactPointSnapshot, now: datetime) -> Blockers:
    """REASSIGNED: do not call or text a number that may now belong to someone else.

    Blocks (phones only, except the first which applies to every kind):

    1. ``status == "invalid"`` (disconnected number, bouncing address): it may be reissued to a stranger;
    2. a reassignment/disconnection known after consent (``last_reassigned_at > consent_at``, or no
       consent at all) with no verification after it (``verified_at > last_reassigned_at``);
    3. no evidence at all that the number is the customer's (neither consent nor verification);
    4. consent at least ``policy.reassigned_check_days`` old (0 = any consent, the US reading of
       47 CFR 64.1200(l)) without a verification at or after the consent.
    """
    if point.status == "invalid":
        return {Rule.REASSIGNED: "This contact point is marked invalid; re-verify it before using it."}
    if point.kind != "phone":
        return {}
    consent, verified, reassigned = point.consent_at, point.verified_at, point.last_reassigned_at
    if reassigned is not None and (consent is None or reassigned > consent):
        if verified is None or verified <= reassigned:
            return {
                Rule.REASSIGNED: "This number was reassigned or disconnected after the customer gave it; "
                "re-verify it first."
            }
    if consent is None:
        if verified is None:
            return {
                Rule.REASSIGNED: "Nothing shows this number is the customer's (no consent, not verified)."
            }
        return {}
    check_days = policy.reassigned_check_days
    if check_days is not None and now - consent >= timedelta(days=check_days):
        if verified is None or verified < consent:
            return {
                Rule.REASSIGNED: f"The customer gave this number over {check_days} days ago and it has not "
                "been verified since; check it has not been reassigned."
            }
    return {}


def check_disclosure(
    point: ContactPointSnapshot, channel: str, template: TemplateSnapshot | None
) -> Blockers:
    """DISCLOSURE: before the point is verified, only a limited-content template (no amount, no creditor
    detail). A call counts as limited only with a limited-content script; a plain call (template None)
    to an unverified number is blocked: send a limited-content prompt first."""
    if _is_verified(point):
        return {}
    if template is not None and template.limited_content:
        return {}
    what = "a call" if channel == "call" else f"this {channel}"
    return {
        Rule.DISCLOSURE: f"The contact point is not verified, so {what} may carry only limited content "
        "(no amount, no creditor detail)."
    }


def check_third_party(
    case: CaseSnapshot, point: ContactPointSnapshot, channel: str, template: TemplateSnapshot | None
) -> Blockers:
    """THIRD_PARTY: debt content only to the debtor's own contact points (an unknown owner is a third
    party)."""
    if point.owner_customer_id == case.customer_id or not _carries_debt_content(channel, template):
        return {}
    return {Rule.THIRD_PARTY: "This contact point is not the debtor's; debt content may not be disclosed."}


def check_agency_licence(actor: ActorSnapshot | None, today: date) -> Blockers:
    """AGENCY_LICENCE: an agency user acts only while both licence and contract cover ``today`` (the
    customer's local date); a missing date counts as not valid."""
    if actor is None or not actor.is_agency:
        return {}
    problems = []
    if actor.licence_valid_until is None or actor.licence_valid_until < today:
        problems.append(f"licence valid until {actor.licence_valid_until or 'unknown'}")
    if actor.contract_end is None or actor.contract_end < today:
        problems.append(f"contract ending {actor.contract_end or 'unknown'}")
    if not problems:
        return {}
    return {Rule.AGENCY_LICENCE: f"The agency may not act on {today.isoformat()}: {'; '.join(problems)}."}


def check_template(channel: str, template: TemplateSnapshot | None) -> Blockers:
    """TEMPLATE: only an approved template version is sent; SMS, email and letters need one. A call may
    go without a template (the agent speaks), but a call script given must be approved too."""
    if template is None:
        if channel == "call":
            return {}
        return {Rule.TEMPLATE: f"A {channel} must use an approved template."}
    if template.status != "approved":
        return {
            Rule.TEMPLATE: f"Template {template.key!r} version {template.version} is {template.status}, "
            "not approved."
        }
    return {}


def static_blockers(
    *,
    policy: PolicyPack,
    case: CaseSnapshot,
    history: Sequence[PastContact],
    contact_point: ContactPointSnapshot,
    channel: str,
    template: TemplateSnapshot | None,
    now: datetime,
    local_today: date,
    actor: ActorSnapshot | None,
) -> Blockers:
    """Every non-time blocker for this contact, ``{rule: reason}``."""
    blockers: Blockers = {}
    blockers.update(check_hold_and_cease(case, template))
    blockers.update(check_opt_out(contact_point, channel, template, history))
    blockers.update(check_wrong_party(contact_point))
    blockers.update(check_reassigned(policy, contact_point, now))
    blockers.update(check_disclosure(contact_point, channel, template))
    blockers.update(check_third_party(case, contact_point, channel, template))
    blockers.update(check_agency_licence(actor, local_today))
    blockers.update(check_template(channel, template))
    return blockers
