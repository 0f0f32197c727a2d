#!/usr/bin/env bash
# Remakes the small committed clips the regress tests store (one per
# container/codec): espeak-ng says "Refund approved." and the
# Debian encoders turn it into each format. Also the fuzz seed corpus
# (decoder/corpus) starts from these.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
espeak-ng -v en-us -s 190 -w "$tmp/speech.wav" "Refund approved."
sox "$tmp/speech.wav" -r 8000 -b 16 speech.wav
opusenc --quiet --bitrate 12 speech.wav speech.opus.ogg
oggenc --quiet -q 0 -o speech.vorbis.ogg speech.wav
ffmpeg -v error -y -i speech.wav -c:a libopus -b:a 12k speech.webm
lame --quiet -b 8 speech.wav speech.mp3
flac --silent -f -o speech.flac speech.wav
ffmpeg -v error -y -i speech.wav -c:a aac -b:a 16k speech.m4a
