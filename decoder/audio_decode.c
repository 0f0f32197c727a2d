/*
 * audio_decode.c
 *		One clip through FFmpeg: the container (only those allowed), the
 *		first audio stream (only the codecs convdash supports), every frame
 *		decoded and reduced to its largest absolute sample, bucketed by
 *		frame index into AUDIO_PEAK_BUCKETS peaks.
 *
 * Frame f of a clip of S frames falls into bucket floor(f * N / S), which
 * needs S before the first frame. The container's own length (WAV and FLAC
 * headers, the last Ogg page, the MP4 index, an MP3 Xing/LAME header) is
 * taken as S; when the decoded count turns out different (a WebM from a
 * browser's MediaRecorder has none), the clip is decoded a second time
 * with the true S. Decoding is strict (AV_EF_EXPLODE): a damaged stream is
 * an error, not a quietly shorter clip.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/mathematics.h>

#include "audio_decode.h"

/* Bytes of the I/O buffer libavformat reads through */
#define IO_BUFFER_BYTES (64 * 1024)

/* Largest single allocation FFmpeg may make (a lying header asks for gigabytes) */
#define MAX_ALLOCATION (64 * 1024 * 1024)

/* Largest sample rate and channel count accepted */
#define MAX_SAMPLE_RATE 768000
#define MAX_CHANNELS 64

/* The codecs convdash decodes (FFmpeg decoder names, for codec_whitelist) */
static const char *const codec_names =
	"pcm_u8,pcm_s16le,pcm_s24le,pcm_s32le,pcm_f32le,pcm_f64le,pcm_mulaw,pcm_alaw,"
	"flac,vorbis,opus,mp3float,mp3,aac";

/* The same codecs by id */
static const enum AVCodecID codec_ids[] = {
	AV_CODEC_ID_PCM_U8, AV_CODEC_ID_PCM_S16LE, AV_CODEC_ID_PCM_S24LE, AV_CODEC_ID_PCM_S32LE,
	AV_CODEC_ID_PCM_F32LE, AV_CODEC_ID_PCM_F64LE, AV_CODEC_ID_PCM_MULAW, AV_CODEC_ID_PCM_ALAW,
	AV_CODEC_ID_FLAC, AV_CODEC_ID_VORBIS, AV_CODEC_ID_OPUS, AV_CODEC_ID_MP3, AV_CODEC_ID_AAC,
};

/* The source behind libavformat's I/O callbacks, with its position */
typedef struct IoState
{
	const AudioSource *src;
	int64_t		pos;
} IoState;

/* One decoding pass in progress */
typedef struct Pass
{
	int64_t		expected;		/* S the buckets are computed for (0: count only,
								 * -1: what the container states) */
	const AVFormatContext *fmt; /* the container and stream, for that */
	const AVStream *st;
	int64_t		frame;			/* frames decoded so far */
	int			sample_rate;
	int			channels;
	float	   *peaks;
	unsigned char *filled;
} Pass;

/* libavformat read callback */
static int
io_read(void *opaque, uint8_t *buf, int len)
{
	IoState    *io = opaque;
	int			n = io->src->read(io->src->arg, buf, len);

	if (n < 0)
		return AVERROR(EIO);
	if (n == 0)
		return AVERROR_EOF;
	io->pos += n;
	return n;
}

/* libavformat seek callback (AVSEEK_SIZE answers the size) */
static int64_t
io_seek(void *opaque, int64_t offset, int whence)
{
	IoState    *io = opaque;
	int64_t		to;

	switch (whence & ~AVSEEK_FORCE)
	{
		case AVSEEK_SIZE:
			return io->src->size;
		case SEEK_SET:
			to = offset;
			break;
		case SEEK_CUR:
			to = io->pos + offset;
			break;
		case SEEK_END:
			to = io->src->size + offset;
			break;
		default:
			return AVERROR(EINVAL);
	}
	if (to < 0 || to > io->src->size || io->src->seek(io->src->arg, to) != 0)
		return AVERROR(EIO);
	io->pos = to;
	return to;
}

