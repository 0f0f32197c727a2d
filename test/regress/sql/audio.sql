-- Audio clips: streaming store, every WAV format round trip, every other
-- container/codec (committed clips), damaged clips of every format,
-- byte ranges, playback order, replacement, tenancy and every error.
-- The same results for both storages: audio_chunks.sql runs this file again
-- with new clips kept as chunks (include/storage.sql sees the bytes of both).
\set QUIET on
\set ECHO none
\i test/regress/include/err.sql
\i test/regress/include/clips.sql
\i scripts/wav.sql
\i test/regress/include/storage.sql
\set ECHO all
\set QUIET off

-- Places holding clip bytes now (to check that nothing is left behind).
CREATE FUNCTION pg_temp.lo_count() RETURNS bigint
LANGUAGE sql AS $$ SELECT pg_temp.byte_stores() $$;

SELECT convdash.create_account('Audio Co') AS acct \gset
SELECT convdash.create_account('Audio Other Co') AS other \gset
SELECT pg_temp.lo_count() AS lo_before \gset

-- the other tenant: a conversation with a clip
SELECT set_config('convdash.account_id', :'other', false) AS tenant \gset
SELECT convdash.create_agent('Other bot') AS oagent \gset
SELECT convdash.start_conversation(:oagent, 'other-voice', 'voip') AS oconv \gset
SELECT convdash.append_message(:oconv, 'user', 'foreign') AS omsg \gset
SELECT (convdash.attach_audio(:omsg, 'audio/wav',
	pg_temp.wav(1, 1, 8000, 16, pg_temp.pcm('{0,1000,-1000,0}', 16)))->>'id')::bigint AS oclip \gset

SELECT set_config('convdash.account_id', :'acct', false) AS tenant \gset
SELECT convdash.create_agent('Voice bot') AS agent \gset
SELECT convdash.start_conversation(:agent, 'voice-1', 'voip') AS conv \gset

-- Every WAV format: 800 frames at 8 kHz (100 ms) of a 440 Hz sine whose
-- amplitude ramps up over the clip, channel c shifted by c radians. The
-- integer samples are made here; the expected peak of each of 4 buckets
-- (frames 200 i .. 200 i + 199) is computed from them, independently of the C code.
CREATE TEMP TABLE fmt (name text, tag int, channels int, bits int, ext boolean, full_scale float8);
INSERT INTO fmt VALUES
	('pcm8 mono', 1, 1, 8, false, 128), ('pcm16 mono', 1, 1, 16, false, 32768),
	('pcm16 stereo', 1, 2, 16, false, 32768), ('pcm24 mono', 1, 1, 24, false, 8388608),
	('pcm32 stereo', 1, 2, 32, false, 2147483648), ('float32 mono', 3, 1, 32, false, 1),
	('float32 5.1 extensible', 3, 6, 32, true, 1), ('float64 stereo', 3, 2, 64, false, 1),
	('pcm16 quad extensible', 1, 4, 16, true, 32768);
CREATE TEMP TABLE frames AS
SELECT f.name, n AS frame, c AS channel,
	((n + 1) / 800.0) * sin(2 * pi() * 440 * n / 8000 + c) AS x
FROM fmt f, generate_series(0, 799) AS n, generate_series(0, f.channels - 1) AS c;
-- integer sample values (8-bit is unsigned around 128) or float values as stored
CREATE TEMP TABLE samples AS
SELECT fr.name, fr.frame, fr.channel,
	CASE WHEN f.tag = 3 THEN NULL
	     WHEN f.bits = 8 THEN 128 + round(127 * fr.x)
	     ELSE round((f.full_scale - 1) * fr.x) END::bigint AS v,
	CASE WHEN f.bits = 32 AND f.tag = 3 THEN fr.x::real::float8 ELSE fr.x END AS fx
FROM frames fr JOIN fmt f USING (name);
CREATE TEMP TABLE wavs AS
SELECT f.*, pg_temp.wav(f.tag, f.channels, 8000, f.bits,
	CASE WHEN f.tag = 3
	     THEN pg_temp.pcm_float(ARRAY(SELECT s.fx FROM samples s WHERE s.name = f.name ORDER BY s.frame, s.channel), f.bits)
	     ELSE pg_temp.pcm(ARRAY(SELECT s.v FROM samples s WHERE s.name = f.name ORDER BY s.frame, s.channel), f.bits) END,
	f.ext) AS data,
	ARRAY(SELECT round((max(CASE WHEN f.tag = 3 THEN abs(s.fx)
	                             WHEN f.bits = 8 THEN abs(s.v - 128) ELSE abs(s.v) END) / f.full_scale)::numeric, 4)
	      FROM samples s WHERE s.name = f.name GROUP BY s.frame / 200 ORDER BY s.frame / 200) AS expected
