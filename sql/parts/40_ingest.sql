-- Ingest (DESIGN §4): every write goes through these functions, which run as
-- the extension owner, scope every statement to the tenant of the
-- transaction, validate their input and keep the conversation's counters
-- (message_count, tokens, rating copy) exact. Each returns the id it wrote.
--
-- Errors: 22023 bad parameter (COLUMN names it), P0002 the addressed row is
-- not the tenant's, 23503 a referenced row (agent, tracker session) is not
-- the tenant's, 23505 duplicate, 55000 the conversation's state forbids it.

-- Creates an agent of the current tenant and returns its id.
CREATE FUNCTION convdash.create_agent(name text, company text DEFAULT NULL, mode text DEFAULT 'active')
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	new_id bigint;
BEGIN
	INSERT INTO convdash.agents (account_id, name, company, mode)
	VALUES (acct,
		btrim(convdash.check_text(create_agent.name, 'name', 200)),
		convdash.check_text(create_agent.company, 'company', 200, false),
		coalesce(convdash.enum_value(create_agent.mode, 'mode', NULL::convdash.agent_mode), 'active'))
	RETURNING id INTO new_id;
	RETURN new_id;
EXCEPTION WHEN unique_violation THEN
	RAISE EXCEPTION 'an agent named "%" already exists', btrim(create_agent.name)
		USING ERRCODE = 'unique_violation', COLUMN = 'name';
END
$$;
COMMENT ON FUNCTION convdash.create_agent(text, text, text) IS
	'API: creates an agent (mode active, passive or hybrid) of the current tenant; returns its id';

-- Raises 23503 unless the tracker session belongs to the current tenant.
CREATE FUNCTION convdash.check_tracker_session(tracker_session_id bigint, field text) RETURNS bigint
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	acct bigint := convdash.require_account();
BEGIN
	IF tracker_session_id IS NOT NULL AND NOT EXISTS (
		SELECT FROM convdash.tracker_sessions s
		WHERE s.account_id = acct AND s.id = check_tracker_session.tracker_session_id)
	THEN
		RAISE EXCEPTION 'tracker session % does not exist', tracker_session_id
			USING ERRCODE = 'foreign_key_violation', COLUMN = field;
	END IF;
	RETURN tracker_session_id;
END
$$;
COMMENT ON FUNCTION convdash.check_tracker_session(bigint, text) IS
	'Admin: the id when NULL or a tracker session of the current tenant; else 23503 naming the field';

-- Makes or refreshes a conversation's counters row: its copies of the list's
-- filter columns (after start, and after every change of status or rating).
CREATE FUNCTION convdash.sync_conversation_counters(account_id bigint, conversation_id bigint) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	c convdash.conversations;
BEGIN
	SELECT * INTO STRICT c FROM convdash.conversations x
	WHERE x.account_id = sync_conversation_counters.account_id AND x.id = sync_conversation_counters.conversation_id;
	INSERT INTO convdash.conversation_counters AS k
		(account_id, conversation_id, agent_id, channel, status, started_at, rating)
	VALUES (c.account_id, c.id, c.agent_id, c.channel, c.status, c.started_at, c.rating)
	ON CONFLICT ON CONSTRAINT conversation_counters_pkey DO UPDATE SET status = excluded.status, rating = excluded.rating;
END
$$;
COMMENT ON FUNCTION convdash.sync_conversation_counters(bigint, bigint) IS
	'Admin: makes the conversation''s counters row or refreshes its copies of status and rating';

