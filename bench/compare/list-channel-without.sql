-- The list's indexes before conversations_channel_started_idx (issue 13):
-- LS_BEFORE_SQL for an A/B of the channel index (bench/README "list").
DROP INDEX IF EXISTS convdash.conversations_channel_started_idx;
