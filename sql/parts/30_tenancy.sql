-- Tenancy (DESIGN §3). A transaction's tenant is proven, never declared
-- (extension/tenancy.c says how it is resolved):
--   the HTTP service  presents the request's API key to convdash.authenticate(),
--                     which installs a claim signed with the installation
--                     secret and bound to that transaction;
--   a BI login        is bound to one account by an admin with
--                     convdash.grant_tenant_reader(account_id, role);
--   an admin          (a session user with the extension owner's privileges)
--                     chooses any tenant with set_config('convdash.account_id', id, true).
-- convdash.current_account() is that tenant or NULL; a role that merely sets
-- convdash.account_id gets none. Row-level security on every tenant table
-- hides other tenants' rows (no tenant, no rows); the functions run as the
-- owner and scope every statement to convdash.require_account() themselves.
--
-- Roles (cluster-wide, created once, kept on DROP EXTENSION):
--   convdash_api     the HTTP service: SELECT on tenant tables (under RLS),
--                    EXECUTE on the API functions, owns nothing.
--   convdash_reader  BI tools: SELECT on the views and tables (under RLS),
--                    EXECUTE on read functions only; bound to a tenant by an admin.
-- The admin is the extension owner (a superuser): admin functions are
-- executable by nobody else.

DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'convdash_api') THEN
		CREATE ROLE convdash_api NOLOGIN NOINHERIT NOBYPASSRLS;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'convdash_reader') THEN
		CREATE ROLE convdash_reader NOLOGIN NOINHERIT NOBYPASSRLS;
	END IF;
END
$$;

-- The installation secret: the key of the HMACs that sign tenant claims and
-- list cursors. Not dumped (a restored database gets a new one, so old
-- cursors are refused). Row-level security without a policy hides it from
-- every role but the owner.
CREATE TABLE convdash.installation_secret (
	singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	secret     bytea NOT NULL CHECK (length(secret) = 32)
);
INSERT INTO convdash.installation_secret (secret) VALUES (decode(convdash.random_hex(32), 'hex'));
ALTER TABLE convdash.installation_secret ENABLE ROW LEVEL SECURITY;
COMMENT ON TABLE convdash.installation_secret IS
	'Key of the HMACs that sign tenant claims and list cursors (owner only, not dumped)';

-- BI logins bound to a tenant by an admin (grant_tenant_reader).
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

-- The tenant of the current transaction, or NULL when it has none.
CREATE FUNCTION convdash.current_account() RETURNS bigint
AS 'MODULE_PATHNAME', 'convdash_current_account'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION convdash.current_account() IS
	'Read: the tenant of the current transaction (an API key''s verified claim, the login''s bound tenant, or an admin''s convdash.account_id), or NULL';

-- The tenant of the current transaction; raises 42501 when none is proven.
CREATE FUNCTION convdash.require_account() RETURNS bigint
AS 'MODULE_PATHNAME', 'convdash_require_account'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION convdash.require_account() IS
	'Read: the tenant of the current transaction; raises 42501 saying why when there is none';

-- How the current transaction's tenant was established.
CREATE FUNCTION convdash.tenant_source() RETURNS text
AS 'MODULE_PATHNAME', 'convdash_tenant_source'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION convdash.tenant_source() IS
	'Read: how the tenant of the current transaction was established: api key, reader, admin, or why there is none (none, invalid claim, ignored setting, malformed setting, ambiguous reader)';

-- The id of the API key whose claim holds in this transaction, or NULL.
CREATE FUNCTION convdash.claim_key_id() RETURNS bigint
AS 'MODULE_PATHNAME', 'convdash_claim_key_id'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION convdash.claim_key_id() IS
	'Read: the id of the API key presented in this transaction (convdash.authenticate), or NULL';

-- Who acts in this transaction, for the audit: the API key or the session user.
CREATE FUNCTION convdash.current_actor() RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	kid bigint := convdash.claim_key_id();
	acct bigint;
	label text;
BEGIN
	IF kid IS NULL THEN
		RETURN session_user::text;
	END IF;
	acct := convdash.require_account();
	SELECT k.label INTO label FROM convdash.api_keys k
	WHERE k.account_id = acct AND k.id = kid;
	RETURN format('api key %s (%s)', kid, label);
END
$$;
COMMENT ON FUNCTION convdash.current_actor() IS
	'Admin: who acts in this transaction, as the audit records it: "api key <id> (<label>)" or the session user';

