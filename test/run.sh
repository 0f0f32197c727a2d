#!/usr/bin/env bash
# Runs every test suite inside one throwaway PostgreSQL 15 cluster
# (pg_virtualenv) and ends with the line "N passed, N failed".
# Assumes the extension is built and installed (make test does both).
set -uo pipefail
cd "$(dirname "$0")/.."
exec pg_virtualenv -t -v 15 -o 'max_connections=200' -o 'lc_messages=C' test/suites.sh "$@"
