/* slowclients: hostile and busy HTTP clients against the service, and a
 * probe that measures how a normal client is served meanwhile. Used by the
 * API suite (test/api/run.sh) and bench/slowclients.sh.
 *
 *   slowclients PORT MODE N SECONDS [KEY] [PATH]
 *
 * Modes (N connections or clients, for SECONDS, against 127.0.0.1:PORT):
 *   stall      connect and send nothing
 *   headers    send a request head one byte per second, never finishing it
 *   body       POST PATH with a complete head (with KEY when not "-") and
 *              Content-Length: 100, then one body byte per second
 *   keepalive  GET PATH with KEY every 0.5 s on one keep-alive connection,
 *              reconnecting when the server closes it
 *   probe      N sequential clients' worth: GET each comma-separated PATH in
 *              turn on a new connection, as fast as answers come
 *
 * Attack modes print "<mode>: n=N closed=C first_close=S last_close=S
 * statuses=..." (how many connections the server closed, when, and the
 * statuses it answered with); keepalive prints requests, failures and
 * reconnections; probe prints "probe: n= fail= slow= p50= p99= max=" in ms
 * (fail: not 200; slow: over 1 s). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 1024
#define MAX_SAMPLES 200000

static int	port;
static const char *mode;
static double seconds;
static const char *key;
static const char *path;
static double t0;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int	closed, requests, failures, reconnects;
static double first_close = -1, last_close = -1;
static int	statuses[600];

/* Seconds on the monotonic clock since the start. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9 - t0;
}

/* A connected socket to the service, or -1. */
static int dial(void)
{
	struct sockaddr_in sa;
	int			fd = socket(AF_INET, SOCK_STREAM, 0);
	int			one = 1;

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short) port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *) &sa, sizeof sa) != 0)
	{
		close(fd);
		return -1;
	}
	return fd;
}

/* Waits up to ms for the server to answer or close; records the status of an
 * answer and the time of a close. Returns 1 when the connection is over. */
static int server_done(int fd, int ms)
{
	struct pollfd p = {fd, POLLIN, 0};
	char		buf[4096];
	ssize_t		n;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	n = recv(fd, buf, sizeof buf - 1, 0);
	pthread_mutex_lock(&lock);
	if (n > 12 && strncmp(buf, "HTTP/1.", 7) == 0)
	{
		int			st = atoi(buf + 9);

		if (st > 0 && st < 600)
			statuses[st]++;
	}
	closed++;
	if (first_close < 0)
		first_close = now();
	last_close = now();
	pthread_mutex_unlock(&lock);
	return 1;
}

/* One hostile connection: stall, trickle a head, or trickle a body. */
static void *attacker(void *arg)
{
	int			fd = dial();
	char		head[1024];
	int			i = 0;

	(void) arg;
	if (fd < 0)
		return NULL;
	if (strcmp(mode, "body") == 0)
	{
		int			n = snprintf(head, sizeof head, "POST %s HTTP/1.1\r\nHost: x\r\n%s%s%s"
								 "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n",
								 path, strcmp(key, "-") ? "Authorization: Bearer " : "",
								 strcmp(key, "-") ? key : "", strcmp(key, "-") ? "\r\n" : "");

		if (send(fd, head, (size_t) n, MSG_NOSIGNAL) != n)
			goto out;
	}
	else if (strcmp(mode, "headers") == 0)
		snprintf(head, sizeof head, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ");
	while (now() < seconds)
	{
		if (server_done(fd, 1000))
			goto out;
		if (strcmp(mode, "headers") == 0)
		{
			char		c = head[i] ? head[i++] : 'a';

			if (send(fd, &c, 1, MSG_NOSIGNAL) != 1)
				break;
		}
		else if (strcmp(mode, "body") == 0 && send(fd, "{", 1, MSG_NOSIGNAL) != 1)
			break;
	}
	server_done(fd, 0);
out:
	close(fd);
	return NULL;
}

/* Sends a GET and reads its whole answer; returns the status, or -1 when the
 * connection failed (closed before or during the answer). */
static int get(int fd, const char *target, int keep)
{
	char		buf[65536];
	int			n = snprintf(buf, sizeof buf, "GET %s HTTP/1.1\r\nHost: x\r\n%s%s%sConnection: %s\r\n\r\n",
							 target, strcmp(key, "-") ? "Authorization: Bearer " : "",
							 strcmp(key, "-") ? key : "", strcmp(key, "-") ? "\r\n" : "",
							 keep ? "keep-alive" : "close");
	size_t		used = 0;
	long		length = -1;
	char	   *end = NULL;

	if (send(fd, buf, (size_t) n, MSG_NOSIGNAL) != n)
		return -1;
	for (;;)
	{
		ssize_t		got = recv(fd, buf + used, sizeof buf - 1 - used, 0);

		if (got <= 0)
			return end != NULL && length < 0 ? atoi(buf + 9) : -1;
		used += (size_t) got;
		buf[used] = '\0';
		if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL)
		{
			char	   *cl = strcasestr(buf, "\r\nContent-Length:");

			length = cl != NULL && cl < end ? atol(cl + 17) : -1;
		}
		if (end != NULL && length >= 0 && used >= (size_t) (end + 4 - buf) + (size_t) length)
			return atoi(buf + 9);
		if (used >= sizeof buf - 1)
			return -1;			/* answers here are small: a longer one is a failure */
	}
}

