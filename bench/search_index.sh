#!/usr/bin/env bash
# The search index's keys, before (0.1: 1- to 3-grams, 32-bit keys shared by
# every tenant) and now (1-, 2- and 4-grams, 64-bit keys led by the account
# id), side by side in one run, at a small scale (SI_CONVERSATIONS, default
# 5,000 conversations, ~100k messages, scripts/generate_data.sql): two
# databases with the same data, one with the 0.1 index on messages (through
# the C symbol 0.1's install script still uses, public.bench_v01_grams), one
# with today's. For each: the index's build time and size, then
# bench/append.sh against each in turn (APPEND_ROUNDS rounds of
# APPEND_SECONDS per script), and the append_message rates side by side
# (target: today's >= 0.9 x 0.1's).
# Runs against the server of the environment (PGHOST, PGPORT, PGUSER: a superuser).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${SI_CONVERSATIONS:-5000}
dbs=(convdash_si_v01 convdash_si_now)
trap 'for d in "${dbs[@]}"; do psql -XqAt -d postgres -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1; done' EXIT

# Creates a database with the extension and n generated conversations,
# messages indexed by the 0.1 keys (v01) or today's (now); prints "seconds size".
prepare() {
	local db=$1 keys=$2
	psql -XqAt -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
	psql -XqAt -d "$db" -v ON_ERROR_STOP=1 >/dev/null <<-'SQL'
	SET client_min_messages = warning;
	CREATE EXTENSION convdash CASCADE;
	CREATE FUNCTION public.bench_v01_grams(text) RETURNS integer[]
	AS '$libdir/convdash', 'convdash_search_grams' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
	DROP INDEX convdash.messages_search_idx;
	SQL
	psql -Xq -d "$db" -v conversations="$n" -v accounts=3 -v account_name=Bench -v seed=1 \
		-v end_date=2026-11-24 -f scripts/generate_data.sql >/dev/null 2>&1
	local def
	if [ "$keys" = v01 ]; then
		def="CREATE INDEX messages_search_idx ON convdash.messages USING gin (public.bench_v01_grams(content)) WHERE seq IS NOT NULL"
	else
		def="CREATE INDEX messages_search_idx ON convdash.messages USING gin (convdash.search_grams(account_id, content)) WHERE seq IS NOT NULL"
	fi
	psql -XqAt -d "$db" -c "SET maintenance_work_mem = '512MB'" -c "SELECT clock_timestamp()" \
		-c "$def" -c "SELECT clock_timestamp()" -c "VACUUM ANALYZE convdash.messages" \
		-c "SELECT replace(pg_size_pretty(pg_relation_size('convdash.messages_search_idx')), ' ', ''), count(*) FROM convdash.messages WHERE seq IS NOT NULL" |
		awk 'NR == 1 { t0 = $0 } NR == 2 { t1 = $0 } NR == 3 { print t0 "|" t1 "|" $0 }' |
		{ IFS='|' read -r t0 t1 size rows
		  psql -XqAt -d postgres -c "SELECT round(extract(epoch FROM '$t1'::timestamptz - '$t0'::timestamptz)::numeric, 1)" |
			tr -d '\n'; echo " $size $rows"; }
}

read -r old_s old_size rows < <(prepare convdash_si_v01 v01)
read -r new_s new_size _ < <(prepare convdash_si_now now)
echo "search index on shown messages ($n conversations, $rows shown messages, 3 tenants), same run"
printf '%-24s %12s %12s\n' "" "0.1 keys" "now" "build time (s)" "$old_s" "$new_s" "size" "$old_size" "$new_size"

# append_message rates: the two databases in turn, round by round
rounds=${APPEND_ROUNDS:-3}
old=() new=()
for ((r = 1; r <= rounds; r++)); do
	for db in "${dbs[@]}"; do
		rate=$(APPEND_ROUNDS=1 PGDATABASE=$db bench/append.sh | awk '/vs raw INSERT of the same row/ { print $(NF-3) }')
		if [ "$db" = convdash_si_v01 ]; then old+=("$rate"); else new+=("$rate"); fi
	done
	echo "  round $r: append_message with the 0.1 index ${old[-1]}/s, with today's ${new[-1]}/s"
done
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
a=$(median "${new[@]}") b=$(median "${old[@]}")
printf '%-50s %10s %10s %7s %8s\n' "append_message (median of $rounds rounds)" "now/s" "0.1/s" "ratio" "target"
awk -v a="$a" -v b="$b" 'BEGIN { printf "%-50s %10.0f %10.0f %7.2f %8s\n", "today'"'"'s index vs the 0.1 index", a, b, a / b, ">= 0.90" }'
