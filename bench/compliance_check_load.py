"""POST /api/v1/compliance/check/ under concurrent clients on gunicorn (embedded default: SQLite,
file cache), with the seeded banking lexicon. Prints throughput and p50/p95; aim p95 ≤ 20 ms at 50
clients.

    .venv/bin/python bench/compliance_check_load.py [--clients 50] [--requests 5000] [--workers 4]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.api_baseline import PASSWORD, free_port, manage, wait_for_port  # noqa: E402

TEXTS = [
    "您好，这款产品业绩比较基准3.5%，理财非存款，产品有风险，投资须谨慎。",
    "放心，这个绝对保 本保收益，稳赚不赔的，加个vx细聊",
    "明天上午十点网点见，记得带身份证原件。",
    "本產品保證收益，私下轉賬也可以",
]


def load(port: int, token: str, clients: int, total: int) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def client(seed: int) -> None:
        nonlocal errors
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine, failed = [], 0
        for _ in range(total // clients):
            body = json.dumps({"text": rng.choice(TEXTS)})
            started = time.perf_counter()
            conn.request(
                "POST",
                "/api/v1/compliance/check/",
                body=body,
                headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            failed += response.status != 200
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=4)
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
            load(port, token, args.clients, min(500, args.requests))  # warm-up: automata built
            latencies, errors, elapsed = load(port, token, args.clients, args.requests)
        finally:
            server.terminate()
            server.wait(timeout=15)
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000
    print(f"POST /api/v1/compliance/check/ — gunicorn {args.workers} workers x 4 threads, embedded default")
    print(f"  clients            {args.clients}")
    print(f"  requests           {len(latencies)} ({errors} non-200)")
    print(f"  throughput         {len(latencies) / elapsed:,.0f} requests/s")
    print(f"  latency p50 / p95  {p50:.1f} ms / {p95:.1f} ms   (aim p95 <= 20 ms)")


if __name__ == "__main__":
    main()
