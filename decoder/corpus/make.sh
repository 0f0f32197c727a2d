#!/usr/bin/env bash
# Remakes the fuzz seeds: a fraction of a second of espeak-ng speech per
# container and codec, as small as the encoders make it.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
espeak-ng -v en -w "$tmp/s.wav" "ok"
sox "$tmp/s.wav" -r 8000 -b 16 "$tmp/short.wav" trim 0 0.15
mkdir -p wav flac ogg webm mp3 mp4
cp "$tmp/short.wav" wav/pcm16.wav
sox "$tmp/short.wav" -e u-law wav/mulaw.wav
sox "$tmp/short.wav" -e floating-point -b 32 -c 2 wav/float-stereo.wav
flac --silent -f -o flac/seed.flac "$tmp/short.wav"
opusenc --quiet --bitrate 6 "$tmp/short.wav" ogg/opus.ogg
oggenc --quiet -q -1 -o ogg/vorbis.ogg "$tmp/short.wav"
ffmpeg -v error -y -i "$tmp/short.wav" -c:a libopus -b:a 6k webm/opus.webm
ffmpeg -v error -y -i "$tmp/short.wav" -c:a libvorbis webm/vorbis.webm
lame --quiet -b 8 "$tmp/short.wav" mp3/seed.mp3
ffmpeg -v error -y -i "$tmp/short.wav" -c:a aac -b:a 8k mp4/aac.m4a
ffmpeg -v error -y -i "$tmp/short.wav" -c:a aac -b:a 8k -movflags +frag_keyframe+empty_moov mp4/fragmented.m4a