-- Starts a conversation of the current tenant and returns its id.
CREATE FUNCTION convdash.start_conversation(agent_id bigint, session_id text, channel text,
	handled_by text DEFAULT 'ai', started_at timestamptz DEFAULT NULL,
	tracker_session_id bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	new_id bigint;
	session bigint;
BEGIN
	IF agent_id IS NULL THEN
		RAISE EXCEPTION 'agent_id is required' USING ERRCODE = 'invalid_parameter_value', COLUMN = 'agent_id';
	END IF;
	IF NOT EXISTS (SELECT FROM convdash.agents a WHERE a.account_id = acct AND a.id = start_conversation.agent_id) THEN
		RAISE EXCEPTION 'agent % does not exist', agent_id
			USING ERRCODE = 'foreign_key_violation', COLUMN = 'agent_id';
	END IF;
	session := convdash.check_tracker_session(start_conversation.tracker_session_id, 'tracker_session_id');
	INSERT INTO convdash.conversations
		(account_id, agent_id, session_id, channel, handled_by, started_at, tracker_session_id)
	VALUES (acct, start_conversation.agent_id,
		convdash.check_text(start_conversation.session_id, 'session_id', 200),
		convdash.enum_value(coalesce(start_conversation.channel, ''), 'channel', NULL::convdash.channel),
		coalesce(convdash.enum_value(start_conversation.handled_by, 'handled_by', NULL::convdash.handler), 'ai'),
		coalesce(convdash.check_time(start_conversation.started_at, 'started_at'), now()),
		session)
	RETURNING id INTO new_id;
	PERFORM convdash.sync_conversation_counters(acct, new_id);
	PERFORM convdash.emit_conversation_event(acct, new_id, 'conversation.created', 'created');
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION convdash.start_conversation(bigint, text, text, text, timestamptz, bigint) IS
	'API: starts an active conversation of an agent with a visitor session on a channel; returns its id';

-- Appends a message and keeps the conversation's counters exact; returns the message id.
-- Locks: the conversation row FOR KEY SHARE (what the messages foreign key
-- takes anyway; archive, delete and the other writes lock it FOR UPDATE, so
-- they wait for the append or it sees their result), then the counters row
-- by its UPDATE, which serialises concurrent appends (so seq numbers stay
-- dense). The conversations row itself is not written (conversation_counters).
-- The checks are simple expressions (the hot path calls no other function
-- but require_account); a helper runs only to raise the error it describes.
CREATE FUNCTION convdash.append_message(conversation_id bigint, role text, content text,
	prompt_tokens integer DEFAULT NULL, completion_tokens integer DEFAULT NULL,
	created_at timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	r convdash.message_role;
	at timestamptz := coalesce(created_at, now());
	shown boolean;
	started timestamptz;
	shown_count integer;
	new_id bigint;
BEGIN
	-- the labels as constants: enum_range() would read pg_enum on every call;
	-- any other text (a label added later too) goes through enum_value
	IF role IS NULL OR role NOT IN ('user', 'assistant', 'system', 'tool') THEN
		PERFORM convdash.enum_value(coalesce(role, ''), 'role', NULL::convdash.message_role);
	END IF;
	r := role;
	shown := r IN ('user', 'assistant');
	IF NOT isfinite(at) THEN
		PERFORM convdash.check_time(created_at, 'created_at');
	END IF;
	IF content IS NULL THEN
		RAISE EXCEPTION 'content is required' USING ERRCODE = 'invalid_parameter_value', COLUMN = 'content';
	END IF;
	IF length(content) > 1000000 OR prompt_tokens < 0 OR completion_tokens < 0 THEN
		PERFORM convdash.check_text(content, 'content', 1000000, false);
		PERFORM convdash.check_range(prompt_tokens, 'prompt_tokens', 0, 2147483647);
		PERFORM convdash.check_range(completion_tokens, 'completion_tokens', 0, 2147483647);
	END IF;

	SELECT c.started_at INTO started FROM convdash.conversations c
	WHERE c.account_id = acct AND c.id = append_message.conversation_id AND c.status <> 'archived'
	FOR KEY SHARE;
	IF NOT FOUND THEN
		PERFORM convdash.lock_conversation(conversation_id);
		RAISE EXCEPTION 'conversation % is archived', conversation_id
			USING ERRCODE = 'object_not_in_prerequisite_state',
			      HINT = 'Archived conversations take no new messages.';
	END IF;
	IF at < started THEN
		RAISE EXCEPTION 'created_at is before the conversation started'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'created_at';
	END IF;
	UPDATE convdash.conversation_counters k SET
		message_count = k.message_count + shown::integer,
		prompt_tokens = k.prompt_tokens + coalesce(append_message.prompt_tokens, 0),
		completion_tokens = k.completion_tokens + coalesce(append_message.completion_tokens, 0),
		last_message_at = greatest(k.last_message_at, at)
	WHERE k.account_id = acct AND k.conversation_id = append_message.conversation_id
	RETURNING k.message_count INTO shown_count;

	INSERT INTO convdash.messages
		(account_id, conversation_id, role, content, created_at, prompt_tokens, completion_tokens, seq, words)
	VALUES (acct, append_message.conversation_id, r, append_message.content, at,
		append_message.prompt_tokens, append_message.completion_tokens,
		CASE WHEN shown THEN shown_count END, convdash.message_words(acct, shown, append_message.content))
	RETURNING id INTO new_id;
	PERFORM convdash.emit_event(acct, 'message.created', conversation_id, jsonb_build_object('message_id', new_id, 'role', r, 'created_at', at, 'has_audio', false, 'message_count', shown_count));
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION convdash.append_message(bigint, text, text, integer, integer, timestamptz) IS
	'API: appends a message (user, assistant, system or tool) with optional token counts; 55000 when archived';

-- Ends an active conversation, with an optional reason; returns its id.
CREATE FUNCTION convdash.close_conversation(conversation_id bigint, end_reason text DEFAULT NULL,
	ended_at timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	c convdash.conversations := convdash.lock_conversation(conversation_id);
	at timestamptz := coalesce(convdash.check_time(ended_at, 'ended_at'), greatest(now(), c.started_at));
BEGIN
	IF c.status <> 'active' THEN
		RAISE EXCEPTION 'conversation % is already %', c.id, c.status
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF at < c.started_at THEN
		RAISE EXCEPTION 'ended_at is before the conversation started'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'ended_at';
	END IF;
	UPDATE convdash.conversations x SET status = 'closed', ended_at = at,
		end_reason = nullif(btrim(convdash.check_text(close_conversation.end_reason, 'end_reason', 500, false)), '')
	WHERE x.account_id = c.account_id AND x.id = c.id;
	PERFORM convdash.sync_conversation_counters(c.account_id, c.id);
	PERFORM convdash.emit_conversation_event(c.account_id, c.id, 'conversation.updated', 'status');
	RETURN c.id;
END
$$;
COMMENT ON FUNCTION convdash.close_conversation(bigint, text, timestamptz) IS
	'API: closes an active conversation (end reason optional, shown as "Completed" when absent); 55000 unless active';

-- Archives a conversation (closing it first if still active); archiving twice is a no-op.
CREATE FUNCTION convdash.archive_conversation(conversation_id bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	c convdash.conversations := convdash.lock_conversation(conversation_id);
	at timestamptz := now();	-- Citus refuses now() inside COALESCE in an UPDATE
BEGIN
	UPDATE convdash.conversations x SET status = 'archived',
		ended_at = coalesce(x.ended_at, greatest(at, x.started_at))
	WHERE x.account_id = c.account_id AND x.id = c.id AND x.status <> 'archived';
	PERFORM convdash.sync_conversation_counters(c.account_id, c.id);
	PERFORM convdash.emit_conversation_event(c.account_id, c.id, 'conversation.updated', 'status');
	RETURN c.id;
END
$$;
COMMENT ON FUNCTION convdash.archive_conversation(bigint) IS
	'API: archives a conversation, ending it now if it was active; idempotent';

-- Sets the sentiment label and/or score; the label follows from the score when omitted.
CREATE FUNCTION convdash.set_sentiment(conversation_id bigint, label text DEFAULT NULL,
	score double precision DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	c convdash.conversations := convdash.lock_conversation(conversation_id);
	l convdash.sentiment := convdash.enum_value(label, 'label', NULL::convdash.sentiment);
BEGIN
	IF score IS NOT NULL AND (score = 'NaN' OR score < -1 OR score > 1) THEN
		RAISE EXCEPTION 'score must be between -1 and 1'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'score';
	END IF;
	IF l IS NULL AND score IS NULL THEN
		RAISE EXCEPTION 'label or score is required'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'label';
	END IF;
	UPDATE convdash.conversations x
	SET sentiment = coalesce(l, convdash.sentiment_label(score)), sentiment_score = score
	WHERE x.account_id = c.account_id AND x.id = c.id;
	PERFORM convdash.emit_conversation_event(c.account_id, c.id, 'conversation.updated', 'sentiment');
	RETURN c.id;
END
$$;
COMMENT ON FUNCTION convdash.set_sentiment(bigint, text, double precision) IS
	'API: sets the sentiment (positive, negative, neutral) and optional score in [-1, 1]; label derived from score if omitted';

-- Clears the sentiment so the conversation shows "Not analyzed" again.
CREATE FUNCTION convdash.clear_sentiment(conversation_id bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	c convdash.conversations := convdash.lock_conversation(conversation_id);
BEGIN
	UPDATE convdash.conversations x SET sentiment = NULL, sentiment_score = NULL
	WHERE x.account_id = c.account_id AND x.id = c.id;
	PERFORM convdash.emit_conversation_event(c.account_id, c.id, 'conversation.updated', 'sentiment');
	RETURN c.id;
END
$$;
COMMENT ON FUNCTION convdash.clear_sentiment(bigint) IS
	'API: removes the sentiment so the conversation is "Not analyzed" again';

-- Marks whether the conversation converted.
CREATE FUNCTION convdash.set_converted(conversation_id bigint, converted boolean) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	c convdash.conversations := convdash.lock_conversation(conversation_id);
BEGIN
	IF converted IS NULL THEN
		RAISE EXCEPTION 'converted must be true or false'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'converted';
	END IF;
	UPDATE convdash.conversations x SET converted = set_converted.converted
	WHERE x.account_id = c.account_id AND x.id = c.id;
	PERFORM convdash.emit_conversation_event(c.account_id, c.id, 'conversation.updated', 'converted');
	RETURN c.id;
END
$$;
COMMENT ON FUNCTION convdash.set_converted(bigint, boolean) IS
	'API: marks the conversation as converted (true) or not (false)';

-- Rates a conversation 1-5 with an optional comment; rating again replaces.
CREATE FUNCTION convdash.rate_conversation(conversation_id bigint, score integer, comment text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	c convdash.conversations := convdash.lock_conversation(conversation_id);
BEGIN
	IF score IS NULL THEN
		RAISE EXCEPTION 'score is required' USING ERRCODE = 'invalid_parameter_value', COLUMN = 'score';
	END IF;
	PERFORM convdash.check_range(score, 'score', 1, 5);
	PERFORM convdash.check_text(comment, 'comment', 5000, false);
	INSERT INTO convdash.ratings AS r (account_id, conversation_id, score, comment, rated_at)
	VALUES (c.account_id, c.id, score, nullif(btrim(comment), ''), now())
	ON CONFLICT ON CONSTRAINT ratings_pkey DO UPDATE
		SET score = excluded.score, comment = excluded.comment, rated_at = excluded.rated_at;
	UPDATE convdash.conversations x SET rating = score
	WHERE x.account_id = c.account_id AND x.id = c.id;
	PERFORM convdash.sync_conversation_counters(c.account_id, c.id);
	PERFORM convdash.emit_conversation_event(c.account_id, c.id, 'conversation.updated', 'rating');
	RETURN c.id;
END
$$;
COMMENT ON FUNCTION convdash.rate_conversation(bigint, integer, text) IS
	'API: rates the conversation 1 to 5 with an optional comment; a new rating replaces the old one';

-- Removes the rating; idempotent, returns whether there was one.
CREATE FUNCTION convdash.remove_rating(conversation_id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	c convdash.conversations := convdash.lock_conversation(conversation_id);
	removed boolean;
BEGIN
	DELETE FROM convdash.ratings r WHERE r.account_id = c.account_id AND r.conversation_id = c.id;
	UPDATE convdash.conversations x SET rating = NULL
	WHERE x.account_id = c.account_id AND x.id = c.id AND x.rating IS NOT NULL;
	removed := FOUND;
	PERFORM convdash.sync_conversation_counters(c.account_id, c.id);
	PERFORM convdash.emit_conversation_event(c.account_id, c.id, 'conversation.updated', 'rating') WHERE removed;
	RETURN removed;
END
$$;
COMMENT ON FUNCTION convdash.remove_rating(bigint) IS
	'API: removes the conversation''s rating; not an error when there is none (returns false then)';

-- RFC 7386 JSON merge patch: objects merge key by key, null removes a key,
-- anything else replaces. One pass per object level: the untouched keys of
-- the target and the patched ones are aggregated once, never copied per key.
CREATE FUNCTION convdash.json_merge_patch(target jsonb, patch jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
	base jsonb := CASE WHEN jsonb_typeof(target) = 'object' THEN target ELSE '{}'::jsonb END;
	result jsonb;
BEGIN
	IF patch IS NULL OR jsonb_typeof(patch) <> 'object' THEN
		RETURN patch;
	END IF;
	SELECT coalesce(jsonb_object_agg(m.k, m.v), '{}'::jsonb) INTO result
	FROM (
		SELECT t.key AS k, t.value AS v FROM jsonb_each(base) t WHERE NOT patch ? t.key
		UNION ALL
		SELECT p.key, CASE WHEN jsonb_typeof(p.value) = 'object'
		                   THEN convdash.json_merge_patch(base -> p.key, p.value) ELSE p.value END
		FROM jsonb_each(patch) p WHERE jsonb_typeof(p.value) <> 'null') m;
	RETURN result;
END
$$;
COMMENT ON FUNCTION convdash.json_merge_patch(jsonb, jsonb) IS
	'Read: RFC 7386 merge patch of target by patch (null removes a key, objects merge recursively)';

-- Largest memory patch, in bytes of JSON text and in members at every level.
CREATE FUNCTION convdash.max_memory_patch_bytes() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 262144 $$;
COMMENT ON FUNCTION convdash.max_memory_patch_bytes() IS
	'Read: the largest memory patch merge_memory accepts, in bytes of JSON text (256 KiB)';
CREATE FUNCTION convdash.max_memory_patch_members() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 10000 $$;
COMMENT ON FUNCTION convdash.max_memory_patch_members() IS
	'Read: the most keys and array elements, at every level, a memory patch may have (10000)';

-- Checks a memory patch before any work: an object within the size and member caps.
CREATE FUNCTION convdash.check_memory_patch(patch jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
	bytes integer;
	members bigint;
BEGIN
	IF patch IS NULL OR jsonb_typeof(patch) <> 'object' THEN
		RAISE EXCEPTION 'memory patch must be a JSON object'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'memory',
			      DETAIL = format('It was %s.', coalesce(jsonb_typeof(patch), 'null'));
	END IF;
	bytes := octet_length(patch::text);
	IF bytes > convdash.max_memory_patch_bytes() THEN
		RAISE EXCEPTION 'memory patch is too large (% bytes, at most %)', bytes, convdash.max_memory_patch_bytes()
			USING ERRCODE = 'program_limit_exceeded', COLUMN = 'memory';
	END IF;
	-- every member at every level, counted without building anything
	SELECT count(*) INTO members
	FROM (SELECT FROM jsonb_path_query(patch, 'strict $.**') LIMIT convdash.max_memory_patch_members() + 2) x;
	IF members - 1 > convdash.max_memory_patch_members() THEN
		RAISE EXCEPTION 'memory patch has too many members (more than %)', convdash.max_memory_patch_members()
			USING ERRCODE = 'program_limit_exceeded', COLUMN = 'memory',
			      HINT = 'Send the memory in several smaller patches.';
	END IF;
	RETURN patch;
END
$$;
COMMENT ON FUNCTION convdash.check_memory_patch(jsonb) IS
	'Read: the patch when it is a JSON object within the size and member caps; else 22023 (not an object) or 54000 (too large)';

-- Merges a JSON object into the conversation's memory; returns the new memory.
CREATE FUNCTION convdash.merge_memory(conversation_id bigint, patch jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	checked jsonb := convdash.check_memory_patch(patch);
	c convdash.conversations := convdash.lock_conversation(conversation_id);
	merged jsonb := convdash.json_merge_patch(c.memory, checked);
BEGIN
	IF octet_length(merged::text) > 1048576 THEN
		RAISE EXCEPTION 'memory would exceed 1 MiB'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'memory';
	END IF;
	UPDATE convdash.conversations x SET memory = merged
	WHERE x.account_id = c.account_id AND x.id = c.id;
	PERFORM convdash.emit_conversation_event(c.account_id, c.id, 'conversation.updated', 'memory');
	RETURN merged;
END
$$;
COMMENT ON FUNCTION convdash.merge_memory(bigint, jsonb) IS
	'API: merges a JSON object into the conversation''s memory (null removes a key, nested objects merge; at most 256 KiB and 10000 members per patch, 1 MiB in all); returns it';

-- Links a conversation to a tracker session of the same tenant (NULL unlinks).
CREATE FUNCTION convdash.link_tracker_session(conversation_id bigint, tracker_session_id bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	c convdash.conversations := convdash.lock_conversation(conversation_id);
	session bigint := convdash.check_tracker_session(link_tracker_session.tracker_session_id, 'tracker_session_id');
BEGIN
	UPDATE convdash.conversations x SET tracker_session_id = session
	WHERE x.account_id = c.account_id AND x.id = c.id;
	RETURN c.id;
END
$$;
COMMENT ON FUNCTION convdash.link_tracker_session(bigint, bigint) IS
	'API: links the conversation to a tracker session of the tenant (NULL unlinks); 23503 for an unknown session';
