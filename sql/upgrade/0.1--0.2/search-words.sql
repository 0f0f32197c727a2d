-- Upgrade 0.1 -> 0.2, list_conversations in parts and word search (issue 13):
-- the list's checked arguments become one type, list_source_sql takes them
-- (a new signature). The functions of 60_list.sql come with every other function.

DROP FUNCTION convdash.list_source_sql(text, text, text, boolean, boolean, text);

CREATE TYPE convdash.list_args AS (
	account_id bigint,
	statuses convdash.conversation_status[],
	channels convdash.channel[],
	agents bigint[],
	min_rating integer,
	t_from timestamptz,
	t_to timestamptz,
	cursor_k text,
	cursor_id bigint,
	pattern text,
	matched bigint[],
	candidates bigint[],
	cursor_t text,
	keys bigint[],
	words tsquery,
	matched_ranks real[],
	rare_words tsquery,
	term text,
	mode text,
	config regconfig,
	plain tsquery,
	candidate_seqs integer[]
);

-- list_conversations gains match (a new signature)
DROP FUNCTION convdash.list_conversations(text[], text[], bigint[], integer, text, text, text, text, text,
	integer, text, boolean);

-- word search: the account's configuration and re-indexing state, each
-- shown message's tenant-qualified words (computed below by re-indexing)
ALTER TABLE convdash.accounts
	ADD COLUMN search_config regconfig NOT NULL DEFAULT 'simple',
	ADD COLUMN search_reindex_next bigint,
	ADD COLUMN search_reindex_upto bigint,
	ADD COLUMN search_reindex_done bigint NOT NULL DEFAULT 0,
	ADD COLUMN search_reindex_total bigint NOT NULL DEFAULT 0;
COMMENT ON COLUMN convdash.accounts.search_config IS 'Text search configuration that stems the account''s words for word search';
COMMENT ON COLUMN convdash.accounts.search_reindex_next IS 'Re-indexing of words after a configuration change: the next message id to do (NULL: none pending)';
COMMENT ON COLUMN convdash.accounts.search_reindex_upto IS 'Re-indexing of words: the last message id to do (later ones were indexed with the new configuration)';
COMMENT ON COLUMN convdash.accounts.search_reindex_done IS 'Re-indexing of words: shown messages done';
COMMENT ON COLUMN convdash.accounts.search_reindex_total IS 'Re-indexing of words: shown messages to do in all';
ALTER TABLE convdash.messages ADD COLUMN words tsvector;
COMMENT ON COLUMN convdash.messages.words IS 'Word search: the lexemes of a shown message in the account''s configuration, each qualified by the account ("<account_id>/<lexeme>"); NULL for system/tool';
CREATE INDEX messages_words_idx ON convdash.messages USING gin (words) WHERE words IS NOT NULL;

-- the messages of 0.1 have no words yet: every account's are pending
-- re-indexing (CALL convdash.search_reindex(account_id) after the update)
UPDATE convdash.accounts a SET search_reindex_next = 0, search_reindex_upto = m.upto, search_reindex_total = m.total
FROM (SELECT m.account_id, max(m.id) AS upto, count(*) FILTER (WHERE m.seq IS NOT NULL) AS total
      FROM convdash.messages m GROUP BY m.account_id) m
WHERE m.account_id = a.id;
