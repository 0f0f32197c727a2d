-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION convdash CASCADE" to load this file. \quit
-- Enumerated types of the domain (DESIGN §2). Adding a value later is an
-- ALTER TYPE ... ADD VALUE in an upgrade script.

CREATE TYPE convdash.channel AS ENUM
	('web', 'widget', 'telegram', 'whatsapp', 'voip', 'messenger', 'crm');
COMMENT ON TYPE convdash.channel IS 'Channel the visitor used';

-- Declared in lifecycle order: sorting by status sorts active, closed, archived.
CREATE TYPE convdash.conversation_status AS ENUM ('active', 'closed', 'archived');
COMMENT ON TYPE convdash.conversation_status IS 'Conversation lifecycle: active (ongoing), closed (ended), archived';

CREATE TYPE convdash.handler AS ENUM ('ai', 'human');
COMMENT ON TYPE convdash.handler IS 'Who handled a conversation';

CREATE TYPE convdash.message_role AS ENUM ('user', 'assistant', 'system', 'tool');
COMMENT ON TYPE convdash.message_role IS 'Author of a message; only user and assistant messages are shown and counted';

CREATE TYPE convdash.agent_mode AS ENUM ('active', 'passive', 'hybrid');
COMMENT ON TYPE convdash.agent_mode IS 'active: the AI answers; passive: the team answers, the agent audits; hybrid: both';

CREATE TYPE convdash.device_type AS ENUM ('desktop', 'mobile', 'tablet');
COMMENT ON TYPE convdash.device_type IS 'Device class of a tracker session';

