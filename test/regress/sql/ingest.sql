-- Ingest functions: success paths, counters, and every error path.
\set QUIET on
\i test/regress/include/err.sql
\set QUIET off

SELECT convdash.create_account('Ingest Co') AS acct \gset
SELECT convdash.create_account('Other Co') AS other \gset
SELECT set_config('convdash.account_id', :'acct', false) AS tenant \gset

-- agents
SELECT convdash.create_agent('Ava', 'Ingest Co', 'hybrid') AS ava \gset
SELECT convdash.create_agent('  Bo  ') AS bo \gset
SELECT name, company, mode FROM convdash.agents WHERE account_id = :acct ORDER BY name;
SELECT pg_temp.err($$SELECT convdash.create_agent('Ava')$$);
SELECT pg_temp.err($$SELECT convdash.create_agent(NULL)$$);
SELECT pg_temp.err($$SELECT convdash.create_agent('   ')$$);
SELECT pg_temp.err($$SELECT convdash.create_agent(repeat('x', 201))$$);
SELECT pg_temp.err($$SELECT convdash.create_agent('Cy', NULL, 'sleepy')$$);
SELECT pg_temp.err($$SELECT convdash.create_agent('Cy', repeat('c', 201))$$);

-- conversations
SELECT convdash.start_conversation(:ava, 'sess-1', 'widget', 'ai', '2026-03-01 10:00:00+00') AS c1 \gset
SELECT convdash.start_conversation(:bo, 'sess-2', 'voip', 'human', '2026-03-01 11:00:00+00') AS c2 \gset
SELECT c.session_id, c.channel, c.status, c.handled_by, c.started_at, c.ended_at, k.message_count, c.converted, c.memory
FROM convdash.conversations c JOIN convdash.conversation_counters k ON k.account_id = c.account_id AND k.conversation_id = c.id WHERE c.account_id = :acct ORDER BY c.id;
SELECT pg_temp.err($$SELECT convdash.start_conversation(NULL, 's', 'web')$$);
SELECT pg_temp.err($$SELECT convdash.start_conversation(-1, 's', 'web')$$);
SELECT pg_temp.err(format('SELECT convdash.start_conversation(%s, %L, %L)', :ava, 's', 'fax'));
SELECT pg_temp.err(format('SELECT convdash.start_conversation(%s, NULL, %L)', :ava, 'web'));
SELECT pg_temp.err(format('SELECT convdash.start_conversation(%s, %L, NULL)', :ava, 's'));
SELECT pg_temp.err(format('SELECT convdash.start_conversation(%s, %L, %L, %L)', :ava, 's', 'web', 'robot'));
SELECT pg_temp.err(format('SELECT convdash.start_conversation(%s, %L, %L, %L, %L)', :ava, 's', 'web', 'ai', 'infinity'));
-- only times RFC 3339 can answer in UTC (years 0001-9999): 00:00+01:00 on
-- 0001-01-01 is still year 0 in UTC
SELECT pg_temp.err(format('SELECT convdash.start_conversation(%s, %L, %L, %L, %L)', :ava, 's', 'web', 'ai', '0001-01-01T00:00:00+01:00'));
SELECT pg_temp.err(format('SELECT convdash.start_conversation(%s, %L, %L, %L, %L)', :ava, 's', 'web', 'ai', '10000-01-01T00:00:00Z'));
SELECT pg_temp.err(format('SELECT convdash.start_conversation(%s, %L, %L, %L, %L)', :ava, 's', 'web', 'ai', '0001-06-01 00:00:00+00 BC'));
BEGIN;
SELECT convdash.start_conversation(:ava, 'edge-first', 'web', 'ai', '0001-01-01T00:00:00Z') AS edge1 \gset
SELECT convdash.start_conversation(:ava, 'edge-last', 'web', 'ai', '9999-12-31T23:59:59.999999Z') AS edge2 \gset
SELECT convdash.conversation_detail(:edge1) ->> 'started_at' AS earliest,
	convdash.conversation_detail(:edge2) ->> 'started_at' AS latest;
ROLLBACK;
SELECT pg_temp.err(format('SELECT convdash.start_conversation(%s, %L, %L, %L, NULL, 999999)', :ava, 's', 'web', 'ai'));
SELECT pg_temp.err(format('SELECT convdash.start_conversation(%s, %L, %L)', :ava, repeat('s', 201), 'web'));

