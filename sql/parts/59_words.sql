-- Word search (match=words, DESIGN §4, issue 13): websearch_to_tsquery
-- syntax (words, "quoted phrases", or, -word) over agent names and the shown
-- (user/assistant) messages, stemmed by the account's text search
-- configuration (accounts.search_config, default simple).
--
-- Each shown message's tsvector is computed when it is written
-- (messages.words, by message_words) and indexed in one GIN. Its lexemes are
-- qualified by the tenant ("<account_id>/<lexeme>", words.c), and so are the
-- query's (words_query): a tenant's search reads only its own postings, so a
-- word frequent in another tenant costs nothing, and on Citus the keys
-- follow the shard. (A GIN over (account_id, words) with btree_gin would
-- intersect the tenant's whole posting list with every tenant's postings of
-- the word.)
--
-- Changing an account's configuration (set_account_search_config) applies
-- at once to new messages and marks the older ones for re-indexing, which
-- an admin runs in batches (CALL convdash.search_reindex(account_id), or
-- search_reindex_step from pg_cron) and follows with search_reindex_progress.

CREATE FUNCTION convdash.words_tenant(words tsvector, account_id bigint) RETURNS tsvector
AS 'MODULE_PATHNAME', 'convdash_words_tenant'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.words_tenant(tsvector, bigint) IS
	'Read: the tsvector with every lexeme qualified by the account ("<account_id>/<lexeme>"), positions and weights kept';

CREATE INDEX messages_words_idx ON convdash.messages USING gin (words) WHERE words IS NOT NULL;

-- The indexed words of a message as it is written: NULL for system/tool messages.
CREATE FUNCTION convdash.message_words(account_id bigint, shown boolean, content text) RETURNS tsvector
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
	IF NOT shown THEN
		RETURN NULL;
	END IF;
	RETURN convdash.words_tenant(to_tsvector(
		(SELECT a.search_config FROM convdash.accounts a WHERE a.id = message_words.account_id), content), account_id);
END
$$;
COMMENT ON FUNCTION convdash.message_words(bigint, boolean, text) IS
	'Admin: the words column of a message of the account: its tenant-qualified tsvector in the account''s configuration, NULL when not shown';

