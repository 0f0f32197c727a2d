-- The second storage of audio clips (issue 12): chunks of bytea in
-- convdash.audio_chunks, a tenant table colocated with audio_clips on Citus,
-- so a clip's bytes live on the node of its tenant, move with its shard and
-- go with its row (ON DELETE CASCADE: no trigger, no orphan). Every chunk
-- but the last of a clip holds exactly audio_chunk_size() bytes, so the
-- chunks of a byte range are found by arithmetic and read as slices
-- (STORAGE EXTERNAL: uncompressed, substr() fetches only the TOAST pieces it
-- needs). audio_clips.storage says where a clip's bytes live; new clips go
-- where audio_storage() says: chunks on a distributed installation, else the
-- setting convdash.audio_storage (default large_object, DESIGN §3).

CREATE TABLE convdash.audio_chunks (
	account_id       bigint NOT NULL,
	clip_id          bigint NOT NULL,
	seq              integer NOT NULL CHECK (seq >= 0),
	data             bytea NOT NULL CHECK (length(data) BETWEEN 1 AND 262144),
	PRIMARY KEY (account_id, clip_id, seq),
	FOREIGN KEY (account_id, clip_id) REFERENCES convdash.audio_clips (account_id, id) ON DELETE CASCADE
);
ALTER TABLE convdash.audio_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
COMMENT ON TABLE convdash.audio_chunks IS
	'Bytes of the audio clips whose storage is chunks: chunk seq holds bytes [seq * audio_chunk_size(), ...) of the clip';
SELECT pg_catalog.pg_extension_config_dump('convdash.audio_chunks', '');
ALTER TABLE convdash.audio_chunks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON convdash.audio_chunks
	USING (account_id OPERATOR(pg_catalog.=) convdash.current_account())
	WITH CHECK (account_id OPERATOR(pg_catalog.=) convdash.current_account());

-- The size of every chunk but a clip's last (the CHECK of audio_chunks.data says the same).
CREATE FUNCTION convdash.audio_chunk_size() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 262144 $$;
COMMENT ON FUNCTION convdash.audio_chunk_size() IS
	'Read: the bytes of every audio chunk but a clip''s last (256 KiB)';

CREATE FUNCTION convdash.audio_storage_setting() RETURNS text
AS 'MODULE_PATHNAME', 'convdash_audio_storage_fn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION convdash.audio_storage_setting() IS
	'Admin: the setting convdash.audio_storage (large_object or chunks; superuser-only, default large_object)';

-- Where a new clip keeps its bytes: chunks when audio_clips is distributed, else the setting.
CREATE FUNCTION convdash.audio_storage() RETURNS text
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	IF convdash.is_citus_table('convdash.audio_clips') THEN
		RETURN 'chunks';
	END IF;
	RETURN convdash.audio_storage_setting();
END
$$;
COMMENT ON FUNCTION convdash.audio_storage() IS
	'Admin: where a new clip keeps its bytes: chunks on a distributed installation, else the setting convdash.audio_storage';

CREATE FUNCTION convdash.clip_analyze_chunks(account_id bigint, clip_id bigint, mime text, formats text,
	OUT bytes bigint, OUT sha256 bytea, OUT duration_ms integer, OUT peaks real[])
AS 'MODULE_PATHNAME', 'convdash_clip_analyze_chunks'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION convdash.clip_analyze_chunks(bigint, bigint, text, text) IS
	'Admin: clip_analyze over a clip kept in audio_chunks (one chunk at a time): size, SHA-256 and, with formats, the decoded duration and 4096 peaks';

-- Writes piece at byte pos of a chunk clip whose size is pos: fills its last chunk, then adds whole ones.
CREATE FUNCTION convdash.write_clip_chunks(acct bigint, clip bigint, pos bigint, piece bytea) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	cs constant integer := convdash.audio_chunk_size();
	len integer := length(piece);
	done integer := 0;
	take integer;
BEGIN
	IF pos % cs <> 0 AND len > 0 THEN
		done := least(cs - (pos % cs)::integer, len);
		UPDATE convdash.audio_chunks k SET data = k.data || substr(piece, 1, done)
		WHERE k.account_id = acct AND k.clip_id = clip AND k.seq = (pos / cs)::integer;
	END IF;
	-- one single-row INSERT per chunk: a router insert on Citus
	WHILE done < len LOOP
		take := least(cs, len - done);
		INSERT INTO convdash.audio_chunks (account_id, clip_id, seq, data)
		VALUES (acct, clip, ((pos + done) / cs)::integer, substr(piece, done + 1, take));
		done := done + take;
	END LOOP;
END
$$;
COMMENT ON FUNCTION convdash.write_clip_chunks(bigint, bigint, bigint, bytea) IS
	'Admin: appends piece to a chunk clip whose size is pos (fills its last chunk, then adds chunks of audio_chunk_size())';

-- len bytes of a chunk clip from pos (the caller keeps pos + len within the clip).
CREATE FUNCTION convdash.read_clip_chunks(acct bigint, clip bigint, pos bigint, len integer) RETURNS bytea
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	cs constant bigint := convdash.audio_chunk_size();
	first integer := (pos / cs)::integer;
	last integer := ((pos + len - 1) / cs)::integer;
	result bytea;
