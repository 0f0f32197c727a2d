/* events_clients: N subscribers of GET /api/v1/events for bench/events.sh.
 *
 *   events_clients PORT KEY N SECONDS
 *
 * Opens N streams to 127.0.0.1:PORT with the key, prints "ready" once every
 * stream has answered 200 and its first line, then reads them all for
 * SECONDS. For every message.created event each stream receives, the latency
 * is the time of receipt minus the event's created_at (the message's
 * transaction start, a fraction of a millisecond before its commit on the
 * bench's short transactions; same machine, same clock). At the end prints
 *   events: subscribers=N received=R min_per_stream=A max_per_stream=B p50=.. p95=.. p99=.. max=.. (ms)
 * Exits 1 when a stream could not be opened or ended early. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_STREAMS 1024
#define MAX_SAMPLES 4000000
#define LINE_MAX_LEN 16384

typedef struct stream
{
	int			fd;
	char		line[LINE_MAX_LEN];
	size_t		len;
	int			header_done;	/* the HTTP head has been read */
	int			message_event;	/* the frame being read is a message.created */
	long		received;
} stream;

static stream streams[MAX_STREAMS];
static double *samples;
static long nsamples;

/* Wall-clock seconds (the clock created_at was taken on). */
static double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Parses an RFC 3339 timestamp with an offset ("2026-12-02T05:45:35.832058+00:00")
 * into epoch seconds; returns -1 when it is not one. */
static double parse_time(const char *s)
{
	struct tm	tm = {0};
	int			consumed = 0, oh = 0, om = 0;
	double		frac = 0, t;
	const char *p;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	p = s + consumed;
	if (*p == '.')
	{
		double		scale = 0.1;

		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	t = (double) timegm(&tm) + frac;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2)
		t -= (*p == '+' ? 1 : -1) * (oh * 3600.0 + om * 60.0);
	return t;
}

/* Handles one complete line of a stream (without its newline). */
static void on_line(stream *s, const char *line, double received)
{
	const char *at;

	if (!s->header_done)
	{
		if (line[0] == '\0')
			s->header_done = 1;
		return;
	}
	if (strncmp(line, "event: ", 7) == 0)
		s->message_event = strcmp(line + 7, "message.created") == 0;
	else if (line[0] == '\0')
		s->message_event = 0;
	else if (s->message_event && strncmp(line, "data: ", 6) == 0 &&
			 (at = strstr(line, "\"created_at\": \"")) != NULL)
	{
		double		t = parse_time(at + 15);

		s->received++;
		if (t > 0 && nsamples < MAX_SAMPLES)
			samples[nsamples++] = (received - t) * 1000.0;
	}
}

/* Reads what a stream has; returns -1 when it ended. */
static int on_readable(stream *s)
{
	char		buf[65536];
	ssize_t		n = read(s->fd, buf, sizeof buf);
	double		received = now_real();

	if (n <= 0)
		return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	for (ssize_t i = 0; i < n; i++)
	{
		if (buf[i] == '\n')
		{
			if (s->len > 0 && s->line[s->len - 1] == '\r')
				s->len--;
			s->line[s->len] = '\0';
			on_line(s, s->line, received);
			s->len = 0;
		}
		else if (s->len < LINE_MAX_LEN - 1)
			s->line[s->len++] = buf[i];
	}
	return 0;
}

/* Opens one stream; returns its socket or -1. */
static int open_stream(int port, const char *key)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port)};
	char		req[1024];
	int			fd = socket(AF_INET, SOCK_STREAM, 0), n;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *) &addr, sizeof addr) != 0)
		return -1;
	n = snprintf(req, sizeof req, "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				 "Authorization: Bearer %s\r\nAccept: text/event-stream\r\n\r\n", key);
	if (write(fd, req, (size_t) n) != n)
	{
		close(fd);
		return -1;
	}
	return fd;
}

/* Orders doubles ascending (qsort). */
static int cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a, y = *(const double *) b;

	return x < y ? -1 : x > y;
}

/* The q-quantile of the sorted samples. */
static double quantile(double q)
{
	long		i = (long) (q * (double) (nsamples - 1) + 0.5);

	return nsamples ? samples[i] : 0;
}

/* Opens the streams, waits for them to be ready, reads, reports. */
int main(int argc, char **argv)
{
	struct pollfd fds[MAX_STREAMS];
	int			port, n, seconds, i, ended = 0;
	long		lo = -1, hi = 0, total = 0;
	double		until;

	if (argc != 5 || (n = atoi(argv[3])) < 1 || n > MAX_STREAMS)
	{
		fprintf(stderr, "usage: events_clients PORT KEY N(1-%d) SECONDS\n", MAX_STREAMS);
		return 2;
	}
	port = atoi(argv[1]);
	seconds = atoi(argv[4]);
	samples = malloc(sizeof(double) * MAX_SAMPLES);
	if (samples == NULL)
		return 2;
	for (i = 0; i < n; i++)
	{
		char		head[256];
		ssize_t		got;

		streams[i].fd = open_stream(port, argv[2]);
		if (streams[i].fd < 0)
		{
			fprintf(stderr, "stream %d: cannot connect\n", i);
			return 1;
		}
		/* the head and the hello comment come at once: the stream is registered */
		got = recv(streams[i].fd, head, sizeof head - 1, 0);
		if (got < 12 || strncmp(head, "HTTP/1.1 200", 12) != 0)
		{
			head[got > 0 ? got : 0] = '\0';
			fprintf(stderr, "stream %d: %.60s\n", i, head);
			return 1;
		}
		/* skip the rest of the head: everything until the blank line was in this read */
		streams[i].header_done = 1;
		fds[i].fd = streams[i].fd;
		fds[i].events = POLLIN;
	}
	printf("ready\n");
	fflush(stdout);
	until = now_real() + seconds;
	while (now_real() < until && !ended)
	{
		int			ready = poll(fds, (nfds_t) n, 100);

		for (i = 0; i < n && ready > 0; i++)
		{
			if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (on_readable(&streams[i]) < 0)
			{
				fprintf(stderr, "stream %d ended early\n", i);
				ended = 1;
			}
		}
	}
	for (i = 0; i < n; i++)
	{
		total += streams[i].received;
		if (lo < 0 || streams[i].received < lo)
			lo = streams[i].received;
		if (streams[i].received > hi)
			hi = streams[i].received;
		close(streams[i].fd);
	}
	qsort(samples, (size_t) nsamples, sizeof(double), cmp_double);
	printf("events: subscribers=%d received=%ld min_per_stream=%ld max_per_stream=%ld p50=%.1f p95=%.1f p99=%.1f max=%.1f\n",
		   n, total, lo, hi, quantile(0.50), quantile(0.95), quantile(0.99), nsamples ? samples[nsamples - 1] : 0);
	free(samples);
	return ended ? 1 : 0;
}
