#!/usr/bin/env bash
# Citus suite: convdash distributed on a real 3-node cluster (coordinator and
# two workers on loopback, see cluster.sh), built from the PostgreSQL that
# pg_config names. Checks distribute()/undistribute(), the functions as the
# service calls them (a tenant's API key, one transaction each), tenant
# isolation for the service, the HTTP service and bound BI roles, one-task
# plans for a tenant's list, search and detail, and that deletion, purge and
# undistribute leave nothing on any node.
# Without Citus it prints one "# citus suite skipped" line and no case (a
# skip counts neither as passed nor as failed).
# Prints "ok - ..." / "not ok - ..." per case (docs/CONVENTIONS.md).
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
. test/citus/cluster.sh

if [ ! -f "$citus_control" ]; then
	echo "# citus suite skipped: Citus is not installed ($citus_control is absent; docs/CITUS.md says how to build it)"
	exit 0
fi

failed=0
work=$(mktemp -d)
api_pid=
trap '[ -n "$api_pid" ] && kill -KILL "$api_pid" 2>/dev/null; cluster_stop; rm -rf "$work"' EXIT
export PGOPTIONS='-c client_min_messages=warning'

# Prints ok or not ok for a named case from a command's exit status.
check() {
	local name=$1; shift
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; failed=1; fi
}

# Whether two values are equal; prints both when not.
same() {
	[ "$1" = "$2" ] && return 0
	printf '#   got:  %s\n#   want: %s\n' "$1" "$2" | head -20
	return 1
}

# Runs SQL on the coordinator in one transaction under the tenant of an API
# key (as the service does); errors print as "ERROR: <SQLSTATE>".
tq() {
	printf '\\set VERBOSITY sqlstate\nBEGIN;\nSELECT convdash.authenticate(%s) AS tenant \\gset\n%s;\nCOMMIT;\n' \
		"'$1'" "$2" | cdb -v ON_ERROR_STOP=0 2>&1 | sed 's/^psql:<stdin>:[0-9]*: //; s/^ERROR:  /ERROR: /'
}

# Prints the number of rows of a tenant table on every shard placement whose rows match COND.
on_shards() {
	cq $coord_port "SELECT coalesce(sum(result::bigint), 0) FROM run_command_on_shards('$1', \$\$SELECT count(*) FROM %s WHERE $2\$\$)"
}

check "cluster: a coordinator and two workers start on loopback" cluster_start
[ $failed = 0 ] || exit 1

# ---- extension and distribute()
cq $coord_port "CREATE EXTENSION convdash CASCADE"
check "CREATE EXTENSION convdash on the coordinator reaches both workers" same \
	"$(cq $coord_port "SELECT string_agg(result, ',') FROM run_command_on_workers(\$\$SELECT extversion FROM pg_extension WHERE extname = 'convdash'\$\$)")" \
	"$(cq $coord_port "SELECT extversion || ',' || extversion FROM pg_extension WHERE extname = 'convdash'")"
check "distribute(4) distributes 16 tenant tables (conversation_counters, events, audio_chunks included) and 2 reference tables" same \
	"$(cq $coord_port "SELECT count(*) FROM convdash.distribute(4)")" 18
check "distribute() again is a no-op" same "$(cq $coord_port "SELECT count(*) FROM convdash.distribute(4)")" 0
# (citus_tables leaves out tables an extension owns: read pg_dist_partition)
check "tenant tables share one colocation group of 4 shards, hashed by tenant" same "$(cq $coord_port "
	SELECT count(DISTINCT p.colocationid) || ' ' || min(s.n) || ' ' || max(s.n) || ' ' || count(*)
	FROM pg_dist_partition p
	CROSS JOIN LATERAL (SELECT count(*) AS n FROM pg_dist_shard s WHERE s.logicalrelid = p.logicalrelid) s
	WHERE p.logicalrelid::text LIKE 'convdash.%' AND p.partmethod = 'h'
	  AND column_to_column_name(p.logicalrelid, p.partkey)
		= CASE WHEN p.logicalrelid = 'convdash.accounts'::regclass THEN 'id' ELSE 'account_id' END")" "1 4 4 16"
