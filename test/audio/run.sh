#!/usr/bin/env bash
# Audio formats suite: for every container/codec convdash decodes, a clip
# of real speech made here (espeak-ng, then opusenc, oggenc, ffmpeg, lame,
# flac, sox), stored through attach_audio and through the streaming
# audio_begin/audio_write/audio_finish, then checked against the tools'
# own view, independently of convdash's decoder:
#   * duration within 50 ms of ffprobe's,
#   * the 4096 peaks equal to a reference computed here: the clip decoded
#     to raw float PCM by the ffmpeg program, max |sample| per bucket
#     floor(frame * 4096 / frames) in awk (4 decimals),
#   * byte ranges read back exact, both uploads give the same row.
# Every clip once per storage (convdash.audio_storage: large_object, chunks).
# Then the decoder's wall-clock cap: a long clip under a 100 ms deadline is
# a 22023, the decoder process is gone and nothing is stored; and bulk
# deletion and purge of tens of thousands of clips per storage (bulk.sh).
# Prints "ok - ..." / "not ok - ..." per case.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PGOPTIONS='-c client_min_messages=warning'
db=convdash_audio_test
work=$(mktemp -d)
chmod 755 "$work"   # the server reads the clips (pg_read_binary_file)
trap 'rm -rf "$work"; dropdb --if-exists $db 2>/dev/null' EXIT

pass=0
# Prints ok/not ok for a command's success.
check() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then echo "ok - $name"; else echo "not ok - $name"; fi
}
sql() { psql -qAtX -v ON_ERROR_STOP=1 -d $db "$@"; }

# Prints the decoder processes on the machine except those of another
# cluster's backends (a benchmark's): a backend's decoder is its child, a
# leaked one an orphan.
cluster_decoders() {
	local postmaster p parent grandparent
	postmaster=$(ps -o ppid= -p "$(sql -c "SELECT pg_backend_pid()")" | tr -d ' ')
	for p in $(pgrep -x convdash_decode); do
		parent=$(ps -o ppid= -p "$p" | tr -d ' ')
		[ -n "$parent" ] || continue    # gone meanwhile
		grandparent=$(ps -o ppid= -p "$parent" | tr -d ' ')
		if [ "$(ps -o comm= -p "$parent")" = postgres ] && [ -n "$grandparent" ] && [ "$grandparent" != "$postmaster" ] &&
			[ "$(ps -o comm= -p "$grandparent")" = postgres ]; then
			continue    # a backend's of another cluster
		fi
		echo "$p"
	done
}

dropdb --if-exists $db 2>/dev/null
createdb $db && sql -c "CREATE EXTENSION convdash CASCADE" >/dev/null
acct=$(sql -c "SELECT convdash.create_account('Formats Co')")
export PGOPTIONS="$PGOPTIONS -c convdash.account_id=$acct"
tenant_options=$PGOPTIONS
conv=$(sql -c "SELECT convdash.start_conversation(convdash.create_agent('Voice'), 'formats', 'voip')")

# ---- the clips: real speech, two voices, each format as a channel makes it
espeak-ng -v en-us -s 160 -w "$work/a.wav" "Hello, I ordered a blender last week, order 4 7 1 1, and it arrived broken. Can I get a refund?"
espeak-ng -v de -s 150 -w "$work/b.wav" "Guten Tag, ich möchte meine Buchung für Freitag stornieren."
sox "$work/a.wav" -r 48000 -c 2 "$work/stereo.wav" remix 1 1v0.5   # stereo, channels differ
opusenc --quiet --bitrate 24 "$work/a.wav" "$work/telegram.ogg"                          # Telegram/WhatsApp voice note
oggenc --quiet -q 2 -o "$work/vorbis.ogg" "$work/b.wav"
ffmpeg -v error -i "$work/a.wav" -c:a libopus -b:a 32k -f webm "$work/chrome.webm"       # Chrome MediaRecorder
ffmpeg -v error -i "$work/b.wav" -c:a libopus -b:a 32k -f webm -live 1 "$work/chrome-live.webm"  # as streamed: no duration
lame --quiet -b 32 "$work/a.wav" "$work/twilio.mp3"                                    # Twilio/Vapi recording
lame --quiet -V 5 "$work/stereo.wav" "$work/stereo-vbr.mp3"
flac --silent -o "$work/archive.flac" "$work/stereo.wav"
ffmpeg -v error -i "$work/a.wav" -c:a aac -b:a 48k "$work/safari.m4a"                   # Safari MediaRecorder
sox "$work/b.wav" -e u-law "$work/mulaw.wav"
sox "$work/stereo.wav" -b 24 "$work/pcm24.wav"

# name file mime
clips="telegram.ogg:audio/ogg;_codecs=opus vorbis.ogg:audio/ogg chrome.webm:audio/webm;codecs=opus
chrome-live.webm:audio/webm twilio.mp3:audio/mpeg stereo-vbr.mp3:audio/mp3 archive.flac:audio/flac
safari.m4a:audio/mp4 mulaw.wav:audio/wav pcm24.wav:audio/x-wav"

# reference peaks of a file: 4096 lines, 4 decimals
ref_peaks() {
	local channels
	channels=$(ffprobe -v error -select_streams a:0 -show_entries stream=channels -of csv=p=0 "$1")
	ffmpeg -v error -i "$1" -f f32le - | od -An -v -t f4 -w4 | awk -v ch="$channels" -v N=4096 '
	{ v = $1 + 0; if (v < 0) v = -v; if (v != v) v = 0; if (v > 1) v = 1
	  k = NR - 1; f = int(k / ch); if (k % ch == 0 || v > fp[f]) fp[f] = v; S = f + 1 }
	END { for (f = 0; f < S; f++) { b = int(f * N / S); if (!(b in pk) || fp[f] > pk[b]) pk[b] = fp[f] }
	      for (b = 0; b < N; b++) { if (!(b in pk)) pk[b] = pk[b - 1]; printf "%.4f\n", pk[b] } }'
}

