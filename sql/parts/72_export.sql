-- Export (issue 15): the conversation list with its filters, search, sort
-- and order, every row at once, one row per conversation with every
-- dashboard column. For psql and BI:
--   \copy (SELECT * FROM convdash.export_conversations(status => '{closed}')) TO 'file.csv' CSV HEADER
-- and for the service's export route (COPY (SELECT ...) TO STDOUT, or a cursor).
--
-- Streaming: export_ids (plpgsql, so it materialises) computes only the
-- ordered ids; the wide rows (memory, transcripts) are read in batches of
-- 1000 ids by export_batch (and export_transcript), called from SQL
-- functions the planner inlines into the caller's query, so a cursor gets
-- its first rows after the first batch and the rows stream batch by batch in
-- the ids' order. On Citus each batch is one query on the tenant's shard
-- (the SQL functions read no table themselves: docs/CONVENTIONS.md).
-- Parameters are checked by list_filters, the list's own checks: the same
-- parameter gives the same error as list_conversations.

-- The tenant's conversation ids of the list's filters and search, in the list's order.
CREATE FUNCTION convdash.export_ids(status text[] DEFAULT NULL, channel text[] DEFAULT NULL,
	agent_id bigint[] DEFAULT NULL, min_rating integer DEFAULT NULL, date_from text DEFAULT NULL,
	date_to text DEFAULT NULL, q text DEFAULT NULL, sort text DEFAULT 'date', "order" text DEFAULT 'desc')
