-- Audio clips (DESIGN §2, §4, §5): one clip per voice message, its bytes in a
-- large object (48_audio_objects.sql) or in chunks (49_audio_chunks.sql), as
-- audio_storage() says when the clip is begun; read on demand by byte range.
-- Every function below behaves the same for both storages.
--
-- Storing is a streaming protocol, all in one transaction:
--   audio_begin(message_id, mime[, duration_ms])  -> clip id (empty clip)
--   audio_write(clip_id, chunk) ...               -> bytes so far (54000 past convdash.max_clip_bytes)
--   audio_finish(clip_id)                         -> {id, message_id, bytes, mime, duration_ms}
-- A clip left unfinished at COMMIT fails the commit (55000), so a half
-- upload is never visible. attach_audio() does the three in one call.
--
-- Decisions where the contract was silent:
--   * A message has at most one clip; audio_begin on a message that has one
--     REPLACES it (HTTP PUT semantics): the old row goes and its large object
--     is unlinked in the same transaction (so a failed upload keeps the old).
--   * mime is lowercased and parameters (";codecs=...") are dropped.
--   * Only the formats convdash decodes are taken (audio_formats: WAV, FLAC,
--     Ogg Vorbis/Opus, WebM Opus/Vorbis, MP3, MP4/M4A AAC); any other MIME
--     type is 22023 naming them. The bytes must be of the format the MIME
--     type names: a WAV sent as audio/mpeg is refused.
--   * Every clip is decoded at audio_finish, by the separate process of
--     extension/decode.c, fed in the same pass as the SHA-256: the decoded
--     duration wins over a duration_ms given by the caller, and peaks are
--     cached at 4096 buckets; other bucket counts are derived from those
--     (exact when N divides 4096, see extension/peaks.c). A clip that does
--     not decode (damaged, hostile, past convdash.decode_timeout or
--     convdash.decode_memory) is 22023 and nothing is stored.
--   * An empty clip is refused at audio_finish (22023, field data).
--   * Clips stored before decoding existed (no peaks) get them on their
--     first audio_peaks (kept unless the transaction is read-only) or from
--     the admin procedure backfill_audio. Clips of a MIME type convdash does
--     not decode (stored before the list existed) have no peaks unless a
--     client supplied them with set_audio_peaks; asking for them otherwise
--     is 0A000 (feature_not_supported), which the service maps to 422
--     unsupported_media.
--   * Playback order is message order (message id = arrival order).

CREATE FUNCTION convdash.max_clip_bytes() RETURNS bigint
AS 'MODULE_PATHNAME', 'convdash_max_clip_bytes_fn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION convdash.max_clip_bytes() IS
	'Read: the largest clip audio_write accepts, in bytes (setting convdash.max_clip_bytes, default 50MB, superuser-only)';

CREATE FUNCTION convdash.clip_analyze(loid oid, mime text, formats text,
	OUT bytes bigint, OUT sha256 bytea, OUT duration_ms integer, OUT peaks real[])
AS 'MODULE_PATHNAME', 'convdash_clip_decode'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION convdash.clip_analyze(oid, text, text) IS
	'Admin: one streaming pass over a clip''s large object: size, SHA-256 and, with formats (audio_formats of mime), the decoded duration and 4096 peaks (22023 when the bytes are not such audio)';

CREATE FUNCTION convdash.peaks_resample(peaks real[], buckets integer) RETURNS real[]
AS 'MODULE_PATHNAME', 'convdash_peaks_resample'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.peaks_resample(real[], integer) IS
	'Read: buckets (1-4096) peaks derived from stored ones, each the maximum of the stored buckets it covers, rounded to 4 decimals';

