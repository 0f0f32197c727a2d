-- Helpers that see a clip's bytes wherever they live (large object or
-- chunks), so that audio.sql gives the same results for both storages
-- (audio_chunks.sql runs it again with convdash.audio_storage = chunks).

-- Places that hold clip bytes now: large objects plus clips kept as chunks.
CREATE FUNCTION pg_temp.byte_stores() RETURNS bigint
LANGUAGE sql AS $$
	SELECT (SELECT count(*) FROM pg_largeobject_metadata)
		+ (SELECT count(*) FROM (SELECT DISTINCT account_id, clip_id FROM convdash.audio_chunks) c)
$$;

-- Overwrites the first bytes of a stored clip in place, behind convdash's back.
CREATE FUNCTION pg_temp.overwrite_head(clip bigint, head bytea) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	lo oid := (SELECT loid FROM convdash.audio_clips WHERE id = clip);
BEGIN
	IF lo IS NULL THEN
		UPDATE convdash.audio_chunks SET data = overlay(data PLACING head FROM 1) WHERE clip_id = clip AND seq = 0;
	ELSE
		PERFORM lo_put(lo, 0, head);
	END IF;
END
$$;

-- Statements that read, write, delete and analyse a clip's bytes directly
-- (not through the audio functions), for whichever storage it uses.
CREATE FUNCTION pg_temp.direct_access(clip bigint) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
	a record;
BEGIN
	SELECT * INTO a FROM convdash.audio_clips WHERE id = clip;
	IF a.loid IS NULL THEN
		RETURN ARRAY[format('SELECT data FROM convdash.audio_chunks WHERE clip_id = %s', clip),
			format('UPDATE convdash.audio_chunks SET data = %L WHERE clip_id = %s', '\x00', clip),
			format('DELETE FROM convdash.audio_chunks WHERE clip_id = %s', clip),
			format('INSERT INTO convdash.audio_chunks VALUES (%s, %s, 99, %L)', a.account_id, clip, '\x00'),
			format('SELECT convdash.clip_analyze_chunks(%s, %s, %L, %L)', a.account_id, clip, 'audio/wav', 'wav')];
	END IF;
	RETURN ARRAY[format('SELECT lo_get(%s)', a.loid), format('SELECT lo_open(%s, 262144)', a.loid),
		format('SELECT lo_unlink(%s)', a.loid), format('SELECT lo_put(%s, 0, %L)', a.loid, '\x00'),
		format('SELECT convdash.clip_analyze(%s, %L, %L)', a.loid, 'audio/wav', 'wav')];
END
$$;

-- The distinct SQLSTATEs (or "no error") of running the statements as the current role.
CREATE FUNCTION pg_temp.outcomes(stmts text[]) RETURNS text
LANGUAGE sql AS $$
	SELECT string_agg(DISTINCT CASE WHEN r = 'no error' THEN r ELSE left(r, 5) END, ',')
	FROM unnest(stmts) AS t, pg_temp.err(t) AS r
$$;

-- Whether a clip's bytes are guarded as convdash keeps them: its large
-- object owned by the extension owner and marked, or its chunks under the
-- clip's tenant.
CREATE FUNCTION pg_temp.guarded(clip bigint) RETURNS boolean
LANGUAGE sql AS $$
	SELECT CASE WHEN a.loid IS NULL
		THEN (SELECT bool_and(k.account_id = a.account_id) FROM convdash.audio_chunks k WHERE k.clip_id = a.id)
		ELSE (SELECT pg_get_userbyid(m.lomowner) = (SELECT pg_get_userbyid(extowner) FROM pg_extension WHERE extname = 'convdash')
			AND obj_description(m.oid, 'pg_largeobject') = convdash.clip_object_marker()
			FROM pg_largeobject_metadata m WHERE m.oid = a.loid) END
	FROM convdash.audio_clips a WHERE a.id = clip
$$;