/* Sets out->error from a message and an FFmpeg error code (0: none); returns -1 */
static int
fail(AudioSummary *out, const char *msg, int averr)
{
	char		detail[AV_ERROR_MAX_STRING_SIZE] = "";

	if (averr != 0)
		av_strerror(averr, detail, sizeof(detail));
	snprintf(out->error, sizeof(out->error), "%s%s%s", msg, averr ? ": " : "", detail);
	return -1;
}

/* Normalised magnitude of one sample: NaN is silence, beyond full scale is 1 */
static inline float
magnitude(double v)
{
	v = fabs(v);
	if (isnan(v))
		return 0;
	return v > 1 ? 1 : (float) v;
}

/* Sample i of channel c of a frame in any of FFmpeg's sample formats, as -1..1 */
static inline double
sample_at(const AVFrame *fr, int c, int i, int channels)
{
	enum AVSampleFormat fmt = fr->format;
	int			planar = av_sample_fmt_is_planar(fmt);
	const uint8_t *base = fr->extended_data[planar ? c : 0];
	int			k = planar ? i : i * channels + c;

	switch (av_get_packed_sample_fmt(fmt))
	{
		case AV_SAMPLE_FMT_U8:
			return (base[k] - 128) / 128.0;
		case AV_SAMPLE_FMT_S16:
			return ((const int16_t *) base)[k] / 32768.0;
		case AV_SAMPLE_FMT_S32:
			return ((const int32_t *) base)[k] / 2147483648.0;
		case AV_SAMPLE_FMT_S64:
			return ((const int64_t *) base)[k] / 9223372036854775808.0;
		case AV_SAMPLE_FMT_FLT:
			return ((const float *) base)[k];
		case AV_SAMPLE_FMT_DBL:
			return ((const double *) base)[k];
		default:
			return 0;
	}
}

/* The frame count the container states for the stream, or 0 when it states none */
static int64_t
container_frames(const AVFormatContext *fmt, const AVStream *st, int rate)
{
	int64_t		frames = 0;

	if (st->duration > 0 && st->time_base.num > 0 && st->time_base.den > 0)
		frames = av_rescale_q(st->duration, st->time_base, (AVRational) {1, rate});
	else if (fmt->duration > 0)
		frames = av_rescale(fmt->duration, rate, AV_TIME_BASE);
	/* an Ogg/Opus length counts the encoder's pre-skip, which the decoder drops */
	if (st->codecpar->codec_id == AV_CODEC_ID_OPUS && frames > st->codecpar->initial_padding)
		frames -= st->codecpar->initial_padding;
	return frames;
}

/* Adds a decoded frame's samples to the pass; returns 0, or -1 with out->error */
static int
add_frame(Pass *p, const AVFrame *fr, AudioSummary *out)
{
	int			channels = fr->ch_layout.nb_channels;

	if (p->sample_rate == 0)
	{
		if (fr->sample_rate <= 0 || fr->sample_rate > MAX_SAMPLE_RATE)
			return fail(out, "the sample rate is out of range", 0);
		if (channels <= 0 || channels > MAX_CHANNELS)
			return fail(out, "the channel count is out of range", 0);
		p->sample_rate = fr->sample_rate;
		p->channels = channels;
		if (p->expected < 0)
			p->expected = container_frames(p->fmt, p->st, fr->sample_rate);
	}
	else if (fr->sample_rate != p->sample_rate || channels != p->channels)
		return fail(out, "the sample rate or channel count changes inside the stream", 0);

	for (int i = 0; i < fr->nb_samples; i++, p->frame++)
	{
		float		peak = 0;
		int64_t		b;

		if (p->expected <= 0 || p->frame >= p->expected)
			continue;			/* counting only, or more frames than expected */
		for (int c = 0; c < channels; c++)
		{
			float		m = magnitude(sample_at(fr, c, i, channels));

			if (m > peak)
				peak = m;
		}
		b = p->frame * AUDIO_PEAK_BUCKETS / p->expected;
		if (!p->filled[b] || peak > p->peaks[b])
			p->peaks[b] = peak;
		p->filled[b] = 1;
	}
	return 0;
}

