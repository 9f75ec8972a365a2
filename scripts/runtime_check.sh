#!/usr/bin/env bash
# What a scaled deployment installs and starts, checked from a clean venv: `pip install -e .`
# WITHOUT the dev extra (no pytest, no stubs, nothing the tests happen to pull in), then
#   - Django's system checks (with --deploy; errors fail, warnings are printed),
#   - gunicorn loading the WSGI application,
#   - a Celery worker on Redis that answers a ping through the broker.
# A runtime import that only the dev extra satisfied (kombu's Redis transport needed `packaging`)
# fails here instead of on the first production start. Run by .ci/run after `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${RUNTIME_VENV:-$ROOT/var/runtime-venv}
PY3=${PYTHON:-python3}
export DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
export REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
export DJANGO_SECRET_KEY=runtime-check-only-secret-key-not-for-production-use
export ARCHIVE_HMAC_KEY=${ARCHIVE_HMAC_KEY:-$(printf "a%.0s" {1..64})}
export ARCHIVE_CHECKPOINT_KEY=${ARCHIVE_CHECKPOINT_KEY:-$(printf "c%.0s" {1..64})}
export DJANGO_ALLOWED_HOSTS=rm.example
RM_VAR_DIR=$(mktemp -d)
export RM_VAR_DIR
WORKER_PID=
cleanup() {
  if [[ -n $WORKER_PID ]]; then
    kill "$WORKER_PID" 2>/dev/null || true
    wait "$WORKER_PID" 2>/dev/null || true
  fi
  rm -rf "$RM_VAR_DIR"
}
trap cleanup EXIT

echo "== runtime check: pip install -e . without the dev extra into $VENV"
"$PY3" -m venv --clear "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT"
if "$VENV/bin/python" -c "import pytest" 2>/dev/null; then
  echo "the runtime venv has pytest: the check would prove nothing" >&2
  exit 1
fi
"$VENV/bin/python" -m pip check --disable-pip-version-check

echo "== runtime check: manage.py check --deploy, gunicorn loads the application"
"$VENV/bin/python" manage.py check --deploy --fail-level ERROR
(cd "$RM_VAR_DIR" && "$VENV/bin/gunicorn" --check-config rm_portal.wsgi:application)

echo "== runtime check: a scaled worker on $REDIS_URL answers a ping"
NODE="runtime-check-$$@$(hostname)"
# From outside the work tree: the worker imports the installed package, not the current folder.
(cd "$RM_VAR_DIR" && exec "$VENV/bin/celery" -A rm_portal worker --pool solo --without-mingle \
  --without-gossip --loglevel WARNING -n "$NODE" >"$RM_VAR_DIR/worker.log" 2>&1) &
WORKER_PID=$!
for _ in $(seq 1 30); do
  if (cd "$RM_VAR_DIR" && "$VENV/bin/celery" -A rm_portal inspect ping -d "$NODE" --timeout 2) \
    >/dev/null 2>&1; then
    echo "   $NODE: pong"
    exit 0
  fi
  if ! kill -0 "$WORKER_PID" 2>/dev/null; then break; fi
  sleep 1
done
echo "the scaled worker did not answer a ping; its log:" >&2
cat "$RM_VAR_DIR/worker.log" >&2
exit 1
