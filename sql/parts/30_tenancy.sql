-- Tenancy (DESIGN §3). The tenant of a transaction is the setting
-- convdash.account_id, set with set_config(..., true). Row-level security on
-- every tenant table hides other tenants' rows from every role but the owner;
-- the functions run as the owner and scope every statement to
-- convdash.require_account() themselves. No setting means no rows.
--
-- Roles (cluster-wide, created once, kept on DROP EXTENSION):
--   convdash_api     the HTTP service: SELECT on tenant tables (under RLS),
--                    EXECUTE on the API functions, owns nothing.
--   convdash_reader  BI tools: SELECT on the views and tables (under RLS),
--                    EXECUTE on read functions only.
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

-- The tenant of the current transaction, or NULL when none is set.
CREATE FUNCTION convdash.current_account() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULLIF(pg_catalog.current_setting('convdash.account_id', true), '')::bigint $$;
COMMENT ON FUNCTION convdash.current_account() IS
	'Read: the tenant set by set_config(''convdash.account_id'', id, true), or NULL';

-- The tenant of the current transaction; raises 42501 when none is set.
CREATE FUNCTION convdash.require_account() RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
	setting text := pg_catalog.current_setting('convdash.account_id', true);
BEGIN
	IF setting IS NULL OR setting = '' THEN
		RAISE EXCEPTION 'no tenant is set'
			USING ERRCODE = 'insufficient_privilege',
			      HINT = 'Run SELECT set_config(''convdash.account_id'', ''<account id>'', true) in the transaction first.';
	END IF;
	IF setting !~ '^[0-9]{1,18}$' THEN
		RAISE EXCEPTION 'convdash.account_id is not an account id'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	RETURN setting::bigint;
END
$$;
COMMENT ON FUNCTION convdash.require_account() IS
	'Read: the tenant of the current transaction; raises 42501 when none is set';

-- Row-level security: a tenant sees and writes only its own rows.
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['api_keys', 'agents', 'tracker_sessions',
		'tracker_pageviews', 'tracker_events', 'conversations', 'ratings',
		'messages', 'audio_clips', 'deletion_log']
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
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
	WITH r AS (
		UPDATE convdash.api_keys k SET revoked_at = now()
		WHERE k.account_id = revoke_api_key.account_id AND k.id = key_id AND k.revoked_at IS NULL
		RETURNING 1)
	SELECT EXISTS (SELECT FROM r)
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

-- Looks up a key for the HTTP service: the account id, or NULL when unknown or revoked.
CREATE FUNCTION convdash.authenticate(key text) RETURNS bigint
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
	SELECT k.account_id
	FROM convdash.api_keys k
	WHERE k.account_id = convdash.api_key_account(key)
	  AND k.key_hash = sha256(convert_to(key, 'UTF8'))
	  AND k.revoked_at IS NULL
$$;
COMMENT ON FUNCTION convdash.authenticate(text) IS
	'API: the account id of a live API key, or NULL when the key is unknown, malformed or revoked';
