#!/usr/bin/env bash
# `npm test`: sets up what is missing, type-checks, then runs every jest test against real
# MongoDB-wire and Redis servers (started by test/support/globalSetup.ts unless MONGODB_URI /
# REDIS_URL are set). Extra arguments go to jest, e.g. `npm test -- test/unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-local.sh
npx tsc --noEmit -p tsconfig.json
npx jest "$@"
