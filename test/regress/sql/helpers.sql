-- C helpers: duration, sentiment, random tokens.
\set QUIET on
\i test/regress/include/err.sql
\set QUIET off
SELECT x AS seconds, convdash.duration_text(x)
FROM unnest(ARRAY[NULL, 0, 1, 45, 59, 60, 185, 3599, 3600, 3723, 86399, 86400, 187800, 9000000]::bigint[]) AS x;

SELECT convdash.duration_seconds('2026-01-01 10:00:00+00', '2026-01-01 10:03:05.9+00');
SELECT convdash.duration_seconds('2026-01-01 10:00:00+00', NULL) IS NULL AS ongoing;
SELECT convdash.duration_text(convdash.duration_seconds('2026-01-01 10:00:00+00', NULL));

-- errors: negative and infinite durations
SELECT pg_temp.err($$SELECT convdash.duration_text(-1)$$);
SELECT pg_temp.err($$SELECT convdash.duration_seconds('2026-01-01 10:00:00+00', '2026-01-01 09:00:00+00')$$);
SELECT pg_temp.err($$SELECT convdash.duration_seconds('-infinity', '2026-01-01 09:00:00+00')$$);

SELECT s AS score, convdash.sentiment_label(s), convdash.sentiment_text(convdash.sentiment_label(s))
FROM unnest(ARRAY[-1, -0.5, -0.05, -0.0499, 0, 0.0499, 0.05, 0.7, 1]::float8[]) AS s;
SELECT convdash.sentiment_label(NULL) IS NULL AS null_label;
SELECT convdash.sentiment_text(NULL::convdash.sentiment);
SELECT convdash.sentiment_text(NULL::text);

-- errors: scores outside [-1, 1], NaN, unknown labels
SELECT pg_temp.err($$SELECT convdash.sentiment_label(1.01)$$);
SELECT pg_temp.err($$SELECT convdash.sentiment_label(-1.5)$$);
SELECT pg_temp.err($$SELECT convdash.sentiment_label('NaN')$$);
SELECT pg_temp.err($$SELECT convdash.sentiment_text('happy')$$);

SELECT length(convdash.random_hex(32)) AS hex_len, convdash.random_hex(16) ~ '^[0-9a-f]{32}$' AS is_hex,
	convdash.random_hex(8) <> convdash.random_hex(8) AS differs;
SELECT pg_temp.err($$SELECT convdash.random_hex(0)$$);
SELECT pg_temp.err($$SELECT convdash.random_hex(257)$$);
