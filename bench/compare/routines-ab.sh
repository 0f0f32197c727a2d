#!/usr/bin/env bash
# A/B of routines by pgbench on the kept bench database: each round puts a
# revision's routines in place (side "before": every function, view and
# trigger of its install script as CREATE OR REPLACE), runs every script
# for SECS seconds, then does the same with this worktree's (side "after");
# prints each script's min and median latency per side.
#
#   bench/compare/routines-ab.sh REV ROUNDS SECS SCRIPT...
#
# Scripts are pgbench files run as tenant 1 (convdash.account_id), one
# client. AB_DROP: routine signatures (';'-separated) dropped from the
# extension and the database before each side's routines, for a routine
# whose return type differs between the sides (CREATE OR REPLACE cannot
# change it); the bench database keeps them outside the extension after.
# SCALE picks the database (default 1000000).
set -euo pipefail
cd "$(dirname "$0")/../.."
rev=$1 rounds=$2 secs=$3
shift 3
source bench/cluster.sh
bench_start >/dev/null
db=convdash_${SCALE:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Prints the statements that put an install script's routines in place.
side_sql() {
	local sig
	IFS=';' read -ra sigs <<<"${AB_DROP:-}"
	for sig in "${sigs[@]}"; do
		[ -n "$sig" ] && printf 'DO $$ BEGIN ALTER EXTENSION convdash DROP FUNCTION %s; EXCEPTION WHEN OTHERS THEN NULL; END $$;\nDROP FUNCTION IF EXISTS %s;\n' "$sig" "$sig"
	done
	scripts/sql-redefine.pl "$1" | sed "s|'MODULE_PATHNAME'|'\$libdir/convdash'|"
}
for part in $(git ls-tree --name-only "$rev" sql/parts/); do git show "$rev:$part"; done >"$work/before-install.sql"
cat sql/parts/*.sql >"$work/after-install.sql"
side_sql "$work/before-install.sql" >"$work/before.sql"
side_sql "$work/after-install.sql" >"$work/after.sql"

for r in $(seq "$rounds"); do
	for side in before after; do
		psql -qX -v ON_ERROR_STOP=1 -d "$db" -f "$work/$side.sql" >/dev/null
		for f in "$@"; do
			PGOPTIONS='-c convdash.account_id=1' pgbench -n -c1 -T"$secs" -f "$f" "$db" 2>&1 |
				sed -n "s|latency average = \([0-9.]*\) ms|$side $f \1|p" >>"$work/latencies"
		done
	done
done
# the worktree's routines stay in place
psql -qX -v ON_ERROR_STOP=1 -d "$db" -f "$work/after.sql" >/dev/null
for f in "$@"; do
	for side in before after; do
		awk -v s="$side" -v f="$f" '$1 == s && $2 == f { print $3 }' "$work/latencies" | sort -n |
			awk -v s="$side" -v f="$f" '{ a[NR] = $1 } END { printf "%-6s %s: min %.3f, median %.3f ms (%d rounds)\n", s, f, a[1], a[int((NR + 1) / 2)], NR }'
	done
done
