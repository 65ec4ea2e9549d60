#!/usr/bin/env bash
# `npm run mutation -- [stryker options]`: StrykerJS mutation testing of the billing rules (see
# stryker.config.mjs and the README's "Mutation testing"). Needs only the npm dependencies: the
# tests it runs are pure unit tests (jest.mutation.config.js), no MongoDB or Redis. Fails below
# 90% of mutants killed. `-- --mutate src/domain/money.ts` focuses on one file, `-- --incremental`
# reuses the last run's results for code and tests that did not change.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
exec npx stryker run stryker.config.mjs "$@"