FROM fmt f;
-- one message per format, a clip each through attach_audio
CREATE TEMP TABLE stored AS
SELECT w.name, convdash.attach_audio(convdash.append_message(:conv, 'user', w.name), 'audio/wav', w.data) AS j
FROM wavs w ORDER BY w.name;
SELECT s.name, s.j->>'bytes' = length(w.data)::text AS bytes_ok, s.j->>'mime' AS mime, s.j->'duration_ms' AS duration_ms,
	convdash.audio_read((s.j->>'id')::bigint, 0, 8388608) = w.data AS round_trip,
	convdash.audio_info((s.j->>'id')::bigint)->>'sha256' = encode(sha256(w.data), 'hex') AS sha_ok,
	(SELECT array_agg(p::numeric) FROM jsonb_array_elements_text(convdash.audio_peaks((s.j->>'id')::bigint, 4)->'peaks') p)
		= w.expected AS peaks_ok,
	w.expected
FROM stored s JOIN wavs w USING (name) ORDER BY s.name;

-- G.711: a clip of all 256 codes; each of 256 buckets is one code's magnitude,
-- expected values from ITU-T G.711 as decoded by Python's audioop.
SELECT convdash.append_message(:conv, 'user', 'g711') AS g711_msg \gset
SELECT name, (SELECT array_agg(p::numeric) FROM jsonb_array_elements_text(
		convdash.audio_peaks((convdash.attach_audio(:g711_msg, 'audio/x-wav',
			pg_temp.wav(tag, 1, 8000, 8, pg_temp.pcm(ARRAY(SELECT generate_series(0, 255)::bigint), 8)))->>'id')::bigint,
			256)->'peaks') p)
	= ARRAY(SELECT round(m / 32768.0, 4) FROM unnest(expected::int[]) m) AS matches_g711
FROM (VALUES ('mu-law', 7, '{32124,31100,30076,29052,28028,27004,25980,24956,23932,22908,21884,20860,19836,18812,17788,16764,15996,15484,14972,14460,13948,13436,12924,12412,11900,11388,10876,10364,9852,9340,8828,8316,7932,7676,7420,7164,6908,6652,6396,6140,5884,5628,5372,5116,4860,4604,4348,4092,3900,3772,3644,3516,3388,3260,3132,3004,2876,2748,2620,2492,2364,2236,2108,1980,1884,1820,1756,1692,1628,1564,1500,1436,1372,1308,1244,1180,1116,1052,988,924,876,844,812,780,748,716,684,652,620,588,556,524,492,460,428,396,372,356,340,324,308,292,276,260,244,228,212,196,180,164,148,132,120,112,104,96,88,80,72,64,56,48,40,32,24,16,8,0,32124,31100,30076,29052,28028,27004,25980,24956,23932,22908,21884,20860,19836,18812,17788,16764,15996,15484,14972,14460,13948,13436,12924,12412,11900,11388,10876,10364,9852,9340,8828,8316,7932,7676,7420,7164,6908,6652,6396,6140,5884,5628,5372,5116,4860,4604,4348,4092,3900,3772,3644,3516,3388,3260,3132,3004,2876,2748,2620,2492,2364,2236,2108,1980,1884,1820,1756,1692,1628,1564,1500,1436,1372,1308,1244,1180,1116,1052,988,924,876,844,812,780,748,716,684,652,620,588,556,524,492,460,428,396,372,356,340,324,308,292,276,260,244,228,212,196,180,164,148,132,120,112,104,96,88,80,72,64,56,48,40,32,24,16,8,0}'), ('A-law', 6, '{5504,5248,6016,5760,4480,4224,4992,4736,7552,7296,8064,7808,6528,6272,7040,6784,2752,2624,3008,2880,2240,2112,2496,2368,3776,3648,4032,3904,3264,3136,3520,3392,22016,20992,24064,23040,17920,16896,19968,18944,30208,29184,32256,31232,26112,25088,28160,27136,11008,10496,12032,11520,8960,8448,9984,9472,15104,14592,16128,15616,13056,12544,14080,13568,344,328,376,360,280,264,312,296,472,456,504,488,408,392,440,424,88,72,120,104,24,8,56,40,216,200,248,232,152,136,184,168,1376,1312,1504,1440,1120,1056,1248,1184,1888,1824,2016,1952,1632,1568,1760,1696,688,656,752,720,560,528,624,592,944,912,1008,976,816,784,880,848,5504,5248,6016,5760,4480,4224,4992,4736,7552,7296,8064,7808,6528,6272,7040,6784,2752,2624,3008,2880,2240,2112,2496,2368,3776,3648,4032,3904,3264,3136,3520,3392,22016,20992,24064,23040,17920,16896,19968,18944,30208,29184,32256,31232,26112,25088,28160,27136,11008,10496,12032,11520,8960,8448,9984,9472,15104,14592,16128,15616,13056,12544,14080,13568,344,328,376,360,280,264,312,296,472,456,504,488,408,392,440,424,88,72,120,104,24,8,56,40,216,200,248,232,152,136,184,168,1376,1312,1504,1440,1120,1056,1248,1184,1888,1824,2016,1952,1632,1568,1760,1696,688,656,752,720,560,528,624,592,944,912,1008,976,816,784,880,848}')) AS g(name, tag, expected);
-- attaching again replaced the mu-law clip: one clip, the old large object is gone
SELECT count(*) AS clips_of_message FROM convdash.audio_clips WHERE message_id = :g711_msg;
SELECT (SELECT array_agg(p) FROM jsonb_array_elements_text(convdash.audio_peaks(id, 4)->'peaks') p) AS alaw_peaks,
	duration_ms, mime FROM convdash.audio_clips WHERE message_id = :g711_msg;

