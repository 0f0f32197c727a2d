#!/usr/bin/env bash
# API suite: the real service (built with AddressSanitizer + UBSan) against a
# real database over real HTTP. Creates its own database, login role, two
# tenants and their data (through the API itself), then checks every route of
# DESIGN §5: happy path, each error status, tenant isolation, a bad-input
# battery, database restart, slow clients, metrics, logs and graceful
# shutdown. Prints "ok - ..." / "not ok - ..." per case (docs/CONVENTIONS.md).
# Env: CONVDASH_API_BIN to test another binary (default api/convdash-api-asan).
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
here=$root/test/api
export PGOPTIONS='-c client_min_messages=warning'
db=convdash_api_test
work=$(mktemp -d)
log=$work/api.log
api_pid=
api2_pid=
nginx_pid=
trap 'for p in $api_pid $api2_pid $nginx_pid ${ev_pid:-}; do kill -KILL "$p" 2>/dev/null; done; rm -rf "$work"; dropdb --if-exists $db 2>/dev/null' EXIT
. "$here/lib.sh"

bin=${CONVDASH_API_BIN:-$root/api/convdash-api-asan}
if [ -z "${CONVDASH_API_BIN:-}" ]; then
	make -s -C "$root/api" asan >/dev/null || { echo "not ok - build api/convdash-api-asan"; exit 1; }
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# ---- database, roles, tenants, keys
svc_password=svc-$RANDOM$RANDOM
dropdb --if-exists $db 2>/dev/null
createdb $db && install_extension $db && psql -qX -v ON_ERROR_STOP=1 -d $db >/dev/null <<SQL
DO \$\$ BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'convdash_api_suite') THEN
		CREATE ROLE convdash_api_suite LOGIN IN ROLE convdash_api;
	END IF;
END \$\$;
ALTER ROLE convdash_api_suite PASSWORD '$svc_password';
SELECT convdash.create_account('Acme'), convdash.create_account('Beta'), convdash.create_account('Gone');
SQL
check "database, extension and service role are created" test $? -eq 0
sql() { psql -qAtX -d $db -c "$1"; }
acct_a=$(sql "SELECT id FROM convdash.accounts WHERE name = 'Acme'")
acct_b=$(sql "SELECT id FROM convdash.accounts WHERE name = 'Beta'")
KA=$(sql "SELECT convdash.create_api_key($acct_a, 'suite')")
KB=$(sql "SELECT convdash.create_api_key($acct_b, 'suite')")
KR=$(sql "SELECT convdash.create_api_key($acct_a, 'revoked')")
sql "SELECT convdash.revoke_api_key('$KR')" >/dev/null
service_url="host=${PGHOST:-localhost} port=${PGPORT:-5432} dbname=$db user=convdash_api_suite password=$svc_password"
A=(-H "Authorization: Bearer $KA")
B=(-H "Authorization: Bearer $KB")
J=(-H "Content-Type: application/json")

check "service starts and logs its port" start_service

# ---- health, auth, routing
t "healthz answers 200 ok without a key" 200 '.status == "ok"' GET /healthz
t "no key: 401" 401 '.error.code == "unauthorized"' GET /api/v1/agents
check "401 carries WWW-Authenticate: Bearer" bash -c "grep -qi '^WWW-Authenticate: Bearer' '$work/headers'"
t "unknown key: 401" 401 '.error.code == "unauthorized"' GET /api/v1/agents -H "Authorization: Bearer cdk_1_$(printf '%064d' 0)"
t "malformed key: 401" 401 '' GET /api/v1/agents -H "Authorization: Bearer not a key"
t "Basic auth instead of Bearer: 401" 401 '' GET /api/v1/agents -H "Authorization: Basic dXNlcjpwdw=="
t "revoked key: 401" 401 '' GET /api/v1/agents -H "Authorization: Bearer $KR"
t "revoked key on a write: 401, nothing written" 401 '' POST /api/v1/agents -H "Authorization: Bearer $KR" -H 'Content-Type: application/json' -d '{"name":"Intruder"}'
t "bad key and a bad parameter: 401 comes first" 401 '.error.code == "unauthorized"' GET "/api/v1/conversations?limit=abc" -H "Authorization: Bearer $KR"
t "bad key and a bad body: 401 comes first" 401 '' POST /api/v1/agents -H "Authorization: Bearer $KR" -H 'Content-Type: application/json' -d '{"name":5}'
t "bad key and a wrong content type: 401 comes first" 401 '' PUT /api/v1/messages/1/audio -H "Authorization: Bearer $KR" -H 'Content-Type: text/plain' -d 'x'
t "bad key on an audio download: 401" 401 '' GET /api/v1/audio/1 -H "Authorization: Bearer $KR"
t "bad key on an audio range: 401" 401 '.error.code == "unauthorized"' GET /api/v1/audio/1 -H "Authorization: Bearer $KR" -H "Range: bytes=0-99"
t "unknown key on an audio range: 401" 401 '.error.code == "unauthorized"' GET /api/v1/audio/1 -H "Authorization: Bearer cdk_1_$(printf '%064d' 0)" -H "Range: bytes=0-99"
t "unknown route under /api: 404 JSON" 404 '.error.code == "not_found"' GET /api/v1/nothing "${A[@]}"
t "unknown route without a key is 404 too" 404 '' GET /api/v2/conversations
t "wrong method: 405" 405 '.error.code == "method_not_allowed"' PUT /api/v1/agents "${A[@]}"
check "405 lists the allowed methods" test "$(header Allow)" = "GET, HEAD, POST"
t "wrong method on an id route: 405" 405 '' POST /api/v1/conversations/1/rating "${A[@]}"
check "405 Allow on an id route" test "$(header Allow)" = "PUT, DELETE"
t "non-numeric id: 404" 404 '' GET /api/v1/conversations/abc "${A[@]}"
t "id 0: 404" 404 '' GET /api/v1/conversations/0 "${A[@]}"
t "id beyond bigint: 404" 404 '' GET /api/v1/conversations/99999999999999999999 "${A[@]}"
t "trailing slash is another path: 404" 404 '' GET /api/v1/agents/ "${A[@]}"

# ---- agents
t "POST agents: 201 with the agent" 201 '.name == "Ava" and .company == "Acme" and .mode == "hybrid" and (.id | type == "number")' \
	POST /api/v1/agents "${A[@]}" "${J[@]}" -d '{"name":"Ava","company":"Acme","mode":"hybrid"}'
agent_a=$(jqb .id)
t "POST agents: defaults mode active" 201 '.mode == "active"' POST /api/v1/agents "${A[@]}" "${J[@]}" -d '{"name":"Max"}'
agent_a2=$(jqb .id)
t "POST agents (tenant B)" 201 '.name == "Ava"' POST /api/v1/agents "${B[@]}" "${J[@]}" -d '{"name":"Ava"}'
agent_b=$(jqb .id)
t "duplicate agent name: 409" 409 '.error.code == "conflict" and .error.field == "name"' \
	POST /api/v1/agents "${A[@]}" "${J[@]}" -d '{"name":"Ava"}'
t "bad mode: 400 field mode" 400 '.error.code == "invalid_parameter" and .error.field == "mode"' \
	POST /api/v1/agents "${A[@]}" "${J[@]}" -d '{"name":"Zed","mode":"sleepy"}'
t "missing name: 400 field name" 400 '.error.field == "name"' POST /api/v1/agents "${A[@]}" "${J[@]}" -d '{}'
t "name of the wrong JSON type: 400 field name" 400 '.error.field == "name"' \
	POST /api/v1/agents "${A[@]}" "${J[@]}" -d '{"name":5}'
t "unknown body field: 400" 400 '.error.field == "colour"' POST /api/v1/agents "${A[@]}" "${J[@]}" -d '{"name":"Q","colour":"red"}'
t "body that is not JSON: 400 invalid_body" 400 '.error.code == "invalid_body"' \
	POST /api/v1/agents "${A[@]}" "${J[@]}" -d '{"name":'
t "JSON array body: 400" 400 '.error.code == "invalid_body"' POST /api/v1/agents "${A[@]}" "${J[@]}" -d '["Ava"]'
t "duplicate JSON keys: 400" 400 '' POST /api/v1/agents "${A[@]}" "${J[@]}" -d '{"name":"X","name":"Y"}'
t "text/plain body: 415" 415 '.error.code == "unsupported_media_type"' \
	POST /api/v1/agents "${A[@]}" -H 'Content-Type: text/plain' -d '{"name":"T"}'
t "no Content-Type: 415" 415 '' POST /api/v1/agents "${A[@]}" -H 'Content-Type:' -d '{"name":"T"}'
head -c 70000 /dev/zero | tr '\0' 'a' | sed 's/^/{"name":"/; s/$/"}/' >"$work/big.json"
t "body over the cap: 413" 413 '.error.code == "payload_too_large"' \
	POST /api/v1/agents "${A[@]}" "${J[@]}" --data-binary @"$work/big.json"
t "chunked body over the cap: 413" 413 '' POST /api/v1/agents "${A[@]}" "${J[@]}" \
	-H 'Transfer-Encoding: chunked' --data-binary @"$work/big.json"
KT=$(sql "SELECT convdash.create_api_key($acct_a, 'to revoke')")
t "a key in use works" 200 '' GET /api/v1/agents -H "Authorization: Bearer $KT"
sql "SELECT convdash.revoke_api_key('$KT')" >/dev/null
sleep 1.2
t "a key revoked while in use stops within the auth cache time (1 s)" 401 '' GET /api/v1/agents -H "Authorization: Bearer $KT"
check "the revoked key wrote nothing" test "$(sql "SELECT count(*) FROM convdash.agents WHERE name = 'Intruder'")" = 0
t "GET agents: only the tenant's" 200 '(.data | length) == 2 and ([.data[].name] | sort) == ["Ava","Max"]' \
	GET /api/v1/agents "${A[@]}"
t "GET agents (tenant B): only B's" 200 '(.data | length) == 1 and .data[0].id == '"$agent_b" GET /api/v1/agents "${B[@]}"
t "HEAD agents: 200" 200 '' HEAD /api/v1/agents "${A[@]}" --head

# ---- tracker
t "POST tracker session: 201 {id}" 201 '.id | type == "number"' POST /api/v1/tracker/sessions "${A[@]}" "${J[@]}" \
	-d '{"device":"mobile","browser":"Firefox","os":"Android","country":"DE","city":"Berlin","landing_page":"/pricing","traffic_source":"ads","utm_source":"google","utm_medium":"cpc","started_at":"2024-05-01T09:55:00Z","duration_seconds":300,"pages_visited":3,"bounce":false}'