BEGIN
	-- substr of an uncompressed chunk (STORAGE EXTERNAL) reads only the TOAST pieces it covers
	IF first = last THEN
		-- most ranges (a player's 64 KiB requests) lie in one chunk: its slice, no aggregate
		SELECT substr(k.data, (pos - first * cs + 1)::integer, len) INTO result
		FROM convdash.audio_chunks k
		WHERE k.account_id = acct AND k.clip_id = clip AND k.seq = first;
	ELSE
		SELECT string_agg(substr(k.data, (greatest(pos - k.seq * cs, 0) + 1)::integer,
				(least(pos + len - k.seq * cs, cs) - greatest(pos - k.seq * cs, 0))::integer), '\x'::bytea ORDER BY k.seq)
		INTO result
		FROM convdash.audio_chunks k
		WHERE k.account_id = acct AND k.clip_id = clip AND k.seq BETWEEN first AND last;
	END IF;
	RETURN coalesce(result, '\x'::bytea);
END
$$;
COMMENT ON FUNCTION convdash.read_clip_chunks(bigint, bigint, bigint, integer) IS
	'Admin: len bytes of a chunk clip from pos, read as slices of the chunks the range covers';

-- Chunk problems: clips whose chunks do not add up to their size, and chunks of clips kept as large objects.
CREATE FUNCTION convdash.check_audio_chunks()
RETURNS TABLE (problem text, account_id bigint, conversation_id bigint, clip_id bigint, stored bigint, actual bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
BEGIN
	-- grouped by tenant and clip, joined on both: one task per shard group on Citus
	RETURN QUERY
	SELECT CASE WHEN a.storage = 'chunks' THEN 'incomplete_chunks' ELSE 'stray_chunks' END,
		a.account_id, a.conversation_id, a.id, a.bytes, coalesce(s.total, 0)
	FROM convdash.audio_clips a
	LEFT JOIN (SELECT k.account_id, k.clip_id, count(*) AS n, sum(length(k.data))::bigint AS total, max(k.seq) AS last
	           FROM convdash.audio_chunks k GROUP BY k.account_id, k.clip_id) s
		ON s.account_id = a.account_id AND s.clip_id = a.id
	WHERE CASE WHEN a.storage = 'chunks'
		THEN a.sha256 IS NOT NULL AND (s.total IS DISTINCT FROM a.bytes OR s.last <> s.n - 1)
		ELSE s.n IS NOT NULL END
	ORDER BY 1, 2, 4;
END
$$;
COMMENT ON FUNCTION convdash.check_audio_chunks() IS
	'Admin: finished chunk clips whose chunks are missing or do not add up to their size (incomplete_chunks, stored = bytes, actual = chunk bytes) and chunks of clips kept as large objects (stray_chunks); empty when healthy';

-- Moves every clip (of one account, or all) to the storage, a NOTICE every batch_size clips; returns how many moved.
CREATE FUNCTION convdash.move_audio(storage text, batch_size integer DEFAULT 500, account_id bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	piece constant integer := 4 * convdash.audio_chunk_size();
	total bigint;
	moved bigint := 0;
	a record;
	lo oid;
	pos bigint;
BEGIN
	IF storage IS NULL OR storage NOT IN ('large_object', 'chunks') THEN
		RAISE EXCEPTION 'storage must be large_object or chunks'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'storage';
	END IF;
	PERFORM convdash.check_range(batch_size, 'batch_size', 1, 100000);
	IF storage = 'large_object' AND convdash.is_citus_table('convdash.audio_clips') THEN
		RAISE EXCEPTION 'a distributed installation keeps audio in chunks'
			USING ERRCODE = 'object_not_in_prerequisite_state',
			      HINT = 'Large objects live on the coordinator only; undistribute() first.';
	END IF;
	IF convdash.is_citus_table('convdash.audio_clips') THEN
		RETURN 0;  -- distribute() moved every clip to chunks before distributing
	END IF;
	SELECT count(*) INTO total FROM convdash.audio_clips x
	WHERE x.storage <> move_audio.storage AND (move_audio.account_id IS NULL OR x.account_id = move_audio.account_id);
	FOR a IN SELECT x.account_id, x.id, x.loid, x.bytes FROM convdash.audio_clips x
	         WHERE x.storage <> move_audio.storage AND (move_audio.account_id IS NULL OR x.account_id = move_audio.account_id)
	         ORDER BY x.account_id, x.id FOR UPDATE LOOP
		pos := 0;
		IF storage = 'chunks' THEN
			WHILE pos < a.bytes LOOP
				PERFORM convdash.write_clip_chunks(a.account_id, a.id, pos,
					lo_get(a.loid, pos, least(piece, a.bytes - pos)::integer));
				pos := pos + piece;
			END LOOP;
			-- the trigger of 48_audio_objects.sql unlinks the large object
			UPDATE convdash.audio_clips x SET storage = 'chunks', loid = NULL
			WHERE x.account_id = a.account_id AND x.id = a.id;
		ELSE
			lo := convdash.create_clip_object();
			WHILE pos < a.bytes LOOP
				PERFORM lo_put(lo, pos, convdash.read_clip_chunks(a.account_id, a.id, pos,
					least(piece, a.bytes - pos)::integer));
				pos := pos + piece;
			END LOOP;
			DELETE FROM convdash.audio_chunks k WHERE k.account_id = a.account_id AND k.clip_id = a.id;
			UPDATE convdash.audio_clips x SET storage = 'large_object', loid = lo
			WHERE x.account_id = a.account_id AND x.id = a.id;
		END IF;
		moved := moved + 1;
		IF moved % batch_size = 0 OR moved = total THEN
			RAISE NOTICE 'move_audio: % of % clips moved to %', moved, total, storage;
		END IF;
	END LOOP;
	RETURN moved;
END
$$;
COMMENT ON FUNCTION convdash.move_audio(text, integer, bigint) IS
	'Admin: moves the bytes of every clip (of account_id; NULL: all) to the storage (large_object or chunks) in this transaction, a NOTICE every batch_size clips; returns the number moved; 22023 unknown storage, 55000 large_object on a distributed installation';