/* Whether the codec is one of the PCM family (WAV's sample formats) */
static int
is_pcm(enum AVCodecID id)
{
	return id >= AV_CODEC_ID_PCM_S16LE && id < AV_CODEC_ID_ADPCM_IMA_QT;
}

/* Sends one packet (NULL: flush) and drains the decoder's frames into the pass */
static int
decode_packet(AVCodecContext *dec, AVPacket *pkt, AVFrame *fr, Pass *p, AudioSummary *out)
{
	int			rc;

	/* a partial trailing frame at the end of a WAV data chunk is ignored */
	if (pkt && is_pcm(dec->codec_id) && dec->block_align > 0)
	{
		pkt->size -= pkt->size % dec->block_align;
		if (pkt->size == 0)
			return 0;
	}
	rc = avcodec_send_packet(dec, pkt);

	if (rc < 0 && rc != AVERROR_EOF)
		return fail(out, "the audio stream is damaged", rc);
	for (;;)
	{
		rc = avcodec_receive_frame(dec, fr);
		if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
			return 0;
		if (rc < 0)
			return fail(out, "the audio stream is damaged", rc);
		rc = add_frame(p, fr, out);
		av_frame_unref(fr);
		if (rc < 0)
			return rc;
	}
}

/* Index of the first audio stream, or -1 */
static int
first_audio_stream(const AVFormatContext *fmt)
{
	for (unsigned i = 0; i < fmt->nb_streams; i++)
		if (fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO)
			return (int) i;
	return -1;
}

/* Whether the codec is one convdash decodes */
static int
codec_allowed(enum AVCodecID id)
{
	for (size_t i = 0; i < sizeof(codec_ids) / sizeof(codec_ids[0]); i++)
		if (codec_ids[i] == id)
			return 1;
	return 0;
}

/*
 * One pass over the clip from its first byte: opens the container (only
 * formats), decodes the first audio stream into p. Returns 0, or -1 with
 * out->error.
 */
static int
decode_pass(const AudioSource *src, const char *formats, Pass *p, AudioSummary *out)
{
	IoState		io = {src, 0};
	AVFormatContext *fmt = NULL;
	AVCodecContext *dec = NULL;
	AVDictionary *opts = NULL;
	AVPacket   *pkt = NULL;
	AVFrame    *fr = NULL;
	uint8_t    *iobuf;
	AVIOContext *avio = NULL;
	const AVCodec *codec;
	int			stream;
	int			rc = -1;
	int			err;

	if (src->seek(src->arg, 0) != 0)
		return fail(out, "cannot read the clip from its start", 0);
	iobuf = av_malloc(IO_BUFFER_BYTES);
	if (iobuf)
		avio = avio_alloc_context(iobuf, IO_BUFFER_BYTES, 0, &io, io_read, NULL, io_seek);
	fmt = avformat_alloc_context();
	pkt = av_packet_alloc();
	fr = av_frame_alloc();
	if (!avio || !fmt || !pkt || !fr)
	{
		if (!avio)
			av_free(iobuf);
		fail(out, "out of memory", 0);
		goto done;
	}
	fmt->pb = avio;
	fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
	av_dict_set(&opts, "format_whitelist", formats, 0);
	av_dict_set(&opts, "codec_whitelist", codec_names, 0);
	av_dict_set(&opts, "protocol_whitelist", "", 0);	/* no file or network access from a playlist */
	av_dict_set(&opts, "err_detect", "explode", 0);
	err = avformat_open_input(&fmt, NULL, NULL, &opts);
	av_dict_free(&opts);
	if (err < 0)
	{
		fail(out, "the data is not a file of the format its MIME type names", err);
		goto done;
	}
	/* the stream's parameters (and Matroska's codec delay) come from a short probe */
	err = avformat_find_stream_info(fmt, NULL);
	if (err < 0)
	{
		fail(out, "the audio stream cannot be read", err);
		goto done;
	}
	stream = first_audio_stream(fmt);
	if (stream < 0)
	{
		fail(out, "the file holds no audio stream", 0);
		goto done;
	}
	if (!codec_allowed(fmt->streams[stream]->codecpar->codec_id))
	{
		snprintf(out->error, sizeof(out->error), "the audio codec %s is not supported",
				 avcodec_get_name(fmt->streams[stream]->codecpar->codec_id));
		goto done;
	}
	for (unsigned i = 0; i < fmt->nb_streams; i++)
		fmt->streams[i]->discard = (int) i == stream ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
	p->fmt = fmt;
	p->st = fmt->streams[stream];

	codec = avcodec_find_decoder(fmt->streams[stream]->codecpar->codec_id);
	dec = codec ? avcodec_alloc_context3(codec) : NULL;
	if (!dec || avcodec_parameters_to_context(dec, fmt->streams[stream]->codecpar) < 0)
	{
		fail(out, "no decoder for the audio codec", 0);
		goto done;
	}
	dec->thread_count = 1;
	dec->err_recognition = AV_EF_EXPLODE | AV_EF_CRCCHECK | AV_EF_BITSTREAM;
	dec->pkt_timebase = fmt->streams[stream]->time_base;
	av_dict_set(&opts, "codec_whitelist", codec_names, 0);
	err = avcodec_open2(dec, codec, &opts);
	av_dict_free(&opts);
	if (err < 0)
	{
		fail(out, "the audio codec's parameters are invalid", err);
		goto done;
	}

	while ((err = av_read_frame(fmt, pkt)) >= 0)
	{
		int			r = 0;

		if (pkt->stream_index == stream)
			r = decode_packet(dec, pkt, fr, p, out);
		av_packet_unref(pkt);
		if (r < 0)
			goto done;
	}
	if (err != AVERROR_EOF)
	{
		fail(out, "the container is damaged", err);
		goto done;
	}
	if (decode_packet(dec, NULL, fr, p, out) < 0)
		goto done;
	rc = 0;

done:
	av_frame_free(&fr);
	av_packet_free(&pkt);
	avcodec_free_context(&dec);
	avformat_close_input(&fmt);
	if (avio)
	{
		av_freep(&avio->buffer);
		avio_context_free(&avio);
	}
	return rc;
}

