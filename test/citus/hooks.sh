#!/usr/bin/env bash
# The hooks through which test/api/run.sh runs against the coordinator of the
# cluster test/citus/run.sh started (cluster_dir and the ports come in the
# environment; see CONVDASH_TEST_INSTALL and CONVDASH_TEST_DB_CTL in
# test/api/lib.sh):
#   hooks.sh install DB           DB becomes a Citus database of the three
#                                 instances, convdash is created on the
#                                 coordinator and distribute(4) called
#   hooks.sh stop|start|restart   the coordinator (the workers stay up)
set -euo pipefail
. "$(dirname "$0")/cluster.sh"

case $1 in
install)
	cluster_database "$2"
	# (two transactions: distribute() places shards over other connections,
	# which must see the extension on the workers committed)
	cluster_db=$2 cq $coord_port "SET client_min_messages = warning; CREATE EXTENSION convdash CASCADE"
	cluster_db=$2 cq $coord_port "SELECT count(*) FROM convdash.distribute(4)" >/dev/null
	;;
stop | start | restart)
	node_ctl coordinator "$1"
	;;
*)
	echo "usage: $0 install DB | stop | start | restart" >&2
	exit 2
	;;
esac
