"""How a customer reaches the lender and, beyond it, the regulator or ombudsman: data per policy pack.

Pure data (no Django), like the packs themselves. A UK or US customer must never be shown the Chinese
hotline: the customer page, the notices and the samples compliance previews all read the pack's own row.
Phone numbers come as the text people read and the E.164 form a ``tel:`` link needs; e-mail addresses
feed ``mailto:`` links. The lender's numbers are the demo lender's; the regulators' are their published
consumer lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

__all__ = ["PACK_CONTACTS", "ContactLine", "PackContacts", "contacts_for"]


@dataclass(frozen=True)
class ContactLine:
    """One way to reach someone: a phone number (``display`` and ``e164``), an e-mail, or a web page."""

    display: str
    e164: str = ""
    email: str = ""
    url: str = ""

    @property
    def tel_uri(self) -> str:
        return f"tel:{self.e164}" if self.e164 else ""

    @property
    def mailto_uri(self) -> str:
        return f"mailto:{self.email}" if self.email else ""


@dataclass(frozen=True)
class PackContacts:
    """The lender's customer service and the body a customer may escalate a complaint to, per locale."""

    pack: str
    lender_phone: ContactLine
    lender_email: ContactLine
    lender_hours: dict[str, str]
    regulator_name: dict[str, str]  # locale -> name
    regulator_role: dict[str, str]  # locale -> one sentence: when to go to them
    regulator_phone: ContactLine
    regulator_web: ContactLine

    def escalation_text(self, locale: str) -> str:
        """One plain sentence for notices (``complaint_escalation``): who, which number, which site."""
        name = self.regulator_name.get(locale) or self.regulator_name["en"]
        if locale == "zh-hans":
            return f"{name}（电话 {self.regulator_phone.display}，{self.regulator_web.url}）"
        return f"{name} ({self.regulator_phone.display}, {self.regulator_web.url})"


PACK_CONTACTS: Final = MappingProxyType(
    {
        "CN": PackContacts(
            pack="CN",
            lender_phone=ContactLine("400-820-0000", e164="+864008200000"),
            lender_email=ContactLine("service@harbour-finance.cn", email="service@harbour-finance.cn"),
            lender_hours={
                "zh-hans": "每天 08:00–21:00（北京时间）",
                "en": "daily 08:00–21:00 (Beijing time)",
            },
            regulator_name={
                "zh-hans": "国家金融监督管理总局消费者投诉热线",
                "en": "NFRA consumer hotline (National Financial Regulatory Administration)",
            },
            regulator_role={
                "zh-hans": "如您对我们的处理结果不满意，可向金融监管部门反映。",
                "en": "If you are not satisfied with how we handled your complaint, you can contact the "
                "regulator.",
            },
            regulator_phone=ContactLine("12378", e164="12378"),
            regulator_web=ContactLine("www.nfra.gov.cn", url="https://www.nfra.gov.cn/"),
        ),
        "US": PackContacts(
            pack="US",
            lender_phone=ContactLine("+1 (202) 555-0143", e164="+12025550143"),
            lender_email=ContactLine("help@harbour-finance.us", email="help@harbour-finance.us"),
            lender_hours={
                "zh-hans": "周一至周六 08:00–21:00（美国东部时间）",
                "en": "Monday to Saturday 8 a.m.–9 p.m. Eastern",
            },
            regulator_name={
                "zh-hans": "美国消费者金融保护局（CFPB）",
                "en": "Consumer Financial Protection Bureau (CFPB)",
            },
            regulator_role={
                "zh-hans": "如您对我们的处理结果不满意，可向 CFPB 提交投诉。",
                "en": "If you are not satisfied with our answer, you can submit a complaint to the CFPB.",
            },
            regulator_phone=ContactLine("(855) 411-2372", e164="+18554112372"),
            regulator_web=ContactLine(
                "consumerfinance.gov/complaint", url="https://www.consumerfinance.gov/complaint/"
            ),
        ),
        "UK": PackContacts(
            pack="UK",
            lender_phone=ContactLine("0808 157 0192", e164="+448081570192"),
            lender_email=ContactLine("help@harbour-finance.co.uk", email="help@harbour-finance.co.uk"),
            lender_hours={
                "zh-hans": "周一至周六 08:00–20:00（英国时间）",
                "en": "Monday to Saturday 8am–8pm (UK time)",
            },
            regulator_name={"zh-hans": "英国金融申诉服务机构（FOS）", "en": "Financial Ombudsman Service"},
            regulator_role={
                "zh-hans": "如您对我们的最终答复不满意，或八周内未收到答复，可免费向金融申诉服务机构申诉。",
                "en": "If you are unhappy with our final response, or have not had one within eight weeks, "
                "you can refer your complaint to the Financial Ombudsman Service free of charge.",
            },
            regulator_phone=ContactLine("0800 023 4567", e164="+448000234567"),
            regulator_web=ContactLine(
                "financial-ombudsman.org.uk", url="https://www.financial-ombudsman.org.uk/"
            ),
        ),
    }
)


def contacts_for(pack_code: str) -> PackContacts:
    """The pack's contacts; an unknown code is a ``KeyError`` (never a fall-back to another country's)."""
    return PACK_CONTACTS[pack_code]
