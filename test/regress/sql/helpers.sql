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

-- durations: sub-second negatives and overflow are errors; fractions truncate
SELECT convdash.duration_seconds('2026-01-01 10:00:00.2+00', '2026-01-01 10:00:00.9+00') AS under_a_second;
SELECT pg_temp.err($$SELECT convdash.duration_seconds('2026-01-01 10:00:00.5+00', '2026-01-01 10:00:00.2+00')$$);
SELECT pg_temp.err($$SELECT convdash.duration_seconds('4713-01-01 00:00:00+00 BC', '294276-12-31 23:59:59+00')$$);
SELECT convdash.duration_text(9223372036854775807) AS longest;

-- sentiment text of the enum (C, same answers as the text form)
SELECT l, convdash.sentiment_text(l) AS from_enum, convdash.sentiment_text(l::text) AS from_text
FROM unnest(enum_range(NULL::convdash.sentiment) || NULL::convdash.sentiment) AS l;

-- sentiment_summary: counts per label, not analyzed, mean of the scores given;
-- a score without a label counts under the score's label
CREATE TEMP TABLE sentiments (label convdash.sentiment, score float8);
INSERT INTO sentiments VALUES ('positive', 0.5), ('positive', NULL), ('negative', -0.9), ('neutral', 0.0),
	(NULL, NULL), (NULL, NULL), (NULL, 0.3), (NULL, -0.05), (NULL, 0.01);
SELECT (convdash.sentiment_summary(label, score)).* FROM sentiments;
SELECT (convdash.sentiment_summary(label, score)).* FROM sentiments WHERE false;
SELECT to_jsonb(convdash.sentiment_summary(label, score)) FROM sentiments WHERE label IS NULL;
SELECT label IS NULL AS unlabelled, (convdash.sentiment_summary(label, score)).mean_score
FROM sentiments GROUP BY 1 ORDER BY 1;

-- the same answer from a parallel plan (partial states merged by the combine function)
CREATE TABLE helpers_sentiments AS
SELECT (ARRAY['positive', 'negative', 'neutral', NULL])[1 + i % 4]::convdash.sentiment AS label,
	CASE WHEN i % 3 = 0 THEN NULL ELSE ((i % 201) - 100) / 100.0 END AS score
FROM generate_series(1, 100000) AS i;
ANALYZE helpers_sentiments;
SELECT s.positive, s.negative, s.neutral, s.not_analyzed, s.total, s.scored, round(s.mean_score::numeric, 12) AS mean_score
FROM (SELECT (convdash.sentiment_summary(label, score)).* FROM helpers_sentiments) s;
SELECT to_jsonb(s) - 'mean_score' = to_jsonb(p) - 'mean_score' AND abs(s.mean_score - p.mean_score) < 1e-12 AS matches_plain_sql
FROM (SELECT (convdash.sentiment_summary(label, score)).* FROM helpers_sentiments) s,
	(SELECT count(*) FILTER (WHERE coalesce(label, convdash.sentiment_label(score)) = 'positive') AS positive,
		count(*) FILTER (WHERE coalesce(label, convdash.sentiment_label(score)) = 'negative') AS negative,
		count(*) FILTER (WHERE coalesce(label, convdash.sentiment_label(score)) = 'neutral') AS neutral,
		count(*) FILTER (WHERE label IS NULL AND score IS NULL) AS not_analyzed,
		count(*) AS total, count(score) AS scored, avg(score) AS mean_score
	 FROM helpers_sentiments) p;
BEGIN;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT convdash.sentiment_summary(label, score) FROM helpers_sentiments;
SELECT s.positive, s.negative, s.neutral, s.not_analyzed, s.total, s.scored, round(s.mean_score::numeric, 12) AS mean_score
FROM (SELECT (convdash.sentiment_summary(label, score)).* FROM helpers_sentiments) s;
COMMIT;
DROP TABLE helpers_sentiments;

-- BI may call the aggregate (its support functions are not granted: the aggregate runs them as its owner)
BEGIN;
SET LOCAL ROLE convdash_reader;
SELECT (convdash.sentiment_summary(label, score)).total AS as_reader
FROM (VALUES ('positive'::convdash.sentiment, 0.5::float8), (NULL, NULL)) AS v(label, score);
SELECT pg_temp.err($$SELECT convdash.sentiment_summary_final('{0,0,0,0,0,0}')$$) AS support_function;
ROLLBACK;

