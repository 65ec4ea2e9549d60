#!/usr/bin/env bash
# `npm run demo`: installs what is missing (npm packages, redis-server, mongo-java-server), then
# plays the whole Ad-hoc Help story against a local fake of Slack and prints what everyone saw.
# Set MONGODB_URI / REDIS_URL to use your own servers. Extra arguments go to scripts/demo.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-local.sh
exec npx tsx scripts/demo.ts "$@"
