#!/usr/bin/env bash
# Append-message rate: convdash.append_message (tenant set per transaction,
# as a SQL client of a tenant calls it) against raw INSERTs into messages, 2 clients each, in
# the same run against the same table and indexes. Two baselines:
#   shown row  a raw INSERT of the row append_message writes: a user message
#              with its seq and its words (the word-search lexemes, computed
#              by the same convdash.message_words), so the search GIN, the
#              words GIN and the transcript index take it as they take the
#              function's row;
#   bare row   the same without its words (the words GIN skips it): the
#              baseline until 2026-12-02, printed for comparison. (The tool
#              row of the first measurements, which no GIN takes, is gone.)
# The function's transaction is the SQL function's own cost: the tenant
# statement and the call pipelined in one implicit transaction ended by the
# sync, one round trip, no BEGIN/COMMIT statements. (The service sends one
# statement that checks its API key, calls the function and reads the
# message back, api/src/statements.c: measured over HTTP by bench/http.sh.)
# The three scripts run in turn, APPEND_ROUNDS times; each ratio is
# the median of the rounds' ratios (the scripts of a round run back to back,
# so the load of a shared machine hits them alike), each rate the median rate.
# Runs against the cluster of the environment (PGHOST, PGPORT, PGDATABASE...).
# Env: APPEND_SECONDS (default 6), APPEND_ROUNDS (default 5), APPEND_CLIENTS (default 2),
# APPEND_MODE=events: the live-events feed instead (bench/append-events.sh).
set -euo pipefail
secs=${APPEND_SECONDS:-6}
rounds=${APPEND_ROUNDS:-5}
clients=${APPEND_CLIENTS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$(dirname "$0")/append-lib.sh"

if [ "${APPEND_MODE:-}" = events ]; then
	. "$(dirname "$0")/append-events.sh"
	exit
fi

fn=() shown=() bare=() rs=() rb=() cf=() cs=() cb=()
for ((r = 1; r <= rounds; r++)); do
	read -r s1 s2 <<<"$(rate "$work/shown.sql")"
	read -r b1 b2 <<<"$(rate "$work/bare.sql")"
	read -r f1 f2 <<<"$(rate "$work/function.sql")"
	shown+=("$s1") bare+=("$b1") fn+=("$f1") cs+=("$s2") cb+=("$b2") cf+=("$f2")
	rs+=("$(awk -v f="$f1" -v b="$s1" 'BEGIN { print f / b }')")
	rb+=("$(awk -v f="$f1" -v b="$b1" 'BEGIN { print f / b }')")
	printf '  round %d: append_message %.0f/s (%s us CPU), raw shown row %.0f/s (%s us), without words %.0f/s (%s us); ratios %.2f, %.2f\n' \
		"$r" "$f1" "$f2" "$s1" "$s2" "$b1" "$b2" "${rs[-1]}" "${rb[-1]}"
done
psql -qAtX -c "DELETE FROM convdash.messages WHERE account_id = $racct AND conversation_id IN
	(SELECT id FROM convdash.conversations WHERE account_id = $racct AND session_id ~ '^append-raw-[0-9]+\$')" >/dev/null
check=$(psql -qAtX -c "SELECT count(*) FROM convdash.integrity_check() WHERE account_id = $acct")

f=$(median "${fn[@]}") s=$(median "${shown[@]}") b=$(median "${bare[@]}")
qs=$(median "${rs[@]}") qb=$(median "${rb[@]}")
printf '%-62s %10s %10s %7s %8s\n' "append ($clients clients, median of $rounds x ${secs}s)" "rate/s" "baseline/s" "ratio" "target"
awk -v f="$f" -v s="$s" -v b="$b" -v qs="$qs" -v qb="$qb" 'BEGIN {
	printf "%-62s %10.0f %10.0f %7.2f %8s\n", "append_message vs raw INSERT of the same row (words included)", f, s, qs, ">= 0.70"
	printf "%-62s %10.0f %10.0f %7.2f %8s\n", "append_message vs raw INSERT of the row without its words", f, b, qb, "-"
}'
# Prints the arguments other than "-" (rounds whose CPU time could not be read).
measured() { printf '%s\n' "$@" | grep -vx -- -; }
if measured "${cf[@]}" >/dev/null && measured "${cs[@]}" >/dev/null && measured "${cb[@]}" >/dev/null; then
	awk -v f="$(median $(measured "${cf[@]}"))" -v s="$(median $(measured "${cs[@]}"))" \
		-v b="$(median $(measured "${cb[@]}"))" 'BEGIN {
		printf "%-62s %10.0f %10.0f %7.2f %8s\n", "backend CPU us per transaction: append_message vs same row", f, s, s / f, "-"
		printf "%-62s %10.0f %10.0f %7.2f %8s\n", "backend CPU us per transaction: vs the row without words", f, b, b / f, "-" }'
fi
echo "integrity_check problems in the bench accounts after the run: $check"
[ "$check" = 0 ]
