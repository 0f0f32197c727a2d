-- The list's indexes with conversations_channel_started_idx (issue 13):
-- LS_AFTER_SQL for an A/B of the channel index (bench/README "list").
CREATE INDEX IF NOT EXISTS conversations_channel_started_idx ON convdash.conversations
	(account_id, channel, started_at, id) INCLUDE (agent_id, status, rating);
