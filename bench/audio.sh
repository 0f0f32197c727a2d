#!/usr/bin/env bash
# Audio clips and deletion (PERFORMANCE.md targets), against the cluster of
# the environment (PGHOST, PGPORT, PGUSER a superuser, PGDATABASE with the
# extension; bench/run.sh provides them, or run it inside pg_virtualenv):
#   0. store + decode rate per format (MB/s of input, attach_audio of a clip
#      of AUDIO_DECODE_MB, default 8, of speech) beside storing the same
#      bytes without decoding (large object + SHA-256 pass), the ratio, and
#      the decoder process's peak memory (max RSS) and time on a 50 MB clip;
#   1. write per storage (large_object, chunks: convdash.audio_storage) side
#      by side: audio_write of AUDIO_WRITE_MB (default 8) in 256 KiB pieces,
#      and the whole store (begin, writes, finish with SHA-256 and decoding);
#   2. read of a 1 MiB clip whole and by 64 KiB ranges, client-side in C with
#      binary results, per storage: convdash.audio_read beside plain lo_get of
#      a large object and a bytea column with the same bytes, in the same run;
#   3. delete one conversation with 500 messages and 20 clips, per storage,
#      the storages interleaved run by run (target <= 100 ms);
#   4. delete 10,000 conversations in one call, per storage, interleaved
#      (target <= 3 s);
#   5. after each: orphaned convdash large objects and chunk problems (target 0).
# Everything runs in its own account "bench-audio", removed at the end, so the
# bench data is left as it was. Env: AUDIO_READ_ROUNDS (default 50),
# AUDIO_DELETE_ONE_RUNS (default 5), AUDIO_DELETE_MANY_RUNS (default 3),
# AUDIO_STORAGES (default "large_object chunks").
set -euo pipefail
cd "$(dirname "$0")/.."
read_rounds=${AUDIO_READ_ROUNDS:-50}
one_runs=${AUDIO_DELETE_ONE_RUNS:-5}
many_runs=${AUDIO_DELETE_MANY_RUNS:-3}
storages=${AUDIO_STORAGES:-large_object chunks}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
psql_q() { psql -qAtX -v ON_ERROR_STOP=1 "$@"; }

# The baseline reader, built here with the system's libpq.
cc -O2 -Wall -Wextra -Werror -I"$(pg_config --includedir)" bench/audio_read.c \
	-L"$(pg_config --libdir)" -lpq -o "$work/audio_read"

# The bench account and its agent; tpsql runs psql as that tenant.
psql_q -c "DELETE FROM convdash.accounts WHERE name = 'bench-audio'"
acct=$(psql_q -c "SELECT convdash.create_account('bench-audio')")
tpsql() { PGOPTIONS="-c convdash.account_id=$acct ${storage:+-c convdash.audio_storage=$storage}" psql_q "$@"; }
agent=$(tpsql -c "SELECT convdash.create_agent('bench-audio-agent')")

