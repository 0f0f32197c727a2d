/* Typed parameters: query values and JSON bodies checked in C before any SQL
 * runs, so a bad number, date, enum list or JSON type answers 400 naming the
 * field. Range and domain rules stay in the SQL functions (one source of truth). */
#ifndef CONVDASH_PARAMS_H
#define CONVDASH_PARAMS_H

#include <stdint.h>

#include "http.h"

/* Parses a whole decimal integer in [low, high]; 0 on success. */
int			parse_integer(const char *s, long long low, long long high, long long *out);

/* Whether s is a calendar date YYYY-MM-DD. */
int			valid_date(const char *s);

/* Whether s is an RFC 3339 date-time with a zone (Z or +hh:mm). */
int			valid_rfc3339(const char *s);

/* Query parameter that must be an integer in [low, high]: 1 present, 0 absent,
 * -1 after answering 400. The value stays readable with http_param. */
int			query_integer(request *r, const char *name, long long low, long long high);

/* Query parameter that must be a YYYY-MM-DD date: 1 present, 0 absent, -1 after 400. */
int			query_date(request *r, const char *name);

/* Query parameter that is a comma list of non-empty items (positive integers
 * when ids is set): 1 present, 0 absent, -1 after 400. */
int			query_list(request *r, const char *name, int ids);

typedef enum body_type
{
	B_TEXT,						/* JSON string */
	B_INT,						/* JSON integer within 32 bits */
	B_BIGINT,					/* JSON integer */
	B_NUMBER,					/* JSON number */
	B_BOOL,						/* JSON true/false */
	B_TIME,						/* JSON string, RFC 3339 */
	B_JSON						/* any JSON value, passed as jsonb */
} body_type;

/* One accepted body field; "a.b" names key b of the object under key a. */
typedef struct body_field
{
	const char *name;
	body_type	type;
} body_field;

/* Parses the JSON object body read by prep_json and converts each spec field
 * to SQL text in values[i] (NULL when absent or null; B_JSON values as the
 * client sent them); unknown keys and wrong types are 400. With optional set
 * an empty body counts as {}. Returns 0, or -1 after recording an error. Free
 * values with body_free. */
int			body_parse(request *r, const body_field *spec, int n, int optional, char **values);

/* Checks the body read by prep_merge_patch is one JSON object and returns
 * its text as sent (caller frees); -1 after recording an error. */
int			body_object(request *r, char **text);

/* Frees the values filled by body_parse. */
void		body_free(char **values, int n);

#endif
