"""API fuzzing (issue 11): schemathesis against the live server's ``/api/schema/``, as two roles, with a
fixed seed, failing on any 5xx or any response that does not match the schema.

Runs in the PostgreSQL pass (marked integration). The CLI runs in a subprocess against pytest-django's
live server, so the requests go through the whole stack (middleware, throttles, parsers). Ids in paths
are mostly unknown (404s are documented answers); a few real rows make some of them hit.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rest_framework.authtoken.models import Token

from accounts.models import Role
from debt_collections import services
from tests.factories import SYSTEM, AgencyFactory, PhoneFactory, UserFactory, make_case

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SEED = 20261204
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "20"))
ST = Path(sys.executable).with_name("schemathesis")


def _world() -> dict[str, str]:
    agency = AgencyFactory.create(name="Fuzz Recoveries")
    for _ in range(3):
        case = make_case()
        PhoneFactory.create(customer=case.customer)
        services.case_place_with_agency(case_id=case.pk, actor=SYSTEM, agency=agency)
    tokens = {}
    for role in (Role.AGENT, Role.SUPERVISOR, Role.COMPLIANCE):
        user = UserFactory.create(username=f"fuzz-{role}", roles=[role])
        tokens[str(role)] = Token.objects.create(user=user).key
    return tokens


def _run(live_server: Any, token: str, report: Path) -> tuple[int, str, int]:
    command = [
        str(ST),
        "run",
        f"{live_server.url}/api/schema/",
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--header",
        f"Authorization: Token {token}",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        "--phases",
        "examples,fuzzing",
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
        "--no-color",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
    xml = report.read_text() if report.exists() else ""
    cases = sum(int(n) for n in re.findall(r'<testsuite[^>]* tests="(\d+)"', xml)[:1]) if xml else 0
    summary = re.search(r"Test cases:\s*(\d+)\s+generated", done.stdout)
    generated = int(summary.group(1)) if summary else cases
    return done.returncode, done.stdout[-6000:] + done.stderr[-2000:], generated


def test_the_api_answers_no_5xx_and_only_documented_shapes_for_two_roles(
    live_server: Any, settings: Any, tmp_path: Path
) -> None:
    settings.TOKEN_RATE = "100000/min"
    tokens = _world()

    total = 0
    failures = []
    for role in ("agent", "supervisor"):
        code, output, generated = _run(live_server, tokens[role], tmp_path / f"{role}.xml")
        total += generated
        if code != 0:
            failures.append(f"--- as {role} (exit {code}):\n{output}")

    assert not failures, "\n".join(failures)
    assert total >= 1000, f"only {total} test cases were generated"
