-- Retention policies: rules per status and per agent (an agent rule replaces
-- the account rule for its agent and status), applied in batches through the
-- purge path, deletion log rows with reason "retention policy", nothing
-- outside the policies touched, no orphaned audio, the tenant's read
-- function and view, errors, and the pg_cron job (test/run.sh preloads pg_cron).
\set QUIET on
\set ECHO none
\i test/regress/include/err.sql
\set ECHO all
\set QUIET off

-- A conversation with n messages (a clip on the first when voice), last
-- active `age` ago, closed/archived as the status says.
CREATE FUNCTION pg_temp.conv(agent bigint, session text, age interval, st text, n integer, voice boolean)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	t timestamptz := now() - age - interval '1 hour';
	c bigint := convdash.start_conversation(agent, session, 'web', 'ai', t);
	m bigint;
BEGIN
	FOR i IN 1..n LOOP
		m := convdash.append_message(c, 'user', 'message ' || i, NULL, NULL, t + i * interval '1 second');
		IF voice AND i = 1 THEN
			PERFORM convdash.attach_audio(m, 'audio/wav', decode('524946462c00000057415645666d74201000000001000100401f0000401f0000010008006461746108000000' || '8090a0b0c0d0e0f0', 'hex'));
		END IF;
	END LOOP;
	IF st IN ('closed', 'archived') THEN
		PERFORM convdash.close_conversation(c, NULL, now() - age);
	END IF;
	IF st = 'archived' THEN
		PERFORM convdash.archive_conversation(c);
	END IF;
	RETURN c;
END
$$;
-- The sessions of an account's conversations.
CREATE FUNCTION pg_temp.remaining(acct bigint) RETURNS text
LANGUAGE sql AS $$
	SELECT string_agg(session_id, ' ' ORDER BY session_id) FROM convdash.conversations WHERE account_id = acct
$$;

SELECT convdash.create_account('Keep Co') AS keep \gset
SELECT convdash.create_account('Retain Co') AS ret \gset
SELECT convdash.create_account('Other Co') AS other \gset
SELECT set_config('convdash.account_id', :'ret', false) AS tenant \gset
SELECT convdash.create_agent('Anna') AS anna \gset
SELECT convdash.create_agent('Bert') AS bert \gset
SELECT convdash.create_agent('Cleo') AS cleo \gset
-- ages in days: 10, 40, 100, 400 for each agent and status (active ones only old and young)
SELECT count(pg_temp.conv(a.id, a.name || '-' || s || '-' || d, d * interval '1 day', s, 2, d >= 100))
FROM convdash.agents a, unnest('{closed,archived}'::text[]) s, unnest('{10,40,100,400}'::int[]) d
WHERE a.account_id = :ret;
SELECT count(pg_temp.conv(a.id, a.name || '-active-' || d, d * interval '1 day', 'active', 1, false))
FROM convdash.agents a, unnest('{10,400}'::int[]) d WHERE a.account_id = :ret;
SELECT set_config('convdash.account_id', :'keep', false) AS tenant \gset
SELECT pg_temp.conv(convdash.create_agent('Anna'), 'keep-archived-400', '400 days', 'archived', 2, true) > 0 AS made;
SELECT set_config('convdash.account_id', :'other', false) AS tenant \gset
SELECT pg_temp.conv(convdash.create_agent('Olga'), 'other-archived-400', '400 days', 'archived', 1, true) > 0 AS made;
SELECT array_agg(loid) AS loids FROM convdash.audio_clips WHERE account_id IN (:ret, :keep, :other) \gset
SELECT count(*) AS clips_before FROM convdash.audio_clips WHERE account_id IN (:ret, :keep, :other);

-- rules of Retain Co: archived after 90 days, closed after 365; Bert's archived
-- ones after 30 days (shorter), Cleo's archived ones after 500 days (longer)
SELECT convdash.set_retention(:ret, 'archived', '90 days') - 'account_id';
SELECT convdash.set_retention(:ret, 'closed', '1 year') - 'account_id';
SELECT convdash.set_retention(:ret, 'archived', '30 days', :bert) - '{account_id,agent_id}'::text[];
SELECT convdash.set_retention(:ret, 'archived', '500 days', :cleo) ->> 'changed' AS changed;
-- the same again changes nothing; another age updates the rule
SELECT convdash.set_retention(:ret, 'archived', '500 days', :cleo) ->> 'changed' AS unchanged;
SELECT convdash.set_retention(:ret, 'closed', '365 days') ->> 'changed' AS days_instead_of_year;
-- Other Co has a rule too, removed again: a removed rule deletes nothing
SELECT convdash.set_retention(:other, 'archived', '1 day') ->> 'changed' AS set;
SELECT convdash.set_retention(:other, 'archived', NULL) - 'account_id' AS removed;
SELECT convdash.set_retention(:other, 'archived', NULL) ->> 'changed' AS removed_again;

