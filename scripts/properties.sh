#!/usr/bin/env bash
# `npm run properties -- [--runs N] [--seed S]`: the billing property tests
# (test/unit/billingProperties.test.ts) with more random histories than `npm test` runs (100, on a
# fixed seed), on a fresh seed unless one is given. The seed is printed, and fast-check prints it
# again with any counterexample, so a failure can be replayed with `--seed`.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=1000
seed=$(( (RANDOM << 15) | RANDOM ))
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="${2:-}"; shift 2 ;;
    --seed) seed="${2:-}"; shift 2 ;;
    *) echo "Unknown option $1. Use --runs N and --seed S." >&2; exit 2 ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "--runs must be a whole number of at least 1, got '$runs'." >&2; exit 2; }
[[ "$seed" =~ ^-?[0-9]+$ ]] || { echo "--seed must be a whole number, got '$seed'." >&2; exit 2; }
bash scripts/setup-local.sh
echo "Billing properties: $runs runs per property, seed $seed"
PROPERTY_RUNS="$runs" PROPERTY_SEED="$seed" npx jest test/unit/billingProperties.test.ts
