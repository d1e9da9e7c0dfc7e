"""The demo's fixed cast: its seed, agencies, logins and the actors its stories act as.

Agencies and logins are upserted by natural key on every run (``ensure_reference_data``), so their
dates stay anchored to today and the printed passwords always work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import Group

from accounts.models import Agency, Role, User
from debt_collections.kernel.audit import Actor

SEED = 20261121
DEFAULT_CUSTOMERS = 240
MARKER_ACCOUNT = "ACC-DEMO-00001"
# The seed's own label: only the printed demo link is created under it (``demo_customer_link`` reuses it).
ACTOR = Actor.system("seed_demo")
# What real use writes for the same steps: the nightly cycle, the bank's payment feed, a risk model.
CYCLE = Actor.system("collection_cycle")
BANK_FEED = Actor.system("bank_feed")
RISK_MODEL = Actor.system("risk_model")

# --- agencies ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencySpec:
    name: str
    licence_number: str
    licence_days: int  # licensed until today + this (negative: already expired)
    contract_from_days: int  # contract started this many days ago (covers every placement in the stories)
    contract_days: int  # contract ends today + this


NORTH_STAR = AgencySpec("North Star Recoveries", "NSR-LIC-2023-0417", 730, 1095, 365)
LOTUS = AgencySpec("Lotus Credit Services 莲花信用服务", "LCS-LIC-2022-0088", 365, 1095, 540)
# Licensed today, but the licence ends within the register's 30-day warning: the register warns.
EXPIRING = AgencySpec("Pearl River Collections 珠江催收", "PRC-LIC-2024-0311", 21, 1095, 365)
# Licence lapsed 45 days ago while the contract still runs: placing a case with it must be refused.
LAPSED = AgencySpec("Old Harbour Debt Recovery", "OHD-LIC-2021-0152", -45, 1095, 180)
AGENCIES = (NORTH_STAR, LOTUS, EXPIRING, LAPSED)

# --- logins ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str  # public on purpose: printed by the command, demo databases only
    role: str | None
    agency_licence: str | None
    description: str
    superuser: bool = False


DEMO_LOGINS = (
    DemoLogin("agent", "agent-demo-2026", Role.AGENT, None, "in-house collection agent"),
    DemoLogin(
        "agent2", "agent2-demo-2026", Role.AGENT, None, "second in-house agent (decides colleagues' waivers)"
    ),
    DemoLogin(
        "agency_agent",
        "agency-agent-demo-2026",
        Role.AGENT,
        NORTH_STAR.licence_number,
        f"agent at {NORTH_STAR.name}",
    ),
    DemoLogin("supervisor", "supervisor-demo-2026", Role.SUPERVISOR, None, "supervisor"),
    DemoLogin("compliance", "compliance-demo-2026", Role.COMPLIANCE, None, "compliance officer"),
    DemoLogin("admin", "admin-demo-2026", None, None, "superuser", superuser=True),
)
IN_HOUSE_AGENTS = ("agent", "agent2")


def ensure_reference_data(*, today: date) -> dict[str, Agency]:
    """Upsert the role groups, the agencies and the demo logins; reset the demo passwords.

    Safe to repeat: keyed by group name, licence number and username, so counts never change. Agency
    dates are re-anchored to ``today`` so the licensed ones stay valid (and the expiring one stays
    within its warning period) whenever the demo is re-run.
    """
    groups = {role.value: Group.objects.get_or_create(name=role.value)[0] for role in Role}
    agencies: dict[str, Agency] = {}
    for spec in AGENCIES:
        agencies[spec.licence_number], _created = Agency.objects.update_or_create(
            licence_number=spec.licence_number,
            defaults={
                "name": spec.name,
                "licensed_until": today + timedelta(days=spec.licence_days),
                "contract_start": today - timedelta(days=spec.contract_from_days),
                "contract_end": today + timedelta(days=spec.contract_days),
            },
        )
    for login in DEMO_LOGINS:
        user, _created = User.objects.update_or_create(
            username=login.username,
            defaults={
                "email": f"{login.username}@example.com",
                "is_staff": True,
                "is_active": True,
                "is_superuser": login.superuser,
                "agency": agencies[login.agency_licence] if login.agency_licence else None,
            },
        )
        # Reset every run so the printed passwords always work (demo databases only).
        user.set_password(login.password)
        user.save(update_fields=["password"])
        user.groups.set([groups[login.role]] if login.role else [])
    return agencies
