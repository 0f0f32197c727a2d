# Export cases of the API suite (sourced by run.sh after the list cases, with
# tenants A and B, their conversations c1..c3 and cb, and the service up):
# GET /api/v1/conversations/export against the list, its headers, errors,
# tenancy, snapshot, a client that leaves or stalls, and the service's memory
# while a larger tenant (scripts/generate_data.sql) is exported.
X=/api/v1/conversations/export
node_dir=$here/node
columns='id,agent_id,agent_name,agent_company,agent_mode,session_id,channel,status,handled_by,started_at,ended_at,duration_seconds,message_count,text_only,prompt_tokens,completion_tokens,total_tokens,rating,rating_comment,sentiment,sentiment_score,end_reason,converted,tracker_session_id,memory'

# The ids of an export body: the first CSV column after the header, or each NDJSON line's id.
export_ids() {
	if [ "$1" = csv ]; then tail -n +2 "$work/body" | cut -d, -f1 | tr -d '\r' | paste -sd' '; else jq -r .id "$work/body" | paste -sd' '; fi
}

# Whether the last body contains the text.
body_has() {
	local body
	body=$(cat "$work/body")
	[[ "$body" == *"$1"* ]]
}

# Open transactions of the service's database role (an export in progress holds one).
service_xacts() {
	sql "SELECT count(*) FROM pg_stat_activity WHERE usename = 'convdash_api_suite' AND xact_start IS NOT NULL"
}

