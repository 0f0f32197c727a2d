/* Prometheus metrics: requests by route and status, latency histogram, database connections. */
#ifndef CONVDASH_METRICS_H
#define CONVDASH_METRICS_H

#define METRICS_MAX_ROUTES 64

/* Registers the route names (index = route id); call once before serving. */
void metrics_init(int nroutes, const char *const *names);

/* Counts one finished request of a route with its status and duration. */
void metrics_observe(int route, int status, double seconds);

/* Adjusts the gauge of open database connections by delta (+1/-1). */
void metrics_db_connections(int delta);

/* Counts one failed connection attempt or lost connection. */
void metrics_db_failure(void);

/* Adjusts the gauge of requests in progress by delta. */
void metrics_in_flight(int delta);

/* Adjusts the gauge of open client connections by delta. */
void metrics_connections(int delta);

/* Counts one request that found no free database connection in time. */
void metrics_pool_timeout(void);

/* Renders all metrics in the Prometheus text format; the caller frees it. */
char *metrics_render(int threads, int db_connections);

#endif
