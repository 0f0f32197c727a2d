/*
 * wav.h
 *		RIFF/WAVE header parsing and sample decoding (wav.c) and waveform
 *		peaks (peaks.c), independent of where the bytes are stored.
 */
#ifndef CONVDASH_WAV_H
#define CONVDASH_WAV_H

/* Sample encodings convdash decodes */
typedef enum WavEncoding
{
	WAV_PCM_U8,					/* unsigned 8-bit, silence at 128 */
	WAV_PCM_S16,
	WAV_PCM_S24,
	WAV_PCM_S32,
	WAV_FLOAT32,
	WAV_FLOAT64,
	WAV_MULAW,					/* G.711 mu-law, 8 bits */
	WAV_ALAW					/* G.711 A-law, 8 bits */
} WavEncoding;

/* What the header says, checked against the size of the file */
typedef struct WavInfo
{
	WavEncoding encoding;
	int			channels;
	int			sample_rate;
	int			bytes_per_sample;
	int			block_align;	/* bytes of one frame (all channels) */
	int64		data_offset;	/* first byte of the sample data */
	int64		data_bytes;		/* size of the data chunk */
	int64		frames;			/* whole frames in the data chunk */
} WavInfo;

/* Reads up to len bytes at offset; returns how many were read (short only at the end) */
typedef int (*WavReadFn) (void *arg, int64 offset, uint8 *buf, int len);

/* Largest frame: 256 channels of 8-byte samples */
#define WAV_MAX_BLOCK_ALIGN (256 * 8)

/* Parses and checks the header of a WAV file of size bytes; 22023 when it does not hold */
extern void wav_parse(WavReadFn read, void *arg, int64 size, WavInfo *info);

/* Duration of the sample data in milliseconds, rounded to the nearest */
extern int32 wav_duration_ms(const WavInfo *info);

/* Largest absolute sample of one frame over its channels, normalised to 0..1 */
extern float4 wav_frame_peak(const WavInfo *info, const uint8 *frame);

/* Streaming peak computation: one maximum per bucket over the frames fed in order */
typedef struct PeakAccumulator
{
	const WavInfo *info;
	int			buckets;
	int64		frame;			/* frames seen so far */
	float4	   *peak;			/* buckets values */
	bool	   *filled;			/* whether a frame fell into the bucket */
	uint8		carry[WAV_MAX_BLOCK_ALIGN];	/* partial frame between two feeds */
	int			carry_len;
} PeakAccumulator;

/* Largest number of buckets asked for and the resolution clips are cached at */
#define PEAKS_MAX_BUCKETS 4096

extern void peaks_start(PeakAccumulator *acc, const WavInfo *info, int buckets);
extern void peaks_add(PeakAccumulator *acc, const uint8 *data, int len);
extern void peaks_finish(PeakAccumulator *acc);

#endif							/* CONVDASH_WAV_H */
