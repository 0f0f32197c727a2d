#!/usr/bin/env bash
# make bench: the benchmark at scale (PERFORMANCE.md), never part of make test.
#
#   SCALE=1000000 bench/run.sh          (default 1,000,000 conversations, ~20M messages)
#   SCALE=100000 bench/run.sh           a quick run
#   bench/run.sh list_search detail     only these modules
#
# A persistent cluster under bench/.data/ (bench/cluster.sh) keeps one
# database per scale, convdash_<SCALE>, generated once by
# scripts/generate_data.sql (3 accounts, the first holding 60%; 10 agents
# each; seed BENCH_SEED, default 1) and indexed with progress shown. Later
# runs reuse it; BENCH_REGENERATE=1 makes it afresh (also needed after a
# change of the extension's SQL, which the bench database does not follow).
#
# Then every module, an executable bench/<name>.sh, runs (list_search first,
# then the others in name order) with the environment:
#   PGHOST, PGPORT, PGUSER (superuser postgres), PGDATABASE  the bench database
#   BENCH_SCALE     conversations generated
#   BENCH_RESULTS   folder for result files (bench/results/)
# Each module prints its table; the output of the whole run is also written
# to bench/results/bench-<SCALE>-<UTC time>.txt and bench/results/latest-<SCALE>.txt.
# The run exits non-zero when a module fails (or does not exist).
# The cluster is stopped at the end (BENCH_KEEP=1 leaves it running).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source bench/cluster.sh

scale=${SCALE:-1000000}
seed=${BENCH_SEED:-1}
db=convdash_$scale
mkdir -p bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=bench/results/bench-$scale-$stamp.txt

# Prints a line with the elapsed time since the run started.
t0=$(date +%s)
say() {
	printf '[%5ds] %s\n' $(($(date +%s) - t0)) "$*"
}

# Shows CREATE INDEX progress every 15 s while any of the given processes runs.
watch_index() {
	local pid running=1
	while [ $running = 1 ]; do
		running=0
		for pid in "$@"; do kill -0 "$pid" 2>/dev/null && running=1; done
		[ $running = 1 ] || break
		sleep 15
		psql -XAtq -d "$db" -c "SELECT format('  %s: %s %s/%s blocks, %s/%s tuples',
				relid::regclass, phase, blocks_done, blocks_total, tuples_done, tuples_total)
			FROM pg_stat_progress_create_index WHERE datname = current_database()" 2>/dev/null || true
	done
}

