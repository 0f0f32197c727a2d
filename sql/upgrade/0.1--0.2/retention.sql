-- Upgrade 0.1 -> 0.2, retention policies and the SQL export (issue 15): the
-- table of rules; purge_conversations gains agent_ids and reason (a new
-- signature). The functions and views of 60_list.sql, 66_delete.sql,
-- 68_retention.sql and 72_export.sql come with every other function.

DROP FUNCTION convdash.purge_conversations(interval, text[], bigint, integer);

CREATE TABLE convdash.retention_policies (
	account_id  bigint NOT NULL REFERENCES convdash.accounts (id) ON DELETE CASCADE,
	id          bigint GENERATED ALWAYS AS IDENTITY,
	agent_id    bigint,
	status      convdash.conversation_status NOT NULL,
	max_age     interval NOT NULL CHECK (max_age > interval '0'),
	updated_at  timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, id),
	CONSTRAINT retention_policies_rule_key UNIQUE NULLS NOT DISTINCT (account_id, agent_id, status),
	FOREIGN KEY (account_id, agent_id) REFERENCES convdash.agents (account_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE convdash.retention_policies IS
	'Retention rules: conversations of the account (of the agent, when agent_id is set) in the status are deleted once their last activity is older than max_age';
SELECT pg_catalog.pg_extension_config_dump('convdash.retention_policies', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.retention_policies_id_seq', '');
ALTER TABLE convdash.retention_policies ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON convdash.retention_policies
	USING (account_id OPERATOR(pg_catalog.=) convdash.current_account())
	WITH CHECK (account_id OPERATOR(pg_catalog.=) convdash.current_account());
