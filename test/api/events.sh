# Live events (GET /api/v1/events), sourced by run.sh after the tenants exist:
# its own service instance with a small stream cap (--max-streams 4), SSE
# readers as background curl processes writing to files.
# Uses run.sh's db, work, bin, KA/KB, acct_a/acct_b, A/B/J, sql, db_ctl.

ev_log=$work/events-api.log
ev_pid=

# Starts the events instance (start_service with a small cap); sets ev_pid and ev_base.
ev_start() {
	local saved_pid=$api_pid saved_base=$base saved_log=$log rc
	log=$ev_log
	start_service --threads 4 --max-streams 4 --db-connections 2
	rc=$?
	ev_pid=$api_pid ev_base=$base
	api_pid=$saved_pid base=$saved_base log=$saved_log
	return $rc
}

# Opens a stream into $work/ev-NAME (key, then query string); its curl pid is ev_curl_NAME.
ev_open() {
	local name=$1 key=$2 query=${3:-}
	shift 3
	: >"$work/ev-$name"
	curl -sN --max-time 120 -H "Authorization: Bearer $key" "$@" "$ev_base/api/v1/events$query" >"$work/ev-$name" 2>/dev/null &
	printf -v "ev_curl_$name" '%s' $!
	ev_wait "$name" '^: convdash events' 1 2000
}

# Ends stream NAME's client and waits (up to 3 s) until the service has let the stream go.
ev_close() {
	local pid_var=ev_curl_$1 i n
	n=$(curl -s "$ev_base/metrics" | sed -n 's/^convdash_event_streams \([0-9]*\)$/\1/p')
	kill "${!pid_var}" 2>/dev/null
	wait "${!pid_var}" 2>/dev/null
	for i in $(seq 1 150); do
		[ "$(curl -s "$ev_base/metrics" | sed -n 's/^convdash_event_streams \([0-9]*\)$/\1/p')" -lt "$n" ] && return 0
		sleep 0.02
	done
	return 1
}

# Waits until file ev-NAME has at least COUNT lines matching PATTERN, up to MS milliseconds; 0 when it has.
ev_wait() {
	local name=$1 pattern=$2 count=$3 ms=$4 waited=0
	while [ "$(grep -c -- "$pattern" "$work/ev-$name")" -lt "$count" ]; do
		[ "$waited" -ge "$ms" ] && return 1
		sleep 0.02
		waited=$((waited + 20))
	done
}

# How many lines of stream NAME match PATTERN.
ev_count() { grep -c -- "$1" "$work/ev-$2"; }

# Milliseconds on the monotonic-enough wall clock.
now_ms() { date +%s%3N; }

# The last event id received on stream NAME.
ev_last_id() { grep '^id: ' "$work/ev-$1" | tail -1 | cut -d' ' -f2; }

check "events: a service with --max-streams 4 starts" ev_start
base_saved=$base
base=$ev_base
call GET /api/v1/events
check "events: no key 401" test "$code" = 401
call GET '/api/v1/events?conversation_id=abc' "${A[@]}"
check "events: a bad conversation_id 400 naming it" bash -c "[ '$code' = 400 ] && jq -e '.error.field == \"conversation_id\"' '$work/body' >/dev/null"
call GET '/api/v1/events?last_event_id=-3' "${A[@]}"
check "events: a bad last_event_id 400" test "$code" = 400
call GET '/api/v1/events?since=1' "${A[@]}"
check "events: an unknown parameter 400" test "$code" = 400

ev_open a "$KA" ''
check "events: tenant A's stream opens (text/event-stream)" test $? -eq 0
ev_open b "$KB" ''
check "events: tenant B's stream opens" test $? -eq 0
call POST /api/v1/agents "${A[@]}" "${J[@]}" -d '{"name":"Live agent"}'
ev_agent=$(jqb .id)

# writes through the API reach A within 1 s
t0=$(now_ms)
call POST /api/v1/conversations "${A[@]}" "${J[@]}" -d "{\"agent_id\":$ev_agent,\"session_id\":\"live\",\"channel\":\"web\"}"
ev_conv=$(jqb .id)
ev_wait a "\"conversation_id\": $ev_conv" 1 1000
check "events: API conversation.created reaches A within 1 s ($(( $(now_ms) - t0 )) ms)" test $? -eq 0
check "events: the frame is id/event/data with the conversation's fields" bash -c \
	"grep -B2 '\"conversation_id\": $ev_conv' '$work/ev-a' | grep -q '^event: conversation.created' &&
	 grep '\"conversation_id\": $ev_conv' '$work/ev-a' | grep -q '\"status\": \"active\"'"
