/* The request being served and the helpers that answer it: JSON pass-through,
 * the request's error value and its one rendering, bodies read in a loop with
 * a cap and a deadline, query parameters. */
#ifndef CONVDASH_HTTP_H
#define CONVDASH_HTTP_H

#include <stddef.h>
#include <civetweb.h>

#include "db.h"
#include "errors.h"

#define MAX_QUERY_PARAMS 32
#define MAX_PATH_IDS 2

typedef struct query_param
{
	char	   *name;
	char	   *value;
} query_param;

/* What went wrong with a request: parsers, readers and handlers record it
 * (the first one wins); the router renders it once, after checking the key. */
typedef struct req_error
{
	int			status;			/* 0: no error */
	char		code[32];
	char		field[128];
	char		message[512];
	char		detail[512];
	char		hint[512];
} req_error;

typedef struct request
{
	struct mg_connection *conn;
	const struct mg_request_info *ri;
	const char *method;			/* as sent; HEAD is served as GET without a body */
	const char *path;			/* decoded path, without the query */
	int			head;
	int			route;			/* metrics route index */
	long long	ids[MAX_PATH_IDS];	/* the {id} segments of the path, in order */
	char		id_text[MAX_PATH_IDS][24];
	int			nids;
	const char *key;			/* the Bearer API key (checked by the database in each call) */
	int			auth_pending;	/* the key has not been confirmed yet */
	db_t	   *db;				/* a pool handle, held only while the handler runs */
	double		start;			/* monotonic seconds when the request head was complete */
	req_error	err;
	char	   *body;			/* the JSON body read before the database is taken */
	size_t		body_len;
	int			body_fd;		/* an audio body staged in a temporary file, or -1 */
	int		   *sock;			/* the connection's socket (router.c looks it up once), or NULL */
	long long	body_bytes;
	int			status;			/* the status sent */
	long long	bytes;			/* body bytes sent */
	query_param query[MAX_QUERY_PARAMS];
	int			nquery;
	char	   *query_buf;		/* owns the decoded query parameters */
	int			close;			/* answer with Connection: close (shutting down) */
	size_t		head_len;		/* the response head being built */
	char		head_buf[2048 + 16384];	/* head, and a small body sent with it */
	const char *extra_name;		/* one more header for the next http_send (Allow, ...) */
	char		extra_value[256];
} request;

/* Starts a response: status line and the headers every answer carries. */
void		http_begin(request *r, int status, const char *content_type, long long length);

/* Adds one header to a response started with http_begin. */
void		http_header(request *r, const char *name, const char *value);

/* Ends the headers; the body, if any, follows with http_write. */
void		http_end_headers(request *r);

/* Ends the headers and sends them with a body already in memory in one
 * write (nothing of it for HEAD); returns -1 when the client is gone. */
int			http_end_headers_with(request *r, const void *body, size_t len);

/* Writes body bytes (nothing for HEAD); returns -1 when the client is gone. */
int			http_write(request *r, const void *data, size_t len);

/* Answers a complete body in one go. */
void		http_send(request *r, int status, const char *content_type, const char *body, size_t len);

/* Answers 204 No Content. */
void		http_no_content(request *r);

/* Records the request's error (the first one recorded wins). */
void		http_error(request *r, int status, const char *code, const char *message,
					   const char *field, const char *hint);

/* Records a service-raised error whose code follows from the status. */
void		http_fail(request *r, int status, const char *field, const char *fmt, ...)
			__attribute__((format(printf, 4, 5)));

/* Records a database error: mapped status, DETAIL and HINT kept; 5xx errors
 * get a generic message and are logged. */
void		http_db_error(request *r, const db_error *err);

/* Sends the recorded error as {"error":{"code","message","field"?,"detail"?,"hint"?}}. */
void		http_render_error(request *r);

/* Whether the request's body deadline has passed (whole-request timeout). */
int			http_past_deadline(const request *r);

/* Parses the query string; answers 400 and returns -1 on bad encoding or duplicates. */
int			http_parse_query(request *r);

/* Answers 400 and returns -1 when a query parameter is not in the NULL-terminated list. */
int			http_allow_params(request *r, const char *const *allowed);

/* The decoded value of a query parameter, or NULL when absent or empty. */
const char *http_param(const request *r, const char *name);

/* The value of a request header, or NULL. */
const char *http_get_header(const request *r, const char *name);

/* Checks the body's Content-Type is one of the NULL-terminated types (parameters
 * such as charset ignored); answers 415 and returns -1 otherwise. */
int			http_require_type(request *r, const char *const *types);

/* Whether the request announces or carries a body. */
int			http_has_body(const request *r);

/* Reads the whole body up to cap bytes into a NUL-terminated buffer the caller
 * frees, within the request deadline; records 413/400/408 and returns -1 when
 * it cannot. */
int			http_read_body(request *r, long long cap, char **out, size_t *len);

/* Reads up to len body bytes (fewer only at the end) within the request
 * deadline; -1 after recording 400/408 when the client failed or was too slow. */
long long	http_read_some(request *r, char *buf, size_t len);

/* The value of one hexadecimal digit, or -1. */
int			hex_digit(char c);

/* Checks a byte string is valid UTF-8 without NUL bytes. */
int			utf8_valid(const char *s, size_t len);

/* Frees what the request owns. */
void		http_request_done(request *r);

#endif
