#!/usr/bin/env bash
# The search index's keys, before (0.1: 1- to 3-grams, 32-bit keys shared by
# every tenant) and now (1-, 2-, 4-grams, 64-bit keys led by the account id),
# side by side in one run against the same table:
#   build       time of CREATE INDEX of each (shown messages), and its size;
#   candidates  per term class (the terms of bench/list_search.sh, which
#               must have run first: public.bench_search_terms), the index
#               probe a search makes in its phase 2 (keys @>, ILIKE recheck):
#               ms (median of 3) and buffers touched, old keys vs new;
#   append      bench/append.sh with only the old index on messages, then
#               with only the new one (the rate append_message keeps).
# The 0.1 key functions are reached through their C symbols, which the
# module keeps for 0.1's install script (public.bench_v01_grams/_keys).
# Leaves the database with the extension's own index, rebuilt.
# Env: as bench/append.sh (APPEND_SECONDS, APPEND_ROUNDS, APPEND_CLIENTS).
set -euo pipefail
cd "$(dirname "$0")/.."

q() { psql -XqAt -v ON_ERROR_STOP=1 "$@"; }

if [ "$(q -c "SELECT to_regclass('public.bench_search_terms') IS NOT NULL")" != t ]; then
	echo "search_index: run bench/list_search.sh first (it picks the terms)" >&2
	exit 1
fi
newdef=$(q -c "SELECT pg_get_indexdef('convdash.messages_search_idx'::regclass)")

# Builds an index (the definition given) with a fresh timer; prints "seconds size".
build() {
	q -c "SET maintenance_work_mem = '1GB'" -c "$1" -c "SELECT 1" >/dev/null
}
timed_build() {
	local t0 t1
	t0=$(date +%s.%N)
	build "$1"
	t1=$(date +%s.%N)
	printf '%.1f %s\n' "$(echo "$t1 - $t0" | bc)" "$(q -c "SELECT pg_size_pretty(pg_relation_size('$2'::regclass))")"
}

q <<'SQL'
CREATE OR REPLACE FUNCTION public.bench_v01_grams(text) RETURNS integer[]
AS '$libdir/convdash', 'convdash_search_grams' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION public.bench_v01_keys(text) RETURNS integer[]
AS '$libdir/convdash', 'convdash_search_keys' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
DROP INDEX IF EXISTS convdash.bench_v01_search_idx;
SQL
echo "search index keys: 0.1 (1-3-grams, shared keys) vs now (1-2-4-grams, tenant keys), same table, same run"
read -r old_s old_size < <(timed_build "CREATE INDEX bench_v01_search_idx ON convdash.messages
	USING gin (public.bench_v01_grams(content)) WHERE seq IS NOT NULL" convdash.bench_v01_search_idx)
q -c "DROP INDEX convdash.messages_search_idx"
read -r new_s new_size < <(timed_build "$newdef" convdash.messages_search_idx)
q -c "VACUUM ANALYZE convdash.messages"
printf '%-40s %12s %12s\n' "index on shown messages" "0.1 keys" "now"
printf '%-40s %12s %12s\n' "build time (s)" "$old_s" "$new_s" "size" "$old_size" "$new_size"

echo
echo "phase-2 index probe per term (count of matching messages through the index; ms median of 3; buffers hit+read)"
q <<'SQL'
\pset tuples_only off
\pset format aligned
-- ms (median of 3 runs) and buffers of one statement, from EXPLAIN ANALYZE.
CREATE FUNCTION pg_temp.probe(sql text, OUT ms numeric, OUT buffers bigint, OUT rows bigint)
LANGUAGE plpgsql AS $$
DECLARE
	p jsonb;
	t numeric[] := '{}';
BEGIN
	FOR i IN 1..3 LOOP
		EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ' || sql INTO p;
		t := t || (p -> 0 ->> 'Execution Time')::numeric;
	END LOOP;
	ms := round((SELECT x FROM unnest(t) x ORDER BY x OFFSET 1 LIMIT 1), 2);
	buffers := (p -> 0 -> 'Plan' -> 'Plans' -> 0 ->> 'Shared Hit Blocks')::bigint
		+ (p -> 0 -> 'Plan' -> 'Plans' -> 0 ->> 'Shared Read Blocks')::bigint;
	rows := (p -> 0 -> 'Plan' -> 'Plans' -> 0 ->> 'Actual Rows')::bigint;
END
$$;
SET enable_seqscan = off;
SELECT t.kind, t.term, o.rows AS matches, o.ms AS "0.1 ms", n.ms AS "now ms",
	o.buffers AS "0.1 buffers", n.buffers AS "now buffers"
FROM public.bench_search_terms t
CROSS JOIN LATERAL pg_temp.probe(format($q$SELECT count(*) FROM convdash.messages m
	WHERE m.account_id = %s AND public.bench_v01_grams(m.content) @> public.bench_v01_keys(%L)
	  AND m.seq IS NOT NULL AND m.content ILIKE convdash.search_pattern(%L)$q$, t.account_id, t.term, t.term)) o
CROSS JOIN LATERAL pg_temp.probe(format($q$SELECT count(*) FROM convdash.messages m
	WHERE m.account_id = %s AND convdash.search_grams(m.account_id, m.content) @> convdash.search_keys(%s, %L)
	  AND m.seq IS NOT NULL AND m.content ILIKE convdash.search_pattern(%L)$q$, t.account_id, t.account_id, t.term, t.term)) n
WHERE t.kind NOT IN ('session', 'agent')
ORDER BY t.kind, t.i;
SQL

echo
echo "append with only the 0.1 index on messages"
q -c "DROP INDEX convdash.messages_search_idx"
before=$(bench/append.sh | tee /dev/stderr | awk '/vs raw INSERT of the same shown row/ { print $(NF-3) }')
echo "append with only the new index on messages"
build "$newdef"
q -c "DROP INDEX convdash.bench_v01_search_idx" -c "VACUUM ANALYZE convdash.messages"
after=$(bench/append.sh | tee /dev/stderr | awk '/vs raw INSERT of the same shown row/ { print $(NF-3) }')
echo
printf '%-58s %10s %10s %7s %8s\n' "append_message, same run" "now/s" "0.1/s" "ratio" "target"
awk -v a="$after" -v b="$before" 'BEGIN { printf "%-58s %10.0f %10.0f %7.2f %8s\n",
	"append_message, new index vs 0.1 index", a, b, a / b, ">= 0.90" }'
