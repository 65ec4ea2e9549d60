#!/usr/bin/env bash
# Installs what the tests and the demo need on a fresh machine: npm dependencies, redis-server
# (Debian package) and mongo-java-server (Maven Central). Safe to run again; it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

if [ -z "${REDIS_URL:-}" ] && ! command -v redis-server >/dev/null 2>&1 && [ ! -x /usr/bin/redis-server ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    # The package starts a system Redis with persistence; the tests start their own.
    (service redis-server stop || systemctl stop redis-server || true) >/dev/null 2>&1
  else
    echo "redis-server is missing: install it (sudo apt-get install redis-server) or set REDIS_URL" >&2
    exit 1
  fi
fi

if [ -z "${MONGODB_URI:-}" ] && ! ls scripts/mongo-test-server/lib/mongo-java-server-core-*.jar >/dev/null 2>&1; then
  (cd scripts/mongo-test-server && mvn -q -B dependency:copy-dependencies -DoutputDirectory=lib)
fi
