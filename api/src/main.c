/* convdash-api: the HTTP service of the Conversations dashboard. Starts
 * civetweb (one worker thread per open client connection, bounded in time)
 * and a pool of database connections the workers share, serves until SIGTERM
 * or SIGINT, then stops accepting and lets in-flight requests finish. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>
#include <jansson.h>

#include "config.h"
#include "deadline.h"
#include "errors.h"
#include "hub.h"
#include "log.h"
#include "pool.h"
#include "router.h"

/* Gives a new client connection its state (request count, socket). */
static int init_connection(const struct mg_connection *conn, void **conn_data)
{
	(void) conn;
	*conn_data = router_connection_open();
	return 0;
}

/* Answers a request civetweb dropped, unless civetweb answered an error
 * itself (the socket is still open here; the callback's connection is the
 * worker's own, const only in the prototype), then frees the closing client
 * connection's state. */
static void connection_close(const struct mg_connection *conn)
{
	if (!router_error_sent(conn))
		answer_dropped_request((struct mg_connection *) conn);
	router_connection_closed(mg_get_user_connection_data(conn));
}

/* Sends civetweb's own messages to our log. */
static int log_message(const struct mg_connection *conn, const char *message)
{
	(void) conn;
	log_msg("civetweb", "%s", message);
	return 1;
}

/* Answers errors civetweb raises itself, before any handler, as JSON with
 * the status that names the cause: a head that did not arrive in time 408,
 * a head over max_request_size 431, a Content-Length that is not a number
 * 400 (civetweb says 411), a request line it cannot parse 400. */
static int http_error_json(struct mg_connection *conn, int status, const char *msg)
{
	char		body[256];
	const char *text = "the request is malformed";
	int			n;

	/* civetweb 1.15 says "Malformed message" both for a head that did not
	 * arrive in time and for one over max_request_size */
	if ((msg != NULL && strcmp(msg, "Malformed message") == 0 && router_head_timed_out(conn)))
		status = 408, text = "the request head did not arrive in time";
	else if (status == 413 || (msg != NULL && strcmp(msg, "Malformed message") == 0))
		status = 431, text = "the request head (request line and headers) is larger than 16384 bytes";
	else if (status == 411)
		status = 400, text = "Content-Length must be a non-negative decimal number";
	else if (status >= 500)
		text = "internal error";
	n = snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
				 status == 400 ? "bad_request" : status_code_name(status), text);
	router_note_error_sent(conn);
	mg_disable_connection_keep_alive(conn);
	mg_response_header_start(conn, status);
	mg_response_header_add(conn, "Content-Type", "application/json", -1);
	mg_response_header_send(conn);
	mg_write(conn, body, (size_t) n);
	log_access("-", "-", status, 0, n);
	return 0;
}

/* Grants every request at civetweb's level: the API authenticates by key
 * (router.c). Without it civetweb looks for a password file (/.htpasswd)
 * on every request, a failed stat each, and would ask for HTTP digest
 * authentication if one existed. */
static int civetweb_auth_none(struct mg_connection *conn, void *cbdata)
{
	(void) conn;
	(void) cbdata;
	return 1;
}

/* Logs the address(es) actually listened on (the port may have been 0). */
static void log_ports(struct mg_context *ctx)
{
	struct mg_server_port ports[8];
	int			n = mg_get_server_ports(ctx, 8, ports);
	int			i;

	for (i = 0; i < n; i++)
		log_msg("info", "listening on port %d (%s)", ports[i].port, g_config.listen);
}

/* Parses the configuration, serves until a stop signal, shuts down gracefully. */
int main(int argc, char **argv)
{
	struct mg_callbacks cb;
	struct mg_context *ctx;
	char		threads[16], header_timeout[16], keep_alive[16];
	const char *options[] = {
		"listening_ports", NULL,
		"num_threads", threads,
		/* the whole request head, first request of a connection; also each read and write */
		"request_timeout_ms", header_timeout,
		"enable_keep_alive", "yes",
		/* idle time plus the whole head of a later request on the same connection */
		"keep_alive_timeout_ms", keep_alive,
		"max_request_size", "16384",
		"tcp_nodelay", "1",
		"decode_url", "no",		/* router.c decodes the path itself (NUL, encoded slash) */
		"enable_auth_domain_check", "no",	/* absolute-form requests to this port are served */
		NULL
	};
	sigset_t	stop;
	int			sig, rc;

	rc = config_load(argc, argv);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	options[1] = g_config.listen;
	/* event streams each hold a worker: they come on top of the request workers */
	snprintf(threads, sizeof threads, "%d", g_config.threads + g_config.max_streams);
	snprintf(header_timeout, sizeof header_timeout, "%d", g_config.header_timeout_ms);
	snprintf(keep_alive, sizeof keep_alive, "%d", g_config.keep_alive_timeout_ms);

	/* Stop signals are taken by sigwait in this thread; workers never see them. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	json_object_seed(0);		/* before any thread uses jansson */
	router_init();
	if (pool_init(g_config.db_connections) != 0 || deadline_start(g_config.threads) != 0 ||
		hub_start(g_config.max_streams) != 0)
	{
		log_msg("error", "cannot allocate %d database handles or start the deadline watchdog",
				g_config.db_connections);
		return 1;
	}
	mg_init_library(0);
	memset(&cb, 0, sizeof cb);
	cb.init_connection = init_connection;
	cb.connection_close = connection_close;
	cb.log_message = log_message;
	cb.http_error = http_error_json;
	ctx = mg_start(&cb, NULL, options);
	if (ctx == NULL)
	{
		log_msg("error", "cannot start the HTTP server on %s", g_config.listen);
		mg_exit_library();
		deadline_stop();
		pool_free();
		return 1;
	}
	mg_set_auth_handler(ctx, "/", civetweb_auth_none, NULL);
	mg_set_request_handler(ctx, "/", router_handle, NULL);
	log_ports(ctx);
	log_msg("info", "convdash-api started: %d workers, %d event streams, %d database connections, static files from %s",
			g_config.threads, g_config.max_streams, g_config.db_connections, g_config.static_dir);

	sigwait(&stop, &sig);
	log_msg("info", "signal %d: closing event streams, finishing in-flight requests", sig);
	hub_stop();
	rc = router_drain(g_config.request_timeout_ms + 30000);
	if (rc > 0)
		log_msg("warn", "stopping with %d requests still running", rc);
	mg_stop(ctx);
	mg_exit_library();
	deadline_stop();
	pool_free();
	log_msg("info", "convdash-api stopped");
	return 0;
}
