-- Live events: what each write function emits (types, ids, small fields,
-- never content or memory values), nothing for a rolled-back write, resuming
-- after an id, the replay window and trimming, tenants, parameter errors.
-- Out-of-order commits are test/isolation/specs/events.spec.
\set QUIET on
\set ECHO none
\i test/regress/include/err.sql
\set ECHO all
\set QUIET off

-- The tenant's events after an event id, as "type data" with the ids replaced by names.
CREATE FUNCTION pg_temp.events_since(after bigint) RETURNS TABLE (type text, data text)
LANGUAGE sql AS $$
	SELECT e.type, (e.data - 'conversation_id' - 'message_id' - 'audio_id' - 'agent_id' - 'started_at'
		- 'created_at' - 'ended_at')::text
		|| CASE WHEN e.data ? 'ended_at' THEN ' ended:' || (e.data->>'ended_at' IS NOT NULL) ELSE '' END
	FROM convdash.events_after(after) e ORDER BY e.tx, e.id
$$;

SELECT convdash.create_account('Events Co') AS acct \gset
SELECT convdash.create_account('Events Other Co') AS other \gset
SELECT set_config('convdash.account_id', :'acct', false) AS tenant \gset
SELECT (convdash.events_head()).id AS head_empty;
SELECT convdash.create_agent('Live bot') AS agent \gset
SELECT convdash.start_conversation(:agent, 'live-1', 'web') AS conv \gset
SELECT convdash.append_message(:conv, 'user', 'my card is 4111 1111') AS msg \gset
SELECT convdash.append_message(:conv, 'system', 'be brief') IS NOT NULL AS system_appended;
SELECT convdash.attach_audio(:msg, 'audio/wav', decode('524946462c00000057415645666d74201000000001000100401f0000401f0000010008006461746108000000' || '8090a0b0c0d0e0f0', 'hex'), 1200) ->> 'id' AS clip \gset
SELECT convdash.set_sentiment(:conv, 'positive') = :conv AS ok;
SELECT convdash.clear_sentiment(:conv) = :conv AS ok;
SELECT convdash.set_converted(:conv, true) = :conv AS ok;
SELECT convdash.rate_conversation(:conv, 4, 'secret comment') = :conv AS ok;
SELECT convdash.remove_rating(:conv) AS ok;
SELECT convdash.merge_memory(:conv, '{"email": "secret@example.com"}') IS NOT NULL AS ok;
SELECT convdash.close_conversation(:conv, 'done') = :conv AS ok;
SELECT convdash.archive_conversation(:conv) = :conv AS ok;
SELECT convdash.start_conversation(:agent, 'live-2', 'voip') AS conv2 \gset
SELECT convdash.start_conversation(:agent, 'live-3', 'voip') AS conv3 \gset
SELECT convdash.delete_conversation(:conv2) IS NOT NULL AS ok;
SELECT convdash.delete_conversations(ARRAY[:conv3, :conv]) -> 'deleted' AS deleted_count;

-- every change, in order, with its small fields
SELECT * FROM pg_temp.events_since(0);
-- every event names its conversation; message and audio events their ids
SELECT bool_and((data->>'conversation_id')::bigint IN (:conv, :conv2, :conv3)) AS conversation_ids,
	bool_and(type <> 'message.created' OR data ? 'message_id') AS message_ids,
	bool_and(type <> 'audio.created' OR ((data->>'audio_id')::bigint = :clip AND (data->>'message_id')::bigint = :msg)) AS audio_ids
FROM convdash.events_after();
-- no content, no comment, no memory value, no session id
SELECT count(*) FILTER (WHERE data::text ~ '4111|be brief|secret|live-') AS leaks FROM convdash.events_after();

-- a rolled-back write emits nothing
SELECT (convdash.events_head()).id AS head \gset
BEGIN;
SELECT convdash.start_conversation(:agent, 'never', 'web') IS NOT NULL AS started;
ROLLBACK;
SELECT count(*) AS after_rollback FROM convdash.events_after(:head);
-- a write that fails halfway emits nothing either
SELECT convdash.start_conversation(:agent, 'live-4', 'web') AS conv4 \gset
SELECT (convdash.events_head()).id AS head \gset
SELECT pg_temp.err(format('SELECT convdash.append_message(%s, %L, %L, created_at => %L)', :conv4, 'user', 'x', '2000-01-01'));
SELECT count(*) AS after_error FROM convdash.events_after(:head);

-- resuming: after an id, after a (id, tx) position, the same rows
SELECT convdash.append_message(:conv4, 'user', 'one') IS NOT NULL AS ok;
SELECT convdash.append_message(:conv4, 'assistant', 'two') IS NOT NULL AS ok;
SELECT * FROM pg_temp.events_since(:head);
SELECT id AS first_id, tx AS first_tx FROM convdash.events_after(:head) LIMIT 1 \gset
SELECT array_agg(id) = (SELECT array_agg(x.id) FROM (SELECT id FROM convdash.events_after(:head) OFFSET 1) x) AS same_rows
FROM convdash.events_after(:first_id, :first_tx);
SELECT count(*) AS after_first FROM convdash.events_after(:first_id);
SELECT count(*) AS limited FROM convdash.events_after(:head, max_rows => 1);
-- the head is the last event
SELECT (convdash.events_head()).id = max(id) AS head_is_last FROM convdash.events_after(:head);

-- another tenant sees none of these, by function or by table
SELECT set_config('convdash.account_id', :'other', false) AS tenant \gset
SELECT count(*) AS other_sees FROM convdash.events_after();
SELECT (convdash.events_head()).id AS other_head;
SELECT pg_temp.err(format('SELECT * FROM convdash.events_after(%s)', :first_id));
SET ROLE convdash_reader;
SELECT count(*) AS other_rows FROM convdash.events;
RESET ROLE;
SELECT set_config('convdash.account_id', '', false) AS no_tenant \gset
SELECT pg_temp.err('SELECT * FROM convdash.events_after()');
SELECT pg_temp.err('SELECT convdash.events_head()');
SELECT set_config('convdash.account_id', :'acct', false) AS tenant \gset

-- parameters
SELECT pg_temp.err('SELECT * FROM convdash.events_after(max_rows => 0)');
SELECT pg_temp.err('SELECT * FROM convdash.events_after(max_rows => 10001)');
SELECT pg_temp.err('SELECT * FROM convdash.events_after(1, -1)');
SELECT pg_temp.err('SELECT * FROM convdash.events_after(-5)');

-- the replay window: events older than events_window() are trimmed (at most
-- 4096 a call, oldest first); resuming after a trimmed id is P0002
SELECT convdash.events_window();
UPDATE convdash.events SET created_at = now() - interval '11 minutes'
WHERE account_id = :acct AND id <= :first_id;
SELECT convdash.trim_events(:acct) > 0 AS trimmed;
SELECT convdash.trim_events(:acct) AS trimmed_again;
SELECT pg_temp.err(format('SELECT * FROM convdash.events_after(%s)', :first_id));
SELECT count(*) AS kept FROM convdash.events_after(0);
-- the other tenant's events are not touched by this tenant's trim
SELECT count(*) > 0 AS other_kept FROM convdash.events WHERE account_id <> :acct;
