-- convdash.export_conversations and its CSV and JSON forms: the rows of
-- list_conversations (same ids, same order) for filters, search, sorts; the
-- list's errors; tenancy; every column; formula neutralisation; the plan
-- streams (inlined, no sort of the wide rows).
\set QUIET on
\i test/regress/include/err.sql
\i test/regress/include/list_fixture.sql
\set QUIET off

-- The ids of every page of the list (pages of 4) and of the export for the
-- same parameters: "same" and the export's sessions, or both lists.
CREATE FUNCTION pg_temp.compare(status text[] DEFAULT NULL, channel text[] DEFAULT NULL,
	agent_id bigint[] DEFAULT NULL, min_rating integer DEFAULT NULL, date_from text DEFAULT NULL,
	date_to text DEFAULT NULL, q text DEFAULT NULL, sort text DEFAULT NULL, "order" text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	cur text;
	page jsonb;
	listed bigint[] := '{}';
	exported bigint[];
	sessions text;
BEGIN
	LOOP
		page := convdash.list_conversations(status, channel, agent_id, min_rating, date_from, date_to, q,
			sort, "order", 4, cur);
		listed := listed || ARRAY(SELECT (e ->> 'id')::bigint FROM jsonb_array_elements(page -> 'data') e);
		cur := page ->> 'next_cursor';
		EXIT WHEN cur IS NULL;
	END LOOP;
	SELECT coalesce(array_agg(x.id ORDER BY o), '{}'), coalesce(string_agg(x.session_id, ' ' ORDER BY o), '(none)')
	INTO exported, sessions
	FROM convdash.export_conversations(status, channel, agent_id, min_rating, date_from, date_to, q,
		sort, "order") WITH ORDINALITY AS x(id, agent_id, agent_name, agent_company, agent_mode, session_id,
		channel, status, handled_by, started_at, ended_at, duration_seconds, message_count, text_only,
		prompt_tokens, completion_tokens, total_tokens, rating, rating_comment, sentiment, sentiment_score,
		end_reason, converted, tracker_session_id, memory, o);
	RETURN CASE WHEN listed = exported THEN 'same: ' || sessions
		ELSE format('DIFFERENT list %s export %s', listed, exported) END;
END
$$;

-- every sort both ways, without and with search
SELECT s AS sort, d AS "order", pg_temp.compare(sort => s, "order" => d) AS all_rows,
	pg_temp.compare(sort => s, "order" => d, q => 'refund') AS refund
FROM unnest('{date,agent,status,messages,rating}'::text[]) WITH ORDINALITY AS x(s, i),
	unnest('{asc,desc}'::text[]) AS d
ORDER BY i, d;
-- filters, alone and together, with and without search
SELECT pg_temp.compare(status => '{closed,archived}', sort => 'status') AS closed_archived;
SELECT pg_temp.compare(channel => '{voip,web}', "order" => 'asc') AS voip_web;
SELECT pg_temp.compare(agent_id => ARRAY[:zed, :mid]::bigint[], sort => 'agent') AS zed_mid;
SELECT pg_temp.compare(min_rating => 3, sort => 'rating', "order" => 'asc') AS three_plus;
SELECT pg_temp.compare(date_from => '2026-03-02', date_to => '2026-03-05') AS march_2_5;
SELECT pg_temp.compare(status => '{closed}', channel => '{widget,voip,whatsapp}', min_rating => 3, sort => 'messages') AS combined;
SELECT pg_temp.compare(q => 'alpha', sort => 'agent', "order" => 'desc') AS agent_name_hits;
SELECT pg_temp.compare(q => 'web-00') AS session_hits;
SELECT pg_temp.compare(q => '50%') AS literal_percent;
SELECT pg_temp.compare(q => 'secretword') AS system_messages_are_not_searched;
SELECT pg_temp.compare(q => '  needle ', status => '{archived,closed}', sort => 'rating') AS needle_filtered;
SELECT pg_temp.compare(q => 'ok', agent_id => ARRAY[:zed]::bigint[], date_from => '2026-03-01') AS ok_for_zed;
SELECT pg_temp.compare(q => 'e', min_rating => 1, sort => 'messages', "order" => 'asc') AS one_letter;
SELECT pg_temp.compare(status => '{}', channel => '{}', agent_id => '{}', q => '') AS empty_filters;
-- the list's phases do not matter: with tiny probes it still agrees
SET convdash.search_probe = 1;
SET convdash.search_candidates = 1;
SELECT pg_temp.compare(q => 'refund', sort => 'status') AS refund_phase_3;
RESET convdash.search_probe;
RESET convdash.search_candidates;

-- every column of one row, equal to the BI view's
SELECT x.agent_name, x.agent_company, x.agent_mode, x.session_id, x.channel, x.status, x.handled_by,
	x.started_at AT TIME ZONE 'UTC' AS started_utc, x.ended_at AT TIME ZONE 'UTC' AS ended_utc,
	x.duration_seconds, x.message_count, x.text_only, x.prompt_tokens, x.completion_tokens, x.total_tokens,
	x.rating, x.rating_comment, x.sentiment, x.sentiment_score, x.end_reason, x.converted, x.memory
FROM convdash.export_conversations(q => 'ORD-777') x;
SELECT count(*) AS rows, count(*) FILTER (WHERE (x.*)::text = (v.conversation_id, v.agent_id, v.agent_name,
	v.agent_company, v.agent_mode, v.session_id, v.channel, v.status, v.handled_by, v.started_at, v.ended_at,
	v.duration_seconds, v.message_count, v.text_only, v.prompt_tokens, v.completion_tokens, v.total_tokens,
	v.rating, v.rating_comment, v.sentiment, v.sentiment_score, v.end_reason, v.converted,
	v.tracker_session_id, v.memory)::text) AS equal_to_view
FROM convdash.export_conversations() x JOIN convdash.v_conversations v ON v.conversation_id = x.id;

-- errors: exactly the list's (the list's cursor and limit do not exist here)
SELECT e.args, pg_temp.err('SELECT * FROM convdash.export_conversations(' || e.args || ')') AS export_error,
	pg_temp.err('SELECT * FROM convdash.export_conversations(' || e.args || ')')
		= pg_temp.err('SELECT convdash.list_conversations(' || e.args || ')') AS same_as_list
