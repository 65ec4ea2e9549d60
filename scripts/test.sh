#!/usr/bin/env bash
# `npm test`: sets up what is missing, then type-checks and runs every jest test against real
# MongoDB-wire and Redis servers (started by test/support/globalSetup.ts unless MONGODB_URI /
# REDIS_URL are set). Extra arguments go to jest, e.g. `npm test -- test/unit`.
# The type check runs beside jest (jest only transpiles, so it does not wait for it); either
# failing fails the run, and the type errors are printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-local.sh
types="$(mktemp)"
trap 'rm -f "$types"' EXIT
npx tsc --noEmit -p tsconfig.json >"$types" 2>&1 &
tsc_pid=$!
status=0
npx jest "$@" || status=$?
if ! wait "$tsc_pid"; then
  echo "Type check failed (tsc --noEmit):" >&2
  cat "$types" >&2
  exit 1
fi
echo "Type check passed (tsc --noEmit)."
exit "$status"