check "installation_secret and tenant_readers are reference tables" same "$(cq $coord_port "
	SELECT string_agg(logicalrelid::text, ',' ORDER BY logicalrelid::text) FROM pg_dist_partition
	WHERE partmethod = 'n' AND repmodel = 't' AND logicalrelid::text LIKE 'convdash.%'")" "convdash.installation_secret,convdash.tenant_readers"
check "each worker hands out ids from its own range (group << 48)" same "$(cq $coord_port "
	SELECT string_agg(result, ',' ORDER BY result) FROM run_command_on_workers(\$\$SELECT min(min_value)::text || '/' || count(DISTINCT min_value)
		FROM pg_sequences WHERE schemaname = 'convdash' AND sequencename LIKE '%id_seq'\$\$)")" \
	"$((1 << 48 | 1))/1,$((2 << 48 | 1))/1"
check "distribute() on a worker: 55000" same "$(cq $worker1_port "SELECT convdash.distribute()" 2>&1 | grep -c 'not the Citus coordinator')" 1
psql -qX -h 127.0.0.1 -p $coord_port -U postgres -d postgres -c "CREATE DATABASE plain" >/dev/null
psql -qX -h 127.0.0.1 -p $coord_port -U postgres -d plain -c "CREATE EXTENSION convdash CASCADE" >/dev/null
check "distribute() without Citus in the database: 0A000" same "$(psql -qAtX -h 127.0.0.1 -p $coord_port -U postgres -d plain \
	-c '\set VERBOSITY sqlstate' -c "SELECT convdash.distribute()" 2>&1)" "ERROR:  0A000"

# ---- tenants, keys and data through the functions, as the service calls them
cdb >/dev/null <<'SQL'
SELECT convdash.create_account('Acme'), convdash.create_account('Beta');
SQL
acct_a=$(cq $coord_port "SELECT id FROM convdash.accounts WHERE name = 'Acme'")
acct_b=$(cq $coord_port "SELECT id FROM convdash.accounts WHERE name = 'Beta'")
KA=$(cq $coord_port "SELECT convdash.create_api_key($acct_a, 'suite')")
KB=$(cq $coord_port "SELECT convdash.create_api_key($acct_b, 'suite')")
check "the two tenants live on different shards" same "$(cq $coord_port "
	SELECT count(DISTINCT get_shard_id_for_distribution_column('convdash.accounts', x)) FROM unnest(ARRAY[$acct_a, $acct_b]) x")" 2

agent=$(tq "$KA" "SELECT convdash.create_agent('Ava', 'Acme', 'hybrid')")
check "create_agent" test -n "$agent" -a "$agent" -gt 0
check "create_agent duplicate: 23505" same "$(tq "$KA" "SELECT convdash.create_agent('Ava')")" "ERROR: 23505"
ts=$(tq "$KA" "SELECT convdash.create_tracker_session('mobile', 'Firefox', started_at => '2026-03-01 09:00+00')")
check "create_tracker_session" test -n "$ts" -a "$ts" -gt 0
check "add_pageview and add_event (trigger) lock the session and insert" same \
	"$(tq "$KA" "SELECT convdash.add_pageview($ts, 'https://x.test/', 'Home', 5, 50, '2026-03-01 09:00:05+00') > 0,
		convdash.add_event($ts, 'click', 'ui', '2026-03-01 09:00:06+00', 'chat_open', 'open', '{\"a\":1}') > 0")" "t|t"
check "add_pageview on another tenant's session: P0002" same "$(tq "$KB" "SELECT convdash.add_pageview($ts, 'https://x.test/')")" "ERROR: P0002"
conv=$(tq "$KA" "SELECT convdash.start_conversation($agent, 'sess-1', 'widget', 'ai', '2026-03-01 10:00+00', $ts)")
check "start_conversation with a tracker session" test -n "$conv" -a "$conv" -gt 0
check "start_conversation with another tenant's agent: 23503" same \
	"$(tq "$KB" "SELECT convdash.start_conversation($agent, 's', 'web')")" "ERROR: 23503"
