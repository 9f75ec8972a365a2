"""POST /api/v1/compliance/check/ under concurrent clients on gunicorn (embedded default: SQLite,
file cache), with the seeded banking lexicon. Prints throughput and p50/p95; aim p95 ≤ 20 ms at 50
clients.

    .venv/bin/python bench/compliance_check_load.py [--clients 50] [--requests 5000] [--workers 4]
    .venv/bin/python bench/compliance_check_load.py --rate 1000 --seconds 10   # open loop (issue 14's aim)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import PASSWORD, api_token, embedded_env, gunicorn, hammer, manage, paced

TEXTS = [
    "您好，这款产品业绩比较基准3.5%，理财非存款，产品有风险，投资须谨慎。",
    "放心，这个绝对保 本保收益，稳赚不赔的，加个vx细聊",
    "明天上午十点网点见，记得带身份证原件。",
    "本產品保證收益，私下轉賬也可以",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--rate",
        type=float,
        default=0,
        help="open loop: a fixed arrival rate (requests/s) instead of clients",
    )
    parser.add_argument("--seconds", type=float, default=10, help="open loop: how long")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rm-bench-") as var_dir:
        env = embedded_env(var_dir)
        env["CHECK_RATE"] = "1000000/min"  # one token for every client: measure the stack, not the throttle
        manage(env, "migrate", "-v", "0")
        manage(env, "seed_demo", "--password", PASSWORD)
        with gunicorn(env, workers=args.workers) as port:
            headers = {
                "Authorization": f"Token {api_token(port, 'rm01a')}",
                "Content-Type": "application/json",
            }

            def check(rng, client, i):
                body = json.dumps({"text": rng.choice(TEXTS)}).encode()
                return "POST", "/api/v1/compliance/check/", body, headers

            hammer(port, args.clients, min(500, args.requests), check)  # warm-up: automata built
            if args.rate:
                result = paced(port, args.rate, args.seconds, check)
            else:
                result = hammer(port, args.clients, args.requests, check)
    print(f"POST /api/v1/compliance/check/ — gunicorn {args.workers} workers x 4 threads, embedded default")
    if args.rate:
        print(f"  open loop          {args.rate:,.0f} requests/s due for {args.seconds:.0f} s")
    else:
        print(f"  clients            {args.clients}")
    print("\n".join(result.lines()))
    print(f"  p95 aim            <= 20 ms (measured {result.percentile_ms(0.95):.1f} ms)")


if __name__ == "__main__":
    main()
