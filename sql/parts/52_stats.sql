-- Admin statistics: what each tenant holds, for capacity planning and support.

-- One row per account: agents, conversations by status, messages, voice, ratings, deletions.
CREATE FUNCTION convdash.stats()
RETURNS TABLE (account_id bigint, account_name text, agents bigint, conversations bigint,
	active bigint, closed bigint, archived bigint, messages bigint, voice_conversations bigint,
	audio_clips bigint, audio_bytes numeric, rated bigint, average_rating numeric,
	deleted_conversations bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
	SELECT a.id, a.name,
		(SELECT count(*) FROM convdash.agents g WHERE g.account_id = a.id),
		c.total, c.active, c.closed, c.archived, c.messages, c.voice,
		au.clips, au.bytes, c.rated, c.average_rating,
		(SELECT count(*) FROM convdash.deletion_log d WHERE d.account_id = a.id)
	FROM convdash.accounts a
	CROSS JOIN LATERAL (
		SELECT count(*) AS total,
			count(*) FILTER (WHERE x.status = 'active') AS active,
			count(*) FILTER (WHERE x.status = 'closed') AS closed,
			count(*) FILTER (WHERE x.status = 'archived') AS archived,
			coalesce(sum(k.message_count), 0)::bigint AS messages,
			count(*) FILTER (WHERE x.has_voice) AS voice,
			count(x.rating) AS rated,
			round(avg(x.rating), 2) AS average_rating
		FROM convdash.conversations x
		JOIN convdash.conversation_counters k ON k.account_id = x.account_id AND k.conversation_id = x.id
		WHERE x.account_id = a.id) AS c
	CROSS JOIN LATERAL (
		SELECT count(*) AS clips, coalesce(sum(ac.bytes), 0) AS bytes
		FROM convdash.audio_clips ac WHERE ac.account_id = a.id) AS au
	ORDER BY a.id
$$;
COMMENT ON FUNCTION convdash.stats() IS
	'Admin: per account: agents, conversations by status, shown messages, voice conversations, clips and bytes, ratings, deletions';
