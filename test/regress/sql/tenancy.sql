-- Tenancy: a tenant is proven, not declared. The service proves it with an
-- API key (convdash.authenticate installs a claim signed for the transaction),
-- a BI login is bound to its tenant by an admin, an admin chooses any tenant.
-- Every table, view and function is tried across tenants as the service, as
-- a BI login and with forged, replayed and tampered claims.
\set QUIET on
\i test/regress/include/err.sql
\set QUIET off

-- Lists, for every convdash table and view the current role may read, whose
-- rows it sees: A, B, A,B, other (accounts of other tests) or none.
CREATE FUNCTION pg_temp.visible(a bigint, b bigint) RETURNS TABLE (rel name, sees text)
LANGUAGE plpgsql AS $$
DECLARE
	r record;
	ids bigint[];
BEGIN
	FOR r IN
		SELECT c.oid::regclass AS oid, c.relname,
			CASE WHEN c.relname = 'accounts' THEN 'id'
			     WHEN EXISTS (SELECT FROM pg_attribute x WHERE x.attrelid = c.oid AND x.attname = 'account_id')
			     THEN 'account_id' END AS col
		FROM pg_class c
		WHERE c.relnamespace = 'convdash'::regnamespace AND c.relkind IN ('r', 'v')
		  AND has_table_privilege(c.oid, 'SELECT')
		ORDER BY c.relname
	LOOP
		IF r.col IS NULL THEN
			EXECUTE format('SELECT CASE WHEN EXISTS (SELECT FROM %s) THEN ARRAY[0::bigint] END', r.oid) INTO ids;
		ELSE
			EXECUTE format('SELECT array_agg(DISTINCT %I) FROM %s', r.col, r.oid) INTO ids;
		END IF;
		rel := r.relname;
		sees := coalesce(nullif(concat_ws(',',
			CASE WHEN a = ANY (ids) THEN 'A' END,
			CASE WHEN b = ANY (ids) THEN 'B' END,
			CASE WHEN EXISTS (SELECT FROM unnest(ids) x WHERE x NOT IN (a, b)) THEN 'other' END), ''), 'none');
		RETURN NEXT;
	END LOOP;
END
$$;

-- a tiny valid WAV clip (8 samples of 8-bit PCM)
CREATE FUNCTION pg_temp.test_wav() RETURNS bytea LANGUAGE sql AS $$
	SELECT decode('52494646' || '2c000000' || '57415645' || '666d7420' || '10000000' || '0100' || '0100'
		|| '401f0000' || '401f0000' || '0100' || '0800' || '64617461' || '08000000' || '8090a0b0c0d0e0f0', 'hex')
$$;

