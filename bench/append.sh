#!/usr/bin/env bash
# Append-message rate: convdash.append_message (tenant set per transaction,
# as the service does) against raw INSERTs into messages, 2 clients each, in
# the same run against the same table and indexes. Two baselines:
#   shown row  a raw INSERT of the same user message (with a seq), which the
#              search index (GIN over search_grams(content), shown messages
#              only) must take, as it must for append_message;
#   tool row   a raw INSERT of a tool message, which the search index skips
#              (the baseline of the first measurements).
# The function's transaction is pipelined (one network round trip), as a
# client that sets the tenant per transaction should send it. The three
# scripts run in turn, APPEND_ROUNDS times; each figure is the median.
# Runs against the cluster of the environment (PGHOST, PGPORT, PGDATABASE...).
# Env: APPEND_SECONDS (default 10), APPEND_ROUNDS (default 3), APPEND_CLIENTS (default 2),
# APPEND_MODE=events: the live-events feed instead (bench/append-events.sh).
set -euo pipefail
secs=${APPEND_SECONDS:-10}
rounds=${APPEND_ROUNDS:-3}
clients=${APPEND_CLIENTS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$(dirname "$0")/append-lib.sh"

if [ "${APPEND_MODE:-}" = events ]; then
	. "$(dirname "$0")/append-events.sh"
	exit
fi

fn=() shown=() tool=()
for ((r = 1; r <= rounds; r++)); do
	shown+=("$(rate "$work/shown.sql")")
	tool+=("$(rate "$work/tool.sql")")
	fn+=("$(rate "$work/function.sql")")
	echo "  round $r: append_message ${fn[-1]}/s, raw shown ${shown[-1]}/s, raw tool ${tool[-1]}/s"
done
psql -qAtX -c "DELETE FROM convdash.messages WHERE account_id = $racct" >/dev/null
check=$(psql -qAtX -c "SELECT count(*) FROM convdash.integrity_check() WHERE account_id IN ($acct, $racct)")

f=$(median "${fn[@]}") s=$(median "${shown[@]}") t=$(median "${tool[@]}")
printf '%-58s %10s %10s %7s %8s\n' "append ($clients clients, median of $rounds x ${secs}s)" "rate/s" "baseline/s" "ratio" "target"
awk -v f="$f" -v s="$s" -v t="$t" 'BEGIN {
	printf "%-58s %10.0f %10.0f %7.2f %8s\n", "append_message vs raw INSERT of the same shown row", f, s, f / s, ">= 0.70"
	printf "%-58s %10.0f %10.0f %7.2f %8s\n", "append_message vs raw INSERT of a tool row (not searched)", f, t, f / t, ">= 0.70"
}'
echo "integrity_check problems in the bench accounts after the run: $check"
[ "$check" = 0 ]
