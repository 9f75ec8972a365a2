"""What the HTTP benchmarks share: an embedded-default environment in a temporary var/,
gunicorn on a free loopback port, a bounded load of concurrent keep-alive clients, and
percentiles. Traffic goes to 127.0.0.1 only and every loop stops by itself."""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-password-1"

# (rng, client number, request number) -> (method, path, body or None, headers)
RequestMaker = Callable[[random.Random, int, int], tuple[str, str, bytes | None, dict[str, str]]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def embedded_env(var_dir: str) -> dict[str, str]:
    """This process's environment on the embedded default, with its own var/ directory."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        {"RM_VAR_DIR": var_dir, "DJANGO_SETTINGS_MODULE": "rm_portal.settings", "LOG_LEVEL": "WARNING"}
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int, threads: int = 4) -> Iterator[int]:
    """gunicorn serving the app on a free port; yields the port, stops the server after."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "rm_portal.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--threads", str(threads), "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        wait_for_port(port)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=15)


def api_token(port: int, username: str, password: str = PASSWORD) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = json.dumps({"username": username, "password": password})
    conn.request("POST", "/api/v1/auth/token/", body=body, headers={"Content-Type": "application/json"})
    return json.loads(conn.getresponse().read())["token"]


@dataclass
class LoadResult:
    latencies: list[float]  # seconds, one per request
    errors: int  # answers that were not 200
    elapsed: float

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed

    def percentile_ms(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, int(len(ordered) * p) - 1)] * 1000

    def lines(self, *, aim: str = "", indent: str = "  ") -> list[str]:
        p50, p95 = self.percentile_ms(0.5), self.percentile_ms(0.95)
        return [
            f"{indent}requests           {len(self.latencies)} ({self.errors} non-200)",
            f"{indent}throughput         {self.throughput:,.0f} requests/s{f'  ({aim})' if aim else ''}",
            f"{indent}latency p50 / p95  {p50:.1f} ms / {p95:.1f} ms",
        ]


# (client number, how many it has sent) -> the next request's due time (perf_counter), or None: stop
Schedule = Callable[[int, int], float | None]


def _drive(port: int, clients: int, make_request: RequestMaker, schedule: Schedule) -> LoadResult:
    """`clients` threads, each on one keep-alive connection, sending what `schedule` says when it
    says; a latency is counted from the request's due time."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def client(number: int) -> None:
        nonlocal errors
        rng = random.Random(number)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)  # a first check builds tables
        mine: list[float] = []
        failed = 0
        while (due := schedule(number, len(mine))) is not None:
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            method, path, body, headers = make_request(rng, number, len(mine))
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - due)
            failed += response.status != 200
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult(latencies, errors, time.perf_counter() - started)


def hammer(port: int, clients: int, total: int, make_request: RequestMaker) -> LoadResult:
    """A closed loop: `clients` clients sharing `total` requests, each sending its next as soon as
    the last is answered."""
    each = total // clients
    return _drive(port, clients, make_request, lambda _n, sent: time.perf_counter() if sent < each else None)


def paced(
    port: int, rate: float, seconds: float, make_request: RequestMaker, *, clients: int = 64
) -> LoadResult:
    """An open-loop load: request i is due at start + i / rate whatever the server does, and its
    latency is counted from when it was due, not from when a client got round to sending it — so a
    server that falls behind shows it in the latencies (no coordinated omission), as wrk2 and
    locust's constant throughput do. `clients` keep-alive connections take the due requests in
    turn; if all are busy, the next request waits and that wait is part of its latency."""
    total = int(rate * seconds)
    start = time.perf_counter() + 0.2
    lock = threading.Lock()
    issued = 0

    def schedule(_number: int, _sent: int) -> float | None:
        nonlocal issued
        with lock:
            index, issued = issued, issued + 1
        return start + index / rate if index < total else None

    return _drive(port, clients, make_request, schedule)


def fresh_database(name: str) -> str:
    """For an in-process benchmark: a new empty PostgreSQL database `name` when DATABASE_URL is set
    (dropped first if a previous run left it), else SQLite in a temporary var/. Says which."""
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production")
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        os.environ["RM_VAR_DIR"] = tempfile.mkdtemp(prefix="rm-bench-")
        return "sqlite (temporary)"
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    os.environ["RM_DB_NAME"] = name
    return f"postgresql {urlparse(url).hostname}/{name}"
