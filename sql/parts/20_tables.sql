-- Tables of the domain (DESIGN §2, §3). Every tenant table carries
-- account_id; every primary, unique and foreign key leads with it, and
-- foreign keys CASCADE or RESTRICT only, so the schema can be distributed by
-- account_id. Counters of conversations are kept by the write functions and
-- verified by convdash.integrity_check().

CREATE TABLE convdash.accounts (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
	time_zone   text NOT NULL DEFAULT 'UTC',
	created_at  timestamptz NOT NULL DEFAULT now(),
	search_config regconfig NOT NULL DEFAULT 'simple',
	search_reindex_next bigint,
	search_reindex_upto bigint,
	search_reindex_done bigint NOT NULL DEFAULT 0,
	search_reindex_total bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE convdash.accounts IS 'Tenants: one customer company each';
COMMENT ON COLUMN convdash.accounts.time_zone IS 'IANA zone in which date filters are read as calendar days';
COMMENT ON COLUMN convdash.accounts.search_config IS 'Text search configuration that stems the account''s words for word search';
COMMENT ON COLUMN convdash.accounts.search_reindex_next IS 'Re-indexing of words after a configuration change: the next message id to do (NULL: none pending)';
COMMENT ON COLUMN convdash.accounts.search_reindex_upto IS 'Re-indexing of words: the last message id to do (later ones were indexed with the new configuration)';
COMMENT ON COLUMN convdash.accounts.search_reindex_done IS 'Re-indexing of words: shown messages done';
COMMENT ON COLUMN convdash.accounts.search_reindex_total IS 'Re-indexing of words: shown messages to do in all';

CREATE TABLE convdash.api_keys (
	account_id   bigint NOT NULL REFERENCES convdash.accounts (id) ON DELETE CASCADE,
	id           bigint GENERATED ALWAYS AS IDENTITY,
	label        text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
	key_hash     bytea NOT NULL CHECK (length(key_hash) = 32),
	created_at   timestamptz NOT NULL DEFAULT now(),
	revoked_at   timestamptz,
	PRIMARY KEY (account_id, id),
	UNIQUE (account_id, key_hash)
);
COMMENT ON TABLE convdash.api_keys IS 'API keys: only the SHA-256 of the key is stored; the key names its account';

CREATE TABLE convdash.agents (
	account_id  bigint NOT NULL REFERENCES convdash.accounts (id) ON DELETE CASCADE,
	id          bigint GENERATED ALWAYS AS IDENTITY,
	name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
	company     text CHECK (length(company) <= 200),
	mode        convdash.agent_mode NOT NULL DEFAULT 'active',
	created_at  timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, id),
	UNIQUE (account_id, name)
);
COMMENT ON TABLE convdash.agents IS 'AI agents of an account';

CREATE TABLE convdash.tracker_sessions (
	account_id        bigint NOT NULL REFERENCES convdash.accounts (id) ON DELETE CASCADE,
	id                bigint GENERATED ALWAYS AS IDENTITY,
	device            convdash.device_type,
	browser           text CHECK (length(browser) <= 200),
	os                text CHECK (length(os) <= 200),
	country           text CHECK (length(country) <= 200),
	city              text CHECK (length(city) <= 200),
	landing_page      text CHECK (length(landing_page) <= 2048),
	traffic_source    text CHECK (length(traffic_source) <= 200),
	utm_source        text CHECK (length(utm_source) <= 200),
	utm_medium        text CHECK (length(utm_medium) <= 200),
	started_at        timestamptz NOT NULL DEFAULT now(),
	duration_seconds  integer CHECK (duration_seconds >= 0),
	pages_visited     integer CHECK (pages_visited >= 0),
	bounce            boolean,
	PRIMARY KEY (account_id, id)
);
COMMENT ON TABLE convdash.tracker_sessions IS 'Website analytics sessions, linked to conversations via the widget';

