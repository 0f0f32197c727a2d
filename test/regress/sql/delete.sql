-- Deletion: one conversation, many by id list, cascades from any path, the
-- deletion log, tenancy, and zero orphaned large objects after each (checked
-- against pg_largeobject_metadata); orphan detection and removal after
-- TRUNCATE and DROP EXTENSION.
\set QUIET on
\set ECHO none
\i test/regress/include/err.sql
\i test/regress/include/clips.sql
\set ECHO all
\set QUIET off

-- Large objects of the given clips that still exist.
CREATE FUNCTION pg_temp.objects_left(loids oid[]) RETURNS bigint
LANGUAGE sql AS $$ SELECT count(*) FROM pg_largeobject_metadata WHERE oid = ANY (loids) $$;
-- What is left of a conversation, row counts per table.
CREATE FUNCTION pg_temp.left_of(conv bigint) RETURNS text
LANGUAGE sql AS $$
	SELECT format('conversations %s, messages %s, clips %s, ratings %s',
		(SELECT count(*) FROM convdash.conversations WHERE id = conv),
		(SELECT count(*) FROM convdash.messages WHERE conversation_id = conv),
		(SELECT count(*) FROM convdash.audio_clips WHERE conversation_id = conv),
		(SELECT count(*) FROM convdash.ratings WHERE conversation_id = conv))
