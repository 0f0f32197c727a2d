#!/usr/bin/env bash
# Append-message rate: convdash.append_message (tenant set per transaction,
# as the service does) against a raw INSERT into messages, 2 clients each,
# in the same run against the same table and indexes (trigram on content).
# The function's transaction is pipelined (one network round trip), as a
# client that sets the tenant per transaction should send it.
# Runs against the cluster of the environment (PGHOST, PGPORT, PGDATABASE...).
# Env: APPEND_SECONDS (default 20), APPEND_CLIENTS (default 2).
set -euo pipefail
secs=${APPEND_SECONDS:-20}
clients=${APPEND_CLIENTS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A dedicated account with 1,000 fresh conversations, so the rows appended
# here never disturb the list and search figures.
read -r acct lo hi < <(psql -qAtX -F' ' -v ON_ERROR_STOP=1 <<'SQL'
SELECT set_config('convdash.account_id', coalesce(
	(SELECT id FROM convdash.accounts WHERE name = 'bench-append'),
	convdash.create_account('bench-append'))::text, false) \gset
SELECT coalesce((SELECT id FROM convdash.agents WHERE account_id = convdash.current_account() AND name = 'appender'),
	convdash.create_agent('appender')) AS agent \gset
SELECT count(*) AS have FROM convdash.conversations WHERE account_id = convdash.current_account() \gset
SELECT count(convdash.start_conversation(:agent, 'append-' || g, 'web')) AS created FROM generate_series(:have + 1, 1000) g \gset
SELECT convdash.current_account(), min(id), max(id) FROM convdash.conversations WHERE account_id = convdash.current_account();
SQL
)

cat >"$work/function.sql" <<SQL
\set c random($lo, $hi)
\set n random(1, 1000000)
\startpipeline
BEGIN;
SELECT set_config('convdash.account_id', '$acct', true);
SELECT convdash.append_message(:c, 'user', 'Hi, order ' || :n || ' has not arrived yet, can you check the delivery to ' || md5(:n::text) || '@example.com?', 12, 0);
END;
\endpipeline
SQL
cat >"$work/raw.sql" <<SQL
\set c random($lo, $hi)
\set n random(1, 1000000)
INSERT INTO convdash.messages (account_id, conversation_id, role, content, prompt_tokens, completion_tokens)
VALUES ($acct, :c, 'tool', 'Hi, order ' || :n || ' has not arrived yet, can you check the delivery to ' || md5(:n::text) || '@example.com?', 12, 0);
SQL

# Prints the transactions per second of one pgbench run of a script.
rate() {
	pgbench -n -M prepared -c "$clients" -j "$clients" -T "$secs" -f "$1" 2>&1 | tee -a "$work/pgbench.log" \
		| sed -nE 's/^tps = ([0-9.]+) .*/\1/p'
}

raw=$(rate "$work/raw.sql")
fn=$(rate "$work/function.sql")
# the raw rows are tool messages: shown counters stay right, tokens need a fix-up
psql -qAtX -c "
	UPDATE convdash.conversations c SET prompt_tokens = t.p, completion_tokens = t.q
	FROM (SELECT conversation_id, coalesce(sum(prompt_tokens), 0) p, coalesce(sum(completion_tokens), 0) q
	      FROM convdash.messages WHERE account_id = $acct GROUP BY 1) t
	WHERE c.account_id = $acct AND c.id = t.conversation_id" >/dev/null

printf '%-44s %12s %12s %8s %8s\n' "append ($clients clients, ${secs}s each)" "rate/s" "baseline/s" "ratio" "target"
awk -v f="$fn" -v r="$raw" 'BEGIN { printf "%-44s %12.0f %12.0f %8.2f %8s\n", "append_message vs raw INSERT", f, r, f / r, ">= 0.70" }'