-- every container/codec convdash decodes: the committed clips of "Refund
-- approved." (1.116 s of speech at 8 kHz; encoders add their padding, the
-- MP3's 180 ms, as ffprobe also reports): bytes, SHA-256, decoded duration
-- (the caller's 9999 loses), a waveform with speech in it
CREATE TEMP TABLE formats AS
SELECT c.name, c.mime, c.data,
	convdash.attach_audio(convdash.append_message(:conv, 'user', 'format ' || c.name), c.mime, c.data, 9999) AS j
FROM test_clips c ORDER BY c.name;
SELECT f.name, f.j->>'mime' AS mime, (f.j->>'bytes')::int = length(f.data) AS bytes_ok,
	(f.j->>'duration_ms')::int AS duration_ms,
	convdash.audio_read((f.j->>'id')::bigint, 0, 8388608) = f.data AS round_trip,
	convdash.audio_info((f.j->>'id')::bigint)->>'sha256' = encode(sha256(f.data), 'hex') AS sha_ok,
	(SELECT max(p::numeric) BETWEEN 0.2 AND 1 AND min(p::numeric) < 0.05
	 FROM jsonb_array_elements_text(convdash.audio_peaks((f.j->>'id')::bigint, 64)->'peaks') p) AS speech_waveform
FROM formats f ORDER BY f.name;
-- a MIME type with parameters is canonical; the bytes must be the format it names
SELECT convdash.append_message(:conv, 'user', 'mime check') AS emsg_early \gset
SELECT convdash.attach_audio(:emsg_early, 'Audio/WebM; codecs="opus"', pg_temp.clip('webm'))->>'mime' AS canonical_mime;
SELECT name, pg_temp.err(format('SELECT convdash.attach_audio(%s, %L, %L)', :emsg_early, mime, pg_temp.clip(clip))) AS error
FROM (VALUES ('WAV called MP3', 'audio/mpeg', 'wav'), ('MP3 called Ogg', 'audio/ogg', 'mp3'),
	('WebM called MP4', 'audio/mp4', 'webm'), ('Ogg called FLAC', 'audio/flac', 'opus.ogg')) AS t(name, mime, clip)
ORDER BY name;

-- an MP3 streamed in chunks; its duration is the decoded one, not the caller's
SELECT convdash.append_message(:conv, 'assistant', 'mp3 answer') AS mp3_msg \gset
BEGIN;
SELECT convdash.audio_begin(:mp3_msg, ' Audio/MPEG; bitrate=128 ', 2500) AS mp3 \gset
SELECT convdash.audio_write(:mp3, substring(pg_temp.clip('mp3') FROM 1 FOR 3)) AS so_far;
SELECT convdash.audio_write(:mp3, ''::bytea) AS so_far;
SELECT convdash.audio_write(:mp3, substring(pg_temp.clip('mp3') FROM 4 FOR 1000)) AS so_far;
SELECT convdash.audio_write(:mp3, substring(pg_temp.clip('mp3') FROM 1004)) AS so_far;
SELECT convdash.audio_finish(:mp3) - 'id' - 'message_id' AS finished;
COMMIT;
SELECT convdash.audio_read(:mp3, 0, 4) = substring(pg_temp.clip('mp3') FROM 1 FOR 4) AS start,
	convdash.audio_read(:mp3, 1000, 4) = substring(pg_temp.clip('mp3') FROM 1001 FOR 4) AS middle,
	convdash.audio_read(:mp3, 1290, 100) = substring(pg_temp.clip('mp3') FROM 1291) AS tail,
	length(convdash.audio_read(:mp3, 1290, 100)) AS tail_bytes,
	encode(convdash.audio_read(:mp3, 1296, 10), 'hex') AS at_end,
	encode(convdash.audio_read(:mp3, 99999, 10), 'hex') AS past_end,
	encode(convdash.audio_read(:mp3, 5, 0), 'hex') AS zero_length;
-- audio_range: the same bytes with the size, type and digest, in one row
SELECT r.data = substring(pg_temp.clip('mp3') FROM 1001 FOR 4) AS middle, r.bytes, r.mime,
	r.sha256 = encode(sha256(pg_temp.clip('mp3')), 'hex') AS sha_ok
FROM convdash.audio_range(:mp3, 1000, 4) r;
SELECT o, n, r.data = substring(pg_temp.clip('mp3') FROM o + 1 FOR n) AS same, length(r.data) AS got, r.bytes
FROM (VALUES (0, 4), (1290, 100), (1296, 10), (99999, 10), (5, 0)) v(o, n),
	convdash.audio_range(:mp3, o, n) r
ORDER BY o, n;
-- the large-object relation its reads open is closed at the end of the
-- transaction, whichever way it ends (no leak warning, the next read works)
BEGIN;
SELECT length(r.data) AS in_transaction FROM convdash.audio_range(:mp3, 0, 4) r;
ROLLBACK;
BEGIN;
SELECT length(r.data) AS before_an_error FROM convdash.audio_range(:mp3, 0, 4) r;
SELECT 1 / 0;
ROLLBACK;
SELECT length(r.data) AS after_an_abort FROM convdash.audio_range(:mp3, 0, 4) r;
SELECT convdash.audio_info(:mp3) - 'id' - 'message_id' - 'conversation_id' - 'created_at' - 'sha256' AS info,
	convdash.audio_info(:mp3)->>'sha256' = encode(sha256(pg_temp.clip('mp3')), 'hex') AS sha_ok;
-- its peaks are the server's: a client cannot supply them
SELECT pg_temp.err(format('SELECT convdash.set_audio_peaks(%s, %L)', :mp3, '{0.5}'));

-- a clip stored before decoding existed: peaks and duration are computed on
-- the first request, and kept (but not in a read-only transaction, which
-- still gets them)
UPDATE convdash.audio_clips SET peaks = NULL, duration_ms = 2500 WHERE id = :mp3;
BEGIN TRANSACTION READ ONLY;
SELECT convdash.audio_peaks(:mp3, 4) AS read_only_peaks \gset
COMMIT;
SELECT peaks IS NULL AS not_kept_read_only, duration_ms FROM convdash.audio_clips WHERE id = :mp3;
SELECT convdash.audio_peaks(:mp3, 4) = :'read_only_peaks'::jsonb AS same_peaks;
SELECT cardinality(peaks) AS kept_buckets, duration_ms FROM convdash.audio_clips WHERE id = :mp3;
-- the admin backfill: every clip without peaks, in batches, with progress
UPDATE convdash.audio_clips SET peaks = NULL, duration_ms = NULL
WHERE message_id IN (SELECT id FROM convdash.messages WHERE conversation_id = :conv AND content LIKE 'format %');
CALL convdash.backfill_audio(3);
SELECT count(*) FILTER (WHERE peaks IS NULL) AS without_peaks, count(*) FILTER (WHERE duration_ms BETWEEN 1066 AND 1300) AS with_duration
FROM convdash.audio_clips WHERE message_id IN (SELECT id FROM convdash.messages WHERE conversation_id = :conv AND content LIKE 'format %');
SELECT pg_temp.err('CALL convdash.backfill_audio(0)');
-- a stored clip whose bytes no longer decode is reported and skipped, the others still decoded
UPDATE convdash.audio_clips SET peaks = NULL
WHERE message_id IN (SELECT id FROM convdash.messages WHERE conversation_id = :conv AND content IN ('format webm', 'format mp3'));
SELECT count(*) AS overwritten FROM convdash.audio_clips, LATERAL (SELECT pg_temp.overwrite_head(id, decode(repeat('00', 64), 'hex'))) x
WHERE message_id = (SELECT id FROM convdash.messages WHERE conversation_id = :conv AND content = 'format webm');
SET client_min_messages = warning;  -- its NOTICE names the clip id, which varies
CALL convdash.backfill_audio();
RESET client_min_messages;
SELECT m.content, a.peaks IS NULL AS without_peaks FROM convdash.audio_clips a JOIN convdash.messages m ON m.id = a.message_id
WHERE m.conversation_id = :conv AND m.content IN ('format webm', 'format mp3') ORDER BY 1;

-- a clip of a type convdash does not decode (stored before the list of
-- formats existed): no peaks until a client supplies them
SELECT convdash.append_message(:conv, 'user', 'legacy amr') AS amr_msg \gset
SELECT (convdash.attach_audio(:amr_msg, 'audio/ogg', pg_temp.clip('opus.ogg'))->>'id')::bigint AS amr \gset
UPDATE convdash.audio_clips SET mime = 'audio/amr', peaks = NULL WHERE id = :amr;
SET client_min_messages = warning;  -- its NOTICEs name the damaged webm clip, whose id varies
CALL convdash.backfill_audio();
RESET client_min_messages;
SELECT pg_temp.err(format('SELECT convdash.audio_peaks(%s)', :amr));
SELECT convdash.set_audio_peaks(:amr, '{0.1,0.9,0.5,0.25}') = :amr AS supplied;
SELECT convdash.audio_peaks(:amr, 2), convdash.audio_peaks(:amr, 8);
SELECT pg_temp.err(format('SELECT convdash.set_audio_peaks(%s, %L)', :amr, '{0.1,1.5}'));
SELECT pg_temp.err(format('SELECT convdash.set_audio_peaks(%s, %L)', :amr, '{0.1,NaN}'));
SELECT pg_temp.err(format('SELECT convdash.set_audio_peaks(%s, %L)', :amr, '{}'));
SELECT pg_temp.err(format('SELECT convdash.set_audio_peaks(%s, NULL)', :amr));
SELECT pg_temp.err(format('SELECT convdash.set_audio_peaks(%s, array_fill(0.5::real, ARRAY[4097]))', :amr));
SELECT pg_temp.err(format('SELECT convdash.set_audio_peaks(%s, %L)', (SELECT id FROM convdash.audio_clips WHERE message_id = :g711_msg), '{0.5}'));

-- the clip list in playback (message) order, has_voice set
SELECT jsonb_array_length(convdash.conversation_audio(:conv)->'data') AS clips,
	(SELECT array_agg((x->>'message_id')::bigint ORDER BY ord) = array_agg((x->>'message_id')::bigint ORDER BY (x->>'message_id')::bigint)
	 FROM jsonb_array_elements(convdash.conversation_audio(:conv)->'data') WITH ORDINALITY AS a(x, ord)) AS in_message_order,
	(SELECT array_agg(DISTINCT k ORDER BY k) FROM jsonb_array_elements(convdash.conversation_audio(:conv)->'data') x, jsonb_object_keys(x) k) AS keys,
	(SELECT has_voice FROM convdash.conversations WHERE id = :conv) AS has_voice;
SELECT convdash.start_conversation(:agent, 'text-only', 'web') AS text_conv \gset
SELECT convdash.conversation_audio(:text_conv);

-- errors: parameters
SELECT convdash.append_message(:conv, 'user', 'errors') AS emsg \gset
SELECT pg_temp.err(format('SELECT convdash.audio_begin(%s, %L)', :emsg, 'text/plain'));
SELECT pg_temp.err(format('SELECT convdash.audio_begin(%s, %L)', :emsg, 'audio/'));
SELECT pg_temp.err(format('SELECT convdash.audio_begin(%s, %L)', :emsg, 'audio/*'));
-- a format convdash does not decode: the error names those it does
SELECT pg_temp.err(format('SELECT convdash.audio_begin(%s, %L)', :emsg, 'audio/amr'));
SELECT pg_temp.err(format('SELECT convdash.attach_audio(%s, %L, %L)', :emsg, 'audio/aac', pg_temp.clip('m4a')));
SELECT convdash.audio_begin(:emsg, 'audio/x-ms-wma');
SELECT pg_temp.err(format('SELECT convdash.audio_begin(%s, NULL)', :emsg));
SELECT pg_temp.err(format('SELECT convdash.audio_begin(%s, %L, -5)', :emsg, 'audio/ogg'));
SELECT pg_temp.err('SELECT convdash.audio_begin(-1, ''audio/ogg'')');
SELECT pg_temp.err('SELECT convdash.audio_begin(NULL, ''audio/ogg'')');
SELECT pg_temp.err(format('SELECT convdash.audio_read(%s, -1, 10)', :mp3));
SELECT pg_temp.err(format('SELECT convdash.audio_read(%s, NULL, 10)', :mp3));
SELECT pg_temp.err(format('SELECT convdash.audio_read(%s, 0, -1)', :mp3));
SELECT pg_temp.err(format('SELECT convdash.audio_read(%s, 0, 8388609)', :mp3));
SELECT pg_temp.err('SELECT convdash.audio_read(-1, 0, 10)');
SELECT pg_temp.err(format('SELECT convdash.audio_range(%s, -1, 10)', :mp3));
SELECT pg_temp.err(format('SELECT convdash.audio_range(%s, NULL, 10)', :mp3));
SELECT pg_temp.err(format('SELECT convdash.audio_range(%s, 0, -1)', :mp3));
SELECT pg_temp.err(format('SELECT convdash.audio_range(%s, 0, NULL)', :mp3));
SELECT pg_temp.err(format('SELECT convdash.audio_range(%s, 0, 8388609)', :mp3));
SELECT pg_temp.err('SELECT convdash.audio_range(-1, 0, 10)');
SELECT pg_temp.err('SELECT convdash.audio_range(NULL, 0, 10)');
-- a clip still being written is not served (55000), its bytes so far neither
BEGIN;
SELECT convdash.audio_begin(:emsg, 'audio/ogg') AS unfinished \gset
SELECT convdash.audio_write(:unfinished, '\x0102'::bytea) AS so_far;
SELECT pg_temp.err(format('SELECT convdash.audio_range(%s, 0, 10)', :unfinished));
ROLLBACK;
SELECT pg_temp.err('SELECT convdash.audio_info(-1)');
SELECT pg_temp.err('SELECT convdash.audio_peaks(-1)');
SELECT pg_temp.err(format('SELECT convdash.audio_peaks(%s, 0)', :mp3));
SELECT pg_temp.err(format('SELECT convdash.audio_peaks(%s, 4097)', :mp3));
SELECT pg_temp.err(format('SELECT convdash.audio_peaks(%s, NULL)', :mp3));
SELECT pg_temp.err('SELECT convdash.conversation_audio(-1)');
SELECT pg_temp.err('SELECT convdash.audio_write(-1, ''\x00'')');
SELECT pg_temp.err('SELECT convdash.audio_finish(-1)');
-- errors: protocol (write or finish a finished clip, empty clip, unfinished at commit)
SELECT pg_temp.err(format('SELECT convdash.audio_write(%s, %L)', :mp3, '\x00'));
SELECT pg_temp.err(format('SELECT convdash.audio_finish(%s)', :mp3));
SELECT pg_temp.err(format('SELECT convdash.attach_audio(%s, %L, %L)', :emsg, 'audio/ogg', '\x'));
SELECT pg_temp.err(format('SELECT convdash.attach_audio(%s, %L, NULL)', :emsg, 'audio/ogg'));
SELECT pg_temp.err(format('SELECT convdash.audio_write(convdash.audio_begin(%s, %L), NULL)', :emsg, 'audio/ogg'));
\set VERBOSITY terse
BEGIN;
SELECT convdash.audio_begin(:emsg, 'audio/ogg') AS unfinished \gset
SELECT convdash.audio_write(:unfinished, '\x01') AS so_far;
COMMIT;
\set VERBOSITY default
SELECT count(*) AS clips_of_failed_message FROM convdash.audio_clips WHERE message_id = :emsg;

-- errors: the size limit (convdash.max_clip_bytes, superuser-only)
SHOW convdash.max_clip_bytes;
SELECT convdash.max_clip_bytes();
SET convdash.max_clip_bytes = 1296;  -- the MP3 clip's size
SELECT pg_temp.err(format('SELECT convdash.attach_audio(%s, %L, %L)', :emsg, 'audio/mpeg', pg_temp.clip('mp3') || '\x00'::bytea));
SELECT (convdash.attach_audio(:emsg, 'audio/mpeg', pg_temp.clip('mp3')))->'bytes' AS exactly_at_limit;
SELECT pg_temp.err(format('SELECT convdash.audio_write(convdash.audio_begin(%s, %L), %L), convdash.audio_write(currval(%L), %L)',
	:emsg, 'audio/ogg', decode(repeat('00', 1000), 'hex'), 'convdash.audio_clips_id_seq', decode(repeat('00', 297), 'hex')));
RESET convdash.max_clip_bytes;
SET ROLE convdash_api;
SELECT pg_temp.err('SET convdash.max_clip_bytes = ''100MB''');
RESET ROLE;

-- errors: WAV files that do not hold (truncated, garbage, lying headers).
-- FFmpeg's WAV reader keeps what a file still holds, as players do: a data
-- chunk cut short or sizes that lie give the frames present (stored); a
-- header it cannot read is a 22023
CREATE TEMP TABLE good AS SELECT pg_temp.wav(1, 1, 8000, 16, pg_temp.pcm(ARRAY(SELECT generate_series(1, 100)::bigint), 16)) AS w;
SELECT name, pg_temp.err(format('SELECT convdash.attach_audio(%s, %L, %L)', :emsg, 'audio/wav', data)) AS error
FROM good, LATERAL (VALUES
	('truncated in the data', substring(w FROM 1 FOR 100)),
	('truncated in the header', substring(w FROM 1 FOR 30)),
	('too short for RIFF', '\x5249'::bytea),
	('garbage', decode(repeat('deadbeef', 40), 'hex')),
	('an MP3 called WAV', '\x494433040000000000'::bytea || decode(repeat('ff', 200), 'hex')),
	('data chunk larger than the file', overlay(w PLACING '\xffff0000'::bytea FROM 41)),
	('riff size larger than the file', overlay(w PLACING '\x00000100'::bytea FROM 5)),
	('block align lies', overlay(w PLACING '\x0300'::bytea FROM 33)),
	('byte rate lies', overlay(w PLACING '\x00100000'::bytea FROM 29)),
	('12-bit PCM', overlay(w PLACING '\x0c00'::bytea FROM 35)),
	('zero channels', overlay(w PLACING '\x0000'::bytea FROM 23)),
	('zero sample rate', overlay(w PLACING '\x00000000'::bytea FROM 25)),
	('ADPCM', overlay(w PLACING '\x0200'::bytea FROM 21)),
	('fmt chunk too short', overlay(w PLACING '\x0e000000'::bytea FROM 17)),
	('no data chunk', decode('52494646' || pg_temp.le_hex(28, 4) || '57415645666d7420' || '10000000', 'hex')
		|| substring(w FROM 21 FOR 16))
	) AS t(name, data)
ORDER BY name;
-- damaged clips of every format: cut short, the header overwritten, bytes
-- overwritten with random ones at random places (fixed seed). Each either
-- still decodes (damage inside the audio data of a format without
-- checksums) or is a 22023 naming the problem, and a refused clip leaves
-- nothing behind.
SELECT setseed(0.16);
CREATE TEMP TABLE damaged AS
SELECT c.name, d.how, c.mime, d.data
FROM test_clips c, LATERAL (VALUES
	('cut to a third', substring(c.data FROM 1 FOR length(c.data) / 3)),
	('cut to 20 bytes', substring(c.data FROM 1 FOR 20)),
	('header overwritten', overlay(c.data PLACING decode(repeat('a5', 16), 'hex') FROM 5)),
	('random bytes 1', (SELECT string_agg(CASE WHEN random() < 0.02 THEN set_byte('\x00', 0, (random() * 255)::int)
	                                       ELSE substring(c.data FROM i FOR 1) END, ''::bytea ORDER BY i)
	                    FROM generate_series(1, length(c.data)) i)),
	('random bytes 2', (SELECT string_agg(CASE WHEN random() < 0.005 THEN set_byte('\x00', 0, (random() * 255)::int)
	                                       ELSE substring(c.data FROM i FOR 1) END, ''::bytea ORDER BY i)
	                    FROM generate_series(1, length(c.data)) i))
	) AS d(how, data);
SELECT convdash.append_message(:conv, 'user', 'damaged') AS dmsg \gset
SELECT pg_temp.lo_count() AS lo_before_damage \gset
CREATE TEMP TABLE damage_results AS
SELECT name, how, pg_temp.err(format('SELECT convdash.attach_audio(%s, %L, %L)', :dmsg, mime, data)) AS result
FROM damaged;
SELECT name, how, result FROM damage_results WHERE how NOT LIKE 'random%' ORDER BY name, how;
-- random damage: the outcome is stored or a 22023, never anything else
SELECT name, bool_and(result = 'no error' OR result LIKE '22023: invalid audio/% audio: %') AS stored_or_22023
FROM damage_results GROUP BY name ORDER BY name;
-- the message has a clip only if some damaged clip was stored, and one large object for it
SELECT (SELECT count(*) FROM convdash.audio_clips WHERE message_id = :dmsg) AS clips_of_damaged_message,
	(SELECT least(count(*), 1) FROM damage_results WHERE result = 'no error') AS expected,
	pg_temp.lo_count() - :lo_before_damage AS objects_added;

-- the decoder's limits: a memory cap too small to decode is a 22023, not a crash
SET convdash.decode_memory = '64MB';
SELECT pg_temp.err(format('SELECT convdash.attach_audio(%s, %L, %L)', :dmsg, 'audio/mp4', pg_temp.clip('m4a'))) ~ '^22023: invalid audio/mp4 audio: ' AS memory_cap_is_22023;
RESET convdash.decode_memory;
SET ROLE convdash_api;
SELECT pg_temp.err('SET convdash.decode_timeout = ''1h''');
SELECT pg_temp.err('SET convdash.decode_memory = ''4GB''');
RESET ROLE;
SHOW convdash.decode_timeout;
SHOW convdash.decode_memory;

-- an odd chunk before fmt is skipped with its pad byte; a partial trailing frame is ignored
SELECT (convdash.attach_audio(:emsg, 'audio/wave',
	decode('52494646' || pg_temp.le_hex(4 + 10 + 24 + 8 + 5, 4) || '57415645' || '4a554e4b' || '01000000' || '0700', 'hex')
	|| substring(pg_temp.wav(1, 1, 1000, 16, '\x0100020003'::bytea) FROM 13))) - 'id' - 'message_id' AS odd_chunks;
-- "no fmt" above: the data chunk came first
SELECT pg_temp.err(format('SELECT convdash.attach_audio(%s, %L, %L)', :emsg, 'audio/wav',
	decode('52494646' || pg_temp.le_hex(4 + 8 + 2, 4) || '57415645' || '64617461' || '02000000' || '0000', 'hex')));

-- an archived conversation takes no audio
SELECT convdash.start_conversation(:agent, 'voice-archived', 'voip') AS arch \gset
SELECT convdash.append_message(:arch, 'user', 'late') AS arch_msg \gset
SELECT convdash.archive_conversation(:arch) = :arch AS archived;
SELECT pg_temp.err(format('SELECT convdash.attach_audio(%s, %L, %L)', :arch_msg, 'audio/ogg', '\x01'));

-- tenancy: the other tenant's message and clip are not found; no tenant is 42501
SELECT pg_temp.err(format('SELECT convdash.audio_begin(%s, %L)', :omsg, 'audio/ogg'));
SELECT pg_temp.err(format('SELECT convdash.audio_read(%s, 0, 10)', :oclip));
SELECT pg_temp.err(format('SELECT convdash.audio_info(%s)', :oclip));
SELECT pg_temp.err(format('SELECT convdash.audio_range(%s, 0, 10)', :oclip));
SELECT pg_temp.err(format('SELECT convdash.audio_peaks(%s)', :oclip));
SELECT pg_temp.err(format('SELECT convdash.audio_write(%s, %L)', :oclip, '\x00'));
SELECT pg_temp.err(format('SELECT convdash.conversation_audio(%s)', :oconv));
SELECT pg_temp.err(format('SELECT convdash.set_audio_peaks(%s, %L)', :oclip, '{0.5}'));
SELECT set_config('convdash.account_id', '', false) AS no_tenant \gset
SELECT pg_temp.err(format('SELECT convdash.audio_read(%s, 0, 10)', :mp3));
SELECT pg_temp.err(format('SELECT convdash.audio_range(%s, 0, 10)', :mp3));
SELECT set_config('convdash.account_id', :'acct', false) AS tenant \gset

-- access: the service role reaches clips only through the functions; it
-- cannot read, write or delete any clip's bytes directly (large object or
-- chunks), not even its own tenant's
SELECT pg_temp.guarded(:mp3) AS mp3_guarded, pg_temp.guarded(:oclip) AS other_guarded;
SELECT pg_temp.direct_access(:mp3) AS own_tries, pg_temp.direct_access(:oclip) AS other_tries \gset
SET ROLE convdash_api;
SELECT pg_temp.outcomes(:'own_tries') AS own_clip, pg_temp.outcomes(:'other_tries') AS other_clip;
SELECT pg_temp.err('SELECT count(*) FROM pg_largeobject');
SELECT pg_temp.err(format('SELECT convdash.create_clip_object()'));
SELECT pg_temp.err(format('SELECT convdash.write_clip_chunks(%s, %s, 0, %L)', :acct, :mp3, '\x00'));
SELECT pg_temp.err(format('SELECT convdash.read_clip_chunks(%s, %s, 0, 10)', :other, :oclip));
SELECT pg_temp.err(format('DELETE FROM convdash.audio_clips WHERE id = %s', :mp3));
-- through the functions, with its tenant set
SELECT length(convdash.audio_read(:mp3, 0, 100)) AS api_read;
SELECT length(data) AS api_range, bytes FROM convdash.audio_range(:mp3, 0, 100);
SELECT pg_temp.err(format('SELECT convdash.audio_range(%s, 0, 10)', :oclip));
SELECT pg_temp.err(format('SELECT convdash.audio_read(%s, 0, 10)', :oclip));
SELECT count(*) AS visible_clips FROM convdash.audio_clips;
RESET ROLE;

