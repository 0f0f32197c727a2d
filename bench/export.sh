#!/usr/bin/env bash
# The export route against its SQL baseline, against the cluster of the
# environment (PGHOST, PGPORT, PGUSER a superuser, PGDATABASE with the
# extension and data; bench/run.sh provides them), for the largest tenant:
#   1. GET /api/v1/conversations/export as CSV, as NDJSON and as NDJSON with
#      transcripts (include=messages): rows/s and MB/s over HTTP (curl to
#      /dev/null), each beside COPY (SELECT ... FROM convdash.v_conversations
#      WHERE account_id = <tenant> ORDER BY started_at DESC, conversation_id
#      DESC) TO STDOUT of the same rows (psql to /dev/null), as a ratio;
#   2. COPY (SELECT * FROM convdash.export_conversations_csv()) TO STDOUT: the
#      export's own SQL without the service;
#   3. search exports (q=refund, a common word; q=ORD-12, an order-id
#      fragment): the export's search runs under row-level security, where a
#      non-leakproof ILIKE cannot use the trigram index;
#   4. the service's peak RSS (VmHWM) after start, after a warm-up and after
#      all the exports (target: flat, whatever the export's size).
# Env: EXPORT_ROUNDS (default 3; the median round is shown).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${EXPORT_ROUNDS:-3}
work=$(mktemp -d)
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
source bench/service-lib.sh
trap 'service_cleanup bench-export' EXIT

service_role
acct=$(psql_q -c "SELECT account_id FROM convdash.conversations GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
rows=$(psql_q -c "SELECT count(*) FROM convdash.conversations WHERE account_id = $acct")
key=$(psql_q -c "SELECT convdash.create_api_key($acct, 'bench-export')")
service_start --db-connections 4 --no-access-log
calc() { awk "BEGIN { print $1 }"; }
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$api_pid/status"; }
hwm_start=$(hwm)

# Seconds and bytes of one HTTP export: "seconds bytes".
http_export() {
	curl -sS -o /dev/null -w '%{time_total} %{size_download}\n' -H "Authorization: Bearer $key" \
		"$base/api/v1/conversations/export?$1"
}

# Seconds and bytes of one psql COPY ... TO STDOUT (the tenant set for the export functions): "seconds bytes".
copy_out() {
	local start end bytes
	start=$(date +%s.%N)
	bytes=$(psql -qAtX -v ON_ERROR_STOP=1 <<-SQL | wc -c
		BEGIN;
		SELECT set_config('convdash.account_id', '$acct', true) \\g /dev/null
		COPY ($1) TO STDOUT WITH (FORMAT csv, HEADER);
		COMMIT;
	SQL
	)
	end=$(date +%s.%N)
	echo "$(calc "$end - $start") $bytes"
}

# The median (by seconds) of ROUNDS runs of a command printing "seconds bytes".
median() {
	local i
	for i in $(seq "$rounds"); do "$@"; done | sort -n | sed -n "$(((rounds + 1) / 2))p"
}

baseline="SELECT * FROM convdash.v_conversations WHERE account_id = $acct ORDER BY started_at DESC, conversation_id DESC"
http_export "format=csv" >/dev/null
hwm_warm=$(hwm)
read -r base_s base_b < <(median copy_out "$baseline")
read -r sql_s sql_b < <(median copy_out "SELECT * FROM convdash.export_conversations_csv()")

printf '\n== export of the largest tenant: %s conversations (median of %s rounds)\n' "$rows" "$rounds"
printf '%-44s %10s %10s %10s %8s %12s\n' "what" "seconds" "rows/s" "MB" "MB/s" "speed"
line() {
	printf '%-44s %10.2f %10.0f %10.1f %8.1f %12s\n' "$1" "$2" "$(calc "$rows / $2")" \
		"$(calc "$3 / 1048576")" "$(calc "$3 / 1048576 / $2")" "$4"
}
line "baseline: COPY v_conversations (psql)" "$base_s" "$base_b" "1.00x"
line "COPY export_conversations_csv() (psql)" "$sql_s" "$sql_b" "$(printf '%.2fx' "$(calc "$base_s / $sql_s")")"
for q in "format=csv" "format=ndjson" "format=ndjson&include=messages"; do
	read -r s b < <(median http_export "$q")
	line "HTTP export $q" "$s" "$b" "$(printf '%.2fx' "$(calc "$base_s / $s")")"
done
for term in refund ORD-12; do
	read -r s b < <(median http_export "format=csv&q=$term")
	n=$(curl -sS -H "Authorization: Bearer $key" "$base/api/v1/conversations?q=$term&count=exact&limit=1" | jq .total)
	printf '%-44s %10.2f %10.0f %10.1f %8.1f %12s\n' "HTTP export q=$term ($n rows)" "$s" "$(calc "$n / $s")" \
		"$(calc "$b / 1048576")" "$(calc "$b / 1048576 / $s")" "—"
done
hwm_end=$(hwm)
printf '\nservice peak RSS (VmHWM): %s kB after start, %s kB after a warm-up export, %s kB after all exports (growth %s kB)\n' \
	"$hwm_start" "$hwm_warm" "$hwm_end" "$((hwm_end - hwm_warm))"
