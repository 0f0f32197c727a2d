-- Large objects of audio clips (DESIGN §3: stored as large objects, never
-- orphaned). Every clip's bytes live in one large object that
--   * is created by convdash.create_clip_object(), so it is owned by the
--     extension owner (the service role cannot lo_get it: 42501) and carries
--     the comment 'convdash audio clip', which is how the orphan check tells
--     convdash's large objects from anyone else's;
--   * is unlinked by a trigger whenever its audio_clips row is deleted (by
--     any path: a delete function, a cascade from messages or conversations,
--     an account deletion) or points elsewhere, in the same transaction
--     (past a budget of locks, emptied then and unlinked later: below).
-- Clips kept as chunks (49_audio_chunks.sql) have no large object (loid NULL).
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

-- Unlinking a large object takes a lock until the end of the transaction
-- (one entry of the shared lock table, max_locks_per_transaction x
-- connections: about 8,000 with the defaults), so a deletion of tens of
-- thousands of clips cannot unlink them all. A transaction unlinks at most
-- clip_unlink_budget() objects; past that, the trigger empties the object
-- (lo_truncate takes no lock: the bytes are gone with the row, in the same
-- transaction) and queues it in clip_object_queue, and the next deletions
-- (delete_conversation_rows) or CALL convdash.unlink_clip_object_queue()
-- unlink the queued objects within their own budget.
CREATE TABLE convdash.clip_object_queue (
	account_id       bigint NOT NULL,
	loid             oid NOT NULL,
	queued_at        timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, loid)
);
COMMENT ON TABLE convdash.clip_object_queue IS
	'Emptied large objects of deleted clips waiting to be unlinked (past a transaction''s unlink budget); local to the coordinator on Citus';
SELECT pg_catalog.pg_extension_config_dump('convdash.clip_object_queue', '');
ALTER TABLE convdash.clip_object_queue ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON convdash.clip_object_queue
	USING (account_id OPERATOR(pg_catalog.=) convdash.current_account())
	WITH CHECK (account_id OPERATOR(pg_catalog.=) convdash.current_account());

-- How many large objects one transaction unlinks before it queues the rest.
CREATE FUNCTION convdash.clip_unlink_budget() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 1000 $$;
COMMENT ON FUNCTION convdash.clip_unlink_budget() IS
	'Admin: the large objects one transaction unlinks (each holds a lock until commit) before it empties and queues the rest';

-- Unlinks a large object within the transaction's budget, or empties and queues it; true when unlinked.
CREATE FUNCTION convdash.drop_clip_object(account_id bigint, loid oid) RETURNS boolean
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	used integer := coalesce(nullif(current_setting('convdash.objects_unlinked', true), ''), '0')::integer;
	fd integer;
BEGIN
	-- a large object already gone (unlinked by hand) must not block the deletion
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_largeobject_metadata m WHERE m.oid = drop_clip_object.loid) THEN
		RETURN false;
	END IF;
	IF used < convdash.clip_unlink_budget() THEN
		PERFORM pg_catalog.lo_unlink(drop_clip_object.loid);
		PERFORM pg_catalog.set_config('convdash.objects_unlinked', (used + 1)::text, true);
		RETURN true;
	END IF;
	fd := pg_catalog.lo_open(drop_clip_object.loid, x'20000'::integer);  -- INV_WRITE
	PERFORM pg_catalog.lo_truncate64(fd, 0);
	PERFORM pg_catalog.lo_close(fd);
	INSERT INTO convdash.clip_object_queue AS q (account_id, loid)
	VALUES (drop_clip_object.account_id, drop_clip_object.loid) ON CONFLICT DO NOTHING;
	RETURN false;
END
$$;
COMMENT ON FUNCTION convdash.drop_clip_object(bigint, oid) IS
	'Admin: unlinks a clip''s large object, or past the transaction''s clip_unlink_budget() empties it and queues it in clip_object_queue; true when unlinked';

-- Trigger: unlinks the large object of a deleted clip row, or the old one when loid changes.
CREATE FUNCTION convdash.unlink_clip_object() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
BEGIN
	IF OLD.loid IS NOT NULL THEN
		PERFORM convdash.drop_clip_object(OLD.account_id, OLD.loid);
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION convdash.unlink_clip_object() IS
	'Admin: trigger function unlinking a clip''s large object when its row is deleted or re-pointed (like contrib lo_manage), within the transaction''s unlink budget';

