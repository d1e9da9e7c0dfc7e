"""Audit-chain verification from the workspace: "verify now", the Celery task, progress, and the status page.

Tampering tests drop the append-only triggers *inside* the test transaction (DDL is transactional on
SQLite and PostgreSQL, so the rollback at the end of the test puts them back), then edit rows with raw SQL.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from compliance import services
from compliance.models import AuditVerification
from debt_collections.kernel.audit import Actor, verify_chain
from debt_collections.models import AuditEvent, CaseState
from tests.audit_support import become_insider
from tests.factories import make_case

pytestmark = pytest.mark.django_db

TABLE = "collections_auditevent"


@pytest.fixture
def chain(db: Any) -> list[AuditEvent]:
    """Three cases walked through a few transitions: 8 events."""
    make_case(CaseState.ON_HOLD)
    make_case(CaseState.CHARGED_OFF)
    make_case(CaseState.NEGOTIATING)
    return list(AuditEvent.objects.order_by("id"))


def after_on_its_chain(events: list[AuditEvent], victim: AuditEvent) -> int:
    """How many events of the victim's chain are at or after it (the rest verify)."""
    return sum(1 for e in events if e.chain == victim.chain and e.seq >= victim.seq)


def raw(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def verify_now(client: Any, capture: Any) -> Any:
    with capture(execute=True):
        return client.post(reverse("compliance:verify-now"))


def test_verify_now_runs_the_check_and_records_an_ok_result_by_whom_and_when(
    chain: Any, client_for: Any, compliance: User, django_capture_on_commit_callbacks: Any
) -> None:
    response = verify_now(client_for(compliance), django_capture_on_commit_callbacks)

    assert response.status_code == 302 and response["Location"] == reverse("compliance:audit")
    run = AuditVerification.objects.get()
    assert run.ok is True and run.broken_seq is None and run.problem == ""
    assert (run.count, run.progress, run.total) == (len(chain), len(chain), len(chain))
    assert run.started_by == compliance and run.finished_at is not None and run.finished_at >= run.started_at


def test_the_result_is_itself_appended_to_the_audit_chain(
    chain: Any, client_for: Any, compliance: User, django_capture_on_commit_callbacks: Any
) -> None:
    verify_now(client_for(compliance), django_capture_on_commit_callbacks)

    event = AuditEvent.objects.get(action="compliance.verify")
    run = AuditVerification.objects.get()
    assert event.actor == f"user:{compliance.pk}:compliance"
    assert (event.payload["run"], event.payload["ok"], event.payload["count"]) == (run.pk, True, len(chain))
    assert verify_chain().ok


def test_a_changed_event_is_reported_with_its_seq(
    chain: Any, client_for: Any, compliance: User, django_capture_on_commit_callbacks: Any
) -> None:
    become_insider()
    victim = chain[4]
    raw(
        f"UPDATE {TABLE} SET action = %s WHERE chain = %s AND seq = %s",
        ["case.nothing_to_see", victim.chain, victim.seq],
    )

    verify_now(client_for(compliance), django_capture_on_commit_callbacks)

    run = AuditVerification.objects.get()
    assert run.ok is False
    assert run.broken_seq == victim.seq
    assert f"(chain {victim.chain})" in run.problem
    # every event before it on its chain, and every event of the other chains, verified
    assert run.count == len(chain) - after_on_its_chain(chain, victim)
    assert "content changed" in run.problem


def test_a_deleted_event_is_reported_as_missing(
    chain: Any, client_for: Any, compliance: User, django_capture_on_commit_callbacks: Any
) -> None:
    become_insider()
    victim = chain[6]
    raw(f"DELETE FROM {TABLE} WHERE chain = %s AND seq = %s", [victim.chain, victim.seq])

    verify_now(client_for(compliance), django_capture_on_commit_callbacks)

    run = AuditVerification.objects.get()
    assert (run.ok, run.broken_seq) == (False, victim.seq)
    assert "is missing" in run.problem


def test_status_page_names_the_first_broken_event(
    chain: Any, client_for: Any, compliance: User, django_capture_on_commit_callbacks: Any
) -> None:
    become_insider()
    raw(
        f"UPDATE {TABLE} SET actor = %s WHERE chain = %s AND seq = %s",
        ["user:999:mallory", chain[2].chain, chain[2].seq],
    )
    client = client_for(compliance)
    verify_now(client, django_capture_on_commit_callbacks)

    html = client.get(reverse("compliance:audit")).content.decode()

    assert "BROKEN" in html
    assert f"first broken event: seq <strong>{chain[2].seq}</strong>" in html
    assert 'http-equiv="refresh"' not in html
    assert "by compliance" in html


def test_progress_is_saved_to_the_run_every_chunk(chain: Any, compliance: User, monkeypatch: Any) -> None:
    import compliance.services as module

    seen: list[int] = []

    def spying_verify_chain(*, chunk: int, progress: Any) -> Any:
        def spy(count: int) -> None:
            progress(count)
            seen.append(AuditVerification.objects.values_list("progress", flat=True).get())

        return verify_chain(chunk=chunk, progress=spy)

    monkeypatch.setattr(module, "verify_chain", spying_verify_chain)
    run = AuditVerification.objects.create(started_at=timezone.now(), started_by=compliance, total=len(chain))

    services.verification_execute(verification_id=run.pk, chunk=3)

    assert len(chain) == 8
    assert seen == [3, 6]
    run.refresh_from_db()
    assert (run.progress, run.ok) == (len(chain), True)


def test_page_refreshes_itself_while_a_run_is_going_and_shows_its_progress(
    client_for: Any, compliance: User
) -> None:
    AuditVerification.objects.create(started_at=timezone.now(), started_by=compliance, total=200, progress=50)

    html = client_for(compliance).get(reverse("compliance:audit")).content.decode()

    assert '<meta http-equiv="refresh" content="2">' in html
    assert "50 of 200 events verified (25 %)" in html


def test_a_run_whose_worker_died_stops_the_refresh_and_allows_a_new_run(
    chain: Any, client_for: Any, compliance: User, django_capture_on_commit_callbacks: Any
) -> None:
    AuditVerification.objects.create(started_at=timezone.now() - timedelta(hours=2), started_by=compliance)
    client = client_for(compliance)

    html = client.get(reverse("compliance:audit")).content.decode()
    verify_now(client, django_capture_on_commit_callbacks)

    assert 'http-equiv="refresh"' not in html and "never finished" in html
    assert AuditVerification.objects.filter(ok=True).count() == 1


def test_a_second_request_while_a_run_is_going_starts_nothing(
    client_for: Any, compliance: User, django_capture_on_commit_callbacks: Any
) -> None:
    AuditVerification.objects.create(started_at=timezone.now(), started_by=compliance)
    client = client_for(compliance)

    verify_now(client, django_capture_on_commit_callbacks)

    assert AuditVerification.objects.count() == 1
    assert "is still running" in client.get(reverse("compliance:audit")).content.decode()


def test_verify_now_is_post_only(client_for: Any, compliance: User) -> None:
    assert client_for(compliance).get(reverse("compliance:verify-now")).status_code == 405
    assert not AuditVerification.objects.exists()


def test_only_compliance_officers_may_start_a_run_even_through_the_service(chain: Any, agent: User) -> None:
    from debt_collections.errors import NotPermitted

    with pytest.raises(NotPermitted):
        services.verification_start(actor=Actor.for_user(agent))
    assert not AuditVerification.objects.exists()