CREATE TYPE convdash.sentiment AS ENUM ('positive', 'negative', 'neutral');
COMMENT ON TYPE convdash.sentiment IS 'Sentiment label of a conversation; NULL means not analyzed';
-- Helpers written in C (extension/*.c): tokens, durations, sentiment.

CREATE FUNCTION convdash.random_hex(nbytes integer) RETURNS text
AS 'MODULE_PATHNAME', 'convdash_random_hex'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.random_hex(integer) IS
	'Admin: nbytes (1-256) of cryptographically strong randomness as lowercase hex';

CREATE FUNCTION convdash.duration_seconds(started_at timestamptz, ended_at timestamptz) RETURNS bigint
AS 'MODULE_PATHNAME', 'convdash_duration_seconds'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION convdash.duration_seconds(timestamptz, timestamptz) IS
	'Read: whole seconds from started_at to ended_at; NULL while ended_at is NULL; 22023 when negative';

CREATE FUNCTION convdash.duration_text(seconds bigint) RETURNS text
AS 'MODULE_PATHNAME', 'convdash_duration_text'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION convdash.duration_text(bigint) IS
	'Read: "45s", "3m 05s", "1h 02m 03s", "2d 04h 10m"; "Ongoing" for NULL; 22023 when negative';

CREATE FUNCTION convdash.sentiment_label(score double precision) RETURNS convdash.sentiment
AS 'MODULE_PATHNAME', 'convdash_sentiment_label'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.sentiment_label(double precision) IS
	'Read: label of a score in [-1, 1]: >= 0.05 positive, <= -0.05 negative, else neutral; 22023 outside';

CREATE FUNCTION convdash.sentiment_text(label text) RETURNS text
AS 'MODULE_PATHNAME', 'convdash_sentiment_text'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION convdash.sentiment_text(text) IS
	'Read: "Positive", "Negative", "Neutral", or "Not analyzed" for NULL; 22023 for an unknown label';

CREATE FUNCTION convdash.sentiment_text(label convdash.sentiment) RETURNS text
AS 'MODULE_PATHNAME', 'convdash_sentiment_enum_text'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION convdash.sentiment_text(convdash.sentiment) IS
	'Read: "Positive", "Negative", "Neutral", or "Not analyzed" for NULL';
-- Sentiment summary for BI: an aggregate over conversations (extension/sentiment.c).
--   SELECT (convdash.sentiment_summary(sentiment, sentiment_score)).*
--   FROM convdash.v_conversations WHERE agent_id = 7;
-- counts the conversations per label, those not analyzed, and averages the
-- scores given. A row without a label but with a score counts under the
-- score's label. It runs in parallel (a combine function adds partial states).

CREATE TYPE convdash.sentiment_counts AS (
	positive      bigint,
	negative      bigint,
	neutral       bigint,
	not_analyzed  bigint,
	total         bigint,
	scored        bigint,
	mean_score    double precision
);
COMMENT ON TYPE convdash.sentiment_counts IS
	'Result of convdash.sentiment_summary: conversations per label, not analyzed, total, how many had a score, and their mean score (NULL when none)';

CREATE FUNCTION convdash.sentiment_summary_accum(state double precision[], label convdash.sentiment,
	score double precision)
RETURNS double precision[]
AS 'MODULE_PATHNAME', 'convdash_sentiment_summary_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION convdash.sentiment_summary_accum(double precision[], convdash.sentiment, double precision) IS
	'Admin: transition function of convdash.sentiment_summary; 22023 for a score outside [-1, 1]';

CREATE FUNCTION convdash.sentiment_summary_combine(a double precision[], b double precision[])
RETURNS double precision[]
AS 'MODULE_PATHNAME', 'convdash_sentiment_summary_combine'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.sentiment_summary_combine(double precision[], double precision[]) IS
	'Admin: combine function of convdash.sentiment_summary (adds two partial states)';

CREATE FUNCTION convdash.sentiment_summary_final(state double precision[])
RETURNS convdash.sentiment_counts
AS 'MODULE_PATHNAME', 'convdash_sentiment_summary_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.sentiment_summary_final(double precision[]) IS
	'Admin: final function of convdash.sentiment_summary (the sentiment_counts row of a state)';

CREATE AGGREGATE convdash.sentiment_summary(label convdash.sentiment, score double precision) (
	SFUNC = convdash.sentiment_summary_accum,
	STYPE = double precision[],
	FINALFUNC = convdash.sentiment_summary_final,
	COMBINEFUNC = convdash.sentiment_summary_combine,
	INITCOND = '{0,0,0,0,0,0}',
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE convdash.sentiment_summary(convdash.sentiment, double precision) IS
	'Read: sentiment over a set of conversations as sentiment_counts (positive, negative, neutral, not_analyzed, total, scored, mean_score); a score alone counts under its label';
-- JSON helpers shared by every read function that answers the API.

CREATE FUNCTION convdash.rfc3339(ts timestamptz) RETURNS text
AS 'MODULE_PATHNAME', 'convdash_rfc3339'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.rfc3339(timestamptz) IS
	'Read: RFC 3339 UTC text of a timestamp with microseconds, e.g. 2026-01-02T03:04:05.000000Z; NULL for NULL, infinite or years outside 1-9999';
-- Tables of the domain (DESIGN §2, §3). Every tenant table carries
-- account_id; every primary, unique and foreign key leads with it, and
-- foreign keys CASCADE or RESTRICT only, so the schema can be distributed by
-- account_id. Counters on conversations are kept by the write functions and
-- verified by convdash.integrity_check().

CREATE TABLE convdash.accounts (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
	time_zone   text NOT NULL DEFAULT 'UTC',
	created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE convdash.accounts IS 'Tenants: one customer company each';
COMMENT ON COLUMN convdash.accounts.time_zone IS 'IANA zone in which date filters are read as calendar days';

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
	prompt_tokens       bigint NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
	completion_tokens   bigint NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
	message_count       integer NOT NULL DEFAULT 0 CHECK (message_count >= 0),
	has_voice           boolean NOT NULL DEFAULT false,
	memory              jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(memory) = 'object'),
	tracker_session_id  bigint,
	rating              smallint CHECK (rating BETWEEN 1 AND 5),
	last_message_at     timestamptz,
	PRIMARY KEY (account_id, id),
	FOREIGN KEY (account_id, agent_id)
		REFERENCES convdash.agents (account_id, id) ON DELETE RESTRICT,
	FOREIGN KEY (account_id, tracker_session_id)
		REFERENCES convdash.tracker_sessions (account_id, id) ON DELETE RESTRICT,
	CHECK (ended_at IS NULL OR ended_at >= started_at),
	CHECK ((status = 'active') = (ended_at IS NULL))
);
COMMENT ON TABLE convdash.conversations IS 'One conversation between an agent and a visitor session';
COMMENT ON COLUMN convdash.conversations.message_count IS 'User and assistant messages (the ones the transcript shows); kept by append_message';
COMMENT ON COLUMN convdash.conversations.prompt_tokens IS 'Sum of prompt tokens over all messages; kept by append_message';
COMMENT ON COLUMN convdash.conversations.completion_tokens IS 'Sum of completion tokens over all messages; kept by append_message';
COMMENT ON COLUMN convdash.conversations.rating IS 'Copy of ratings.score for sorting and filtering; kept by rate_conversation';
COMMENT ON COLUMN convdash.conversations.end_reason IS 'Why it ended; NULL shows as "Completed"';

-- List indexes: default sort (newest first), per agent, by message count;
-- the status and rating walks of the list are in 60_list.sql. Every append
-- updates message_count, so each index here costs on that path too: keep
-- only what a plan uses.
CREATE INDEX conversations_started_idx ON convdash.conversations (account_id, started_at DESC, id DESC);
CREATE INDEX conversations_agent_idx ON convdash.conversations (account_id, agent_id, started_at DESC, id DESC);
CREATE INDEX conversations_messages_idx ON convdash.conversations (account_id, message_count DESC, id DESC);
CREATE INDEX conversations_tracker_idx ON convdash.conversations (account_id, tracker_session_id)
	WHERE tracker_session_id IS NOT NULL;

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
	PRIMARY KEY (account_id, id),
	FOREIGN KEY (account_id, conversation_id)
		REFERENCES convdash.conversations (account_id, id) ON DELETE CASCADE,
	CHECK ((seq IS NULL) = (role IN ('system', 'tool')))
);
CREATE UNIQUE INDEX messages_transcript_idx ON convdash.messages (account_id, conversation_id, seq)
	WHERE seq IS NOT NULL;
CREATE INDEX messages_conversation_idx ON convdash.messages (account_id, conversation_id, id);
COMMENT ON TABLE convdash.messages IS 'Messages of a conversation; system and tool messages are stored but never shown or counted';
COMMENT ON COLUMN convdash.messages.seq IS 'Position among the shown messages of the conversation (1 = oldest); NULL for system/tool';

CREATE TABLE convdash.audio_clips (
	account_id       bigint NOT NULL,
	id               bigint GENERATED ALWAYS AS IDENTITY,
	conversation_id  bigint NOT NULL,
	message_id       bigint NOT NULL,
	loid             oid NOT NULL,
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
		REFERENCES convdash.conversations (account_id, id) ON DELETE CASCADE
);
CREATE INDEX audio_clips_conversation_idx ON convdash.audio_clips (account_id, conversation_id, message_id);
CREATE UNIQUE INDEX audio_clips_loid_idx ON convdash.audio_clips (loid);
COMMENT ON TABLE convdash.audio_clips IS 'Voice clips of messages; the bytes live in the large object loid';

-- Content-free audit of deletions: no session id, text or audio survives.
CREATE TABLE convdash.deletion_log (
	account_id       bigint NOT NULL REFERENCES convdash.accounts (id) ON DELETE CASCADE,
	id               bigint GENERATED ALWAYS AS IDENTITY,
	conversation_id  bigint NOT NULL,
	deleted_by       text NOT NULL DEFAULT current_user,
	deleted_at       timestamptz NOT NULL DEFAULT now(),
	reason           text NOT NULL DEFAULT 'request',
	message_count    integer NOT NULL CHECK (message_count >= 0),
	clip_count       integer NOT NULL CHECK (clip_count >= 0),
	PRIMARY KEY (account_id, id)
);
COMMENT ON TABLE convdash.deletion_log IS 'Audit of irreversible deletions: who, when, how many messages and clips (no content)';

-- pg_dump keeps the rows of extension tables only when registered.
SELECT pg_catalog.pg_extension_config_dump('convdash.accounts', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.api_keys', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.agents', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.tracker_sessions', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.tracker_pageviews', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.tracker_events', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.conversations', '');
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
-- Tenancy (DESIGN §3). The tenant of a transaction is the setting
-- convdash.account_id, set with set_config(..., true). Row-level security on
-- every tenant table hides other tenants' rows from every role but the owner;
-- the functions run as the owner and scope every statement to
-- convdash.require_account() themselves. No setting means no rows.
--
-- Roles (cluster-wide, created once, kept on DROP EXTENSION):
--   convdash_api     the HTTP service: SELECT on tenant tables (under RLS),
--                    EXECUTE on the API functions, owns nothing.
--   convdash_reader  BI tools: SELECT on the views and tables (under RLS),
--                    EXECUTE on read functions only.
-- The admin is the extension owner (a superuser): admin functions are
-- executable by nobody else.

DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'convdash_api') THEN
		CREATE ROLE convdash_api NOLOGIN NOINHERIT NOBYPASSRLS;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'convdash_reader') THEN
		CREATE ROLE convdash_reader NOLOGIN NOINHERIT NOBYPASSRLS;
	END IF;
END
$$;

-- The tenant of the current transaction, or NULL when none is set.
CREATE FUNCTION convdash.current_account() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULLIF(pg_catalog.current_setting('convdash.account_id', true), '')::bigint $$;
COMMENT ON FUNCTION convdash.current_account() IS
	'Read: the tenant set by set_config(''convdash.account_id'', id, true), or NULL';

-- The tenant of the current transaction; raises 42501 when none is set.
CREATE FUNCTION convdash.require_account() RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
	setting text := pg_catalog.current_setting('convdash.account_id', true);
BEGIN
	IF setting IS NULL OR setting = '' THEN
		RAISE EXCEPTION 'no tenant is set'
			USING ERRCODE = 'insufficient_privilege',
			      HINT = 'Run SELECT set_config(''convdash.account_id'', ''<account id>'', true) in the transaction first.';
	END IF;
	IF setting !~ '^[0-9]{1,18}$' THEN
		RAISE EXCEPTION 'convdash.account_id is not an account id'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	RETURN setting::bigint;
END
$$;
COMMENT ON FUNCTION convdash.require_account() IS
	'Read: the tenant of the current transaction; raises 42501 when none is set';

-- Row-level security: a tenant sees and writes only its own rows.
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['api_keys', 'agents', 'tracker_sessions',
		'tracker_pageviews', 'tracker_events', 'conversations', 'ratings',
		'messages', 'audio_clips', 'deletion_log']
	LOOP
		EXECUTE format('ALTER TABLE convdash.%I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE format('CREATE POLICY tenant_isolation ON convdash.%I '
			'USING (account_id OPERATOR(pg_catalog.=) convdash.current_account()) '
			'WITH CHECK (account_id OPERATOR(pg_catalog.=) convdash.current_account())', t);
	END LOOP;
END
$$;
ALTER TABLE convdash.accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON convdash.accounts
	USING (id OPERATOR(pg_catalog.=) convdash.current_account())
	WITH CHECK (id OPERATOR(pg_catalog.=) convdash.current_account());

GRANT USAGE ON SCHEMA convdash TO convdash_api, convdash_reader;

-- Checks that a text is an IANA time zone name PostgreSQL knows.
CREATE FUNCTION convdash.check_time_zone(zone text) RETURNS text
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	IF zone IS NULL OR NOT EXISTS (SELECT FROM pg_timezone_names WHERE name = zone) THEN
		RAISE EXCEPTION 'unknown time zone "%"', zone
			USING ERRCODE = 'invalid_parameter_value',
			      HINT = 'Use an IANA name such as UTC or Europe/Berlin.';
	END IF;
	RETURN zone;
END
$$;
COMMENT ON FUNCTION convdash.check_time_zone(text) IS
	'Read: returns the zone when it is a known IANA time zone name, else raises 22023';

-- Creates a tenant and returns its id.
CREATE FUNCTION convdash.create_account(name text, time_zone text DEFAULT 'UTC') RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	new_id bigint;
BEGIN
	IF name IS NULL OR length(btrim(name)) NOT BETWEEN 1 AND 200 THEN
		RAISE EXCEPTION 'account name must be 1 to 200 characters'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	INSERT INTO convdash.accounts (name, time_zone)
	VALUES (btrim(create_account.name), convdash.check_time_zone(create_account.time_zone))
	RETURNING id INTO new_id;
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION convdash.create_account(text, text) IS
	'Admin: creates an account (tenant) with the time zone its date filters use; returns its id';

-- Changes the time zone in which an account's date filters are read.
CREATE FUNCTION convdash.set_account_time_zone(account_id bigint, time_zone text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
BEGIN
	UPDATE convdash.accounts a SET time_zone = convdash.check_time_zone(set_account_time_zone.time_zone)
	WHERE a.id = set_account_time_zone.account_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'account % does not exist', account_id USING ERRCODE = 'no_data_found';
	END IF;
END
$$;
COMMENT ON FUNCTION convdash.set_account_time_zone(bigint, text) IS
	'Admin: sets the IANA time zone in which the account''s date filters are read';

-- Creates an API key for an account; the key is returned once, only its hash is kept.
CREATE FUNCTION convdash.create_api_key(account_id bigint, label text) RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	key text;
BEGIN
	IF NOT EXISTS (SELECT FROM convdash.accounts a WHERE a.id = create_api_key.account_id) THEN
		RAISE EXCEPTION 'account % does not exist', account_id USING ERRCODE = 'no_data_found';
	END IF;
	IF label IS NULL OR length(label) NOT BETWEEN 1 AND 200 THEN
		RAISE EXCEPTION 'key label must be 1 to 200 characters'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	key := 'cdk_' || account_id || '_' || convdash.random_hex(32);
	INSERT INTO convdash.api_keys (account_id, label, key_hash)
	VALUES (create_api_key.account_id, create_api_key.label, sha256(convert_to(key, 'UTF8')));
	RETURN key;
END
$$;
COMMENT ON FUNCTION convdash.create_api_key(bigint, text) IS
	'Admin: creates an API key for the account and returns it; it is shown only this once (SHA-256 stored)';

-- Revokes an API key given the key itself; returns whether a live key was revoked.
CREATE FUNCTION convdash.revoke_api_key(key text) RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.api_key_account(key);
BEGIN
	IF acct IS NULL THEN
		RETURN false;
	END IF;
	UPDATE convdash.api_keys k SET revoked_at = now()
	WHERE k.account_id = acct AND k.key_hash = sha256(convert_to(key, 'UTF8'))
	  AND k.revoked_at IS NULL;
	RETURN FOUND;
END
$$;
COMMENT ON FUNCTION convdash.revoke_api_key(text) IS
	'Admin: revokes the given API key; returns false when it was unknown or already revoked';

-- Revokes an API key by its id (as listed in convdash.api_keys).
CREATE FUNCTION convdash.revoke_api_key(account_id bigint, key_id bigint) RETURNS boolean
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
	WITH r AS (
		UPDATE convdash.api_keys k SET revoked_at = now()
		WHERE k.account_id = revoke_api_key.account_id AND k.id = key_id AND k.revoked_at IS NULL
		RETURNING 1)
	SELECT EXISTS (SELECT FROM r)
$$;
COMMENT ON FUNCTION convdash.revoke_api_key(bigint, bigint) IS
	'Admin: revokes the API key with this id; returns false when it was unknown or already revoked';

-- The account named by a well-formed key (not yet checked against the store).
CREATE FUNCTION convdash.api_key_account(key text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT (regexp_match(key, '^cdk_([1-9][0-9]{0,17})_[0-9a-f]{64}$'))[1]::bigint
$$;
COMMENT ON FUNCTION convdash.api_key_account(text) IS
	'Read: the account id a well-formed API key names, or NULL for a malformed key';

-- Looks up a key for the HTTP service: the account id, or NULL when unknown or revoked.
CREATE FUNCTION convdash.authenticate(key text) RETURNS bigint
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
	SELECT k.account_id
	FROM convdash.api_keys k
	WHERE k.account_id = convdash.api_key_account(key)
	  AND k.key_hash = sha256(convert_to(key, 'UTF8'))
	  AND k.revoked_at IS NULL
$$;
COMMENT ON FUNCTION convdash.authenticate(text) IS
	'API: the account id of a live API key, or NULL when the key is unknown, malformed or revoked';
-- Validation helpers shared by every write and read function. Each raises
-- 22023 (invalid_parameter_value) with the offending parameter's name in the
-- error's COLUMN field, which the HTTP service returns as "field".

-- Returns the value when it is one of the enum's labels (NULL passes), else raises 22023.
CREATE FUNCTION convdash.enum_value(value text, field text, kind anyenum) RETURNS anyenum
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
	result kind%TYPE;
BEGIN
	IF value IS NULL THEN
		RETURN NULL;
	END IF;
	-- a simple expression, not a query: this runs on every ingest call
	IF NOT value = ANY (enum_range(kind)::text[]) THEN
		RAISE EXCEPTION 'invalid %: "%"', field, left(value, 100)
			USING ERRCODE = 'invalid_parameter_value', COLUMN = field,
			      HINT = 'Use one of: ' || array_to_string(enum_range(kind), ', ') || '.';
	END IF;
	result := value;
	RETURN result;
END
$$;
COMMENT ON FUNCTION convdash.enum_value(text, text, anyenum) IS
	'Read: the enum value of a label (NULL passes through); 22023 naming the field for an unknown label';

-- Returns the text when it is present (if required) and at most max_length characters.
CREATE FUNCTION convdash.check_text(value text, field text, max_length integer, required boolean DEFAULT true)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
	IF value IS NULL OR (required AND btrim(value) = '') THEN
		IF required THEN
			RAISE EXCEPTION '% is required', field
				USING ERRCODE = 'invalid_parameter_value', COLUMN = field;
		END IF;
		RETURN value;
	END IF;
	IF length(value) > max_length THEN
		RAISE EXCEPTION '% is too long (% characters, at most %)', field, length(value), max_length
			USING ERRCODE = 'invalid_parameter_value', COLUMN = field;
	END IF;
	RETURN value;
END
$$;
COMMENT ON FUNCTION convdash.check_text(text, text, integer, boolean) IS
	'Read: the text when present (if required) and not longer than max_length; else 22023 naming the field';

-- Returns the number when it is NULL or within [low, high], else raises 22023.
CREATE FUNCTION convdash.check_range(value bigint, field text, low bigint, high bigint)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
	IF value IS NOT NULL AND (value < low OR value > high) THEN
		RAISE EXCEPTION '% must be between % and %', field, low, high
			USING ERRCODE = 'invalid_parameter_value', COLUMN = field,
			      DETAIL = format('The value was %s.', value);
	END IF;
	RETURN value;
END
$$;
COMMENT ON FUNCTION convdash.check_range(bigint, text, bigint, bigint) IS
	'Read: the number when NULL or within [low, high]; else 22023 naming the field';

-- Returns the timestamp when it is NULL or finite, else raises 22023.
CREATE FUNCTION convdash.check_time(value timestamptz, field text) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
	IF value IS NOT NULL AND NOT isfinite(value) THEN
		RAISE EXCEPTION '% must be a finite time', field
			USING ERRCODE = 'invalid_parameter_value', COLUMN = field;
	END IF;
	RETURN value;
END
$$;
COMMENT ON FUNCTION convdash.check_time(timestamptz, text) IS
	'Read: the timestamp when NULL or finite; else 22023 naming the field';

-- Locks and returns a conversation of the current tenant; P0002 when there is none.
CREATE FUNCTION convdash.lock_conversation(conversation_id bigint) RETURNS convdash.conversations
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	c convdash.conversations;
BEGIN
	SELECT * INTO c FROM convdash.conversations x
	WHERE x.account_id = convdash.require_account() AND x.id = lock_conversation.conversation_id
	FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'conversation % not found', conversation_id
			USING ERRCODE = 'no_data_found', COLUMN = 'conversation_id';
	END IF;
	RETURN c;
END
$$;
COMMENT ON FUNCTION convdash.lock_conversation(bigint) IS
	'Admin: locks and returns the tenant''s conversation; P0002 when it does not exist for this tenant';
-- Ingest (DESIGN §4): every write goes through these functions, which run as
-- the extension owner, scope every statement to the tenant of the
-- transaction, validate their input and keep the conversation's counters
-- (message_count, tokens, rating copy) exact. Each returns the id it wrote.
--
-- Errors: 22023 bad parameter (COLUMN names it), P0002 the addressed row is
-- not the tenant's, 23503 a referenced row (agent, tracker session) is not
-- the tenant's, 23505 duplicate, 55000 the conversation's state forbids it.

-- Creates an agent of the current tenant and returns its id.
CREATE FUNCTION convdash.create_agent(name text, company text DEFAULT NULL, mode text DEFAULT 'active')
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	new_id bigint;
BEGIN
	INSERT INTO convdash.agents (account_id, name, company, mode)
	VALUES (convdash.require_account(),
		btrim(convdash.check_text(create_agent.name, 'name', 200)),
		convdash.check_text(create_agent.company, 'company', 200, false),
		coalesce(convdash.enum_value(create_agent.mode, 'mode', NULL::convdash.agent_mode), 'active'))
	RETURNING id INTO new_id;
	RETURN new_id;
EXCEPTION WHEN unique_violation THEN
	RAISE EXCEPTION 'an agent named "%" already exists', btrim(create_agent.name)
		USING ERRCODE = 'unique_violation', COLUMN = 'name';
END
$$;
COMMENT ON FUNCTION convdash.create_agent(text, text, text) IS
	'API: creates an agent (mode active, passive or hybrid) of the current tenant; returns its id';

-- Raises 23503 unless the tracker session belongs to the current tenant.
CREATE FUNCTION convdash.check_tracker_session(tracker_session_id bigint, field text) RETURNS bigint
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	IF tracker_session_id IS NOT NULL AND NOT EXISTS (
		SELECT FROM convdash.tracker_sessions s
		WHERE s.account_id = convdash.require_account() AND s.id = check_tracker_session.tracker_session_id)
	THEN
		RAISE EXCEPTION 'tracker session % does not exist', tracker_session_id
			USING ERRCODE = 'foreign_key_violation', COLUMN = field;
	END IF;
	RETURN tracker_session_id;
END
$$;
COMMENT ON FUNCTION convdash.check_tracker_session(bigint, text) IS
	'Admin: the id when NULL or a tracker session of the current tenant; else 23503 naming the field';

-- Starts a conversation of the current tenant and returns its id.
CREATE FUNCTION convdash.start_conversation(agent_id bigint, session_id text, channel text,
	handled_by text DEFAULT 'ai', started_at timestamptz DEFAULT NULL,
	tracker_session_id bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	new_id bigint;
BEGIN
	IF agent_id IS NULL THEN
		RAISE EXCEPTION 'agent_id is required' USING ERRCODE = 'invalid_parameter_value', COLUMN = 'agent_id';
	END IF;
	IF NOT EXISTS (SELECT FROM convdash.agents a WHERE a.account_id = acct AND a.id = start_conversation.agent_id) THEN
		RAISE EXCEPTION 'agent % does not exist', agent_id
			USING ERRCODE = 'foreign_key_violation', COLUMN = 'agent_id';
	END IF;
	INSERT INTO convdash.conversations
		(account_id, agent_id, session_id, channel, handled_by, started_at, tracker_session_id)
	VALUES (acct, start_conversation.agent_id,
		convdash.check_text(start_conversation.session_id, 'session_id', 200),
		convdash.enum_value(coalesce(start_conversation.channel, ''), 'channel', NULL::convdash.channel),
		coalesce(convdash.enum_value(start_conversation.handled_by, 'handled_by', NULL::convdash.handler), 'ai'),
		coalesce(convdash.check_time(start_conversation.started_at, 'started_at'), now()),
		convdash.check_tracker_session(start_conversation.tracker_session_id, 'tracker_session_id'))
	RETURNING id INTO new_id;
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION convdash.start_conversation(bigint, text, text, text, timestamptz, bigint) IS
	'API: starts an active conversation of an agent with a visitor session on a channel; returns its id';

-- Appends a message and keeps the conversation's counters exact; returns the message id.
-- The counter UPDATE is also the row lock that serialises concurrent appends
-- (so seq numbers stay dense); the slow path only runs to explain a refusal.
CREATE FUNCTION convdash.append_message(conversation_id bigint, role text, content text,
	prompt_tokens integer DEFAULT NULL, completion_tokens integer DEFAULT NULL,
	created_at timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	r convdash.message_role := convdash.enum_value(coalesce(role, ''), 'role', NULL::convdash.message_role);
	at timestamptz := coalesce(convdash.check_time(created_at, 'created_at'), now());
	shown boolean := r IN ('user', 'assistant');
	started timestamptz;
	shown_count integer;
	new_id bigint;
BEGIN
	IF content IS NULL THEN
		RAISE EXCEPTION 'content is required' USING ERRCODE = 'invalid_parameter_value', COLUMN = 'content';
	END IF;
	-- one check per PERFORM: each is then a simple expression, not a query
	PERFORM convdash.check_text(content, 'content', 1000000, false);
	PERFORM convdash.check_range(prompt_tokens, 'prompt_tokens', 0, 2147483647);
	PERFORM convdash.check_range(completion_tokens, 'completion_tokens', 0, 2147483647);

	UPDATE convdash.conversations x SET
		message_count = x.message_count + shown::integer,
		prompt_tokens = x.prompt_tokens + coalesce(append_message.prompt_tokens, 0),
		completion_tokens = x.completion_tokens + coalesce(append_message.completion_tokens, 0),
		last_message_at = greatest(x.last_message_at, at)
	WHERE x.account_id = acct AND x.id = append_message.conversation_id AND x.status <> 'archived'
	RETURNING x.started_at, x.message_count INTO started, shown_count;
	IF NOT FOUND THEN
		PERFORM convdash.lock_conversation(conversation_id);
		RAISE EXCEPTION 'conversation % is archived', conversation_id
			USING ERRCODE = 'object_not_in_prerequisite_state',
			      HINT = 'Archived conversations take no new messages.';
	END IF;
	IF at < started THEN
		RAISE EXCEPTION 'created_at is before the conversation started'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'created_at';
	END IF;

	INSERT INTO convdash.messages
		(account_id, conversation_id, role, content, created_at, prompt_tokens, completion_tokens, seq)
	VALUES (acct, append_message.conversation_id, r, append_message.content, at,
		append_message.prompt_tokens, append_message.completion_tokens,
		CASE WHEN shown THEN shown_count END)
	RETURNING id INTO new_id;
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION convdash.append_message(bigint, text, text, integer, integer, timestamptz) IS
	'API: appends a message (user, assistant, system or tool) with optional token counts; 55000 when archived';

-- Ends an active conversation, with an optional reason; returns its id.
CREATE FUNCTION convdash.close_conversation(conversation_id bigint, end_reason text DEFAULT NULL,
	ended_at timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	c convdash.conversations := convdash.lock_conversation(conversation_id);
	at timestamptz := coalesce(convdash.check_time(ended_at, 'ended_at'), greatest(now(), c.started_at));
BEGIN
	IF c.status <> 'active' THEN
		RAISE EXCEPTION 'conversation % is already %', c.id, c.status
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF at < c.started_at THEN
		RAISE EXCEPTION 'ended_at is before the conversation started'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'ended_at';
	END IF;
	UPDATE convdash.conversations x SET status = 'closed', ended_at = at,
		end_reason = nullif(btrim(convdash.check_text(close_conversation.end_reason, 'end_reason', 500, false)), '')
	WHERE x.account_id = c.account_id AND x.id = c.id;
	RETURN c.id;
END
$$;
COMMENT ON FUNCTION convdash.close_conversation(bigint, text, timestamptz) IS
	'API: closes an active conversation (end reason optional, shown as "Completed" when absent); 55000 unless active';

-- Archives a conversation (closing it first if still active); archiving twice is a no-op.
CREATE FUNCTION convdash.archive_conversation(conversation_id bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	c convdash.conversations := convdash.lock_conversation(conversation_id);
BEGIN
	UPDATE convdash.conversations x SET status = 'archived',
		ended_at = coalesce(x.ended_at, greatest(now(), x.started_at))
	WHERE x.account_id = c.account_id AND x.id = c.id AND x.status <> 'archived';
	RETURN c.id;
END
$$;
COMMENT ON FUNCTION convdash.archive_conversation(bigint) IS
	'API: archives a conversation, ending it now if it was active; idempotent';

-- Sets the sentiment label and/or score; the label follows from the score when omitted.
CREATE FUNCTION convdash.set_sentiment(conversation_id bigint, label text DEFAULT NULL,
	score double precision DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	c convdash.conversations := convdash.lock_conversation(conversation_id);
	l convdash.sentiment := convdash.enum_value(label, 'label', NULL::convdash.sentiment);
BEGIN
	IF score IS NOT NULL AND (score = 'NaN' OR score < -1 OR score > 1) THEN
		RAISE EXCEPTION 'score must be between -1 and 1'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'score';
	END IF;
	IF l IS NULL AND score IS NULL THEN
		RAISE EXCEPTION 'label or score is required'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'label';
	END IF;
	UPDATE convdash.conversations x
	SET sentiment = coalesce(l, convdash.sentiment_label(score)), sentiment_score = score
	WHERE x.account_id = c.account_id AND x.id = c.id;
	RETURN c.id;
END
$$;
COMMENT ON FUNCTION convdash.set_sentiment(bigint, text, double precision) IS
	'API: sets the sentiment (positive, negative, neutral) and optional score in [-1, 1]; label derived from score if omitted';

-- Clears the sentiment so the conversation shows "Not analyzed" again.
CREATE FUNCTION convdash.clear_sentiment(conversation_id bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	c convdash.conversations := convdash.lock_conversation(conversation_id);
BEGIN
	UPDATE convdash.conversations x SET sentiment = NULL, sentiment_score = NULL
	WHERE x.account_id = c.account_id AND x.id = c.id;
	RETURN c.id;
END
$$;
COMMENT ON FUNCTION convdash.clear_sentiment(bigint) IS
	'API: removes the sentiment so the conversation is "Not analyzed" again';

-- Marks whether the conversation converted.
CREATE FUNCTION convdash.set_converted(conversation_id bigint, converted boolean) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	c convdash.conversations := convdash.lock_conversation(conversation_id);
BEGIN
	IF converted IS NULL THEN
		RAISE EXCEPTION 'converted must be true or false'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'converted';
	END IF;
	UPDATE convdash.conversations x SET converted = set_converted.converted
	WHERE x.account_id = c.account_id AND x.id = c.id;
	RETURN c.id;
END
$$;
COMMENT ON FUNCTION convdash.set_converted(bigint, boolean) IS
	'API: marks the conversation as converted (true) or not (false)';

-- Rates a conversation 1-5 with an optional comment; rating again replaces.
CREATE FUNCTION convdash.rate_conversation(conversation_id bigint, score integer, comment text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	c convdash.conversations := convdash.lock_conversation(conversation_id);
BEGIN
	IF score IS NULL THEN
		RAISE EXCEPTION 'score is required' USING ERRCODE = 'invalid_parameter_value', COLUMN = 'score';
	END IF;
	PERFORM convdash.check_range(score, 'score', 1, 5);
	PERFORM convdash.check_text(comment, 'comment', 5000, false);
	INSERT INTO convdash.ratings AS r (account_id, conversation_id, score, comment, rated_at)
	VALUES (c.account_id, c.id, score, nullif(btrim(comment), ''), now())
	ON CONFLICT ON CONSTRAINT ratings_pkey DO UPDATE
		SET score = excluded.score, comment = excluded.comment, rated_at = excluded.rated_at;
	UPDATE convdash.conversations x SET rating = score
	WHERE x.account_id = c.account_id AND x.id = c.id;
	RETURN c.id;
END
$$;
COMMENT ON FUNCTION convdash.rate_conversation(bigint, integer, text) IS
	'API: rates the conversation 1 to 5 with an optional comment; a new rating replaces the old one';

-- Removes the rating; idempotent, returns whether there was one.
CREATE FUNCTION convdash.remove_rating(conversation_id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	c convdash.conversations := convdash.lock_conversation(conversation_id);
BEGIN
	DELETE FROM convdash.ratings r WHERE r.account_id = c.account_id AND r.conversation_id = c.id;
	UPDATE convdash.conversations x SET rating = NULL
	WHERE x.account_id = c.account_id AND x.id = c.id AND x.rating IS NOT NULL;
	RETURN FOUND;
END
$$;
COMMENT ON FUNCTION convdash.remove_rating(bigint) IS
	'API: removes the conversation''s rating; not an error when there is none (returns false then)';

-- RFC 7386 JSON merge patch: objects merge key by key, null removes a key, anything else replaces.
CREATE FUNCTION convdash.json_merge_patch(target jsonb, patch jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
	result jsonb;
	k text;
	v jsonb;
BEGIN
	IF patch IS NULL OR jsonb_typeof(patch) <> 'object' THEN
		RETURN patch;
	END IF;
	result := CASE WHEN jsonb_typeof(target) = 'object' THEN target ELSE '{}'::jsonb END;
	FOR k, v IN SELECT * FROM jsonb_each(patch) LOOP
		IF jsonb_typeof(v) = 'null' THEN
			result := result - k;
		ELSE
			result := jsonb_set(result, ARRAY[k], convdash.json_merge_patch(result -> k, v));
		END IF;
	END LOOP;
	RETURN result;
END
$$;
COMMENT ON FUNCTION convdash.json_merge_patch(jsonb, jsonb) IS
	'Read: RFC 7386 merge patch of target by patch (null removes a key, objects merge recursively)';

-- Merges a JSON object into the conversation's memory; returns the new memory.
CREATE FUNCTION convdash.merge_memory(conversation_id bigint, patch jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	c convdash.conversations := convdash.lock_conversation(conversation_id);
	merged jsonb;
BEGIN
	IF patch IS NULL OR jsonb_typeof(patch) <> 'object' THEN
		RAISE EXCEPTION 'memory patch must be a JSON object'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'memory',
			      DETAIL = format('It was %s.', coalesce(jsonb_typeof(patch), 'null'));
	END IF;
	merged := convdash.json_merge_patch(c.memory, patch);
	IF octet_length(merged::text) > 1048576 THEN
		RAISE EXCEPTION 'memory would exceed 1 MiB'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'memory';
	END IF;
	UPDATE convdash.conversations x SET memory = merged
	WHERE x.account_id = c.account_id AND x.id = c.id;
	RETURN merged;
END
$$;
COMMENT ON FUNCTION convdash.merge_memory(bigint, jsonb) IS
	'API: merges a JSON object into the conversation''s memory (null removes a key, nested objects merge); returns it';

-- Links a conversation to a tracker session of the same tenant (NULL unlinks).
CREATE FUNCTION convdash.link_tracker_session(conversation_id bigint, tracker_session_id bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	c convdash.conversations := convdash.lock_conversation(conversation_id);
BEGIN
	UPDATE convdash.conversations x
	SET tracker_session_id = convdash.check_tracker_session(link_tracker_session.tracker_session_id, 'tracker_session_id')
	WHERE x.account_id = c.account_id AND x.id = c.id;
	RETURN c.id;
END
$$;
COMMENT ON FUNCTION convdash.link_tracker_session(bigint, bigint) IS
	'API: links the conversation to a tracker session of the tenant (NULL unlinks); 23503 for an unknown session';
-- Tracker ingest (website analytics from the widget): sessions, pageviews,
-- events and triggers. Same rules as the conversation ingest functions.

-- Records a tracker session of the current tenant and returns its id.
CREATE FUNCTION convdash.create_tracker_session(device text DEFAULT NULL, browser text DEFAULT NULL,
	os text DEFAULT NULL, country text DEFAULT NULL, city text DEFAULT NULL,
	landing_page text DEFAULT NULL, traffic_source text DEFAULT NULL,
	utm_source text DEFAULT NULL, utm_medium text DEFAULT NULL,
	started_at timestamptz DEFAULT NULL, duration_seconds integer DEFAULT NULL,
	pages_visited integer DEFAULT NULL, bounce boolean DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	new_id bigint;
BEGIN
	INSERT INTO convdash.tracker_sessions AS s (account_id, device, browser, os, country, city,
		landing_page, traffic_source, utm_source, utm_medium, started_at, duration_seconds,
		pages_visited, bounce)
	VALUES (convdash.require_account(),
		convdash.enum_value(device, 'device', NULL::convdash.device_type),
		convdash.check_text(browser, 'browser', 200, false),
		convdash.check_text(os, 'os', 200, false),
		convdash.check_text(country, 'country', 200, false),
		convdash.check_text(city, 'city', 200, false),
		convdash.check_text(landing_page, 'landing_page', 2048, false),
		convdash.check_text(traffic_source, 'traffic_source', 200, false),
		convdash.check_text(utm_source, 'utm_source', 200, false),
		convdash.check_text(utm_medium, 'utm_medium', 200, false),
		coalesce(convdash.check_time(create_tracker_session.started_at, 'started_at'), now()),
		convdash.check_range(create_tracker_session.duration_seconds, 'duration_seconds', 0, 2147483647),
		convdash.check_range(create_tracker_session.pages_visited, 'pages_visited', 0, 2147483647),
		create_tracker_session.bounce)
	RETURNING id INTO new_id;
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION convdash.create_tracker_session(text, text, text, text, text, text, text, text, text,
	timestamptz, integer, integer, boolean) IS
	'API: records a website tracker session (device desktop, mobile or tablet; UTM data; bounce); returns its id';

-- Locks a tracker session of the current tenant; P0002 when there is none.
CREATE FUNCTION convdash.lock_tracker_session(tracker_session_id bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
	PERFORM FROM convdash.tracker_sessions s
	WHERE s.account_id = convdash.require_account() AND s.id = lock_tracker_session.tracker_session_id
	FOR SHARE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'tracker session % not found', tracker_session_id
			USING ERRCODE = 'no_data_found', COLUMN = 'tracker_session_id';
	END IF;
	RETURN tracker_session_id;
END
$$;
COMMENT ON FUNCTION convdash.lock_tracker_session(bigint) IS
	'Admin: share-locks the tenant''s tracker session; P0002 when it does not exist for this tenant';

-- Records a pageview of a tracker session and returns its id.
CREATE FUNCTION convdash.add_pageview(tracker_session_id bigint, url text, title text DEFAULT NULL,
	time_spent_seconds integer DEFAULT 0, scroll_depth integer DEFAULT 0,
	viewed_at timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	new_id bigint;
BEGIN
	INSERT INTO convdash.tracker_pageviews AS p (account_id, tracker_session_id, url, title,
		time_spent_seconds, scroll_depth, viewed_at)
	VALUES (convdash.require_account(), convdash.lock_tracker_session(add_pageview.tracker_session_id),
		convdash.check_text(url, 'url', 2048),
		convdash.check_text(title, 'title', 1000, false),
		coalesce(convdash.check_range(time_spent_seconds, 'time_spent_seconds', 0, 2147483647), 0),
		coalesce(convdash.check_range(scroll_depth, 'scroll_depth', 0, 100), 0),
		coalesce(convdash.check_time(add_pageview.viewed_at, 'viewed_at'), now()))
	RETURNING id INTO new_id;
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION convdash.add_pageview(bigint, text, text, integer, integer, timestamptz) IS
	'API: records a pageview (url, title, seconds spent, scroll depth 0-100) of a tracker session; returns its id';

-- Records an event, or a trigger when trigger_name is given, and returns its id.
CREATE FUNCTION convdash.add_event(tracker_session_id bigint, name text, type text,
	occurred_at timestamptz DEFAULT NULL, trigger_name text DEFAULT NULL,
	trigger_action text DEFAULT NULL, trigger_data jsonb DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	new_id bigint;
BEGIN
	IF (trigger_name IS NULL) <> (trigger_action IS NULL) THEN
		RAISE EXCEPTION 'a trigger needs both a name and an action'
			USING ERRCODE = 'invalid_parameter_value',
			      COLUMN = CASE WHEN trigger_name IS NULL THEN 'trigger.name' ELSE 'trigger.action' END;
	END IF;
	IF trigger_data IS NOT NULL AND trigger_name IS NULL THEN
		RAISE EXCEPTION 'trigger data needs a trigger'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'trigger.data';
	END IF;
	IF octet_length(trigger_data::text) > 65536 THEN
		RAISE EXCEPTION 'trigger data exceeds 64 KiB'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'trigger.data';
	END IF;
	INSERT INTO convdash.tracker_events AS e (account_id, tracker_session_id, name, type, occurred_at,
		trigger_name, trigger_action, trigger_data)
	VALUES (convdash.require_account(), convdash.lock_tracker_session(add_event.tracker_session_id),
		convdash.check_text(name, 'name', 200),
		convdash.check_text(type, 'type', 100),
		coalesce(convdash.check_time(add_event.occurred_at, 'occurred_at'), now()),
		convdash.check_text(trigger_name, 'trigger.name', 200, false),
		convdash.check_text(trigger_action, 'trigger.action', 100, false),
		trigger_data)
	RETURNING id INTO new_id;
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION convdash.add_event(bigint, text, text, timestamptz, text, text, jsonb) IS
	'API: records an event of a tracker session; with trigger_name and trigger_action (and optional JSON data) it is a trigger';
-- Large objects of audio clips (DESIGN §3: stored as large objects, never
-- orphaned). Every clip's bytes live in one large object that
--   * is created by convdash.create_clip_object(), so it is owned by the
--     extension owner (the service role cannot lo_get it: 42501) and carries
--     the comment 'convdash audio clip', which is how the orphan check tells
--     convdash's large objects from anyone else's;
--   * is unlinked by a trigger whenever its audio_clips row is deleted (by
--     any path: a delete function, a cascade from messages or conversations,
--     an account deletion) or points elsewhere, in the same transaction.
-- TRUNCATE and DROP bypass row triggers. DROP EXTENSION drops audio_clips
-- but not the large objects (they are not members of the extension): they
-- stay behind, still marked, and after CREATE EXTENSION convdash again
-- convdash.check_large_objects() lists them and
-- convdash.remove_orphaned_large_objects() removes them. To drop the audio
-- with the extension, run SELECT lo_unlink(loid) FROM convdash.audio_clips
-- first (or remove the orphans afterwards).

-- The comment that marks a large object as the bytes of a convdash clip.
CREATE FUNCTION convdash.clip_object_marker() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 'convdash audio clip'::text $$;
COMMENT ON FUNCTION convdash.clip_object_marker() IS
	'Admin: the comment every convdash clip''s large object carries (how orphans are recognised)';

-- Creates an empty large object for a clip, owned by the extension owner and marked as convdash's.
CREATE FUNCTION convdash.create_clip_object() RETURNS oid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	lo oid := lo_create(0);
BEGIN
	EXECUTE format('COMMENT ON LARGE OBJECT %s IS %L', lo, convdash.clip_object_marker());
	RETURN lo;
END
$$;
COMMENT ON FUNCTION convdash.create_clip_object() IS
	'Admin: a new empty large object owned by the extension owner and marked as a convdash clip; returns its oid';

-- Trigger: unlinks the large object of a deleted clip row, or the old one when loid changes.
CREATE FUNCTION convdash.unlink_clip_object() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
BEGIN
	-- a large object already gone (unlinked by hand) must not block the deletion
	IF EXISTS (SELECT FROM pg_largeobject_metadata m WHERE m.oid = OLD.loid) THEN
		PERFORM lo_unlink(OLD.loid);
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION convdash.unlink_clip_object() IS
	'Admin: trigger function unlinking a clip''s large object when its row is deleted or re-pointed (like contrib lo_manage)';

-- Row-level, like lo_manage: its cost follows the number of clips deleted,
-- whatever path deletes them. A statement-level trigger with a transition
-- table measured the same for the bulk delete (10,000 conversations, 200
-- clips: 1.34/1.73 s row-level vs 1.39/1.67 s, alternating in one session),
-- since the delete functions remove a batch's clips in one statement.
CREATE TRIGGER audio_clips_unlink_deleted AFTER DELETE ON convdash.audio_clips
	FOR EACH ROW EXECUTE FUNCTION convdash.unlink_clip_object();
CREATE TRIGGER audio_clips_unlink_replaced AFTER UPDATE OF loid ON convdash.audio_clips
	FOR EACH ROW WHEN (OLD.loid IS DISTINCT FROM NEW.loid)
	EXECUTE FUNCTION convdash.unlink_clip_object();

-- Large-object problems: orphans (marked convdash objects no clip references) and clips whose object is gone.
CREATE FUNCTION convdash.check_large_objects()
RETURNS TABLE (problem text, loid oid, account_id bigint, conversation_id bigint, clip_id bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
	SELECT 'orphaned_large_object', m.oid, NULL::bigint, NULL::bigint, NULL::bigint
	FROM pg_largeobject_metadata m
	JOIN pg_description d ON d.objoid = m.oid
		AND d.classoid = 'pg_largeobject'::regclass AND d.objsubid = 0
	WHERE d.description = convdash.clip_object_marker()
	  AND NOT EXISTS (SELECT FROM convdash.audio_clips a WHERE a.loid = m.oid)
	UNION ALL
	SELECT 'missing_large_object', a.loid, a.account_id, a.conversation_id, a.id
	FROM convdash.audio_clips a
	WHERE NOT EXISTS (SELECT FROM pg_largeobject_metadata m WHERE m.oid = a.loid)
	ORDER BY 1, 2
$$;
COMMENT ON FUNCTION convdash.check_large_objects() IS
	'Admin: orphaned convdash large objects (marked, referenced by no clip: left by TRUNCATE, DROP EXTENSION) and clips whose large object is missing; empty when healthy';

-- Unlinks every orphaned convdash large object; returns how many.
CREATE FUNCTION convdash.remove_orphaned_large_objects() RETURNS bigint
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
	SELECT count(lo_unlink(o.loid))
	FROM convdash.check_large_objects() o
	WHERE o.problem = 'orphaned_large_object'
$$;
COMMENT ON FUNCTION convdash.remove_orphaned_large_objects() IS
	'Admin: unlinks every orphaned convdash large object (see check_large_objects); returns the number removed';
-- Admin checks: the denormalised counters on conversations against the rows
-- they summarise. Other checks (large objects) join this list in their own
-- files as further rows of convdash.integrity_check().

-- Every conversation whose stored counters differ from its rows, one row per mismatch.
CREATE FUNCTION convdash.check_counters()
RETURNS TABLE (account_id bigint, conversation_id bigint, problem text, stored bigint, actual bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
	WITH m AS (
		SELECT m.account_id, m.conversation_id,
			count(*) FILTER (WHERE m.seq IS NOT NULL) AS shown,
			coalesce(sum(m.prompt_tokens), 0) AS prompt,
			coalesce(sum(m.completion_tokens), 0) AS completion,
			coalesce(max(m.seq), 0) AS max_seq
		FROM convdash.messages m
		GROUP BY m.account_id, m.conversation_id),
	a AS (
		SELECT DISTINCT a.account_id, a.conversation_id FROM convdash.audio_clips a),
	joined AS (
		SELECT c.account_id, c.id, c.message_count, c.prompt_tokens, c.completion_tokens,
			c.has_voice, c.rating,
			coalesce(m.shown, 0) AS shown, coalesce(m.prompt, 0) AS prompt,
			coalesce(m.completion, 0) AS completion, coalesce(m.max_seq, 0) AS max_seq,
			a.conversation_id IS NOT NULL AS voice, r.score
		FROM convdash.conversations c
		LEFT JOIN m ON m.account_id = c.account_id AND m.conversation_id = c.id
		LEFT JOIN a ON a.account_id = c.account_id AND a.conversation_id = c.id
		LEFT JOIN convdash.ratings r ON r.account_id = c.account_id AND r.conversation_id = c.id)
	SELECT j.account_id, j.id, x.problem, x.stored, x.actual
	FROM joined j
	CROSS JOIN LATERAL (VALUES
		('message_count', j.message_count::bigint, j.shown),
		('transcript_seq', j.message_count::bigint, j.max_seq::bigint),
		('prompt_tokens', j.prompt_tokens, j.prompt::bigint),
		('completion_tokens', j.completion_tokens, j.completion::bigint),
		('has_voice', j.has_voice::integer::bigint, j.voice::integer::bigint),
		('rating', j.rating::bigint, j.score::bigint)) AS x(problem, stored, actual)
	WHERE x.stored IS DISTINCT FROM x.actual
	ORDER BY 1, 2, 3
$$;
COMMENT ON FUNCTION convdash.check_counters() IS
	'Admin: conversations whose message_count, tokens, has_voice or rating differ from their rows (none when healthy)';

-- Every integrity problem found, across all tenants; an empty result means healthy.
CREATE FUNCTION convdash.integrity_check()
RETURNS TABLE (account_id bigint, conversation_id bigint, problem text, stored bigint, actual bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
	SELECT * FROM convdash.check_counters()
	UNION ALL
	-- large objects (48_audio_objects.sql): stored = the large object's oid
	SELECT l.account_id, l.conversation_id, l.problem, l.loid::bigint, NULL::bigint
	FROM convdash.check_large_objects() l
$$;
COMMENT ON FUNCTION convdash.integrity_check() IS
	'Admin: every integrity problem (counters; orphaned or missing large objects, stored = oid); empty when healthy';
-- Admin statistics: what each tenant holds, for capacity planning and support.

-- One row per account: agents, conversations by status, messages, voice, ratings, deletions.
CREATE FUNCTION convdash.stats()
RETURNS TABLE (account_id bigint, account_name text, agents bigint, conversations bigint,
	active bigint, closed bigint, archived bigint, messages bigint, voice_conversations bigint,
	audio_clips bigint, audio_bytes numeric, rated bigint, average_rating numeric,
	deleted_conversations bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
	SELECT a.id, a.name,
		(SELECT count(*) FROM convdash.agents g WHERE g.account_id = a.id),
		c.total, c.active, c.closed, c.archived, c.messages, c.voice,
		au.clips, au.bytes, c.rated, c.average_rating,
		(SELECT count(*) FROM convdash.deletion_log d WHERE d.account_id = a.id)
	FROM convdash.accounts a
	CROSS JOIN LATERAL (
		SELECT count(*) AS total,
			count(*) FILTER (WHERE x.status = 'active') AS active,
			count(*) FILTER (WHERE x.status = 'closed') AS closed,
			count(*) FILTER (WHERE x.status = 'archived') AS archived,
			coalesce(sum(x.message_count), 0)::bigint AS messages,
			count(*) FILTER (WHERE x.has_voice) AS voice,
			count(x.rating) AS rated,
			round(avg(x.rating), 2) AS average_rating
		FROM convdash.conversations x WHERE x.account_id = a.id) AS c
	CROSS JOIN LATERAL (
		SELECT count(*) AS clips, coalesce(sum(ac.bytes), 0) AS bytes
		FROM convdash.audio_clips ac WHERE ac.account_id = a.id) AS au
	ORDER BY a.id
$$;
COMMENT ON FUNCTION convdash.stats() IS
	'Admin: per account: agents, conversations by status, shown messages, voice conversations, clips and bytes, ratings, deletions';
-- Conversation list and search (DESIGN §4 "List and search semantics", §5
-- first row): convdash.list_conversations() answers the dashboard's main
-- table as JSON, with filters, sorts, keyset cursors and search.
--
-- Sorts and their keys, all in the requested direction, id last so that
-- pages never repeat or skip rows:
--   date      started_at, id                    index conversations_started_idx
--   messages  message_count, id                 index conversations_messages_idx
--   agent     agent name, started_at, id        conversations_agent_idx, agent by agent
--   status    status (active, closed, archived), started_at, id
--                                               conversations_status_started_idx, status by status
--   rating    rating with unrated last both ways, started_at, id
--                                               conversations_rating_started_idx, value by value
-- (Within one agent, status or rating the newest come first when descending:
-- what a user sorting by a column of few values expects.) Every sort walks
-- indexes in order from the cursor's position, so the 1,000th page costs
-- what the first does.
--
-- Search (q): the conversation matches when its session id, its agent's name
-- or one of its user/assistant messages contains q (ILIKE, %, _ and \
-- literal). The index is a GIN over convdash.search_grams(), the 1-, 2- and
-- 3-grams of the lowercased text (search.c), so every term of any length
-- has an exact candidate filter. No single plan is fast for every term, so
-- the search runs in up to three phases, each bounded:
--   1. probe the first SEARCH_PROBE conversations in sort order after the
--      cursor (filters applied) and stop at a full page: common terms; when
--      the matches found say that 8 times as many probes should fill the
--      page, probe that many (terms in a few % of conversations);
--   2. else collect the matching conversations through the indexes, at most
--      SEARCH_CANDIDATES messages/sessions, and sort those: rare and medium terms;
--   3. else (the term is common overall but rare after the filters) probe
--      in sort order without a cap.
-- SEARCH_PROBE (400) and SEARCH_CANDIDATES (30000) can be changed with the
-- settings convdash.search_probe and convdash.search_candidates.

-- Secret of the cursor MAC; not dumped (a restored database gets a new one,
-- so old cursors are refused). Row-level security without a policy hides it
-- from every role but the owner.
CREATE TABLE convdash.cursor_secret (
	singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	secret     bytea NOT NULL CHECK (length(secret) = 32)
);
INSERT INTO convdash.cursor_secret (secret) VALUES (decode(convdash.random_hex(32), 'hex'));
ALTER TABLE convdash.cursor_secret ENABLE ROW LEVEL SECURITY;
COMMENT ON TABLE convdash.cursor_secret IS 'Key of the HMAC that signs list cursors (owner only)';

CREATE FUNCTION convdash.search_grams(value text) RETURNS integer[]
AS 'MODULE_PATHNAME', 'convdash_search_grams'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.search_grams(text) IS
	'Read: the distinct 1-, 2- and 3-gram keys of the lowercased text, as indexed for search';

CREATE FUNCTION convdash.search_keys(term text) RETURNS integer[]
AS 'MODULE_PATHNAME', 'convdash_search_keys'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.search_keys(text) IS
	'Read: the keys every text containing the term has (search_grams(text) @> search_keys(term)): its 1- or 2-gram, else its 3-grams';

CREATE FUNCTION convdash.hmac_sha256(key bytea, message bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'convdash_hmac_sha256'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.hmac_sha256(bytea, bytea) IS
	'Admin: HMAC-SHA-256 of message under key';

-- Search indexes: shown messages only (system and tool messages are never
-- searched), and session ids.
CREATE INDEX messages_search_idx ON convdash.messages USING gin (convdash.search_grams(content))
	WHERE seq IS NOT NULL;
CREATE INDEX conversations_session_search_idx ON convdash.conversations
	USING gin (convdash.search_grams(session_id));

-- List indexes the foundation does not have (see the sort table above).
CREATE INDEX conversations_status_started_idx ON convdash.conversations (account_id, status, started_at, id);
CREATE INDEX conversations_rating_started_idx ON convdash.conversations
	(account_id, (coalesce(rating, 0)), started_at, id);
-- With a minimum rating the status branches walk rated conversations only
-- (active ones are rarely rated: without it, the "active" branch of
-- status=active,archived & min_rating=2 reads every active conversation).
CREATE INDEX conversations_status_rated_idx ON convdash.conversations (account_id, status, started_at, id)
	WHERE rating IS NOT NULL;

-- The ILIKE pattern that finds q anywhere, with %, _ and \ taken literally.
CREATE FUNCTION convdash.search_pattern(q text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT '%' || replace(replace(replace(q, '\', '\\'), '%', '\%'), '_', '\_') || '%' $$;
COMMENT ON FUNCTION convdash.search_pattern(text) IS
	'Read: the ILIKE pattern matching texts that contain q, with %, _ and \ literal';

-- A short one-line excerpt of content around the first case-insensitive occurrence of q.
CREATE FUNCTION convdash.search_snippet(content text, q text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT CASE WHEN x.p > 41 THEN '…' ELSE '' END
		|| btrim(regexp_replace(substr(content, greatest(1, x.p - 40), 100 + length(q)), '\s+', ' ', 'g'))
		|| CASE WHEN greatest(1, x.p - 40) + 100 + length(q) <= length(content) THEN '…' ELSE '' END
	FROM (SELECT greatest(strpos(lower(content), lower(q)), 1) AS p) x
$$;
COMMENT ON FUNCTION convdash.search_snippet(text, text) IS
	'Read: about 100 characters of content around the first case-insensitive occurrence of q, whitespace collapsed, … where cut';

-- Raises 22023 naming the list parameter.
CREATE FUNCTION convdash.list_error(field text, message text, hint text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
	RAISE EXCEPTION '%', message
		USING ERRCODE = 'invalid_parameter_value', COLUMN = field, HINT = coalesce(hint, '');
END
$$;
COMMENT ON FUNCTION convdash.list_error(text, text, text) IS
	'Admin: raises 22023 with the message, naming the parameter in COLUMN';

-- The distinct sorted enum values of a list of labels (NULL or empty: no filter).
CREATE FUNCTION convdash.list_enum_filter(labels text[], field text, kind anyenum) RETURNS anyarray
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
BEGIN
	IF labels IS NULL OR cardinality(labels) = 0 THEN
		RETURN NULL;
	END IF;
	IF array_position(labels, NULL) IS NOT NULL THEN
		PERFORM convdash.list_error(field, format('%s must not contain null', field));
	END IF;
	RETURN (SELECT array_agg(DISTINCT convdash.enum_value(l, field, kind) ORDER BY convdash.enum_value(l, field, kind))
	        FROM unnest(labels) l);
END
$$;
COMMENT ON FUNCTION convdash.list_enum_filter(text[], text, anyenum) IS
	'Read: the distinct sorted enum values of the labels (NULL for NULL or empty); 22023 naming the field for an unknown label or a null';

-- The first instant of a 'YYYY-MM-DD' day in a time zone (of the next day when end_of_day).
CREATE FUNCTION convdash.list_day_bound(day text, field text, zone text, end_of_day boolean)
RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	d date;
BEGIN
	IF day IS NULL THEN
		RETURN NULL;
	END IF;
	IF day !~ '^\d{4}-\d{2}-\d{2}$' THEN
		PERFORM convdash.list_error(field, format('%s must be a date YYYY-MM-DD', field));
	END IF;
	BEGIN
		d := to_date(day, 'YYYY-MM-DD');
		IF to_char(d, 'YYYY-MM-DD') <> day THEN
			RAISE EXCEPTION USING ERRCODE = 'invalid_datetime_format';
		END IF;
	EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
		PERFORM convdash.list_error(field, format('%s is not a valid date: "%s"', field, day));
	END;
	RETURN ((d + end_of_day::integer)::timestamp AT TIME ZONE zone);
END
$$;
COMMENT ON FUNCTION convdash.list_day_bound(text, text, text, boolean) IS
	'Read: start of the day (or of the next day) in the zone for a YYYY-MM-DD text; 22023 naming the field when not a date';

-- base64url without padding, as cursors are spelled.
CREATE FUNCTION convdash.base64url(data bytea) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT translate(rtrim(encode(data, 'base64'), '='), E'+/\n', '-_') $$;
COMMENT ON FUNCTION convdash.base64url(bytea) IS 'Read: base64url text (no padding) of the bytes';

-- The cursor after the row with sort keys k, t and id: payload.mac, both base64url.
CREATE FUNCTION convdash.cursor_encode(signature text, k text, t text, id bigint) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
	SELECT convdash.base64url(p) || '.'
		|| convdash.base64url(substr(convdash.hmac_sha256(s.secret, p || convert_to(signature, 'UTF8')), 1, 16))
	FROM convdash.cursor_secret s,
		LATERAL (SELECT convert_to(jsonb_strip_nulls(jsonb_build_object('k', k, 't', t, 'i', id))::text, 'UTF8') AS p) x
$$;
COMMENT ON FUNCTION convdash.cursor_encode(text, text, text, bigint) IS
	'Admin: the opaque cursor after the row with sort keys (k, t) and id for the query of this signature (HMAC-signed)';

-- The (k, t, id) of a cursor made for the query of this signature; 22023 for anything else.
CREATE FUNCTION convdash.cursor_decode(cursor text, signature text, OUT k text, OUT t text, OUT id bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	parts text[] := string_to_array(cursor, '.');
	payload bytea;
	mac bytea;
	j jsonb;
BEGIN
	IF length(cursor) > 1000 OR cardinality(parts) <> 2 OR cursor !~ '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' THEN
		PERFORM convdash.list_error('cursor', 'invalid cursor', 'Pass next_cursor of the previous page unchanged.');
	END IF;
	BEGIN
		payload := decode(rpad(translate(parts[1], '-_', '+/'), (length(parts[1]) + 3) / 4 * 4, '='), 'base64');
		mac := decode(rpad(translate(parts[2], '-_', '+/'), (length(parts[2]) + 3) / 4 * 4, '='), 'base64');
	EXCEPTION WHEN invalid_parameter_value OR invalid_text_representation THEN
		PERFORM convdash.list_error('cursor', 'invalid cursor', 'Pass next_cursor of the previous page unchanged.');
	END;
	-- only the canonical spelling is accepted (base64 has spare bits in its last character)
	IF convdash.base64url(payload) <> parts[1] OR convdash.base64url(mac) <> parts[2]
		OR mac IS DISTINCT FROM (SELECT substr(convdash.hmac_sha256(s.secret, payload || convert_to(signature, 'UTF8')), 1, 16)
		                         FROM convdash.cursor_secret s) THEN
		PERFORM convdash.list_error('cursor', 'invalid cursor',
			'A cursor is valid only unchanged, with the filters, search, sort and order it was made for.');
	END IF;
	j := convert_from(payload, 'UTF8')::jsonb;
	k := j ->> 'k';
	t := j ->> 't';
	id := (j ->> 'i')::bigint;
END
$$;
COMMENT ON FUNCTION convdash.cursor_decode(text, text) IS
	'Admin: the sort keys and id inside a cursor signed for this query signature; 22023 (cursor) when malformed, tampered or foreign';

-- SQL of the conversations after the cursor in sort order, at most lim of them.
-- Columns: id, agent_id, session_id, s1 and s2 (the typed sort keys before
-- id), k and t (their cursor texts). conds: filter conditions on c (the agent
-- filter is "c.agent_id = ANY($4)"); matched: only conversations of the
-- agents in $11; keyset: whether $8 (k), $13 (t) and $9 (id) hold a cursor.
-- Date and message-count sorts walk one index from the cursor. The agent sort
-- walks the agents by name and each one's conversations by start time
-- (conversations_agent_idx). Status and rating sorts are a union of one
-- branch per value (statuses in lifecycle order, ratings with unrated last),
-- each walking (account_id, value, started_at, id) and planned with the
-- value's own statistics; a merge of the branches gives the page. So date
-- filters are index ranges everywhere and no index range is skipped row by row.
CREATE FUNCTION convdash.list_source_sql(sort text, dir text, conds text, matched boolean,
	keyset boolean, lim text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	cmp text := CASE dir WHEN 'asc' THEN '>' ELSE '<' END;
	pcmp text := CASE WHEN sort = 'rating' OR dir = 'asc' THEN '>' ELSE '<' END;
	ts_text constant text := 'to_char(c.started_at AT TIME ZONE ''UTC'', ''YYYY-MM-DD"T"HH24:MI:SS.US"Z"'')';
	matched_cond text := CASE WHEN matched THEN ' AND c.agent_id = ANY($11)' ELSE '' END;
	inner_keyset text;
	key text;
	keytype text;
	branches text[];
BEGIN
	IF sort IN ('status', 'rating') THEN
		keytype := CASE sort WHEN 'status' THEN 'convdash.conversation_status' ELSE 'integer' END;
		-- v: the value, pk: its place in the order (the status itself; a rank for ratings)
		SELECT array_agg(format($q$(
			SELECT c.id, c.agent_id, c.session_id, %2$L::%3$s AS s1, c.started_at AS s2, %2$L AS k, %4$s AS t
			FROM convdash.conversations c
			WHERE c.account_id = $1 AND %5$s = %1$L %6$s %7$s %8$s
			ORDER BY c.started_at %9$s, c.id %9$s LIMIT %10$s)$q$,
			x.v, x.pk, keytype, ts_text,
			CASE sort WHEN 'status' THEN 'c.status' ELSE 'coalesce(c.rating, 0)' END,
			-- values the filters exclude: a constant false the planner drops the branch for
			conds || CASE WHEN sort = 'status' AND strpos(conds, 'c.status = ANY($2)') > 0
					THEN format(' AND %L::convdash.conversation_status = ANY($2)', x.v)
				WHEN sort = 'rating' AND strpos(conds, 'c.rating >= $5') > 0
					THEN format(' AND %s >= $5', x.v) ELSE '' END,
			matched_cond,
			CASE WHEN keyset THEN format('AND %1$L::%2$s %3$s= $8::%2$s AND (c.started_at, c.id) %4$s '
				'(CASE WHEN %1$L::%2$s = $8::%2$s THEN $13::timestamptz ELSE %5$L END, '
				'CASE WHEN %1$L::%2$s = $8::%2$s THEN $9 ELSE %6$s END)', x.pk, keytype, pcmp, cmp,
				CASE dir WHEN 'asc' THEN '-infinity' ELSE 'infinity' END,
				CASE dir WHEN 'asc' THEN '0' ELSE '9223372036854775807' END) ELSE '' END,
			dir, lim) ORDER BY x.o)
		INTO branches
		FROM (SELECT v::text AS v, v::text AS pk, row_number() OVER () * CASE dir WHEN 'asc' THEN 1 ELSE -1 END AS o
		      FROM unnest(enum_range(NULL::convdash.conversation_status)) v WHERE sort = 'status'
		      UNION ALL
		      SELECT v::text, (CASE dir WHEN 'asc' THEN (v + 5) % 6 ELSE 5 - v END)::text,
		             CASE dir WHEN 'asc' THEN (v + 5) % 6 ELSE 5 - v END
		      FROM unnest(ARRAY[0, 1, 2, 3, 4, 5]) v WHERE sort = 'rating') x;
		RETURN format('SELECT * FROM (%s) x ORDER BY %s LIMIT %s',
			array_to_string(branches, ' UNION ALL '), convdash.list_order_sql(sort, dir), lim);
	END IF;
	IF sort = 'agent' THEN
		RETURN format($q$
			SELECT c.id, c.agent_id, c.session_id, o.name AS s1, c.started_at AS s2, o.name AS k, %1$s AS t
			FROM (SELECT a.id, a.name FROM convdash.agents a WHERE a.account_id = $1 %2$s %3$s %4$s
			      ORDER BY a.name %5$s) o
			CROSS JOIN LATERAL (
				SELECT c.id, c.agent_id, c.session_id, c.started_at FROM convdash.conversations c
				WHERE c.account_id = $1 AND c.agent_id = o.id %6$s %7$s
				ORDER BY c.started_at %5$s, c.id %5$s LIMIT %8$s) c
			ORDER BY o.name %5$s, c.started_at %5$s, c.id %5$s LIMIT %8$s$q$,
			ts_text,
			CASE WHEN strpos(conds, 'c.agent_id = ANY($4)') > 0 THEN 'AND a.id = ANY($4)' ELSE '' END,
			CASE WHEN matched THEN 'AND a.id = ANY($11)' ELSE '' END,
			CASE WHEN keyset THEN format('AND a.name %s= $8', cmp) ELSE '' END,
			dir, conds,
			CASE WHEN keyset THEN format('AND (c.started_at, c.id) %s (CASE WHEN o.name = $8 THEN $13::timestamptz ELSE %L END, '
				'CASE WHEN o.name = $8 THEN $9 ELSE %s END)', cmp,
				CASE dir WHEN 'asc' THEN '-infinity' ELSE 'infinity' END,
				CASE dir WHEN 'asc' THEN '0' ELSE '9223372036854775807' END) ELSE '' END,
			lim);
	END IF;
	key := CASE sort WHEN 'date' THEN 'c.started_at' ELSE 'c.message_count' END;
	keytype := CASE sort WHEN 'date' THEN 'timestamptz' ELSE 'integer' END;
	RETURN format($q$
		SELECT c.id, c.agent_id, c.session_id, %1$s AS s1, NULL::timestamptz AS s2, %2$s AS k, NULL::text AS t
		FROM convdash.conversations c
		WHERE c.account_id = $1 %3$s %4$s %5$s
		ORDER BY %1$s %6$s, c.id %6$s LIMIT %7$s$q$,
		key, CASE sort WHEN 'date' THEN replace(ts_text, 'c.started_at', key) ELSE key || '::text' END, conds,
		matched_cond,
		CASE WHEN keyset THEN format('AND (%s, c.id) %s ($8::%s, $9)', key, cmp, keytype) ELSE '' END,
		dir, lim);
END
$$;
COMMENT ON FUNCTION convdash.list_source_sql(text, text, text, boolean, boolean, text) IS
	'Admin: SQL text of the filtered conversations after the cursor in sort order (used by list_conversations)';

-- ORDER BY of rows with the columns of list_source_sql (alias x).
CREATE FUNCTION convdash.list_order_sql(sort text, dir text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT format('x.s1 %s, x.s2 %s, x.id %s', CASE sort WHEN 'rating' THEN 'asc' ELSE dir END, dir, dir)
$$;
COMMENT ON FUNCTION convdash.list_order_sql(text, text) IS
	'Admin: the ORDER BY of list_source_sql rows (alias x) for a sort and order';

-- The dashboard's conversation list and search (DESIGN §4, §5).
CREATE FUNCTION convdash.list_conversations(status text[] DEFAULT NULL, channel text[] DEFAULT NULL,
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
	zone text := (SELECT a.time_zone FROM convdash.accounts a WHERE a.id = acct);
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
	-- validation: each bad parameter is a 22023 naming it
	IF srt NOT IN ('date', 'agent', 'status', 'messages', 'rating') THEN
		PERFORM convdash.list_error('sort', format('invalid sort: "%s"', left(srt, 100)),
			'Use one of: agent, status, messages, rating, date.');
	END IF;
	IF dir NOT IN ('asc', 'desc') THEN
		PERFORM convdash.list_error('order', format('invalid order: "%s"', left(dir, 100)), 'Use asc or desc.');
	END IF;
	PERFORM convdash.check_range(n, 'limit', 1, 200);
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

	signature := jsonb_build_array(acct, srt, dir, statuses, channels, agents, min_rating,
		date_from, date_to, term)::text;
	IF cursor IS NOT NULL THEN
		SELECT d.k, d.t, d.id INTO ck, ct, ci FROM convdash.cursor_decode(cursor, signature) d;
	END IF;

	IF statuses IS NOT NULL THEN conds := conds || ' AND c.status = ANY($2)'; END IF;
	IF channels IS NOT NULL THEN conds := conds || ' AND c.channel = ANY($3)'; END IF;
	IF agents IS NOT NULL THEN conds := conds || ' AND c.agent_id = ANY($4)'; END IF;
	IF min_rating IS NOT NULL THEN conds := conds || ' AND c.rating >= $5'; END IF;
	IF t_from IS NOT NULL THEN conds := conds || ' AND c.started_at >= $6'; END IF;
	IF t_to IS NOT NULL THEN conds := conds || ' AND c.started_at < $7'; END IF;

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
-- Detail panel (DESIGN §5): conversation detail, transcript pages, client
-- data, agents and single messages as the JSON the HTTP service passes
-- through. Every function runs as the owner, scopes every statement to
-- convdash.require_account() and answers P0002 (COLUMN names the id) for an
-- id that is unknown or another tenant's. Timestamps are convdash.rfc3339().
-- The read functions are VOLATILE on purpose: a STABLE function reads with
-- the snapshot of the statement calling it, so
-- conversation_detail(close_conversation(id)) would answer the state before
-- the close. Each builds its answer in one query, so its parts (a
-- transcript's total and rows) come from one snapshot all the same.

-- Raises P0002 "<kind> <id> not found" naming the field.
CREATE FUNCTION convdash.raise_not_found(kind text, id bigint, field text) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL SAFE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION '% % not found', kind, id
		USING ERRCODE = 'no_data_found', COLUMN = field;
END
$$;
COMMENT ON FUNCTION convdash.raise_not_found(text, bigint, text) IS
	'Admin: raises P0002 "<kind> <id> not found" with the field as the error''s COLUMN';

-- The {id, name, company, mode} object of an agent.
CREATE FUNCTION convdash.agent_json(a convdash.agents) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT jsonb_build_object('id', a.id, 'name', a.name, 'company', a.company, 'mode', a.mode)
$$;
COMMENT ON FUNCTION convdash.agent_json(convdash.agents) IS
	'Read: the {id, name, company, mode} JSON object of an agent row';

-- The {id, role, content, created_at, audio_id} object of a message.
CREATE FUNCTION convdash.message_json(m convdash.messages, audio_id bigint) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT jsonb_build_object('id', m.id, 'role', m.role, 'content', m.content,
		'created_at', convdash.rfc3339(m.created_at), 'audio_id', audio_id)
$$;
COMMENT ON FUNCTION convdash.message_json(convdash.messages, bigint) IS
	'Read: the {id, role, content, created_at, audio_id} JSON object of a message row and its clip id (or NULL)';

-- The detail of a conversation: metadata sidebar and overview tab.
CREATE FUNCTION convdash.conversation_detail(conversation_id bigint) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	result jsonb;
BEGIN
	SELECT jsonb_build_object(
		'id', c.id,
		'agent', convdash.agent_json(a),
		'session_id', c.session_id,
		'channel', c.channel,
		'status', c.status,
		'handled_by', c.handled_by,
		'started_at', convdash.rfc3339(c.started_at),
		'ended_at', convdash.rfc3339(c.ended_at),
		'duration_seconds', d.seconds,
		'duration_text', convdash.duration_text(d.seconds),
		'message_count', c.message_count,
		'text_only', NOT c.has_voice,
		'has_voice', c.has_voice,
		'tokens', jsonb_build_object('prompt', c.prompt_tokens, 'completion', c.completion_tokens,
			'total', c.prompt_tokens + c.completion_tokens),
		'rating', CASE WHEN r.score IS NOT NULL THEN jsonb_build_object('score', r.score,
			'comment', r.comment, 'rated_at', convdash.rfc3339(r.rated_at)) END,
		'end_reason', coalesce(c.end_reason, 'Completed'),
		'sentiment', c.sentiment,
		'sentiment_score', c.sentiment_score,
		'sentiment_text', convdash.sentiment_text(c.sentiment),
		'converted', c.converted,
		'tracker_session_id', c.tracker_session_id)
	INTO result
	FROM convdash.conversations c
	JOIN convdash.agents a ON a.account_id = c.account_id AND a.id = c.agent_id
	LEFT JOIN convdash.ratings r ON r.account_id = c.account_id AND r.conversation_id = c.id
	CROSS JOIN LATERAL (SELECT convdash.duration_seconds(c.started_at, c.ended_at) AS seconds) d
	WHERE c.account_id = acct AND c.id = conversation_detail.conversation_id;
	IF result IS NULL THEN
		PERFORM convdash.raise_not_found('conversation', conversation_id, 'conversation_id');
	END IF;
	RETURN result;
END
$$;
COMMENT ON FUNCTION convdash.conversation_detail(bigint) IS
	'API: detail of a conversation: id, agent{id,name,company,mode}, session_id, channel, status, handled_by, started_at, ended_at, duration_seconds (null while active), duration_text ("Ongoing" while active), message_count, text_only, has_voice, tokens{prompt,completion,total}, rating{score,comment,rated_at} or null, end_reason ("Completed" when none), sentiment, sentiment_score, sentiment_text ("Not analyzed" when null), converted, tracker_session_id; P0002 for an unknown id';

-- One page of the transcript: shown (user/assistant) messages, newest first.
CREATE FUNCTION convdash.transcript(conversation_id bigint, page integer DEFAULT 1, per_page integer DEFAULT 50)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	total integer;
	data jsonb;
BEGIN
	IF page IS NULL OR page < 1 THEN
		RAISE EXCEPTION 'page must be 1 or more'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'page',
			      DETAIL = format('The value was %s.', coalesce(page::text, 'null'));
	END IF;
	IF per_page IS NULL OR per_page NOT BETWEEN 1 AND 200 THEN
		RAISE EXCEPTION 'per_page must be between 1 and 200'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'per_page',
			      DETAIL = format('The value was %s.', coalesce(per_page::text, 'null'));
	END IF;

	-- Shown messages are numbered seq 1..total, so page p is a seq range
	-- read from messages_transcript_idx: no OFFSET, every page costs the same.
	SELECT c.message_count, p.data INTO total, data
	FROM convdash.conversations c
	CROSS JOIN LATERAL (SELECT c.message_count - (transcript.page - 1)::bigint * transcript.per_page AS newest) n
	CROSS JOIN LATERAL (
		SELECT coalesce(jsonb_agg(convdash.message_json(m, ac.id) ORDER BY m.seq DESC), '[]') AS data
		FROM convdash.messages m
		LEFT JOIN convdash.audio_clips ac ON ac.account_id = m.account_id AND ac.message_id = m.id
		WHERE m.account_id = c.account_id AND m.conversation_id = c.id
		  AND m.seq > n.newest - transcript.per_page AND m.seq <= n.newest) p
	WHERE c.account_id = acct AND c.id = transcript.conversation_id;
	IF NOT FOUND THEN
		PERFORM convdash.raise_not_found('conversation', conversation_id, 'conversation_id');
	END IF;

	RETURN jsonb_build_object('data', data, 'page', page, 'per_page', per_page,
		'total', total, 'pages', (total + per_page - 1) / per_page);
END
$$;
COMMENT ON FUNCTION convdash.transcript(bigint, integer, integer) IS
	'API: page (1 = newest) of the user and assistant messages, newest first, per_page 1-200 (default 50): {data:[{id,role,content,created_at,audio_id}], page, per_page, total, pages}; a page past the end has empty data; 22023 for a bad page/per_page, P0002 for an unknown id';

-- The Client Data tab: summary grid, memory, linked tracker session with its pageviews, events and triggers.
CREATE FUNCTION convdash.client_data(conversation_id bigint) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	result jsonb;
BEGIN
	SELECT jsonb_build_object(
		'conversation', jsonb_build_object(
			'channel', c.channel,
			'status', c.status,
			'duration_text', convdash.duration_text(convdash.duration_seconds(c.started_at, c.ended_at)),
			'message_count', c.message_count,
			'sentiment_text', convdash.sentiment_text(c.sentiment),
			'converted', c.converted,
			'session_id', c.session_id,
			'started_at', convdash.rfc3339(c.started_at)),
		'memory', c.memory,
		'session', CASE WHEN s.id IS NOT NULL THEN jsonb_build_object('id', s.id, 'device', s.device,
			'browser', s.browser, 'os', s.os, 'country', s.country, 'city', s.city,
			'landing_page', s.landing_page, 'traffic_source', s.traffic_source,
			'utm_source', s.utm_source, 'utm_medium', s.utm_medium,
			'started_at', convdash.rfc3339(s.started_at),
			'duration_seconds', s.duration_seconds,
			'duration_text', CASE WHEN s.duration_seconds IS NOT NULL THEN convdash.duration_text(s.duration_seconds) END,
			'pages_visited', s.pages_visited, 'bounce', s.bounce) END,
		'pageviews', (
			SELECT coalesce(jsonb_agg(jsonb_build_object('url', p.url, 'title', p.title,
				'time_spent_seconds', p.time_spent_seconds, 'scroll_depth', p.scroll_depth,
				'viewed_at', convdash.rfc3339(p.viewed_at)) ORDER BY p.viewed_at, p.id), '[]')
			FROM convdash.tracker_pageviews p
			WHERE p.account_id = acct AND p.tracker_session_id = s.id),
		'events', (
			SELECT coalesce(jsonb_agg(jsonb_build_object('name', e.name, 'type', e.type,
				'occurred_at', convdash.rfc3339(e.occurred_at)) ORDER BY e.occurred_at, e.id), '[]')
			FROM convdash.tracker_events e
			WHERE e.account_id = acct AND e.tracker_session_id = s.id AND e.trigger_name IS NULL),
		'triggers', (
			SELECT coalesce(jsonb_agg(jsonb_build_object('name', e.trigger_name, 'action', e.trigger_action,
				'occurred_at', convdash.rfc3339(e.occurred_at), 'data', e.trigger_data)
				ORDER BY e.occurred_at, e.id), '[]')
			FROM convdash.tracker_events e
			WHERE e.account_id = acct AND e.tracker_session_id = s.id AND e.trigger_name IS NOT NULL))
	INTO result
	FROM convdash.conversations c
	LEFT JOIN convdash.tracker_sessions s ON s.account_id = c.account_id AND s.id = c.tracker_session_id
	WHERE c.account_id = acct AND c.id = client_data.conversation_id;
	IF result IS NULL THEN
		PERFORM convdash.raise_not_found('conversation', conversation_id, 'conversation_id');
	END IF;
	RETURN result;
END
$$;
COMMENT ON FUNCTION convdash.client_data(bigint) IS
	'API: client data of a conversation: {conversation:{channel,status,duration_text,message_count,sentiment_text,converted,session_id,started_at}, memory (as stored), session:{id,device,browser,os,country,city,landing_page,traffic_source,utm_source,utm_medium,started_at,duration_seconds,duration_text,pages_visited,bounce} or null, pageviews:[{url,title,time_spent_seconds,scroll_depth,viewed_at}], events:[{name,type,occurred_at}] (triggers excluded), triggers:[{name,action,occurred_at,data}]}, lists in time order; P0002 for an unknown id';

-- The tenant's agents ordered by name.
CREATE FUNCTION convdash.list_agents() RETURNS jsonb
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
	SELECT jsonb_build_object('data', coalesce(jsonb_agg(convdash.agent_json(a) ORDER BY a.name, a.id), '[]'))
	FROM convdash.agents a
	WHERE a.account_id = convdash.require_account()
$$;
COMMENT ON FUNCTION convdash.list_agents() IS
	'API: the tenant''s agents as {data:[{id,name,company,mode}]} ordered by name, id';

-- One agent of the tenant, as answered after creating it.
CREATE FUNCTION convdash.agent(agent_id bigint) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	result jsonb;
BEGIN
	SELECT convdash.agent_json(a) || jsonb_build_object('created_at', convdash.rfc3339(a.created_at))
	INTO result
	FROM convdash.agents a
	WHERE a.account_id = convdash.require_account() AND a.id = agent.agent_id;
	IF result IS NULL THEN
		PERFORM convdash.raise_not_found('agent', agent_id, 'agent_id');
	END IF;
	RETURN result;
END
$$;
COMMENT ON FUNCTION convdash.agent(bigint) IS
	'API: one agent of the tenant as {id,name,company,mode,created_at}; P0002 for an unknown id';

-- One message of the tenant (any role), as answered after appending it.
CREATE FUNCTION convdash.message(message_id bigint) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	result jsonb;
BEGIN
	SELECT convdash.message_json(m, ac.id) || jsonb_build_object('conversation_id', m.conversation_id,
		'prompt_tokens', m.prompt_tokens, 'completion_tokens', m.completion_tokens)
	INTO result
	FROM convdash.messages m
	LEFT JOIN convdash.audio_clips ac ON ac.account_id = m.account_id AND ac.message_id = m.id
	WHERE m.account_id = convdash.require_account() AND m.id = message.message_id;
	IF result IS NULL THEN
		PERFORM convdash.raise_not_found('message', message_id, 'message_id');
	END IF;
	RETURN result;
END
$$;
COMMENT ON FUNCTION convdash.message(bigint) IS
	'API: one message of the tenant (any role) as {id,conversation_id,role,content,created_at,prompt_tokens,completion_tokens,audio_id}; P0002 for an unknown id';
-- Audio clips (DESIGN §2, §4, §5): one clip per voice message, its bytes in a
-- large object (48_audio_objects.sql), read on demand by byte range.
--
-- Storing is a streaming protocol, all in one transaction:
--   audio_begin(message_id, mime[, duration_ms])  -> clip id (empty clip)
--   audio_write(clip_id, chunk) ...               -> bytes so far (54000 past convdash.max_clip_bytes)
--   audio_finish(clip_id)                         -> {id, message_id, bytes, mime, duration_ms}
-- A clip left unfinished at COMMIT fails the commit (55000), so a half
-- upload is never visible. attach_audio() does the three in one call.
--
-- Decisions where the contract was silent:
--   * A message has at most one clip; audio_begin on a message that has one
--     REPLACES it (HTTP PUT semantics): the old row goes and its large object
--     is unlinked in the same transaction (so a failed upload keeps the old).
--   * mime is lowercased and parameters (";codecs=...") are dropped.
--   * For WAV clips the header's duration wins over a duration_ms given by
--     the caller; for other formats the caller's value (or NULL) is stored.
--   * An empty clip is refused at audio_finish (22023, field data).
--   * Peaks are computed at audio_finish in the same pass as the SHA-256 and
--     cached at 4096 buckets; other bucket counts are derived from those
--     (exact when N divides 4096, see extension/peaks.c). Non-WAV clips have
--     no peaks unless a client supplied them with set_audio_peaks; asking
--     for them otherwise is 0A000 (feature_not_supported), which the service
--     maps to 422 unsupported_media.
--   * Playback order is message order (message id = arrival order).

CREATE FUNCTION convdash.max_clip_bytes() RETURNS bigint
AS 'MODULE_PATHNAME', 'convdash_max_clip_bytes_fn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION convdash.max_clip_bytes() IS
	'Read: the largest clip audio_write accepts, in bytes (setting convdash.max_clip_bytes, default 50MB, superuser-only)';

CREATE FUNCTION convdash.clip_analyze(loid oid, wav boolean,
	OUT bytes bigint, OUT sha256 bytea, OUT duration_ms integer, OUT peaks real[])
AS 'MODULE_PATHNAME', 'convdash_clip_analyze'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION convdash.clip_analyze(oid, boolean) IS
	'Admin: one streaming pass over a clip''s large object: size, SHA-256 and, when wav, the WAV duration and 4096 peaks (22023 for a WAV that does not parse)';

CREATE FUNCTION convdash.peaks_resample(peaks real[], buckets integer) RETURNS real[]
AS 'MODULE_PATHNAME', 'convdash_peaks_resample'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.peaks_resample(real[], integer) IS
	'Read: buckets (1-4096) peaks derived from stored ones, each the maximum of the stored buckets it covers, rounded to 4 decimals';

-- The MIME type in canonical form: lowercase, without parameters; 22023 unless audio/*.
CREATE FUNCTION convdash.audio_mime(mime text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	m text := lower(btrim(split_part(mime, ';', 1)));
BEGIN
	IF m IS NULL OR m !~ '^audio/[a-z0-9.+-]+$' OR length(m) > 100 THEN
		RAISE EXCEPTION 'mime must be an audio/* type'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'mime',
			      DETAIL = format('It was %s.', coalesce('"' || left(mime, 100) || '"', 'missing'));
	END IF;
	RETURN m;
END
$$;
COMMENT ON FUNCTION convdash.audio_mime(text) IS
	'Read: the MIME type lowercased without parameters ("audio/ogg; codecs=opus" -> "audio/ogg"); 22023 unless it is audio/*';

-- Whether a (canonical) MIME type names a WAV file.
CREATE FUNCTION convdash.wav_mime(mime text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT mime IN ('audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave') $$;
COMMENT ON FUNCTION convdash.wav_mime(text) IS
	'Read: true for the WAV MIME types audio/wav, audio/x-wav, audio/wave, audio/vnd.wave';

-- The tenant's clip with this id; P0002 when there is none. Like
-- check_clip_state below it has no SET search_path of its own: it is called
-- only by the SECURITY DEFINER functions here, which pin it already, and on
-- every audio_read (a SET costs a configuration save/restore per call: 68 ->
-- 45 us per audio_read measured).
CREATE FUNCTION convdash.find_clip(clip_id bigint) RETURNS convdash.audio_clips
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	a convdash.audio_clips;
BEGIN
	SELECT * INTO a FROM convdash.audio_clips x
	WHERE x.account_id = convdash.require_account() AND x.id = find_clip.clip_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'audio clip % not found', clip_id
			USING ERRCODE = 'no_data_found', COLUMN = 'clip_id';
	END IF;
	RETURN a;
END
$$;
COMMENT ON FUNCTION convdash.find_clip(bigint) IS
	'Admin: the current tenant''s clip row with this id; P0002 when it does not exist for this tenant';

-- Raises 55000 when the clip is finished (writing) or unfinished (anything else).
CREATE FUNCTION convdash.check_clip_state(a convdash.audio_clips, want_finished boolean) RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
	IF (a.sha256 IS NOT NULL) <> want_finished THEN
		RAISE EXCEPTION 'audio clip % is %', a.id, CASE WHEN want_finished THEN 'not finished' ELSE 'already finished' END
			USING ERRCODE = 'object_not_in_prerequisite_state', COLUMN = 'clip_id';
	END IF;
END
$$;
COMMENT ON FUNCTION convdash.check_clip_state(convdash.audio_clips, boolean) IS
	'Admin: 55000 unless the clip is finished (want_finished) or still being written (not want_finished)';

-- Starts storing a clip for a message: an empty large object and its row; returns the clip id.
CREATE FUNCTION convdash.audio_begin(message_id bigint, mime text, duration_ms integer DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	kind text := convdash.audio_mime(mime);
	conv bigint;
	c convdash.conversations;
	new_id bigint;
BEGIN
	PERFORM convdash.check_range(duration_ms, 'duration_ms', 0, 2147483647);
	SELECT m.conversation_id INTO conv FROM convdash.messages m
	WHERE m.account_id = acct AND m.id = audio_begin.message_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'message % not found', message_id
			USING ERRCODE = 'no_data_found', COLUMN = 'message_id';
	END IF;
	c := convdash.lock_conversation(conv);
	IF c.status = 'archived' THEN
		RAISE EXCEPTION 'conversation % is archived', c.id
			USING ERRCODE = 'object_not_in_prerequisite_state',
			      HINT = 'Archived conversations take no new audio.';
	END IF;
	-- replacing: the trigger unlinks the old clip's large object
	DELETE FROM convdash.audio_clips a WHERE a.account_id = acct AND a.message_id = audio_begin.message_id;
	INSERT INTO convdash.audio_clips (account_id, conversation_id, message_id, loid, mime, bytes, duration_ms)
	VALUES (acct, c.id, audio_begin.message_id, convdash.create_clip_object(), kind, 0, audio_begin.duration_ms)
	RETURNING id INTO new_id;
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION convdash.audio_begin(bigint, text, integer) IS
	'API: starts storing the audio clip of a message (replacing any it has) in this transaction; returns the clip id for audio_write/audio_finish; 22023 mime not audio/*, P0002 unknown message, 55000 archived';

-- Appends a chunk of bytes to a clip being stored; returns its size so far.
CREATE FUNCTION convdash.audio_write(clip_id bigint, data bytea) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	a convdash.audio_clips := convdash.find_clip(clip_id);
	total bigint;
	limit_bytes bigint := convdash.max_clip_bytes();
BEGIN
	PERFORM convdash.check_clip_state(a, false);
	IF data IS NULL THEN
		RAISE EXCEPTION 'data is required' USING ERRCODE = 'invalid_parameter_value', COLUMN = 'data';
	END IF;
	total := a.bytes + length(data);
	IF total > limit_bytes THEN
		RAISE EXCEPTION 'audio clip exceeds the limit of % bytes', limit_bytes
			USING ERRCODE = 'program_limit_exceeded', COLUMN = 'data',
			      DETAIL = format('It would be %s bytes.', total),
			      HINT = 'The limit is the setting convdash.max_clip_bytes.';
	END IF;
	IF length(data) > 0 THEN
		PERFORM lo_put(a.loid, a.bytes, data);
		UPDATE convdash.audio_clips x SET bytes = total WHERE x.account_id = a.account_id AND x.id = a.id;
	END IF;
	RETURN total;
END
$$;
COMMENT ON FUNCTION convdash.audio_write(bigint, bytea) IS
	'API: appends a chunk to a clip started by audio_begin in this transaction; returns the bytes so far; 54000 past convdash.max_clip_bytes, 55000 when already finished';

-- Finishes a clip: SHA-256, WAV duration and peaks, has_voice; returns its JSON.
CREATE FUNCTION convdash.audio_finish(clip_id bigint) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	a convdash.audio_clips := convdash.find_clip(clip_id);
	r record;
BEGIN
	PERFORM convdash.check_clip_state(a, false);
	IF a.bytes = 0 THEN
		RAISE EXCEPTION 'audio clip % is empty', a.id
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'data';
	END IF;
	r := convdash.clip_analyze(a.loid, convdash.wav_mime(a.mime));
	UPDATE convdash.audio_clips x
	SET sha256 = r.sha256, bytes = r.bytes, duration_ms = coalesce(r.duration_ms, x.duration_ms), peaks = r.peaks
	WHERE x.account_id = a.account_id AND x.id = a.id
	RETURNING * INTO a;
	UPDATE convdash.conversations c SET has_voice = true
	WHERE c.account_id = a.account_id AND c.id = a.conversation_id AND NOT c.has_voice;
	RETURN jsonb_build_object('id', a.id, 'message_id', a.message_id, 'bytes', a.bytes,
		'mime', a.mime, 'duration_ms', a.duration_ms);
END
$$;
COMMENT ON FUNCTION convdash.audio_finish(bigint) IS
	'API: finishes a clip: SHA-256, duration from the header for WAV (22023 when it does not parse), marks the conversation as voice; returns {id, message_id, bytes, mime, duration_ms}';

-- Stores a whole clip in one call (psql, demo data): audio_begin, audio_write, audio_finish.
CREATE FUNCTION convdash.attach_audio(message_id bigint, mime text, data bytea, duration_ms integer DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	clip bigint := convdash.audio_begin(message_id, mime, duration_ms);
BEGIN
	PERFORM convdash.audio_write(clip, data);
	RETURN convdash.audio_finish(clip);
END
$$;
COMMENT ON FUNCTION convdash.attach_audio(bigint, text, bytea, integer) IS
	'API: stores a whole audio clip for a message in one call (audio_begin + audio_write + audio_finish); returns {id, message_id, bytes, mime, duration_ms}';

-- Constraint trigger: a clip row must be finished by the end of the transaction that began it.
CREATE FUNCTION convdash.check_clip_finished() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
BEGIN
	IF EXISTS (SELECT FROM convdash.audio_clips a
	           WHERE a.account_id = NEW.account_id AND a.id = NEW.id AND a.sha256 IS NULL) THEN
		RAISE EXCEPTION 'an audio clip was begun but not finished'
			USING ERRCODE = 'object_not_in_prerequisite_state',
			      DETAIL = format('Clip %s of message %s.', NEW.id, NEW.message_id),
			      HINT = 'Call convdash.audio_finish(clip_id) before committing.';
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION convdash.check_clip_finished() IS
	'Admin: deferred constraint trigger: refuses to commit a clip that audio_finish has not finished';

CREATE CONSTRAINT TRIGGER audio_clips_finished AFTER INSERT ON convdash.audio_clips
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION convdash.check_clip_finished();

-- The {id, message_id, conversation_id, mime, bytes, duration_ms, sha256, created_at} object of a clip.
CREATE FUNCTION convdash.audio_info(clip_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	a convdash.audio_clips := convdash.find_clip(clip_id);
BEGIN
	RETURN jsonb_build_object('id', a.id, 'message_id', a.message_id, 'conversation_id', a.conversation_id,
		'mime', a.mime, 'bytes', a.bytes, 'duration_ms', a.duration_ms,
		'sha256', encode(a.sha256, 'hex'), 'created_at', convdash.rfc3339(a.created_at));
END
$$;
COMMENT ON FUNCTION convdash.audio_info(bigint) IS
	'API: {id, message_id, conversation_id, mime, bytes, duration_ms, sha256 (hex, for the ETag), created_at} of a clip; P0002 for an unknown id';

-- At most length bytes of a clip from offset, in binary; empty at or past the end.
CREATE FUNCTION convdash.audio_read(clip_id bigint, "offset" bigint, length integer) RETURNS bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	a convdash.audio_clips;
BEGIN
	IF "offset" IS NULL OR "offset" < 0 THEN
		RAISE EXCEPTION 'offset must be 0 or more' USING ERRCODE = 'invalid_parameter_value', COLUMN = 'offset';
	END IF;
	IF length IS NULL OR length NOT BETWEEN 0 AND 8388608 THEN
		RAISE EXCEPTION 'length must be between 0 and 8388608 (8 MiB)'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'length';
	END IF;
	a := convdash.find_clip(clip_id);
	IF "offset" >= a.bytes OR length = 0 THEN
		RETURN '\x'::bytea;
	END IF;
	RETURN lo_get(a.loid, "offset", least(length::bigint, a.bytes - "offset")::integer);
END
$$;
COMMENT ON FUNCTION convdash.audio_read(bigint, bigint, integer) IS
	'API: at most length (0-8388608) bytes of a clip from offset, binary; empty when offset is at or past the end; 22023 negative offset/length, P0002 unknown clip';

-- The clips of a conversation in playback (message) order.
CREATE FUNCTION convdash.conversation_audio(conversation_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
BEGIN
	IF NOT EXISTS (SELECT FROM convdash.conversations c
	               WHERE c.account_id = acct AND c.id = conversation_audio.conversation_id) THEN
		RAISE EXCEPTION 'conversation % not found', conversation_id
			USING ERRCODE = 'no_data_found', COLUMN = 'conversation_id';
	END IF;
	RETURN jsonb_build_object('data', coalesce((
		SELECT jsonb_agg(jsonb_build_object('id', a.id, 'message_id', a.message_id, 'mime', a.mime,
			'bytes', a.bytes, 'duration_ms', a.duration_ms, 'created_at', convdash.rfc3339(a.created_at))
			ORDER BY a.message_id)
		FROM convdash.audio_clips a
		WHERE a.account_id = acct AND a.conversation_id = conversation_audio.conversation_id), '[]'));
END
$$;
COMMENT ON FUNCTION convdash.conversation_audio(bigint) IS
	'API: {data:[{id, message_id, mime, bytes, duration_ms, created_at}]} of a conversation''s clips in playback (message) order; P0002 for an unknown id';

-- Waveform peaks of a clip in buckets (1-4096) from its cached peaks.
CREATE FUNCTION convdash.audio_peaks(clip_id bigint, buckets integer DEFAULT 512) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	a convdash.audio_clips;
BEGIN
	PERFORM convdash.check_range(coalesce(buckets, 0), 'buckets', 1, 4096);
	a := convdash.find_clip(clip_id);
	IF a.peaks IS NULL THEN
		IF NOT convdash.wav_mime(a.mime) THEN
			RAISE EXCEPTION 'waveform peaks are only computed for WAV clips (this one is %)', a.mime
				USING ERRCODE = 'feature_not_supported', COLUMN = 'clip_id',
				      HINT = 'A client may supply peaks with convdash.set_audio_peaks.';
		END IF;
		-- not cached (a clip stored before peaks were): compute once and keep
		a.peaks := (convdash.clip_analyze(a.loid, true)).peaks;
		UPDATE convdash.audio_clips x SET peaks = a.peaks WHERE x.account_id = a.account_id AND x.id = a.id;
	END IF;
	RETURN jsonb_build_object('buckets', buckets, 'peaks', to_jsonb(convdash.peaks_resample(a.peaks, buckets)));
END
$$;
COMMENT ON FUNCTION convdash.audio_peaks(bigint, integer) IS
	'API: {buckets, peaks:[0..1]} waveform of a clip (max normalised amplitude per bucket); 22023 buckets outside 1-4096, 0A000 for a non-WAV clip without supplied peaks, P0002 unknown clip';

-- Stores client-supplied peaks for a non-WAV clip (the server computes WAV peaks itself).
CREATE FUNCTION convdash.set_audio_peaks(clip_id bigint, peaks real[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	a convdash.audio_clips := convdash.find_clip(clip_id);
BEGIN
	PERFORM convdash.check_clip_state(a, true);
	IF convdash.wav_mime(a.mime) THEN
		RAISE EXCEPTION 'peaks of WAV clips are computed by the server'
			USING ERRCODE = 'object_not_in_prerequisite_state', COLUMN = 'peaks';
	END IF;
	IF peaks IS NULL OR array_ndims(peaks) <> 1 OR cardinality(peaks) NOT BETWEEN 1 AND 4096
	   OR EXISTS (SELECT FROM unnest(peaks) p WHERE p IS NULL OR NOT p BETWEEN 0 AND 1) THEN
		RAISE EXCEPTION 'peaks must be 1 to 4096 values between 0 and 1'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'peaks';
	END IF;
	UPDATE convdash.audio_clips x SET peaks = set_audio_peaks.peaks
	WHERE x.account_id = a.account_id AND x.id = a.id;
	RETURN a.id;
END
$$;
COMMENT ON FUNCTION convdash.set_audio_peaks(bigint, real[]) IS
	'API: stores peaks (1-4096 values in 0..1, in time order) for a non-WAV clip so audio_peaks can answer; 22023 bad values, 55000 for WAV clips';
-- Deletion (DESIGN §3): complete, atomic, irreversible. One transaction
-- removes the conversations, their messages, clips and the clips' large
-- objects (the audio_clips trigger of 48_audio_objects.sql unlinks them),
-- and ratings, and writes one content-free convdash.deletion_log row per
-- conversation: account, conversation id, who, when, why, how many
-- messages (every role) and clips.
--
-- Who: the setting convdash.actor when the caller sets one (the service may
-- put e.g. its API key id there), else the session user.
-- Conversations are locked in id order before anything is deleted, so two
-- sessions deleting overlapping sets wait for each other instead of
-- deadlocking; the one that comes second finds nothing left (P0002 for a
-- single delete, "not_found" for a list).

-- Deletes the listed conversations of one account; logs them and returns one row each.
CREATE FUNCTION convdash.delete_conversation_rows(account_id bigint, conversation_ids bigint[], reason text)
RETURNS TABLE (conversation_id bigint, messages integer, clips integer)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := delete_conversation_rows.account_id;
	who text := coalesce(nullif(current_setting('convdash.actor', true), ''), session_user);
	locked bigint[];
	clip_conv bigint[];
	clip_n bigint[];
	msg_conv bigint[];
	msg_n bigint[];
BEGIN
	locked := ARRAY(SELECT c.id FROM convdash.conversations c
		WHERE c.account_id = acct AND c.id = ANY (conversation_ids)
		ORDER BY c.id FOR UPDATE);
	-- clips first, in one statement (their trigger unlinks the large objects);
	-- the counts come from what each DELETE removed
	WITH d AS (
		DELETE FROM convdash.audio_clips a WHERE a.account_id = acct AND a.conversation_id = ANY (locked)
		RETURNING a.conversation_id)
	SELECT array_agg(g.id), array_agg(g.n) INTO clip_conv, clip_n
	FROM (SELECT d.conversation_id AS id, count(*) AS n FROM d GROUP BY 1) g;
	WITH d AS (
		DELETE FROM convdash.messages m WHERE m.account_id = acct AND m.conversation_id = ANY (locked)
		RETURNING m.conversation_id)
	SELECT array_agg(g.id), array_agg(g.n) INTO msg_conv, msg_n
	FROM (SELECT d.conversation_id AS id, count(*) AS n FROM d GROUP BY 1) g;
	-- the rating and anything else hanging off the conversation go by cascade
	DELETE FROM convdash.conversations c WHERE c.account_id = acct AND c.id = ANY (locked);
	RETURN QUERY
	INSERT INTO convdash.deletion_log AS l (account_id, conversation_id, deleted_by, reason, message_count, clip_count)
	SELECT acct, x.id, who, delete_conversation_rows.reason, coalesce(m.n, 0), coalesce(a.n, 0)
	FROM unnest(locked) AS x(id)
	LEFT JOIN unnest(msg_conv, msg_n) AS m(id, n) ON m.id = x.id
	LEFT JOIN unnest(clip_conv, clip_n) AS a(id, n) ON a.id = x.id
	RETURNING l.conversation_id, l.message_count, l.clip_count;
END
$$;
COMMENT ON FUNCTION convdash.delete_conversation_rows(bigint, bigint[], text) IS
	'Admin: deletes the listed conversations of the account with messages, clips, large objects and rating, logs each; returns (conversation_id, messages, clips) of those that existed';

-- Deletes one conversation of the tenant for good; P0002 when it does not exist (also the second time).
CREATE FUNCTION convdash.delete_conversation(conversation_id bigint) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	r record;
BEGIN
	SELECT * INTO r
	FROM convdash.delete_conversation_rows(convdash.require_account(), ARRAY[delete_conversation.conversation_id], 'request');
	IF NOT FOUND THEN
		RAISE EXCEPTION 'conversation % not found', conversation_id
			USING ERRCODE = 'no_data_found', COLUMN = 'conversation_id';
	END IF;
	RETURN jsonb_build_object('conversation_id', r.conversation_id, 'messages', r.messages, 'clips', r.clips);
END
$$;
COMMENT ON FUNCTION convdash.delete_conversation(bigint) IS
	'API: irreversibly deletes a conversation with its messages, audio clips (and their large objects) and rating, logging who/when/counts; returns {conversation_id, messages, clips}; P0002 when it does not exist';

-- Deletes many conversations of the tenant; ids that do not exist are skipped and reported.
CREATE FUNCTION convdash.delete_conversations(conversation_ids bigint[]) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	ids bigint[];
	result jsonb;
BEGIN
	IF conversation_ids IS NULL OR array_position(conversation_ids, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'conversation_ids must be an array of ids without nulls'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'conversation_ids';
	END IF;
	ids := ARRAY(SELECT DISTINCT x FROM unnest(conversation_ids) AS x ORDER BY x);
	IF cardinality(ids) > 100000 THEN
		RAISE EXCEPTION 'at most 100000 conversations per call'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'conversation_ids',
			      DETAIL = format('There were %s.', cardinality(ids));
	END IF;
	WITH d AS (SELECT * FROM convdash.delete_conversation_rows(acct, ids, 'request'))
	SELECT jsonb_build_object(
		'deleted', (SELECT count(*) FROM d),
		'messages', (SELECT coalesce(sum(d.messages), 0) FROM d),
		'clips', (SELECT coalesce(sum(d.clips), 0) FROM d),
		'not_found', to_jsonb(ARRAY(SELECT x FROM unnest(ids) AS x
			EXCEPT SELECT d.conversation_id FROM d ORDER BY 1)))
	INTO result;
	RETURN result;
END
$$;
COMMENT ON FUNCTION convdash.delete_conversations(bigint[]) IS
	'API: irreversibly deletes the tenant''s listed conversations (at most 100000; duplicates count once) like delete_conversation, all in one transaction; ids that do not exist are skipped; returns {deleted, messages, clips, not_found:[ids]}';

-- Retention: deletes conversations in the given statuses whose last activity is older than older_than.
CREATE FUNCTION convdash.purge_conversations(older_than interval, statuses text[] DEFAULT '{archived}',
	account_id bigint DEFAULT NULL, batch_size integer DEFAULT 1000)
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
				  AND (last_id IS NULL OR c.id > last_id)
				ORDER BY c.id LIMIT batch_size);
			EXIT WHEN cardinality(ids) = 0;
			last_id := ids[cardinality(ids)];
			SELECT count(*), coalesce(sum(d.messages), 0), coalesce(sum(d.clips), 0) INTO n, nm, nc
			FROM convdash.delete_conversation_rows(acct, ids, 'retention') d;
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
COMMENT ON FUNCTION convdash.purge_conversations(interval, text[], bigint, integer) IS
	'Admin: retention purge across tenants (or one account): deletes conversations in the statuses (default archived) whose last activity (ended_at, else last message, else start) is older than older_than, in batches of batch_size, with a NOTICE per batch; returns (account, conversations, messages, clips) per account with deletions';
-- BI views: documented, stable, read-only. They are security_invoker views,
-- so row-level security of the reading role applies: a BI role that sets
-- convdash.account_id sees that tenant's rows and nothing else; one that sets
-- nothing sees nothing. Column names and meanings are a stable contract;
-- new columns may be appended, none is renamed or removed within a major version.

CREATE VIEW convdash.v_conversations WITH (security_invoker = true) AS
SELECT c.account_id, c.id AS conversation_id,
	c.agent_id, a.name AS agent_name, a.company AS agent_company, a.mode AS agent_mode,
	c.session_id, c.channel, c.status, c.handled_by,
	c.started_at, c.ended_at,
	convdash.duration_seconds(c.started_at, c.ended_at) AS duration_seconds,
	convdash.duration_text(convdash.duration_seconds(c.started_at, c.ended_at)) AS duration_text,
	coalesce(c.end_reason, 'Completed') AS end_reason,
	c.sentiment, c.sentiment_score, convdash.sentiment_text(c.sentiment) AS sentiment_text,
	c.converted,
	c.prompt_tokens, c.completion_tokens, c.prompt_tokens + c.completion_tokens AS total_tokens,
	c.message_count, c.has_voice, NOT c.has_voice AS text_only,
	r.score AS rating, r.comment AS rating_comment, r.rated_at,
	c.tracker_session_id, c.memory, c.last_message_at
FROM convdash.conversations c
JOIN convdash.agents a ON a.account_id = c.account_id AND a.id = c.agent_id
LEFT JOIN convdash.ratings r ON r.account_id = c.account_id AND r.conversation_id = c.id;
COMMENT ON VIEW convdash.v_conversations IS
	'BI: one row per conversation with every dashboard column (agent, channel, status, duration, sentiment, tokens, rating, ...)';

CREATE VIEW convdash.v_messages WITH (security_invoker = true) AS
SELECT m.account_id, m.conversation_id, m.id AS message_id, m.role, m.content, m.created_at,
	m.prompt_tokens, m.completion_tokens, m.seq IS NOT NULL AS shown, m.seq AS transcript_position,
	ac.id AS audio_clip_id, ac.duration_ms AS audio_duration_ms
FROM convdash.messages m
LEFT JOIN convdash.audio_clips ac ON ac.account_id = m.account_id AND ac.message_id = m.id;
COMMENT ON VIEW convdash.v_messages IS
	'BI: one row per message; shown is false for system/tool messages, which the transcript hides';

CREATE VIEW convdash.v_tracker_sessions WITH (security_invoker = true) AS
SELECT s.account_id, s.id AS tracker_session_id, s.device, s.browser, s.os, s.country, s.city,
	s.landing_page, s.traffic_source, s.utm_source, s.utm_medium, s.started_at,
	s.duration_seconds, convdash.duration_text(s.duration_seconds::bigint) AS duration_text,
	s.pages_visited, s.bounce,
	(SELECT count(*) FROM convdash.tracker_pageviews p
	 WHERE p.account_id = s.account_id AND p.tracker_session_id = s.id) AS pageview_count,
	(SELECT count(*) FROM convdash.tracker_events e
	 WHERE e.account_id = s.account_id AND e.tracker_session_id = s.id) AS event_count
FROM convdash.tracker_sessions s;
COMMENT ON VIEW convdash.v_tracker_sessions IS
	'BI: one row per website tracker session with its pageview and event counts';

CREATE VIEW convdash.v_tracker_pageviews WITH (security_invoker = true) AS
SELECT p.account_id, p.tracker_session_id, p.id AS pageview_id, p.url, p.title,
	p.time_spent_seconds, p.scroll_depth, p.viewed_at
FROM convdash.tracker_pageviews p;
COMMENT ON VIEW convdash.v_tracker_pageviews IS 'BI: one row per pageview of a tracker session';

CREATE VIEW convdash.v_tracker_events WITH (security_invoker = true) AS
SELECT e.account_id, e.tracker_session_id, e.id AS event_id, e.name, e.type, e.occurred_at,
	e.trigger_name IS NOT NULL AS is_trigger, e.trigger_name, e.trigger_action, e.trigger_data
FROM convdash.tracker_events e;
COMMENT ON VIEW convdash.v_tracker_events IS 'BI: one row per tracker event; is_trigger marks triggers with their action and data';
-- Privileges, from the first word of each function's comment:
--   "API:"   the HTTP service (convdash_api)
--   "Read:"  the HTTP service and BI tools (convdash_reader)
--   "Admin:" the extension owner only
-- A function without one of these is executable by nobody but the owner
-- (fail closed); the regress test privileges.sql lists any such function.

REVOKE ALL ON ALL ROUTINES IN SCHEMA convdash FROM PUBLIC;

DO $$
DECLARE
	f record;
BEGIN
	FOR f IN
		SELECT p.oid::regprocedure AS sig, d.description
		FROM pg_catalog.pg_proc p
		JOIN pg_catalog.pg_description d
			ON d.objoid = p.oid AND d.classoid = 'pg_catalog.pg_proc'::regclass AND d.objsubid = 0
		WHERE p.pronamespace = 'convdash'::regnamespace
	LOOP
		IF f.description LIKE 'API:%' THEN
			EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO convdash_api', f.sig);
		ELSIF f.description LIKE 'Read:%' THEN
			EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO convdash_api, convdash_reader', f.sig);
		END IF;
	END LOOP;
END
$$;

-- Tables and views: read-only, and row-level security filters every table.
GRANT SELECT ON ALL TABLES IN SCHEMA convdash TO convdash_api, convdash_reader;
REVOKE ALL ON convdash.api_keys FROM convdash_api, convdash_reader;