ts_a=$(jqb .id)
t "POST tracker session (tenant B)" 201 '' POST /api/v1/tracker/sessions "${B[@]}" "${J[@]}" -d '{"device":"desktop"}'
ts_b=$(jqb .id)
t "tracker session: bad device 400" 400 '.error.field == "device"' POST /api/v1/tracker/sessions "${A[@]}" "${J[@]}" -d '{"device":"fridge"}'
t "tracker session: bounce not boolean 400" 400 '.error.field == "bounce"' POST /api/v1/tracker/sessions "${A[@]}" "${J[@]}" -d '{"bounce":"yes"}'
t "tracker session: negative duration 400" 400 '.error.field == "duration_seconds"' POST /api/v1/tracker/sessions "${A[@]}" "${J[@]}" -d '{"duration_seconds":-1}'
t "tracker session: bad time 400" 400 '.error.field == "started_at"' POST /api/v1/tracker/sessions "${A[@]}" "${J[@]}" -d '{"started_at":"2024-02-30T00:00:00Z"}'
t "pageview: 201" 201 '.id | type == "number"' POST /api/v1/tracker/sessions/$ts_a/pageviews "${A[@]}" "${J[@]}" \
	-d '{"url":"/pricing","title":"Pricing","time_spent_seconds":42,"scroll_depth":80,"viewed_at":"2024-05-01T09:56:00Z"}'
t "pageview: scroll depth 150 400" 400 '.error.field == "scroll_depth"' POST /api/v1/tracker/sessions/$ts_a/pageviews "${A[@]}" "${J[@]}" -d '{"url":"/x","scroll_depth":150}'
t "pageview: missing url 400" 400 '.error.field == "url"' POST /api/v1/tracker/sessions/$ts_a/pageviews "${A[@]}" "${J[@]}" -d '{}'
t "pageview: unknown session 404" 404 '.error.code == "not_found"' POST /api/v1/tracker/sessions/999999999/pageviews "${A[@]}" "${J[@]}" -d '{"url":"/x"}'
t "event: 201" 201 '' POST /api/v1/tracker/sessions/$ts_a/events "${A[@]}" "${J[@]}" -d '{"name":"click","type":"ui","occurred_at":"2024-05-01T09:57:00Z"}'
t "trigger event: 201" 201 '' POST /api/v1/tracker/sessions/$ts_a/events "${A[@]}" "${J[@]}" \
	-d '{"name":"exit-intent","type":"trigger","trigger":{"name":"exit","action":"open_chat","data":{"x":1,"tags":["a"]}}}'
t "trigger without action: 400 field trigger.action" 400 '.error.field == "trigger.action"' \
	POST /api/v1/tracker/sessions/$ts_a/events "${A[@]}" "${J[@]}" -d '{"name":"e","type":"t","trigger":{"name":"x"}}'
t "trigger that is not an object: 400 field trigger" 400 '.error.field == "trigger"' \
	POST /api/v1/tracker/sessions/$ts_a/events "${A[@]}" "${J[@]}" -d '{"name":"e","type":"t","trigger":"x"}'
t "unknown trigger key: 400 field trigger.when" 400 '.error.field == "trigger.when"' \
	POST /api/v1/tracker/sessions/$ts_a/events "${A[@]}" "${J[@]}" -d '{"name":"e","type":"t","trigger":{"name":"x","action":"y","when":1}}'
t "event: missing type 400" 400 '.error.field == "type"' POST /api/v1/tracker/sessions/$ts_a/events "${A[@]}" "${J[@]}" -d '{"name":"e"}'
t "a top-level key \"trigger.name\" is unknown: 400" 400 '.error.code == "invalid_parameter" and .error.field == "trigger.name"' \
	POST /api/v1/tracker/sessions/$ts_a/events "${A[@]}" "${J[@]}" -d '{"name":"e","type":"t","trigger.name":"x"}'
t "trigger data with 0.1 and 1e3 (tenant B): 201" 201 '' POST /api/v1/tracker/sessions/$ts_b/events "${B[@]}" "${J[@]}" \
	-d '{"name":"n","type":"trigger","trigger":{"name":"num","action":"a","data":{"p":0.1,"q":1e3,"s":"\u00e9"}}}'
check "trigger data is stored as sent (0.1 stays 0.1, no re-encoding)" test \
	"$(sql "SELECT trigger_data::text FROM convdash.tracker_events WHERE trigger_name = 'num'")" = '{"p": 0.1, "q": 1000, "s": "é"}'

# ---- conversations: ingest
conv_body() { printf '{"agent_id":%s,"session_id":"%s","channel":"%s","started_at":"%s"%s}' "$@"; }
t "POST conversation: 201 detail" 201 '.status == "active" and .agent.id == '"$agent_a"' and .session_id == "sess-alpha" and .tracker_session_id == '"$ts_a" \
	POST /api/v1/conversations "${A[@]}" "${J[@]}" -d "$(conv_body "$agent_a" sess-alpha web 2024-05-01T10:00:00Z ",\"tracker_session_id\":$ts_a,\"handled_by\":\"human\"")"
c1=$(jqb .id)
t "POST conversation 2" 201 '.channel == "widget"' POST /api/v1/conversations "${A[@]}" "${J[@]}" -d "$(conv_body "$agent_a2" sess-beta widget 2024-05-02T10:00:00Z '')"
c2=$(jqb .id)
t "POST conversation 3 (voice)" 201 '.channel == "voip"' POST /api/v1/conversations "${A[@]}" "${J[@]}" -d "$(conv_body "$agent_a" sess-gamma voip 2024-05-03T10:00:00+02:00 '')"
c3=$(jqb .id)
t "POST conversation (tenant B)" 201 '' POST /api/v1/conversations "${B[@]}" "${J[@]}" -d "$(conv_body "$agent_b" sess-b web 2024-05-01T10:00:00Z '')"
cb=$(jqb .id)
t "conversation: bad channel 400" 400 '.error.field == "channel"' POST /api/v1/conversations "${A[@]}" "${J[@]}" -d "$(conv_body "$agent_a" s fax 2024-05-01T10:00:00Z '')"
t "conversation: another tenant's agent 409" 409 '.error.code == "conflict" and .error.field == "agent_id"' \
	POST /api/v1/conversations "${A[@]}" "${J[@]}" -d "$(conv_body "$agent_b" s web 2024-05-01T10:00:00Z '')"
t "conversation: another tenant's tracker session 409" 409 '.error.field == "tracker_session_id"' \
	POST /api/v1/conversations "${A[@]}" "${J[@]}" -d "$(conv_body "$agent_a" s web 2024-05-01T10:00:00Z ",\"tracker_session_id\":$ts_b")"
t "conversation: month 13 400" 400 '.error.field == "started_at"' POST /api/v1/conversations "${A[@]}" "${J[@]}" -d "$(conv_body "$agent_a" s web 2024-13-01T10:00:00Z '')"
t "conversation: time without zone 400" 400 '.error.field == "started_at"' POST /api/v1/conversations "${A[@]}" "${J[@]}" -d "$(conv_body "$agent_a" s web 2024-05-01T10:00:00 '')"
t "conversation: agent_id as string 400" 400 '.error.field == "agent_id"' POST /api/v1/conversations "${A[@]}" "${J[@]}" -d '{"agent_id":"1","session_id":"s","channel":"web"}'
t "conversation: agent_id 1.5 400" 400 '.error.field == "agent_id"' POST /api/v1/conversations "${A[@]}" "${J[@]}" -d '{"agent_id":1.5,"session_id":"s","channel":"web"}'
t "conversation: agent_id beyond 64 bits 400" 400 '' POST /api/v1/conversations "${A[@]}" "${J[@]}" -d '{"agent_id":123456789012345678901234,"session_id":"s","channel":"web"}'
t "conversation: missing session_id 400" 400 '.error.field == "session_id"' POST /api/v1/conversations "${A[@]}" "${J[@]}" -d "{\"agent_id\":$agent_a,\"channel\":\"web\"}"

msg() { printf '{"role":"%s","content":"%s"%s}' "$@"; }
t "append user message: 201" 201 '.role == "user" and .content == "Hello, where is my order 4711?"' \
	POST /api/v1/conversations/$c1/messages "${A[@]}" "${J[@]}" -d "$(msg user 'Hello, where is my order 4711?' ',"created_at":"2024-05-01T10:00:05Z"')"
t "append assistant message with tokens: 201" 201 '.role == "assistant"' POST /api/v1/conversations/$c1/messages "${A[@]}" "${J[@]}" \
	-d "$(msg assistant 'It ships tomorrow.' ',"prompt_tokens":120,"completion_tokens":30,"created_at":"2024-05-01T10:00:09Z"')"
t "append system message: 201" 201 '' POST /api/v1/conversations/$c1/messages "${A[@]}" "${J[@]}" -d "$(msg system 'internal note' ',"created_at":"2024-05-01T10:00:10Z"')"
t "append to conversation 2" 201 '' POST /api/v1/conversations/$c2/messages "${A[@]}" "${J[@]}" -d "$(msg user 'hi there' ',"created_at":"2024-05-02T10:00:05Z"')"
t "voice message in conversation 3" 201 '' POST /api/v1/conversations/$c3/messages "${A[@]}" "${J[@]}" -d "$(msg user '[voice]' ',"created_at":"2024-05-03T08:00:05Z"')"
m3=$(jqb .id)
t "second voice message in conversation 3" 201 '' POST /api/v1/conversations/$c3/messages "${A[@]}" "${J[@]}" -d "$(msg assistant '[voice]' ',"created_at":"2024-05-03T08:00:09Z"')"
m4=$(jqb .id)
t "message (tenant B)" 201 '' POST /api/v1/conversations/$cb/messages "${B[@]}" "${J[@]}" -d "$(msg user 'secret of B' '')"
mb=$(jqb .id)
t "message: bad role 400" 400 '.error.field == "role"' POST /api/v1/conversations/$c1/messages "${A[@]}" "${J[@]}" -d "$(msg robot x '')"
t "message: negative tokens 400" 400 '.error.field == "prompt_tokens"' POST /api/v1/conversations/$c1/messages "${A[@]}" "${J[@]}" -d "$(msg user x ',"prompt_tokens":-1')"
t "message: tokens beyond 32 bits 400" 400 '.error.field == "prompt_tokens"' POST /api/v1/conversations/$c1/messages "${A[@]}" "${J[@]}" -d "$(msg user x ',"prompt_tokens":10000000000')"
t "message: null content 400" 400 '.error.field == "content"' POST /api/v1/conversations/$c1/messages "${A[@]}" "${J[@]}" -d '{"role":"user","content":null}'
t "message: before the start 400" 400 '.error.field == "created_at"' POST /api/v1/conversations/$c1/messages "${A[@]}" "${J[@]}" -d "$(msg user x ',"created_at":"2020-01-01T00:00:00Z"')"
t "message: unknown conversation 404" 404 '.error.code == "not_found"' POST /api/v1/conversations/999999999/messages "${A[@]}" "${J[@]}" -d "$(msg user x '')"

t "memory: merge 200" 200 '.memory == {"email":"ann@example.com","plan":"pro","address":{"city":"Berlin"}}' \
	PATCH /api/v1/conversations/$c1/memory "${A[@]}" "${J[@]}" -d '{"email":"ann@example.com","plan":"pro","address":{"city":"Berlin"}}'
