"""Production serving: the settings DEBUG off selects, and the gunicorn configuration file."""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
GUNICORN_CONF = BASE_DIR / "config" / "gunicorn.conf.py"


def production_settings(**extra: str) -> dict[str, Any]:
    """The values the settings module gives with DJANGO_DEBUG=false (a fresh interpreter)."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({'storage': settings.STORAGES['staticfiles']['BACKEND'], "
        "'log_format': settings.LOG_FORMAT, 'ssl_redirect': settings.SECURE_SSL_REDIRECT, "
        "'static_root': str(settings.STATIC_ROOT), 'middleware': settings.MIDDLEWARE, "
        "'exempt': settings.SECURE_REDIRECT_EXEMPT}))"
    )
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "LOG_FORMAT")},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "test-" + "x" * 50,
        **extra,
    }
    result = subprocess.run(  # noqa: S603 - a fixed argument list
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_production_serves_hashed_compressed_static_files_and_logs_json(tmp_path: Path) -> None:
    values = production_settings(APP_VAR_DIR=str(tmp_path))
    assert values["storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert values["static_root"] == str(tmp_path / "static")
    assert values["log_format"] == "json"
    assert values["ssl_redirect"] is True
    assert {r"^healthz$", r"^readyz$", r"^metrics$"} <= set(values["exempt"])
    middleware = values["middleware"]
    # Static files are answered before any session or authentication work.
    whitenoise = middleware.index("whitenoise.middleware.WhiteNoiseMiddleware")
    assert middleware.index("django.middleware.security.SecurityMiddleware") < whitenoise
    assert whitenoise < middleware.index("django.contrib.sessions.middleware.SessionMiddleware")


def test_plain_http_on_loopback_is_an_explicit_setting(tmp_path: Path) -> None:
    values = production_settings(APP_VAR_DIR=str(tmp_path), DJANGO_SECURE_SSL_REDIRECT="false")
    assert values["ssl_redirect"] is False


def test_the_test_suite_keeps_plain_static_storage(settings: Any) -> None:
    # The browser tests' live server serves the apps' static folders; nothing is collected for them.
    assert (
        settings.STORAGES["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    )


@pytest.fixture
def gunicorn_conf(tmp_path: Path) -> dict[str, Any]:
    env = {"APP_VAR_DIR": str(tmp_path), "DJANGO_DEBUG": "false"}
    with mock.patch.dict(os.environ, env), mock.patch("multiprocessing.cpu_count", return_value=2):
        os.environ.pop("WEB_CONCURRENCY", None)
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        return runpy.run_path(str(GUNICORN_CONF))


def test_gunicorn_workers_follow_the_cpu_count_with_timeouts(gunicorn_conf: dict[str, Any]) -> None:
    assert gunicorn_conf["workers"] == 5  # 2 × CPUs + 1
    assert gunicorn_conf["timeout"] == 30 and gunicorn_conf["graceful_timeout"] == 30
    assert gunicorn_conf["bind"] == "127.0.0.1:8000"


def test_the_access_log_has_no_query_string_and_no_client_address(gunicorn_conf: dict[str, Any]) -> None:
    fmt = gunicorn_conf["access_log_format"]
    for atom in ("%(q)s", "%(r)s", "%(h)s", "%(a)s"):
        assert atom not in fmt
    assert '"path": "%(U)s"' in fmt and "%({x-request-id}o)s" in fmt
    assert gunicorn_conf["logconfig_dict"]["loggers"]["gunicorn.access"]["propagate"] is False


def test_the_access_log_redacts_link_tokens(gunicorn_conf: dict[str, Any]) -> None:
    logger_class = gunicorn_conf["RedactingLogger"]
    atoms = {"U": "/n/3c86:1xUv:ffIL/verify/", "r": "GET /o/abc:def/?x=1 HTTP/1.1", "q": "x=1"}
    with mock.patch("gunicorn.glogging.Logger.atoms", return_value=dict(atoms)):
        redacted = logger_class.atoms(object.__new__(logger_class), None, None, None, None)
    assert redacted["U"] == "/n/<token>/verify/"
    assert redacted["r"].startswith("GET /o/<token>/")
    assert redacted["q"] == ""


def test_request_metrics_of_all_workers_go_to_one_fresh_directory(
    gunicorn_conf: dict[str, Any], tmp_path: Path
) -> None:
    directory = Path(gunicorn_conf["_metrics_dir"])
    assert tmp_path in directory.parents  # under var/ (APP_VAR_DIR), one per server start
    (directory / "stale.db").parent.mkdir(parents=True, exist_ok=True)
    (directory / "stale.db").write_text("a dead server's counts")
    gunicorn_conf["on_starting"](None)
    assert directory.is_dir() and not (directory / "stale.db").exists()
    gunicorn_conf["on_exit"](None)
    assert not directory.exists()
