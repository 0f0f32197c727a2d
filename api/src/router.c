/* The route table (routes.h) and the request pipeline: decode the path
 * (an encoded NUL or slash never reaches the matcher) and match it with our
 * own matcher (civetweb 1.15 has no mg_match) → take the Bearer key → parse
 * and type-check the query → read the body, after the key is confirmed,
 * before a database connection is taken → one database round trip on a
 * pooled connection that authenticates the key, sets its tenant and calls
 * the SQL function → the one place that renders an error → metrics and
 * access log. A request with a bad key gets 401 before any other 4xx. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "config.h"
#include "handlers.h"
#include "hub.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"
#include "router.h"

typedef void (*handler_fn) (request *r);
typedef int (*prepare_fn) (request *r);

typedef struct route
{
	const char *method;
	const char *pattern;		/* "{id}" matches one positive integer segment */
	handler_fn	fn;
	int			auth;			/* 1: needs Authorization: Bearer <key> */
	const char *const *params;	/* accepted query parameters (NULL: none) */
	prepare_fn	prepare;		/* reads the body before the database is taken (NULL: none) */
	const char *name;			/* metrics label */
} route;

static const char *const list_params[] = {"status", "channel", "agent_id", "min_rating", "date_from",
	"date_to", "q", "match", "sort", "order", "limit", "cursor", "count", NULL};
static const char *const export_params[] = {"status", "channel", "agent_id", "min_rating", "date_from",
	"date_to", "q", "sort", "order", "format", "include", NULL};
static const char *const page_params[] = {"page", "per_page", NULL};
static const char *const peaks_params[] = {"buckets", NULL};
static const char *const upload_params[] = {"duration_ms", NULL};
static const char *const events_params[] = {"conversation_id", "last_event_id", NULL};

#define ROUTE_ENTRY(method, pattern, fn, auth, params, prepare) \
	{method, pattern, fn, auth, params, prepare, method " " pattern},
static const route routes[] = {ROUTES(ROUTE_ENTRY)};
#undef ROUTE_ENTRY
#define NROUTES lengthof(routes)
#define ROUTE_STATIC NROUTES
#define ROUTE_UNMATCHED (NROUTES + 1)

static const char *route_names[NROUTES + 2];
static int	draining;			/* set once a stop signal arrived */
static int	running;			/* requests inside router_handle */
static int	open_connections;	/* client connections accepted and not closed */

/* What the service remembers about one client connection. */
typedef struct conn_state
{
	long		requests;		/* answered so far */
	double		since;			/* monotonic seconds: opened, or last answer sent */
	int			sock;			/* its socket: -2 not looked up yet, -1 not found */
	int			error_sent;		/* civetweb answered an error itself (the connection then closes) */
} conn_state;

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

/* Seconds since an arbitrary start, monotonic. */
static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Counts a client connection opened; returns its state (NULL when out of memory). */
void *router_connection_open(void)
{
	conn_state *c = calloc(1, sizeof *c);

	if (c != NULL)
	{
		c->since = now_seconds();
		c->sock = -2;
	}
	__atomic_fetch_add(&open_connections, 1, __ATOMIC_SEQ_CST);
	metrics_connections(1);
	return c;
}

/* Counts a client connection closed and frees its state. */
void router_connection_closed(void *state)
{
	free(state);
	__atomic_fetch_sub(&open_connections, 1, __ATOMIC_SEQ_CST);
	metrics_connections(-1);
}

/* Records that civetweb answered an error on the connection itself. */
void router_note_error_sent(const struct mg_connection *conn)
{
	conn_state *c = mg_get_user_connection_data(conn);

	if (c != NULL)
		c->error_sent = 1;
}

/* Whether civetweb answered an error on the connection itself. */
int router_error_sent(const struct mg_connection *conn)
{
	const conn_state *c = mg_get_user_connection_data(conn);

	return c != NULL && c->error_sent;
}

/* Whether a request head that never completed ran into its deadline (rather
 * than the head size limit): it took about the header timeout (first request
 * of a connection) or the keep-alive timeout (a later one). */