echo "== audio: store + decode per format (MB/s of input; median of 3; store only = large object + SHA-256, no decoding)"
decode_mb=${AUDIO_DECODE_MB:-8}
chmod 755 "$work"
espeak-ng -v en-us -w "$work/speech.wav" "Hello, I ordered a blender last week and it arrived broken. Could you send a replacement or refund the order, please?"
# Encodes $work/long.wav (speech repeated to about decode_mb MB of each format) into $1.
encode() {
	case $1 in
		wav) sox "$work/long.wav" -r 16000 "$work/clip.wav" ;;
		flac) flac --silent -f -o "$work/clip.flac" "$work/long.wav" ;;
		ogg) opusenc --quiet --bitrate 32 "$work/long.wav" "$work/clip.ogg" ;;
		webm) ffmpeg -v error -y -i "$work/long.wav" -c:a libopus -b:a 32k -f webm -live 1 "$work/clip.webm" ;;
		mp3) lame --quiet -b 64 "$work/long.wav" "$work/clip.mp3" ;;
		m4a) ffmpeg -v error -y -i "$work/long.wav" -c:a aac -b:a 64k "$work/clip.m4a" ;;
	esac
}
# minutes of speech that make about decode_mb MB at each format's bitrate
printf '%-6s %8s %8s %12s %12s %7s\n' format MB seconds 'decode MB/s' 'store MB/s' ratio
for fmt in wav:256:audio/wav flac:200:audio/flac ogg:32:audio/ogg webm:32:audio/webm mp3:64:audio/mpeg m4a:64:audio/mp4; do
	IFS=: read -r name kbps mime <<<"$fmt"
	secs=$((decode_mb * 8000 / kbps))
	sox "$work/speech.wav" -r 16000 "$work/long.wav" repeat $((secs / 6 + 1)) trim 0 "$secs"
	encode "$name"
	file="$work/clip.$name"
	mb=$(stat -c %s "$file" | awk '{printf "%.2f", $1 / 1048576}')
	dec=() sto=()
	for run in 1 2 3; do
		d=$(tpsql -f - <<SQL | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
SELECT convdash.append_message(convdash.start_conversation($agent, 'bench-decode-$name-$run', 'voip'), 'user', 'decode') AS m \gset
SELECT pg_read_binary_file('$file') AS data \gset
\timing on
SELECT convdash.attach_audio(:m, '$mime', :'data'::bytea) \g /dev/null
SQL
)
		# two statements (a large object is not readable in the statement that creates it): the sum
		t=$(psql_q -f - <<SQL | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | awk '{ t += $1 } END { print t }'
SELECT pg_read_binary_file('$file') AS data \gset
\timing on
SELECT lo_from_bytea(0, :'data'::bytea) AS lo \gset
SELECT (convdash.clip_analyze(:lo, '$mime', NULL)).bytes \g /dev/null
\timing off
SELECT lo_unlink(:lo) \g /dev/null
SQL
)
		dec+=("$d") sto+=("$t")
	done
	dmed=$(printf '%s\n' "${dec[@]}" | sort -g | sed -n 2p)
	smed=$(printf '%s\n' "${sto[@]}" | sort -g | sed -n 2p)
	awk -v n="$name" -v mb="$mb" -v s="$secs" -v d="$dmed" -v t="$smed" \
		'BEGIN { printf "%-6s %8s %8s %12.1f %12.1f %6.1fx\n", n, mb, s, mb / (d / 1000), mb / (t / 1000), d / t }'
done

echo "== audio: the decoder process on a 50 MB clip (peak RSS of convdash_decode, wall time, passes)"
decoder="$(pg_config --pkglibdir)/convdash_decode"
for fmt in mp3:128 wav:256 ogg:32; do
	IFS=: read -r name kbps <<<"$fmt"
	secs=$((50 * 8000 / kbps))
	sox "$work/speech.wav" -r 16000 "$work/long.wav" repeat $((secs / 6 + 1)) trim 0 "$secs"
	case $name in
		mp3) lame --quiet -b 128 "$work/long.wav" "$work/big.mp3" ;;
		wav) cp "$work/long.wav" "$work/big.wav" ;;
		ogg) opusenc --quiet --bitrate 32 "$work/long.wav" "$work/big.ogg" ;;
	esac
	# (its standard output must be a pipe: it may write no file)
	/usr/bin/time -f '%M %e' -o "$work/time.txt" "$decoder" "$name" 600 512 <"$work/big.$name" | cat >"$work/answer.bin"
	head -1 "$work/answer.bin" >"$work/answer.txt"
	read -r rss wall <"$work/time.txt"
	printf '%-4s %6.1f MB, %5d s of audio: peak RSS %d MB, %s s, answer "%s"\n' "$name" \
		"$(stat -c %s "$work/big.$name" | awk '{print $1 / 1048576}')" "$secs" $((rss / 1024)) "$wall" "$(cut -d' ' -f1-2,6 "$work/answer.txt")"
done

# Prints "orphans=N chunk_problems=N" for the convdash large-object and chunk checks.
orphans() {
	echo "orphans=$(psql_q -c "SELECT count(*) FROM convdash.check_large_objects()")" \
		"chunk_problems=$(psql_q -c "SELECT count(*) FROM convdash.check_audio_chunks()")"
}

# Median and p95 (nearest rank) of the numbers on stdin, one per line.
stats() {
	sort -g | awk '{ v[NR] = $1 } END { printf "%.1f %.1f\n", v[int((NR + 1) / 2)], v[int(NR * 0.95 + 0.999)] }'
}

# Runs the SQL on stdin as the tenant and prints the milliseconds of the
# statement after the line "\timing on" (the only timed one); its JSON
# answer goes to stderr, indented.
timed() {
	tpsql -f - >"$work/timed.out"
	sed -n 's/^{/  {/p' "$work/timed.out" >&2
	sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' "$work/timed.out"
}

