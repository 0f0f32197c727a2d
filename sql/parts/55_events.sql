-- Live events (issue 14): a durable outbox. The write functions add one row
-- per change in the writing transaction (emit_event and the helpers below),
-- so a rolled-back write leaves nothing and a committed one is readable by
-- its tenant only: RLS for direct SQL, events_after()/events_head() for the
-- service and BI. Rows carry ids and small fields, never message content or
-- memory values.
--
-- Order without gaps: ids come from a sequence, and transactions commit in
-- another order than they took them, so "id > last" could skip an id that
-- commits later. Each row records its top-level transaction id (tx); readers
-- return only rows whose transaction is older than the oldest one still
-- running (pg_snapshot_xmin of the current snapshot), in (tx, id) order: no
-- row can appear later below that horizon, so a reader that remembers its
-- last (tx, id) never misses one. The price: an event waits for every write
-- transaction that started before it to end (milliseconds for API writes;
-- a long-running writing transaction holds events back until it ends).
--
-- Replay window: events are kept at least 10 minutes (events_window());
-- the write path trims a tenant's older rows now and then (trim_events).

CREATE TABLE convdash.events (
	account_id       bigint NOT NULL REFERENCES convdash.accounts (id) ON DELETE CASCADE,
	id               bigint GENERATED ALWAYS AS IDENTITY,
	tx               xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
	type             text NOT NULL,
	conversation_id  bigint NOT NULL,
	data             jsonb NOT NULL,
	created_at       timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, id)
);
CREATE INDEX events_order_idx ON convdash.events (account_id, tx, id);
COMMENT ON TABLE convdash.events IS
	'Changes of conversations, messages and clips for live dashboards (kept at least events_window()); ids and small fields only';
COMMENT ON COLUMN convdash.events.tx IS 'The writing transaction: readers return rows of finished transactions only, in (tx, id) order';
SELECT pg_catalog.pg_extension_config_dump('convdash.events', '');
SELECT pg_catalog.pg_extension_config_dump('convdash.events_id_seq', '');
ALTER TABLE convdash.events ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON convdash.events
	USING (account_id OPERATOR(pg_catalog.=) convdash.current_account())
	WITH CHECK (account_id OPERATOR(pg_catalog.=) convdash.current_account());

-- How long events are kept at least (the replay window of Last-Event-ID).
CREATE FUNCTION convdash.events_window() RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT interval '10 minutes' $$;
COMMENT ON FUNCTION convdash.events_window() IS
	'Read: how long events are kept at least (10 minutes): the replay window of a resumed event stream';

-- Adds one event of the account in the current transaction; every 1024th
-- event also trims the account's events older than the window.
CREATE FUNCTION convdash.emit_event(account_id bigint, type text, conversation_id bigint, data jsonb)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	new_id bigint;
BEGIN
	INSERT INTO convdash.events (account_id, type, conversation_id, data)
	VALUES (emit_event.account_id, emit_event.type, emit_event.conversation_id, emit_event.data)
	RETURNING id INTO new_id;
	IF new_id % 1024 = 0 THEN
		PERFORM convdash.trim_events(emit_event.account_id);
	END IF;
END
$$;
COMMENT ON FUNCTION convdash.emit_event(bigint, text, bigint, jsonb) IS
	'Admin: adds an event (type, conversation, small JSON data) of the account to the current transaction';

-- Adds a conversation.created/updated event whose data is the conversation's
-- small fields now, with changed naming what changed.
CREATE FUNCTION convdash.emit_conversation_event(account_id bigint, conversation_id bigint, type text,
	changed text)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	acct bigint := emit_conversation_event.account_id;
	d jsonb;
BEGIN
	SELECT jsonb_build_object('changed', changed, 'status', c.status, 'ended_at', c.ended_at,
		'message_count', k.message_count, 'rating', c.rating, 'sentiment', c.sentiment,
		'converted', c.converted, 'has_voice', c.has_voice, 'agent_id', c.agent_id,
		'channel', c.channel, 'started_at', c.started_at)
	INTO d
	FROM convdash.conversations c
	JOIN convdash.conversation_counters k ON k.account_id = c.account_id AND k.conversation_id = c.id
	WHERE c.account_id = acct AND c.id = emit_conversation_event.conversation_id;
	PERFORM convdash.emit_event(acct, type, conversation_id, d);
END
$$;
COMMENT ON FUNCTION convdash.emit_conversation_event(bigint, bigint, text, text) IS
	'Admin: adds a conversation event carrying the conversation''s status, counts, rating, sentiment and flags, and what changed';

