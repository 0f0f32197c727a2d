-- The list's covering sort indexes (sql/upgrade/0.1--0.2/list-covering.sql and
-- counters.sql): the "after" side of the comparison in list-indexes-main.sql
DROP INDEX convdash.conversations_started_idx;
CREATE INDEX conversations_started_idx ON convdash.conversations (account_id, started_at DESC, id DESC)
	INCLUDE (agent_id, channel, status, rating);
DROP INDEX convdash.conversations_agent_idx;
CREATE INDEX conversations_agent_idx ON convdash.conversations (account_id, agent_id, started_at DESC, id DESC)
	INCLUDE (channel, status, rating);
DROP INDEX convdash.conversations_status_started_idx;
CREATE INDEX conversations_status_started_idx ON convdash.conversations (account_id, status, started_at, id)
	INCLUDE (agent_id, channel, rating);
DROP INDEX convdash.conversations_rating_started_idx;
CREATE INDEX conversations_rating_started_idx ON convdash.conversations
	(account_id, (coalesce(rating, 0)), started_at, id) INCLUDE (agent_id, channel, status, rating);
DROP INDEX convdash.conversations_status_rated_idx;
CREATE INDEX conversations_status_rated_idx ON convdash.conversations (account_id, status, started_at, id)
	INCLUDE (agent_id, channel, rating) WHERE rating IS NOT NULL;
DROP INDEX convdash.conversation_counters_messages_idx;
CREATE INDEX conversation_counters_messages_idx ON convdash.conversation_counters
	(account_id, message_count DESC, conversation_id DESC) INCLUDE (agent_id, channel, status, rating, started_at);
-- the expression index's statistics went with it
ANALYZE convdash.conversations, convdash.conversation_counters;
