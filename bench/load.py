"""A small load generator for ``bench/run.py --pages``: gunicorn on loopback, simulated clients in threads.

Each client sends a request, waits for the answer, thinks (1 s for customers), and goes again, until the
scenario's request budget is spent; p50/p95/p99 and throughput are printed. Loopback only, a bounded
number of requests, no dependency beyond the standard library: the point is the server's latency under
concurrent clients, not a load-testing framework's features.

Gunicorn runs as configured for production: ``config/gunicorn.conf.py`` when it exists, else 5 sync
workers. Sessions (a verified customer, a logged-in supervisor) are made in-process with Django's test
client in the same database and their cookies handed to the clients.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    latencies: list[float]
    errors: int
    seconds: float

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] * 1000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(port: int) -> subprocess.Popen[bytes]:
    conf = ROOT / "config" / "gunicorn.conf.py"
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-b", f"127.0.0.1:{port}"]
    command += ["-c", str(conf)] if conf.exists() else ["-w", "5"]
    log = (Path(tempfile.mkdtemp(prefix="bench-gunicorn-")) / "gunicorn.log").open("wb")
    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/admin/login/")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def run_clients(
    *, port: int, paths: list[str], cookies: list[str], clients: int, requests: int, think: float
) -> Result:
    """``clients`` threads, each on its own path and cookie (round-robin), ``requests`` in all."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    budget = [requests]

    def client(index: int) -> None:
        nonlocal errors
        path, cookie = paths[index % len(paths)], cookies[index % len(cookies)]
        while True:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                conn.close()
            except OSError:
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors += 1
            if think:
                time.sleep(think)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Result(latencies, errors, time.perf_counter() - started)


def _sessions(count: int) -> tuple[list[str], list[str], list[str], str]:
    """Customer page paths, the verified customers' cookies, staff case pages, a supervisor's cookie."""
    from django.contrib.auth.models import Group
    from django.test import Client

    from accounts.models import User
    from debt_collections.kernel.audit import Actor
    from debt_collections.models import CollectionCase
    from debt_collections.services import link_create

    working = CollectionCase.objects.filter(state__in=["early", "active"]).order_by("pk")
    cases = list(working.values_list("pk", flat=True)[:count])
    paths, cookies = [], []
    for case_id in cases:
        _link, url = link_create(case_id=case_id, contact_point_id=None, actor=Actor.system("bench"))
        path = "/" + url.split("://", 1)[-1].split("/", 1)[1]
        client = Client()
        client.get(path)
        client.post(path + "verify/", {"national_id_last4": "1234", "date_of_birth": "1985-01-01"})
        paths.append(path)
        cookies.append("; ".join(f"{k}={v.value}" for k, v in client.cookies.items()))
    user, _ = User.objects.get_or_create(username="bench-supervisor", defaults={"is_staff": True})
    user.groups.add(Group.objects.get_or_create(name="supervisor")[0])
    staff = Client()
    staff.force_login(user)
    staff_cookie = "; ".join(f"{k}={v.value}" for k, v in staff.cookies.items())
    case_pages = [f"/admin/collections/collectioncase/{pk}/change/" for pk in cases[:10]]
    return paths, cookies, case_pages, staff_cookie


def run_all(
    *,
    row: Callable[..., Any],
    customers: int = 50,
    staff: int = 10,
    requests: int = 500,
    staff_requests: int = 200,
) -> None:
    """The customer page before and after verification (``customers`` clients, 1 s think time) and the
    staff case list and case page (``staff`` clients, no think time), ``requests`` each."""
    paths, cookies, case_pages, staff_cookie = _sessions(customers)
    port = _free_port()
    server = start_gunicorn(port)
    try:
        scenarios: tuple[tuple[str, dict[str, Any], str], ...] = (
            (
                f"customer page before verification ({customers} clients, 1 s think)",
                {"paths": paths, "cookies": [""], "clients": customers, "think": 1.0},
                "p99 < 100 ms",
            ),
            (
                f"customer page after verification ({customers} clients, 1 s think)",
                {"paths": paths, "cookies": cookies, "clients": customers, "think": 1.0},
                "p99 < 100 ms",
            ),
            (
                f"staff API case list ({staff} clients, no think)",
                {"paths": ["/api/v1/cases/"], "cookies": [staff_cookie], "clients": staff, "think": 0.0},
                "p99 < 200 ms",
            ),
            (
                f"admin case list ({staff} clients, no think)",
                {
                    "paths": ["/admin/collections/collectioncase/"],
                    "cookies": [staff_cookie],
                    "clients": staff,
                    "think": 0.0,
                },
                "p99 < 200 ms",
            ),
            (
                f"admin case page ({staff} clients, no think)",
                {"paths": case_pages, "cookies": [staff_cookie], "clients": staff, "think": 0.0},
                "p99 < 200 ms",
            ),
        )
        for label, kwargs, target in scenarios:
            budget = requests if "think" in kwargs and kwargs["think"] else staff_requests
            result = run_clients(port=port, requests=budget, **kwargs)
            row(
                label,
                f"p50 {result.pct(50):.0f} ms, p95 {result.pct(95):.0f} ms, p99 {result.pct(99):.0f} ms, "
                f"{len(result.latencies) / result.seconds:.0f} req/s, {result.errors} errors "
                f"(mean {statistics.fmean(result.latencies or [0]) * 1000:.0f} ms)",
                target,
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
