-- JSON helpers shared by every read function that answers the API.

CREATE FUNCTION convdash.rfc3339(ts timestamptz) RETURNS text
AS 'MODULE_PATHNAME', 'convdash_rfc3339'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.rfc3339(timestamptz) IS
	'Read: RFC 3339 UTC text of a timestamp with microseconds, e.g. 2026-01-02T03:04:05.000000Z; NULL for NULL, infinite or years outside 1-9999';
