"""Baseline of the API stack: GET /api/v1/me/ under 20 concurrent clients on gunicorn.

Runs on the embedded default (SQLite under a temporary var/ directory), so it measures
what a laptop or the demo gives. Prints requests/s, p50/p95 latency and queries per
request. Figures are printed, never asserted.

    .venv/bin/python bench/api_baseline.py [--clients 20] [--requests 4000] [--workers 2]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-password-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def queries_per_request(env: dict[str, str]) -> int:
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "from django.test.utils import CaptureQueriesContext\n"
        "from django.test import Client\n"
        "from rest_framework.authtoken.models import Token\n"
        "from django.contrib.auth.models import User\n"
        "token = Token.objects.get_or_create(user=User.objects.get(username='rm01a'))[0]\n"
        "client = Client(HTTP_AUTHORIZATION=f'Token {token.key}', HTTP_HOST='localhost')\n"
        "client.get('/api/v1/me/')\n"
        "with CaptureQueriesContext(connection) as ctx:\n"
        "    assert client.get('/api/v1/me/').status_code == 200\n"
        "print(len(ctx.captured_queries))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return int(out.stdout.strip().splitlines()[-1])


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def load(port: int, token: str, clients: int, total: int) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_client = total // clients

    def client() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        failed = 0
        for _ in range(per_client):
            start = time.perf_counter()
            conn.request("GET", "/api/v1/me/", headers={"Authorization": f"Token {token}"})
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            failed += response.status != 200
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="rm-bench-") as var_dir:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update(
            {"RM_VAR_DIR": var_dir, "DJANGO_SETTINGS_MODULE": "rm_portal.settings", "LOG_LEVEL": "WARNING"}
        )
        manage(env, "migrate", "-v", "0")
        manage(env, "seed_demo", "--password", PASSWORD)
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "rm_portal.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--threads",
                "4",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            wait_for_port(port)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            body = json.dumps({"username": "rm01a", "password": PASSWORD})
            conn.request(
                "POST", "/api/v1/auth/token/", body=body, headers={"Content-Type": "application/json"}
            )
            token = json.loads(conn.getresponse().read())["token"]
            load(port, token, args.clients, min(400, args.requests))  # warm-up
            latencies, errors, elapsed = load(port, token, args.clients, args.requests)
        finally:
            server.terminate()
            server.wait(timeout=15)
        queries = queries_per_request(env)

    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000
    print(f"GET /api/v1/me/ — gunicorn {args.workers} workers x 4 threads, SQLite (embedded default)")
    print(f"  clients            {args.clients}")
    print(f"  requests           {len(latencies)} ({errors} non-200)")
    print(f"  throughput         {len(latencies) / elapsed:,.0f} requests/s")
    print(f"  latency p50 / p95  {p50:.1f} ms / {p95:.1f} ms")
    print(f"  queries/request    {queries}")


if __name__ == "__main__":
    main()
