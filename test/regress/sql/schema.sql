-- Schema rules of DESIGN §3, checked from the catalogs so that every table
-- and function added later is held to them too. Each query lists violations:
-- an empty result is a pass.
\set QUIET on
\i test/regress/include/err.sql
\set QUIET off

-- convdash.installation_secret is the one table that is not tenant data: a
-- singleton key of the installation (signs tenant claims and list cursors), readable by the
-- owner only (RLS without a policy) and deliberately not dumped, so that a
-- restored database makes its own. It is exempt from the rules below.

-- tenant tables: account_id leads every primary, unique and foreign key
SELECT c.conrelid::regclass AS tbl, c.conname
FROM pg_constraint c
WHERE c.connamespace = 'convdash'::regnamespace AND c.contype IN ('p', 'u', 'f')
  AND c.conrelid NOT IN ('convdash.accounts'::regclass, 'convdash.installation_secret'::regclass)
  AND (SELECT attname FROM pg_attribute WHERE attrelid = c.conrelid AND attnum = c.conkey[1]) <> 'account_id'
ORDER BY 1, 2;

-- unique indexes (not constraints) lead with account_id too, but for the large-object oid
SELECT i.indexrelid::regclass AS idx
FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
WHERE t.relnamespace = 'convdash'::regnamespace AND i.indisunique
  AND t.oid NOT IN ('convdash.accounts'::regclass, 'convdash.installation_secret'::regclass)
  AND (SELECT attname FROM pg_attribute WHERE attrelid = i.indrelid AND attnum = i.indkey[0]) <> 'account_id'
  AND i.indexrelid <> 'convdash.audio_clips_loid_idx'::regclass
ORDER BY 1;

-- foreign keys CASCADE or RESTRICT on delete, never SET NULL / SET DEFAULT
SELECT conrelid::regclass AS tbl, conname, confdeltype, confupdtype
FROM pg_constraint
WHERE connamespace = 'convdash'::regnamespace AND contype = 'f'
  AND (confdeltype NOT IN ('c', 'r') OR confupdtype IN ('n', 'd'))
ORDER BY 1, 2;

-- ids are bigint identities
SELECT a.attrelid::regclass AS tbl, a.attname, format_type(a.atttypid, a.atttypmod), a.attidentity
FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid
WHERE t.relnamespace = 'convdash'::regnamespace AND t.relkind = 'r' AND a.attname = 'id'
  AND (a.atttypid <> 'bigint'::regtype OR a.attidentity <> 'a')
ORDER BY 1;

-- every table has row-level security and a policy
SELECT t.oid::regclass AS tbl, t.relrowsecurity
FROM pg_class t
WHERE t.relnamespace = 'convdash'::regnamespace AND t.relkind = 'r'
  AND (NOT t.relrowsecurity
       OR (NOT EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = t.oid) AND t.oid <> 'convdash.installation_secret'::regclass))
ORDER BY 1;

-- every table and sequence is dumped by pg_dump (pg_extension_config_dump)
SELECT t.oid::regclass AS not_dumped
FROM pg_class t
WHERE t.relnamespace = 'convdash'::regnamespace AND t.relkind IN ('r', 'S')
  AND t.oid <> 'convdash.installation_secret'::regclass
  AND t.oid <> ALL ((SELECT extconfig FROM pg_extension WHERE extname = 'convdash')::oid[])
ORDER BY 1;

-- every function and view is documented; function comments say who may call it
SELECT p.oid::regprocedure AS undocumented
FROM pg_proc p
WHERE p.pronamespace = 'convdash'::regnamespace
  AND coalesce(obj_description(p.oid, 'pg_proc'), '') !~ '^(API|Read|Admin): '
ORDER BY 1;
SELECT c.oid::regclass AS undocumented_view
FROM pg_class c
WHERE c.relnamespace = 'convdash'::regnamespace AND c.relkind = 'v'
  AND obj_description(c.oid, 'pg_class') IS NULL;

-- SECURITY DEFINER functions pin their search_path
SELECT p.oid::regprocedure AS definer_without_search_path
FROM pg_proc p
WHERE p.pronamespace = 'convdash'::regnamespace AND p.prosecdef
  AND NOT coalesce(p.proconfig, '{}') @> ARRAY['search_path=pg_catalog, convdash, pg_temp']
