-- The oracle's checks (see run.sh). Deterministic: setseed(:seed).
SET client_min_messages = warning;
SET search_path = pg_catalog, public;
\o /dev/null
SELECT setseed(1.0 / (1 + :seed));
\o

-- The rows a random choice is drawn from come in id order (never in the
-- physical order, which re-indexing and autovacuum change between runs of one
-- seed): the seed replays the same terms.
CREATE VIEW pg_temp.shown_messages AS SELECT * FROM convdash.messages WHERE seq IS NOT NULL ORDER BY id OFFSET 0;
CREATE VIEW pg_temp.conversations_by_id AS SELECT * FROM convdash.conversations ORDER BY id OFFSET 0;
CREATE VIEW pg_temp.agents_by_id AS SELECT * FROM convdash.agents ORDER BY id OFFSET 0;

-- Search terms: words and substrings of real messages (1 to 8 characters),
-- session and agent fragments, order ids, case variants, LIKE metacharacters,
-- strings found nowhere, text only in system/tool messages.
CREATE TEMP TABLE pool AS
WITH m AS (SELECT content FROM pg_temp.shown_messages ORDER BY random() LIMIT 400)
SELECT substr(content, 1 + floor(random() * greatest(length(content) - 8, 1))::int, 1 + floor(random() * 8)::int) AS q
FROM m
UNION ALL SELECT (SELECT split_part(content, ' ', 2) FROM pg_temp.shown_messages ORDER BY random() LIMIT 1)
FROM generate_series(1, 60)
UNION ALL SELECT upper(w) FROM (SELECT split_part(content, ' ', 3) AS w FROM pg_temp.shown_messages ORDER BY random() LIMIT 20) x
UNION ALL SELECT substr(session_id, 1 + floor(random() * 10)::int, 2 + floor(random() * 6)::int)
FROM (SELECT session_id FROM pg_temp.conversations_by_id c ORDER BY random() LIMIT 40) s
UNION ALL SELECT substr(name, 1 + floor(random() * 4)::int, 3 + floor(random() * 8)::int)
FROM (SELECT name FROM pg_temp.agents_by_id a0 ORDER BY random() LIMIT 20) a
UNION ALL SELECT substring(content FROM 'ORD-[0-9]+') FROM convdash.messages WHERE content LIKE '%ORD-%' AND seq IS NOT NULL
	AND id % 97 = 0
UNION ALL SELECT unnest(ARRAY['%', '_', '\', '50%', 'a_b', '%%', 'x\y', '.', '?', ', ', ' e', 'qjx', '~', 'ǂ', 'zq',
	'lookup_order', 'You are', 'Be concise', 'ORD-', 'sess_', 'call-', 'e', 'a', 'th', 'Th', '  padded  ', 'Ü', 'é']);
DELETE FROM pool WHERE q IS NULL OR q = '';
CREATE TEMP TABLE pool_n AS SELECT row_number() OVER (ORDER BY q) AS i, q FROM (SELECT DISTINCT q FROM pool) p;

-- Each shown message's tsvector in its account's configuration, computed
-- from the text here (not the words column the search reads).
CREATE TEMP TABLE mtsv AS
SELECT m.account_id, m.conversation_id, to_tsvector(a.search_config, m.content) AS v
FROM convdash.messages m JOIN convdash.accounts a ON a.id = m.account_id
WHERE m.role IN ('user', 'assistant');
CREATE INDEX ON mtsv (account_id, conversation_id);
ANALYZE mtsv;

-- Word search terms: words of real messages (stems of inflections too),
-- quoted pairs of adjacent words, or, -word, agent name words, stop words,
-- punctuation, words only in system/tool messages.
CREATE TEMP TABLE wpool AS
WITH m AS (SELECT regexp_split_to_array(lower(regexp_replace(content, '[^[:alnum:] ]', ' ', 'g')), ' +') AS w
           FROM pg_temp.shown_messages ORDER BY random() LIMIT 300),
     w AS (SELECT w[1 + floor(random() * greatest(cardinality(w) - 1, 1))::int] AS a,
                  w[2 + floor(random() * greatest(cardinality(w) - 2, 1))::int] AS b, w FROM m)
