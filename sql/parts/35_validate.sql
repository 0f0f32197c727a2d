-- Validation helpers shared by every write and read function. Each raises
-- 22023 (invalid_parameter_value) with the offending parameter's name in the
-- error's COLUMN field, which the HTTP service returns as "field".

-- Returns the value when it is one of the enum's labels (NULL passes), else raises 22023.
CREATE FUNCTION convdash.enum_value(value text, field text, kind anyenum) RETURNS anyenum
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
	result kind%TYPE;
BEGIN
	IF value IS NULL THEN
		RETURN NULL;
	END IF;
	-- a simple expression, not a query: this runs on every ingest call
	IF NOT value = ANY (enum_range(kind)::text[]) THEN
		RAISE EXCEPTION 'invalid %: "%"', field, left(value, 100)
			USING ERRCODE = 'invalid_parameter_value', COLUMN = field,
			      HINT = 'Use one of: ' || array_to_string(enum_range(kind), ', ') || '.';
	END IF;
	result := value;
	RETURN result;
END
$$;
COMMENT ON FUNCTION convdash.enum_value(text, text, anyenum) IS
	'Read: the enum value of a label (NULL passes through); 22023 naming the field for an unknown label';

-- Returns the text when it is present (if required) and at most max_length characters.
CREATE FUNCTION convdash.check_text(value text, field text, max_length integer, required boolean DEFAULT true)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
	IF value IS NULL OR (required AND btrim(value) = '') THEN
		IF required THEN
			RAISE EXCEPTION '% is required', field
				USING ERRCODE = 'invalid_parameter_value', COLUMN = field;
		END IF;
		RETURN value;
	END IF;
	IF length(value) > max_length THEN
		RAISE EXCEPTION '% is too long (% characters, at most %)', field, length(value), max_length
			USING ERRCODE = 'invalid_parameter_value', COLUMN = field;
	END IF;
	RETURN value;
END
$$;
COMMENT ON FUNCTION convdash.check_text(text, text, integer, boolean) IS
	'Read: the text when present (if required) and not longer than max_length; else 22023 naming the field';

-- Returns the number when it is NULL or within [low, high], else raises 22023.
CREATE FUNCTION convdash.check_range(value bigint, field text, low bigint, high bigint)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
	IF value IS NOT NULL AND (value < low OR value > high) THEN
		RAISE EXCEPTION '% must be between % and %', field, low, high
			USING ERRCODE = 'invalid_parameter_value', COLUMN = field,
			      DETAIL = format('The value was %s.', value);
	END IF;
	RETURN value;
END
$$;
COMMENT ON FUNCTION convdash.check_range(bigint, text, bigint, bigint) IS
	'Read: the number when NULL or within [low, high]; else 22023 naming the field';

-- Returns the timestamp when it is NULL or one RFC 3339 can express in UTC
-- (years 0001-9999, so every stored time is answered and sorts as given),
-- else raises 22023.
CREATE FUNCTION convdash.check_time(value timestamptz, field text) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
	IF value IS NOT NULL AND NOT (value >= '0001-01-01 00:00:00+00' AND value < '10000-01-01 00:00:00+00') THEN
		RAISE EXCEPTION '% must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z', field
			USING ERRCODE = 'invalid_parameter_value', COLUMN = field,
			      DETAIL = 'Times are answered as RFC 3339 in UTC, which has no other years.';
	END IF;
	RETURN value;
END
$$;
COMMENT ON FUNCTION convdash.check_time(timestamptz, text) IS
	'Read: the timestamp when NULL or within years 0001-9999 UTC (what RFC 3339 in UTC expresses); else 22023 naming the field';

-- Locks and returns a conversation of the current tenant; P0002 when there is none.
CREATE FUNCTION convdash.lock_conversation(conversation_id bigint) RETURNS convdash.conversations
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	acct bigint := convdash.require_account();
	c convdash.conversations;
BEGIN
	SELECT * INTO c FROM convdash.conversations x
	WHERE x.account_id = acct AND x.id = lock_conversation.conversation_id
	FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'conversation % not found', conversation_id
			USING ERRCODE = 'no_data_found', COLUMN = 'conversation_id';
	END IF;
	RETURN c;
END
$$;
COMMENT ON FUNCTION convdash.lock_conversation(bigint) IS
	'Admin: locks and returns the tenant''s conversation; P0002 when it does not exist for this tenant';
