-- Word search (match=words): websearch syntax (words, "phrases", or, -word),
-- stems by the account's configuration, agent names and user/assistant
-- messages only, relevance order and its cursor walk, marks in both modes,
-- suggestions, tenant scoping (lexemes qualified by the tenant), the
-- re-indexing after a configuration change, and the bad inputs.
\set QUIET on
\i test/regress/include/err.sql
SELECT convdash.create_account('Words A') AS wa \gset
SELECT convdash.create_account('Words B') AS wb \gset
SELECT set_config('convdash.account_id', :'wb', false) \g /dev/null
SELECT convdash.create_agent('Refund Desk') AS b_agent \gset
SELECT convdash.start_conversation(:b_agent, 'b-1', 'web', 'ai', '2026-03-01T10:00:00Z') AS b1 \gset
SELECT convdash.append_message(:b1, 'user', 'refund refund refund, zebra crossing, Rückerstattung') \g /dev/null
SELECT set_config('convdash.account_id', :'wa', false) \g /dev/null
SELECT convdash.create_agent('Shipping Bot') AS ag_ship \gset
SELECT convdash.create_agent('Sales') AS ag_sales \gset
SELECT convdash.start_conversation(:ag_sales, 'w-1', 'web', 'ai', '2026-03-01T10:00:00Z') AS w1 \gset
SELECT convdash.start_conversation(:ag_sales, 'w-2', 'web', 'ai', '2026-03-02T10:00:00Z') AS w2 \gset
SELECT convdash.start_conversation(:ag_sales, 'w-3', 'web', 'ai', '2026-03-03T10:00:00Z') AS w3 \gset
SELECT convdash.start_conversation(:ag_ship, 'w-4', 'web', 'ai', '2026-03-04T10:00:00Z') AS w4 \gset
SELECT convdash.start_conversation(:ag_sales, 'w-5', 'web', 'ai', '2026-03-05T10:00:00Z') AS w5 \gset
SELECT convdash.append_message(:w1, 'user', 'I was refunded twice, the refunds were late', NULL, NULL, '2026-03-01T10:01:00Z') \g /dev/null
SELECT convdash.append_message(:w1, 'system', 'policy: never mention the warehouse', NULL, NULL, '2026-03-01T10:00:30Z') \g /dev/null
SELECT convdash.append_message(:w2, 'user', 'Where is my tracking number?', NULL, NULL, '2026-03-02T10:01:00Z') \g /dev/null
SELECT convdash.append_message(:w2, 'assistant', 'The number for tracking is 42; a refund is possible.', NULL, NULL, '2026-03-02T10:02:00Z') \g /dev/null
SELECT convdash.append_message(:w2, 'tool', 'lookup warehouse 7', NULL, NULL, '2026-03-02T10:02:30Z') \g /dev/null
SELECT convdash.append_message(:w3, 'user', 'refund refund refund please, I am angry', NULL, NULL, '2026-03-03T10:01:00Z') \g /dev/null
SELECT convdash.append_message(:w4, 'user', 'hello there', NULL, NULL, '2026-03-04T10:01:00Z') \g /dev/null
SELECT convdash.append_message(:w5, 'user', 'A refund for the shipping costs', NULL, NULL, '2026-03-05T10:01:00Z') \g /dev/null

