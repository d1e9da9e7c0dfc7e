"""Notices the negotiation services send: where to, with which words, queued inside the caller's
transaction through ``notifications.services.notice_queue_many`` (which asks the gate, stores the row,
audits it and hands it to a worker only after commit) with the case the caller locked and the link maker.

Labels are translated here (gettext, ``locale/``) because the renderer takes ready-made strings
(``template_library``); a locale without a translation reads English rather than a raw code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from accounts.models import ContactPoint
from debt_collections.kernel.audit import Actor
from debt_collections.kernel.scope import resolve_contact_point
from debt_collections.models import CollectionCase, Dispute, Installment, RepaymentPlan
from debt_collections.policies.localtime import customer_zone, local_wall
from debt_collections.services.links import links_for_notices
from notifications.rendering import money
from notifications.services import NoticeRequest, notice_queue_many

if TYPE_CHECKING:
    from notifications.models import Notice

# Labels the renderer places into a template; gettext (locale/) translates them like every other
# customer-facing word, in the customer's language whatever the caller's is.
_PLAN_KIND: dict[str, Promise] = {
    "installment": pgettext_lazy("plan kind in a notice", "installment plan"),
    "deferral": pgettext_lazy("plan kind in a notice", "payment deferral"),
    "settlement": pgettext_lazy("plan kind in a notice", "settlement"),
}
_DISPUTE_KIND: dict[str, Promise] = {
    "dispute": pgettext_lazy("dispute kind in a notice", "dispute"),
    "complaint": pgettext_lazy("dispute kind in a notice", "complaint"),
}
_OUTCOME: dict[str, Promise] = {
    "upheld": pgettext_lazy("dispute outcome in a notice", "upheld"),
    "rejected": pgettext_lazy("dispute outcome in a notice", "not upheld"),
}


def _label(table: dict[str, Promise], locale: str, key: str) -> str:
    if key not in table:
        return key
    with translation.override(locale if locale in ("zh-hans", "en") else "en"):
        return str(table[key])


def local_text(case: CollectionCase, instant: datetime, *, with_time: bool = False) -> str:
    """``instant`` on the customer's wall clock: a date, or a date and minute when ``with_time``."""
    wall = local_wall(instant, customer_zone(case.customer))
    return wall.strftime("%Y-%m-%d %H:%M") if with_time else wall.date().isoformat()


def notice_point(case: CollectionCase, contact_point_id: int | None) -> ContactPoint | None:
    """The point a service notice goes to: the one asked for (it must be the customer's own), else the
    customer's verified phone, else their verified email, else ``None`` (no notice; the audit says so).

    Raises ``InvalidInput`` for a point that does not exist or is not the customer's.
    """
    if contact_point_id is not None:
        return resolve_contact_point(case, contact_point_id)  # NotFound for anyone else's
    verified = ContactPoint.objects.filter(customer_id=case.customer_id, status=ContactPoint.Status.VERIFIED)
    for kind in (ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL):
        point = verified.filter(kind=kind).order_by("-verified_at", "pk").first()
        if point is not None:
            return point
    return None


def queue(
    *,
    case: CollectionCase,
    template_key: str,
    point: ContactPoint | None,
    actor: Actor,
    now: datetime,
    extra: dict[str, Any],
    due_date: date | None = None,
    reference: str = "",
) -> Notice | None:
    """Queue the notice in the caller's transaction (``case`` is the row the caller locked), as the
    service that owes it; never raises for a gate block.

    A block is stored as a ``blocked`` notice and audited; a block by time rules only (contact hours) is
    deferred to the first allowed instant. Returns the notice, or ``None`` without a contact point.
    """
    if point is None:
        return None
    [notice] = notice_queue_many(
        requests=[
            NoticeRequest(
                case=case,
                template_key=template_key,
                contact_point=point,
                due_date=due_date,
                reference=reference,
                extra_context=extra,
                by_service=True,
            )
        ],
        actor=actor,
        now=now,
        links=links_for_notices,
        defer_when_time_blocked=True,
    )
    return notice


def plan_context(
    case: CollectionCase, plan: RepaymentPlan, installments: Sequence[Installment] | None = None
) -> dict[str, Any]:
    """``plan.confirmation`` / ``plan.offer`` variables: the kind, the total and the whole schedule
    (``installments`` in order when the caller has them, else read)."""
    if installments is None:
        installments = list(plan.installments.order_by("number"))
    locale = case.customer.locale
    context: dict[str, Any] = {
        "plan_kind": _label(_PLAN_KIND, locale, plan.kind),
        "plan_total": money(plan.total),
        "currency": plan.currency,
        "schedule": [
            {"number": i.number, "due_date": i.due_date.isoformat(), "amount": money(i.amount)}
            for i in installments
        ],
    }
    if plan.cooling_off_until is not None:
        # The exact minute, in the customer's time: a bare date would suggest the whole day is included.
        context["cooling_off_until"] = local_text(case, plan.cooling_off_until, with_time=True)
    return context


def dispute_kind_label(case: CollectionCase, dispute: Dispute) -> str:
    family = "complaint" if dispute.kind == Dispute.Kind.CONDUCT_COMPLAINT else "dispute"
    return _label(_DISPUTE_KIND, case.customer.locale, family)


def outcome_label(case: CollectionCase, outcome: str) -> str:
    return _label(_OUTCOME, case.customer.locale, outcome)
