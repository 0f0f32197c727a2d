#!/usr/bin/env bash
# Append-message rate: convdash.append_message (tenant set per transaction,
# as the service does) against raw INSERTs into messages, 2 clients each, in
# the same run against the same table and indexes. Two baselines:
#   shown row  a raw INSERT of the same user message (with a seq), which the
#              search index (GIN over search_grams(content), shown messages
#              only) must take, as it must for append_message;
#   tool row   a raw INSERT of a tool message, which the search index skips
#              (the baseline of the first measurements).
# The function's transaction is sent as the service sends its writes
# (api/src/db.c): the tenant statement and the call pipelined in one
# implicit transaction ended by the sync, one round trip, no BEGIN/COMMIT
# statements (the earlier script sent both, two statements the service never
# sends). The three scripts run in turn, APPEND_ROUNDS times; each ratio is
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

# Dedicated accounts with 1,000 fresh conversations each, so the rows
# appended here never disturb the list and search figures: the function
# appends to bench-append, the raw INSERTs go to bench-append-raw (whose
# messages are deleted afterwards, as they skip the counters).
setup() {
	psql -qAtX -F' ' -v ON_ERROR_STOP=1 -v name="$1" <<'SQL'
SELECT set_config('convdash.account_id', coalesce(
	(SELECT id FROM convdash.accounts WHERE name = :'name'),
	convdash.create_account(:'name'))::text, false) \gset
SELECT coalesce((SELECT id FROM convdash.agents WHERE account_id = convdash.current_account() AND name = 'appender'),
	convdash.create_agent('appender')) AS agent \gset
SELECT count(*) AS have FROM convdash.conversations WHERE account_id = convdash.current_account() \gset
SELECT count(convdash.start_conversation(:agent, 'append-' || g, 'web')) AS created FROM generate_series(:have + 1, 1000) g \gset
SELECT convdash.current_account(), min(id), max(id) FROM convdash.conversations WHERE account_id = convdash.current_account();
SQL
}
read -r acct lo hi < <(setup bench-append)
read -r racct rlo rhi < <(setup bench-append-raw)
psql -qAtX -c "CREATE SEQUENCE IF NOT EXISTS public.bench_append_seq"

text="'Hi, order ' || :n || ' has not arrived yet, can you check the delivery to ' || md5(:n::text) || '@example.com?'"
cat >"$work/function.sql" <<SQL
\set c random($lo, $hi)
\set n random(1, 1000000)
\startpipeline
SELECT set_config('convdash.account_id', '$acct', true);
SELECT convdash.append_message(:c, 'user', $text, 12, 0);
\endpipeline
SQL
cat >"$work/shown.sql" <<SQL
\set c random($rlo, $rhi)
\set n random(1, 1000000)
INSERT INTO convdash.messages (account_id, conversation_id, role, content, prompt_tokens, completion_tokens, seq)
VALUES ($racct, :c, 'user', $text, 12, 0, nextval('public.bench_append_seq'));
SQL
cat >"$work/tool.sql" <<SQL
\set c random($rlo, $rhi)
\set n random(1, 1000000)
INSERT INTO convdash.messages (account_id, conversation_id, role, content, prompt_tokens, completion_tokens)
VALUES ($racct, :c, 'tool', $text, 12, 0);
SQL

# Sums utime + stime (clock ticks) of the given processes from /proc.
ticks() {
	local p stat sum=0
	for p in "$@"; do
		stat=$(cat "/proc/$p/stat" 2>/dev/null) || return 1
		sum=$((sum + $(sed 's/.*) //' <<<"$stat" | awk '{ print $12 + $13 }')))
	done
	echo "$sum"
}

