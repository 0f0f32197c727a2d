-- conversation_detail, list_agents, agent and message: every field and every error.
\i test/regress/include/detail_setup.sql

-- The detail without its ids and rated_at (checked separately: they depend on
-- which tests ran before, and on the clock).
CREATE FUNCTION pg_temp.shown(d jsonb) RETURNS text
LANGUAGE sql AS $$
	SELECT jsonb_pretty(d - 'id' - 'tracker_session_id' - 'agent' - 'rating'
		|| jsonb_build_object('agent', (d->'agent') - 'id',
			'rating', CASE WHEN jsonb_typeof(d->'rating') = 'object' THEN (d->'rating') - 'rated_at' ELSE d->'rating' END))
$$;
-- True when a text is an RFC 3339 UTC timestamp within the last hour.
CREATE FUNCTION pg_temp.recent(t text) RETURNS boolean
LANGUAGE sql AS $$
	SELECT t ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$'
		AND t::timestamptz BETWEEN now() - interval '1 hour' AND now()
$$;

-- closed: reason, score-derived sentiment, conversion, rating, tracker session, tokens of all roles
SELECT convdash.conversation_detail(:c_closed) AS d \gset
SELECT pg_temp.shown(:'d');
SELECT (:'d'::jsonb->>'id')::bigint = :c_closed AS id_ok,
	(:'d'::jsonb#>>'{agent,id}')::bigint = :ava AS agent_id_ok,
	(:'d'::jsonb->>'tracker_session_id')::bigint = :ts AS tracker_ok,
	pg_temp.recent(:'d'::jsonb#>>'{rating,rated_at}') AS rated_at_ok,
	jsonb_typeof(:'d'::jsonb->'duration_seconds') AS seconds_type,
	jsonb_typeof(:'d'::jsonb->'message_count') AS count_type;

-- active: Ongoing, Completed, Not analyzed, no rating, no tracker session, no company
SELECT convdash.conversation_detail(:c_active) AS d \gset
SELECT pg_temp.shown(:'d');
SELECT (:'d'::jsonb->>'id')::bigint = :c_active AS id_ok, (:'d'::jsonb#>>'{agent,id}')::bigint = :bo AS agent_id_ok,
	:'d'::jsonb->'tracker_session_id' = 'null' AS no_tracker, :'d'::jsonb->'rating' = 'null' AS no_rating;

-- long: days in the duration text, hidden system/tool messages not counted
SELECT d->>'duration_text' AS duration_text, d->'duration_seconds' AS seconds, d->'message_count' AS messages,
	d->'tokens' AS tokens, d->>'end_reason' AS end_reason, d->>'sentiment' AS sentiment,
	d->'sentiment_score' AS score, d->>'sentiment_text' AS sentiment_text
FROM convdash.conversation_detail(:c_long) AS d;
SELECT count(*) FILTER (WHERE seq IS NOT NULL) AS shown, count(*) AS stored
FROM convdash.messages WHERE account_id = :acct AND conversation_id = :c_long;

-- voice and archived
SELECT d->>'session_id' AS session, d->>'channel' AS channel, d->>'status' AS status, d->'text_only' AS text_only,
	d->'has_voice' AS has_voice, d->>'duration_text' AS duration_text, d->>'end_reason' AS end_reason,
	d->>'sentiment_text' AS sentiment_text, d->'sentiment_score' AS score,
	(d->>'tracker_session_id')::bigint IS NOT DISTINCT FROM CASE n WHEN 1 THEN :ts_empty END AS tracker_ok
FROM unnest(ARRAY[:c_voice, :c_archived]) WITH ORDINALITY AS x(id, n),
	LATERAL convdash.conversation_detail(x.id) AS d
ORDER BY n;

-- the detail agrees with the BI view
SELECT count(*) AS disagreeing
FROM convdash.v_conversations v, LATERAL convdash.conversation_detail(v.conversation_id) AS d
WHERE v.account_id = :acct
  AND (d->>'duration_text' IS DISTINCT FROM v.duration_text
    OR (d->>'duration_seconds')::bigint IS DISTINCT FROM v.duration_seconds
    OR d->>'end_reason' IS DISTINCT FROM v.end_reason
    OR d->>'sentiment_text' IS DISTINCT FROM v.sentiment_text
    OR (d->>'message_count')::integer IS DISTINCT FROM v.message_count
    OR (d#>>'{tokens,total}')::bigint IS DISTINCT FROM v.total_tokens
    OR (d#>>'{rating,score}')::integer IS DISTINCT FROM v.rating
    OR (d->>'text_only')::boolean IS DISTINCT FROM v.text_only);

-- called in the same statement as a write, the answers show that write (the service's
-- "write, then answer the new state" calls)
BEGIN;
SELECT d->>'status' AS status, d->>'end_reason' AS end_reason, d->>'duration_text' <> 'Ongoing' AS ended
FROM convdash.conversation_detail(convdash.close_conversation(:c_active, 'Closed in one statement')) AS d;
SELECT convdash.conversation_detail(convdash.rate_conversation(:c_active, 3, 'Same statement'))#>>'{rating,comment}' AS rating_comment;
SELECT m->>'content' AS content, m->>'role' AS role, (m->>'conversation_id')::bigint = :c_active AS conversation_ok
FROM convdash.message(convdash.append_message(:c_active, 'user', 'Written and read at once')) AS m;
SELECT (convdash.agent(convdash.create_agent('Cy', 'Acme Ltd', 'passive')) - 'id' - 'created_at') AS new_agent;
ROLLBACK;

-- errors: unknown, another tenant's, NULL id; no tenant set
SELECT pg_temp.err($$SELECT convdash.conversation_detail(-1)$$);
SELECT pg_temp.err(format('SELECT convdash.conversation_detail(%s)', :foreign_c));
SELECT pg_temp.err($$SELECT convdash.conversation_detail(NULL)$$);
BEGIN;
SELECT set_config('convdash.account_id', '', true) AS tenant \gset
SELECT pg_temp.err(format('SELECT convdash.conversation_detail(%s)', :c_closed));
ROLLBACK;
-- the other tenant sees its own conversation and not this one
BEGIN;
SELECT set_config('convdash.account_id', :'other', true) AS tenant \gset
SELECT d->>'session_id' AS session, (d->>'id')::bigint = :foreign_c AS id_ok
FROM convdash.conversation_detail(:foreign_c) AS d;
SELECT pg_temp.err(format('SELECT convdash.conversation_detail(%s)', :c_closed));
ROLLBACK;

-- privileges: the API role may call it, the BI role may not
BEGIN;
SET LOCAL ROLE convdash_api;
SELECT convdash.conversation_detail(:c_active)->>'session_id' AS as_api;
ROLLBACK;
BEGIN;
SET LOCAL ROLE convdash_reader;
SELECT pg_temp.err(format('SELECT convdash.conversation_detail(%s)', :c_active));
ROLLBACK;

-- list_agents: ordered by name; an account without agents has an empty list
SELECT e - 'id' AS agent, (e->>'id')::bigint = CASE n WHEN 1 THEN :ava ELSE :bo END AS id_ok
FROM jsonb_array_elements(convdash.list_agents()->'data') WITH ORDINALITY AS x(e, n)
ORDER BY n;
SELECT jsonb_object_keys(convdash.list_agents()) AS keys;
SELECT convdash.create_account('Detail Empty Co') AS empty_acct \gset
BEGIN;
SELECT set_config('convdash.account_id', :'empty_acct', true) AS tenant \gset
SELECT convdash.list_agents();
ROLLBACK;
BEGIN;
SELECT set_config('convdash.account_id', '', true) AS tenant \gset
SELECT pg_temp.err($$SELECT convdash.list_agents()$$);
ROLLBACK;

-- agent: one agent with created_at; unknown, foreign and NULL ids
SELECT a - 'id' - 'created_at' AS agent, (a->>'id')::bigint = :ava AS id_ok, pg_temp.recent(a->>'created_at') AS created_ok
FROM convdash.agent(:ava) AS a;
SELECT convdash.agent(:bo) - 'id' - 'created_at' AS agent;
SELECT pg_temp.err($$SELECT convdash.agent(-1)$$);
SELECT pg_temp.err(format('SELECT convdash.agent(%s)', :zed));
SELECT pg_temp.err($$SELECT convdash.agent(NULL)$$);

-- message: any role, with tokens and clip id; unknown, foreign and NULL ids
SELECT m - 'id' - 'conversation_id' - 'audio_id' AS message, (m->>'id')::bigint = :sys_msg AS id_ok,
	(m->>'conversation_id')::bigint = :c_closed AS conversation_ok, m->'audio_id' AS audio_id
FROM convdash.message(:sys_msg) AS m;
SELECT m->>'role' AS role, m->>'content' AS content, (m->>'audio_id')::bigint = :clip AS clip_ok,
	m->'prompt_tokens' AS prompt_tokens, m->'completion_tokens' AS completion_tokens
FROM convdash.message(:voice_msg) AS m;
SELECT convdash.message(:tool_msg)->>'role' AS tool_role;
SELECT pg_temp.err($$SELECT convdash.message(-1)$$);
SELECT pg_temp.err(format('SELECT convdash.message(%s)', :foreign_msg));
SELECT pg_temp.err($$SELECT convdash.message(NULL)$$);