int router_head_timed_out(const struct mg_connection *conn)
{
	const conn_state *c = mg_get_user_connection_data(conn);
	int			limit_ms;

	if (c == NULL)
		return 0;
	limit_ms = c->requests > 0 ? g_config.keep_alive_timeout_ms : g_config.header_timeout_ms;
	return now_seconds() - c->since >= limit_ms * 0.9 / 1000.0;
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

/* Adds a method (and HEAD after GET) to an Allow value unless it is listed
 * (no method name is part of another). */
static void allow_add(char *allow, size_t len, const char *method)
{
	size_t		used = strlen(allow);

	if (strstr(allow, method) == NULL)
		snprintf(allow + used, len - used, "%s%s%s", used ? ", " : "", method,
				 strcmp(method, "GET") == 0 ? ", HEAD" : "");
}

/* Writes the methods some route takes, HEAD with GET, and OPTIONS (the
 * server answers OPTIONS *) as an Allow value: "GET, HEAD, POST, ...". */
void router_methods(char *buf, size_t len)
{
	int			i;

	buf[0] = '\0';
	for (i = 0; i < NROUTES; i++)
		allow_add(buf, len, routes[i].method);
	allow_add(buf, len, "OPTIONS");
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
		allow_add(allow, allow_len, routes[i].method);
	}
	return -1;
}

/* Takes the key of Authorization: Bearer <key>; records 401 and returns -1
 * when there is none or it cannot be a key. The database checks the key in
 * the same round trip as the call (statements.c: in the call's own
 * statement, statement_keyed, or ST_TENANT before it); auth_gate
 * checks it earlier when a body is to be read or a 4xx to be answered. */
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

/* How long a request waits for a free database connection before 503. */
#define POOL_WAIT_MS 5000

/* Serves a matched route: key, query, body (before any database connection
 * is taken: a slow client holds only its worker), then the handler on a
 * pooled database connection. */