SELECT a AS q FROM w
UNION ALL SELECT a || 's' FROM w WHERE random() < 0.2
UNION ALL SELECT a || 'ing' FROM w WHERE random() < 0.1
UNION ALL SELECT format('"%s %s"', w[k], w[k + 1]) FROM (SELECT w, 1 + floor(random() * greatest(cardinality(w) - 1, 1))::int AS k FROM w) x
UNION ALL SELECT format('"%s %s"', b, a) FROM w WHERE random() < 0.2
UNION ALL SELECT format('%s or %s', a, b) FROM w WHERE random() < 0.3
UNION ALL SELECT format('%s -%s', a, b) FROM w WHERE random() < 0.3
UNION ALL SELECT format('%s %s', a, b) FROM w WHERE random() < 0.3
UNION ALL SELECT split_part(name, ' ', 1) FROM (SELECT name FROM pg_temp.agents_by_id a0 ORDER BY random() LIMIT 10) a
UNION ALL SELECT unnest(ARRAY['the', 'and', '!!!', 'concise', 'lookup_order', 'refund', 'refunds', 'refunded', 'ORD-',
	'"order status"', 'order -status', 'zzqx', 'hello or thanks', '-hello']);
DELETE FROM wpool WHERE q IS NULL OR btrim(q) = '' OR btrim(q) ~ '^"? ?"?$';
CREATE TEMP TABLE wpool_n AS SELECT row_number() OVER (ORDER BY q) AS i, q FROM (SELECT DISTINCT q FROM wpool) p;

