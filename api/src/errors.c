/* The one table mapping SQLSTATEs to HTTP statuses and JSON error codes
 * (docs/CONVENTIONS.md). Entries are matched in order; a two-character
 * entry matches a whole SQLSTATE class. */
#include <string.h>

#include "errors.h"

typedef struct sqlstate_rule
{
	const char *sqlstate;		/* five characters, or a two-character class */
	int			status;
	const char *code;
} sqlstate_rule;

static const sqlstate_rule rules[] = {
	{"22023", 400, "invalid_parameter"},	/* invalid_parameter_value; COLUMN names it */
	{"22P02", 400, "invalid_parameter"},	/* invalid_text_representation */
	{"22", 400, "invalid_parameter"},	/* other data exceptions: bad dates, out of range, encoding */
	{"23502", 400, "invalid_parameter"},	/* not_null_violation */
	{"23514", 400, "invalid_parameter"},	/* check_violation */
	{"23503", 409, "conflict"},		/* a referenced id of the body is not the tenant's */
	{"23505", 409, "conflict"},		/* duplicate */
	{"55000", 409, "conflict"},		/* object_not_in_prerequisite_state */
	{"P0001", 400, "invalid_parameter"},	/* plain RAISE EXCEPTION */
	{"28000", 401, "unauthorized"},	/* invalid_authorization_specification: bad API key */
	{"P0002", 404, "not_found"},		/* no_data_found: not the tenant's or missing */
	{"42501", 403, "forbidden"},		/* insufficient_privilege */
	{"54000", 413, "payload_too_large"},	/* program_limit_exceeded */
	{"0A000", 422, "unsupported_media"},	/* feature_not_supported: peaks of a non-WAV clip */
	{"57014", 503, "timeout"},		/* query_canceled: statement timeout */
	{"57P", 503, "unavailable"},		/* admin shutdown, crash shutdown, cannot connect now */
	{"08", 503, "unavailable"},		/* connection exceptions */
	{"53", 503, "unavailable"},		/* insufficient resources */
	{"40", 503, "unavailable"},		/* serialization failure, deadlock: retry */
};

/* The HTTP status and error code for a SQLSTATE (500 internal_error when unknown). */
http_error_kind sqlstate_to_http(const char *sqlstate)
{
	http_error_kind k = {500, "internal_error"};
	size_t		i;

	if (sqlstate == NULL || strlen(sqlstate) != 5)
		return k;
	for (i = 0; i < sizeof rules / sizeof rules[0]; i++)
	{
		if (strncmp(sqlstate, rules[i].sqlstate, strlen(rules[i].sqlstate)) == 0)
		{
			k.status = rules[i].status;
			k.code = rules[i].code;
			return k;
		}
	}
	return k;
}

/* The JSON error code used for an HTTP status raised by the service itself. */
const char *status_code_name(int status)
{
	switch (status)
	{
		case 400: return "invalid_parameter";
		case 401: return "unauthorized";
		case 403: return "forbidden";
		case 404: return "not_found";
		case 405: return "method_not_allowed";
		case 408: return "request_timeout";
		case 409: return "conflict";
		case 411: return "length_required";
		case 413: return "payload_too_large";
		case 414: return "uri_too_long";
		case 415: return "unsupported_media_type";
		case 416: return "range_not_satisfiable";
		case 422: return "unsupported_media";
		case 431: return "headers_too_large";
		case 503: return "unavailable";
		default: return status >= 500 ? "internal_error" : "bad_request";
	}
}
