-- Admin checks: the denormalised counters of conversations against the rows
-- they summarise. Other checks (large objects, audio chunks) join this list
-- in their own files as further rows of convdash.integrity_check().

-- Every conversation whose stored counters differ from its rows, one row per mismatch.
CREATE FUNCTION convdash.check_counters()
RETURNS TABLE (account_id bigint, conversation_id bigint, problem text, stored bigint, actual bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
	WITH m AS (
		SELECT m.account_id, m.conversation_id,
			count(*) FILTER (WHERE m.seq IS NOT NULL) AS shown,
			coalesce(sum(m.prompt_tokens), 0) AS prompt,
			coalesce(sum(m.completion_tokens), 0) AS completion,
			coalesce(max(m.seq), 0) AS max_seq
		FROM convdash.messages m
		GROUP BY m.account_id, m.conversation_id),
	a AS (
		SELECT DISTINCT a.account_id, a.conversation_id FROM convdash.audio_clips a),
	joined AS (
		SELECT c.account_id, c.id, k.message_count, k.prompt_tokens, k.completion_tokens,
			c.has_voice, c.rating,
			(k.agent_id, k.channel, k.status, k.started_at, k.rating)
				IS DISTINCT FROM (c.agent_id, c.channel, c.status, c.started_at, c.rating) AS copy_differs,
			coalesce(m.shown, 0) AS shown, coalesce(m.prompt, 0) AS prompt,
			coalesce(m.completion, 0) AS completion, coalesce(m.max_seq, 0) AS max_seq,
			a.conversation_id IS NOT NULL AS voice, r.score
		FROM convdash.conversations c
		LEFT JOIN convdash.conversation_counters k ON k.account_id = c.account_id AND k.conversation_id = c.id
		LEFT JOIN m ON m.account_id = c.account_id AND m.conversation_id = c.id
		LEFT JOIN a ON a.account_id = c.account_id AND a.conversation_id = c.id
		LEFT JOIN convdash.ratings r ON r.account_id = c.account_id AND r.conversation_id = c.id)
	SELECT j.account_id, j.id, x.problem, x.stored, x.actual
	FROM joined j
	CROSS JOIN LATERAL (VALUES
		('message_count', j.message_count::bigint, j.shown),
		('transcript_seq', j.message_count::bigint, j.max_seq::bigint),
		('prompt_tokens', j.prompt_tokens, j.prompt::bigint),
		('completion_tokens', j.completion_tokens, j.completion::bigint),
		('has_voice', j.has_voice::integer::bigint, j.voice::integer::bigint),
		('rating', j.rating::bigint, j.score::bigint),
		('counters_copy', j.copy_differs::integer::bigint, 0::bigint)) AS x(problem, stored, actual)
	WHERE x.stored IS DISTINCT FROM x.actual
	ORDER BY 1, 2, 3
$$;
COMMENT ON FUNCTION convdash.check_counters() IS
	'Admin: conversations whose message_count, tokens, has_voice or rating differ from their rows, or whose counters row''s copies of agent, channel, status, start and rating differ (none when healthy)';

-- Every integrity problem found, across all tenants; an empty result means healthy.
CREATE FUNCTION convdash.integrity_check()
RETURNS TABLE (account_id bigint, conversation_id bigint, problem text, stored bigint, actual bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
	SELECT * FROM convdash.check_counters()
	UNION ALL
	-- large objects (48_audio_objects.sql): stored = the large object's oid
	SELECT l.account_id, l.conversation_id, l.problem, l.loid::bigint, NULL::bigint
	FROM convdash.check_large_objects() l
	UNION ALL
	-- chunks (49_audio_chunks.sql): stored = the clip's bytes, actual = its chunks' bytes
	SELECT k.account_id, k.conversation_id, k.problem, k.stored, k.actual
	FROM convdash.check_audio_chunks() k
$$;
COMMENT ON FUNCTION convdash.integrity_check() IS
	'Admin: every integrity problem (counters; orphaned or missing large objects, stored = oid; chunk clips whose chunks do not add up, stored = bytes, actual = chunk bytes); empty when healthy';
