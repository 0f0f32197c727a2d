-- Upgrade 0.1 -> 0.2, audio that lives with its tenant (issue 12): the
-- chunk storage of sql/parts/49_audio_chunks.sql (audio_clips.storage, loid
-- NULL for chunk clips, the audio_chunks table) and the queue of emptied
-- large objects of sql/parts/48_audio_objects.sql. Keep in step with those
-- parts. Existing clips stay large objects (storage large_object); to move
-- them: SELECT convdash.move_audio('chunks') (distribute() does it).

ALTER TABLE convdash.audio_clips ALTER COLUMN loid DROP NOT NULL;
ALTER TABLE convdash.audio_clips ADD COLUMN storage text NOT NULL DEFAULT 'large_object';
ALTER TABLE convdash.audio_clips ADD CONSTRAINT audio_clips_storage_check
	CHECK (storage IN ('large_object', 'chunks') AND (loid IS NOT NULL) = (storage = 'large_object'));
COMMENT ON TABLE convdash.audio_clips IS 'Voice clips of messages; the bytes live in the large object loid or in audio_chunks (column storage)';
COMMENT ON COLUMN convdash.audio_clips.storage IS 'Where the bytes live: large_object (loid) or chunks (convdash.audio_chunks)';

CREATE TABLE convdash.audio_chunks (
	account_id       bigint NOT NULL,
	clip_id          bigint NOT NULL,
	seq              integer NOT NULL CHECK (seq >= 0),
	data             bytea NOT NULL CHECK (length(data) BETWEEN 1 AND 262144),
	PRIMARY KEY (account_id, clip_id, seq),
	FOREIGN KEY (account_id, clip_id) REFERENCES convdash.audio_clips (account_id, id) ON DELETE CASCADE
);
ALTER TABLE convdash.audio_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
COMMENT ON TABLE convdash.audio_chunks IS
	'Bytes of the audio clips whose storage is chunks: chunk seq holds bytes [seq * audio_chunk_size(), ...) of the clip';
SELECT pg_catalog.pg_extension_config_dump('convdash.audio_chunks', '');
ALTER TABLE convdash.audio_chunks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON convdash.audio_chunks
	USING (account_id OPERATOR(pg_catalog.=) convdash.current_account())
	WITH CHECK (account_id OPERATOR(pg_catalog.=) convdash.current_account());

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

CREATE TABLE convdash.clip_uploads (
	account_id       bigint NOT NULL,
	clip_id          bigint NOT NULL,
	message_id       bigint NOT NULL,
	PRIMARY KEY (account_id, clip_id)
);
COMMENT ON TABLE convdash.clip_uploads IS
	'Clips begun in the running transactions (empty between them), checked at COMMIT on the node that runs it; local to the coordinator on Citus';
SELECT pg_catalog.pg_extension_config_dump('convdash.clip_uploads', '');
ALTER TABLE convdash.clip_uploads ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON convdash.clip_uploads
	USING (account_id OPERATOR(pg_catalog.=) convdash.current_account())
	WITH CHECK (account_id OPERATOR(pg_catalog.=) convdash.current_account());
-- a constraint trigger cannot be created OR REPLACEd: here, on a stand-in
-- function that the definitions regenerated below replace
CREATE FUNCTION convdash.check_upload_finished() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE CONSTRAINT TRIGGER clip_uploads_finished AFTER INSERT ON convdash.clip_uploads
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION convdash.check_upload_finished();

-- check_clip_state takes the clip's columns instead of its row (Citus: a row type travels with the shard's name)
DROP FUNCTION convdash.check_clip_state(convdash.audio_clips, boolean);
