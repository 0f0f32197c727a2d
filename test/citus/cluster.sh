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
# Its settings (EXTRA: more "name = value" lines) go into its
# postgresql.conf, so that node_ctl can stop and start it again as it was.
start_node() {
	local name=$1 extra=$2 dir=$cluster_dir/$1 port tries
	as_owner "$pg_bindir/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C >"$cluster_dir/$name.initdb.log" 2>&1 || return 1
	printf '%s\n' "unix_socket_directories = '$cluster_dir'" "listen_addresses = '127.0.0.1'" \
		"shared_preload_libraries = 'citus'" "max_connections = 150" "fsync = off" "lc_messages = 'C'" \
		"max_prepared_transactions = 100" "$extra" >>"$dir/postgresql.conf"
	for tries in 1 2 3 4 5; do
		port=$(free_port)
		echo "port = $port" >>"$dir/postgresql.conf"
		if node_ctl "$name" start; then
			echo $port
			return 0
		fi
	done
	return 1
}

# Stops (fast), starts or restarts (fast) instance NAME, waiting for it.
node_ctl() {
	as_owner "$pg_bindir/pg_ctl" -D "$cluster_dir/$1" -l "$cluster_dir/$1.log" -w -t 60 -m fast "$2" >/dev/null 2>&1
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
	coord_port=$(start_node coordinator "citus.enable_local_execution = off") || return 1
	worker1_port=$(start_node worker1 "") || return 1
	worker2_port=$(start_node worker2 "") || return 1
	cluster_database $cluster_db
}

# Makes database DB a Citus database of the three instances: creates it
# where it does not exist yet, Citus in it on each node, and adds the workers
# to its coordinator (Citus keeps its node list per database).
cluster_database() {
	local db=$1 p
	for p in $coord_port $worker1_port $worker2_port; do
		if [ -z "$(psql -qAtX -h 127.0.0.1 -p $p -U postgres -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
			psql -qX -h 127.0.0.1 -p $p -U postgres -d postgres -c "CREATE DATABASE $db" >/dev/null || return 1
		fi
		cluster_db=$db cq $p "SET client_min_messages = warning; CREATE EXTENSION citus" || return 1
	done
	cluster_db=$db cq $coord_port "SELECT citus_set_coordinator_host('127.0.0.1', $coord_port);
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