-- One random combination of parameters.
CREATE FUNCTION pg_temp.random_case(acct bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	r jsonb := '{}';
	d1 date;
	d2 date;
	k int;
BEGIN
	IF random() < 0.3 THEN
		r := r || jsonb_build_object('status', (SELECT jsonb_agg(s) FROM unnest('{active,closed,archived}'::text[]) s WHERE random() < 0.5));
	END IF;
	IF random() < 0.3 THEN
		r := r || jsonb_build_object('channel', (SELECT jsonb_agg(s) FROM unnest('{web,widget,telegram,whatsapp,voip,messenger,crm}'::text[]) s WHERE random() < 0.35));
	END IF;
	IF random() < 0.25 THEN
		r := r || jsonb_build_object('agent_id', (SELECT jsonb_agg(id) FROM pg_temp.agents_by_id a
			WHERE (account_id = acct AND random() < 0.3) OR random() < 0.02));
	END IF;
	IF random() < 0.25 THEN
		r := r || jsonb_build_object('min_rating', 1 + floor(random() * 5)::int);
	END IF;
	d1 := '2025-11-20'::date + floor(random() * 370)::int;
	d2 := d1 + floor(random() * random() * 200)::int;
	IF random() < 0.3 THEN r := r || jsonb_build_object('date_from', d1::text); END IF;
	IF random() < 0.3 THEN r := r || jsonb_build_object('date_to', d2::text); END IF;
	IF random() < 0.3 THEN
		k := 1 + floor(random() * (SELECT count(*) FROM wpool_n))::int;
		r := r || jsonb_build_object('q', (SELECT q FROM wpool_n WHERE i = k), 'match', 'words');
		IF random() < 0.5 THEN
			r := r || jsonb_build_object('sort', 'relevance');
		END IF;
	ELSIF random() < 0.65 THEN
		k := 1 + floor(random() * (SELECT count(*) FROM pool_n))::int;
		r := r || jsonb_build_object('q', (SELECT q FROM pool_n WHERE i = k));
	END IF;
	RETURN jsonb_build_object(
		'sort', (ARRAY['date', 'agent', 'status', 'messages', 'rating'])[1 + floor(random() * 5)::int]) || r || jsonb_build_object(
		'order', (ARRAY['asc', 'desc'])[1 + floor(random() * 2)::int],
		'limit', (ARRAY[1, 2, 3, 7, 10, 25, 50, 200])[1 + floor(random() * 8)::int],
		'with_total', random() < 0.3,
		'probe', (ARRAY['', '', '1', '3', '40'])[1 + floor(random() * 5)::int],
		'candidates', (ARRAY['', '', '1', '5', '200'])[1 + floor(random() * 5)::int],
		'walk', (ARRAY['', '', '7', '40', '300'])[1 + floor(random() * 5)::int],
		'index_entries', (ARRAY['', '0', '1000', '100000'])[1 + floor(random() * 4)::int]);
END
$$;

-- A text[] (or bigint[]) of a JSON array, NULL when absent.
CREATE FUNCTION pg_temp.arr(j jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN jsonb_typeof(j) = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(j)) END
$$;

-- The reference answer: ids in order, the obvious way.
CREATE FUNCTION pg_temp.reference(acct bigint, p jsonb) RETURNS bigint[]
LANGUAGE plpgsql AS $$
DECLARE
	q text := nullif(btrim(p ->> 'q'), '');
	zone text := (SELECT time_zone FROM convdash.accounts WHERE id = acct);
	dir text := p ->> 'order';
	ids bigint[];
BEGIN
	EXECUTE format($q$
		SELECT coalesce(array_agg(c.id ORDER BY %s), '{}')
		FROM convdash.conversations c
		JOIN convdash.conversation_counters k ON k.account_id = c.account_id AND k.conversation_id = c.id
		JOIN convdash.agents a ON a.account_id = c.account_id AND a.id = c.agent_id
		WHERE c.account_id = $1
		  AND ($2 IS NULL OR cardinality($2) = 0 OR c.status::text = ANY($2))
		  AND ($3 IS NULL OR cardinality($3) = 0 OR c.channel::text = ANY($3))
		  AND ($4 IS NULL OR cardinality($4) = 0 OR c.agent_id = ANY($4))
		  AND ($5 IS NULL OR (c.rating IS NOT NULL AND c.rating >= $5))
		  AND ($6 IS NULL OR (c.started_at AT TIME ZONE $9)::date >= $6::date)
		  AND ($7 IS NULL OR (c.started_at AT TIME ZONE $9)::date <= $7::date)
		  AND ($8 IS NULL OR ($10 IS NULL AND (
		           strpos(lower(c.session_id), lower($8)) > 0
		           OR strpos(lower(a.name), lower($8)) > 0
		           OR EXISTS (SELECT FROM convdash.messages m
		                      WHERE m.account_id = c.account_id AND m.conversation_id = c.id
		                        AND m.role IN ('user', 'assistant') AND strpos(lower(m.content), lower($8)) > 0)))
		       OR ($10 IS NOT NULL AND (
		           to_tsvector($10, a.name) @@ websearch_to_tsquery($10, $8)
		           OR EXISTS (SELECT FROM mtsv m
		                      WHERE m.account_id = c.account_id AND m.conversation_id = c.id
		                        AND m.v @@ websearch_to_tsquery($10, $8)))))$q$,
		CASE p ->> 'sort'
			WHEN 'relevance' THEN format('pg_temp.rank($10, $8, a.name, c.account_id, c.id) %s, c.started_at %s, c.id %s', dir, dir, dir)
			WHEN 'date' THEN format('c.started_at %s, c.id %s', dir, dir)
			WHEN 'agent' THEN format('a.name %s, c.started_at %s, c.id %s', dir, dir, dir)
			WHEN 'status' THEN format('c.status %s, c.started_at %s, c.id %s', dir, dir, dir)
			WHEN 'messages' THEN format('k.message_count %s, c.id %s', dir, dir)
			WHEN 'rating' THEN format('c.rating IS NULL, c.rating %s, c.started_at %s, c.id %s', dir, dir, dir)
		END)
	INTO ids
	USING acct, pg_temp.arr(p -> 'status'), pg_temp.arr(p -> 'channel'), pg_temp.arr(p -> 'agent_id')::bigint[],
		(p ->> 'min_rating')::int, p ->> 'date_from', p ->> 'date_to', q, zone,
		CASE WHEN p ->> 'match' = 'words' THEN (SELECT search_config FROM convdash.accounts WHERE id = acct) END;
	RETURN ids;
END
$$;

-- The relevance of a conversation, the obvious way: the best ts_rank_cd of
-- its shown messages that match plus that of its agent's name.
CREATE FUNCTION pg_temp.rank(config regconfig, q text, agent_name text, acct bigint, conversation bigint) RETURNS real
LANGUAGE sql AS $$
	SELECT (coalesce((SELECT max(ts_rank_cd(m.v, websearch_to_tsquery(config, q)))
	                  FROM mtsv m
	                  WHERE m.account_id = acct AND m.conversation_id = conversation
	                    AND m.v @@ websearch_to_tsquery(config, q)), 0)
		+ CASE WHEN to_tsvector(config, agent_name) @@ websearch_to_tsquery(config, q)
			THEN ts_rank_cd(to_tsvector(config, agent_name), websearch_to_tsquery(config, q)) ELSE 0 END)::real
$$;

-- What is wrong with the marks of a match (NULL when nothing): in range,
-- ascending, not overlapping, and (substring mode) each the term.
CREATE FUNCTION pg_temp.marks_problem(marked text, marks jsonb, q text) RETURNS text
LANGUAGE sql AS $$
	SELECT CASE
		WHEN jsonb_typeof(marks) IS DISTINCT FROM 'array' THEN 'no marks'
		WHEN EXISTS (SELECT FROM jsonb_array_elements(marks) WITH ORDINALITY x(m, o)
		             WHERE (m ->> 0)::int < 0 OR (m ->> 1)::int > length(marked) OR (m ->> 0)::int >= (m ->> 1)::int
		                OR (o > 1 AND (m ->> 0)::int < (marks -> (o::int - 2) ->> 1)::int))
			THEN 'marks out of order or range: ' || marks::text
		WHEN q IS NOT NULL AND EXISTS (SELECT FROM jsonb_array_elements(marks) m
		             WHERE lower(substr(marked, (m ->> 0)::int + 1, (m ->> 1)::int - (m ->> 0)::int)) <> lower(q))
			THEN 'a mark is not the term: ' || marks::text
		WHEN q IS NOT NULL AND length(lower(marked)) = length(marked) AND strpos(lower(marked), lower(q)) > 0
		     AND jsonb_array_length(marks) = 0 THEN 'the term is not marked: ' || marks::text
	END
$$;

-- The match a message hit should show, the obvious way: that of the
-- conversation's first shown message (by seq) that contains q (substring)
-- or matches it (words); NULL when none does.
CREATE FUNCTION pg_temp.first_match(acct bigint, conversation bigint, q text, config regconfig, by_words boolean)
RETURNS jsonb
LANGUAGE sql AS $$
	SELECT '{"in": "message"}'::jsonb || CASE WHEN by_words
		THEN convdash.words_hit(config, m.content, websearch_to_tsquery(config, q))
		ELSE convdash.substring_hit(m.content, btrim(q)) END
	FROM convdash.messages m
	WHERE m.account_id = acct AND m.conversation_id = conversation AND m.seq IS NOT NULL
	  AND CASE WHEN by_words THEN to_tsvector(config, m.content) @@ websearch_to_tsquery(config, q)
		ELSE strpos(lower(m.content), lower(btrim(q))) > 0 END
	ORDER BY m.seq LIMIT 1
$$;

-- What is wrong with a row of a page (NULL when nothing): its fields and match.
CREATE FUNCTION pg_temp.row_problem(acct bigint, e jsonb, q text, words boolean) RETURNS text
LANGUAGE sql AS $$
	SELECT CASE
		WHEN c.id IS NULL THEN 'unknown id'
		WHEN e ->> 'session_id' IS DISTINCT FROM c.session_id OR (e ->> 'message_count')::int IS DISTINCT FROM k.message_count
			OR (e ->> 'rating')::int IS DISTINCT FROM c.rating OR e ->> 'status' IS DISTINCT FROM c.status::text
			OR e ->> 'channel' IS DISTINCT FROM c.channel::text OR e #>> '{agent,name}' IS DISTINCT FROM a.name
			OR (e #>> '{agent,id}')::bigint IS DISTINCT FROM a.id OR e #>> '{agent,company}' IS DISTINCT FROM a.company
			OR e ->> 'started_at' IS DISTINCT FROM to_char(c.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
			THEN 'fields differ: ' || e::text
		WHEN nullif(btrim(q), '') IS NULL THEN CASE WHEN e ? 'match' THEN 'match without q' END
		WHEN words THEN CASE
			WHEN e #>> '{match,in}' IS DISTINCT FROM CASE WHEN to_tsvector(x.config, a.name) @@ websearch_to_tsquery(x.config, q)
				THEN 'agent' ELSE 'message' END THEN 'wrong match: ' || (e -> 'match')::text
			WHEN e #>> '{match,in}' = 'message' AND (e #>> '{match,snippet}') IS NULL THEN 'no snippet: ' || (e -> 'match')::text
			WHEN e #>> '{match,in}' = 'message' AND e -> 'match' IS DISTINCT FROM pg_temp.first_match(acct, c.id, q, x.config, true)
				THEN 'not the first matching message: ' || (e -> 'match')::text
			ELSE pg_temp.marks_problem(CASE e #>> '{match,in}' WHEN 'agent' THEN a.name ELSE e #>> '{match,snippet}' END,
				e #> '{match,marks}', NULL) END
		WHEN e #>> '{match,in}' IS DISTINCT FROM CASE
			WHEN strpos(lower(c.session_id), lower(btrim(q))) > 0 THEN 'session'
			WHEN strpos(lower(a.name), lower(btrim(q))) > 0 THEN 'agent' ELSE 'message' END
			THEN 'wrong match: ' || (e -> 'match')::text
		WHEN e #>> '{match,in}' = 'message' AND strpos(lower(e #>> '{match,snippet}'), lower(btrim(q))) = 0
			THEN 'snippet without the term: ' || (e -> 'match')::text
		WHEN e #>> '{match,in}' = 'message' AND e -> 'match' IS DISTINCT FROM pg_temp.first_match(acct, c.id, q, x.config, false)
			THEN 'not the first matching message: ' || (e -> 'match')::text
		ELSE pg_temp.marks_problem(CASE e #>> '{match,in}' WHEN 'agent' THEN a.name WHEN 'session' THEN c.session_id
			ELSE e #>> '{match,snippet}' END, e #> '{match,marks}', btrim(q))
	END
	FROM (SELECT search_config AS config FROM convdash.accounts WHERE id = acct) x
	LEFT JOIN convdash.conversations c ON c.account_id = acct AND c.id = (e ->> 'id')::bigint
	LEFT JOIN convdash.conversation_counters k ON k.account_id = acct AND k.conversation_id = c.id
	LEFT JOIN convdash.agents a ON a.account_id = acct AND a.id = c.agent_id
$$;

-- Runs one combination: walks every page to the end and compares; one result line.
CREATE FUNCTION pg_temp.check_case(n int, acct bigint, p jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	ref bigint[];
	lim int := (p ->> 'limit')::int;
	got bigint[] := '{}';
	cur text;
	page jsonb;
	pages int := 0;
	partials int := 0;
	problem text;
	label text := format('oracle %s: tenant %s %s', n, acct, p::text);
BEGIN
	ref := pg_temp.reference(acct, p);
	PERFORM set_config('convdash.account_id', acct::text, false);
	PERFORM set_config('convdash.search_probe', p ->> 'probe', false);
	PERFORM set_config('convdash.search_candidates', p ->> 'candidates', false);
	-- relevance is compared with ranking every match
	PERFORM set_config('convdash.search_rank_limit', '10000000', false);
	PERFORM set_config('convdash.search_walk', p ->> 'walk', false);
	PERFORM set_config('convdash.search_index_entries', p ->> 'index_entries', false);
	-- a search's count reads at most as many index rows as phase 2 may collect here
	PERFORM set_config('convdash.search_count_limit', p ->> 'candidates', false);
	LOOP
		page := convdash.list_conversations(status => pg_temp.arr(p -> 'status'), channel => pg_temp.arr(p -> 'channel'),
			agent_id => pg_temp.arr(p -> 'agent_id')::bigint[], min_rating => (p ->> 'min_rating')::int,
			date_from => p ->> 'date_from', date_to => p ->> 'date_to', q => p ->> 'q', sort => p ->> 'sort',
			"order" => p ->> 'order', "limit" => lim, cursor => cur, with_total => (p ->> 'with_total')::boolean,
			match => p ->> 'match');
		pages := pages + 1;
		SELECT string_agg(x, '; ') INTO problem
		FROM (SELECT pg_temp.row_problem(acct, e, p ->> 'q', p ->> 'match' = 'words') AS x FROM jsonb_array_elements(page -> 'data') e) r
		WHERE x IS NOT NULL;
		IF problem IS NOT NULL THEN
			RETURN format('not ok - %s: page %s: %s', label, pages, problem);
		END IF;
		-- suggestions: on a search's empty first page without a next page (not a partial
		-- one) only, and only the tenant's own texts
		IF (page ? 'suggestions') IS DISTINCT FROM (pages = 1 AND nullif(btrim(p ->> 'q'), '') IS NOT NULL
				AND jsonb_array_length(page -> 'data') = 0 AND jsonb_typeof(page -> 'next_cursor') = 'null') THEN
			RETURN format('not ok - %s: page %s: suggestions %s', label, pages, coalesce(page ->> 'suggestions', 'absent'));
		END IF;
		IF EXISTS (SELECT FROM jsonb_array_elements(page -> 'suggestions') g
		           WHERE NOT (g ->> 'kind' = 'agent' AND EXISTS (SELECT FROM convdash.agents a WHERE a.account_id = acct AND a.name = g ->> 'text'))
		             AND NOT (g ->> 'kind' = 'session' AND EXISTS (SELECT FROM convdash.conversations c
		                                                         WHERE c.account_id = acct AND c.session_id = g ->> 'text'))) THEN
			RETURN format('not ok - %s: a suggestion not of the tenant: %s', label, page ->> 'suggestions');
		END IF;
		-- the total is exact, or, when the search's count was capped, a lower bound
		IF (p ->> 'with_total')::boolean AND (page ->> 'total')::int IS DISTINCT FROM cardinality(ref)
				AND NOT (page ? 'total_at_least' AND NOT page ? 'total' AND nullif(btrim(p ->> 'q'), '') IS NOT NULL
					AND (page ->> 'total_at_least')::int BETWEEN 0 AND cardinality(ref)) THEN
			RETURN format('not ok - %s: total %s, expected %s', label, page - 'data', cardinality(ref));
		END IF;
		got := got || ARRAY(SELECT (e ->> 'id')::bigint FROM jsonb_array_elements(page -> 'data') WITH ORDINALITY x(e, o) ORDER BY o);
		cur := page ->> 'next_cursor';
		IF got IS DISTINCT FROM ref[1:cardinality(got)] THEN
			RETURN format('not ok - %s: page %s differs: got %s, expected %s', label, pages,
				got[greatest(1, cardinality(got) - lim + 1):], ref[greatest(1, cardinality(got) - lim + 1):cardinality(got)]);
		END IF;
		IF cur IS NULL THEN
			IF cardinality(got) <> cardinality(ref) THEN
				RETURN format('not ok - %s: ended after %s rows, expected %s', label, cardinality(got), cardinality(ref));
			END IF;
			EXIT;
		END IF;
		-- a short page only where a search's bounded walk ended it, and it says so
		IF jsonb_array_length(page -> 'data') < lim AND NOT coalesce((page ->> 'partial')::boolean, false) THEN
			RETURN format('not ok - %s: page %s of %s rows (limit %s), partial %s', label, pages,
				jsonb_array_length(page -> 'data'), lim, coalesce(page ->> 'partial', 'absent'));
		END IF;
		partials := partials + coalesce((page ->> 'partial')::boolean::int, 0);
		IF cardinality(got) = cardinality(ref) AND NOT page ? 'partial' THEN
			RETURN format('not ok - %s: a next cursor after the last row', label);
		END IF;
	END LOOP;
	IF page ? 'partial' THEN
		RETURN format('not ok - %s: the last page says partial', label);
	END IF;
	RETURN format('ok - %s: %s of %s rows in %s pages (%s partial)', label, cardinality(got), cardinality(ref), pages, partials);
EXCEPTION WHEN OTHERS THEN
	RETURN format('not ok - %s: error %s %s', label, SQLSTATE, SQLERRM);
END
$$;

SELECT pg_temp.check_case(n, acct, pg_temp.random_case(acct))
FROM generate_series(1, :cases) n,
	LATERAL (SELECT id AS acct FROM convdash.accounts WHERE name = CASE WHEN n % 5 = 0 THEN 'Oracle 2' ELSE 'Oracle' END
		AND n > 0) a
ORDER BY n;
