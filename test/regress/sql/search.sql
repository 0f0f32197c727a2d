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
-- the cursor is bound to the search term
SELECT convdash.list_conversations(q => 'e', "limit" => 2) ->> 'next_cursor' AS cur \gset
SELECT pg_temp.hits(convdash.list_conversations(q => 'e', "limit" => 2, cursor => :'cur')) AS second_page;
SELECT pg_temp.err(format('SELECT convdash.list_conversations(q => %L, cursor => %L)', 'ee', :'cur'));
SELECT pg_temp.err(format('SELECT convdash.list_conversations(cursor => %L)', :'cur'));

-- every phase of the plan gives the same pages: probe only (default), probe
-- then candidates (probe of 1), probe then uncapped walk (1 candidate allowed)
CREATE TEMP TABLE phase_results (setting text, q text, sort text, dir text, pages text);
DO $$
DECLARE
	setting text[];
	q text;
	s text;
	d text;
BEGIN
	FOREACH setting SLICE 1 IN ARRAY ARRAY[['400', '30000'], ['1', '30000'], ['1', '1'], ['2', '3']] LOOP
		PERFORM set_config('convdash.search_probe', setting[1], false);
		PERFORM set_config('convdash.search_candidates', setting[2], false);
		FOREACH q IN ARRAY ARRAY['e', 'refund', 'call', 'bot', 'b', 'qj', 'ok', 'Z'] LOOP
			FOREACH s IN ARRAY ARRAY['date', 'agent', 'status', 'messages', 'rating'] LOOP
				FOREACH d IN ARRAY ARRAY['asc', 'desc'] LOOP
					INSERT INTO phase_results VALUES (array_to_string(setting, '/'), q, s, d, pg_temp.walk(s, d, 2, q));
				END LOOP;
			END LOOP;
		END LOOP;
	END LOOP;
	PERFORM set_config('convdash.search_probe', '', false);
	PERFORM set_config('convdash.search_candidates', '', false);
END
$$;
SELECT count(*) AS cases, count(DISTINCT setting) AS settings,
	count(*) FILTER (WHERE pages <> (SELECT p.pages FROM phase_results p WHERE p.setting = '400/30000'
		AND p.q = r.q AND p.sort = r.sort AND p.dir = r.dir)) AS differing
FROM phase_results r;
SELECT q, sort, dir, pages FROM phase_results WHERE setting = '400/30000' AND sort IN ('date', 'rating') ORDER BY q, sort, dir;

-- the n-gram helpers behind the index: 1- to 4-grams, keys of the tenant
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

-- bad input: 22023 naming the parameter, nothing else happens
SELECT pg_temp.err(format('SELECT convdash.list_conversations(q => %L)', repeat('x', 10240)));
SELECT pg_temp.err(format('SELECT convdash.list_conversations(q => %L)', repeat('é', 201)));
SELECT pg_temp.hits(convdash.list_conversations(q => repeat('x', 200))) AS longest_allowed;
SELECT pg_temp.err($$SELECT convdash.list_conversations(q => 'refund', sort => 'relevance')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(q => 'refund', "limit" => 0)$$);
-- NUL bytes and invalid UTF-8 cannot even become a text value (the HTTP layer rejects them first)
SELECT pg_temp.err($$SELECT convdash.list_conversations(q => E'nul\x00byte')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(q => convert_from('\xff41'::bytea, 'UTF8'))$$);
