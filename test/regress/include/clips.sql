-- pg_temp.clip(name): the bytes of a committed test clip (test/data/audio,
-- "Refund approved." spoken by espeak-ng, made by its make.sh): 'wav',
-- 'flac', 'opus.ogg', 'vorbis.ogg', 'webm', 'mp3', 'm4a'. Loaded through
-- psql variables, so psql must run from the repository root.
\set clip_wav `base64 -w0 test/data/audio/speech.wav`
\set clip_flac `base64 -w0 test/data/audio/speech.flac`
\set clip_opus_ogg `base64 -w0 test/data/audio/speech.opus.ogg`
\set clip_vorbis_ogg `base64 -w0 test/data/audio/speech.vorbis.ogg`
\set clip_webm `base64 -w0 test/data/audio/speech.webm`
\set clip_mp3 `base64 -w0 test/data/audio/speech.mp3`
\set clip_m4a `base64 -w0 test/data/audio/speech.m4a`
CREATE TEMP TABLE test_clips (name text PRIMARY KEY, mime text NOT NULL, data bytea NOT NULL);
INSERT INTO test_clips VALUES
	('wav', 'audio/wav', decode(:'clip_wav', 'base64')),
	('flac', 'audio/flac', decode(:'clip_flac', 'base64')),
	('opus.ogg', 'audio/ogg', decode(:'clip_opus_ogg', 'base64')),
	('vorbis.ogg', 'audio/ogg', decode(:'clip_vorbis_ogg', 'base64')),
	('webm', 'audio/webm', decode(:'clip_webm', 'base64')),
	('mp3', 'audio/mpeg', decode(:'clip_mp3', 'base64')),
	('m4a', 'audio/mp4', decode(:'clip_m4a', 'base64'));
CREATE FUNCTION pg_temp.clip(name text) RETURNS bytea
LANGUAGE sql STABLE AS $$ SELECT c.data FROM test_clips c WHERE c.name = clip.name $$;
