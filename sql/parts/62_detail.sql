-- Detail panel (DESIGN §5): conversation detail, transcript pages, client
-- data, agents and single messages as the JSON the HTTP service passes
-- through. Every function runs as the owner, scopes every statement to
-- convdash.require_account() and answers P0002 (COLUMN names the id) for an
-- id that is unknown or another tenant's. Timestamps are convdash.rfc3339().
-- The read functions are VOLATILE on purpose: a STABLE function reads with
-- the snapshot of the statement calling it, so
-- conversation_detail(close_conversation(id)) would answer the state before
-- the close. Each builds its answer in one query, so its parts (a
-- transcript's total and rows) come from one snapshot all the same.

-- Raises P0002 "<kind> <id> not found" naming the field.
CREATE FUNCTION convdash.raise_not_found(kind text, id bigint, field text) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL SAFE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION '% % not found', kind, id
		USING ERRCODE = 'no_data_found', COLUMN = field;
END
$$;
COMMENT ON FUNCTION convdash.raise_not_found(text, bigint, text) IS
	'Admin: raises P0002 "<kind> <id> not found" with the field as the error''s COLUMN';

-- The {id, name, company, mode} object of an agent (columns, not the row:
-- on Citus a row travels with its shard's row type).
CREATE FUNCTION convdash.agent_json(id bigint, name text, company text, mode convdash.agent_mode) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT jsonb_build_object('id', id, 'name', name, 'company', company, 'mode', mode)
$$;
COMMENT ON FUNCTION convdash.agent_json(bigint, text, text, convdash.agent_mode) IS
	'Read: the {id, name, company, mode} JSON object of an agent';

-- The {id, role, content, created_at, audio_id} object of a message (columns, not the row).
CREATE FUNCTION convdash.message_json(id bigint, role convdash.message_role, content text,
	created_at timestamptz, audio_id bigint) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT jsonb_build_object('id', id, 'role', role, 'content', content,
		'created_at', convdash.rfc3339(created_at), 'audio_id', audio_id)
$$;
COMMENT ON FUNCTION convdash.message_json(bigint, convdash.message_role, text, timestamptz, bigint) IS
	'Read: the {id, role, content, created_at, audio_id} JSON object of a message and its clip id (or NULL)';

-- The detail of a conversation: metadata sidebar and overview tab.
CREATE FUNCTION convdash.conversation_detail(conversation_id bigint) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	result jsonb;
BEGIN
	SELECT jsonb_build_object(
		'id', c.id,
		'agent', convdash.agent_json(a.id, a.name, a.company, a.mode),
		'session_id', c.session_id,
		'channel', c.channel,
		'status', c.status,
		'handled_by', c.handled_by,
		'started_at', convdash.rfc3339(c.started_at),
		'ended_at', convdash.rfc3339(c.ended_at),
		'duration_seconds', d.seconds,
		'duration_text', convdash.duration_text(d.seconds),
		'message_count', k.message_count,
		'text_only', NOT c.has_voice,
		'has_voice', c.has_voice,
		'tokens', jsonb_build_object('prompt', k.prompt_tokens, 'completion', k.completion_tokens,
			'total', k.prompt_tokens + k.completion_tokens),
		'rating', CASE WHEN r.score IS NOT NULL THEN jsonb_build_object('score', r.score,
			'comment', r.comment, 'rated_at', convdash.rfc3339(r.rated_at)) END,
		'end_reason', coalesce(c.end_reason, 'Completed'),
		'sentiment', c.sentiment,
		'sentiment_score', c.sentiment_score,
		'sentiment_text', convdash.sentiment_text(c.sentiment),
		'converted', c.converted,
		'tracker_session_id', c.tracker_session_id)
	INTO result
	FROM convdash.conversations c
	JOIN convdash.conversation_counters k ON k.account_id = c.account_id AND k.conversation_id = c.id
	JOIN convdash.agents a ON a.account_id = c.account_id AND a.id = c.agent_id
	LEFT JOIN convdash.ratings r ON r.account_id = c.account_id AND r.conversation_id = c.id
	CROSS JOIN LATERAL (SELECT convdash.duration_seconds(c.started_at, c.ended_at) AS seconds) d
	WHERE c.account_id = acct AND c.id = conversation_detail.conversation_id;
	IF result IS NULL THEN
		PERFORM convdash.raise_not_found('conversation', conversation_id, 'conversation_id');
	END IF;
	RETURN result;
END
$$;
COMMENT ON FUNCTION convdash.conversation_detail(bigint) IS
	'API: detail of a conversation: id, agent{id,name,company,mode}, session_id, channel, status, handled_by, started_at, ended_at, duration_seconds (null while active), duration_text ("Ongoing" while active), message_count, text_only, has_voice, tokens{prompt,completion,total}, rating{score,comment,rated_at} or null, end_reason ("Completed" when none), sentiment, sentiment_score, sentiment_text ("Not analyzed" when null), converted, tracker_session_id; P0002 for an unknown id';

-- One page of the transcript: shown (user/assistant) messages, newest first.
CREATE FUNCTION convdash.transcript(conversation_id bigint, page integer DEFAULT 1, per_page integer DEFAULT 50)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	total integer;
	data jsonb;
BEGIN
	IF page IS NULL OR page < 1 THEN
		RAISE EXCEPTION 'page must be 1 or more'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'page',
			      DETAIL = format('The value was %s.', coalesce(page::text, 'null'));
	END IF;
	IF per_page IS NULL OR per_page NOT BETWEEN 1 AND 200 THEN
		RAISE EXCEPTION 'per_page must be between 1 and 200'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'per_page',
			      DETAIL = format('The value was %s.', coalesce(per_page::text, 'null'));
	END IF;

	-- Shown messages are numbered seq 1..total, so page p is a seq range
	-- read from messages_transcript_idx: no OFFSET, every page costs the same.
	SELECT c.message_count, p.data INTO total, data
	FROM convdash.conversation_counters c
	CROSS JOIN LATERAL (SELECT c.message_count - (transcript.page - 1)::bigint * transcript.per_page AS newest) n
	CROSS JOIN LATERAL (
		SELECT coalesce(jsonb_agg(convdash.message_json(m.id, m.role, m.content, m.created_at, ac.id) ORDER BY m.seq DESC), '[]') AS data
		FROM convdash.messages m
		LEFT JOIN convdash.audio_clips ac ON ac.account_id = m.account_id AND ac.message_id = m.id
		WHERE m.account_id = c.account_id AND m.conversation_id = c.conversation_id
		  AND m.seq > n.newest - transcript.per_page AND m.seq <= n.newest) p
	WHERE c.account_id = acct AND c.conversation_id = transcript.conversation_id;
	IF NOT FOUND THEN
		PERFORM convdash.raise_not_found('conversation', conversation_id, 'conversation_id');
	END IF;

	RETURN jsonb_build_object('data', data, 'page', page, 'per_page', per_page,
		'total', total, 'pages', (total + per_page - 1) / per_page);
END
$$;
COMMENT ON FUNCTION convdash.transcript(bigint, integer, integer) IS
	'API: page (1 = newest) of the user and assistant messages, newest first, per_page 1-200 (default 50): {data:[{id,role,content,created_at,audio_id}], page, per_page, total, pages}; a page past the end has empty data; 22023 for a bad page/per_page, P0002 for an unknown id';

-- The Client Data tab: summary grid, memory, linked tracker session with its pageviews, events and triggers.
CREATE FUNCTION convdash.client_data(conversation_id bigint) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	result jsonb;
BEGIN
	SELECT jsonb_build_object(
		'conversation', jsonb_build_object(
			'channel', c.channel,
			'status', c.status,
			'duration_text', convdash.duration_text(convdash.duration_seconds(c.started_at, c.ended_at)),
			'message_count', k.message_count,
			'sentiment_text', convdash.sentiment_text(c.sentiment),
			'converted', c.converted,
			'session_id', c.session_id,
			'started_at', convdash.rfc3339(c.started_at)),
		'memory', c.memory,
		'session', CASE WHEN s.id IS NOT NULL THEN jsonb_build_object('id', s.id, 'device', s.device,
			'browser', s.browser, 'os', s.os, 'country', s.country, 'city', s.city,
			'landing_page', s.landing_page, 'traffic_source', s.traffic_source,
			'utm_source', s.utm_source, 'utm_medium', s.utm_medium,
			'started_at', convdash.rfc3339(s.started_at),
			'duration_seconds', s.duration_seconds,
			'duration_text', CASE WHEN s.duration_seconds IS NOT NULL THEN convdash.duration_text(s.duration_seconds) END,
			'pages_visited', s.pages_visited, 'bounce', s.bounce) END,
		'pageviews', (
			SELECT coalesce(jsonb_agg(jsonb_build_object('url', p.url, 'title', p.title,
				'time_spent_seconds', p.time_spent_seconds, 'scroll_depth', p.scroll_depth,
				'viewed_at', convdash.rfc3339(p.viewed_at)) ORDER BY p.viewed_at, p.id), '[]')
			FROM convdash.tracker_pageviews p
			WHERE p.account_id = acct AND p.tracker_session_id = s.id),
		'events', (
			SELECT coalesce(jsonb_agg(jsonb_build_object('name', e.name, 'type', e.type,
				'occurred_at', convdash.rfc3339(e.occurred_at)) ORDER BY e.occurred_at, e.id), '[]')
			FROM convdash.tracker_events e
			WHERE e.account_id = acct AND e.tracker_session_id = s.id AND e.trigger_name IS NULL),
		'triggers', (
			SELECT coalesce(jsonb_agg(jsonb_build_object('name', e.trigger_name, 'action', e.trigger_action,
				'occurred_at', convdash.rfc3339(e.occurred_at), 'data', e.trigger_data)
				ORDER BY e.occurred_at, e.id), '[]')
			FROM convdash.tracker_events e
			WHERE e.account_id = acct AND e.tracker_session_id = s.id AND e.trigger_name IS NOT NULL))
	INTO result
	FROM convdash.conversations c
	JOIN convdash.conversation_counters k ON k.account_id = c.account_id AND k.conversation_id = c.id
	LEFT JOIN convdash.tracker_sessions s ON s.account_id = c.account_id AND s.id = c.tracker_session_id
	WHERE c.account_id = acct AND c.id = client_data.conversation_id;
	IF result IS NULL THEN
		PERFORM convdash.raise_not_found('conversation', conversation_id, 'conversation_id');
	END IF;
	RETURN result;
END
$$;
COMMENT ON FUNCTION convdash.client_data(bigint) IS
	'API: client data of a conversation: {conversation:{channel,status,duration_text,message_count,sentiment_text,converted,session_id,started_at}, memory (as stored), session:{id,device,browser,os,country,city,landing_page,traffic_source,utm_source,utm_medium,started_at,duration_seconds,duration_text,pages_visited,bounce} or null, pageviews:[{url,title,time_spent_seconds,scroll_depth,viewed_at}], events:[{name,type,occurred_at}] (triggers excluded), triggers:[{name,action,occurred_at,data}]}, lists in time order; P0002 for an unknown id';

-- The tenant's agents ordered by name.
CREATE FUNCTION convdash.list_agents() RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
BEGIN
	RETURN (SELECT jsonb_build_object('data',
			coalesce(jsonb_agg(convdash.agent_json(a.id, a.name, a.company, a.mode) ORDER BY a.name, a.id), '[]'))
		FROM convdash.agents a
		WHERE a.account_id = acct);
END
$$;
COMMENT ON FUNCTION convdash.list_agents() IS
	'API: the tenant''s agents as {data:[{id,name,company,mode}]} ordered by name, id';

-- One agent of the tenant, as answered after creating it.
CREATE FUNCTION convdash.agent(agent_id bigint) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	result jsonb;
BEGIN
	SELECT convdash.agent_json(a.id, a.name, a.company, a.mode) || jsonb_build_object('created_at', convdash.rfc3339(a.created_at))
	INTO result
	FROM convdash.agents a
	WHERE a.account_id = acct AND a.id = agent.agent_id;
	IF result IS NULL THEN
		PERFORM convdash.raise_not_found('agent', agent_id, 'agent_id');
	END IF;
	RETURN result;
END
$$;
COMMENT ON FUNCTION convdash.agent(bigint) IS
	'API: one agent of the tenant as {id,name,company,mode,created_at}; P0002 for an unknown id';

-- One message of the tenant (any role), as answered after appending it.
CREATE FUNCTION convdash.message(message_id bigint) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	result jsonb;
BEGIN
	SELECT convdash.message_json(m.id, m.role, m.content, m.created_at, ac.id) || jsonb_build_object('conversation_id', m.conversation_id,
		'prompt_tokens', m.prompt_tokens, 'completion_tokens', m.completion_tokens)
	INTO result
	FROM convdash.messages m
	LEFT JOIN convdash.audio_clips ac ON ac.account_id = m.account_id AND ac.message_id = m.id
	WHERE m.account_id = acct AND m.id = message.message_id;
	IF result IS NULL THEN
		PERFORM convdash.raise_not_found('message', message_id, 'message_id');
	END IF;
	RETURN result;
END
$$;
COMMENT ON FUNCTION convdash.message(bigint) IS
	'API: one message of the tenant (any role) as {id,conversation_id,role,content,created_at,prompt_tokens,completion_tokens,audio_id}; P0002 for an unknown id';
