-- rate_conversation and remove_rating: replacing, idempotent removal, the list's copy, every error.
\i test/regress/include/detail_setup.sql

-- The rating as the detail shows it (rated_at checked for presence), and the list's copy.
CREATE FUNCTION pg_temp.rating_of(conversation bigint) RETURNS text
LANGUAGE sql AS $$
	SELECT format('detail %s, rated_at %s, list copy %s',
		CASE WHEN d->'rating' = 'null' THEN 'null' ELSE ((d->'rating') - 'rated_at')::text END,
		CASE WHEN d#>>'{rating,rated_at}' IS NULL THEN 'absent' ELSE 'present' END,
		coalesce(c.rating::text, 'null'))
	FROM convdash.conversation_detail(conversation) AS d, convdash.conversations c
	WHERE c.account_id = convdash.require_account() AND c.id = conversation
$$;

-- rate an unrated conversation, then rate again: the new rating replaces the old one
SELECT pg_temp.rating_of(:c_active) AS before;
SELECT convdash.rate_conversation(:c_active, 5, 'Great help') = :c_active AS returns_id;
SELECT pg_temp.rating_of(:c_active) AS rated;
SELECT rated_at AS first_rated_at FROM convdash.ratings WHERE account_id = :acct AND conversation_id = :c_active \gset
SELECT convdash.rate_conversation(:c_active, 2) = :c_active AS returns_id;
SELECT pg_temp.rating_of(:c_active) AS rerated;
SELECT count(*) AS rating_rows, bool_and(rated_at >= :'first_rated_at') AS rated_at_moved
FROM convdash.ratings WHERE account_id = :acct AND conversation_id = :c_active;
-- comments are trimmed; a blank comment is no comment; 5,000 characters fit
SELECT convdash.rate_conversation(:c_active, 3, '  Fine, thanks  ') IS NOT NULL AS ok;
SELECT pg_temp.rating_of(:c_active) AS trimmed;
SELECT convdash.rate_conversation(:c_active, 3, '   ') IS NOT NULL AS ok;
SELECT pg_temp.rating_of(:c_active) AS blank;
SELECT convdash.rate_conversation(:c_active, 1, repeat('x', 5000)) IS NOT NULL AS ok;
SELECT length(convdash.conversation_detail(:c_active)#>>'{rating,comment}') AS comment_length;
-- archived and ongoing conversations can be rated too
SELECT convdash.rate_conversation(:c_archived, 5, 'Late but kind') IS NOT NULL AS ok;
SELECT pg_temp.rating_of(:c_archived) AS archived;

-- the list's rating sort and minimum-rating filter see each change at once (unrated last)
CREATE FUNCTION pg_temp.listed(list jsonb) RETURNS text
LANGUAGE sql AS $$
	SELECT coalesce(string_agg(format('%s=%s', r->>'session_id', coalesce(r->>'rating', '-')), ', ' ORDER BY n), '(none)')
	FROM jsonb_array_elements(list->'data') WITH ORDINALITY AS x(r, n)
$$;
SELECT pg_temp.listed(convdash.list_conversations(sort => 'rating')) AS by_rating_desc,
	pg_temp.listed(convdash.list_conversations(sort => 'rating', "order" => 'asc')) AS by_rating_asc;
SELECT convdash.rate_conversation(:c_long, 4) IS NOT NULL AS ok;
SELECT pg_temp.listed(convdash.list_conversations(min_rating => 4, sort => 'rating')) AS min_rating_4;
SELECT convdash.remove_rating(:c_archived) AS removed;
SELECT pg_temp.listed(convdash.list_conversations(min_rating => 4, sort => 'rating')) AS min_rating_4;
SELECT string_agg(format('%s=%s', conversation_id = :c_long, rating), ', ' ORDER BY conversation_id) AS bi_view_min_4
FROM convdash.v_conversations WHERE account_id = :acct AND rating >= 4;

-- removal is idempotent: true when there was a rating, false (not an error) after
SELECT convdash.remove_rating(:c_active) AS removed;
SELECT pg_temp.rating_of(:c_active) AS after_removal;
SELECT convdash.remove_rating(:c_active) AS removed_again;
SELECT convdash.remove_rating(:c_voice) AS never_rated;
SELECT count(*) AS rating_rows FROM convdash.ratings WHERE account_id = :acct AND conversation_id = :c_active;
-- a removed rating can be given again
SELECT convdash.rate_conversation(:c_active, 4, 'Second thoughts') IS NOT NULL AS ok;
SELECT pg_temp.rating_of(:c_active) AS rated_again;

-- errors change nothing: bad score, long comment, unknown/foreign/NULL conversation, no tenant
SELECT pg_temp.err(format('SELECT convdash.rate_conversation(%s, %s)', :c_active, s))
FROM unnest(ARRAY['0', '6', '-1', '2147483647', 'NULL']) AS s;
SELECT pg_temp.err(format('SELECT convdash.rate_conversation(%s, 5, repeat(%L, 5001))', :c_active, 'x'));
SELECT pg_temp.err($$SELECT convdash.rate_conversation(-1, 5)$$);
SELECT pg_temp.err(format('SELECT convdash.rate_conversation(%s, 5)', :foreign_c));
SELECT pg_temp.err($$SELECT convdash.rate_conversation(NULL, 5)$$);
SELECT pg_temp.err($$SELECT convdash.remove_rating(-1)$$);
SELECT pg_temp.err(format('SELECT convdash.remove_rating(%s)', :foreign_c));
SELECT pg_temp.err($$SELECT convdash.remove_rating(NULL)$$);
SELECT pg_temp.rating_of(:c_active) AS unchanged;
BEGIN;
SELECT set_config('convdash.account_id', '', true) AS tenant \gset
SELECT pg_temp.err(format('SELECT convdash.rate_conversation(%s, 5)', :c_active));
SELECT pg_temp.err(format('SELECT convdash.remove_rating(%s)', :c_active));
ROLLBACK;
-- another tenant can neither rate nor unrate this tenant's conversation
BEGIN;
SELECT set_config('convdash.account_id', :'other', true) AS tenant \gset
SELECT pg_temp.err(format('SELECT convdash.remove_rating(%s)', :c_active));
SELECT convdash.rate_conversation(:foreign_c, 1) IS NOT NULL AS own_ok;
ROLLBACK;
SELECT pg_temp.rating_of(:c_active) AS still_unchanged;

-- the API role may rate and unrate, the BI role may not
BEGIN;
SET LOCAL ROLE convdash_api;
SELECT convdash.rate_conversation(:c_voice, 2) IS NOT NULL AS api_rates, convdash.remove_rating(:c_voice) AS api_removes;
ROLLBACK;
BEGIN;
SET LOCAL ROLE convdash_reader;
SELECT pg_temp.err(format('SELECT convdash.rate_conversation(%s, 5)', :c_voice));
SELECT pg_temp.err(format('SELECT convdash.remove_rating(%s)', :c_voice));
ROLLBACK;

-- the list's copy and the ratings table still agree
SELECT count(*) AS counter_problems FROM convdash.check_counters() WHERE account_id = :acct;