CREATE TABLE convdash.tracker_pageviews (
	account_id          bigint NOT NULL,
	id                  bigint GENERATED ALWAYS AS IDENTITY,
	tracker_session_id  bigint NOT NULL,
	url                 text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
	title               text CHECK (length(title) <= 1000),
	time_spent_seconds  integer NOT NULL DEFAULT 0 CHECK (time_spent_seconds >= 0),
	scroll_depth        smallint NOT NULL DEFAULT 0 CHECK (scroll_depth BETWEEN 0 AND 100),
	viewed_at           timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, id),
	FOREIGN KEY (account_id, tracker_session_id)
		REFERENCES convdash.tracker_sessions (account_id, id) ON DELETE CASCADE
);
CREATE INDEX ON convdash.tracker_pageviews (account_id, tracker_session_id, viewed_at, id);
COMMENT ON TABLE convdash.tracker_pageviews IS 'Pages seen in a tracker session';

-- An event is a trigger when trigger_name is set; the trigger columns come
-- together or not at all.
CREATE TABLE convdash.tracker_events (
	account_id          bigint NOT NULL,
	id                  bigint GENERATED ALWAYS AS IDENTITY,
	tracker_session_id  bigint NOT NULL,
	name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	type                text NOT NULL CHECK (length(type) BETWEEN 1 AND 100),
	occurred_at         timestamptz NOT NULL DEFAULT now(),
	trigger_name        text CHECK (length(trigger_name) BETWEEN 1 AND 200),
	trigger_action      text CHECK (length(trigger_action) BETWEEN 1 AND 100),
	trigger_data        jsonb,
	PRIMARY KEY (account_id, id),
	FOREIGN KEY (account_id, tracker_session_id)
		REFERENCES convdash.tracker_sessions (account_id, id) ON DELETE CASCADE,
	CHECK ((trigger_name IS NULL) = (trigger_action IS NULL)),
	CHECK (trigger_data IS NULL OR trigger_name IS NOT NULL)
);
CREATE INDEX ON convdash.tracker_events (account_id, tracker_session_id, occurred_at, id);
COMMENT ON TABLE convdash.tracker_events IS 'Events of a tracker session; rows with trigger_name are triggers';

CREATE TABLE convdash.conversations (
	account_id          bigint NOT NULL REFERENCES convdash.accounts (id) ON DELETE CASCADE,
	id                  bigint GENERATED ALWAYS AS IDENTITY,
	agent_id            bigint NOT NULL,
	session_id          text NOT NULL CHECK (length(session_id) BETWEEN 1 AND 200),
	channel             convdash.channel NOT NULL,
	status              convdash.conversation_status NOT NULL DEFAULT 'active',
	handled_by          convdash.handler NOT NULL DEFAULT 'ai',
	started_at          timestamptz NOT NULL DEFAULT now(),
	ended_at            timestamptz,
	end_reason          text CHECK (length(end_reason) BETWEEN 1 AND 500),
	sentiment           convdash.sentiment,
	sentiment_score     double precision CHECK (sentiment_score BETWEEN -1 AND 1),
	converted           boolean NOT NULL DEFAULT false,
	has_voice           boolean NOT NULL DEFAULT false,
	memory              jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(memory) = 'object'),
	tracker_session_id  bigint,
	rating              smallint CHECK (rating BETWEEN 1 AND 5),
	PRIMARY KEY (account_id, id),
	FOREIGN KEY (account_id, agent_id)
		REFERENCES convdash.agents (account_id, id) ON DELETE RESTRICT,
	FOREIGN KEY (account_id, tracker_session_id)
		REFERENCES convdash.tracker_sessions (account_id, id) ON DELETE RESTRICT,
	CHECK (ended_at IS NULL OR ended_at >= started_at),
	CHECK ((status = 'active') = (ended_at IS NULL))
);
COMMENT ON TABLE convdash.conversations IS 'One conversation between an agent and a visitor session';
COMMENT ON COLUMN convdash.conversations.rating IS 'Copy of ratings.score for sorting and filtering; kept by rate_conversation';
COMMENT ON COLUMN convdash.conversations.end_reason IS 'Why it ended; NULL shows as "Completed"';

-- List indexes: default sort (newest first), per agent; the message count's
-- is on conversation_counters, the status and rating walks of the list are
-- in 60_list.sql. Each includes the list's filter columns it does not lead
-- with, so that a walk under filters reads the index only.
CREATE INDEX conversations_started_idx ON convdash.conversations (account_id, started_at DESC, id DESC)
	INCLUDE (agent_id, channel, status, rating);
CREATE INDEX conversations_agent_idx ON convdash.conversations (account_id, agent_id, started_at DESC, id DESC)
	INCLUDE (channel, status, rating);
