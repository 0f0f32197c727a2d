/* GET /api/v1/conversations/export: every row the list would page through
 * (its filters, search, sort and order), streamed as CSV or NDJSON.
 *
 * One snapshot: a REPEATABLE READ READ ONLY transaction declares a cursor
 * over convdash.export_conversations_csv/_json (the list's own checks, so a
 * bad parameter answers 400 exactly as the list does) and reads it in
 * batches, EXPORT_WINDOW FETCHes in flight so the database reads the next
 * batch while this one goes out. The first batch is read before the headers
 * are sent (an error is still a JSON error); then the body goes out with
 * chunked transfer encoding from one fixed buffer: the service's memory does
 * not grow with the export. A cursor, not COPY: its parameters are bound
 * (COPY takes none) and it runs on the pipelined connection as is.
 *
 * Budget: a client that goes away or stops reading for --header-timeout (one
 * write without progress, civetweb's write timeout) ends the export at its
 * next write; the whole download may take --export-timeout; each FETCH is
 * bounded by the statement timeout. Ending early rolls the transaction back
 * (the cursor's query stops) and closes the connection without the last
 * chunk, so the client sees an incomplete download, never a short file that
 * looks complete. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <civetweb.h>

#include "config.h"
#include "handlers.h"
#include "log.h"

#define EXPORT_WINDOW 2			/* FETCHes in flight */
#define EXPORT_CHUNK 65536		/* body bytes per chunk */
#define CHUNK_HEAD 10			/* room for the chunk's size line before its bytes */

/* The response body being built: one chunk in a fixed buffer. */
typedef struct export_out
{
	request    *r;
	char	   *buf;			/* CHUNK_HEAD bytes, EXPORT_CHUNK data bytes, CRLF */
	size_t		used;			/* data bytes in the chunk */
	int			chunked;		/* 0: HTTP/1.0, the body ends with the connection */
	int			failed;			/* the client is gone or too slow */
} export_out;

/* Sends the chunk built so far; -1 when the client is gone. */
static int out_flush(export_out *o)
{
	char		size[CHUNK_HEAD + 1];
	char	   *start = o->buf + CHUNK_HEAD;
	size_t		len = o->used;
	int			n;

	if (o->failed)
		return -1;
	if (o->used == 0)
		return 0;
	if (o->chunked)
	{
		n = snprintf(size, sizeof size, "%zx\r\n", o->used);
		start -= n;
		memcpy(start, size, (size_t) n);
		memcpy(o->buf + CHUNK_HEAD + o->used, "\r\n", 2);
		len += (size_t) n + 2;
	}
	o->used = 0;
	if (http_write(o->r, start, len) != 0)
		o->failed = 1;
	return o->failed ? -1 : 0;
}

/* Appends body bytes, sending full chunks; -1 when the client is gone. */
static int out_add(export_out *o, const char *data, size_t len)
{
	while (len > 0)
	{
		size_t		room = EXPORT_CHUNK - o->used;
		size_t		n = len < room ? len : room;

		memcpy(o->buf + CHUNK_HEAD + o->used, data, n);
		o->used += n;
		data += n;
		len -= n;
		if (o->used == EXPORT_CHUNK && out_flush(o) != 0)
			return -1;
	}
	return o->failed ? -1 : 0;
}

/* Appends one CSV cell (RFC 4180): NULL is an empty cell, an empty string
 * "", a value with a comma, quote, CR or LF quoted with its quotes doubled. */
static int csv_cell(export_out *o, const char *v, size_t len, int null)
{
	const char *p, *end = v + len;

	if (null)
		return 0;
	if (len > 0 && strpbrk(v, ",\"\r\n") == NULL)
		return out_add(o, v, len);
	out_add(o, "\"", 1);
	for (p = v; p < end;)
	{
		const char *q = memchr(p, '"', (size_t) (end - p));
		size_t		n = q ? (size_t) (q - p) + 1 : (size_t) (end - p);

		out_add(o, p, n);
		if (q != NULL)
			out_add(o, "\"", 1);
		p += n;
	}
	return out_add(o, "\"", 1);
}

/* Appends a batch of rows: CSV records (the header first when asked) or
 * one NDJSON line per row. -1 when the client is gone. */
static int out_rows(export_out *o, PGresult *res, int json, int header)
{
	int			ncols = PQnfields(res), row, col;

	for (col = 0; header && col < ncols; col++)
	{
		const char *name = PQfname(res, col);

		csv_cell(o, name, strlen(name), 0);
		out_add(o, col + 1 < ncols ? "," : "\r\n", col + 1 < ncols ? 1 : 2);
	}
	for (row = 0; row < PQntuples(res) && !o->failed; row++)
	{
		if (json)
		{
			out_add(o, PQgetvalue(res, row, 0), (size_t) PQgetlength(res, row, 0));
			out_add(o, "\n", 1);
			continue;
		}
		for (col = 0; col < ncols; col++)
		{
			csv_cell(o, PQgetvalue(res, row, col), (size_t) PQgetlength(res, row, col),
					 PQgetisnull(res, row, col));
			out_add(o, col + 1 < ncols ? "," : "\r\n", col + 1 < ncols ? 1 : 2);
		}
	}
	return o->failed ? -1 : 0;
}

