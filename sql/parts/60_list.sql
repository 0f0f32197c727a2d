-- Conversation list and search (DESIGN §4 "List and search semantics", §5
-- first row): convdash.list_conversations() answers the dashboard's main
-- table as JSON, with filters, sorts, keyset cursors and search.
--
-- Sorts and their keys, all in the requested direction, id last so that
-- pages never repeat or skip rows:
--   date      started_at, id                    index conversations_started_idx
--   messages  message_count, id                 index conversation_counters_messages_idx
--                                               (filters on the counters row's copies)
--   agent     agent name, started_at, id        conversations_agent_idx, agent by agent
--   status    status (active, closed, archived), started_at, id
--                                               conversations_status_started_idx, status by status
--   rating    rating with unrated last both ways, started_at, id
--                                               conversations_rating_started_idx, value by value
-- (Within one agent, status or rating the newest come first when descending:
-- what a user sorting by a column of few values expects.) The indexes
-- include the filter columns: a page's walk reads the index only (a
-- search's probe reads the session ids too). Every sort walks
-- indexes in order from the cursor's position, so the 1,000th page costs
-- what the first does. Under filters that select few conversations and
-- are no range of the sort's index (the walk reads about limit / share of
-- its entries), the planner's estimates may choose to sort the filtered
-- rows instead (list_page_sql).
--
-- Search (q): the conversation matches when its session id, its agent's name
-- or one of its user/assistant messages contains q (ILIKE, %, _ and \
-- literal). The index is a GIN over convdash.search_grams(account_id, text),
-- the tenant's 1-, 2- and 4-grams of the lowercased text (search.c), so every term of any length
-- has an exact candidate filter. No single plan is fast for every term, so
-- the search runs in up to five phases, each bounded:
--   0. when one of the term's keys is not among the index's most common
--      (its statistics, list_substring_rare): collect the
--      matching conversations through the indexes when there are few, and
--      sort those: rare and medium terms. The term's index entries are
--      counted first (search_index_count, words_index_count: the index
--      alone): collected when at most 40 x SEARCH_PROBE, else not tried
--      (without a count, on Citus, tried with a cap of 10 x SEARCH_PROBE
--      messages/sessions). The index is asked for the term's rarest keys
--      only (list_rarest_keys);
--  1b. when the count is over that (substring search, not sorted by message
--      count) and says that under 15% of the conversations match: walk them
--      in sort order in batches, checking each batch's messages through the
--      search index ANDed with a conversation-led index of messages
--      (list_index_walk), reading at most SEARCH_INDEX_ENTRIES (5) of its
--      entries per counted entry;
--      the page is done when the walk fills it or reaches the end, else:
--   1. probe the first SEARCH_PROBE conversations in sort order after the
--      cursor (filters applied) and stop at a full page: common terms; when
--      the matches found say that 8 times as many probes should fill the
--      page, first, if that density over the whole tenant (list_tenant_size)
--      means few matches, collect them through the indexes (at most 40 x
--      SEARCH_PROBE: phrases of common words), else probe on from there
--      to that many (terms in a few % of conversations);
--   2. else collect the matching conversations through the indexes, at most
--      SEARCH_CANDIDATES messages/sessions, and sort those: rare and medium terms;
--   3. else (the term is common overall but rare after the filters) walk
--      on in sort order from where phase 1 stopped, at most SEARCH_WALK
--      conversations; when that does not fill the page, the page ends early:
--      its hits, "partial": true and a next_cursor after the last
--      conversation walked (no row is skipped or repeated, the next page
--      goes on from there), so no search reads more than these bounds.
-- A search's count (with_total) reads at most SEARCH_COUNT_LIMIT (2000)
-- index rows too (list_total). SEARCH_PROBE (400), SEARCH_CANDIDATES (30000),
-- SEARCH_WALK (4000), SEARCH_INDEX_ENTRIES (5, 0: no phase 1b) and
-- SEARCH_COUNT_LIMIT can be changed with the settings convdash.search_probe,
-- convdash.search_candidates, convdash.search_walk,
-- convdash.search_index_entries and convdash.search_count_limit.
--
-- Word search (match=words, 59_words.sql) runs the same phases (phase 0
-- when the query has a rare part, $17: lexemes not among the most common of
-- messages.words that every match has) with another match condition (the
-- tenant-qualified tsquery $15 against messages.words; its GIN is asked for
-- the rare part); sort=relevance ranks instead (list_relevance,
-- bounded by convdash.search_rank_limit). The function is in parts: the
-- checked arguments are one list_args value whose fields are the $n of
-- every generated query (list_exec binds them); list_filters checks,
-- list_source_sql walks a sort (list_page_sql may sort the filtered rows
-- instead, list_sorted_sql), list_search / list_relevance search,
-- list_total counts, list_rows_json and list_suggestions answer.

CREATE FUNCTION convdash.search_grams(account_id bigint, value text) RETURNS bigint[]
AS 'MODULE_PATHNAME', 'convdash_search_tenant_grams'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.search_grams(bigint, text) IS
	'Read: the tenant''s distinct 1-, 2- and 4-gram keys of the lowercased text, as indexed for search (account id in the high 32 bits)';

CREATE FUNCTION convdash.search_keys(account_id bigint, term text) RETURNS bigint[]
AS 'MODULE_PATHNAME', 'convdash_search_tenant_keys'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.search_keys(bigint, text) IS
	'Read: the tenant''s keys every text containing the term has (search_grams(account_id, text) @> search_keys(account_id, term)): the whole term''s key for 1, 2 or 4 characters, the two 2-grams of 3, else up to 8 of its 4-grams';

CREATE FUNCTION convdash.search_index_count(keys bigint[]) RETURNS bigint
AS 'MODULE_PATHNAME', 'convdash_search_index_count'
LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION convdash.search_index_count(bigint[]) IS
	'Admin: how many entries of messages_search_idx hold every one of the current tenant''s keys (an upper bound of the shown messages containing a term with those keys), from the index alone; 42501 for another tenant''s keys';