-- messages: counters count user/assistant only, tokens count all
SELECT convdash.append_message(:c1, 'system', 'You are helpful.', 12, NULL, '2026-03-01 10:00:00+00') IS NOT NULL AS ok;
SELECT convdash.append_message(:c1, 'user', 'Where is order #A-1001?', 5, NULL, '2026-03-01 10:00:05+00') IS NOT NULL AS ok;
SELECT convdash.append_message(:c1, 'tool', '{"status":"shipped"}', NULL, NULL, '2026-03-01 10:00:06+00') IS NOT NULL AS ok;
SELECT convdash.append_message(:c1, 'assistant', 'It **shipped** yesterday.', 40, 9, '2026-03-01 10:00:08+00') IS NOT NULL AS ok;
SELECT convdash.append_message(:c1, 'user', '', NULL, NULL, '2026-03-01 10:00:10+00') IS NOT NULL AS empty_ok;
SELECT role, content, seq, prompt_tokens, completion_tokens FROM convdash.messages
WHERE account_id = :acct AND conversation_id = :c1 ORDER BY id;
SELECT message_count, prompt_tokens, completion_tokens, last_message_at
FROM convdash.conversation_counters WHERE account_id = :acct AND conversation_id = :c1;
SELECT pg_temp.err(format('SELECT convdash.append_message(%s, %L, %L)', :c1, 'bot', 'x'));
SELECT pg_temp.err(format('SELECT convdash.append_message(%s, NULL, %L)', :c1, 'x'));
SELECT pg_temp.err(format('SELECT convdash.append_message(%s, %L, NULL)', :c1, 'user'));
SELECT pg_temp.err(format('SELECT convdash.append_message(%s, %L, %L, -1)', :c1, 'user', 'x'));
SELECT pg_temp.err(format('SELECT convdash.append_message(%s, %L, %L, NULL, -5)', :c1, 'user', 'x'));
SELECT pg_temp.err(format('SELECT convdash.append_message(%s, %L, %L, NULL, NULL, %L)', :c1, 'user', 'x', '2026-03-01 09:00:00+00'));
SELECT pg_temp.err(format('SELECT convdash.append_message(%s, %L, %L)', 987654321, 'user', 'x'));
SELECT pg_temp.err(format('SELECT convdash.append_message(%s, %L, repeat(%L, 1000001))', :c1, 'user', 'x'));
-- nothing above changed the counters
SELECT message_count, prompt_tokens, completion_tokens FROM convdash.conversation_counters WHERE account_id = :acct AND conversation_id = :c1;

-- sentiment, converted, memory
SELECT convdash.set_sentiment(:c1, 'negative') = :c1 AS ok;
SELECT sentiment, sentiment_score FROM convdash.conversations WHERE account_id = :acct AND id = :c1;
SELECT convdash.set_sentiment(:c1, NULL, 0.42) = :c1 AS ok;
SELECT sentiment, sentiment_score FROM convdash.conversations WHERE account_id = :acct AND id = :c1;
SELECT convdash.set_sentiment(:c1, 'neutral', -0.01) = :c1 AS ok;
SELECT sentiment, sentiment_score FROM convdash.conversations WHERE account_id = :acct AND id = :c1;
SELECT pg_temp.err(format('SELECT convdash.set_sentiment(%s, %L)', :c1, 'happy'));
SELECT pg_temp.err(format('SELECT convdash.set_sentiment(%s, NULL, 1.5)', :c1));
SELECT pg_temp.err(format('SELECT convdash.set_sentiment(%s, NULL, %L)', :c1, 'NaN'));
SELECT pg_temp.err(format('SELECT convdash.set_sentiment(%s)', :c1));
SELECT convdash.clear_sentiment(:c1) = :c1 AS ok;
SELECT sentiment, sentiment_score FROM convdash.conversations WHERE account_id = :acct AND id = :c1;

SELECT convdash.set_converted(:c1, true) = :c1 AS ok;
SELECT converted FROM convdash.conversations WHERE account_id = :acct AND id = :c1;
SELECT pg_temp.err(format('SELECT convdash.set_converted(%s, NULL)', :c1));

SELECT convdash.merge_memory(:c1, '{"name": "Dana", "plan": {"tier": "pro", "seats": 3}, "tags": ["a"]}');
SELECT convdash.merge_memory(:c1, '{"name": null, "plan": {"seats": 5, "trial": null}, "tags": ["b"], "missing": null}');
SELECT convdash.merge_memory(:c1, '{}');
SELECT pg_temp.err(format('SELECT convdash.merge_memory(%s, %L)', :c1, '[1,2]'));
SELECT pg_temp.err(format('SELECT convdash.merge_memory(%s, %L)', :c1, '"text"'));
SELECT pg_temp.err(format('SELECT convdash.merge_memory(%s, NULL)', :c1));
-- costs are checked before any work: size and members of the patch, then the merged size
SELECT pg_temp.err(format('SELECT convdash.merge_memory(%s, jsonb_build_object(%L, repeat(%L, 1048577)))', :c1, 'big', 'x'));
SELECT pg_temp.err(format('SELECT convdash.merge_memory(%s, %L)', :c1,
	(SELECT jsonb_object_agg('k' || i, i) FROM generate_series(1, 10001) i)));
