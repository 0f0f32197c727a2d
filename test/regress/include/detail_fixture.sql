-- Fixture of the detail-panel tests (detail, transcript, client_data, rating):
-- a tenant with agents, a tracker session and conversations in every state,
-- and another tenant's conversation and tracker session. Sets psql variables
-- acct, other, zed, ava, bo, ts, ts_empty, c_closed, c_active, c_long,
-- c_voice, c_archived, foreign_c, foreign_ts, foreign_msg, clip, voice_msg,
-- sys_msg, tool_msg, and leaves the tenant set to :acct.
SELECT convdash.create_account('Detail Co') AS acct \gset
SELECT convdash.create_account('Detail Other Co') AS other \gset

-- the other tenant
SELECT set_config('convdash.account_id', :'other', false) AS tenant \gset
SELECT convdash.create_agent('Zed') AS zed \gset
SELECT convdash.create_tracker_session('desktop') AS foreign_ts \gset
SELECT convdash.start_conversation(:zed, 'foreign-sess', 'web', 'ai', '2026-03-01 09:00:00+00', :foreign_ts) AS foreign_c \gset
SELECT convdash.append_message(:foreign_c, 'user', 'foreign words', NULL, NULL, '2026-03-01 09:00:01+00') AS foreign_msg \gset

SELECT set_config('convdash.account_id', :'acct', false) AS tenant \gset
SELECT convdash.create_agent('Ava', 'Acme Ltd', 'hybrid') AS ava \gset
SELECT convdash.create_agent('Bo') AS bo \gset

-- a tracker session with pageviews, events and triggers recorded out of time order
SELECT convdash.create_tracker_session('mobile', 'Safari', 'iOS 17', 'Germany', 'Berlin',
	'https://acme.example/pricing?ref=ad', 'paid', 'google', 'cpc',
	'2026-03-01 09:55:00+00', 754, 3, false) AS ts \gset
SELECT convdash.add_pageview(:ts, 'https://acme.example/checkout', 'Checkout', 30, 55, '2026-03-01 09:59:00+00') IS NOT NULL AS ok;
SELECT convdash.add_pageview(:ts, 'https://acme.example/pricing?ref=ad', 'Pricing', 120, 80, '2026-03-01 09:55:00+00') IS NOT NULL AS ok;
SELECT convdash.add_pageview(:ts, 'https://acme.example/plans', NULL, 0, 0, '2026-03-01 09:57:00+00') IS NOT NULL AS ok;
SELECT convdash.add_event(:ts, 'cta_click', 'click', '2026-03-01 09:58:00+00') IS NOT NULL AS ok;
SELECT convdash.add_event(:ts, 'exit_intent', 'behaviour', '2026-03-01 09:59:30+00', 'Exit offer', 'open_chat',
	'{"discount": 10, "items": ["pro", "team"], "note": null}') IS NOT NULL AS ok;
SELECT convdash.add_event(:ts, 'page_scroll', 'scroll', '2026-03-01 09:56:00+00') IS NOT NULL AS ok;
SELECT convdash.add_event(:ts, 'idle', 'timer', '2026-03-01 09:57:30+00', 'Idle nudge', 'show_message') IS NOT NULL AS ok;
SELECT convdash.create_tracker_session() AS ts_empty \gset

