-- Tenancy: row-level security hides and protects other tenants' rows from
-- the service and BI roles, also through direct SQL; no tenant, no rows.
\set QUIET on
\i test/regress/include/err.sql
\set QUIET off

SELECT convdash.create_account('Tenant A') AS a \gset
SELECT convdash.create_account('Tenant B') AS b \gset
SELECT set_config('convdash.account_id', :'a', false) AS tenant \gset
SELECT convdash.create_agent('Agent A') AS agent_a \gset
SELECT convdash.start_conversation(:agent_a, 'a-session', 'web', 'ai', '2026-04-01 10:00:00+00') AS conv_a \gset
SELECT convdash.append_message(:conv_a, 'user', 'secret of A', 1, 1, '2026-04-01 10:00:01+00') AS msg_a \gset
SELECT convdash.rate_conversation(:conv_a, 4, 'A liked it') IS NOT NULL AS rated;
SELECT convdash.create_tracker_session('desktop') AS ts_a \gset
SELECT convdash.add_pageview(:ts_a, 'https://a.example/') IS NOT NULL AS pageview;
SELECT convdash.add_event(:ts_a, 'click', 'ui') IS NOT NULL AS event;
SELECT set_config('convdash.account_id', :'b', false) AS tenant \gset
SELECT convdash.create_agent('Agent B') AS agent_b \gset
SELECT convdash.start_conversation(:agent_b, 'b-session', 'telegram', 'ai', '2026-04-01 11:00:00+00') AS conv_b \gset
SELECT convdash.append_message(:conv_b, 'user', 'secret of B') IS NOT NULL AS appended;
RESET convdash.account_id;

-- a login role for the service, as an admin would create it
CREATE ROLE regress_service LOGIN IN ROLE convdash_api;
CREATE ROLE regress_bi LOGIN IN ROLE convdash_reader;

SET ROLE convdash_api;
-- no tenant set: nothing is visible in any table or view
SELECT (SELECT count(*) FROM convdash.accounts) AS accounts,
	(SELECT count(*) FROM convdash.agents) AS agents,
	(SELECT count(*) FROM convdash.conversations) AS conversations,
	(SELECT count(*) FROM convdash.messages) AS messages,
	(SELECT count(*) FROM convdash.ratings) AS ratings,
	(SELECT count(*) FROM convdash.tracker_sessions) AS sessions,
	(SELECT count(*) FROM convdash.tracker_pageviews) AS pageviews,
	(SELECT count(*) FROM convdash.tracker_events) AS events,
	(SELECT count(*) FROM convdash.v_conversations) AS v_conversations;

-- tenant A sees only its own rows
BEGIN;
SELECT set_config('convdash.account_id', :'a', true) AS tenant \gset
SELECT name FROM convdash.accounts ORDER BY name;
SELECT name FROM convdash.agents ORDER BY name;
SELECT session_id FROM convdash.conversations ORDER BY session_id;
SELECT content FROM convdash.messages ORDER BY content;
SELECT agent_name, session_id, rating, rating_comment FROM convdash.v_conversations;
SELECT count(*) AS b_rows_by_id FROM convdash.conversations WHERE id = :conv_b;
-- direct writes are not the service's to make: only the functions write
SELECT pg_temp.err(format('UPDATE convdash.conversations SET message_count = 99 WHERE id = %s', :conv_a));
SELECT pg_temp.err(format('DELETE FROM convdash.messages WHERE id = %s', :msg_a));
SELECT pg_temp.err(format('INSERT INTO convdash.agents (account_id, name) VALUES (%s, %L)', :b, 'Intruder'));
SELECT pg_temp.err('SELECT count(*) FROM convdash.api_keys');
-- functions on B's ids behave as if they did not exist
SELECT pg_temp.err(format('SELECT convdash.append_message(%s, %L, %L)', :conv_b, 'user', 'x'));
SELECT pg_temp.err(format('SELECT convdash.set_converted(%s, true)', :conv_b));
SELECT pg_temp.err(format('SELECT convdash.close_conversation(%s)', :conv_b));
SELECT pg_temp.err(format('SELECT convdash.start_conversation(%s, %L, %L)', :agent_b, 's', 'web'));
-- admin functions are not the service's
SELECT pg_temp.err($$SELECT convdash.create_account('Sneaky')$$);
SELECT pg_temp.err(format('SELECT convdash.create_api_key(%s, %L)', :b, 'steal'));
SELECT pg_temp.err('SELECT count(*) FROM convdash.integrity_check()');
COMMIT;

-- the setting is per transaction: after commit, nothing is visible again
SELECT count(*) AS after_commit FROM convdash.conversations;