ev_open f "$KA" "?conversation_id=$ev_conv"
check "events: a stream filtered to one conversation opens" test $? -eq 0
t0=$(now_ms)
call POST "/api/v1/conversations/$ev_conv/messages" "${A[@]}" "${J[@]}" -d '{"role":"user","content":"top secret text"}'
ev_msg=$(jqb .id)
ev_wait a "\"message_id\": $ev_msg" 1 1000
check "events: API message.created reaches A within 1 s ($(( $(now_ms) - t0 )) ms)" test $? -eq 0
t0=$(now_ms)
call PUT "/api/v1/conversations/$ev_conv/rating" "${A[@]}" "${J[@]}" -d '{"score":4}'
ev_wait a '"rating": 4' 1 1000
check "events: API rating (conversation.updated) reaches A within 1 s ($(( $(now_ms) - t0 )) ms)" test $? -eq 0
# a write through SQL reaches A too
t0=$(now_ms)
sql "SELECT set_config('convdash.account_id', '$acct_a', false), convdash.append_message($ev_conv, 'assistant', 'from sql')" >/dev/null
ev_wait a '"role": "assistant"' 1 1000
check "events: an SQL append reaches A within 1 s ($(( $(now_ms) - t0 )) ms)" test $? -eq 0
check "events: no message content in any frame" bash -c "! grep -q 'top secret\\|from sql' '$work/ev-a'"
# another conversation: the filtered stream does not get it
call POST /api/v1/conversations "${A[@]}" "${J[@]}" -d "{\"agent_id\":$ev_agent,\"session_id\":\"live-2\",\"channel\":\"web\"}"
ev_conv2=$(jqb .id)
ev_wait a "\"conversation_id\": $ev_conv2" 1 1000
check "events: the filtered stream has only its conversation's events ($(ev_count '^data:' f) frames)" bash -c \
	"[ \$(grep -c '^data:' '$work/ev-f') -ge 3 ] && ! grep '^data:' '$work/ev-f' | grep -qv '\"conversation_id\": $ev_conv[,}]'"
# a rolled-back write emits nothing; the write after it does
before=$(ev_count '^event: message.created' a)
psql -qAtX -d $db >/dev/null <<SQL
BEGIN;
SELECT set_config('convdash.account_id', '$acct_a', true);
SELECT convdash.append_message($ev_conv2, 'user', 'rolled back');
ROLLBACK;
SQL
call POST "/api/v1/conversations/$ev_conv2/messages" "${A[@]}" "${J[@]}" -d '{"role":"user","content":"kept"}'
ev_wait a '^event: message.created' $((before + 1)) 1000
sleep 0.2
check "events: a rolled-back write emits nothing (one new message event, not two)" \
	test "$(ev_count '^event: message.created' a)" = $((before + 1))
check "events: tenant B received none of A's events" test "$(ev_count '^event:' b)" = 0

# resume with Last-Event-ID: nothing lost, nothing twice
last=$(ev_last_id a)
ev_close a
for i in 1 2 3; do
	call POST "/api/v1/conversations/$ev_conv2/messages" "${A[@]}" "${J[@]}" -d "{\"role\":\"user\",\"content\":\"gap $i\"}"
done
sql "SELECT set_config('convdash.account_id', '$acct_a', false), convdash.close_conversation($ev_conv2)" >/dev/null
missed=$(sql "SELECT string_agg(id::text, ' ' ORDER BY tx::text::bigint, id) FROM convdash.events WHERE account_id = $acct_a AND id > $last")
ev_open r "$KA" '' -H "Last-Event-ID: $last"
ev_wait r '^id: ' 4 2000
check "events: Last-Event-ID resumes with exactly the 4 missed events ($missed)" \
	test "$(grep '^id: ' "$work/ev-r" | cut -d' ' -f2 | tr '\n' ' ' | sed 's/ $//')" = "$missed"
check "events: a stream whose client left is let go within 3 s" ev_close r
ev_open q "$KA" "?last_event_id=$last"
ev_wait q '^id: ' 4 2000
check "events: ?last_event_id= resumes the same way" test "$(grep -c '^id: ' "$work/ev-q")" = 4
ev_close q
ev_open z "$KA" '' -H "Last-Event-ID: 999999999"
ev_wait z '^event: reset' 1 2000
check "events: an id outside the replay window gets an event reset" test $? -eq 0
ev_close z
ev_open a "$KA" ''