FROM (VALUES ($$sort => 'name'$$), ($$sort => ''$$), ($$"order" => 'up'$$), ($$status => '{open}'$$),
	($$status => '{closed,NULL}'$$), ($$channel => '{Web}'$$), ($$agent_id => '{1,NULL}'$$),
	($$min_rating => 0$$), ($$min_rating => 6$$), ($$date_from => 'yesterday'$$),
	($$date_from => '2026-02-30'$$), ($$date_to => '2026-3-1'$$),
	($$date_from => '2026-03-02', date_to => '2026-03-01'$$), ($$q => repeat('x', 201)$$),
	($$sort => 'name', min_rating => 9$$)) e(args);
SELECT pg_temp.err($$SELECT * FROM convdash.export_conversations_csv(status => '{open}')$$) AS csv_error,
	pg_temp.err($$SELECT * FROM convdash.export_conversations_json(sort => 'x')$$) AS json_error;

-- CSV cells: RFC 3339 UTC, booleans, memory as JSON, empty for none
COPY (SELECT session_id, agent_name, agent_mode, status, started_at, ended_at, duration_seconds, text_only,
	total_tokens, rating, sentiment_score, end_reason, converted, tracker_session_id, memory
	FROM convdash.export_conversations_csv(q => 'refund', sort => 'date', "order" => 'asc')) TO STDOUT CSV HEADER;
