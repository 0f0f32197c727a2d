#!/usr/bin/env bash
# Runs every test suite inside one throwaway PostgreSQL 15 cluster
# (pg_virtualenv -t) and ends with the line "N passed, N failed".
# Assumes the extension is built and installed (make test does both).
# Usage: test/run.sh [suite ...]   (default: every suite)
set -uo pipefail
cd "$(dirname "$0")/.."
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
# pg_cron is preloaded so that the retention test can schedule its job
# (pg_cron lets the extension be created in pg_regress's contrib_regression).
CONVDASH_TEST_SUMMARY=$summary pg_virtualenv -t -v 15 -o 'max_connections=200' -o 'lc_messages=C' \
	-o 'shared_preload_libraries=pg_cron' \
	test/suites.sh "$@"
status=$?
# pg_virtualenv prints its own lines after the suites: repeat the total last.
if [ -s "$summary" ]; then
	cat "$summary"
else
	echo "0 passed, 1 failed"
	status=1
fi
exit $status