-- Adds one conversation.deleted event per listed conversation.
CREATE FUNCTION convdash.emit_deleted(account_id bigint, conversation_ids bigint[])
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	acct bigint := emit_deleted.account_id;
BEGIN
	INSERT INTO convdash.events (account_id, type, conversation_id, data)
	SELECT acct, 'conversation.deleted', x.id, '{}'::jsonb
	FROM unnest(conversation_ids) AS x(id);
END
$$;
COMMENT ON FUNCTION convdash.emit_deleted(bigint, bigint[]) IS
	'Admin: adds a conversation.deleted event for each listed conversation of the account';

-- Deletes up to 4096 of the account's oldest events when older than the
-- window; skips when another transaction is trimming the account.
CREATE FUNCTION convdash.trim_events(account_id bigint) RETURNS integer
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	acct bigint := trim_events.account_id;
	cutoff timestamptz := now() - convdash.events_window();
	n integer;
BEGIN
	IF NOT pg_try_advisory_xact_lock(hashtext('convdash.trim_events'), (acct % 2147483647)::integer) THEN
		RETURN 0;
	END IF;
	DELETE FROM convdash.events e
	WHERE e.account_id = acct AND e.id IN (
		SELECT o.id FROM (
			SELECT x.id, x.created_at FROM convdash.events x
			WHERE x.account_id = acct ORDER BY x.tx, x.id LIMIT 4096) o
		WHERE o.created_at < cutoff);
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION convdash.trim_events(bigint) IS
	'Admin: deletes up to 4096 of the account''s oldest events older than events_window(); returns how many';

-- The current tenant's events after a position, oldest first, of finished
-- transactions only. Position: after_tx and after (the last row read), or
-- after alone (an event id: resumes after it; P0002 when it is no longer
-- kept), or nothing (from the oldest kept event).
CREATE FUNCTION convdash.events_after(after bigint DEFAULT 0, after_tx bigint DEFAULT NULL,
	max_rows integer DEFAULT 1000)
RETURNS TABLE (id bigint, tx bigint, type text, conversation_id bigint, data jsonb, created_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	horizon xid8 := pg_snapshot_xmin(pg_current_snapshot());
	pos xid8 := after_tx::text::xid8;
	from_id bigint := coalesce(after, 0);
BEGIN
	PERFORM convdash.check_range(max_rows, 'max_rows', 1, 10000);
	IF from_id < 0 OR after_tx < 0 THEN
		PERFORM convdash.check_range(from_id, 'after', 0, 9223372036854775807);
		PERFORM convdash.check_range(after_tx, 'after_tx', 0, 9223372036854775807);
	END IF;
	IF pos IS NULL AND from_id <> 0 THEN
		SELECT e.tx INTO pos FROM convdash.events e WHERE e.account_id = acct AND e.id = from_id;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'the event is not in the replay window'
				USING ERRCODE = 'no_data_found', COLUMN = 'after', DETAIL = format('Event %s.', from_id),
				      HINT = 'Events are kept for events_window(); reload the state and follow from events_head().';
		END IF;
	END IF;
	RETURN QUERY
	SELECT e.id, e.tx::text::bigint, e.type, e.conversation_id,
		jsonb_build_object('conversation_id', e.conversation_id) || e.data, e.created_at
	FROM convdash.events e
	WHERE e.account_id = acct AND (e.tx, e.id) > (coalesce(pos, '0'::xid8), from_id) AND e.tx < horizon
	ORDER BY e.tx, e.id
	LIMIT max_rows;
END
$$;
COMMENT ON FUNCTION convdash.events_after(bigint, bigint, integer) IS
	'Read: the current tenant''s committed events after a position (an event id, or the (after, after_tx) of the last row read), oldest first; P0002 when the event is no longer kept';

-- The current tenant's position now: the last event events_after can
-- return, as (id, tx); (0, 0) when there is none.
CREATE FUNCTION convdash.events_head(OUT id bigint, OUT tx bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	horizon xid8 := pg_snapshot_xmin(pg_current_snapshot());
BEGIN
	SELECT e.id, e.tx::text::bigint INTO id, tx
	FROM convdash.events e
	WHERE e.account_id = acct AND e.tx < horizon
	ORDER BY e.tx DESC, e.id DESC
	LIMIT 1;
	id := coalesce(id, 0);
	tx := coalesce(tx, 0);
END
$$;
COMMENT ON FUNCTION convdash.events_head() IS
	'Read: the current tenant''s latest committed event as (id, tx), (0, 0) when none: where a new follower starts';