static void serve_route(request *r, const route *rt)
{
	if (rt->auth && take_key(r) != 0)
		return;
	if (http_parse_query(r) != 0 || http_allow_params(r, rt->params) != 0)
		return;
	if (rt->prepare != NULL && rt->prepare(r) != 0)
		return;
	r->db = pool_acquire(POOL_WAIT_MS);
	if (r->db == NULL)
	{
		http_fail(r, 503, NULL, "all database connections are busy");
		return;
	}
	rt->fn(r);
	if (r->db == NULL)			/* given back early (an event stream) */
		return;
	if (db_take_key_confirmed(r->db))
	{
		r->auth_pending = 0;
		auth_remember(r->key);
	}
	pool_release(r->db);
	r->db = NULL;
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

/* Sends the recorded error; a 4xx other than 401 goes to a client whose key
 * is not confirmed yet only after the key is checked, so a bad key always
 * sees 401 first. */
static void render_error(request *r)
{
	if (r->err.status >= 400 && r->err.status < 500 && r->err.status != 401 && r->auth_pending)
	{
		req_error	saved = r->err;

		r->err.status = 0;
		if (auth_gate(r) == 0 || r->err.status != 401)
			r->err = saved;
	}
	http_render_error(r);
}

/* Decodes the request path (civetweb leaves it encoded: decode_url is off)
 * into buf: a NUL byte is 400, an encoded slash 404, so neither ever becomes
 * part of the path matched. Returns 0, or -1 after recording the error. */
static int decode_path(request *r, const char *raw, char *buf, size_t len)
{
	size_t		used = 0;

	for (; *raw != '\0'; raw++)
	{
		char		c = *raw;

		if (c == '%')
		{
			int			hi = hex_digit(raw[1]), lo = hi < 0 ? -1 : hex_digit(raw[2]);

			if (lo < 0 || (hi == 0 && lo == 0))
			{
				http_fail(r, 400, NULL, "the path has a malformed %%-escape or an encoded NUL byte");
				return -1;
			}
			c = (char) (hi * 16 + lo);
			if (c == '/' || c == '\\')
			{
				http_fail(r, 404, NULL, "no such route (an encoded slash is not a path separator)");
				return -1;
			}
			raw += 2;
		}
		if (used + 1 >= len)
		{
			http_fail(r, 414, NULL, "the path is too long");
			return -1;
		}
		buf[used++] = c;
	}
	buf[used] = '\0';
	if (!utf8_valid(buf, used))
	{
		http_fail(r, 400, NULL, "the path must be valid UTF-8");
		return -1;
	}
	return 0;
}

/* Checks the framing headers civetweb leaves to us: every Content-Length is
 * decimal digits and they all agree, and none comes with Transfer-Encoding
 * (a request two parsers could frame differently). -1 after recording 400. */
static int framing_ok(request *r)
{
	const char *length = NULL;
	int			chunked = http_get_header(r, "Transfer-Encoding") != NULL;
	int			i;

	for (i = 0; i < r->ri->num_headers; i++)
	{
		const char *v = r->ri->http_headers[i].value;

		if (strcasecmp(r->ri->http_headers[i].name, "Content-Length") != 0)
			continue;
		while (*v == ' ')
			v++;
		if (chunked || *v == '\0' || v[strspn(v, "0123456789")] != '\0' || (length != NULL && strcmp(length, v) != 0))
		{
			http_fail(r, 400, NULL, "the request has an invalid, conflicting or duplicate Content-Length");
			return -1;
		}
		length = v;
	}
	return 0;
}

/* Whether this connection should close after the answer: its request
 * budget is spent, or most workers hold a connection (then idle keep-alive
 * connections give their worker back instead of waiting for a next request). */
static int should_close(conn_state *c)
{
	if (c == NULL)
		return 1;
	return ++c->requests >= g_config.keep_alive_requests ||
		__atomic_load_n(&open_connections, __ATOMIC_SEQ_CST) - hub_streams() > g_config.threads * 3 / 4;
}

/* The civetweb request handler for every path. */
int router_handle(struct mg_connection *conn, void *cbdata)
{
	request		r;
	conn_state *state;
	char		allow[128];
	char		path[2048];
	int			i = -1;

	(void) cbdata;
	memset(&r, 0, sizeof r);
	r.start = now_seconds();
	r.conn = conn;
	r.ri = mg_get_request_info(conn);
	r.method = r.ri->request_method;
	r.path = "/";
	r.head = strcmp(r.method, "HEAD") == 0;
	r.body_fd = -1;
	r.route = ROUTE_UNMATCHED;
	state = mg_get_user_connection_data(conn);
	r.sock = state != NULL ? &state->sock : NULL;
	r.close = should_close(state);
	allow[0] = '\0';
	metrics_in_flight(1);
	__atomic_fetch_add(&running, 1, __ATOMIC_SEQ_CST);

	if (r.ri->local_uri == NULL || framing_ok(&r) != 0 || decode_path(&r, r.ri->local_uri, path, sizeof path) != 0)
	{
		r.close = 1;
		if (r.ri->local_uri == NULL)
			http_fail(&r, 400, NULL, "the request target must be a path");
	}
	else if (__atomic_load_n(&draining, __ATOMIC_SEQ_CST))
	{
		r.close = 1;
		http_fail(&r, 503, NULL, "the service is shutting down");
	}
	else
	{
		r.path = path;
		i = route_find(&r, r.head ? "GET" : r.method, allow, sizeof allow);
		if (i >= 0)
		{
			r.route = i;
			serve_route(&r, &routes[i]);
		}
		else
			serve_unmatched(&r, allow);
	}
	if (r.status == 0)
	{
		if (r.err.status == 0)
			http_fail(&r, 500, NULL, "internal error");
		render_error(&r);
	}

	metrics_observe(r.route, r.status, now_seconds() - r.start);
	if (g_config.access_log)
		log_access(r.method, r.path, r.status, now_seconds() - r.start, r.bytes);
	http_request_done(&r);
	if (state != NULL)
		state->since = now_seconds();
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