# Runs pgbench on a script; prints "tps cpu" where cpu is the server
# backends' CPU time per transaction in microseconds, read from /proc
# between the first and the last second of the run ("-" when the server's
# processes are not readable here, e.g. a remote server). The CPU time is
# the figure the load of a shared machine disturbs least: it leaves out the
# wait for a CPU and for the WAL flush, which the rate includes.
rate() {
	local out=$work/pgbench.out pids t0 t1 c0 c1 cpu=-
	pgbench -n -M prepared -c "$clients" -j "$clients" -T "$secs" -f "$1" >"$out" 2>&1 &
	local bench=$!
	# this run's backends, all connected (those of the previous run may still be exiting)
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		sleep 0.3
		pids=$(psql -qAtX -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgbench'
			AND backend_type = 'client backend' AND backend_start > now() - interval '4 s'")
		[ "$(wc -w <<<"$pids")" -ge "$clients" ] && break
	done
	c0=$(psql -qAtX -c "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
	if t0=$(ticks $pids); then
		sleep $((secs > 3 ? secs - 2 : 1))
		c1=$(psql -qAtX -c "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
		t1=$(ticks $pids) &&
			cpu=$(awk -v t="$((t1 - t0))" -v n="$((c1 - c0 - 1))" -v hz="$(getconf CLK_TCK)" \
				'BEGIN { printf "%.0f", (n > 0 ? t * 1e6 / hz / n : 0) }')
	fi
	wait "$bench"
	cat "$out" >>"$work/pgbench.log"
	echo "$(sed -nE 's/^tps = ([0-9.]+) .*/\1/p' "$out") $cpu"
}

# Prints the median of the numbers given.
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

if [ "${APPEND_MODE:-}" = events ]; then
	. "$(dirname "$0")/append-events.sh"
	exit
fi

fn=() shown=() tool=() rs=() rt=() cf=() cs=() ct=()
for ((r = 1; r <= rounds; r++)); do
	read -r s1 s2 <<<"$(rate "$work/shown.sql")"
	read -r t1 t2 <<<"$(rate "$work/tool.sql")"
	read -r f1 f2 <<<"$(rate "$work/function.sql")"
	shown+=("$s1") tool+=("$t1") fn+=("$f1") cs+=("$s2") ct+=("$t2") cf+=("$f2")
	rs+=("$(awk -v f="$f1" -v b="$s1" 'BEGIN { print f / b }')")
	rt+=("$(awk -v f="$f1" -v b="$t1" 'BEGIN { print f / b }')")
	printf '  round %d: append_message %.0f/s (%s us CPU), raw shown %.0f/s (%s us), raw tool %.0f/s (%s us); ratios %.2f, %.2f\n' \
		"$r" "$f1" "$f2" "$s1" "$s2" "$t1" "$t2" "${rs[-1]}" "${rt[-1]}"
done
psql -qAtX -c "DELETE FROM convdash.messages WHERE account_id = $racct" >/dev/null
check=$(psql -qAtX -c "SELECT count(*) FROM convdash.integrity_check() WHERE account_id IN ($acct, $racct)")

f=$(median "${fn[@]}") s=$(median "${shown[@]}") t=$(median "${tool[@]}")
qs=$(median "${rs[@]}") qt=$(median "${rt[@]}")
printf '%-58s %10s %10s %7s %8s\n' "append ($clients clients, median of $rounds x ${secs}s)" "rate/s" "baseline/s" "ratio" "target"
awk -v f="$f" -v s="$s" -v t="$t" -v qs="$qs" -v qt="$qt" 'BEGIN {
	printf "%-58s %10.0f %10.0f %7.2f %8s\n", "append_message vs raw INSERT of the same shown row", f, s, qs, ">= 0.70"
	printf "%-58s %10.0f %10.0f %7.2f %8s\n", "append_message vs raw INSERT of a tool row (not searched)", f, t, qt, "-"
}'
# Prints the arguments other than "-" (rounds whose CPU time could not be read).
measured() { printf '%s\n' "$@" | grep -vx -- -; }
if measured "${cf[@]}" >/dev/null && measured "${cs[@]}" >/dev/null; then
	awk -v f="$(median $(measured "${cf[@]}"))" -v s="$(median $(measured "${cs[@]}"))" 'BEGIN {
		printf "%-58s %10.0f %10.0f %7.2f %8s\n", "backend CPU us per transaction: append_message vs shown row", f, s, s / f, "-" }'
fi
echo "integrity_check problems in the bench accounts after the run: $check"
[ "$check" = 0 ]
