#!/usr/bin/env bash
# Live events (issue 14) over HTTP, against the cluster of the environment
# (PGHOST, PGPORT, PGUSER a superuser, PGDATABASE with the extension;
# bench/run.sh provides them; the data there is not touched: the appends go
# to the bench-append account of bench/append-lib.sh, the workload of
# bench/append.sh):
#   1. commit-to-client latency: 1, 100 and 256 subscribers of the account
#      (bench/events_clients.c, one process, all on one service) while
#      pgbench appends EVENTS_RATE messages/s with 2 clients; p50/p95/p99/max
#      of receipt time minus the message's created_at, over every event every
#      subscriber received;
#   2. the append rate (append_message, 2 clients, unthrottled) with no
#      subscriber and with 256 subscribers, alternating, EVENTS_ROUNDS rounds
#      (median). The feed's own cost on appends (outbox vs no feed vs NOTIFY)
#      is bench/append.sh with APPEND_MODE=events.
# Env: EVENTS_SECONDS (default 10 per measurement), EVENTS_RATE (default 200),
# EVENTS_ROUNDS (default 3), EVENTS_SUBSCRIBERS (default "1 100 256").
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${EVENTS_SECONDS:-10}
per_second=${EVENTS_RATE:-200}
rounds=${EVENTS_ROUNDS:-3}
subscribers=${EVENTS_SUBSCRIBERS:-"1 100 256"}
clients=2
work=$(mktemp -d)
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
source bench/service-lib.sh
clients_pid=
trap '[ -n "$clients_pid" ] && kill "$clients_pid" 2>/dev/null; service_cleanup bench-events' EXIT

cc -O2 -Wall -Wextra -Werror bench/events_clients.c -o "$work/events_clients"
. bench/append-lib.sh
service_role
key=$(psql_q -c "SELECT convdash.create_api_key($acct, 'bench-events')")
service_start --max-streams 256

# Opens n subscribers in the background (output in $work/clients.out) for
# the given seconds and waits until they are all registered.
subscribe() {
	local n=$1 seconds=$2
	: >"$work/clients.out"
	"$work/events_clients" "$port" "$key" "$n" "$seconds" >"$work/clients.out" 2>"$work/clients.err" &
	clients_pid=$!
	for _ in $(seq 200); do grep -q '^ready' "$work/clients.out" && break; sleep 0.05; done
	grep -q '^ready' "$work/clients.out" || { echo "the $n subscribers did not connect: $(cat "$work/clients.err")"; exit 1; }
	sleep 0.3 # the service reads the account's position on its next poll
}

# Waits for the subscribers; sets report to their report line; then waits
# (5 s at most) until the service has let their streams go.
collect() {
	wait "$clients_pid" || { echo "subscribers failed: $(cat "$work/clients.err")"; exit 1; }
	clients_pid=
	report=$(grep '^events:' "$work/clients.out")
	for _ in $(seq 50); do
		curl -sf "$base/metrics" | grep -q '^convdash_event_streams 0$' && return
		sleep 0.1
	done
	echo "the service still holds streams 5 s after their clients left"
	exit 1
}

# Prints the field name=value of a report line.
field() {
	sed -nE "s/.* $1=([^ ]+).*/\1/p" <<<"$2"
}

echo "live events: latency with appends at ${per_second}/s ($clients pgbench clients, ${secs}s per run)"
printf '%-44s %8s %8s %8s %8s %10s %8s\n' "subscribers" "p50 ms" "p95 ms" "p99 ms" "max ms" "events" "target"
for n in $subscribers; do
	subscribe "$n" $((secs + 3))
	pgbench -n -M prepared -c "$clients" -j "$clients" -T "$secs" -R "$per_second" -f "$work/function.sql" >>"$work/pgbench.log" 2>&1
	collect
	line=$report
	appended=$(tail -30 "$work/pgbench.log" | sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' | tail -1)
	lo=$(field min_per_stream "$line")
	printf '%-44s %8s %8s %8s %8s %10s %8s\n' "$n (each got $lo of $appended appends)" \
		"$(field p50 "$line")" "$(field p95 "$line")" "$(field p99 "$line")" "$(field max "$line")" "$(field received "$line")" "p95 <= 50"
	[ "$lo" = "$appended" ] || { echo "a subscriber missed events: $lo of $appended"; exit 1; }
done

echo "append rate (append_message, $clients clients, unthrottled, median of $rounds x ${secs}s)"
none=() many=()
for ((r = 1; r <= rounds; r++)); do
	none+=("$(tps "$work/function.sql")")
	subscribe 256 $((secs + 3))
	many+=("$(tps "$work/function.sql")")
	collect
	echo "  round $r: no subscriber ${none[-1]}/s, 256 subscribers ${many[-1]}/s"
done
z=$(median "${none[@]}") m=$(median "${many[@]}")
printf '%-44s %10s %10s %7s\n' "" "rate/s" "baseline/s" "ratio"
awk -v z="$z" -v m="$m" 'BEGIN { printf "%-44s %10.0f %10.0f %7.2f\n", "append with 256 subscribers vs none", m, z, m / z }'
check=$(psql_q -c "SELECT count(*) FROM convdash.integrity_check() WHERE account_id = $acct")
echo "integrity_check problems in the bench account after the run: $check"
[ "$check" = 0 ]
