#!/usr/bin/env bash
# The demo: a private PostgreSQL 15 cluster under .demo/ in the project
# folder, the extension with realistic demo data, an API key, and the HTTP
# service on 127.0.0.1.
#
#   scripts/demo.sh start   start (first time: create and load); keeps existing data
#   scripts/demo.sh stop    stop the service and the cluster
#   scripts/demo.sh reset   stop, delete .demo/, start afresh
#   scripts/demo.sh status  what is running
#
# Environment: DEMO_PG_PORT (default: first free from 5480), DEMO_HTTP_PORT
# (default: first free from 8080), DEMO_CONVERSATIONS (default 400).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
demo=$root/.demo
pgbin=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
db=convdash

source "$root/scripts/cluster-lib.sh"

# Runs psql as the cluster's superuser against the demo database.
demo_psql() {
	as_owner "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$demo/run" -p "$(cat "$demo/pg_port")" "$@"
}

# Creates the cluster on first use and starts it if it is not running.
start_cluster() {
	if [ ! -f "$demo/data/PG_VERSION" ]; then
		mkdir -p "$demo/data" "$demo/run"
		[ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$demo"
		chmod 700 "$demo/data"
		free_port "${DEMO_PG_PORT:-5480}" > "$demo/pg_port"
		as_owner "$pgbin/initdb" -D "$demo/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
			-E UTF8 --locale=C.UTF-8 >"$demo/initdb.log"
		cat >>"$demo/data/postgresql.conf" <<-EOF
		listen_addresses = '127.0.0.1'
		port = $(cat "$demo/pg_port")
		unix_socket_directories = '$demo/run'
		shared_buffers = 256MB
		jit = off
		shared_preload_libraries = 'pg_cron'
		cron.database_name = '$db'
		EOF
	fi
	if ! as_owner "$pgbin/pg_ctl" -D "$demo/data" status >/dev/null 2>&1; then
		as_owner "$pgbin/pg_ctl" -D "$demo/data" -l "$demo/postgres.log" -w start >/dev/null
	fi
}

# Installs the extension, the service's login role and the demo data, once.
load_data() {
	if ! demo_psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
		demo_psql -d postgres -c "CREATE DATABASE $db"
	fi
	demo_psql -d $db -c "CREATE EXTENSION IF NOT EXISTS convdash CASCADE"
	if [ ! -f "$demo/service_password" ]; then
		(umask 077; demo_psql -d $db -Atc "SELECT convdash.random_hex(16)" > "$demo/service_password")
		demo_psql -d $db -v pw="$(cat "$demo/service_password")" <<-'EOF'
		SELECT format('CREATE ROLE convdash_service LOGIN PASSWORD %L IN ROLE convdash_api', :'pw') \gexec
		EOF
	fi
	if [ -z "$(demo_psql -d $db -Atc "SELECT id FROM convdash.accounts WHERE name = 'Demo'")" ]; then
		echo "Loading demo data (${DEMO_CONVERSATIONS:-400} conversations)..."
		demo_psql -d $db -v conversations="${DEMO_CONVERSATIONS:-400}" -v accounts=1 \
			-v account_name=Demo -v seed=42 -v end_date="$(date -u -d yesterday +%F)" -v text=support \
			-f "$root/scripts/generate_data.sql" >/dev/null
		demo_psql -d $db -v account_name=Demo -f "$root/scripts/demo_showcase.sql" >/dev/null
		demo_psql -d $db -v account_name=Demo -f "$root/scripts/demo_retention.sql" >/dev/null
		# voice messages that say their transcript (espeak-ng, encoded per channel)
		"$root/scripts/demo_voice.sh" $([ "$(id -u)" -eq 0 ] && echo runuser -u postgres --) \
			"$pgbin/psql" -X -h "$demo/run" -p "$(cat "$demo/pg_port")" -d $db -- Demo 0.05 3
	fi
	if [ ! -s "$demo/api_key" ]; then
		(umask 077; demo_psql -d $db -Atc \
			"SELECT convdash.create_api_key(id, 'demo') FROM convdash.accounts WHERE name = 'Demo'" > "$demo/api_key")
	fi
}

# Starts the HTTP service in the background unless it is running.
start_service() {
	if [ -f "$demo/api.pid" ] && kill -0 "$(cat "$demo/api.pid")" 2>/dev/null; then
		return
	fi
	free_port "${DEMO_HTTP_PORT:-8080}" > "$demo/http_port"
	CONVDASH_DATABASE_URL="host=127.0.0.1 port=$(cat "$demo/pg_port") dbname=$db user=convdash_service password=$(cat "$demo/service_password")" \
	CONVDASH_LISTEN="127.0.0.1:$(cat "$demo/http_port")" \
		nohup "$root/api/convdash-api" >>"$demo/api.log" 2>&1 &
	echo $! > "$demo/api.pid"
	for _ in $(seq 50); do
		curl -fsS "http://127.0.0.1:$(cat "$demo/http_port")/healthz" >/dev/null 2>&1 && return
		sleep 0.2
	done
	echo "the service did not come up; see $demo/api.log" >&2
	tail -20 "$demo/api.log" >&2
	exit 1
}

# Stops the service (SIGTERM lets in-flight requests finish) and the cluster.
stop_all() {
	if [ -f "$demo/api.pid" ]; then
		local pid
		pid=$(cat "$demo/api.pid")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 150); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		rm -f "$demo/api.pid"
	fi
	if [ -f "$demo/data/PG_VERSION" ]; then
		as_owner "$pgbin/pg_ctl" -D "$demo/data" -m fast stop >/dev/null 2>&1 || true
	fi
}

# Prints where everything is.
print_status() {
	local url="http://127.0.0.1:$(cat "$demo/http_port")"
	cat <<-EOF

	convdash demo is running.
	  Dashboard:  $url/
	  API key:    $(cat "$demo/api_key")
	  Try:        curl -H "Authorization: Bearer $(cat "$demo/api_key")" $url/api/v1/conversations?limit=2
	  psql:       psql -h $demo/run -p $(cat "$demo/pg_port") -U postgres $db   (cluster data in .demo/data)
	  Logs:       .demo/api.log, .demo/postgres.log
	  Stop:       make demo-stop        Start over: make demo-reset
	EOF
}

case "${1:-start}" in
	start)
		start_cluster
		load_data
		start_service
		print_status
		;;
	stop)
		stop_all
		echo "convdash demo stopped (data kept in .demo/; make demo starts it again)"
		;;
	reset)
		stop_all
		rm -rf "$demo"
		"$0" start
		;;
	status)
		if [ -f "$demo/api.pid" ] && kill -0 "$(cat "$demo/api.pid")" 2>/dev/null; then
			print_status
		else
			echo "convdash demo is not running"
		fi
		;;
	*)
		echo "usage: $0 start|stop|reset|status" >&2
		exit 2
		;;
esac
