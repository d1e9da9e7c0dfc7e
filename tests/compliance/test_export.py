"""The evidence export (``manage.py export_audit`` and the workspace download) and the standalone checker
``tools/verify_audit_export.py``, run as its own process exactly as an auditor would run it."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from debt_collections.kernel.audit import audit_append, compute_hash, event_fields
from debt_collections.kernel.audit_keys import public_path
from debt_collections.models import GENESIS_HASH, AuditEvent, CaseState, CollectionCase
from tests.factories import SYSTEM, make_case

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "verify_audit_export.py"
DAY = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


def check(path: Path, *extra: str, key: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the checker as a separate process with the test's Python, from the repository root, with the
    public key of the session's signing key (or ``key``)."""
    public = key or public_path(Path(settings.AUDIT_SIGNING_KEY_FILE))
    return subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(TOOL), "--public-key", str(public), *extra, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def in_range(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The exported events of the asked-for range (not those up to the sealing checkpoint after it)."""
    return [r for r in records if r["type"] == "event" and not r.get("after_range")]


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def of_chain(records: list[dict[str, Any]], chain: int) -> list[int]:
    """The positions in ``records`` of chain ``chain``'s event lines."""
    return [i for i, r in enumerate(records) if r["type"] == "event" and r["chain"] == chain]


def write(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


@pytest.fixture
def history(db: Any) -> dict[str, Any]:
    """Events on four days: day 0 (before the range), days 1-2 (the range), day 3 (after). Two cases'
    events interleave on days 1 and 2; payloads carry Chinese text and nested values."""
    case_a, case_b = make_case(CaseState.EARLY), make_case(CaseState.EARLY)  # their case.open: day "now"

    def add(day: int, case: CollectionCase | None, step: str) -> AuditEvent:
        with transaction.atomic():
            return audit_append(
                actor=SYSTEM,
                action=f"test.{step}",
                at=DAY + timedelta(days=day, minutes=len(step)),
                case=case,
                payload={"step": step, "note": "客户说：不是我", "amount": "12.50", "list": [1, {"x": None}]},
            )

    before = add(0, case_a, "before")
    in_range = [
        add(1, case_a, "a1"),
        add(1, case_b, "b1"),
        add(1, None, "system"),
        add(2, case_b, "b2"),
        add(2, case_a, "a2"),
        add(2, case_b, "b3"),
    ]
    after = add(3, case_a, "after")
    return {"a": case_a, "b": case_b, "before": before, "in_range": in_range, "after": after}


def export(tmp_path: Path, *extra: str, name: str = "export.jsonl") -> Path:
    out = tmp_path / name
    call_command(
        "export_audit",
        "--from",
        "2026-03-03",
        "--to",
        "2026-03-04",
        "--out",
        str(out),
        *extra,
        stdout=StringIO(),
    )
    return out


def test_untouched_export_checks_ok_with_the_anchor_before_the_range_and_the_end_record(
    history: Any, tmp_path: Path
) -> None:
    path = export(tmp_path)

    result = check(path)

    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("OK: 7 events on 3 chains")
    assert "6 in the requested range" in result.stdout
    records = lines(path)
    chains = sorted({e.chain for e in history["in_range"]})
    assert records[0]["type"] == "anchor" and records[0]["chains"] == chains
    # each chain is anchored at its event just before the range (case a's: the event of day 0)
    a = history["before"].chain
    anchors = {r["chain"]: (r["seq"], r["hash"]) for r in records if r["type"] == "chain"}
    assert anchors[a] == (history["before"].seq, history["before"].hash)
    for c in chains:
        first = min(e.seq for e in history["in_range"] if e.chain == c)
        before = AuditEvent.objects.filter(chain=c, seq=first - 1).values_list("hash", flat=True).first()
        assert anchors[c] == (first - 1, before or GENESIS_HASH)
    exported = [(e["chain"], e["seq"]) for e in in_range(records)]
    assert sorted(exported) == sorted((e.chain, e.seq) for e in history["in_range"])
    # the file runs on to the checkpoint sealed for the export: it names every chain's head, and on case a's
    # chain that is the event after the range
    checkpoint, end = records[-2], records[-1]
    assert checkpoint["type"] == "checkpoint"
    assert checkpoint["checkpoint"]["heads"][str(a)] == [history["after"].seq, history["after"].hash]
    assert end["count"] == 7 and end["unsealed"] == 0
    assert end["sealed_through"] == checkpoint["checkpoint"]["seq"]
    assert end["chains"][str(a)] == {
        "count": 3,
        "first_seq": history["before"].seq + 1,
        "last_seq": history["after"].seq,
        "last_hash": history["after"].hash,
        "range_last_seq": history["in_range"][4].seq,
    }


def test_each_exported_line_holds_every_hashed_field_and_rehashes_like_the_application(
    history: Any, tmp_path: Path
) -> None:
    events = {(r["chain"], r["seq"]): r for r in in_range(lines(export(tmp_path)))}

    assert len(events) == len(history["in_range"])
    for stored in history["in_range"]:
        record = events[(stored.chain, stored.seq)]
        fields = event_fields(
            seq=stored.seq,
            at=stored.at,
            actor=stored.actor,
            action=stored.action,
            case_id=stored.case_id,
            payload=stored.payload,
            chain=stored.chain,
        )
        assert {k: record[k] for k in fields} == fields
        assert record["hash"] == compute_hash(record["prev_hash"], fields) == stored.hash


def test_a_changed_event_is_detected_and_named(history: Any, tmp_path: Path) -> None:
    path = export(tmp_path)
    records = lines(path)
    changed = records[of_chain(records, history["before"].chain)[1]]
    changed["payload"]["amount"] = "1.00"
    write(path, records)

    result = check(path)

    assert result.returncode == 1
    assert f"event seq {changed['seq']} was changed" in result.stdout and "FAILED" in result.stdout


def test_a_changed_event_whose_hash_was_recomputed_breaks_the_next_link(history: Any, tmp_path: Path) -> None:
    path = export(tmp_path)
    records = lines(path)
    on_a = of_chain(records, history["before"].chain)
    forged, following = records[on_a[0]], records[on_a[1]]
    forged["actor"] = "user:1:someone-else"
    fields = {k: forged[k] for k in ("seq", "at", "actor", "action", "case", "payload")}
    forged["hash"] = compute_hash(forged["prev_hash"], {**fields, "chain": forged["chain"]})
    write(path, records)

    result = check(path)

    assert result.returncode == 1
    assert f"event seq {following['seq']} does not link to the event before it" in result.stdout


def test_a_removed_event_is_detected(history: Any, tmp_path: Path) -> None:
    path = export(tmp_path)
    records = lines(path)
    removed = records.pop(of_chain(records, history["before"].chain)[0])
    write(path, records)

    result = check(path)

    assert result.returncode == 1
    assert f"event seq {removed['seq']} is missing" in result.stdout


def test_a_removed_last_event_is_detected_by_the_checkpoint_that_names_it(
    history: Any, tmp_path: Path
) -> None:
    path = export(tmp_path)
    records = lines(path)
    assert records[-3]["type"] == "event"
    del records[-3]
    write(path, records)

    result = check(path)

    assert result.returncode == 1
    assert "events were removed from the end of the chain" in result.stdout


def test_a_removed_checkpoint_leaves_the_events_unsealed(history: Any, tmp_path: Path) -> None:
    path = export(tmp_path)
    records = [r for r in lines(path) if r["type"] != "checkpoint"]
    write(path, records)

    result = check(path)

    assert result.returncode == 1
    assert "not covered by any signed checkpoint" in result.stdout
    assert check(path, "--allow-unsealed").returncode == 0


def test_reordered_events_are_detected(history: Any, tmp_path: Path) -> None:
    path = export(tmp_path)
    records = lines(path)
    first, second = of_chain(records, history["before"].chain)[:2]
    records[first], records[second] = records[second], records[first]
    write(path, records)

    result = check(path)

    assert result.returncode == 1
    assert "reordered" in result.stdout


def test_a_truncated_file_is_detected(history: Any, tmp_path: Path) -> None:
    path = export(tmp_path)
    write(path, lines(path)[:-1])

    result = check(path)

    assert result.returncode == 1
    assert "truncated" in result.stdout


def test_an_export_from_the_start_of_the_chain_is_anchored_at_64_zeros(history: Any, tmp_path: Path) -> None:
    out = tmp_path / "all.jsonl"
    first = AuditEvent.objects.order_by("at").first()
    assert first is not None
    start = min(first.at, DAY).date().isoformat()
    call_command("export_audit", "--from", start, "--to", "2030-01-01", "--out", str(out), stdout=StringIO())

    anchors = [r for r in lines(out) if r["type"] == "chain"]

    assert len(anchors) == 3
    assert all((anchor["seq"], anchor["hash"]) == (0, GENESIS_HASH) for anchor in anchors)
    assert check(out).returncode == 0


def test_a_case_export_holds_the_cases_span_with_the_others_needed_to_verify_and_marks_the_cases_own(
    history: Any, tmp_path: Path
) -> None:
    case_b = history["b"]
    path = export(tmp_path, "--case", str(case_b.pk))

    result = check(path)

    records = lines(path)
    events = in_range(records)
    assert result.returncode == 0, result.stdout
    # b1, b2, b3: the span between the case's first and last event in the range, on the case's own chain
    # (the other case and the system event are on other chains, so not needed to verify it)
    b = [e for e in history["in_range"] if e.case_id == case_b.pk]
    assert [(e["chain"], e["seq"]) for e in events] == [(x.chain, x.seq) for x in b]
    assert [e["in_case"] for e in events] == [True, True, True]
    assert records[0]["chains"] == [b[0].chain] and records[0]["case"] == case_b.pk
    assert "3 of them marked in_case" in result.stdout


def test_every_export_is_audited_with_its_span_and_is_not_inside_itself(history: Any, tmp_path: Path) -> None:
    path = export(tmp_path)

    event = AuditEvent.objects.get(action="compliance.export")
    assert event.actor == "system:export_audit"
    assert event.payload["export"] == "audit_jsonl"
    assert (event.payload["from"], event.payload["to"], event.payload["case"]) == (
        "2026-03-03",
        "2026-03-04",
        None,
    )
    end = lines(path)[-1]
    assert {c: v["last_hash"] for c, v in event.payload["chains"].items()} == {
        c: v["last_hash"] for c, v in end["chains"].items()
    }
    assert "manage.py export_audit" in event.payload["via"]
    assert (event.chain, event.seq) not in [(r.get("chain"), r.get("seq")) for r in lines(path)[1:-1]]


def test_export_refuses_a_range_that_ends_before_it_starts_and_an_unknown_case(
    tmp_path: Path, db: Any
) -> None:
    out = str(tmp_path / "x.jsonl")
    with pytest.raises(CommandError, match="start date is after the end date"):
        call_command("export_audit", "--from", "2026-03-05", "--to", "2026-03-01", "--out", out)
    with pytest.raises(CommandError, match="no case 424242"):
        call_command(
            "export_audit", "--from", "2026-03-01", "--to", "2026-03-05", "--case", "424242", "--out", out
        )
    assert not AuditEvent.objects.filter(action="compliance.export").exists()


def test_workspace_download_is_the_same_verifiable_file_and_names_the_officer(
    history: Any, tmp_path: Path, client_for: Any, compliance: User
) -> None:
    response = client_for(compliance).post(
        reverse("compliance:evidence-export"), {"date_from": "2026-03-03", "date_to": "2026-03-04"}
    )

    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == 'attachment; filename="audit-export_2026-03-03_2026-03-04.jsonl"'
    )
    path = tmp_path / "download.jsonl"
    path.write_bytes(b"".join(response.streaming_content))
    assert check(path).returncode == 0
    assert lines(path)[0]["exported_by"] == f"user:{compliance.pk}:compliance"
    assert AuditEvent.objects.get(action="compliance.export").actor == f"user:{compliance.pk}:compliance"


def test_workspace_export_form_shows_errors_and_exports_nothing(client_for: Any, compliance: User) -> None:
    response = client_for(compliance).post(
        reverse("compliance:evidence-export"),
        {"date_from": "2026-03-05", "date_to": "2026-03-01", "case": "999"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "The start date is after the end date." in html and "There is no case 999." in html
    assert not AuditEvent.objects.filter(action="compliance.export").exists()
