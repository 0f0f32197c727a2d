# The append workload shared by bench/append.sh and bench/events.sh (sourced
# after they set secs, clients and work): two dedicated accounts with 1,000
# conversations each, the pgbench scripts function.sql (append_message with
# the tenant set per pipelined transaction), shown.sql and tool.sql (raw
# INSERT baselines) in $work, acct/lo/hi and racct/rlo/rhi, and the helpers
# rate (transactions per second of one pgbench run) and median.
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
BEGIN;
SELECT set_config('convdash.account_id', '$acct', true);
SELECT convdash.append_message(:c, 'user', $text, 12, 0);
END;
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

# Prints the transactions per second of one pgbench run of a script.
rate() {
	pgbench -n -M prepared -c "$clients" -j "$clients" -T "$secs" -f "$1" 2>&1 | tee -a "$work/pgbench.log" \
		| sed -nE 's/^tps = ([0-9.]+) .*/\1/p'
}

# Prints the median of the numbers given.
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
