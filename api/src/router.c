/* The route table of DESIGN §5 and the request pipeline: match the path with
 * our own matcher (civetweb 1.15 has no mg_match) → take the Bearer key →
 * parse and type-check the query and body → one database round trip that
 * authenticates the key, sets its tenant and calls the SQL function →
 * metrics and access log. A request with a bad key and bad parameters gets
 * 401 (http_error checks the key before answering any other 4xx). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "handlers.h"
#include "log.h"
#include "metrics.h"
#include "router.h"

typedef void (*handler_fn) (request *r);

typedef struct route
{
	const char *method;
	const char *pattern;		/* "{id}" matches one positive integer segment */
	handler_fn	fn;
	int			auth;			/* 1: needs Authorization: Bearer <key> */
	const char *const *params;	/* accepted query parameters (NULL: none) */
	const char *name;			/* metrics label */
} route;

static const char *const list_params[] = {"status", "channel", "agent_id", "min_rating", "date_from",
	"date_to", "q", "sort", "order", "limit", "cursor", "count", NULL};
static const char *const page_params[] = {"page", "per_page", NULL};
static const char *const peaks_params[] = {"buckets", NULL};
static const char *const upload_params[] = {"duration_ms", NULL};

#define CONV "/api/v1/conversations"
static const route routes[] = {
	{"GET", CONV, h_list_conversations, 1, list_params, "GET " CONV},
	{"POST", CONV, h_start_conversation, 1, NULL, "POST " CONV},
	{"GET", CONV "/{id}", h_conversation, 1, NULL, "GET " CONV "/{id}"},
	{"PATCH", CONV "/{id}", h_patch_conversation, 1, NULL, "PATCH " CONV "/{id}"},
	{"DELETE", CONV "/{id}", h_delete_conversation, 1, NULL, "DELETE " CONV "/{id}"},
	{"GET", CONV "/{id}/messages", h_transcript, 1, page_params, "GET " CONV "/{id}/messages"},
	{"POST", CONV "/{id}/messages", h_append_message, 1, NULL, "POST " CONV "/{id}/messages"},
	{"GET", CONV "/{id}/client-data", h_client_data, 1, NULL, "GET " CONV "/{id}/client-data"},
	{"GET", CONV "/{id}/audio", h_conversation_audio, 1, NULL, "GET " CONV "/{id}/audio"},
	{"POST", CONV "/{id}/close", h_close, 1, NULL, "POST " CONV "/{id}/close"},
	{"POST", CONV "/{id}/archive", h_archive, 1, NULL, "POST " CONV "/{id}/archive"},
	{"PUT", CONV "/{id}/sentiment", h_sentiment, 1, NULL, "PUT " CONV "/{id}/sentiment"},
	{"PUT", CONV "/{id}/rating", h_rate, 1, NULL, "PUT " CONV "/{id}/rating"},
	{"DELETE", CONV "/{id}/rating", h_remove_rating, 1, NULL, "DELETE " CONV "/{id}/rating"},
	{"PATCH", CONV "/{id}/memory", h_memory, 1, NULL, "PATCH " CONV "/{id}/memory"},
	{"GET", "/api/v1/audio/{id}", h_audio_get, 1, NULL, "GET /api/v1/audio/{id}"},
	{"GET", "/api/v1/audio/{id}/peaks", h_audio_peaks, 1, peaks_params, "GET /api/v1/audio/{id}/peaks"},
	{"PUT", "/api/v1/messages/{id}/audio", h_audio_put, 1, upload_params, "PUT /api/v1/messages/{id}/audio"},
	{"GET", "/api/v1/agents", h_list_agents, 1, NULL, "GET /api/v1/agents"},
	{"POST", "/api/v1/agents", h_create_agent, 1, NULL, "POST /api/v1/agents"},
	{"POST", "/api/v1/tracker/sessions", h_tracker_session, 1, NULL, "POST /api/v1/tracker/sessions"},
	{"POST", "/api/v1/tracker/sessions/{id}/pageviews", h_pageview, 1, NULL,
	"POST /api/v1/tracker/sessions/{id}/pageviews"},
	{"POST", "/api/v1/tracker/sessions/{id}/events", h_event, 1, NULL,
	"POST /api/v1/tracker/sessions/{id}/events"},
	{"GET", "/healthz", h_healthz, 0, NULL, "GET /healthz"},
	{"GET", "/metrics", h_metrics, 0, NULL, "GET /metrics"},
};
#define NROUTES (int) (sizeof routes / sizeof routes[0])
#define ROUTE_STATIC NROUTES
#define ROUTE_UNMATCHED (NROUTES + 1)

static const char *route_names[NROUTES + 2];
static int	draining;			/* set once a stop signal arrived */
static int	running;			/* requests inside router_handle */

/* Registers the route names with the metrics; call once before serving. */
void router_init(void)
{
	int			i;

	for (i = 0; i < NROUTES; i++)
		route_names[i] = routes[i].name;
	route_names[ROUTE_STATIC] = "static";
	route_names[ROUTE_UNMATCHED] = "unmatched";
	metrics_init(NROUTES + 2, route_names);
}

