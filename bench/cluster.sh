#!/usr/bin/env bash
# The persistent benchmark cluster under bench/.data/ (sourced by bench/run.sh).
# It is created on first use, started when needed and left running between
# runs only while a run is in progress: bench_stop stops it.
#
# Exports for the modules: PGHOST (socket directory), PGPORT, PGUSER
# (postgres, a superuser), PGDATABASE (the database of the current scale).

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_data=$bench_root/.data
pgbin=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)

source "$bench_root/../scripts/cluster-lib.sh"

# Creates the cluster on first use and starts it; exports the connection.
bench_start() {
	if [ ! -f "$bench_data/pg/PG_VERSION" ]; then
		mkdir -p "$bench_data/pg" "$bench_data/run"
		[ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$bench_data"
		chmod 700 "$bench_data/pg"
		free_port "${BENCH_PG_PORT:-5590}" > "$bench_data/port"
		as_owner "$pgbin/initdb" -D "$bench_data/pg" -U postgres --auth-local=trust --auth-host=trust \
			-E UTF8 --locale=C.UTF-8 >"$bench_data/initdb.log"
		cat >>"$bench_data/pg/postgresql.conf" <<-CONF
		listen_addresses = '127.0.0.1'
		port = $(cat "$bench_data/port")
		unix_socket_directories = '$bench_data/run'
		shared_buffers = ${BENCH_SHARED_BUFFERS:-4GB}
		effective_cache_size = 16GB
		maintenance_work_mem = 2GB
		work_mem = 64MB
		max_wal_size = 16GB
		checkpoint_timeout = 30min
		random_page_cost = 1.1
		effective_io_concurrency = 64
		max_parallel_maintenance_workers = 2
		jit = off
		max_connections = 100
		CONF
	fi
	if ! as_owner "$pgbin/pg_ctl" -D "$bench_data/pg" status >/dev/null 2>&1; then
		as_owner "$pgbin/pg_ctl" -D "$bench_data/pg" -l "$bench_data/postgres.log" -w start >/dev/null
	fi
	export PGHOST=$bench_data/run PGPORT=$(cat "$bench_data/port") PGUSER=postgres
}

# Stops the cluster (the data stays for the next run).
bench_stop() {
	as_owner "$pgbin/pg_ctl" -D "$bench_data/pg" -m fast stop >/dev/null 2>&1 || true
}
