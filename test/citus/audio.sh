# Audio on the 3-node cluster, sourced by test/citus/run.sh (which provides
# check, same, tq, cq, cdb, on_shards, the ports and the keys $KB):
#   audio_cases: clips stored, read (whole, 64 KiB ranges across chunk
#     boundaries, peaks) and replaced through the coordinator, kept as
#     chunks on the tenant's shard; another tenant sees none; an unfinished
#     clip is 55000; the integrity checks run; a shard move keeps the bytes
#     readable; deletion, bulk deletion and purge leave no chunk and no large
#     object on any node.
#   audio_before_redistribute / audio_after_redistribute: around
#     distribute() on an undistributed installation, a clip stored as a
#     large object is moved to chunks with every byte.

audio_dir=$(mktemp -d)
chmod 755 "$audio_dir"   # the coordinator reads the clips (pg_read_binary_file)
cp test/data/audio/speech.wav "$audio_dir/speech.wav"
sox -n -r 8000 -b 16 -c 1 "$audio_dir/big.wav" synth 40 sine 300 vol 0.5   # 640,044 bytes: 3 chunks
chmod 644 "$audio_dir"/*.wav
big_size=$(stat -c %s "$audio_dir/big.wav")

# Chunks of the clips (a list of ids) on every shard placement.
chunks_of() {
	on_shards convdash.audio_chunks "clip_id IN ($1)"
}

# Large objects on the coordinator and on each worker, as "coordinator,worker,worker".
objects_everywhere() {
	echo "$(cq $coord_port "SELECT count(*) FROM pg_largeobject_metadata"),$(cq $coord_port "SELECT string_agg(result, ',' ORDER BY nodeport)
		FROM run_command_on_workers(\$\$SELECT count(*) FROM pg_largeobject_metadata\$\$)")"
}

# Whether length bytes at offset of a clip read through the coordinator, by audio_read and by audio_range, are the file's.
read_md5() {
	tq "$KV" "SELECT md5(convdash.audio_read($1, $3, $4)) = f.m AND md5((convdash.audio_range($1, $3, $4)).data) = f.m
		FROM (SELECT md5(pg_read_binary_file('$2', $3, least($4, $big_size))) AS m) f"
}

audio_cases() {
	cq $coord_port "SELECT convdash.create_account('Voice Co')" >/dev/null
	acct_v=$(cq $coord_port "SELECT id FROM convdash.accounts WHERE name = 'Voice Co'")
	KV=$(cq $coord_port "SELECT convdash.create_api_key($acct_v, 'audio')")
	local agent conv conv2 conv3 m1 m2 clip big i ids shard src dst
	agent=$(tq "$KV" "SELECT convdash.create_agent('Voice')")
	conv=$(tq "$KV" "SELECT convdash.start_conversation($agent, 'voice-1', 'voip')")
	m1=$(tq "$KV" "SELECT convdash.append_message($conv, 'user', 'clip')")
	m2=$(tq "$KV" "SELECT convdash.append_message($conv, 'user', 'big clip')")

	check "audio: a distributed installation keeps new clips as chunks (the setting says so in new sessions)" same \
		"$(cq $coord_port "SHOW convdash.audio_storage") $(tq "$KV" "SELECT convdash.audio_storage()")" "chunks chunks"
	clip=$(tq "$KV" "SELECT convdash.attach_audio($m1, 'audio/wav', pg_read_binary_file('$audio_dir/speech.wav'))->>'id'")
	check "audio: attach_audio through the coordinator stores a chunk clip" same \
		"$(tq "$KV" "SELECT storage, bytes, loid IS NULL FROM convdash.audio_clips WHERE account_id = $acct_v AND id = $clip")" \
		"chunks|$(stat -c %s "$audio_dir/speech.wav")|t"
	big=$(tq "$KV" "SELECT convdash.audio_begin($m2, 'audio/wav') AS c \\gset
		SELECT convdash.audio_write(:c, pg_read_binary_file('$audio_dir/big.wav', 0, 200000)) \\g /dev/null
		SELECT convdash.audio_write(:c, pg_read_binary_file('$audio_dir/big.wav', 200000, 300001)) \\g /dev/null
		SELECT convdash.audio_write(:c, pg_read_binary_file('$audio_dir/big.wav', 500001, 200000)) \\g /dev/null
		SELECT convdash.audio_finish(:c)->>'id'")
	check "audio: a 640 KB clip streamed in 3 writes is 3 chunks, all on the tenant's shard" same \
		"$(chunks_of "$big") $(cq $coord_port "SELECT count(*) FILTER (WHERE result::int > 0) || '/' || bool_and(result::int = 0 OR shardid = get_shard_id_for_distribution_column('convdash.audio_chunks', $acct_v))
			FROM run_command_on_shards('convdash.audio_chunks', \$\$SELECT count(*) FROM %s WHERE clip_id = $big\$\$)")" "3 1/true"
	check "audio: reads through the coordinator (audio_read, audio_range) equal the file: whole, 64 KiB ranges across chunk boundaries, the tail" same \
		"$(for r in "0 8388608" "0 65536" "229376 65536" "262100 65536" "524200 65536" "$((big_size - 100)) 65536"; do read_md5 "$big" "$audio_dir/big.wav" $r; done | sort -u)" t
	check "audio: audio_info's SHA-256 is the file's, peaks and the conversation's clips are served" same \
		"$(tq "$KV" "SELECT convdash.audio_info($big)->>'sha256' = encode(sha256(pg_read_binary_file('$audio_dir/big.wav')), 'hex'),
			jsonb_array_length(convdash.audio_peaks($big, 512)->'peaks'), jsonb_array_length(convdash.conversation_audio($conv)->'data')")" "t|512|2"
	check "audio: EXPLAIN: a range read of a chunk clip is one task" same "$(cdb -c "EXPLAIN SELECT string_agg(substr(k.data, 1, 10), ''::bytea ORDER BY k.seq)
		FROM convdash.audio_chunks k WHERE k.account_id = $acct_v AND k.clip_id = $big AND k.seq BETWEEN 0 AND 1" | grep -o 'Task Count: [0-9]*')" "Task Count: 1"
	check "audio: another tenant's key reads none of it: P0002" same "$(for f in "audio_read($big, 0, 10)" "audio_range($big, 0, 10)" "audio_info($big)" "audio_peaks($big)" "conversation_audio($conv)"; do
		tq "$KB" "SELECT convdash.$f"; done | sort -u)" "ERROR: P0002"
	check "audio: a clip begun and not finished at COMMIT: 55000, nothing left of it" same \
		"$(tq "$KV" "SELECT convdash.audio_write(convdash.audio_begin($m1, 'audio/wav'), '\\x0001') > 0" | grep -o 'ERROR: [0-9A-Z]*')
$(tq "$KV" "SELECT id FROM convdash.audio_clips WHERE account_id = $acct_v AND message_id = $m1") $(cq $coord_port "SELECT count(*) FROM convdash.clip_uploads")" "ERROR: 55000
$clip 0"
	check "audio: integrity_check and check_large_objects run on the coordinator and find nothing" same \
		"$(cq $coord_port "SELECT count(*) FROM convdash.integrity_check()") $(cq $coord_port "SELECT count(*) FROM convdash.check_large_objects()")" "0 0"
	check "audio: replacing a clip removes its chunks from the shard" same \
		"$(tq "$KV" "SELECT convdash.attach_audio($m1, 'audio/wav', pg_read_binary_file('$audio_dir/big.wav'))->>'bytes'") $(chunks_of "$clip")" "$big_size 0"

	# the tenant's shard group moves to the other worker
	shard=$(cq $coord_port "SELECT get_shard_id_for_distribution_column('convdash.audio_chunks', $acct_v)")
	src=$(cq $coord_port "SELECT nodeport FROM pg_dist_shard_placement WHERE shardid = $shard")
	dst=$worker1_port; [ "$src" = "$worker1_port" ] && dst=$worker2_port
	cq $coord_port "SELECT citus_move_shard_placement($shard, '127.0.0.1', $src, '127.0.0.1', $dst, shard_transfer_mode => 'block_writes')" >/dev/null
	check "audio: citus_move_shard_placement moves the tenant's chunks to the other worker" same \
		"$(cq $coord_port "SELECT nodeport FROM pg_dist_shard_placement WHERE shardid = $shard") $(psql -qAtX -h 127.0.0.1 -p $dst -U postgres -d $cluster_db -c "
			SELECT count(*) FROM convdash.audio_chunks_$shard WHERE clip_id = $big")" "$dst 3"
	check "audio: after the move the clip reads back the same, its hash and peaks intact" same \
		"$(for r in "0 8388608" "262100 65536"; do read_md5 "$big" "$audio_dir/big.wav" $r; done | sort -u) $(tq "$KV" "
			SELECT convdash.audio_info($big)->>'sha256' = encode(sha256(convdash.audio_read($big, 0, 8388608)), 'hex'),
			jsonb_array_length(convdash.audio_peaks($big, 64)->'peaks')")" "t t|64"

	# deletion, bulk deletion and purge
	ids=$(tq "$KV" "SELECT string_agg(id::text, ',') FROM convdash.audio_clips WHERE account_id = $acct_v AND conversation_id = $conv")
	check "audio: delete_conversation leaves no chunk on any shard and no large object on any node" same \
		"$(tq "$KV" "SELECT convdash.delete_conversation($conv)->>'clips'") $(chunks_of "$ids") $(objects_everywhere)" "2 0 0,0,0"
	conv2=$(tq "$KV" "SELECT convdash.start_conversation($agent, 'voice-2', 'voip')")
	conv3=$(tq "$KV" "SELECT convdash.start_conversation($agent, 'voice-3', 'voip')")
	for i in 1 2 3; do
		for c in $conv2 $conv3; do
			tq "$KV" "SELECT convdash.attach_audio(convdash.append_message($c, 'user', 'v$i'), 'audio/wav', pg_read_binary_file('$audio_dir/big.wav'))" >/dev/null
		done
	done
	check "audio: six clips of 3 chunks stored for the bulk deletion and the purge" same \
		"$(on_shards convdash.audio_chunks "account_id = $acct_v")" 18
	check "audio: delete_conversations leaves no chunk of them on any shard and no large object on any node" same \
		"$(tq "$KV" "SELECT convdash.delete_conversations(ARRAY[$conv2])->>'clips'") $(on_shards convdash.audio_chunks "account_id = $acct_v") $(objects_everywhere)" "3 9 0,0,0"
	tq "$KV" "SELECT convdash.archive_conversation($conv3)" >/dev/null
	check "audio: purge_conversations leaves no chunk of the account on any shard and no large object on any node" same \
		"$(cq $coord_port "SELECT clips FROM convdash.purge_conversations(interval '0', '{archived}', $acct_v)") $(on_shards convdash.audio_chunks "account_id = $acct_v") $(objects_everywhere)" "3 0 0,0,0"
	check "audio: the integrity checks find nothing after the deletions" same \
		"$(cq $coord_port "SELECT count(*) FROM convdash.integrity_check()")" 0
}

# On the undistributed installation: a clip stored as a large object (the setting chosen for the session).
audio_before_redistribute() {
	local agent conv
	agent=$(tq "$KV" "SELECT id FROM convdash.agents WHERE account_id = $acct_v")
	conv=$(tq "$KV" "SELECT convdash.start_conversation($agent, 'voice-lo', 'voip')")
	lo_clip=$(PGOPTIONS="$PGOPTIONS -c convdash.audio_storage=large_object" tq "$KV" "
		SELECT convdash.attach_audio(convdash.append_message($conv, 'user', 'as object'), 'audio/wav', pg_read_binary_file('$audio_dir/big.wav'))->>'id'")
	check "audio: on one node a session may choose large objects (convdash.audio_storage)" same \
		"$(tq "$KV" "SELECT storage FROM convdash.audio_clips WHERE account_id = $acct_v AND id = ${lo_clip:-0}") $(objects_everywhere)" "large_object 1,0,0"
}

# After distribute(): the clip is chunks on the tenant's shard, every byte kept, no object left.
audio_after_redistribute() {
	check "audio: distribute() moved the large-object clip to chunks on the shard, every byte kept, no object left" same \
		"$(tq "$KV" "SELECT storage FROM convdash.audio_clips WHERE account_id = $acct_v AND id = ${lo_clip:-0}") $(chunks_of "${lo_clip:-0}") $(read_md5 "${lo_clip:-0}" "$audio_dir/big.wav" 0 8388608) $(objects_everywhere)" \
		"chunks 3 t 0,0,0"
	rm -rf "$audio_dir"
}