for storage in large_object chunks; do
export PGOPTIONS="$tenant_options -c convdash.audio_storage=$storage"
for entry in $clips; do
	file=${entry%%:*}
	mime=${entry#*:}
	mime=${mime//_/ }
	path=$work/$file
	hex=$(od -An -v -tx1 "$path" | tr -d ' \n')
	j=$(sql -c "SELECT convdash.attach_audio(convdash.append_message($conv, 'user', '$file'), '$mime', pg_read_binary_file('$path'), 1)")
	id=$(jq -r .id <<<"$j")
	check "$storage $file: stored through attach_audio, as $storage" test "$(sql -c "SELECT storage FROM convdash.audio_clips WHERE id = ${id/null/0}")" = "$storage"
	got=$(jq -r .duration_ms <<<"$j")
	want=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$path" | awk '{printf "%d", $1 * 1000 + 0.5}')
	[ "$file" = chrome-live.webm ] && want=$(soxi -D "$work/b.wav" | awk '{printf "%d", $1 * 1000 + 0.5}')  # streamed WebM states none
	check "$storage $file: duration $got ms within 50 ms of ffprobe's $want ms" awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; exit !(d <= 50 && d >= -50) }'
	sql -c "SELECT p FROM jsonb_array_elements_text(convdash.audio_peaks($id, 4096)->'peaks') p" | awk '{printf "%.4f\n", $1}' >"$work/got.txt"
	ref_peaks "$path" >"$work/ref.txt"
	check "$storage $file: 4096 peaks equal the reference from ffmpeg's PCM" bash -c "[ \$(wc -l <'$work/got.txt') = 4096 ] &&
		paste '$work/got.txt' '$work/ref.txt' | awk '{ d = \$1 - \$2; if (d < 0) d = -d; if (d > 0.00011) bad++ } END { exit bad > 0 }'"
	size=$(stat -c %s "$path")
	mid=$((size / 3))
	check "$storage $file: byte ranges read back exact" bash -c "
		[ \"\$(psql -qAtX -d $db -c \"SELECT encode(convdash.audio_read($id, $mid, 777), 'hex')\")\" = \"\$(tail -c +$((mid + 1)) '$path' | head -c 777 | od -An -v -tx1 | tr -d ' \n')\" ] &&
		[ \"\$(psql -qAtX -d $db -c \"SELECT length(convdash.audio_read($id, $((size - 5)), 100))\")\" = 5 ]"
	# the same bytes streamed in 3 chunks give the same row
	third=$(((${#hex} / 2 / 3) * 2))
	two_thirds=$((2 * third))
	s=$(sql <<SQL
BEGIN;
SELECT convdash.audio_begin(convdash.append_message($conv, 'user', '$file streamed'), '$mime') AS c \\gset
SELECT convdash.audio_write(:c, '\\x${hex:0:$third}') \\g /dev/null
SELECT convdash.audio_write(:c, '\\x${hex:$third:$third}') \\g /dev/null
SELECT convdash.audio_write(:c, '\\x${hex:$two_thirds}') \\g /dev/null
SELECT convdash.audio_finish(:c);
COMMIT;
SQL
)
	sid=$(jq -r .id <<<"$s")

	same=$(sql -c "SELECT a.peaks = b.peaks AND a.duration_ms = b.duration_ms AND a.bytes = b.bytes AND a.sha256 = b.sha256 AND a.mime = b.mime
		FROM convdash.audio_clips a, convdash.audio_clips b WHERE a.id = ${sid:-0} AND b.id = ${id:-0}")
	check "$storage $file: streamed upload gives the same duration, size, hash and peaks" test "$same" = t
done
done
export PGOPTIONS=$tenant_options

# ---- the wall-clock cap: 20 minutes of MP3 decode for longer than 100 ms
sox -n -r 22050 -c 1 "$work/long.wav" synth 1200 sine 300 vol 0.3
lame --quiet -b 32 "$work/long.wav" "$work/long.mp3"
clips_before=$(sql -c "SELECT count(*) FROM convdash.audio_clips")
objects_before=$(sql -c "SELECT count(*) FROM pg_largeobject_metadata")
start=$(date +%s%N)
err=$(PGOPTIONS="$PGOPTIONS -c convdash.decode_timeout=100ms" sql -c "SELECT convdash.attach_audio(convdash.append_message($conv, 'user', 'long'), 'audio/mpeg', pg_read_binary_file('$work/long.mp3'))" 2>&1)
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
check "a clip decoding past convdash.decode_timeout: 22023 naming the limit" grep -q 'invalid audio/mpeg audio: decoding took longer than 100 ms' <<<"$err"
check "... answered within 3 s (took $elapsed_ms ms)" test "$elapsed_ms" -lt 3000
check "... no decoder process is left" test -z "$(cluster_decoders)"
check "... nothing stored" test "$(sql -c "SELECT count(*) FROM convdash.audio_clips"):$(sql -c "SELECT count(*) FROM pg_largeobject_metadata")" = "$clips_before:$objects_before"
check "the same clip within the default limit is stored" sql -c "SELECT convdash.attach_audio(convdash.append_message($conv, 'user', 'long ok'), 'audio/mpeg', pg_read_binary_file('$work/long.mp3'))->>'duration_ms'"

. test/audio/bulk.sh
