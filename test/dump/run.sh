#!/usr/bin/env bash
# Backup safety: pg_dump -> pg_restore into a fresh database keeps every row
# of every extension table, every sequence position and every large object
# (upgrades are test/upgrade).
# Prints "ok - ..." / "not ok - ..." per case (see docs/CONVENTIONS.md).
set -uo pipefail
cd "$(dirname "$0")"
export PGOPTIONS='-c client_min_messages=warning'
src=convdash_dump_src dst=convdash_dump_dst
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists $src; dropdb --if-exists $dst' EXIT
source ../tap.sh

for db in $src $dst; do dropdb --if-exists $db; done
createdb $src && psql -qX -d $src -c 'CREATE EXTENSION convdash CASCADE' \
	&& psql -qX -d $src -f seed.sql >/dev/null && psql -qX -d $src -f seed_chunks.sql >/dev/null
check "seed data loads" test $? -eq 0

psql -qX -d $src -f fingerprint.sql >"$work/src.txt"
check "fingerprint covers every table" test "$(grep -c '^convdash\.' "$work/src.txt")" -ge 20
check "the seed has two audio clips as large objects" grep -q '^large objects|2|' "$work/src.txt"
check "the seed has two audio clips as chunks, 4 chunks" test "$(psql -qAtX -d $src -c "
	SELECT count(*) FILTER (WHERE storage = 'chunks') || '/' || (SELECT count(*) FROM convdash.audio_chunks) FROM convdash.audio_clips")" = 2/4
check "seeded tables are not empty" bash -c "! grep -qE '^convdash\.(conversations|messages|ratings|tracker_events|audio_clips)\|0\|' '$work/src.txt'"

# a cursor of the source database, and the large objects' owner and comment
cursor_sql="SELECT set_config('convdash.account_id', (SELECT id::text FROM convdash.accounts WHERE name = 'Dump Co'), false);
	SELECT convdash.list_conversations(\"limit\" => 1) ->> 'next_cursor';"
cursor=$(psql -qAtX -d $src -c "$cursor_sql" | tail -1)
check "the source gives a cursor that it accepts" test "$(psql -qAtX -d $src -c "
	SELECT set_config('convdash.account_id', (SELECT id::text FROM convdash.accounts WHERE name = 'Dump Co'), false);
	SELECT jsonb_array_length(convdash.list_conversations(\"limit\" => 1, cursor => '$cursor') -> 'data');" | tail -1)" = 1
clips_sql="SELECT a.id, m.lomowner::regrole, obj_description(a.loid, 'pg_largeobject') = convdash.clip_object_marker()
	FROM convdash.audio_clips a JOIN pg_largeobject_metadata m ON m.oid = a.loid ORDER BY a.id"
psql -qAtX -d $src -c "$clips_sql" >"$work/src_clips.txt"
owner=$(psql -qAtX -d $src -c "SELECT extowner::regrole FROM pg_extension WHERE extname = 'convdash'")
check "the source's clips are large objects of the extension owner, marked as clips" \
	test "$(grep -c "|$owner|t\$" "$work/src_clips.txt")" = 2

pg_dump -Fc -d $src -f "$work/db.dump"
check "pg_dump succeeds" test $? -eq 0
createdb $dst && pg_restore -d $dst "$work/db.dump"
check "pg_restore into a fresh database succeeds" test $? -eq 0
psql -qX -d $dst -f fingerprint.sql >"$work/dst.txt"
check "every row, sequence and large object survives the round trip" diff "$work/src.txt" "$work/dst.txt"
check "the restored database refuses a cursor of the old one (the cursor secret is not dumped)" \
	test "$(psql -qAtX -d $dst -c "
		SELECT set_config('convdash.account_id', (SELECT id::text FROM convdash.accounts WHERE name = 'Dump Co'), false);
		DO \$\$ BEGIN
			PERFORM convdash.list_conversations(\"limit\" => 1, cursor => '$cursor');
			RAISE WARNING 'accepted';
		EXCEPTION WHEN invalid_parameter_value THEN
			RAISE WARNING 'refused';
		END \$\$;" 2>&1 | grep -o 'accepted\|refused')" = refused
check "the restored database makes cursors of its own that it accepts" test "$(psql -qAtX -d $dst -c "
	SELECT set_config('convdash.account_id', (SELECT id::text FROM convdash.accounts WHERE name = 'Dump Co'), false);
	SELECT jsonb_array_length(convdash.list_conversations(\"limit\" => 1,
		cursor => convdash.list_conversations(\"limit\" => 1) ->> 'next_cursor') -> 'data');" | tail -1)" = 1
psql -qAtX -d $dst -c "$clips_sql" >"$work/dst_clips.txt"
check "restored clips keep their large objects' owner and clip marker" same_file "$work/src_clips.txt" "$work/dst_clips.txt"
# every clip read through convdash, both storages: storage, size, SHA-256 and a digest of the bytes read
read_sql="SELECT set_config('convdash.account_id', (SELECT id::text FROM convdash.accounts WHERE name = 'Dump Co'), false);
	SELECT a.id, a.storage, a.bytes, encode(a.sha256, 'hex') = encode(sha256(convdash.audio_read(a.id, 0, 8388608)), 'hex'),
		md5(convdash.audio_read(a.id, 100000, 300000)) FROM convdash.audio_clips a ORDER BY a.id"
check "restored clips of both storages read back the same bytes, hashes intact" bash -c "
	diff <(psql -qAtX -d $src -c \"$read_sql\" | tail -4) <(psql -qAtX -d $dst -c \"$read_sql\" | tail -4) &&
	[ \$(psql -qAtX -d $dst -c \"$read_sql\" | tail -4 | grep -c '|t|') = 4 ] &&
	[ \$(psql -qAtX -d $dst -c \"$read_sql\" | tail -4 | grep -c '|chunks|') = 2 ]"
check "no orphaned or missing large object after restore" \
	test "$(psql -qAtX -d $dst -c 'SELECT count(*) FROM convdash.check_large_objects()')" = 0
check "integrity check is clean after restore" \
	test "$(psql -qAtX -d $dst -c 'SELECT count(*) FROM convdash.integrity_check()')" = 0
check "restored data keeps working: new ids follow the old ones" test "$(psql -qAtX -d $dst -c "
	SELECT set_config('convdash.account_id', (SELECT id::text FROM convdash.accounts WHERE name = 'Dump Co'), false);
	SELECT convdash.append_message((SELECT id FROM convdash.conversations WHERE session_id = 'dump-1'), 'user', 'after restore')
		> (SELECT max(id) FROM convdash.messages WHERE content <> 'after restore');" | tail -1)" = t

exit $failed
