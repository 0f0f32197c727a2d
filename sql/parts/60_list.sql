-- Conversation list and search (DESIGN §4 "List and search semantics", §5
-- first row): convdash.list_conversations() answers the dashboard's main
-- table as JSON, with filters, sorts, keyset cursors and search.
--
-- Sorts and their keys, all in the requested direction, id last so that
-- pages never repeat or skip rows:
--   date      started_at, id                    index conversations_started_idx
--   messages  message_count, id                 index conversations_messages_idx
--   agent     agent name, started_at, id        conversations_agent_idx, agent by agent
--   status    status (active, closed, archived), started_at, id
--                                               conversations_status_started_idx, status by status
--   rating    rating with unrated last both ways, started_at, id
--                                               conversations_rating_started_idx, value by value
-- (Within one agent, status or rating the newest come first when descending:
-- what a user sorting by a column of few values expects.) Every sort walks
-- indexes in order from the cursor's position, so the 1,000th page costs
-- what the first does.
--
-- Search (q): the conversation matches when its session id, its agent's name
-- or one of its user/assistant messages contains q (ILIKE, %, _ and \
-- literal). The index is a GIN over convdash.search_grams(), the 1-, 2- and
-- 3-grams of the lowercased text (search.c), so every term of any length
-- has an exact candidate filter. No single plan is fast for every term, so
-- the search runs in up to three phases, each bounded:
--   1. probe the first SEARCH_PROBE conversations in sort order after the
--      cursor (filters applied) and stop at a full page: common terms; when
--      the matches found say that 8 times as many probes should fill the
--      page, probe that many (terms in a few % of conversations);
--   2. else collect the matching conversations through the indexes, at most
--      SEARCH_CANDIDATES messages/sessions, and sort those: rare and medium terms;
--   3. else (the term is common overall but rare after the filters) probe
--      in sort order without a cap.
-- SEARCH_PROBE (400) and SEARCH_CANDIDATES (30000) can be changed with the
-- settings convdash.search_probe and convdash.search_candidates.

CREATE FUNCTION convdash.search_grams(account_id bigint, value text) RETURNS bigint[]
AS 'MODULE_PATHNAME', 'convdash_search_tenant_grams'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.search_grams(bigint, text) IS
	'Read: the tenant''s distinct 1- to 4-gram keys of the lowercased text, as indexed for search (account id in the high 32 bits)';

CREATE FUNCTION convdash.search_keys(account_id bigint, term text) RETURNS bigint[]
AS 'MODULE_PATHNAME', 'convdash_search_tenant_keys'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.search_keys(bigint, text) IS
	'Read: the tenant''s keys every text containing the term has (search_grams(account_id, text) @> search_keys(account_id, term)): the whole term''s key up to 4 characters, else up to 8 of its 4-grams';

