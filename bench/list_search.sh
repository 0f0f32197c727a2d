#!/usr/bin/env bash
# List and search latency (PERFORMANCE.md targets), each class beside its
# naive baseline measured in the same run, timed inside the server
# (clock_timestamp() around each call: the "in SQL" figure).
#
# Tenant: the largest account. Classes:
#   list        page 1 and page 1,000 (keyset cursor reached by walking the
#               API) for every sort x order, with and without filters;
#               baseline: ORDER BY ... OFFSET + exact count(*)
#   list draws  LS_DRAWS (default 80) seeded random filter sets over every
#               filter (status, channel, agent, min rating, date windows of
#               1 day to a year, open-ended or not) x a random sort and
#               order, page 1 and the deepest page up to 1,000
#   search      rare (one conversation's order id), medium (~0.1% of messages)
#               and common (~20%) words picked from a sample of the data,
#               session-id fragments, agent names, 1-2 characters with hits
#               and with none, multi-word phrases (two adjacent words, three
#               short words), symbols (emoji and punctuation), and a term
#               frequent in another tenant (planted once per database: in
#               40,000 messages of the second tenant, once in this one);
#               each without and with filters; common and medium terms under
#               every sort on page 1 and page 10; every term under seeded
#               random filter x sort draws; pages with count=exact;
#               baseline: the naive ILIKE + EXISTS query, same page (an
#               exact count(*) of it for count=exact)
#   words       match=words: rare, medium and common words, "quoted
#               phrases", or / -word / two words, agent names, a word of
#               another tenant, no hit; with filters, sort=relevance, every
#               sort on page 1 and page 10, random filter x sort draws;
#               baseline: to_tsvector(...) @@ websearch_to_tsquery(...)
#               without index (ranked by ts_rank_cd for relevance)
# Each class has several variants (terms / filters / sorts); the fast path
# runs LS_ROUNDS rounds (default 4) after a warm-up round, the baseline
# LS_BASE_ROUNDS (default 1) round, each call capped by LS_BASE_TIMEOUT
# (default 120s). p50/p95 are over all calls of the class.
# LS_COMPARE=<git revision> times the fast path of that revision too, in
# the same run: every round runs each class with that revision's routines
# (side "before": every function, view and trigger of its install script
# redefined in the database) and then with this worktree's (side "fast"),
# the baseline after both; the table prints both sides. Only routines are
# swapped: the schema (tables, indexes) stays the installed one, unless
# LS_BEFORE_SQL / LS_AFTER_SQL name files (space-separated) of more
# statements that each side runs after its routines (the index definitions
# of each side, say).
# LS_CLASSES, a regular expression, keeps only the classes it matches.
# Then, for every class whose p95 misses its target, the plans of its slowest
# call (auto_explain of the statements inside list_conversations).
# Writes all of it to $BENCH_RESULTS/list_search-<scale>.txt as well.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${BENCH_RESULTS:-bench/results}/list_search-${BENCH_SCALE:-x}.txt
mkdir -p "$(dirname "$out")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Prints the routines of an install script as CREATE OR REPLACE statements
# that psql can run (the extension machinery's MODULE_PATHNAME spelled out).
redefine() {
	scripts/sql-redefine.pl "$1" | sed "s|'MODULE_PATHNAME'|'\$libdir/convdash'|"
}
: >"$work/before.sql"
: >"$work/after.sql"
if [ -n "${LS_COMPARE:-}" ]; then
	for part in $(git ls-tree --name-only "$LS_COMPARE" sql/parts/); do git show "$LS_COMPARE:$part"; done >"$work/before-install.sql"
	redefine "$work/before-install.sql" >"$work/before.sql"
	cat sql/parts/*.sql >"$work/after-install.sql"
	redefine "$work/after-install.sql" >"$work/after.sql"
	# shellcheck disable=SC2086 # lists of files
	cat ${LS_BEFORE_SQL:-/dev/null} >>"$work/before.sql"
	# shellcheck disable=SC2086
	cat ${LS_AFTER_SQL:-/dev/null} >>"$work/after.sql"
fi

psql -XqAt -v ON_ERROR_STOP=1 -v rounds="${LS_ROUNDS:-4}" -v base_rounds="${LS_BASE_ROUNDS:-1}" -v draws="${LS_DRAWS:-80}" \
	-v base_timeout="${LS_BASE_TIMEOUT:-120s}" -v classes="${LS_CLASSES:-.}" -v before_file="$work/before.sql" \
	-v after_file="$work/after.sql" <<'SQL' 2>&1 | tee "$out"
\pset footer off
SET jit = off;
SET check_function_bodies = off;
SET client_min_messages = warning;
SELECT id AS acct FROM convdash.accounts a
ORDER BY (SELECT count(*) FROM convdash.conversations c WHERE c.account_id = a.id) DESC LIMIT 1 \gset
SELECT set_config('convdash.account_id', :'acct', false) \gset
SELECT id AS other FROM convdash.accounts a WHERE id <> :acct
ORDER BY (SELECT count(*) FROM convdash.conversations c WHERE c.account_id = a.id) DESC LIMIT 1 \gset

-- Planted once per database (public.bench_planted): a term frequent in the
-- other tenant and once in this one, and emoji (real chats have them, the
-- generator has none): one in ~0.1% of this tenant's shown messages, one in 10.
SELECT to_regclass('public.bench_planted') IS NULL AS plant \gset
\if :plant
UPDATE convdash.messages SET content = content || ' qorvex zq#'
WHERE account_id = :other AND seq IS NOT NULL
  AND id IN (SELECT id FROM convdash.messages WHERE account_id = :other AND seq IS NOT NULL
             ORDER BY hashint8(id) LIMIT 40000);
UPDATE convdash.messages SET content = content || ' qorvex zq#'
WHERE account_id = :acct AND id = (SELECT max(id) FROM convdash.messages WHERE account_id = :acct AND seq = 3);
UPDATE convdash.messages SET content = content || ' 👍'
WHERE account_id = :acct AND seq IS NOT NULL AND hashint8(id) % 1000 = 0;
UPDATE convdash.messages SET content = content || ' thanks 🙏🏽'
WHERE account_id = :acct AND id IN (SELECT id FROM convdash.messages WHERE account_id = :acct AND seq IS NOT NULL
                                    ORDER BY hashint8(id + 1) LIMIT 10);
CREATE TABLE public.bench_planted AS SELECT now() AS planted_at;
VACUUM ANALYZE convdash.messages;
\endif
SELECT setseed(0.42);

\pset tuples_only off
\pset format aligned
\echo
\echo search indexes (size now; build time and append cost against the 0.1 keys: bench/search_index.sh)
SELECT c.relname AS index, pg_size_pretty(pg_relation_size(c.oid)) AS size,
	pg_size_pretty(pg_relation_size(i.indrelid)) AS "table size", pg_get_expr(i.indexprs, i.indrelid) AS keys
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE c.relname IN ('messages_search_idx', 'conversations_session_search_idx') ORDER BY 1;
\pset tuples_only on
\pset format unaligned

-- Plain SQL of a list page the obvious way: filters, ORDER BY, OFFSET, plus an exact count.
CREATE FUNCTION pg_temp.naive_list(f jsonb, sort text, dir text, page_offset int, acct bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT format($q$SELECT (SELECT count(*) FROM convdash.conversations c WHERE c.account_id = %1$s %2$s),
		(SELECT jsonb_agg(jsonb_build_object('id', t.id, 'agent', t.name, 'session_id', t.session_id,
			'channel', t.channel, 'status', t.status, 'message_count', t.message_count, 'rating', t.rating,
			'started_at', t.started_at) ORDER BY t.o) FROM (
			SELECT c.*, a.name, row_number() OVER () AS o FROM (
				SELECT c.*, k.message_count FROM convdash.conversations c JOIN convdash.agents a ON a.account_id = c.account_id AND a.id = c.agent_id
				JOIN convdash.conversation_counters k ON k.account_id = c.account_id AND k.conversation_id = c.id
				WHERE c.account_id = %1$s %2$s ORDER BY %3$s %4$s NULLS LAST, c.id %4$s OFFSET %5$s LIMIT 50) c
			JOIN convdash.agents a ON a.account_id = c.account_id AND a.id = c.agent_id) t)$q$,
		acct, pg_temp.naive_filters(f), CASE sort WHEN 'agent' THEN 'a.name' WHEN 'date' THEN 'c.started_at'
			WHEN 'messages' THEN 'k.message_count' ELSE 'c.' || sort END, dir, page_offset)
$$;

-- The WHERE conditions of a filter object, for the naive queries.
CREATE FUNCTION pg_temp.naive_filters(f jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(' AND c.status::text IN (' || (SELECT string_agg(quote_literal(x), ',') FROM jsonb_array_elements_text(f->'status') x) || ')', '')
		|| coalesce(' AND c.channel::text IN (' || (SELECT string_agg(quote_literal(x), ',') FROM jsonb_array_elements_text(f->'channel') x) || ')', '')
		|| coalesce(' AND c.agent_id IN (' || (SELECT string_agg(x, ',') FROM jsonb_array_elements_text(f->'agent_id') x) || ')', '')
		|| coalesce(' AND c.rating >= ' || (f->>'min_rating'), '')
		|| coalesce(' AND c.started_at >= ' || quote_literal(f->>'date_from') || '::timestamptz', '')
		|| coalesce(' AND c.started_at < ' || quote_literal(f->>'date_to') || '::date + 1', '')
$$;

-- The naive search: ILIKE on session and agent name OR EXISTS over messages, first page by date.
CREATE FUNCTION pg_temp.naive_search(f jsonb, q text, acct bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT format($q$SELECT jsonb_agg(x) FROM (SELECT c.id, c.session_id, a.name
		FROM convdash.conversations c JOIN convdash.agents a ON a.account_id = c.account_id AND a.id = c.agent_id
		WHERE c.account_id = %1$s %2$s AND (c.session_id ILIKE %3$L OR a.name ILIKE %3$L OR EXISTS (
			SELECT 1 FROM convdash.messages m WHERE m.account_id = c.account_id AND m.conversation_id = c.id
			AND m.seq IS NOT NULL AND m.content ILIKE %3$L))
		ORDER BY c.started_at DESC, c.id DESC LIMIT 51) x$q$, acct, pg_temp.naive_filters(f), convdash.search_pattern(q))
$$;

-- The naive word search: to_tsvector(...) @@ websearch_to_tsquery(...) on agent
-- names and shown messages without an index, first page by date (or, for
-- relevance, every match ranked by ts_rank_cd).
CREATE FUNCTION pg_temp.naive_words(f jsonb, q text, sort text, acct bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT format($q$SELECT jsonb_agg(x) FROM (SELECT c.id, c.session_id, a.name%4$s
		FROM convdash.conversations c JOIN convdash.agents a ON a.account_id = c.account_id AND a.id = c.agent_id
		WHERE c.account_id = %1$s %2$s AND (to_tsvector(%5$L, a.name) @@ websearch_to_tsquery(%5$L, %3$L) OR EXISTS (
			SELECT 1 FROM convdash.messages m WHERE m.account_id = c.account_id AND m.conversation_id = c.id
			AND m.seq IS NOT NULL AND to_tsvector(%5$L, m.content) @@ websearch_to_tsquery(%5$L, %3$L)))
		ORDER BY %6$s c.started_at DESC, c.id DESC LIMIT 51) x$q$, acct, pg_temp.naive_filters(f), q,
		CASE sort WHEN 'relevance' THEN format($r$, (SELECT max(ts_rank_cd(to_tsvector(%1$L, m.content), websearch_to_tsquery(%1$L, %2$L)))
			FROM convdash.messages m WHERE m.account_id = c.account_id AND m.conversation_id = c.id AND m.seq IS NOT NULL
			AND to_tsvector(%1$L, m.content) @@ websearch_to_tsquery(%1$L, %2$L)) AS rank$r$,
			(SELECT search_config::text FROM convdash.accounts WHERE id = acct), q) ELSE '' END,
		(SELECT search_config::text FROM convdash.accounts WHERE id = acct),
		CASE sort WHEN 'relevance' THEN 'rank DESC NULLS LAST,' ELSE '' END)
$$;

-- The naive exact count of a search: every conversation of the tenant checked with ILIKE + EXISTS.
CREATE FUNCTION pg_temp.naive_count(q text, acct bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT format($q$SELECT count(*) FROM convdash.conversations c
		JOIN convdash.agents a ON a.account_id = c.account_id AND a.id = c.agent_id
		WHERE c.account_id = %1$s AND (c.session_id ILIKE %2$L OR a.name ILIKE %2$L OR EXISTS (
			SELECT 1 FROM convdash.messages m WHERE m.account_id = c.account_id AND m.conversation_id = c.id
			AND m.seq IS NOT NULL AND m.content ILIKE %2$L))$q$, acct, convdash.search_pattern(q))
$$;

-- Milliseconds one statement takes; NULL when statement_timeout cancelled it.
CREATE FUNCTION pg_temp.time_sql(sql text) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz := clock_timestamp();
BEGIN
	EXECUTE sql;
	RETURN extract(epoch FROM clock_timestamp() - t0) * 1000;
EXCEPTION WHEN query_canceled THEN
	RETURN NULL;
END
$$;

-- Rows of the filtered list (its exact total).
CREATE FUNCTION pg_temp.total(f jsonb) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
	n int;
BEGIN
	EXECUTE replace(pg_temp.fast_list(f, NULL, 'date', 'desc', NULL, 1), '"limit" =>', 'with_total => true, "limit" =>')
		|| ' ->> ''total''' INTO n;
	RETURN n;
END
$$;

-- The call of list_conversations with the filters, term, sort, cursor and match mode.
CREATE FUNCTION pg_temp.fast_list(f jsonb, q text, sort text, dir text, cur text, lim int DEFAULT 50,
	mode text DEFAULT 'substring') RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT format('SELECT convdash.list_conversations(status => %s, channel => %s, agent_id => %s, min_rating => %s, '
		'date_from => %s, date_to => %s, q => %s, sort => %L, "order" => %L, "limit" => %s, cursor => %s, match => %L)',
		coalesce(quote_literal(ARRAY(SELECT jsonb_array_elements_text(f->'status'))) || '::text[]', 'NULL'),
		coalesce(quote_literal(ARRAY(SELECT jsonb_array_elements_text(f->'channel'))) || '::text[]', 'NULL'),
		coalesce(quote_literal(ARRAY(SELECT jsonb_array_elements_text(f->'agent_id'))) || '::bigint[]', 'NULL'),
		coalesce(f->>'min_rating', 'NULL'), coalesce(quote_literal(f->>'date_from'), 'NULL'),
		coalesce(quote_literal(f->>'date_to'), 'NULL'), coalesce(quote_literal(q), 'NULL'), sort, dir, lim,
		coalesce(quote_literal(cur), 'NULL'), mode)
$$;

-- The cursor that starts the page after `depth` rows of the list (or of search q), reached through the API (pages of 200, then 50).
CREATE FUNCTION pg_temp.cursor_at(f jsonb, sort text, dir text, depth int, q text DEFAULT NULL,
	mode text DEFAULT 'substring') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	cur text;
	done int := 0;
	step int;
BEGIN
	WHILE done < depth LOOP
		step := CASE WHEN depth - done >= 200 THEN 200 ELSE 50 END;
		EXECUTE pg_temp.fast_list(f, q, sort, dir, cur, step, mode) || ' ->> ''next_cursor''' INTO cur;
		done := done + step;
		EXIT WHEN cur IS NULL;
	END LOOP;
	RETURN cur;
END
$$;

CREATE TEMP TABLE cases (class text, variant int, fast text, base text, target text);

-- Filter sets used "with filters".
CREATE TEMP TABLE filters AS
SELECT i, f FROM (VALUES
	(1, '{"status": ["closed"], "channel": ["whatsapp", "telegram"]}'::jsonb),
	(2, jsonb_build_object('agent_id', (SELECT jsonb_agg(id) FROM (SELECT id FROM convdash.agents WHERE account_id = :acct ORDER BY id OFFSET 3 LIMIT 2) a))),
	(3, '{"min_rating": 4, "date_from": "2026-06-01", "date_to": "2026-08-31"}'::jsonb),
	(4, '{"status": ["active", "archived"], "min_rating": 2}'::jsonb),
	(5, jsonb_build_object('channel', '["voip"]'::jsonb, 'date_from', '2026-10-01', 'date_to', '2026-10-07',
		'agent_id', (SELECT jsonb_agg(id) FROM (SELECT id FROM convdash.agents WHERE account_id = :acct ORDER BY id LIMIT 5) a)))
) v(i, f);

-- List: every sort x order, page 1 and page 1000, without and with filters.
CREATE TEMP TABLE sorts AS
SELECT row_number() OVER () AS i, s, d FROM unnest('{date,agent,status,messages,rating}'::text[]) s, unnest('{desc,asc}'::text[]) d;
INSERT INTO cases
SELECT 'list, no filter, page 1', s.i, pg_temp.fast_list('{}', NULL, s.s, s.d, NULL),
	pg_temp.naive_list('{}', s.s, s.d, 0, :acct), 'p95 <= 5 ms' FROM sorts s;
INSERT INTO cases
SELECT 'list, no filter, page 1000', s.i,
	pg_temp.fast_list('{}', NULL, s.s, s.d, pg_temp.cursor_at('{}', s.s, s.d, 49950)),
	pg_temp.naive_list('{}', s.s, s.d, 49950, :acct), 'p95 <= 5 ms' FROM sorts s;
INSERT INTO cases
SELECT 'list, filters, page 1', f.i * 100 + s.i, pg_temp.fast_list(f.f, NULL, s.s, s.d, NULL),
	pg_temp.naive_list(f.f, s.s, s.d, 0, :acct), 'p95 <= 5 ms' FROM sorts s, filters f;
-- the deepest page up to 1000 that exists under the filter
INSERT INTO cases
SELECT 'list, filters, deep page (<= 1000)', f.i * 100 + s.i,
	pg_temp.fast_list(f.f, NULL, s.s, s.d, pg_temp.cursor_at(f.f, s.s, s.d, x.depth)),
	pg_temp.naive_list(f.f, s.s, s.d, x.depth, :acct), 'p95 <= 5 ms'
FROM sorts s, filters f,
	LATERAL (SELECT least(49950, ((pg_temp.total(f.f) - 1) / 50) * 50) AS depth) x
WHERE x.depth > 0;

-- Seeded random filter sets: each filter on with some probability, any
-- values (date windows of 1 day to a year, or open-ended); used by the list
-- draws (with a random sort and order) and the search draws.
CREATE FUNCTION pg_temp.random_filter(acct bigint, g int) RETURNS jsonb
LANGUAGE sql VOLATILE AS $$
	SELECT jsonb_strip_nulls(jsonb_build_object(
		'status', CASE WHEN random() < 0.35 THEN (SELECT jsonb_agg(v) FROM unnest('{active,closed,archived}'::text[]) v
			WHERE random() < 0.5 + 0 * g) END,
		'channel', CASE WHEN random() < 0.35 THEN (SELECT jsonb_agg(v) FROM unnest(enum_range(NULL::convdash.channel)) v
			WHERE random() < 0.3 + 0 * g) END,
		'agent_id', CASE WHEN random() < 0.3 THEN (SELECT jsonb_agg(id) FROM (SELECT id FROM convdash.agents
			WHERE account_id = acct ORDER BY random() + 0 * g LIMIT 1 + floor(random() * 5)::int) a) END,
		'min_rating', CASE WHEN random() < 0.3 THEN 1 + floor(random() * 5)::int END))
		|| (SELECT CASE WHEN u < 0.45 THEN '{}'::jsonb
			WHEN u < 0.55 THEN jsonb_build_object('date_from', to_char(d0, 'YYYY-MM-DD'))
			WHEN u < 0.65 THEN jsonb_build_object('date_to', to_char(d0, 'YYYY-MM-DD'))
			ELSE jsonb_build_object('date_from', to_char(d0, 'YYYY-MM-DD'), 'date_to', to_char(d0 + len, 'YYYY-MM-DD')) END
			FROM (SELECT random() AS u, date '2026-11-24' - floor(random() * 365)::int AS d0,
				(ARRAY[0, 6, 29, 89, 364])[1 + floor(random() * 5)::int] AS len, g) x)
$$;
CREATE TEMP TABLE draws AS
SELECT g AS i, pg_temp.random_filter(:acct, g) AS f,
	(ARRAY['date', 'agent', 'status', 'messages', 'rating'])[1 + floor(random() * 5)::int] AS s,
	(ARRAY['desc', 'asc'])[1 + floor(random() * 2)::int] AS d
FROM generate_series(1, :draws) g;
INSERT INTO cases
SELECT 'list, random draws, page 1', r.i, pg_temp.fast_list(r.f, NULL, r.s, r.d, NULL),
	pg_temp.naive_list(r.f, r.s, r.d, 0, :acct), 'p95 <= 5 ms' FROM draws r;
INSERT INTO cases
SELECT 'list, random draws, deep page (<= 1000)', r.i,
	pg_temp.fast_list(r.f, NULL, r.s, r.d, pg_temp.cursor_at(r.f, r.s, r.d, x.depth)),
	pg_temp.naive_list(r.f, r.s, r.d, x.depth, :acct), 'p95 <= 5 ms'
FROM draws r, LATERAL (SELECT least(49950, ((pg_temp.total(r.f) - 1) / 50) * 50) AS depth) x
WHERE x.depth > 0;

-- Search terms from the data: rare = one conversation's order id; medium
-- and common = words whose share of shown messages in a sample is nearest
-- 0.1% and 20%; session-id fragments; agent names; 1-2 characters.
CREATE TEMP TABLE sample AS
SELECT m.id, m.content FROM convdash.messages m TABLESAMPLE SYSTEM (least(100, 60000.0 * 100 / greatest(1, (SELECT count(*) FROM convdash.messages)))) REPEATABLE (7)
WHERE m.account_id = :acct AND m.seq IS NOT NULL;
CREATE TEMP TABLE word_share AS
SELECT w, count(DISTINCT id)::float8 / (SELECT count(*) FROM sample) AS share
FROM sample, regexp_split_to_table(lower(content), '[^a-z]+') w
WHERE length(w) >= 3 GROUP BY w;
CREATE TEMP TABLE terms (kind text, i int, term text, share float8);
INSERT INTO terms
SELECT 'rare', row_number() OVER (ORDER BY id), substring(content FROM 'ORD-[0-9]+'), NULL
FROM (SELECT id, content FROM sample WHERE content LIKE '%ORD-%' ORDER BY id LIMIT 5) x;
INSERT INTO terms
SELECT 'medium', row_number() OVER (ORDER BY abs(ln(share / 0.001))), w, share
FROM (SELECT * FROM word_share ORDER BY abs(ln(share / 0.001)), w LIMIT 5) x;
INSERT INTO terms
SELECT 'common', row_number() OVER (ORDER BY abs(ln(share / 0.2))), w, share
FROM (SELECT * FROM word_share ORDER BY abs(ln(share / 0.2)), w LIMIT 5) x;
INSERT INTO terms
SELECT 'session', row_number() OVER (ORDER BY id), substr(session_id, 4 + (id % 5)::int, 8), NULL
FROM (SELECT id, session_id FROM convdash.conversations WHERE account_id = :acct AND id % 997 = 0 ORDER BY id LIMIT 5) x;
INSERT INTO terms
SELECT 'agent', row_number() OVER (ORDER BY id), CASE WHEN id % 2 = 0 THEN name ELSE split_part(name, ' ', 1) END, NULL
FROM (SELECT id, name FROM convdash.agents WHERE account_id = :acct ORDER BY id LIMIT 5) x;
INSERT INTO terms VALUES ('short', 1, 'a', NULL), ('short', 2, 'q', NULL), ('short', 3, '7', NULL),
	('short', 4, 'zx', NULL), ('short', 5, 'k?', NULL);
-- phrases: two adjacent words (share nearest 0.1%, 0.1%, 1%), three short
-- words (nearest 0.05%), the three most frequent short words in a row
CREATE TEMP TABLE phrase_share AS
SELECT p, n, count(DISTINCT id)::float8 / (SELECT count(*) FROM sample) AS share
FROM (SELECT id, m[1] || ' ' || m[2] AS p, 2 AS n FROM sample, regexp_matches(lower(content), '([a-z]{3,}) ([a-z]{3,})', 'g') m
      UNION ALL
      SELECT id, m[1] || ' ' || m[2] || ' ' || m[3], 3 FROM sample,
		regexp_matches(lower(content), '\m([a-z]{2,4}) ([a-z]{2,4}) ([a-z]{2,4})\M', 'g') m) x
GROUP BY p, n;
INSERT INTO terms
SELECT 'phrase', row_number() OVER (ORDER BY o, p), p, share FROM (
	(SELECT 1 AS o, p, share FROM phrase_share WHERE n = 2 ORDER BY abs(ln(share / 0.001)), p LIMIT 2)
	UNION ALL (SELECT 3, p, share FROM phrase_share WHERE n = 2 ORDER BY abs(ln(share / 0.01)), p LIMIT 1)
	UNION ALL (SELECT 4, p, share FROM phrase_share WHERE n = 3 ORDER BY abs(ln(share / 0.0005)), p LIMIT 1)
	UNION ALL (SELECT 5, string_agg(w, ' '), NULL FROM (SELECT w FROM word_share WHERE length(w) <= 4
		ORDER BY share DESC, w LIMIT 3) x)) y;
INSERT INTO terms VALUES ('symbol', 1, '👍', NULL), ('symbol', 2, '🙏🏽', NULL), ('symbol', 3, '?', NULL),
	('symbol', 4, '@', NULL), ('symbol', 5, '!?', NULL);
INSERT INTO terms VALUES ('other tenant', 1, 'qorvex', NULL), ('other tenant', 2, 'zq#', NULL),
	('other tenant', 3, 'qorvex zq#', NULL);
INSERT INTO terms VALUES ('none', 1, '~', NULL), ('none', 2, '§', NULL), ('none', 3, 'qj', NULL),
	('none', 4, 'ǂx', NULL), ('none', 5, '%_', NULL);
-- the terms picked, kept for a look afterwards
DROP TABLE IF EXISTS public.bench_search_terms;
CREATE TABLE public.bench_search_terms AS SELECT :acct::bigint AS account_id, * FROM terms;

INSERT INTO cases
SELECT 'search ' || t.kind, t.i, pg_temp.fast_list('{}', t.term, 'date', 'desc', NULL),
	pg_temp.naive_search('{}', t.term, :acct), 'p95 <= 100 ms'
FROM terms t
UNION ALL
SELECT 'search ' || t.kind || ', filters', t.i, pg_temp.fast_list(f.f, t.term, 'date', 'desc', NULL),
	pg_temp.naive_search(f.f, t.term, :acct), 'p95 <= 100 ms'
FROM terms t JOIN filters f ON f.i = 1 + (t.i - 1) % 5;
-- the page with its count (count=exact): bounded by convdash.search_count_limit index rows
INSERT INTO cases
SELECT 'search with count=exact', row_number() OVER (ORDER BY t.kind, t.i),
	replace(pg_temp.fast_list('{}', t.term, 'date', 'desc', NULL), '"limit" =>', 'with_total => true, "limit" =>'),
	pg_temp.naive_count(t.term, :acct), 'p95 <= 100 ms'
FROM terms t WHERE t.kind IN ('rare', 'medium', 'common', 'phrase', 'other tenant') AND t.i <= 2;
-- medium and common terms under every sort and order, page 1 and page 10
-- (no baseline: it has the date sort only)
INSERT INTO cases
SELECT 'search ' || t.kind || ', every sort', t.i * 100 + s.i, pg_temp.fast_list('{}', t.term, s.s, s.d, NULL), NULL, 'p95 <= 100 ms'
FROM terms t, sorts s WHERE t.kind IN ('medium', 'common') AND t.i <= 3;
INSERT INTO cases
SELECT 'search ' || t.kind || ', every sort, page 10', t.i * 100 + s.i,
	pg_temp.fast_list('{}', t.term, s.s, s.d, c.cur), NULL, 'p95 <= 100 ms'
FROM terms t, sorts s, LATERAL (SELECT pg_temp.cursor_at('{}', s.s, s.d, 450, t.term) AS cur) c
WHERE t.kind IN ('medium', 'common') AND t.i <= 3 AND c.cur IS NOT NULL;
-- every term under a random filter x sort draw (the list's draws, in turn)
INSERT INTO cases
SELECT 'search, random filter x sort draws', row_number() OVER (ORDER BY t.kind, t.i),
	pg_temp.fast_list(r.f, t.term, r.s, r.d, NULL), NULL, 'p95 <= 100 ms'
FROM terms t JOIN draws r ON r.i = 1 + (hashtext(t.kind || t.i) & 1023) % :draws;

-- Word search (match=words): terms of the same kinds in web-search syntax,
-- each beside the naive to_tsvector @@ websearch_to_tsquery query without index.
CREATE TEMP TABLE word_terms (kind text, i int, term text);
INSERT INTO word_terms
SELECT 'rare', i, term FROM terms WHERE kind = 'rare' AND i <= 3
UNION ALL SELECT 'medium', i, term FROM terms WHERE kind = 'medium' AND i <= 3
UNION ALL SELECT 'common', i, term FROM terms WHERE kind = 'common' AND i <= 3
UNION ALL SELECT 'phrase', i, '"' || term || '"' FROM terms WHERE kind = 'phrase' AND i <= 3
UNION ALL SELECT 'syntax', 1, (SELECT string_agg(term, ' or ' ORDER BY i) FROM terms WHERE kind = 'medium' AND i <= 2)
UNION ALL SELECT 'syntax', 2, (SELECT term FROM terms WHERE kind = 'common' AND i = 1) || ' -'
	|| (SELECT term FROM terms WHERE kind = 'common' AND i = 2)
UNION ALL SELECT 'syntax', 3, (SELECT term FROM terms WHERE kind = 'medium' AND i = 3) || ' '
	|| (SELECT term FROM terms WHERE kind = 'common' AND i = 1)
UNION ALL SELECT 'agent', i, split_part(term, ' ', 1) FROM terms WHERE kind = 'agent' AND i <= 2
UNION ALL SELECT 'other tenant', 1, 'qorvex'
UNION ALL SELECT 'none', 1, 'qjxzv' UNION ALL SELECT 'none', 2, '"zzq qorvexx"';
INSERT INTO cases
SELECT 'words ' || t.kind, t.i, pg_temp.fast_list('{}', t.term, 'date', 'desc', NULL, 50, 'words'),
	pg_temp.naive_words('{}', t.term, 'date', :acct), 'p95 <= 100 ms'
FROM word_terms t
UNION ALL
SELECT 'words ' || t.kind || ', filters', t.i, pg_temp.fast_list(f.f, t.term, 'date', 'desc', NULL, 50, 'words'),
	pg_temp.naive_words(f.f, t.term, 'date', :acct), 'p95 <= 100 ms'
FROM word_terms t JOIN filters f ON f.i = 1 + (t.i + length(t.kind)) % 5
UNION ALL
SELECT 'words, relevance', row_number() OVER (ORDER BY t.kind, t.i),
	pg_temp.fast_list('{}', t.term, 'relevance', 'desc', NULL, 50, 'words'),
	pg_temp.naive_words('{}', t.term, 'relevance', :acct), 'p95 <= 100 ms'
FROM word_terms t WHERE t.kind IN ('medium', 'common', 'phrase', 'syntax') AND t.i <= 2;
-- medium and common words under every sort (and relevance both ways), page 1 and page 10
INSERT INTO cases
SELECT 'words, every sort', row_number() OVER (ORDER BY t.kind, t.i, s.s, s.d),
	pg_temp.fast_list('{}', t.term, s.s, s.d, NULL, 50, 'words'), NULL, 'p95 <= 100 ms'
FROM word_terms t, (SELECT s, d FROM sorts UNION ALL SELECT 'relevance', d FROM unnest('{desc,asc}'::text[]) d) s
WHERE t.kind IN ('medium', 'common') AND t.i <= 2;
INSERT INTO cases
SELECT 'words, every sort, page 10', row_number() OVER (ORDER BY t.kind, t.i, s.s, s.d),
	pg_temp.fast_list('{}', t.term, s.s, s.d, c.cur, 50, 'words'), NULL, 'p95 <= 100 ms'
FROM word_terms t, (SELECT s, d FROM sorts UNION ALL SELECT 'relevance', d FROM unnest('{desc,asc}'::text[]) d) s,
	LATERAL (SELECT pg_temp.cursor_at('{}', s.s, s.d, 450, t.term, 'words') AS cur) c
WHERE t.kind IN ('medium', 'common') AND t.i <= 2 AND c.cur IS NOT NULL;
INSERT INTO cases
SELECT 'words, random filter x sort draws', row_number() OVER (ORDER BY t.kind, t.i),
	pg_temp.fast_list(r.f, t.term, r.s, r.d, NULL, 50, 'words'), NULL, 'p95 <= 100 ms'
FROM word_terms t JOIN draws r ON r.i = 1 + (hashtext('w' || t.kind || t.i) & 1023) % :draws;

\pset tuples_only off
\pset format aligned
\echo
\echo search terms (share = fraction of the shown messages of the tenant, in a sample, that contain the word)
SELECT kind, i, term, round(share::numeric * 100, 3) AS "share %" FROM terms ORDER BY kind, i;
\echo word search terms (match=words, in the configuration of the account)
SELECT kind, i, term FROM word_terms ORDER BY kind, i;
\pset tuples_only on
\pset format unaligned

DELETE FROM cases WHERE class !~ :'classes';

-- The routines of each side (LS_COMPARE; empty without it), and the
-- statement that puts one side's in place and runs the first call of every
-- class once (untimed: PL/pgSQL compiles a function on its first call).
\set before_sql `cat :before_file`
\set after_sql `cat :after_file`
CREATE TEMP TABLE sides AS SELECT :'before_sql' AS before_sql, :'after_sql' AS after_sql;
CREATE FUNCTION pg_temp.use_side(side text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	c record;
BEGIN
	EXECUTE (SELECT CASE side WHEN 'before' THEN before_sql ELSE after_sql END FROM sides);
	FOR c IN SELECT DISTINCT ON (class) fast FROM cases ORDER BY class, variant LOOP
		PERFORM pg_temp.time_sql(c.fast);
	END LOOP;
END
$$;
SELECT before_sql <> '' AS compare FROM sides \gset

-- Only the timed calls run under the cap: the planting and the cases' setup
-- (cursor walks to page 1000 under every sort) take minutes at 1M.
SET statement_timeout = :'base_timeout';

-- One timed call per statement (statement_timeout applies to each); with
-- LS_COMPARE each round runs both sides, the "before" side first in odd
-- rounds and second in even ones (a load that changes during a round hits
-- both alike), and this one is put back for the baseline.
CREATE TEMP TABLE timings (class text, variant int, side text, round int, ms float8);
SELECT CASE WHEN class IS NULL THEN format('SELECT pg_temp.use_side(%L)', side)
	ELSE format('INSERT INTO timings VALUES (%L, %s, %L, %s, pg_temp.time_sql(%L))', class, variant, side, r, sql) END
FROM (
	SELECT class, variant, 'warm' AS side, 0 AS r, fast AS sql, 0 AS o, 1 AS s FROM cases
	UNION ALL
	SELECT class, variant, 'fast', r, fast, 1, 3 - 2 * ((r + 1) % 2) FROM cases, generate_series(1, :rounds) r
	UNION ALL
	SELECT class, variant, 'before', r, fast, 1, 1 + 2 * ((r + 1) % 2) FROM cases, generate_series(1, :rounds) r
	WHERE :'compare'::boolean
	UNION ALL
	SELECT NULL, NULL, 'before', r, NULL, 1, 2 * ((r + 1) % 2) FROM generate_series(1, :rounds) r WHERE :'compare'::boolean
	UNION ALL
	SELECT NULL, NULL, 'after', r, NULL, 1, 2 - 2 * ((r + 1) % 2) FROM generate_series(1, :rounds + 1) r
	WHERE :'compare'::boolean AND (r <= :rounds OR :rounds % 2 = 0)
	UNION ALL
	SELECT class, variant, 'base', r, base, 2, 0 FROM cases, generate_series(1, :base_rounds) r WHERE base IS NOT NULL
) x ORDER BY o, r, s, class NULLS FIRST, variant \gexec

\pset tuples_only off
\pset format aligned
\echo
\echo list and search, milliseconds inside the server (baseline = naive query in the same run; ratio = baseline p50 / p50)
SELECT t.class, count(*) FILTER (WHERE side = 'fast') AS n,
	round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE side = 'fast')::numeric, 2) AS p50,
	round(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) FILTER (WHERE side = 'fast')::numeric, 2) AS p95,
	count(*) FILTER (WHERE side = 'before') AS "before n",
	round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE side = 'before')::numeric, 2) AS "before p50",
	round(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) FILTER (WHERE side = 'before')::numeric, 2) AS "before p95",
	count(*) FILTER (WHERE side = 'base') AS "base n",
	round(percentile_cont(0.5) WITHIN GROUP (ORDER BY coalesce(ms, 1e9)) FILTER (WHERE side = 'base')::numeric, 1) AS "base p50",
	round(percentile_cont(0.95) WITHIN GROUP (ORDER BY coalesce(ms, 1e9)) FILTER (WHERE side = 'base')::numeric, 1) AS "base p95",
	count(*) FILTER (WHERE side = 'base' AND ms IS NULL) AS "base t/o",
	round((percentile_cont(0.5) WITHIN GROUP (ORDER BY coalesce(ms, 1e9)) FILTER (WHERE side = 'base')
		/ nullif(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE side = 'fast'), 0))::numeric, 1) AS ratio,
	min(c.target) AS target
FROM timings t JOIN (SELECT DISTINCT class, target FROM cases) c ON c.class = t.class
WHERE side <> 'warm'
GROUP BY t.class ORDER BY t.class;
\echo (a baseline call cut by the timeout counts as 1e9 ms in its p50/p95)

-- The five slowest random draws of the list (their filters, sort and order).
\echo
\echo slowest list draws (p95 over the rounds, ms; before: the LS_COMPARE side)
SELECT * FROM (
	SELECT t.class, t.variant,
		round(percentile_cont(0.95) WITHIN GROUP (ORDER BY t.ms) FILTER (WHERE t.side = 'fast')::numeric, 2) AS p95,
		round(percentile_cont(0.95) WITHIN GROUP (ORDER BY t.ms) FILTER (WHERE t.side = 'before')::numeric, 2) AS "before p95",
		r.f::text AS filters, r.s AS sort, r.d AS "order"
	FROM timings t JOIN draws r ON r.i = t.variant
	WHERE t.side IN ('fast', 'before') AND t.class LIKE 'list, random draws%'
	GROUP BY t.class, t.variant, r.f::text, r.s, r.d) x
ORDER BY greatest(x.p95, x."before p95") DESC LIMIT 8;

-- Plans of the slowest call of every class whose p95 misses its target:
-- auto_explain shows each statement inside list_conversations that took 2 ms or more.
\pset tuples_only on
\pset format unaligned
CREATE TEMP TABLE misses AS
SELECT DISTINCT ON (t.class) t.class, t.variant, t.ms, c.fast, c.target
FROM timings t JOIN cases c ON c.class = t.class AND c.variant = t.variant
WHERE t.side = 'fast' AND t.class IN (
	SELECT class FROM timings x JOIN (SELECT DISTINCT class AS k, target FROM cases) y ON y.k = x.class
	WHERE side = 'fast'
	GROUP BY class, y.target
	HAVING percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) >
		CASE WHEN y.target LIKE '%1 s' THEN 1000 ELSE substring(y.target FROM '<= ([0-9]+)')::float8 END)
ORDER BY t.class, t.ms DESC;
\echo
SELECT CASE WHEN count(*) = 0 THEN 'every class met its target' ELSE 'classes over their target: ' || string_agg(class, ', ') END FROM misses;
LOAD 'auto_explain';
SET auto_explain.log_min_duration = '2ms';
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on;
SET auto_explain.log_level = notice;
SET client_min_messages = notice;
SELECT format('SELECT %L AS "plan of the slowest call of"', class || ' (variant ' || variant || ', ' || round(ms::numeric, 1) || ' ms)'),
	format('SELECT length((%s)::text) AS "result bytes"', fast)
FROM misses ORDER BY class \gexec
SQL