-- Row-level security: a tenant sees and writes only its own rows.
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['api_keys', 'agents', 'tracker_sessions',
		'tracker_pageviews', 'tracker_events', 'conversations', 'conversation_counters', 'ratings',
		'messages', 'audio_clips', 'deletion_log', 'tenant_readers']
	LOOP
		EXECUTE format('ALTER TABLE convdash.%I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE format('CREATE POLICY tenant_isolation ON convdash.%I '
			'USING (account_id OPERATOR(pg_catalog.=) convdash.current_account()) '
			'WITH CHECK (account_id OPERATOR(pg_catalog.=) convdash.current_account())', t);
	END LOOP;
END
$$;
ALTER TABLE convdash.accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON convdash.accounts
	USING (id OPERATOR(pg_catalog.=) convdash.current_account())
	WITH CHECK (id OPERATOR(pg_catalog.=) convdash.current_account());

GRANT USAGE ON SCHEMA convdash TO convdash_api, convdash_reader;

-- Checks that a text is an IANA time zone name PostgreSQL knows.
CREATE FUNCTION convdash.check_time_zone(zone text) RETURNS text
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	IF zone IS NULL OR NOT EXISTS (SELECT FROM pg_timezone_names WHERE name = zone) THEN
		RAISE EXCEPTION 'unknown time zone "%"', zone
			USING ERRCODE = 'invalid_parameter_value',
			      HINT = 'Use an IANA name such as UTC or Europe/Berlin.';
	END IF;
	RETURN zone;
END
$$;
COMMENT ON FUNCTION convdash.check_time_zone(text) IS
	'Read: returns the zone when it is a known IANA time zone name, else raises 22023';

-- Creates a tenant and returns its id.
CREATE FUNCTION convdash.create_account(name text, time_zone text DEFAULT 'UTC') RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	new_id bigint;
BEGIN
	IF name IS NULL OR length(btrim(name)) NOT BETWEEN 1 AND 200 THEN
		RAISE EXCEPTION 'account name must be 1 to 200 characters'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	INSERT INTO convdash.accounts (name, time_zone)
	VALUES (btrim(create_account.name), convdash.check_time_zone(create_account.time_zone))
	RETURNING id INTO new_id;
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION convdash.create_account(text, text) IS
	'Admin: creates an account (tenant) with the time zone its date filters use; returns its id';