/* Sends the export's headers: type, attachment file name of today (UTC), chunked. */
static void export_headers(request *r, int json, int chunked)
{
	char		disposition[96], day[16];
	time_t		now = time(NULL);
	struct tm	tm;

	gmtime_r(&now, &tm);
	strftime(day, sizeof day, "%Y%m%d", &tm);
	snprintf(disposition, sizeof disposition, "attachment; filename=\"conversations-%s.%s\"", day,
			 json ? "ndjson" : "csv");
	if (!chunked)
		r->close = 1;			/* HTTP/1.0: the body ends with the connection */
	http_begin(r, 200, json ? "application/x-ndjson" : "text/csv; charset=utf-8", -1);
	http_header(r, "Content-Disposition", disposition);
	http_header(r, "Cache-Control", "no-store");
	if (chunked)
		http_header(r, "Transfer-Encoding", "chunked");
	http_end_headers(r);
}

/* Whether the export has run out of its whole-download budget. */
static int export_overdue(const request *r)
{
	struct timespec ts;

	if (g_config.export_timeout_ms <= 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9 - r->start > g_config.export_timeout_ms / 1000.0;
}

/* Streams the batches after the first: writes each, asks for the next while
 * writing. Returns 0 when every row went out, -1 when the export was cut
 * (client gone or too slow, budget spent, database error). */
static int export_stream(request *r, export_out *o, PGresult *res, int json, int batch, stmt_id fetch)
{
	int			header = !json;
	db_error	err;

	for (;;)
	{
		int			n = PQntuples(res);

		out_rows(o, res, json, header);
		PQclear(res);
		header = 0;
		if (o->failed)
		{
			log_msg("warn", "export cut: the client is gone or read too slowly");
			return -1;
		}
		if (r->head)
			return 0;
		if (n < batch)
			return 0;
		if (export_overdue(r))
		{
			log_msg("warn", "export cut after %d ms (--export-timeout)", g_config.export_timeout_ms);
			return -1;
		}
		if (db_queue(r->db, fetch, 0, NULL, 0, &err) != 0 || db_next(r->db, &res, &err) != 0)
		{
			log_msg("error", "export cut by the database: SQLSTATE %s: %s", err.sqlstate, err.message);
			return -1;
		}
	}
}

/* Checks format and include; 0 with *json and *messages set, -1 after 400. */
static int export_format(request *r, int *json, int *messages)
{
	const char *format = http_param(r, "format");
	const char *include = http_param(r, "include");

	*json = format != NULL && strcmp(format, "ndjson") == 0;
	*messages = include != NULL;
	if (format != NULL && !*json && strcmp(format, "csv") != 0)
	{
		http_fail(r, 400, "format", "format must be csv or ndjson");
		return -1;
	}
	if (include != NULL && strcmp(include, "messages") != 0)
	{
		http_fail(r, 400, "include", "include must be \"messages\" when given");
		return -1;
	}
	if (*messages && !*json)
	{
		http_fail(r, 400, "include", "include=messages needs format=ndjson");
		return -1;
	}
	return 0;
}

/* GET /api/v1/conversations/export?format=csv|ndjson[&include=messages]
 * with the list's filters, search, sort and order. */
void h_export_conversations(request *r)
{
	const char *values[LIST_FILTERS + 1];
	int			json, messages, i, chunked;
	int			batch;
	stmt_id		fetch;
	PGresult   *res;
	db_error	err;
	export_out	o;

	if (list_params_ok(r) != 0 || export_format(r, &json, &messages) != 0)
		return;
	list_filter_values(r, values);
	values[LIST_FILTERS] = messages ? "true" : "false";
	/* a line with its transcript can be large: fewer of them per batch */
	batch = messages ? 50 : 1000;
	fetch = messages ? ST_EXPORT_FETCH_FEW : ST_EXPORT_FETCH;
	if (db_begin(r->db, r->key, 1, json ? ST_EXPORT_JSON : ST_EXPORT_CSV, LIST_FILTERS + json, values,
				 &res, &err) != 0)
	{
		http_db_error(r, &err);
		return;
	}
	PQclear(res);
	for (i = 0; i < EXPORT_WINDOW; i++)
	{
		if (db_queue(r->db, fetch, 0, NULL, 0, &err) != 0)
			break;
	}
	if (i < EXPORT_WINDOW || db_next(r->db, &res, &err) != 0)
	{
		db_rollback(r->db);
		http_db_error(r, &err);
		return;
	}
	memset(&o, 0, sizeof o);
	o.r = r;
	o.buf = malloc(CHUNK_HEAD + EXPORT_CHUNK + 2);
	if (o.buf == NULL)
	{
		PQclear(res);
		db_rollback(r->db);
		http_fail(r, 500, NULL, "internal error");
		return;
	}
	chunked = r->ri->http_version == NULL || strcmp(r->ri->http_version, "1.0") != 0;
	o.chunked = chunked;
	export_headers(r, json, chunked);
	if (export_stream(r, &o, res, json, batch, fetch) == 0 && out_flush(&o) == 0 && chunked)
		http_write(r, "0\r\n\r\n", 5);
	else if (chunked)
		mg_disable_connection_keep_alive(r->conn);
	free(o.buf);
	/* read only: rolling back ends the cursor (and a FETCH still in flight) */
	db_rollback(r->db);
}
