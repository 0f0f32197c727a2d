#!/usr/bin/env bash
# One tenant on a 3-node Citus cluster beside the same on one node, same data:
# list (page 1), search (a common word, a rare order number), detail and
# append (a committed transaction each), as latencies and ratios
# (cluster / one node). Both sides run in the coordinator's instance of
# test/citus/cluster.sh (a coordinator and two workers on loopback,
# citus.enable_local_execution = off): the one-node side in a database
# without Citus, the cluster side in one where the data, generated with the
# same seed, was distributed with convdash.distribute(4).
# Without Citus it prints one "# citus bench skipped" line and exits 0.
#   bench/citus.sh                    100,000 conversations of one tenant
#   CITUS_SCALE=20000 CITUS_SECONDS=5 bench/citus.sh
# PG_CONFIG chooses the PostgreSQL (and its Citus). Writes its table to
# $BENCH_RESULTS/citus-<scale>.txt as well.
set -uo pipefail
cd "$(dirname "$0")/.."
. test/citus/cluster.sh
if [ ! -f "$citus_control" ]; then
	echo "# citus bench skipped: Citus is not installed ($citus_control is absent; docs/CITUS.md says how to build it)"
	exit 0
fi
scale=${CITUS_SCALE:-100000}
seconds=${CITUS_SECONDS:-10}
seed=42
out=${BENCH_RESULTS:-bench/results}/citus-$scale.txt
mkdir -p "$(dirname "$out")"
work=$(mktemp -d)
trap 'cluster_stop; rm -rf "$work"' EXIT
say() { echo "# $(date -u +%H:%M:%S) $*"; }

say "starting a coordinator and two workers"
cluster_start || { echo "cannot start the cluster"; exit 1; }
psql -qX -h 127.0.0.1 -p "$coord_port" -U postgres -d postgres -c "CREATE DATABASE single" >/dev/null
# Runs psql on database $1 of the coordinator's instance.
dbq() { local db=$1; shift; psql -qAtX -h 127.0.0.1 -p "$coord_port" -U postgres -d "$db" -v ON_ERROR_STOP=1 "$@"; }
for db in single $cluster_db; do
	say "$db: convdash and $scale generated conversations of one tenant"
	dbq $db -c "SET client_min_messages = warning; CREATE EXTENSION convdash CASCADE" || exit 1
	dbq $db -v conversations="$scale" -v accounts=1 -v account_name=Bench -v seed=$seed \
		-f scripts/generate_data.sql >/dev/null 2>"$work/generate-$db.log" || { cat "$work/generate-$db.log"; exit 1; }
done
say "$cluster_db: distribute(4)"
dbq $cluster_db -c "SET client_min_messages = warning; SELECT count(*) FROM convdash.distribute(4)" >/dev/null || exit 1
dbq $cluster_db -c "ANALYZE"

acct=$(dbq single -c "SELECT id FROM convdash.accounts WHERE name = 'Bench'")
rare=$(dbq single -c "SELECT substring(content from 'ORD-[0-9]+') FROM convdash.messages WHERE content ~ 'ORD-[0-9]+' ORDER BY id LIMIT 1")
read -r lo hi < <(dbq single -F ' ' -c "SELECT min(id), max(id) FROM convdash.conversations WHERE account_id = $acct")
[ "$(dbq $cluster_db -c "SELECT count(*) FROM convdash.conversations WHERE account_id = $acct")" = "$(dbq single -c "SELECT count(*) FROM convdash.conversations")" ] ||
	{ echo "the two databases do not hold the same conversations"; exit 1; }

# One pgbench script per operation: a transaction under the tenant, as the service runs it.
tx() { printf 'BEGIN;\nSELECT set_config('"'"'convdash.account_id'"'"', '"'"'%s'"'"', true);\n%s\nCOMMIT;\n' "$acct" "$1"; }
tx "SELECT convdash.list_conversations();" >"$work/list.sql"
tx "SELECT convdash.list_conversations(q => 'refund');" >"$work/search_common.sql"
tx "SELECT convdash.list_conversations(q => '$rare');" >"$work/search_rare.sql"
{ echo "\\set id random($lo, $hi)"; tx "SELECT convdash.conversation_detail(:id);"; } >"$work/detail.sql"
{ echo "\\set id random($lo, $hi)"; tx "SELECT convdash.append_message(:id, 'user', 'bench append');"; } >"$work/append.sql"
# open conversations only take appends
dbq single -c "UPDATE convdash.conversations SET status = 'active', ended_at = NULL" >/dev/null
dbq $cluster_db -c "UPDATE convdash.conversations SET status = 'active', ended_at = NULL WHERE account_id = $acct" >/dev/null

# Prints the average latency in ms of a script on a database (one client).
latency() {
	"$pg_bindir/pgbench" -n -h 127.0.0.1 -p "$coord_port" -U postgres -c 1 -T "$seconds" -f "$work/$2.sql" "$1" 2>&1 |
		sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p'
}

{
	echo "# Citus: one tenant of $scale conversations, 3 nodes (coordinator + 2 workers on loopback, 4 shards) vs one node"
	echo "# pgbench, 1 client, $seconds s per operation; a transaction each (set the tenant, the call, COMMIT)"
	printf '%-16s %12s %12s %8s\n' operation "1 node ms" "3 nodes ms" ratio
	for op in list search_common search_rare detail append; do
		one=$(latency single $op)
		three=$(latency $cluster_db $op)
		if [ -z "$one" ] || [ -z "$three" ]; then
			printf '%-16s %12s %12s %8s\n' $op "${one:-failed}" "${three:-failed}" -
			continue
		fi
		printf '%-16s %12s %12s %8s\n' $op "$one" "$three" "$(awk -v a="$three" -v b="$one" 'BEGIN { printf "%.2f", a / b }')"
	done
} | tee "$out"
