-- Helpers written in C (extension/*.c): tokens, durations, sentiment.

CREATE FUNCTION convdash.random_hex(nbytes integer) RETURNS text
AS 'MODULE_PATHNAME', 'convdash_random_hex'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.random_hex(integer) IS
	'Admin: nbytes (1-256) of cryptographically strong randomness as lowercase hex';

CREATE FUNCTION convdash.duration_seconds(started_at timestamptz, ended_at timestamptz) RETURNS bigint
AS 'MODULE_PATHNAME', 'convdash_duration_seconds'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION convdash.duration_seconds(timestamptz, timestamptz) IS
	'Read: whole seconds from started_at to ended_at; NULL while ended_at is NULL; 22023 when negative';

CREATE FUNCTION convdash.duration_text(seconds bigint) RETURNS text
AS 'MODULE_PATHNAME', 'convdash_duration_text'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION convdash.duration_text(bigint) IS
	'Read: "45s", "3m 05s", "1h 02m 03s", "2d 04h 10m"; "Ongoing" for NULL; 22023 when negative';

CREATE FUNCTION convdash.sentiment_label(score double precision) RETURNS convdash.sentiment
AS 'MODULE_PATHNAME', 'convdash_sentiment_label'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.sentiment_label(double precision) IS
	'Read: label of a score in [-1, 1]: >= 0.05 positive, <= -0.05 negative, else neutral; 22023 outside';

CREATE FUNCTION convdash.sentiment_text(label text) RETURNS text
AS 'MODULE_PATHNAME', 'convdash_sentiment_text'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION convdash.sentiment_text(text) IS
	'Read: "Positive", "Negative", "Neutral", or "Not analyzed" for NULL; 22023 for an unknown label';

CREATE FUNCTION convdash.sentiment_text(label convdash.sentiment) RETURNS text
AS 'MODULE_PATHNAME', 'convdash_sentiment_enum_text'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION convdash.sentiment_text(convdash.sentiment) IS
	'Read: "Positive", "Negative", "Neutral", or "Not analyzed" for NULL';
