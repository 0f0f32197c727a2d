-- Idempotent writes: the first request with a key runs and stores its
-- answer; a repeat with the same request gets that answer; another request
-- with the same key is a conflict; keys are per tenant and kept 24 hours.
\set QUIET on
\i test/regress/include/err.sql
\set QUIET off

SELECT convdash.create_account('Idempotent A') AS a \gset
SELECT convdash.create_account('Idempotent B') AS b \gset
SELECT set_config('convdash.account_id', :'a', false) AS tenant \gset

-- first use: runs (NULL), then stores the answer
BEGIN;
SELECT convdash.idempotency_begin('key-1', 'POST /api/v1/agents {"name":"One"}') IS NULL AS runs;
SELECT convdash.idempotency_finish('key-1', 201, jsonb_build_object('created', convdash.create_agent('One') > 0)) AS answer;
COMMIT;
-- the repeat gets the first answer and creates nothing
SELECT convdash.idempotency_begin('key-1', 'POST /api/v1/agents {"name":"One"}') AS replay;
SELECT count(*) AS agents_named_one FROM convdash.agents WHERE account_id = :a AND name = 'One';
-- the same key for another request is a conflict
SELECT pg_temp.err($$SELECT convdash.idempotency_begin('key-1', 'POST /api/v1/agents {"name":"Two"}')$$);
-- a rolled-back first use leaves the key free
BEGIN;
SELECT convdash.idempotency_begin('key-2', 'PATCH /x {}') IS NULL AS runs;
ROLLBACK;
BEGIN;
SELECT convdash.idempotency_begin('key-2', 'PATCH /x {}') IS NULL AS runs_again;
SELECT convdash.idempotency_finish('key-2', 200, '{"ok":true}');
COMMIT;
-- keys are per tenant: B's key-1 is its own
SELECT set_config('convdash.account_id', :'b', false) AS tenant \gset
BEGIN;
SELECT convdash.idempotency_begin('key-1', 'POST /api/v1/agents {"name":"One"}') IS NULL AS b_runs;
ROLLBACK;
SELECT pg_temp.err($$SELECT convdash.idempotency_finish('key-2', 200, '{}')$$);
SELECT set_config('convdash.account_id', :'a', false) AS tenant \gset

-- bad input
SELECT pg_temp.err($$SELECT convdash.idempotency_begin('', 'x')$$);
SELECT pg_temp.err($$SELECT convdash.idempotency_begin(NULL, 'x')$$);
SELECT pg_temp.err($$SELECT convdash.idempotency_begin(repeat('k', 256), 'x')$$);
SELECT pg_temp.err($$SELECT convdash.idempotency_begin(E'has space', 'x')$$);
SELECT pg_temp.err($$SELECT convdash.idempotency_finish('never-begun', 201, '{}')$$);
SELECT pg_temp.err($$SELECT convdash.idempotency_finish('key-1', 600, '{}')$$);
RESET convdash.account_id;
SELECT pg_temp.err($$SELECT convdash.idempotency_begin('key-1', 'x')$$);

-- after 24 hours a key expires: it runs again, and the admin sweep removes old ones
UPDATE convdash.idempotency_keys SET created_at = now() - interval '25 hours'
WHERE account_id = :a AND key = 'key-1';
SELECT set_config('convdash.account_id', :'a', false) AS tenant \gset
BEGIN;
SELECT convdash.idempotency_begin('key-1', 'POST /api/v1/agents {"name":"Two"}') IS NULL AS expired_runs;
ROLLBACK;
RESET convdash.account_id;
SELECT convdash.expire_idempotency_keys() AS expired;
SELECT key FROM convdash.idempotency_keys WHERE account_id IN (:a, :b) ORDER BY account_id, key;
DELETE FROM convdash.accounts WHERE id IN (:a, :b);
