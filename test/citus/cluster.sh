# A throwaway Citus cluster on loopback, sourced by test/citus/run.sh:
# a coordinator and two workers, each its own initdb'ed instance of the
# PostgreSQL that pg_config names (PG_CONFIG overrides), trust auth on
# 127.0.0.1 only, citus preloaded; the coordinator runs with
# citus.enable_local_execution = off so that every shard query goes over a
# connection, as it would on a real cluster.
# After cluster_start: $cluster_dir, ports $coord_port $worker1_port $worker2_port,
# and cq PORT SQL / cdb to run SQL as the bootstrap superuser "postgres".

pg_config_bin=${PG_CONFIG:-$(command -v pg_config || echo /usr/lib/postgresql/15/bin/pg_config)}
pg_bindir=$($pg_config_bin --bindir)
citus_control=$($pg_config_bin --sharedir)/extension/citus.control
cluster_db=convdash_citus

# Runs a PostgreSQL server program as the owner of the data directories.
as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Whether nothing listens on 127.0.0.1:PORT.
port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints a loopback port nothing listens on (from a random start).
free_port() {
	local p=$((20000 + RANDOM % 30000))
	while ! port_free $p; do p=$((p + 1)); done
	echo $p
}

# Initialises and starts one instance NAME on a free port; prints the port.
start_node() {
	local name=$1 extra=$2 dir=$cluster_dir/$1 port tries
	as_owner "$pg_bindir/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C >"$cluster_dir/$name.initdb.log" 2>&1 || return 1
	for tries in 1 2 3 4 5; do
		port=$(free_port)
		if as_owner "$pg_bindir/pg_ctl" -D "$dir" -l "$cluster_dir/$name.log" -w -t 60 start -o \
			"-p $port -k $cluster_dir -c listen_addresses=127.0.0.1 -c shared_preload_libraries=citus \
			 -c max_connections=150 -c fsync=off -c lc_messages=C -c max_prepared_transactions=100 $extra" \
			>/dev/null 2>&1; then
			echo $port
			return 0
		fi
	done
	return 1
}

# Runs SQL on the cluster database of the node at PORT as the superuser; prints rows unaligned.
cq() {
	psql -qAtX -h 127.0.0.1 -p "$1" -U postgres -d $cluster_db -v ON_ERROR_STOP=1 -c "$2"
}

# Runs SQL read from stdin on the coordinator.
cdb() {
	psql -qAtX -h 127.0.0.1 -p "$coord_port" -U postgres -d $cluster_db -v ON_ERROR_STOP=1 "$@"
}

# Starts the three instances and joins them: citus on each, workers added to the coordinator.
cluster_start() {
	cluster_dir=$(mktemp -d)
	chmod 755 "$cluster_dir"
	[ "$(id -u)" = 0 ] && chown postgres "$cluster_dir"
	coord_port=$(start_node coordinator "-c citus.enable_local_execution=off") || return 1
	worker1_port=$(start_node worker1 "") || return 1
	worker2_port=$(start_node worker2 "") || return 1
	local p
	for p in $coord_port $worker1_port $worker2_port; do
		psql -qX -h 127.0.0.1 -p $p -U postgres -d postgres -c "CREATE DATABASE $cluster_db" >/dev/null || return 1
		cq $p "SET client_min_messages = warning; CREATE EXTENSION citus" || return 1
	done
	cq $coord_port "SELECT citus_set_coordinator_host('127.0.0.1', $coord_port);
		SELECT citus_add_node('127.0.0.1', $worker1_port);
		SELECT citus_add_node('127.0.0.1', $worker2_port)" >/dev/null
}

# Stops the instances and removes their directories.
cluster_stop() {
	local n
	[ -n "${cluster_dir:-}" ] || return 0
	for n in coordinator worker1 worker2; do
		[ -d "$cluster_dir/$n" ] && as_owner "$pg_bindir/pg_ctl" -D "$cluster_dir/$n" -m immediate stop >/dev/null 2>&1
	done
	rm -rf "$cluster_dir"
}
