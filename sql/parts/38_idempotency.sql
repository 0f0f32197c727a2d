-- Idempotent retries (DESIGN §5): a write sent with an Idempotency-Key runs
-- once per tenant and key; a repeat with the same request gets the first
-- answer, a repeat with another request is a conflict (23505, HTTP 409).
-- Keys are kept for 24 hours (expire_idempotency_keys removes older ones;
-- an expired key may be used again).
--
-- The service, in the write's transaction:
--   SELECT convdash.idempotency_begin(key, request)   -- NULL: go on; else {status, body}: answer that
--   <the write>                                      -- its answer
--   SELECT convdash.idempotency_finish(key, status, body)
-- The row idempotency_begin inserts is the lock: a concurrent repeat waits
-- for the first transaction and then finds its answer (or, when it rolled
-- back, runs itself).

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

-- How long an answer is kept for repeats.
CREATE FUNCTION convdash.idempotency_window() RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT interval '24 hours' $$;
COMMENT ON FUNCTION convdash.idempotency_window() IS
	'Read: how long the answer of a write sent with an Idempotency-Key is kept for repeats (24 hours)';

-- Checks an Idempotency-Key: 1 to 255 visible ASCII characters.
CREATE FUNCTION convdash.check_idempotency_key(key text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
	IF key IS NULL OR key !~ '^[\x21-\x7e]{1,255}$' THEN
		RAISE EXCEPTION 'Idempotency-Key must be 1 to 255 visible ASCII characters'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'Idempotency-Key';
	END IF;
	RETURN key;
END
$$;
COMMENT ON FUNCTION convdash.check_idempotency_key(text) IS
	'Read: the key when it is 1 to 255 visible ASCII characters; else 22023 naming the Idempotency-Key header';

-- Starts an idempotent write: NULL when it should run, else the first answer {status, body}.
CREATE FUNCTION convdash.idempotency_begin(key text, request text) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	k text := convdash.check_idempotency_key(key);
	hash bytea := sha256(convert_to(coalesce(request, ''), 'UTF8'));
	prior convdash.idempotency_keys;
	-- Citus wants DO UPDATE free of non-immutable functions: times taken here
	at timestamptz := now();
	expired timestamptz := now() - convdash.idempotency_window();
BEGIN
	INSERT INTO convdash.idempotency_keys AS i (account_id, key, request_hash)
	VALUES (acct, k, hash)
	ON CONFLICT ON CONSTRAINT idempotency_keys_pkey DO UPDATE
		SET request_hash = EXCLUDED.request_hash, status = NULL, response = NULL, created_at = at
		WHERE i.created_at < expired
	RETURNING * INTO prior;
	IF FOUND THEN
		RETURN NULL;		-- first use (or an expired one): this transaction runs the write
	END IF;
	SELECT * INTO prior FROM convdash.idempotency_keys i WHERE i.account_id = acct AND i.key = k;
	IF prior.request_hash <> hash OR prior.status IS NULL THEN
		RAISE EXCEPTION 'Idempotency-Key "%" was already used for another request', left(k, 100)
			USING ERRCODE = 'unique_violation', COLUMN = 'Idempotency-Key',
			      HINT = 'Use a new key for a new request; a key is kept for 24 hours.';
	END IF;
	RETURN jsonb_build_object('status', prior.status, 'body', prior.response);
END
$$;
COMMENT ON FUNCTION convdash.idempotency_begin(text, text) IS
	'API: starts a write sent with an Idempotency-Key (request = method, path and body): NULL when it should run now, else the first answer {status, body}; 23505 when the key was used for another request';

-- Stores the answer of an idempotent write begun in this transaction; returns the body.
CREATE FUNCTION convdash.idempotency_finish(key text, status integer, body jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
BEGIN
	PERFORM convdash.check_range(status, 'status', 100, 599);
	UPDATE convdash.idempotency_keys i SET status = idempotency_finish.status, response = body
	WHERE i.account_id = acct AND i.key = convdash.check_idempotency_key(idempotency_finish.key)
	  AND i.status IS NULL;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no idempotent write with this key was begun in this transaction'
			USING ERRCODE = 'object_not_in_prerequisite_state', COLUMN = 'Idempotency-Key';
	END IF;
	RETURN body;
END
$$;
COMMENT ON FUNCTION convdash.idempotency_finish(text, integer, jsonb) IS
	'API: stores the status and body answered to an idempotent write begun in this transaction (idempotency_begin); returns the body';

-- Removes answers older than the window; returns how many.
CREATE FUNCTION convdash.expire_idempotency_keys() RETURNS bigint
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
	WITH d AS (DELETE FROM convdash.idempotency_keys i
	           WHERE i.created_at < now() - convdash.idempotency_window() RETURNING 1)
	SELECT count(*) FROM d
$$;
COMMENT ON FUNCTION convdash.expire_idempotency_keys() IS
	'Admin: removes stored answers of idempotent writes older than 24 hours (every tenant); returns how many';
