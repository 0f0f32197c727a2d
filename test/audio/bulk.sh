# Bulk deletion at scale, per storage, sourced by test/audio/run.sh (which
# provides check, sql and $db): conversations holding tens of thousands of
# clips (AUDIO_BULK_CLIPS per operation, default 20,000: more large objects
# than one transaction can lock with the default max_locks_per_transaction)
# are deleted by one delete_conversations call and by one
# purge_conversations call. Both succeed; nothing of the clips' bytes is
# left (large objects past the unlink budget are emptied at once and
# unlinked by the queue procedure); the integrity checks stay clean.
# The clips are written directly (no decoding: this is about deletion).

bulk_clips=${AUDIO_BULK_CLIPS:-20000}

# Whether two values are equal; prints both when not.
same() {
	[ "$1" = "$2" ] && return 0
	printf '#   got:  %s\n#   want: %s\n' "$1" "$2" | head -5 >&2
	return 1
}

sql >/dev/null <<'SQL'
-- Adds per messages with a clip of 100 bytes to each conversation, kept in
-- storage; large objects in batches of 1,000 a transaction (bulk store).
CREATE PROCEDURE public.bulk_clips(acct bigint, convs bigint[], per integer, storage text)
LANGUAGE plpgsql AS $$
DECLARE
	payload constant bytea := decode(repeat('ab', 100), 'hex');
	n integer;
BEGIN
	INSERT INTO convdash.messages (account_id, conversation_id, role, content, seq)
	SELECT acct, c, 'user', 'clip ' || i, i FROM unnest(convs) c, generate_series(1, per) i;
	UPDATE convdash.conversations x SET has_voice = true
	WHERE x.account_id = acct AND x.id = ANY (convs);
	UPDATE convdash.conversation_counters x SET message_count = per
	WHERE x.account_id = acct AND x.conversation_id = ANY (convs);
	INSERT INTO convdash.audio_clips (account_id, conversation_id, message_id, mime, bytes, sha256, storage, loid)
	SELECT acct, m.conversation_id, m.id, 'audio/wav', 100, sha256(payload), 'chunks', NULL
	FROM convdash.messages m WHERE m.account_id = acct AND m.conversation_id = ANY (convs);
	INSERT INTO convdash.audio_chunks SELECT acct, a.id, 0, payload
	FROM convdash.audio_clips a WHERE a.account_id = acct AND a.conversation_id = ANY (convs);
	COMMIT;
	IF storage = 'large_object' THEN
		LOOP
			-- the chunks become large objects, 1,000 clips a transaction
			DELETE FROM convdash.audio_chunks k WHERE (k.account_id, k.clip_id) IN (
				SELECT a.account_id, a.id FROM convdash.audio_clips a
				WHERE a.account_id = acct AND a.conversation_id = ANY (convs) AND a.storage = 'chunks' LIMIT 1000);
			GET DIAGNOSTICS n = ROW_COUNT;
			EXIT WHEN n = 0;
			UPDATE convdash.audio_clips a SET storage = 'large_object', loid = convdash.create_clip_object()
			WHERE a.account_id = acct AND a.storage = 'chunks'
			  AND NOT EXISTS (SELECT FROM convdash.audio_chunks k WHERE k.account_id = a.account_id AND k.clip_id = a.id);
			PERFORM lo_put(a.loid, 0, payload) FROM convdash.audio_clips a
			WHERE a.account_id = acct AND a.conversation_id = ANY (convs) AND a.loid IS NOT NULL
			  AND NOT EXISTS (SELECT FROM pg_largeobject p WHERE p.loid = a.loid);
			COMMIT;
		END LOOP;
	END IF;
END
$$;
SQL

