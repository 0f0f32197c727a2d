/*
 * audio_read.c
 *		Client-side read throughput of one clip, in binary results, by the
 *		routes an audio byte can take: convdash.audio_read, plain lo_get on
 *		the clip's large object (the baseline of PERFORMANCE.md), a bytea
 *		column holding the same bytes, for ranges also the statement the
 *		HTTP service runs for a small range (audio_range) and the one it ran
 *		before (audio_info with audio_read), and, given a second clip of the
 *		same bytes kept as chunks, convdash.audio_read of that one, and given
 *		the HTTP service (AUDIO_READ_HTTP="port key"), GET /api/v1/audio/{id}
 *		on one keep-alive connection, so that the service and its baseline
 *		are timed by one client in the same rounds.
 *		Each is read whole (one call) and by 64 KiB ranges, `rounds` times,
 *		the methods interleaved within each round so that the load of a
 *		shared machine hits them alike; prints one line per method: name,
 *		median MB/s, p95 ms per clip read.
 *
 * Usage: audio_read <account id> <clip id> <loid> <bytea table> <bytes> <rounds> [<chunk clip id>]
 * (connection from the PG* environment; the service's port and an API key of
 * the clip's account in AUDIO_READ_HTTP="port key", optional).
 */
#define _GNU_SOURCE				/* strcasestr */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#define RANGE_BYTES 65536

/* One way of reading the clip: the statement and whether it takes a range */
typedef struct Method
{
	const char *name;
	const char *sql;			/* $1 = id, $2 = offset, $3 = length (ranges); NULL: over HTTP */
	int			ranged;
} Method;

/* The HTTP service's connection: a keep-alive socket, the key, a buffer */
typedef struct Http
{
	int			fd;
	int			port;
	const char *key;
	char		buf[65536 + 4096];
} Http;

static Http http = {-1, 0, NULL, {0}};

/* Seconds on the monotonic clock */
static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Exits with the connection's error message */
static void
die(PGconn *conn, const char *what)
{
	fprintf(stderr, "audio_read: %s: %s", what, PQerrorMessage(conn));
	PQfinish(conn);
	exit(1);
}

/* Runs one statement with text parameters and a binary result; returns the bytes of its value */
static long
fetch(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
	PGresult   *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 1);
	long		n;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		die(conn, sql);
	n = PQgetlength(res, 0, PQnfields(res) - 1);
	PQclear(res);
	return n;
}

/* Exits with a message about the HTTP exchange */
static void
die_http(const char *what)
{
	fprintf(stderr, "audio_read: HTTP: %s\n", what);
	exit(1);
}