-- the tenant reads its own rules (function and BI view), nobody else's
SELECT set_config('convdash.account_id', :'ret', false) AS tenant \gset
SELECT jsonb_pretty(jsonb_path_query_array(convdash.retention_rules(), '$.data[*]') #- '{0,updated_at}'
	#- '{1,updated_at}' #- '{2,updated_at}' #- '{3,updated_at}' #- '{2,agent,id}' #- '{3,agent,id}');
SET ROLE convdash_reader;
SELECT agent_name, status, max_age FROM convdash.v_retention_policies ORDER BY agent_name NULLS FIRST, status;
SELECT set_config('convdash.account_id', :'keep', false) AS tenant \gset
SELECT count(*) AS foreign_rules FROM convdash.v_retention_policies;
SELECT convdash.retention_rules();
RESET ROLE;
SELECT set_config('convdash.account_id', '', false) AS tenant \gset
SELECT pg_temp.err($$SELECT convdash.retention_rules()$$);

-- apply: 2 per batch; a NOTICE per rule and per batch
SELECT jsonb_pretty(convdash.apply_retention(2) #- '{accounts,0,account_id}'
	#- '{accounts,0,rules,2,agent_id}' #- '{accounts,0,rules,3,agent_id}');
-- what is left: all of Keep Co and Other Co; every active one; closed up to
-- 100 days; archived up to 40 days for Anna, 10 for Bert, 400 for Cleo
SELECT pg_temp.remaining(:ret) AS retain_co;
SELECT pg_temp.remaining(:keep) AS keep_co, pg_temp.remaining(:other) AS other_co;
-- the log says retention policy, with the counts
SELECT reason, count(*), sum(message_count) AS messages, sum(clip_count) AS clips
FROM convdash.deletion_log WHERE account_id IN (:ret, :keep, :other) GROUP BY reason;
-- no orphaned audio, the deleted clips' objects are gone
SELECT count(*) AS clips_after FROM convdash.audio_clips WHERE account_id IN (:ret, :keep, :other);
SELECT count(*) AS objects_left FROM pg_largeobject_metadata
WHERE oid = ANY (:'loids'::oid[]) AND oid NOT IN (SELECT loid FROM convdash.audio_clips);
SELECT * FROM convdash.check_large_objects();
-- a second run finds nothing; one account only
SELECT convdash.apply_retention() - 'accounts' AS again, convdash.apply_retention() -> 'accounts' -> 0 -> 'rules' -> 0 -> 'conversations' AS first_rule;
SELECT convdash.apply_retention(account_id => :keep) AS keep_only;


-- errors
SELECT pg_temp.err(format('SELECT convdash.set_retention(%s, %L, %L)', :ret, 'deleted', '1 day'));
SELECT pg_temp.err(format('SELECT convdash.set_retention(%s, NULL, %L)', :ret, '1 day'));
SELECT pg_temp.err(format('SELECT convdash.set_retention(%s, %L, %L)', :ret, 'closed', '0 days'));
SELECT pg_temp.err(format('SELECT convdash.set_retention(%s, %L, %L)', :ret, 'closed', '1 month -40 days'));
SELECT pg_temp.err(format('SELECT convdash.set_retention(%s, %L, %L)', -1, 'closed', '1 day'));
SELECT pg_temp.err(format('SELECT convdash.set_retention(NULL, %L, %L)', 'closed', '1 day'));
SELECT pg_temp.err(format('SELECT convdash.set_retention(%s, %L, %L, %s)', :keep, 'closed', '1 day', :anna));
SELECT pg_temp.err('SELECT convdash.apply_retention(0)');
SELECT pg_temp.err('SELECT convdash.apply_retention(NULL)');
SELECT pg_temp.err('SELECT convdash.apply_retention(account_id => -1)');
-- admin functions are the owner's; reading rules is for the tenant roles
SELECT has_function_privilege('convdash_api', 'convdash.set_retention(bigint, text, interval, bigint)', 'EXECUTE') AS api_sets,
	has_function_privilege('convdash_api', 'convdash.apply_retention(integer, bigint)', 'EXECUTE') AS api_applies,
	has_function_privilege('convdash_reader', 'convdash.retention_rules()', 'EXECUTE') AS reader_reads;

-- pg_cron: not created in this database yet
SELECT pg_temp.err('SELECT convdash.schedule_retention()');
SELECT pg_temp.err('SELECT convdash.unschedule_retention()');
CREATE EXTENSION pg_cron;
SELECT convdash.unschedule_retention() AS nothing_to_remove;
SELECT convdash.schedule_retention() AS job \gset
SELECT jobid = :job AS same_job, jobname, schedule, command, database = current_database() AS here, active
FROM cron.job;
-- scheduling again replaces the schedule of the same job
SELECT convdash.schedule_retention('30 2 * * *') = :job AS same_job;
SELECT jobname, schedule FROM cron.job;
SELECT pg_temp.err($$SELECT convdash.schedule_retention('every day')$$);
SELECT pg_temp.err('SELECT convdash.schedule_retention(NULL)');
SELECT convdash.unschedule_retention() AS removed;
SELECT count(*) AS jobs FROM cron.job;
SELECT convdash.unschedule_retention() AS removed_again;
DROP EXTENSION pg_cron;
