-- Deletion (DESIGN §3): complete, atomic, irreversible. One transaction
-- removes the conversations, their messages, clips and the clips' bytes
-- (the audio_clips trigger of 48_audio_objects.sql unlinks large objects,
-- past a lock budget it empties and queues them; chunks go by cascade),
-- and ratings, and writes one content-free convdash.deletion_log row per
-- conversation: account, conversation id, who, when, why, how many
-- messages (every role) and clips.
--
-- Who: the API key whose claim holds in the transaction (its id and label),
-- else the session user (convdash.current_actor()); a setting cannot change
-- it. The setting convdash.note may add a free-text note (200 characters).
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
	who text := convdash.current_actor();
	key_id bigint := convdash.claim_key_id();
	note text := left(nullif(current_setting('convdash.note', true), ''), 200);
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
	PERFORM convdash.emit_deleted(acct, locked);
	-- large objects emptied and queued past an earlier transaction's unlink
	-- budget (48_audio_objects.sql) go while this one's budget lasts
	IF EXISTS (SELECT FROM convdash.clip_object_queue) THEN
		PERFORM convdash.unlink_queued_clip_objects();
	END IF;
	RETURN QUERY
	INSERT INTO convdash.deletion_log AS l
		(account_id, conversation_id, deleted_by, api_key_id, note, reason, message_count, clip_count)
	SELECT acct, x.id, who, key_id, note, delete_conversation_rows.reason, coalesce(m.n, 0), coalesce(a.n, 0)
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
	acct bigint := convdash.require_account();
	r record;
BEGIN
	SELECT * INTO r
	FROM convdash.delete_conversation_rows(acct, ARRAY[delete_conversation.conversation_id], 'request');
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
	IF cardinality(conversation_ids) > 10000 THEN
		RAISE EXCEPTION 'at most 10000 conversations per call'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'conversation_ids',
			      DETAIL = format('There were %s.', cardinality(ids));
	END IF;
	IF conversation_ids IS NULL OR array_position(conversation_ids, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'conversation_ids must be an array of ids without nulls'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'conversation_ids';
	END IF;
	ids := ARRAY(SELECT DISTINCT x FROM unnest(conversation_ids) AS x ORDER BY x);
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
	'API: irreversibly deletes the tenant''s listed conversations (at most 10000 per call, checked before any work; duplicates count once) like delete_conversation, all in one transaction; ids that do not exist are skipped; returns {deleted, messages, clips, not_found:[ids]}';

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
				JOIN convdash.conversation_counters k ON k.account_id = c.account_id AND k.conversation_id = c.id
				WHERE c.account_id = acct AND c.status = ANY (st)
				  AND coalesce(c.ended_at, k.last_message_at, c.started_at) < cutoff
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
