#!/usr/bin/env bash
# make fuzz: libFuzzer over the decoder, one run per container (its seeds in
# decoder/corpus/<format>), FUZZ_SECONDS each (default 60). New inputs go to
# a scratch copy of the corpus; crashes are written to decoder/crashes/ and
# fail the run. Prints the time and the inputs tried per format.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${FUZZ_SECONDS:-60}
make -s fuzz_decode
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p crashes
status=0
for fmt in wav flac ogg webm mp3 mp4; do
	mkdir -p "$work/$fmt"
	cp corpus/"$fmt"/* "$work/$fmt/"
	start=$(date +%s)
	if CONVDASH_FUZZ_FORMATS=$fmt ASAN_OPTIONS=detect_leaks=1 ./fuzz_decode -max_total_time="$seconds" \
		-rss_limit_mb=1024 -timeout=10 -max_len=65536 -print_final_stats=1 -artifact_prefix=crashes/"$fmt"- \
		"$work/$fmt" >"$work/$fmt.log" 2>&1; then
		result=ok
	else
		result=FAILED
		status=1
		tail -40 "$work/$fmt.log"
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$fmt.log")
	cov=$(grep -o 'cov: [0-9]*' "$work/$fmt.log" | tail -1)
	echo "fuzz $fmt: $result, $((($(date +%s) - start))) s, ${runs:-?} inputs, $cov, corpus $(ls "$work/$fmt" | wc -l) files"
done
exit $status