t "memory: null removes a key (merge-patch+json)" 200 '.memory == {"email":"ann@example.com","address":{"city":"Berlin","zip":"10115"}}' \
	PATCH /api/v1/conversations/$c1/memory "${A[@]}" -H 'Content-Type: application/merge-patch+json' -d '{"plan":null,"address":{"zip":"10115"}}'
call PATCH /api/v1/conversations/$c1/memory "${A[@]}" "${J[@]}" -d '{"ratio":0.1}'
check "memory is stored as sent: 0.1 stays 0.1" bash -c "[ '$code' = 200 ] && grep -qE '\"ratio\": 0\\.1[,}]' '$work/body'"
t "memory: array body 400" 400 '' PATCH /api/v1/conversations/$c1/memory "${A[@]}" "${J[@]}" -d '[1]'
t "memory: text/plain 415" 415 '' PATCH /api/v1/conversations/$c1/memory "${A[@]}" -H 'Content-Type: text/plain' -d '{}'
t "sentiment: 200" 200 '.sentiment == "positive" and .sentiment_text != "Not analyzed"' \
	PUT /api/v1/conversations/$c1/sentiment "${A[@]}" "${J[@]}" -d '{"label":"positive","score":0.8}'
t "sentiment: score 2 400" 400 '.error.field == "score"' PUT /api/v1/conversations/$c1/sentiment "${A[@]}" "${J[@]}" -d '{"score":2}'
t "sentiment: score as string 400" 400 '.error.field == "score"' PUT /api/v1/conversations/$c1/sentiment "${A[@]}" "${J[@]}" -d '{"score":"0.5"}'
t "sentiment: bad label 400" 400 '.error.field == "label"' PUT /api/v1/conversations/$c1/sentiment "${A[@]}" "${J[@]}" -d '{"label":"happy"}'
t "converted: 200" 200 '.converted == true' PATCH /api/v1/conversations/$c1 "${A[@]}" "${J[@]}" -d '{"converted":true}'
t "converted: not boolean 400" 400 '.error.field == "converted"' PATCH /api/v1/conversations/$c1 "${A[@]}" "${J[@]}" -d '{"converted":"yes"}'
t "converted: missing 400" 400 '.error.field == "converted"' PATCH /api/v1/conversations/$c1 "${A[@]}" "${J[@]}" -d '{}'
t "PATCH of another field: 400" 400 '.error.field == "status"' PATCH /api/v1/conversations/$c1 "${A[@]}" "${J[@]}" -d '{"status":"closed"}'
t "rating: 200" 200 '.rating.score == 5 and .rating.comment == "great"' PUT /api/v1/conversations/$c1/rating "${A[@]}" "${J[@]}" -d '{"score":5,"comment":"great"}'
t "rating: score 6 400" 400 '.error.field == "score"' PUT /api/v1/conversations/$c1/rating "${A[@]}" "${J[@]}" -d '{"score":6}'
t "rating: score 4.5 400" 400 '.error.field == "score"' PUT /api/v1/conversations/$c1/rating "${A[@]}" "${J[@]}" -d '{"score":4.5}'
t "remove rating: 204" 204 '' DELETE /api/v1/conversations/$c1/rating "${A[@]}"
t "remove rating again: 204 (idempotent)" 204 '' DELETE /api/v1/conversations/$c1/rating "${A[@]}"
t "detail after removal: rating null" 200 '.rating == null' GET /api/v1/conversations/$c1 "${A[@]}"
t "rate again: 200" 200 '.rating.score == 4' PUT /api/v1/conversations/$c1/rating "${A[@]}" "${J[@]}" -d '{"score":4}'
t "close with reason: 200" 200 '.status == "closed" and .end_reason == "resolved" and (.ended_at | startswith("2024-05-01T10:03:05")) and .duration_text == "3m 05s"' \
	POST /api/v1/conversations/$c1/close "${A[@]}" "${J[@]}" -d '{"end_reason":"resolved","ended_at":"2024-05-01T10:03:05Z"}'
t "close twice: 409" 409 '.error.code == "conflict"' POST /api/v1/conversations/$c1/close "${A[@]}"
t "close: bad ended_at 400" 400 '.error.field == "ended_at"' POST /api/v1/conversations/$c2/close "${A[@]}" "${J[@]}" -d '{"ended_at":"soon"}'
t "close without a body: Completed" 200 '.status == "closed" and .end_reason == "Completed"' POST /api/v1/conversations/$c2/close "${A[@]}"
t "archive: 200" 200 '.status == "archived"' POST /api/v1/conversations/$c2/archive "${A[@]}"
t "archive with {}: 200 (idempotent)" 200 '.status == "archived"' POST /api/v1/conversations/$c2/archive "${A[@]}" "${J[@]}" -d '{}'
t "archive with a field: 400" 400 '' POST /api/v1/conversations/$c2/archive "${A[@]}" "${J[@]}" -d '{"x":1}'
t "message to an archived conversation: 409" 409 '.error.code == "conflict"' POST /api/v1/conversations/$c2/messages "${A[@]}" "${J[@]}" -d "$(msg user late '')"

# ---- audio upload
make_wav "$work/a.wav" 350000  # 700 kB: three 256 KiB chunks when streamed
wav_bytes=$(stat -c %s "$work/a.wav")
t "upload WAV: 201" 201 ".bytes == $wav_bytes and .mime == \"audio/wav\" and .message_id == $m3" \
	PUT "/api/v1/messages/$m3/audio?duration_ms=5000" "${A[@]}" -H 'Content-Type: audio/wav' --data-binary @"$work/a.wav"
clip=$(jqb .id)
# voice as the channels make it: a Telegram voice note (Ogg/Opus), a Chrome
# recording (WebM/Opus, no duration in its header), a Twilio recording (MP3)
espeak-ng -v en-us -w "$work/speech.wav" "Hi, my parcel never arrived, order 5 5 1 2."
opusenc --quiet --bitrate 24 "$work/speech.wav" "$work/b.ogg"
ffmpeg -v error -i "$work/speech.wav" -c:a libopus -f webm -live 1 "$work/chrome.webm"
lame --quiet -b 32 "$work/speech.wav" "$work/twilio.mp3"
speech_ms=$(soxi -D "$work/speech.wav" | awk '{printf "%d", $1 * 1000 + 0.5}')
ogg_bytes=$(stat -c %s "$work/b.ogg")
t "upload Ogg/Opus (chunked): 201, the decoded duration" 201 ".bytes == $ogg_bytes and .mime == \"audio/ogg\" and (.duration_ms - $speech_ms | fabs) <= 50" \
	PUT "/api/v1/messages/$m4/audio?duration_ms=99999" "${A[@]}" \
	-H 'Content-Type: audio/ogg; codecs=opus' -H 'Transfer-Encoding: chunked' --data-binary @"$work/b.ogg"
clip_ogg=$(jqb .id)
t "upload WebM/Opus from a browser: 201, the decoded duration" 201 ".mime == \"audio/webm\" and (.duration_ms - $speech_ms | fabs) <= 50" \
	PUT /api/v1/messages/$mb/audio "${B[@]}" -H 'Content-Type: audio/webm;codecs=opus' --data-binary @"$work/chrome.webm"
t "upload MP3: 201, the decoded duration" 201 ".mime == \"audio/mpeg\" and (.duration_ms - $(ffprobe -v error -show_entries format=duration -of csv=p=0 "$work/twilio.mp3" | awk '{printf "%d", $1 * 1000 + 0.5}') | fabs) <= 50" \
	PUT /api/v1/messages/$mb/audio "${B[@]}" -H 'Content-Type: audio/mpeg' --data-binary @"$work/twilio.mp3"
head -c 3000 /dev/urandom >"$work/noise.ogg"
t "upload of bytes that are not Ogg: 400 on data" 400 '.error.code == "invalid_parameter" and .error.field == "data"' \
	PUT /api/v1/messages/$mb/audio "${B[@]}" -H 'Content-Type: audio/ogg' --data-binary @"$work/noise.ogg"
t "upload of a format convdash does not decode: 400 on mime" 400 '.error.field == "mime"' \
	PUT /api/v1/messages/$mb/audio "${B[@]}" -H 'Content-Type: audio/amr' --data-binary @"$work/noise.ogg"
t "the refused uploads kept the MP3" 200 '[.data[].mime] == ["audio/mpeg"]' GET /api/v1/conversations/$cb/audio "${B[@]}"
t "upload (tenant B)" 201 '' PUT /api/v1/messages/$mb/audio "${B[@]}" -H 'Content-Type: audio/wav' --data-binary @"$work/a.wav"
clip_b=$(jqb .id)
t "upload: text/plain 415" 415 '' PUT /api/v1/messages/$m3/audio "${A[@]}" -H 'Content-Type: text/plain' --data-binary @"$work/a.wav"
t "upload: empty body 400" 400 '' PUT /api/v1/messages/$m3/audio "${A[@]}" -H 'Content-Type: audio/wav' --data-binary ''
head -c 1100000 /dev/urandom >"$work/big.bin"
t "upload over the cap: 413" 413 '' PUT /api/v1/messages/$m3/audio "${A[@]}" -H 'Content-Type: audio/mpeg' --data-binary @"$work/big.bin"
t "chunked upload over the cap: 413" 413 '' PUT /api/v1/messages/$m3/audio "${A[@]}" -H 'Content-Type: audio/mpeg' \
	-H 'Transfer-Encoding: chunked' --data-binary @"$work/big.bin"
t "upload: bad duration_ms 400" 400 '.error.field == "duration_ms"' PUT "/api/v1/messages/$m3/audio?duration_ms=long" "${A[@]}" -H 'Content-Type: audio/wav' --data-binary @"$work/a.wav"
t "upload: unknown message 404" 404 '' PUT /api/v1/messages/999999999/audio "${A[@]}" -H 'Content-Type: audio/wav' --data-binary @"$work/a.wav"
t "failed uploads kept the clip" 200 "(.data | length) == 2 and .data[0].id == $clip and .data[0].bytes == $wav_bytes" GET /api/v1/conversations/$c3/audio "${A[@]}"
lo_count() { sql "SELECT count(*) FROM pg_largeobject_metadata"; }
los=$(lo_count)
curl -sS -o /dev/null --limit-rate 100k --max-time 1 -X PUT -H "Authorization: Bearer $KA" -H 'Content-Type: audio/wav' \
	--data-binary @"$work/a.wav" "$base/api/v1/messages/$m3/audio" 2>/dev/null
sleep 0.5
t "upload aborted mid-body: the clip is unchanged" 200 "(.data | length) == 2 and .data[0].id == $clip and .data[0].bytes == $wav_bytes" \
	GET /api/v1/conversations/$c3/audio "${A[@]}"