# the cap: 4 streams open (a, b, f, and one more), the fifth is 503; requests still answer
ev_open c "$KA" ''
call GET /metrics
check "events: /metrics shows 4 open streams" grep -q '^convdash_event_streams 4$' "$work/body"
call GET /api/v1/events "${A[@]}"
check "events: past the cap 503 with a JSON error" bash -c "[ '$code' = 503 ] && jq -e '.error.code' '$work/body' >/dev/null"
worst=0
for i in $(seq 1 20); do
	ms=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $KA" "$ev_base/api/v1/conversations?limit=5" | awk '{ printf "%d", $1 * 1000 }')
	[ "$ms" -gt "$worst" ] && worst=$ms
done
check "events: with the cap's worth of streams open, 20 list requests answer (slowest $worst ms)" test "$worst" -lt 1000

# a stalled reader (never reads) is dropped; the others keep flowing
ev_close c
exec 7<>/dev/tcp/127.0.0.1/"${ev_base##*:}"
printf 'GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n' "$KA" >&7
sleep 0.3
before=$(ev_count '^event: message.created' a)
sql "SELECT set_config('convdash.account_id', '$acct_a', false);
     DO \$\$ BEGIN FOR i IN 1..4000 LOOP PERFORM convdash.append_message($ev_conv, 'user', 'flood'); END LOOP; END \$\$" >/dev/null
ev_wait a '^event: message.created' $((before + 4000)) 10000
check "events: a reading stream gets all 4000 events of a burst" test $? -eq 0
for i in $(seq 1 50); do
	call GET /metrics
	grep -q '^convdash_event_streams_dropped_total [1-9]' "$work/body" && break
	sleep 0.2
done
check "events: the stalled reader was dropped ($(grep '^convdash_event_streams_dropped_total' "$work/body"))" \
	grep -q '^convdash_event_streams_dropped_total 1$' "$work/body"
exec 7>&-
t0=$(now_ms)
call POST "/api/v1/conversations/$ev_conv/messages" "${A[@]}" "${J[@]}" -d '{"role":"user","content":"after the stall"}'
ev_msg=$(jqb .id)
ev_wait a "\"message_id\": $ev_msg" 1 1000
check "events: after the drop the others keep flowing ($(( $(now_ms) - t0 )) ms)" test $? -eq 0

# database restart: the reader reconnects and loses nothing (no reset while the position is kept)
if db_ctl restart; then
	sleep 0.3
	sql "SELECT set_config('convdash.account_id', '$acct_a', false), convdash.append_message($ev_conv, 'user', 'after restart')" >/dev/null
	last_db=$(sql "SELECT max(id) FROM convdash.events WHERE account_id = $acct_a")
	ev_wait a "^id: $last_db\$" 1 5000
	check "events: after a database restart the stream goes on with the next write" test $? -eq 0
	check "events: no reset when the position survived the restart" test "$(ev_count '^event: reset' a)" = 0
	# a restart that loses the events (a restored backup): reset
	sql "ALTER ROLE convdash_api_suite NOLOGIN" >/dev/null
	db_ctl restart
	sql "DELETE FROM convdash.events WHERE account_id = $acct_a" >/dev/null
	sql "ALTER ROLE convdash_api_suite LOGIN" >/dev/null
	ev_wait a '^event: reset' 1 5000
	check "events: a restart that lost the stream's position sends reset" test $? -eq 0
	t0=$(now_ms)
	call POST "/api/v1/conversations/$ev_conv/messages" "${A[@]}" "${J[@]}" -d '{"role":"user","content":"after reset"}'
	ev_msg=$(jqb .id)
	ev_wait a "\"message_id\": $ev_msg" 1 3000
	check "events: after the reset new events flow ($(( $(now_ms) - t0 )) ms)" test $? -eq 0
else
	fail "events: database restart" "cannot restart the cluster of port $PGPORT"
fi

# SIGTERM closes every stream and the process exits 0
kill -TERM "$ev_pid"
t0=$(now_ms)
wait "$ev_pid"
ev_status=$?
check "events: SIGTERM with open streams: exits 0 in $(( $(now_ms) - t0 )) ms" test "$ev_status" -eq 0
sleep 0.2
check "events: the streams' clients saw the end" bash -c "! kill -0 $ev_curl_a 2>/dev/null && ! kill -0 $ev_curl_b 2>/dev/null"
check "events: no AddressSanitizer/UBSan report in the events instance" \
	bash -c "! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' '$ev_log'"
grep -E 'AddressSanitizer|LeakSanitizer|runtime error:' -A 30 "$ev_log" | head -60 | sed 's/^/# /'
ev_pid=
base=$base_saved
