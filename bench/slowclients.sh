#!/usr/bin/env bash
# The service under hostile and busy clients (issue 11): p99 of a normal
# request (GET /healthz and a list page, alternating, each on a new
# connection) while each attack runs, beside p99 with no attack, in the same
# run. Attacks, 64 connections each (HOSTILE_CLIENTS): stalled connections,
# header tricklers, body tricklers without and with a valid key, busy
# keep-alive clients (a list request every 0.5 s each), and all five at once.
# Uses the cluster of the environment (PGHOST, PGPORT, PGUSER a superuser,
# PGDATABASE with the extension and data; bench/run.sh provides them) and the
# service's default worker and timeout settings. Env: HOSTILE_SECONDS
# (default 10 per measurement), HOSTILE_CLIENTS (default 64).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${HOSTILE_SECONDS:-10}
n=${HOSTILE_CLIENTS:-64}
work=$(mktemp -d)
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
source bench/service-lib.sh
trap 'service_cleanup bench-slowclients' EXIT

cc -O2 -Wall -Wextra -Werror -pthread -o "$work/slowclients" test/api/slowclients.c
service_role
acct=$(psql_q -c "SELECT account_id FROM convdash.conversations GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
key=$(psql_q -c "SELECT convdash.create_api_key($acct, 'bench-slowclients')")
service_start --no-access-log
probe_paths="/healthz,/api/v1/conversations?limit=20"

# Probes for secs seconds while the given attacks run; prints the probe's summary.
# Usage: measure [MODE KEY PATH]...
measure() {
	local pids=()
	while [ $# -ge 3 ]; do
		"$work/slowclients" "$port" "$1" "$n" $((secs + 1)) "$2" "$3" >/dev/null &
		pids+=($!)
		shift 3
	done
	sleep 0.5
	"$work/slowclients" "$port" probe 1 "$secs" "$key" "$probe_paths" | sed 's/^probe: //'
	[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
	sleep 2.5			# the attackers' connections close
}

echo "== slowclients: a normal request's latency (ms) while $n hostile or busy connections run, ${secs}s each"
printf '%-40s %s\n' attack "probe (n, fail = not 200, slow = over 1 s, latency ms)"
base=$(measure)
printf '%-40s %s\n' "none (baseline)" "$base"
fake="cdk_1_$(printf '%064d' 0)"
printf '%-40s %s\n' "$n stalled connections" "$(measure stall - /healthz)"
printf '%-40s %s\n' "$n header tricklers" "$(measure headers - /healthz)"
printf '%-40s %s\n' "$n body tricklers, unknown key" "$(measure body "$fake" /api/v1/agents)"
printf '%-40s %s\n' "$n body tricklers, valid key" "$(measure body "$key" /api/v1/agents)"
printf '%-40s %s\n' "$n busy keep-alive clients" "$(measure keepalive "$key" "/api/v1/conversations?limit=20")"
printf '%-40s %s\n' "all five at once ($((5 * n)) connections)" "$(measure stall - /healthz headers - /healthz \
	body "$fake" /api/v1/agents body "$key" /api/v1/agents keepalive "$key" "/api/v1/conversations?limit=20")"
