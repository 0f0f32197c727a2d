# Upgrades on Citus, sourced by test/citus/run.sh after the cluster started.
# 0.1 cannot be distributed (no distribute(), its audio_clips has a unique
# index without the tenant and an unlink trigger, its workers' sequences
# overlap), so the realistic path is tested: 0.1 installed on the
# coordinator of a Citus database (Citus creates it on the workers too) and
# used, ALTER EXTENSION convdash UPDATE on the coordinator (Citus runs it on
# every node), then distribute(4). Uses check, same, cq (run.sh, cluster.sh).

upg_db=convdash_citus_upgrade
# Runs SQL on the upgrade database of the coordinator, as an admin of tenant $1 ('': none).
uq() {
	printf "SELECT set_config('convdash.account_id', '%s', false) \\g /dev/null\n%s;\n" "$1" "$2" |
		psql -qAtX -h 127.0.0.1 -p "$coord_port" -U postgres -d $upg_db -v ON_ERROR_STOP=1
}
check "0.1 installs on the coordinator of a Citus database and reaches both workers" same "$(cluster_database $upg_db &&
	cluster_db=$upg_db cq $coord_port "SET client_min_messages = warning; CREATE EXTENSION convdash VERSION '0.1' CASCADE" &&
	cluster_db=$upg_db cq $coord_port "SELECT string_agg(result, ',' ORDER BY nodeid) FROM run_command_on_all_nodes(
		\$\$SELECT extversion FROM pg_extension WHERE extname = 'convdash'\$\$)")" "0.1,0.1,0.1"
upg_acct=$(uq "" "SELECT convdash.create_account('Old Co')")
upg_conv=$(uq "$upg_acct" "SELECT convdash.start_conversation(convdash.create_agent('Olga'), 'old-1', 'web')")
uq "$upg_acct" "SELECT convdash.append_message($upg_conv, 'user', 'written by 0.1'), convdash.rate_conversation($upg_conv, 4)" >/dev/null
check "0.1 takes data on the coordinator" same "$(uq "$upg_acct" "SELECT message_count FROM convdash.conversations WHERE id = $upg_conv")" 1
check "ALTER EXTENSION convdash UPDATE on the coordinator updates every node to the default version" same \
	"$(cluster_db=$upg_db cq $coord_port "SET client_min_messages = warning; ALTER EXTENSION convdash UPDATE" &&
	cluster_db=$upg_db cq $coord_port "SELECT string_agg(result, ',' ORDER BY nodeid) FROM run_command_on_all_nodes(
		\$\$SELECT extversion FROM pg_extension WHERE extname = 'convdash'\$\$)")" \
	"$(cq $coord_port "SELECT default_version || ',' || default_version || ',' || default_version FROM pg_available_extensions WHERE name = 'convdash'")"
check "the updated installation distributes as many tables as a fresh one" same "$(uq "" "SELECT count(*) FROM convdash.distribute(4)")" \
	"$(cq $coord_port "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid::text LIKE 'convdash.%'")"
check "the data written by 0.1 is on its tenant's shard, read through the updated functions" same \
	"$(uq "$upg_acct" "SELECT d->>'message_count', d->'rating'->>'score', (SELECT t->'data'->0->>'content' FROM convdash.transcript($upg_conv) t)
		FROM convdash.conversation_detail($upg_conv) d")
$(cluster_db=$upg_db cq $coord_port "SELECT coalesce(sum(result::bigint), 0) FROM run_command_on_shards('convdash.messages',
	\$\$SELECT count(*) FROM %s WHERE account_id = $upg_acct\$\$)")" "1|4|written by 0.1
1"
check "after the update and distribute(), appends keep counting and new ids do not collide" same \
	"$(uq "$upg_acct" "SELECT convdash.append_message($upg_conv, 'assistant', 'written by 0.2') > 0 \\g /dev/null
		SELECT message_count, (SELECT count(DISTINCT id) FROM convdash.messages WHERE account_id = $upg_acct)
		FROM convdash.conversation_counters WHERE account_id = $upg_acct AND conversation_id = $upg_conv")" "2|2"
