# The HTTP service for a bench module (sourced by bench/http.sh and
# bench/slowclients.sh): the service's login role, API keys labelled for
# the module, the service built and started on a free port. Needs PGHOST,
# PGPORT, PGDATABASE (bench/run.sh provides them) and $work.

psql_q() { psql -qAtX -v ON_ERROR_STOP=1 "$@"; }
api_pid=

# Stops the service, removes the module's keys and $work. Usage: service_cleanup LABEL
service_cleanup() {
	[ -n "$api_pid" ] && kill -TERM "$api_pid" 2>/dev/null && wait "$api_pid" 2>/dev/null
	psql_q -c "DELETE FROM convdash.api_keys WHERE label = '$1'" >/dev/null 2>&1 || true
	rm -rf "$work"
}

# Creates the service's login role (once). Usage: service_role
service_role() {
	psql_q -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'convdash_bench_service') THEN
		CREATE ROLE convdash_bench_service LOGIN IN ROLE convdash_api; END IF; END \$\$" >/dev/null
}

# Builds and starts the service with the given options; sets api_pid, port
# and base, or exits when it does not answer. Usage: service_start [option...]
service_start() {
	make -s -C api convdash-api
	"$PWD/api/convdash-api" --listen 127.0.0.1:0 "$@" \
		--database-url "host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=convdash_bench_service" 2>"$work/api.log" &
	api_pid=$!
	for _ in $(seq 50); do grep -q 'listening on port' "$work/api.log" && break; sleep 0.1; done
	port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$work/api.log" | head -1)
	base=http://127.0.0.1:$port
	curl -sf "$base/healthz" >/dev/null || { echo "the service did not start"; cat "$work/api.log"; exit 1; }
}