-- The query of q in websearch syntax and the configuration, qualified by the
-- account like the indexed words (lexemes are quoted in a tsquery's text).
CREATE FUNCTION convdash.words_query(account_id bigint, config regconfig, q text) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
	RETURN regexp_replace(websearch_to_tsquery(config, q)::text, '''((?:[^'']|'''')*)''',
		'''' || account_id || '/\1''', 'g')::tsquery;
END
$$;
COMMENT ON FUNCTION convdash.words_query(bigint, regconfig, text) IS
	'Read: the tsquery of q in web-search syntax (words, "phrases", or, -word) in the configuration, its lexemes qualified by the account';

CREATE FUNCTION convdash.words_index_count(query tsquery) RETURNS bigint
AS 'MODULE_PATHNAME', 'convdash_words_index_count'
LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION convdash.words_index_count(tsquery) IS
	'Admin: how many entries of messages_words_idx the current tenant''s word query selects (an upper bound of the messages it matches), from the index alone; NULL when it needs no lexeme to match (only -words), 0 without lexemes; 42501 for another tenant''s lexemes';

CREATE FUNCTION convdash.words_rare_query(query tsquery, common text[]) RETURNS tsquery
AS 'MODULE_PATHNAME', 'convdash_words_rare_query'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION convdash.words_rare_query(tsquery, text[]) IS
	'Admin: a query of only the lexemes of query that are not in common that every text the query matches matches too (its AND and phrase sides that have one, an OR of two such sides; phrases as AND, -words dropped, a prefix common), NULL when there is none; common NULL: every lexeme but a prefix is rare';

-- Sets an account's text search configuration; its messages are re-indexed by search_reindex.
CREATE FUNCTION convdash.set_account_search_config(account_id bigint, config regconfig) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	old regconfig;
	upto bigint;
	total bigint;
BEGIN
	IF config IS NULL THEN
		RAISE EXCEPTION 'config is required' USING ERRCODE = 'invalid_parameter_value', COLUMN = 'config';
	END IF;
	SELECT a.search_config INTO old FROM convdash.accounts a WHERE a.id = set_account_search_config.account_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'account % does not exist', account_id USING ERRCODE = 'no_data_found';
	END IF;
	IF old = config THEN
		RETURN;
	END IF;
	SELECT max(m.id), count(*) FILTER (WHERE m.seq IS NOT NULL) INTO upto, total
	FROM convdash.messages m WHERE m.account_id = set_account_search_config.account_id;
	UPDATE convdash.accounts a SET search_config = config,
		search_reindex_next = CASE WHEN upto IS NOT NULL THEN 0 END, search_reindex_upto = upto,
		search_reindex_done = 0, search_reindex_total = total
	WHERE a.id = set_account_search_config.account_id;
END
$$;
COMMENT ON FUNCTION convdash.set_account_search_config(bigint, regconfig) IS
	'Admin: sets the text search configuration (default simple; e.g. english, german) that stems the account''s words; new messages use it at once, older ones after CALL convdash.search_reindex(account_id); 22023 for NULL, P0002 unknown account';

-- One batch of re-indexing: the words of up to batch_size shown messages; returns how many are left.
CREATE FUNCTION convdash.search_reindex_step(account_id bigint, batch_size integer DEFAULT 10000) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := search_reindex_step.account_id;
	cfg regconfig;
	next_id bigint;
	upto bigint;
	last_id bigint;
	n bigint;
BEGIN
	PERFORM convdash.check_range(batch_size, 'batch_size', 1, 1000000);
	-- the row lock makes concurrent steps of one account take turns
	SELECT a.search_config, a.search_reindex_next, a.search_reindex_upto INTO cfg, next_id, upto
	FROM convdash.accounts a WHERE a.id = acct FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'account % does not exist', acct USING ERRCODE = 'no_data_found';
	END IF;
	IF next_id IS NULL THEN
		RETURN 0;
	END IF;
	SELECT max(b.id), count(*) INTO last_id, n FROM (
		SELECT m.id FROM convdash.messages m
		WHERE m.account_id = acct AND m.id >= next_id AND m.id <= upto AND m.seq IS NOT NULL
		ORDER BY m.id LIMIT batch_size) b;
	IF n > 0 THEN
		UPDATE convdash.messages m SET words = convdash.words_tenant(to_tsvector(cfg, m.content), acct)
		WHERE m.account_id = acct AND m.id >= next_id AND m.id <= last_id AND m.seq IS NOT NULL;
	END IF;
	UPDATE convdash.accounts a SET
		search_reindex_next = CASE WHEN n = batch_size AND last_id < upto THEN last_id + 1 END,
		search_reindex_upto = CASE WHEN n = batch_size AND last_id < upto THEN upto END,
		search_reindex_done = a.search_reindex_done + n
	WHERE a.id = acct;
	RETURN CASE WHEN n = batch_size AND last_id < upto
		THEN greatest((SELECT a.search_reindex_total - a.search_reindex_done FROM convdash.accounts a WHERE a.id = acct), 1)
		ELSE 0 END;
END
$$;
COMMENT ON FUNCTION convdash.search_reindex_step(bigint, integer) IS
	'Admin: re-indexes the words of up to batch_size of the account''s shown messages written before its last configuration change; returns about how many are left (0: done); for pg_cron or a loop';

-- Re-indexes all of an account's pending messages, a commit after each batch, progress as NOTICEs.
-- (No SET search_path: a procedure with one cannot COMMIT; every name is qualified.)
CREATE PROCEDURE convdash.search_reindex(account_id bigint, batch_size integer DEFAULT 10000)
LANGUAGE plpgsql
AS $$
DECLARE
	p record;
BEGIN
	WHILE convdash.search_reindex_step(account_id, batch_size) > 0 LOOP
		COMMIT;
		SELECT * INTO p FROM convdash.search_reindex_progress(account_id);
		RAISE NOTICE 'search_reindex: account %: % of % messages', account_id, p.done, p.total;
	END LOOP;
	COMMIT;
END
$$;
COMMENT ON PROCEDURE convdash.search_reindex(bigint, integer) IS
	'Admin: re-indexes every word of the account''s messages written before its last configuration change, committing each batch_size messages and reporting progress as NOTICEs';

-- Re-indexing progress of one account (or of every account).
CREATE FUNCTION convdash.search_reindex_progress(account_id bigint DEFAULT NULL)
RETURNS TABLE (account bigint, config regconfig, pending boolean, done bigint, total bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
BEGIN
	RETURN QUERY SELECT a.id, a.search_config, a.search_reindex_next IS NOT NULL, a.search_reindex_done,
		a.search_reindex_total
	FROM convdash.accounts a
	WHERE search_reindex_progress.account_id IS NULL OR a.id = search_reindex_progress.account_id
	ORDER BY a.id;
END
$$;
COMMENT ON FUNCTION convdash.search_reindex_progress(bigint) IS
	'Admin: per account, its text search configuration, whether re-indexing is pending, and the shown messages done of the total';