write_mb=${AUDIO_WRITE_MB:-8}
echo "== audio: write per storage ($write_mb MB of WAV in 256 KiB audio_write calls; MB/s, median of 3)"
chmod 755 "$work"   # the server reads the clip (pg_read_binary_file)
sox -n -r 16000 -b 16 -c 1 "$work/write.wav" synth $((write_mb * 1048576 / 32000)) sine 300 vol 0.5
chmod 644 "$work/write.wav"
wsize=$(stat -c %s "$work/write.wav")
printf '%-13s %14s %20s\n' storage 'audio_write' 'begin..finish (all)'
for storage in $storages; do
	w=() a=()
	for run in 1 2 3; do
		# the writes alone (timed in one statement), then the whole store with finish
		out=$(tpsql -f - <<SQL
SELECT convdash.append_message(convdash.start_conversation($agent, 'bench-write-$storage-$run', 'voip'), 'user', 'write') AS m \gset
BEGIN;
SELECT clock_timestamp() AS t0 \gset
SELECT convdash.audio_begin(:m, 'audio/wav') AS c \gset
SELECT count(convdash.audio_write(:c, pg_read_binary_file('$work/write.wav', o, 262144))) FROM generate_series(0, $wsize - 1, 262144) o \g /dev/null
SELECT extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000 AS written \gset
SELECT convdash.audio_finish(:c) \g /dev/null
COMMIT;
SELECT :written, extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000;
SQL
)
		w+=("${out%%|*}") a+=("${out##*|}")
	done
	awk -v st="$storage" -v mb="$(awk -v b="$wsize" 'BEGIN { print b / 1048576 }')" \
		-v w="$(printf '%s\n' "${w[@]}" | sort -g | sed -n 2p)" -v a="$(printf '%s\n' "${a[@]}" | sort -g | sed -n 2p)" \
		'BEGIN { printf "%-13s %9.1f MB/s %15.1f MB/s\n", st, mb / (w / 1000), mb / (a / 1000) }'
done
storage=

echo "== audio: read 1 MiB (MB/s median, ms p95 per whole clip; $read_rounds rounds, methods interleaved), both storages"
# the same bytes as a large-object clip (its loid is the lo_get baseline), a chunk clip and a bytea column
for storage in large_object chunks; do
	read -r clip loid < <(tpsql -F ' ' -f - <<SQL
\\set QUIET on
\\i scripts/wav.sql
\\set QUIET off
SELECT convdash.attach_audio(
	convdash.append_message(convdash.start_conversation($agent, 'bench-read-$storage', 'voip'), 'user', 'read me'),
	'audio/wav', pg_temp.wav(1, 1, 8000, 16, (SELECT substring(decode(string_agg(md5(i::text), ''), 'hex') FROM 45)
		FROM generate_series(1, 65536) AS i)))->>'id' AS clip \\gset
SELECT id, coalesce(loid, 0) FROM convdash.audio_clips WHERE account_id = $acct AND id = :clip;
SQL
)
	eval "clip_$storage=$clip loid_$storage=$loid"
done
storage=
psql_q <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS public.bench_audio_bytea;
CREATE TABLE public.bench_audio_bytea (id integer PRIMARY KEY, data bytea);
ALTER TABLE public.bench_audio_bytea ALTER data SET STORAGE EXTERNAL;
INSERT INTO public.bench_audio_bytea SELECT 1, lo_get($loid_large_object);
SQL
printf '%-34s %10s %10s\n' method 'MB/s' 'p95 ms'
"$work/audio_read" "$acct" "$clip_large_object" "$loid_large_object" public.bench_audio_bytea 1048576 "$read_rounds" "$clip_chunks" |
	awk -F'\t' '{ printf "%-34s %10s %10s\n", $1, $2, $3 }'
psql_q -c "DROP TABLE public.bench_audio_bytea"

echo "== audio: delete one conversation with 500 messages and 20 clips ($one_runs runs per storage, interleaved; target <= 100 ms)"
for run in $(seq "$one_runs"); do
for storage in $storages; do
	timed <<SQL >>"$work/one-$storage.txt"
