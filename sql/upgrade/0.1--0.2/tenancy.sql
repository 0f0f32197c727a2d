-- 0.1 -> 0.2, tenancy: tenants proven by credentials (tables and views;
-- the functions of 30_tenancy.sql, 38_idempotency.sql and 66_delete.sql are
-- replaced with the rest of the functions).

-- the installation secret now signs tenant claims too: same key, new name
CREATE TABLE convdash.installation_secret (
	singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	secret     bytea NOT NULL CHECK (length(secret) = 32)
);
INSERT INTO convdash.installation_secret (secret) SELECT secret FROM convdash.cursor_secret;
ALTER TABLE convdash.installation_secret ENABLE ROW LEVEL SECURITY;
COMMENT ON TABLE convdash.installation_secret IS
	'Key of the HMACs that sign tenant claims and list cursors (owner only, not dumped)';
DROP TABLE convdash.cursor_secret;

-- BI logins bound to a tenant
CREATE TABLE convdash.tenant_readers (
	account_id  bigint NOT NULL REFERENCES convdash.accounts (id) ON DELETE CASCADE,
	role        regrole NOT NULL,
	granted_by  text NOT NULL DEFAULT session_user,
	granted_at  timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, role)
);
COMMENT ON TABLE convdash.tenant_readers IS
	'BI roles bound to one tenant each: a login that is (a member of) such a role reads that tenant''s rows only';
SELECT pg_catalog.pg_extension_config_dump('convdash.tenant_readers', '');
ALTER TABLE convdash.tenant_readers ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON convdash.tenant_readers
	USING (account_id OPERATOR(pg_catalog.=) convdash.current_account())
	WITH CHECK (account_id OPERATOR(pg_catalog.=) convdash.current_account());

-- the audit names the API key; a setting may only add a note
ALTER TABLE convdash.deletion_log ALTER COLUMN deleted_by SET DEFAULT session_user;
ALTER TABLE convdash.deletion_log ADD COLUMN api_key_id bigint;
ALTER TABLE convdash.deletion_log ADD COLUMN note text CHECK (length(note) <= 200);
COMMENT ON COLUMN convdash.deletion_log.deleted_by IS 'Who deleted: "api key <id> (<label>)" for the service, else the session user; never taken from a setting';
COMMENT ON COLUMN convdash.deletion_log.note IS 'Free-text note of the deleter (the setting convdash.note), at most 200 characters';

-- answers of idempotent writes
CREATE TABLE convdash.idempotency_keys (
	account_id    bigint NOT NULL REFERENCES convdash.accounts (id) ON DELETE CASCADE,
	key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
	request_hash  bytea NOT NULL CHECK (length(request_hash) = 32),
	status        integer CHECK (status BETWEEN 100 AND 599),
	response      jsonb,
	created_at    timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, key)
);
COMMENT ON TABLE convdash.idempotency_keys IS
	'Answers of writes sent with an Idempotency-Key, per tenant, kept 24 hours (SHA-256 of the request, no body)';
SELECT pg_catalog.pg_extension_config_dump('convdash.idempotency_keys', '');
ALTER TABLE convdash.idempotency_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON convdash.idempotency_keys
	USING (account_id OPERATOR(pg_catalog.=) convdash.current_account())
	WITH CHECK (account_id OPERATOR(pg_catalog.=) convdash.current_account());

CREATE VIEW convdash.tenant_reader_grants AS
SELECT t.account_id, a.name AS account_name, t.role::text AS role, t.granted_by, t.granted_at
FROM convdash.tenant_readers t
JOIN convdash.accounts a ON a.id = t.account_id;
COMMENT ON VIEW convdash.tenant_reader_grants IS
	'Admin: which role reads which tenant (convdash.grant_tenant_reader)';

GRANT SELECT ON convdash.idempotency_keys TO convdash_api, convdash_reader;
REVOKE ALL ON convdash.installation_secret, convdash.tenant_readers, convdash.tenant_reader_grants
	FROM convdash_api, convdash_reader;
