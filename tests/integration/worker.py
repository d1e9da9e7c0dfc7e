"""Helpers for integration tests that run real Celery worker processes (DESIGN §6, §12).

* ``CeleryWorker``: ``celery -A config worker -P solo`` in a subprocess, configured only through its
  environment (the test database, a broker URL, the file SMS backend), consuming one queue.
* ``RedisServer``: a private ``redis-server`` on a free port that a test may stop and start again.
* ``Harness``: what one test started (workers, redis servers, the test process's broker settings),
  undone in reverse order however the test ends; the subprocess logs are printed on the way out, so
  pytest shows them with a failing test.

Synchronisation is always a bounded poll (``wait_for``), never a bare sleep.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import redis
from celery import Celery
from kombu import pools

BASE_DIR = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 30.0  # a worker (Django + Celery import, broker connection) answers a ping within this
STOP_TIMEOUT = 10.0  # SIGTERM is a warm shutdown; after this the process is killed

T = TypeVar("T")


def wait_for(check: Callable[[], T], *, timeout: float, what: str,
             details: Callable[[], str] | None = None, interval: float = 0.1) -> T:
    """Poll ``check`` until it returns something truthy (returned); fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            extra = f"\n{details()}" if details is not None else ""
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}{extra}", pytrace=False)
        time.sleep(interval)


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes", "on"}


def redis_server_binary() -> str:
    """The ``redis-server`` executable; skip without it (FAIL when services are required)."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "needs the redis-server binary on PATH (a private broker the test can stop and restart)"
        if services_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return binary


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def database_url(settings_dict: Mapping[str, Any]) -> str:
    """A ``postgres://`` URL for the database described by a Django ``settings_dict`` (the test DB)."""
    user = quote(str(settings_dict.get("USER") or ""), safe="")
    password = str(settings_dict.get("PASSWORD") or "")
    auth = user + (f":{quote(password, safe='')}" if password else "")
    host = quote(str(settings_dict.get("HOST") or "localhost"), safe="")
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{quote(str(settings_dict['NAME']), safe='')}"


# Zones for every UTC offset from -11 to +14 (China first), so one is always in the middle of its day.
_ZONES = (
    "Asia/Shanghai", "Asia/Tokyo", "Australia/Brisbane", "Pacific/Noumea", "Pacific/Auckland",
    "Pacific/Kiritimati", "Pacific/Pago_Pago", "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles",
    "America/Denver", "America/Chicago", "America/New_York", "America/Halifax", "America/Sao_Paulo",
    "Atlantic/South_Georgia", "Atlantic/Azores", "Europe/London", "Europe/Paris", "Europe/Athens",
    "Europe/Moscow", "Asia/Dubai", "Asia/Karachi", "Asia/Dhaka", "Asia/Bangkok",
)


def daytime_zone(now: datetime) -> str:
    """The first zone whose local hour at ``now`` is 10–19: well inside the 08:00–21:00 contact window,
    so the gate a worker re-checks with the real clock a few seconds later still allows the notice."""
    for name in _ZONES:
        if 10 <= now.astimezone(ZoneInfo(name)).hour <= 19:
            return name
    raise AssertionError(f"no zone in the list is in its daytime at {now.isoformat()}")


def provider_reference(idempotency_key: str) -> str:
    """What ``notifications.channels.FileSmsBackend`` returns for a key."""
    return "file-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]


def provider_calls(sms_dir: Path) -> Counter[str]:
    """Provider calls per idempotency key: ``FileSmsBackend`` appends one ``key<TAB>to`` line per call."""
    log = sms_dir / "calls.log"
    if not log.exists():
        return Counter()
    return Counter(line.split("\t", 1)[0] for line in log.read_text(encoding="utf-8").splitlines() if line)


def _stop_process(proc: subprocess.Popen[bytes], *, signalled: bool = False) -> None:
    """SIGTERM (unless already sent), wait, then SIGKILL if it is still there."""
    if proc.poll() is None:
        if not signalled:
            proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)


