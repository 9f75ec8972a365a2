#!/usr/bin/env bash
# The whole suite, run the two ways the product runs:
#   pass 1 — the embedded default: SQLite, the file broker with a real worker, the browser suite;
#   pass 2 — scaled: PostgreSQL and Redis (broker, cache, a real worker round trip).
# With CI=true nothing may be skipped: a missing service or browser fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
CI=${CI:-false}
PG_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
REDIS=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
# Tests get their own file broker, so a `make run` on the same machine never takes their tasks.
export RM_BROKER_DIR=${RM_BROKER_DIR:-$PWD/var/test-broker}
# One pytest process per core (pytest-xdist); TEST_WORKERS=0 runs in one process.
WORKERS=${TEST_WORKERS:-$(nproc 2>/dev/null || echo 1)}
PARALLEL=()
if [[ $WORKERS -gt 1 ]]; then PARALLEL=(-n "$WORKERS" --dist loadgroup); fi
# Outside CI the test databases are kept between runs (new migrations are still applied).
REUSE=()
if [[ $CI != true ]]; then REUSE=(--reuse-db); fi

# A run of the whole suite must exercise every operation of the OpenAPI document.
if [[ $# -eq 0 ]]; then export RM_REQUIRE_EVERY_OPERATION=1; fi

echo "== pass 1 of 2: embedded default (SQLite, file broker, browser)"
env -u DATABASE_URL -u REDIS_URL "$PY" -m pytest "${PARALLEL[@]}" "${REUSE[@]}" -m "not postgres and not redis" "$@"

reachable() {
  "$PY" - "$PG_URL" "$REDIS" <<'PYEOF'
import sys
import psycopg, redis
try:
    psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://"), connect_timeout=3).close()
    redis.Redis.from_url(sys.argv[2], socket_connect_timeout=3).ping()
except Exception as exc:
    print(f"   not reachable: {exc}")
    sys.exit(1)
PYEOF
}

echo "== pass 2 of 2: scaled (PostgreSQL $PG_URL, Redis $REDIS)"
if ! reachable; then
  if [[ $CI == true ]]; then
    echo "CI requires the PostgreSQL/Redis pass, and a service is not reachable" >&2
    exit 1
  fi
  echo "   skipped here (no PostgreSQL/Redis on this machine); CI runs it"
  exit 0
fi
DATABASE_URL=$PG_URL REDIS_URL=$REDIS DJANGO_SECRET_KEY=test-only-secret-key-not-for-production \
  ARCHIVE_HMAC_KEY=${ARCHIVE_HMAC_KEY:-$(printf "a%.0s" {1..64})} ARCHIVE_CHECKPOINT_KEY=${ARCHIVE_CHECKPOINT_KEY:-$(printf "c%.0s" {1..64})} \
  "$PY" -m pytest "${PARALLEL[@]}" "${REUSE[@]}" -m "not browser" "$@"
