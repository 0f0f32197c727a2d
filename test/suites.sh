#!/usr/bin/env bash
# Runs the suites against the cluster of the environment (PGHOST, PGPORT,
# PGUSER, PGPASSWORD): pg_regress and isolation tests, then every
# test/<suite>/run.sh, which prints "ok - name" / "not ok - name" lines.
# Prints each suite's result and the total "N passed, N failed".
# Usage: test/suites.sh [suite ...]   (default: all; "regress" is pg_regress)
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
logdir=$(mktemp -d)

# Adds the ok / not ok lines of a suite's log to the totals.
count_tap() {
	local log=$1 name=$2 status=$3 ok bad
	ok=$(grep -c '^ok ' "$log")
	bad=$(grep -c '^not ok ' "$log")
	if [ "$status" -ne 0 ] && [ "$bad" -eq 0 ]; then
		echo "not ok - $name: exited with status $status"
		bad=1
	fi
	passed=$((passed + ok))
	failed=$((failed + bad))
	echo "# suite $name: $ok passed, $bad failed"
}

# pg_regress and pg_isolation_regress print "test name ... ok|FAILED" lines.
run_regress() {
	local log=$logdir/regress.log status
	make --no-print-directory installcheck >"$log" 2>&1
	status=$?
	sed -nE 's/^(test +| +)([A-Za-z0-9_-]+) +\.\.\. +ok.*/ok - regress \2/p;
		s/^(test +| +)([A-Za-z0-9_-]+) +\.\.\. +(FAILED|failed).*/not ok - regress \2/p' "$log" \
		| tee "$log.tap"
	if [ "$status" -ne 0 ]; then
		grep -v '^\(test \|  \|=\|#\)' "$log" | tail -20
		[ -f regression.diffs ] && head -100 regression.diffs
		[ -f output_iso/regression.diffs ] && head -100 output_iso/regression.diffs
	fi
	count_tap "$log.tap" regress "$status"
}

# A test/<suite>/run.sh prints its own ok / not ok lines.
run_suite() {
	local suite=$1 log=$logdir/$1.log status
	"test/$suite/run.sh" 2>&1 | tee "$log"
	status=${PIPESTATUS[0]}
	count_tap "$log" "$suite" "$status"
}

suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
	suites=(regress)
	for f in test/*/run.sh; do
		suites+=("$(basename "$(dirname "$f")")")
	done
fi

for s in "${suites[@]}"; do
	echo "# ---- $s"
	if [ "$s" = regress ]; then run_regress; else run_suite "$s"; fi
done

rm -rf "$logdir"
echo "$passed passed, $failed failed" | tee "${CONVDASH_TEST_SUMMARY:-/dev/null}"
[ "$failed" -eq 0 ]
