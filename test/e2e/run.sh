#!/usr/bin/env bash
# Browser end-to-end tests of the dashboard page (api/static) in headless
# Debian Chromium driven by playwright-core, against the real service and a
# seeded database. Called by test/suites.sh inside pg_virtualenv (PGHOST,
# PGPORT, PGUSER, PGPASSWORD of a superuser); prints "ok - name" lines.
#
# Developers can point it at a running service instead (an empty account):
#   E2E_BASE_URL=http://127.0.0.1:8080 E2E_API_KEY=... E2E_OTHER_KEY=... test/e2e/run.sh
# (E2E_OTHER_KEY: a key of a second account, for the live tenant-isolation case)
# (the "database down" case then needs E2E_DOWN_URL of a service whose
# database is unreachable). E2E_ONLY=<text> runs only the cases whose name
# contains the text; E2E_VERBOSE=1 prints each case's time.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
db=convdash_e2e
api="$root/api/convdash-api"
chromium=${CHROMIUM:-$(command -v chromium || true)}
work=$(mktemp -d)
pids=()

# Report a setup failure as a failed case and stop.
fail() {
	echo "not ok - e2e setup: $*"
	for f in "$work"/*.log; do [ -s "$f" ] && sed 's/^/#   /' "$f" | tail -20; done
	exit 1
}

# Stop the services this script started and remove its temporary files.
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
	[ -n "${created_db:-}" ] && dropdb --if-exists "$db" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# Start one service instance on a free port; sets $started_url.
start_api() {
	local conninfo=$1 log=$work/$2.log port=""
	CONVDASH_DATABASE_URL="$conninfo" CONVDASH_LISTEN=127.0.0.1:0 CONVDASH_DB_CONNECTIONS=4 \
		CONVDASH_STATIC_DIR="$root/api/static" "$api" >"$log" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do
		port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$log" | head -1)
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || return 1
	started_url="http://127.0.0.1:$port"
}

# Wait until a URL answers with one of the given HTTP statuses (10 s at most).
wait_http() {
	local url=$1 want=$2 code
	for _ in $(seq 100); do
		code=$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)
		[[ " $want " == *" $code "* ]] && return 0
		sleep 0.1
	done
	return 1
}

command -v node >/dev/null && command -v npm >/dev/null || fail "node and npm are not installed"
[ -n "$chromium" ] || fail "chromium is not installed (see scripts/deps/e2e.apt)"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >"$work/npm.log" 2>&1) || fail "npm ci"

if [ -z "${E2E_BASE_URL:-}" ]; then
	[ -x "$api" ] || fail "api/convdash-api is not built"
	psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" \
		>"$work/psql.log" 2>&1 || fail "cannot create database $db"
	created_db=1
	password=e2e-$RANDOM$RANDOM
	keys=$(psql -X -qAt -v ON_ERROR_STOP=1 -d "$db" 2>"$work/psql.log" <<-SQL | tail -2
		CREATE EXTENSION convdash CASCADE;
		DO \$\$ BEGIN
			IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'convdash_e2e_service') THEN
				CREATE ROLE convdash_e2e_service LOGIN IN ROLE convdash_api;
			END IF;
		END \$\$;
		ALTER ROLE convdash_e2e_service PASSWORD '$password';
		SELECT convdash.create_api_key(convdash.create_account('Acme'), 'e2e');
		SELECT convdash.create_api_key(convdash.create_account('Other'), 'e2e other tenant');
	SQL
	)
	E2E_API_KEY=$(sed -n 1p <<<"$keys")
	E2E_OTHER_KEY=$(sed -n 2p <<<"$keys")
	[ -n "$E2E_API_KEY" ] && [ -n "$E2E_OTHER_KEY" ] || fail "cannot create the extension, service role, accounts or API keys"
	conninfo="host=${PGHOST:-localhost} port=${PGPORT:-5432} user=convdash_e2e_service password=$password"
	start_api "$conninfo dbname=$db" api || fail "the service did not start"
	E2E_BASE_URL=$started_url
	start_api "$conninfo dbname=${db}_missing connect_timeout=2" api-down || fail "the service without a database did not start"
	E2E_DOWN_URL=$started_url
	wait_http "$E2E_BASE_URL/healthz" 200 || fail "the service did not become healthy"
fi
[ -n "${E2E_API_KEY:-}" ] || fail "E2E_API_KEY is not set"
[ -n "${E2E_OTHER_KEY:-}" ] || fail "E2E_OTHER_KEY (a key of another, empty account) is not set"

(cd "$here" && node seed.mjs "$E2E_BASE_URL" "$E2E_API_KEY" >"$work/manifest.json" 2>"$work/seed.log") || fail "seeding through the API"

cd "$here" && E2E_BASE_URL="$E2E_BASE_URL" E2E_API_KEY="$E2E_API_KEY" E2E_OTHER_KEY="$E2E_OTHER_KEY" E2E_DOWN_URL="${E2E_DOWN_URL:-}" \
	E2E_MANIFEST="$work/manifest.json" CHROMIUM="$chromium" node dashboard.test.mjs
status=$?
if [ "$status" -ne 0 ] && [ -s "$work/api.log" ]; then
	echo "# service log (tail):"
	tail -20 "$work/api.log" | sed 's/^/#   /'
fi
exit "$status"