CREATE INDEX conversations_tracker_idx ON convdash.conversations (account_id, tracker_session_id)
	WHERE tracker_session_id IS NOT NULL;

-- The counters every append changes, one row per conversation (made with
-- it by start_conversation), kept apart from the wide conversations row:
-- updating that row inserted into all its indexes (one a GIN over session
-- ids) because message_count is indexed for the "messages" sort; here an
-- append updates a narrow row with two btree indexes, and conversations is
-- not written at all (README, "append"). The row also carries copies of the
-- list's filter columns (agent_id, channel, started_at never change; status
-- and rating are copied by sync_conversation_counters whenever they do), so
-- the "messages" sort filters the rows it walks here, not in conversations.
CREATE TABLE convdash.conversation_counters (
	account_id         bigint NOT NULL,
	conversation_id    bigint NOT NULL,
	message_count      integer NOT NULL DEFAULT 0 CHECK (message_count >= 0),
	prompt_tokens      bigint NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
	completion_tokens  bigint NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
	last_message_at    timestamptz,
	agent_id           bigint NOT NULL,
	channel            convdash.channel NOT NULL,
	status             convdash.conversation_status NOT NULL,
	started_at         timestamptz NOT NULL,
	rating             smallint,
	PRIMARY KEY (account_id, conversation_id),
	FOREIGN KEY (account_id, conversation_id)
		REFERENCES convdash.conversations (account_id, id) ON DELETE CASCADE
) WITH (fillfactor = 70);
-- the list's "messages" sort (60_list.sql); the filter columns' copies are
-- included so that a walk under filters reads the index only (a walk of
-- status=active & channel=voip drops ~100 rows per row of the page)
CREATE INDEX conversation_counters_messages_idx ON convdash.conversation_counters
	(account_id, message_count DESC, conversation_id DESC) INCLUDE (agent_id, channel, status, rating, started_at);
COMMENT ON TABLE convdash.conversation_counters IS
	'Per-conversation counters kept by append_message (one row per conversation); verified by integrity_check()';
COMMENT ON COLUMN convdash.conversation_counters.message_count IS 'User and assistant messages (the ones the transcript shows); kept by append_message';
COMMENT ON COLUMN convdash.conversation_counters.prompt_tokens IS 'Sum of prompt tokens over all messages; kept by append_message';
COMMENT ON COLUMN convdash.conversation_counters.completion_tokens IS 'Sum of completion tokens over all messages; kept by append_message';
COMMENT ON COLUMN convdash.conversation_counters.last_message_at IS 'Time of the latest message (any role); NULL before the first';
COMMENT ON COLUMN convdash.conversation_counters.status IS 'Copy of conversations.status for the list''s messages sort; kept by sync_conversation_counters';
COMMENT ON COLUMN convdash.conversation_counters.rating IS 'Copy of conversations.rating for the list''s messages sort; kept by sync_conversation_counters';

