"""Baseline of the API stack: GET /api/v1/me/ under 20 concurrent clients on gunicorn.

Runs on the embedded default (SQLite under a temporary var/ directory), so it measures
what a laptop or the demo gives. Prints requests/s, p50/p95 latency and queries per
request. Figures are printed, never asserted.

    .venv/bin/python bench/api_baseline.py [--clients 20] [--requests 4000] [--workers 2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import PASSWORD, ROOT, api_token, embedded_env, gunicorn, hammer, manage

QUERY_COUNT = """
import django; django.setup()
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
token = Token.objects.get_or_create(user=User.objects.get(username='rm01a'))[0]
client = Client(HTTP_AUTHORIZATION=f'Token {token.key}', HTTP_HOST='localhost')
client.get('/api/v1/me/')
with CaptureQueriesContext(connection) as ctx:
    assert client.get('/api/v1/me/').status_code == 200
print(len(ctx.captured_queries))
"""


def queries_per_request(env: dict[str, str]) -> int:
    out = subprocess.run(
        [sys.executable, "-c", QUERY_COUNT], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return int(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="rm-bench-") as var_dir:
        env = embedded_env(var_dir)
        manage(env, "migrate", "-v", "0")
        manage(env, "seed_demo", "--password", PASSWORD)
        with gunicorn(env, workers=args.workers) as port:
            headers = {"Authorization": f"Token {api_token(port, 'rm01a')}"}

            def me(rng, client, i):
                return "GET", "/api/v1/me/", None, headers

            hammer(port, args.clients, min(400, args.requests), me)  # warm-up
            result = hammer(port, args.clients, args.requests, me)
        queries = queries_per_request(env)

    print(f"GET /api/v1/me/ — gunicorn {args.workers} workers x 4 threads, SQLite (embedded default)")
    print(f"  clients            {args.clients}")
    print("\n".join(result.lines()))
    print(f"  queries/request    {queries}")


if __name__ == "__main__":
    main()
