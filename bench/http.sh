#!/usr/bin/env bash
# The HTTP service against its SQL baselines (PERFORMANCE.md), each figure
# beside the baseline measured in the same run, against the cluster of the
# environment (PGHOST, PGPORT, PGUSER a superuser, PGDATABASE with the
# extension and data; bench/run.sh provides them):
#   1. list endpoint latency, one connection: p50/p95 over HTTP (wrk) beside
#      the same list_conversations call by pgbench (pipelined tenant + call,
#      as the service sends it), for the default page, a filter + sort
#      combination and the next page of a keyset cursor (target p95 <= 10 ms);
#   2. list endpoint throughput, 2 threads / 32 connections: req/s and p99
#      (wrk) beside pgbench with 32 clients;
#   3. append message over HTTP, 2 connections, beside append_message by
#      pgbench with 2 clients (target >= 0.5x);
#   4. a 1 MiB clip over HTTP, whole and by 64 KiB ranges, beside lo_get in
#      binary, both read by one C client (bench/audio_read.c), interleaved
#      (HTTP_CLIP_ROUNDS rounds of HTTP_CLIP_READS reads; target >= 0.5x);
#   5. soak: mixed load (list, search, detail, transcript, client data,
#      append, audio ranges) on 16 connections for HTTP_SOAK_SECONDS; service
#      RSS after the first minute and at the end (target growth <= 10%).
# Writes go to an account of its own ("bench-http"), so the list and search
# data are left as they were. Env: HTTP_SECONDS (default 15 per measurement),
# HTTP_SOAK_SECONDS (default 300), HTTP_THREADS (the service's database
# connections, default 40; its workers stay at the default 256), HTTP_PARTS
# (the numbers of the measurements above to run, default "1 2 3 4 5"; the
# soak reads the clip of 4, so 5 runs 4 too), e.g. HTTP_PARTS=4 for the clip.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${HTTP_SECONDS:-15}
soak=${HTTP_SOAK_SECONDS:-300}
threads=${HTTP_THREADS:-40}
parts=" ${HTTP_PARTS:-1 2 3 4 5} "
work=$(mktemp -d)
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
source bench/service-lib.sh
# Whether measurement $1 is to run (HTTP_PARTS).
part() { [[ $parts == *" $1 "* ]]; }
trap 'service_cleanup bench-http' EXIT

cc -O2 -Wall -Wextra -Werror -I"$(pg_config --includedir)" bench/audio_read.c \
	-L"$(pg_config --libdir)" -lpq -o "$work/audio_read"

# ---- the service's login role, the largest tenant's key, a write account
service_role
acct=$(psql_q -c "SELECT account_id FROM convdash.conversations GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
key=$(psql_q -c "SELECT convdash.create_api_key($acct, 'bench-http')")
read -r wacct agent < <(psql_q -F' ' <<'SQL'
SELECT set_config('convdash.account_id', coalesce(
	(SELECT id FROM convdash.accounts WHERE name = 'bench-http'),
	convdash.create_account('bench-http'))::text, false) \gset
SELECT coalesce((SELECT id FROM convdash.agents WHERE account_id = convdash.current_account() AND name = 'http'),
	convdash.create_agent('http')) AS agent \gset
SELECT count(*) AS have FROM convdash.conversations WHERE account_id = convdash.current_account() \gset
SELECT count(convdash.start_conversation(:agent, 'http-' || g, 'web')) AS created FROM generate_series(:have + 1, 1000) g \gset
SELECT convdash.current_account(), :agent;
SQL
)
wkey=$(psql_q -c "SELECT convdash.create_api_key($wacct, 'bench-http')")
read -r wlo whi < <(psql_q -F' ' -c "SELECT min(id), max(id) FROM convdash.conversations WHERE account_id = $wacct")

service_start --db-connections "$threads"

# wrk's report: req/s, p50, p95, p99 (ms), errors (non-2xx and socket errors)
cat >"$work/report.lua" <<'LUA'
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("RESULT %.1f %.2f %.2f %.2f %d\n", summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
		e.status + e.connect + e.read + e.write + e.timeout))
end
LUA

