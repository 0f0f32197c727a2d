/*
 * main.c
 *		convdash_decode: the short-lived process the extension runs for each
 *		clip it decodes (extension/decode.c). Before it looks at a byte it
 *		caps its own address space, CPU time, file writes, open files and
 *		child processes, and asks to die with its parent; then it decodes
 *		the clip on its standard input (a seekable file) and answers on
 *		standard output:
 *			ok <duration_ms> <frames> <sample_rate> <channels> <passes>\n
 *			followed by AUDIO_PEAK_BUCKETS native floats
 *		or
 *			error <message>\n   (exit status 2)
 *
 * Usage: convdash_decode FORMATS CPU_SECONDS MEMORY_MB
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio_decode.h"

/* Sets a resource limit (soft and hard); exits when it cannot */
static void
limit(int resource, rlim_t soft, rlim_t hard, const char *name)
{
	struct rlimit rl = {soft, hard};

	if (setrlimit(resource, &rl) != 0)
	{
		printf("error cannot limit %s: %s\n", name, strerror(errno));
		exit(2);
	}
}

/* AudioReadFn over standard input */
static int
fd_read(void *arg, uint8_t *buf, int len)
{
	ssize_t		n;

	do
		n = read(0, buf, len);
	while (n < 0 && errno == EINTR);
	return (int) n;
}

/* AudioSeekFn over standard input */
static int
fd_seek(void *arg, int64_t offset)
{
	return lseek(0, offset, SEEK_SET) == offset ? 0 : -1;
}

/* Writes all of buf to standard output; exits on failure */
static void
write_all(const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0)
	{
		ssize_t		n = write(1, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			exit(3);
		p += n;
		len -= n;
	}
}

int
main(int argc, char **argv)
{
	static AudioSummary sum;
	AudioSource src = {fd_read, fd_seek, NULL, 0};
	struct stat st;
	char		line[256];
	long		cpu;
	long		mb;

	if (argc != 4 || (cpu = atol(argv[2])) <= 0 || (mb = atol(argv[3])) <= 0)
	{
		printf("error usage: convdash_decode FORMATS CPU_SECONDS MEMORY_MB\n");
		return 2;
	}
	/* the limits come first: nothing untrusted has been read yet */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	limit(RLIMIT_CPU, (rlim_t) cpu, (rlim_t) cpu + 1, "CPU time");
	limit(RLIMIT_AS, (rlim_t) mb * 1024 * 1024, (rlim_t) mb * 1024 * 1024, "memory");
	limit(RLIMIT_FSIZE, 0, 0, "file size");
	limit(RLIMIT_CORE, 0, 0, "core dumps");
	limit(RLIMIT_NOFILE, 8, 8, "open files");
	if (getppid() == 1)
		return 2;				/* the parent died before PDEATHSIG was set */

	if (fstat(0, &st) != 0 || !S_ISREG(st.st_mode))
	{
		printf("error standard input must be a regular file\n");
		return 2;
	}
	src.size = st.st_size;
	if (audio_decode(&src, argv[1], &sum) != 0)
	{
		snprintf(line, sizeof(line), "error %s\n", sum.error);
		write_all(line, strlen(line));
		return 2;
	}
	snprintf(line, sizeof(line), "ok %d %lld %d %d %d\n", (int) sum.duration_ms,
			 (long long) sum.frames, sum.sample_rate, sum.channels, sum.passes);
	write_all(line, strlen(line));
	write_all(sum.peaks, sizeof(sum.peaks));
	return 0;
}
