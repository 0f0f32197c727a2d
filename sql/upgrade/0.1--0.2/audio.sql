-- Upgrade 0.1 -> 0.2, audio (issue 16): every clip is decoded by the
-- convdash_decode process (extension/decode.c, decoder/) for its duration
-- and peaks, for WAV, FLAC, Ogg, WebM, MP3 and MP4; extension/wav.c is gone.
-- The definitions below are those of sql/parts/64_audio.sql (the install
-- script) for what changed. After the upgrade, clips stored before it have
-- no peaks unless they were WAV: they are decoded on their first
-- audio_peaks, or all at once with
--     CALL convdash.backfill_audio();   -- progress as NOTICEs, a commit per batch
-- Clips of a MIME type convdash does not decode stay as they are (their
-- peaks only from set_audio_peaks); new ones are refused (22023).

-- replaced: clip_analyze(loid, wav boolean) -> clip_analyze(loid, mime, formats); wav_mime -> audio_formats
DROP FUNCTION convdash.clip_analyze(oid, boolean);
DROP FUNCTION convdash.wav_mime(text);

CREATE FUNCTION convdash.clip_analyze(loid oid, mime text, formats text,
	OUT bytes bigint, OUT sha256 bytea, OUT duration_ms integer, OUT peaks real[])
AS 'MODULE_PATHNAME', 'convdash_clip_analyze'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION convdash.clip_analyze(oid, text, text) IS
	'Admin: one streaming pass over a clip''s large object: size, SHA-256 and, with formats (audio_formats of mime), the decoded duration and 4096 peaks (22023 when the bytes are not such audio)';

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

-- Starts storing a clip for a message: an empty large object and its row; returns the clip id.
CREATE OR REPLACE FUNCTION convdash.audio_begin(message_id bigint, mime text, duration_ms integer DEFAULT NULL)
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
	-- replacing: the trigger unlinks the old clip's large object
	DELETE FROM convdash.audio_clips a WHERE a.account_id = acct AND a.message_id = audio_begin.message_id;
	INSERT INTO convdash.audio_clips (account_id, conversation_id, message_id, loid, mime, bytes, duration_ms)
	VALUES (acct, c.id, audio_begin.message_id, convdash.create_clip_object(), kind, 0, audio_begin.duration_ms)
	RETURNING id INTO new_id;
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION convdash.audio_begin(bigint, text, integer) IS
	'API: starts storing the audio clip of a message (replacing any it has) in this transaction; returns the clip id for audio_write/audio_finish; 22023 mime not a supported audio type, P0002 unknown message, 55000 archived';

-- Finishes a clip: SHA-256, decoded duration and peaks, has_voice; returns its JSON.
CREATE OR REPLACE FUNCTION convdash.audio_finish(clip_id bigint) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	a convdash.audio_clips := convdash.find_clip(clip_id);
	r record;
BEGIN
	PERFORM convdash.check_clip_state(a, false);
	IF a.bytes = 0 THEN
		RAISE EXCEPTION 'audio clip % is empty', a.id
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'data';
	END IF;
	r := convdash.clip_analyze(a.loid, a.mime, convdash.audio_formats(a.mime));
	UPDATE convdash.audio_clips x
	SET sha256 = r.sha256, bytes = r.bytes, duration_ms = coalesce(r.duration_ms, x.duration_ms), peaks = r.peaks
	WHERE x.account_id = a.account_id AND x.id = a.id
	RETURNING * INTO a;
	UPDATE convdash.conversations c SET has_voice = true
	WHERE c.account_id = a.account_id AND c.id = a.conversation_id AND NOT c.has_voice;
	RETURN jsonb_build_object('id', a.id, 'message_id', a.message_id, 'bytes', a.bytes,
		'mime', a.mime, 'duration_ms', a.duration_ms);
END
$$;
COMMENT ON FUNCTION convdash.audio_finish(bigint) IS
	'API: finishes a clip: SHA-256, decoded duration and peaks (22023 when the bytes are not valid audio of the MIME type), marks the conversation as voice; returns {id, message_id, bytes, mime, duration_ms}';

-- Decodes a clip stored without peaks (before decoding existed) and keeps duration and peaks unless read-only; returns the peaks.
CREATE FUNCTION convdash.decode_stored_clip(a convdash.audio_clips) RETURNS real[]
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	r record := convdash.clip_analyze(a.loid, a.mime, convdash.audio_formats(a.mime));
BEGIN
	IF NOT current_setting('transaction_read_only')::boolean THEN
		UPDATE convdash.audio_clips x SET peaks = r.peaks, duration_ms = r.duration_ms
		WHERE x.account_id = a.account_id AND x.id = a.id;
	END IF;
	RETURN r.peaks;
END
$$;
COMMENT ON FUNCTION convdash.decode_stored_clip(convdash.audio_clips) IS
	'Admin: decodes a stored clip and keeps its duration and peaks (unless the transaction is read-only); returns the 4096 peaks; 22023 when it does not decode';

-- Waveform peaks of a clip in buckets (1-4096) from its cached peaks.
CREATE OR REPLACE FUNCTION convdash.audio_peaks(clip_id bigint, buckets integer DEFAULT 512) RETURNS jsonb
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
		a.peaks := convdash.decode_stored_clip(a);
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
				PERFORM convdash.decode_stored_clip(a);
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
CREATE OR REPLACE FUNCTION convdash.set_audio_peaks(clip_id bigint, peaks real[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	a convdash.audio_clips := convdash.find_clip(clip_id);
BEGIN
	PERFORM convdash.check_clip_state(a, true);
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

-- grants as sql/parts/99_grants.sql gives them by comment prefix: "Read:" to
-- the service and readers; "Admin:" to nobody; the replaced API functions keep theirs
REVOKE ALL ON FUNCTION convdash.audio_formats(text), convdash.supported_audio_mimes(),
	convdash.clip_analyze(oid, text, text), convdash.decode_stored_clip(convdash.audio_clips) FROM PUBLIC;
REVOKE ALL ON PROCEDURE convdash.backfill_audio(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION convdash.audio_formats(text), convdash.supported_audio_mimes() TO convdash_api, convdash_reader;
