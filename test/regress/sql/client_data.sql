-- client_data: summary grid, memory as stored, tracker session, pageviews, events, triggers; every error.
\i test/regress/include/detail_setup.sql

-- with a tracker session: pageviews, events (no triggers) and triggers in time order
SELECT convdash.client_data(:c_closed) AS cd \gset
SELECT jsonb_pretty(:'cd'::jsonb #- '{session,id}') AS client_data;
SELECT (:'cd'::jsonb#>>'{session,id}')::bigint = :ts AS session_id_ok;
-- memory exactly as stored (types, nesting, false and strings that look like numbers)
SELECT :'cd'::jsonb->'memory' = memory AS memory_as_stored
FROM convdash.conversations WHERE account_id = :acct AND id = :c_closed;

-- a linked session with no pageviews or events: empty lists, unknown facts null
SELECT jsonb_pretty(cd #- '{session,id}' #- '{session,started_at}') AS client_data
FROM convdash.client_data(:c_voice) AS cd;

-- no tracker session and empty memory: session null, empty lists; Ongoing and Not analyzed in the grid
SELECT jsonb_pretty(convdash.client_data(:c_active)) AS client_data;
-- the long one: days in the grid's duration, only shown messages counted
SELECT cd->'conversation' AS grid, cd->'session' AS session FROM convdash.client_data(:c_long) AS cd;

-- unlinking the session removes its data from the answer; relinking brings it back
SELECT convdash.link_tracker_session(:c_closed, NULL) IS NOT NULL AS unlinked;
SELECT cd->'session' AS session, cd->'pageviews' AS pageviews, cd->'events' AS events, cd->'triggers' AS triggers
FROM convdash.client_data(:c_closed) AS cd;
SELECT convdash.link_tracker_session(:c_closed, :ts) IS NOT NULL AS relinked;
SELECT jsonb_array_length(cd->'pageviews') AS pageviews, jsonb_array_length(cd->'events') AS events,
	jsonb_array_length(cd->'triggers') AS triggers
FROM convdash.client_data(:c_closed) AS cd;

-- errors: unknown, foreign and NULL conversation; no tenant
SELECT pg_temp.err($$SELECT convdash.client_data(-1)$$);
SELECT pg_temp.err(format('SELECT convdash.client_data(%s)', :foreign_c));
SELECT pg_temp.err($$SELECT convdash.client_data(NULL)$$);
BEGIN;
SELECT set_config('convdash.account_id', '', true) AS tenant \gset
SELECT pg_temp.err(format('SELECT convdash.client_data(%s)', :c_closed));
ROLLBACK;
-- the other tenant sees its own session data only
BEGIN;
SELECT set_config('convdash.account_id', :'other', true) AS tenant \gset
SELECT cd->'conversation'->>'session_id' AS session_id, cd#>>'{session,device}' AS device,
	(cd#>>'{session,id}')::bigint = :foreign_ts AS session_ok
FROM convdash.client_data(:foreign_c) AS cd;
SELECT pg_temp.err(format('SELECT convdash.client_data(%s)', :c_closed));
ROLLBACK;
BEGIN;
SET LOCAL ROLE convdash_api;
SELECT convdash.client_data(:c_closed)->'conversation'->>'session_id' AS as_api;
ROLLBACK;