check "upload aborted mid-body: no large object left behind" test "$(lo_count)" = "$los"
check "upload aborted mid-body: logged 400 (body ended early)" grep -q 'access PUT /api/v1/messages/[0-9]*/audio 400 ' "$log"
cp "$work/twilio.mp3" "$work/c.mp3"
t "re-upload of the ogg clip (now an MP3): 201, a new clip" 201 ".bytes == $(stat -c %s "$work/c.mp3") and .message_id == $m4 and .id != $clip_ogg" \
	PUT /api/v1/messages/$m4/audio "${A[@]}" -H 'Content-Type: audio/mpeg' --data-binary @"$work/c.mp3"
clip_ogg2=$(jqb .id)
check "re-upload replaced the clip: one clip for the message, the old large object unlinked" test \
	"$(sql "SELECT count(*) FROM convdash.audio_clips WHERE message_id = $m4")/$(lo_count)" = "1/$los"
t "re-upload: the old clip is gone" 404 '' GET /api/v1/audio/$clip_ogg "${A[@]}"
clip_ogg=$clip_ogg2
call GET /api/v1/audio/$clip_ogg "${A[@]}"
check "re-upload: the new clip has the new bytes" cmp -s "$work/body" "$work/c.mp3"
# a trickled upload (about 2.5 s) must not hold the conversation: an append meanwhile is served at once
t "a message to upload slowly to (tenant B)" 201 '' POST /api/v1/conversations/$cb/messages "${B[@]}" "${J[@]}" -d "$(msg user 'voice note' '')"
mb_slow=$(jqb .id)
make_wav "$work/slow.wav" 50000
curl -sS -o "$work/slow-up.json" -w '%{http_code}' --limit-rate 40k -X PUT -H "Authorization: Bearer $KB" -H 'Content-Type: audio/wav' \
	--data-binary @"$work/slow.wav" "$base/api/v1/messages/$mb_slow/audio" >"$work/slow-up.code" &
