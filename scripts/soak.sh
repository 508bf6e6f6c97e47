#!/usr/bin/env bash
# make soak: a bounded mixed load against a fresh server on loopback.
# Usage: scripts/soak.sh [duration]   (CHUANGDAI_DATABASE_URL selects the engine;
# default is a fresh SQLite file in a temporary folder)
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-3m}"
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
export CHUANGDAI_DATABASE_URL="${CHUANGDAI_DATABASE_URL:-sqlite://$work/soak.db}"
export CHUANGDAI_ADDR=127.0.0.1:18090 CHUANGDAI_LOG_LEVEL=warn CHUANGDAI_PASSWORD_COST=10
# The soak opens many accounts from one address; the production limit would refuse them.
export CHUANGDAI_REGISTRATIONS_PER_HOUR=100000
go build -o "$work/chuangdai" ./cmd/chuangdai
go build -o "$work/soak" ./cmd/soak
"$work/chuangdai" seed demo --credentials-file "$work/creds.txt" >/dev/null
"$work/chuangdai" serve 2>"$work/server.log" &
server=$!
for _ in $(seq 1 100); do curl -fs "http://$CHUANGDAI_ADDR/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
"$work/soak" -url "http://$CHUANGDAI_ADDR" -credentials "$work/creds.txt" -duration "$duration"