-- tenant B sees only B
BEGIN;
SELECT set_config('convdash.account_id', :'b', true) AS tenant \gset
SELECT session_id, channel FROM convdash.conversations ORDER BY session_id;
SELECT content FROM convdash.messages ORDER BY content;
SELECT count(*) AS a_sessions FROM convdash.tracker_sessions;
ROLLBACK;
RESET ROLE;

-- the BI role: read-only, same isolation
SET ROLE convdash_reader;
SELECT count(*) AS no_tenant FROM convdash.v_conversations;
BEGIN;
SELECT set_config('convdash.account_id', :'b', true) AS tenant \gset
SELECT agent_name, session_id, channel, message_count FROM convdash.v_conversations;
SELECT role, content, shown FROM convdash.v_messages;
SELECT pg_temp.err(format('SELECT convdash.append_message(%s, %L, %L)', :conv_b, 'user', 'x'));
SELECT pg_temp.err(format('UPDATE convdash.conversations SET converted = true WHERE id = %s', :conv_b));
ROLLBACK;
RESET ROLE;

-- even a mistaken write grant cannot cross tenants: the policies check writes too
GRANT INSERT, UPDATE, DELETE ON convdash.agents TO regress_service;
SET ROLE regress_service;
BEGIN;
SELECT set_config('convdash.account_id', :'a', true) AS tenant \gset
SELECT pg_temp.err(format('INSERT INTO convdash.agents (account_id, name) VALUES (%s, %L)', :b, 'Intruder'));
WITH u AS (UPDATE convdash.agents SET name = 'Renamed' WHERE account_id = :b RETURNING 1)
SELECT count(*) AS b_agents_updated FROM u;
WITH d AS (DELETE FROM convdash.agents WHERE id = :agent_b RETURNING 1)
SELECT count(*) AS b_agents_deleted FROM d;
SELECT pg_temp.err(format('UPDATE convdash.agents SET account_id = %s WHERE id = %s', :b, :agent_a));
ROLLBACK;
RESET ROLE;
REVOKE INSERT, UPDATE, DELETE ON convdash.agents FROM regress_service;
SELECT name FROM convdash.agents WHERE account_id = :b;

-- API keys: shown once, stored hashed, revocable; the key names its account
SELECT convdash.create_api_key(:a, 'dashboard') AS key_a \gset
SELECT :'key_a' ~ ('^cdk_' || :a || '_[0-9a-f]{64}$') AS well_formed;
SELECT count(*) AS plaintext_stored FROM convdash.api_keys WHERE key_hash = convert_to(:'key_a', 'UTF8') OR label = :'key_a';
SET ROLE convdash_api;
SELECT convdash.authenticate(:'key_a') = :a AS authenticates;
SELECT convdash.authenticate(NULL) IS NULL AS null_key,
	convdash.authenticate('') IS NULL AS empty_key,
	convdash.authenticate('cdk_' || :b || substr(:'key_a', length('cdk_' || :a) + 1)) IS NULL AS other_account_prefix,
	convdash.authenticate(:'key_a' || 'x') IS NULL AS longer,
	convdash.authenticate(upper(:'key_a')) IS NULL AS case_changed,
	convdash.authenticate(repeat('k', 100000)) IS NULL AS huge;
RESET ROLE;
SELECT convdash.revoke_api_key(:'key_a') AS revoked, convdash.revoke_api_key(:'key_a') AS revoked_twice;
SELECT convdash.authenticate(:'key_a') IS NULL AS revoked_key_fails;
SELECT convdash.create_api_key(:a, 'second') AS key_a2 \gset
SELECT convdash.revoke_api_key(:a, (SELECT id FROM convdash.api_keys WHERE account_id = :a AND label = 'second')) AS revoked_by_id;
SELECT convdash.authenticate(:'key_a2') IS NULL AS revoked_by_id_fails;
SELECT pg_temp.err($$SELECT convdash.create_api_key(987654321, 'x')$$);
SELECT pg_temp.err(format('SELECT convdash.create_api_key(%s, %L)', :a, ''));
SELECT pg_temp.err($$SELECT convdash.create_account('')$$);
SELECT pg_temp.err($$SELECT convdash.create_account('Zoned', 'Mars/Olympus')$$);
SELECT pg_temp.err(format('SELECT convdash.set_account_time_zone(%s, %L)', :a, 'Nowhere'));
SELECT pg_temp.err($$SELECT convdash.set_account_time_zone(987654321, 'UTC')$$);
SELECT convdash.set_account_time_zone(:a, 'Europe/Berlin');
SELECT time_zone FROM convdash.accounts WHERE id = :a;

DROP ROLE regress_service;
DROP ROLE regress_bi;
