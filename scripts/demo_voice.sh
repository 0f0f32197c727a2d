#!/usr/bin/env bash
# Gives the demo's voice conversations real speech: each chosen message's
# clip says its own text (espeak-ng, a voice per language and role), encoded
# the way a channel would send it: Ogg/Opus (Telegram, WhatsApp), WebM/Opus
# (a browser's recorder), MP3 (Twilio), MP4/AAC (Safari), FLAC, WAV. So the
# waveform, the duration and the transcript agree.
#
#   scripts/demo_voice.sh PSQL_COMMAND... [-- ACCOUNT SHARE CLIPS]
# e.g. scripts/demo_voice.sh psql -d convdash
# Voices the messages of the voip conversations of account Demo: every
# message of the showcase call, and the first 1..3 shown messages of about
# 5% of all conversations (chosen among the voip ones; archived ones are
# skipped). Messages that already have a clip are skipped.
set -euo pipefail
# the psql command is everything before the last "--" (it may hold one of
# its own, as in runuser -u postgres -- psql ...)
args=("$@")
last=${#args[@]}
for i in "${!args[@]}"; do [ "${args[$i]}" = -- ] && last=$i; done
psql_cmd=("${args[@]:0:$last}")
set -- "${args[@]:$((last + 1))}"
account=${1:-Demo}
share=${2:-0.05}
per_conv=${3:-3}
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

acct=$("${psql_cmd[@]}" -Atc "SELECT id FROM convdash.accounts WHERE name = '$account'")
# id, role, the content on one line
"${psql_cmd[@]}" -At -F $'\t' >"$work/targets.tsv" <<SQL
WITH c AS (
	SELECT c.id, c.session_id, count(*) OVER () AS voip,
		(SELECT count(*) FROM convdash.conversations x WHERE x.account_id = $acct) AS total
	FROM convdash.conversations c
	WHERE c.account_id = $acct AND c.channel = 'voip' AND c.status <> 'archived')
SELECT m.id, m.role, replace(replace(m.content, E'\t', ' '), E'\n', ' ')
FROM c JOIN convdash.messages m ON m.account_id = $acct AND m.conversation_id = c.id
WHERE m.seq IS NOT NULL
  AND NOT EXISTS (SELECT FROM convdash.audio_clips a WHERE a.account_id = m.account_id AND a.message_id = m.id)
  AND (c.session_id LIKE 'sip:%'
       OR ((hashint8(c.id * 7) & 2147483647) % 1000000 < least(1.0, $share * c.total / c.voip) * 1000000
           AND m.seq <= 1 + (hashint8(c.id) & 2147483647) % $per_conv))
ORDER BY m.id;
SQL

# The espeak-ng voice for a text: its language guessed from common words, a
# different variant for the customer (user) and the agent.
voice_for() {
	local text=$1 role=$2 lang=en-us
	case " $text " in
		*" ich "*|*" Sie "*|*" mein"*|*" Ihre"*|*" und "*|*" nicht "*|*"Guten"*|*"Hallo"*) lang=de ;;
		*" je "*|*" vous "*|*" mon "*|*" ma "*|*"Bonjour"*|*" est "*|*"é"*) lang=fr ;;
		*"¿"*|*" mi "*|*" su "*|*"Hola"*|*" el "*|*"ñ"*) lang=es ;;
	esac
	if [ "$role" = user ]; then echo "$lang+f3"; else echo "$lang+m3"; fi
}

n=0
script=$work/attach.sql
: >"$script"
# (the list is read on descriptor 3: ffmpeg reads standard input)
while IFS=$'\t' read -r -u 3 id role text; do
	# markdown and markup are not read aloud
	plain=$(sed -E 's/[*`#|_<>]+/ /g; s/\[([^]]*)\]\([^)]*\)/\1/g' <<<"$text" | cut -c1-400)
	espeak-ng -v "$(voice_for "$plain" "$role")" -s 165 -w "$work/s.wav" -- "$plain"
	case $((n % 6)) in
		0) opusenc --quiet --bitrate 24 "$work/s.wav" "$work/c"; mime='audio/ogg; codecs=opus' ;;
		1) ffmpeg -v error -y -i "$work/s.wav" -c:a libopus -b:a 32k -f webm -live 1 "$work/c"; mime='audio/webm;codecs=opus' ;;
		2) lame --quiet -b 32 "$work/s.wav" "$work/c"; mime=audio/mpeg ;;
		3) ffmpeg -v error -y -i "$work/s.wav" -c:a aac -b:a 48k -f mp4 "$work/c"; mime=audio/mp4 ;;
		4) flac --silent -f -o "$work/c" "$work/s.wav"; mime=audio/flac ;;
		*) sox "$work/s.wav" -r 16000 "$work/c.wav"; mv "$work/c.wav" "$work/c"; mime=audio/wav ;;
	esac
	{
		echo "\\set clip \`base64 -w0 '$work/c.$n'\`"
		echo "SELECT convdash.attach_audio($id, '$mime', decode(:'clip', 'base64')) \\g /dev/null"
	} >>"$script"
	mv "$work/c" "$work/c.$n"
	n=$((n + 1))
done 3<"$work/targets.tsv"

# one transaction per 50 clips: each clip's large object holds a lock until commit
split -l 100 "$script" "$work/batch."
for b in "$work"/batch.*; do
	{ echo "SET convdash.account_id = '$acct';"; echo 'BEGIN;'; cat "$b"; echo 'COMMIT;'; } | "${psql_cmd[@]}" -q -v ON_ERROR_STOP=1 >/dev/null
done
echo "demo voice: $n clips of speech"