CREATE FUNCTION convdash.hmac_sha256(key bytea, message bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'convdash_hmac_sha256'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.hmac_sha256(bytea, bytea) IS
	'Admin: HMAC-SHA-256 of message under key';

-- Search indexes: shown messages only (system and tool messages are never
-- searched), and session ids; the keys are the tenant's own (search.c).
CREATE INDEX messages_search_idx ON convdash.messages USING gin (convdash.search_grams(account_id, content))
	WHERE seq IS NOT NULL;
CREATE INDEX conversations_session_search_idx ON convdash.conversations
	USING gin (convdash.search_grams(account_id, session_id));

-- List indexes the foundation does not have (see the sort table above).
CREATE INDEX conversations_status_started_idx ON convdash.conversations (account_id, status, started_at, id);
CREATE INDEX conversations_rating_started_idx ON convdash.conversations
	(account_id, (coalesce(rating, 0)), started_at, id);
-- With a minimum rating the status branches walk rated conversations only
-- (active ones are rarely rated: without it, the "active" branch of
-- status=active,archived & min_rating=2 reads every active conversation).
CREATE INDEX conversations_status_rated_idx ON convdash.conversations (account_id, status, started_at, id)
	WHERE rating IS NOT NULL;

-- The ILIKE pattern that finds q anywhere, with %, _ and \ taken literally.
CREATE FUNCTION convdash.search_pattern(q text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT '%' || replace(replace(replace(q, '\', '\\'), '%', '\%'), '_', '\_') || '%' $$;
COMMENT ON FUNCTION convdash.search_pattern(text) IS
	'Read: the ILIKE pattern matching texts that contain q, with %, _ and \ literal';

-- A short one-line excerpt of content around the first case-insensitive occurrence of q.
CREATE FUNCTION convdash.search_snippet(content text, q text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT CASE WHEN x.p > 41 THEN '…' ELSE '' END
		|| btrim(regexp_replace(substr(content, greatest(1, x.p - 40), 100 + length(q)), '\s+', ' ', 'g'))
		|| CASE WHEN greatest(1, x.p - 40) + 100 + length(q) <= length(content) THEN '…' ELSE '' END
	FROM (SELECT greatest(strpos(lower(content), lower(q)), 1) AS p) x
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

-- SQL of the conversations after the cursor in sort order, at most lim of them.
-- Columns: id, agent_id, session_id, s1 and s2 (the typed sort keys before
-- id), k and t (their cursor texts). conds: filter conditions on c (the agent
-- filter is "c.agent_id = ANY($4)"); matched: only conversations of the
-- agents in $11; keyset: whether $8 (k), $13 (t) and $9 (id) hold a cursor.
-- Date and message-count sorts walk one index from the cursor. The agent sort
-- walks the agents by name and each one's conversations by start time
-- (conversations_agent_idx). Status and rating sorts are a union of one
-- branch per value (statuses in lifecycle order, ratings with unrated last),
-- each walking (account_id, value, started_at, id) and planned with the
-- value's own statistics; a merge of the branches gives the page. So date
-- filters are index ranges everywhere and no index range is skipped row by row.
CREATE FUNCTION convdash.list_source_sql(sort text, dir text, conds text, matched boolean,
	keyset boolean, lim text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	cmp text := CASE dir WHEN 'asc' THEN '>' ELSE '<' END;
	pcmp text := CASE WHEN sort = 'rating' OR dir = 'asc' THEN '>' ELSE '<' END;
	ts_text constant text := 'to_char(c.started_at AT TIME ZONE ''UTC'', ''YYYY-MM-DD"T"HH24:MI:SS.US"Z"'')';
	matched_cond text := CASE WHEN matched THEN ' AND c.agent_id = ANY($11)' ELSE '' END;
	inner_keyset text;
	key text;
	keytype text;
	branches text[];
BEGIN
	IF sort IN ('status', 'rating') THEN
		keytype := CASE sort WHEN 'status' THEN 'convdash.conversation_status' ELSE 'integer' END;
		-- v: the value, pk: its place in the order (the status itself; a rank for ratings)
		SELECT array_agg(format($q$(
			SELECT c.id, c.agent_id, c.session_id, %2$L::%3$s AS s1, c.started_at AS s2, %2$L AS k, %4$s AS t
			FROM convdash.conversations c
			WHERE c.account_id = $1 AND %5$s = %1$L %6$s %7$s %8$s
			ORDER BY c.started_at %9$s, c.id %9$s LIMIT %10$s)$q$,
			x.v, x.pk, keytype, ts_text,
			CASE sort WHEN 'status' THEN 'c.status' ELSE 'coalesce(c.rating, 0)' END,
			-- values the filters exclude: a constant false the planner drops the branch for
			conds || CASE WHEN sort = 'status' AND strpos(conds, 'c.status = ANY($2)') > 0
					THEN format(' AND %L::convdash.conversation_status = ANY($2)', x.v)
				WHEN sort = 'rating' AND strpos(conds, 'c.rating >= $5') > 0
					THEN format(' AND %s >= $5', x.v) ELSE '' END,
			matched_cond,
			CASE WHEN keyset THEN format('AND %1$L::%2$s %3$s= $8::%2$s AND (c.started_at, c.id) %4$s '
				'(CASE WHEN %1$L::%2$s = $8::%2$s THEN $13::timestamptz ELSE %5$L END, '
				'CASE WHEN %1$L::%2$s = $8::%2$s THEN $9 ELSE %6$s END)', x.pk, keytype, pcmp, cmp,
				CASE dir WHEN 'asc' THEN '-infinity' ELSE 'infinity' END,
				CASE dir WHEN 'asc' THEN '0' ELSE '9223372036854775807' END) ELSE '' END,
			dir, lim) ORDER BY x.o)
		INTO branches
		FROM (SELECT v::text AS v, v::text AS pk, row_number() OVER () * CASE dir WHEN 'asc' THEN 1 ELSE -1 END AS o
		      FROM unnest(enum_range(NULL::convdash.conversation_status)) v WHERE sort = 'status'
		      UNION ALL
		      SELECT v::text, (CASE dir WHEN 'asc' THEN (v + 5) % 6 ELSE 5 - v END)::text,
		             CASE dir WHEN 'asc' THEN (v + 5) % 6 ELSE 5 - v END
		      FROM unnest(ARRAY[0, 1, 2, 3, 4, 5]) v WHERE sort = 'rating') x;
		RETURN format('SELECT * FROM (%s) x ORDER BY %s LIMIT %s',
			array_to_string(branches, ' UNION ALL '), convdash.list_order_sql(sort, dir), lim);
	END IF;
	IF sort = 'agent' THEN
		RETURN format($q$
			SELECT c.id, c.agent_id, c.session_id, o.name AS s1, c.started_at AS s2, o.name AS k, %1$s AS t
			FROM (SELECT a.id, a.name FROM convdash.agents a WHERE a.account_id = $1 %2$s %3$s %4$s
			      ORDER BY a.name %5$s) o
			CROSS JOIN LATERAL (
				SELECT c.id, c.agent_id, c.session_id, c.started_at FROM convdash.conversations c
				WHERE c.account_id = $1 AND c.agent_id = o.id %6$s %7$s
				ORDER BY c.started_at %5$s, c.id %5$s LIMIT %8$s) c
			ORDER BY o.name %5$s, c.started_at %5$s, c.id %5$s LIMIT %8$s$q$,
			ts_text,
			CASE WHEN strpos(conds, 'c.agent_id = ANY($4)') > 0 THEN 'AND a.id = ANY($4)' ELSE '' END,
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
		SELECT c.id, c.agent_id, c.session_id, %1$s AS s1, NULL::timestamptz AS s2, %2$s AS k, NULL::text AS t
		FROM convdash.conversations c
		WHERE c.account_id = $1 %3$s %4$s %5$s
		ORDER BY %1$s %6$s, c.id %6$s LIMIT %7$s$q$,
		key, CASE sort WHEN 'date' THEN replace(ts_text, 'c.started_at', key) ELSE key || '::text' END, conds,
		matched_cond,
		CASE WHEN keyset THEN format('AND (%s, c.id) %s ($8::%s, $9)', key, cmp, keytype) ELSE '' END,
		dir, lim);
END
$$;
COMMENT ON FUNCTION convdash.list_source_sql(text, text, text, boolean, boolean, text) IS
	'Admin: SQL text of the filtered conversations after the cursor in sort order (used by list_conversations)';

-- ORDER BY of rows with the columns of list_source_sql (alias x).
CREATE FUNCTION convdash.list_order_sql(sort text, dir text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT format('x.s1 %s, x.s2 %s, x.id %s', CASE sort WHEN 'rating' THEN 'asc' ELSE dir END, dir, dir)
$$;
COMMENT ON FUNCTION convdash.list_order_sql(text, text) IS
	'Admin: the ORDER BY of list_source_sql rows (alias x) for a sort and order';

-- Checks the list's parameters in the list's order (22023 naming the first
-- bad one) and returns the filters typed, with their SQL conditions on c
-- ($2 statuses, $3 channels, $4 agents, $5 min_rating, $6 t_from, $7 t_to).
CREATE FUNCTION convdash.list_filters(acct bigint, status text[], channel text[], agent_id bigint[],
	min_rating integer, date_from text, date_to text, q text, sort text, "order" text, "limit" integer,
	OUT statuses convdash.conversation_status[], OUT channels convdash.channel[], OUT agents bigint[],
	OUT t_from timestamptz, OUT t_to timestamptz, OUT term text, OUT conds text)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	zone text := (SELECT a.time_zone FROM convdash.accounts a WHERE a.id = acct);
BEGIN
	term := nullif(btrim(q), '');
	conds := '';
	-- validation: each bad parameter is a 22023 naming it
	IF sort NOT IN ('date', 'agent', 'status', 'messages', 'rating') THEN
		PERFORM convdash.list_error('sort', format('invalid sort: "%s"', left(sort, 100)),
			'Use one of: agent, status, messages, rating, date.');
	END IF;
	IF "order" NOT IN ('asc', 'desc') THEN
		PERFORM convdash.list_error('order', format('invalid order: "%s"', left("order", 100)), 'Use asc or desc.');
	END IF;
	PERFORM convdash.check_range("limit", 'limit', 1, 200);
	PERFORM convdash.check_range(min_rating, 'min_rating', 1, 5);
	statuses := convdash.list_enum_filter(status, 'status', NULL::convdash.conversation_status);
	channels := convdash.list_enum_filter(channel, 'channel', NULL::convdash.channel);
	IF array_position(agent_id, NULL) IS NOT NULL THEN
		PERFORM convdash.list_error('agent_id', 'agent_id must not contain null');
	END IF;
	agents := CASE WHEN cardinality(agent_id) > 0 THEN
		(SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(agent_id) x) END;
	t_from := convdash.list_day_bound(date_from, 'date_from', zone, false);
	t_to := convdash.list_day_bound(date_to, 'date_to', zone, true);
	IF t_from >= t_to THEN
		PERFORM convdash.list_error('date_to', 'date_to is before date_from');
	END IF;
	IF length(term) > 200 THEN
		PERFORM convdash.list_error('q', format('q is too long (%s characters, at most 200)', length(term)));
	END IF;

	IF statuses IS NOT NULL THEN conds := conds || ' AND c.status = ANY($2)'; END IF;
	IF channels IS NOT NULL THEN conds := conds || ' AND c.channel = ANY($3)'; END IF;
	IF agents IS NOT NULL THEN conds := conds || ' AND c.agent_id = ANY($4)'; END IF;
	IF min_rating IS NOT NULL THEN conds := conds || ' AND c.rating >= $5'; END IF;
	IF t_from IS NOT NULL THEN conds := conds || ' AND c.started_at >= $6'; END IF;
	IF t_to IS NOT NULL THEN conds := conds || ' AND c.started_at < $7'; END IF;
END
$$;
COMMENT ON FUNCTION convdash.list_filters(bigint, text[], text[], bigint[], integer, text, text, text, text, text, integer) IS
	'Read: the list''s parameter checks (22023 naming the bad parameter, in the list''s order; a NULL limit is not checked) and its typed filters with their SQL conditions (used by list_conversations and export_conversations)';

-- The dashboard's conversation list and search (DESIGN §4, §5).
CREATE FUNCTION convdash.list_conversations(status text[] DEFAULT NULL, channel text[] DEFAULT NULL,
	agent_id bigint[] DEFAULT NULL, min_rating integer DEFAULT NULL, date_from text DEFAULT NULL,
	date_to text DEFAULT NULL, q text DEFAULT NULL, sort text DEFAULT 'date', "order" text DEFAULT 'desc',
	"limit" integer DEFAULT 50, cursor text DEFAULT NULL, with_total boolean DEFAULT false)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
SET jit = off
AS $$
DECLARE
	-- phase 1 probes this many conversations; phase 2 collects at most this many
	-- matches (tuning knobs, also used by the tests to force every phase on small data)
	search_probe constant integer := greatest(1,
		coalesce(nullif(current_setting('convdash.search_probe', true), '')::integer, 400));
	search_candidates constant integer := greatest(1,
		coalesce(nullif(current_setting('convdash.search_candidates', true), '')::integer, 30000));
	acct bigint := convdash.require_account();
	srt text := coalesce(sort, 'date');
	dir text := coalesce("order", 'desc');
	n integer := coalesce("limit", 50);
	statuses convdash.conversation_status[];
	channels convdash.channel[];
	agents bigint[];
	t_from timestamptz;
	t_to timestamptz;
	term text := nullif(btrim(q), '');
	pat text;
	keys bigint[];
	matched bigint[];
	cand bigint[];
	overflow boolean := false;
	signature text;
	ck text;
	ct text;
	ci bigint;
	conds text := '';
	src text;
	sql text;
	ids bigint[];
	ks text[];
	ts text[];
	probed integer;
	probe_limit integer;
	total bigint;
	next_cursor text;
	result jsonb;
BEGIN
	SELECT f.statuses, f.channels, f.agents, f.t_from, f.t_to, f.term, f.conds
	INTO statuses, channels, agents, t_from, t_to, term, conds
	FROM convdash.list_filters(acct, status, channel, agent_id, min_rating, date_from, date_to, q, srt, dir, n) f;

	signature := jsonb_build_array(acct, srt, dir, statuses, channels, agents, min_rating,
		date_from, date_to, term)::text;
	IF cursor IS NOT NULL THEN
		SELECT d.k, d.t, d.id INTO ck, ct, ci FROM convdash.cursor_decode(cursor, signature) d;
	END IF;

	IF term IS NULL THEN
		sql := convdash.list_source_sql(srt, dir, conds, false, ck IS NOT NULL, (n + 1)::text);
		EXECUTE format('SELECT array_agg(x.id), array_agg(x.k), array_agg(x.t) FROM (%s) x', sql)
			INTO ids, ks, ts
			USING acct, statuses, channels, agents, min_rating, t_from, t_to, ck, ci, pat, matched, cand, ct;
		IF with_total THEN
			EXECUTE format('SELECT count(*) FROM convdash.conversations c WHERE c.account_id = $1 %s', conds)
				INTO total USING acct, statuses, channels, agents, min_rating, t_from, t_to;
		END IF;
	ELSE
		pat := convdash.search_pattern(term);
		keys := convdash.search_keys(acct, term);
		SELECT coalesce(array_agg(a.id ORDER BY a.id), '{}') INTO matched
		FROM convdash.agents a
		WHERE a.account_id = acct AND a.name ILIKE pat AND (agents IS NULL OR a.id = ANY(agents));

		-- phase 1: probe the first conversations in sort order; when that finds
		-- matches but too few, the density seen says whether a probe 8 times as
		-- long should fill the page, which is cheaper than collecting candidates
		probe_limit := search_probe;
		LOOP
			src := convdash.list_source_sql(srt, dir, conds, false, ck IS NOT NULL, probe_limit::text);
			sql := format($q$
				SELECT array_agg(p.id), array_agg(p.k), array_agg(p.t) FROM (
					SELECT p.id, p.k, p.t FROM (%s) p
					LEFT JOIN LATERAL (
						SELECT true AS hit FROM convdash.messages m
						WHERE m.account_id = $1 AND m.conversation_id = p.id AND m.seq IS NOT NULL
						  AND m.content ILIKE $10
						LIMIT 1) h ON true
					WHERE p.session_id ILIKE $10 OR p.agent_id = ANY($11) OR h.hit
					LIMIT %s) p$q$, '%s', n + 1);
			EXECUTE format(sql, src) INTO ids, ks, ts
				USING acct, statuses, channels, agents, min_rating, t_from, t_to, ck, ci, pat, matched, cand, ct;
			EXIT WHEN coalesce(cardinality(ids), 0) > n;
			EXECUTE format('SELECT count(*) FROM (%s) x', src) INTO probed
				USING acct, statuses, channels, agents, min_rating, t_from, t_to, ck, ci, pat, matched, cand, ct;
			EXIT WHEN probed < probe_limit OR probe_limit > search_probe
				OR coalesce(cardinality(ids), 0) * 8 < n + 1;
			probe_limit := search_probe * 8;
		END LOOP;

		IF coalesce(cardinality(ids), 0) <= n THEN
			IF probed = probe_limit THEN
				-- phase 2: the matching conversations through the indexes, if there are few
				EXECUTE $q$
					SELECT array_agg(DISTINCT x.conversation_id), count(*) > $4 FROM (
						SELECT m.conversation_id FROM convdash.messages m
						WHERE m.account_id = $1 AND convdash.search_grams(m.account_id, m.content) @> $2
						  AND m.seq IS NOT NULL AND m.content ILIKE $3
						LIMIT $4 + 1) x$q$
					INTO cand, overflow USING acct, keys, pat, search_candidates;
				IF NOT overflow THEN
					EXECUTE $q$
						SELECT coalesce($5 || array_agg(x.id), $5), count(*) > $4 FROM (
							SELECT c.id FROM convdash.conversations c
							WHERE c.account_id = $1 AND convdash.search_grams(c.account_id, c.session_id) @> $2
							  AND c.session_id ILIKE $3
							LIMIT $4 + 1) x$q$
						INTO cand, overflow USING acct, keys, pat, search_candidates, coalesce(cand, '{}');
				END IF;
				IF NOT overflow THEN
					sql := format('SELECT * FROM (%s) u',
						convdash.list_source_sql(srt, dir, conds || ' AND c.id = ANY($12)', false,
							ck IS NOT NULL, (n + 1)::text));
					IF cardinality(matched) > 0 THEN
						sql := sql || format(' UNION SELECT * FROM (%s) u',
							convdash.list_source_sql(srt, dir, conds, true, ck IS NOT NULL, (n + 1)::text));
					END IF;
					EXECUTE format('SELECT array_agg(y.id), array_agg(y.k), array_agg(y.t) FROM (SELECT * FROM (%s) x ORDER BY %s LIMIT %s) y',
						sql, convdash.list_order_sql(srt, dir), n + 1)
						INTO ids, ks, ts
						USING acct, statuses, channels, agents, min_rating, t_from, t_to, ck, ci, pat, matched, cand, ct;
				ELSE
					-- phase 3: common overall, rare after the filters: probe without a cap
					EXECUTE format(sql, convdash.list_source_sql(srt, dir, conds, false, ck IS NOT NULL, 'ALL'))
						INTO ids, ks, ts
						USING acct, statuses, channels, agents, min_rating, t_from, t_to, ck, ci, pat, matched, cand, ct;
				END IF;
			END IF;
		END IF;
		IF with_total THEN
			EXECUTE format($q$
				SELECT count(*) FROM convdash.conversations c
				WHERE c.account_id = $1 %s
				  AND (c.session_id ILIKE $10 OR c.agent_id = ANY($11) OR c.id IN (
					SELECT m.conversation_id FROM convdash.messages m
					WHERE m.account_id = $1 AND convdash.search_grams(m.account_id, m.content) @> $12
					  AND m.seq IS NOT NULL AND m.content ILIKE $10))$q$, conds)
				INTO total
				USING acct, statuses, channels, agents, min_rating, t_from, t_to, NULL::text, NULL::bigint,
					pat, matched, keys;
		END IF;
	END IF;

	-- signed here, not inside the query (on Citus that runs on a worker)
	IF cardinality(ids) > n THEN
		next_cursor := convdash.cursor_encode(signature, ks[n], ts[n], ids[n]);
	END IF;
	SELECT jsonb_build_object(
		'data', coalesce(jsonb_agg(jsonb_build_object(
			'id', c.id,
			'agent', jsonb_build_object('id', a.id, 'name', a.name, 'company', a.company),
			'session_id', c.session_id,
			'channel', c.channel,
			'status', c.status,
			'message_count', c.message_count,
			'rating', c.rating,
			'started_at', convdash.rfc3339(c.started_at))
			|| CASE WHEN term IS NULL THEN '{}'::jsonb
				WHEN c.session_id ILIKE pat THEN '{"match": {"in": "session"}}'
				WHEN a.name ILIKE pat THEN '{"match": {"in": "agent"}}'
				ELSE jsonb_build_object('match', jsonb_build_object('in', 'message', 'snippet',
					(SELECT convdash.search_snippet(m.content, term) FROM convdash.messages m
					 WHERE m.account_id = acct AND m.conversation_id = c.id AND m.seq IS NOT NULL
					   AND m.content ILIKE pat
					 ORDER BY m.seq LIMIT 1)))
			END
			ORDER BY r.ord), '[]'::jsonb),
		'next_cursor', next_cursor)
	INTO result
	FROM unnest(ids[1:n]) WITH ORDINALITY AS r(id, ord)
	JOIN convdash.conversations c ON c.account_id = acct AND c.id = r.id
	JOIN convdash.agents a ON a.account_id = acct AND a.id = c.agent_id;
	IF with_total THEN
		result := result || jsonb_build_object('total', total);
	END IF;
	RETURN result;
END
$$;
COMMENT ON FUNCTION convdash.list_conversations(text[], text[], bigint[], integer, text, text, text, text, text,
	integer, text, boolean) IS
	'API: the conversation list as {"data":[…],"next_cursor":…[,"total":n]}: filters status/channel/agent_id (any of), min_rating, date_from/date_to (YYYY-MM-DD, account time zone), search q, sort agent|status|messages|rating|date, order asc|desc, limit 1-200, opaque cursor; 22023 naming the bad parameter';
