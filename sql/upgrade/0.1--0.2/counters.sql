-- Upgrade 0.1 -> 0.2, append rate (issue 11): the counters every append
-- changes (message_count, tokens, last_message_at) move from conversations
-- to conversation_counters (sql/parts/20_tables.sql; keep in step with it),
-- so an append no longer writes the wide conversations row and all its
-- indexes; the rows carry copies of the list's filter columns. v_conversations
-- is redefined here already (same columns), before the columns it read are
-- dropped.

CREATE TABLE convdash.conversation_counters (
	account_id         bigint NOT NULL,
	conversation_id    bigint NOT NULL,
	message_count      integer NOT NULL DEFAULT 0 CHECK (message_count >= 0),
	prompt_tokens      bigint NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
	completion_tokens  bigint NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
	last_message_at    timestamptz,
	agent_id           bigint NOT NULL,
	channel            convdash.channel NOT NULL,
	status             convdash.conversation_status NOT NULL,
	started_at         timestamptz NOT NULL,
	rating             smallint,
	PRIMARY KEY (account_id, conversation_id),
	FOREIGN KEY (account_id, conversation_id)
		REFERENCES convdash.conversations (account_id, id) ON DELETE CASCADE
) WITH (fillfactor = 70);
INSERT INTO convdash.conversation_counters
	(account_id, conversation_id, message_count, prompt_tokens, completion_tokens, last_message_at,
	 agent_id, channel, status, started_at, rating)
SELECT c.account_id, c.id, c.message_count, c.prompt_tokens, c.completion_tokens, c.last_message_at,
	c.agent_id, c.channel, c.status, c.started_at, c.rating
FROM convdash.conversations c;
CREATE INDEX conversation_counters_messages_idx ON convdash.conversation_counters
	(account_id, message_count DESC, conversation_id DESC) INCLUDE (agent_id, channel, status, rating, started_at);
COMMENT ON TABLE convdash.conversation_counters IS
	'Per-conversation counters kept by append_message (one row per conversation); verified by integrity_check()';
COMMENT ON COLUMN convdash.conversation_counters.message_count IS 'User and assistant messages (the ones the transcript shows); kept by append_message';
COMMENT ON COLUMN convdash.conversation_counters.prompt_tokens IS 'Sum of prompt tokens over all messages; kept by append_message';
COMMENT ON COLUMN convdash.conversation_counters.completion_tokens IS 'Sum of completion tokens over all messages; kept by append_message';
COMMENT ON COLUMN convdash.conversation_counters.last_message_at IS 'Time of the latest message (any role); NULL before the first';
COMMENT ON COLUMN convdash.conversation_counters.status IS 'Copy of conversations.status for the list''s messages sort; kept by sync_conversation_counters';
COMMENT ON COLUMN convdash.conversation_counters.rating IS 'Copy of conversations.rating for the list''s messages sort; kept by sync_conversation_counters';
SELECT pg_catalog.pg_extension_config_dump('convdash.conversation_counters', '');
ALTER TABLE convdash.conversation_counters ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON convdash.conversation_counters
	USING (account_id OPERATOR(pg_catalog.=) convdash.current_account())
	WITH CHECK (account_id OPERATOR(pg_catalog.=) convdash.current_account());

-- the view reads the columns dropped below: the install script's part of the
-- upgrade creates it again (70_views.sql) with its comment and grants
DROP VIEW convdash.v_conversations;

DROP INDEX convdash.conversations_messages_idx;
ALTER TABLE convdash.conversations DROP COLUMN message_count, DROP COLUMN prompt_tokens,
	DROP COLUMN completion_tokens, DROP COLUMN last_message_at;