-- Unlinks queued large objects while the transaction's budget lasts; returns how many left the queue.
CREATE FUNCTION convdash.unlink_queued_clip_objects() RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	used integer := coalesce(nullif(current_setting('convdash.objects_unlinked', true), ''), '0')::integer;
	n bigint;
	unlinked bigint;
BEGIN
	IF used >= convdash.clip_unlink_budget() THEN
		RETURN 0;
	END IF;
	-- (an object already gone, unlinked by hand, only leaves the queue)
	WITH d AS (
		DELETE FROM convdash.clip_object_queue q
		WHERE (q.account_id, q.loid) IN (SELECT x.account_id, x.loid FROM convdash.clip_object_queue x
			ORDER BY x.queued_at LIMIT convdash.clip_unlink_budget() - used FOR UPDATE SKIP LOCKED)
		RETURNING q.loid)
	SELECT count(*), count(CASE WHEN EXISTS (SELECT FROM pg_largeobject_metadata m WHERE m.oid = d.loid)
		THEN lo_unlink(d.loid) END) INTO n, unlinked
	FROM d;
	PERFORM set_config('convdash.objects_unlinked', (used + unlinked)::text, true);
	RETURN n;
END
$$;
COMMENT ON FUNCTION convdash.unlink_queued_clip_objects() IS
	'Admin: unlinks queued large objects of deleted clips (clip_object_queue) while the transaction''s clip_unlink_budget() lasts; returns the number taken off the queue';

-- Admin: empties clip_object_queue, a commit after each batch of
-- clip_unlink_budget() objects, with a NOTICE per batch.
-- (No SET search_path: a procedure with one cannot COMMIT; every name is qualified.)
CREATE PROCEDURE convdash.unlink_clip_object_queue()
LANGUAGE plpgsql
AS $$
DECLARE
	n bigint;
	done bigint := 0;
BEGIN
	LOOP
		n := convdash.unlink_queued_clip_objects();
		EXIT WHEN n = 0;
		done := done + n;
		COMMIT;
		RAISE NOTICE 'unlink_clip_object_queue: % queued large objects done', done;
	END LOOP;
END
$$;
COMMENT ON PROCEDURE convdash.unlink_clip_object_queue() IS
	'Admin: unlinks every queued large object of deleted clips (clip_object_queue), committing every clip_unlink_budget() objects, with a NOTICE per batch';

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
-- The large objects live on this node (the coordinator on Citus), the clips
-- possibly on the workers: the clips' oids are collected first, then
-- compared with the local catalog (Citus joins no local table with a
-- distributed one).
CREATE FUNCTION convdash.check_large_objects()
RETURNS TABLE (problem text, loid oid, account_id bigint, conversation_id bigint, clip_id bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	clips oid[] := ARRAY(SELECT a.loid FROM convdash.audio_clips a WHERE a.loid IS NOT NULL);
	present oid[] := ARRAY(SELECT m.oid FROM unnest(clips) AS c(o) JOIN pg_largeobject_metadata m ON m.oid = c.o);
BEGIN
	RETURN QUERY
	SELECT 'missing_large_object'::text, a.loid, a.account_id, a.conversation_id, a.id
	FROM convdash.audio_clips a
	WHERE a.loid IS NOT NULL AND NOT EXISTS (SELECT FROM unnest(present) AS p(o) WHERE p.o = a.loid)
	ORDER BY a.loid;
	RETURN QUERY
	SELECT 'orphaned_large_object'::text, m.oid, NULL::bigint, NULL::bigint, NULL::bigint
	FROM pg_largeobject_metadata m
	JOIN pg_description d ON d.objoid = m.oid
		AND d.classoid = 'pg_largeobject'::regclass AND d.objsubid = 0
	WHERE d.description = convdash.clip_object_marker()
	  AND NOT EXISTS (SELECT FROM unnest(clips) AS c(o) WHERE c.o = m.oid)
	  -- emptied and waiting for unlink_clip_object_queue: accounted for
	  AND NOT EXISTS (SELECT FROM convdash.clip_object_queue q WHERE q.loid = m.oid)
	ORDER BY m.oid;
END
$$;
COMMENT ON FUNCTION convdash.check_large_objects() IS
	'Admin: orphaned convdash large objects (marked, referenced by no clip and not queued for unlinking: left by TRUNCATE, DROP EXTENSION) and clips whose large object is missing; empty when healthy';

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
