"""Who may use the workspace: the role matrix for every URL (GET and POST), the staff login round trip
and the link on the admin index."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from accounts.models import Role, User
from compliance import urls as workspace_urls
from compliance.access import is_compliance_officer
from compliance.models import AuditVerification
from debt_collections.kernel.audit import Actor
from debt_collections.models import AuditEvent, CaseState
from notifications.models import NoticeTemplate
from notifications.services import template_create_draft
from tests.factories import UserFactory, make_case

pytestmark = pytest.mark.django_db

ALLOWED, FORBIDDEN, LOGIN = "allowed", "403", "login"
ROLES = {
    "compliance": ALLOWED,
    "superuser": ALLOWED,
    "agent": FORBIDDEN,
    "supervisor": FORBIDDEN,
    "agency_agent": FORBIDDEN,
    "anonymous": LOGIN,
}


@pytest.fixture
def targets(second_officer: User) -> dict[str, Any]:
    case = make_case(CaseState.ACTIVE)
    draft = template_create_draft(
        key="reminder.soft",
        channel="sms",
        locale="en",
        body="{{ lender_name }}: a new text. See {{ portal_url }} Ref {{ reference }}\n"
        "Stop these messages: {{ opt_out_url }}",
        actor=Actor.for_user(second_officer),
    )
    return {"case": case.pk, "template": draft.pk}


def requests(t: dict[str, Any]) -> list[tuple[str, str, str, dict[str, str]]]:
    """(url name, method, path, POST data): every route of compliance.urls, and every POST it takes."""
    r = reverse
    return [
        ("dashboard", "get", r("compliance:dashboard"), {}),
        ("dashboard", "get", r("compliance:dashboard") + f"?q={t['case']}", {}),
        ("case-timeline", "get", r("compliance:case-timeline", args=[t["case"]]), {}),
        ("reports", "get", r("compliance:reports"), {}),
        ("report-csv", "get", r("compliance:report-csv", args=["disputes"]), {}),
        ("report-xlsx", "get", r("compliance:report-xlsx", args=["plans"]), {}),
        ("audit", "get", r("compliance:audit"), {}),
        ("verify-now", "post", r("compliance:verify-now"), {}),
        ("evidence-export", "get", r("compliance:evidence-export"), {}),
        (
            "evidence-export",
            "post",
            r("compliance:evidence-export"),
            {"date_from": "2026-01-01", "date_to": "2030-01-01"},
        ),
        ("templates", "get", r("compliance:templates"), {}),
        ("template-new", "get", r("compliance:template-new"), {}),
        (
            "template-new",
            "post",
            r("compliance:template-new"),
            {"key": "x.y", "channel": "sms", "locale": "en", "body": "b"},
        ),
        ("template-detail", "get", r("compliance:template-detail", args=[t["template"]]), {}),
        ("template-approve", "post", r("compliance:template-approve", args=[t["template"]]), {}),
        ("template-reject", "post", r("compliance:template-reject", args=[t["template"]]), {"note": "no"}),
        ("agencies", "get", r("compliance:agencies"), {}),
        ("retention", "get", r("compliance:retention"), {}),
    ]


def test_the_matrix_covers_every_route_of_the_workspace() -> None:
    names = {p.name for p in workspace_urls.urlpatterns if isinstance(p, URLPattern)}

    covered = {name for name, *_ in requests({"case": 1, "template": 1})}

    assert covered == names


@pytest.fixture
def people(
    compliance: User, superuser: User, agent: User, supervisor: User, agency_agent: User
) -> dict[str, Any]:
    return {
        "compliance": compliance,
        "superuser": superuser,
        "agent": agent,
        "supervisor": supervisor,
        "agency_agent": agency_agent,
        "anonymous": None,
    }


@pytest.mark.parametrize("who", list(ROLES))
def test_role_matrix_for_every_workspace_url(
    who: str,
    people: dict[str, Any],
    targets: dict[str, Any],
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(people[who])
    expected = ROLES[who]

    for _name, method, path, data in requests(targets):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(path) if method == "get" else client.post(path, data)
        where = f"{who} {method.upper()} {path}"
        if expected == ALLOWED:
            assert response.status_code in (200, 302), where
            if response.status_code == 302:
                assert "/login/" not in response["Location"], where
        elif expected == FORBIDDEN:
            assert response.status_code == 403, where
        else:
            assert response.status_code == 302, where
            assert response["Location"].startswith("/admin/login/?next=/compliance/"), where


@pytest.mark.parametrize("who", ["agent", "supervisor", "agency_agent", "anonymous"])
def test_refused_posts_change_nothing(
    who: str,
    people: dict[str, Any],
    targets: dict[str, Any],
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(people[who])
    events = AuditEvent.objects.count()
    templates = NoticeTemplate.objects.count()

    for _name, method, path, data in requests(targets):
        if method == "post":
            with django_capture_on_commit_callbacks(execute=True):
                client.post(path, data)

    assert NoticeTemplate.objects.get(pk=targets["template"]).status == "draft"
    assert NoticeTemplate.objects.count() == templates
    assert not AuditVerification.objects.exists()
    assert AuditEvent.objects.count() == events  # no export, no verification, no decision recorded


def test_a_staff_user_without_a_role_and_an_agency_user_in_the_compliance_group_are_refused(
    client_for: Any, agency: Any
) -> None:
    no_role = UserFactory.create(username="plain_staff", roles=[])
    agency_officer = UserFactory.create(username="agency_officer", agency=agency, roles=[Role.COMPLIANCE])
    inactive = UserFactory.create(username="gone", is_active=False, roles=[Role.COMPLIANCE])

    for user in (no_role, agency_officer):
        assert client_for(user).get(reverse("compliance:dashboard")).status_code == 403
    assert not is_compliance_officer(inactive)


def test_non_staff_compliance_member_is_refused(db: Any) -> None:
    user = UserFactory.create(username="not_staff", is_staff=False, roles=[Role.COMPLIANCE])

    assert not is_compliance_officer(user)


def test_logging_in_at_the_admin_with_next_lands_on_the_workspace(compliance: User) -> None:
    client = Client()
    anonymous = client.get("/compliance/")
    assert anonymous["Location"] == "/admin/login/?next=/compliance/"

    response = client.post(
        anonymous["Location"],
        {"username": "compliance", "password": "pw-for-tests-123", "next": "/compliance/"},
        follow=True,
    )

    assert response.redirect_chain[-1] == ("/compliance/", 302)
    assert response.status_code == 200
    assert "Compliance dashboard" in response.content.decode()


def test_admin_index_offers_compliance_officers_a_prominent_link_to_the_workspace(
    client_for: Any, compliance: User, superuser: User, agent: User, supervisor: User
) -> None:
    for user in (compliance, superuser):
        html = client_for(user).get(reverse("admin:index")).content.decode()
        assert 'id="compliance-workspace-link"' in html
        assert f'href="{reverse("compliance:dashboard")}"' in html
        assert (
            "Cases, customers and the audit trail" in html or "Site administration" in html
        )  # still the index
    for user in (agent, supervisor):
        html = client_for(user).get(reverse("admin:index")).content.decode()
        assert 'id="compliance-workspace-link"' not in html