CREATE TABLE convdash.ratings (
	account_id       bigint NOT NULL,
	conversation_id  bigint NOT NULL,
	score            smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
	comment          text CHECK (length(comment) <= 5000),
	rated_at         timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, conversation_id),
	FOREIGN KEY (account_id, conversation_id)
		REFERENCES convdash.conversations (account_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE convdash.ratings IS 'Client rating of a conversation (1-5, optional comment)';

-- seq numbers the shown (user/assistant) messages of a conversation 1..n in
-- arrival order, so a transcript page is an index range, never an OFFSET.
CREATE TABLE convdash.messages (
	account_id         bigint NOT NULL,
	id                 bigint GENERATED ALWAYS AS IDENTITY,
	conversation_id    bigint NOT NULL,
	role               convdash.message_role NOT NULL,
	content            text NOT NULL CHECK (length(content) <= 1000000),
	created_at         timestamptz NOT NULL DEFAULT now(),
	prompt_tokens      integer CHECK (prompt_tokens >= 0),
	completion_tokens  integer CHECK (completion_tokens >= 0),
	seq                integer CHECK (seq >= 1),
	words              tsvector,
	PRIMARY KEY (account_id, id),
	FOREIGN KEY (account_id, conversation_id)
		REFERENCES convdash.conversations (account_id, id) ON DELETE CASCADE,
	CHECK ((seq IS NULL) = (role IN ('system', 'tool')))
);
CREATE UNIQUE INDEX messages_transcript_idx ON convdash.messages (account_id, conversation_id, seq)
	WHERE seq IS NOT NULL;
CREATE INDEX messages_conversation_idx ON convdash.messages (account_id, conversation_id, id);
COMMENT ON TABLE convdash.messages IS 'Messages of a conversation; system and tool messages are stored but never shown or counted';
COMMENT ON COLUMN convdash.messages.words IS 'Word search: the lexemes of a shown message in the account''s configuration, each qualified by the account ("<account_id>/<lexeme>"); NULL for system/tool';
COMMENT ON COLUMN convdash.messages.seq IS 'Position among the shown messages of the conversation (1 = oldest); NULL for system/tool';

CREATE TABLE convdash.audio_clips (
	account_id       bigint NOT NULL,
	id               bigint GENERATED ALWAYS AS IDENTITY,
	conversation_id  bigint NOT NULL,
	message_id       bigint NOT NULL,
	loid             oid,
	mime             text NOT NULL CHECK (mime ~ '^audio/[A-Za-z0-9.+-]+$'),
	bytes            bigint NOT NULL CHECK (bytes >= 0),
	duration_ms      integer CHECK (duration_ms >= 0),
	sha256           bytea CHECK (length(sha256) = 32),
	peaks            real[],
	created_at       timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, id),
	UNIQUE (account_id, message_id),
	FOREIGN KEY (account_id, message_id)
		REFERENCES convdash.messages (account_id, id) ON DELETE CASCADE,
	FOREIGN KEY (account_id, conversation_id)
		REFERENCES convdash.conversations (account_id, id) ON DELETE CASCADE,
	storage          text NOT NULL DEFAULT 'large_object',
	CONSTRAINT audio_clips_storage_check
		CHECK (storage IN ('large_object', 'chunks') AND (loid IS NOT NULL) = (storage = 'large_object'))
);
CREATE INDEX audio_clips_conversation_idx ON convdash.audio_clips (account_id, conversation_id, message_id);
CREATE UNIQUE INDEX audio_clips_loid_idx ON convdash.audio_clips (loid);
COMMENT ON TABLE convdash.audio_clips IS 'Voice clips of messages; the bytes live in the large object loid or in audio_chunks (column storage)';
COMMENT ON COLUMN convdash.audio_clips.storage IS 'Where the bytes live: large_object (loid) or chunks (convdash.audio_chunks)';

-- Content-free audit of deletions: no session id, text or audio survives.
CREATE TABLE convdash.deletion_log (
	account_id       bigint NOT NULL REFERENCES convdash.accounts (id) ON DELETE CASCADE,
	id               bigint GENERATED ALWAYS AS IDENTITY,
	conversation_id  bigint NOT NULL,
	deleted_by       text NOT NULL DEFAULT session_user,
	deleted_at       timestamptz NOT NULL DEFAULT now(),
	reason           text NOT NULL DEFAULT 'request',
	message_count    integer NOT NULL CHECK (message_count >= 0),
	clip_count       integer NOT NULL CHECK (clip_count >= 0),
	api_key_id       bigint,
	note             text CHECK (length(note) <= 200),
	PRIMARY KEY (account_id, id)
);
COMMENT ON TABLE convdash.deletion_log IS 'Audit of irreversible deletions: who, when, how many messages and clips (no content)';
COMMENT ON COLUMN convdash.deletion_log.deleted_by IS 'Who deleted: "api key <id> (<label>)" for the service, else the session user; never taken from a setting';
COMMENT ON COLUMN convdash.deletion_log.note IS 'Free-text note of the deleter (the setting convdash.note), at most 200 characters';

-- pg_dump keeps the rows of extension tables only when registered.
SELECT pg_catalog.pg_extension_config_dump('convdash.accounts', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.api_keys', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.agents', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.tracker_sessions', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.tracker_pageviews', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.tracker_events', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.conversations', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.conversation_counters', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.ratings', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.messages', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.audio_clips', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.deletion_log', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.accounts_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.api_keys_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.agents_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.tracker_sessions_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.tracker_pageviews_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.tracker_events_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.conversations_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.messages_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.audio_clips_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.deletion_log_id_seq', '');
