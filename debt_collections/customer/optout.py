"""What the page offers to stop: the channels of the point the link was sent to, or, for a link made
without a contact point, each of the customer's own reachable points (issue 12: such a link had no
opt-out section at all)."""

from __future__ import annotations

from accounts.models import ContactPoint
from debt_collections.customer.context import CHANNELS_FOR_KIND
from debt_collections.customer.forms import OPT_OUT_CHANNELS
from debt_collections.models import NegotiationLink

UNREACHABLE = (ContactPoint.Status.WRONG_PARTY, ContactPoint.Status.INVALID)


def opt_out_choices(link: NegotiationLink) -> list[tuple[str, str]]:
    """(value, label) pairs: ``channel`` for the link's own point, ``"<point id>:<channel>"`` otherwise."""
    point = link.contact_point
    if point is not None:
        if point.status == ContactPoint.Status.WRONG_PARTY:
            return []
        done = set(point.opted_out_channels or [])
        return [(c, str(OPT_OUT_CHANNELS[c])) for c in CHANNELS_FOR_KIND.get(point.kind, []) if c not in done]
    choices = []
    points = ContactPoint.objects.filter(customer_id=link.case.customer_id).exclude(status__in=UNREACHABLE)
    for p in points.order_by("pk"):
        done = set(p.opted_out_channels or [])
        for c in CHANNELS_FOR_KIND.get(p.kind, []):
            if c not in done:
                choices.append((f"{p.pk}:{c}", f"{OPT_OUT_CHANNELS[c]} · {p.masked_value}"))
    return choices


def resolve_choice(link: NegotiationLink, value: str) -> tuple[int, str] | None:
    """The (contact point id, channel) a chosen value stands for, only among this page's own choices."""
    if value not in {v for v, _label in opt_out_choices(link)}:
        return None
    if link.contact_point is not None:
        return link.contact_point.pk, value
    point_id, _, channel = value.partition(":")
    return int(point_id), channel
