#!/usr/bin/env bash
# Backup safety and upgrades: pg_dump -> pg_restore into a fresh database
# keeps every row of every extension table, every sequence position and every
# large object; and an installation of 0.1 updates along the shipped path.
# Prints "ok - ..." / "not ok - ..." per case (see docs/CONVENTIONS.md).
set -uo pipefail
cd "$(dirname "$0")"
export PGOPTIONS='-c client_min_messages=warning'
src=convdash_dump_src dst=convdash_dump_dst upg=convdash_upgrade
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists $src; dropdb --if-exists $dst; dropdb --if-exists $upg' EXIT
failed=0

# Prints ok or not ok for a named case from a command's exit status.
check() {
	local name=$1; shift
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; failed=1; fi
}

for db in $src $dst $upg; do dropdb --if-exists $db; done
createdb $src && psql -qX -d $src -c 'CREATE EXTENSION convdash CASCADE' \
	&& psql -qX -d $src -f seed.sql >/dev/null
check "seed data loads" test $? -eq 0

psql -qX -d $src -f fingerprint.sql >"$work/src.txt"
check "fingerprint covers every table" test "$(grep -c '^convdash\.' "$work/src.txt")" -ge 20
check "the seed has two audio clips as large objects" grep -q '^large objects|2|' "$work/src.txt"
check "seeded tables are not empty" bash -c "! grep -qE '^convdash\.(conversations|messages|ratings|tracker_events|audio_clips)\|0\|' '$work/src.txt'"

pg_dump -Fc -d $src -f "$work/db.dump"
check "pg_dump succeeds" test $? -eq 0
createdb $dst && pg_restore -d $dst "$work/db.dump"
check "pg_restore into a fresh database succeeds" test $? -eq 0
psql -qX -d $dst -f fingerprint.sql >"$work/dst.txt"
check "every row, sequence and large object survives the round trip" diff "$work/src.txt" "$work/dst.txt"
check "integrity check is clean after restore" \
	test "$(psql -qAtX -d $dst -c 'SELECT count(*) FROM convdash.integrity_check()')" = 0
check "restored data keeps working: new ids follow the old ones" test "$(psql -qAtX -d $dst -c "
	SELECT set_config('convdash.account_id', (SELECT id::text FROM convdash.accounts WHERE name = 'Dump Co'), false);
	SELECT convdash.append_message((SELECT id FROM convdash.conversations WHERE session_id = 'dump-1'), 'user', 'after restore')
		> (SELECT max(id) FROM convdash.messages WHERE content <> 'after restore');" | tail -1)" = t

createdb $upg && psql -qX -d $upg -c "CREATE EXTENSION convdash VERSION '0.1' CASCADE" \
	&& psql -qX -d $upg -f seed.sql >/dev/null
psql -qX -d $upg -f fingerprint.sql >"$work/before.txt"
psql -qX -d $upg -c "ALTER EXTENSION convdash UPDATE TO '0.2'"
check "ALTER EXTENSION UPDATE from 0.1 to 0.2" \
	test "$(psql -qAtX -d $upg -c "SELECT extversion FROM pg_extension WHERE extname = 'convdash'")" = 0.2
psql -qX -d $upg -f fingerprint.sql >"$work/after.txt"
check "data is unchanged by the update" diff "$work/before.txt" "$work/after.txt"

exit $failed
