-- Upgrade 0.1 -> 0.2, live events (issue 14): the outbox table of
-- sql/parts/55_events.sql; its functions are regenerated. Keep in step with that part.

CREATE TABLE convdash.events (
	account_id       bigint NOT NULL REFERENCES convdash.accounts (id) ON DELETE CASCADE,
	id               bigint GENERATED ALWAYS AS IDENTITY,
	tx               xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
	type             text NOT NULL,
	conversation_id  bigint NOT NULL,
	data             jsonb NOT NULL,
	created_at       timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, id)
);
CREATE INDEX events_order_idx ON convdash.events (account_id, tx, id);
COMMENT ON TABLE convdash.events IS
	'Changes of conversations, messages and clips for live dashboards (kept at least events_window()); ids and small fields only';
COMMENT ON COLUMN convdash.events.tx IS 'The writing transaction: readers return rows of finished transactions only, in (tx, id) order';
SELECT pg_catalog.pg_extension_config_dump('convdash.events', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.events_id_seq', '');
ALTER TABLE convdash.events ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON convdash.events
	USING (account_id OPERATOR(pg_catalog.=) convdash.current_account())
	WITH CHECK (account_id OPERATOR(pg_catalog.=) convdash.current_account());
