/*
 * audio_read.c
 *		Client-side read throughput of one clip, in binary results, by the
 *		routes an audio byte can take: convdash.audio_read, plain lo_get on
 *		the clip's large object (the baseline of PERFORMANCE.md), a bytea
 *		column holding the same bytes, for ranges also the statement the
 *		HTTP service runs for a small range (audio_range) and the one it ran
 *		before (audio_info with audio_read), and, given a second clip of the
 *		same bytes kept as chunks, convdash.audio_read of that one.
 *		Each is read whole (one call) and by 64 KiB ranges, `rounds` times,
 *		the methods interleaved within each round so that the load of a
 *		shared machine hits them alike; prints one line per method: name,
 *		median MB/s, p95 ms per clip read.
 *
 * Usage: audio_read <account id> <clip id> <loid> <bytea table> <bytes> <rounds> [<chunk clip id>]
 * (connection from the PG* environment).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#define RANGE_BYTES 65536

/* One way of reading the clip: the statement and whether it takes a range */
typedef struct Method
{
	const char *name;
	const char *sql;			/* $1 = id, $2 = offset, $3 = length (ranges) */
	int			ranged;
} Method;

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
		snprintf(off, sizeof(off), "0");
		snprintf(len, sizeof(len), "%ld", size);
		return fetch(conn, m->sql, strstr(m->sql, "$3") ? 3 : 1, params);
	}
	for (long o = 0; o < size; o += RANGE_BYTES)
	{
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
	{
		const Method methods[] = {
			{"audio_read whole", "SELECT convdash.audio_read($1, $2, $3)", 0},
			{"lo_get whole (baseline)", "SELECT lo_get($1)", 0},
			{"bytea column whole", sql_whole, 0},
			{"audio_read whole, chunks", "SELECT convdash.audio_read($1, $2, $3)", 0},
			{"audio_read 64KiB ranges", "SELECT convdash.audio_read($1, $2, $3)", 1},
			{"lo_get 64KiB ranges (baseline)", "SELECT lo_get($1, $2, $3)", 1},
			{"bytea column 64KiB ranges", sql_range, 1},
			{"audio_range 64KiB ranges (the service's statement)",
			"SELECT (s.r).bytes, (s.r).mime, (s.r).sha256, (s.r).data"
			" FROM (SELECT convdash.audio_range($1, $2, $3) AS r OFFSET 0) AS s", 1},
			{"audio_info + audio_read 64KiB ranges (the service's statement before audio_range)",
			"SELECT convdash.audio_info($1), convdash.audio_read($1, $2, $3)", 1},
			{"audio_read 64KiB ranges, chunks", "SELECT convdash.audio_read($1, $2, $3)", 1},
		};
		const char *chunk_clip = argc == 8 ? argv[7] : NULL;
		const char *ids[] = {argv[2], argv[3], "1", chunk_clip, argv[2], argv[3], "1", argv[2], argv[2], chunk_clip};

		/* the chunk clip's methods come last in each group: left out without one */
		bench(conn, methods, ids, chunk_clip ? 4 : 3, size, rounds);
		bench(conn, methods + 4, ids + 4, chunk_clip ? 6 : 5, size, rounds);
	}
	PQfinish(conn);
	return 0;
}