# Waits up to $1 tenths of a second until the service holds no open transaction; 0 when it does not.
xacts_end_within() {
	local i
	for i in $(seq 1 "$1"); do
		[ "$(service_xacts)" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

check "node and the checks' npm packages install (npm ci in test/api/node)" bash -c \
	"command -v node >/dev/null && cd '$node_dir' && npm ci --no-audit --no-fund --loglevel=error >'$work/npm.log' 2>&1"

# ---- headers and rows of a small tenant
call GET "$X" "${A[@]}"
cp "$work/body" "$work/export-a.csv"
check "export CSV: 200 text/csv; charset=utf-8" test "$code/$(header Content-Type)" = "200/text/csv; charset=utf-8"
check "export CSV: attachment named conversations-<today, UTC>.csv" \
	test "$(header Content-Disposition)" = "attachment; filename=\"conversations-$(date -u +%Y%m%d).csv\""
check "export: chunked transfer encoding, no Content-Length, no caching" bash -c "grep -qi '^Transfer-Encoding: chunked' '$work/headers' &&
	! grep -qi '^Content-Length' '$work/headers' && grep -qi '^Cache-Control: no-store' '$work/headers'"
check "export CSV: the header row is exactly the export's columns, CRLF" test "$(head -1 "$work/body")" = "$columns"$'\r'
check "export CSV: the tenant's rows in the list's order" test "$(export_ids csv)" = "$c3 $c2 $c1"
check "export CSV: c1's cells (RFC 3339 UTC, numbers, booleans, memory as JSON text)" bash -c "grep -F '$c1,$agent_a,Ava,Acme,hybrid,sess-alpha,web,closed,human,2024-05-01T10:00:00.000000Z,2024-05-01T10:03:05.000000Z,185,2,true,120,30,150,4,,positive,0.8,resolved,true,$ts_a,\"{\"\"email\"\": \"\"ann@example.com\"\"' '$work/body'"
check "export CSV: an active conversation's empty cells (no end, no rating; end reason Completed as in the detail)" bash -c "grep -qE '^$c3,$agent_a,Ava,Acme,hybrid,sess-gamma,voip,active,ai,2024-05-03T08:00:00.000000Z,,,2,false,0,0,0,,,,,Completed,false,,\\{\\}'$'\r''\$' '$work/body'"
call GET "$X?format=ndjson" "${A[@]}"
check "export NDJSON: 200 application/x-ndjson, .ndjson attachment" bash -c "[ '$code/$(header Content-Type)' = 200/application/x-ndjson ] &&
	[ '$(header Content-Disposition)' = 'attachment; filename=\"conversations-$(date -u +%Y%m%d).ndjson\"' ]"
check "export NDJSON: one object per line in the list's order" test "$(export_ids ndjson)" = "$c3 $c2 $c1"
check "export NDJSON: keys are the export's columns in order" test "$(jq -sr '.[0] | keys_unsorted | join(",")' "$work/body")" = "$columns"
check "export NDJSON: c1's values (memory an object, null for none)" jq -se ".[2] | .id == $c1 and .memory.email == \"ann@example.com\" and
	.rating == 4 and .rating_comment == null and .sentiment_score == 0.8 and .total_tokens == 150 and .ended_at == \"2024-05-01T10:03:05.000000Z\" and (has(\"messages\") | not)" "$work/body"
t "export include=messages: 200" 200 '' GET "$X?format=ndjson&include=messages" "${A[@]}"
check "include=messages: the shown transcript, oldest first, last key" jq -se ".[2] | (keys_unsorted | last) == \"messages\" and
	[.messages[].content] == [\"Hello, where is my order 4711?\", \"It ships tomorrow.\"]" "$work/body"
check "include=messages: voice messages carry their clip ids" jq -se ".[0].id == $c3 and [.[0].messages[].audio_id] == [$clip, $clip_ogg]" "$work/body"
t "include=messages with CSV: 400 field include" 400 '.error.code == "invalid_parameter" and .error.field == "include"' GET "$X?include=messages" "${A[@]}"
t "include=messages&format=csv: 400 field include" 400 '.error.field == "include"' GET "$X?format=csv&include=messages" "${A[@]}"
t "include of something else: 400 field include" 400 '.error.field == "include"' GET "$X?format=ndjson&include=audio" "${A[@]}"
t "format=xml: 400 field format" 400 '.error.code == "invalid_parameter" and .error.field == "format"' GET "$X?format=xml" "${A[@]}"
t "export without a key: 401" 401 '.error.code == "unauthorized"' GET "$X"
t "export with a revoked key: 401" 401 '' GET "$X" -H "Authorization: Bearer $KR"
t "export with a revoked key and a bad parameter: 401 first" 401 '' GET "$X?format=xml" -H "Authorization: Bearer $KR"
call GET "$X" "${B[@]}"
check "export (tenant B): only B's rows" test "$code/$(export_ids csv)" = "200/$cb"
call GET "$X?q=secret" "${A[@]}"
check "export search never finds another tenant's text: the header row only" test "$code/$(wc -l <"$work/body")" = 200/1
call GET "$X?q=4711&format=ndjson" "${A[@]}"
check "export search in messages" test "$(export_ids ndjson)" = "$c1"
call GET "$X?status=closed,archived&sort=messages&order=asc" "${A[@]}"
check "export with filters and sort: the list's rows in its order" test "$(export_ids csv)" = "$(curl -sS "${A[@]}" "$base$L?status=closed,archived&sort=messages&order=asc" | jq -r '[.data[].id] | join(" ")')"
printf 'HEAD %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' "$X" "$KA" |
	timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/${base##*:}; cat >&3; cat <&3" >"$work/body"
check "HEAD export: 200 with the export's headers and no body" bash -c "head -1 '$work/body' | grep -q ' 200 ' &&
	grep -qi '^Content-Disposition: attachment' '$work/body' && ! grep -q '^id,agent_id' '$work/body' && ! grep -q '^0'$'\r''\$' '$work/body'"
call GET "$X" "${A[@]}" --http1.0
check "HTTP/1.0 export: the same bytes, not chunked, connection closed" bash -c "[ '$code' = 200 ] && cmp -s '$work/body' '$work/export-a.csv' &&
	! grep -qi '^Transfer-Encoding' '$work/headers' && grep -qi '^Connection: close' '$work/headers'"

# ---- bad parameters: the list's answer, byte for byte
for bad in "min_rating=abc" "min_rating=9" "date_from=2024-02-30" "date_to=2024-5-1" "status=open" "channel=fax" \
	"agent_id=x" "agent_id=1,,2" "sort=colour" "order=up" "colour=red" "status=active&status=closed" "q=%ZZ"; do
	call GET "$L?$bad" "${A[@]}"
	list_code=$code
	cp "$work/body" "$work/list-error.json"
	call GET "$X?$bad" "${A[@]}"
	check "export: bad $bad answers exactly as the list ($list_code $(jq -c .error.field "$work/body"))" \
		bash -c "[ '$code' = '$list_code' ] && [ '$code' = 400 ] && cmp -s '$work/body' '$work/list-error.json'"
done
for bad in limit=10:limit cursor=abc:cursor count=exact:count; do
	t "export: the list's paging parameter ${bad%%:*} is not taken: 400 field ${bad##*:}" 400 ".error.field == \"${bad##*:}\"" GET "$X?${bad%:*}" "${A[@]}"
done

# ---- a larger tenant: several batches, compared with every page of the list
bulk_n=5000
gen_start=$(date +%s)
psql -qX -d $db -v conversations=$bulk_n -v accounts=1 -v account_name=Bulk -v seed=15 \
	-f "$root/scripts/generate_data.sql" >/dev/null 2>"$work/generate.log"
check "a tenant of $bulk_n conversations is generated ($(($(date +%s) - gen_start)) s)" test $? -eq 0
acct_x=$(sql "SELECT id FROM convdash.accounts WHERE name = 'Bulk'")
KX=$(sql "SELECT convdash.create_api_key($acct_x, 'export')")
XK=(-H "Authorization: Bearer $KX")
bulk_agents=$(sql "SELECT string_agg(id::text, ',') FROM (SELECT id FROM convdash.agents WHERE account_id = $acct_x ORDER BY id LIMIT 3) a")
t "formula-like agent: 201" 201 '' POST /api/v1/agents "${XK[@]}" "${J[@]}" -d '{"name":"=1+2","company":"+cmd"}'
agent_f=$(jqb .id)
t "formula-like conversation: 201" 201 '' POST /api/v1/conversations "${XK[@]}" "${J[@]}" \
	-d "{\"agent_id\":$agent_f,\"session_id\":\"@SUM(A1)\",\"channel\":\"web\",\"started_at\":\"2030-01-01T00:00:00Z\"}"
cf=$(jqb .id)
t "formula-like end reason: 200" 200 '' POST /api/v1/conversations/$cf/close "${XK[@]}" "${J[@]}" -d '{"end_reason":"-2+3","ended_at":"2030-01-01T00:01:00Z"}'
t "formula-like rating comment: 200" 200 '' PUT /api/v1/conversations/$cf/rating "${XK[@]}" "${J[@]}" -d '{"score":2,"comment":"\ttab, \"quoted\"\nline"}'
call GET "$X?q=SUM(A1)" "${XK[@]}"
check "CSV: cells starting with = + - @ or tab get a leading '" body_has "$cf,$agent_f,'=1+2,'+cmd,active,'@SUM(A1),web,closed,"
check "CSV: a neutralised cell with a comma, quotes and a newline is quoted, its quotes doubled" \
	body_has ",2,\"'"$'\t'"tab, \"\"quoted\"\""$'\n'"line\",,,'-2+3,"
call GET "$X?q=SUM(A1)&format=ndjson" "${XK[@]}"
check "NDJSON: the same values as stored, not neutralised" jq -e ".id == $cf and .agent_name == \"=1+2\" and .agent_company == \"+cmd\" and
	.session_id == \"@SUM(A1)\" and .end_reason == \"-2+3\" and .rating_comment == \"\\ttab, \\\"quoted\\\"\\nline\"" "$work/body"
for qs in "" "status=closed,archived&sort=agent&order=asc" "q=ord&sort=messages" "min_rating=3&sort=rating&order=asc" \
	"channel=web,widget,voip&sort=status&order=desc" "date_from=2000-01-01&agent_id=$agent_f,$bulk_agents&sort=date&order=asc" "q=SUM"; do
	(cd "$node_dir" && node export_check.mjs "$base" "$KX" "$qs") >"$work/compare.out" 2>&1
	status=$?
	check "export CSV and NDJSON equal every page of the list: '${qs:-no filter}' ($(head -c 300 "$work/compare.out"))" test $status -eq 0
done
call GET "$X?format=ndjson" "${XK[@]}"
bulk_ids=$(export_ids ndjson | tr ' ' ',')
bulk_rows=$(jq -s length "$work/body")
check "the larger tenant's export: all its $bulk_rows rows, none of another tenant" bash -c "[ '$(sql "SELECT count(*) FROM convdash.conversations WHERE account_id = $acct_x")' = '$bulk_rows' ] &&
	[ '$(sql "SELECT count(*) FROM convdash.conversations WHERE id = ANY ('{$bulk_ids}') AND account_id <> $acct_x")' = 0 ]"

# ---- one snapshot: a row deleted while the export runs is still in it
last=$(sql "SELECT conversation_id FROM convdash.v_conversations WHERE account_id = $acct_x ORDER BY started_at, conversation_id LIMIT 1")
curl -sS --limit-rate 4M -o "$work/snapshot.ndjson" "${XK[@]}" "$base$X?format=ndjson&include=messages" &
slow=$!
sleep 1
t "a conversation deleted while the export runs: 204" 204 '' DELETE /api/v1/conversations/$last "${XK[@]}"
wait $slow
check "the export is one snapshot: the deleted conversation is its last line, with its messages" \
	jq -se "length == $bulk_rows and .[-1].id == $last and (.[-1].messages | length) == .[-1].message_count" "$work/snapshot.ndjson"

# ---- a client that leaves, or stops reading, ends the export and its query
"$here/slow-read.pl" "${base##*:}" "$X?format=ndjson&include=messages" "$KX" 100000 /dev/null &
slow=$!
sleep 1
check "an export in progress holds one transaction ($(service_xacts))" test "$(service_xacts)" = 1
kill $slow
wait $slow 2>/dev/null
check "the client disconnects mid-stream: the query ends within 3 s (pg_stat_activity)" xacts_end_within 30
exec 7<>/dev/tcp/127.0.0.1/${base##*:}
printf 'GET %s?format=ndjson&include=messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n' "$X" "$KX" >&7
sleep 1
check "a client that stops reading: the export holds its transaction at first ($(service_xacts))" test "$(service_xacts)" = 1
check "a client that stops reading: the export ends after the write timeout (2 s here), connection still open" xacts_end_within 60
exec 7>&-
t "the service answers after the stalled export" 200 '' GET "$L?limit=1" "${XK[@]}"

# ---- memory: the release build's peak RSS while exporting the larger tenant with transcripts
if make -s -C "$root/api" >/dev/null 2>&1; then
	saved_pid=$api_pid saved_base=$base saved_bin=$bin saved_log=$log
	bin=$root/api/convdash-api log=$work/api-release.log
	start_service
	curl -sS -o /dev/null "${XK[@]}" "$base$X"
	hwm_before=$(awk '/^VmHWM/ {print $2}' /proc/$api_pid/status)
	size=$(curl -sS -o /dev/null -w '%{size_download}' "${XK[@]}" "$base$X?format=ndjson&include=messages")
	hwm_after=$(awk '/^VmHWM/ {print $2}' /proc/$api_pid/status)
	"$here/slow-read.pl" "${base##*:}" "$X?format=ndjson&include=messages" "$KX" 500000000 "$work/full.ndjson"
	full_status=$?
	stop_service
	check "the slow reader reads a whole export as complete (exit $full_status) and as many bytes as curl" \
		bash -c "[ '$full_status' = 0 ] && [ \$(stat -c %s '$work/full.ndjson') = $size ]"
	check "peak RSS grows by $((hwm_after - hwm_before)) kB (< 6 MB) while $((size / 1048576)) MB are exported" \
		test $((hwm_after - hwm_before)) -lt 6144 -a "$size" -gt $((12 * 1048576))
	start_service --export-timeout 1000
	# 2 MB/s through a small receive buffer (test/api/slow-read.pl): curl's
	# socket may buffer the whole export where tcp_rmem allows 32 MB
	"$here/slow-read.pl" "${base##*:}" "$X?format=ndjson&include=messages" "$KX" 2000000 "$work/cut.ndjson"
	cut_status=$?
	stop_service
	check "--export-timeout 1000: a longer download is cut without its last chunk (slow-read.pl exit $cut_status: incomplete), logged" \
		bash -c "[ '$cut_status' = 18 ] && grep -q 'export cut' '$log' && [ \$(stat -c %s '$work/cut.ndjson') -lt $size ]"
	api_pid=$saved_pid base=$saved_base bin=$saved_bin log=$saved_log
else
	check "the release build (api/convdash-api) builds" false
fi
