/*
 * decode.h
 *		Decoding a clip for its duration and waveform peaks (decode.c),
 *		independent of where the bytes are stored: the caller feeds them in
 *		chunks, in order.
 */
#ifndef CONVDASH_DECODE_H
#define CONVDASH_DECODE_H

/* Largest number of buckets asked for and the resolution clips are cached at */
#define PEAKS_MAX_BUCKETS 4096

typedef struct ClipDecoder ClipDecoder;

/* Starts decoding a clip of mime whose container must be one of formats (FFmpeg demuxer names) */
extern ClipDecoder *clip_decoder_start(const char *formats, const char *mime);

/* Feeds the next len bytes of the clip */
extern void clip_decoder_feed(ClipDecoder *dec, const uint8 *data, int len);

/* Decodes what was fed: duration and PEAKS_MAX_BUCKETS peaks; 22023 when it is not valid audio */
extern void clip_decoder_finish(ClipDecoder *dec, int32 *duration_ms, float4 *peaks);

#endif							/* CONVDASH_DECODE_H */
