#!/usr/bin/env bash
# Correctness oracle of convdash.list_conversations: on a generated data set
# (scripts/generate_data.sql, 3,000 conversations, 2 tenants), many random
# combinations of filters x sorts x orders x search terms x page sizes x
# search-phase settings are walked page by page through the cursors, and
# every page is compared with a plain, obviously correct SQL query (strpos on
# lower(), role IN (user, assistant), dates via AT TIME ZONE, ORDER BY the
# full key). Checks: same rows in the same order, no duplicates, no gaps,
# full pages until the last (short ones only where a search's bounded walk
# ended the page and it says "partial"), next_cursor null exactly at the end, the exact
# total, each row's fields, and each hit's match (session, agent, message: the first
# matching message by seq),
# snippet and marks, and the suggestions of an empty first page. Word search
# (match=words, the first tenant in English, the second simple) is compared
# with to_tsvector/websearch_to_tsquery on the text itself, and relevance
# order with ts_rank_cd computed the same obvious way. Every combination is walked to its last page. Prints
# "ok - ..." / "not ok - ..." per combination.
# The seed of the data and of the combinations changes every run and is
# printed first: ORACLE_SEED=<seed> test/run.sh oracle replays a run.
# Env: ORACLE_CASES (default 150), ORACLE_SEED (default: random).
set -uo pipefail
cd "$(dirname "$0")/../.."
db=convdash_oracle_$$
cases=${ORACLE_CASES:-150}
seed=${ORACLE_SEED:-$((RANDOM * 32768 + RANDOM + 1))}
echo "# oracle seed $seed (replay: ORACLE_SEED=$seed test/run.sh oracle)"

# Drops the oracle's database.
cleanup() {
	psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
}
trap cleanup EXIT

psql -XAtq -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db" >/dev/null || exit 1
psql -XAtq -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION convdash CASCADE" >/dev/null 2>&1 || {
	echo "not ok - oracle: CREATE EXTENSION failed"; exit 1; }
psql -XAtq -v ON_ERROR_STOP=1 -d "$db" -v conversations=3000 -v accounts=2 -v account_name=Oracle \
	-v seed="$seed" -v end_date=2026-11-24 -f scripts/generate_data.sql >/dev/null 2>&1 || {
	echo "not ok - oracle: data generation failed"; exit 1; }
# the second tenant reads its dates in another zone
psql -XAtq -d "$db" -c "SELECT convdash.set_account_time_zone(id, 'America/New_York') FROM convdash.accounts WHERE name = 'Oracle 2'" >/dev/null
# the first tenant's words are stemmed in English (re-indexed), the second's stay simple
psql -XAtq -v ON_ERROR_STOP=1 -d "$db" >/dev/null 2>&1 <<'SQL' || { echo "not ok - oracle: re-indexing in english failed"; exit 1; }
SELECT id AS oracle_acct FROM convdash.accounts WHERE name = 'Oracle' \gset
SELECT convdash.set_account_search_config(:oracle_acct, 'english');
CALL convdash.search_reindex(:oracle_acct, 5000);
SQL

# the first and last instants RFC 3339 can answer in UTC are stored and walked
# like any other start time; a time before year 1 in UTC is refused (22023)
edges=$(psql -XAtq -v ON_ERROR_STOP=1 -d "$db" -c "
	SELECT set_config('convdash.account_id', id::text, false) FROM convdash.accounts WHERE name = 'Oracle';
	SELECT convdash.start_conversation((SELECT min(id) FROM convdash.agents WHERE account_id = convdash.current_account()),
		'edge-' || t, 'web', 'ai', t::timestamptz) > 0
	FROM unnest(ARRAY['0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999999Z']) t;" 2>&1 | tail -2 | tr '\n' ' ')
if [ "$edges" = "t t " ]; then echo "ok - oracle: conversations at 0001-01-01 and 9999-12-31 UTC stored"
else echo "not ok - oracle: edge conversations not stored: $edges"; fi
refused=$(psql -XAtq -d "$db" -c "
	SELECT set_config('convdash.account_id', id::text, false) FROM convdash.accounts WHERE name = 'Oracle';
	SELECT convdash.start_conversation((SELECT min(id) FROM convdash.agents WHERE account_id = convdash.current_account()),
		'edge-bc', 'web', 'ai', '0001-01-01T00:00:00+01:00')" 2>&1)
if grep -q 'started_at must be between' <<<"$refused"; then echo "ok - oracle: a start before year 1 in UTC is refused"
else echo "not ok - oracle: a start before year 1 in UTC was not refused: $refused"; fi

out=$(psql -XAtq -v ON_ERROR_STOP=1 -d "$db" -v cases="$cases" -v seed="$seed" -f test/oracle/oracle.sql 2>&1)
status=$?
echo "$out"
[ $status -eq 0 ] || echo "not ok - oracle: psql exited with status $status"
[ $status -eq 0 ] && ! grep -q '^not ok' <<<"$out"
