-- convdash.list_conversations without search: filters, sorts, keyset pages,
-- totals, cursor validation, every parameter error, tenancy.
\set QUIET on
\i test/regress/include/err.sql
\i test/regress/include/list_fixture.sql
\set QUIET off

-- default: newest first, every row field
SELECT jsonb_pretty(convdash.list_conversations("limit" => 2) #- '{next_cursor}'
	#- '{data,0,id}' #- '{data,1,id}' #- '{data,0,agent,id}' #- '{data,1,agent,id}');
SELECT pg_temp.sessions(convdash.list_conversations());
SELECT (convdash.list_conversations() -> 'data' -> 0 ->> 'id')::bigint = max(id) AS first_is_newest_id
FROM convdash.conversations WHERE account_id = :acct AND started_at = '2026-03-07 09:00:00+00';

-- every sort both ways (ties by id in the same direction; unrated last both ways)
SELECT s AS sort, d AS "order", pg_temp.sessions(convdash.list_conversations(sort => s, "order" => d))
FROM unnest('{date,agent,status,messages,rating}'::text[]) WITH ORDINALITY AS x(s, i),
	unnest('{asc,desc}'::text[]) AS d
ORDER BY i, d;

-- keyset pages: every sort, both ways, pages of 3 give the same rows as one page
SELECT s AS sort, d AS "order", pg_temp.walk(s, d, 3) AS pages,
	replace(pg_temp.walk(s, d, 3), ' | ', ' ') = pg_temp.sessions(convdash.list_conversations(sort => s, "order" => d)) AS same
FROM unnest('{date,agent,status,messages,rating}'::text[]) WITH ORDINALITY AS x(s, i),
	unnest('{asc,desc}'::text[]) AS d
ORDER BY i, d;
SELECT pg_temp.walk('rating', 'asc', 1) AS one_per_page;
SELECT pg_temp.walk('status', 'desc', 4, status => '{closed,archived}') AS filtered_pages;

-- filters (any of within one, AND across)
SELECT pg_temp.sessions(convdash.list_conversations(status => '{active}')) AS active;
SELECT pg_temp.sessions(convdash.list_conversations(status => '{archived,active}')) AS archived_or_active;
SELECT pg_temp.sessions(convdash.list_conversations(status => '{}')) AS empty_status_is_no_filter;
SELECT pg_temp.sessions(convdash.list_conversations(channel => '{voip,web}')) AS voip_or_web;
SELECT pg_temp.sessions(convdash.list_conversations(agent_id => ARRAY[:zed, :mid]::bigint[])) AS zed_or_mid;
SELECT pg_temp.sessions(convdash.list_conversations(agent_id => ARRAY[:alpha, :alpha]::bigint[], sort => 'agent')) AS alpha_twice;
SELECT pg_temp.sessions(convdash.list_conversations(agent_id => ARRAY[-1, 0, 123456789]::bigint[])) AS unknown_agents;
SELECT pg_temp.sessions(convdash.list_conversations(min_rating => 1)) AS rated;
SELECT pg_temp.sessions(convdash.list_conversations(min_rating => 4)) AS four_plus;
SELECT pg_temp.sessions(convdash.list_conversations(min_rating => 5, sort => 'rating', "order" => 'asc')) AS fives;
SELECT pg_temp.sessions(convdash.list_conversations(status => '{closed}', channel => '{widget,voip,whatsapp}',
	min_rating => 3, sort => 'messages')) AS combined;
-- dates are calendar days in the account's zone (Europe/Berlin, UTC+1 in March):
-- call-0002 starts 22:30 UTC = 23:30 on March 1st, wid-0003 23:30 UTC = 00:30 on March 2nd
SELECT pg_temp.sessions(convdash.list_conversations(date_from => '2026-03-01', date_to => '2026-03-01')) AS march_1;
SELECT pg_temp.sessions(convdash.list_conversations(date_from => '2026-03-02', date_to => '2026-03-03')) AS march_2_3;
SELECT pg_temp.sessions(convdash.list_conversations(date_from => '2026-03-06')) AS from_march_6;
SELECT pg_temp.sessions(convdash.list_conversations(date_to => '2026-03-01', "order" => 'asc')) AS to_march_1;
SELECT pg_temp.sessions(convdash.list_conversations(date_from => '2027-01-01')) AS future;
SELECT pg_temp.walk('agent', 'asc', 2, status => '{closed}', channel => '{widget,voip,whatsapp,messenger}') AS filtered_agent_pages;

-- totals only when asked, exact under filters, the same on every page
SELECT convdash.list_conversations("limit" => 1) ? 'total' AS total_unasked;
SELECT convdash.list_conversations("limit" => 1, with_total => true) -> 'total' AS total;
SELECT convdash.list_conversations("limit" => 1, with_total => true, status => '{closed}', min_rating => 3) -> 'total' AS filtered_total;
SELECT convdash.list_conversations("limit" => 2, with_total => true,
	cursor => convdash.list_conversations("limit" => 2) ->> 'next_cursor') -> 'total' AS second_page_total;
-- the last page has no next cursor, also when it is exactly full
SELECT convdash.list_conversations("limit" => 11) -> 'next_cursor' AS full_last_page;
SELECT convdash.list_conversations("limit" => 200) -> 'next_cursor' AS short_page;
SELECT jsonb_array_length(convdash.list_conversations("limit" => 10) -> 'data') AS ten,
	convdash.list_conversations("limit" => 10) -> 'next_cursor' IS NOT NULL AS has_next;

-- the cursor is opaque, signed and bound to tenant, filters, sort and order
SELECT convdash.list_conversations("limit" => 2) ->> 'next_cursor' AS cur \gset
SELECT :'cur' ~ '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' AS url_safe;
SELECT pg_temp.sessions(convdash.list_conversations("limit" => 3, cursor => :'cur')) AS after_cursor;
SELECT pg_temp.err($$SELECT convdash.list_conversations(cursor => 'garbage')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(cursor => '')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(cursor => 'a.b.c')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(cursor => '!!!.???')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(cursor => 'A.B')$$);
SELECT pg_temp.err(format('SELECT convdash.list_conversations(cursor => %L)', repeat('A', 2000) || '.AAAA'));
-- one character changed in the payload or the signature
SELECT pg_temp.err(format('SELECT convdash.list_conversations(cursor => %L)',
	overlay(:'cur' placing CASE WHEN substr(:'cur', 5, 1) = 'A' THEN 'B' ELSE 'A' END from 5 for 1)));
SELECT pg_temp.err(format('SELECT convdash.list_conversations(cursor => %L)',
	overlay(:'cur' placing CASE WHEN right(:'cur', 1) = 'A' THEN 'B' ELSE 'A' END from length(:'cur') for 1)));
-- a forged payload with the signature of another cursor
SELECT pg_temp.err(format('SELECT convdash.list_conversations(cursor => %L)',
	convdash.base64url(convert_to('{"i": 1, "k": "2026-03-05T09:00:00.000000Z"}', 'UTF8')) || '.' || split_part(:'cur', '.', 2)));
-- the same cursor with another query
SELECT pg_temp.err(format('SELECT convdash.list_conversations(cursor => %L, "order" => %L)', :'cur', 'asc'));
SELECT pg_temp.err(format('SELECT convdash.list_conversations(cursor => %L, sort => %L)', :'cur', 'messages'));
SELECT pg_temp.err(format('SELECT convdash.list_conversations(cursor => %L, status => %L)', :'cur', '{closed}'));
SELECT pg_temp.err(format('SELECT convdash.list_conversations(cursor => %L, date_from => %L)', :'cur', '2026-03-01'));
SELECT pg_temp.err(format('SELECT convdash.list_conversations(cursor => %L, q => %L)', :'cur', 'refund'));
-- ... but not with another page size, and filters given in another order are the same filters
SELECT pg_temp.sessions(convdash.list_conversations("limit" => 1, cursor => :'cur')) AS other_limit;
SELECT convdash.list_conversations(status => '{closed,active}', "limit" => 2) ->> 'next_cursor' AS cur2 \gset
SELECT pg_temp.sessions(convdash.list_conversations(status => '{active,closed,active}', "limit" => 2, cursor => :'cur2')) AS same_filter_other_order;
-- another tenant cannot use it
SELECT set_config('convdash.account_id', :'other', false) AS tenant \gset
SELECT pg_temp.err(format('SELECT convdash.list_conversations(cursor => %L)', :'cur'));
SELECT pg_temp.sessions(convdash.list_conversations()) AS other_tenant_sees;
SELECT set_config('convdash.account_id', :'acct', false) AS tenant \gset

-- bad parameters: 22023 naming the parameter
SELECT pg_temp.err($$SELECT convdash.list_conversations(sort => 'name')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(sort => '')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations("order" => 'up')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations("order" => 'DESC')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(status => '{open}')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(status => '{closed,NULL}')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(channel => '{fax}')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(channel => '{Web}')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(agent_id => '{1,NULL}')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(min_rating => 0)$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(min_rating => 6)$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(date_from => 'yesterday')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(date_from => '2026-02-30')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(date_to => '2026-13-01')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(date_to => '2026-3-1')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(date_to => '2026-03-01T00:00')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations(date_from => '2026-03-02', date_to => '2026-03-01')$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations("limit" => 0)$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations("limit" => 201)$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations("limit" => 500)$$);
SELECT pg_temp.err($$SELECT convdash.list_conversations("limit" => -1)$$);
-- NULL means the default
SELECT pg_temp.sessions(convdash.list_conversations(sort => NULL, "order" => NULL, "limit" => NULL)) AS nulls_are_defaults;

-- A status or rating sort has a branch per value the filters and the cursor
-- keep, in sort order; none kept (a minimum rating of 5 with a cursor among
-- rating 4, which no page of that list makes) is one branch without rows
CREATE TEMP TABLE branch_args AS
SELECT convdash.list_filters(:acct, '{closed,archived}', NULL, NULL, 5, NULL, NULL, NULL, 'rating', 'desc', 50) AS a;
SELECT cardinality(convdash.list_branches_sql(a, 'rating', 'desc', '', false, '51')) AS rating_branches,
	cardinality(convdash.list_branches_sql(a, 'status', 'asc', '', false, '51')) AS status_branches
FROM branch_args;
UPDATE branch_args SET a.cursor_k = 'closed', a.cursor_t = '2026-03-01T00:00:00.000000Z', a.cursor_id = 1;
SELECT cardinality(convdash.list_branches_sql(a, 'status', 'asc', '', false, '51')) AS status_branches_from_closed,
	cardinality(convdash.list_branches_sql(a, 'status', 'desc', '', false, '51')) AS status_branches_down_from_closed
FROM branch_args;
UPDATE branch_args SET a.cursor_k = '1';    -- rating 4's place when descending
SELECT cardinality(b) AS branches, (convdash.list_exec(convdash.list_rows_sql(b[1]), a)).n AS rows_of_none_kept
FROM branch_args, LATERAL convdash.list_branches_sql(a, 'rating', 'desc', '', false, '51') b;

-- no tenant: 42501; the service role may call it; BI readers may not
SELECT set_config('convdash.account_id', '', false) AS tenant \gset
SELECT pg_temp.err($$SELECT convdash.list_conversations()$$);
SELECT set_config('convdash.account_id', :'acct', false) AS tenant \gset
SET ROLE convdash_api;
SELECT pg_temp.sessions(convdash.list_conversations(status => '{archived}')) AS as_service;
RESET ROLE;
SET ROLE convdash_reader;
SELECT pg_temp.err($$SELECT convdash.list_conversations()$$);
RESET ROLE;