ORDER BY 1;

-- tenancy: every policy admits only the proven tenant, convdash.current_account()
CREATE TEMP VIEW tenancy_policies AS
SELECT p.polrelid::regclass AS tbl, p.polname
FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
WHERE c.relnamespace = 'convdash'::regnamespace
  AND (coalesce(pg_get_expr(p.polqual, p.polrelid), '') !~ '= convdash\.current_account\(\)'
       OR coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '') !~ '= convdash\.current_account\(\)');
SELECT * FROM tenancy_policies ORDER BY 1;

-- tenancy: no SQL function reads the tenant settings itself (only
-- current_account() does, after verifying the claim)
CREATE TEMP VIEW tenancy_settings AS
SELECT p.oid::regprocedure AS reads_tenant_setting
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'convdash'::regnamespace AND l.lanname <> 'c'
  AND p.prosrc ~ 'convdash\.(account_id|claim)\M';
SELECT * FROM tenancy_settings ORDER BY 1;

-- tenancy: views the service or BI roles read apply their row-level security
CREATE TEMP VIEW tenancy_views AS
SELECT c.oid::regclass AS definer_view
FROM pg_class c
WHERE c.relnamespace = 'convdash'::regnamespace AND c.relkind = 'v'
  AND (has_table_privilege('convdash_api', c.oid, 'SELECT') OR has_table_privilege('convdash_reader', c.oid, 'SELECT'))
  AND NOT coalesce(c.reloptions, '{}') @> '{security_invoker=true}';
SELECT * FROM tenancy_views ORDER BY 1;

-- tenancy: a SECURITY DEFINER function (it bypasses row-level security) that
-- the service or BI roles may call and that names a tenant table scopes
-- itself to convdash.require_account() or takes the row from a helper that
-- does (lock_conversation, lock_tracker_session, find_clip)
CREATE TEMP VIEW tenancy_definers AS
SELECT p.oid::regprocedure AS definer_without_tenant
FROM pg_proc p
WHERE p.pronamespace = 'convdash'::regnamespace AND p.prosecdef
  AND (has_function_privilege('convdash_api', p.oid, 'EXECUTE') OR has_function_privilege('convdash_reader', p.oid, 'EXECUTE'))
  AND EXISTS (SELECT FROM pg_class t
              WHERE t.relnamespace = 'convdash'::regnamespace AND t.relkind = 'r'
                AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = t.oid AND a.attname = 'account_id')
                AND p.prosrc ~ ('convdash\.' || t.relname || '\M'))
  AND p.prosrc !~ 'convdash\.(require_account|lock_conversation|lock_tracker_session|find_clip)\(';
SELECT * FROM tenancy_definers ORDER BY 1;

-- and they catch what they are written for: a definer function that reads
-- the setting and a table without a tenant, a policy that admits everyone,
-- a view that bypasses row-level security
CREATE FUNCTION convdash.regress_leak() RETURNS bigint LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$ SELECT count(*) FROM convdash.messages WHERE account_id = current_setting('convdash.account_id')::bigint $$;
GRANT EXECUTE ON FUNCTION convdash.regress_leak() TO convdash_api;
CREATE POLICY regress_open ON convdash.ratings USING (true);
CREATE VIEW convdash.regress_view AS SELECT content FROM convdash.messages;
GRANT SELECT ON convdash.regress_view TO convdash_reader;
SELECT * FROM tenancy_policies ORDER BY 1;
SELECT * FROM tenancy_settings ORDER BY 1;
SELECT * FROM tenancy_views ORDER BY 1;
SELECT * FROM tenancy_definers ORDER BY 1;
DROP VIEW convdash.regress_view;
DROP POLICY regress_open ON convdash.ratings;
DROP FUNCTION convdash.regress_leak();

