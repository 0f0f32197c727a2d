/* Answers for the request targets civetweb 1.15 parses but never hands to a
 * handler: the asterisk form ("OPTIONS * HTTP/1.1") and an absolute-form
 * target for another port ("GET http://host:81/healthz"). civetweb closes
 * such a connection without a word; the service answers them from the
 * connection_close callback, while the socket is still open: OPTIONS *
 * gets 204 with Allow (what the server supports), any other method with *
 * and a foreign absolute-form target get 400 naming the cause. The
 * connection is closed afterwards (civetweb has already left its request
 * loop). Absolute-form targets for the service's own port never come here:
 * civetweb serves them (main.c turns off its host check). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "log.h"
#include "router.h"

/* Whether a request target is absolute-form: a scheme, "://" and more. */
static int absolute_form(const char *target)
{
	size_t		n = strspn(target, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");

	return n > 0 && strncmp(target + n, "://", 3) == 0;
}

/* Sends a complete answer on a connection about to close: status, Allow
 * when given, a JSON error body unless status is 204 or the method HEAD.
 * The head is written by hand: civetweb frees the header list of
 * mg_response_header_add in its request loop, which has ended here. */
static void answer(struct mg_connection *conn, const char *method, int status, const char *allow,
				   const char *message)
{
	char		body[512], head[1024], date[64];
	int			n = 0, h;
	time_t		now = time(NULL);
	struct tm	tm;

	if (status != 204)
		n = snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
					 status == 400 ? "bad_request" : status_code_name(status), message);
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	h = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nDate: %s\r\nConnection: close\r\n%s%s%s",
				 status, mg_get_response_code_text(conn, status), date,
				 allow != NULL ? "Allow: " : "", allow != NULL ? allow : "", allow != NULL ? "\r\n" : "");
	if (status != 204)
		h += snprintf(head + h, sizeof head - h, "Content-Type: application/json\r\nContent-Length: %d\r\n", n);
	h += snprintf(head + h, sizeof head - h, "\r\n");
	if (strcmp(method, "HEAD") == 0)
		n = 0;
	mg_write(conn, head, (size_t) h);
	if (n > 0)
		mg_write(conn, body, (size_t) n);
	log_access(method, "-", status, 0, n);
}

/* Answers the connection's last request when civetweb dropped it unanswered
 * (see the top of this file); does nothing for any other connection. */
void answer_dropped_request(struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	char		allow[128];

	/* a parsed request line, no local path and no answer: civetweb dropped it */
	if (ri == NULL || ri->request_method == NULL || ri->request_uri == NULL || ri->local_uri != NULL)
		return;
	if (strcmp(ri->request_uri, "*") == 0)
	{
		router_methods(allow, sizeof allow);
		if (strcmp(ri->request_method, "OPTIONS") == 0)
			answer(conn, ri->request_method, 204, allow, NULL);
		else
			answer(conn, ri->request_method, 400, NULL,
				   "the request target * is only for OPTIONS; send a path such as /api/v1/conversations");
	}
	else if (absolute_form(ri->request_uri))
		answer(conn, ri->request_method, 400, NULL,
			   "the absolute-form request target names a port this server does not listen on; "
			   "send the path alone (origin-form, /api/v1/...) with a Host header");
}
