# The whole API suite (test/api/run.sh, with its export and events parts)
# against the coordinator of a distributed installation, sourced by
# test/citus/run.sh after the cluster started: the suite's database becomes a
# Citus database of the three instances, convdash is created and distributed
# (test/citus/hooks.sh install), and its database restarts restart the
# coordinator (hooks.sh stop|start|restart). Its cases print prefixed
# "citus api: "; its exit status counts.

# Runs test/api/run.sh against the coordinator; prints its cases prefixed.
citus_api_suite() {
	export cluster_dir coord_port worker1_port worker2_port
	PGHOST=127.0.0.1 PGPORT=$coord_port PGUSER=postgres PGDATABASE=postgres \
		CONVDASH_TEST_INSTALL="$root/test/citus/hooks.sh install" CONVDASH_TEST_DB_CTL="$root/test/citus/hooks.sh" \
		"$root/test/api/run.sh" 2>&1 | sed -u 's/^\(not \)\{0,1\}ok - /&citus api: /'
	return "${PIPESTATUS[0]}"
}

citus_api_suite || failed=1