/* Starts a pass that buckets for expected frames */
static void
pass_start(Pass *p, int64_t expected, float *peaks, unsigned char *filled)
{
	memset(p, 0, sizeof(*p));
	p->expected = expected;
	p->peaks = peaks;
	p->filled = filled;
	memset(peaks, 0, sizeof(float) * AUDIO_PEAK_BUCKETS);
	memset(filled, 0, AUDIO_PEAK_BUCKETS);
}

int
audio_decode(const AudioSource *src, const char *formats, AudioSummary *out)
{
	static unsigned char filled[AUDIO_PEAK_BUCKETS];
	Pass		p;

	memset(out, 0, sizeof(*out));
	av_log_set_level(AV_LOG_QUIET);
	av_max_alloc(MAX_ALLOCATION);

	/* the first pass trusts the container's frame count */
	pass_start(&p, -1, out->peaks, filled);
	out->passes = 1;
	if (decode_pass(src, formats, &p, out) < 0)
		return -1;
	if (p.frame > 0 && p.frame != p.expected)
	{
		/* counted only (no or a wrong estimate): bucket with the true count */
		int64_t		frames = p.frame;

		out->passes = 2;
		pass_start(&p, frames, out->peaks, filled);
		if (decode_pass(src, formats, &p, out) < 0)
			return -1;
		if (p.frame != frames)
			return fail(out, "the clip decoded to a different length the second time", 0);
	}
	out->frames = p.frame;
	out->sample_rate = p.sample_rate;
	out->channels = p.channels;
	if (p.frame > 0)
	{
		double		ms = (double) p.frame * 1000.0 / p.sample_rate;

		if (ms > 2147483647.0)
			return fail(out, "the clip is longer than 24 days", 0);
		out->duration_ms = (int32_t) llround(ms);
	}
	/* a clip shorter than the bucket count: a frame spans the buckets up to the next */
	for (int b = 1; b < AUDIO_PEAK_BUCKETS; b++)
		if (!filled[b])
			out->peaks[b] = out->peaks[b - 1];
	return 0;
}