SELECT pg_temp.err(format('SELECT convdash.merge_memory(%s, %L)', :c1,
	jsonb_build_object('deep', (SELECT jsonb_agg(i) FROM generate_series(1, 10001) i))));
SELECT pg_temp.err(format('SELECT convdash.merge_memory(%s, %L)', :c1,
	(SELECT jsonb_object_agg('k' || i, i) FROM generate_series(1, 9999) i)));
SELECT pg_temp.err(format('SELECT convdash.merge_memory(%s, %L)', :c1,
	(SELECT jsonb_object_agg('k' || i, NULL) FROM generate_series(1, 9999) i)));
BEGIN;
SELECT convdash.merge_memory(:c1, jsonb_build_object('big' || i, repeat('x', 250000))) IS NOT NULL AS merged
FROM generate_series(1, 4) i;
SELECT pg_temp.err(format('SELECT convdash.merge_memory(%s, jsonb_build_object(%L, repeat(%L, 250000)))', :c1, 'big5', 'x'));
ROLLBACK;
SELECT memory FROM convdash.conversations WHERE account_id = :acct AND id = :c1;

-- ratings: replace, remove (idempotent), errors
SELECT convdash.rate_conversation(:c1, 2, 'slow') = :c1 AS ok;
SELECT convdash.rate_conversation(:c1, 5, '  ') = :c1 AS ok;
SELECT r.score, r.comment, c.rating FROM convdash.ratings r
JOIN convdash.conversations c ON c.account_id = r.account_id AND c.id = r.conversation_id
WHERE r.account_id = :acct;
SELECT pg_temp.err(format('SELECT convdash.rate_conversation(%s, 6)', :c1));
SELECT pg_temp.err(format('SELECT convdash.rate_conversation(%s, 0)', :c1));
SELECT pg_temp.err(format('SELECT convdash.rate_conversation(%s, NULL)', :c1));
SELECT pg_temp.err(format('SELECT convdash.rate_conversation(%s, 3, repeat(%L, 5001))', :c1, 'x'));
SELECT convdash.remove_rating(:c1) AS removed;
SELECT convdash.remove_rating(:c1) AS removed_again;
SELECT count(*) AS ratings, (SELECT rating FROM convdash.conversations WHERE account_id = :acct AND id = :c1)
FROM convdash.ratings WHERE account_id = :acct;

-- lifecycle: close, archive, then no more messages
SELECT pg_temp.err(format('SELECT convdash.close_conversation(%s, NULL, %L)', :c1, '2026-02-01 00:00:00+00'));
SELECT convdash.close_conversation(:c1, 'Visitor left', '2026-03-01 10:05:00+00') = :c1 AS ok;
SELECT status, ended_at, end_reason FROM convdash.conversations WHERE account_id = :acct AND id = :c1;
SELECT pg_temp.err(format('SELECT convdash.close_conversation(%s)', :c1));
SELECT convdash.append_message(:c1, 'assistant', 'Late reply after close', NULL, NULL, '2026-03-01 10:06:00+00') IS NOT NULL AS late_ok;
SELECT convdash.archive_conversation(:c1) = :c1 AS ok;
SELECT convdash.archive_conversation(:c1) = :c1 AS idempotent;
SELECT status, ended_at FROM convdash.conversations WHERE account_id = :acct AND id = :c1;
SELECT pg_temp.err(format('SELECT convdash.append_message(%s, %L, %L)', :c1, 'user', 'hello?'));
SELECT pg_temp.err(format('SELECT convdash.close_conversation(%s)', :c1));
-- archiving an active conversation ends it
SELECT convdash.archive_conversation(:c2) = :c2 AS ok;
SELECT status, ended_at IS NOT NULL AS ended FROM convdash.conversations WHERE account_id = :acct AND id = :c2;
SELECT convdash.close_conversation(convdash.start_conversation(:bo, 'sess-3', 'web', 'ai', '2026-03-02 08:00:00+00'), '  ', '2026-03-02 08:00:45+00') IS NOT NULL AS blank_reason_ok;
SELECT end_reason IS NULL AS shows_completed FROM convdash.conversations WHERE account_id = :acct AND session_id = 'sess-3';