-- The session ids and the match of each hit, in order.
CREATE FUNCTION pg_temp.hits(result jsonb) RETURNS text
LANGUAGE sql AS $$
	SELECT coalesce(string_agg(format('%s:%s', e ->> 'session_id', e #>> '{match,in}'), ' ' ORDER BY o), '(none)')
	FROM jsonb_array_elements(result -> 'data') WITH ORDINALITY AS x(e, o)
$$;
-- The words search of q (date order unless sorted otherwise).
CREATE FUNCTION pg_temp.w(q text, sort text DEFAULT 'date') RETURNS text
LANGUAGE sql AS $$ SELECT pg_temp.hits(convdash.list_conversations(q => q, match => 'words', sort => sort)) $$;
-- Each marked text of the first row's match: the marked substrings.
CREATE FUNCTION pg_temp.marked(result jsonb) RETURNS text
LANGUAGE sql AS $$
	SELECT string_agg(format('%s:%s', e ->> 'session_id', (
		SELECT string_agg(substr(CASE e #>> '{match,in}' WHEN 'message' THEN e #>> '{match,snippet}'
			WHEN 'agent' THEN e #>> '{agent,name}' ELSE e ->> 'session_id' END,
			(m ->> 0)::int + 1, (m ->> 1)::int - (m ->> 0)::int), '|' ORDER BY o2)
		FROM jsonb_array_elements(e #> '{match,marks}') WITH ORDINALITY y(m, o2))), ' ' ORDER BY o)
	FROM jsonb_array_elements(result -> 'data') WITH ORDINALITY AS x(e, o)
$$;
\set QUIET off

-- the default configuration, simple: whole words, no stems, case folded
SELECT config, pending, done, total FROM convdash.search_reindex_progress(:wa);
SELECT pg_temp.w('refund') AS simple_no_stems;
SELECT pg_temp.w('REFUNDS') AS simple_case_folded;
-- english: stems; the older messages are re-indexed by search_reindex
SELECT convdash.set_account_search_config(:wa, 'english');
SELECT account = :wa AS same, config, pending, done, total FROM convdash.search_reindex_progress(:wa);
SELECT pg_temp.w('refund') AS before_reindex_old_lexemes;
SELECT convdash.search_reindex_step(:wa, 2) > 0 AS more_to_do;
SELECT pending, done, total FROM convdash.search_reindex_progress(:wa);
SET client_min_messages = warning;    -- its NOTICEs name the account
CALL convdash.search_reindex(:wa, 2);
RESET client_min_messages;
SELECT pending, done, total FROM convdash.search_reindex_progress(:wa);
SELECT convdash.search_reindex_step(:wa) AS nothing_left;
SELECT convdash.set_account_search_config(:wa, 'english');
SELECT pending FROM convdash.search_reindex_progress(:wa) AS same_config_no_work;
SELECT pg_temp.w('refund') AS stems;
SELECT pg_temp.w('refunding') AS stems_of_the_query_too;
-- new messages use the account's configuration at once
SELECT convdash.append_message(:w4, 'assistant', 'Refunding is done', NULL, NULL, '2026-03-04T10:02:00Z') IS NOT NULL AS appended;
SELECT pg_temp.w('refunds') AS new_message_stemmed;
SELECT replace(words::text, :wa || '/', 'A/') AS qualified_words FROM convdash.messages WHERE account_id = :wa AND content = 'Refunding is done';
-- phrases, or, -word; agent names; system and tool messages never
SELECT pg_temp.w('"tracking number"') AS phrase_in_order;
SELECT pg_temp.w('"number tracking"') AS phrase_other_order;
SELECT pg_temp.w('tracking number') AS both_words;
SELECT pg_temp.w('angry or tracking') AS either;
SELECT pg_temp.w('refund -angry') AS without;
SELECT pg_temp.w('shipping') AS agent_name_first;
SELECT pg_temp.w('warehouse') AS system_and_tool_never;
SELECT pg_temp.w('policy') AS system_never;
-- only stop words or punctuation: nothing, quietly
SELECT convdash.list_conversations(q => 'the', match => 'words', with_total => true) - 'suggestions' AS stop_words;
SELECT pg_temp.w('!!!') AS punctuation;
-- another tenant's words are never found nor counted
SELECT pg_temp.w('zebra') AS other_tenant_word;
SELECT convdash.list_conversations(q => 'refund', match => 'words', with_total => true) ->> 'total' AS total_own_only;
SELECT convdash.words_query(:wa, 'english', 'refunds "tracking number" -angry') = format('''%1$s/refund'' & ''%1$s/track'' <-> ''%1$s/number'' & !''%1$s/angri''', :wa)::tsquery AS qualified_query;
SELECT convdash.words_tenant('a:1,3 bb:2A'::tsvector, 7) AS qualified_vector;
SELECT array_agg(length(lexeme) ORDER BY lexeme) AS lexeme_lengths
FROM unnest(convdash.words_tenant(('x' || repeat('y', 2040))::tsvector || ('w' || repeat('y', 2045))::tsvector || 'z:5'::tsvector, 12345)) AS too_long_left_out;
SELECT convdash.words_tenant(''::tsvector, 1) AS empty, convdash.words_tenant('a b'::tsvector, 1) AS no_positions;
-- the words index's own count of the entries a query selects (phase 0
-- decides by it): as many as the rows the index condition selects, phrases
-- and -words counted as their words (an upper bound), the tenant's own only
VACUUM convdash.messages;    -- the re-indexing above left dead rows' entries, which count too
CREATE FUNCTION pg_temp.words_rows(acct bigint, q text) RETURNS bigint
LANGUAGE sql AS $$
	SELECT count(*) FROM convdash.messages m
	WHERE m.account_id = acct AND m.words @@ convdash.words_query(acct, (SELECT a.search_config FROM convdash.accounts a WHERE a.id = acct), q)
$$;
CREATE FUNCTION pg_temp.words_count(acct bigint, q text) RETURNS bigint
LANGUAGE sql AS $$
	SELECT convdash.words_index_count(convdash.words_query(acct, (SELECT a.search_config FROM convdash.accounts a WHERE a.id = acct), q))
$$;
SELECT pg_temp.words_count(:wa, 'refund') AS refund_count, pg_temp.words_count(:wa, 'refund') = pg_temp.words_rows(:wa, 'refund') AS as_the_rows,
	pg_temp.words_count(:wa, '"number tracking"') AS phrase_as_its_words, pg_temp.words_rows(:wa, '"number tracking"') AS phrase_rows,
	pg_temp.words_count(:wa, 'refund -angry') AS minus_word_counted, pg_temp.words_count(:wa, 'angry or tracking') AS either_word,
	pg_temp.words_count(:wa, 'zebra') AS other_tenant_word_none;
-- only -words: no count (the index would be read whole); no lexemes: 0; NULL: NULL
SELECT pg_temp.words_count(:wa, '-angry') IS NULL AS only_minus_words, pg_temp.words_count(:wa, 'the') AS stop_words_only,
	convdash.words_index_count(NULL) IS NULL AS null_query;
SELECT set_config('convdash.account_id', :'wb', false) \g /dev/null
SELECT pg_temp.words_count(:wb, 'zebra') AS count_as_other_tenant;
SELECT pg_temp.err(format('SELECT convdash.words_index_count(convdash.words_query(%s, %L, %L))', :wa, 'english', 'refund')) AS a_query_as_b;
SELECT set_config('convdash.account_id', :'wa', false) \g /dev/null
-- another tenant's lexemes (one among the own ones too), unqualified ones: errors
SELECT pg_temp.err(format('SELECT convdash.words_index_count(%L::tsquery)', format('''%s/zebra''', :wb))) AS other_tenant_lexeme;
SELECT pg_temp.err(format('SELECT convdash.words_index_count(%L::tsquery)', format('''%s/refund'' & ''%s/zebra''', :wa, :wb))) AS one_foreign_lexeme;
SELECT pg_temp.err($$SELECT convdash.words_index_count('refund'::tsquery)$$) AS unqualified;
SELECT pg_temp.err(format('SELECT convdash.words_index_count(%L::tsquery)', format('''%s1/refund''', :wa))) AS longer_account_id;
-- the rare part of a query that the index is asked for (the common lexemes given)
SELECT q, convdash.words_rare_query(q::tsquery, '{the,and}') AS rare_part FROM unnest(ARRAY['refund & the', 'the & and',
	'refund | track', 'refund | the', 'refund <-> the', 'refund & !track', '!refund', 'the & (refund | track)',
	'(refund & the) | (track & and)', 'ref:* & the', 'ref:* & refund', 'it''s\\ & the']) q;
SELECT convdash.words_rare_query('refund & the', NULL) AS no_statistics_all_rare, convdash.words_rare_query('', '{}') AS no_lexemes,
	convdash.words_rare_query(NULL, '{}') IS NULL AS null_query, convdash.words_rare_query('refund & the', '{the,NULL}') AS null_common_skipped;
-- filters combine
SELECT pg_temp.hits(convdash.list_conversations(q => 'refund', match => 'words', agent_id => ARRAY[:ag_ship]::bigint[])) AS with_agent_filter;
SELECT pg_temp.hits(convdash.list_conversations(q => 'refund', match => 'words', date_from => '2026-03-03')) AS with_date_filter;
SELECT pg_temp.hits(convdash.list_conversations(q => 'refund', match => 'words', sort => 'agent', "order" => 'asc')) AS agent_sort;

-- relevance: best first, ties by started_at then id, both orders
SELECT pg_temp.w('refund', 'relevance') AS relevance_desc;
SELECT pg_temp.hits(convdash.list_conversations(q => 'refund', match => 'words', sort => 'relevance', "order" => 'asc')) AS relevance_asc;
SELECT pg_temp.w('shipping or refund', 'relevance') AS relevance_agent_and_messages;
-- the cursor walk, one row a page, gives the same rows as one page
CREATE FUNCTION pg_temp.walk(q text, dir text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	page jsonb;
	cur text;
	got text := '';
BEGIN
	LOOP
		page := convdash.list_conversations(q => q, match => 'words', sort => 'relevance', "order" => dir, "limit" => 1, cursor => cur);
		got := got || coalesce(page #>> '{data,0,session_id}', '-') || ' ';
		cur := page ->> 'next_cursor';
		EXIT WHEN cur IS NULL;
	END LOOP;
	RETURN btrim(got);
END
$$;
SELECT pg_temp.walk('refund', 'desc') AS walk_desc, pg_temp.walk('refund', 'asc') AS walk_asc;
SELECT pg_temp.walk('shipping or refund or tracking', 'desc') AS walk_mixed;
-- ranking rank by rank (date walks over each rank's conversations) gives
-- the page of one sort of them all (walks 0), with filters and cursors too
CREATE FUNCTION pg_temp.rel_args(q text, extra jsonb DEFAULT '{}') RETURNS convdash.list_args
LANGUAGE sql AS $$
	SELECT convdash.list_words_args(jsonb_populate_record(NULL::convdash.list_args,
		jsonb_build_object('account_id', current_setting('convdash.account_id')::bigint, 'term', q, 'mode', 'words') || extra))
$$;
SELECT count(*) AS cases, count(*) FILTER (WHERE same_page) AS same_pages FROM (
	SELECT (SELECT row(r.*)::text FROM convdash.list_relevance(pg_temp.rel_args(q, x.extra), d, n, 10000, 6) r)
		= (SELECT row(r.*)::text FROM convdash.list_relevance(pg_temp.rel_args(q, x.extra), d, n, 10000, 0) r) AS same_page
	FROM unnest(ARRAY['refund', 'refund or tracking', 'number']) q, unnest(ARRAY['desc', 'asc']) d, unnest(ARRAY[1, 2, 50]) n,
		unnest(ARRAY['{}', format('{"agents": [%s]}', :ag_sales), '{"cursor_k": "0.1", "cursor_t": "2026-03-02T10:00:00Z", "cursor_id": 0}']::jsonb[]) x(extra)) c;
SELECT count(*) AS cases, count(*) FILTER (WHERE (SELECT cardinality(r.ids) FROM convdash.list_relevance(pg_temp.rel_args(q), d, 50, 10000, 6) r) > 0) AS with_rows
FROM unnest(ARRAY['refund', 'refund or tracking', 'number']) q, unnest(ARRAY['desc', 'asc']) d;
-- a bounded ranking: with at most 1 message ranked, fewer rows
SET convdash.search_rank_limit = 1;
SELECT jsonb_array_length(convdash.list_conversations(q => 'refund', match => 'words', sort => 'relevance') -> 'data') AS bounded;
RESET convdash.search_rank_limit;
-- every phase of the words search: with a probe of 1 the index's count
-- still fits under 40 probes, so phase 0 collects; with 1 candidate
-- allowed the walk (phase 3); the oracle (test/oracle) draws both settings
-- over counts on both sides of them
SET convdash.search_probe = 1;
SELECT pg_temp.w('refund') AS phase_0_counted;
SET convdash.search_candidates = 1;
SELECT pg_temp.w('refund') AS phase_3;
RESET convdash.search_probe;
RESET convdash.search_candidates;

-- marks: what each hit highlights (stems included)
SELECT pg_temp.marked(convdash.list_conversations(q => 'refund', match => 'words')) AS words_marks;
SELECT pg_temp.marked(convdash.list_conversations(q => '"tracking number"', match => 'words')) AS phrase_marks;
SELECT pg_temp.marked(convdash.list_conversations(q => 'ship', match => 'words')) AS agent_marks;
SELECT pg_temp.marked(convdash.list_conversations(q => 'refund')) AS substring_marks;
SELECT pg_temp.marked(convdash.list_conversations(q => 'w-')) AS session_marks;
SELECT pg_temp.marked(convdash.list_conversations(q => 'bot')) AS agent_substring_marks;
SELECT convdash.list_conversations(q => 'twice', match => 'words') #> '{data,0,match}' AS words_match;
SELECT convdash.substring_marks('aAaA', 'aa') AS non_overlapping, convdash.substring_marks('Straße', 'SS') AS no_folding, convdash.substring_marks('ÜüÜ', 'ü') AS beyond_ascii;
SELECT convdash.words_marks('english', 'Refunds and REFUNDED, refund', websearch_to_tsquery('english', 'refund')) AS stems_marked;
SELECT convdash.words_hit('simple', repeat('word ', 30) || 'needle ' || repeat('tail ', 40), websearch_to_tsquery('simple', 'needle')) AS cut_snippet;

-- suggestions: only on an empty first page, the tenant's names and sessions
SELECT convdash.list_conversations(q => 'Shiping Bot', match => 'words') -> 'suggestions' AS misspelt_agent;
SELECT convdash.list_conversations(q => 'w-5x') -> 'suggestions' AS session_like;
SELECT convdash.list_conversations(q => 'Refund Dsk') -> 'suggestions' AS other_tenant_agent_never;
SELECT convdash.list_conversations(q => 'refund', match => 'words') ? 'suggestions' AS not_on_hits;
SELECT convdash.list_conversations(q => 'qqqqqq') -> 'suggestions' AS nothing_alike;

-- bad inputs
SELECT pg_temp.err($$SELECT convdash.list_conversations(q => 'x', match => 'regex')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(sort => 'relevance')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(q => 'x', sort => 'relevance')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(match => 'words')$$) AS match_without_q_ignored;
SELECT pg_temp.err(format($$SELECT convdash.list_conversations(q => 'refund', cursor => %L)$$,
	convdash.list_conversations(q => 'refund', match => 'words', "limit" => 1) ->> 'next_cursor')) AS words_cursor_not_for_substring;
SELECT pg_temp.err(format($$SELECT convdash.list_conversations(q => 'refund', match => 'words', cursor => %L)$$,
	convdash.list_conversations(q => 'refund', match => 'words', sort => 'relevance', "limit" => 1) ->> 'next_cursor')) AS relevance_cursor_not_for_date;
SELECT pg_temp.err($$SELECT convdash.set_account_search_config(1, NULL)$$);
SELECT pg_temp.err($$SELECT convdash.set_account_search_config(-1, 'english')$$);
SELECT pg_temp.err($$SELECT convdash.set_account_search_config(1, 'klingon')$$);
SELECT pg_temp.err($$SELECT convdash.search_reindex_step(-1)$$);
SELECT pg_temp.err(format('SELECT convdash.search_reindex_step(%s, 0)', :wa));

-- language per account: B stems German, A's English is unchanged
SELECT convdash.set_account_search_config(:wb, 'german');
SET client_min_messages = warning;
CALL convdash.search_reindex(:wb);
RESET client_min_messages;
SELECT set_config('convdash.account_id', :'wb', false) \g /dev/null
SELECT pg_temp.w('Rückerstattungen') AS german_stems;
SELECT pg_temp.w('Desk') AS german_agent_name;
SELECT set_config('convdash.account_id', :'wa', false) \g /dev/null
SELECT pg_temp.w('refunds') AS english_still;

-- relevance when the matching agent's conversations partly mention it too:
-- those rank as the agent plus the message, the others as the agent alone
-- (by date among them). Walked a row a page, both orders give what one page
-- gives (the oracle found the agent's walk taking its first rows by date
-- whatever their rank: a page of the agent alone skipped to the higher rank)
SELECT convdash.create_account('Words C') AS wc \gset
SELECT set_config('convdash.account_id', :'wc', false) \g /dev/null
SELECT convdash.create_agent('Nova') AS ag_nova \gset
SELECT convdash.start_conversation(:ag_nova, 'n-' || i, 'web', 'ai', format('2026-04-0%sT10:00:00Z', i)::timestamptz)
FROM generate_series(1, 6) i \g /dev/null
SELECT convdash.append_message(c.id, 'user', CASE WHEN c.session_id IN ('n-1', 'n-2') THEN 'thanks Nova' ELSE 'hello' END)
FROM convdash.conversations c WHERE c.account_id = :wc \g /dev/null
SELECT pg_temp.w('nova', 'relevance') AS agent_and_message_first;
SELECT pg_temp.walk('nova', 'asc') AS walk_asc, pg_temp.walk('nova', 'desc') AS walk_desc;
SELECT pg_temp.walk('nova', 'asc') = (SELECT string_agg(e ->> 'session_id', ' ' ORDER BY o)
	FROM jsonb_array_elements(convdash.list_conversations(q => 'nova', match => 'words', sort => 'relevance', "order" => 'asc') -> 'data')
		WITH ORDINALITY x(e, o)) AS asc_walk_is_one_page;