# Runs wrk; prints "req/s p50 p95 p99 errors". Usage: http_run CONNS THREADS SCRIPT|- PATH [key]
http_run() {
	local conns=$1 thr=$2 script=$3 path=$4 k=${5:-$key}
	local s=$work/report.lua
	[ "$script" != - ] && { cat "$script" "$work/report.lua" >"$work/run.lua"; s=$work/run.lua; }
	wrk -t"$thr" -c"$conns" -d"${secs}s" -s "$s" -H "Authorization: Bearer $k" "$base$path" |
		sed -n 's/^RESULT //p'
}

# Runs pgbench on a script; prints "tps p50 p95 p99" from its per-transaction log.
sql_run() {
	local clients=$1 script=$2
	rm -f "$work"/pgbench_log.*
	(cd "$work" && pgbench -n -M prepared -c "$clients" -j "$(( clients < 2 ? 1 : 2 ))" -T "$secs" \
		-l --log-prefix=pgbench_log -f "$script" >"$work/pgbench.out" 2>&1)
	local tps
	tps=$(sed -nE 's/^tps = ([0-9.]+) .*/\1/p' "$work/pgbench.out")
	cat "$work"/pgbench_log.* | awk '{ print $3 / 1000 }' | sort -g |
		awk -v tps="$tps" '{ v[NR] = $1 } END { printf "%.1f %.2f %.2f %.2f\n", tps,
			v[int(NR * 0.50 + 0.999)], v[int(NR * 0.95 + 0.999)], v[int(NR * 0.99 + 0.999)] }'
}

# A pgbench script calling list_conversations as the service does: one
# statement that checks the API key and calls it (api/src/statements.c).
list_sql() {
	cat >"$work/list.sql" <<SQL
SELECT convdash.list_conversations($1)
FROM (SELECT convdash.authenticate(key => '$key') AS account OFFSET 0) AS tenant WHERE tenant.account IS NOT NULL;
SQL
	echo "$work/list.sql"
}

N=NULL
if part 1; then
echo "== http: list endpoint, 1 connection (ms; target p95 <= 10 ms over HTTP)"
cursor=$(curl -sf -H "Authorization: Bearer $key" "$base/api/v1/conversations" | jq -r .next_cursor)
ucursor=$(jq -rn --arg c "$cursor" '$c | @uri')
qcursor=$(psql_q -c "SELECT quote_literal('$cursor')")
printf '%-34s %9s %7s %7s %7s %7s   %9s %7s %7s\n' case 'HTTP r/s' p50 p95 p99 errors 'SQL tps' p50 p95
list_case() {
	local name=$1 path=$2 args=$3 h s
	h=$(http_run 1 1 - "$path")
	s=$(sql_run 1 "$(list_sql "$args")")
	read -r hr h50 h95 h99 he <<<"$h"
	read -r sr s50 s95 _ <<<"$s"
	printf '%-34s %9s %7s %7s %7s %7s   %9s %7s %7s\n' "$name" "$hr" "$h50" "$h95" "$h99" "$he" "$sr" "$s50" "$s95"
}
list_case "default (newest first)" /api/v1/conversations "$N,$N,$N,$N,$N,$N,$N,$N,$N,$N,$N,false"
list_case "closed web/widget, rating>=3, by rating" "/api/v1/conversations?status=closed&channel=web,widget&min_rating=3&sort=rating" \
	"'{closed}','{web,widget}',$N,3,$N,$N,$N,'rating',$N,$N,$N,false"
list_case "by messages asc, limit 200" "/api/v1/conversations?sort=messages&order=asc&limit=200" \
	"$N,$N,$N,$N,$N,$N,$N,'messages','asc',200,$N,false"
list_case "second page (cursor)" "/api/v1/conversations?cursor=$ucursor" "$N,$N,$N,$N,$N,$N,$N,$N,$N,$N,$qcursor,false"
fi

if part 2; then
echo "== http: list endpoint throughput, wrk 2 threads / 32 connections vs pgbench 32 clients"
printf '%-34s %9s %7s %7s %7s\n' what 'req/s' p50 p99 errors
read -r hr h50 _ h99 he <<<"$(http_run 32 2 - /api/v1/conversations)"
printf '%-34s %9s %7s %7s %7s\n' "HTTP GET /api/v1/conversations" "$hr" "$h50" "$h99" "$he"
read -r sr s50 _ s99 <<<"$(sql_run 32 "$(list_sql "$N,$N,$N,$N,$N,$N,$N,$N,$N,$N,$N,false")")"
printf '%-34s %9s %7s %7s %7s\n' "pgbench list_conversations" "$sr" "$s50" "$s99" -
awk -v h="$hr" -v s="$sr" 'BEGIN { printf "HTTP / SQL throughput: %.2f\n", h / s }'
fi

