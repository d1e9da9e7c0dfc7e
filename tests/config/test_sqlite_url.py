"""SQLite given by DATABASE_URL keeps the embedded default's IMMEDIATE mode and busy timeout (issue 12)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code: list[str], database_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "APP_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)  # Celery stays in-process in the child
    return subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, *code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_sqlite_by_url_has_immediate_mode_and_a_timeout(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'by-url.sqlite3'}"
    probe = "import json; from config import settings; print(json.dumps(settings.DATABASES['default']))"
    result = _run(["-c", probe], url, tmp_path)
    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout)["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5


def test_twenty_parallel_transitions_on_sqlite_by_url_give_one_200_and_nineteen_409(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'parallel.sqlite3'}"
    result = _run([str(ROOT / "tests" / "config" / "sqlite_url_worker.py")], url, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["options"]["transaction_mode"] == "IMMEDIATE"
    assert Counter(report["codes"]) == Counter({200: 1, 409: 19}), result.stderr[-3000:]