-- a peaks cache that is missing (clip stored before peaks were cached) is computed once and kept
SELECT id AS pcm16 FROM convdash.audio_clips WHERE message_id = (SELECT id FROM convdash.messages WHERE conversation_id = :conv AND content = 'pcm16 mono') \gset
SELECT convdash.audio_peaks(:pcm16, 4) AS before \gset
UPDATE convdash.audio_clips SET peaks = NULL WHERE id = :pcm16;
SELECT convdash.audio_peaks(:pcm16, 4) = :'before'::jsonb AS same_after_recompute;
SELECT cardinality(peaks) AS cached_buckets FROM convdash.audio_clips WHERE id = :pcm16;

-- a clip of several chunks (700,000 bytes written in pieces that cross
-- chunk boundaries): every range reads back, its SHA-256 and size hold
SELECT convdash.append_message(:conv, 'user', 'long clip') AS long_msg \gset
CREATE TEMP TABLE long_clip AS SELECT pg_temp.wav(1, 1, 8000, 16,
	(SELECT string_agg(int4send(hashint4(i) % 8000), ''::bytea ORDER BY i) FROM generate_series(1, 174989) i)) AS w;
BEGIN;
SELECT convdash.audio_begin(:long_msg, 'audio/wav') AS long \gset
SELECT convdash.audio_write(:long, substring(w FROM o + 1 FOR 99999)) AS so_far
FROM long_clip, generate_series(0, 699999, 99999) o ORDER BY o;
SELECT convdash.audio_finish(:long) - 'id' - 'message_id' AS finished;
COMMIT;
SELECT o, n, convdash.audio_read(:long, o, n) = substring(w FROM o + 1 FOR n) AS same, length(convdash.audio_read(:long, o, n)) AS got
FROM long_clip, (VALUES (0, 16), (262140, 8), (262144, 65536), (200000, 400000), (524287, 2), (699990, 100), (0, 8388608)) r(o, n)
ORDER BY o, n;
-- the same ranges by audio_range, within a chunk and across chunks
SELECT o, n, r.data = substring(w FROM o + 1 FOR n) AS same, length(r.data) AS got, r.bytes = length(w) AS bytes_ok
FROM long_clip, (VALUES (0, 16), (262140, 8), (262144, 65536), (200000, 400000), (524287, 2), (699990, 100), (0, 8388608)) v(o, n),
	convdash.audio_range(:long, o, n) r
