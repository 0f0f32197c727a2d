-- The covering "messages" sort index of conversation_counters
-- (sql/upgrade/0.1--0.2/counters.sql), the rest of the "after" side of the
-- comparison in list-indexes-main.sql: run after
-- sql/upgrade/0.1--0.2/list-covering.sql (the conversations indexes), e.g.
-- LS_AFTER_SQL="sql/upgrade/0.1--0.2/list-covering.sql bench/compare/list-indexes-covering.sql"
DROP INDEX convdash.conversation_counters_messages_idx;
CREATE INDEX conversation_counters_messages_idx ON convdash.conversation_counters
	(account_id, message_count DESC, conversation_id DESC) INCLUDE (agent_id, channel, status, rating, started_at);
-- the expression index's statistics went with it
ANALYZE convdash.conversations, convdash.conversation_counters;