for storage in large_object chunks; do
	bacct=$(sql -c "SELECT convdash.create_account('Bulk $storage')")
	bsql() { PGOPTIONS="-c client_min_messages=warning -c convdash.account_id=$bacct" psql -qAtX -v ON_ERROR_STOP=1 -d $db "$@"; }
	bagent=$(bsql -c "SELECT convdash.create_agent('Bulk')")
	# one conversation with half the clips, 100 with the other half
	convs=$(bsql -c "SELECT string_agg(convdash.start_conversation($bagent, 'bulk-' || i, 'voip')::text, ',') FROM generate_series(0, 100) i")
	first=${convs%%,*}
	rest=${convs#*,}
	bsql -c "CALL public.bulk_clips($bacct, ARRAY[$first], $((bulk_clips / 2)), '$storage')"
	bsql -c "CALL public.bulk_clips($bacct, ARRAY[$rest], $((bulk_clips / 200)), '$storage')"
	check "$storage: $bulk_clips clips stored in batches" test "$(bsql -c "SELECT count(*) FROM convdash.audio_clips WHERE account_id = $bacct AND storage = '$storage'")" = "$bulk_clips"
	start=$(date +%s%N)
	got=$(bsql -c "SELECT convdash.delete_conversations(ARRAY[$convs]) - 'not_found'" 2>&1)
	ms=$((($(date +%s%N) - start) / 1000000))
	check "$storage: delete_conversations of 101 conversations holding $bulk_clips clips in one call ($ms ms)" \
		same "$got" "{\"clips\": $bulk_clips, \"deleted\": 101, \"messages\": $bulk_clips}"
	check "$storage: ... no byte of them is left, no problem found" test "$(sql -c "
		SELECT (SELECT count(*) FROM convdash.audio_chunks WHERE account_id = $bacct)
			+ (SELECT coalesce(sum(length(lo_get(q.loid))), 0) FROM convdash.clip_object_queue q WHERE q.account_id = $bacct)
			+ (SELECT count(*) FROM convdash.integrity_check())")" = 0

	# the same for a purge (one transaction)
	convs=$(bsql -c "SELECT string_agg(convdash.start_conversation($bagent, 'old-' || i, 'voip')::text, ',') FROM generate_series(0, 100) i")
	first=${convs%%,*}
	rest=${convs#*,}
	bsql -c "CALL public.bulk_clips($bacct, ARRAY[$first], $((bulk_clips / 2)), '$storage')"
	bsql -c "CALL public.bulk_clips($bacct, ARRAY[$rest], $((bulk_clips / 200)), '$storage')"
	bsql -c "SELECT count(convdash.archive_conversation(c)) FROM unnest(ARRAY[$convs]) c" >/dev/null
	start=$(date +%s%N)
	got=$(sql -c "SELECT conversations || '/' || clips FROM convdash.purge_conversations(interval '0', '{archived}', $bacct, batch_size => 50)" 2>&1)
	ms=$((($(date +%s%N) - start) / 1000000))
	check "$storage: purge_conversations of 101 conversations holding $bulk_clips clips ($ms ms)" same "$got" "101/$bulk_clips"
	check "$storage: ... no byte of them is left, no problem found" test "$(sql -c "
		SELECT (SELECT count(*) FROM convdash.audio_chunks WHERE account_id = $bacct)
			+ (SELECT coalesce(sum(length(lo_get(q.loid))), 0) FROM convdash.clip_object_queue q WHERE q.account_id = $bacct)
			+ (SELECT count(*) FROM convdash.integrity_check())")" = 0
	check "$storage: unlink_clip_object_queue() unlinks every queued object; none is left" test "$(sql -c "CALL convdash.unlink_clip_object_queue()" >/dev/null; sql -c "
		SELECT (SELECT count(*) FROM convdash.clip_object_queue) + (SELECT count(*) FROM pg_largeobject_metadata m
			WHERE NOT EXISTS (SELECT FROM convdash.audio_clips a WHERE a.loid = m.oid))")" = 0
done
sql -c "DROP PROCEDURE public.bulk_clips(bigint, bigint[], integer, text)"