if part 3; then
echo "== http: append message, 2 connections vs append_message by pgbench, 2 clients (target >= 0.5x)"
cat >"$work/append.lua" <<LUA
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
	local c = math.random($wlo, $whi)
	local n = math.random(1, 1000000)
	return wrk.format(nil, "/api/v1/conversations/" .. c .. "/messages", nil,
		'{"role":"user","content":"Hi, order ' .. n .. ' has not arrived yet, can you check the delivery to ' ..
		n .. '@example.com?","prompt_tokens":12,"completion_tokens":0}')
end
LUA
cat >"$work/append.sql" <<SQL
\\set c random($wlo, $whi)
\\set n random(1, 1000000)
\\startpipeline
BEGIN;
SELECT convdash.require_account() FROM (SELECT convdash.authenticate('$wkey')) AS t;
SELECT convdash.append_message(:c, 'user', 'Hi, order ' || :n || ' has not arrived yet, can you check the delivery to ' || :n || '@example.com?', 12, 0);
END;
\\endpipeline
SQL
read -r hr h50 h95 _ he <<<"$(http_run 2 2 "$work/append.lua" /api/v1/agents "$wkey")"
read -r sr s50 s95 _ <<<"$(sql_run 2 "$work/append.sql")"
printf '%-34s %9s %7s %7s %7s\n' what 'per s' p50 p95 errors
printf '%-34s %9s %7s %7s %7s\n' "HTTP POST .../messages" "$hr" "$h50" "$h95" "$he" "pgbench append_message" "$sr" "$s50" "$s95" -
awk -v h="$hr" -v s="$sr" 'BEGIN { printf "HTTP / SQL append rate: %.2f (target >= 0.5)\n", h / s }'
fi

