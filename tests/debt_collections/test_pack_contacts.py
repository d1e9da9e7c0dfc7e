"""Contact and help per jurisdiction (issue 12): each pack's own lender line and regulator/ombudsman,
as tel: and mailto: links on the page and in notices; never another country's hotline."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from debt_collections import services
from debt_collections.policies.contacts import PACK_CONTACTS
from debt_collections.policies.packs import PACK_CODES
from notifications.rendering import build_context, render
from notifications.selectors import latest_template
from tests.debt_collections.negotiation_support import NOW, case_with_phone
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db

CHINESE_ONLY = ("400-820-0000", "12378", "NFRA", "国家金融监督管理总局")


@pytest.fixture(autouse=True)
def _clock(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


def _verified_page(jurisdiction: str, lang: str = "en") -> str:
    case, phone = case_with_phone(jurisdiction=jurisdiction)
    customer = case.customer
    customer.locale = lang
    customer.save(update_fields=["locale"])
    link, _url = services.link_create(case_id=case.pk, actor=SYSTEM, contact_point_id=phone.pk, now=NOW)
    token = services.link_token(link)
    client = Client()
    client.post(
        f"/n/{token}/verify/",
        {
            "national_id_last4": customer.national_id_last4,
            "date_of_birth": customer.date_of_birth.isoformat(),
        },
    )
    response = client.get(f"/n/{token}/")
    assert response.status_code == 200
    return response.content.decode()


def test_every_pack_has_contacts() -> None:
    assert set(PACK_CONTACTS) == set(PACK_CODES)


@pytest.mark.parametrize("jurisdiction", ["CN", "US", "UK"])
def test_the_page_shows_the_packs_own_lender_line_and_regulator_as_links(jurisdiction: str) -> None:
    contacts = PACK_CONTACTS[jurisdiction]

    html = _verified_page(jurisdiction)

    assert f'href="tel:{contacts.lender_phone.e164}"' in html
    assert f'href="mailto:{contacts.lender_email.email}"' in html
    assert f'href="tel:{contacts.regulator_phone.e164}"' in html
    assert contacts.regulator_name["en"] in html


@pytest.mark.parametrize("jurisdiction", ["US", "UK"])
@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_uk_and_us_customers_never_see_the_chinese_hotline(jurisdiction: str, lang: str) -> None:
    html = _verified_page(jurisdiction, lang)

    for text in CHINESE_ONLY:
        assert text not in html, text


def test_a_uk_notice_gives_the_uk_number_and_the_ombudsman() -> None:
    case, phone = case_with_phone(jurisdiction="UK")
    template = latest_template(key="dispute.outcome", channel="sms", locale="en")
    assert template is not None

    context = build_context(template=template, case=case, point=phone, now=NOW)

    assert context["contact_phone"] == "0808 157 0192"
    assert context["contact_phone_uri"] == "tel:+448081570192"
    assert "Financial Ombudsman Service" in context["complaint_escalation"]
    _subject, body, _digest = render(template, context)
    for text in CHINESE_ONLY:
        assert text not in body
