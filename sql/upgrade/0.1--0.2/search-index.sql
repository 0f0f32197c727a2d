-- Upgrade 0.1 -> 0.2, tenant search keys (issue 13): the search indexes are
-- rebuilt over search_grams(account_id, text) (64-bit keys led by the
-- tenant, 1-, 2- and 4-grams); the one-argument n-gram functions of 0.1 are gone
-- (their C symbols stay in the module for 0.1's install script). The
-- rebuild reads every shown message once: on a large installation it is
-- the long part of the update.

DROP INDEX convdash.messages_search_idx;
DROP INDEX convdash.conversations_session_search_idx;
DROP FUNCTION convdash.search_grams(text);
DROP FUNCTION convdash.search_keys(text);

CREATE FUNCTION convdash.search_grams(account_id bigint, value text) RETURNS bigint[]
AS 'MODULE_PATHNAME', 'convdash_search_tenant_grams'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE INDEX messages_search_idx ON convdash.messages USING gin (convdash.search_grams(account_id, content))
	WHERE seq IS NOT NULL;
ALTER INDEX convdash.messages_search_idx ALTER COLUMN 1 SET STATISTICS 1000;
CREATE INDEX conversations_session_search_idx ON convdash.conversations
	USING gin (convdash.search_grams(account_id, session_id));