-- Functions that also run on Citus (docs/CONVENTIONS.md): the tenant is
-- resolved once into a PL/pgSQL variable, never inside a query (on Citus that
-- runs on a worker, which knows no tenant, and Citus refuses a locking query
-- whose shard it cannot see); no LANGUAGE sql function with parameters reads
-- a table or view (Citus cannot plan it); no argument is a table's row type
-- (a shard's row has its own type); no UPDATE or ON CONFLICT DO UPDATE calls
-- now() inside COALESCE/CASE/GREATEST or its SET (Citus refuses them).
-- Exemptions (a function that cannot follow a rule yet): none left.
CREATE TEMP VIEW citus_exempt (function) AS SELECT NULL::regprocedure WHERE false;
CREATE TEMP VIEW citus_rules AS
SELECT 'tenant inside a query' AS rule, p.oid::regprocedure AS function
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'convdash'::regnamespace AND l.lanname IN ('sql', 'plpgsql')
  AND regexp_replace(p.prosrc, '(:=|PERFORM)\s*convdash\.require_account\(\)\s*;', '', 'g')
	~ 'convdash\.(require|current)_account\('
UNION ALL
SELECT 'sql function with parameters reads a table', p.oid::regprocedure
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'convdash'::regnamespace AND l.lanname = 'sql' AND p.pronargs > 0
  AND EXISTS (SELECT FROM pg_class c WHERE c.relnamespace = 'convdash'::regnamespace AND c.relkind IN ('r', 'v')
              AND p.prosrc ~ ('convdash\.' || c.relname || '\M'))
UNION ALL
SELECT 'row type argument', p.oid::regprocedure
FROM pg_proc p
WHERE p.pronamespace = 'convdash'::regnamespace
  AND EXISTS (SELECT FROM unnest(p.proargtypes::oid[]) t JOIN pg_class c ON c.reltype = t
              WHERE c.relnamespace = 'convdash'::regnamespace AND c.relkind <> 'c')
UNION ALL
SELECT 'now() inside an UPDATE', p.oid::regprocedure
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'convdash'::regnamespace AND l.lanname IN ('sql', 'plpgsql')
  AND (p.prosrc ~* 'ON\s+CONFLICT[^;]*DO\s+UPDATE[^;]*\m(now|clock_timestamp|random)\('
       OR p.prosrc ~* '\mUPDATE\s[^;]*\mSET\M[^;]*\m(coalesce|CASE|greatest|least)\M[^;]*\m(now|clock_timestamp|random)\(');
SELECT * FROM citus_rules WHERE function NOT IN (SELECT function FROM citus_exempt) ORDER BY rule, function::text;
SELECT function FROM citus_exempt ORDER BY function::text;

-- and they catch what they are written for
CREATE FUNCTION convdash.regress_inline(conversation_id bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM FROM convdash.conversations c
	WHERE c.account_id = convdash.require_account() AND c.id = conversation_id FOR UPDATE;
END $$;
CREATE FUNCTION convdash.regress_sql_params(agent_id bigint) RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM convdash.conversations c WHERE c.agent_id = regress_sql_params.agent_id
$$;
CREATE FUNCTION convdash.regress_row(a convdash.agents) RETURNS text LANGUAGE sql AS $$ SELECT a.name $$;
CREATE FUNCTION convdash.regress_now(id bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	acct bigint := convdash.require_account();
BEGIN
	UPDATE convdash.conversations c SET ended_at = coalesce(c.ended_at, now())
	WHERE c.account_id = acct AND c.id = regress_now.id;
END $$;
CREATE FUNCTION convdash.regress_upsert(id bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	acct bigint := convdash.require_account();
BEGIN
	INSERT INTO convdash.ratings AS r (account_id, conversation_id, score) VALUES (acct, id, 1)
	ON CONFLICT ON CONSTRAINT ratings_pkey DO UPDATE SET rated_at = now();
END $$;
SELECT * FROM citus_rules WHERE function NOT IN (SELECT function FROM citus_exempt) ORDER BY rule, function::text;
DROP FUNCTION convdash.regress_inline(bigint), convdash.regress_sql_params(bigint),
	convdash.regress_row(convdash.agents), convdash.regress_now(bigint), convdash.regress_upsert(bigint);

-- the service and BI roles own nothing and cannot bypass RLS
SELECT rolname, rolsuper, rolbypassrls, rolcanlogin,
	(SELECT count(*) FROM pg_class WHERE relowner = r.oid) AS owns
FROM pg_roles r WHERE rolname IN ('convdash_api', 'convdash_reader') ORDER BY 1;

-- who may execute what
SELECT substring(obj_description(p.oid, 'pg_proc') from '^(\w+):') AS kind,
	has_function_privilege('convdash_api', p.oid, 'EXECUTE') AS api,
	has_function_privilege('convdash_reader', p.oid, 'EXECUTE') AS reader,
	count(*) > 0 AS present
FROM pg_proc p WHERE p.pronamespace = 'convdash'::regnamespace
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

-- CHECK constraints hold even for direct writes by the owner
SELECT convdash.create_account('Schema Co') AS acct \gset
INSERT INTO convdash.agents (account_id, name) VALUES (:acct, 'Checker') RETURNING id AS agent \gset
INSERT INTO convdash.conversations (account_id, agent_id, session_id, channel, started_at)
VALUES (:acct, :agent, 'chk', 'web', '2026-01-01 00:00:00+00') RETURNING id AS conv \gset
SELECT pg_temp.err(format('UPDATE convdash.conversations SET rating = 6 WHERE id = %s', :conv));
SELECT pg_temp.err(format('UPDATE convdash.conversations SET rating = 0 WHERE id = %s', :conv));
SELECT pg_temp.err(format('INSERT INTO convdash.conversation_counters (account_id, conversation_id, agent_id, channel, status, started_at, prompt_tokens) VALUES (%s, %s, %s, %L, %L, now(), -1)', :acct, :conv, :agent, 'web', 'active'));
SELECT pg_temp.err(format('UPDATE convdash.conversations SET memory = %L WHERE id = %s', '[]', :conv));
SELECT pg_temp.err(format('UPDATE convdash.conversations SET sentiment_score = 1.5 WHERE id = %s', :conv));
SELECT pg_temp.err(format('UPDATE convdash.conversations SET ended_at = %L, status = %L WHERE id = %s', '2025-01-01', 'closed', :conv));
SELECT pg_temp.err(format('UPDATE convdash.conversations SET status = %L WHERE id = %s', 'closed', :conv));
SELECT pg_temp.err(format('INSERT INTO convdash.ratings (account_id, conversation_id, score) VALUES (%s, %s, 6)', :acct, :conv));
SELECT pg_temp.err(format('INSERT INTO convdash.messages (account_id, conversation_id, role, content, seq) VALUES (%s, %s, %L, %L, 1)', :acct, :conv, 'system', 'x'));
SELECT pg_temp.err(format('INSERT INTO convdash.messages (account_id, conversation_id, role, content) VALUES (%s, %s, %L, %L)', :acct, :conv, 'user', 'x'));
SELECT pg_temp.err(format('INSERT INTO convdash.messages (account_id, conversation_id, role, content, completion_tokens) VALUES (%s, %s, %L, %L, -2)', :acct, :conv, 'tool', 'x'));
INSERT INTO convdash.tracker_sessions (account_id) VALUES (:acct) RETURNING id AS ts \gset
SELECT pg_temp.err(format('INSERT INTO convdash.tracker_pageviews (account_id, tracker_session_id, url, scroll_depth) VALUES (%s, %s, %L, 101)', :acct, :ts, 'u'));
SELECT pg_temp.err(format('INSERT INTO convdash.tracker_events (account_id, tracker_session_id, name, type, trigger_name) VALUES (%s, %s, %L, %L, %L)', :acct, :ts, 'n', 't', 'only name'));
SELECT pg_temp.err(format('INSERT INTO convdash.tracker_sessions (account_id, duration_seconds) VALUES (%s, -1)', :acct));
-- a conversation in another account cannot point at this account's agent
SELECT convdash.create_account('Elsewhere') AS elsewhere \gset
SELECT pg_temp.err(format('INSERT INTO convdash.conversations (account_id, agent_id, session_id, channel) VALUES (%s, %s, %L, %L)', :elsewhere, :agent, 's', 'web'));
-- an agent with conversations cannot be deleted; deleting an account removes everything
SELECT pg_temp.err(format('DELETE FROM convdash.agents WHERE id = %s', :agent));
DELETE FROM convdash.conversations WHERE id = :conv;
DELETE FROM convdash.accounts WHERE id IN (:acct, :elsewhere);
SELECT count(*) AS left_over FROM convdash.tracker_sessions WHERE account_id = :acct;

-- the upgrade path from 0.1 is shipped
SELECT source, target FROM pg_extension_update_paths('convdash') WHERE path IS NOT NULL ORDER BY 1, 2;
SELECT extversion FROM pg_extension WHERE extname = 'convdash';