CREATE FUNCTION convdash.hmac_sha256(key bytea, message bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'convdash_hmac_sha256'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.hmac_sha256(bytea, bytea) IS
	'Admin: HMAC-SHA-256 of message under key';

-- Search indexes: shown messages only (system and tool messages are never
-- searched), and session ids; the keys are the tenant's own (search.c).
CREATE INDEX messages_search_idx ON convdash.messages USING gin (convdash.search_grams(account_id, content))
	WHERE seq IS NOT NULL;
-- the search asks which keys are common (list_substring_rare): keep 10,000 of them
ALTER INDEX convdash.messages_search_idx ALTER COLUMN 1 SET STATISTICS 1000;
CREATE INDEX conversations_session_search_idx ON convdash.conversations
	USING gin (convdash.search_grams(account_id, session_id));

-- List indexes the foundation does not have (see the sort table above),
-- with the filter columns included (index-only walks, as in 20_tables.sql).
CREATE INDEX conversations_status_started_idx ON convdash.conversations (account_id, status, started_at, id)
	INCLUDE (agent_id, channel, rating);
CREATE INDEX conversations_rating_started_idx ON convdash.conversations
	(account_id, (coalesce(rating, 0)), started_at, id) INCLUDE (agent_id, channel, status, rating);
-- A channel filter is an index range too: "voice calls last week" read the
-- week's rows of every channel through the date or agent index and dropped
-- nine in ten (at 1M, voip + five agents + a week: 6,984 entries read for
-- 579 rows). Conversations are written once and rarely updated, so it costs
-- a conversation's start, not a message's append.
CREATE INDEX conversations_channel_started_idx ON convdash.conversations (account_id, channel, started_at, id)
	INCLUDE (agent_id, status, rating);
-- With a minimum rating the status branches walk rated conversations only
-- (active ones are rarely rated: without it, the "active" branch of
-- status=active,archived & min_rating=2 reads every active conversation).
CREATE INDEX conversations_status_rated_idx ON convdash.conversations (account_id, status, started_at, id)
	INCLUDE (agent_id, channel, rating) WHERE rating IS NOT NULL;
-- A rating branch under a status filter is the range of one status and one
-- rating: the rating sort of active conversations read every rated
-- conversation of each rating (none active: at 1M, 19,184 entries of rating
-- 2 for no row) because the planner took the status index's share of
-- "active" from the whole table, not from the rated rows.
CREATE INDEX conversations_status_rating_idx ON convdash.conversations (account_id, status, rating, started_at, id)
	INCLUDE (agent_id, channel) WHERE rating IS NOT NULL;
-- Status and rating go together (active conversations are not rated yet):
-- without these statistics the planner multiplies their shares, expects
-- rated active conversations and walks a sort index for a page of them
-- that does not exist (status=active & min_rating=3 by date read every
-- conversation of the tenant). A rating branch says both c.rating = v and
-- coalesce(c.rating, 0) = v (the rating index's key): with the expression
-- in the statistics too they are counted once (without it, 129 rows
-- expected of 4,389, and the branch sorted them all instead of walking).
-- No cost on writes; ANALYZE keeps them.
CREATE STATISTICS convdash.conversations_status_rating_stats (mcv)
	ON status, rating, (coalesce(rating, 0)) FROM convdash.conversations;

-- The ILIKE pattern that finds q anywhere, with %, _ and \ taken literally.
CREATE FUNCTION convdash.search_pattern(q text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT '%' || replace(replace(replace(q, '\', '\\'), '%', '\%'), '_', '\_') || '%' $$;
COMMENT ON FUNCTION convdash.search_pattern(text) IS
	'Read: the ILIKE pattern matching texts that contain q, with %, _ and \ literal';

-- text ILIKE pattern, without ILIKE's lowercased copy of each ASCII text
-- when the pattern is search_pattern's (search_match.c): the search's check of
-- every candidate message. The planner estimates it as the ILIKE.
CREATE FUNCTION convdash.search_match_support(internal) RETURNS internal
AS 'MODULE_PATHNAME', 'convdash_search_match_support'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.search_match_support(internal) IS
	'Admin: the planner''s estimate of search_match, the ILIKE''s (a support function)';
CREATE FUNCTION convdash.search_match(haystack text, pattern text) RETURNS boolean
AS 'MODULE_PATHNAME', 'convdash_search_match'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE SUPPORT convdash.search_match_support;
COMMENT ON FUNCTION convdash.search_match(text, text) IS
	'Read: haystack ILIKE pattern (the same answer, faster for ASCII texts and search_pattern''s patterns)';

-- A short one-line excerpt of content around the first case-insensitive occurrence of q.
-- (PL/pgSQL, not SQL: a SQL function that is not inlined is planned again on
-- every call from a query's per-row expression; this one runs for every hit.)
CREATE FUNCTION convdash.search_snippet(content text, q text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
	p integer := greatest(strpos(lower(content), lower(q)), 1);
	st integer := greatest(1, p - 40);
BEGIN
	RETURN CASE WHEN p > 41 THEN '…' ELSE '' END
		|| btrim(regexp_replace(substr(content, st, 100 + length(q)), '\s+', ' ', 'g'))
		|| CASE WHEN st + 100 + length(q) <= length(content) THEN '…' ELSE '' END;
END
$$;
COMMENT ON FUNCTION convdash.search_snippet(text, text) IS
	'Read: about 100 characters of content around the first case-insensitive occurrence of q, whitespace collapsed, … where cut';

-- Raises 22023 naming the list parameter.
CREATE FUNCTION convdash.list_error(field text, message text, hint text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
	RAISE EXCEPTION '%', message
		USING ERRCODE = 'invalid_parameter_value', COLUMN = field, HINT = coalesce(hint, '');
END
$$;
COMMENT ON FUNCTION convdash.list_error(text, text, text) IS
	'Admin: raises 22023 with the message, naming the parameter in COLUMN';

-- The distinct sorted enum values of a list of labels (NULL or empty: no filter).
CREATE FUNCTION convdash.list_enum_filter(labels text[], field text, kind anyenum) RETURNS anyarray
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
BEGIN
	IF labels IS NULL OR cardinality(labels) = 0 THEN
		RETURN NULL;
	END IF;
	IF array_position(labels, NULL) IS NOT NULL THEN
		PERFORM convdash.list_error(field, format('%s must not contain null', field));
	END IF;
	RETURN (SELECT array_agg(DISTINCT convdash.enum_value(l, field, kind) ORDER BY convdash.enum_value(l, field, kind))
	        FROM unnest(labels) l);
END
$$;
COMMENT ON FUNCTION convdash.list_enum_filter(text[], text, anyenum) IS
	'Read: the distinct sorted enum values of the labels (NULL for NULL or empty); 22023 naming the field for an unknown label or a null';

-- The first instant of a 'YYYY-MM-DD' day in a time zone (of the next day when end_of_day).
CREATE FUNCTION convdash.list_day_bound(day text, field text, zone text, end_of_day boolean)
RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	d date;
BEGIN
	IF day IS NULL THEN
		RETURN NULL;
	END IF;
	IF day !~ '^\d{4}-\d{2}-\d{2}$' THEN
		PERFORM convdash.list_error(field, format('%s must be a date YYYY-MM-DD', field));
	END IF;
	BEGIN
		d := to_date(day, 'YYYY-MM-DD');
		IF to_char(d, 'YYYY-MM-DD') <> day THEN
			RAISE EXCEPTION USING ERRCODE = 'invalid_datetime_format';
		END IF;
	EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
		PERFORM convdash.list_error(field, format('%s is not a valid date: "%s"', field, day));
	END;
	RETURN ((d + end_of_day::integer)::timestamp AT TIME ZONE zone);
END
$$;
COMMENT ON FUNCTION convdash.list_day_bound(text, text, text, boolean) IS
	'Read: start of the day (or of the next day) in the zone for a YYYY-MM-DD text; 22023 naming the field when not a date';

-- base64url without padding, as cursors are spelled.
CREATE FUNCTION convdash.base64url(data bytea) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT translate(rtrim(encode(data, 'base64'), '='), E'+/\n', '-_') $$;
COMMENT ON FUNCTION convdash.base64url(bytea) IS 'Read: base64url text (no padding) of the bytes';

-- The cursor after the row with sort keys k, t and id: payload.mac, both base64url.
CREATE FUNCTION convdash.cursor_encode(signature text, k text, t text, id bigint) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	p bytea := convert_to(jsonb_strip_nulls(jsonb_build_object('k', k, 't', t, 'i', id))::text, 'UTF8');
	secret bytea := (SELECT s.secret FROM convdash.installation_secret s);
BEGIN
	RETURN convdash.base64url(p) || '.'
		|| convdash.base64url(substr(convdash.hmac_sha256(secret, p || convert_to(signature, 'UTF8')), 1, 16));
END
$$;
COMMENT ON FUNCTION convdash.cursor_encode(text, text, text, bigint) IS
	'Admin: the opaque cursor after the row with sort keys (k, t) and id for the query of this signature (HMAC-signed)';

-- The (k, t, id) of a cursor made for the query of this signature; 22023 for anything else.
CREATE FUNCTION convdash.cursor_decode(cursor text, signature text, OUT k text, OUT t text, OUT id bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	parts text[] := string_to_array(cursor, '.');
	payload bytea;
	mac bytea;
	j jsonb;
BEGIN
	IF length(cursor) > 1000 OR cardinality(parts) <> 2 OR cursor !~ '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' THEN
		PERFORM convdash.list_error('cursor', 'invalid cursor', 'Pass next_cursor of the previous page unchanged.');
	END IF;
	BEGIN
		payload := decode(rpad(translate(parts[1], '-_', '+/'), (length(parts[1]) + 3) / 4 * 4, '='), 'base64');
		mac := decode(rpad(translate(parts[2], '-_', '+/'), (length(parts[2]) + 3) / 4 * 4, '='), 'base64');
	EXCEPTION WHEN invalid_parameter_value OR invalid_text_representation THEN
		PERFORM convdash.list_error('cursor', 'invalid cursor', 'Pass next_cursor of the previous page unchanged.');
	END;
	-- only the canonical spelling is accepted (base64 has spare bits in its last character)
	IF convdash.base64url(payload) <> parts[1] OR convdash.base64url(mac) <> parts[2]
		OR mac IS DISTINCT FROM (SELECT substr(convdash.hmac_sha256(s.secret, payload || convert_to(signature, 'UTF8')), 1, 16)
		                         FROM convdash.installation_secret s) THEN
		PERFORM convdash.list_error('cursor', 'invalid cursor',
			'A cursor is valid only unchanged, with the filters, search, sort and order it was made for.');
	END IF;
	j := convert_from(payload, 'UTF8')::jsonb;
	k := j ->> 'k';
	t := j ->> 't';
	id := (j ->> 'i')::bigint;
END
$$;
COMMENT ON FUNCTION convdash.cursor_decode(text, text) IS
	'Admin: the sort keys and id inside a cursor signed for this query signature; 22023 (cursor) when malformed, tampered or foreign';

-- The checked arguments of a list query. Its fields up to matched_ranks are,
-- in this order, the parameters $1..$16 of every SQL text the list builds
-- (list_exec binds them, the only place that does): one map of the $n.
CREATE TYPE convdash.list_args AS (
	account_id bigint,                         -- $1  the tenant
	statuses convdash.conversation_status[],   -- $2  status filter (NULL: none)
	channels convdash.channel[],               -- $3  channel filter
	agents bigint[],                           -- $4  agent filter
	min_rating integer,                        -- $5  minimum rating
	t_from timestamptz,                        -- $6  started at or after
	t_to timestamptz,                          -- $7  started before
	cursor_k text,                             -- $8  the cursor's first key (NULL: first page)
	cursor_id bigint,                          -- $9  the cursor's id
	pattern text,                              -- $10 the search's ILIKE pattern
	matched bigint[],                          -- $11 the filtered agents whose name matches
	candidates bigint[],                       -- $12 conversations the index phase found
	cursor_t text,                             -- $13 the cursor's second key
	keys bigint[],                             -- $14 the term's index keys
	words tsquery,                             -- $15 words mode: the tenant-qualified query
	matched_ranks real[],                      -- $16 words mode: the rank of each agent in $11
	rare_words tsquery,                        -- $17 words mode: the query's rare part (list_words_rare_query)
	-- not parameters:
	term text,                                 -- the search term
	mode text,                                 -- substring or words
	config regconfig,                          -- words mode: the account's configuration
	plain tsquery,                             -- words mode: the query, unqualified
	candidate_seqs integer[]                   -- the seq of the matching message each of the first
	                                           -- cardinality(candidate_seqs) candidates ($12) was found by
);

-- The SQL conditions on c of the filters set in the arguments.
CREATE FUNCTION convdash.list_conds(args convdash.list_args) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE WHEN args.statuses IS NOT NULL THEN ' AND c.status = ANY($2)' ELSE '' END
		|| CASE WHEN args.channels IS NOT NULL THEN ' AND c.channel = ANY($3)' ELSE '' END
		|| CASE WHEN args.agents IS NOT NULL THEN ' AND c.agent_id = ANY($4)' ELSE '' END
		|| CASE WHEN args.min_rating IS NOT NULL THEN ' AND c.rating >= $5' ELSE '' END
		|| CASE WHEN args.t_from IS NOT NULL THEN ' AND c.started_at >= $6' ELSE '' END
		|| CASE WHEN args.t_to IS NOT NULL THEN ' AND c.started_at < $7' ELSE '' END
$$;
COMMENT ON FUNCTION convdash.list_conds(convdash.list_args) IS
	'Admin: the SQL conditions on conversations c of the filters set in the list arguments ($2..$7)';

-- Runs a list query with the arguments as $1..$17; the query returns one row
-- of ids, their cursor keys k and t, and a count n (columns it has no use
-- for are NULL).
CREATE FUNCTION convdash.list_exec(sql text, args convdash.list_args,
	OUT ids bigint[], OUT ks text[], OUT ts text[], OUT n bigint)
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	EXECUTE sql INTO ids, ks, ts, n
		USING args.account_id, args.statuses, args.channels, args.agents, args.min_rating, args.t_from, args.t_to,
			args.cursor_k, args.cursor_id, args.pattern, args.matched, args.candidates, args.cursor_t, args.keys,
			args.words, args.matched_ranks, args.rare_words;
END
$$;
COMMENT ON FUNCTION convdash.list_exec(text, convdash.list_args) IS
	'Admin: runs a list query (one row: ids, cursor keys k and t, a count) with the list arguments as $1..$17';

-- Runs list queries one after another until lim rows are found: the rows
-- of all of them in that order, at most lim (a query is planned only when
-- the ones before it fell short: list_page_sql).
CREATE FUNCTION convdash.list_exec_until(sqls text[], args convdash.list_args, lim integer,
	OUT ids bigint[], OUT ks text[], OUT ts text[])
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	sql text;
	r record;
BEGIN
	FOREACH sql IN ARRAY sqls LOOP
		SELECT * INTO r FROM convdash.list_exec(sql, args);
		ids := ids || r.ids;
		ks := ks || r.ks;
		ts := ts || r.ts;
		EXIT WHEN cardinality(ids) >= lim;
	END LOOP;
	ids := ids[1:lim];
	ks := ks[1:lim];
	ts := ts[1:lim];
END
$$;
COMMENT ON FUNCTION convdash.list_exec_until(text[], convdash.list_args, integer) IS
	'Admin: runs list queries (list_exec) in order until lim rows are found; their ids and cursor keys, at most lim';

-- The list_exec query of the rows of a list_source_sql text, in its order.
CREATE FUNCTION convdash.list_rows_sql(src text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT format('SELECT array_agg(x.id), array_agg(x.k), array_agg(x.t), count(*) FROM (%s) x', src) $$;
COMMENT ON FUNCTION convdash.list_rows_sql(text) IS
	'Admin: the list_exec query (ids, k, t, count) of the rows of a list_source_sql text';

-- SQL text that writes a timestamptz column as a cursor's time key (RFC
-- 3339 UTC with microseconds, as convdash.rfc3339, in plain SQL).
CREATE FUNCTION convdash.list_time_sql(col text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT format('to_char(%s AT TIME ZONE ''UTC'', ''YYYY-MM-DD"T"HH24:MI:SS.US"Z"'')', col) $$;
COMMENT ON FUNCTION convdash.list_time_sql(text) IS
	'Admin: SQL text of a timestamptz column as a list cursor''s time key (UTC, microseconds)';

-- The branches of a status or rating sort, one per value in sort order
-- (statuses in lifecycle order, ratings with unrated last): SQL texts of the
-- filtered conversations of that value after the cursor, at most lim, each
-- walking (account_id, value, started_at, id) and planned with the value's
-- own statistics; one after another they give the page. Columns, filters,
-- extra and matched as in list_source_sql. Values the filters or the cursor
-- exclude have no branch (planning a constant false one cost 0.25 ms, and
-- each more branch of a union 0.3 ms at 1M); when none is left, one branch
-- without rows.
CREATE FUNCTION convdash.list_branches_sql(args convdash.list_args, sort text, dir text, extra text,
	matched boolean, lim text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	conds text := convdash.list_conds(args) || extra;
	keyset boolean := args.cursor_k IS NOT NULL;
	cmp text := CASE dir WHEN 'asc' THEN '>' ELSE '<' END;
	keytype text := CASE sort WHEN 'status' THEN 'convdash.conversation_status' ELSE 'integer' END;
	-- the cursor's value (a status) or place in the order (a rating's)
	cursor_status convdash.conversation_status := CASE WHEN keyset AND sort = 'status'
		THEN args.cursor_k::convdash.conversation_status END;
	cursor_place integer := CASE WHEN keyset AND sort = 'rating' THEN args.cursor_k::integer END;
	matched_cond text := CASE WHEN matched THEN ' AND c.agent_id = ANY($11)' ELSE '' END;
	branches text[];
BEGIN
	-- v: the value, pk: its place in the order (the status itself; a rank for ratings)
	SELECT array_agg(format($q$(
		SELECT c.id, c.agent_id, c.session_id, %2$L::%3$s AS s1, c.started_at AS s2, %2$L AS k, %4$s AS t
		FROM convdash.conversations c
		WHERE c.account_id = $1 AND %5$s = %1$L %6$s %7$s %8$s
		ORDER BY c.started_at %9$s, c.id %9$s LIMIT %10$s)$q$,
		x.v, x.pk, keytype, convdash.list_time_sql('c.started_at'),
		CASE sort WHEN 'status' THEN 'c.status' ELSE 'coalesce(c.rating, 0)' END,
		-- a rating branch also says c.rating = v, so that the planner knows the rows
		-- are rated (conversations_status_rating_idx serves a status filter there)
		conds || CASE WHEN sort = 'rating' AND x.v <> '0' THEN format(' AND c.rating = %s', x.v) ELSE '' END,
		matched_cond,
		CASE WHEN keyset THEN format('AND (c.started_at, c.id) %s '
			'(CASE WHEN %2$L::%3$s = $8::%3$s THEN $13::timestamptz ELSE %4$L END, '
			'CASE WHEN %2$L::%3$s = $8::%3$s THEN $9 ELSE %5$s END)', cmp, x.pk, keytype,
			CASE dir WHEN 'asc' THEN '-infinity' ELSE 'infinity' END,
			CASE dir WHEN 'asc' THEN '0' ELSE '9223372036854775807' END) ELSE '' END,
		dir, lim) ORDER BY x.o)
	INTO branches
	FROM (SELECT v::text AS v, v::text AS pk, row_number() OVER () * CASE dir WHEN 'asc' THEN 1 ELSE -1 END AS o,
	             (args.statuses IS NULL OR v = ANY(args.statuses)) AND (cursor_status IS NULL OR CASE dir
	                 WHEN 'asc' THEN v >= cursor_status ELSE v <= cursor_status END) AS kept
	      FROM unnest(enum_range(NULL::convdash.conversation_status)) v WHERE sort = 'status'
	      UNION ALL
	      SELECT v::text, r.pk::text, r.pk,
	             (args.min_rating IS NULL OR v >= args.min_rating) AND (cursor_place IS NULL OR r.pk >= cursor_place)
	      FROM unnest(ARRAY[0, 1, 2, 3, 4, 5]) v,
	           LATERAL (SELECT CASE dir WHEN 'asc' THEN (v + 5) % 6 ELSE 5 - v END AS pk) r
	      WHERE sort = 'rating') x
	WHERE x.kept;
	RETURN coalesce(branches, ARRAY[format('(SELECT c.id, c.agent_id, c.session_id, NULL::%s AS s1, c.started_at AS s2, '
		'NULL::text AS k, NULL::text AS t FROM convdash.conversations c WHERE false)', keytype)]);
END
$$;
COMMENT ON FUNCTION convdash.list_branches_sql(convdash.list_args, text, text, text, boolean, text) IS
	'Admin: SQL texts of the branches of a status or rating sort, one per value in sort order, each the filtered conversations of that value after the cursor (at most lim), with the columns of list_source_sql';

-- SQL of the first lim rows of branches (list_branches_sql) in their order.
CREATE FUNCTION convdash.list_union_sql(branches text[], lim text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT format('SELECT * FROM (%s) x LIMIT %s', array_to_string(branches, ' UNION ALL '), lim) $$;
COMMENT ON FUNCTION convdash.list_union_sql(text[], text) IS
	'Admin: SQL text of the first lim rows of list_branches_sql branches, in their order';

-- SQL of the conversations after the cursor in sort order, at most lim of them.
-- Columns: id, agent_id, session_id, s1 and s2 (the typed sort keys before
-- id), k and t (their cursor texts). Filters: those set in the arguments
-- (args) and extra, more conditions on c; matched: only conversations of the agents
-- in $11; a keyset walk when args hold a cursor ($8 k, $13 t, $9 id).
-- Date and message-count sorts walk one index from the cursor (the message
-- count's is on conversation_counters, whose rows carry copies of the filter
-- columns: c is that table there). The agent sort
-- walks the agents by name and each one's conversations by start time
-- (conversations_agent_idx): the nested loop gives the rows in that order,
-- so the LIMIT stops in the first agents that fill it (an ORDER BY over the
-- join ran every agent's walk to its limit). Status and rating sorts are the
-- union of list_branches_sql, one branch per value in sort order. So date
-- filters are index ranges everywhere and no index range is skipped row by row.
CREATE FUNCTION convdash.list_source_sql(args convdash.list_args, sort text, dir text, extra text,
	matched boolean, lim text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	conds text := convdash.list_conds(args) || extra;
	agent_filter boolean := args.agents IS NOT NULL;
	keyset boolean := args.cursor_k IS NOT NULL;
	cmp text := CASE dir WHEN 'asc' THEN '>' ELSE '<' END;
	matched_cond text := CASE WHEN matched THEN ' AND c.agent_id = ANY($11)' ELSE '' END;
	key text;
	keytype text;
BEGIN
	IF sort IN ('status', 'rating') THEN
		-- the branches are in sort order and a (non-parallel) Append reads them
		-- one after another, so the LIMIT stops at the first branches that fill
		-- it; an ORDER BY over the union would run every branch to its limit
		RETURN convdash.list_union_sql(convdash.list_branches_sql(args, sort, dir, extra, matched, lim), lim);
	END IF;
	IF sort = 'agent' THEN
		-- the agent filter applies to the outer walk over agents: in the inner
		-- one it would only make the index scan of each agent unordered
		args.agents := NULL;
		conds := convdash.list_conds(args) || extra;
		RETURN format($q$
			SELECT c.id, c.agent_id, c.session_id, o.name AS s1, c.started_at AS s2, o.name AS k, %1$s AS t
			FROM (SELECT a.id, a.name FROM convdash.agents a WHERE a.account_id = $1 %2$s %3$s %4$s
			      ORDER BY a.name %5$s) o
			CROSS JOIN LATERAL (
				SELECT c.id, c.agent_id, c.session_id, c.started_at FROM convdash.conversations c
				WHERE c.account_id = $1 AND c.agent_id = o.id %6$s %7$s
				ORDER BY c.started_at %5$s, c.id %5$s LIMIT %8$s) c
			LIMIT %8$s$q$,
			convdash.list_time_sql('c.started_at'),
			CASE WHEN agent_filter THEN 'AND a.id = ANY($4)' ELSE '' END,
			CASE WHEN matched THEN 'AND a.id = ANY($11)' ELSE '' END,
			CASE WHEN keyset THEN format('AND a.name %s= $8', cmp) ELSE '' END,
			dir, conds,
			CASE WHEN keyset THEN format('AND (c.started_at, c.id) %s (CASE WHEN o.name = $8 THEN $13::timestamptz ELSE %L END, '
				'CASE WHEN o.name = $8 THEN $9 ELSE %s END)', cmp,
				CASE dir WHEN 'asc' THEN '-infinity' ELSE 'infinity' END,
				CASE dir WHEN 'asc' THEN '0' ELSE '9223372036854775807' END) ELSE '' END,
			lim);
	END IF;
	key := CASE sort WHEN 'date' THEN 'c.started_at' ELSE 'c.message_count' END;
	keytype := CASE sort WHEN 'date' THEN 'timestamptz' ELSE 'integer' END;
	RETURN format($q$
		SELECT c.id, c.agent_id, %8$s AS session_id, %1$s AS s1, NULL::timestamptz AS s2, %2$s AS k, NULL::text AS t
		FROM %9$s
		WHERE c.account_id = $1 %3$s %4$s %5$s
		ORDER BY %1$s %6$s, c.id %6$s LIMIT %7$s$q$,
		key, CASE sort WHEN 'date' THEN convdash.list_time_sql(key) ELSE key || '::text' END, conds,
		matched_cond,
		CASE WHEN keyset THEN format('AND (%s, c.id) %s ($8::%s, $9)', key, cmp, keytype) ELSE '' END,
		dir, lim,
		CASE sort WHEN 'date' THEN 'c.session_id' ELSE 's.session_id' END,
		-- messages: the counters rows under the names of conversations (their
		-- copies of the filter columns), the session id from conversations
		CASE sort WHEN 'date' THEN 'convdash.conversations c' ELSE
			'(SELECT k.account_id, k.conversation_id AS id, k.agent_id, k.channel, k.status, k.rating,
				k.started_at, k.message_count FROM convdash.conversation_counters k) c
			JOIN convdash.conversations s ON s.account_id = c.account_id AND s.id = c.id' END);
END
$$;
COMMENT ON FUNCTION convdash.list_source_sql(convdash.list_args, text, text, text, boolean, text) IS
	'Admin: SQL text of the filtered conversations after the cursor in sort order (used by list_conversations)';

-- The planner's estimate (field of the top plan node: 'Total Cost', 'Plan
-- Rows') of a list query as list_exec runs it.
-- (VOLATILE only because EXPLAIN is refused in a read-only function.)
CREATE FUNCTION convdash.list_estimate(sql text, args convdash.list_args, field text) RETURNS float8
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	plan json;
BEGIN
	EXECUTE 'EXPLAIN (FORMAT JSON) ' || sql INTO plan
		USING args.account_id, args.statuses, args.channels, args.agents, args.min_rating, args.t_from, args.t_to,
			args.cursor_k, args.cursor_id, args.pattern, args.matched, args.candidates, args.cursor_t, args.keys,
			args.words, args.matched_ranks, args.rare_words;
	RETURN (plan -> 0 -> 'Plan' ->> field)::float8;
END
$$;
COMMENT ON FUNCTION convdash.list_estimate(text, convdash.list_args, text) IS
	'Admin: the planner''s estimate (Total Cost, Plan Rows...) of a list query with the list arguments as $1..$17';

-- The list arguments with only the filters that the walk of a sort checks in
-- its index ranges (checked: dates everywhere but in the message count's
-- walk; the agents, statuses or minimum rating of the agent, status or rating
-- sort), or with only the others (not checked: those the walk reads rows for
-- and drops).
CREATE FUNCTION convdash.list_walk_filters(args convdash.list_args, sort text, checked boolean)
RETURNS convdash.list_args
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
	IF (sort <> 'messages') <> checked THEN
		args.t_from := NULL;
		args.t_to := NULL;
	END IF;
	IF (sort = 'agent') <> checked THEN
		args.agents := NULL;
	END IF;
	IF (sort = 'status') <> checked THEN
		args.statuses := NULL;
	END IF;
	IF (sort = 'rating') <> checked THEN
		args.min_rating := NULL;
	END IF;
	IF checked THEN
		args.channels := NULL;    -- no walk has the channel in its index
	END IF;
	RETURN args;
END
$$;
COMMENT ON FUNCTION convdash.list_walk_filters(convdash.list_args, text, boolean) IS
	'Admin: the list arguments with only the filters that the walk of the sort checks in its index ranges (checked) or only the others';

-- About how many of the tenant's conversations the filters of the list
-- arguments select (the planner's estimate).
CREATE FUNCTION convdash.list_filtered_rows(args convdash.list_args) RETURNS float8
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
	RETURN convdash.list_estimate(format('SELECT 1 FROM convdash.conversations c WHERE c.account_id = $1 %s',
		convdash.list_conds(args)), args, 'Plan Rows');
END
$$;
COMMENT ON FUNCTION convdash.list_filtered_rows(convdash.list_args) IS
	'Admin: the planner''s estimate of the number of the tenant''s conversations the filters of the list arguments select';

-- The queries of a list page without search, for list_exec_until:
-- list_source_sql's walk in sort order (a status or rating sort's first
-- branch, then the union of the others, planned only when the first falls
-- short: one page of the rating sort cost 2.5 against 1.7 ms, its planning
-- for six branches 1.7-2.0 ms at 1M), or list_sorted_sql (the filters' own
-- indexes and a sort) when the walk has filters that are no range of its index, the planner expects at most 2,000
-- filtered conversations and the sort reads under a quarter of the walk's
-- rows. With f filtered rows among the r of the walk's index ranges, the
-- walk reads about lim * r / f rows (the messages sort of one day's
-- conversations: ~17,000 for a page at 100k, ~110,000 at 1M), the sort f
-- rows, before the cursor too. Counted in rows, not by comparing the
-- planner's costs of both plans: planning both cost more than the page at
-- 1M (1.4 ms), and its costs take an index walk over cached rows for dearer
-- than it is (it chose the 110,000-row walk). conversations_status_rating_stats
-- keeps the estimates right for status and rating together.
CREATE FUNCTION convdash.list_page_sql(args convdash.list_args, sort text, dir text, lim integer) RETURNS text[]
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	f float8;
	branches text[];
BEGIN
	-- on Citus the statements run on a worker: no coordinator estimate (and
	-- its EXPLAIN goes to a worker in the request's transaction): the walk
	IF convdash.list_conds(convdash.list_walk_filters(args, sort, false)) <> ''
			AND NOT convdash.is_citus_table('convdash.conversations') THEN
		f := convdash.list_filtered_rows(args);
		IF f <= 2000 AND 4 * f * f < lim * convdash.list_filtered_rows(convdash.list_walk_filters(args, sort, true)) THEN
			RETURN ARRAY[convdash.list_rows_sql(convdash.list_sorted_sql(args, sort, dir, '', lim))];
		END IF;
	END IF;
	IF sort IN ('status', 'rating') THEN
		branches := convdash.list_branches_sql(args, sort, dir, '', false, lim::text);
		IF cardinality(branches) = 1 THEN
			RETURN ARRAY[convdash.list_rows_sql(branches[1])];
		END IF;
		RETURN ARRAY[convdash.list_rows_sql(branches[1]),
			convdash.list_rows_sql(convdash.list_union_sql(branches[2:], lim::text))];
	END IF;
	RETURN ARRAY[convdash.list_rows_sql(convdash.list_source_sql(args, sort, dir, '', false, lim::text))];
END
$$;
COMMENT ON FUNCTION convdash.list_page_sql(convdash.list_args, text, text, integer) IS
	'Admin: the list_exec_until queries of a list page without search: the walk in sort order (a status or rating sort''s first branch, then the others), or, when the walk has filters that are no range of its index and the planner expects at most 2,000 conversations, a sort of the filtered rows if that reads under a quarter of the rows the walk would';

-- SQL of the filtered conversations after the cursor in sort order, at most
-- lim of them, with the columns of list_source_sql, as one sort of the rows
-- the planner finds through its best index for the filters (and extra, more
-- conditions on c): list_page_sql's other choice than list_source_sql's
-- walk, and phase 2's pass over the candidates in status or rating order
-- (list_source_sql's branch per value would look every candidate up once
-- per branch).
CREATE FUNCTION convdash.list_sorted_sql(args convdash.list_args, sort text, dir text, extra text, lim integer)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
	cmp text := CASE dir WHEN 'asc' THEN '>' ELSE '<' END;
	pcmp text := CASE WHEN sort = 'rating' OR dir = 'asc' THEN '>' ELSE '<' END;
	-- the first sort key: for ratings its place in the order, unrated last
	s1 text := CASE sort WHEN 'date' THEN 'c.started_at' WHEN 'messages' THEN 'n.message_count'
		WHEN 'agent' THEN 'a.name' WHEN 'status' THEN 'c.status' ELSE CASE dir
		WHEN 'asc' THEN '((coalesce(c.rating, 0) + 5) % 6)' ELSE '(5 - coalesce(c.rating, 0))' END END;
	keytype text := CASE sort WHEN 'date' THEN 'timestamptz' WHEN 'agent' THEN 'text'
		WHEN 'status' THEN 'convdash.conversation_status' ELSE 'integer' END;
	-- date and message count have one key before the id, the others two
	one_key boolean := sort IN ('date', 'messages');
BEGIN
	-- OFFSET 0 keeps the filtered rows a subquery of their own: planned as
	-- such (the filters' indexes), never turned into a walk of a sort index
	RETURN format($q$
		SELECT * FROM (
			SELECT c.id, c.agent_id, c.session_id, %1$s AS s1, %2$s AS s2, %3$s AS k, %4$s AS t
			FROM (SELECT * FROM convdash.conversations c WHERE c.account_id = $1 %6$s OFFSET 0) c %5$s) x
		WHERE %7$s
		ORDER BY %8$s LIMIT %9$s$q$,
		s1, CASE WHEN one_key THEN 'NULL::timestamptz' ELSE 'c.started_at' END,
		CASE sort WHEN 'date' THEN convdash.list_time_sql(s1) ELSE s1 || '::text' END,
		CASE WHEN one_key THEN 'NULL::text' ELSE convdash.list_time_sql('c.started_at') END,
		CASE sort WHEN 'messages' THEN
			'JOIN convdash.conversation_counters n ON n.account_id = c.account_id AND n.conversation_id = c.id'
			WHEN 'agent' THEN 'JOIN convdash.agents a ON a.account_id = c.account_id AND a.id = c.agent_id' ELSE '' END,
		convdash.list_conds(args) || extra,
		CASE WHEN args.cursor_k IS NULL THEN 'true'
			WHEN one_key THEN format('(x.s1, x.id) %s ($8::%s, $9)', cmp, keytype)
			ELSE format('(x.s1 %1$s $8::%2$s OR (x.s1 = $8::%2$s AND (x.s2, x.id) %3$s ($13::timestamptz, $9)))',
				pcmp, keytype, cmp) END,
		convdash.list_order_sql(sort, dir), lim);
END
$$;
COMMENT ON FUNCTION convdash.list_sorted_sql(convdash.list_args, text, text, text, integer) IS
	'Admin: SQL text of the first lim filtered conversations (and extra conditions on c) after the cursor in sort order, by the filters'' own indexes and a sort (for sparse filters and candidates), with the columns of list_source_sql';

-- ORDER BY of rows with the columns of list_source_sql (alias x).
CREATE FUNCTION convdash.list_order_sql(sort text, dir text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT format('x.s1 %s, x.s2 %s, x.id %s', CASE sort WHEN 'rating' THEN 'asc' ELSE dir END, dir, dir)
$$;
COMMENT ON FUNCTION convdash.list_order_sql(text, text) IS
	'Admin: the ORDER BY of list_source_sql rows (alias x) for a sort and order';

-- Checks the list's parameters in the list's order (22023 naming the first
-- bad one) and returns them as list arguments: the tenant, the typed filters,
-- the search term and its match mode (no cursor, no search fields yet).
CREATE FUNCTION convdash.list_filters(acct bigint, status text[], channel text[], agent_id bigint[],
	min_rating integer, date_from text, date_to text, q text, sort text, "order" text, "limit" integer,
	match text DEFAULT 'substring')
RETURNS convdash.list_args
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	zone text := (SELECT a.time_zone FROM convdash.accounts a WHERE a.id = acct);
	args convdash.list_args;
BEGIN
	args.account_id := acct;
	args.term := nullif(btrim(q), '');
	args.mode := coalesce(match, 'substring');
	-- validation: each bad parameter is a 22023 naming it
	IF sort NOT IN ('date', 'agent', 'status', 'messages', 'rating', 'relevance') THEN
		PERFORM convdash.list_error('sort', format('invalid sort: "%s"', left(sort, 100)),
			'Use one of: agent, status, messages, rating, date, relevance.');
	END IF;
	IF "order" NOT IN ('asc', 'desc') THEN
		PERFORM convdash.list_error('order', format('invalid order: "%s"', left("order", 100)), 'Use asc or desc.');
	END IF;
	PERFORM convdash.check_range("limit", 'limit', 1, 200);
	PERFORM convdash.check_range(min_rating, 'min_rating', 1, 5);
	args.min_rating := min_rating;
	args.statuses := convdash.list_enum_filter(status, 'status', NULL::convdash.conversation_status);
	args.channels := convdash.list_enum_filter(channel, 'channel', NULL::convdash.channel);
	IF array_position(agent_id, NULL) IS NOT NULL THEN
		PERFORM convdash.list_error('agent_id', 'agent_id must not contain null');
	END IF;
	args.agents := CASE WHEN cardinality(agent_id) > 0 THEN
		(SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(agent_id) x) END;
	args.t_from := convdash.list_day_bound(date_from, 'date_from', zone, false);
	args.t_to := convdash.list_day_bound(date_to, 'date_to', zone, true);
	IF args.t_from >= args.t_to THEN
		PERFORM convdash.list_error('date_to', 'date_to is before date_from');
	END IF;
	IF length(args.term) > 200 THEN
		PERFORM convdash.list_error('q', format('q is too long (%s characters, at most 200)', length(args.term)));
	END IF;
	IF args.mode NOT IN ('substring', 'words') THEN
		PERFORM convdash.list_error('match', format('invalid match: "%s"', left(match, 100)), 'Use substring or words.');
	END IF;
	IF sort = 'relevance' AND (args.term IS NULL OR args.mode <> 'words') THEN
		PERFORM convdash.list_error('sort', 'sort=relevance needs q and match=words');
	END IF;
	RETURN args;
END
$$;
COMMENT ON FUNCTION convdash.list_filters(bigint, text[], text[], bigint[], integer, text, text, text, text, text, integer, text) IS
	'Read: the list''s parameter checks (22023 naming the bad parameter, in the list''s order; a NULL limit is not checked) and its typed filters, search term and match mode as list arguments (used by list_conversations and export_conversations)';

-- The arguments of a substring search for args.term: its ILIKE pattern ($10),
-- the filtered agents whose name contains it ($11) and its index keys ($14).
CREATE FUNCTION convdash.list_substring_args(args convdash.list_args) RETURNS convdash.list_args
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	args.pattern := convdash.search_pattern(args.term);
	args.keys := convdash.list_rarest_keys(convdash.search_keys(args.account_id, args.term));
	SELECT coalesce(array_agg(a.id ORDER BY a.id), '{}') INTO args.matched
	FROM convdash.agents a
	WHERE a.account_id = args.account_id AND convdash.search_match(a.name, args.pattern)
	  AND (args.agents IS NULL OR a.id = ANY(args.agents));
	RETURN args;
END
$$;
COMMENT ON FUNCTION convdash.list_substring_args(convdash.list_args) IS
	'Admin: the list arguments with the substring search''s pattern, matching agents and index keys of their term';

-- The arguments of a word search for args.term: the account's configuration,
-- the query (plain, and tenant-qualified as $15), its rare part ($17), the
-- filtered agents whose name matches ($11) and their ranks ($16). A query
-- without lexemes (only stop words or punctuation) matches nothing.
CREATE FUNCTION convdash.list_words_args(args convdash.list_args) RETURNS convdash.list_args
LANGUAGE plpgsql STABLE
SET client_min_messages = warning
AS $$
BEGIN
	args.config := (SELECT a.search_config FROM convdash.accounts a WHERE a.id = args.account_id);
	args.plain := websearch_to_tsquery(args.config, args.term);
	args.words := convdash.words_query(args.account_id, args.config, args.term);
	args.rare_words := convdash.list_words_rare_query(args.words);
	SELECT coalesce(array_agg(x.id ORDER BY x.id), '{}'), coalesce(array_agg(x.r ORDER BY x.id), '{}')
	INTO args.matched, args.matched_ranks
	FROM (SELECT a.id, ts_rank_cd(to_tsvector(args.config, a.name), args.plain) AS r
	      FROM convdash.agents a
	      WHERE a.account_id = args.account_id AND to_tsvector(args.config, a.name) @@ args.plain
	        AND (args.agents IS NULL OR a.id = ANY(args.agents))) x;
	RETURN args;
END
$$;
COMMENT ON FUNCTION convdash.list_words_args(convdash.list_args) IS
	'Admin: the list arguments with the word search''s configuration, plain and tenant-qualified queries, the query''s rare part, and matching agents with their ranks';

-- The SQL condition on a message m that the search matches: a shown
-- message containing the term (substring), or matching the query (words;
-- IS TRUE: a per-row check, never the words GIN once per row).
CREATE FUNCTION convdash.list_message_match_sql(mode text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE mode WHEN 'words' THEN '(m.words @@ $15) IS TRUE' ELSE 'm.seq IS NOT NULL AND convdash.search_match(m.content, $10)' END $$;
COMMENT ON FUNCTION convdash.list_message_match_sql(text) IS
	'Admin: the SQL condition on a message m that the search (substring or words) matches, for a row-by-row check';

-- The list_exec query of at most lim rows of src (a list_source_sql text)
-- that the search matches, in src's order (phases 1 and 3).
CREATE FUNCTION convdash.list_probe_sql(mode text, src text, lim integer) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
	RETURN format($q$
		SELECT array_agg(p.id), array_agg(p.k), array_agg(p.t), NULL::bigint FROM (
			SELECT p.id, p.k, p.t FROM (%s) p
			LEFT JOIN LATERAL (
				SELECT true AS hit FROM convdash.messages m
				WHERE m.account_id = $1 AND m.conversation_id = p.id AND %s
				LIMIT 1) h ON true
			WHERE %s p.agent_id = ANY($11) OR h.hit
			LIMIT %s) p$q$, src,
		convdash.list_message_match_sql(mode),
		CASE mode WHEN 'words' THEN '' ELSE 'convdash.search_match(p.session_id, $10) OR' END, lim);
END
$$;
COMMENT ON FUNCTION convdash.list_probe_sql(text, text, integer) IS
	'Admin: the list_exec query of at most lim search hits (substring or words) among the rows of a list_source_sql text, in its order';

-- The conversations whose shown messages or session id contain the term
-- (substring) or that have a shown message matching the query (words),
-- found through the indexes; at most cap messages and cap sessions are read
-- (counted before the ILIKE or query recheck, so that the rows read stay
-- bounded also where the keys or a word query's rare part, $17, are a loose
-- filter): capped says that more matched, ids
-- then hold those of the rows read. The ids found by a message come first,
-- once per matching message, with its seq in seqs (every match is read
-- here anyway; list_rows_json starts a snippet's search at a conversation's
-- first: at 1M a page by message count read ~1,000 messages of each
-- conversation to its first match). The index scan is a bitmap of every
-- entry of the term's keys (a GIN scan cannot stop early): with the default
-- 4 MB of work_mem a common term's bitmap turned lossy at 100k and every row
-- of a lossy page was rechecked (search_grams recomputed, ILIKE): 6,263
-- rows dropped to count 2,001, 147 ms; with 32 MB the bitmap stays exact
-- (count=exact p95 163-209 -> 83-96 ms). The bitmap only takes what it needs.
-- within: only among the conversations $12 (phase 1b's batch), the keys
-- passed as an InitPlan's value: from the statistics the planner takes a
-- rare key's share to be tiny and would read every row of its posting list
-- instead of ANDing the search index with those conversations' rows.
CREATE FUNCTION convdash.list_index_matches(args convdash.list_args, cap integer, within boolean DEFAULT false,
	OUT ids bigint[], OUT seqs integer[], OUT capped boolean)
LANGUAGE plpgsql STABLE
SET work_mem = '32MB'
AS $$
DECLARE
	w record := convdash.list_words_index_sql(args);
	keys constant text := CASE WHEN within THEN '(SELECT $14)' ELSE '$14' END;
	r record;
BEGIN
	-- the seqs travel in list_exec's ks column (as text)
	SELECT * INTO r FROM convdash.list_exec(format($q$
		SELECT array_agg(x.conversation_id) FILTER (WHERE x.hit), array_agg(x.seq::text) FILTER (WHERE x.hit),
			NULL::text[], count(*) FROM (
			SELECT m.conversation_id, m.seq, %s AS hit FROM convdash.messages m
			WHERE m.account_id = $1 AND %s%s
			LIMIT %s) x$q$,
		CASE args.mode WHEN 'words' THEN w.hit ELSE 'convdash.search_match(m.content, $10)' END,
		CASE args.mode WHEN 'words' THEN w.cond
			ELSE format('convdash.search_grams(m.account_id, m.content) @> %s AND m.seq IS NOT NULL', keys) END,
		CASE WHEN within THEN ' AND m.conversation_id = ANY($12)' ELSE '' END,
		cap + 1), args);
	ids := coalesce(r.ids, '{}');
	seqs := coalesce(r.ks::integer[], '{}');
	capped := coalesce(r.n, 0) > cap;
	IF args.mode = 'words' OR capped THEN
		RETURN;
	END IF;
	SELECT * INTO r FROM convdash.list_exec(format($q$
		SELECT array_agg(x.id) FILTER (WHERE x.hit), NULL::text[], NULL::text[], count(*) FROM (
			SELECT c.id, convdash.search_match(c.session_id, $10) AS hit FROM convdash.conversations c
			WHERE c.account_id = $1 AND convdash.search_grams(c.account_id, c.session_id) @> %s%s
			LIMIT %s) x$q$, keys, CASE WHEN within THEN ' AND c.id = ANY($12)' ELSE '' END, cap + 1), args);
	ids := ids || coalesce(r.ids, '{}');
	capped := capped OR r.n > cap;
END
$$;
COMMENT ON FUNCTION convdash.list_index_matches(convdash.list_args, integer, boolean) IS
	'Admin: ids of the tenant''s conversations (within: of those in the candidates) the search (substring: shown messages or session id; words: shown messages) matches, through the indexes, reading at most cap messages and cap sessions, each found by a message with that message''s seq; capped when more matched';

-- The arguments with the search's candidates (list_index_matches: $12 and
-- candidate_seqs), both NULL when more than cap messages (or sessions) match.
CREATE FUNCTION convdash.list_with_candidates(args convdash.list_args, cap integer) RETURNS convdash.list_args
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	SELECT CASE WHEN NOT m.capped THEN m.ids END, CASE WHEN NOT m.capped THEN m.seqs END
	INTO args.candidates, args.candidate_seqs
	FROM convdash.list_index_matches(args, cap) m;
	RETURN args;
END
$$;
COMMENT ON FUNCTION convdash.list_with_candidates(convdash.list_args, integer) IS
	'Admin: the list arguments with the tenant''s conversations the search matches through the indexes (list_index_matches) as candidates, NULL when more than cap messages or sessions match';

-- The keys of a term that the index is asked for: the rarest 3 by the
-- statistics of messages_search_idx (keys not among its most common ones
-- first), without those in over 10% of the messages while a rarer one is
-- left. Every key of the term is in every text that contains it, so any of
-- them is an exact-superset filter; a common key ("the " of a phrase) only
-- makes the index read a long posting list and hardly narrows the candidates.
-- At 1M a fourth key narrowed little and cost its posting list: `the you
-- and` 11,355 -> 11,302 candidates for 14.4 -> 23.1 ms of index count,
-- medium words 0-4 fewer of ~10,000 for 0.5-0.8 ms more.
CREATE FUNCTION convdash.list_rarest_keys(keys bigint[]) RETURNS bigint[]
LANGUAGE sql STABLE
AS $$
	SELECT array_agg(x.k ORDER BY x.k) FROM (
		SELECT k.k, f.f, row_number() OVER (ORDER BY coalesce(f.f, 0), k.k) AS i
		FROM unnest(keys) k(k)
		LEFT JOIN LATERAL (
			SELECT s.most_common_elem_freqs[array_position(s.most_common_elems::text::bigint[], k.k)] AS f
			FROM pg_catalog.pg_stats s
			WHERE s.schemaname = 'convdash' AND s.tablename = 'messages_search_idx') f ON true) x
	WHERE x.i <= 3 AND (x.i = 1 OR coalesce(x.f, 0) <= 0.1)
$$;
COMMENT ON FUNCTION convdash.list_rarest_keys(bigint[]) IS
	'Admin: the rarest (at most 3) of a search term''s index keys by the statistics of messages_search_idx, without those in over 10% of the messages while a rarer one is left';

-- Whether one of the term's keys is rare: not among the most common keys
-- that ANALYZE keeps for messages_search_idx (statistics target 1000: keys
-- in more than ~0.2% of the shown messages). The term's matches are at most
-- that key's, so phase 0 may try to collect them. Without statistics (a new
-- installation) every key counts as rare: phase 0 is capped anyway.
CREATE FUNCTION convdash.list_substring_rare(args convdash.list_args) RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	common bigint[] := (SELECT s.most_common_elems::text::bigint[] FROM pg_catalog.pg_stats s
		WHERE s.schemaname = 'convdash' AND s.tablename = 'messages_search_idx');
BEGIN
	RETURN common IS NULL OR EXISTS (SELECT FROM unnest(args.keys) k WHERE k <> ALL (common));
END
$$;
COMMENT ON FUNCTION convdash.list_substring_rare(convdash.list_args) IS
	'Admin: whether one of the search term''s index keys is not among the most common keys of messages_search_idx (its statistics)';

-- About how many conversations the account has (the statistics of
-- conversations.account_id; every row when there are none; NULL when the
-- table was never analyzed or is a distributed table's shell).
CREATE FUNCTION convdash.list_tenant_size(acct bigint) RETURNS float8
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	RETURN (SELECT nullif(greatest(c.reltuples, 0), 0) * coalesce((
		SELECT coalesce(s.most_common_freqs[array_position(s.most_common_vals::text::bigint[], acct)],
			1 - (SELECT sum(f) FROM unnest(s.most_common_freqs) f))
		FROM pg_catalog.pg_stats s
		WHERE s.schemaname = 'convdash' AND s.tablename = 'conversations' AND s.attname = 'account_id'), 1)
		FROM pg_catalog.pg_class c WHERE c.oid = 'convdash.conversations'::regclass);
END
$$;
COMMENT ON FUNCTION convdash.list_tenant_size(bigint) IS
	'Admin: about how many conversations the account has, from the statistics of conversations.account_id (all rows without them, NULL when unknown)';

-- About how many messages a conversation has (all tenants' rows in the
-- statistics; 1 when unknown or none).
CREATE FUNCTION convdash.list_messages_per_conversation() RETURNS float8
LANGUAGE sql STABLE
AS $$
	SELECT coalesce(nullif(greatest(m.reltuples, 0), 0) / nullif(greatest(c.reltuples, 0), 0), 1)
	FROM pg_catalog.pg_class m, pg_catalog.pg_class c
	WHERE m.oid = 'convdash.messages'::regclass AND c.oid = 'convdash.conversations'::regclass
$$;
COMMENT ON FUNCTION convdash.list_messages_per_conversation() IS
	'Admin: about how many messages a conversation has, from the statistics (1 when unknown)';

-- The word query's rare part: a query of its lexemes that are not among
-- the most common ones ANALYZE keeps for messages.words that every message
-- the query matches matches too (words_rare_query), NULL when the query
-- needs a common lexeme (or none). Counting and collecting through it never
-- reads a common lexeme's long posting list. Without statistics (a new
-- installation) every lexeme counts as rare: phase 0 is capped anyway.
CREATE FUNCTION convdash.list_words_rare_query(query tsquery) RETURNS tsquery
LANGUAGE sql STABLE
AS $$
	SELECT convdash.words_rare_query(query, (SELECT s.most_common_elems::text::text[] FROM pg_catalog.pg_stats s
		WHERE s.schemaname = 'convdash' AND s.tablename = 'messages' AND s.attname = 'words'))
$$;
COMMENT ON FUNCTION convdash.list_words_rare_query(tsquery) IS
	'Admin: the word query''s rare part by the statistics of messages.words (words_rare_query), NULL when it needs a common lexeme';

-- A word search through the words index, on a message m: the index's
-- condition, the query's rare part ($17) when it has one that is not the
-- query itself, else the query ($15); and the check of the query on each
-- row found (when the condition is the rare part: ts_match_vq(m.words, $15),
-- a call the planner never makes an index condition of; else true).
CREATE FUNCTION convdash.list_words_index_sql(args convdash.list_args, OUT cond text, OUT hit text)
LANGUAGE sql IMMUTABLE
AS $$
	SELECT CASE WHEN part THEN 'm.words @@ $17' ELSE 'm.words @@ $15' END,
		CASE WHEN part THEN 'ts_match_vq(m.words, $15)' ELSE 'true' END
	FROM (SELECT args.rare_words IS NOT NULL AND args.rare_words <> args.words AS part) x
$$;
COMMENT ON FUNCTION convdash.list_words_index_sql(convdash.list_args) IS
	'Admin: the SQL of a word search on a message m through the words index: the condition (the query''s rare part $17 when it is not the query, else $15) and the check of the query on each row found';

-- Whether the search term may be rare by the statistics: a word query with
-- a rare part (list_words_args) or list_substring_rare, by the mode.
CREATE FUNCTION convdash.list_term_rare(args convdash.list_args) RETURNS boolean
LANGUAGE sql STABLE
AS $$ SELECT CASE args.mode WHEN 'words' THEN args.rare_words IS NOT NULL ELSE convdash.list_substring_rare(args) END $$;
COMMENT ON FUNCTION convdash.list_term_rare(convdash.list_args) IS
	'Admin: whether the search needs a key (substring) or lexeme (words) that is not among the most common ones of its index (list_substring_rare, list_words_rare_query)';

-- Phase 2's page: the candidate conversations ($12) and those of the matching
-- agents ($11) after the cursor in sort order, at most n + 1 of them. In
-- status or rating order, more than walk_above candidates (list_search: 5
-- probes, 2,000) and no matching agent are found value by value, each
-- value's branch walking its index range and keeping the candidates
-- (list_exec_until: about n / their share of the tenant entries a branch;
-- at 1M, the 10,314 conversations of a medium word by status: 10 ms
-- against 83 ms for looking each up and sorting them); fewer are looked up
-- and sorted (a branch per value would look them up once per branch).
-- firsts: the smallest candidate_seqs entry of each row (NULL where it has none).
CREATE FUNCTION convdash.list_search_collect(args convdash.list_args, sort text, dir text, n integer,
	walk_above integer, OUT ids bigint[], OUT ks text[], OUT ts text[], OUT firsts integer[])
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	sql text;
BEGIN
	IF sort IN ('status', 'rating') AND cardinality(args.candidates) > walk_above AND coalesce(cardinality(args.matched), 0) = 0 THEN
		SELECT r.ids, r.ks, r.ts INTO ids, ks, ts FROM convdash.list_exec_until(ARRAY(
			SELECT convdash.list_rows_sql(b.sql)
			FROM unnest(convdash.list_branches_sql(args, sort, dir, ' AND c.id = ANY($12)', false, (n + 1)::text))
				WITH ORDINALITY b(sql, i)
			ORDER BY b.i), args, n + 1) r;
	ELSE
		sql := format('SELECT * FROM (%s) u', CASE WHEN sort IN ('status', 'rating')
			THEN convdash.list_sorted_sql(args, sort, dir, ' AND c.id = ANY($12)', n + 1)
			ELSE convdash.list_source_sql(args, sort, dir, ' AND c.id = ANY($12)', false, (n + 1)::text) END);
		IF cardinality(args.matched) > 0 THEN
			sql := sql || format(' UNION SELECT * FROM (%s) u',
				convdash.list_source_sql(args, sort, dir, '', true, (n + 1)::text));
		END IF;
		SELECT r.ids, r.ks, r.ts INTO ids, ks, ts
		FROM convdash.list_exec(convdash.list_rows_sql(format('SELECT * FROM (SELECT * FROM (%s) x ORDER BY %s LIMIT %s) y',
			sql, convdash.list_order_sql(sort, dir), n + 1)), args) r;
	END IF;
	firsts := convdash.hits_first_seq(ids, args.candidates, args.candidate_seqs);
END
$$;
COMMENT ON FUNCTION convdash.list_search_collect(convdash.list_args, text, text, integer, integer) IS
	'Admin: ids and cursor keys of the first n + 1 candidate ($12) or matching-agent ($11) conversations after the cursor, in sort order (more than walk_above candidates by status or rating: value by value through the index ranges), with the seq of each one''s first matching message where list_index_matches found it';

-- The arguments with the cursor at the last of the rows walked (ids and
-- their cursor keys, in sort order): a walk goes on after them.
CREATE FUNCTION convdash.list_after(args convdash.list_args, ids bigint[], ks text[], ts text[])
RETURNS convdash.list_args
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
	args.cursor_k := ks[cardinality(ids)];
	args.cursor_t := ts[cardinality(ids)];
	args.cursor_id := ids[cardinality(ids)];
	RETURN args;
END
$$;
COMMENT ON FUNCTION convdash.list_after(convdash.list_args, bigint[], text[], text[]) IS
	'Admin: the list arguments with the cursor at the last of the rows walked (ids, cursor keys ks and ts)';

-- The search's hits among the conversations after the cursor in sort
-- order, checked batch by batch through the indexes (substring search with a
-- count, phase 1b): each batch of filtered conversations is walked in sort
-- order (the index alone), and its messages that have the term's keys are
-- found by ANDing the search index's bitmap with the batch's rows of a
-- conversation-led index of messages (messages_conversation_idx at 1M), so
-- that only those messages are read (list_index_matches within the batch;
-- session ids through their index). Collecting every match instead reads each candidate's heap
-- page: at 1M "address the" had 29,943 candidates on 29,450 pages (63-109 ms
-- warm, 152 ms read from outside shared buffers) for a page whose 51 hits
-- were among the newest 3,820 conversations (this walk: 35 ms, the index
-- bitmap 10 of them). A batch holds need / density conversations (the
-- density given, then the hits per conversation walked so far) and a
-- quarter more; the walk stops, done false, before a batch would take it
-- past budget conversations, and is done when it has need hits or has seen
-- every conversation (not walked, done false, without a density in (0, 1],
-- a need or a budget). firsts: the seq of each hit's first matching message (NULL:
-- found by its session id).
CREATE FUNCTION convdash.list_index_walk(args convdash.list_args, sort text, dir text, need integer,
	density float8, budget integer,
	OUT ids bigint[], OUT ks text[], OUT ts text[], OUT firsts integer[], OUT done boolean)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	batch bigint;
	walked bigint := 0;    -- conversations walked
	seen record;    -- the batch walked (ids, ks, ts, n)
	found record;   -- its matches (list_index_matches: ids, seqs)
	checked convdash.list_args;
BEGIN
	ids := '{}'; ks := '{}'; ts := '{}'; firsts := '{}';
	done := false;
	-- a density is hits per conversation: in (0, 1]
	IF NOT coalesce(density > 0 AND density <= 1 AND need > 0 AND budget > 0, false) THEN
		RETURN;    -- no batch size to go by, nothing to find or no budget: not walked
	END IF;
	LOOP
		batch := ceil((need - cardinality(ids)) * 1.25 / density);
		EXIT WHEN walked + batch > budget;
		SELECT * INTO seen FROM convdash.list_exec(convdash.list_rows_sql(
			convdash.list_source_sql(args, sort, dir, '', false, batch::text)), args);
		walked := walked + seen.n;
		checked := args;
		checked.candidates := coalesce(seen.ids, '{}');
		-- the batch bounds the rows read: no cap of its own
		SELECT * INTO found FROM convdash.list_index_matches(checked, 2147483646, within => true);
		SELECT ids || coalesce(array_agg(s.id ORDER BY s.i), '{}'), ks || coalesce(array_agg(s.k ORDER BY s.i), '{}'),
			ts || coalesce(array_agg(s.t ORDER BY s.i), '{}'), firsts || coalesce(array_agg(s.first ORDER BY s.i), '{}')
		INTO ids, ks, ts, firsts
		FROM unnest(seen.ids, seen.ks, seen.ts, convdash.hits_first_seq(seen.ids, found.ids, found.seqs))
			WITH ORDINALITY s(id, k, t, first, i)
		WHERE s.id = ANY(found.ids);
		IF cardinality(ids) >= need OR seen.n < batch THEN
			done := true;
			ids := ids[1:need]; ks := ks[1:need]; ts := ts[1:need]; firsts := firsts[1:need];
			RETURN;
		END IF;
		args := convdash.list_after(args, seen.ids, seen.ks, seen.ts);
		density := greatest(cardinality(ids), 0.5) / walked;
	END LOOP;
END
$$;
COMMENT ON FUNCTION convdash.list_index_walk(convdash.list_args, text, text, integer, float8, integer) IS
	'Admin: the first need substring search hits after the cursor in sort order, walking batches of conversations and checking each through the search index and a conversation-led index of messages together; done false when that would look at more than budget conversations';

-- The search's page (substring or words, any sort but relevance): at most
-- n + 1 matching conversations after the cursor in sort order, by the phases
-- described at the top of this file. When phase 3 walks its `walk`
-- conversations without filling the page, the hits so far come with the
-- walk's last row (resume_*): the page ends there. firsts: the seq of the
-- first matching message of the rows where a collect found it.
CREATE FUNCTION convdash.list_search(args convdash.list_args, sort text, dir text, n integer,
	probe integer, cap integer, walk integer, index_entries integer, OUT ids bigint[], OUT ks text[], OUT ts text[],
	OUT resume_k text, OUT resume_t text, OUT resume_id bigint, OUT firsts integer[])
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	probe_limit integer := probe;
	rare constant boolean := convdash.list_term_rare(args);
	-- the most a collect before the long probe reads (phase 0 with a count, phase 1)
	collect_cap constant integer := least(cap, probe * 40);
	-- a term with a rare key or lexeme: how many index entries its rare
	-- keys or lexemes select (the index's own count, not the statistics'
	-- guess); on Citus the coordinator's index is empty: no count there
	known constant bigint := CASE WHEN rare AND NOT convdash.is_citus_table('convdash.messages')
		THEN CASE args.mode WHEN 'words' THEN convdash.words_index_count(args.rare_words)
			ELSE convdash.search_index_count(args.keys) END END;
	-- the cap of the collects tried so far (a later one only above it): phase 0's
	-- when the statistics say a key is rare; with a count, collect_cap when the
	-- count fits under it, else the count itself (no collect under it can succeed)
	early integer := CASE WHEN known > collect_cap THEN least(known, cap) WHEN known IS NOT NULL THEN collect_cap
		WHEN rare THEN least(cap, probe * 10) END;
	-- a word phrase of common words: the words index finds every message with
	-- the words, the phrase is checked on each (163,000 read for 20,000 hits
	-- of "the and" at 100k): never collected through the index, walked
	phrase_walk constant boolean := args.mode = 'words' AND early IS NULL AND strpos(args.words::text, '<') > 0;
	-- phase 1b: a substring term with a count of messages (over the
	-- collect's cap there; none when only session ids may match) and no
	-- matching agent, in a tenant of known size, not sorted by message count
	-- (the longest conversations first: their index entries are many, and
	-- the probe finds their matches)
	tenant constant float8 := CASE WHEN known > 0 THEN convdash.list_tenant_size(args.account_id) END;
	walk_indexed constant boolean := args.mode = 'substring' AND known > 0 AND tenant > 0
		AND coalesce(cardinality(args.matched), 0) = 0 AND sort <> 'messages';
	probed convdash.list_args := args;    -- phase 1's cursor: after the conversations it probed
	seen record;    -- the conversations a probe walked (ids, ks, ts, n)
	r record;
	walked record;  -- phase 1b's hits (list_index_walk)
BEGIN
	-- phase 0: few matches in the index (rare and medium terms): collect them
	-- at once, cheaper than any probe (with a count: only when they fit)
	IF early IS NOT NULL AND coalesce(known <= collect_cap, true) THEN
		args := convdash.list_with_candidates(args, early);
		IF args.candidates IS NOT NULL THEN
			SELECT * INTO ids, ks, ts, firsts FROM convdash.list_search_collect(args, sort, dir, n, probe * 5);
			RETURN;
		END IF;
	END IF;
	-- phase 1b: a count over the collect's cap that says that under 15% of
	-- the conversations match: check them in sort order through the indexes,
	-- the first batch sized for a third of the count's matches, reading no
	-- more conversation index entries than index_entries (5) per counted
	-- entry (a heap row that a collect reads cost as much as ~20 index
	-- entries warm, more cold; at 1M the walk lost to the collect from
	-- ~16,000 counted entries down: medium words of ~10,000 took 38-64 ms
	-- against 35-49 ms)
	IF walk_indexed AND known / tenant < 0.15 THEN
		SELECT * INTO walked FROM convdash.list_index_walk(args, sort, dir, n + 1, known / tenant / 3,
			least(known::float8 * index_entries / convdash.list_messages_per_conversation(), 2147483647)::integer);
		IF walked.done THEN
			SELECT walked.ids, walked.ks, walked.ts, walked.firsts INTO ids, ks, ts, firsts;
			RETURN;
		END IF;
	END IF;
	-- phase 1: probe the first conversations in sort order; when that finds
	-- matches but too few, the density seen says whether probing on 7 times
	-- as far should fill the page, which is cheaper than collecting candidates
	LOOP
		SELECT * INTO r FROM convdash.list_exec(convdash.list_probe_sql(args.mode,
			convdash.list_source_sql(probed, sort, dir, '', false, probe_limit::text),
			n + 1 - coalesce(cardinality(ids), 0)), probed);
		ids := coalesce(ids, '{}') || r.ids; ks := coalesce(ks, '{}') || r.ks; ts := coalesce(ts, '{}') || r.ts;
		IF cardinality(ids) > n THEN
			RETURN;
		END IF;
		SELECT * INTO seen FROM convdash.list_exec(convdash.list_rows_sql(
			convdash.list_source_sql(probed, sort, dir, '', false, probe_limit::text)), probed);
		EXIT WHEN seen.n < probe_limit OR probe_limit <> probe OR cardinality(ids) * 8 < n + 1;
		-- the density seen, over the whole tenant, says how many conversations
		-- match: when few (a small tenant, a phrase of common words), collecting
		-- them through the index reads fewer rows than probing 8 times as far
		IF NOT phrase_walk AND coalesce(early, 0) < collect_cap AND cardinality(ids)::float8 / probe_limit
				* convdash.list_tenant_size(args.account_id) * 4 <= collect_cap THEN
			args := convdash.list_with_candidates(args, collect_cap);
			IF args.candidates IS NOT NULL THEN
				SELECT * INTO ids, ks, ts, firsts FROM convdash.list_search_collect(args, sort, dir, n, probe * 5);
				RETURN;
			END IF;
			early := collect_cap;    -- more than that: phase 2 not again below that cap
		END IF;
		probed := convdash.list_after(probed, seen.ids, seen.ks, seen.ts);
		probe_limit := probe * 7;
	END LOOP;
	IF seen.n < probe_limit THEN
		RETURN;    -- the probe saw every filtered conversation after the cursor
	END IF;
	-- phase 2: the matching conversations through the indexes, if there are few
	-- (not again when phase 0 found more than cap already)
	IF NOT phrase_walk AND (early IS NULL OR early < cap) THEN
		args := convdash.list_with_candidates(args, cap);
	END IF;
	IF args.candidates IS NOT NULL THEN
		SELECT * INTO ids, ks, ts, firsts FROM convdash.list_search_collect(args, sort, dir, n, probe * 5);
		RETURN;
	END IF;
	-- phase 3: common overall, rare after the filters: walk on in sort order
	-- from the probe's last row, at most `walk` conversations
	args := convdash.list_after(probed, seen.ids, seen.ks, seen.ts);
	SELECT * INTO r FROM convdash.list_exec(convdash.list_probe_sql(args.mode,
		convdash.list_source_sql(args, sort, dir, '', false, walk::text), n + 1 - coalesce(cardinality(ids), 0)), args);
	ids := coalesce(ids, '{}') || r.ids;
	ks := coalesce(ks, '{}') || r.ks;
	ts := coalesce(ts, '{}') || r.ts;
	IF cardinality(ids) > n THEN
		RETURN;
	END IF;
	SELECT * INTO seen FROM convdash.list_exec(convdash.list_rows_sql(
		convdash.list_source_sql(args, sort, dir, '', false, walk::text)), args);
	IF seen.n = walk THEN
		resume_k := seen.ks[seen.n];
		resume_t := seen.ts[seen.n];
		resume_id := seen.ids[seen.n];
	END IF;
END
$$;
COMMENT ON FUNCTION convdash.list_search(convdash.list_args, text, text, integer, integer, integer, integer, integer) IS
	'Admin: ids and cursor keys of the first n + 1 conversations after the cursor that the search (substring or words) matches, in sort order (phases 0, 1b, 1-3); when the bounded walk of phase 3 ends first, the hits it found and the row it stopped at (resume_*); the seq of the first matching message of the rows a collect found by one (firsts)';

-- SQL of the matching messages a relevance page ranks (conversation_id,
-- words): with a rare part ($17) the first cap the words index finds, else
-- the matches among the tenant's newest cap shown messages.
CREATE FUNCTION convdash.list_ranked_sql(args convdash.list_args, cap integer) RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	w record := convdash.list_words_index_sql(args);
BEGIN
	RETURN CASE WHEN args.rare_words IS NOT NULL THEN format($m$
		SELECT m.conversation_id, m.words FROM (
			SELECT m.conversation_id, m.words FROM convdash.messages m
			WHERE m.account_id = $1 AND %s LIMIT %s) m
		WHERE %s$m$, w.cond, cap, w.hit) ELSE format($m$
		SELECT m.conversation_id, m.words FROM (
			SELECT m.conversation_id, m.words FROM convdash.messages m
			WHERE m.account_id = $1 AND m.seq IS NOT NULL
			ORDER BY m.id DESC LIMIT %s) m
		WHERE m.words @@ $15$m$, cap) END;
END
$$;
COMMENT ON FUNCTION convdash.list_ranked_sql(convdash.list_args, integer) IS
	'Admin: SQL of the matching messages (conversation_id, words) a relevance page ranks: the first cap through the words index with a rare part, else the matches among the newest cap shown messages';

-- The relevance page of a word search: at most n + 1 matching conversations
-- after the cursor, by rank (the best ts_rank_cd of its matching messages
-- plus that of its agent's name), then started_at and id, all in dir. The
-- cost is bounded: with a rare part ($17, list_words_args) at most cap matching
-- messages (through the words index, all of them when there are fewer),
-- else the matches among the tenant's newest cap shown messages. A
-- matching agent's conversations without a matching message all have the
-- agent's rank: of those only the first n + 1 after the cursor (by
-- started_at, the agent's index) can be on the page. Only these
-- conversations are looked up, never the tenant's whole list.
-- Without a matching agent, when the words index counts at most 2 x cap
-- entries of the rare part, all matches are ranked and the conversations
-- taken rank by rank (at most `walks` ranks): the conversations of one rank
-- are a date walk over them as candidates (list_source_sql), which reads
-- about n / their share of the tenant's entries of conversations_started_idx
-- instead of looking each one up: ranks tie a lot (a word found once in a
-- message ranks 0.1; at 1M, 10,312 of the 10,314 conversations of a medium
-- word), and looking 9,568 up to sort them by date took 85 ms of 135. (All
-- matches: a capped set is the oldest in the table's order, and a walk from
-- the newest would pass the rest. Ranking without looking up costs about
-- half per match, hence 2 x cap.) When `walks` ranks do not fill the page,
-- all are looked up and sorted at once.
CREATE FUNCTION convdash.list_relevance(args convdash.list_args, dir text, n integer, cap integer, walks integer,
	OUT ids bigint[], OUT ks text[], OUT ts text[])
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	conds text := convdash.list_conds(args);
	cmp text := CASE dir WHEN 'asc' THEN '>' ELSE '<' END;
	ranked record;    -- from the cursor's rank on: ids (conversations by rank), ks (ranks), ts (how many each)
	ranked_ids bigint[];
	one convdash.list_args := args;
	walked record;    -- one rank's conversations by date
	g integer := 1;    -- the rank walked
	i integer := 1;    -- its first conversation in ranked_ids
BEGIN
	IF coalesce(cardinality(args.matched), 0) = 0 AND args.rare_words IS NOT NULL
			AND NOT convdash.is_citus_table('convdash.messages')
			AND convdash.words_index_count(args.rare_words) <= 2 * cap THEN
		SELECT * INTO ranked FROM convdash.list_exec(format($q$
			WITH h AS MATERIALIZED (
				SELECT m.conversation_id AS id, max(ts_rank_cd(m.words, $15))::real AS r FROM (%1$s) m GROUP BY 1)
			SELECT (SELECT array_agg(h.id ORDER BY h.r %2$s) FROM h WHERE %3$s),
				array_agg(x.r::text ORDER BY x.r %2$s), array_agg(x.n::text ORDER BY x.r %2$s), count(*)
			FROM (SELECT h.r, count(*) AS n FROM h WHERE %3$s GROUP BY h.r) x$q$, convdash.list_ranked_sql(args, 2 * cap), dir,
			CASE WHEN args.cursor_k IS NOT NULL THEN format('h.r %s= $8::real', cmp) ELSE 'true' END), args);
		ranked_ids := ranked.ids;
		WHILE g <= ranked.n AND coalesce(cardinality(ids), 0) <= n AND g <= walks LOOP
			-- the conversations of that rank by date, from the cursor's when it has that rank
			one.candidates := ranked_ids[i:i + ranked.ts[g]::integer - 1];
			one.cursor_k := CASE WHEN ranked.ks[g]::real = args.cursor_k::real THEN args.cursor_t END;
			SELECT * INTO walked FROM convdash.list_exec(convdash.list_rows_sql(convdash.list_source_sql(one, 'date', dir,
				' AND c.id = ANY($12)', false, (n + 1 - coalesce(cardinality(ids), 0))::text)), one);
			IF walked.n > 0 THEN
				ids := ids || walked.ids;
				ks := ks || array_fill(ranked.ks[g], ARRAY[walked.n::integer]);
				ts := ts || walked.ks;
			END IF;
			i := i + ranked.ts[g]::integer;
			g := g + 1;
		END LOOP;
		IF coalesce(cardinality(ids), 0) > n OR g > ranked.n THEN
			RETURN;
		END IF;
	END IF;
	-- a matching agent's conversations without a ranked message rank as the
	-- agent (u.r): those are walked by date from the cursor, the others
	-- (agent rank plus message rank) come with the ranked messages
	SELECT r.ids, r.ks, r.ts INTO ids, ks, ts FROM convdash.list_exec(format($q$
		WITH h AS MATERIALIZED (
			SELECT m.conversation_id AS id, max(ts_rank_cd(m.words, $15)) AS r FROM (%6$s) m GROUP BY 1)
		SELECT array_agg(y.id), array_agg(y.rank::text), array_agg(%8$s), NULL::bigint
		FROM (
			SELECT s.* FROM (
				SELECT c.id, c.started_at, (coalesce(x.r, 0) + coalesce(
					(SELECT u.r FROM unnest($11, $16) u(id, r) WHERE u.id = c.agent_id), 0))::real AS rank
				FROM (
					SELECT h.id, h.r FROM h
					UNION ALL
					SELECT a.id, NULL FROM unnest($11, $16) u(id, r)
					CROSS JOIN LATERAL (
						SELECT c.id FROM convdash.conversations c
						WHERE c.account_id = $1 AND c.agent_id = u.id %1$s AND %7$s
						  AND c.id NOT IN (SELECT h.id FROM h)
						ORDER BY c.started_at %4$s, c.id %4$s LIMIT %5$s) a) x
				JOIN convdash.conversations c ON c.account_id = $1 AND c.id = x.id
				WHERE true %1$s) s
			WHERE %3$s
			ORDER BY s.rank %4$s, s.started_at %4$s, s.id %4$s
			LIMIT %5$s) y$q$,
		conds, cap,
		CASE WHEN args.cursor_k IS NOT NULL
			THEN format('(s.rank, s.started_at, s.id) %s ($8::real, $13::timestamptz, $9)', cmp) ELSE 'true' END,
		dir, n + 1, convdash.list_ranked_sql(args, cap),
		CASE WHEN args.cursor_k IS NOT NULL
			THEN format('(u.r, c.started_at, c.id) %s ($8::real, $13::timestamptz, $9)', cmp) ELSE 'true' END,
		convdash.list_time_sql('y.started_at')), args) r;
	-- the rows come out in order: array_agg over the ordered subquery
END
$$;
COMMENT ON FUNCTION convdash.list_relevance(convdash.list_args, text, integer, integer, integer) IS
	'Admin: ids and cursor keys (rank, started_at) of the first n + 1 word-search hits after the cursor by relevance, then started_at and id; ranks at most cap matching messages (with a rare lexeme; else the matches among the newest cap messages) and the first n + 1 conversations (by date) of each matching agent without a ranked message; without a matching agent and with at most 2 x cap entries of the rare part, all of them, rank by rank as date walks (at most walks ranks, then one sort)';

-- The conversations of the first cap + 1 matches among the tenant's newest
-- `rows` shown messages (capped: that many were found). For a term whose
-- keys are all common: its index scan reads every entry of those keys
-- however few rows are wanted (a GIN scan cannot stop early; 6.1M entries,
-- 1 s, for "and" at 1M), while such a term fills cap within a short walk.
CREATE FUNCTION convdash.list_newest_matches(args convdash.list_args, cap integer, "rows" integer,
	OUT ids bigint[], OUT capped boolean)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	r record;
BEGIN
	SELECT * INTO r FROM convdash.list_exec(format($q$
		SELECT array_agg(DISTINCT x.conversation_id), NULL::text[], NULL::text[], count(*) FROM (
			SELECT m.conversation_id FROM (
				SELECT m.conversation_id, m.seq, m.content, m.words FROM convdash.messages m
				WHERE m.account_id = $1 AND m.seq IS NOT NULL
				ORDER BY m.id DESC LIMIT %s) m
			WHERE %s
			LIMIT %s) x$q$, "rows", convdash.list_message_match_sql(args.mode), cap + 1), args);
	ids := coalesce(r.ids, '{}');
	capped := r.n > cap;
END
$$;
COMMENT ON FUNCTION convdash.list_newest_matches(convdash.list_args, integer, integer) IS
	'Admin: ids of the conversations of the first cap + 1 messages the search matches among the tenant''s newest rows shown messages, and whether more than cap matched there';

-- The count of the list (count=exact) as {"total": n}: the conversations
-- of the filters, and of the search when there is one. A search counts the
-- conversations list_index_matches finds, reading at most cap index rows:
-- when more match, the answer is {"total_at_least": n}, the conversations
-- among those rows (and of matching agents), so a count never reads more
-- than cap messages. A term whose keys are all common takes those rows from
-- the newest 10 x cap messages instead when that many match there
-- (list_newest_matches).
CREATE FUNCTION convdash.list_total(args convdash.list_args, cap integer) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	capped boolean := false;
	common boolean := args.term IS NOT NULL AND NOT convdash.list_term_rare(args);
	n bigint;
BEGIN
	IF common THEN
		SELECT m.ids, m.capped INTO args.candidates, capped FROM convdash.list_newest_matches(args, cap, cap * 10) m;
	END IF;
	IF args.term IS NOT NULL AND NOT capped THEN
		SELECT m.ids, m.capped INTO args.candidates, capped FROM convdash.list_index_matches(args, cap) m;
	END IF;
	n := (SELECT x.n FROM convdash.list_exec(format(
		'SELECT NULL::bigint[], NULL::text[], NULL::text[], count(*) FROM convdash.conversations c WHERE c.account_id = $1 %s %s',
		convdash.list_conds(args),
		CASE WHEN args.term IS NOT NULL THEN ' AND (c.agent_id = ANY($11) OR c.id = ANY($12))' ELSE '' END), args) x);
	RETURN jsonb_build_object(CASE WHEN capped THEN 'total_at_least' ELSE 'total' END, n);
END
$$;
COMMENT ON FUNCTION convdash.list_total(convdash.list_args, integer) IS
	'Admin: {"total": n}, the number of the tenant''s conversations the list arguments'' filters and search select; for a search that matches more than cap messages or sessions, {"total_at_least": n} counted over the first cap';

-- One conversation of the list page as its JSON object (C: jsonb pushed from
-- the columns; json_build_object rows parsed into jsonb cost 1.5x as much).
CREATE FUNCTION convdash.list_row(id bigint, agent_id bigint, agent_name text, agent_company text,
	session_id text, channel text, status text, message_count integer, rating integer, started_at timestamptz)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'convdash_list_row'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION convdash.list_row(bigint, bigint, text, text, text, text, text, integer, integer, timestamptz) IS
	'Admin: the list''s JSON object of one conversation: {"id", "agent": {"id", "name", "company"}, "session_id", "channel", "status", "message_count", "rating", "started_at" (RFC 3339)}, NULL fields as null';

-- For each of ids, the smallest of hit_seqs whose hit_ids entry (same
-- position) is that id: where a page's row has its first matching message
-- among the hits a search read (list_search_collect). C: the ids sorted
-- once and each hit looked up among them.
CREATE FUNCTION convdash.hits_first_seq(ids bigint[], hit_ids bigint[], hit_seqs integer[]) RETURNS integer[]
AS 'MODULE_PATHNAME', 'convdash_hits_first_seq'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.hits_first_seq(bigint[], bigint[], integer[]) IS
	'Admin: for each of ids, the smallest hit_seqs entry whose hit_ids entry at the same position is that id (NULL when none)';

-- The page's rows of ids in that order as JSON, each with its match when searching.
-- One generic plan (not on Citus): every row is a primary-key lookup and its match the
-- first of its own conversation's messages, whatever the tenant or term (a
-- custom plan per call cost 1.5 ms of a 3.6 ms list page at 1M). The rows
-- are jsonb from list_row (50 rows: 0.63 ms against 0.96 for json rows
-- parsed into jsonb once, and 0.42 without rows).
-- A match is looked for in transcript order (messages_transcript_idx, only
-- shown messages have words), stopping at the first: without a condition on
-- seq the words match read every message of the conversation and sorted
-- them (4 ms for one of 2,000 messages, 200 ms for a page sorted by messages).
-- It starts at the row's firsts entry when the search knows where the first
-- match is (list_index_matches), else at the first message.
CREATE FUNCTION convdash.list_rows_json(args convdash.list_args, ids bigint[], firsts integer[]) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	acct bigint := args.account_id;
	term text := args.term;
	pat text := args.pattern;
	wq tsquery := args.words;
	config regconfig := args.config;
	plain tsquery := args.plain;
	result jsonb;
BEGIN
	-- Citus plans a distributed query only with its parameters' values (a
	-- generic plan of this one is refused): custom plans there
	IF convdash.is_citus_table('convdash.messages') THEN
		PERFORM set_config('plan_cache_mode', 'auto', true);
	END IF;
	SELECT coalesce(jsonb_agg(CASE WHEN x.match IS NULL THEN x.row ELSE x.row || x.match END ORDER BY x.ord), '[]')
	INTO result
	FROM (SELECT r.ord, convdash.list_row(c.id, a.id, a.name, a.company, c.session_id, c.channel::text,
			c.status::text, k.message_count, c.rating, c.started_at) AS row,
			CASE WHEN term IS NULL THEN NULL
				WHEN wq IS NULL AND convdash.search_match(c.session_id, pat) THEN jsonb_build_object('match', jsonb_build_object(
					'in', 'session', 'snippet', NULL, 'marks', convdash.substring_marks(c.session_id, term)))
				WHEN wq IS NULL AND convdash.search_match(a.name, pat) THEN jsonb_build_object('match', jsonb_build_object(
					'in', 'agent', 'snippet', NULL, 'marks', convdash.substring_marks(a.name, term)))
				WHEN wq IS NULL THEN jsonb_build_object('match', jsonb_build_object('in', 'message')
					|| coalesce((SELECT convdash.substring_hit(m.content, term) FROM convdash.messages m
					 WHERE m.account_id = acct AND m.conversation_id = c.id AND m.seq >= coalesce(r.first, 1)
					   AND convdash.search_match(m.content, pat)
					 ORDER BY m.seq LIMIT 1), '{"snippet": null, "marks": []}'))
				WHEN a.id = ANY(args.matched) THEN jsonb_build_object('match', jsonb_build_object(
					'in', 'agent', 'snippet', NULL, 'marks', convdash.words_marks(config, a.name, plain)))
				ELSE jsonb_build_object('match', jsonb_build_object('in', 'message')
					|| coalesce((SELECT convdash.words_hit(config, m.content, plain) FROM convdash.messages m
					 WHERE m.account_id = acct AND m.conversation_id = c.id AND m.seq >= coalesce(r.first, 1)
					   AND (m.words @@ wq) IS TRUE
					 ORDER BY m.seq LIMIT 1), '{"snippet": null, "marks": []}'))
			END AS match
		FROM unnest(ids, firsts) WITH ORDINALITY AS r(id, first, ord)
		JOIN convdash.conversations c ON c.account_id = acct AND c.id = r.id
		JOIN convdash.conversation_counters k ON k.account_id = acct AND k.conversation_id = r.id
		JOIN convdash.agents a ON a.account_id = acct AND a.id = c.agent_id
		OFFSET 0) x;    -- a subquery of its own: each row's match computed once, not once per use
	RETURN result;
END
$$;
COMMENT ON FUNCTION convdash.list_rows_json(convdash.list_args, bigint[], integer[]) IS
	'Admin: the JSON rows of the conversations ids in that order, each search hit with its match (in, snippet, marks), looked for from the seq in firsts (NULL: the first)';

-- Up to 3 suggestions for a search that found nothing: the tenant's agent
-- names and recent session ids most similar to the term (pg_trgm).
CREATE FUNCTION convdash.list_suggestions(acct bigint, term text) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	trgm text := (SELECT e.extnamespace::regnamespace::text FROM pg_extension e WHERE e.extname = 'pg_trgm');
	result jsonb;
BEGIN
	EXECUTE format($q$
		SELECT coalesce(jsonb_agg(jsonb_build_object('text', s.text, 'kind', s.kind) ORDER BY s.sim DESC, s.kind, s.text), '[]')
		FROM (
			SELECT * FROM (
				SELECT a.name AS text, 'agent' AS kind, %1$s.word_similarity($2, a.name) AS sim
				FROM convdash.agents a WHERE a.account_id = $1
				UNION ALL
				SELECT c.session_id, 'session', %1$s.word_similarity($2, c.session_id)
				FROM (SELECT c.session_id FROM convdash.conversations c WHERE c.account_id = $1
				      ORDER BY c.started_at DESC, c.id DESC LIMIT 5000) c) x
			WHERE x.sim >= 0.3
			ORDER BY x.sim DESC, x.kind, x.text LIMIT 3) s$q$, trgm)
	INTO result USING acct, term;
	RETURN result;
END
$$;
COMMENT ON FUNCTION convdash.list_suggestions(bigint, text) IS
	'Admin: up to 3 {text, kind} suggestions (agent names, session ids of the newest 5,000 conversations) most similar to the term by pg_trgm, within the tenant';

-- The dashboard's conversation list and search (DESIGN §4, §5).
CREATE FUNCTION convdash.list_conversations(status text[] DEFAULT NULL, channel text[] DEFAULT NULL,
	agent_id bigint[] DEFAULT NULL, min_rating integer DEFAULT NULL, date_from text DEFAULT NULL,
	date_to text DEFAULT NULL, q text DEFAULT NULL, sort text DEFAULT 'date', "order" text DEFAULT 'desc',
	"limit" integer DEFAULT 50, cursor text DEFAULT NULL, with_total boolean DEFAULT false,
	match text DEFAULT 'substring')
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
SET jit = off
AS $$
DECLARE
	-- phase 1 probes this many conversations; phase 2 collects at most this many
	-- matches (tuning knobs, also used by the tests to force every phase on small
	-- data); relevance ranks at most search_rank_limit matching messages
	search_probe constant integer := greatest(1,
		coalesce(nullif(current_setting('convdash.search_probe', true), '')::integer, 400));
	search_candidates constant integer := greatest(1,
		coalesce(nullif(current_setting('convdash.search_candidates', true), '')::integer, 30000));
	search_rank_limit constant integer := greatest(1,
		coalesce(nullif(current_setting('convdash.search_rank_limit', true), '')::integer, 10000));
	-- a search's count reads at most this many index rows (count=exact)
	search_count_limit constant integer := greatest(1,
		coalesce(nullif(current_setting('convdash.search_count_limit', true), '')::integer, 2000));
	-- phase 3 walks at most this many conversations before it ends the page
	search_walk constant integer := greatest(1,
		coalesce(nullif(current_setting('convdash.search_walk', true), '')::integer, 4000));
	-- phase 1b reads at most this many transcript index entries per entry
	-- the term's count found (0: no phase 1b)
	search_index_entries constant integer := greatest(0,
		coalesce(nullif(current_setting('convdash.search_index_entries', true), '')::integer, 5));
	acct bigint := convdash.require_account();
	srt text := coalesce(sort, 'date');
	dir text := coalesce("order", 'desc');
	n integer := coalesce("limit", 50);
	args convdash.list_args;
	signature text;
	ids bigint[];
	ks text[];
	ts text[];
	resume_k text;    -- where a search's bounded walk ended a short page
	resume_t text;
	resume_id bigint;
	firsts integer[];    -- the seq of each row's first matching message, where the search knows it
	next_cursor text;
	result jsonb;
BEGIN
	args := convdash.list_filters(acct, status, channel, agent_id, min_rating, date_from, date_to, q, srt, dir, n,
		match);
	signature := jsonb_build_array(acct, srt, dir, args.statuses, args.channels, args.agents, min_rating,
		date_from, date_to, args.term)::text;
	IF args.term IS NOT NULL AND args.mode = 'words' THEN
		signature := signature || ' words';
	END IF;
	IF cursor IS NOT NULL THEN
		SELECT d.k, d.t, d.id INTO args.cursor_k, args.cursor_t, args.cursor_id
		FROM convdash.cursor_decode(cursor, signature) d;
	END IF;

	IF args.term IS NULL THEN
		SELECT r.ids, r.ks, r.ts INTO ids, ks, ts
		FROM convdash.list_exec_until(convdash.list_page_sql(args, srt, dir, n + 1), args, n + 1) r;
	ELSIF args.mode = 'substring' THEN
		args := convdash.list_substring_args(args);
		SELECT * INTO ids, ks, ts, resume_k, resume_t, resume_id, firsts
		FROM convdash.list_search(args, srt, dir, n, search_probe, search_candidates, search_walk,
			search_index_entries);
	ELSE
		args := convdash.list_words_args(args);
		IF numnode(args.plain) = 0 THEN
			NULL;    -- no lexemes (only stop words or punctuation): nothing matches
		ELSIF srt = 'relevance' THEN
			SELECT * INTO ids, ks, ts FROM convdash.list_relevance(args, dir, n, search_rank_limit, 6);
		ELSE
			SELECT * INTO ids, ks, ts, resume_k, resume_t, resume_id, firsts
			FROM convdash.list_search(args, srt, dir, n, search_probe, search_candidates, search_walk,
				search_index_entries);
		END IF;
	END IF;

	-- signed here, not inside the query (on Citus that runs on a worker)
	IF cardinality(ids) > n THEN
		next_cursor := convdash.cursor_encode(signature, ks[n], ts[n], ids[n]);
	ELSIF resume_id IS NOT NULL THEN
		-- the search's walk ended the page early: the next page goes on from there
		next_cursor := convdash.cursor_encode(signature, resume_k, resume_t, resume_id);
	END IF;
	result := jsonb_build_object('data', convdash.list_rows_json(args, ids[1:n], firsts[1:n]), 'next_cursor', next_cursor);
	IF with_total THEN
		result := result || CASE WHEN args.mode = 'words' AND numnode(args.plain) = 0 THEN '{"total": 0}'
			ELSE convdash.list_total(args, search_count_limit) END;
	END IF;
	IF resume_id IS NOT NULL THEN
		result := result || '{"partial": true}'::jsonb;
	END IF;
	-- suggestions only where the search is over: an empty first page without a next page
	IF args.term IS NOT NULL AND cursor IS NULL AND coalesce(cardinality(ids), 0) = 0 AND next_cursor IS NULL THEN
		result := result || jsonb_build_object('suggestions', convdash.list_suggestions(acct, args.term));
	END IF;
	RETURN result;
END
$$;
COMMENT ON FUNCTION convdash.list_conversations(text[], text[], bigint[], integer, text, text, text, text, text,
	integer, text, boolean, text) IS
	'API: the conversation list as {"data":[…],"next_cursor":…[,"total":n][,"suggestions":[…]]}: filters status/channel/agent_id (any of), min_rating, date_from/date_to (YYYY-MM-DD, account time zone), search q with match substring|words, sort agent|status|messages|rating|date|relevance (words only), order asc|desc, limit 1-200, opaque cursor; 22023 naming the bad parameter';
