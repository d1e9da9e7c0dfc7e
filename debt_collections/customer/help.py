"""The "how to reach us" and "where to complain" block of the customer's pages, from the customer's pack.

Every number is a ``tel:`` link and every address a ``mailto:`` link; a UK or US customer sees their own
lender line and regulator or ombudsman, never the Chinese hotline (``policies.contacts``).
"""

from __future__ import annotations

from dataclasses import dataclass

from debt_collections.models import CollectionCase
from debt_collections.policies.contacts import contacts_for


@dataclass(frozen=True)
class HelpContacts:
    lender_phone: str
    lender_tel: str
    lender_email: str
    lender_mailto: str
    lender_hours: str
    regulator_name: str
    regulator_role: str
    regulator_phone: str
    regulator_tel: str
    regulator_web: str
    regulator_url: str


def help_contacts(pack_code: str, locale: str) -> HelpContacts:
    c = contacts_for(pack_code)
    lang = locale if locale in c.regulator_name else "en"
    return HelpContacts(
        lender_phone=c.lender_phone.display,
        lender_tel=c.lender_phone.tel_uri,
        lender_email=c.lender_email.email,
        lender_mailto=c.lender_email.mailto_uri,
        lender_hours=c.lender_hours.get(lang, ""),
        regulator_name=c.regulator_name[lang],
        regulator_role=c.regulator_role[lang],
        regulator_phone=c.regulator_phone.display,
        regulator_tel=c.regulator_phone.tel_uri,
        regulator_web=c.regulator_web.display,
        regulator_url=c.regulator_web.url,
    )


def help_for_case(case: CollectionCase, locale: str) -> HelpContacts:
    return help_contacts(case.customer.jurisdiction, locale)
