#!/usr/bin/env bash
# `npm run bench`: installs what is missing (like `npm test`), then runs the benchmarks in
# scripts/bench.ts. Extra arguments go to it, e.g. `npm run bench -- --quick`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-local.sh
# The incident and the cold starts run the web and worker processes as production does, from the
# compiled build (`node dist/src/main.js`), so it is built first.
npm run --silent build
exec npx tsx scripts/bench.ts "$@"