-- tracker sessions, pageviews, events and triggers
SELECT convdash.create_tracker_session('mobile', 'Safari', 'iOS', 'DE', 'Berlin', 'https://shop.example/', 'google',
	'newsletter', 'email', '2026-03-01 09:58:00+00', 420, 3, false) AS ts \gset
SELECT device, browser, city, duration_seconds, pages_visited, bounce FROM convdash.tracker_sessions WHERE account_id = :acct;
SELECT convdash.add_pageview(:ts, 'https://shop.example/', 'Home', 30, 80, '2026-03-01 09:58:00+00') IS NOT NULL AS ok;
SELECT convdash.add_pageview(:ts, 'https://shop.example/cart', NULL) IS NOT NULL AS defaults_ok;
SELECT url, title, time_spent_seconds, scroll_depth FROM convdash.tracker_pageviews WHERE account_id = :acct ORDER BY id;
SELECT convdash.add_event(:ts, 'add_to_cart', 'click', '2026-03-01 09:59:00+00') IS NOT NULL AS ok;
SELECT convdash.add_event(:ts, 'exit_intent', 'trigger', '2026-03-01 10:00:00+00', 'Exit offer', 'open_chat', '{"discount": 10}') IS NOT NULL AS ok;
SELECT name, type, trigger_name, trigger_action, trigger_data FROM convdash.tracker_events WHERE account_id = :acct ORDER BY id;
SELECT convdash.link_tracker_session(:c2, :ts) = :c2 AS linked;
SELECT pg_temp.err($$SELECT convdash.create_tracker_session('smartwatch')$$);
SELECT pg_temp.err($$SELECT convdash.create_tracker_session(duration_seconds => -1)$$);
SELECT pg_temp.err($$SELECT convdash.create_tracker_session(browser => repeat('b', 201))$$);
SELECT pg_temp.err(format('SELECT convdash.add_pageview(%s, %L, NULL, 1, 101)', :ts, 'https://x/'));
SELECT pg_temp.err(format('SELECT convdash.add_pageview(%s, %L, NULL, -1)', :ts, 'https://x/'));
SELECT pg_temp.err(format('SELECT convdash.add_pageview(%s, NULL)', :ts));
SELECT pg_temp.err(format('SELECT convdash.add_pageview(%s, %L)', 987654321, 'https://x/'));
SELECT pg_temp.err(format('SELECT convdash.add_event(%s, %L, %L, NULL, %L)', :ts, 'e', 'trigger', 'only a name'));
SELECT pg_temp.err(format('SELECT convdash.add_event(%s, %L, %L, NULL, NULL, NULL, %L)', :ts, 'e', 'click', '{}'));
SELECT pg_temp.err(format('SELECT convdash.add_event(%s, NULL, %L)', :ts, 'click'));
SELECT pg_temp.err(format('SELECT convdash.link_tracker_session(%s, 987654321)', :c2));

-- another tenant's rows are unknown here: P0002 for addressed ids, 23503 for references
SELECT set_config('convdash.account_id', :'other', false) AS tenant \gset
SELECT pg_temp.err(format('SELECT convdash.append_message(%s, %L, %L)', :c2, 'user', 'x'));
SELECT pg_temp.err(format('SELECT convdash.rate_conversation(%s, 3)', :c2));
SELECT pg_temp.err(format('SELECT convdash.merge_memory(%s, %L)', :c2, '{}'));
SELECT pg_temp.err(format('SELECT convdash.start_conversation(%s, %L, %L)', :ava, 'x', 'web'));
SELECT pg_temp.err(format('SELECT convdash.add_pageview(%s, %L)', :ts, 'https://x/'));
SELECT pg_temp.err(format('SELECT convdash.create_agent(%L)', 'Ava')) AS same_name_other_tenant;

-- no tenant: every write is refused
SELECT set_config('convdash.account_id', '', false) AS tenant \gset
SELECT pg_temp.err($$SELECT convdash.create_agent('Nobody')$$);
SELECT pg_temp.err(format('SELECT convdash.append_message(%s, %L, %L)', :c2, 'user', 'x'));
SELECT set_config('convdash.account_id', 'not-a-number', false) AS tenant \gset
SELECT pg_temp.err($$SELECT convdash.create_agent('Nobody')$$);
RESET convdash.account_id;

-- the counters match the rows
SELECT * FROM convdash.integrity_check();
