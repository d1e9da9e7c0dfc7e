"""A small load generator for ``bench/run.py --pages``: gunicorn on loopback, simulated clients in threads.

Each client sends a request, waits for the answer, thinks (1 s for customers), and goes again, until the
scenario's request budget is spent; p50/p95/p99 and throughput are printed. Loopback only, a bounded
number of requests, no dependency beyond the standard library: the point is the server's latency under
concurrent clients, not a load-testing framework's features.

Gunicorn runs as configured for production: ``config/gunicorn.conf.py`` when it exists, else 5 sync
workers. Sessions (a verified customer, a logged-in supervisor) are made in-process with Django's test
client in the same database and their cookies handed to the clients.

Each simulated customer comes from its own address (``X-Forwarded-For`` through one trusted proxy, as in
production behind the TLS proxy): the per-address limits of the customer pages (60 views a minute) are
meant for one person, and 50 customers from one address would be answered 429. Any answer other than
200 is an error: the row then says FAILED with the statuses and the first error body, and ``run_all``
returns the failed scenarios so that ``bench/run.py`` exits non-zero instead of printing ``nan``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME_bench REDIS_URL=redis://127.0.0.1:6379/N \
        .venv/bin/python bench/load.py          # only the pages, on a database bench/run.py built
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
from collections import Counter
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
    statuses: Counter[int]
    first_error: str

    def summary(self) -> str:
        if not self.latencies:
            return f"FAILED: no request answered 200 ({self.describe_errors()})"
        text = (
            f"p50 {self.pct(50):.0f} ms, p95 {self.pct(95):.0f} ms, p99 {self.pct(99):.0f} ms, "
            f"{len(self.latencies) / self.seconds:.0f} req/s "
            f"(mean {statistics.fmean(self.latencies) * 1000:.0f} ms)"
        )
        return text + (f", FAILED: {self.describe_errors()}" if self.errors else ", 0 errors")

    def describe_errors(self) -> str:
        codes = ", ".join(
            f"{n} × {'no answer' if code == 0 else code}" for code, n in sorted(self.statuses.items())
        )
        return f"{self.errors} errors: {codes}; first: {self.first_error[:200]}"

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
    log_path = Path(tempfile.mkdtemp(prefix="bench-gunicorn-")) / "gunicorn.log"
    log = log_path.open("wb")
    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    proc.log_path = log_path  # type: ignore[attr-defined]  # for the failure message
    # Workers import the whole app before their first answer: on a loaded 2-core machine that took
    # more than a minute.
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"gunicorn did not answer within 240 s (its log: {log_path})")


WARM_UP_PER_PATH = 2


def client_address(index: int) -> str:
    """Simulated client ``index``'s own address (loopback range: it is only a header value)."""
    return f"127.0.{1 + index // 250}.{1 + index % 250}"


def run_clients(
    *,
    port: int,
    paths: list[str],
    cookies: list[str],
    clients: int,
    requests: int,
    think: float,
    rotate: bool = False,
) -> Result:
    """``clients`` threads, each on its own path, cookie (round-robin) and address, ``requests`` in all;
    with ``rotate`` each client goes through the paths in turn, starting at its own."""
    latencies: list[float] = []
    errors = 0
    statuses: Counter[int] = Counter()
    first_error = [""]
    lock = threading.Lock()
    budget = [requests]

    def client(index: int) -> None:
        nonlocal errors
        path, cookie = paths[index % len(paths)], cookies[index % len(cookies)]
        headers = {"X-Forwarded-For": client_address(index)}
        if cookie:
            headers["Cookie"] = cookie
        if think:
            # Customers arrive spread over a think time, not all in the same millisecond (a burst of 50
            # first requests measured the queue in front of 5 workers, not the page).
            time.sleep(think * index / max(clients, 1))
        while True:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            if rotate:
                path = paths[(paths.index(path) + 1) % len(paths)]
            started = time.perf_counter()
            status, body = 0, b""
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                status = response.status
                conn.close()
            except OSError as exc:
                body = repr(exc).encode()
            elapsed = time.perf_counter() - started
            with lock:
                if status == 200:
                    latencies.append(elapsed)
                else:
                    errors += 1
                    statuses[status] += 1
                    if not first_error[0]:
                        text = body.decode(errors="replace").replace("\n", " ")
                        first_error[0] = f"{status} on {path.split('/')[1]}/…: {' '.join(text.split())}"
            if think:
                time.sleep(think)

    # Warm-up, untimed: each path once per gunicorn worker (templates compiled, connections opened, as in a
    # server that has been up for a while).
    for index, path in enumerate(paths[:clients]):
        for _ in range(WARM_UP_PER_PATH):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                headers = {"X-Forwarded-For": client_address(index)}
                if cookies[index % len(cookies)]:
                    headers["Cookie"] = cookies[index % len(cookies)]
                conn.request("GET", path, headers=headers)
                conn.getresponse().read()
                conn.close()
            except OSError:
                pass
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Result(latencies, errors, time.perf_counter() - started, statuses, first_error[0])