for i in 1 2 3; do
	tq "$KA" "SELECT convdash.append_message($conv, 'user', 'hello searchable $i', 3, NULL, '2026-03-01 10:0$i:00+00')" >/dev/null
done
msg=$(tq "$KA" "SELECT convdash.append_message($conv, 'assistant', 'an answer', NULL, 7, '2026-03-01 10:05:00+00')")
check "append_message keeps the counters" same "$(tq "$KA" "SELECT message_count, prompt_tokens, completion_tokens
	FROM convdash.conversation_counters WHERE account_id = $acct_a AND conversation_id = $conv")" "4|9|7"
check "merge_memory" same "$(tq "$KA" "SELECT convdash.merge_memory($conv, '{\"name\": \"Ann\", \"x\": {\"y\": 1}}')")" \
	'{"x": {"y": 1}, "name": "Ann"}'
check "set_sentiment, clear_sentiment, set_sentiment" same "$(tq "$KA" "SELECT convdash.set_sentiment($conv, 'negative') = $conv,
	convdash.clear_sentiment($conv) = $conv, convdash.set_sentiment($conv, NULL, 0.5) = $conv")" "t|t|t"
check "set_converted" same "$(tq "$KA" "SELECT convdash.set_converted($conv, true) = $conv")" t
check "rate_conversation, rate again, remove_rating, rate" same "$(tq "$KA" "SELECT convdash.rate_conversation($conv, 2) = $conv,
	convdash.rate_conversation($conv, 4, 'good') = $conv, convdash.remove_rating($conv), convdash.rate_conversation($conv, 5, 'great') = $conv")" "t|t|t|t"
check "link_tracker_session (unlink, link)" same "$(tq "$KA" "SELECT convdash.link_tracker_session($conv, NULL) = $conv,
	convdash.link_tracker_session($conv, $ts) = $conv")" "t|t"
check "link_tracker_session to an unknown session: 23503" same "$(tq "$KA" "SELECT convdash.link_tracker_session($conv, -1)")" "ERROR: 23503"
conv2=$(tq "$KA" "SELECT convdash.start_conversation($agent, 'sess-2', 'voip', 'human', '2026-03-02 10:00+00')")
conv3=$(tq "$KA" "SELECT convdash.start_conversation($agent, 'sess-3', 'web', 'ai', '2026-03-03 10:00+00')")
check "close_conversation, then again: 55000" same "$(tq "$KA" "SELECT convdash.close_conversation($conv2, 'done', '2026-03-02 10:30+00') = $conv2")
$(tq "$KA" "SELECT convdash.close_conversation($conv2)")" "t
ERROR: 55000"
check "archive_conversation (active: ended now) and again (no-op)" same "$(tq "$KA" "SELECT convdash.archive_conversation($conv3) = $conv3,
	convdash.archive_conversation($conv3) = $conv3")
$(tq "$KA" "SELECT status, ended_at IS NOT NULL FROM convdash.conversations WHERE account_id = $acct_a AND id = $conv3")" "t|t
archived|t"
check "append_message to an archived conversation: 55000" same "$(tq "$KA" "SELECT convdash.append_message($conv3, 'user', 'x')")" "ERROR: 55000"

# ---- reads
check "conversation_detail" same "$(tq "$KA" "SELECT d->'agent'->>'name', d->>'message_count', d->'rating'->>'score', d->>'sentiment', d->>'converted'
	FROM convdash.conversation_detail($conv) d")" "Ava|4|5|positive|true"
check "transcript pages" same "$(tq "$KA" "SELECT t->>'total', jsonb_array_length(t->'data'), t->'data'->0->>'content'
	FROM convdash.transcript($conv, 1, 3) t")" "4|3|an answer"
