#!/usr/bin/env bash
# Runs the suites against the cluster of the environment (PGHOST, PGPORT,
# PGUSER, PGPASSWORD): pg_regress and isolation tests, then every
# test/<suite>/run.sh, which prints "ok - name" / "not ok - name" lines.
# Prints each suite's result and the total "N passed, N failed".
# Usage: test/suites.sh [suite ...]   (default: all; "regress" is pg_regress
# and pg_isolation_regress)
#
# Counting: a TAP suite counts its ok / not ok lines. regress counts every
# query result its expected files compare ("(N rows)" footers and ERROR
# lines; a file that differs counts as one failure, its other results as
# nothing) and every isolation permutation.
# Every suite declares below the fewest passes it may report and how long it
# may run: fewer passes (zero included) or a timeout fail it.
set -uo pipefail
cd "$(dirname "$0")/.."

# suite: minimum passes, timeout in seconds
declare -A minimum=(
	[regress]=700 [api]=250 [dump]=15 [e2e]=43 [oracle]=150 [plans]=11 [upgrade]=11 [citus]=550 [audio]=110
)
declare -A timeout=(
	[regress]=300 [api]=1200 [dump]=120 [e2e]=600 [oracle]=400 [plans]=120 [upgrade]=120 [citus]=1200 [audio]=480
)

passed=0
failed=0
logdir=$(mktemp -d)

# Adds the ok / not ok lines of a suite's log to the totals; a suite that
# failed to finish, timed out or passed fewer than its minimum fails once more.
count_tap() {
	local log=$1 name=$2 status=$3 ok bad
	ok=$(grep -c '^ok ' "$log")
	bad=$(grep -c '^not ok ' "$log")
	# a suite that cannot run here says so in one line and runs no case: neither passed nor failed
	if [ "$status" -eq 0 ] && [ "$ok" -eq 0 ] && [ "$bad" -eq 0 ] && grep -q "^# $name suite skipped" "$log"; then
		echo "# suite $name: skipped"
		return
	fi
	if [ "$status" -eq 124 ]; then
		echo "not ok - $name: timed out after ${timeout[$name]} s"
		bad=$((bad + 1))
	elif [ "$status" -ne 0 ] && [ "$bad" -eq 0 ]; then
		echo "not ok - $name: exited with status $status"
		bad=1
	fi
	if [ "$ok" -lt "${minimum[$name]}" ]; then
		echo "not ok - $name: $ok passed, fewer than its minimum of ${minimum[$name]}"
		bad=$((bad + 1))
	fi
	passed=$((passed + ok))
	failed=$((failed + bad))
	echo "# suite $name: $ok passed, $bad failed"
}

# Prints how many results an expected pg_regress / isolation output compares.
results_of() {
	local name=$1 out
	for out in test/regress/expected/"$name".out test/isolation/expected/"$name".out; do
		[ -f "$out" ] || continue
		grep -cE '^\([0-9]+ rows?\)$|^ERROR:  |^starting permutation:' "$out"
		return
	done
	echo 1
}

# pg_regress and pg_isolation_regress print "test name ... ok|FAILED" lines:
# one ok line per result a passing file compares, one not ok per failing file.
run_regress() {
	local log=$logdir/regress.log status name n i
	timeout -k 10 "${timeout[regress]}" make --no-print-directory installcheck >"$log" 2>&1
	status=$?
	sed -nE 's/^(test +| +)([A-Za-z0-9_-]+) +\.\.\. +ok.*/\2/p' "$log" | while read -r name; do
		n=$(results_of "$name")
		echo "ok - regress $name ($n results)"
		for ((i = 1; i < n; i++)); do echo "ok - regress $name result $((i + 1))"; done >>"$log.more"
	done | tee "$log.tap"
	[ -f "$log.more" ] && cat "$log.more" >>"$log.tap"
	sed -nE 's/^(test +| +)([A-Za-z0-9_-]+) +\.\.\. +(FAILED|failed).*/not ok - regress \2/p' "$log" | tee -a "$log.tap"
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
	if [ -z "${minimum[$suite]:-}" ] || [ -z "${timeout[$suite]:-}" ]; then
		echo "not ok - $suite: declares no minimum or timeout in test/suites.sh"
		failed=$((failed + 1))
		return
	fi
	timeout -k 10 "${timeout[$suite]}" "test/$suite/run.sh" 2>&1 | tee "$log"
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
