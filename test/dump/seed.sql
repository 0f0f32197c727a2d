-- A small data set touching every extension table, through the ingest functions.
\set ON_ERROR_STOP 1
SELECT convdash.create_account('Dump Co', 'Europe/Paris') AS acct \gset
SELECT convdash.create_api_key(:acct, 'dump key') AS key \gset
SELECT set_config('convdash.account_id', :'acct', false) AS tenant \gset
SELECT convdash.create_tracker_session('tablet', 'Firefox', 'Android', 'FR', 'Lyon', 'https://d.example/',
	'ads', 'spring', 'cpc', '2026-05-01 09:00:00+00', 95, 2, false) AS ts \gset
SELECT convdash.add_pageview(:ts, 'https://d.example/', 'Start', 20, 55, '2026-05-01 09:00:00+00');
SELECT convdash.add_event(:ts, 'scroll', 'ui', '2026-05-01 09:00:30+00');
SELECT convdash.add_event(:ts, 'idle', 'timer', '2026-05-01 09:01:00+00', 'Idle nudge', 'open_chat', '{"after": 30}');
SELECT convdash.create_agent('Dumpy', 'Dump Co', 'passive') AS agent \gset
SELECT convdash.start_conversation(:agent, 'dump-1', 'widget', 'ai', '2026-05-01 09:01:00+00', :ts) AS c1 \gset
SELECT convdash.append_message(:c1, 'user', 'Bonjour, où est ma commande ?', 4, NULL, '2026-05-01 09:01:05+00');
SELECT convdash.append_message(:c1, 'tool', 'lookup()', NULL, NULL, '2026-05-01 09:01:06+00');
SELECT convdash.append_message(:c1, 'assistant', 'Elle arrive demain.', 30, 8, '2026-05-01 09:01:09+00');
SELECT convdash.merge_memory(:c1, '{"language": "fr", "order": "FR-77"}');
SELECT convdash.rate_conversation(:c1, 5, 'Parfait');
SELECT convdash.set_sentiment(:c1, NULL, 0.8);
SELECT convdash.close_conversation(:c1, 'Resolved', '2026-05-01 09:02:00+00');
SELECT convdash.start_conversation(:agent, 'dump-2', 'voip', 'human', '2026-05-02 10:00:00+00') AS c2 \gset
SELECT convdash.append_message(:c2, 'user', 'Allô ?', NULL, NULL, '2026-05-02 10:00:01+00') AS m2 \gset
\ir ../../scripts/wav.sql
SELECT convdash.attach_audio(:m2, 'audio/wav', pg_temp.wav(1, 1, 8000, 16, pg_temp.pcm(ARRAY(
	SELECT round(8000 * sin(2 * pi() * 440 * n / 8000))::bigint FROM generate_series(0, 7999) n), 16)));
-- an Ogg/Opus clip of speech (committed test clip; run.sh runs psql in test/dump)
\set ogg `base64 -w0 ../data/audio/speech.opus.ogg`
SELECT convdash.attach_audio(convdash.append_message(:c2, 'assistant', 'Bonjour !', NULL, NULL, '2026-05-02 10:00:03+00'),
	'audio/ogg', decode(:'ogg', 'base64'), 1200);
SELECT convdash.archive_conversation(:c2);