slow_up=$!
sleep 1
idle_tx=$(sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'convdash-api' AND state LIKE 'idle in transaction%'")
start_ns=$(date +%s%N)
t "an append to the conversation during a trickled upload: 201" 201 '' POST /api/v1/conversations/$cb/messages "${B[@]}" "${J[@]}" \
	-d "$(msg user 'during upload' '')"
took_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
check "the append during a trickled upload took under 1 s ($took_ms ms)" test "$took_ms" -lt 1000
check "no database session waits in a transaction while the client trickles" test "$idle_tx" = 0
wait $slow_up
check "the trickled upload completes: 201 with every byte" bash -c "[ '$(cat "$work/slow-up.code")' = 201 ] &&
	jq -e '.bytes == $(stat -c %s "$work/slow.wav")' '$work/slow-up.json' >/dev/null"

# ---- audio download
call GET /api/v1/audio/$clip "${A[@]}"
cp "$work/body" "$work/got.wav"
check "download: 200 with the exact bytes" bash -c "[ '$code' = 200 ] && cmp -s '$work/got.wav' '$work/a.wav'"
check "download: Content-Type audio/wav" test "$(header Content-Type)" = audio/wav
check "download: Content-Length" test "$(header Content-Length)" = "$wav_bytes"
check "download: Accept-Ranges bytes" test "$(header Accept-Ranges)" = bytes
etag=$(header ETag)
check "download: ETag is the quoted SHA-256" bash -c "[[ '$etag' == \\\"$(sha256sum "$work/a.wav" | cut -c1-64)\\\" ]]"
range_case() {
	local name=$1 range=$2 first=$3 last=$4
	call GET /api/v1/audio/$clip "${A[@]}" -H "Range: $range"
	check "range $name: 206 with Content-Range, Content-Length and the exact bytes" bash -c "[ '$code' = 206 ] &&
		[ '$(header Content-Range)' = 'bytes $first-$last/$wav_bytes' ] && [ '$(header Content-Length)' = $((last - first + 1)) ] &&
		cmp -s '$work/body' <(tail -c +$((first + 1)) '$work/a.wav' | head -c $((last - first + 1)))"
}
range_case "a-b" "bytes=0-99" 0 99
range_case "a-" "bytes=300000-" 300000 $((wav_bytes - 1))
range_case "-n with a space" "bytes= -50" $((wav_bytes - 50)) $((wav_bytes - 1))
range_case "-n" "bytes=-50" $((wav_bytes - 50)) $((wav_bytes - 1))
range_case "a-b across chunks" "bytes=262000-530000" 262000 530000
range_case "b past the end" "bytes=10-99999999" 10 $((wav_bytes - 1))
range_case "-n longer than the clip" "bytes=-99999999" 0 $((wav_bytes - 1))
for bad in "bytes=$wav_bytes-" "bytes=$wav_bytes-$((wav_bytes + 10))" "bytes=abc" "bytes=5-1" "items=0-1" "bytes=0-1,4-5" "bytes=-0" "bytes=-" \
	"bytes=99999999999999999999-" "bytes=1-2-3" "bytes= 1x-2"; do
	t "range '$bad': 416" 416 '.error.code == "range_not_satisfiable"' GET /api/v1/audio/$clip "${A[@]}" -H "Range: $bad"
done
check "416 carries Content-Range: bytes */size" test "$(header Content-Range)" = "bytes */$wav_bytes"
t "If-None-Match with the ETag: 304" 304 '' GET /api/v1/audio/$clip "${A[@]}" -H "If-None-Match: $etag"
t "If-None-Match with another ETag: 200" 200 '' GET /api/v1/audio/$clip "${A[@]}" -H 'If-None-Match: "other"' -o /dev/null
call HEAD /api/v1/audio/$clip "${A[@]}" --head
check "HEAD audio: 200, length, no body" bash -c "[ '$code' = 200 ] && [ '$(header Content-Length)' = $wav_bytes ] && ! grep -q RIFF '$work/body'"
call HEAD /api/v1/audio/$clip "${A[@]}" --head -H 'Range: bytes=100-199'
check "HEAD with Range: 206, the range's Content-Length and Content-Range, no body" bash -c "[ '$code' = 206 ] &&
	[ '$(header Content-Length)' = 100 ] && [ '$(header Content-Range)' = 'bytes 100-199/$wav_bytes' ] &&
	[ \$(wc -c <'$work/body') = \$(wc -c <'$work/headers') ]"
call GET /api/v1/audio/$clip "${A[@]}" -H 'Range: bytes=10-19' -H "If-Range: $etag"
check "If-Range with the current ETag: 206 with the range" bash -c "[ '$code' = 206 ] &&
	cmp -s '$work/body' <(tail -c +11 '$work/a.wav' | head -c 10)"
call GET /api/v1/audio/$clip "${A[@]}" -H 'Range: bytes=10-19' -H 'If-Range: "stale"'
check "If-Range with a stale ETag: 200 with the whole clip" bash -c "[ '$code' = 200 ] && cmp -s '$work/body' '$work/a.wav'"
t "conversation audio list" 200 "[.data[].id] == [$clip, $clip_ogg] and .data[0].mime == \"audio/wav\"" GET /api/v1/conversations/$c3/audio "${A[@]}"
t "peaks: 200" 200 '.buckets == 16 and (.peaks | length) == 16 and all(.peaks[]; . >= 0 and . <= 1)' GET "/api/v1/audio/$clip/peaks?buckets=16" "${A[@]}"
t "peaks: default 512" 200 '.buckets == 512' GET /api/v1/audio/$clip/peaks "${A[@]}"
t "peaks: buckets 0 400" 400 '.error.field == "buckets"' GET "/api/v1/audio/$clip/peaks?buckets=0" "${A[@]}"
t "peaks: buckets abc 400" 400 '.error.field == "buckets"' GET "/api/v1/audio/$clip/peaks?buckets=abc" "${A[@]}"
t "peaks of the Ogg/Opus clip: 200, speech in them" 200 '.buckets == 64 and ([.peaks[] | select(. > 0.2)] | length) > 8 and ([.peaks[] | select(. < 0.05)] | length) > 0' \
	GET "/api/v1/audio/$clip_ogg/peaks?buckets=64" "${A[@]}"
t "audio: unknown clip 404" 404 '' GET /api/v1/audio/999999999 "${A[@]}"

# ---- reads
t "detail: every field" 200 "
	.id == $c1 and .agent == {id: $agent_a, name: \"Ava\", company: \"Acme\", mode: \"hybrid\"} and
	.session_id == \"sess-alpha\" and .channel == \"web\" and .status == \"closed\" and .handled_by == \"human\" and
	(.started_at | startswith(\"2024-05-01T10:00:00\")) and .duration_seconds == 185 and .message_count == 2 and
	.tokens == {prompt: 120, completion: 30, total: 150} and .rating.score == 4 and .end_reason == \"resolved\" and
	.sentiment == \"positive\" and .converted == true and .tracker_session_id == $ts_a and (.text_only | type == \"boolean\")" \
	GET /api/v1/conversations/$c1 "${A[@]}"
t "detail: unknown id 404" 404 '.error.code == "not_found"' GET /api/v1/conversations/999999999 "${A[@]}"
t "transcript: user and assistant only, newest first" 200 '.total == 2 and .page == 1 and .per_page == 50 and .pages == 1 and [.data[].role] == ["assistant","user"] and (.data[0] | has("audio_id"))' \
	GET /api/v1/conversations/$c1/messages "${A[@]}"
t "transcript: per_page 1 page 2" 200 '.pages == 2 and .data[0].role == "user"' GET "/api/v1/conversations/$c1/messages?page=2&per_page=1" "${A[@]}"
t "transcript: voice messages carry audio_id" 200 "[.data[].audio_id] == [$clip_ogg, $clip]" GET /api/v1/conversations/$c3/messages "${A[@]}"
t "transcript: page 0 400 with the SQL DETAIL" 400 '.error.field == "page" and .error.detail == "The value was 0."' GET "/api/v1/conversations/$c1/messages?page=0" "${A[@]}"
t "transcript: per_page 500 400" 400 '.error.field == "per_page"' GET "/api/v1/conversations/$c1/messages?per_page=500" "${A[@]}"
t "transcript: page abc 400" 400 '.error.field == "page"' GET "/api/v1/conversations/$c1/messages?page=abc" "${A[@]}"
t "transcript: unknown parameter 400" 400 '.error.field == "sort"' GET "/api/v1/conversations/$c1/messages?sort=asc" "${A[@]}"
t "client data" 200 '.memory.email == "ann@example.com" and .session.device == "mobile" and (.pageviews | length) == 1 and
	(.events | length) >= 1 and (.triggers | length) == 1 and .triggers[0].data == {"x":1,"tags":["a"]} and .conversation.session_id == "sess-alpha"' \
	GET /api/v1/conversations/$c1/client-data "${A[@]}"
t "client data without a tracker session: session null" 200 '.session == null and .pageviews == []' GET /api/v1/conversations/$c2/client-data "${A[@]}"

L=/api/v1/conversations
t "list: the tenant's conversations, newest first" 200 "[.data[].id] == [$c3, $c2, $c1] and .next_cursor == null and (has(\"total\") | not)" GET $L "${A[@]}"
t "list: row shape" 200 ".data[2] | .agent == {id: $agent_a, name: \"Ava\", company: \"Acme\"} and .session_id == \"sess-alpha\" and .message_count == 2 and .rating == 4 and .status == \"closed\" and (.started_at | startswith(\"2024-05-01T10:00:00\"))" GET $L "${A[@]}"
t "list (tenant B): only B's" 200 "[.data[].id] == [$cb]" GET $L "${B[@]}"
t "list: status filter" 200 "[.data[].id] == [$c1]" GET "$L?status=closed" "${A[@]}"
t "list: status list" 200 "[.data[].id] == [$c2, $c1]" GET "$L?status=closed,archived" "${A[@]}"
t "list: channel list" 200 "[.data[].id] == [$c2, $c1]" GET "$L?channel=web,widget" "${A[@]}"
t "list: agent filter" 200 "[.data[].id] == [$c2]" GET "$L?agent_id=$agent_a2" "${A[@]}"
t "list: min_rating" 200 "[.data[].id] == [$c1]" GET "$L?min_rating=4" "${A[@]}"
t "list: date range" 200 "[.data[].id] == [$c2]" GET "$L?date_from=2024-05-02&date_to=2024-05-02" "${A[@]}"
t "list: sort by messages asc" 200 "[.data[].id] == [$c2, $c1, $c3] or [.data[].id] == [$c2, $c3, $c1]" GET "$L?sort=messages&order=asc" "${A[@]}"
t "list: count=exact" 200 '.total == 3' GET "$L?count=exact" "${A[@]}"
t "list: empty parameters count as absent" 200 "[.data[].id] == [$c3, $c2, $c1]" GET "$L?status=&channel=&q=&cursor=&limit=" "${A[@]}"
t "list: search in messages" 200 "[.data[].id] == [$c1] and .data[0].match.in == \"message\" and (.data[0].match.snippet | test(\"4711\"))" GET "$L?q=4711" "${A[@]}"
t "list: search by session id" 200 "[.data[].id] == [$c2] and .data[0].match.in == \"session\"" GET "$L?q=SESS-BET" "${A[@]}"
t "list: search never finds another tenant's text" 200 '.data == []' GET "$L?q=secret" "${A[@]}"
t "list: limit 1 gives a cursor" 200 "[.data[].id] == [$c3] and (.next_cursor | type == \"string\")" GET "$L?limit=1" "${A[@]}"
cursor=$(jqb .next_cursor)
t "list: the cursor's page follows" 200 "[.data[].id] == [$c2]" GET "$L?limit=1&cursor=$(jq -rn --arg c "$cursor" '$c|@uri')" "${A[@]}"
t "list: another tenant's cursor is refused" 400 '.error.field == "cursor"' GET "$L?limit=1&cursor=$(jq -rn --arg c "$cursor" '$c|@uri')" "${B[@]}"
t "list: search marks what matched" 200 '.data[0].match as $m | $m.snippet[$m.marks[0][0]:$m.marks[0][1]] == "4711" and ($m.marks | length) == 1' GET "$L?q=4711" "${A[@]}"
t "list: session hits mark the session id" 200 '.data[0].match | .snippet == null and .marks == [[0, 8]]' GET "$L?q=SESS-BET" "${A[@]}"
t "list: words search, message hit with marks" 200 "[.data[].id] == [$c1] and (.data[0].match as \$m | \$m.in == \"message\" and \$m.snippet[\$m.marks[0][0]:\$m.marks[0][1]] == \"ships\")" GET "$L?q=ships&match=words" "${A[@]}"
t "list: words search, quoted phrase" 200 "[.data[].id] == [$c1]" GET "$L?q=%22order%204711%22&match=words" "${A[@]}"
t "list: words search, phrase out of order finds nothing" 200 '.data == []' GET "$L?q=%224711%20order%22&match=words" "${A[@]}"
t "list: words search, -word excludes" 200 '.data == []' GET "$L?q=ships%20-tomorrow&match=words" "${A[@]}"
t "list: words search, or" 200 "[.data[].id] == [$c2, $c1]" GET "$L?q=ships%20or%20hi&match=words" "${A[@]}"
t "list: words search never finds system messages" 200 '.data == []' GET "$L?q=internal&match=words" "${A[@]}"
t "list: words search, agent names" 200 "[.data[].id] == [$c2] and .data[0].match == {in: \"agent\", snippet: null, marks: [[0, 3]]}" GET "$L?q=max&match=words" "${A[@]}"
t "list: words search never finds another tenant's words" 200 '.data == [] and (.suggestions | type == "array")' GET "$L?q=secret&match=words" "${A[@]}"
t "list: relevance, one row a page" 200 "(.data | length) == 1 and (.next_cursor | type == \"string\")" GET "$L?q=ships%20or%20hi&match=words&sort=relevance&limit=1" "${A[@]}"
rel_first=$(jqb '.data[0].id') rel_cursor=$(jqb .next_cursor)
t "list: relevance, the cursor's page has the other row and ends" 200 "(.data | length) == 1 and .data[0].id != $rel_first and .next_cursor == null" \
	GET "$L?q=ships%20or%20hi&match=words&sort=relevance&limit=1&cursor=$(jq -rn --arg c "$rel_cursor" '$c|@uri')" "${A[@]}"
t "list: a relevance cursor is not a date cursor" 400 '.error.field == "cursor"' \
	GET "$L?q=ships%20or%20hi&match=words&limit=1&cursor=$(jq -rn --arg c "$rel_cursor" '$c|@uri')" "${A[@]}"
t "list: match without q is ignored" 200 "[.data[].id] == [$c3, $c2, $c1]" GET "$L?match=words" "${A[@]}"
t "list: an empty search suggests a similar agent name" 200 '.data == [] and .suggestions[0] == {text: "Ava", kind: "agent"} and (.suggestions | length) <= 3' GET "$L?q=Avaa" "${A[@]}"
t "list: no suggestions on a page with hits" 200 '(.data | length) == 1 and (has("suggestions") | not)' GET "$L?q=4711" "${A[@]}"
for bad in "q=x&match=regex:match" "sort=relevance:sort" "q=x&sort=relevance:sort" "q=x&match=substring&sort=relevance:sort"; do
	t "list: ${bad%%:*} 400 field ${bad##*:}" 400 ".error.code == \"invalid_parameter\" and .error.field == \"${bad##*:}\"" GET "$L?${bad%:*}" "${A[@]}"
done
for bad in "min_rating=abc:min_rating" "min_rating=9:min_rating" "date_from=2024-02-30:date_from" "date_to=2024-5-1:date_to" \
	"status=open:status" "channel=fax:channel" "agent_id=x:agent_id" "agent_id=1,,2:agent_id" "sort=colour:sort" \
	"order=up:order" "limit=0:limit" "limit=201:limit" "limit=1e3:limit" "cursor=garbage:cursor" "count=maybe:count" \
	"colour=red:colour" "status=active&status=closed:status"; do
	t "list: bad ${bad%%:*} 400 field ${bad##*:}" 400 ".error.code == \"invalid_parameter\" and .error.field == \"${bad##*:}\"" GET "$L?${bad%:*}" "${A[@]}"
done

# ---- export (test/api/export.sh) and the OpenAPI document (test/api/openapi.sh)
. "$here/export.sh"
. "$here/openapi.sh"

# ---- tenant isolation: B addressing A's ids answers exactly like a missing id
iso() {
	local name=$1 method=$2 path=$3 missing=$4
	shift 4
	call "$method" "$path" "${B[@]}" "$@"
	local code_b=$code body_b
	body_b=$(sed -E 's/[0-9]+/N/g' "$work/body")
	call "$method" "$missing" "${B[@]}" "$@"
	check "isolation: $name → 404 like a missing id" bash -c "[ '$code_b' = 404 ] && [ '$code' = 404 ] &&
		[ \"\$(sed -E 's/[0-9]+/N/g' '$work/body')\" = '$body_b' ]"
}
X=999999999
iso "GET conversation" GET $L/$c1 $L/$X
iso "GET transcript" GET $L/$c1/messages $L/$X/messages
iso "GET client data" GET $L/$c1/client-data $L/$X/client-data
iso "GET conversation audio" GET $L/$c1/audio $L/$X/audio
iso "GET audio" GET /api/v1/audio/$clip /api/v1/audio/$X
iso "GET peaks" GET /api/v1/audio/$clip/peaks /api/v1/audio/$X/peaks
iso "DELETE conversation" DELETE $L/$c1 $L/$X
iso "DELETE rating" DELETE $L/$c1/rating $L/$X/rating
iso "POST message" POST $L/$c1/messages $L/$X/messages "${J[@]}" -d "$(msg user intruder '')"
iso "POST close" POST $L/$c3/close $L/$X/close
iso "POST archive" POST $L/$c3/archive $L/$X/archive
iso "PUT sentiment" PUT $L/$c1/sentiment $L/$X/sentiment "${J[@]}" -d '{"label":"negative"}'
iso "PATCH converted" PATCH $L/$c1 $L/$X "${J[@]}" -d '{"converted":false}'
iso "PUT rating" PUT $L/$c1/rating $L/$X/rating "${J[@]}" -d '{"score":1}'
iso "PATCH memory" PATCH $L/$c1/memory $L/$X/memory "${J[@]}" -d '{"email":"evil@b"}'
iso "PUT audio" PUT /api/v1/messages/$m3/audio /api/v1/messages/$X/audio -H 'Content-Type: audio/wav' --data-binary @"$work/a.wav"
iso "POST pageview" POST /api/v1/tracker/sessions/$ts_a/pageviews /api/v1/tracker/sessions/$X/pageviews "${J[@]}" -d '{"url":"/x"}'
iso "POST event" POST /api/v1/tracker/sessions/$ts_a/events /api/v1/tracker/sessions/$X/events "${J[@]}" -d '{"name":"e","type":"t"}'
call GET $L/$c1 "${A[@]}"
cp "$work/body" "$work/c1.json"
call GET $L/$c3/audio "${A[@]}"
check "isolation: A's conversation and clips are unchanged by B's attempts" bash -c \
	"jq -e '.status == \"closed\" and .rating.score == 4 and .sentiment == \"positive\" and .converted == true' '$work/c1.json' >/dev/null &&
	 jq -e '(.data | length) == 2 and .data[0].bytes == $wav_bytes' '$work/body' >/dev/null"

# ---- the service role, even with raw SQL, sees one tenant and cannot read large objects
loid_b=$(sql "SELECT loid FROM convdash.audio_clips WHERE id = $clip_b")
# (as the service's login, a member of convdash_api: on Citus the workers
# are queried as the current role, and convdash_api cannot log in)
svc() { PGPASSWORD=$svc_password psql -qAtX -h "${PGHOST:-localhost}" -p "${PGPORT:-5432}" -U convdash_api_suite -d $db -c "$1" 2>&1; }
check "raw SQL as the service: no tenant set, no rows" test "$(svc "SELECT count(*) FROM convdash.conversations")" = 0
svc_tx() { PGPASSWORD=$svc_password psql -qAtX -h "${PGHOST:-localhost}" -p "${PGPORT:-5432}" -U convdash_api_suite -d $db \
	-c BEGIN -c "$1" \
	-c "SELECT count(*) FILTER (WHERE account_id = $acct_b) || '/' || count(*) FROM convdash.conversations" -c COMMIT 2>&1 | tail -1; }
check "raw SQL as the service: setting another tenant's id gives no rows" \
	test "$(svc_tx "SELECT set_config('convdash.account_id', '$acct_b', true)")" = 0/0
# on Citus a key's claim lives in the coordinator's backend only: the workers
# see no tenant, so the service's own SQL reads nothing there (fails closed;
# docs/CITUS.md); its routes are unaffected (functions resolve the tenant first)
if [ "$(psql -qAtX -d $db -c "SELECT count(*) FROM pg_extension WHERE extname = 'citus'")" = 1 ]; then
	check "raw SQL as the service on Citus: A's key shows no rows (the workers see no claim: fails closed)" \
		test "$(svc_tx "SELECT convdash.authenticate('$KA')")" = 0/0
else
	check "raw SQL as the service: A's key shows only A's rows" \
		test "$(svc_tx "SELECT convdash.authenticate('$KA')")" = 0/3
fi
# the bytes of B's clip: its large object (lo_get is denied) or its chunks (no rows)
if [ -n "$loid_b" ]; then bytes_b="SET ROLE convdash_api; SELECT lo_get($loid_b)"; else
	bytes_b="SELECT count(*) FROM convdash.audio_chunks WHERE clip_id = $clip_b"; fi
bytes_b=$(svc "$bytes_b" | head -1)
check "raw SQL as the service: the bytes of another tenant's clip are not readable (${bytes_b:0:60})" \
	bash -c '[[ "$1" == *"permission denied"* || "$1" == 0 ]]' _ "$bytes_b"
check "raw SQL as the service: api keys are not readable" bash -c \
	"PGPASSWORD=$svc_password psql -qAtX -h '${PGHOST:-localhost}' -p '${PGPORT:-5432}' -U convdash_api_suite -d $db \
	 -c 'SET ROLE convdash_api; SELECT count(*) FROM convdash.api_keys' 2>&1 | grep -q 'permission denied'"

# ---- Idempotency-Key: a repeat gets the first answer and writes nothing; another request with the key is 409
IK=(-H "Idempotency-Key: suite-agent-1")
t "idempotent POST agents: first 201" 201 '.name == "Idem Bot"' POST /api/v1/agents "${A[@]}" "${J[@]}" "${IK[@]}" -d '{"name":"Idem Bot"}'
cp "$work/body" "$work/idem1.json"
t "idempotent POST agents: the repeat answers 201 with the same body" 201 '.name == "Idem Bot"' \
	POST /api/v1/agents "${A[@]}" "${J[@]}" "${IK[@]}" -d '{"name":"Idem Bot"}'
check "idempotent repeat: same body, marked Idempotent-Replayed" bash -c \
	"cmp -s '$work/idem1.json' '$work/body' && grep -qi '^Idempotent-Replayed: true' '$work/headers'"
check "idempotent repeat: one agent, not two" test "$(sql "SELECT count(*) FROM convdash.agents WHERE account_id = $acct_a AND name = 'Idem Bot'")" = 1
t "idempotent key of tenant A used by tenant B: B's own write" 201 '.name == "Idem Bot"' \
	POST /api/v1/agents "${B[@]}" "${J[@]}" "${IK[@]}" -d '{"name":"Idem Bot"}'
before=$(sql "SELECT message_count FROM convdash.conversation_counters WHERE conversation_id = $c1")
for i in 1 2 3; do
	call POST $L/$c1/messages "${A[@]}" "${J[@]}" -H "Idempotency-Key: suite-msg-1" -d "$(msg user 'sent once')"
done
check "idempotent append sent 3 times: 201, one message" bash -c \
	"[ '$code' = 201 ] && [ \"\$(psql -qAtX -d $db -c 'SELECT message_count FROM convdash.conversation_counters WHERE conversation_id = $c1')\" = $((before + 1)) ]"
t "idempotent key reused for another body: 409" 409 '.error.field == "Idempotency-Key"' \
	POST $L/$c1/messages "${A[@]}" "${J[@]}" -H "Idempotency-Key: suite-msg-1" -d "$(msg user 'something else')"
t "Idempotency-Key longer than 255 characters: 400" 400 '.error.field == "Idempotency-Key"' \
	POST /api/v1/agents "${A[@]}" "${J[@]}" -H "Idempotency-Key: $(head -c 300 /dev/zero | tr '\0' k)" -d '{"name":"Long Key"}'
t "idempotent write that fails (unknown conversation): 404, and the key stays free" 404 '' \
	POST $L/99999999/messages "${A[@]}" "${J[@]}" -H "Idempotency-Key: suite-fail-1" -d "$(msg user x)"
t "idempotent key after a failed write: runs for a valid request" 201 '' \
	POST $L/$c1/messages "${A[@]}" "${J[@]}" -H "Idempotency-Key: suite-fail-1" -d "$(msg user x)"
t "idempotent key with a bad API key: 401" 401 '' POST /api/v1/agents -H "Authorization: Bearer cdk_1_$(printf '%064d' 0)" "${J[@]}" "${IK[@]}" -d '{"name":"Idem Bot"}'
t "started_at that is year 0 in UTC (0001-01-01T00:00:00+01:00): 400" 400 '.error.field == "started_at"' \
	POST /api/v1/conversations "${A[@]}" "${J[@]}" -d "$(conv_body "$agent_a" sess-bc web 0001-01-01T00:00:00+01:00 '')"
t "started_at in year 10000: 400" 400 '.error.field == "started_at"' \
	POST /api/v1/conversations "${A[@]}" "${J[@]}" -d "$(conv_body "$agent_a" sess-far web 10000-01-01T00:00:00Z '')"
t "deletion by the API is logged with its key" 204 '' DELETE $L/$c2 "${A[@]}"
check "deletion log: deleted_by names the API key (id and label), not a setting" test \
	"$(sql "SELECT deleted_by = 'api key ' || api_key_id || ' (suite)' FROM convdash.deletion_log WHERE conversation_id = $c2")" = t

# ---- deletion
curl -sS -o "$work/streamed.wav" -w '%{http_code}' --limit-rate 300k -H "Authorization: Bearer $KA" \
	"$base/api/v1/audio/$clip" >"$work/streamed.code" &
streaming=$!
sleep 0.7
t "DELETE conversation with audio (while its clip is being downloaded): 204" 204 '' DELETE $L/$c3 "${A[@]}"
wait $streaming
check "a clip deleted during its streamed download: the download completes with every byte" bash -c \
	"[ '$(cat "$work/streamed.code")' = 200 ] && cmp -s '$work/streamed.wav' '$work/a.wav'"
t "deleted conversation: 404" 404 '' GET $L/$c3 "${A[@]}"
t "deleted clip: 404" 404 '' GET /api/v1/audio/$clip "${A[@]}"
t "DELETE again: 404" 404 '' DELETE $L/$c3 "${A[@]}"
check "deletion left no large object and no chunk of the clips" test "$(sql "SELECT count(*) FROM pg_largeobject_metadata m
	WHERE m.oid NOT IN (SELECT loid FROM convdash.audio_clips WHERE loid IS NOT NULL)")/$(sql "SELECT count(*) FROM convdash.audio_chunks ch
	WHERE NOT EXISTS (SELECT FROM convdash.audio_clips c WHERE c.account_id = ch.account_id AND c.id = ch.clip_id)")" = 0/0

# ---- static page
page_wav=$(grep -o "WAV_TYPES = \[[^]]*\]" api/static/js/wav.js | grep -o "audio/[a-z.-]*" | sort | tr '\n' ' ')
sql_wav=$(sql "SELECT pg_get_functiondef('convdash.audio_formats(text)'::regprocedure)" | grep "THEN 'wav'" | grep -o "audio/[a-z.-]*" | sort | tr '\n' ' ')
check "the page's WAV MIME types equal the server's (convdash.audio_formats): $page_wav" test -n "$page_wav" -a "$page_wav" = "$sql_wav"
t "GET / serves the page" 200 '' GET / -o /dev/null
check "page is text/html" bash -c "[[ '$(header Content-Type)' == text/html* ]]"
js=$(cd api/static && find . -name '*.js' | head -1 | sed 's|^\.||')
call GET "$js"
check "JavaScript is text/javascript ($js)" bash -c "[ '$code' = 200 ] && [[ '$(header Content-Type)' == text/javascript* ]]"
call GET /app.css
check "CSS is text/css" bash -c "[ '$code' = 200 ] && [[ '$(header Content-Type)' == text/css* ]]"
call GET /app.css
css_etag=$(header ETag) css_size=$(stat -c %s api/static/app.css)
t "static file with If-None-Match: 304" 304 '' GET /app.css -H "If-None-Match: $css_etag"
call HEAD /app.css --head
check "static file HEAD: 200 with Content-Length, no body" bash -c "[ '$code' = 200 ] && [ '$(header Content-Length)' = $css_size ] &&
	[ \$(wc -c <'$work/body') = \$(wc -c <'$work/headers') ]"
check "static answers are logged with their real status and size (304 0B, HEAD 0B)" bash -c \
	"grep -q 'access GET /app.css 304 .* 0B$' '$log' && grep -q 'access HEAD /app.css 200 .* 0B$' '$log'"
call GET /metrics
check "static metrics count the 304" grep -q '^convdash_http_requests_total{route="static",status="304"} 1$' "$work/body"
t "missing static file: 404 JSON" 404 '' GET /nothing-here.txt
t "path traversal: 404" 404 '' GET /../../etc/passwd --path-as-is
t "encoded traversal: 404" 404 '' GET /%2e%2e/%2e%2e/etc/passwd --path-as-is
t "POST to the page: 405" 405 '' POST / -d x

# ---- bad-input battery: every case a 4xx JSON error, the service stays up, data unchanged
call GET "$L?count=exact" "${A[@]}"
cp "$work/body" "$work/list-before.json"
printf '{"name":"\xff\xfe"}' >"$work/bad-utf8.json"
t "invalid UTF-8 in a JSON body: 400" 400 '' POST /api/v1/agents "${A[@]}" "${J[@]}" --data-binary @"$work/bad-utf8.json"
printf '{"name":"a\0b"}' >"$work/nul.json"
t "raw NUL byte in a JSON body: 400" 400 '' POST /api/v1/agents "${A[@]}" "${J[@]}" --data-binary @"$work/nul.json"
t "escaped NUL in a JSON string: 400" 400 '' POST /api/v1/agents "${A[@]}" "${J[@]}" -d '{"name":"a\u0000b"}'
t "lone surrogate escape: 400" 400 '' POST /api/v1/agents "${A[@]}" "${J[@]}" -d '{"name":"\ud800"}'
python_nest=$(printf '%.0s[' $(seq 1 5000))
t "deeply nested JSON: 400" 400 '' PATCH $L/$c1/memory "${A[@]}" "${J[@]}" -d "{\"a\":$python_nest}"
t "number overflow in JSON: 400" 400 '' PUT $L/$c1/sentiment "${A[@]}" "${J[@]}" -d '{"score":1e999}'
t "invalid UTF-8 in the query: 400" 400 '' GET "$L?q=%ff%fe" "${A[@]}"
t "NUL in the query: 400" 400 '' GET "$L?q=a%00b" "${A[@]}"
t "bad %-escape in the query: 400" 400 '' GET "$L?q=%zz" "${A[@]}"
t "search text with %, _ and \\ is fine" 200 '.data == []' GET "$L?q=%25_%5C" "${A[@]}"
long=$(head -c 100000 /dev/zero | tr '\0' 'a')
t "100 kB query string: 431 (the head is over 16 kB)" 431 '.error.code == "headers_too_large"' GET "$L?q=$long" "${A[@]}"
t "10 kB search text: 400 field q (at most 200 characters)" 400 '.error.code == "invalid_parameter" and .error.field == "q"' \
	GET "$L?q=$(head -c 10000 /dev/zero | tr '\0' 'a')" "${A[@]}"
t "huge Content-Length: 413" 413 '' POST /api/v1/agents "${A[@]}" "${J[@]}" -H 'Content-Length: 99999999999999' -d '{}'
t "negative Content-Length: 400" 400 '.error.code == "bad_request"' POST /api/v1/agents "${A[@]}" "${J[@]}" -H 'Content-Length: -5' -d '{}'
t "non-numeric Content-Length: 400" 400 '.error.code == "bad_request"' POST /api/v1/agents "${A[@]}" "${J[@]}" -H 'Content-Length: abc' -d '{}'
t "Content-Length with trailing junk: 400" 400 '' POST /api/v1/agents "${A[@]}" "${J[@]}" -H 'Content-Length: 16x' -d '{"name":"junky"}'
raw_request() { printf "$1" | timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/${base##*:}; cat >&3; cat <&3" | head -1 | tr -d '\r'; }
check "conflicting duplicate Content-Length: 400" test "$(raw_request 'POST /api/v1/agents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer '"$KA"'\r\nContent-Type: application/json\r\nContent-Length: 14\r\nContent-Length: 15\r\nConnection: close\r\n\r\n{"name":"dup"}')" = "HTTP/1.1 400 Bad Request"
check "Content-Length with Transfer-Encoding: 400" test "$(raw_request 'POST /api/v1/agents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer '"$KA"'\r\nContent-Type: application/json\r\nContent-Length: 14\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n')" = "HTTP/1.1 400 Bad Request"
check "the conflicting requests wrote nothing" test "$(sql "SELECT count(*) FROM convdash.agents WHERE name = 'dup'")" = 0
t "Content-Length longer than the body, client stalls: 408 at the request deadline" 408 '.error.code == "request_timeout"' \
	POST /api/v1/agents "${A[@]}" "${J[@]}" -H 'Content-Length: 50' -d '{"name":"short"}' --max-time 10
before=$(grep -c 'access POST /api/v1/agents 400 ' "$log")
printf 'POST /api/v1/agents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"name":"short"}' "$KA" |
	timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/${base##*:}; cat >&3; exec 3>&-"
sleep 0.5
check "Content-Length longer than the body, client closes: 400 (logged), at once" \
	test "$(grep -c 'access POST /api/v1/agents 400 ' "$log")" = $((before + 1))
t "path with an encoded NUL: 400" 400 '' GET "$L/$c1%00" "${A[@]}" --path-as-is
t "path with an encoded slash: 404, not decoded into the path" 404 '' GET "/api/v1/conversations%2f$c1" "${A[@]}" --path-as-is
t "path with an encoded digit is decoded: 200" 200 ".id == $c1" GET "$L/%3${c1:0:1}${c1:1}" "${A[@]}" --path-as-is
t "absolute-form request target: answered" 200 '.status == "ok"' GET /healthz --request-target "http://127.0.0.1:${base##*:}/healthz"
# civetweb 1.15 drops these without calling a handler; the service answers them (api/src/dropped.c)
t "OPTIONS *: 204" 204 '' OPTIONS / --request-target '*'
check "OPTIONS *: Allow lists every method of the routes and nothing else" test "$(header Allow)" = "GET, HEAD, POST, PATCH, DELETE, PUT, OPTIONS"
t "GET *: 400 naming OPTIONS" 400 '.error.code == "bad_request" and (.error.message | test("only for OPTIONS"))' GET / --request-target '*'
t "absolute-form target for another port: 400 naming the cause" 400 '.error.message | test("absolute-form")' \
	GET /healthz --request-target "http://127.0.0.1:$(( ${base##*:} == 65535 ? 1 : ${base##*:} + 1 ))/healthz"
printf 'HEAD http://other.example/healthz HTTP/1.1\r\nHost: x\r\n\r\n' |
	timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/${base##*:}; cat >&3; cat <&3" >"$work/head-dropped"
check "absolute-form target for another port, HEAD: 400 and no body" bash -c \
	"head -1 '$work/head-dropped' | grep -q '^HTTP/1.1 400 ' && [ \"\$(sed '1,/^\r\$/d' '$work/head-dropped' | wc -c)\" = 0 ]"
# Prints the status lines a raw request (printf format) gets on one connection.
raw_statuses() { printf "$1" | timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/${base##*:}; cat >&3; cat <&3" | grep -ao 'HTTP/[0-9.]* [0-9][0-9][0-9]' | tr '\n' ' '; }
check "an absolute-form target with an invalid port: civetweb's 400, answered once" test \
	"$(raw_statuses 'GET http://h:0/x HTTP/1.1\r\nHost: x\r\n\r\n')" = "HTTP/1.1 400 "
check "OPTIONS * over HTTP/2.0: civetweb's 505, answered once" test \
	"$(raw_statuses 'OPTIONS * HTTP/2.0\r\nHost: x\r\n\r\n')" = "HTTP/2.0 505 "
check "OPTIONS * after a keep-alive request on the same connection: both answered, once each" test \
	"$(raw_statuses 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nOPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n')" = "HTTP/1.1 200 HTTP/1.1 204 "
for h in "Range: bytes=0-1" "If-None-Match: \"x\""; do
	t "junk header '$h' on a JSON route is ignored" 200 '' GET /api/v1/agents "${A[@]}" -H "$h"
done
check "garbage request line: 4xx" bash -c "printf 'HELLO\r\n\r\n' | timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/${base##*:}; cat >&3; cat <&3' | head -1 | grep -q ' 4[0-9][0-9] '"
t "service is up after the battery" 200 '.status == "ok"' GET /healthz
call GET "$L?count=exact" "${A[@]}"
check "data unchanged by the battery" cmp -s "$work/body" "$work/list-before.json"

# ---- hostile and busy clients: a stalled client is cut at the header deadline
port=${base##*:}
exec 5<>/dev/tcp/127.0.0.1/$port
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n' >&5
t "another client is served while one is stalled" 200 '' GET /healthz
start_ns=$(date +%s%N)
timeout 6 cat <&5 >"$work/stalled.out"
stalled_rc=$?
took_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
exec 5>&-
check "a stalled client gets 408 and is disconnected at the header deadline (2 s; took $took_ms ms)" bash -c \
	"[ $stalled_rc = 0 ] && head -1 '$work/stalled.out' | grep -q '^HTTP/1.[01] 408 ' && [ $took_ms -lt 3000 ]"

# 64 hostile or busy connections at a time (the suite runs 128 workers); a
# normal client meanwhile probes /healthz and a list page on new connections
cc -O2 -Wall -Wextra -Werror -pthread -o "$work/slowclients" "$here/slowclients.c"
check "the slow-client tool builds" test -x "$work/slowclients"
# Runs an attack for SECONDS while probing; checks every probe answered 200 within 1 s.
# Usage: hostile NAME MODE N SECONDS KEY PATH
hostile() {
	local name=$1 mode=$2 n=$3 secs=$4 key=$5 path=$6 attack
	"$work/slowclients" "$port" "$mode" "$n" "$secs" "$key" "$path" >"$work/attack.out" &
	attack=$!
	sleep 0.5
	"$work/slowclients" "$port" probe 1 $((secs - 1)) "$KA" "/healthz,$L?limit=5" >"$work/probe.out"
	wait $attack
	check "$name: /healthz and a list answer 200 within 1 s throughout ($(cat "$work/probe.out"))" \
		grep -qE '^probe: n=[1-9][0-9]* fail=0 slow=0 ' "$work/probe.out"
}
# Checks the attack's summary: all N closed by the server with STATUSES, the last within SECONDS.
attack_ended() {
	local name=$1 n=$2 statuses=$3 within=$4
	check "$name ($(cat "$work/attack.out"))" awk -v n="$n" -v st="$statuses" -v w="$within" '
		{ for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } }
		END { exit !(f["n"] == n && f["closed"] == n && f["statuses"] == st && f["last_close"] + 0 <= w) }' "$work/attack.out"
}
hostile "64 stalled connections" stall 64 5 - /healthz
attack_ended "64 stalled connections are closed at the header deadline (2 s)" 64 "" 3.0
hostile "64 header tricklers" headers 64 6 - /healthz
attack_ended "64 header tricklers get 408 within twice the header deadline" 64 "408:64," 5.0
fake_key="cdk_1_$(printf '%064d' 0)"
hostile "64 body tricklers with an unknown key" body 64 5 "$fake_key" /api/v1/agents
attack_ended "64 body tricklers with an unknown key get 401 before any body byte is read" 64 "401:64," 1.5
hostile "64 body tricklers with a valid key" body 64 9 "$KA" /api/v1/agents
attack_ended "64 body tricklers with a valid key get 408 at the request deadline (4 s + one read)" 64 "408:64," 7.5
check "the body tricklers wrote nothing" test "$(sql "SELECT count(*) FROM convdash.agents WHERE name LIKE '{%'")" = 0
hostile "64 busy keep-alive clients (a list request every 0.5 s each)" keepalive 64 5 "$KA" "$L?limit=5"
check "64 busy keep-alive clients are all served within 1 s ($(cat "$work/attack.out"))" \
	grep -qE '^keepalive: n=64 requests=[1-9][0-9]* failures=0 ' "$work/attack.out"
sleep 2.5
call GET /metrics
check "after the attacks the workers are free again (open connections: $(grep '^convdash_http_connections ' "$work/body"))" \
	grep -qE '^convdash_http_connections [1-3]$' "$work/body"
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n%.0s' $(seq 1 3) |
	timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; cat >&3; timeout 3 cat <&3" | grep -ao 'HTTP/1.1 200' | wc -l >"$work/pipelined"
check "three pipelined requests on one keep-alive connection are all answered" test "$(cat "$work/pipelined")" = 3

# ---- concurrency
seq 1 60 | xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $KA" "$base$L?limit=5" >"$work/codes"
check "60 concurrent list requests: all 200" test "$(grep -c '^200$' "$work/codes")" = 60

# ---- metrics and logs
t "metrics: Prometheus text" 200 '' GET /metrics
cp "$work/body" "$work/metrics"
check "metrics: Content-Type text/plain version 0.0.4" bash -c "[[ '$(header Content-Type)' == 'text/plain; version=0.0.4'* ]]"
check "metrics: requests by route and status" grep -q '^convdash_http_requests_total{route="GET /api/v1/agents",status="200"} [1-9]' "$work/metrics"
check "metrics: 4xx counted" grep -q '^convdash_http_requests_total{route="POST /api/v1/agents",status="409"} 1$' "$work/metrics"
check "metrics: latency histogram" grep -q '^convdash_http_request_duration_seconds_bucket{route="GET /api/v1/conversations",le="+Inf"} [1-9]' "$work/metrics"
check "metrics: database connections (at most --db-connections 4)" grep -q '^convdash_db_connections [1-4]$' "$work/metrics"
check "metrics: workers and open client connections" bash -c "grep -q '^convdash_http_workers 128$' '$work/metrics' &&
	grep -qE '^convdash_http_connections [1-9][0-9]*$' '$work/metrics'"
check "access log: one line per request" grep -q 'access GET /api/v1/agents 200 ' "$log"
check "logs never contain a key" bash -c "! grep -qF -e '$KA' -e '$KB' -e '${KA:20:20}' '$log'"
check "logs never contain bodies" bash -c "! grep -qF -e 'where is my order' -e 'ann@example.com' '$log'"

# ---- statement timeout (5 s in this suite): a conversation locked elsewhere answers 503 timeout
psql -qAtX -d $db -c "BEGIN" -c "SELECT 1 FROM convdash.conversations WHERE account_id = $acct_a AND id = $c1 FOR UPDATE" \
	-c "SELECT pg_sleep(8)" -c "COMMIT" >/dev/null 2>&1 &
locker=$!
sleep 0.5
t "statement timeout: 503 timeout" 503 '.error.code == "timeout"' POST $L/$c1/messages "${A[@]}" "${J[@]}" -d "$(msg user 'blocked' '')"
wait $locker
t "after the timeout the conversation works and the blocked message is not there" 200 '[.data[].content] | index("blocked") == null' \
	GET "$L/$c1/messages?per_page=200" "${A[@]}"

# ---- database restart: 503 while down, recovery without restarting the service
api_sessions() { sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'convdash-api' AND datname = '$db'"; }
if db_ctl stop; then
	t "database down: healthz 503" 503 '.status == "unavailable"' GET /healthz
	t "database down: API 503 unavailable" 503 '.error.code == "unavailable"' GET /api/v1/agents "${A[@]}"
	t "database down: ingest 503" 503 '' POST /api/v1/agents "${A[@]}" "${J[@]}" -d '{"name":"Down"}'
	db_ctl start
	for i in $(seq 1 50); do
		call GET /healthz
		[ "$code" = 200 ] && break
		sleep 0.2
	done
	t "database back: healthz 200" 200 '.status == "ok"' GET /healthz
	t "database back: ingest works" 201 '' POST /api/v1/agents "${A[@]}" "${J[@]}" -d '{"name":"After restart"}'
else
	fail "database restart" "cannot stop the cluster of port $PGPORT"
fi
# a fast restart under open connections. The pool hands out the connection
# given back last, so sequential requests reuse one: 4 appends to a
# conversation locked elsewhere wait together, each on a connection of its
# own, which opens (or, after the restart, replaces) every one of the 4.
# Usage: every_connection LABEL (appends the statuses to $work/writes)
every_connection() {
	local pids i
	psql -qAtX -d $db -c "BEGIN" -c "SELECT 1 FROM convdash.conversations WHERE account_id = $acct_a AND id = $c1 FOR UPDATE" \
		-c "SELECT pg_sleep(1.5)" -c "COMMIT" >/dev/null 2>&1 &
	pids=$!
	sleep 0.5
	for i in 1 2 3 4; do
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 -X POST "${A[@]}" "${J[@]}" \
			-d "$(msg user "$1 $i" '')" "$base$L/$c1/messages" >>"$work/writes" &
		pids="$pids $!"
	done
	wait $pids
}
: >"$work/writes"
every_connection "before the restart"
check "before the restart every pooled connection is open (4 sessions)" test "$(api_sessions)" = 4
if db_ctl restart; then
	sleep 0.5
	: >"$work/writes"
	every_connection "after the restart"
	for i in $(seq 1 8); do
		call POST /api/v1/agents "${A[@]}" "${J[@]}" -d "{\"name\":\"Restart $i\"}"
		echo "$code" >>"$work/writes"
	done
	check "after a fast restart no write fails: 4 concurrent appends (one per pooled connection) and 8 more all 201 ($(sort "$work/writes" | uniq -c | tr -s ' \n' ' '))" \
		test "$(grep -c '^201$' "$work/writes")" = 12
	check "every pooled connection was replaced (4 new sessions)" test "$(api_sessions)" = 4
	check "each replacement was found before sending (logged)" \
		test "$(grep -c 'closed by the server; reconnecting before sending' "$log")" -ge 4
else
	fail "database fast restart" "cannot restart the cluster of port $PGPORT"
fi

# ---- behind nginx (api/deploy/nginx.conf): a second service instance, closing
# connections after 2 requests, with Debian's nginx in front
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
source "$root/scripts/cluster-lib.sh"
first_pid=$api_pid first_base=$base first_log=$log
log=$work/api2.log
check "a second service instance starts (--keep-alive-requests 2)" start_service --keep-alive-requests 2
api2_pid=$api_pid api2_base=$base
api_pid=$first_pid base=$first_base
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n%.0s' $(seq 1 3) |
	timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/${api2_base##*:}; cat >&3; timeout 3 cat <&3" >"$work/pipelined2"
check "keep-alive is bounded: after 2 requests the connection closes (2 answers of 3, the second says close)" bash -c \
	"[ \$(grep -ao 'HTTP/1.1 200' '$work/pipelined2' | wc -l) = 2 ] && [ \$(grep -ci '^Connection: close' '$work/pipelined2') = 1 ]"
# Writes nginx.conf for $nginx_port in front of the second service instance.
write_nginx_conf() {
mkdir -p "$work/nginx"
sed -e "s|server 127.0.0.1:8080;|server 127.0.0.1:${api2_base##*:};|" -e "s|listen 127.0.0.1:8443;|listen 127.0.0.1:$nginx_port;|" \
	"$root/api/deploy/nginx.conf" >"$work/nginx/convdash.conf"
cat >"$work/nginx/nginx.conf" <<NGINX
user root;
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $work/nginx/body;
	proxy_temp_path $work/nginx/proxy;
	fastcgi_temp_path $work/nginx/fastcgi;
	uwsgi_temp_path $work/nginx/uwsgi;
	scgi_temp_path $work/nginx/scgi;
	include $work/nginx/convdash.conf;
}
NGINX
}
# Starts nginx on a port nobody uses (a random one may be taken by an
# ephemeral port of another connection): up to 5 tries.
start_nginx() {
	local try i
	for try in 1 2 3 4 5; do
		nginx_port=$(free_port $((20000 + RANDOM % 10000)))
		write_nginx_conf
		"$nginx_bin" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" 2>>"$work/nginx/error.log" &
		nginx_pid=$!
		for i in $(seq 1 50); do
			curl -s -o /dev/null "http://127.0.0.1:$nginx_port/healthz" && return 0
			kill -0 $nginx_pid 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL $nginx_pid 2>/dev/null
	done
	tail -5 "$work/nginx/error.log" | sed 's/^/# /'
	return 1
}
check "nginx starts in front of the second instance" start_nginx
base=http://127.0.0.1:$nginx_port
t "nginx: healthz through the proxy" 200 '.status == "ok"' GET /healthz
t "nginx: a list through the proxy" 200 "[.data[].id] == [$cb]" GET $L "${B[@]}"
t "nginx: a write through the proxy" 201 '.name == "Via nginx"' POST /api/v1/agents "${B[@]}" "${J[@]}" -d '{"name":"Via nginx"}'
t "nginx: an upload through the proxy" 201 ".bytes == $(stat -c %s "$work/slow.wav")" PUT /api/v1/messages/$mb_slow/audio "${B[@]}" \
	-H 'Content-Type: audio/wav' --data-binary @"$work/slow.wav"
call GET /api/v1/audio/$(jqb .id) "${B[@]}" -H 'Range: bytes=1000-1999'
check "nginx: a range read through the proxy: 206 with the exact bytes" bash -c "[ '$code' = 206 ] &&
	cmp -s '$work/body' <(tail -c +1001 '$work/slow.wav' | head -c 1000)"
"$work/slowclients" "$nginx_port" body 64 5 "$KB" /api/v1/agents >"$work/attack.out" &
attack=$!
sleep 2
call GET /metrics
base=$api2_base
check "nginx: 64 body tricklers at the proxy hold no service worker ($(grep '^convdash_http_connections ' "$work/body"))" \
	grep -qE '^convdash_http_connections [0-4]$' "$work/body"
"$work/slowclients" "${api2_base##*:}" probe 1 2 "$KA" "/healthz,$L?limit=5" >"$work/probe.out"
check "nginx: the service answers within 1 s meanwhile ($(cat "$work/probe.out"))" grep -qE '^probe: n=[1-9][0-9]* fail=0 slow=0 ' "$work/probe.out"
wait $attack
kill -TERM $nginx_pid 2>/dev/null
wait $nginx_pid 2>/dev/null
api_pid=$api2_pid
stop_service
check "the second service instance exits 0" test $? -eq 0
api_pid=$first_pid base=$first_base
cat "$log" >>"$first_log"
log=$first_log

# ---- live events (test/api/events.sh): its own instance with a small stream cap
. "$here/events.sh"

# ---- graceful shutdown: an in-flight upload finishes, the process exits 0
t "message for the in-flight upload" 201 '' POST $L/$c1/messages "${A[@]}" "${J[@]}" -d "$(msg user 'voice' '')"
m5=$(jqb .id)
curl -sS -o "$work/slow.json" -w '%{http_code}' --limit-rate 400k -X PUT -H "Authorization: Bearer $KA" \
	-H 'Content-Type: audio/wav' --data-binary @"$work/a.wav" "$base/api/v1/messages/$m5/audio" >"$work/slow.code" &
slow=$!
sleep 0.2
stop_service
status=$?
api_pid=
wait $slow
check "SIGTERM: the in-flight upload completes (201)" test "$(cat "$work/slow.code")" = 201
check "SIGTERM: the service exits 0 (no leaks reported)" test "$status" -eq 0
check "no AddressSanitizer/UBSan/LeakSanitizer report" bash -c "! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer' '$log'"
grep -E 'AddressSanitizer|LeakSanitizer|runtime error:' -A 30 "$log" | head -80 | sed 's/^/# /'

echo "# api suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
