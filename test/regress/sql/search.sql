-- Search in convdash.list_conversations: where it looks (session id, agent
-- name, user/assistant messages, never system/tool), case-insensitive partial
-- matches, literal % _ \, terms of 1, 2 and 3+ characters, match and snippet,
-- search with filters, sorts and pages, every phase of the search plan, the
-- C n-gram helpers and the bad inputs.
\set QUIET on
\i test/regress/include/err.sql
\i test/regress/include/list_fixture.sql
\set QUIET off

-- The session ids and the match of each hit, in order.
CREATE FUNCTION pg_temp.hits(result jsonb) RETURNS text
LANGUAGE sql AS $$
	SELECT coalesce(string_agg(format('%s:%s', e ->> 'session_id', e #>> '{match,in}'), ' ' ORDER BY o), '(none)')
	FROM jsonb_array_elements(result -> 'data') WITH ORDINALITY AS x(e, o)
$$;

-- where it matches, and what it says
SELECT jsonb_pretty(convdash.list_conversations(q => 'refund') #- '{next_cursor}'
	#- '{data,0,id}' #- '{data,1,id}' #- '{data,0,agent,id}' #- '{data,1,agent,id}');
SELECT pg_temp.hits(convdash.list_conversations(q => 'call-')) AS session;
SELECT pg_temp.hits(convdash.list_conversations(q => 'helper')) AS agent;
SELECT pg_temp.hits(convdash.list_conversations(q => 'Zed Bot')) AS agent_full_name;
SELECT pg_temp.hits(convdash.list_conversations(q => 'b')) AS session_before_agent_before_message;
-- case-insensitive and partial, also beyond ASCII
SELECT pg_temp.hits(convdash.list_conversations(q => 'REFUND')) AS upper;
SELECT pg_temp.hits(convdash.list_conversations(q => 'eFuN')) AS partial;
SELECT pg_temp.hits(convdash.list_conversations(q => 'STRASSE')) AS no_folding_beyond_case;
SELECT pg_temp.hits(convdash.list_conversations(q => 'straße')) AS eszett;
SELECT pg_temp.hits(convdash.list_conversations(q => 'ümlaut')) AS umlaut_lower;
SELECT pg_temp.hits(convdash.list_conversations(q => 'Ü')) AS umlaut_one_char;
-- leading and trailing blanks are ignored; an empty or blank q is no search
SELECT pg_temp.hits(convdash.list_conversations(q => '  needle  ')) AS trimmed;
SELECT pg_temp.sessions(convdash.list_conversations(q => '')) AS empty_q;
SELECT pg_temp.sessions(convdash.list_conversations(q => '   ')) AS blank_q;
-- %, _ and \ are literal
SELECT pg_temp.hits(convdash.list_conversations(q => '50%')) AS percent;
SELECT pg_temp.hits(convdash.list_conversations(q => '%')) AS only_percent;
SELECT pg_temp.hits(convdash.list_conversations(q => '5%d')) AS percent_is_no_wildcard;
SELECT pg_temp.hits(convdash.list_conversations(q => '_')) AS underscore;
SELECT pg_temp.hits(convdash.list_conversations(q => 'report_f')) AS underscore_inside;
SELECT pg_temp.hits(convdash.list_conversations(q => 'report.f')) AS dot_is_literal;
SELECT pg_temp.hits(convdash.list_conversations(q => 'c:\temp')) AS backslash;
SELECT pg_temp.hits(convdash.list_conversations(q => '\')) AS only_backslash;
-- 1, 2 and 3+ characters; strings that match nothing
SELECT pg_temp.hits(convdash.list_conversations(q => 'z')) AS one_char;
SELECT pg_temp.hits(convdash.list_conversations(q => 'ze')) AS two_chars;
SELECT pg_temp.hits(convdash.list_conversations(q => 'zeb')) AS three_chars;
SELECT pg_temp.hits(convdash.list_conversations(q => '?')) AS question_mark;
SELECT pg_temp.hits(convdash.list_conversations(q => ', ')) AS comma_blank;
SELECT pg_temp.hits(convdash.list_conversations(q => 'qj')) AS no_hit_two;
SELECT pg_temp.hits(convdash.list_conversations(q => '~')) AS no_hit_one;
SELECT pg_temp.hits(convdash.list_conversations(q => 'refunds')) AS no_hit_longer;
-- system and tool messages are not searched; another tenant's rows are not found
SELECT pg_temp.hits(convdash.list_conversations(q => 'secretword')) AS system_message;
SELECT pg_temp.hits(convdash.list_conversations(q => 'toolword')) AS tool_message;
SELECT pg_temp.hits(convdash.list_conversations(q => 'foreign')) AS other_tenant;
SELECT pg_temp.hits(convdash.list_conversations(q => '9999')) AS other_tenant_session;

-- snippets: around the first match, one line, … where cut
SELECT e #>> '{match,snippet}' AS snippet FROM jsonb_array_elements(
	convdash.list_conversations(q => 'needle', "order" => 'asc') -> 'data') e;
SELECT e #>> '{match,snippet}' AS snippet FROM jsonb_array_elements(
	convdash.list_conversations(q => 'ok') -> 'data') e;
SELECT convdash.search_snippet(repeat('x', 50) || 'Hit' || repeat('y', 200), 'hit') AS cut_both_sides;
SELECT convdash.search_snippet('tiny hit', 'HIT') AS uncut;

-- with filters, every sort, pages and totals
SELECT pg_temp.hits(convdash.list_conversations(q => 'e', status => '{closed}', channel => '{widget,voip,whatsapp}',
	min_rating => 3, sort => 'messages')) AS filtered;
SELECT pg_temp.hits(convdash.list_conversations(q => 'bot', agent_id => ARRAY[:mid]::bigint[])) AS agent_match_filtered_out;
SELECT pg_temp.hits(convdash.list_conversations(q => 'refund', date_from => '2026-03-02')) AS dated;
SELECT s AS sort, d AS "order", pg_temp.walk(s, d, 2, 'e') AS pages
FROM unnest('{date,agent,status,messages,rating}'::text[]) WITH ORDINALITY AS x(s, i),
	unnest('{asc,desc}'::text[]) AS d
ORDER BY i, d;
SELECT convdash.list_conversations(q => 'e', "limit" => 1, with_total => true) -> 'total' AS total_e,
	convdash.list_conversations(q => 'refund', "limit" => 1, with_total => true, status => '{closed}') -> 'total' AS total_refund_closed,
	convdash.list_conversations(q => 'qj', with_total => true) -> 'total' AS total_none;
-- a search's count reads at most convdash.search_count_limit index rows: beyond, a lower bound
SET convdash.search_count_limit = 3;
SELECT convdash.list_conversations(q => 'e', "limit" => 1, with_total => true) - 'data' - 'next_cursor' AS total_e_capped,
	convdash.list_conversations(q => 'refund', "limit" => 1, with_total => true, status => '{closed}') - 'data' - 'next_cursor' AS total_refund_closed,
	convdash.list_conversations(q => 'refund', "limit" => 1, with_total => true, match => 'words') - 'data' - 'next_cursor' AS words_total;
RESET convdash.search_count_limit;
-- a term whose every index key is common (by the statistics) counts the
-- conversations of its newest matches (not the index's first rows): in this
-- data the two differ
BEGIN;
ANALYZE convdash.messages;
SET LOCAL convdash.search_count_limit = 3;
-- the conversations of the 4 newest (or oldest) shown messages with an 'e',
-- and of agents named with one
CREATE FUNCTION pg_temp.e_count(acct bigint, newest boolean) RETURNS bigint
LANGUAGE sql AS $$
	SELECT count(*) FROM convdash.conversations c JOIN convdash.agents a ON a.account_id = c.account_id AND a.id = c.agent_id
	WHERE c.account_id = acct AND (a.name ILIKE '%e%' OR c.id IN (
		SELECT m.conversation_id FROM convdash.messages m WHERE m.account_id = acct AND m.seq IS NOT NULL
		AND m.content ILIKE '%e%' ORDER BY CASE WHEN newest THEN -m.id ELSE m.id END LIMIT 4))
$$;
SELECT (SELECT s.most_common_elems IS NOT NULL FROM pg_stats s
		WHERE s.schemaname = 'convdash' AND s.tablename = 'messages_search_idx') AS keys_have_statistics,
	convdash.list_conversations(q => 'e', "limit" => 1, with_total => true) -> 'total_at_least' AS total_e_capped,
	pg_temp.e_count(:acct, true) AS of_newest, pg_temp.e_count(:acct, false) AS of_oldest;
ROLLBACK;
-- the cursor is bound to the search term
SELECT convdash.list_conversations(q => 'e', "limit" => 2) ->> 'next_cursor' AS cur \gset
SELECT pg_temp.hits(convdash.list_conversations(q => 'e', "limit" => 2, cursor => :'cur')) AS second_page;
SELECT pg_temp.err(format('SELECT convdash.list_conversations(q => %L, cursor => %L)', 'ee', :'cur'));
SELECT pg_temp.err(format('SELECT convdash.list_conversations(cursor => %L)', :'cur'));

-- every phase of the plan gives the same pages: probe only (default), probe
-- then candidates (probe of 1), probe then uncapped walk (1 candidate allowed)
CREATE TEMP TABLE phase_results (setting text, q text, sort text, dir text, pages text);
-- sets the phase settings probe, candidates, walk and index_entries ('{}': the defaults)
CREATE FUNCTION pg_temp.set_phases(setting text[]) RETURNS void
LANGUAGE sql AS $$
	SELECT set_config('convdash.search_probe', coalesce(setting[1], ''), false),
		set_config('convdash.search_candidates', coalesce(setting[2], ''), false),
		set_config('convdash.search_walk', coalesce(setting[3], ''), false),
		set_config('convdash.search_index_entries', coalesce(setting[4], ''), false)
$$;
DO $$
DECLARE
	setting text[];
	q text;
	s text;
	d text;
BEGIN
	FOREACH setting SLICE 1 IN ARRAY ARRAY[['400', '30000'], ['1', '30000'], ['1', '1'], ['2', '3']] LOOP
		PERFORM pg_temp.set_phases(setting);
		FOREACH q IN ARRAY ARRAY['e', 'refund', 'call', 'bot', 'b', 'qj', 'ok', 'Z'] LOOP
			FOREACH s IN ARRAY ARRAY['date', 'agent', 'status', 'messages', 'rating'] LOOP
				FOREACH d IN ARRAY ARRAY['asc', 'desc'] LOOP
					INSERT INTO phase_results VALUES (array_to_string(setting, '/'), q, s, d, pg_temp.walk(s, d, 2, q));
				END LOOP;
			END LOOP;
		END LOOP;
	END LOOP;
	PERFORM pg_temp.set_phases('{}');
END
$$;
SELECT count(*) AS cases, count(DISTINCT setting) AS settings,
	count(*) FILTER (WHERE pages <> (SELECT p.pages FROM phase_results p WHERE p.setting = '400/30000'
		AND p.q = r.q AND p.sort = r.sort AND p.dir = r.dir)) AS differing
FROM phase_results r;
SELECT q, sort, dir, pages FROM phase_results WHERE setting = '400/30000' AND sort IN ('date', 'rating') ORDER BY q, sort, dir;

-- Every term class against the obvious ILIKE answer, under every phase
-- setting (probe/candidates/walk; the walk of 1 and 2 ends pages early),
-- every sort and order, pages of 2: the ids of all pages in order equal
-- the reference's, and short pages come only with "partial".
SELECT count(pg_temp.conv(a, s, ch, t, m, f, r)) AS class_conversations FROM (VALUES
	(:alpha, 'web-0012', 'web', '2026-03-08 09:00:00+00'::timestamptz,
		ARRAY['user:where is my order?! 👍', 'assistant:It ships today... thanks 🙏🏽'], 'closed', 4),
	(:zed, 'tg-0013', 'telegram', '2026-03-08 10:00:00+00',
		ARRAY['user:refund please, where is my money', 'assistant:The qorvex team will call (soon).'], 'closed', 2),
	(:mid, 'web-0014', 'web', '2026-03-09 09:00:00+00',
		ARRAY['user:my order is late', 'assistant:👍 noted: order 12-34'], 'active', NULL)
) v(a, s, ch, t, m, f, r);
-- the reference: session id, agent name or a shown message contains the term, in sort order
CREATE FUNCTION pg_temp.reference(q text, sort text, dir text) RETURNS text
LANGUAGE sql AS $$
	SELECT coalesce(string_agg(x.session_id, ' ' ORDER BY x.o), '(none)') FROM (
		SELECT c.session_id, row_number() OVER (ORDER BY
			CASE WHEN dir = 'asc' THEN CASE sort WHEN 'date' THEN extract(epoch FROM c.started_at)
				WHEN 'messages' THEN k.message_count END END ASC,
			CASE WHEN dir = 'desc' THEN CASE sort WHEN 'date' THEN extract(epoch FROM c.started_at)
				WHEN 'messages' THEN k.message_count END END DESC,
			CASE WHEN dir = 'asc' THEN c.id END ASC, CASE WHEN dir = 'desc' THEN c.id END DESC) AS o
		FROM convdash.conversations c JOIN convdash.agents a ON a.account_id = c.account_id AND a.id = c.agent_id
		JOIN convdash.conversation_counters k ON k.account_id = c.account_id AND k.conversation_id = c.id
		WHERE c.account_id = convdash.current_account()
		  AND (strpos(lower(c.session_id), lower(q)) > 0 OR strpos(lower(a.name), lower(q)) > 0
			OR EXISTS (SELECT FROM convdash.messages m WHERE m.account_id = c.account_id AND m.conversation_id = c.id
				AND m.role IN ('user', 'assistant') AND strpos(lower(m.content), lower(q)) > 0))) x
$$;
-- all pages of a search as one list of session ids, and how many pages were partial or short
CREATE FUNCTION pg_temp.search_all(q text, sort text, dir text, OUT sessions text, OUT partial int, OUT short int)
LANGUAGE plpgsql AS $$
DECLARE
	cur text;
	page jsonb;
	got text[] := '{}';
BEGIN
	partial := 0;
	short := 0;
	LOOP
		page := convdash.list_conversations(q => q, sort => sort, "order" => dir, "limit" => 2, cursor => cur);
		got := got || ARRAY(SELECT e ->> 'session_id' FROM jsonb_array_elements(page -> 'data') WITH ORDINALITY x(e, o) ORDER BY o);
		cur := page ->> 'next_cursor';
		partial := partial + coalesce((page ->> 'partial')::boolean::int, 0);
		short := short + (cur IS NOT NULL AND jsonb_array_length(page -> 'data') < 2)::int;
		EXIT WHEN cur IS NULL OR cardinality(got) > 100;
	END LOOP;
	sessions := coalesce(nullif(array_to_string(got, ' '), ''), '(none)');
END
$$;
CREATE TEMP TABLE class_results (setting text, kind text, q text, sort text, dir text, same boolean, partial int, short int);
DO $$
DECLARE
	setting text[];
	t text[];
	s text;
	d text;
	r record;
BEGIN
	FOREACH setting SLICE 1 IN ARRAY ARRAY[['400', '30000', '4000'], ['1', '30000', '4000'], ['1', '1', '4000'],
		['1', '1', '1'], ['2', '3', '2']] LOOP
		PERFORM pg_temp.set_phases(setting);
		FOREACH t SLICE 1 IN ARRAY ARRAY[['rare', 'ORD-777'], ['rare', 'needle'], ['medium', 'refund'], ['common', 'e'],
			['session', 'll-00'], ['agent', 'Zed Bot'], ['agent', 'helper'], ['short', 'z'], ['short', 'ze'], ['short', 'Ü'],
			['none', 'qj'], ['none', '~'], ['phrase', 'where is my'], ['phrase', 'refund please'], ['phrase', 'is my order'],
			['symbol', '👍'], ['symbol', '🙏🏽'], ['symbol', '?!'], ['symbol', '...'], ['symbol', '12-34'], ['symbol', '('],
			['other tenant', 'qorvex'], ['other tenant', 'foreign words']] LOOP
			FOREACH s IN ARRAY ARRAY['date', 'messages'] LOOP
				FOREACH d IN ARRAY ARRAY['asc', 'desc'] LOOP
					r := pg_temp.search_all(t[2], s, d);
					INSERT INTO class_results VALUES (array_to_string(setting, '/'), t[1], t[2], s, d,
						r.sessions = pg_temp.reference(t[2], s, d), r.partial, r.short);
				END LOOP;
			END LOOP;
		END LOOP;
	END LOOP;
	PERFORM pg_temp.set_phases('{}');
END
$$;
SELECT setting, count(*) AS cases, count(*) FILTER (WHERE same) AS same_as_ilike,
	sum(partial) AS partial_pages, sum(short) AS short_pages
FROM class_results GROUP BY setting ORDER BY setting;
SELECT kind, q, sort, dir, setting FROM class_results WHERE NOT same ORDER BY 1, 2, 3, 4, 5;
SELECT DISTINCT kind, q, pg_temp.reference(q, 'date', 'desc') AS hits FROM class_results ORDER BY 1, 2;
-- A term only in session ids, in more of them than the collect may take,
-- with the tenant's size in the statistics and phase 1b allowed: no message
-- has its keys (count 0), so phase 1b is not tried (the density of a batch
-- walk would be 0: the oracle found a division by zero there) and the probe
-- finds the pages.
BEGIN;
ANALYZE convdash.conversations;
SELECT pg_temp.set_phases('{1,1,4000,100000}');
SELECT convdash.search_index_count(convdash.search_keys(:acct, 'll-00')) AS messages_with_keys,
	convdash.list_tenant_size(:acct) > 0 AS tenant_size_known,
	(pg_temp.search_all('ll-00', 'date', 'desc')).sessions = pg_temp.reference('ll-00', 'date', 'desc') AS same_as_ilike,
	pg_temp.reference('ll-00', 'date', 'desc') AS hits;
-- called without a density in (0, 1], a need or a budget the walk does not start
SELECT w.done, w.ids, d AS density, need, budget
FROM unnest(ARRAY[0, -1, NULL, 'NaN', 'Infinity', 2, 0.5, 0.5, 0.5]::float8[], ARRAY[3, 3, 3, 3, 3, 3, 0, NULL, 3],
		ARRAY[1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, NULL]) x(d, need, budget),
	LATERAL convdash.list_index_walk(convdash.list_substring_args(convdash.list_filters(:acct, NULL, NULL, NULL,
		NULL, NULL, NULL, 'll-00', 'date', 'desc', 2)), 'date', 'desc', need, d, budget) w;
-- with one, it walks: the first hits in sort order as the ILIKE reference
-- has them (of ll-00 both, by session: no seq), each with the seq of its
-- first matching message
SELECT q, w.done, (SELECT string_agg(c.session_id, ' ' ORDER BY o) FROM unnest(w.ids) WITH ORDINALITY u(id, o)
		JOIN convdash.conversations c ON c.id = u.id) AS sessions, pg_temp.reference(q, 'date', 'desc') AS reference,
	w.firsts, (SELECT array_agg((SELECT min(m.seq) FROM convdash.messages m WHERE m.account_id = :acct
		AND m.conversation_id = u.id AND m.seq IS NOT NULL AND m.content ILIKE convdash.search_pattern(q)) ORDER BY o)
		FROM unnest(w.ids) WITH ORDINALITY u(id, o)) AS first_matching_seqs
FROM unnest(ARRAY['ll-00', 'refund', 'is my order']) q,
	LATERAL convdash.list_index_walk(convdash.list_substring_args(convdash.list_filters(:acct, NULL, NULL, NULL,
		NULL, NULL, NULL, q, 'date', 'desc', 2)), 'date', 'desc', 3, 0.5, 1000) w;
ROLLBACK;

-- Tenant scoping: a term in 300 messages of the other tenant and once here.
-- Here the index hands out this tenant's one posting only (its keys are the
-- tenant's own); the other tenant's probe gets its 300.
SELECT set_config('convdash.account_id', :'other', false) AS tenant \gset
SELECT count(convdash.append_message(:foreign_c, 'user', 'blorptastic ' || g, NULL, NULL)) AS planted
FROM generate_series(1, 300) g;
SELECT set_config('convdash.account_id', :'acct', false) AS tenant \gset
SELECT gin_clean_pending_list('convdash.messages_search_idx') >= 0 AS pending_list_merged;
SELECT pg_temp.hits(convdash.list_conversations(q => 'blorptastic')) AS none_here_yet;
SELECT convdash.append_message(convdash.start_conversation(:zed, 'web-0015', 'web'), 'user', 'one blorptastic here') IS NOT NULL AS planted_here;
SELECT gin_clean_pending_list('convdash.messages_search_idx') >= 0 AS pending_list_merged;
-- the postings the search index returns (the bitmap index scan's rows) for
-- each tenant: planned with the transcript index dropped in a subtransaction
-- that is rolled back (on this small table the planner would rather read it)
CREATE FUNCTION pg_temp.postings(acct bigint, q text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	p jsonb;
BEGIN
	SET LOCAL enable_seqscan = off;
	BEGIN
		DROP INDEX convdash.messages_transcript_idx;
		EXECUTE format($q$EXPLAIN (ANALYZE, FORMAT JSON) SELECT m.conversation_id FROM convdash.messages m
			WHERE m.account_id + 0 = %s AND convdash.search_grams(m.account_id, m.content) @> convdash.search_keys(%s, %L)
			  AND m.seq IS NOT NULL AND m.content ILIKE convdash.search_pattern(%L)$q$, acct, acct, q, q) INTO p;
		RAISE EXCEPTION USING MESSAGE = coalesce((SELECT n ->> 'Actual Rows' FROM jsonb_path_query(p, 'strict $.**') n
		                                          WHERE n ->> 'Index Name' = 'messages_search_idx'), 'not used');
	EXCEPTION WHEN raise_exception THEN
		RETURN nullif(SQLERRM, 'not used')::bigint;
	END;
END
$$;
SELECT pg_temp.postings(:acct, 'blorptastic') AS postings_here, pg_temp.postings(:other, 'blorptastic') AS postings_other,
	pg_temp.postings(:acct, 'blorp') AS short_form_here, pg_temp.postings(:other, 'tic 1') AS other_own_term;
SELECT pg_temp.hits(convdash.list_conversations(q => 'blorptastic')) AS found_here;
-- the index's own count of the entries holding every key of a term (phase 0
-- decides by it): this tenant's entries only, as many as the rows the index
-- condition selects; as the other tenant, its 300
SELECT convdash.search_index_count(convdash.search_keys(:acct, 'blorptastic')) AS count_here,
	convdash.search_index_count(convdash.search_keys(:acct, 'refund')) = (SELECT count(*) FROM convdash.messages m
		WHERE m.account_id = :acct AND m.seq IS NOT NULL
		  AND convdash.search_grams(m.account_id, m.content) @> convdash.search_keys(:acct, 'refund')) AS refund_entries,
	convdash.search_index_count(convdash.search_keys(:acct, 'refund')) > 0 AS refund_counted,
	convdash.search_index_count(convdash.search_keys(:acct, 'qqqzzzq')) AS count_none;
SELECT set_config('convdash.account_id', :'other', false) AS tenant \gset
SELECT convdash.search_index_count(convdash.search_keys(:other, 'blorptastic')) AS count_other;
SELECT set_config('convdash.account_id', :'acct', false) AS tenant \gset
-- another tenant's keys (even one of them), no keys, a key of no tenant: errors; NULL: NULL
SELECT pg_temp.err(format('SELECT convdash.search_index_count(convdash.search_keys(%s, %L))', :other, 'blorptastic'));
SELECT pg_temp.err(format('SELECT convdash.search_index_count(convdash.search_keys(%s, %L) || convdash.search_keys(%s, %L))',
	:acct, 'refund', :other, 'refund'));
SELECT pg_temp.err($$SELECT convdash.search_index_count('{}')$$);
SELECT pg_temp.err($$SELECT convdash.search_index_count('{1}')$$);
SELECT convdash.search_index_count(NULL) IS NULL AS null_keys;

-- the n-gram helpers behind the index: 1-, 2- and 4-grams (3 characters: two 2-grams), keys of the tenant
SELECT cardinality(convdash.search_grams(1, 'abc')) AS abc_grams, cardinality(convdash.search_grams(1, 'abcd')) AS abcd_grams,
	cardinality(convdash.search_grams(1, 'aaaaa')) AS aaaaa_grams,
	convdash.search_grams(1, 'ABC') = convdash.search_grams(1, 'abc') AS case_folded,
	cardinality(convdash.search_grams(1, '')) AS empty_grams, convdash.search_grams(1, NULL) IS NULL AS null_grams,
	convdash.search_grams(NULL, 'abc') IS NULL AS null_account;
SELECT t, cardinality(convdash.search_keys(7, t)) AS nkeys,
	convdash.search_grams(7, 'Say: The Quick brown fox, 50% off_now \ Straße 👍🏽 ok') @> convdash.search_keys(7, t) AS contained,
	convdash.search_grams(8, 'Say: The Quick brown fox, 50% off_now \ Straße 👍🏽 ok') && convdash.search_keys(7, t) AS other_tenant_shares_a_key
FROM unnest(ARRAY['q', 'QU', 'qui', 'quic', 'quick', 'brown fox', '50%', '_', '\', 'ße', 'straße', 'x', 'fox!', 'quack',
	'👍🏽', '👍', 'the quick brown fox, 50% off_now \ strasse', 'The Quick brown fox, 50% off_now \ Straße']) t;
-- keys of one tenant are one range of the index: the account id is their high half
SELECT bool_and(k >> 32 = 7) AS tenant_7, bool_and((k2 >> 32) & 4294967295 = 4000000000) AS tenant_4e9
FROM unnest(convdash.search_grams(7, 'anything')) k, unnest(convdash.search_grams(4000000000, 'anything')) k2;
SELECT convdash.search_pattern('50%_\x') AS pattern;
SELECT convdash.search_snippet('no match here', 'zzz') AS no_match_snippet;

-- search_match, the search's check of each candidate, answers what ILIKE
-- answers: every text (ASCII, beyond it, longer than its stack buffer)
-- against search_pattern's patterns and others, under the database's
-- collation, C and ICU's Turkish (which lowers I to ı: never folded as ASCII)
CREATE TEMP TABLE match_texts(t) AS VALUES ('Say: The Quick brown fox, 50% off_now \ Straße 👍🏽 ok'),
	('IS THE TOTAL'), ('this the tomorrow'), ('İstanbul DIŞ'), ('ǅemal'), (''), ('KELVIN K'), ('kelvin k'), ('straSSe'),
	('a\b'), ('x%y_z'), ('ΣΑΣ ΚΑΙ'), (repeat('Ab', 2000) || 'NEEDLE'), (repeat('é', 3000) || 'Needle'), ('is'), ('I');
CREATE TEMP TABLE match_patterns(p) AS
	SELECT convdash.search_pattern(q) FROM unnest(ARRAY['is the to', 'the', 'quick', 'QUICK', 'straße', 'strasse', '50%', '_',
		'\', 'k', 'K', 'i', 'ı', 'İ', 'σας', 'needle', 'abab', '', 'İstanbul', 'DIŞ', 'y_z', 'a\b', 'is', 'I']) q
	UNION ALL SELECT p FROM unnest(ARRAY['is%', '%t_e%', 'say%', '%a\\b%', '%', '%%', 'kelvin k', '%abc', 'i%', '%\%%']) p;
SELECT 'default' AS collation, count(*) AS pairs, count(*) FILTER (WHERE t ILIKE p) AS matches,
	count(*) FILTER (WHERE convdash.search_match(t, p) IS DISTINCT FROM (t ILIKE p)) AS differing
FROM match_texts, match_patterns
UNION ALL
SELECT 'C', count(*), count(*) FILTER (WHERE t COLLATE "C" ILIKE p),
	count(*) FILTER (WHERE convdash.search_match(t COLLATE "C", p) IS DISTINCT FROM (t COLLATE "C" ILIKE p))
FROM match_texts, match_patterns
UNION ALL
SELECT 'tr-x-icu', count(*), count(*) FILTER (WHERE t COLLATE "tr-x-icu" ILIKE p),
	count(*) FILTER (WHERE convdash.search_match(t COLLATE "tr-x-icu", p) IS DISTINCT FROM (t COLLATE "tr-x-icu" ILIKE p))
FROM match_texts, match_patterns;
-- and on 3,000 random texts and terms over cases, the wildcards, the escape,
-- a blank and letters beyond ASCII, as search_pattern makes them and raw
SELECT setseed(0.42);
CREATE TEMP TABLE match_random AS
	SELECT (SELECT string_agg(substr('aAbB%_\ İıé', 1 + floor(random() * 11)::int, 1), '')
			FROM generate_series(1, 1 + floor(random() * 12)::int) WHERE g > 0) AS t,
		(SELECT string_agg(substr('aAbB%_\ İıé', 1 + floor(random() * 11)::int, 1), '')
			FROM generate_series(1, 1 + floor(random() * 3)::int) WHERE g > 0) AS q
	FROM generate_series(1, 3000) g;
SELECT count(*) FILTER (WHERE t ILIKE convdash.search_pattern(q)) AS matches,
	count(*) FILTER (WHERE convdash.search_match(t, convdash.search_pattern(q))
		IS DISTINCT FROM (t ILIKE convdash.search_pattern(q))) AS differing,
	count(*) FILTER (WHERE convdash.search_match(t, '%' || q || 'a%') IS DISTINCT FROM (t ILIKE '%' || q || 'a%')) AS differing_raw
FROM match_random;
-- the same answers row by row in a query over a table (its pattern kept between rows)
SELECT count(*) FILTER (WHERE convdash.search_match(m.content, '%the%')) > 0 AS some_match,
	count(*) FILTER (WHERE convdash.search_match(m.content, '%the%') IS DISTINCT FROM (m.content ILIKE '%the%')) AS differing
FROM convdash.messages m;
-- the planner estimates it as the ILIKE (its support function): plans stay what they were
CREATE FUNCTION pg_temp.plan_rows(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE j json; BEGIN EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO j; RETURN (j->0->'Plan'->>'Plan Rows')::float8; END $$;
SELECT pg_temp.plan_rows($$SELECT FROM convdash.messages m WHERE convdash.search_match(m.content, '%refund%')$$)
	= pg_temp.plan_rows($$SELECT FROM convdash.messages m WHERE m.content ILIKE '%refund%'$$) AS estimated_as_ilike;
-- its errors are ILIKE's (a pattern that ends in the escape character); NULL: NULL
SELECT pg_temp.err($$SELECT convdash.search_match('abc', '%\')$$);
SELECT pg_temp.err($$SELECT 'abc' ILIKE '%\'$$);
SELECT convdash.search_match(NULL, '%a%') IS NULL AS null_text, convdash.search_match('a', NULL) IS NULL AS null_pattern;

-- bad input: 22023 naming the parameter, nothing else happens
SELECT pg_temp.err(format('SELECT convdash.list_conversations(q => %L)', repeat('x', 10240)));
SELECT pg_temp.err(format('SELECT convdash.list_conversations(q => %L)', repeat('é', 201)));
SELECT pg_temp.hits(convdash.list_conversations(q => repeat('x', 200))) AS longest_allowed;
SELECT pg_temp.err($$SELECT convdash.list_conversations(q => 'refund', sort => 'relevance')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(q => 'refund', "limit" => 0)$$);
-- NUL bytes and invalid UTF-8 cannot even become a text value (the HTTP layer rejects them first)
SELECT pg_temp.err($$SELECT convdash.list_conversations(q => E'nul\x00byte')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(q => convert_from('\xff41'::bytea, 'UTF8'))$$);
