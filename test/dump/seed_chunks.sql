-- Two more clips of the seed's voice conversation, kept as chunks (run.sh
-- loads it after seed.sql, which test/upgrade also loads into 0.1): the
-- seed's Ogg clip again and a WAV of 3 chunks.
\set ON_ERROR_STOP on
\set QUIET on
\ir ../../scripts/wav.sql
SELECT set_config('convdash.account_id', (SELECT id::text FROM convdash.accounts WHERE name = 'Dump Co'), false) AS tenant \gset
SELECT id AS c2 FROM convdash.conversations WHERE session_id = 'dump-2' \gset
UPDATE convdash.conversations SET status = 'closed' WHERE id = :c2;  -- archived: takes no audio through the API
SET convdash.audio_storage = chunks;
\set ogg `base64 -w0 ../data/audio/speech.opus.ogg`
SELECT convdash.attach_audio(convdash.append_message(:c2, 'assistant', 'Encore ?', NULL, NULL, '2026-05-02 10:00:04+00'),
	'audio/ogg', decode(:'ogg', 'base64'));
SELECT convdash.attach_audio(convdash.append_message(:c2, 'user', 'Oui.', NULL, NULL, '2026-05-02 10:00:05+00'),
	'audio/wav', pg_temp.wav(1, 1, 8000, 16, (SELECT string_agg(int4send(hashint4(n) % 9000), ''::bytea ORDER BY n)
		FROM generate_series(1, 150000) n)));
SELECT convdash.archive_conversation(:c2);