class _Stoppable(Protocol):
    proc: subprocess.Popen[bytes] | None

    def stop(self, *, signalled: bool = False) -> None: ...


def _stop_all(items: Sequence[_Stoppable]) -> None:
    """SIGTERM to all first (their shutdowns overlap), then wait for (or kill) each, newest first."""
    for item in items:
        if item.proc is not None and item.proc.poll() is None:
            item.proc.terminate()
    for item in reversed(items):
        item.stop(signalled=True)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else "(no log)"


class RedisServer:
    """A private redis-server on a fixed port, without persistence: stopping it loses its messages."""

    def __init__(self, *, port: int, workdir: Path) -> None:
        self.port = port
        self.workdir = workdir
        self.log_path = workdir / f"redis-{port}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        assert self.proc is None or self.proc.poll() is not None, "redis-server is already running"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(  # noqa: S603 - a fixed argument list, no shell
            [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(self.workdir)],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
        )
        wait_for(self._answers, timeout=10, what=f"redis-server on port {self.port}", details=self.log)
        return self

    def _answers(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            pytest.fail(f"redis-server exited with {self.proc.returncode}:\n{self.log()}", pytrace=False)
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.exceptions.ConnectionError:
            return False
        finally:
            client.close()

    def stop(self, *, signalled: bool = False) -> None:
        if self.proc is not None:
            _stop_process(self.proc, signalled=signalled)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log(self) -> str:
        return f"--- redis-server :{self.port} ---\n{_read(self.log_path)}"


class CeleryWorker:
    """``celery -A config worker`` (``-P solo``, or prefork with ``processes``) consuming one queue,
    configured through its environment."""

    def __init__(self, *, name: str, broker_url: str, queue: str, database_url: str, sms_dir: Path,
                 log_path: Path, extra_env: Mapping[str, str] | None = None, processes: int = 0) -> None:
        self.nodename = f"{name}@integration"
        self.processes = processes  # 0: ``-P solo``; n: ``-P prefork -c n`` (as production runs it)
        self.broker_url = broker_url
        self.queue = queue
        self.log_path = log_path
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "NOTICE_SMS_BACKEND": "notifications.channels.FileSmsBackend",
            "NOTICE_SMS_DIR": str(sms_dir),
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def command(self) -> list[str]:
        pool = ["-P", "prefork", "-c", str(self.processes)] if self.processes else ["-P", "solo"]
        return [sys.executable, "-m", "celery", "-A", "config", "worker", *pool, "--without-gossip",
                "--without-mingle", "--without-heartbeat", "-Q", self.queue, "-n", self.nodename,
                "--loglevel=INFO"]

    def start(self) -> CeleryWorker:
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(  # noqa: S603 - a fixed argument list, no shell
            self.command, cwd=BASE_DIR, env=self.env,
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
        )
        return self

    def wait_ready(self, app: Celery, *, timeout: float = READY_TIMEOUT) -> None:
        """Until the worker answers a ping through the broker the test process is using."""
        wait_for(lambda: self._answers(app), timeout=timeout, what=f"worker {self.nodename} to answer a ping",
                 details=self.log)

    def _answers(self, app: Celery) -> bool:
        assert self.proc is not None, "the worker was not started"
        if self.proc.poll() is not None:
            pytest.fail(f"worker {self.nodename} exited with {self.proc.returncode}:\n{self.log()}",
                        pytrace=False)
        try:
            replies = app.control.ping(destination=[self.nodename], timeout=0.5)
        except Exception:  # broker (re)starting: the ping is simply not answered yet
            return False
        return any(self.nodename in reply for reply in replies or [])

    def task_results(self, task_name: str) -> dict[str, str]:
        """``task id → repr of the return value`` for every run of ``task_name`` this worker finished."""
        pattern = re.compile(rf"Task {re.escape(task_name)}\[([0-9a-f-]+)\] succeeded in [0-9.e-]+s: (.*)$",
                             re.MULTILINE)
        return dict(pattern.findall(_read(self.log_path)))

    def stop(self, *, signalled: bool = False) -> None:
        if self.proc is not None:
            _stop_process(self.proc, signalled=signalled)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log(self) -> str:
        return f"--- worker {self.nodename} ({' '.join(self.command[2:])}) ---\n{_read(self.log_path)}"


_SWITCHED = ("broker_url", "task_always_eager", "task_default_queue")  # what ``use_broker`` changes


def _drop_broker_connections(app: Celery) -> None:
    """Forget the connection and producer pools, so the next publish connects to ``conf.broker_url``."""
    pools.reset()
    vars(app)["_pool"] = None
    vars(app.amqp)["_producer_pool"] = None


class Harness:
    """Everything one test started, undone in reverse order by ``close``."""

    def __init__(self, *, app: Celery, workdir: Path, database_url: str) -> None:
        self.app = app
        self.workdir = workdir
        self.database_url = database_url
        self.token = uuid.uuid4().hex[:12]  # names this run's queues and workers on a shared broker
        self.sms_dir = workdir / "sms"
        self.workers: list[CeleryWorker] = []
        self.redis_servers: list[RedisServer] = []
        self._saved_conf: dict[str, Any] | None = None
        self._shared_broker: str | None = None

    # --- the broker --------------------------------------------------------------------------
    def queue_name(self, purpose: str) -> str:
        return f"it-{purpose}-{self.token}"

    def start_redis(self) -> RedisServer:
        server = RedisServer(port=free_port(), workdir=self.workdir / "redis")
        self.redis_servers.append(server)
        return server.start()

    def shared_broker_url(self) -> str:
        """``REDIS_URL`` (CI's Redis); without it, a private redis-server."""
        url = os.environ.get("REDIS_URL", "")
        if url:
            self._shared_broker = url
            return url
        return self.start_redis().url

    def use_broker(self, url: str, *, queue: str) -> None:
        """Point the test process's Celery app at ``url``, publishing to ``queue``, never eagerly."""
        conf = self.app.conf
        if self._saved_conf is None:
            self._saved_conf = {key: conf[key] for key in _SWITCHED}
        _drop_broker_connections(self.app)
        conf.update(broker_url=url, task_always_eager=False, task_default_queue=queue)

    # --- workers -----------------------------------------------------------------------------
    def start_worker(self, *, broker_url: str, queue: str, name: str = "worker",
                     extra_env: Mapping[str, str] | None = None, processes: int = 0) -> CeleryWorker:
        self.sms_dir.mkdir(parents=True, exist_ok=True)
        node = f"{name}-{self.token}"
        worker = CeleryWorker(name=node, broker_url=broker_url, queue=queue, database_url=self.database_url,
                              sms_dir=self.sms_dir, log_path=self.workdir / f"{node}.log",
                              extra_env=extra_env, processes=processes)
        self.workers.append(worker)
        return worker.start()

    def provider_calls(self) -> Counter[str]:
        return provider_calls(self.sms_dir)

    def logs(self) -> str:
        return "\n".join([w.log() for w in self.workers] + [r.log() for r in self.redis_servers])

    # --- teardown ----------------------------------------------------------------------------
    def close(self) -> None:
        """Stop workers, then redis servers; restore the app; tidy this run's keys on a shared Redis."""
        try:
            _stop_all(self.workers)
            _stop_all(self.redis_servers)
        finally:
            if self._saved_conf is not None:
                _drop_broker_connections(self.app)
                self.app.conf.update(self._saved_conf)
            if self._shared_broker is not None and self.workers:
                with contextlib.suppress(redis.exceptions.RedisError):
                    self._forget_keys(self._shared_broker)
            print(self.logs())  # noqa: T201 - captured; pytest shows it when the test fails

    def _forget_keys(self, url: str) -> None:
        """Delete this run's queues and pidbox bindings, so a shared Redis does not collect dead ones."""
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            for key in list(client.scan_iter(match=f"*{self.token}*")):
                client.delete(key)
            for binding in list(client.scan_iter(match="_kombu.binding.*")):
                stale = [m for m in client.smembers(binding) if self.token.encode() in m]
                if stale:
                    client.srem(binding, *stale)
        finally:
            client.close()