/* Opens the keep-alive connection to the service on 127.0.0.1:port */
static void
http_connect(int port)
{
	http.port = port;
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
	int			one = 1;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	http.fd = socket(AF_INET, SOCK_STREAM, 0);
	if (http.fd < 0 || connect(http.fd, (struct sockaddr *) &addr, sizeof addr) != 0)
		die_http("cannot connect");
	setsockopt(http.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/*
 * GET /api/v1/audio/{id}, bytes [first, first + n) or the whole clip when n
 * is 0; returns the body's length (its bytes are read and dropped). The
 * answer must be 200 or 206 with a Content-Length; when the service closes
 * the connection after it (its keep-alive limit), the next request opens a
 * new one, as a browser would, and that time counts.
 */
static long
http_get(const char *id, long first, long n)
{
	char		req[512];
	char		range[64] = "";
	long		have = 0, head = 0, body, got;
	char	   *end, *cl;
	int			closing;

	if (n > 0)
		snprintf(range, sizeof range, "Range: bytes=%ld-%ld\r\n", first, first + n - 1);
	snprintf(req, sizeof req, "GET /api/v1/audio/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			 "Authorization: Bearer %s\r\n%s\r\n", id, http.key, range);
	if (send(http.fd, req, strlen(req), 0) != (ssize_t) strlen(req))
		die_http("cannot send");
	for (;;)
	{
		got = recv(http.fd, http.buf + have, sizeof http.buf - 1 - have, 0);
		if (got <= 0)
			die_http("the connection closed before the headers ended");
		have += got;
		http.buf[have] = '\0';
		if ((end = strstr(http.buf, "\r\n\r\n")) != NULL)
			break;
		if (have == (long) sizeof http.buf - 1)
			die_http("headers too long");
	}
	head = end + 4 - http.buf;
	*end = '\0';
	if (strncmp(http.buf, "HTTP/1.1 20", 11) != 0 || (http.buf[11] != '0' && http.buf[11] != '6'))
		die_http(http.buf);
	for (cl = http.buf; (cl = strchr(cl, '\n')) != NULL && strncasecmp(cl + 1, "Content-Length:", 15) != 0; cl++)
		;
	if (cl == NULL)
		die_http("no Content-Length");
	closing = strcasestr(http.buf, "\nConnection: close") != NULL;
	body = atol(cl + 16);
	for (got = have - head; got < body;)
	{
		long		r = recv(http.fd, http.buf, sizeof http.buf, 0);

		if (r <= 0)
			die_http("the connection closed in the body");
		got += r;
	}
	if (got != body)
		die_http("more bytes than the Content-Length");
	if (closing)
	{
		close(http.fd);
		http_connect(http.port);
	}
	return body;
}

/* Reads the whole clip once by the method; returns the bytes read */
static long
read_clip(PGconn *conn, const Method *m, const char *id, long size)
{
	char		off[32];
	char		len[32];
	const char *params[3] = {id, off, len};
	long		got = 0;

	if (!m->ranged)
	{
		if (m->sql == NULL)
			return http_get(id, 0, 0);
		snprintf(off, sizeof(off), "0");
		snprintf(len, sizeof(len), "%ld", size);
		return fetch(conn, m->sql, strstr(m->sql, "$3") ? 3 : 1, params);
	}
	for (long o = 0; o < size; o += RANGE_BYTES)
	{
		if (m->sql == NULL)
		{
			got += http_get(id, o, RANGE_BYTES);
			continue;
		}
		snprintf(off, sizeof(off), "%ld", o);
		snprintf(len, sizeof(len), "%d", RANGE_BYTES);
		got += fetch(conn, m->sql, 3, params);
	}
	return got;
}

/* qsort comparator of doubles */
static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Prints a method's line from its sorted read times */
static void
report(const Method *m, double *secs, int rounds, long size)
{
	int			p95 = (int) (rounds * 0.95);

	qsort(secs, rounds, sizeof(double), cmp_double);
	printf("%s\t%.0f\t%.2f\n", m->name, size / 1048576.0 / secs[rounds / 2],
		   secs[p95 < rounds ? p95 : rounds - 1] * 1000);
}

/*
 * Times rounds reads of the clip by every method, interleaved (each round
 * reads once by each method, so load on a shared machine hits all alike),
 * and prints one line per method.
 */
static void
bench(PGconn *conn, const Method *methods, const char *const *ids, int n, long size, int rounds)
{
	double	   *secs = malloc(sizeof(double) * rounds * n);

	for (int i = 0; i < n; i++)
		read_clip(conn, &methods[i], ids[i], size);	/* warm-up */
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < n; i++)
		{
			double		t0 = now_seconds();

			if (read_clip(conn, &methods[i], ids[i], size) != size)
			{
				fprintf(stderr, "audio_read: %s read a wrong number of bytes\n", methods[i].name);
				exit(1);
			}
			secs[i * rounds + r] = now_seconds() - t0;
		}
	for (int i = 0; i < n; i++)
		report(&methods[i], secs + i * rounds, rounds, size);
	free(secs);
}

/* Connects, sets the tenant and runs every method */
int
main(int argc, char **argv)
{
	PGconn	   *conn;
	char		sql_whole[256];
	char		sql_range[256];
	long		size;
	int			rounds;
	int			http_port;

	if (argc != 7 && argc != 8)
	{
		fprintf(stderr, "usage: audio_read <account id> <clip id> <loid> <bytea table> <bytes> <rounds> [<chunk clip id>]\n");
		return 2;
	}
	size = atol(argv[5]);
	rounds = atoi(argv[6]);
	conn = PQconnectdb("");
	if (PQstatus(conn) != CONNECTION_OK)
		die(conn, "connect");
	{
		const char *params[1] = {argv[1]};
		PGresult   *res = PQexecParams(conn, "SELECT set_config('convdash.account_id', $1, false)",
									   1, NULL, params, NULL, NULL, 0);

		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			die(conn, "set tenant");
		PQclear(res);
	}
	snprintf(sql_whole, sizeof(sql_whole), "SELECT data FROM %s WHERE id = $1", argv[4]);
	snprintf(sql_range, sizeof(sql_range), "SELECT substring(data FROM $2::int + 1 FOR $3::int) FROM %s WHERE id = $1", argv[4]);
	if (getenv("AUDIO_READ_HTTP") != NULL)
	{
		static char http_key[256];

		if (sscanf(getenv("AUDIO_READ_HTTP"), "%d %255s", &http_port, http_key) != 2)
			die_http("AUDIO_READ_HTTP must be \"port key\"");
		http.key = http_key;
		http_connect(http_port);
	}
	{
		const char *chunk_clip = argc == 8 ? argv[7] : NULL;
		/* every method with its clip (the chunk clip's and HTTP's only when given), in two groups */
		const struct
		{
			Method		m;
			const char *id;
			int			available;
		}			all[] = {
			{{"audio_read whole", "SELECT convdash.audio_read($1, $2, $3)", 0}, argv[2], 1},
			{{"lo_get whole (baseline)", "SELECT lo_get($1)", 0}, argv[3], 1},
			{{"bytea column whole", sql_whole, 0}, "1", 1},
			{{"audio_read whole, chunks", "SELECT convdash.audio_read($1, $2, $3)", 0}, chunk_clip, chunk_clip != NULL},
			{{"HTTP whole (the service)", NULL, 0}, argv[2], http.fd >= 0},
			{{"audio_read 64KiB ranges", "SELECT convdash.audio_read($1, $2, $3)", 1}, argv[2], 1},
			{{"lo_get 64KiB ranges (baseline)", "SELECT lo_get($1, $2, $3)", 1}, argv[3], 1},
			{{"bytea column 64KiB ranges", sql_range, 1}, "1", 1},
			{{"audio_range 64KiB ranges (the service's statement)",
				"SELECT (s.r).bytes, (s.r).mime, (s.r).sha256, (s.r).data"
			" FROM (SELECT convdash.audio_range($1, $2, $3) AS r OFFSET 0) AS s", 1}, argv[2], 1},
			{{"audio_info + audio_read 64KiB ranges (the service's statement before audio_range)",
			"SELECT convdash.audio_info($1), convdash.audio_read($1, $2, $3)", 1}, argv[2], 1},
			{{"audio_read 64KiB ranges, chunks", "SELECT convdash.audio_read($1, $2, $3)", 1}, chunk_clip, chunk_clip != NULL},
			{{"HTTP 64KiB ranges (the service)", NULL, 1}, argv[2], http.fd >= 0},
		};
		int			count = sizeof all / sizeof all[0];

		/* whole reads, then ranges: each group interleaved in its own rounds */
		for (int ranged = 0; ranged <= 1; ranged++)
		{
			Method		methods[sizeof all / sizeof all[0]];
			const char *ids[sizeof all / sizeof all[0]];
			int			n = 0;

			for (int i = 0; i < count; i++)
				if (all[i].available && all[i].m.ranged == ranged)
				{
					methods[n] = all[i].m;
					ids[n++] = all[i].id;
				}
			bench(conn, methods, ids, n, size, rounds);
		}
	}
	if (http.fd >= 0)
		close(http.fd);
	PQfinish(conn);
	return 0;
}