/* One busy keep-alive client: a request every 0.5 s. */
static void *busy(void *arg)
{
	int			fd = -1;

	(void) arg;
	while (now() < seconds)
	{
		double		start;
		int			st;

		if (fd < 0 && (fd = dial()) < 0)
			break;
		start = now();
		st = get(fd, path, 1);
		if (st < 0)
		{
			/* the server closed the idle connection: allowed, reconnect and retry once */
			close(fd);
			fd = dial();
			pthread_mutex_lock(&lock);
			reconnects++;
			pthread_mutex_unlock(&lock);
			start = now();
			st = fd < 0 ? -1 : get(fd, path, 1);
		}
		pthread_mutex_lock(&lock);
		requests++;
		if (st != 200 || now() - start > 1.0)
			failures++;
		pthread_mutex_unlock(&lock);
		usleep(500000);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* Orders doubles. */
static int cmp(const void *a, const void *b)
{
	double		x = *(const double *) a, y = *(const double *) b;

	return x < y ? -1 : x > y;
}

/* Sequential normal requests; prints their latency percentiles. */
static int probe(void)
{
	static double ms[MAX_SAMPLES];
	char	   *paths = strdup(path), *save = NULL, *targets[16];
	int			ntargets = 0, n = 0, fail = 0, slow = 0;
	char	   *t;

	for (t = strtok_r(paths, ",", &save); t != NULL && ntargets < 16; t = strtok_r(NULL, ",", &save))
		targets[ntargets++] = t;
	while (now() < seconds && n < MAX_SAMPLES && ntargets > 0)
	{
		double		start = now();
		int			fd = dial();
		int			st = fd < 0 ? -1 : get(fd, targets[n % ntargets], 0);

		if (fd >= 0)
			close(fd);
		ms[n] = (now() - start) * 1000.0;
		fail += st != 200;
		slow += ms[n] > 1000.0;
		n++;
	}
	qsort(ms, (size_t) n, sizeof ms[0], cmp);
	printf("probe: n=%d fail=%d slow=%d p50=%.1f p99=%.1f max=%.1f\n", n, fail, slow,
		   n ? ms[n / 2] : 0.0, n ? ms[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] : 0.0, n ? ms[n - 1] : 0.0);
	free(paths);
	return 0;
}

/* Parses the arguments, runs the mode, prints its summary. */
int main(int argc, char **argv)
{
	pthread_t	th[MAX_CLIENTS];
	int			n, i, s;
	struct timespec ts;

	if (argc < 5)
	{
		fprintf(stderr, "usage: slowclients PORT stall|headers|body|keepalive|probe N SECONDS [KEY] [PATH]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
	port = atoi(argv[1]);
	mode = argv[2];
	n = atoi(argv[3]);
	seconds = atof(argv[4]);
	key = argc > 5 ? argv[5] : "-";
	path = argc > 6 ? argv[6] : "/healthz";
	if (n < 1 || n > MAX_CLIENTS)
		n = 1;
	if (strcmp(mode, "probe") == 0)
		return probe();
	for (i = 0; i < n; i++)
		pthread_create(&th[i], NULL, strcmp(mode, "keepalive") == 0 ? busy : attacker, NULL);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	if (strcmp(mode, "keepalive") == 0)
	{
		printf("keepalive: n=%d requests=%d failures=%d reconnects=%d\n", n, requests, failures, reconnects);
		return 0;
	}
	printf("%s: n=%d closed=%d first_close=%.1f last_close=%.1f statuses=", mode, n, closed, first_close, last_close);
	for (s = 100; s < 600; s++)
		if (statuses[s] > 0)
			printf("%d:%d,", s, statuses[s]);
	printf("\n");
	return 0;
}