-- The MIME type in canonical form: lowercase, without parameters; 22023 unless audio/*.
CREATE FUNCTION convdash.audio_mime(mime text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	m text := lower(btrim(split_part(mime, ';', 1)));
BEGIN
	IF m IS NULL OR m !~ '^audio/[a-z0-9.+-]+$' OR length(m) > 100 THEN
		RAISE EXCEPTION 'mime must be an audio/* type'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'mime',
			      DETAIL = format('It was %s.', coalesce('"' || left(mime, 100) || '"', 'missing'));
	END IF;
	RETURN m;
END
$$;
COMMENT ON FUNCTION convdash.audio_mime(text) IS
	'Read: the MIME type lowercased without parameters ("audio/ogg; codecs=opus" -> "audio/ogg"); 22023 unless it is audio/*';

-- The containers (FFmpeg demuxer names) a clip of this canonical MIME type may be; NULL when convdash does not decode it.
CREATE FUNCTION convdash.audio_formats(mime text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE
		WHEN mime IN ('audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave') THEN 'wav'
		WHEN mime IN ('audio/flac', 'audio/x-flac') THEN 'flac'
		WHEN mime IN ('audio/ogg', 'audio/opus') THEN 'ogg'
		WHEN mime = 'audio/webm' THEN 'webm'
		WHEN mime IN ('audio/mpeg', 'audio/mp3') THEN 'mp3'
		WHEN mime IN ('audio/mp4', 'audio/m4a', 'audio/x-m4a') THEN 'mp4'
	END
$$;
COMMENT ON FUNCTION convdash.audio_formats(text) IS
	'Read: the container a clip of this MIME type must be (wav, flac, ogg, webm, mp3, mp4), NULL for a type convdash does not decode';

-- The MIME types convdash decodes, for error messages.
CREATE FUNCTION convdash.supported_audio_mimes() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT 'audio/wav (audio/x-wav, audio/wave, audio/vnd.wave), audio/flac (audio/x-flac), '
		'audio/ogg (audio/opus; Vorbis or Opus), audio/webm (Opus or Vorbis), audio/mpeg (audio/mp3), '
		'audio/mp4 (audio/m4a, audio/x-m4a; AAC)'::text
$$;
COMMENT ON FUNCTION convdash.supported_audio_mimes() IS
	'Read: the audio MIME types convdash stores and decodes, as a sentence for error messages';

-- The tenant's clip with this id; P0002 when there is none. Like
-- check_clip_state below it has no SET search_path of its own: it is called
-- only by the SECURITY DEFINER functions here, which pin it already, and on
-- every audio_read (a SET costs a configuration save/restore per call: 68 ->
-- 45 us per audio_read measured).
CREATE FUNCTION convdash.find_clip(clip_id bigint) RETURNS convdash.audio_clips
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	acct bigint := convdash.require_account();
	a convdash.audio_clips;
BEGIN
	SELECT * INTO a FROM convdash.audio_clips x
	WHERE x.account_id = acct AND x.id = find_clip.clip_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'audio clip % not found', clip_id
			USING ERRCODE = 'no_data_found', COLUMN = 'clip_id';
	END IF;
	RETURN a;
END
$$;
COMMENT ON FUNCTION convdash.find_clip(bigint) IS
	'Admin: the current tenant''s clip row with this id; P0002 when it does not exist for this tenant';

-- Raises 55000 when the clip is finished (writing) or unfinished (anything else).
CREATE FUNCTION convdash.check_clip_state(clip_id bigint, finished boolean, want_finished boolean) RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
	IF finished <> want_finished THEN
		RAISE EXCEPTION 'audio clip % is %', clip_id, CASE WHEN want_finished THEN 'not finished' ELSE 'already finished' END
			USING ERRCODE = 'object_not_in_prerequisite_state', COLUMN = 'clip_id';
	END IF;
END
$$;
COMMENT ON FUNCTION convdash.check_clip_state(bigint, boolean, boolean) IS
	'Admin: 55000 unless the clip is finished (want_finished) or still being written (not want_finished)';

-- Starts storing a clip for a message: its row (and an empty large object unless it goes to chunks); returns the clip id.
CREATE FUNCTION convdash.audio_begin(message_id bigint, mime text, duration_ms integer DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	kind text := convdash.audio_mime(mime);
	conv bigint;
	c convdash.conversations;
	new_id bigint;
	storage text := convdash.audio_storage();
	lo oid;
BEGIN
	IF convdash.audio_formats(kind) IS NULL THEN
		RAISE EXCEPTION 'audio format % is not supported', kind
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'mime',
			      DETAIL = 'Supported: ' || convdash.supported_audio_mimes() || '.';
	END IF;
	PERFORM convdash.check_range(duration_ms, 'duration_ms', 0, 2147483647);
	SELECT m.conversation_id INTO conv FROM convdash.messages m
	WHERE m.account_id = acct AND m.id = audio_begin.message_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'message % not found', message_id
			USING ERRCODE = 'no_data_found', COLUMN = 'message_id';
	END IF;
	c := convdash.lock_conversation(conv);
	IF c.status = 'archived' THEN
		RAISE EXCEPTION 'conversation % is archived', c.id
			USING ERRCODE = 'object_not_in_prerequisite_state',
			      HINT = 'Archived conversations take no new audio.';
	END IF;
	-- replacing: the trigger unlinks the old clip's large object, its chunks go by cascade
	DELETE FROM convdash.audio_clips a WHERE a.account_id = acct AND a.message_id = audio_begin.message_id;
	IF storage = 'large_object' THEN
		lo := convdash.create_clip_object();
	END IF;
	INSERT INTO convdash.audio_clips (account_id, conversation_id, message_id, loid, mime, bytes, duration_ms, storage)
	VALUES (acct, c.id, audio_begin.message_id, lo, kind, 0, audio_begin.duration_ms, storage)
	RETURNING id INTO new_id;
	INSERT INTO convdash.clip_uploads (account_id, clip_id, message_id) VALUES (acct, new_id, audio_begin.message_id);
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION convdash.audio_begin(bigint, text, integer) IS
	'API: starts storing the audio clip of a message (replacing any it has) in this transaction; returns the clip id for audio_write/audio_finish; 22023 mime not a supported audio type, P0002 unknown message, 55000 archived';

-- Appends a chunk of bytes to a clip being stored; returns its size so far.
CREATE FUNCTION convdash.audio_write(clip_id bigint, data bytea) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	a convdash.audio_clips := convdash.find_clip(clip_id);
	total bigint;
	limit_bytes bigint := convdash.max_clip_bytes();
BEGIN
	PERFORM convdash.check_clip_state(a.id, a.sha256 IS NOT NULL, false);
	IF data IS NULL THEN
		RAISE EXCEPTION 'data is required' USING ERRCODE = 'invalid_parameter_value', COLUMN = 'data';
	END IF;
	total := a.bytes + length(data);
	IF total > limit_bytes THEN
		RAISE EXCEPTION 'audio clip exceeds the limit of % bytes', limit_bytes
			USING ERRCODE = 'program_limit_exceeded', COLUMN = 'data',
			      DETAIL = format('It would be %s bytes.', total),
			      HINT = 'The limit is the setting convdash.max_clip_bytes.';
	END IF;
	IF length(data) > 0 THEN
		IF a.loid IS NULL THEN
			PERFORM convdash.write_clip_chunks(a.account_id, a.id, a.bytes, data);
		ELSE
			PERFORM lo_put(a.loid, a.bytes, data);
		END IF;
		UPDATE convdash.audio_clips x SET bytes = total WHERE x.account_id = a.account_id AND x.id = a.id;
	END IF;
	RETURN total;
END
$$;
COMMENT ON FUNCTION convdash.audio_write(bigint, bytea) IS
	'API: appends a chunk to a clip started by audio_begin in this transaction; returns the bytes so far; 54000 past convdash.max_clip_bytes, 55000 when already finished';

-- Finishes a clip: SHA-256, decoded duration and peaks, has_voice; returns its JSON.
CREATE FUNCTION convdash.audio_finish(clip_id bigint) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	a convdash.audio_clips := convdash.find_clip(clip_id);
	r record;
BEGIN
	PERFORM convdash.check_clip_state(a.id, a.sha256 IS NOT NULL, false);
	IF a.bytes = 0 THEN
		RAISE EXCEPTION 'audio clip % is empty', a.id
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'data';
	END IF;
	r := convdash.analyze_clip(a.account_id, a.id, a.loid, a.mime);
	UPDATE convdash.audio_clips x
	SET sha256 = r.sha256, bytes = r.bytes, duration_ms = coalesce(r.duration_ms, x.duration_ms), peaks = r.peaks
	WHERE x.account_id = a.account_id AND x.id = a.id
	RETURNING * INTO a;
	UPDATE convdash.conversations c SET has_voice = true
	WHERE c.account_id = a.account_id AND c.id = a.conversation_id AND NOT c.has_voice;
	PERFORM convdash.emit_event(a.account_id, 'audio.created', a.conversation_id, jsonb_build_object('audio_id', a.id, 'message_id', a.message_id, 'mime', a.mime, 'bytes', a.bytes, 'duration_ms', a.duration_ms));
	RETURN jsonb_build_object('id', a.id, 'message_id', a.message_id, 'bytes', a.bytes,
		'mime', a.mime, 'duration_ms', a.duration_ms);
END
$$;
COMMENT ON FUNCTION convdash.audio_finish(bigint) IS
	'API: finishes a clip: SHA-256, decoded duration and peaks (22023 when the bytes are not valid audio of the MIME type), marks the conversation as voice; returns {id, message_id, bytes, mime, duration_ms}';

-- Stores a whole clip in one call (psql, demo data): audio_begin, audio_write, audio_finish.
CREATE FUNCTION convdash.attach_audio(message_id bigint, mime text, data bytea, duration_ms integer DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	clip bigint := convdash.audio_begin(message_id, mime, duration_ms);
BEGIN
	PERFORM convdash.audio_write(clip, data);
	RETURN convdash.audio_finish(clip);
END
$$;
COMMENT ON FUNCTION convdash.attach_audio(bigint, text, bytea, integer) IS
	'API: stores a whole audio clip for a message in one call (audio_begin + audio_write + audio_finish); returns {id, message_id, bytes, mime, duration_ms}';

-- Raises 55000: an audio clip was begun but not finished by COMMIT.
CREATE FUNCTION convdash.refuse_unfinished_clip(clip_id bigint, message_id bigint) RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
	RAISE EXCEPTION 'an audio clip was begun but not finished'
		USING ERRCODE = 'object_not_in_prerequisite_state',
		      DETAIL = format('Clip %s of message %s.', clip_id, message_id),
		      HINT = 'Call convdash.audio_finish(clip_id) before committing.';
END
$$;
COMMENT ON FUNCTION convdash.refuse_unfinished_clip(bigint, bigint) IS
	'Admin: raises 55000 "an audio clip was begun but not finished" for the clip of a message';

-- Constraint trigger: a clip row must be finished by the end of the transaction that began it.
CREATE FUNCTION convdash.check_clip_finished() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	unfinished boolean;
BEGIN
	-- the table the trigger fires on: audio_clips, or on Citus the worker's shard of it
	EXECUTE format('SELECT EXISTS (SELECT FROM %I.%I a WHERE a.account_id = $1 AND a.id = $2 AND a.sha256 IS NULL)',
		TG_TABLE_SCHEMA, TG_TABLE_NAME)
	INTO unfinished USING NEW.account_id, NEW.id;
	IF unfinished THEN
		PERFORM convdash.refuse_unfinished_clip(NEW.id, NEW.message_id);
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION convdash.check_clip_finished() IS
	'Admin: deferred constraint trigger: refuses to commit a clip that audio_finish has not finished';

CREATE CONSTRAINT TRIGGER audio_clips_finished AFTER INSERT ON convdash.audio_clips
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION convdash.check_clip_finished();

-- The same check where the service's transaction runs: on Citus the trigger
-- above fires on the worker when the coordinator commits there, too late
-- for an error of its own (the client sees XX000 "could not commit
-- transaction for shard"). audio_begin also writes a row here, in a table
-- that stays local to the coordinator; its deferred trigger fires before
-- Citus commits the workers, checks the clip and removes the row.
CREATE TABLE convdash.clip_uploads (
	account_id       bigint NOT NULL,
	clip_id          bigint NOT NULL,
	message_id       bigint NOT NULL,
	PRIMARY KEY (account_id, clip_id)
);
COMMENT ON TABLE convdash.clip_uploads IS
	'Clips begun in the running transactions (empty between them), checked at COMMIT on the node that runs it; local to the coordinator on Citus';
SELECT pg_catalog.pg_extension_config_dump('convdash.clip_uploads', '');
ALTER TABLE convdash.clip_uploads ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON convdash.clip_uploads
	USING (account_id OPERATOR(pg_catalog.=) convdash.current_account())
	WITH CHECK (account_id OPERATOR(pg_catalog.=) convdash.current_account());

-- Constraint trigger on clip_uploads: refuses to commit a begun clip that still exists unfinished; removes its row.
CREATE FUNCTION convdash.check_upload_finished() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
BEGIN
	-- (a clip replaced in the same transaction is gone: nothing to check)
	IF EXISTS (SELECT FROM convdash.audio_clips a
	           WHERE a.account_id = NEW.account_id AND a.id = NEW.clip_id AND a.sha256 IS NULL) THEN
		PERFORM convdash.refuse_unfinished_clip(NEW.clip_id, NEW.message_id);
	END IF;
	DELETE FROM convdash.clip_uploads u WHERE u.account_id = NEW.account_id AND u.clip_id = NEW.clip_id;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION convdash.check_upload_finished() IS
	'Admin: deferred constraint trigger of clip_uploads: refuses to commit a begun clip that audio_finish has not finished (55000), then forgets the upload';

CREATE CONSTRAINT TRIGGER clip_uploads_finished AFTER INSERT ON convdash.clip_uploads
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION convdash.check_upload_finished();

-- The {id, message_id, conversation_id, mime, bytes, duration_ms, sha256, created_at} object of a clip.
CREATE FUNCTION convdash.audio_info(clip_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	a convdash.audio_clips := convdash.find_clip(clip_id);
BEGIN
	RETURN jsonb_build_object('id', a.id, 'message_id', a.message_id, 'conversation_id', a.conversation_id,
		'mime', a.mime, 'bytes', a.bytes, 'duration_ms', a.duration_ms,
		'sha256', encode(a.sha256, 'hex'), 'created_at', convdash.rfc3339(a.created_at));
END
$$;
COMMENT ON FUNCTION convdash.audio_info(bigint) IS
	'API: {id, message_id, conversation_id, mime, bytes, duration_ms, sha256 (hex, for the ETag), created_at} of a clip; P0002 for an unknown id';

-- At most length bytes of a clip from offset, in binary; empty at or past the end.
CREATE FUNCTION convdash.audio_read(clip_id bigint, "offset" bigint, length integer) RETURNS bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	a convdash.audio_clips;
BEGIN
	IF "offset" IS NULL OR "offset" < 0 THEN
		RAISE EXCEPTION 'offset must be 0 or more' USING ERRCODE = 'invalid_parameter_value', COLUMN = 'offset';
	END IF;
	IF length IS NULL OR length NOT BETWEEN 0 AND 8388608 THEN
		RAISE EXCEPTION 'length must be between 0 and 8388608 (8 MiB)'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'length';
	END IF;
	a := convdash.find_clip(clip_id);
	IF "offset" >= a.bytes OR length = 0 THEN
		RETURN '\x'::bytea;
	END IF;
	IF a.loid IS NULL THEN
		RETURN convdash.read_clip_chunks(a.account_id, a.id, "offset", least(length::bigint, a.bytes - "offset")::integer);
	END IF;
	RETURN lo_get(a.loid, "offset", least(length::bigint, a.bytes - "offset")::integer);
END
$$;
COMMENT ON FUNCTION convdash.audio_read(bigint, bigint, integer) IS
	'API: at most length (0-8388608) bytes of a clip from offset, binary; empty when offset is at or past the end; 22023 negative offset/length, P0002 unknown clip';

-- One range of a clip with what an HTTP answer needs (the service's read):
-- the tenant and the clip found once, no JSON, both storages. In C
-- (extension/audio_range.c): as PL/pgSQL the copies of the bytes made it
-- slower than audio_info with audio_read.
CREATE FUNCTION convdash.audio_range(clip_id bigint, "offset" bigint, length integer,
	OUT bytes bigint, OUT mime text, OUT sha256 text, OUT data bytea)
AS 'MODULE_PATHNAME', 'convdash_audio_range'
LANGUAGE C STABLE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp;
COMMENT ON FUNCTION convdash.audio_range(bigint, bigint, integer) IS
	'API: one row (bytes, mime, sha256 hex, data) of a finished clip: its size, type and digest with at most length (0-8388608) bytes from offset (empty at or past the end), one call for an HTTP range; 22023 negative offset/length, P0002 unknown clip, 55000 unfinished';

-- The clips of a conversation in playback (message) order.
CREATE FUNCTION convdash.conversation_audio(conversation_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
BEGIN
	IF NOT EXISTS (SELECT FROM convdash.conversations c
	               WHERE c.account_id = acct AND c.id = conversation_audio.conversation_id) THEN
		RAISE EXCEPTION 'conversation % not found', conversation_id
			USING ERRCODE = 'no_data_found', COLUMN = 'conversation_id';
	END IF;
	RETURN jsonb_build_object('data', coalesce((
		SELECT jsonb_agg(jsonb_build_object('id', a.id, 'message_id', a.message_id, 'mime', a.mime,
			'bytes', a.bytes, 'duration_ms', a.duration_ms, 'created_at', convdash.rfc3339(a.created_at))
			ORDER BY a.message_id)
		FROM convdash.audio_clips a
		WHERE a.account_id = acct AND a.conversation_id = conversation_audio.conversation_id), '[]'));
END
$$;
COMMENT ON FUNCTION convdash.conversation_audio(bigint) IS
	'API: {data:[{id, message_id, mime, bytes, duration_ms, created_at}]} of a conversation''s clips in playback (message) order; P0002 for an unknown id';

-- One pass over a stored clip wherever its bytes live (loid NULL: chunks): size, SHA-256, decoded duration and peaks.
CREATE FUNCTION convdash.analyze_clip(acct bigint, clip bigint, lo oid, kind text,
	OUT bytes bigint, OUT sha256 bytea, OUT duration_ms integer, OUT peaks real[])
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	r record;
BEGIN
	IF lo IS NULL THEN
		r := convdash.clip_analyze_chunks(acct, clip, kind, convdash.audio_formats(kind));
	ELSE
		r := convdash.clip_analyze(lo, kind, convdash.audio_formats(kind));
	END IF;
	bytes := r.bytes;
	sha256 := r.sha256;
	duration_ms := r.duration_ms;
	peaks := r.peaks;
END
$$;
COMMENT ON FUNCTION convdash.analyze_clip(bigint, bigint, oid, text) IS
	'Admin: clip_analyze of a clip''s large object, or clip_analyze_chunks when lo is NULL (chunk storage), decoding the container its MIME type names';

-- Decodes a clip stored without peaks (before decoding existed) and keeps duration and peaks unless read-only; returns the peaks.
CREATE FUNCTION convdash.decode_stored_clip(account_id bigint, clip_id bigint, loid oid, mime text) RETURNS real[]
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	r record := convdash.analyze_clip(account_id, clip_id, loid, mime);
BEGIN
	IF NOT current_setting('transaction_read_only')::boolean THEN
		UPDATE convdash.audio_clips x SET peaks = r.peaks, duration_ms = r.duration_ms
		WHERE x.account_id = decode_stored_clip.account_id AND x.id = clip_id;
	END IF;
	RETURN r.peaks;
END
$$;
COMMENT ON FUNCTION convdash.decode_stored_clip(bigint, bigint, oid, text) IS
	'Admin: decodes a stored clip and keeps its duration and peaks (unless the transaction is read-only); returns the 4096 peaks; 22023 when it does not decode';

-- Waveform peaks of a clip in buckets (1-4096) from its cached peaks.
CREATE FUNCTION convdash.audio_peaks(clip_id bigint, buckets integer DEFAULT 512) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	a convdash.audio_clips;
BEGIN
	PERFORM convdash.check_range(coalesce(buckets, 0), 'buckets', 1, 4096);
	a := convdash.find_clip(clip_id);
	IF a.peaks IS NULL THEN
		IF convdash.audio_formats(a.mime) IS NULL THEN
			RAISE EXCEPTION 'waveform peaks are not computed for % clips', a.mime
				USING ERRCODE = 'feature_not_supported', COLUMN = 'clip_id',
				      DETAIL = 'Supported: ' || convdash.supported_audio_mimes() || '.',
				      HINT = 'A client may supply peaks with convdash.set_audio_peaks.';
		END IF;
		-- stored before decoding existed: decode once and keep
		a.peaks := convdash.decode_stored_clip(a.account_id, a.id, a.loid, a.mime);
	END IF;
	RETURN jsonb_build_object('buckets', buckets, 'peaks', to_jsonb(convdash.peaks_resample(a.peaks, buckets)));
END
$$;
COMMENT ON FUNCTION convdash.audio_peaks(bigint, integer) IS
	'API: {buckets, peaks:[0..1]} waveform of a clip (max normalised amplitude per bucket); decodes a clip stored without peaks first; 22023 buckets outside 1-4096 or a clip that does not decode, 0A000 for a clip of an unsupported type without supplied peaks, P0002 unknown clip';

-- Admin: decodes every clip stored without peaks, batch by batch (a commit
-- after each), reporting progress as NOTICEs; a clip that does not decode is
-- reported and left as it is.
-- (No SET search_path: a procedure with one cannot COMMIT; every name is qualified.)
CREATE PROCEDURE convdash.backfill_audio(batch_size integer DEFAULT 50)
LANGUAGE plpgsql
AS $$
DECLARE
	total bigint;
	done bigint := 0;
	failed bigint := 0;
	last_id bigint := 0;
	ids bigint[];
	a convdash.audio_clips;
BEGIN
	PERFORM convdash.check_range(batch_size, 'batch_size', 1, 100000);
	SELECT count(*) INTO total FROM convdash.audio_clips x
	WHERE x.peaks IS NULL AND x.sha256 IS NOT NULL AND convdash.audio_formats(x.mime) IS NOT NULL;
	RAISE NOTICE 'backfill_audio: % clips to decode', total;
	LOOP
		SELECT array_agg(id ORDER BY id) INTO ids FROM (
			SELECT x.id FROM convdash.audio_clips x
			WHERE x.id > last_id AND x.peaks IS NULL AND x.sha256 IS NOT NULL
			  AND convdash.audio_formats(x.mime) IS NOT NULL
			ORDER BY x.id LIMIT batch_size) b;
		EXIT WHEN ids IS NULL;
		FOR a IN SELECT * FROM convdash.audio_clips x WHERE x.id = ANY (ids) ORDER BY x.id LOOP
			BEGIN
				PERFORM convdash.decode_stored_clip(a.account_id, a.id, a.loid, a.mime);
				done := done + 1;
			EXCEPTION WHEN invalid_parameter_value THEN
				failed := failed + 1;
				RAISE NOTICE 'backfill_audio: clip % (account %) does not decode: %', a.id, a.account_id, SQLERRM;
			END;
		END LOOP;
		last_id := ids[cardinality(ids)];
		COMMIT;
		RAISE NOTICE 'backfill_audio: % of % clips decoded, % failed', done, total, failed;
	END LOOP;
END
$$;
COMMENT ON PROCEDURE convdash.backfill_audio(integer) IS
	'Admin: decodes every clip stored without peaks (before decoding existed), committing each batch_size clips and reporting progress as NOTICEs; clips that do not decode are reported and skipped';

-- Stores client-supplied peaks for a clip of a type convdash does not decode (it computes the others itself).
CREATE FUNCTION convdash.set_audio_peaks(clip_id bigint, peaks real[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	a convdash.audio_clips := convdash.find_clip(clip_id);
BEGIN
	PERFORM convdash.check_clip_state(a.id, a.sha256 IS NOT NULL, true);
	IF convdash.audio_formats(a.mime) IS NOT NULL THEN
		RAISE EXCEPTION 'peaks of % clips are computed by the server', a.mime
			USING ERRCODE = 'object_not_in_prerequisite_state', COLUMN = 'peaks';
	END IF;
	IF peaks IS NULL OR array_ndims(peaks) <> 1 OR cardinality(peaks) NOT BETWEEN 1 AND 4096
	   OR EXISTS (SELECT FROM unnest(peaks) p WHERE p IS NULL OR NOT p BETWEEN 0 AND 1) THEN
		RAISE EXCEPTION 'peaks must be 1 to 4096 values between 0 and 1'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'peaks';
	END IF;
	UPDATE convdash.audio_clips x SET peaks = set_audio_peaks.peaks
	WHERE x.account_id = a.account_id AND x.id = a.id;
	RETURN a.id;
END
$$;
COMMENT ON FUNCTION convdash.set_audio_peaks(bigint, real[]) IS
	'API: stores peaks (1-4096 values in 0..1, in time order) for a clip of a type convdash does not decode (stored before the list of formats existed); 22023 bad values, 55000 for the types it decodes';
