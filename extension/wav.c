/*
 * wav.c
 *		RIFF/WAVE headers and samples: PCM 8/16/24/32-bit, 32/64-bit float,
 *		G.711 mu-law and A-law, any number of channels (1-256), plain or
 *		WAVE_FORMAT_EXTENSIBLE.
 *
 * The parser reads through a callback, so the file may live anywhere (a
 * large object here) and is never loaded whole. Every size the header
 * claims is checked against the real size: a truncated or lying header is
 * a 22023 error naming the problem, never a read past the end.
 */
#include "postgres.h"

#include <math.h>

#include "wav.h"

#define WAVE_FORMAT_PCM			0x0001
#define WAVE_FORMAT_IEEE_FLOAT	0x0003
#define WAVE_FORMAT_ALAW		0x0006
#define WAVE_FORMAT_MULAW		0x0007
#define WAVE_FORMAT_EXTENSIBLE	0xFFFE

#define WAV_MAX_CHANNELS		256
#define WAV_MAX_SAMPLE_RATE		4000000
#define FMT_READ_BYTES			40	/* fmt chunk bytes we look at (extensible) */

/* Raises 22023 for a WAV file that does not parse; the field is the clip's data */
#define wav_error(...) \
	ereport(ERROR, \
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE), \
			 errmsg("invalid WAV audio: " __VA_ARGS__), \
			 err_generic_string(PG_DIAG_COLUMN_NAME, "data")))

/* Little-endian unsigned 16 bits */
static inline uint32
le16(const uint8 *p)
{
	return (uint32) p[0] | ((uint32) p[1] << 8);
}

/* Little-endian unsigned 32 bits */
static inline uint32
le32(const uint8 *p)
{
	return (uint32) p[0] | ((uint32) p[1] << 8) | ((uint32) p[2] << 16) | ((uint32) p[3] << 24);
}

/* Reads exactly len bytes at offset or raises the truncation error */
static void
read_exact(WavReadFn read, void *arg, int64 offset, uint8 *buf, int len, const char *what)
{
	if (read(arg, offset, buf, len) != len)
		wav_error("the file ends inside the %s", what);
}

/* Fills info's encoding and sizes from a fmt chunk's first bytes */
static void
parse_fmt(const uint8 *fmt, uint32 fmt_size, WavInfo *info)
{
	uint32		tag = le16(fmt);
	uint32		channels = le16(fmt + 2);
	uint32		rate = le32(fmt + 4);
	uint32		byte_rate = le32(fmt + 8);
	uint32		block_align = le16(fmt + 12);
	uint32		bits = le16(fmt + 14);

	if (tag == WAVE_FORMAT_EXTENSIBLE)
	{
		if (fmt_size < FMT_READ_BYTES)
			wav_error("WAVE_FORMAT_EXTENSIBLE fmt chunk of %u bytes is too short", fmt_size);
		tag = le16(fmt + 24);	/* first two bytes of the sub-format GUID */
	}

	switch (tag)
	{
		case WAVE_FORMAT_PCM:
			if (bits == 8)
				info->encoding = WAV_PCM_U8;
			else if (bits == 16)
				info->encoding = WAV_PCM_S16;
			else if (bits == 24)
				info->encoding = WAV_PCM_S24;
			else if (bits == 32)
				info->encoding = WAV_PCM_S32;
			else
				wav_error("PCM with %u bits per sample is not supported", bits);
			break;
		case WAVE_FORMAT_IEEE_FLOAT:
			if (bits == 32)
				info->encoding = WAV_FLOAT32;
			else if (bits == 64)
				info->encoding = WAV_FLOAT64;
			else
				wav_error("float with %u bits per sample is not supported", bits);
			break;
		case WAVE_FORMAT_MULAW:
		case WAVE_FORMAT_ALAW:
			if (bits != 8)
				wav_error("G.711 with %u bits per sample is not supported", bits);
			info->encoding = (tag == WAVE_FORMAT_MULAW) ? WAV_MULAW : WAV_ALAW;
			break;
		default:
			wav_error("format tag 0x%04X is not supported", tag);
	}

	if (channels < 1 || channels > WAV_MAX_CHANNELS)
		wav_error("%u channels (must be 1 to %d)", channels, WAV_MAX_CHANNELS);
	if (rate < 1 || rate > WAV_MAX_SAMPLE_RATE)
		wav_error("sample rate %u Hz (must be 1 to %d)", rate, WAV_MAX_SAMPLE_RATE);
	info->channels = channels;
	info->sample_rate = rate;
	info->bytes_per_sample = bits / 8;
	info->block_align = channels * info->bytes_per_sample;
	if (block_align != (uint32) info->block_align)
		wav_error("block align %u does not match %u channels of %u bits", block_align, channels, bits);
	if ((uint64) byte_rate != (uint64) rate * block_align)
		wav_error("byte rate %u does not match %u Hz with %u-byte frames", byte_rate, rate, block_align);
}

/*
 * Parses the header of a WAV file of size bytes: RIFF/WAVE, a fmt chunk,
 * then the data chunk; other chunks before data are skipped.
 */
