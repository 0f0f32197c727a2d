-- transcript: user and assistant messages only, newest first, paged by seq; every error.
\i test/regress/include/detail_setup.sql

-- A page as one line: page/pages, per_page, total, and its messages (count, newest … oldest).
CREATE FUNCTION pg_temp.page_line(t jsonb) RETURNS text
LANGUAGE sql AS $$
	SELECT format('page %s/%s per %s of %s: %s', t->'page', t->'pages', t->'per_page', t->'total',
		CASE jsonb_array_length(t->'data') WHEN 0 THEN '(none)'
		ELSE format('%s messages, %s … %s', jsonb_array_length(t->'data'),
			t#>>'{data,0,content}', t->'data'->-1->>'content') END)
$$;

-- the short conversation: system and tool messages are hidden, newest first, defaults 1 and 50
SELECT jsonb_pretty(t #- '{data,0,id}' #- '{data,1,id}' #- '{data,2,id}') AS transcript
FROM convdash.transcript(:c_closed) AS t;
SELECT bool_and((m->>'id')::bigint = x.id) AS ids_ok, count(*) AS messages
FROM jsonb_array_elements(convdash.transcript(:c_closed)->'data') WITH ORDINALITY AS e(m, n)
JOIN (SELECT id, row_number() OVER (ORDER BY seq DESC) AS n FROM convdash.messages
	  WHERE account_id = :acct AND conversation_id = :c_closed AND role IN ('user', 'assistant')) AS x USING (n);
SELECT count(*) AS hidden_shown
FROM jsonb_array_elements(convdash.transcript(:c_closed, 1, 200)->'data') AS m
WHERE (m->>'id')::bigint IN (:sys_msg, :tool_msg) OR m->>'role' NOT IN ('user', 'assistant');

-- the long conversation: 110 shown of 130 stored, pages of 50 (the last one short), past the end empty
SELECT p, pg_temp.page_line(convdash.transcript(:c_long, p)) AS line
FROM generate_series(1, 4) AS p ORDER BY p;
SELECT pg_temp.page_line(convdash.transcript(:c_long, 1, 7)) AS first_of_7,
	pg_temp.page_line(convdash.transcript(:c_long, 16, 7)) AS last_of_7;
SELECT pg_temp.page_line(convdash.transcript(:c_long, 110, 1)) AS oldest,
	pg_temp.page_line(convdash.transcript(:c_long, 111, 1)) AS past_end;
SELECT jsonb_array_length(t->'data') AS messages, t->'pages' AS pages
FROM convdash.transcript(:c_long, 1, 200) AS t;
SELECT pg_temp.page_line(convdash.transcript(:c_long, 2147483647, 200)) AS far_past_end;
-- every shown message exactly once over all pages, in newest-first order
SELECT count(*) AS messages, count(DISTINCT id) AS distinct_ids, bool_and(role IN ('user', 'assistant')) AS only_shown,
	bool_and(number > coalesce(older, 0)) AS newest_first
FROM (SELECT m->>'id' AS id, m->>'role' AS role, split_part(m->>'content', ' ', 2)::int AS number,
		lead(split_part(m->>'content', ' ', 2)::int) OVER (ORDER BY p, n) AS older
	  FROM generate_series(1, 3) AS p,
		jsonb_array_elements(convdash.transcript(:c_long, p)->'data') WITH ORDINALITY AS x(m, n)) AS pages;

-- audio: the voice message carries its clip id, the others null; timestamps are RFC 3339 UTC
SELECT m->>'role' AS role, m->>'content' AS content, m->>'created_at' AS created_at,
	CASE WHEN m->'audio_id' = 'null' THEN 'null' WHEN (m->>'audio_id')::bigint = :clip THEN 'the clip' ELSE 'wrong' END AS audio
FROM jsonb_array_elements(convdash.transcript(:c_voice)->'data') WITH ORDINALITY AS x(m, n) ORDER BY n;

-- a conversation without messages: no pages, and page 1 is empty rather than an error
SELECT convdash.transcript(:c_active);
SELECT convdash.transcript(:c_active, 3, 10);

-- errors: page and per_page out of range or NULL; unknown, foreign and NULL conversation; no tenant
SELECT pg_temp.err(format('SELECT convdash.transcript(%s, %s, %s)', :c_long, p, pp))
FROM (VALUES ('0', '50'), ('-1', '50'), ('NULL', '50'), ('1', '0'), ('1', '201'), ('1', '1000'), ('1', '-5'), ('1', 'NULL'))
	AS v(p, pp);
SELECT pg_temp.err(format('SELECT convdash.transcript(%s, 1, 200)', :c_long)) AS max_per_page;
SELECT pg_temp.err($$SELECT convdash.transcript(-1)$$);
SELECT pg_temp.err(format('SELECT convdash.transcript(%s)', :foreign_c));
SELECT pg_temp.err($$SELECT convdash.transcript(NULL)$$);
BEGIN;
SELECT set_config('convdash.account_id', '', true) AS tenant \gset
SELECT pg_temp.err(format('SELECT convdash.transcript(%s)', :c_long));
ROLLBACK;
BEGIN;
SET LOCAL ROLE convdash_api;
SELECT convdash.transcript(:c_long, 3)->'total' AS as_api;
ROLLBACK;

-- (that a page is an index range of messages_transcript_idx, never an OFFSET,
-- is checked on transcript()'s own statement by test/plans)
