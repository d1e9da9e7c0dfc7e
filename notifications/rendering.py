"""Render a template version with the notice context.

A limited-content template gets a context with nothing about the debt, the lender or the customer, so
even a mistaken variable in its text renders empty instead of leaking (DISCLOSURE).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core import signing
from django.template import Context, Engine, Template

from accounts.models import ContactPoint, Customer
from debt_collections.models import CollectionCase
from debt_collections.policies import credit_impact, get_pack, grade_text
from debt_collections.policies.contacts import contacts_for
from debt_collections.policies.localtime import customer_zone
from notifications.models import NoticeTemplate

_ENGINE = Engine(autoescape=False, debug=False)
OPT_OUT_SALT = "notifications.opt-out"


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def opt_out_token(*, contact_point_id: int, channel: str) -> str:
    return signing.dumps({"p": contact_point_id, "c": channel}, salt=OPT_OUT_SALT, compress=True)


def opt_out_url(*, contact_point_id: int, channel: str) -> str:
    return f"{settings.SITE_URL}/o/{opt_out_token(contact_point_id=contact_point_id, channel=channel)}/"


def case_reference(case: CollectionCase) -> str:
    return f"C{case.pk:07d}"


def local_date(now: datetime, customer: Customer) -> date:
    """The customer's calendar date at ``now`` (``customer_zone``: their zone, else their pack's)."""
    return now.astimezone(customer_zone(customer)).date()


def contact_context(*, pack_code: str, locale: str) -> dict[str, str]:
    """How to reach us and where to escalate, from the customer's own pack (never another country's)."""
    contacts = contacts_for(pack_code)
    return {
        "contact_phone": contacts.lender_phone.display,
        "contact_phone_uri": contacts.lender_phone.tel_uri,
        "contact_email": contacts.lender_email.email,
        "complaint_escalation": contacts.escalation_text(locale),
    }


def base_context(
    *, case: CollectionCase, point: ContactPoint, channel: str, now: datetime, locale: str = ""
) -> dict[str, Any]:
    """What every template may use, including limited-content ones: nothing about the debt."""
    return {
        "sender_name": settings.NEUTRAL_SENDER_NAME,
        "portal_url": f"{settings.SITE_URL}/",
        "reference": case_reference(case),
        "opt_out_url": opt_out_url(contact_point_id=point.pk, channel=channel) if channel != "letter" else "",
        **contact_context(pack_code=case.customer.jurisdiction, locale=locale or case.customer.locale),
    }


def debt_context(*, case: CollectionCase, now: datetime) -> dict[str, Any]:
    account = case.account
    customer = case.customer
    pack = get_pack(customer.jurisdiction, now.date())
    today = local_date(now, customer)
    # What the bureau is (or is not yet) told at this many days past due, in the customer's language.
    impact = grade_text(credit_impact(pack, account.days_past_due), customer.locale)
    return {
        "lender_name": settings.LENDER_NAME,
        "customer_name": customer.full_name,
        "account_masked": f"****{account.account_number[-4:]}",
        "currency": account.currency,
        "principal": money(account.principal),
        "interest": money(account.interest),
        "fees": money(account.fees),
        "penalty_interest": money(account.penalty_interest),
        "total_due": money(account.total_due),
        "interest_rate_apr": f"{account.interest_rate_apr:.2f}",
        "penalty_rate_apr": f"{account.penalty_rate_apr:.2f}",
        "days_past_due": account.days_past_due_on(now.date()),  # stored only at thresholds
        "due_date": account.due_date.isoformat() if account.due_date else "",
        "dispute_by": (today + timedelta(days=pack.dispute_window_days)).isoformat(),
        "credit_report_text": ("" if customer.locale == "zh-hans" else " ").join(
            (impact.what, impact.reads_as)
        ),
        "report_eligible_date": (today + timedelta(days=pack.credit_report_prenotice_days)).isoformat(),
        "retention_text": impact.stays,
    }


@lru_cache(maxsize=512)
def _compiled(source: str) -> Template:
    # Template versions are immutable once approved, so compiling each text once per process is safe;
    # the daily cycle renders thousands of notices from a dozen texts.
    return _ENGINE.from_string(source)


def render(template: NoticeTemplate, context: dict[str, Any]) -> tuple[str, str, str]:
    """Return (subject, body, sha256 of subject+body)."""
    # A plain Context turns autoescaping back on whatever the engine says; notices are plain text.
    ctx = Context(context, autoescape=False)
    subject = _compiled(template.subject).render(ctx).strip() if template.subject else ""
    body = _compiled(template.body).render(ctx).strip()
    digest = hashlib.sha256(f"{subject}\n{body}".encode()).hexdigest()
    return subject, body, digest


def build_context(
    *,
    template: NoticeTemplate,
    case: CollectionCase,
    point: ContactPoint,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    context = base_context(case=case, point=point, channel=template.channel, now=now, locale=template.locale)
    if extra and extra.get("portal_url"):
        # The signed link leads to a page that asks for identity first, so it is safe in any text.
        context["portal_url"] = extra["portal_url"]
    if not template.limited_content:
        context.update(debt_context(case=case, now=now))
        context.update(extra or {})
    return context