void
wav_parse(WavReadFn read, void *arg, int64 size, WavInfo *info)
{
	uint8		buf[FMT_READ_BYTES];
	int64		end;
	int64		pos = 12;
	bool		have_fmt = false;

	memset(info, 0, sizeof(*info));
	if (size < 12 || read(arg, 0, buf, 12) != 12)
		wav_error("%lld bytes are too few for a RIFF header", (long long) size);
	if (memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0)
		wav_error("not a RIFF/WAVE file");
	end = (int64) le32(buf + 4) + 8;
	if (end > size)
		wav_error("the RIFF header claims %lld bytes but the clip has %lld",
				  (long long) end, (long long) size);

	while (pos + 8 <= end)
	{
		uint32		chunk_size;

		read_exact(read, arg, pos, buf, 8, "chunk header");
		chunk_size = le32(buf + 4);
		if (memcmp(buf, "data", 4) == 0)
		{
			if (!have_fmt)
				wav_error("data chunk before the fmt chunk");
			if (pos + 8 + (int64) chunk_size > end)
				wav_error("the data chunk claims %u bytes but only %lld follow",
						  chunk_size, (long long) (end - pos - 8));
			info->data_offset = pos + 8;
			info->data_bytes = chunk_size;
			info->frames = chunk_size / info->block_align;
			return;
		}
		if (pos + 8 + (int64) chunk_size > end)
			wav_error("a chunk claims %u bytes but only %lld follow",
					  chunk_size, (long long) (end - pos - 8));
		if (memcmp(buf, "fmt ", 4) == 0)
		{
			if (chunk_size < 16)
				wav_error("fmt chunk of %u bytes is too short", chunk_size);
			read_exact(read, arg, pos + 8, buf, Min(chunk_size, FMT_READ_BYTES), "fmt chunk");
			parse_fmt(buf, chunk_size, info);
			have_fmt = true;
		}
		pos += 8 + (int64) chunk_size + (chunk_size & 1);
	}
	wav_error("no data chunk");
}

/* Duration of the sample data in milliseconds, rounded to the nearest */
int32
wav_duration_ms(const WavInfo *info)
{
	int64		ms = (info->frames * 1000 + info->sample_rate / 2) / info->sample_rate;

	if (ms > PG_INT32_MAX)
		wav_error("a duration of %lld ms is too long", (long long) ms);
	return (int32) ms;
}

/* G.711 mu-law byte to 16-bit linear (ITU-T G.711; 0xFF and 0x7F are 0, extremes +-32124) */
static inline int32
ulaw_decode(uint8 u)
{
	int32		t;

	u = ~u;
	t = (((int32) (u & 0x0F)) << 3) + 0x84;
	t <<= (u & 0x70) >> 4;
	return (u & 0x80) ? (0x84 - t) : (t - 0x84);
}

/* G.711 A-law byte to 16-bit linear (ITU-T G.711; extremes +-32256) */
static inline int32
alaw_decode(uint8 a)
{
	int32		t;
	int			seg;

	a ^= 0x55;
	t = ((int32) (a & 0x0F)) << 4;
	seg = (a & 0x70) >> 4;
	if (seg == 0)
		t += 8;
	else
		t = (t + 0x108) << (seg - 1);
	return (a & 0x80) ? t : -t;
}

/* Absolute value of one sample normalised to full scale 0..1 */
static inline double
sample_level(WavEncoding encoding, const uint8 *p)
{
	switch (encoding)
	{
		case WAV_PCM_U8:
			return fabs((double) p[0] - 128.0) / 128.0;
		case WAV_PCM_S16:
			return fabs((double) (int16) le16(p)) / 32768.0;
		case WAV_PCM_S24:
			{
				int32		v = (int32) (le16(p) | ((uint32) p[2] << 16));

				if (v & 0x800000)
					v -= 0x1000000;
				return fabs((double) v) / 8388608.0;
			}
		case WAV_PCM_S32:
			return fabs((double) (int32) le32(p)) / 2147483648.0;
		case WAV_FLOAT32:
			{
				uint32		bits = le32(p);
				float4		f;

				memcpy(&f, &bits, sizeof(f));
				return isnan(f) ? 0.0 : Min(fabs((double) f), 1.0);
			}
		case WAV_FLOAT64:
			{
				uint64		bits = (uint64) le32(p) | ((uint64) le32(p + 4) << 32);
				float8		d;

				memcpy(&d, &bits, sizeof(d));
				return isnan(d) ? 0.0 : Min(fabs(d), 1.0);
			}
		case WAV_MULAW:
			return fabs((double) ulaw_decode(p[0])) / 32768.0;
		case WAV_ALAW:
			return fabs((double) alaw_decode(p[0])) / 32768.0;
	}
	return 0.0;
}

/* Largest absolute sample of one frame over its channels, normalised to 0..1 */
float4
wav_frame_peak(const WavInfo *info, const uint8 *frame)
{
	double		peak = 0.0;

	for (int c = 0; c < info->channels; c++)
	{
		double		v = sample_level(info->encoding, frame + c * info->bytes_per_sample);

		if (v > peak)
			peak = v;
	}
	return (float4) peak;
}
