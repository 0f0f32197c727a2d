/*
 * fuzz.c
 *		libFuzzer harness over audio_decode: the input is a whole clip, the
 *		allowed containers come from CONVDASH_FUZZ_FORMATS (default: every
 *		one convdash accepts), so one run per format drives each container
 *		and codec entry point (decoder/fuzz.sh). Built with ASan and UBSan.
 */
#include <stdlib.h>
#include <string.h>

#include "audio_decode.h"

/* A clip in memory with a read position */
typedef struct MemClip
{
	const uint8_t *data;
	size_t		size;
	size_t		pos;
} MemClip;

/* AudioReadFn over memory */
static int
mem_read(void *arg, uint8_t *buf, int len)
{
	MemClip    *m = arg;
	size_t		n = m->size - m->pos;

	if (n > (size_t) len)
		n = len;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (int) n;
}

/* AudioSeekFn over memory */
static int
mem_seek(void *arg, int64_t offset)
{
	MemClip    *m = arg;

	if (offset < 0 || (size_t) offset > m->size)
		return -1;
	m->pos = (size_t) offset;
	return 0;
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static AudioSummary sum;
	const char *formats = getenv("CONVDASH_FUZZ_FORMATS");
	MemClip		m = {data, size, 0};
	AudioSource src = {mem_read, mem_seek, &m, (int64_t) size};

	if (formats == NULL)
		formats = "wav,flac,ogg,webm,mp3,mp4";
	if (audio_decode(&src, formats, &sum) == 0 &&
		(sum.frames < 0 || sum.duration_ms < 0 || sum.peaks[0] < 0 || sum.peaks[0] > 1))
		abort();				/* a success must describe real audio */
	return 0;
}
