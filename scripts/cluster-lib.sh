# Shell helpers for the private PostgreSQL clusters of the demo
# (scripts/demo.sh) and the benchmarks (bench/cluster.sh); source it.

# Runs a command as the cluster's owner: postgres when we are root, else ourselves.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# Prints the first TCP port from $1 on that nothing listens on at 127.0.0.1.
free_port() {
	local port=$1
	while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
		port=$((port + 1))
	done
	echo "$port"
}