-- errors: a score outside [-1, 1] or NaN, with or without a label
SELECT pg_temp.err($$SELECT convdash.sentiment_summary(NULL, 1.5)$$);
SELECT pg_temp.err($$SELECT convdash.sentiment_summary('positive', 'NaN')$$);
SELECT pg_temp.err($$SELECT convdash.sentiment_summary(label, -2) FROM (VALUES ('neutral'::convdash.sentiment)) v(label)$$);

-- the support functions called directly (accum copies its state outside an aggregate)
SELECT convdash.sentiment_summary_accum('{0,0,0,0,0,0}', 'neutral', 0.01) AS accum,
	convdash.sentiment_summary_combine('{1,2,3,4,5,0.5}', '{1,1,1,1,1,0.25}') AS combined,
	(convdash.sentiment_summary_final('{1,2,3,4,2,0.5}')).mean_score AS mean;
SELECT pg_temp.err($$SELECT convdash.sentiment_summary_final('{1,2,3}')$$);

-- RFC 3339 UTC text: microseconds, Z, any session time zone; NULL when not representable
SET timezone = 'America/New_York';
SELECT convdash.rfc3339('2026-03-08 01:59:59.999999-05') AS before_dst,
	convdash.rfc3339('2026-03-08 03:00:00-04') AS after_dst,
	convdash.rfc3339('2026-01-02 03:04:05.12+02') AS fraction,
	convdash.rfc3339('0001-01-01 00:00:00+00') AS first_year,
	convdash.rfc3339('9999-12-31 23:59:59.999999+00') AS last_year;
RESET timezone;
SELECT convdash.rfc3339(NULL) IS NULL AS null_in, convdash.rfc3339('infinity') IS NULL AS infinite,
	convdash.rfc3339('-infinity') IS NULL AS minus_infinite, convdash.rfc3339('0044-03-15 BC') IS NULL AS bc,
	convdash.rfc3339('10000-01-01 00:00:00+00') IS NULL AS year_10000;
SELECT convdash.rfc3339(t)::timestamptz = t AS round_trips
FROM (VALUES ('2026-11-24 10:52:15.123456+00'::timestamptz)) v(t);

-- One list row: every field typed, strings kept whole (quotes, backslashes
-- and control characters escaped in its text, non-ASCII as it is), NULL
-- fields and a time without RFC 3339 text as null; the object SQL would build
SELECT convdash.list_row(9007199254740993, 2, 'Ann "A\" B', E'tab\there', 'sess-ü-😀', 'web', 'closed', 2147483647, 5,
	'2026-11-24 10:52:15.123456+00') AS full_row;
SELECT convdash.list_row(1, 2, 'n', NULL, NULL, 'voip', 'active', 0, NULL, 'infinity') AS nulls_row,
	convdash.list_row(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL) AS all_null;
SELECT convdash.list_row(1, 2, 'n', 'c', 's', 'web', 'active', 3, 4, t) = jsonb_build_object('id', 1,
	'agent', jsonb_build_object('id', 2, 'name', 'n', 'company', 'c'), 'session_id', 's', 'channel', 'web',
	'status', 'active', 'message_count', 3, 'rating', 4, 'started_at', convdash.rfc3339(t)) AS as_built_in_sql
FROM (VALUES ('2026-01-02 03:04:05+00'::timestamptz)) v(t);

-- Each page id's first hit: the smallest seq among its hits, NULL without
-- one; an id twice on the page gets it at both places; hits past the
-- shorter of the two hit arrays, NULL hits and NULL ids are left out
SELECT convdash.hits_first_seq('{7, 3, 9, 3, NULL}', '{3, 9, 3, 7, 3, NULL, 9, 11}', '{40, 5, 12, 2, NULL, 1, 6}') AS firsts,
	convdash.hits_first_seq('{}', '{1}', '{1}') AS no_ids,
	convdash.hits_first_seq('{1, 2}', '{}', '{}') AS no_hits,
	convdash.hits_first_seq('{1}', '{1, 1}', '{3}') AS seqs_shorter,
	convdash.hits_first_seq('{1}', NULL, '{3}') IS NULL AS null_in;
SELECT convdash.hits_first_seq(ARRAY[i.id], h.ids, h.seqs) = ARRAY[(SELECT min(s) FROM unnest(h.ids, h.seqs) x(c, s) WHERE c = i.id)]
	AS same_as_sql
FROM (SELECT array_agg((g * 7919) % 50) AS ids, array_agg((g * 104729) % 1000) AS seqs FROM generate_series(1, 5000) g) h,
	generate_series(0, 51) i(id)
GROUP BY 1;
