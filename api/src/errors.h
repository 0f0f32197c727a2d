/* The one table mapping SQLSTATEs to HTTP statuses and JSON error codes. */
#ifndef CONVDASH_ERRORS_H
#define CONVDASH_ERRORS_H

typedef struct http_error_kind
{
	int			status;
	const char *code;
} http_error_kind;

/* The HTTP status and error code for a SQLSTATE (500 internal_error when unknown). */
http_error_kind sqlstate_to_http(const char *sqlstate);

/* The JSON error code used for an HTTP status raised by the service itself. */
const char *status_code_name(int status);

#endif