if part 4 || part 5; then
echo "== http: 1 MiB clip, whole and by 64 KiB ranges (MB/s), 1 connection vs lo_get from C (target >= 0.5x)"
read -r clip loid < <(PGOPTIONS="-c convdash.account_id=$wacct" psql_q -F ' ' <<SQL
\\set QUIET on
\\i scripts/wav.sql
\\set QUIET off
-- 1 MiB: a WAV header and random 16-bit samples (every stored clip must decode)
SELECT convdash.attach_audio(
	convdash.append_message(convdash.start_conversation($agent, 'http-audio', 'voip'), 'user', 'read me'),
	'audio/wav', pg_temp.wav(1, 1, 8000, 16, (SELECT substring(decode(string_agg(md5(i::text), ''), 'hex') FROM 45)
		FROM generate_series(1, 65536) AS i)))->>'id' AS clip \\gset
SELECT id, loid FROM convdash.audio_clips WHERE account_id = $wacct AND id = :clip;
SQL
)
psql_q >/dev/null <<SQL
DROP TABLE IF EXISTS public.bench_http_bytea;
CREATE TABLE public.bench_http_bytea (id integer PRIMARY KEY, data bytea);
ALTER TABLE public.bench_http_bytea ALTER data SET STORAGE EXTERNAL;
INSERT INTO public.bench_http_bytea SELECT 1, lo_get($loid);
SQL
# One client reads the clip by every route, the service's included
# (AUDIO_READ_HTTP: GET /api/v1/audio/{id} on a keep-alive connection), the
# routes interleaved clip by clip, so that the HTTP figure and its baseline
# are the same statistic (median MB/s of whole-clip reads, whole or by 16
# ranges of 64 KiB) taken under the same load; a round's ratio is HTTP
# against lo_get of that round, and the table gives the median of the rounds'.
clip_rounds=${HTTP_CLIP_ROUNDS:-5}
clip_reads=${HTTP_CLIP_READS:-20}
printf '%-6s %10s %10s %7s   %10s %10s %7s %14s\n' round 'whole HTTP' 'lo_get' ratio 'range HTTP' 'lo_get' ratio 'service SQL'
ratios_w=() ratios_r=() rows=()
for ((r = 1; r <= clip_rounds; r++)); do
	AUDIO_READ_HTTP="$port $wkey" "$work/audio_read" "$wacct" "$clip" "$loid" public.bench_http_bytea 1048576 "$clip_reads" >"$work/lo.txt"
	rate() { awk -F'\t' -v m="$1" '$1 == m { print $2 }' "$work/lo.txt"; }
	row=$(awk -v w="$(rate "HTTP whole (the service)")" -v lw="$(rate "lo_get whole (baseline)")" \
		-v r="$(rate "HTTP 64KiB ranges (the service)")" -v lr="$(rate "lo_get 64KiB ranges (baseline)")" \
		-v sr="$(rate "audio_range 64KiB ranges (the service's statement)")" 'BEGIN {
		printf "%.1f %.1f %.3f %.1f %.1f %.3f %.1f", w, lw, (lw > 0 ? w / lw : 0), r, lr, (lr > 0 ? r / lr : 0), sr }')
	rows+=("$row")
	read -r a b c d e f g <<<"$row"
	printf '%-6s %10s %10s %7.2f   %10s %10s %7.2f %14s\n' "$r" "$a" "$b" "$c" "$d" "$e" "$f" "$g"
	ratios_w+=("$c") ratios_r+=("$f")
done
psql_q -c "DROP TABLE public.bench_http_bytea" >/dev/null
sed 's/^/  last round: /' "$work/lo.txt"
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { printf '%s\n' "${rows[@]}" | awk -v c="$1" '{ print $c }'; }
printf '%-34s %9s %12s %7s\n' "read (median of $clip_rounds rounds of $clip_reads)" "HTTP MB/s" "lo_get MB/s" ratio
printf '%-34s %9s %12s %7.2f\n' "whole clip" "$(median $(col 1))" "$(median $(col 2))" "$(median "${ratios_w[@]}")"
printf '%-34s %9s %12s %7.2f   (target >= 0.5)\n' "64 KiB ranges" "$(median $(col 4))" "$(median $(col 5))" "$(median "${ratios_r[@]}")"
echo "service SQL = the service's range statement (audio_range) from the same C client, tenant set per session: $(median $(col 7)) MB/s"
fi

if part 5; then
echo "== http: soak, mixed load on 16 connections for ${soak}s (RSS growth target <= 10%)"
cat >"$work/mixed.lua" <<LUA
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
local paths = {
	"/api/v1/conversations", "/api/v1/conversations?status=closed&sort=messages",
	"/api/v1/conversations?q=order&limit=20", "/api/v1/conversations?channel=web&min_rating=4",
	"/api/v1/agents", "/api/v1/conversations/%d", "/api/v1/conversations/%d/messages",
	"/api/v1/conversations/%d/client-data", "/api/v1/conversations/%d/audio", "/nope/%d" }
request = function()
	local i = math.random(1, #paths + 2)
	local c = math.random($wlo, $whi)
	wrk.headers["Range"] = nil
	wrk.headers["Content-Type"] = nil
	if i == #paths + 1 then
		wrk.headers["Content-Type"] = "application/json"
		return wrk.format("POST", "/api/v1/conversations/" .. c .. "/messages", nil,
			'{"role":"assistant","content":"soak ' .. math.random() .. '"}')
	elseif i == #paths + 2 then
		wrk.headers["Range"] = "bytes=" .. math.random(0, 1000000) .. "-"
		return wrk.format("GET", "/api/v1/audio/$clip")
	end
	return wrk.format("GET", string.format(paths[i], c))
end
LUA
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$api_pid/status"; }
rss_start=$(rss)
wrk -t2 -c16 -d"${soak}s" -s "$work/mixed.lua" -H "Authorization: Bearer $wkey" "$base" >"$work/soak.txt" &
soak_pid=$!
sleep 60
rss_1m=$(rss)
wait $soak_pid
rss_end=$(rss)
grep -E 'Requests/sec|Non-2xx|Socket errors' "$work/soak.txt" | sed 's/^/  /'
echo "  (1 request in 12 goes to /nope/N, a 404 by design: the error path is part of the soak)"
awk -v a="$rss_start" -v b="$rss_1m" -v c="$rss_end" 'BEGIN {
	printf "RSS kB: start %d, after 1 min %d, at the end %d; growth after the first minute %.1f%% (target <= 10%%)\n",
		a, b, c, (c - b) * 100.0 / b }'
fi