def _sessions(count: int) -> tuple[list[str], list[str], list[str], str]:
    """Customer page paths, the verified customers' cookies, staff case pages, a supervisor's cookie.

    Each customer verifies from its own address (the one its simulated client uses); a verification
    that does not succeed stops the bench here rather than measuring the identity form twice."""
    from django.contrib.auth.models import Group
    from django.test import Client

    from accounts.models import User
    from config.security import clear_rate_counters
    from debt_collections.kernel.audit import Actor
    from debt_collections.models import CollectionCase
    from debt_collections.services import link_create

    clear_rate_counters()  # a run earlier in the same hour must not count against this one
    working = CollectionCase.objects.filter(state__in=["early", "active"]).order_by("pk")
    cases = list(working.values_list("pk", flat=True)[:count])
    if len(cases) < count:
        raise RuntimeError(f"the bench data has {len(cases)} working cases, {count} needed")
    paths, cookies = [], []
    for index, case_id in enumerate(cases):
        _link, url = link_create(case_id=case_id, contact_point_id=None, actor=Actor.system("bench"))
        path = "/" + url.split("://", 1)[-1].split("/", 1)[1]
        client = Client(HTTP_X_FORWARDED_FOR=client_address(index))
        client.get(path)
        answer = client.post(path + "verify/", {"national_id_last4": "1234", "date_of_birth": "1985-01-01"})
        if answer.status_code != 302:
            raise RuntimeError(f"identity check for the bench customer answered {answer.status_code}")
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
) -> list[str]:
    """The customer page before and after verification (``customers`` clients, 1 s think time), the staff
    pages one by one (``staff`` clients, no think time: a stress test) and all of them in turn (1 s think
    time). Returns the labels of the scenarios that failed."""
    paths, cookies, case_pages, staff_cookie = _sessions(customers)
    port = _free_port()
    server = start_gunicorn(port)
    customer = {"clients": customers, "think": 1.0, "requests": requests}
    staff_run = {"cookies": [staff_cookie], "clients": staff, "think": 0.0, "requests": staff_requests}
    scenarios: tuple[tuple[str, dict[str, Any], str], ...] = (
        (
            f"customer page before verification ({customers} clients, 1 s think)",
            {"paths": paths, "cookies": [""], **customer},
            "p99 < 100 ms",
        ),
        (
            f"customer page after verification ({customers} clients, 1 s think)",
            {"paths": paths, "cookies": cookies, **customer},
            "p99 < 100 ms",
        ),
        (
            f"work queue, everyone's ({staff} staff, no think)",
            {"paths": ["/admin/collections/queueentry/"], **staff_run},
            "p99 < 200 ms",
        ),
        (
            f"admin case list ({staff} staff, no think)",
            {"paths": ["/admin/collections/collectioncase/"], **staff_run},
            "p99 < 200 ms",
        ),
        (
            f"admin case list by days past due ({staff} staff, no think)",
            {"paths": ["/admin/collections/collectioncase/?o=-5"], **staff_run},
            "p99 < 200 ms",
        ),
        (f"admin case page ({staff} staff, no think)", {"paths": case_pages, **staff_run}, "p99 < 200 ms"),
        (
            f"staff API case list ({staff} staff, no think)",
            {"paths": ["/api/v1/cases/"], **staff_run},
            "p99 < 200 ms",
        ),
        # The rows above are a stress test: 10 clients with no pause keep both cores busy, so each page
        # waits for the ones ahead of it. Staff at work read a page before they ask for the next: the
        # same pages in turn with 1 s between, as the customers above.
        (
            f"staff pages in turn: work queue, case lists, case pages, API ({staff} staff, 1 s think)",
            {
                "paths": [
                    "/admin/collections/queueentry/",
                    "/admin/collections/collectioncase/",
                    "/admin/collections/collectioncase/?o=-5",
                    *case_pages,
                    "/api/v1/cases/",
                ],
                **{**staff_run, "think": 1.0, "rotate": True},
            },
            "p99 < 200 ms",
        ),
    )
    failed: list[str] = []
    try:
        for label, kwargs, target in scenarios:
            result = run_clients(port=port, **kwargs)
            row(label, result.summary(), target)
            if result.errors:
                failed.append(label)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    if failed:
        print(f"gunicorn's log: {server_log(server)}")
    return failed


def server_log(server: subprocess.Popen[bytes]) -> str:
    return str(getattr(server, "log_path", "?"))


def main() -> None:
    """Only the pages, against the database in ``DATABASE_URL`` as it is (one ``bench/run.py`` built)."""
    sys.path.insert(0, str(ROOT))
    from bench.common import production_env, row

    production_env()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("audit_keygen", stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))  # noqa: SIM115
    call_command("collectstatic", "--noinput", "-v", "0")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    failed = run_all(row=row)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    if failed:
        sys.exit(f"failed: {'; '.join(failed)}")


if __name__ == "__main__":
    main()
