-- Retention purge: by age and status, in batches with NOTICE progress, per
-- account counts, deletion log rows with reason "retention", no orphans.
\set QUIET on
\set ECHO none
\i test/regress/include/err.sql
\i test/regress/include/clips.sql
\set ECHO all
\set QUIET off

-- A conversation started at a time, with n messages, a clip on the first when
-- voice, then closed at ended (NULL: left active) and archived when asked.
CREATE FUNCTION pg_temp.conv(agent bigint, session text, started timestamptz, ended timestamptz,
	archive boolean, n integer, voice boolean) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	c bigint := convdash.start_conversation(agent, session, 'voip', 'ai', started);
	m bigint;
BEGIN
	FOR i IN 1..n LOOP
		m := convdash.append_message(c, 'user', 'message ' || i, NULL, NULL, started + i * interval '1 second');
		IF voice AND i = 1 THEN
			PERFORM convdash.attach_audio(m, 'audio/ogg', pg_temp.clip('opus.ogg'));
		END IF;
	END LOOP;
	IF ended IS NOT NULL THEN
		PERFORM convdash.close_conversation(c, NULL, ended);
	END IF;
	IF archive THEN
		PERFORM convdash.archive_conversation(c);
	END IF;
	RETURN c;
END
$$;
-- Conversations of an account by session, with status.
CREATE FUNCTION pg_temp.remaining(acct bigint) RETURNS text
LANGUAGE sql AS $$
	SELECT string_agg(session_id || ':' || status, ' ' ORDER BY session_id)
	FROM convdash.conversations WHERE account_id = acct
$$;

SELECT convdash.create_account('Purge One') AS p1 \gset
SELECT convdash.create_account('Purge Two') AS p2 \gset
-- old means the year 2000, far beyond any other test's data; recent means now
SELECT set_config('convdash.account_id', :'p1', false) AS tenant \gset
SELECT convdash.create_agent('Keeper') AS a1 \gset
SELECT count(pg_temp.conv(:a1, 'old-archived-' || i, '2000-01-01', '2000-01-02', true, i, i % 2 = 1)) AS made
FROM generate_series(1, 5) AS i;
SELECT pg_temp.conv(:a1, 'old-closed', '2000-01-01', '2000-01-02', false, 2, true) IS NOT NULL AS made;
SELECT pg_temp.conv(:a1, 'old-active', '2000-01-01', NULL, false, 0, false) IS NOT NULL AS made;
SELECT pg_temp.conv(:a1, 'recent-archived', now() - interval '1 day', now(), true, 2, true) IS NOT NULL AS made;
-- started long ago but active until recently: its last activity is recent
SELECT pg_temp.conv(:a1, 'long-archived', '2000-01-01', now(), true, 1, false) IS NOT NULL AS made;
SELECT convdash.rate_conversation(id, 5) = id AS rated FROM convdash.conversations
WHERE account_id = :p1 AND session_id = 'old-archived-1';
SELECT set_config('convdash.account_id', :'p2', false) AS tenant \gset
SELECT convdash.create_agent('Keeper') AS a2 \gset
SELECT pg_temp.conv(:a2, 'old-archived', '2000-01-01', '2000-01-02', true, 3, true) IS NOT NULL AS made;
SELECT pg_temp.conv(:a2, 'old-closed', '2000-01-01', '2000-01-02', false, 1, false) IS NOT NULL AS made;
SELECT array_agg(loid) AS loids FROM convdash.audio_clips WHERE account_id IN (:p1, :p2) \gset

-- archived conversations of one account older than 20 years, 2 per batch
SELECT a.name, p.conversations, p.messages, p.clips
FROM convdash.purge_conversations('20 years', account_id => :p1, batch_size => 2) p
JOIN convdash.accounts a ON a.id = p.account;
SELECT pg_temp.remaining(:p1) AS p1, pg_temp.remaining(:p2) AS p2;
SELECT reason, count(*), sum(message_count) AS messages, sum(clip_count) AS clips
FROM convdash.deletion_log WHERE account_id = :p1 GROUP BY reason;
SELECT count(*) AS ratings_left FROM convdash.ratings WHERE account_id = :p1;
-- nothing left to purge: no rows, no NOTICE
SELECT * FROM convdash.purge_conversations('20 years', account_id => :p1);

-- closed and archived (and active) of every account, default batch size
SELECT a.name, p.conversations, p.messages, p.clips
FROM convdash.purge_conversations('20 years', '{closed,archived,active}') p
JOIN convdash.accounts a ON a.id = p.account ORDER BY a.name;
SELECT pg_temp.remaining(:p1) AS p1, pg_temp.remaining(:p2) AS p2;

-- no clip's large object is left, and nothing is orphaned
SELECT count(*) AS objects_left FROM pg_largeobject_metadata
WHERE oid = ANY (:'loids'::oid[]) AND oid NOT IN (SELECT loid FROM convdash.audio_clips);
SELECT count(*) AS clips_kept FROM convdash.audio_clips WHERE account_id = :p1;
SELECT * FROM convdash.check_large_objects();

-- errors
SELECT pg_temp.err($$SELECT * FROM convdash.purge_conversations(NULL)$$);
SELECT pg_temp.err($$SELECT * FROM convdash.purge_conversations('-1 day')$$);
SELECT pg_temp.err($$SELECT * FROM convdash.purge_conversations('90 days', '{}')$$);
SELECT pg_temp.err($$SELECT * FROM convdash.purge_conversations('90 days', NULL)$$);
SELECT pg_temp.err($$SELECT * FROM convdash.purge_conversations('90 days', '{archived,deleted}')$$);
SELECT pg_temp.err($$SELECT * FROM convdash.purge_conversations('90 days', '{archived,NULL}')$$);
SELECT pg_temp.err($$SELECT * FROM convdash.purge_conversations('90 days', batch_size => 0)$$);
SELECT pg_temp.err($$SELECT * FROM convdash.purge_conversations('90 days', batch_size => 100001)$$);
SELECT pg_temp.err($$SELECT * FROM convdash.purge_conversations('90 days', account_id => -1)$$);