-- JSON lines: the keys in column order, the transcript oldest first when asked
SELECT j::jsonb - 'id' - 'agent_id' AS line, (SELECT array_agg(k) FROM json_object_keys(j) k) AS keys
FROM convdash.export_conversations_json(q => 'ORD-777') j;
SELECT jsonb_pretty(jsonb_path_query_array(j::jsonb, '$.messages[*]') #- '{0,id}' #- '{1,id}' #- '{2,id}')
FROM convdash.export_conversations_json(q => 'ORD-777', include_messages => true) j;
-- system and tool messages are not in the transcript; the lines equal the plain ones but for messages
SELECT x.j ->> 'session_id' AS session, json_array_length(x.j -> 'messages') AS shown,
	(x.j::jsonb - 'messages') = y.j::jsonb AS same_otherwise
FROM convdash.export_conversations_json(sort => 'agent', include_messages => true) WITH ORDINALITY x(j, o)
JOIN convdash.export_conversations_json(sort => 'agent') WITH ORDINALITY y(j, o) ON y.o = x.o
WHERE x.j ->> 'session_id' IN ('crm-0007', 'call-0002', 'web-0011');

-- formula neutralisation: free-text cells starting with = + - @ tab CR
SELECT convdash.start_conversation(convdash.create_agent('=HYPERLINK("http://x")', '+Evil'), '-2+3', 'web', 'ai',
	'2026-03-08 10:00:00+00') AS formula \gset
SELECT convdash.close_conversation(:formula, E'\tclosed', '2026-03-08 10:05:00+00') IS NOT NULL AS closed;
SELECT convdash.rate_conversation(:formula, 1, E'@SUM(A1)\r') IS NOT NULL AS rated;
SELECT convdash.merge_memory(:formula, '{"=x": "-1"}') IS NOT NULL AS memory;
SELECT agent_name, agent_company, session_id, rating_comment, end_reason, memory, sentiment_score
FROM convdash.export_conversations_csv(q => '-2+3');
SELECT v AS cell, convdash.csv_safe(v) AS safe
FROM unnest(ARRAY['=1+1', '+1', '-1', '@x', E'\tx', E'\rx', 'a=b', ' =x', '', '''=x']) v;
SELECT convdash.set_sentiment(:formula, 'negative', -0.5) IS NOT NULL AS scored;
SELECT sentiment_score AS numbers_are_not_text FROM convdash.export_conversations_csv(q => '-2+3');

-- streams: the SQL functions are inlined, the wide rows come in batches of
-- ids (export_batch) and only the ids are sorted (into batches): the rows
-- are put in order within each batch (an incremental sort)
CREATE FUNCTION pg_temp.plan(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	line text;
	lines text := '';
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
		lines := lines || line || E'\n';
	END LOOP;
	RETURN lines;
END
$$;
SELECT f AS function, strpos(p, 'Function Scan on export_ids') > 0 AS ids_scan,
	strpos(p, 'Function Scan on export_batch') > 0 AS batch_scan,
	p !~ 'Function Scan on export_conversations' AS inlined,
	array(SELECT trim(l) FROM regexp_split_to_table(p, '\n') l WHERE l ~ '(Sort|Presorted) Key') AS sorts
FROM unnest('{export_conversations,export_conversations_csv,export_conversations_json}'::text[]) f,
	LATERAL pg_temp.plan(format('SELECT * FROM convdash.%I(q => %L, sort => %L)', f, 'x', 'status')) p;

-- tenancy: the other tenant's rows never appear; no tenant, no export
SELECT set_config('convdash.account_id', :'other', false) AS tenant \gset
SELECT session_id FROM convdash.export_conversations();
SELECT count(*) AS foreign_batch FROM convdash.export_batch(ARRAY(SELECT id FROM convdash.conversations WHERE account_id = :acct));
SELECT convdash.export_transcript(c.id) AS foreign_transcript FROM convdash.conversations c
JOIN convdash.conversation_counters k ON k.account_id = c.account_id AND k.conversation_id = c.id WHERE c.account_id = :acct ORDER BY k.message_count DESC, c.id LIMIT 1;
SELECT count(*) AS foreign_hits FROM convdash.export_conversations(q => 'refund') WHERE session_id <> 'web-9999';
SET ROLE convdash_reader;
SELECT session_id FROM convdash.export_conversations_csv();
SELECT set_config('convdash.account_id', :'acct', false) AS tenant \gset
SELECT count(*) AS reader_rows FROM convdash.export_conversations();
-- a batch: the tenant's rows among the ids, in the ids' order, unknown ids left out
SELECT string_agg(b.session_id, ' ' ORDER BY b.ordinality) AS batch
FROM convdash.export_batch(ARRAY(SELECT id FROM convdash.export_ids(sort => 'date', "order" => 'asc') LIMIT 3)
	|| ARRAY[-1]::bigint[] || ARRAY(SELECT id FROM convdash.export_ids(sort => 'date') LIMIT 2)) WITH ORDINALITY b;
SELECT json_array_length(convdash.export_transcript(c.id)) = k.message_count AS transcript_of_all_shown
FROM convdash.conversations c JOIN convdash.conversation_counters k ON k.account_id = c.account_id AND k.conversation_id = c.id WHERE c.account_id = :acct AND c.session_id = 'web-0011';
RESET ROLE;
SET ROLE convdash_api;
SELECT count(*) AS api_rows FROM convdash.export_conversations_json(include_messages => true);
RESET ROLE;
SELECT set_config('convdash.account_id', '', false) AS tenant \gset
SELECT pg_temp.err('SELECT * FROM convdash.export_conversations()');
SELECT pg_temp.err('SELECT * FROM convdash.export_conversations_json()');
SELECT pg_temp.err('SELECT * FROM convdash.export_batch(''{1}'')');
SELECT pg_temp.err('SELECT convdash.export_transcript(1)');
