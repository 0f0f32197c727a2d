-- Upgrade 0.1 -> 0.2, list walks (issue 13): the list's sort indexes of
-- conversations include the filter columns they do not lead with, so that a
-- walk under filters reads the index only, and a channel filter is an index
-- range of its own (sql/parts/20_tables.sql and 60_list.sql; keep in step
-- with them).
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
CREATE INDEX conversations_channel_started_idx ON convdash.conversations (account_id, channel, started_at, id)
	INCLUDE (agent_id, status, rating);
CREATE INDEX conversations_status_rating_idx ON convdash.conversations (account_id, status, rating, started_at, id)
	INCLUDE (agent_id, channel) WHERE rating IS NOT NULL;