# Creates the database of this scale with generated data, unless it is ready.
prepare_data() {
	if [ "${BENCH_REGENERATE:-0}" != 1 ] &&
		psql -XAtq -d "$db" -c "SELECT 1 FROM public.bench_ready" 2>/dev/null | grep -q 1; then
		say "reusing database $db ($(psql -XAtq -d "$db" -c "SELECT format('%s messages, generated %s', messages, generated_at) FROM public.bench_ready"))"
		return
	fi
	say "creating database $db (scale $scale, seed $seed)"
	psql -Xq -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
	psql -Xq -d "$db" -c "CREATE EXTENSION convdash CASCADE"
	# Secondary indexes of messages are built after the load (much faster than
	# maintaining them row by row); their definitions are kept to recreate them.
	psql -XAtq -d "$db" -c "SELECT indexdef FROM pg_indexes WHERE schemaname = 'convdash'
		AND tablename = 'messages' AND indexname <> 'messages_pkey' ORDER BY indexname" > bench/.data/indexes-$scale.sql
	psql -XAtq -d "$db" -c "SELECT 'DROP INDEX convdash.' || indexname || ';' FROM pg_indexes
		WHERE schemaname = 'convdash' AND tablename = 'messages' AND indexname <> 'messages_pkey'" | psql -Xq -d "$db"
	local g0=$(date +%s)
	say "generating $scale conversations"
	psql -Xq -d "$db" -v conversations="$scale" -v accounts=3 -v account_name=Bench -v seed="$seed" \
		-v end_date="${BENCH_END_DATE:-2026-11-24}" -f scripts/generate_data.sql 2>&1 |
		sed -u -n "s/.*NOTICE:  generated/  generated/p"
	local g1=$(date +%s)
	# All at once: a GIN builds on one core, and the three of them in a row
	# left the second core idle for most of the hour they take at 1M.
	local builds=()
	while read -r def; do
		say "building ${def%% ON *}"
		psql -Xq -d "$db" -c "SET maintenance_work_mem = '2GB'" -c "$def" &
		builds+=($!)
	done < bench/.data/indexes-$scale.sql
	watch_index "${builds[@]}"
	for pid in "${builds[@]}"; do wait "$pid"; done
	say "adding voice clips to ~2% of the conversations (scripts/generate_audio.sql)"
	psql -Xq -d "$db" -v seed="$seed" -f scripts/generate_audio.sql 2>&1 |
		sed -u -n "s/.*NOTICE:  generated/  generated/p"
	say "vacuum analyze"
	psql -Xq -d "$db" -c "VACUUM (ANALYZE) convdash.conversations, convdash.conversation_counters, convdash.messages, convdash.agents, convdash.ratings"
	local g2=$(date +%s)
	psql -Xq -d "$db" -c "CREATE TABLE public.bench_ready AS SELECT $scale AS scale, $seed AS seed,
		now() AS generated_at, $((g1 - g0)) AS generate_seconds, $((g2 - g1)) AS index_seconds,
		(SELECT count(*) FROM convdash.messages) AS messages,
		pg_size_pretty(pg_total_relation_size('convdash.messages')) AS messages_size,
		pg_size_pretty(pg_relation_size('convdash.messages_search_idx')) AS search_index_size"
	say "data ready: $(psql -XAtq -d "$db" -c "SELECT format('%s messages (%s, search index %s), generated in %s s, indexed in %s s',
		messages, messages_size, search_index_size, generate_seconds, index_seconds) FROM public.bench_ready")"
}

# Prints the machine the run is on.
machine() {
	echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),"\
		"$(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr), PostgreSQL $(psql -XAtq -d postgres -c 'SHOW server_version')"
}

main() {
	bench_start
	export PGDATABASE=$db BENCH_SCALE=$scale BENCH_RESULTS=$root/bench/results
	prepare_data
	machine
	psql -XAtq -c "SELECT format('data: %s conversations, %s messages, largest tenant %s conversations',
		(SELECT count(*) FROM convdash.conversations), messages,
		(SELECT max(n) FROM (SELECT count(*) n FROM convdash.conversations GROUP BY account_id) x)) FROM public.bench_ready"
	local modules=("$@")
	if [ ${#modules[@]} -eq 0 ]; then
		modules=(list_search)
		for f in bench/*.sh; do
			[ -x "$f" ] || continue # not executable: a library the modules source (service-lib.sh, append-lib.sh...)
			m=$(basename "$f" .sh)
			case $m in run|cluster|list_search) ;; *) modules+=("$m") ;; esac
		done
	fi
	local failed=()
	for m in "${modules[@]}"; do
		if [ ! -x "bench/$m.sh" ]; then
			say "module $m does not exist (no executable bench/$m.sh)"
			failed+=("$m")
			continue
		fi
		say "module $m"
		"bench/$m.sh" || { say "module $m failed with status $?"; failed+=("$m"); }
	done
	[ "${BENCH_KEEP:-0}" = 1 ] || bench_stop
	if [ ${#failed[@]} -gt 0 ]; then
		say "done; failed modules: ${failed[*]}"
		return 1
	fi
	say "done"
}

# the results are kept also when the run fails (set -e ends it there)
trap 'cp "$out" "bench/results/latest-$scale.txt"; echo "results: $out"' EXIT
main "$@" 2>&1 | tee "$out"