-- closed, with reason, sentiment, conversion, memory, rating and tracker data
SELECT convdash.start_conversation(:ava, 'sess-closed', 'widget', 'ai', '2026-03-01 10:00:00+00', :ts) AS c_closed \gset
SELECT convdash.append_message(:c_closed, 'system', 'You are the Acme assistant.', 20, NULL, '2026-03-01 10:00:00+00') AS sys_msg \gset
SELECT convdash.append_message(:c_closed, 'user', 'Where is order #A-1001?', 7, NULL, '2026-03-01 10:00:05+00') IS NOT NULL AS ok;
SELECT convdash.append_message(:c_closed, 'tool', '{"order": "A-1001", "status": "shipped"}', NULL, NULL, '2026-03-01 10:00:06+00') AS tool_msg \gset
SELECT convdash.append_message(:c_closed, 'assistant', 'It **shipped** yesterday.', 48, 11, '2026-03-01 10:00:08.250+00') IS NOT NULL AS ok;
SELECT convdash.append_message(:c_closed, 'user', 'Thanks!', 3, NULL, '2026-03-01 10:02:00+00') IS NOT NULL AS ok;
SELECT convdash.close_conversation(:c_closed, 'Visitor left', '2026-03-01 10:03:05.900+00') IS NOT NULL AS ok;
SELECT convdash.set_sentiment(:c_closed, NULL, 0.62) IS NOT NULL AS ok;
SELECT convdash.set_converted(:c_closed, true) IS NOT NULL AS ok;
SELECT convdash.merge_memory(:c_closed, '{"name": "Dana", "order": "A-1001", "plan": {"tier": "pro", "seats": 5}, "tags": ["vip", "eu"], "zip": "10115", "optin": false}') IS NOT NULL AS ok;
SELECT convdash.rate_conversation(:c_closed, 4, 'Quick and helpful') IS NOT NULL AS ok;

-- active: no messages, no end, no sentiment, no rating, no tracker session
SELECT convdash.start_conversation(:bo, 'sess-active', 'voip', 'human', '2026-03-02 09:00:00+00') AS c_active \gset

-- long: 130 messages of which 110 are shown; closed after 2d 04h 10m without a reason
SELECT convdash.start_conversation(:ava, 'sess-long', 'web', 'ai', '2026-03-03 08:00:00+00') AS c_long \gset
SELECT count(convdash.append_message(:c_long, r, r || ' ' || i, i, NULL,
	'2026-03-03 08:00:00+00'::timestamptz + i * interval '1 minute')) AS appended
FROM generate_series(1, 130) AS i,
	LATERAL (SELECT CASE WHEN i % 13 = 0 THEN 'system' WHEN i % 13 = 6 THEN 'tool'
		WHEN i % 2 = 1 THEN 'user' ELSE 'assistant' END AS r) AS x;
SELECT convdash.close_conversation(:c_long, NULL, '2026-03-05 12:10:00+00') IS NOT NULL AS ok;
SELECT convdash.set_sentiment(:c_long, 'negative') IS NOT NULL AS ok;

-- voice: a voice message with a clip (its conversation becomes has_voice)
SELECT convdash.start_conversation(:bo, 'sess-voice', 'telegram', 'ai', '2026-03-04 12:00:00+00', :ts_empty) AS c_voice \gset
SELECT convdash.append_message(:c_voice, 'user', 'Transcribed: hello?', NULL, NULL, '2026-03-04 12:00:01+00') AS voice_msg \gset
SELECT convdash.append_message(:c_voice, 'assistant', 'Hello, how can I help?', 9, 6, '2026-03-04 12:00:02+00') IS NOT NULL AS ok;
SELECT convdash.attach_audio(:voice_msg, 'audio/ogg', pg_temp.clip('opus.ogg'), 1200)->>'id' AS clip \gset
SELECT convdash.set_sentiment(:c_voice, 'neutral', 0.01) IS NOT NULL AS ok;

-- archived after closing
SELECT convdash.start_conversation(:bo, 'sess-archived', 'crm', 'ai', '2026-03-05 07:00:00+00') AS c_archived \gset
SELECT convdash.append_message(:c_archived, 'user', 'ping', NULL, NULL, '2026-03-05 07:00:45+00') IS NOT NULL AS ok;
SELECT convdash.close_conversation(:c_archived, 'Resolved by agent', '2026-03-05 07:00:45+00') IS NOT NULL AS ok;
SELECT convdash.archive_conversation(:c_archived) IS NOT NULL AS ok;
