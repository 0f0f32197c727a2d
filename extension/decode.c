/*
 * decode.c
 *		Duration and waveform peaks of a clip, computed by a separate
 *		process: convdash_decode (decoder/), installed beside this library.
 *
 * Untrusted media never reaches a decoder inside the backend: a crash
 * there would restart the whole cluster. The bytes fed in are spooled to a
 * temporary file (seekable, so MP4 with its index at the end and a second
 * pass work), which becomes the standard input of convdash_decode. The
 * program caps its own address space (convdash.decode_memory) and CPU time
 * before reading a byte; here a wall-clock deadline (convdash.decode_timeout)
 * kills it, and so does a query cancel. Whatever goes wrong with the clip
 * (a decoding error, a crash, the deadline) is a 22023 error naming it.
 */
#include "postgres.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "convdash.h"
#include "decode.h"

/* The decoder program's name in the package library directory */
#define DECODER_NAME "convdash_decode"

/* Largest answer: a status line and the peaks */
#define ANSWER_MAX (256 + PEAKS_MAX_BUCKETS * sizeof(float4))

struct ClipDecoder
{
	File		file;			/* the spooled clip */
	off_t		size;
	char	   *formats;
	char	   *mime;
};

/* A running decoder process */
typedef struct Child
{
	pid_t		pid;
	int			out;			/* read end of its standard output */
} Child;

/* Raises 22023 for a clip that cannot be decoded, naming why */
#define decode_error(dec, ...) \
	ereport(ERROR, \
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE), \
			 errmsg("invalid %s audio: %s", (dec)->mime, psprintf(__VA_ARGS__)), \
			 err_generic_string(PG_DIAG_COLUMN_NAME, "data")))

ClipDecoder *
clip_decoder_start(const char *formats, const char *mime)
{
	ClipDecoder *dec = palloc0(sizeof(ClipDecoder));

	dec->file = OpenTemporaryFile(false);
	dec->formats = pstrdup(formats);
	dec->mime = pstrdup(mime);
	return dec;
}

void
clip_decoder_feed(ClipDecoder *dec, const uint8 *data, int len)
{
	if (FileWrite(dec->file, (char *) data, len, dec->size, WAIT_EVENT_BUFFILE_WRITE) != len)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not write the clip to a temporary file: %m")));
	dec->size += len;
}

/* Starts convdash_decode with the spooled clip as its standard input */
static Child
spawn_decoder(ClipDecoder *dec)
{
	char		path[MAXPGPATH];
	char		cpu[16];
	char		mem[16];
	char	   *argv[5];
	char	   *envp[] = {NULL};
	int			pipefd[2];
	int			in;
	posix_spawn_file_actions_t fa;
	Child		child;
	int			rc;

	snprintf(path, sizeof(path), "%s/%s", pkglib_path, DECODER_NAME);
	/* CPU time backs up the wall-clock deadline: one second more, rounded up */
	snprintf(cpu, sizeof(cpu), "%d", convdash_decode_timeout_ms / 1000 + 2);
	snprintf(mem, sizeof(mem), "%d", convdash_decode_memory_mb);
	argv[0] = path;
	argv[1] = dec->formats;
	argv[2] = cpu;
	argv[3] = mem;
	argv[4] = NULL;

	if (FileSize(dec->file) < 0)	/* reopens the file if the fd cache closed it */
		ereport(ERROR, (errcode_for_file_access(), errmsg("could not reopen the spooled clip: %m")));
	in = FileGetRawDesc(dec->file);
	if (pipe(pipefd) != 0)
		ereport(ERROR, (errcode_for_file_access(), errmsg("could not create a pipe: %m")));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	rc = posix_spawn(&child.pid, path, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc != 0)
	{
		close(pipefd[0]);
		errno = rc;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not run the audio decoder \"%s\": %m", path),
				 errhint("It is installed with the extension (make install).")));
	}
	child.out = pipefd[0];
	return child;
}

/* Kills the child (if still running) and reaps it; returns its wait status */
static int
reap(Child *child, bool kill_it)
{
	int			status = 0;

	if (kill_it)
		kill(child->pid, SIGKILL);
	while (waitpid(child->pid, &status, 0) < 0 && errno == EINTR)
		;
	close(child->out);
	return status;
}

/*
 * Reads the child's whole answer into buf (at most ANSWER_MAX bytes) before
 * the deadline; returns its length, or -1 when the deadline passed.
 */
static int
read_answer(Child *child, char *buf, TimestampTz deadline)
{
	int			len = 0;

	for (;;)
	{
		long		ms = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
		struct pollfd pfd = {child->out, POLLIN, 0};
		ssize_t		n;

		if (ms <= 0)
			return -1;
		CHECK_FOR_INTERRUPTS();
		if (poll(&pfd, 1, (int) Min(ms, 100)) <= 0)
			continue;
		n = read(child->out, buf + len, ANSWER_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return len;			/* end of the answer (or too long: parsed as an error) */
		len += n;
		if (len == ANSWER_MAX)
			return len;
	}
}

void
clip_decoder_finish(ClipDecoder *dec, int32 *duration_ms, float4 *peaks)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), convdash_decode_timeout_ms);
	char	   *buf = palloc(ANSWER_MAX + 1);
	Child		child = spawn_decoder(dec);
	volatile int len = -1;
	int			status;
	char	   *nl;
	int			dur;

	PG_TRY();
	{
		len = read_answer(&child, buf, deadline);
	}
	PG_CATCH();
	{
		reap(&child, true);		/* a cancel or an error: the decoder goes too */
		PG_RE_THROW();
	}
	PG_END_TRY();
	status = reap(&child, len < 0);
	FileClose(dec->file);

	if (len < 0)
		decode_error(dec, "decoding took longer than %d ms", convdash_decode_timeout_ms);
	if (WIFSIGNALED(status))
		decode_error(dec, WTERMSIG(status) == SIGXCPU ? "decoding used more CPU time than allowed"
					 : "the decoder stopped on signal %d", WTERMSIG(status));
	buf[len] = '\0';
	nl = memchr(buf, '\n', len);
	if (nl == NULL)
		decode_error(dec, "the decoder gave no answer (exit status %d)", WEXITSTATUS(status));
	*nl = '\0';
	if (strncmp(buf, "error ", 6) == 0)
		decode_error(dec, "%s", buf + 6);
	if (WEXITSTATUS(status) != 0 || sscanf(buf, "ok %d", &dur) != 1 || dur < 0 ||
		len - (nl + 1 - buf) != PEAKS_MAX_BUCKETS * sizeof(float4))
		decode_error(dec, "the decoder's answer is malformed (exit status %d)", WEXITSTATUS(status));
	*duration_ms = dur;
	memcpy(peaks, nl + 1, PEAKS_MAX_BUCKETS * sizeof(float4));
	for (int b = 0; b < PEAKS_MAX_BUCKETS; b++)
		if (!(peaks[b] >= 0 && peaks[b] <= 1))	/* NaN or out of range: not trusted */
			peaks[b] = peaks[b] > 1 ? 1 : 0;
	pfree(buf);
}