ORDER BY o, n;
SELECT convdash.audio_info(:long)->>'sha256' = encode(sha256(w), 'hex') AS sha_ok,
	(convdash.audio_info(:long)->>'bytes')::int = length(w) AS bytes_ok,
	jsonb_array_length(convdash.audio_peaks(:long, 100)->'peaks') AS peaks
FROM long_clip;
-- replacing it leaves nothing of the old bytes
SELECT pg_temp.lo_count() AS before_replace \gset
SELECT convdash.attach_audio(:long_msg, 'audio/mpeg', pg_temp.clip('mp3'))->'bytes' AS replaced_bytes;
SELECT pg_temp.lo_count() - :before_replace AS stores_added_by_replace;

-- nothing is inconsistent, every clip has exactly one place for its bytes,
-- all of them where the setting convdash.audio_storage says
SELECT * FROM convdash.integrity_check();
SELECT pg_temp.lo_count() - :lo_before = (SELECT count(*) FROM convdash.audio_clips WHERE account_id IN (:acct, :other)) AS one_object_per_clip;
SELECT bool_and(storage = current_setting('convdash.audio_storage')) AS in_the_set_storage,
	bool_and((loid IS NULL) = (storage = 'chunks')) AS loid_iff_large_object
FROM convdash.audio_clips WHERE account_id IN (:acct, :other);

-- no clip is left undecodable for the backfills of a later run (audio_chunks runs this file again)
DELETE FROM convdash.audio_clips WHERE account_id IN (:acct, :other) AND peaks IS NULL;
