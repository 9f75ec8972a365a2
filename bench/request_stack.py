"""The request stack in one process: what each hot endpoint costs beyond Django itself.

Sequential requests through Django's test client (no network, no server), so the figure is the
stack's own cost, steady on a noisy machine: ms per request and SQL queries per request for the
token-authenticated API (`GET /me/`, `POST /compliance/check/`), the public landing page
`/s/{token}`, beside a baseline measured in the same run — an anonymous `GET /healthz`-style
request that touches no table (`/api/v1/` answers 401 before any query). The ratio to that
baseline is the number to compare between commits; absolute times move with the machine's load.

    .venv/bin/python bench/request_stack.py [--requests 2000] [--redis redis://127.0.0.1:6379/12]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import PASSWORD, embedded_env, manage


def _timed(call, n: int) -> tuple[float, float]:
    """(p50 ms, p95 ms) of n calls."""
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--redis", help="a Redis URL: the cache and throttles on Redis, as scaled")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rm-bench-") as var_dir:
        env = embedded_env(var_dir)
        if args.redis:
            env["REDIS_URL"] = args.redis
        manage(env, "migrate", "-v", "0")
        manage(env, "seed_demo", "--small", "--password", PASSWORD)
        os.environ.update(env)
        os.environ["CHECK_RATE"] = "100000000/min"
        os.environ["LOG_LEVEL"] = "ERROR"
        from rm_portal.bootstrap import prepare_embedded

        prepare_embedded()
        import django

        django.setup()
        run(args.requests)


def run(n: int) -> None:
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)  # the baseline's 401s are expected
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from materials.models import Material, ShareToken

    rm = User.objects.get(username="rm01a")
    token = Token.objects.get_or_create(user=rm)[0]
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_HOST="localhost")
    anon = Client(HTTP_HOST="localhost")
    material = Material.objects.filter(kind="script").first() or Material.objects.first()
    share = ShareToken.objects.create(material=material, rm=rm, token="benchtoken0123456789abcdef")
    visitors = iter(range(10**9))

    def landing() -> None:
        # A new visitor each time: every request counts a view (the expensive path).
        n_ = next(visitors)
        anon.get(f"/s/{share.token}", REMOTE_ADDR=f"10.{n_ >> 16 & 255}.{n_ >> 8 & 255}.{n_ & 255}")

    cases = {
        "baseline: GET /api/v1/me/ without a token (401)": lambda: anon.get("/api/v1/me/"),
        "GET /api/v1/me/": lambda: api.get("/api/v1/me/"),
        "POST /api/v1/compliance/check/": lambda: api.post(
            "/api/v1/compliance/check/",
            {"text": "放心，这个绝对保本保收益，稳赚不赔的，加个vx细聊"},
            content_type="application/json",
        ),
        "GET /s/{token} (a new visitor each time)": landing,
    }
    base = None
    print(f"{'request':52} {'p50 ms':>8} {'p95 ms':>8} {'× base':>7} {'queries':>8}")
    for name, call in cases.items():
        for _ in range(50):
            call()  # warm: automaton built, caches filled
        statements: list[str] = []

        def count(execute, sql, params, many, context, statements=statements):  # whatever resets the log
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            call()
        p50, p95 = _timed(call, n)
        base = base or p50
        print(f"{name:52} {p50:8.2f} {p95:8.2f} {p50 / base:7.2f} {len(statements):8d}")


if __name__ == "__main__":
    main()
