/*
 * audio_decode.h
 *		Decoding one audio clip with FFmpeg (libavformat + libavcodec) into
 *		its exact length in frames and its waveform peaks. Shared by the
 *		decoder program (main.c) and the fuzz harness (fuzz.c); it knows
 *		nothing about where the bytes are stored: it reads them through
 *		callbacks.
 */
#ifndef CONVDASH_AUDIO_DECODE_H
#define CONVDASH_AUDIO_DECODE_H

#include <stdint.h>

/* Buckets the peaks are computed at (the cache resolution of the extension) */
#define AUDIO_PEAK_BUCKETS 4096

/* Reads up to len bytes at the current position; returns the count, 0 at the end, -1 on error */
typedef int (*AudioReadFn) (void *arg, uint8_t *buf, int len);

/* Moves to offset from the start; returns 0, or -1 on error */
typedef int (*AudioSeekFn) (void *arg, int64_t offset);

/* Where the clip's bytes come from */
typedef struct AudioSource
{
	AudioReadFn read;
	AudioSeekFn seek;
	void	   *arg;
	int64_t		size;			/* bytes in the clip */
} AudioSource;

/* What decoding found */
typedef struct AudioSummary
{
	int64_t		frames;			/* decoded frames (samples per channel) */
	int			sample_rate;
	int			channels;
	int			passes;			/* 1, or 2 when the container's length was not exact */
	int32_t		duration_ms;	/* frames at sample_rate, rounded to the nearest */
	float		peaks[AUDIO_PEAK_BUCKETS];	/* max |sample| per bucket, 0..1 */
	char		error[200];		/* why decoding failed (empty on success) */
} AudioSummary;

/*
 * Decodes the clip, accepting only the containers named in formats (a
 * comma-separated list of FFmpeg demuxer names, e.g. "ogg" or "mp3") and
 * the codecs convdash supports; returns 0, or -1 with out->error set.
 */
extern int	audio_decode(const AudioSource *src, const char *formats, AudioSummary *out);

#endif							/* CONVDASH_AUDIO_DECODE_H */