$$;
-- A voice conversation with messages of every role, n clips and a rating; returns its id.
CREATE FUNCTION pg_temp.voice_conversation(agent bigint, session text, clips integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	c bigint := convdash.start_conversation(agent, session, 'voip');
	m bigint;
BEGIN
	PERFORM convdash.append_message(c, 'system', 'be nice');
	PERFORM convdash.append_message(c, 'tool', '{"ok": true}');
	FOR i IN 1..clips LOOP
		m := convdash.append_message(c, CASE WHEN i % 2 = 1 THEN 'user' ELSE 'assistant' END, 'voice ' || i);
		PERFORM convdash.attach_audio(m, 'audio/ogg', pg_temp.clip('opus.ogg'), 1000 * i);
	END LOOP;
	PERFORM convdash.append_message(c, 'user', 'text only');
	PERFORM convdash.rate_conversation(c, 4, 'fine');
	RETURN c;
END
$$;

SELECT convdash.create_account('Delete Co') AS acct \gset
SELECT convdash.create_account('Delete Other Co') AS other \gset
SELECT set_config('convdash.account_id', :'other', false) AS tenant \gset
SELECT convdash.create_agent('Other bot') AS oagent \gset
SELECT pg_temp.voice_conversation(:oagent, 'foreign', 2) AS foreign_conv \gset
SELECT set_config('convdash.account_id', :'acct', false) AS tenant \gset
SELECT convdash.create_agent('Del bot') AS agent \gset
SELECT pg_temp.voice_conversation(:agent, 'one', 3) AS one \gset
SELECT pg_temp.voice_conversation(:agent, 'two', 2) AS two \gset
SELECT pg_temp.voice_conversation(:agent, 'three', 0) AS three \gset
SELECT pg_temp.voice_conversation(:agent, 'four', 1) AS four \gset
SELECT pg_temp.voice_conversation(:agent, 'five', 1) AS five \gset
SELECT array_agg(loid) AS one_loids FROM convdash.audio_clips WHERE conversation_id = :one \gset
SELECT pg_temp.left_of(:one) AS before_delete, pg_temp.objects_left(:'one_loids') AS objects;

-- one conversation: everything goes, in the same transaction; counts every message role
SELECT convdash.delete_conversation(:one) - 'conversation_id' AS deleted,
	(convdash.delete_conversation(:two)->>'conversation_id')::bigint = :two AS id_ok;
SELECT pg_temp.left_of(:one) AS after_delete, pg_temp.objects_left(:'one_loids') AS objects;
SELECT * FROM convdash.check_large_objects();
-- a content-free log row: who, when, why, how many
SELECT deleted_by = session_user AS by_session_user, reason, message_count, clip_count,
	deleted_at BETWEEN now() - interval '1 minute' AND now() AS just_now
FROM convdash.deletion_log WHERE account_id = :acct AND conversation_id = :one;
SELECT array_agg(column_name::text ORDER BY ordinal_position) AS log_columns
FROM information_schema.columns WHERE table_schema = 'convdash' AND table_name = 'deletion_log';
-- deleting twice, another tenant's, nothing, no tenant
SELECT pg_temp.err(format('SELECT convdash.delete_conversation(%s)', :one));
SELECT pg_temp.err(format('SELECT convdash.delete_conversation(%s)', :foreign_conv));
SELECT pg_temp.err('SELECT convdash.delete_conversation(NULL)');
SELECT pg_temp.left_of(:foreign_conv) AS foreign_untouched;
SELECT set_config('convdash.account_id', '', false) AS no_tenant \gset
SELECT pg_temp.err(format('SELECT convdash.delete_conversation(%s)', :three));
SELECT pg_temp.err(format('SELECT convdash.delete_conversations(ARRAY[%s])', :three));
SELECT set_config('convdash.account_id', :'acct', false) AS tenant \gset

-- many: duplicates count once, missing and foreign ids are skipped and reported
SELECT array_agg(loid) AS many_loids FROM convdash.audio_clips WHERE conversation_id IN (:three, :four) \gset
SELECT convdash.delete_conversations(ARRAY[:four, :three, :four, -7, :foreign_conv, :one]) AS r \gset
SELECT (:'r'::jsonb) - 'not_found' AS deleted,
	:'r'::jsonb->'not_found' = to_jsonb(ARRAY(SELECT unnest(ARRAY[-7, :one, :foreign_conv]::bigint[]) ORDER BY 1)) AS not_found_ok;
SELECT pg_temp.left_of(:three) AS three, pg_temp.left_of(:four) AS four, pg_temp.objects_left(:'many_loids') AS objects;
SELECT convdash.delete_conversations('{}');
SELECT pg_temp.err('SELECT convdash.delete_conversations(NULL)');
SELECT pg_temp.err('SELECT convdash.delete_conversations(ARRAY[1, NULL])');
SELECT pg_temp.err('SELECT convdash.delete_conversations(ARRAY(SELECT generate_series(1, 10001)::bigint))');

-- the service may delete (API functions); the log names the API key that
-- did, never what a setting claims; convdash.note adds a free-text note
SELECT convdash.create_api_key(:acct, 'support bot') AS key \gset
CREATE ROLE regress_delete_service LOGIN IN ROLE convdash_api;
SET SESSION AUTHORIZATION regress_delete_service;
SET ROLE convdash_api;
SELECT set_config('convdash.actor', 'admin@acme (forged)', false) AS forged \gset
BEGIN;
SELECT convdash.authenticate(:'key') = :acct AS authenticated;
SELECT set_config('convdash.note', 'ticket #4711', true) AS note \gset
SELECT convdash.delete_conversation(:five) ->> 'clips' AS clips;
COMMIT;
SELECT pg_temp.err(format('SELECT convdash.delete_conversation(%s)', :five));
RESET ROLE;
RESET SESSION AUTHORIZATION;
SELECT regexp_replace(deleted_by, '[0-9]+', 'N') AS deleted_by,
	api_key_id = (SELECT id FROM convdash.api_keys WHERE account_id = :acct AND label = 'support bot') AS key_id, note
FROM convdash.deletion_log WHERE conversation_id = :five;
DROP ROLE regress_delete_service;
SET ROLE convdash_api;
SELECT pg_temp.err('SELECT convdash.purge_conversations(''1 day'')');
SELECT pg_temp.err('SELECT convdash.check_large_objects()');
SELECT pg_temp.err('SELECT convdash.remove_orphaned_large_objects()');
SELECT pg_temp.err(format('SELECT convdash.delete_conversation_rows(%s, ARRAY[1], %L)', :acct, 'x'));
RESET ROLE;
RESET convdash.actor;
-- an admin in psql is logged as the session user
SELECT deleted_by = session_user AS admin_logged FROM convdash.deletion_log
WHERE conversation_id = (SELECT min(conversation_id) FROM convdash.deletion_log WHERE account_id = :acct);

-- cascades from any path unlink too: a message deleted directly, an account deleted
SELECT pg_temp.voice_conversation(:agent, 'six', 2) AS six \gset
SELECT array_agg(loid) AS six_loids FROM convdash.audio_clips WHERE conversation_id = :six \gset
DELETE FROM convdash.messages WHERE conversation_id = :six AND content = 'voice 1';
SELECT pg_temp.objects_left(:'six_loids') AS one_of_two_left;
SELECT array_agg(loid) AS other_loids FROM convdash.audio_clips WHERE account_id = :other \gset
DELETE FROM convdash.accounts WHERE id = :other;
SELECT pg_temp.objects_left(:'other_loids') AS foreign_objects_left;

-- a large object missing under a clip is reported and does not block deletion
BEGIN;
SELECT lo_unlink(loid) FROM convdash.audio_clips WHERE conversation_id = :six;
SELECT problem, clip_id IS NOT NULL AS names_clip, conversation_id = :six AS names_conversation FROM convdash.check_large_objects();
SELECT problem, stored IS NOT NULL AS has_oid FROM convdash.integrity_check();
SELECT convdash.delete_conversation(:six) - 'conversation_id' AS deleted;
SELECT count(*) AS problems FROM convdash.check_large_objects();
ROLLBACK;

-- TRUNCATE bypasses the trigger: the objects become orphans, found and removed;
-- a large object that is not convdash's is never claimed
SELECT lo_from_bytea(0, '\x00') AS unrelated \gset
BEGIN;
SELECT count(*) AS clips FROM convdash.audio_clips WHERE storage = 'large_object' \gset
TRUNCATE convdash.audio_clips, convdash.audio_chunks;
SELECT count(*) = :clips AS all_orphaned, bool_and(problem = 'orphaned_large_object') AS orphans,
	bool_or(loid = :unrelated) AS claims_unrelated
FROM convdash.check_large_objects();
SELECT count(*) FILTER (WHERE problem = 'orphaned_large_object') = :clips AS integrity_reports_them
FROM convdash.integrity_check();
SELECT convdash.remove_orphaned_large_objects() = :clips AS removed_all;
SELECT count(*) AS problems FROM convdash.check_large_objects();
SELECT count(*) AS unrelated_kept FROM pg_largeobject_metadata WHERE oid = :unrelated;
ROLLBACK;
SELECT lo_unlink(:unrelated);

-- healthy at the end (the message deleted directly above left a wrong message_count)
SELECT convdash.delete_conversation(:six) - 'conversation_id' AS deleted;
SELECT pg_temp.objects_left(:'six_loids') AS six_objects_left;
SELECT * FROM convdash.integrity_check();

-- DROP EXTENSION drops the clips table but not the large objects (they are
-- not extension members); after CREATE EXTENSION they are orphans, found and removed
\set regress_db :DBNAME
CREATE DATABASE convdash_drop_test;
\set QUIET on
\set ECHO none
\c convdash_drop_test
\i test/regress/include/clips.sql
\set ECHO all
\set QUIET off
SET client_min_messages = warning;
CREATE EXTENSION convdash CASCADE;
SELECT set_config('convdash.account_id', convdash.create_account('Drop Co')::text, false) AS tenant \gset
SELECT convdash.attach_audio(convdash.append_message(convdash.start_conversation(convdash.create_agent('b'), 's', 'voip'),
	'user', 'hi'), 'audio/ogg', pg_temp.clip('opus.ogg')) - 'id' - 'message_id' AS clip;
DROP EXTENSION convdash;
SELECT count(*) AS objects_after_drop FROM pg_largeobject_metadata;
CREATE EXTENSION convdash;
SELECT problem FROM convdash.check_large_objects();
SELECT convdash.remove_orphaned_large_objects() AS removed;
SELECT count(*) AS objects_left FROM pg_largeobject_metadata;
\set QUIET on
\c :regress_db
\set QUIET off
DROP DATABASE convdash_drop_test;
