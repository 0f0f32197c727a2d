-- BI views: every dashboard column, display texts for the NULL cases, and
-- the admin statistics.
SELECT convdash.create_account('Views Co') AS acct \gset
SELECT set_config('convdash.account_id', :'acct', false) AS tenant \gset
SELECT convdash.create_agent('Vera', 'Views Co', 'passive') AS agent \gset
-- ongoing, no sentiment, no rating, no end reason
SELECT convdash.start_conversation(:agent, 'v-ongoing', 'messenger', 'ai', '2026-06-01 08:00:00+00') AS c1 \gset
SELECT convdash.append_message(:c1, 'user', 'hi', 2, NULL, '2026-06-01 08:00:01+00') IS NOT NULL AS ok;
-- closed after 1h 02m 03s, rated, analysed, converted, tracked
SELECT convdash.create_tracker_session('desktop', started_at => '2026-06-01 08:59:00+00') AS ts \gset
SELECT convdash.start_conversation(:agent, 'v-closed', 'crm', 'human', '2026-06-01 09:00:00+00', :ts) AS c2 \gset
SELECT convdash.append_message(:c2, 'user', 'question', 10, 0, '2026-06-01 09:00:05+00') IS NOT NULL AS ok;
SELECT convdash.append_message(:c2, 'system', 'note', 100, 0, '2026-06-01 09:00:06+00') IS NOT NULL AS ok;
SELECT convdash.append_message(:c2, 'assistant', 'answer', 20, 30, '2026-06-01 09:00:09+00') IS NOT NULL AS ok;
SELECT convdash.set_sentiment(:c2, NULL, -0.6) IS NOT NULL AS ok;
SELECT convdash.set_converted(:c2, true) IS NOT NULL AS ok;
SELECT convdash.rate_conversation(:c2, 3, 'ok-ish') IS NOT NULL AS ok;
SELECT convdash.close_conversation(:c2, NULL, '2026-06-01 10:02:03+00') IS NOT NULL AS ok;

\x on
SELECT agent_name, agent_company, agent_mode, session_id, channel, status, handled_by,
	started_at, ended_at, duration_seconds, duration_text, end_reason, sentiment, sentiment_score,
	sentiment_text, converted, prompt_tokens, completion_tokens, total_tokens, message_count,
	has_voice, text_only, rating, rating_comment, tracker_session_id IS NOT NULL AS tracked, memory
FROM convdash.v_conversations WHERE account_id = :acct ORDER BY started_at;
\x off

SELECT role, content, shown, transcript_position, prompt_tokens, completion_tokens
FROM convdash.v_messages WHERE account_id = :acct ORDER BY message_id;
SELECT device, duration_text, pageview_count, event_count FROM convdash.v_tracker_sessions WHERE account_id = :acct;

SELECT account_name, agents, conversations, active, closed, archived, messages, voice_conversations,
	audio_clips, audio_bytes, rated, average_rating, deleted_conversations
FROM convdash.stats() WHERE account_id = :acct;
RESET convdash.account_id;