\i scripts/wav.sql
-- 500 messages through the ingest function; every 25th carries 2 s of 8 kHz 16-bit WAV (32 KB)
CREATE FUNCTION pg_temp.long_call(agent bigint, session text) RETURNS bigint
LANGUAGE plpgsql AS \$\$
DECLARE
	c bigint := convdash.start_conversation(agent, session, 'voip');
	wav bytea := pg_temp.wav(1, 1, 8000, 16, pg_temp.pcm(ARRAY(
		SELECT round(8000 * sin(n / 5.0))::bigint FROM generate_series(1, 16000) AS n), 16));
	m bigint;
BEGIN
	FOR i IN 1..500 LOOP
		m := convdash.append_message(c, CASE WHEN i % 2 = 1 THEN 'user' ELSE 'assistant' END,
			'message ' || i || ' of a long voice call', 12, 30);
		IF i % 25 = 0 THEN
			PERFORM convdash.attach_audio(m, 'audio/wav', wav);
		END IF;
	END LOOP;
	RETURN c;
END
\$\$;
SELECT pg_temp.long_call($agent, 'bench-one-$storage-$run') AS conv \gset
\timing on
SELECT convdash.delete_conversation(:conv);
SQL
done
done
for storage in $storages; do
	echo "$storage median / p95 ms: $(stats <"$work/one-$storage.txt")"
done
storage=
echo "$(orphans)"

echo "== audio: delete 10,000 conversations in one call ($many_runs runs per storage, interleaved; target <= 3 s)"
# 10,000 conversations of 20 messages each, written in bulk as the owner with
# exact counters; messages interleaved by time as real traffic is (not grouped
# per conversation); 2% are voice with one 8 KB clip each.
for run in $(seq "$many_runs"); do
for storage in $storages; do
	timed <<SQL >>"$work/many-$storage.txt"
INSERT INTO convdash.conversations (account_id, agent_id, session_id, channel, status, started_at, ended_at)
SELECT $acct, $agent, 'bench-many-$storage-$run-' || i, CASE WHEN i % 50 = 0 THEN 'voip' ELSE 'web' END::convdash.channel,
	'closed', now() - interval '1 hour', now()
FROM generate_series(1, 10000) AS i;
INSERT INTO convdash.conversation_counters (account_id, conversation_id, message_count, prompt_tokens, completion_tokens,
	last_message_at, agent_id, channel, status, started_at, rating)
SELECT $acct, c.id, 20, 100, 200, now(), c.agent_id, c.channel, c.status, c.started_at, c.rating FROM convdash.conversations c
WHERE c.account_id = $acct AND c.session_id LIKE 'bench-many-$storage-$run-%';
INSERT INTO convdash.messages (account_id, conversation_id, role, content, created_at, prompt_tokens, completion_tokens, seq)
SELECT $acct, c.id, CASE WHEN s % 2 = 1 THEN 'user' ELSE 'assistant' END::convdash.message_role,
	'bench message ' || s || ' about order #' || (c.id * 31 + s) % 100000,
	now() - interval '1 hour' + s * interval '1 minute', 5, 10, s
FROM generate_series(1, 20) AS s, convdash.conversations c
WHERE c.account_id = $acct AND c.session_id LIKE 'bench-many-$storage-$run-%'
ORDER BY s, c.id;
\\set QUIET on
\\i scripts/wav.sql
\\set QUIET off
SELECT count(convdash.attach_audio(m.id, 'audio/wav', pg_temp.wav(1, 1, 8000, 16, decode(repeat('00', 8148), 'hex'))))
FROM convdash.conversations c
JOIN convdash.messages m ON m.account_id = c.account_id AND m.conversation_id = c.id AND m.seq = 1
WHERE c.account_id = $acct AND c.session_id LIKE 'bench-many-$storage-$run-%' AND c.channel = 'voip' \g /dev/null
ANALYZE convdash.conversations, convdash.messages, convdash.audio_clips, convdash.audio_chunks;
SELECT array_agg(id) AS ids FROM convdash.conversations
WHERE account_id = $acct AND session_id LIKE 'bench-many-$storage-$run-%' \gset
\timing on
SELECT convdash.delete_conversations(:'ids') - 'not_found';
SQL
done
done
for storage in $storages; do
	echo "$storage median / p95 ms: $(stats <"$work/many-$storage.txt")"
done
storage=
echo "$(orphans)"

psql_q -c "DELETE FROM convdash.accounts WHERE id = $acct"
echo "== audio: after removing the bench account: $(orphans)"
