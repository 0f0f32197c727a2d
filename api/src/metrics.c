/* Prometheus metrics: requests by route and status, latency histogram,
 * database connections. Counters are updated with atomic adds, so a request
 * never takes a lock to be counted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static const int known_status[] = {200, 201, 204, 206, 304, 400, 401, 403, 404, 405, 408, 409,
	411, 413, 414, 415, 416, 422, 431, 500, 503};
#define NSTATUS (int) (sizeof known_status / sizeof known_status[0])
#define STATUS_OTHER NSTATUS

static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5, 10};
#define NBUCKETS (int) (sizeof buckets / sizeof buckets[0])

typedef struct route_metrics
{
	unsigned long long by_status[NSTATUS + 1];
	unsigned long long bucket[NBUCKETS];	/* non-cumulative; summed when rendered */
	unsigned long long count;
	unsigned long long micros;	/* sum of durations in microseconds */
} route_metrics;

static int	nroutes;
static const char *const *route_names;
static route_metrics routes[METRICS_MAX_ROUTES];
static long db_open;
static unsigned long long db_failures;
static long in_flight;
static long connections;
static unsigned long long pool_timeouts;

/* Registers the route names (index = route id); call once before serving. */
void metrics_init(int n, const char *const *names)
{
	nroutes = n < METRICS_MAX_ROUTES ? n : METRICS_MAX_ROUTES;
	route_names = names;
}

/* The slot of a status code in by_status. */
static int status_slot(int status)
{
	int			i;

	for (i = 0; i < NSTATUS; i++)
		if (known_status[i] == status)
			return i;
	return STATUS_OTHER;
}

/* Counts one finished request of a route with its status and duration. */
void metrics_observe(int route, int status, double seconds)
{
	route_metrics *m;
	int			b = 0;

	if (route < 0 || route >= nroutes)
		return;
	m = &routes[route];
	while (b < NBUCKETS && seconds > buckets[b])
		b++;
	__atomic_fetch_add(&m->by_status[status_slot(status)], 1, __ATOMIC_RELAXED);
	if (b < NBUCKETS)
		__atomic_fetch_add(&m->bucket[b], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->count, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->micros, (unsigned long long) (seconds * 1e6), __ATOMIC_RELAXED);
}

/* Adjusts the gauge of open database connections by delta (+1/-1). */
void metrics_db_connections(int delta)
{
	__atomic_fetch_add(&db_open, delta, __ATOMIC_RELAXED);
}

/* Counts one failed connection attempt or lost connection. */
void metrics_db_failure(void)
{
	__atomic_fetch_add(&db_failures, 1, __ATOMIC_RELAXED);
}

/* Adjusts the gauge of requests in progress by delta. */
void metrics_in_flight(int delta)
{
	__atomic_fetch_add(&in_flight, delta, __ATOMIC_RELAXED);
}

/* Adjusts the gauge of open client connections by delta. */
void metrics_connections(int delta)
{
	__atomic_fetch_add(&connections, delta, __ATOMIC_RELAXED);
}

/* Counts one request that found no free database connection in time. */
void metrics_pool_timeout(void)
{
	__atomic_fetch_add(&pool_timeouts, 1, __ATOMIC_RELAXED);
}

/* Renders all metrics in the Prometheus text format; the caller frees it. */
char *metrics_render(int threads, int db_connections)
{
	char	   *buf = NULL;
	size_t		len = 0;
	FILE	   *f = open_memstream(&buf, &len);
	int			r, i;

	if (f == NULL)
		return NULL;
	fputs("# HELP convdash_http_requests_total HTTP requests by route and status.\n"
		  "# TYPE convdash_http_requests_total counter\n", f);
	for (r = 0; r < nroutes; r++)
	{
		for (i = 0; i <= NSTATUS; i++)
		{
			unsigned long long n = __atomic_load_n(&routes[r].by_status[i], __ATOMIC_RELAXED);

			if (n == 0)
				continue;
			if (i == STATUS_OTHER)
				fprintf(f, "convdash_http_requests_total{route=\"%s\",status=\"other\"} %llu\n", route_names[r], n);
			else
				fprintf(f, "convdash_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n", route_names[r], known_status[i], n);
		}
	}
	fputs("# HELP convdash_http_request_duration_seconds Time from request to last byte sent.\n"
		  "# TYPE convdash_http_request_duration_seconds histogram\n", f);
	for (r = 0; r < nroutes; r++)
	{
		unsigned long long count = __atomic_load_n(&routes[r].count, __ATOMIC_RELAXED);
		unsigned long long cumulative = 0;

		if (count == 0)
			continue;
		for (i = 0; i < NBUCKETS; i++)
		{
			cumulative += __atomic_load_n(&routes[r].bucket[i], __ATOMIC_RELAXED);
			fprintf(f, "convdash_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
					route_names[r], buckets[i], cumulative);
		}
		fprintf(f, "convdash_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n", route_names[r], count);
		fprintf(f, "convdash_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", route_names[r],
				__atomic_load_n(&routes[r].micros, __ATOMIC_RELAXED) / 1e6);
		fprintf(f, "convdash_http_request_duration_seconds_count{route=\"%s\"} %llu\n", route_names[r], count);
	}
	fprintf(f, "# HELP convdash_http_requests_in_flight Requests being served.\n"
			"# TYPE convdash_http_requests_in_flight gauge\n"
			"convdash_http_requests_in_flight %ld\n"
			"# HELP convdash_http_connections Open client connections (each holds a worker thread).\n"
			"# TYPE convdash_http_connections gauge\n"
			"convdash_http_connections %ld\n"
			"# HELP convdash_http_workers Worker threads: client connections served at once.\n"
			"# TYPE convdash_http_workers gauge\n"
			"convdash_http_workers %d\n"
			"# HELP convdash_db_pool_timeouts_total Requests that found no free database connection in time.\n"
			"# TYPE convdash_db_pool_timeouts_total counter\n"
			"convdash_db_pool_timeouts_total %llu\n"
			"# HELP convdash_db_connections Open database connections (at most --db-connections).\n"
			"# TYPE convdash_db_connections gauge\n"
			"convdash_db_connections %ld\n"
			"# HELP convdash_db_connections_max The bound on database connections (--db-connections).\n"
			"# TYPE convdash_db_connections_max gauge\n"
			"convdash_db_connections_max %d\n"
			"# HELP convdash_db_connection_failures_total Failed connection attempts and lost connections.\n"
			"# TYPE convdash_db_connection_failures_total counter\n"
			"convdash_db_connection_failures_total %llu\n",
			__atomic_load_n(&in_flight, __ATOMIC_RELAXED),
			__atomic_load_n(&connections, __ATOMIC_RELAXED), threads,
			__atomic_load_n(&pool_timeouts, __ATOMIC_RELAXED),
			__atomic_load_n(&db_open, __ATOMIC_RELAXED), db_connections,
			__atomic_load_n(&db_failures, __ATOMIC_RELAXED));
	if (fclose(f) != 0)
	{
		free(buf);
		return NULL;
	}
	return buf;
}