-- two tenants with a row in every table: agent, conversation, messages,
-- rating, memory, voice clip, tracker session, pageview, event with a
-- trigger, a deleted conversation, an API key
CREATE FUNCTION pg_temp.populate(name text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	acct bigint := convdash.create_account('Tenant ' || name);
	agent bigint;
	conv bigint;
	msg bigint;
	ts bigint;
	gone bigint;
BEGIN
	PERFORM set_config('convdash.account_id', acct::text, true);
	agent := convdash.create_agent('Agent ' || name);
	ts := convdash.create_tracker_session('desktop');
	PERFORM convdash.add_pageview(ts, 'https://' || name || '.example/');
	PERFORM convdash.add_event(ts, 'form', 'submit', trigger_name => 'lead', trigger_action => 'capture',
		trigger_data => jsonb_build_object('email', name || '@example.com'));
	conv := convdash.start_conversation(agent, name || '-session', 'web', 'ai', '2026-04-01 10:00:00+00', ts);
	msg := convdash.append_message(conv, 'user', 'secret of ' || name, 1, 1, '2026-04-01 10:00:01+00');
	PERFORM convdash.attach_audio(msg, 'audio/wav', pg_temp.test_wav(), NULL);
	PERFORM convdash.rate_conversation(conv, 4, name || ' liked it');
	PERFORM convdash.merge_memory(conv, jsonb_build_object('secret', name));
	gone := convdash.start_conversation(agent, name || '-gone', 'web');
	PERFORM convdash.delete_conversation(gone);
	PERFORM convdash.create_api_key(acct, 'key of ' || name);
	PERFORM convdash.set_retention(acct, 'archived', interval '90 days');
	PERFORM convdash.idempotency_begin('retry', 'POST /x');
	PERFORM convdash.idempotency_finish('retry', 201, jsonb_build_object('secret', name));
	RETURN acct;
END
$$;
BEGIN;
SELECT pg_temp.populate('A') AS a \gset
COMMIT;
BEGIN;
SELECT pg_temp.populate('B') AS b \gset
COMMIT;
SELECT convdash.create_api_key(:a, 'dashboard') AS key_a \gset
SELECT convdash.create_api_key(:b, 'dashboard') AS key_b \gset
-- B's ids, as an attacker who guessed them would use them
SELECT c.id AS conv_b, c.agent_id AS agent_b, c.tracker_session_id AS ts_b,
	m.id AS msg_b, ac.id AS clip_b
FROM convdash.conversations c
JOIN convdash.messages m ON m.account_id = c.account_id AND m.conversation_id = c.id
JOIN convdash.audio_clips ac ON ac.account_id = c.account_id AND ac.message_id = m.id
WHERE c.account_id = :b \gset

-- login roles as an admin would create them
CREATE ROLE regress_service LOGIN IN ROLE convdash_api;
CREATE ROLE regress_bi LOGIN;
CREATE ROLE regress_bi_group;
CREATE ROLE regress_bi_member LOGIN IN ROLE regress_bi_group;

-- every function the service or a BI role may call, with B's ids (or
-- another tenant's view of things); the coverage check below fails when a
-- new function is missing here
CREATE TEMP TABLE probes (fn regprocedure PRIMARY KEY, call text NOT NULL);
GRANT SELECT ON probes TO PUBLIC;
INSERT INTO probes VALUES
	('convdash.list_conversations(text[],text[],bigint[],integer,text,text,text,text,text,integer,text,boolean,text)',
		format('SELECT (convdash.list_conversations(agent_id => ARRAY[%1$s]::bigint[], q => %2$L) -> ''data'')
			|| (convdash.list_conversations(agent_id => ARRAY[%1$s]::bigint[], q => %2$L, match => ''words'') -> ''data'')',
			:agent_b, 'secret')),
	('convdash.conversation_detail(bigint)', format('SELECT convdash.conversation_detail(%s)', :conv_b)),
	('convdash.transcript(bigint,integer,integer)', format('SELECT convdash.transcript(%s)', :conv_b)),
	('convdash.client_data(bigint)', format('SELECT convdash.client_data(%s)', :conv_b)),
	('convdash.list_agents()', 'SELECT jsonb_path_query_array(convdash.list_agents(), ''$.data[*].name'')'),
	('convdash.agent(bigint)', format('SELECT convdash.agent(%s)', :agent_b)),
	('convdash.message(bigint)', format('SELECT convdash.message(%s)', :msg_b)),
	('convdash.conversation_audio(bigint)', format('SELECT convdash.conversation_audio(%s)', :conv_b)),
	('convdash.audio_info(bigint)', format('SELECT convdash.audio_info(%s)', :clip_b)),
	('convdash.audio_read(bigint,bigint,integer)', format('SELECT convdash.audio_read(%s, 0, 8)', :clip_b)),
	('convdash.audio_range(bigint,bigint,integer)', format('SELECT convdash.audio_range(%s, 0, 8)', :clip_b)),
	('convdash.audio_peaks(bigint,integer)', format('SELECT convdash.audio_peaks(%s)', :clip_b)),
	('convdash.set_audio_peaks(bigint,real[])', format('SELECT convdash.set_audio_peaks(%s, ARRAY[0.5]::real[])', :clip_b)),
	('convdash.audio_begin(bigint,text,integer)', format('SELECT convdash.audio_begin(%s, %L)', :msg_b, 'audio/wav')),
	('convdash.audio_write(bigint,bytea)', format('SELECT convdash.audio_write(%s, %L::bytea)', :clip_b, '\x00')),
	('convdash.audio_finish(bigint)', format('SELECT convdash.audio_finish(%s)', :clip_b)),
	('convdash.attach_audio(bigint,text,bytea,integer)', format('SELECT convdash.attach_audio(%s, %L, %L::bytea)', :msg_b, 'audio/wav', '\x00')),
	('convdash.create_agent(text,text,text)', 'SELECT convdash.create_agent(''Intruder'') > 0'),
	('convdash.start_conversation(bigint,text,text,text,timestamp with time zone,bigint)',
		format('SELECT convdash.start_conversation(%s, %L, %L)', :agent_b, 's', 'web')),
	('convdash.append_message(bigint,text,text,integer,integer,timestamp with time zone)',
		format('SELECT convdash.append_message(%s, %L, %L)', :conv_b, 'user', 'x')),
	('convdash.close_conversation(bigint,text,timestamp with time zone)', format('SELECT convdash.close_conversation(%s)', :conv_b)),
	('convdash.archive_conversation(bigint)', format('SELECT convdash.archive_conversation(%s)', :conv_b)),
	('convdash.set_sentiment(bigint,text,double precision)', format('SELECT convdash.set_sentiment(%s, %L)', :conv_b, 'negative')),
	('convdash.clear_sentiment(bigint)', format('SELECT convdash.clear_sentiment(%s)', :conv_b)),
	('convdash.set_converted(bigint,boolean)', format('SELECT convdash.set_converted(%s, true)', :conv_b)),
	('convdash.rate_conversation(bigint,integer,text)', format('SELECT convdash.rate_conversation(%s, 1)', :conv_b)),
	('convdash.remove_rating(bigint)', format('SELECT convdash.remove_rating(%s)', :conv_b)),
	('convdash.merge_memory(bigint,jsonb)', format('SELECT convdash.merge_memory(%s, %L)', :conv_b, '{"x":1}')),
	('convdash.link_tracker_session(bigint,bigint)', format('SELECT convdash.link_tracker_session(%s, %s)', :conv_b, :ts_b)),
	('convdash.create_tracker_session(text,text,text,text,text,text,text,text,text,timestamp with time zone,integer,integer,boolean)',
		'SELECT convdash.create_tracker_session(''mobile'') > 0'),
	('convdash.add_pageview(bigint,text,text,integer,integer,timestamp with time zone)',
		format('SELECT convdash.add_pageview(%s, %L)', :ts_b, 'https://x.example/')),
	('convdash.add_event(bigint,text,text,timestamp with time zone,text,text,jsonb)',
		format('SELECT convdash.add_event(%s, %L, %L)', :ts_b, 'click', 'ui')),
	('convdash.delete_conversation(bigint)', format('SELECT convdash.delete_conversation(%s)', :conv_b)),
	('convdash.idempotency_begin(text,text)', 'SELECT convdash.idempotency_begin(''retry'', ''POST /x'') -> ''body'''),
	('convdash.idempotency_finish(text,integer,jsonb)', 'SELECT convdash.idempotency_finish(''retry'', 201, ''{}'')'),
	('convdash.list_filters(bigint,text[],text[],bigint[],integer,text,text,text,text,text,integer,text)',
		format('SELECT (convdash.list_filters(%s, NULL, NULL, NULL, NULL, %L, NULL, NULL, %L, %L, 50)).t_from', :b, '2026-01-01', 'date', 'desc')),
	('convdash.retention_rules()', 'SELECT jsonb_path_query_array(convdash.retention_rules(), ''$.data[*].max_age'')'),
	('convdash.export_ids(text[],text[],bigint[],integer,text,text,text,text,text)',
		format('SELECT count(*) FROM convdash.export_ids(agent_id => ARRAY[%s]::bigint[])', :agent_b)),
	('convdash.export_conversations(text[],text[],bigint[],integer,text,text,text,text,text)',
		format('SELECT count(*) FROM convdash.export_conversations(q => %L)', 'secret of B')),
	('convdash.export_conversations_csv(text[],text[],bigint[],integer,text,text,text,text,text)',
		format('SELECT count(*) FROM convdash.export_conversations_csv(agent_id => ARRAY[%s]::bigint[])', :agent_b)),
	('convdash.export_conversations_json(text[],text[],bigint[],integer,text,text,text,text,text,boolean)',
		format('SELECT count(*) FROM convdash.export_conversations_json(agent_id => ARRAY[%s]::bigint[], include_messages => true)', :agent_b)),
	('convdash.export_batch(bigint[])', format('SELECT count(*) FROM convdash.export_batch(ARRAY[%s]::bigint[])', :conv_b)),
	('convdash.export_transcript(bigint)', format('SELECT convdash.export_transcript(%s)::text', :conv_b)),
	('convdash.delete_conversations(bigint[])', format('SELECT convdash.delete_conversations(ARRAY[%s]::bigint[]) -> ''deleted''', :conv_b)),
	('convdash.events_after(bigint,bigint,integer)', 'SELECT string_agg(DISTINCT type, '','' ORDER BY type) FROM convdash.events_after()'),
	('convdash.events_head()', 'SELECT (convdash.events_head()).id > 0'),
	-- no tenant data: these answer the same to everyone
	('convdash.authenticate(text)', 'SELECT convdash.authenticate(''cdk_1_'' || repeat(''0'', 64))'),
	('convdash.current_account()', 'SELECT convdash.current_account() IS NOT NULL'),
	('convdash.require_account()', 'SELECT convdash.require_account() = convdash.current_account()'),
	('convdash.tenant_source()', 'SELECT convdash.tenant_source()'),
	('convdash.claim_key_id()', 'SELECT convdash.claim_key_id() IS NOT NULL'),
	('convdash.check_time_zone(text)', 'SELECT convdash.check_time_zone(''UTC'')'),
	('convdash.max_clip_bytes()', 'SELECT convdash.max_clip_bytes() > 0'),
	('convdash.list_day_bound(text,text,text,boolean)', 'SELECT convdash.list_day_bound(''2026-01-01'', ''date_from'', ''UTC'', false)'),
	('convdash.agent_json(bigint,text,text,convdash.agent_mode)', 'SELECT convdash.agent_json(NULL, NULL, NULL, NULL)'),
	('convdash.message_json(bigint,convdash.message_role,text,timestamp with time zone,bigint)', 'SELECT convdash.message_json(NULL, NULL, NULL, NULL, NULL)');
-- what a statement answers: its first value as text, or its error
CREATE FUNCTION pg_temp.answer(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	result text;
BEGIN
	EXECUTE stmt INTO result;
	RETURN coalesce(result, 'NULL');
EXCEPTION WHEN OTHERS THEN
	RETURN pg_temp.err(stmt);
END
$$;
-- shows what each probe answers in the current role and transaction
CREATE FUNCTION pg_temp.probe() RETURNS TABLE (fn text, answer text)
LANGUAGE sql AS $$
	SELECT p.fn::text, left(pg_temp.answer(p.call), 90) FROM probes p ORDER BY p.fn::text
$$;

-- coverage: every non-immutable function the service or a BI role may
-- execute is probed (immutable ones read no table)
SELECT p.oid::regprocedure AS unprobed
FROM pg_proc p
WHERE p.pronamespace = 'convdash'::regnamespace AND p.provolatile <> 'i' AND p.prokind = 'f'
  AND (has_function_privilege('convdash_api', p.oid, 'EXECUTE')
       OR has_function_privilege('convdash_reader', p.oid, 'EXECUTE'))
  AND p.oid NOT IN (SELECT fn FROM probes)
ORDER BY 1;

-- 1. The service's login, no key: nothing, whatever it sets
SET SESSION AUTHORIZATION regress_service;
SET ROLE convdash_api;
BEGIN;
SELECT set_config('convdash.account_id', :'b', true) AS declared \gset
SELECT convdash.tenant_source(), convdash.current_account();
SELECT * FROM pg_temp.visible(:a, :b) WHERE sees <> 'none';
SELECT * FROM pg_temp.probe();
ROLLBACK;
-- the claim setting is the database's own: a non-owner cannot set it at all
SELECT pg_temp.err($$SELECT set_config('convdash.claim', '1.1.00', true)$$);
SELECT pg_temp.err($$SET convdash.claim = '1.1.00'$$);

-- 2. The service with A's key: exactly A, and B's ids do not exist
BEGIN;
SELECT convdash.authenticate(:'key_a') = :a AS authenticated;
SELECT convdash.tenant_source(), convdash.current_account() = :a AS is_a,
	convdash.claim_key_id() IS NOT NULL AS has_key_id;
SELECT set_config('convdash.account_id', :'b', true) AS declared \gset
SELECT * FROM pg_temp.visible(:a, :b);
SELECT * FROM pg_temp.probe();
-- direct writes are not the service's to make: only the functions write
SELECT pg_temp.err(format('UPDATE convdash.conversation_counters SET message_count = 99 WHERE account_id = %s', :a));
SELECT pg_temp.err(format('INSERT INTO convdash.agents (account_id, name) VALUES (%s, %L)', :b, 'Intruder'));
SELECT pg_temp.err('SELECT count(*) FROM convdash.api_keys');
SELECT pg_temp.err('SELECT count(*) FROM convdash.installation_secret');
SELECT pg_temp.err('SELECT count(*) FROM convdash.tenant_readers');
-- admin functions are not the service's
SELECT pg_temp.err($$SELECT convdash.create_account('Sneaky')$$);
SELECT pg_temp.err(format('SELECT convdash.create_api_key(%s, %L)', :b, 'steal'));
SELECT pg_temp.err(format('SELECT convdash.grant_tenant_reader(%s, %L)', :b, 'regress_service'));
SELECT pg_temp.err('SELECT count(*) FROM convdash.integrity_check()');
SELECT pg_temp.err(format('SELECT convdash.delete_conversation_rows(%s, ARRAY[%s], %L)', :b, :conv_b, 'x'));
SELECT current_setting('convdash.claim') AS claim_a \gset
ROLLBACK;

-- the claim ends with its transaction
SELECT convdash.tenant_source(), convdash.current_account() IS NULL AS no_tenant;
SELECT * FROM pg_temp.visible(:a, :b) WHERE sees <> 'none';

-- a second key in the same transaction replaces the first
BEGIN;
SELECT convdash.authenticate(:'key_a') = :a AS first_a;
SELECT convdash.authenticate(:'key_b') = :b AS then_b;
SELECT convdash.current_account() = :b AS is_b, session_id FROM convdash.conversations;
-- an unknown key removes nothing but grants nothing either
SELECT convdash.authenticate(:'key_b' || 'x') IS NULL AS bad_key, convdash.current_account() = :b AS still_b;
ROLLBACK;
RESET ROLE;
RESET SESSION AUTHORIZATION;

-- 3. A replayed or tampered claim (only an admin can even set one) is refused
BEGIN;
SELECT set_config('convdash.claim', :'claim_a', true) AS replayed \gset
SELECT convdash.tenant_source(), convdash.current_account() IS NULL AS no_tenant;
SELECT pg_temp.err('SELECT convdash.require_account()');
ROLLBACK;
BEGIN;
SELECT convdash.authenticate(:'key_a') = :a AS authenticated;
SELECT set_config('convdash.claim', regexp_replace(current_setting('convdash.claim'), '^[0-9]+', :'b'), true) AS tampered \gset
SELECT convdash.tenant_source(), convdash.current_account() IS NULL AS no_tenant;
SELECT set_config('convdash.claim', 'garbage', true) AS garbage \gset
SELECT convdash.tenant_source();
ROLLBACK;

-- 4. BI logins: an unbound reader sees nothing, whatever it sets
GRANT convdash_reader TO regress_bi;
SET SESSION AUTHORIZATION regress_bi;
BEGIN;
SELECT set_config('convdash.account_id', :'b', true) AS declared \gset
SELECT convdash.tenant_source();
SELECT * FROM pg_temp.visible(:a, :b) WHERE sees <> 'none';
SELECT pg_temp.err('SELECT convdash.require_account()');
ROLLBACK;
RESET SESSION AUTHORIZATION;

-- bound by an admin, it sees exactly its tenant, whatever it sets
SELECT convdash.grant_tenant_reader(:b, 'regress_bi');
SELECT account_id = :b AS is_b, role, granted_by FROM convdash.tenant_reader_grants WHERE role LIKE 'regress%';
SET SESSION AUTHORIZATION regress_bi;
BEGIN;
SELECT set_config('convdash.account_id', :'a', true) AS declared \gset
SELECT convdash.tenant_source(), convdash.current_account() = :b AS is_b;
SELECT * FROM pg_temp.visible(:a, :b);
SELECT content FROM convdash.messages;
SELECT memory FROM convdash.conversations;
SELECT trigger_data FROM convdash.tracker_events;
SELECT conversation_id IS NOT NULL AS logged FROM convdash.deletion_log;
SELECT pg_temp.err('SELECT count(*) FROM convdash.tenant_reader_grants');
-- the functions of the service are not a reader's: it reads tables and views
SELECT pg_temp.err(format('SELECT convdash.conversation_detail(%s)', :conv_b));
SELECT pg_temp.err(format('SELECT convdash.append_message(%s, %L, %L)', :conv_b, 'user', 'x'));
SELECT pg_temp.err(format('SELECT convdash.delete_conversation(%s)', :conv_b));
ROLLBACK;
RESET SESSION AUTHORIZATION;

-- a group role binds its members; a login in groups of two tenants gets none
SELECT convdash.grant_tenant_reader(:a, 'regress_bi_group');
SET SESSION AUTHORIZATION regress_bi_member;
SELECT convdash.tenant_source(), convdash.current_account() = :a AS is_a;
SELECT * FROM pg_temp.visible(:a, :b) WHERE sees <> 'none';
RESET SESSION AUTHORIZATION;
GRANT regress_bi TO regress_bi_member;
SET SESSION AUTHORIZATION regress_bi_member;
SELECT convdash.tenant_source();
SELECT * FROM pg_temp.visible(:a, :b) WHERE sees <> 'none';
SELECT pg_temp.err('SELECT convdash.require_account()');
RESET SESSION AUTHORIZATION;
REVOKE regress_bi FROM regress_bi_member;

-- grant errors, and revocation
SELECT pg_temp.err($$SELECT convdash.grant_tenant_reader(987654321, 'regress_bi')$$);
SELECT pg_temp.err(format('SELECT convdash.grant_tenant_reader(%s, %L)', :a, 'regress_nobody'));
SELECT pg_temp.err(format('SELECT convdash.grant_tenant_reader(%s, %L)', :a, current_user));
SELECT pg_temp.err(format('SELECT convdash.grant_tenant_reader(%s, %L)', :a, 'regress_bi'));
SELECT convdash.grant_tenant_reader(:b, 'regress_bi') AS granted_again;
SELECT convdash.revoke_tenant_reader(:b, 'regress_bi') AS revoked,
	convdash.revoke_tenant_reader(:b, 'regress_bi') AS revoked_twice;
SET SESSION AUTHORIZATION regress_bi;
SELECT convdash.tenant_source();
SELECT * FROM pg_temp.visible(:a, :b) WHERE sees <> 'none';
-- a reader cannot bind itself
SELECT pg_temp.err(format('SELECT convdash.grant_tenant_reader(%s, %L)', :a, 'regress_bi'));
RESET SESSION AUTHORIZATION;
SELECT convdash.revoke_tenant_reader(:a, 'regress_bi_group') AS group_revoked;
SELECT count(*) AS bindings_left FROM convdash.tenant_readers WHERE role::text LIKE 'regress%';

-- 5. Admins choose any tenant; a malformed choice is refused
BEGIN;
SELECT set_config('convdash.account_id', :'a', true) AS admin_a \gset
SELECT convdash.tenant_source(), convdash.current_account() = :a AS is_a;
SELECT set_config('convdash.account_id', :'b', true) AS admin_b \gset
SELECT convdash.current_account() = :b AS is_b;
SELECT set_config('convdash.account_id', 'B', true) AS malformed \gset
SELECT convdash.tenant_source();
SELECT pg_temp.err('SELECT convdash.require_account()');
ROLLBACK;

-- even a mistaken write grant cannot cross tenants: the policies check writes too
GRANT INSERT, UPDATE, DELETE ON convdash.agents TO regress_service;
SET SESSION AUTHORIZATION regress_service;
BEGIN;
SELECT convdash.authenticate(:'key_a') = :a AS authenticated;
SELECT pg_temp.err(format('INSERT INTO convdash.agents (account_id, name) VALUES (%s, %L)', :b, 'Intruder'));
WITH u AS (UPDATE convdash.agents SET name = 'Renamed' WHERE account_id = :b RETURNING 1)
SELECT count(*) AS b_agents_updated FROM u;
WITH d AS (DELETE FROM convdash.agents WHERE id = :agent_b RETURNING 1)
SELECT count(*) AS b_agents_deleted FROM d;
SELECT pg_temp.err(format('UPDATE convdash.agents SET account_id = %s WHERE account_id = %s', :b, :a));
ROLLBACK;
RESET SESSION AUTHORIZATION;
REVOKE INSERT, UPDATE, DELETE ON convdash.agents FROM regress_service;
SELECT name FROM convdash.agents WHERE account_id = :b;

-- API keys: shown once, stored hashed, revocable; the key names its account
SELECT :'key_a' ~ ('^cdk_' || :a || '_[0-9a-f]{64}$') AS well_formed;
SELECT count(*) AS plaintext_stored FROM convdash.api_keys WHERE key_hash = convert_to(:'key_a', 'UTF8') OR label = :'key_a';
SET SESSION AUTHORIZATION regress_service;
SELECT convdash.authenticate(NULL) IS NULL AS null_key,
	convdash.authenticate('') IS NULL AS empty_key,
	convdash.authenticate('cdk_' || :b || substr(:'key_a', length('cdk_' || :a) + 1)) IS NULL AS other_account_prefix,
	convdash.authenticate(:'key_a' || 'x') IS NULL AS longer,
	convdash.authenticate(upper(:'key_a')) IS NULL AS case_changed,
	convdash.authenticate(repeat('k', 100000)) IS NULL AS huge;
RESET SESSION AUTHORIZATION;
SELECT convdash.revoke_api_key(:'key_a') AS revoked, convdash.revoke_api_key(:'key_a') AS revoked_twice;
-- a revoked key stops within the 1 s a backend trusts a checked key
SELECT pg_sleep(1.1);
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

DROP OWNED BY regress_service, regress_bi, regress_bi_group, regress_bi_member;
DROP ROLE regress_service;
DROP ROLE regress_bi;
DROP ROLE regress_bi_member;
DROP ROLE regress_bi_group;
