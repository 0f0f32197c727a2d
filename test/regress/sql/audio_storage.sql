-- Where clips keep their bytes: the setting convdash.audio_storage,
-- move_audio between large objects and chunks (bytes, hash and reads kept),
-- deletion by every path leaving no chunk and no object, the integrity
-- checks of chunks, and the unlink budget of large objects (emptied and
-- queued past it, unlinked by later deletions or the queue procedure).
\set QUIET on
\set ECHO none
\i test/regress/include/err.sql
\i test/regress/include/clips.sql
\i scripts/wav.sql
\set ECHO all
\set QUIET off

-- the setting: large_object by default, superuser-only
SELECT convdash.audio_storage(), convdash.audio_storage_setting();
SHOW convdash.audio_storage;
SELECT pg_temp.err('SET convdash.audio_storage = disk');
SET ROLE convdash_api;
SELECT pg_temp.err('SET convdash.audio_storage = chunks');
RESET ROLE;

SELECT convdash.create_account('Storage Co') AS acct \gset
SELECT set_config('convdash.account_id', :'acct', false) AS tenant \gset
SELECT convdash.create_agent('Storage bot') AS agent \gset
-- A conversation with n voice messages, clips of 3 sizes (one of 3 chunks).
CREATE FUNCTION pg_temp.voices(session text, n integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	conv bigint := convdash.start_conversation(current_setting('my.agent')::bigint, session, 'voip');
BEGIN
	FOR i IN 1..n LOOP
		PERFORM convdash.attach_audio(convdash.append_message(conv, 'user', 'voice ' || i), 'audio/wav',
			pg_temp.wav(1, 1, 8000, 16, (SELECT string_agg(int4send(hashint4(k + i)), ''::bytea ORDER BY k)
				FROM generate_series(1, CASE i % 3 WHEN 0 THEN 150000 WHEN 1 THEN 100 ELSE 65536 END) k)));
	END LOOP;
	RETURN conv;
END
$$;
SELECT set_config('my.agent', :'agent', false) IS NOT NULL AS agent_set;
-- What a conversation's clips hold, wherever: storages, bytes, a digest of every byte read back.
CREATE FUNCTION pg_temp.clip_digest(conv bigint) RETURNS text
LANGUAGE sql AS $$
	SELECT string_agg(DISTINCT a.storage, ',') || ' ' || sum(a.bytes) || ' '
		|| md5(string_agg(convdash.audio_read(a.id, 0, 8388608), ''::bytea ORDER BY a.id))
		|| ' ' || bool_and(convdash.audio_info(a.id)->>'sha256' = encode(sha256(convdash.audio_read(a.id, 0, 8388608)), 'hex'))
	FROM convdash.audio_clips a WHERE a.conversation_id = conv
$$;
-- Chunks and large objects of the account that exist now.
CREATE FUNCTION pg_temp.stores(acct bigint) RETURNS text
LANGUAGE sql AS $$
	SELECT format('chunks %s, objects %s', (SELECT count(*) FROM convdash.audio_chunks WHERE account_id = acct),
		(SELECT count(*) FROM pg_largeobject_metadata m WHERE m.oid IN (SELECT loid FROM convdash.audio_clips WHERE account_id = acct)))
$$;

-- stored as large objects (the default), then as chunks: the same bytes either way
SELECT pg_temp.voices('as objects', 3) AS lo_conv \gset
SET convdash.audio_storage = chunks;
SELECT convdash.audio_storage();
SELECT pg_temp.voices('as chunks', 3) AS ch_conv \gset
SELECT pg_temp.clip_digest(:lo_conv) AS objects, pg_temp.clip_digest(:ch_conv) AS chunks;
SELECT seq, length(data) FROM convdash.audio_chunks
WHERE clip_id = (SELECT max(id) FROM convdash.audio_clips WHERE conversation_id = :ch_conv) ORDER BY seq;
SELECT pg_temp.stores(:acct);

-- move_audio both ways keeps bytes, hash and reads; a NOTICE per batch
SELECT convdash.move_audio('chunks', 2, :acct) AS moved_to_chunks;
SELECT pg_temp.clip_digest(:lo_conv) AS objects_now_chunks, pg_temp.stores(:acct);
SELECT convdash.move_audio('large_object', account_id => :acct) AS moved_to_objects;
SELECT pg_temp.clip_digest(:lo_conv) AS back_to_objects, pg_temp.clip_digest(:ch_conv) AS chunks_to_objects, pg_temp.stores(:acct);
SELECT convdash.move_audio('large_object', account_id => :acct) AS nothing_to_move;
SELECT convdash.move_audio('chunks', 100, :acct) AS all_to_chunks;
SELECT * FROM convdash.integrity_check();
SELECT pg_temp.err('SELECT convdash.move_audio(''disk'')');
SELECT pg_temp.err('SELECT convdash.move_audio(NULL)');
SELECT pg_temp.err('SELECT convdash.move_audio(''chunks'', 0)');
SET ROLE convdash_api;
SELECT pg_temp.err('SELECT convdash.move_audio(''chunks'')');
RESET ROLE;

-- the chunk checks: a missing chunk, a short one, chunks under a large-object clip
BEGIN;
DELETE FROM convdash.audio_chunks WHERE clip_id = (SELECT max(id) FROM convdash.audio_clips WHERE conversation_id = :ch_conv) AND seq = 1;
UPDATE convdash.audio_chunks SET data = substr(data, 1, 10)
WHERE clip_id = (SELECT min(id) FROM convdash.audio_clips WHERE conversation_id = :ch_conv);
SELECT problem, stored - actual AS missing FROM convdash.check_audio_chunks() ORDER BY 2;
SELECT problem, stored - actual AS missing FROM convdash.integrity_check() ORDER BY 2;
ROLLBACK;
BEGIN;
SELECT convdash.move_audio('large_object', account_id => :acct) AS moved;
INSERT INTO convdash.audio_chunks SELECT account_id, id, 0, '\x00' FROM convdash.audio_clips WHERE conversation_id = :ch_conv ORDER BY id LIMIT 1;
SELECT problem, actual FROM convdash.check_audio_chunks();
ROLLBACK;
SELECT count(*) AS problems FROM convdash.check_audio_chunks();

-- replacing a chunk clip (same message) drops its chunks; so does every deletion path
SELECT convdash.move_audio('chunks', account_id => :acct) AS moved;
SELECT max(id) AS big, array_agg(id) AS ch_clips FROM convdash.audio_clips WHERE conversation_id = :ch_conv \gset
SELECT message_id AS big_msg FROM convdash.audio_clips WHERE id = :big \gset
SELECT convdash.attach_audio(:big_msg, 'audio/ogg', pg_temp.clip('opus.ogg'))->'bytes' AS replaced;
SELECT count(*) AS chunks_of_replaced FROM convdash.audio_chunks WHERE clip_id = :big;
DELETE FROM convdash.messages WHERE conversation_id = :ch_conv AND content = 'voice 1';
SELECT pg_temp.stores(:acct) AS after_message_deleted;
SELECT convdash.delete_conversation(:ch_conv) - 'conversation_id' AS deleted;
SELECT count(*) AS chunks_of_deleted FROM convdash.audio_chunks WHERE clip_id = ANY (:'ch_clips'::bigint[]);
SELECT convdash.delete_conversations(ARRAY[:lo_conv, pg_temp.voices('many', 2)]) - 'not_found' AS deleted_many;
SELECT pg_temp.stores(:acct) AS after_bulk_delete;
SELECT convdash.archive_conversation(pg_temp.voices('old', 2)) IS NOT NULL AS archived;
SELECT account = :acct AS this_account, conversations, clips FROM convdash.purge_conversations(interval '0', '{archived}', :acct);
SELECT pg_temp.stores(:acct) AS after_purge;
SELECT pg_temp.voices('account', 2) IS NOT NULL AS stored;
SELECT count(*) > 0 AS has_chunks FROM convdash.audio_chunks WHERE account_id = :acct;
SELECT set_config('convdash.account_id', '', false) AS no_tenant \gset
DELETE FROM convdash.accounts WHERE id = :acct;
SELECT pg_temp.stores(:acct) AS after_account_deleted;
RESET convdash.audio_storage;

-- the unlink budget of large objects: past convdash.clip_unlink_budget()
-- in one transaction (here: 998 already used), a deleted clip's object is
-- emptied at once and queued; the check counts queued objects as
-- accounted for; the next deletion unlinks them within its own budget
SELECT convdash.create_account('Budget Co') AS bacct \gset
SELECT set_config('convdash.account_id', :'bacct', false) AS tenant \gset
SELECT set_config('my.agent', convdash.create_agent('Budget bot')::text, false) IS NOT NULL AS agent_set;
SELECT pg_temp.voices('budget', 5) AS bconv \gset
SELECT array_agg(loid ORDER BY id) AS bloids FROM convdash.audio_clips WHERE conversation_id = :bconv \gset
SELECT convdash.clip_unlink_budget();
BEGIN;
SET LOCAL convdash.objects_unlinked = 998;
SELECT convdash.delete_conversation(:bconv) - 'conversation_id' AS deleted;
SELECT current_setting('convdash.objects_unlinked') AS used;
COMMIT;
SELECT count(*) AS objects_left, sum(length(lo_get(oid))) AS bytes_left FROM pg_largeobject_metadata WHERE oid = ANY (:'bloids'::oid[]);
SELECT count(*) AS queued FROM convdash.clip_object_queue WHERE loid = ANY (:'bloids'::oid[]);
SELECT count(*) AS problems FROM convdash.check_large_objects();
-- the next deletion, its budget at 999: one more unlinked, two left queued
BEGIN;
SET LOCAL convdash.objects_unlinked = 999;
SELECT convdash.delete_conversation(pg_temp.voices('next', 0)) - 'conversation_id' AS deleted;
COMMIT;
SELECT count(*) AS queued FROM convdash.clip_object_queue WHERE loid = ANY (:'bloids'::oid[]);
-- the procedure empties the queue
CALL convdash.unlink_clip_object_queue();
SELECT count(*) AS objects_left FROM pg_largeobject_metadata WHERE oid = ANY (:'bloids'::oid[]);
SELECT count(*) AS queued FROM convdash.clip_object_queue;
SELECT count(*) AS problems FROM convdash.check_large_objects();
-- a queued object removed by hand does not block unlinking the queue
SELECT pg_temp.voices('by hand', 1) AS hconv \gset
BEGIN;
SET LOCAL convdash.objects_unlinked = 1000;
SELECT convdash.delete_conversation(:hconv) - 'conversation_id' AS deleted;
COMMIT;
SELECT lo_unlink(loid) FROM convdash.clip_object_queue;
CALL convdash.unlink_clip_object_queue();
SELECT count(*) AS queued FROM convdash.clip_object_queue;
-- the service cannot see or change the queue
SET ROLE convdash_api;
SELECT pg_temp.err('SELECT count(*) FROM convdash.clip_object_queue');
SELECT pg_temp.err('SELECT convdash.unlink_queued_clip_objects()');
SELECT pg_temp.err('CALL convdash.unlink_clip_object_queue()');
RESET ROLE;
SELECT * FROM convdash.integrity_check();