-- Changes the time zone in which an account's date filters are read.
CREATE FUNCTION convdash.set_account_time_zone(account_id bigint, time_zone text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
BEGIN
	UPDATE convdash.accounts a SET time_zone = convdash.check_time_zone(set_account_time_zone.time_zone)
	WHERE a.id = set_account_time_zone.account_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'account % does not exist', account_id USING ERRCODE = 'no_data_found';
	END IF;
END
$$;
COMMENT ON FUNCTION convdash.set_account_time_zone(bigint, text) IS
	'Admin: sets the IANA time zone in which the account''s date filters are read';

-- Creates an API key for an account; the key is returned once, only its hash is kept.
CREATE FUNCTION convdash.create_api_key(account_id bigint, label text) RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	key text;
BEGIN
	IF NOT EXISTS (SELECT FROM convdash.accounts a WHERE a.id = create_api_key.account_id) THEN
		RAISE EXCEPTION 'account % does not exist', account_id USING ERRCODE = 'no_data_found';
	END IF;
	IF label IS NULL OR length(label) NOT BETWEEN 1 AND 200 THEN
		RAISE EXCEPTION 'key label must be 1 to 200 characters'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	key := 'cdk_' || account_id || '_' || convdash.random_hex(32);
	INSERT INTO convdash.api_keys (account_id, label, key_hash)
	VALUES (create_api_key.account_id, create_api_key.label, sha256(convert_to(key, 'UTF8')));
	RETURN key;
END
$$;
COMMENT ON FUNCTION convdash.create_api_key(bigint, text) IS
	'Admin: creates an API key for the account and returns it; it is shown only this once (SHA-256 stored)';

-- Revokes an API key given the key itself; returns whether a live key was revoked.
CREATE FUNCTION convdash.revoke_api_key(key text) RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.api_key_account(key);
BEGIN
	IF acct IS NULL THEN
		RETURN false;
	END IF;
	UPDATE convdash.api_keys k SET revoked_at = now()
	WHERE k.account_id = acct AND k.key_hash = sha256(convert_to(key, 'UTF8'))
	  AND k.revoked_at IS NULL;
	RETURN FOUND;
END
$$;
COMMENT ON FUNCTION convdash.revoke_api_key(text) IS
	'Admin: revokes the given API key; returns false when it was unknown or already revoked';

-- Revokes an API key by its id (as listed in convdash.api_keys).
CREATE FUNCTION convdash.revoke_api_key(account_id bigint, key_id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
BEGIN
	UPDATE convdash.api_keys k SET revoked_at = now()
	WHERE k.account_id = revoke_api_key.account_id AND k.id = key_id AND k.revoked_at IS NULL;
	RETURN FOUND;
END
$$;
COMMENT ON FUNCTION convdash.revoke_api_key(bigint, bigint) IS
	'Admin: revokes the API key with this id; returns false when it was unknown or already revoked';

-- The account named by a well-formed key (not yet checked against the store).
CREATE FUNCTION convdash.api_key_account(key text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT (regexp_match(key, '^cdk_([1-9][0-9]{0,17})_[0-9a-f]{64}$'))[1]::bigint
$$;
COMMENT ON FUNCTION convdash.api_key_account(text) IS
	'Read: the account id a well-formed API key names, or NULL for a malformed key';

-- Checks an API key and installs its tenant claim for this transaction.
CREATE FUNCTION convdash.authenticate(key text) RETURNS bigint
AS 'MODULE_PATHNAME', 'convdash_authenticate'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION convdash.authenticate(text) IS
	'API: checks an API key; when it is live, makes its account the tenant of the current transaction (a signed claim valid in this transaction only) and returns the account id, else NULL';

-- Binds a role (a BI login, or a group of them) to one tenant.
CREATE FUNCTION convdash.grant_tenant_reader(account_id bigint, role name) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	r regrole;
	bound bigint;
BEGIN
	IF NOT EXISTS (SELECT FROM convdash.accounts a WHERE a.id = grant_tenant_reader.account_id) THEN
		RAISE EXCEPTION 'account % does not exist', account_id
			USING ERRCODE = 'no_data_found', COLUMN = 'account_id';
	END IF;
	SELECT oid::regrole INTO r FROM pg_roles WHERE rolname = grant_tenant_reader.role;
	IF r IS NULL THEN
		RAISE EXCEPTION 'role "%" does not exist', role
			USING ERRCODE = 'undefined_object', COLUMN = 'role';
	END IF;
	IF (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE oid = r) THEN
		RAISE EXCEPTION 'role "%" bypasses row-level security and cannot be bound to a tenant', role
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'role';
	END IF;
	-- one tenant per role: serialise grants so two cannot bind it twice
	LOCK TABLE convdash.tenant_readers IN SHARE ROW EXCLUSIVE MODE;
	SELECT t.account_id INTO bound FROM convdash.tenant_readers t WHERE t.role = r;
	IF bound IS NOT NULL AND bound <> account_id THEN
		RAISE EXCEPTION 'role "%" is already bound to another account', role
			USING ERRCODE = 'unique_violation', COLUMN = 'role',
			      DETAIL = format('It reads account %s.', bound),
			      HINT = 'Revoke that binding first with convdash.revoke_tenant_reader().';
	END IF;
	INSERT INTO convdash.tenant_readers (account_id, role) VALUES (grant_tenant_reader.account_id, r)
	ON CONFLICT DO NOTHING;
	EXECUTE format('GRANT convdash_reader TO %I', role);
END
$$;
COMMENT ON FUNCTION convdash.grant_tenant_reader(bigint, name) IS
	'Admin: binds a role (and every login in it) to one tenant and grants it convdash_reader; it then reads that tenant''s rows only, whatever it sets';

-- Removes a role's binding to a tenant; returns whether there was one.
CREATE FUNCTION convdash.revoke_tenant_reader(account_id bigint, role name) RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
BEGIN
	DELETE FROM convdash.tenant_readers t
	WHERE t.account_id = revoke_tenant_reader.account_id
	  AND t.role = (SELECT oid FROM pg_roles WHERE rolname = revoke_tenant_reader.role);
	RETURN FOUND;
END
$$;
COMMENT ON FUNCTION convdash.revoke_tenant_reader(bigint, name) IS
	'Admin: removes a role''s binding to a tenant (it then sees no rows); returns false when there was none';

-- Every binding of a role to a tenant, for admins.
CREATE VIEW convdash.tenant_reader_grants AS
SELECT t.account_id, a.name AS account_name, t.role::text AS role, t.granted_by, t.granted_at
FROM convdash.tenant_readers t
JOIN convdash.accounts a ON a.id = t.account_id;
COMMENT ON VIEW convdash.tenant_reader_grants IS
	'Admin: which role reads which tenant (convdash.grant_tenant_reader)';
