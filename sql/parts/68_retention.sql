-- Retention policies (issue 15): per account, and optionally per agent, the
-- maximum age of conversations per status, counted from their last activity
-- (ended_at, else the last message, else the start, as purge_conversations
-- does). apply_retention() applies every policy through purge_conversations
-- (66_delete.sql): batches, complete deletion with the clips' large objects,
-- one deletion_log row per conversation with the reason 'retention policy',
-- a NOTICE per batch.
--
-- Precedence: for a conversation of agent A in status S, the rule of
-- (account, A, S) applies when there is one, else the account's rule for S
-- (agent NULL), else none: an agent rule replaces the account rule for that
-- agent and that status only, whether it is shorter or longer.
--
-- Scheduling: schedule_retention() makes a pg_cron job (named
-- convdash-retention) that runs SELECT convdash.apply_retention() daily in
-- this database; without pg_cron, a cron line runs the same statement with
-- psql (README "Retention policies"). convdash does not depend on pg_cron.

CREATE TABLE convdash.retention_policies (
	account_id  bigint NOT NULL REFERENCES convdash.accounts (id) ON DELETE CASCADE,
	id          bigint GENERATED ALWAYS AS IDENTITY,
	agent_id    bigint,
	status      convdash.conversation_status NOT NULL,
	max_age     interval NOT NULL CHECK (max_age > interval '0'),
	updated_at  timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, id),
	CONSTRAINT retention_policies_rule_key UNIQUE NULLS NOT DISTINCT (account_id, agent_id, status),
	FOREIGN KEY (account_id, agent_id) REFERENCES convdash.agents (account_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE convdash.retention_policies IS
	'Retention rules: conversations of the account (of the agent, when agent_id is set) in the status are deleted once their last activity is older than max_age';
SELECT pg_catalog.pg_extension_config_dump('convdash.retention_policies', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.retention_policies_id_seq', '');
ALTER TABLE convdash.retention_policies ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON convdash.retention_policies
	USING (account_id OPERATOR(pg_catalog.=) convdash.current_account())
	WITH CHECK (account_id OPERATOR(pg_catalog.=) convdash.current_account());

-- An interval as ISO 8601 text (P90D, P1Y, PT12H), whatever the session's IntervalStyle.
CREATE FUNCTION convdash.iso_interval(value interval) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET IntervalStyle = 'iso_8601'
AS $$ SELECT value::text $$;
COMMENT ON FUNCTION convdash.iso_interval(interval) IS
	'Read: the interval as ISO 8601 duration text (P90D), independent of IntervalStyle';

-- Sets (or with a NULL max_age removes) one retention rule of an account.
CREATE FUNCTION convdash.set_retention(account_id bigint, status text, max_age interval,
	agent_id bigint DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := set_retention.account_id;
	agent bigint := set_retention.agent_id;
	st convdash.conversation_status := convdash.enum_value(coalesce(set_retention.status, ''), 'status',
		NULL::convdash.conversation_status);
	changed boolean;
	at timestamptz := now();	-- Citus wants DO UPDATE free of non-immutable functions
BEGIN
	IF acct IS NULL OR NOT EXISTS (SELECT FROM convdash.accounts a WHERE a.id = acct) THEN
		RAISE EXCEPTION 'account % does not exist', acct
			USING ERRCODE = 'no_data_found', COLUMN = 'account_id';
	END IF;
	IF agent IS NOT NULL AND NOT EXISTS (SELECT FROM convdash.agents a WHERE a.account_id = acct AND a.id = agent) THEN
		PERFORM convdash.raise_not_found('agent', agent, 'agent_id');
	END IF;
	IF max_age IS NULL THEN
		DELETE FROM convdash.retention_policies p
		WHERE p.account_id = acct AND p.agent_id IS NOT DISTINCT FROM agent AND p.status = st;
	ELSIF max_age <= interval '0' THEN
		RAISE EXCEPTION 'max_age must be a positive interval'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'max_age',
			      HINT = 'Pass NULL to remove the rule.';
	ELSE
		INSERT INTO convdash.retention_policies AS p (account_id, agent_id, status, max_age)
		VALUES (acct, agent, st, max_age)
		ON CONFLICT ON CONSTRAINT retention_policies_rule_key DO UPDATE
			SET max_age = excluded.max_age, updated_at = at
			WHERE p.max_age <> excluded.max_age;
	END IF;
	changed := FOUND;
	RETURN jsonb_build_object('account_id', acct, 'agent_id', agent, 'status', st,
		'max_age', convdash.iso_interval(max_age), 'changed', changed);
END
$$;
COMMENT ON FUNCTION convdash.set_retention(bigint, text, interval, bigint) IS
	'Admin: sets the retention rule of the account (of one of its agents when agent_id is given) for a status: conversations whose last activity is older than max_age are deleted by apply_retention(); NULL max_age removes the rule; returns {account_id, agent_id, status, max_age (ISO 8601), changed}; P0002 for an unknown account or agent, 22023 for a bad status or max_age';

-- BI: the retention rules of the tenant.
CREATE VIEW convdash.v_retention_policies WITH (security_invoker = true) AS
SELECT p.account_id, p.agent_id, a.name AS agent_name, p.status, p.max_age, p.updated_at
FROM convdash.retention_policies p
LEFT JOIN convdash.agents a ON a.account_id = p.account_id AND a.id = p.agent_id;
COMMENT ON VIEW convdash.v_retention_policies IS
	'BI: one row per retention rule (agent_id NULL: the account rule, which agents with their own rule for the status do not follow)';

-- The tenant's retention rules, account rules first, then by agent name, in lifecycle order.
CREATE FUNCTION convdash.retention_rules() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
BEGIN
	RETURN (SELECT jsonb_build_object('data', coalesce(jsonb_agg(jsonb_build_object(
		'agent', CASE WHEN p.agent_id IS NOT NULL THEN jsonb_build_object('id', a.id, 'name', a.name) END,
		'status', p.status,
		'max_age', convdash.iso_interval(p.max_age),
		'updated_at', convdash.rfc3339(p.updated_at))
		ORDER BY p.agent_id IS NOT NULL, a.name, p.status), '[]'))
	FROM convdash.retention_policies p
	LEFT JOIN convdash.agents a ON a.account_id = p.account_id AND a.id = p.agent_id
	WHERE p.account_id = acct);
END
$$;
COMMENT ON FUNCTION convdash.retention_rules() IS
	'Read: the tenant''s retention rules as {"data":[{agent:{id,name}|null, status, max_age (ISO 8601), updated_at}]}, account rules first; 42501 without a tenant';

-- Applies every retention rule (of one account, when given) in batches; returns a summary per account.
CREATE FUNCTION convdash.apply_retention(batch_size integer DEFAULT 1000, account_id bigint DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	r record;
	agents bigint[];
	n bigint;
	nm bigint;
	nc bigint;
	rules jsonb := '[]';
	result jsonb := '[]';
	cur bigint;
	cur_name text;
BEGIN
	PERFORM convdash.check_range(coalesce(batch_size, 0), 'batch_size', 1, 100000);
	IF apply_retention.account_id IS NOT NULL
	   AND NOT EXISTS (SELECT FROM convdash.accounts a WHERE a.id = apply_retention.account_id) THEN
		RAISE EXCEPTION 'account % does not exist', apply_retention.account_id
			USING ERRCODE = 'no_data_found', COLUMN = 'account_id';
	END IF;
	-- a trailing NULL row closes the last account's summary
	FOR r IN
		SELECT p.account_id, ac.name AS account_name, p.agent_id, a.name AS agent_name, p.status, p.max_age
		FROM convdash.retention_policies p
		JOIN convdash.accounts ac ON ac.id = p.account_id
		LEFT JOIN convdash.agents a ON a.account_id = p.account_id AND a.id = p.agent_id
		WHERE apply_retention.account_id IS NULL OR p.account_id = apply_retention.account_id
		UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL
		ORDER BY 1 NULLS LAST, 3 NULLS FIRST, 5
	LOOP
		IF cur IS DISTINCT FROM r.account_id AND cur IS NOT NULL THEN
			result := result || jsonb_build_array(jsonb_build_object('account_id', cur, 'account_name', cur_name,
				'conversations', (SELECT sum((x ->> 'conversations')::bigint) FROM jsonb_array_elements(rules) x),
				'messages', (SELECT sum((x ->> 'messages')::bigint) FROM jsonb_array_elements(rules) x),
				'clips', (SELECT sum((x ->> 'clips')::bigint) FROM jsonb_array_elements(rules) x),
				'rules', rules));
			rules := '[]';
		END IF;
		EXIT WHEN r.account_id IS NULL;
		cur := r.account_id;
		cur_name := r.account_name;
		-- the account rule covers the agents without their own rule for the status
		agents := CASE
			WHEN r.agent_id IS NOT NULL THEN ARRAY[r.agent_id]
			WHEN EXISTS (SELECT FROM convdash.retention_policies o
			             WHERE o.account_id = r.account_id AND o.status = r.status AND o.agent_id IS NOT NULL)
			THEN ARRAY(SELECT a.id FROM convdash.agents a
				WHERE a.account_id = r.account_id
				  AND NOT EXISTS (SELECT FROM convdash.retention_policies o
				                  WHERE o.account_id = r.account_id AND o.status = r.status AND o.agent_id = a.id)
				ORDER BY a.id)
		END;
		RAISE NOTICE 'retention of account "%": % conversations % older than %', r.account_name, r.status,
			CASE WHEN r.agent_id IS NULL THEN 'of agents without their own rule'
				ELSE format('of agent "%s"', r.agent_name) END, r.max_age;
		SELECT coalesce(sum(p.conversations), 0), coalesce(sum(p.messages), 0), coalesce(sum(p.clips), 0)
		INTO n, nm, nc
		FROM convdash.purge_conversations(r.max_age, ARRAY[r.status::text], r.account_id, batch_size,
			agents, 'retention policy') p;
		rules := rules || jsonb_build_array(jsonb_build_object('agent_id', r.agent_id, 'status', r.status,
			'max_age', convdash.iso_interval(r.max_age), 'conversations', n, 'messages', nm, 'clips', nc));
	END LOOP;
	RETURN jsonb_build_object('accounts', result,
		'conversations', (SELECT coalesce(sum((x ->> 'conversations')::bigint), 0) FROM jsonb_array_elements(result) x),
		'messages', (SELECT coalesce(sum((x ->> 'messages')::bigint), 0) FROM jsonb_array_elements(result) x),
		'clips', (SELECT coalesce(sum((x ->> 'clips')::bigint), 0) FROM jsonb_array_elements(result) x));
END
$$;
COMMENT ON FUNCTION convdash.apply_retention(integer, bigint) IS
	'Admin: applies every retention rule (of one account when account_id is given) through purge_conversations, batch_size conversations per batch with a NOTICE per rule and batch, logged with reason ''retention policy''; returns {accounts:[{account_id, account_name, conversations, messages, clips, rules:[{agent_id, status, max_age, conversations, messages, clips}]}], conversations, messages, clips}';

-- 0A000 when pg_cron is not installed, 55000 when it is not created in this database.
CREATE FUNCTION convdash.require_pg_cron() RETURNS void
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_available_extensions WHERE name = 'pg_cron') THEN
		RAISE EXCEPTION 'pg_cron is not installed'
			USING ERRCODE = 'feature_not_supported',
			      HINT = 'Install it (Debian: postgresql-15-cron), or run SELECT convdash.apply_retention() daily from cron with psql.';
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
		RAISE EXCEPTION 'pg_cron is not created in database %', current_database()
			USING ERRCODE = 'object_not_in_prerequisite_state',
			      HINT = format('Set shared_preload_libraries = ''pg_cron'' and cron.database_name = ''%s'', '
			                    'restart PostgreSQL, then CREATE EXTENSION pg_cron.', current_database());
	END IF;
END
$$;
COMMENT ON FUNCTION convdash.require_pg_cron() IS
	'Admin: returns when the pg_cron extension is created in this database; 0A000 when pg_cron is not installed, 55000 when it is not created here';

-- Schedules (or reschedules) the daily retention job with pg_cron; returns the job id.
CREATE FUNCTION convdash.schedule_retention(schedule text DEFAULT '15 3 * * *') RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	job bigint;
BEGIN
	PERFORM convdash.require_pg_cron();
	IF schedule IS NULL OR btrim(schedule) = '' THEN
		RAISE EXCEPTION 'schedule must be a cron schedule such as ''15 3 * * *'''
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'schedule';
	END IF;
	BEGIN
		-- pg_cron 1.4 has schedule_in_database; cron.schedule (same name: updated) runs in cron.database_name
		IF to_regprocedure('cron.schedule_in_database(text, text, text, text, text, boolean)') IS NOT NULL THEN
			EXECUTE 'SELECT cron.schedule_in_database($1, $2, $3, current_database())' INTO job
				USING 'convdash-retention', schedule, 'SELECT convdash.apply_retention()';
		ELSE
			EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job
				USING 'convdash-retention', schedule, 'SELECT convdash.apply_retention()';
		END IF;
	EXCEPTION WHEN invalid_parameter_value THEN
		RAISE EXCEPTION 'invalid schedule: "%"', left(schedule, 100)
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'schedule',
			      HINT = 'Use the five cron fields (minute hour day month weekday), e.g. ''15 3 * * *''.';
	END;
	RETURN job;
END
$$;
COMMENT ON FUNCTION convdash.schedule_retention(text) IS
	'Admin: schedules SELECT convdash.apply_retention() in this database with pg_cron (job convdash-retention, default daily at 03:15 in pg_cron''s time zone), replacing an earlier schedule; returns the job id; 22023 for a bad schedule, 0A000 without pg_cron, 55000 when pg_cron is not created in this database';

-- Removes the retention job from pg_cron; returns whether there was one.
CREATE FUNCTION convdash.unschedule_retention() RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	n integer;
BEGIN
	PERFORM convdash.require_pg_cron();
	EXECUTE 'SELECT count(cron.unschedule(j.jobid)) FROM cron.job j WHERE j.jobname = $1 AND j.database = current_database()'
		INTO n USING 'convdash-retention';
	RETURN n > 0;
END
$$;
COMMENT ON FUNCTION convdash.unschedule_retention() IS
	'Admin: removes the pg_cron job convdash-retention of this database; returns false when there was none; 0A000 without pg_cron, 55000 when pg_cron is not created in this database';