RETURNS TABLE (account_id bigint, id bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
SET jit = off
AS $$
DECLARE
	acct bigint := convdash.require_account();
	srt text := coalesce(sort, 'date');
	dir text := coalesce("order", 'desc');
	args convdash.list_args;
	src text;
BEGIN
	args := convdash.list_filters(acct, status, channel, export_ids.agent_id, min_rating,
		date_from, date_to, q, srt, dir, NULL);
	src := convdash.list_source_sql(args, srt, dir, '', false, 'ALL');
	IF args.term IS NOT NULL THEN
		-- the list's search: session id, agent name or a shown message contains the term
		args := convdash.list_substring_args(args);
		src := format($q$SELECT x.* FROM (%s) x
			WHERE convdash.search_match(x.session_id, $10) OR x.agent_id = ANY ($11) OR EXISTS (
				SELECT FROM convdash.messages m
				WHERE m.account_id = $1 AND m.conversation_id = x.id AND m.seq IS NOT NULL
				  AND convdash.search_match(m.content, $10))$q$, src);
	END IF;
	RETURN QUERY SELECT acct, x.id
		FROM unnest((SELECT r.ids FROM convdash.list_exec(format(
			'SELECT array_agg(x.id ORDER BY %s), NULL::text[], NULL::text[], count(*) FROM (%s) x',
			convdash.list_order_sql(srt, dir), src), args) r)) WITH ORDINALITY x(id, o)
		ORDER BY x.o;
END
$$;
COMMENT ON FUNCTION convdash.export_ids(text[], text[], bigint[], integer, text, text, text, text, text) IS
	'Read: (account_id, id) of every tenant conversation that list_conversations would page through with these filters, search, sort and order, in that order; the list''s 22023 errors';

-- Of the tenant's conversations with these ids, every dashboard column, in the order of the ids.
CREATE FUNCTION convdash.export_batch(ids bigint[]) RETURNS SETOF convdash.v_conversations
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
SET jit = off
AS $$
DECLARE
	acct bigint := convdash.require_account();
BEGIN
	RETURN QUERY SELECT v.* FROM convdash.v_conversations v
	WHERE v.account_id = acct AND v.conversation_id = ANY (ids)
	ORDER BY array_position(ids, v.conversation_id);
END
$$;
COMMENT ON FUNCTION convdash.export_batch(bigint[]) IS
	'Read: the v_conversations rows of the tenant''s conversations among ids, in the order of ids (others are left out); one batch of an export';

-- The export: every dashboard column of the tenant's filtered conversations, in the list's order.
CREATE FUNCTION convdash.export_conversations(status text[] DEFAULT NULL, channel text[] DEFAULT NULL,
	agent_id bigint[] DEFAULT NULL, min_rating integer DEFAULT NULL, date_from text DEFAULT NULL,
	date_to text DEFAULT NULL, q text DEFAULT NULL, sort text DEFAULT 'date', "order" text DEFAULT 'desc')
RETURNS TABLE (id bigint, agent_id bigint, agent_name text, agent_company text, agent_mode convdash.agent_mode,
	session_id text, channel convdash.channel, status convdash.conversation_status, handled_by convdash.handler,
	started_at timestamptz, ended_at timestamptz, duration_seconds bigint, message_count integer,
	text_only boolean, prompt_tokens bigint, completion_tokens bigint, total_tokens bigint, rating smallint,
	rating_comment text, sentiment convdash.sentiment, sentiment_score double precision, end_reason text,
	converted boolean, tracker_session_id bigint, memory jsonb)
LANGUAGE sql STABLE
AS $$
	SELECT v.conversation_id, v.agent_id, v.agent_name, v.agent_company, v.agent_mode, v.session_id,
		v.channel, v.status, v.handled_by, v.started_at, v.ended_at, v.duration_seconds, v.message_count,
		v.text_only, v.prompt_tokens, v.completion_tokens, v.total_tokens, v.rating, v.rating_comment,
		v.sentiment, v.sentiment_score, v.end_reason, v.converted, v.tracker_session_id, v.memory
	-- batches of 1000 ids in order, each batch's rows in order: an incremental
	-- sort within each batch (the batches come sorted), never a sort of the export
	FROM (SELECT (e.ord - 1) / 1000 AS n, array_agg(e.id ORDER BY e.ord) AS ids
		FROM convdash.export_ids(export_conversations.status, export_conversations.channel,
			export_conversations.agent_id, min_rating, date_from, date_to, q, sort, "order")
			WITH ORDINALITY AS e(account_id, id, ord)
		GROUP BY 1) b
	CROSS JOIN LATERAL convdash.export_batch(b.ids) WITH ORDINALITY AS v
	ORDER BY b.n, v.ordinality
$$;
COMMENT ON FUNCTION convdash.export_conversations(text[], text[], bigint[], integer, text, text, text, text, text) IS
	'Read: one row per conversation of the tenant with every dashboard column (id, agent_id, agent_name, agent_company, agent_mode, session_id, channel, status, handled_by, started_at, ended_at, duration_seconds, message_count, text_only, prompt_tokens, completion_tokens, total_tokens, rating, rating_comment, sentiment, sentiment_score, end_reason, converted, tracker_session_id, memory), with the filters, search q, sort and order of list_conversations and in its order, all pages at once; the list''s 22023 errors; streams (inlined SQL, batches of 1000)';

-- A text cell a spreadsheet would run as a formula (= + - @ tab CR first), quoted with a leading '.
CREATE FUNCTION convdash.csv_safe(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT CASE WHEN value ~ '^[=+@\t\r-]' THEN '''' || value ELSE value END $$;
COMMENT ON FUNCTION convdash.csv_safe(text) IS
	'Read: the text with a leading '' when it starts with = + - @ tab or CR (spreadsheet formula neutralisation), else unchanged';

-- The export as CSV-ready text cells: RFC 3339 UTC times, memory as JSON text, free text neutralised.
CREATE FUNCTION convdash.export_conversations_csv(status text[] DEFAULT NULL, channel text[] DEFAULT NULL,
	agent_id bigint[] DEFAULT NULL, min_rating integer DEFAULT NULL, date_from text DEFAULT NULL,
	date_to text DEFAULT NULL, q text DEFAULT NULL, sort text DEFAULT 'date', "order" text DEFAULT 'desc')
RETURNS TABLE (id text, agent_id text, agent_name text, agent_company text, agent_mode text,
	session_id text, channel text, status text, handled_by text, started_at text, ended_at text,
	duration_seconds text, message_count text, text_only text, prompt_tokens text, completion_tokens text,
	total_tokens text, rating text, rating_comment text, sentiment text, sentiment_score text, end_reason text,
	converted text, tracker_session_id text, memory text)
LANGUAGE sql STABLE
AS $$
	SELECT x.id::text, x.agent_id::text, convdash.csv_safe(x.agent_name), convdash.csv_safe(x.agent_company),
		x.agent_mode::text, convdash.csv_safe(x.session_id), x.channel::text, x.status::text, x.handled_by::text,
		convdash.rfc3339(x.started_at), convdash.rfc3339(x.ended_at), x.duration_seconds::text,
		x.message_count::text, x.text_only::text, x.prompt_tokens::text, x.completion_tokens::text,
		x.total_tokens::text, x.rating::text, convdash.csv_safe(x.rating_comment), x.sentiment::text,
		x.sentiment_score::text, convdash.csv_safe(x.end_reason), x.converted::text,
		x.tracker_session_id::text, convdash.csv_safe(x.memory::text)
	FROM convdash.export_conversations(export_conversations_csv.status, export_conversations_csv.channel,
		export_conversations_csv.agent_id, min_rating, date_from, date_to, q, sort, "order") x
$$;
COMMENT ON FUNCTION convdash.export_conversations_csv(text[], text[], bigint[], integer, text, text, text, text, text) IS
	'Read: export_conversations as text cells for COPY ... CSV HEADER: timestamps RFC 3339 UTC, booleans true/false, memory as JSON text, NULL as an empty cell, free-text cells starting with = + - @ tab or CR prefixed with '' (formula neutralisation)';

-- The shown transcript of one of the tenant's conversations as a JSON array (empty when none).
CREATE FUNCTION convdash.export_transcript(conversation_id bigint) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
SET jit = off
AS $$
DECLARE
	acct bigint := convdash.require_account();
	result json;
BEGIN
	SELECT coalesce(json_agg(convdash.message_json(m.id, m.role, m.content, m.created_at, ac.id) ORDER BY m.seq), '[]')
	INTO result
	FROM convdash.messages m
	LEFT JOIN convdash.audio_clips ac ON ac.account_id = m.account_id AND ac.message_id = m.id
	WHERE m.account_id = acct AND m.conversation_id = export_transcript.conversation_id AND m.seq IS NOT NULL;
	RETURN result;
END
$$;
COMMENT ON FUNCTION convdash.export_transcript(bigint) IS
	'Read: the shown transcript (user and assistant, oldest first) of the tenant''s conversation as a JSON array of {id, role, content, created_at, audio_id}; [] for none or another tenant''s id';

-- The export as one JSON object per conversation (NDJSON lines), with the shown transcript when asked.
CREATE FUNCTION convdash.export_conversations_json(status text[] DEFAULT NULL, channel text[] DEFAULT NULL,
	agent_id bigint[] DEFAULT NULL, min_rating integer DEFAULT NULL, date_from text DEFAULT NULL,
	date_to text DEFAULT NULL, q text DEFAULT NULL, sort text DEFAULT 'date', "order" text DEFAULT 'desc',
	include_messages boolean DEFAULT false)
RETURNS SETOF json
LANGUAGE sql STABLE
AS $$
	SELECT CASE WHEN include_messages
		-- the transcript goes last: the object's text without its closing brace, then "messages"
		THEN (left(o.line::text, -1) || ',"messages":' || convdash.export_transcript(x.id)::text || '}')::json
		ELSE o.line END
	FROM convdash.export_conversations(export_conversations_json.status, export_conversations_json.channel,
		export_conversations_json.agent_id, min_rating, date_from, date_to, q, sort, "order") x
	CROSS JOIN LATERAL (SELECT json_build_object('id', x.id, 'agent_id', x.agent_id, 'agent_name', x.agent_name,
		'agent_company', x.agent_company, 'agent_mode', x.agent_mode, 'session_id', x.session_id,
		'channel', x.channel, 'status', x.status, 'handled_by', x.handled_by,
		'started_at', convdash.rfc3339(x.started_at), 'ended_at', convdash.rfc3339(x.ended_at),
		'duration_seconds', x.duration_seconds, 'message_count', x.message_count, 'text_only', x.text_only,
		'prompt_tokens', x.prompt_tokens, 'completion_tokens', x.completion_tokens,
		'total_tokens', x.total_tokens, 'rating', x.rating, 'rating_comment', x.rating_comment,
		'sentiment', x.sentiment, 'sentiment_score', x.sentiment_score, 'end_reason', x.end_reason,
		'converted', x.converted, 'tracker_session_id', x.tracker_session_id, 'memory', x.memory) AS line) o
$$;
COMMENT ON FUNCTION convdash.export_conversations_json(text[], text[], bigint[], integer, text, text, text, text, text, boolean) IS
	'Read: export_conversations as one JSON object per conversation (an NDJSON line), keys in the export''s column order, timestamps RFC 3339 UTC, memory as an object, null for none; with include_messages a last key "messages": the shown transcript (user and assistant, oldest first) as [{id, role, content, created_at, audio_id}]';
