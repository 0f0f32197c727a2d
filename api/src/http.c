/* The helpers that answer a request: JSON pass-through, the request's error
 * value and its one rendering, bodies read in a loop with a cap and a
 * deadline, query parameters decoded and validated. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "deadline.h"
#include "errors.h"
#include "http.h"
#include "log.h"

/* Whether civetweb will keep the connection open after this answer (its own
 * rule: not after 401, not when the client asked to close or speaks
 * HTTP/1.0 without keep-alive, not while shutting down). */
static int http_keep_alive(request *r)
{
	const char *c = http_get_header(r, "Connection");

	if (r->status == 401 || r->close)
		return 0;
	if (c != NULL)
		return strcasestr(c, "keep-alive") != NULL;
	return r->ri->http_version != NULL && strcmp(r->ri->http_version, "1.1") == 0;
}

/* Appends formatted text to the response head (silently cut at its size). */
static void http_head_add(request *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void http_head_add(request *r, const char *fmt, ...)
{
	va_list		ap;
	int			n;

	if (r->head_len >= sizeof r->head_buf)
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->head_buf + r->head_len, sizeof r->head_buf - r->head_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->head_len = r->head_len + (size_t) n < sizeof r->head_buf ? r->head_len + (size_t) n : sizeof r->head_buf;
}

/* Starts a response: status line and the headers every answer carries. The
 * head is built here and sent in one piece (with the body when it is small),
 * instead of civetweb's one send per header line. */
void http_begin(request *r, int status, const char *content_type, long long length)
{
	char		date[64];
	time_t		now = time(NULL);
	struct tm	tm;

	if (r->close)
		mg_disable_connection_keep_alive(r->conn);
	r->status = status;
	r->head_len = 0;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	http_head_add(r, "HTTP/%s %d %s\r\nDate: %s\r\nConnection: %s\r\nX-Content-Type-Options: nosniff\r\n",
				  r->ri->http_version ? r->ri->http_version : "1.1", status,
				  mg_get_response_code_text(r->conn, status), date, http_keep_alive(r) ? "keep-alive" : "close");
	if (content_type != NULL)
		http_head_add(r, "Content-Type: %s\r\n", content_type);
	if (length >= 0)
		http_head_add(r, "Content-Length: %lld\r\n", length);
}

/* Adds one header to a response started with http_begin. */
void http_header(request *r, const char *name, const char *value)
{
	http_head_add(r, "%s: %s\r\n", name, value);
}

/* Ends the headers and sends them; the body, if any, follows with http_write. */
void http_end_headers(request *r)
{
	http_head_add(r, "\r\n");
	if (mg_write(r->conn, r->head_buf, r->head_len) != (int) r->head_len)
		r->close = 1;
}

/* Writes body bytes (nothing for HEAD); returns -1 when the client is gone. */
int http_write(request *r, const void *data, size_t len)
{
	if (r->head || len == 0)
		return 0;
	if (mg_write(r->conn, data, len) != (int) len)
		return -1;
	r->bytes += (long long) len;
	return 0;
}

#define ONE_WRITE_MAX (256 * 1024)	/* larger bodies go out after the head */

/* Ends the headers and sends them together with a body already in memory,
 * in one write: the client is woken once, not for the head and again for
 * the body (a 64 KiB audio range: one send instead of two). The head buffer
 * carries a small body; a larger one is copied after the head into a buffer
 * of its own (up to ONE_WRITE_MAX). Nothing of the body for HEAD;
 * returns -1 when the client is gone. */
int http_end_headers_with(request *r, const void *body, size_t len)
{
	char	   *buf = r->head_buf;
	size_t		total;
	int			sent;

	http_head_add(r, "\r\n");
	if (r->head)
		len = 0;
	total = r->head_len + len;
	if (total > sizeof r->head_buf)
		buf = len <= ONE_WRITE_MAX ? malloc(total) : NULL;
	if (buf == NULL)
	{
		if (mg_write(r->conn, r->head_buf, r->head_len) != (int) r->head_len)
		{
			r->close = 1;
			return -1;
		}
		return http_write(r, body, len);
	}
	if (buf != r->head_buf)
		memcpy(buf, r->head_buf, r->head_len);
	if (len > 0)
		memcpy(buf + r->head_len, body, len);
	sent = mg_write(r->conn, buf, total);
	if (buf != r->head_buf)
		free(buf);
	if (sent != (int) total)
	{
		r->close = 1;
		return -1;
	}
	r->bytes += (long long) len;
	return 0;
}

/* Answers a complete body in one go. */
void http_send(request *r, int status, const char *content_type, const char *body, size_t len)
{
	http_begin(r, status, content_type, (long long) len);
	if (r->extra_name != NULL)
		http_header(r, r->extra_name, r->extra_value);
	if (strncmp(content_type, "application/json", 16) == 0)
		http_header(r, "Cache-Control", "no-store");
	http_end_headers_with(r, body, len);
}

/* Answers 204 No Content. */
void http_no_content(request *r)
{
	http_begin(r, 204, NULL, -1);
	http_end_headers(r);
}

/* Copies text into a fixed field when it is valid UTF-8 (error texts may echo input). */
static void err_copy(char *dst, size_t len, const char *src)
{
	dst[0] = '\0';
	if (src != NULL && utf8_valid(src, strlen(src)))
		snprintf(dst, len, "%s", src);
}

/* Records the request's error (the first one recorded wins). */
void http_error(request *r, int status, const char *code, const char *message,
				const char *field, const char *hint)
{
	req_error  *e = &r->err;

	if (e->status != 0)
		return;
	memset(e, 0, sizeof *e);
	e->status = status;
	snprintf(e->code, sizeof e->code, "%s", code);
	err_copy(e->message, sizeof e->message, message);
	if (e->message[0] == '\0')
		snprintf(e->message, sizeof e->message, "invalid request");
	err_copy(e->field, sizeof e->field, field);
	err_copy(e->hint, sizeof e->hint, hint);
}

/* Records a service-raised error whose code follows from the status. */
void http_fail(request *r, int status, const char *field, const char *fmt, ...)
{
	char		msg[512];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	http_error(r, status, status_code_name(status), msg, field, NULL);
}

/* Records a database error: mapped status, DETAIL and HINT kept; 5xx errors
 * get a generic message and are logged. */
void http_db_error(request *r, const db_error *err)
{
	http_error_kind k = sqlstate_to_http(err->sqlstate);

	if (k.status >= 500)
	{
		log_msg("error", "%s %s: SQLSTATE %s: %s", r->method, r->path, err->sqlstate, err->message);
		http_error(r, k.status, k.code,
				   k.status == 503 ? (strcmp(err->sqlstate, "57014") == 0
									  ? "the request took too long" : "the database is unavailable")
				   : "internal error", NULL, NULL);
		return;
	}
	http_error(r, k.status, k.code, err->message, err->field, err->hint);
	if (r->err.detail[0] == '\0')
		err_copy(r->err.detail, sizeof r->err.detail, err->detail);
}

/* Sends the recorded error as {"error":{"code","message","field"?,"detail"?,"hint"?}}. */
void http_render_error(request *r)
{
	const req_error *e = &r->err;
	json_t	   *err = json_object();
	json_t	   *root = json_object();
	char	   *text;

	if (e->status == 401)
	{
		r->extra_name = "WWW-Authenticate";
		snprintf(r->extra_value, sizeof r->extra_value, "Bearer realm=\"convdash\"");
	}
	if (e->status == 408 || e->status == 413 || e->status == 401)
		r->close = 1;			/* the rest of the body is not read */
	json_object_set_new(err, "code", json_string(e->code));
	json_object_set_new(err, "message", json_string(e->message));
	if (e->field[0] != '\0')
		json_object_set_new(err, "field", json_string(e->field));
	if (e->detail[0] != '\0')
		json_object_set_new(err, "detail", json_string(e->detail));
	if (e->hint[0] != '\0')
		json_object_set_new(err, "hint", json_string(e->hint));
	json_object_set_new(root, "error", err);
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (text == NULL)
	{
		static const char fallback[] = "{\"error\":{\"code\":\"internal_error\",\"message\":\"internal error\"}}";

		http_send(r, 500, "application/json", fallback, sizeof fallback - 1);
		return;
	}
	http_send(r, e->status, "application/json", text, strlen(text));
	free(text);
}

/* Seconds on the monotonic clock. */
static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Whether the request's body deadline has passed (whole-request timeout). */
int http_past_deadline(const request *r)
{
	return mono_now() - r->start > g_config.request_timeout_ms / 1000.0;
}

/* Checks a byte string is valid UTF-8 without NUL bytes. */
int utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t		i = 0;

	while (i < len)
	{
		unsigned char c = p[i];
		size_t		n, k;
		unsigned int cp;

		if (c == 0)
			return 0;
		if (c < 0x80)
		{
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0)
			n = 1, cp = c & 0x1F;
		else if ((c & 0xF0) == 0xE0)
			n = 2, cp = c & 0x0F;
		else if ((c & 0xF8) == 0xF0)
			n = 3, cp = c & 0x07;
		else
			return 0;
		for (k = 1; k <= n; k++)
		{
			if (i + k >= len || (p[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
			cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* The value of one hexadecimal digit, or -1. */
int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char) tolower((unsigned char) c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes a form-encoded component in place (+ is a space); -1 on a bad escape. */
static int url_decode(char *s, size_t *out_len)
{
	char	   *w = s;
	const char *p = s;

	while (*p != '\0')
	{
		if (*p == '%')
		{
			int			hi = hex_digit(p[1]);
			int			lo = hi < 0 ? -1 : hex_digit(p[2]);

			if (lo < 0)
				return -1;
			*w++ = (char) (hi * 16 + lo);
			p += 3;
		}
		else
		{
			*w++ = *p == '+' ? ' ' : *p;
			p++;
		}
	}
	*w = '\0';
	*out_len = (size_t) (w - s);
	return 0;
}

/* Parses the query string; answers 400 and returns -1 on bad encoding or duplicates. */
int http_parse_query(request *r)
{
	const char *qs = r->ri->query_string;
	char	   *save = NULL;
	char	   *part;
	int			i;

	if (qs == NULL || *qs == '\0')
		return 0;
	r->query_buf = strdup(qs);
	if (r->query_buf == NULL)
	{
		http_fail(r, 500, NULL, "internal error");
		return -1;
	}
	for (part = strtok_r(r->query_buf, "&", &save); part != NULL; part = strtok_r(NULL, "&", &save))
	{
		char	   *eq = strchr(part, '=');
		char	   *value = eq ? eq + 1 : part + strlen(part);
		size_t		nlen, vlen;

		if (eq != NULL)
			*eq = '\0';
		if (url_decode(part, &nlen) != 0 || url_decode(value, &vlen) != 0)
		{
			http_fail(r, 400, NULL, "the query string has a malformed %%-escape");
			return -1;
		}
		if (!utf8_valid(part, nlen) || !utf8_valid(value, vlen))
		{
			http_fail(r, 400, utf8_valid(part, nlen) ? part : NULL,
					  "query parameters must be valid UTF-8 without NUL bytes");
			return -1;
		}
		if (nlen == 0)
			continue;
		for (i = 0; i < r->nquery; i++)
		{
			if (strcmp(r->query[i].name, part) == 0)
			{
				http_fail(r, 400, part, "%s is given more than once (use a comma-separated list)", part);
				return -1;
			}
		}
		if (r->nquery >= MAX_QUERY_PARAMS)
		{
			http_fail(r, 400, NULL, "too many query parameters");
			return -1;
		}
		r->query[r->nquery].name = part;
		r->query[r->nquery].value = value;
		r->nquery++;
	}
	return 0;
}

/* Answers 400 and returns -1 when a query parameter is not in the NULL-terminated list. */
int http_allow_params(request *r, const char *const *allowed)
{
	int			i, j;

	for (i = 0; i < r->nquery; i++)
	{
		for (j = 0; allowed != NULL && allowed[j] != NULL; j++)
			if (strcmp(allowed[j], r->query[i].name) == 0)
				break;
		if (allowed == NULL || allowed[j] == NULL)
		{
			char		name[64];

			snprintf(name, sizeof name, "%s", r->query[i].name);
			http_fail(r, 400, name, "unknown query parameter \"%s\"", name);
			return -1;
		}
	}
	return 0;
}

/* The decoded value of a query parameter, or NULL when absent or empty
 * (a form that sends status= means no status filter). */
const char *http_param(const request *r, const char *name)
{
	int			i;

	for (i = 0; i < r->nquery; i++)
		if (strcmp(r->query[i].name, name) == 0)
			return r->query[i].value[0] != '\0' ? r->query[i].value : NULL;
	return NULL;
}

/* The value of a request header, or NULL. */
const char *http_get_header(const request *r, const char *name)
{
	return mg_get_header(r->conn, name);
}

/* Whether the request announces or carries a body. */
int http_has_body(const request *r)
{
	const char *te = http_get_header(r, "Transfer-Encoding");

	return r->ri->content_length > 0 || (r->ri->content_length < 0 && te != NULL);
}

/* Checks the body's Content-Type is one of the NULL-terminated types (parameters
 * such as charset ignored); answers 415 and returns -1 otherwise. */
int http_require_type(request *r, const char *const *types)
{
	const char *ct = http_get_header(r, "Content-Type");
	size_t		len;
	int			i;

	if (ct != NULL)
	{
		while (*ct == ' ')
			ct++;
		len = strcspn(ct, "; \t");
		for (i = 0; types[i] != NULL; i++)
			if (strlen(types[i]) == len && strncasecmp(ct, types[i], len) == 0)
				return 0;
	}
	http_fail(r, 415, NULL, "the body must be sent as Content-Type: %s", types[0]);
	return -1;
}

/* Reads up to len body bytes (fewer only at the end) within the request
 * deadline; -1 after recording 400/408 when the client failed or was too
 * slow. The deadline watchdog (deadline.c) ends a read that would go past it. */
long long http_read_some(request *r, char *buf, size_t len)
{
	size_t		used = 0;
	int			slot;

	if (r->sock != NULL && *r->sock == -2)
		*r->sock = deadline_find_socket(r->ri);
	slot = deadline_arm(r->sock != NULL ? *r->sock : -1, r->start + g_config.request_timeout_ms / 1000.0);
	while (used < len && !http_past_deadline(r))
	{
		int			n = mg_read(r->conn, buf + used, len - used > 65536 ? 65536 : len - used);

		if (n <= 0)
			break;
		used += (size_t) n;
	}
	deadline_disarm(slot);
	if (used < len && (r->ri->content_length < 0 || r->body_bytes + (long long) used < r->ri->content_length))
	{
		if (http_past_deadline(r))
		{
			http_fail(r, 408, NULL, "the body did not arrive within %d ms", g_config.request_timeout_ms);
			return -1;
		}
		if (r->ri->content_length > 0)
		{
			http_fail(r, 400, NULL, "the body ended before its Content-Length");
			return -1;
		}
	}
	r->body_bytes += (long long) used;
	return (long long) used;
}

/* Reads the whole body up to cap bytes into a NUL-terminated buffer the caller
 * frees, within the request deadline; records 413/400/408 and returns -1
 * when it cannot. */
int http_read_body(request *r, long long cap, char **out, size_t *len)
{
	long long	declared = r->ri->content_length;
	size_t		used = 0;
	size_t		alloc = (declared > 0 ? (size_t) declared : 16384) + 1;
	char	   *buf;

	*out = NULL;
	*len = 0;
	if (declared > cap)
	{
		http_fail(r, 413, NULL, "the body is larger than %lld bytes", cap);
		return -1;
	}
	buf = malloc(alloc);
	if (buf == NULL)
	{
		http_fail(r, 500, NULL, "internal error");
		return -1;
	}
	for (;;)
	{
		long long	n;

		if (declared > 0 && (long long) used == declared)
			break;
		if (used + 1 >= alloc)
		{
			char	   *bigger;

			if ((long long) used >= cap)
			{
				char		probe;

				n = http_read_some(r, &probe, 1);
				if (n == 0)
					break;
				free(buf);
				if (n > 0)
					http_fail(r, 413, NULL, "the body is larger than %lld bytes", cap);
				return -1;
			}
			alloc = alloc * 2 > (size_t) cap + 1 ? (size_t) cap + 1 : alloc * 2;
			bigger = realloc(buf, alloc);
			if (bigger == NULL)
			{
				free(buf);
				http_fail(r, 500, NULL, "internal error");
				return -1;
			}
			buf = bigger;
		}
		n = http_read_some(r, buf + used, alloc - 1 - used);
		if (n < 0)
		{
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		used += (size_t) n;
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	return 0;
}

/* Frees what the request owns. */
void http_request_done(request *r)
{
	free(r->query_buf);
	r->query_buf = NULL;
	free(r->body);
	r->body = NULL;
	if (r->body_fd >= 0)
		close(r->body_fd);
	r->body_fd = -1;
}