check "client_data with the tracker session, pageviews, events and triggers" same "$(tq "$KA" "
	SELECT d->'session'->>'browser', jsonb_array_length(d->'pageviews'), jsonb_array_length(d->'events'), d->'triggers'->0->>'name', d->'memory'->>'name'
	FROM convdash.client_data($conv) d")" "Firefox|1|0|chat_open|Ann"
check "list_agents, agent, message" same "$(tq "$KA" "SELECT convdash.list_agents()->'data'->0->>'name', convdash.agent($agent)->>'mode',
	convdash.message($msg)->>'completion_tokens'")" "Ava|hybrid|7"
check "list page 1 has a next_cursor and page 2 follows it" same "$(tq "$KA" "
	SELECT string_agg(x->>'session_id', ',') FROM (
		SELECT jsonb_array_elements(p1->'data') x FROM convdash.list_conversations(\"limit\" => 2) p1
		UNION ALL
		SELECT jsonb_array_elements(convdash.list_conversations(\"limit\" => 2,
			cursor => convdash.list_conversations(\"limit\" => 2)->>'next_cursor')->'data')) s")" "sess-3,sess-2,sess-1"
check "search q with a snippet, filters, sort, total" same "$(tq "$KA" "
	SELECT l->'data'->0->>'session_id', l->'data'->0->'match'->>'in', l->>'total'
	FROM convdash.list_conversations(q => 'searchable 2', status => '{active}', sort => 'messages', with_total => true) l")" "sess-1|message|1"
check "word search: words computed by append_message, relevance, marks, total" same "$(tq "$KA" "
	SELECT l->'data'->0->>'session_id', l->'data'->0->'match'->>'in', l->'data'->0->'match'->'marks', l->>'total'
	FROM convdash.list_conversations(q => '\"hello searchable\" -nothing', match => 'words', sort => 'relevance', with_total => true) l")" "sess-1|message|[[0, 5], [6, 16]]|1"
check "word search: an empty first page suggests the tenant's session" same "$(tq "$KA" "
	SELECT convdash.list_conversations(q => 'sess-1x', match => 'words')->'suggestions'->0->>'text'")" "sess-1"
check "idempotency_begin / finish / repeat" same "$(tq "$KA" "SELECT convdash.idempotency_begin('k1', 'POST /x') IS NULL,
	convdash.idempotency_finish('k1', 201, '{\"id\": 1}') IS NOT NULL")
$(tq "$KA" "SELECT convdash.idempotency_begin('k1', 'POST /x')->>'status'")
$(tq "$KA" "SELECT convdash.idempotency_begin('k1', 'POST /y')")" "t|t
201
ERROR: 23505"
check "retention: set_retention, retention_rules" same "$(cq $coord_port "SELECT convdash.set_retention($acct_a, 'archived', '30 days') IS NOT NULL")
$(tq "$KA" "SELECT convdash.retention_rules()->'data'->0->>'max_age'")" "t
P30D"
check "stats" same "$(cq $coord_port "SELECT agents, conversations, messages, rated FROM convdash.stats() WHERE account_id = $acct_a")" "1|3|4|1"

# ---- isolation for the service
check "tenant B reads none of A's rows by id: every read is P0002" same "$(for f in "conversation_detail($conv)" "transcript($conv)" "client_data($conv)" "agent($agent)" "message($msg)"; do tq "$KB" "SELECT convdash.$f"; done | sort -u)" "ERROR: P0002"
check "tenant B's writes on A's ids: P0002" same "$(for f in "append_message($conv, 'user', 'x')" "merge_memory($conv, '{}')" "set_converted($conv, false)" "rate_conversation($conv, 1)" "close_conversation($conv)" "archive_conversation($conv)" "delete_conversation($conv)"; do tq "$KB" "SELECT convdash.$f"; done | sort -u)" "ERROR: P0002"
check "tenant B's list and search see nothing of A" same "$(tq "$KB" "SELECT jsonb_array_length(convdash.list_conversations()->'data'),
	jsonb_array_length(convdash.list_conversations(q => 'searchable')->'data'), convdash.list_agents()->'data'")" "0|0|[]"
check "no key: 42501" same "$(printf '\\set VERBOSITY sqlstate\nSELECT convdash.list_agents();\n' | cdb 2>&1 | sed 's/^psql:<stdin>:[0-9]*: //')" "ERROR:  42501"
check "a key's claim does not outlive its transaction" same "$(printf '\\set VERBOSITY sqlstate\nSELECT convdash.authenticate(%s) IS NOT NULL;\nSELECT convdash.list_agents();\n' "'$KA'" | cdb 2>&1 | sed 's/^psql:<stdin>:[0-9]*: //')" "t
ERROR:  42501"

# ---- one task per tenant query (EXPLAIN of the statements the functions run)
list_sql=$(cq $coord_port "SELECT convdash.list_source_sql(NULL::convdash.list_args, 'date', 'desc', '', false, '51')")
explain() {
	cdb -c "PREPARE q(bigint, convdash.conversation_status[], convdash.channel[], bigint[], integer, timestamptz,
		timestamptz, text, bigint, text, bigint[], bigint[], text) AS $1" \
		-c "EXPLAIN EXECUTE q($acct_a, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '%searchable%', '{}', NULL, NULL)" | grep -o 'Task Count: [0-9]*'
}
check "EXPLAIN: a tenant's list page is one task" same "$(explain "$list_sql")" "Task Count: 1"
check "EXPLAIN: a tenant's search is one task" same "$(explain "SELECT p.id FROM ($list_sql) p
	LEFT JOIN LATERAL (SELECT true AS hit FROM convdash.messages m WHERE m.account_id = \$1 AND m.conversation_id = p.id
		AND m.seq IS NOT NULL AND m.content ILIKE \$10 LIMIT 1) h ON true
	WHERE p.session_id ILIKE \$10 OR p.agent_id = ANY(\$11) OR h.hit LIMIT 51")" "Task Count: 1"
check "EXPLAIN: a conversation's detail is one task" same "$(cdb -c "EXPLAIN SELECT c.id, a.name, r.score FROM convdash.conversations c
	JOIN convdash.agents a ON a.account_id = c.account_id AND a.id = c.agent_id
	LEFT JOIN convdash.ratings r ON r.account_id = c.account_id AND r.conversation_id = c.id
	WHERE c.account_id = $acct_a AND c.id = $conv" | grep -o 'Task Count: [0-9]*')" "Task Count: 1"

# ---- BI roles bound to a tenant
cdb >/dev/null <<SQL
CREATE ROLE bi_acme LOGIN;
SELECT convdash.grant_tenant_reader($acct_a, 'bi_acme');
SQL
bi() { psql -qAtX -h 127.0.0.1 -p $coord_port -U bi_acme -d $cluster_db -c "$1" 2>&1; }
check "a bound BI login reads its tenant's rows on every shard" same \
	"$(bi "SELECT count(*), count(DISTINCT account_id) FROM convdash.conversations")" "3|1"
check "a bound BI login sees no other tenant, whatever it sets" same \
	"$(bi "SELECT set_config('convdash.account_id', '$acct_b', false); SELECT count(*) FROM convdash.conversations WHERE account_id = $acct_b" | tail -1)" "0"
# Citus on PostgreSQL 15/16 refuses an outer join under row-level security
# unless the query names the shard: BI queries on views with outer joins
# filter by their account id (docs/CITUS.md)
check "a bound BI login reads its tenant through the views, filtered by its account" same \
	"$(bi "SELECT count(*) FROM convdash.v_conversations WHERE account_id = $acct_a")" 3
check "a bound BI login filtering views by another account sees nothing" same \
	"$(bi "SELECT count(*) FROM convdash.v_conversations WHERE account_id = $acct_b")" 0

# the documented ways (README, docs/CITUS.md): a login bound to a tenant, or
# to a group role, reads that tenant on every shard, whatever it sets, even
# a SET LOCAL propagated to the workers; an unbound reader reads nothing
agent_b=$(tq "$KB" "SELECT convdash.create_agent('Bea')")
conv_b=$(tq "$KB" "SELECT convdash.start_conversation($agent_b, 'b-1', 'web')")
tq "$KB" "SELECT convdash.append_message($conv_b, 'user', 'secret of beta')" >/dev/null
cq $coord_port "CREATE ROLE bi_nobody LOGIN IN ROLE convdash_reader"
cq $coord_port "CREATE ROLE bi_beta_group"
cq $coord_port "CREATE ROLE bi_beta LOGIN IN ROLE bi_beta_group"
cq $coord_port "SELECT convdash.grant_tenant_reader($acct_b, 'bi_beta_group')" >/dev/null
# Runs SQL as login $1 in a transaction that propagates SET LOCAL convdash.account_id = $2 to the workers.
bi_set() {
	printf 'BEGIN;
SET LOCAL citus.propagate_set_commands = local;
SET LOCAL convdash.account_id = %s;
%s;
COMMIT;
' "$2" "$3" |
		psql -qAtX -h 127.0.0.1 -p $coord_port -U "$1" -d $cluster_db 2>&1
}
count_sql="SELECT (SELECT count(*) FROM convdash.conversations) || '/' || (SELECT count(*) FROM convdash.messages WHERE content LIKE '%secret of beta%')"
check "a bound BI login setting another tenant (propagated to the workers) still reads its own, none of the other's" same \
	"$(bi_set bi_acme "$acct_b" "$count_sql")" "3/0"
check "a login bound through a group role reads its tenant on the shards, whatever it sets" same \
	"$(bi_set bi_beta "$acct_a" "$count_sql")" "1/1"
check "an unbound reader setting a tenant (propagated to the workers) reads nothing" same \
	"$(bi_set bi_nobody "$acct_a" "$count_sql")" "0/0"
check "a bound BI login's Read: functions answer for its tenant (export, its search)" same \
	"$(bi "SELECT convdash.tenant_source(), (SELECT count(*) FROM convdash.export_conversations()),
		(SELECT count(*) FROM convdash.export_conversations(q => 'secret of beta'))")" "reader|3|0"
check "the group-bound login's Read: functions answer for its tenant, nothing of the other" same \
	"$(psql -qAtX -h 127.0.0.1 -p $coord_port -U bi_beta -d $cluster_db -c "SELECT convdash.current_account(),
		(SELECT count(*) FROM convdash.export_conversations(q => 'secret')), convdash.export_transcript($conv_b)->0->>'content',
		convdash.export_transcript($conv)::text, (SELECT count(*) FROM convdash.export_batch(ARRAY[$conv, $conv2]))" 2>&1)" \
	"$acct_b|1|secret of beta|[]|0"
tq "$KB" "SELECT convdash.delete_conversation($conv_b)" >/dev/null

# ---- the HTTP service against the coordinator
bin=$root/api/convdash-api
if [ -x "$bin" ]; then
	cq $coord_port "CREATE ROLE convdash_citus_svc LOGIN IN ROLE convdash_api" >/dev/null
	"$bin" --listen 127.0.0.1:0 --database-url "host=127.0.0.1 port=$coord_port dbname=$cluster_db user=convdash_citus_svc" \
		--threads 4 --static-dir "$root/api/static" 2>"$work/api.log" &
	api_pid=$!
	for i in $(seq 1 100); do
		port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$work/api.log" | head -1)
		[ -n "$port" ] && break
		sleep 0.1
	done
	http() { curl -sS -o "$work/body" -w '%{http_code}' -H "Authorization: Bearer $1" "http://127.0.0.1:${port:-0}$2"; }
	check "service: tenant A lists its conversations (200, 3 rows)" \
		same "$(http "$KA" /api/v1/conversations) $(jq '.data | length' "$work/body" 2>/dev/null)" "200 3"
	check "service: tenant A reads a conversation's detail" same "$(http "$KA" /api/v1/conversations/$conv) $(jq -r '.agent.name' "$work/body" 2>/dev/null)" "200 Ava"
	check "service: tenant B gets 404 for A's conversation" same "$(http "$KB" /api/v1/conversations/$conv)" 404
	check "service: tenant B's list is empty" same "$(http "$KB" /api/v1/conversations) $(jq '.data | length' "$work/body" 2>/dev/null)" "200 0"
	kill -TERM $api_pid 2>/dev/null; wait $api_pid 2>/dev/null; api_pid=
else
	echo "not ok - service: $bin is not built (make api)"; failed=1
fi

# ---- audio (test/citus/audio.sh): chunks on the tenant's shard, a shard move, nothing left after deletion
. test/citus/audio.sh
audio_cases

# ---- upgrades: 0.1 updated on the coordinator, then distributed (its own database)
. test/citus/upgrade.sh

# ---- the whole API suite against the coordinator (its own database)
. test/citus/api.sh

# ---- deletion and purge leave nothing on any node
check "delete_conversation removes every row of it on every shard" same "$(tq "$KA" "SELECT (convdash.delete_conversation($conv))->>'messages'")
$(on_shards convdash.messages "conversation_id = $conv") $(on_shards convdash.ratings "conversation_id = $conv") $(on_shards convdash.conversations "id = $conv")" "4
0 0 0"
check "delete_conversations reports the missing ids" same "$(tq "$KA" "SELECT convdash.delete_conversations(ARRAY[$conv2, $conv])->>'not_found'")
$(on_shards convdash.conversations "id = $conv2")" "[$conv]
0"
check "purge_conversations removes what it reports, on every shard" same "$(cq $coord_port "SELECT conversations FROM convdash.purge_conversations(interval '1 second', '{archived}', $acct_a)")
$(on_shards convdash.conversations "account_id = $acct_a")" "1
0"
check "the deletion log has the three deletions, with the key that deleted" same \
	"$(tq "$KA" "SELECT count(*), count(api_key_id) FROM convdash.deletion_log WHERE account_id = $acct_a")" "3|2"

# ---- undistribute() and DROP EXTENSION
before=$(cq $coord_port "SELECT (SELECT count(*) FROM convdash.accounts) || '/' || (SELECT count(*) FROM convdash.agents) || '/' || (SELECT count(*) FROM convdash.deletion_log) || '/' || (SELECT count(*) FROM convdash.tenant_readers)")
check "undistribute() turns the 18 tables back into local ones" same "$(cq $coord_port "SELECT count(*) FROM convdash.undistribute()")" 18
check "undistribute() keeps every row" same "$(cq $coord_port "SELECT (SELECT count(*) FROM convdash.accounts) || '/' || (SELECT count(*) FROM convdash.agents) || '/' || (SELECT count(*) FROM convdash.deletion_log) || '/' || (SELECT count(*) FROM convdash.tenant_readers)")" "$before"
shards_left() {
	cq $coord_port "SELECT string_agg(result, ',') FROM run_command_on_workers(\$\$SELECT count(*) FROM pg_class
		WHERE relnamespace = 'convdash'::regnamespace AND relname ~ '_[0-9]{6,}\$'\$\$)"
}
check "no shard is left on the workers and no Citus metadata on the coordinator" same \
	"$(shards_left) $(cq $coord_port "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid::text LIKE 'convdash.%'")" "0,0 0"
check "the installation works locally after undistribute()" same "$(tq "$KA" "SELECT convdash.create_agent('After') > 0, convdash.list_agents()->'data'->0->>'name'")" "t|After"
audio_before_redistribute
check "distribute() works again after undistribute()" same "$(cq $coord_port "SELECT count(*) FROM convdash.distribute(4)")" 18
audio_after_redistribute
cq $coord_port "SELECT count(*) FROM convdash.undistribute()" >/dev/null
cq $coord_port "DROP EXTENSION convdash CASCADE"
check "DROP EXTENSION after undistribute() leaves no convdash table on any node" same \
	"$(cq $coord_port "SELECT string_agg(result, ',') FROM run_command_on_workers(\$\$SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'convdash'\$\$)")" "0,0"
exit $failed
