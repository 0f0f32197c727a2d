#!/usr/bin/env bash
# Upgrades: for every earlier version the installed control file offers, an
# installation of it with data (test/dump/seed.sql) updates to the default
# version; the updated catalog then equals a fresh installation's
# (catalog.sql: routines, tables, columns, constraints, indexes, policies,
# grants, comments...), and the data is unchanged and consistent.
# Prints "ok - ..." / "not ok - ..." per case (see docs/CONVENTIONS.md).
set -uo pipefail
cd "$(dirname "$0")"
export PGOPTIONS='-c client_min_messages=warning'
fresh=convdash_upgrade_fresh upg=convdash_upgrade_old
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists $fresh; dropdb --if-exists $upg' EXIT
source ../tap.sh

# Prints the number of rows of convdash.conversations and convdash.messages.
counts() {
	psql -qAtX -d "$1" -c "SELECT (SELECT count(*) FROM convdash.conversations) || ' ' || (SELECT count(*) FROM convdash.messages)"
}

new=$(psql -qAtX -d postgres -c "SELECT default_version FROM pg_available_extensions WHERE name = 'convdash'")
mapfile -t old < <(psql -qAtX -d postgres -c "SELECT version FROM pg_available_extension_versions
	WHERE name = 'convdash' AND version <> '$new' ORDER BY string_to_array(version, '.')::int[]")
check "the default version $new has earlier versions to update from (${old[*]})" test ${#old[@]} -ge 1

dropdb --if-exists $fresh
createdb $fresh && psql -qX -v ON_ERROR_STOP=1 -d $fresh -c 'CREATE EXTENSION convdash CASCADE'
check "a fresh installation of $new" test $? -eq 0
psql -qX -d $fresh -f catalog.sql >"$work/fresh.txt"
check "the catalog listing of $new is complete (routines, columns, indexes, policies, comments)" bash -c "
	for kind in member config routine relation column constraint index view trigger policy sequence type schema comment; do
		grep -q \"^\$kind \" '$work/fresh.txt' || { echo \"# no \$kind line\"; exit 1; }
	done"

for v in "${old[@]}"; do
	dropdb --if-exists $upg
	createdb $upg && psql -qX -v ON_ERROR_STOP=1 -d $upg -c "CREATE EXTENSION convdash VERSION '$v' CASCADE" \
		&& psql -qX -v ON_ERROR_STOP=1 -d $upg -f ../dump/seed.sql >/dev/null
	check "$v installs and takes the seed data" test $? -eq 0
	check "$v: the seed wrote its rows (2 conversations, 5 messages)" test "$(counts $upg)" = "2 5"
	psql -qX -d $upg -f catalog.sql >"$work/old.txt"
	check "$v differs from $new (the update has something to do)" bash -c "! cmp -s '$work/old.txt' '$work/fresh.txt'"
	# the columns that were there, but those the update moves to another table
	# (compared there below)
	columns=$(psql -qAtX -d $upg -c "SELECT string_agg(a.attrelid::regclass::text || '.' || a.attname, ' ')
		FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid
		WHERE r.relnamespace = 'convdash'::regnamespace AND r.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
		  AND NOT (a.attrelid = 'convdash.conversations'::regclass
		           AND a.attname IN ('message_count', 'prompt_tokens', 'completion_tokens', 'last_message_at'))")
	psql -qX -d $upg -v columns="$columns" -f ../dump/fingerprint.sql >"$work/before.txt"
	counters="SELECT md5(string_agg(concat_ws(',', account_id, id, message_count, prompt_tokens, completion_tokens,
		last_message_at), ';' ORDER BY account_id, id)) FROM"
	counters_before=$(psql -qAtX -d $upg -c "$counters convdash.conversations")
	psql -qX -v ON_ERROR_STOP=1 -d $upg -c "ALTER EXTENSION convdash UPDATE TO '$new'"
	check "ALTER EXTENSION convdash UPDATE from $v to $new" \
		test "$(psql -qAtX -d $upg -c "SELECT extversion FROM pg_extension WHERE extname = 'convdash'")" = "$new"
	psql -qX -d $upg -f catalog.sql >"$work/updated.txt"
	check "$v updated to $new has the catalog of a fresh $new" same_file "$work/fresh.txt" "$work/updated.txt"
	# tables, columns and sequences the update adds are new: compare those that were there
	psql -qX -d $upg -v columns="$columns" -f ../dump/fingerprint.sql | grep -F -f <(cut -d'|' -f1 "$work/before.txt") >"$work/after.txt"
	check "$v updated to $new: every row, sequence and large object unchanged" same_file "$work/before.txt" "$work/after.txt"
	check "$v updated to $new: the counters moved to conversation_counters unchanged" test \
		"$(psql -qAtX -d $upg -c "$counters (SELECT account_id, conversation_id AS id, message_count, prompt_tokens,
			completion_tokens, last_message_at FROM convdash.conversation_counters) k")" = "$counters_before"
	check "$v updated to $new: integrity check is clean" \
		test "$(psql -qAtX -d $upg -c 'SELECT count(*) FROM convdash.integrity_check()')" = 0
	words=$(psql -qAtX -d $upg 2>&1 <<'SQL' | tr '\n' ' '
SELECT id AS acct FROM convdash.accounts WHERE name = 'Dump Co' \gset
SELECT pending, total FROM convdash.search_reindex_progress(:acct);
SELECT set_config('convdash.account_id', :'acct', false) \g /dev/null
SELECT jsonb_array_length(convdash.list_conversations(q => 'commande', match => 'words') -> 'data');
CALL convdash.search_reindex(:acct);
SELECT pending, done FROM convdash.search_reindex_progress(:acct);
SELECT jsonb_array_length(convdash.list_conversations(q => 'commande', match => 'words') -> 'data');
SQL
)
	check "$v updated to $new: the messages of $v are pending word re-indexing, then found by word search ($words)" \
		test "$words" = "t|4 0 f|4 1 "
	check "$v updated to $new: appends keep counting" test "$(psql -qAtX -d $upg -c "
		SELECT set_config('convdash.account_id', (SELECT id::text FROM convdash.accounts WHERE name = 'Dump Co'), false);
		SELECT convdash.append_message(c.id, 'user', 'after the update') IS NOT NULL
			FROM convdash.conversations c WHERE c.session_id = 'dump-1';
		SELECT k.message_count FROM convdash.conversations c JOIN convdash.conversation_counters k
			ON k.account_id = c.account_id AND k.conversation_id = c.id WHERE c.session_id = 'dump-1';" | tail -1)" = 3
	# its large-object clips move to the chunk storage with every byte (as distribute() does)
	clip_bytes="SELECT set_config('convdash.account_id', (SELECT id::text FROM convdash.accounts WHERE name = 'Dump Co'), false);
		SELECT string_agg(storage || ':' || md5(convdash.audio_read(id, 0, 8388608)), ',' ORDER BY id) FROM convdash.audio_clips;"
	before_move=$(psql -qAtX -d $upg -c "$clip_bytes" | tail -1)
	check "$v updated to $new: move_audio('chunks') moves its clips, every byte kept, no large object left" test "$(psql -qAtX -d $upg -c "SELECT convdash.move_audio('chunks')")|$(psql -qAtX -d $upg -c "$clip_bytes" | tail -1)|$(psql -qAtX -d $upg -c "SELECT count(*) FROM pg_largeobject_metadata")|$(psql -qAtX -d $upg -c "SELECT count(*) FROM convdash.integrity_check()")" = "2|${before_move//large_object:/chunks:}|0|0"
done
dropdb --if-exists $upg

exit $failed
