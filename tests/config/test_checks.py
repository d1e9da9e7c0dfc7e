"""Project system checks (config.checks): refuse a deployment that is misconfigured before it serves."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.checks import Error, run_checks
from django.test import override_settings

from config.checks import check_secret_key_is_not_dev, check_time_zone_is_utc

PRODUCTION_KEY = "x9-production-key-from-the-environment-not-the-repository-0123456789abcdef"


def _config_errors() -> list[str]:
    """The ids of project (config.*) messages the full check run reports."""
    return sorted(m.id for m in run_checks() if m.id and m.id.startswith("config."))


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/London", "America/New_York"])
def test_a_time_zone_other_than_utc_is_refused(zone: str) -> None:
    with override_settings(TIME_ZONE=zone):
        errors = check_time_zone_is_utc(None)
        assert "config.E001" in _config_errors()

    assert [e.id for e in errors] == ["config.E001"]
    assert isinstance(errors[0], Error)


def test_utc_with_use_tz_off_is_refused() -> None:
    with override_settings(TIME_ZONE="UTC", USE_TZ=False):
        assert [e.id for e in check_time_zone_is_utc(None)] == ["config.E001"]


def test_the_development_secret_key_is_refused_when_debug_is_off() -> None:
    with override_settings(DEBUG=False, SECRET_KEY=settings.DEV_SECRET_KEY):
        errors = check_secret_key_is_not_dev(None)
        assert "config.E002" in _config_errors()

    assert [e.id for e in errors] == ["config.E002"]
    assert isinstance(errors[0], Error)


def test_the_development_secret_key_is_accepted_while_debug_is_on() -> None:
    # the embedded `make run` defaults: DEBUG on, the public development key
    with override_settings(DEBUG=True, SECRET_KEY=settings.DEV_SECRET_KEY):
        assert check_secret_key_is_not_dev(None) == []


def test_the_shipped_defaults_pass_every_project_check() -> None:
    # the settings module's own defaults: UTC, USE_TZ, DEBUG on with the development key
    # (pytest-django turns DEBUG off for the run, so restore the module default here)
    assert settings.TIME_ZONE == "UTC"
    assert settings.USE_TZ is True
    with override_settings(DEBUG=True):
        assert _config_errors() == []


def test_a_production_configuration_passes_every_project_check() -> None:
    with override_settings(DEBUG=False, SECRET_KEY=PRODUCTION_KEY, TIME_ZONE="UTC"):
        assert _config_errors() == []


def test_production_settings_refuse_to_load_with_the_development_key() -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env.update({"DJANGO_DEBUG": "false", "DJANGO_SETTINGS_MODULE": "config.settings"})
    result = subprocess.run(  # noqa: S603  (our own interpreter, a fixed snippet)
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr

    env["DJANGO_SECRET_KEY"] = "a-long-random-production-key-for-this-test-only-0123456789"
    ok = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr


@pytest.mark.parametrize("queue", ["", "notices"])
def test_notices_are_sent_from_their_own_queue_when_one_is_named(queue: str) -> None:
    import os
    import subprocess
    import sys

    snippet = (
        "import django; django.setup()\n"
        "from config.celery import app\n"
        "route = lambda name: (app.amqp.router.route({}, name).get('queue') or app.amqp.default_queue).name\n"
        "print(route('notifications.send_notice_batch'), route('notifications.send_notice'),"
        " route('debt_collections.run_cycle_chunk'))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "NOTICE_SEND_QUEUE": queue}
    result = subprocess.run(  # noqa: S603  (our own interpreter, a fixed snippet)
        [sys.executable, "-c", snippet], env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    sends = queue or "celery"
    assert result.stdout.split() == [sends, sends, "celery"]
