/* GET /api/v1/events: the tenant's changes as server-sent events (hub.c
 * reads them). The request is checked on a pooled database connection,
 * which is given back before the stream starts: an open stream holds one
 * civetweb worker of the --max-streams budget (main.c starts that many on
 * top of --threads) and no database connection. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "deadline.h"
#include "handlers.h"
#include "hub.h"
#include "pool.h"

#define KEEP_ALIVE_MS 15000		/* a comment line this often on a quiet stream */
#define CHECK_MS 1000			/* how often a quiet stream checks that its client is still there */
#define STREAM_SNDBUF 65536		/* kernel send buffer of a stream's socket */

/* The resume id: ?last_event_id= or the Last-Event-ID header, -1 for none;
 * -2 after answering 400. */
static long long resume_id(request *r)
{
	const char *text = http_param(r, "last_event_id");
	const char *field = "last_event_id";
	long long	id;

	if (text == NULL)
	{
		text = http_get_header(r, "Last-Event-ID");
		field = "Last-Event-ID";
	}
	if (text == NULL || *text == '\0')
		return -1;
	if (parse_integer(text, 0, INT64_MAX, &id) != 0)
	{
		http_fail(r, 400, field, "%s must be an event id (a non-negative integer)", field);
		return -2;
	}
	return id;
}

/* Whether the client closed its side of the connection (checked without reading). */
static int client_gone(int sock)
{
	char		c;

	return sock >= 0 && recv(sock, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* Serves one stream until its client leaves, it is dropped, or the service stops. */
static void stream(request *r, subscriber *s, int sock)
{
	int			quiet_ms = 0;

	static const char hello[] = "retry: 2000\n: convdash events\n\n";
	static const char idle[] = ": keep-alive\n\n";

	r->close = 1;
	http_begin(r, 200, "text/event-stream; charset=utf-8", -1);
	http_header(r, "Cache-Control", "no-store");
	http_header(r, "X-Accel-Buffering", "no");
	http_end_headers(r);
	if (http_write(r, hello, sizeof hello - 1) != 0)
		return;
	for (;;)
	{
		char	   *data;
		size_t		len;
		hub_take	take = hub_next(s, CHECK_MS, &data, &len);
		int			rc;

		if (take == HUB_END)
			break;
		if (take == HUB_IDLE)
		{
			if (client_gone(sock))
				break;
			quiet_ms += CHECK_MS;
			if (quiet_ms >= KEEP_ALIVE_MS)
			{
				quiet_ms = 0;
				if (http_write(r, idle, sizeof idle - 1) != 0)
					break;
			}
			continue;
		}
		quiet_ms = 0;
		rc = http_write(r, data, len);
		hub_written(s);
		if (rc != 0)
			break;
	}
}

/* GET /api/v1/events: checks the key and parameters, then streams. */
void h_events(request *r)
{
	long long	account = 0, conversation = 0, resume;
	db_error	err;
	subscriber *s;
	int			sock, rc;

	rc = query_integer(r, "conversation_id", 1, INT64_MAX);
	if (rc < 0)
		return;
	if (rc > 0)
		parse_integer(http_param(r, "conversation_id"), 1, INT64_MAX, &conversation);
	resume = resume_id(r);
	if (resume == -2)
		return;
	if (db_authenticate(r->db, r->key, &account, &err) != 0)
	{
		http_db_error(r, &err);
		return;
	}
	if (account <= 0)
	{
		http_error(r, 401, "unauthorized", "the API key is invalid or revoked", NULL, NULL);
		return;
	}
	r->auth_pending = 0;
	pool_release(r->db);
	r->db = NULL;

	if (r->sock != NULL && *r->sock == -2)
		*r->sock = deadline_find_socket(r->ri);
	sock = r->sock != NULL ? *r->sock : -1;
	s = hub_subscribe(account, r->key, conversation, resume > 0 ? resume : -1, sock);
	if (s == NULL)
	{
		r->extra_name = "Retry-After";
		snprintf(r->extra_value, sizeof r->extra_value, "5");
		http_fail(r, 503, NULL, "too many event streams are open (at most %d); retry later", g_config.max_streams);
		return;
	}
	if (sock >= 0)
	{
		int			size = STREAM_SNDBUF;

		setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
	}
	stream(r, s, sock);
	hub_unsubscribe(s);
}
