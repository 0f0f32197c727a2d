-- The list's sort indexes before the covering ones (main at 86c908f): the
-- "before" side of LS_COMPARE=86c908f LS_BEFORE_SQL=bench/compare/list-indexes-main.sql
-- LS_AFTER_SQL=bench/compare/list-indexes-covering.sql bench/list_search.sh
DROP INDEX convdash.conversations_started_idx;
CREATE INDEX conversations_started_idx ON convdash.conversations (account_id, started_at DESC, id DESC);
DROP INDEX convdash.conversations_agent_idx;
CREATE INDEX conversations_agent_idx ON convdash.conversations (account_id, agent_id, started_at DESC, id DESC);
DROP INDEX convdash.conversations_status_started_idx;
CREATE INDEX conversations_status_started_idx ON convdash.conversations (account_id, status, started_at, id);
DROP INDEX convdash.conversations_rating_started_idx;
CREATE INDEX conversations_rating_started_idx ON convdash.conversations
	(account_id, (coalesce(rating, 0)), started_at, id);
DROP INDEX convdash.conversations_status_rated_idx;
CREATE INDEX conversations_status_rated_idx ON convdash.conversations (account_id, status, started_at, id)
	WHERE rating IS NOT NULL;
DROP INDEX convdash.conversation_counters_messages_idx;
CREATE INDEX conversation_counters_messages_idx ON convdash.conversation_counters
	(account_id, message_count DESC, conversation_id DESC);
-- the expression index's statistics went with it
ANALYZE convdash.conversations, convdash.conversation_counters;
