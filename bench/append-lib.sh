# The append workload shared by bench/append.sh and bench/events.sh (sourced
# after they set secs, clients and work): two dedicated accounts with 1,000
# conversations each, the pgbench scripts function.sql (append_message with
# the tenant set per pipelined transaction), shown.sql and bare.sql (raw
# INSERT baselines) in $work, acct/lo/hi and racct/rlo/rhi, and the helpers
# rate ("tps cpu" of one pgbench run: its transactions per second and the
# server backends' CPU microseconds per transaction), tps (the rate alone) and median.
# A dedicated account, so the rows appended here never disturb the list and
# search figures, with two sets of 1,000 conversations: the function appends
# to the sessions append-N, the raw INSERTs go to the sessions append-raw-N
# (their messages are deleted afterwards, as they skip the counters). One
# account for both: the search and word indexes' keys are per tenant, so
# the baseline's row writes the keys and posting lists the function's row
# writes (until 2026-12-02 the raw rows went to an account of their own,
# emptied after every run; no difference between the two was resolved).
setup() {
	psql -qAtX -F' ' -v ON_ERROR_STOP=1 -v name=bench-append -v prefix="$1" <<'SQL'
SELECT set_config('convdash.account_id', coalesce(
	(SELECT id FROM convdash.accounts WHERE name = :'name'),
	convdash.create_account(:'name'))::text, false) \gset
SELECT coalesce((SELECT id FROM convdash.agents WHERE account_id = convdash.current_account() AND name = 'appender'),
	convdash.create_agent('appender')) AS agent \gset
SELECT '^' || :'prefix' || '[0-9]+$' AS sessions \gset
SELECT count(*) AS have FROM convdash.conversations
WHERE account_id = convdash.current_account() AND session_id ~ :'sessions' \gset
SELECT count(convdash.start_conversation(:agent, :'prefix' || g, 'web')) AS created FROM generate_series(:have + 1, 1000) g \gset
SELECT convdash.current_account(), min(id), max(id) FROM convdash.conversations
WHERE account_id = convdash.current_account() AND session_id ~ :'sessions';
SQL
}
read -r acct lo hi < <(setup append-)
read -r racct rlo rhi < <(setup append-raw-)
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
# the row append_message writes, words (its word-search lexemes, by the same
# convdash.message_words) included: the messages_words_idx GIN takes it too
cat >"$work/shown.sql" <<SQL
\set c random($rlo, $rhi)
\set n random(1, 1000000)
INSERT INTO convdash.messages (account_id, conversation_id, role, content, prompt_tokens, completion_tokens, seq, words)
VALUES ($racct, :c, 'user', $text, 12, 0, nextval('public.bench_append_seq'), convdash.message_words($racct, true, $text));
SQL
# the same row without its words (the target's baseline until 2026-12-02)
cat >"$work/bare.sql" <<SQL
\set c random($rlo, $rhi)
\set n random(1, 1000000)
INSERT INTO convdash.messages (account_id, conversation_id, role, content, prompt_tokens, completion_tokens, seq)
VALUES ($racct, :c, 'user', $text, 12, 0, nextval('public.bench_append_seq'));
SQL

# Sums utime + stime (clock ticks) of the given processes from /proc (one
# awk for all of them: 32 backends read one by one took seconds under load).
ticks() {
	local p files=()
	for p in "$@"; do files+=("/proc/$p/stat"); done
	awk '{ sub(/.*\) /, ""); sum += $12 + $13 } END { print sum }' "${files[@]}" 2>/dev/null
}

# Runs pgbench on a script; prints "tps cpu" where cpu is the server
# backends' CPU time per transaction in microseconds: their CPU ticks read
# from /proc at two moments of the run, divided by the transactions that
# ended between those moments (pgbench's per-transaction log; "-" when the
# server's processes are not readable here, e.g. a remote server). The CPU
# time is the figure the load of a shared machine disturbs least: it leaves
# out the wait for a CPU and for the WAL flush, which the rate includes.
rate() {
	local out=$work/pgbench.out pids t0 t1= w0 w1 cpu=- begin=$SECONDS
	# a name of this run's own, so its backends are told from those of the
	# previous run (which may still be exiting) however long connecting takes
	local app=bench-append-$$-$RANDOM
	rm -f "$work"/txlog*
	PGAPPNAME=$app pgbench -n -M prepared -c "$clients" -j "$clients" -T "$secs" -f "$1" \
		-l --log-prefix="$work/txlog" >"$out" 2>&1 &
	local bench=$!
	# this run's backends, all connected (32 clients on a loaded machine take seconds)
	for _ in $(seq 30); do
		sleep 0.3
		pids=$(psql -qAtX -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$app'
			AND backend_type = 'client backend'")
		[ "$(wc -w <<<"$pids")" -ge "$clients" ] && break
	done
	# measure until a second before the run ends
	local window=$((secs - (SECONDS - begin) - 1))
	w0=$(date +%s.%N)
	if [ "$window" -ge 1 ] && t0=$(ticks $pids); then
		sleep "$window"
		w1=$(date +%s.%N)
		t1=$(ticks $pids) || t1=
	fi
	wait "$bench"
	# the log is complete once pgbench has exited
	[ -n "${t1:-}" ] &&
		cpu=$(cat "$work"/txlog* | awk -v w0="$w0" -v w1="$w1" -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" '
			{ e = $5 + $6 / 1e6; if (e >= w0 && e < w1) n++ }
			END { printf "%.0f", (n > 0 ? t * 1e6 / hz / n : 0) }')
	cat "$out" >>"$work/pgbench.log"
	echo "$(sed -nE 's/^tps = ([0-9.]+) .*/\1/p' "$out") $cpu"
}

# Prints the transactions per second of one pgbench run of a script.
tps() {
	rate "$1" | cut -d' ' -f1
}

# Prints the median of the numbers given.
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
