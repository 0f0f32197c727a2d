-- Upgrade 0.1 -> 0.2, retention policies and the SQL export (issue 15).
-- The same objects as sql/parts/60_list.sql (list_filters, list_conversations
-- now calling it), 66_delete.sql (purge_conversations with agent_ids and
-- reason), 68_retention.sql and 69_export.sql, then their privileges as
-- 99_grants.sql gives them. Keep in step with those parts.

DROP FUNCTION convdash.purge_conversations(interval, text[], bigint, integer);
-- Retention: deletes conversations in the given statuses whose last activity is older than older_than.
CREATE FUNCTION convdash.purge_conversations(older_than interval, statuses text[] DEFAULT '{archived}',
	account_id bigint DEFAULT NULL, batch_size integer DEFAULT 1000, agent_ids bigint[] DEFAULT NULL,
	reason text DEFAULT 'retention')
RETURNS TABLE (account bigint, conversations bigint, messages bigint, clips bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	cutoff timestamptz;
	st convdash.conversation_status[];
	acct bigint;
	ids bigint[];
	last_id bigint;
	batch integer := 0;
	done_conv bigint := 0;
	done_msg bigint := 0;
	done_clip bigint := 0;
	n bigint;
	nm bigint;
	nc bigint;
BEGIN
	IF older_than IS NULL OR older_than < interval '0' THEN
		RAISE EXCEPTION 'older_than must be a positive interval'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'older_than';
	END IF;
	IF statuses IS NULL OR cardinality(statuses) = 0 THEN
		RAISE EXCEPTION 'statuses must name at least one status'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'statuses';
	END IF;
	st := ARRAY(SELECT convdash.enum_value(coalesce(s, ''), 'statuses', NULL::convdash.conversation_status)
		FROM unnest(statuses) AS s);
	PERFORM convdash.check_range(coalesce(batch_size, 0), 'batch_size', 1, 100000);
	IF purge_conversations.account_id IS NOT NULL
	   AND NOT EXISTS (SELECT FROM convdash.accounts a WHERE a.id = purge_conversations.account_id) THEN
		RAISE EXCEPTION 'account % does not exist', purge_conversations.account_id
			USING ERRCODE = 'no_data_found', COLUMN = 'account_id';
	END IF;
	cutoff := now() - older_than;

	FOR acct IN
		SELECT a.id FROM convdash.accounts a
		WHERE purge_conversations.account_id IS NULL OR a.id = purge_conversations.account_id
		ORDER BY a.id
	LOOP
		account := acct;
		conversations := 0;
		messages := 0;
		clips := 0;
		last_id := NULL;
		LOOP
			-- keyset: each batch starts after the last one, never rescanning what it deleted
			ids := ARRAY(SELECT c.id FROM convdash.conversations c
				WHERE c.account_id = acct AND c.status = ANY (st)
				  AND coalesce(c.ended_at, c.last_message_at, c.started_at) < cutoff
				  AND (agent_ids IS NULL OR c.agent_id = ANY (agent_ids))
				  AND (last_id IS NULL OR c.id > last_id)
				ORDER BY c.id LIMIT batch_size);
			EXIT WHEN cardinality(ids) = 0;
			last_id := ids[cardinality(ids)];
			SELECT count(*), coalesce(sum(d.messages), 0), coalesce(sum(d.clips), 0) INTO n, nm, nc
			FROM convdash.delete_conversation_rows(acct, ids, coalesce(purge_conversations.reason, 'retention')) d;
			conversations := conversations + n;
			messages := messages + nm;
			clips := clips + nc;
			batch := batch + 1;
			done_conv := done_conv + n;
			done_msg := done_msg + nm;
			done_clip := done_clip + nc;
			RAISE NOTICE 'purge batch %: % conversations, % messages, % clips deleted so far',
				batch, done_conv, done_msg, done_clip;
		END LOOP;
		IF conversations > 0 THEN
			RETURN NEXT;
		END IF;
	END LOOP;
END
$$;
COMMENT ON FUNCTION convdash.purge_conversations(interval, text[], bigint, integer, bigint[], text) IS
	'Admin: retention purge across tenants (or one account): deletes conversations in the statuses (default archived) whose last activity (ended_at, else last message, else start) is older than older_than, of the agents in agent_ids (NULL: all), in batches of batch_size, with a NOTICE per batch, logged with the reason (default retention); returns (account, conversations, messages, clips) per account with deletions';

-- Checks the list's parameters in the list's order (22023 naming the first
-- bad one) and returns the filters typed, with their SQL conditions on c
-- ($2 statuses, $3 channels, $4 agents, $5 min_rating, $6 t_from, $7 t_to).
CREATE FUNCTION convdash.list_filters(acct bigint, status text[], channel text[], agent_id bigint[],
	min_rating integer, date_from text, date_to text, q text, sort text, "order" text, "limit" integer,
	OUT statuses convdash.conversation_status[], OUT channels convdash.channel[], OUT agents bigint[],
	OUT t_from timestamptz, OUT t_to timestamptz, OUT term text, OUT conds text)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	zone text := (SELECT a.time_zone FROM convdash.accounts a WHERE a.id = acct);
BEGIN
	term := nullif(btrim(q), '');
	conds := '';
	-- validation: each bad parameter is a 22023 naming it
	IF sort NOT IN ('date', 'agent', 'status', 'messages', 'rating') THEN
		PERFORM convdash.list_error('sort', format('invalid sort: "%s"', left(sort, 100)),
			'Use one of: agent, status, messages, rating, date.');
	END IF;
	IF "order" NOT IN ('asc', 'desc') THEN
		PERFORM convdash.list_error('order', format('invalid order: "%s"', left("order", 100)), 'Use asc or desc.');
	END IF;
	PERFORM convdash.check_range("limit", 'limit', 1, 200);
	PERFORM convdash.check_range(min_rating, 'min_rating', 1, 5);
	statuses := convdash.list_enum_filter(status, 'status', NULL::convdash.conversation_status);
	channels := convdash.list_enum_filter(channel, 'channel', NULL::convdash.channel);
	IF array_position(agent_id, NULL) IS NOT NULL THEN
		PERFORM convdash.list_error('agent_id', 'agent_id must not contain null');
	END IF;
	agents := CASE WHEN cardinality(agent_id) > 0 THEN
		(SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(agent_id) x) END;
	t_from := convdash.list_day_bound(date_from, 'date_from', zone, false);
	t_to := convdash.list_day_bound(date_to, 'date_to', zone, true);
	IF t_from >= t_to THEN
		PERFORM convdash.list_error('date_to', 'date_to is before date_from');
	END IF;
	IF length(term) > 200 THEN
		PERFORM convdash.list_error('q', format('q is too long (%s characters, at most 200)', length(term)));
	END IF;

	IF statuses IS NOT NULL THEN conds := conds || ' AND c.status = ANY($2)'; END IF;
	IF channels IS NOT NULL THEN conds := conds || ' AND c.channel = ANY($3)'; END IF;
	IF agents IS NOT NULL THEN conds := conds || ' AND c.agent_id = ANY($4)'; END IF;
	IF min_rating IS NOT NULL THEN conds := conds || ' AND c.rating >= $5'; END IF;
	IF t_from IS NOT NULL THEN conds := conds || ' AND c.started_at >= $6'; END IF;
	IF t_to IS NOT NULL THEN conds := conds || ' AND c.started_at < $7'; END IF;
END
$$;
COMMENT ON FUNCTION convdash.list_filters(bigint, text[], text[], bigint[], integer, text, text, text, text, text, integer) IS
	'Read: the list''s parameter checks (22023 naming the bad parameter, in the list''s order; a NULL limit is not checked) and its typed filters with their SQL conditions (used by list_conversations and export_conversations)';

-- The dashboard's conversation list and search (DESIGN §4, §5).
CREATE OR REPLACE FUNCTION convdash.list_conversations(status text[] DEFAULT NULL, channel text[] DEFAULT NULL,
	agent_id bigint[] DEFAULT NULL, min_rating integer DEFAULT NULL, date_from text DEFAULT NULL,
	date_to text DEFAULT NULL, q text DEFAULT NULL, sort text DEFAULT 'date', "order" text DEFAULT 'desc',
	"limit" integer DEFAULT 50, cursor text DEFAULT NULL, with_total boolean DEFAULT false)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
SET jit = off
AS $$
DECLARE
	-- phase 1 probes this many conversations; phase 2 collects at most this many
	-- matches (tuning knobs, also used by the tests to force every phase on small data)
	search_probe constant integer := greatest(1,
		coalesce(nullif(current_setting('convdash.search_probe', true), '')::integer, 400));
	search_candidates constant integer := greatest(1,
		coalesce(nullif(current_setting('convdash.search_candidates', true), '')::integer, 30000));
	acct bigint := convdash.require_account();
	srt text := coalesce(sort, 'date');
	dir text := coalesce("order", 'desc');
	n integer := coalesce("limit", 50);
	statuses convdash.conversation_status[];
	channels convdash.channel[];
	agents bigint[];
	t_from timestamptz;
	t_to timestamptz;
	term text := nullif(btrim(q), '');
	pat text;
	keys integer[];
	matched bigint[];
	cand bigint[];
	overflow boolean := false;
	signature text;
	ck text;
	ct text;
	ci bigint;
	conds text := '';
	src text;
	sql text;
	ids bigint[];
	ks text[];
	ts text[];
	probed integer;
	probe_limit integer;
	total bigint;
	result jsonb;
BEGIN
	SELECT f.statuses, f.channels, f.agents, f.t_from, f.t_to, f.term, f.conds
	INTO statuses, channels, agents, t_from, t_to, term, conds
	FROM convdash.list_filters(acct, status, channel, agent_id, min_rating, date_from, date_to, q, srt, dir, n) f;

	signature := jsonb_build_array(acct, srt, dir, statuses, channels, agents, min_rating,
		date_from, date_to, term)::text;
	IF cursor IS NOT NULL THEN
		SELECT d.k, d.t, d.id INTO ck, ct, ci FROM convdash.cursor_decode(cursor, signature) d;
	END IF;

	IF term IS NULL THEN
		sql := convdash.list_source_sql(srt, dir, conds, false, ck IS NOT NULL, (n + 1)::text);
		EXECUTE format('SELECT array_agg(x.id), array_agg(x.k), array_agg(x.t) FROM (%s) x', sql)
			INTO ids, ks, ts
			USING acct, statuses, channels, agents, min_rating, t_from, t_to, ck, ci, pat, matched, cand, ct;
		IF with_total THEN
			EXECUTE format('SELECT count(*) FROM convdash.conversations c WHERE c.account_id = $1 %s', conds)
				INTO total USING acct, statuses, channels, agents, min_rating, t_from, t_to;
		END IF;
	ELSE
		pat := convdash.search_pattern(term);
		keys := convdash.search_keys(term);
		SELECT coalesce(array_agg(a.id ORDER BY a.id), '{}') INTO matched
		FROM convdash.agents a
		WHERE a.account_id = acct AND a.name ILIKE pat AND (agents IS NULL OR a.id = ANY(agents));

		-- phase 1: probe the first conversations in sort order; when that finds
		-- matches but too few, the density seen says whether a probe 8 times as
		-- long should fill the page, which is cheaper than collecting candidates
		probe_limit := search_probe;
		LOOP
			src := convdash.list_source_sql(srt, dir, conds, false, ck IS NOT NULL, probe_limit::text);
			sql := format($q$
				SELECT array_agg(p.id), array_agg(p.k), array_agg(p.t) FROM (
					SELECT p.id, p.k, p.t FROM (%s) p
					LEFT JOIN LATERAL (
						SELECT true AS hit FROM convdash.messages m
						WHERE m.account_id = $1 AND m.conversation_id = p.id AND m.seq IS NOT NULL
						  AND m.content ILIKE $10
						LIMIT 1) h ON true
					WHERE p.session_id ILIKE $10 OR p.agent_id = ANY($11) OR h.hit
					LIMIT %s) p$q$, '%s', n + 1);
			EXECUTE format(sql, src) INTO ids, ks, ts
				USING acct, statuses, channels, agents, min_rating, t_from, t_to, ck, ci, pat, matched, cand, ct;
			EXIT WHEN coalesce(cardinality(ids), 0) > n;
			EXECUTE format('SELECT count(*) FROM (%s) x', src) INTO probed
				USING acct, statuses, channels, agents, min_rating, t_from, t_to, ck, ci, pat, matched, cand, ct;
			EXIT WHEN probed < probe_limit OR probe_limit > search_probe
				OR coalesce(cardinality(ids), 0) * 8 < n + 1;
			probe_limit := search_probe * 8;
		END LOOP;

		IF coalesce(cardinality(ids), 0) <= n THEN
			IF probed = probe_limit THEN
				-- phase 2: the matching conversations through the indexes, if there are few
				EXECUTE $q$
					SELECT array_agg(DISTINCT x.conversation_id), count(*) > $4 FROM (
						SELECT m.conversation_id FROM convdash.messages m
						WHERE m.account_id = $1 AND convdash.search_grams(m.content) @> $2
						  AND m.seq IS NOT NULL AND m.content ILIKE $3
						LIMIT $4 + 1) x$q$
					INTO cand, overflow USING acct, keys, pat, search_candidates;
				IF NOT overflow THEN
					EXECUTE $q$
						SELECT coalesce($5 || array_agg(x.id), $5), count(*) > $4 FROM (
							SELECT c.id FROM convdash.conversations c
							WHERE c.account_id = $1 AND convdash.search_grams(c.session_id) @> $2
							  AND c.session_id ILIKE $3
							LIMIT $4 + 1) x$q$
						INTO cand, overflow USING acct, keys, pat, search_candidates, coalesce(cand, '{}');
				END IF;
				IF NOT overflow THEN
					sql := format('SELECT * FROM (%s) u',
						convdash.list_source_sql(srt, dir, conds || ' AND c.id = ANY($12)', false,
							ck IS NOT NULL, (n + 1)::text));
					IF cardinality(matched) > 0 THEN
						sql := sql || format(' UNION SELECT * FROM (%s) u',
							convdash.list_source_sql(srt, dir, conds, true, ck IS NOT NULL, (n + 1)::text));
					END IF;
					EXECUTE format('SELECT array_agg(y.id), array_agg(y.k), array_agg(y.t) FROM (SELECT * FROM (%s) x ORDER BY %s LIMIT %s) y',
						sql, convdash.list_order_sql(srt, dir), n + 1)
						INTO ids, ks, ts
						USING acct, statuses, channels, agents, min_rating, t_from, t_to, ck, ci, pat, matched, cand, ct;
				ELSE
					-- phase 3: common overall, rare after the filters: probe without a cap
					EXECUTE format(sql, convdash.list_source_sql(srt, dir, conds, false, ck IS NOT NULL, 'ALL'))
						INTO ids, ks, ts
						USING acct, statuses, channels, agents, min_rating, t_from, t_to, ck, ci, pat, matched, cand, ct;
				END IF;
			END IF;
		END IF;
		IF with_total THEN
			EXECUTE format($q$
				SELECT count(*) FROM convdash.conversations c
				WHERE c.account_id = $1 %s
				  AND (c.session_id ILIKE $10 OR c.agent_id = ANY($11) OR c.id IN (
					SELECT m.conversation_id FROM convdash.messages m
					WHERE m.account_id = $1 AND convdash.search_grams(m.content) @> $12
					  AND m.seq IS NOT NULL AND m.content ILIKE $10))$q$, conds)
				INTO total
				USING acct, statuses, channels, agents, min_rating, t_from, t_to, NULL::text, NULL::bigint,
					pat, matched, keys;
		END IF;
	END IF;

	SELECT jsonb_build_object(
		'data', coalesce(jsonb_agg(jsonb_build_object(
			'id', c.id,
			'agent', jsonb_build_object('id', a.id, 'name', a.name, 'company', a.company),
			'session_id', c.session_id,
			'channel', c.channel,
			'status', c.status,
			'message_count', c.message_count,
			'rating', c.rating,
			'started_at', convdash.rfc3339(c.started_at))
			|| CASE WHEN term IS NULL THEN '{}'::jsonb
				WHEN c.session_id ILIKE pat THEN '{"match": {"in": "session"}}'
				WHEN a.name ILIKE pat THEN '{"match": {"in": "agent"}}'
				ELSE jsonb_build_object('match', jsonb_build_object('in', 'message', 'snippet',
					(SELECT convdash.search_snippet(m.content, term) FROM convdash.messages m
					 WHERE m.account_id = acct AND m.conversation_id = c.id AND m.seq IS NOT NULL
					   AND m.content ILIKE pat
					 ORDER BY m.seq LIMIT 1)))
			END
			ORDER BY r.ord), '[]'::jsonb),
		'next_cursor', CASE WHEN cardinality(ids) > n THEN convdash.cursor_encode(signature, ks[n], ts[n], ids[n]) END)
	INTO result
	FROM unnest(ids[1:n]) WITH ORDINALITY AS r(id, ord)
	JOIN convdash.conversations c ON c.account_id = acct AND c.id = r.id
	JOIN convdash.agents a ON a.account_id = acct AND a.id = c.agent_id;
	IF with_total THEN
		result := result || jsonb_build_object('total', total);
	END IF;
	RETURN result;
END
$$;
COMMENT ON FUNCTION convdash.list_conversations(text[], text[], bigint[], integer, text, text, text, text, text,
	integer, text, boolean) IS
	'API: the conversation list as {"data":[…],"next_cursor":…[,"total":n]}: filters status/channel/agent_id (any of), min_rating, date_from/date_to (YYYY-MM-DD, account time zone), search q, sort agent|status|messages|rating|date, order asc|desc, limit 1-200, opaque cursor; 22023 naming the bad parameter';

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
			SET max_age = excluded.max_age, updated_at = now()
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
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
	SELECT jsonb_build_object('data', coalesce(jsonb_agg(jsonb_build_object(
		'agent', CASE WHEN p.agent_id IS NOT NULL THEN jsonb_build_object('id', a.id, 'name', a.name) END,
		'status', p.status,
		'max_age', convdash.iso_interval(p.max_age),
		'updated_at', convdash.rfc3339(p.updated_at))
		ORDER BY p.agent_id IS NOT NULL, a.name, p.status), '[]'))
	FROM convdash.retention_policies p
	LEFT JOIN convdash.agents a ON a.account_id = p.account_id AND a.id = p.agent_id
	WHERE p.account_id = convdash.require_account()
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

-- Export (issue 15): the conversation list with its filters, search, sort
-- and order, every row at once, one row per conversation with every
-- dashboard column. For psql and BI:
--   \copy (SELECT * FROM convdash.export_conversations(status => '{closed}')) TO 'file.csv' CSV HEADER
-- and for the service's export route (COPY (SELECT ...) TO STDOUT, or a cursor).
--
-- Streaming: export_ids (plpgsql, so it materialises) computes only the
-- ordered ids; the wide rows (memory, transcripts) are read by SQL functions
-- that the planner inlines into the caller's query, so they stream row by
-- row in the ids' order (the ordinality column is sorted: no Sort node).
-- Parameters are checked by list_filters, the list's own checks: the same
-- parameter gives the same error as list_conversations.

-- The tenant's conversation ids of the list's filters and search, in the list's order.
CREATE FUNCTION convdash.export_ids(status text[] DEFAULT NULL, channel text[] DEFAULT NULL,
	agent_id bigint[] DEFAULT NULL, min_rating integer DEFAULT NULL, date_from text DEFAULT NULL,
	date_to text DEFAULT NULL, q text DEFAULT NULL, sort text DEFAULT 'date', "order" text DEFAULT 'desc')
RETURNS TABLE (account_id bigint, id bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
SET jit = off
AS $$
DECLARE
	acct bigint := convdash.require_account();
	srt text := coalesce(sort, 'date');
	dir text := coalesce("order", 'desc');
	f record;
	pat text;
	matched bigint[];
	src text;
BEGIN
	SELECT * INTO f FROM convdash.list_filters(acct, status, channel, export_ids.agent_id, min_rating,
		date_from, date_to, q, srt, dir, NULL);
	src := convdash.list_source_sql(srt, dir, f.conds, false, false, 'ALL');
	IF f.term IS NOT NULL THEN
		-- the list's search: session id, agent name or a shown message contains the term
		pat := convdash.search_pattern(f.term);
		SELECT coalesce(array_agg(a.id ORDER BY a.id), '{}') INTO matched
		FROM convdash.agents a
		WHERE a.account_id = acct AND a.name ILIKE pat AND (f.agents IS NULL OR a.id = ANY (f.agents));
		src := format($q$SELECT x.* FROM (%s) x
			WHERE x.session_id ILIKE $10 OR x.agent_id = ANY ($11) OR EXISTS (
				SELECT FROM convdash.messages m
				WHERE m.account_id = $1 AND m.conversation_id = x.id AND m.seq IS NOT NULL
				  AND m.content ILIKE $10)$q$, src);
	END IF;
	RETURN QUERY EXECUTE format('SELECT $1, x.id FROM (%s) x ORDER BY %s', src, convdash.list_order_sql(srt, dir))
		USING acct, f.statuses, f.channels, f.agents, min_rating, f.t_from, f.t_to,
			NULL::text, NULL::bigint, pat, matched;
END
$$;
COMMENT ON FUNCTION convdash.export_ids(text[], text[], bigint[], integer, text, text, text, text, text) IS
	'Read: (account_id, id) of every tenant conversation that list_conversations would page through with these filters, search, sort and order, in that order; the list''s 22023 errors';

-- The export: every dashboard column of the tenant's filtered conversations, in the list's order.
CREATE FUNCTION convdash.export_conversations(status text[] DEFAULT NULL, channel text[] DEFAULT NULL,
	agent_id bigint[] DEFAULT NULL, min_rating integer DEFAULT NULL, date_from text DEFAULT NULL,
	date_to text DEFAULT NULL, q text DEFAULT NULL, sort text DEFAULT 'date', "order" text DEFAULT 'desc')
RETURNS TABLE (id bigint, agent_id bigint, agent_name text, agent_company text, agent_mode convdash.agent_mode,
	session_id text, channel convdash.channel, status convdash.conversation_status, handled_by convdash.handler,
	started_at timestamptz, ended_at timestamptz, duration_seconds bigint, message_count integer,
	text_only boolean, prompt_tokens bigint, completion_tokens bigint, total_tokens bigint, rating smallint,
	rating_comment text, sentiment convdash.sentiment, sentiment_score double precision, end_reason text,
	converted boolean, tracker_session_id bigint, memory jsonb)
LANGUAGE sql STABLE
AS $$
	SELECT v.conversation_id, v.agent_id, v.agent_name, v.agent_company, v.agent_mode, v.session_id,
		v.channel, v.status, v.handled_by, v.started_at, v.ended_at, v.duration_seconds, v.message_count,
		v.text_only, v.prompt_tokens, v.completion_tokens, v.total_tokens, v.rating, v.rating_comment,
		v.sentiment, v.sentiment_score, v.end_reason, v.converted, v.tracker_session_id, v.memory
	FROM convdash.export_ids(export_conversations.status, export_conversations.channel,
		export_conversations.agent_id, min_rating, date_from, date_to, q, sort, "order")
		WITH ORDINALITY AS e(account_id, id, ord)
	-- OFFSET 0 keeps this a per-id lookup (a nested loop in the ids' order)
	-- instead of a join the planner could hash and then sort
	CROSS JOIN LATERAL (
		SELECT * FROM convdash.v_conversations v
		WHERE v.account_id = e.account_id AND v.conversation_id = e.id OFFSET 0) v
	ORDER BY e.ord
$$;
COMMENT ON FUNCTION convdash.export_conversations(text[], text[], bigint[], integer, text, text, text, text, text) IS
	'Read: one row per conversation of the tenant with every dashboard column (id, agent_id, agent_name, agent_company, agent_mode, session_id, channel, status, handled_by, started_at, ended_at, duration_seconds, message_count, text_only, prompt_tokens, completion_tokens, total_tokens, rating, rating_comment, sentiment, sentiment_score, end_reason, converted, tracker_session_id, memory), with the filters, search q, sort and order of list_conversations and in its order, all pages at once; the list''s 22023 errors; streams (inlined SQL)';

-- A text cell a spreadsheet would run as a formula (= + - @ tab CR first), quoted with a leading '.
CREATE FUNCTION convdash.csv_safe(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT CASE WHEN value ~ '^[=+@\t\r-]' THEN '''' || value ELSE value END $$;
COMMENT ON FUNCTION convdash.csv_safe(text) IS
	'Read: the text with a leading '' when it starts with = + - @ tab or CR (spreadsheet formula neutralisation), else unchanged';

-- The export as CSV-ready text cells: RFC 3339 UTC times, memory as JSON text, free text neutralised.
CREATE FUNCTION convdash.export_conversations_csv(status text[] DEFAULT NULL, channel text[] DEFAULT NULL,
	agent_id bigint[] DEFAULT NULL, min_rating integer DEFAULT NULL, date_from text DEFAULT NULL,
	date_to text DEFAULT NULL, q text DEFAULT NULL, sort text DEFAULT 'date', "order" text DEFAULT 'desc')
RETURNS TABLE (id text, agent_id text, agent_name text, agent_company text, agent_mode text,
	session_id text, channel text, status text, handled_by text, started_at text, ended_at text,
	duration_seconds text, message_count text, text_only text, prompt_tokens text, completion_tokens text,
	total_tokens text, rating text, rating_comment text, sentiment text, sentiment_score text, end_reason text,
	converted text, tracker_session_id text, memory text)
LANGUAGE sql STABLE
AS $$
	SELECT x.id::text, x.agent_id::text, convdash.csv_safe(x.agent_name), convdash.csv_safe(x.agent_company),
		x.agent_mode::text, convdash.csv_safe(x.session_id), x.channel::text, x.status::text, x.handled_by::text,
		convdash.rfc3339(x.started_at), convdash.rfc3339(x.ended_at), x.duration_seconds::text,
		x.message_count::text, x.text_only::text, x.prompt_tokens::text, x.completion_tokens::text,
		x.total_tokens::text, x.rating::text, convdash.csv_safe(x.rating_comment), x.sentiment::text,
		x.sentiment_score::text, convdash.csv_safe(x.end_reason), x.converted::text,
		x.tracker_session_id::text, convdash.csv_safe(x.memory::text)
	FROM convdash.export_conversations(export_conversations_csv.status, export_conversations_csv.channel,
		export_conversations_csv.agent_id, min_rating, date_from, date_to, q, sort, "order") x
$$;
COMMENT ON FUNCTION convdash.export_conversations_csv(text[], text[], bigint[], integer, text, text, text, text, text) IS
	'Read: export_conversations as text cells for COPY ... CSV HEADER: timestamps RFC 3339 UTC, booleans true/false, memory as JSON text, NULL as an empty cell, free-text cells starting with = + - @ tab or CR prefixed with '' (formula neutralisation)';

-- The export as one JSON object per conversation (NDJSON lines), with the shown transcript when asked.
CREATE FUNCTION convdash.export_conversations_json(status text[] DEFAULT NULL, channel text[] DEFAULT NULL,
	agent_id bigint[] DEFAULT NULL, min_rating integer DEFAULT NULL, date_from text DEFAULT NULL,
	date_to text DEFAULT NULL, q text DEFAULT NULL, sort text DEFAULT 'date', "order" text DEFAULT 'desc',
	include_messages boolean DEFAULT false)
RETURNS SETOF json
LANGUAGE sql STABLE
AS $$
	SELECT CASE WHEN include_messages
		-- the transcript goes last: the object's text without its closing brace, then "messages"
		THEN (left(o.line::text, -1) || ',"messages":' || (
			SELECT coalesce(json_agg(convdash.message_json(m, ac.id) ORDER BY m.seq), '[]')
			FROM convdash.messages m
			LEFT JOIN convdash.audio_clips ac ON ac.account_id = m.account_id AND ac.message_id = m.id
			WHERE m.account_id = (SELECT convdash.require_account()) AND m.conversation_id = x.id
			  AND m.seq IS NOT NULL)::text || '}')::json
		ELSE o.line END
	FROM convdash.export_conversations(export_conversations_json.status, export_conversations_json.channel,
		export_conversations_json.agent_id, min_rating, date_from, date_to, q, sort, "order") x
	CROSS JOIN LATERAL (SELECT json_build_object('id', x.id, 'agent_id', x.agent_id, 'agent_name', x.agent_name,
		'agent_company', x.agent_company, 'agent_mode', x.agent_mode, 'session_id', x.session_id,
		'channel', x.channel, 'status', x.status, 'handled_by', x.handled_by,
		'started_at', convdash.rfc3339(x.started_at), 'ended_at', convdash.rfc3339(x.ended_at),
		'duration_seconds', x.duration_seconds, 'message_count', x.message_count, 'text_only', x.text_only,
		'prompt_tokens', x.prompt_tokens, 'completion_tokens', x.completion_tokens,
		'total_tokens', x.total_tokens, 'rating', x.rating, 'rating_comment', x.rating_comment,
		'sentiment', x.sentiment, 'sentiment_score', x.sentiment_score, 'end_reason', x.end_reason,
		'converted', x.converted, 'tracker_session_id', x.tracker_session_id, 'memory', x.memory) AS line) o
$$;
COMMENT ON FUNCTION convdash.export_conversations_json(text[], text[], bigint[], integer, text, text, text, text, text, boolean) IS
	'Read: export_conversations as one JSON object per conversation (an NDJSON line), keys in the export''s column order, timestamps RFC 3339 UTC, memory as an object, null for none; with include_messages a last key "messages": the shown transcript (user and assistant, oldest first) as [{id, role, content, created_at, audio_id}]';

-- Privileges (99_grants.sql): Read functions for both roles, Admin ones for the owner only.
REVOKE ALL ON FUNCTION convdash.purge_conversations(interval, text[], bigint, integer, bigint[], text),
	convdash.list_filters(bigint, text[], text[], bigint[], integer, text, text, text, text, text, integer),
	convdash.iso_interval(interval), convdash.set_retention(bigint, text, interval, bigint),
	convdash.retention_rules(), convdash.apply_retention(integer, bigint), convdash.require_pg_cron(),
	convdash.schedule_retention(text), convdash.unschedule_retention(),
	convdash.export_ids(text[], text[], bigint[], integer, text, text, text, text, text),
	convdash.export_conversations(text[], text[], bigint[], integer, text, text, text, text, text),
	convdash.csv_safe(text),
	convdash.export_conversations_csv(text[], text[], bigint[], integer, text, text, text, text, text),
	convdash.export_conversations_json(text[], text[], bigint[], integer, text, text, text, text, text, boolean)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
	convdash.list_filters(bigint, text[], text[], bigint[], integer, text, text, text, text, text, integer),
	convdash.iso_interval(interval), convdash.retention_rules(),
	convdash.export_ids(text[], text[], bigint[], integer, text, text, text, text, text),
	convdash.export_conversations(text[], text[], bigint[], integer, text, text, text, text, text),
	convdash.csv_safe(text),
	convdash.export_conversations_csv(text[], text[], bigint[], integer, text, text, text, text, text),
	convdash.export_conversations_json(text[], text[], bigint[], integer, text, text, text, text, text, boolean)
	TO convdash_api, convdash_reader;
GRANT SELECT ON convdash.retention_policies, convdash.v_retention_policies TO convdash_api, convdash_reader;