/* Matches a path against a pattern, collecting the {id} segments; 1 on a match. */
static int path_match(const char *pattern, const char *path, request *r)
{
	int			nids = 0;

	while (*pattern != '\0' && *path != '\0')
	{
		if (strncmp(pattern, "{id}", 4) == 0)
		{
			size_t		len = strspn(path, "0123456789");
			long long	id;

			if (len == 0 || len > 19 || (path[len] != '/' && path[len] != '\0') || nids >= MAX_PATH_IDS)
				return 0;
			snprintf(r->id_text[nids], sizeof r->id_text[nids], "%.*s", (int) len, path);
			if (parse_integer(r->id_text[nids], 1, INT64_MAX, &id) != 0)
				return 0;
			r->ids[nids++] = id;
			pattern += 4;
			path += len;
			continue;
		}
		if (*pattern != *path)
			return 0;
		pattern++;
		path++;
	}
	if (*pattern != '\0' || *path != '\0')
		return 0;
	r->nids = nids;
	return 1;
}

/* Finds the route of the request; fills allow with the methods of the path
 * when only the method is wrong. Returns the index, or -1. */
static int route_find(request *r, const char *method, char *allow, size_t allow_len)
{
	int			i;

	allow[0] = '\0';
	for (i = 0; i < NROUTES; i++)
	{
		if (!path_match(routes[i].pattern, r->path, r))
			continue;
		if (strcmp(routes[i].method, method) == 0)
			return i;
		if (strstr(allow, routes[i].method) == NULL)
		{
			size_t		used = strlen(allow);

			snprintf(allow + used, allow_len - used, "%s%s%s", used ? ", " : "", routes[i].method,
					 strcmp(routes[i].method, "GET") == 0 ? ", HEAD" : "");
		}
	}
	return -1;
}

/* Takes the key of Authorization: Bearer <key>; answers 401 and returns -1
 * when there is none or it cannot be a key. The database checks the key in
 * the same round trip as the call (statements.c, ST_TENANT). */
static int take_key(request *r)
{
	const char *h = http_get_header(r, "Authorization");
	size_t		i;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
	{
		http_error(r, 401, "unauthorized", "send Authorization: Bearer <API key>", NULL, NULL);
		return -1;
	}
	h += 7;
	while (*h == ' ')
		h++;
	for (i = 0; h[i] != '\0'; i++)
		if (i >= 200 || h[i] <= ' ' || h[i] > '~')
			break;
	if (i == 0 || h[i] != '\0')
	{
		http_error(r, 401, "unauthorized", "the API key is invalid or revoked", NULL, NULL);
		return -1;
	}
	r->key = h;
	r->auth_pending = 1;
	return 0;
}

/* Seconds since an arbitrary start, monotonic. */
static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Serves a matched route: key, query, handler. */
static void serve_route(request *r, const route *rt)
{
	if (rt->auth && take_key(r) != 0)
		return;
	if (http_parse_query(r) != 0 || http_allow_params(r, rt->params) != 0)
		return;
	rt->fn(r);
}

/* Serves a path no route matched: 405 when the path exists, 404 under /api, else a static file. */
static void serve_unmatched(request *r, const char *allow)
{
	if (allow[0] != '\0')
	{
		r->extra_name = "Allow";
		snprintf(r->extra_value, sizeof r->extra_value, "%s", allow);
		http_fail(r, 405, NULL, "%.16s is not allowed on this path (allowed: %s)", r->method, allow);
		return;
	}
	if (strncmp(r->path, "/api/", 5) == 0 || strcmp(r->path, "/api") == 0 ||
		strcmp(r->path, "/healthz") == 0 || strcmp(r->path, "/metrics") == 0)
	{
		http_fail(r, 404, NULL, "no such route");
		return;
	}
	r->route = ROUTE_STATIC;
	serve_static(r);
}

/* The civetweb request handler for every path. */
int router_handle(struct mg_connection *conn, void *cbdata)
{
	request		r;
	double		start = now_seconds();
	char		allow[128];
	int			i;

	(void) cbdata;
	memset(&r, 0, sizeof r);
	r.conn = conn;
	r.ri = mg_get_request_info(conn);
	r.method = r.ri->request_method;
	r.path = r.ri->local_uri ? r.ri->local_uri : "/";
	r.head = strcmp(r.method, "HEAD") == 0;
	r.db = mg_get_thread_pointer(conn);
	r.route = ROUTE_UNMATCHED;
	metrics_in_flight(1);
	__atomic_fetch_add(&running, 1, __ATOMIC_SEQ_CST);

	i = route_find(&r, r.head ? "GET" : r.method, allow, sizeof allow);
	if (r.db == NULL)
		http_fail(&r, 500, NULL, "internal error");
	else if (__atomic_load_n(&draining, __ATOMIC_SEQ_CST))
	{
		r.close = 1;
		http_fail(&r, 503, NULL, "the service is shutting down");
	}
	else if (i >= 0)
	{
		r.route = i;
		serve_route(&r, &routes[i]);
	}
	else
		serve_unmatched(&r, allow);

	metrics_observe(r.route, r.status, now_seconds() - start);
	if (g_config.access_log)
		log_access(r.method, r.path, r.status, now_seconds() - start, r.bytes);
	http_request_done(&r);
	metrics_in_flight(-1);
	__atomic_fetch_sub(&running, 1, __ATOMIC_SEQ_CST);
	return r.status > 0 ? r.status : 500;
}

/* Starts answering new requests 503 and waits (up to timeout_ms) until the
 * requests in progress have finished; returns how many are still running. */
int router_drain(int timeout_ms)
{
	struct timespec pause = {0, 20 * 1000 * 1000};
	int			waited;

	__atomic_store_n(&draining, 1, __ATOMIC_SEQ_CST);
	for (waited = 0; waited < timeout_ms && __atomic_load_n(&running, __ATOMIC_SEQ_CST) > 0; waited += 20)
		nanosleep(&pause, NULL);
	return __atomic_load_n(&running, __ATOMIC_SEQ_CST);
}
