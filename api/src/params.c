/* Typed parameters: query values and JSON bodies checked in C before any SQL
 * runs, so a bad number, date, enum list or JSON type answers 400 naming the field. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "auth.h"
#include "config.h"
#include "handlers.h"
#include "jsonraw.h"
#include "params.h"

static const char *const json_types[] = {"application/json", NULL};
static const char *const merge_types[] = {"application/json", "application/merge-patch+json", NULL};

/* Parses a whole decimal integer in [low, high]; 0 on success. */
int parse_integer(const char *s, long long low, long long high, long long *out)
{
	const char *p = s;
	char	   *end;
	long long	v;

	if (*p == '-')
		p++;
	if (!isdigit((unsigned char) *p))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < low || v > high)
		return -1;
	*out = v;
	return 0;
}

/* Reads exactly n digits at s as a number; -1 when they are not digits. */
static int digits(const char *s, int n)
{
	int			v = 0, i;

	for (i = 0; i < n; i++)
	{
		if (!isdigit((unsigned char) s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Whether y-m-d is a day of the proleptic Gregorian calendar, years 1 to 9999. */
static int valid_ymd(int y, int m, int d)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int			leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (y < 1 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= days[m - 1] + (m == 2 && leap);
}

/* Whether the 10 characters at s are YYYY-MM-DD. */
static int date_prefix(const char *s)
{
	if (strnlen(s, 10) < 10 || s[4] != '-' || s[7] != '-')
		return 0;
	return valid_ymd(digits(s, 4), digits(s + 5, 2), digits(s + 8, 2));
}

/* Whether s is a calendar date YYYY-MM-DD. */
int valid_date(const char *s)
{
	return date_prefix(s) && s[10] == '\0';
}

/* Whether s is an RFC 3339 date-time with a zone (Z or +hh:mm). */
int valid_rfc3339(const char *s)
{
	const char *p;
	int			h, mi, sec;

	if (!date_prefix(s) || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
		return 0;
	p = s + 11;
	if (strnlen(p, 8) < 8 || p[2] != ':' || p[5] != ':')
		return 0;
	h = digits(p, 2);
	mi = digits(p + 3, 2);
	sec = digits(p + 6, 2);
	if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
		return 0;
	p += 8;
	if (*p == '.')
	{
		int			n = 0;

		for (p++; isdigit((unsigned char) *p); p++)
			n++;
		if (n < 1 || n > 9)
			return 0;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		return 1;
	if ((*p != '+' && *p != '-') || strlen(p) != 6 || p[3] != ':')
		return 0;
	h = digits(p + 1, 2);
	mi = digits(p + 4, 2);
	return h >= 0 && h <= 23 && mi >= 0 && mi <= 59;
}

/* Query parameter that must be an integer in [low, high]: 1 present, 0 absent, -1 after 400. */
int query_integer(request *r, const char *name, long long low, long long high)
{
	const char *v = http_param(r, name);
	long long	n;

	if (v == NULL)
		return 0;
	if (parse_integer(v, low, high, &n) != 0)
	{
		http_fail(r, 400, name, "%s must be an integer between %lld and %lld", name, low, high);
		return -1;
	}
	return 1;
}

/* Query parameter that must be a YYYY-MM-DD date: 1 present, 0 absent, -1 after 400. */
int query_date(request *r, const char *name)
{
	const char *v = http_param(r, name);

	if (v == NULL)
		return 0;
	if (!valid_date(v))
	{
		http_fail(r, 400, name, "%s must be a date YYYY-MM-DD", name);
		return -1;
	}
	return 1;
}

/* Query parameter that is a comma list of non-empty items (positive integers
 * when ids is set): 1 present, 0 absent, -1 after 400. */
int query_list(request *r, const char *name, int ids)
{
	const char *v = http_param(r, name);
	const char *p;

	if (v == NULL)
		return 0;
	for (p = v;;)
	{
		size_t		len = strcspn(p, ",");
		char		item[24];
		long long	n;

		if (len == 0)
		{
			http_fail(r, 400, name, "%s must be a comma-separated list without empty items", name);
			return -1;
		}
		if (ids)
		{
			snprintf(item, sizeof item, "%.*s", (int) (len < sizeof item - 1 ? len : sizeof item - 1), p);
			if (len >= sizeof item || parse_integer(item, 1, INT64_MAX, &n) != 0)
			{
				http_fail(r, 400, name, "%s must be a comma-separated list of ids", name);
				return -1;
			}
		}
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	return 1;
}

/* Converts one JSON value to the SQL text of its spec type; NULL for null.
 * Returns 0, or -1 with *why set. */
static int body_value(json_t *v, body_type type, char **out, const char **why)
{
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	switch (type)
	{
		case B_TEXT:
		case B_TIME:
			if (!json_is_string(v))
				return (*why = "must be a string"), -1;
			if (type == B_TIME && !valid_rfc3339(json_string_value(v)))
				return (*why = "must be an RFC 3339 time such as 2024-05-01T12:00:00Z"), -1;
			*out = strdup(json_string_value(v));
			break;
		case B_INT:
		case B_BIGINT:
			if (!json_is_integer(v) ||
				(type == B_INT && (json_integer_value(v) < INT32_MIN || json_integer_value(v) > INT32_MAX)))
				return (*why = type == B_INT ? "must be an integer (32 bits)" : "must be an integer"), -1;
			if (asprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v)) < 0)
				*out = NULL;
			break;
		case B_NUMBER:
			if (!json_is_number(v))
				return (*why = "must be a number"), -1;
			if (asprintf(out, "%.17g", json_number_value(v)) < 0)
				*out = NULL;
			break;
		case B_BOOL:
			if (!json_is_boolean(v))
				return (*why = "must be true or false"), -1;
			*out = strdup(json_is_true(v) ? "true" : "false");
			break;
		case B_JSON:
			/* the text as sent, filled in by body_raw_json */
			*out = strdup("");
			break;
	}
	return *out == NULL ? ((*why = "could not be read"), -1) : 0;
}

/* Whether key is the first component of some spec field (exactly, or before a dot). */
static int spec_has_key(const body_field *spec, int n, const char *prefix, const char *key)
{
	size_t		plen = prefix ? strlen(prefix) : 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		const char *name = spec[i].name;
		size_t		klen = strlen(key);

		if (prefix != NULL)
		{
			if (strncmp(name, prefix, plen) != 0 || name[plen] != '.')
				continue;
			name += plen + 1;
		}
		/* a top-level "a.b" is not the nested b: dotted keys are unknown */
		if (prefix == NULL && strchr(key, '.') != NULL)
			return 0;
		if (strncmp(name, key, klen) == 0 && (name[klen] == '\0' || (prefix == NULL && name[klen] == '.')))
			return 1;
	}
	return 0;
}

/* Answers 400 for the first key of obj that the spec does not name. */
static int body_unknown_keys(request *r, json_t *obj, const body_field *spec, int n, const char *prefix)
{
	const char *key;
	json_t	   *v;

	json_object_foreach(obj, key, v)
	{
		if (!spec_has_key(spec, n, prefix, key))
		{
			char		field[128];

			snprintf(field, sizeof field, "%s%s%.64s", prefix ? prefix : "", prefix ? "." : "", key);
			http_fail(r, 400, field, "unknown field \"%s\"", field);
			return -1;
		}
	}
	return 0;
}

#define MAX_JSON_DEPTH 64

/* Whether the JSON text nests arrays/objects at most max deep (checked before
 * parsing: the parser recurses, and worker threads have small stacks). */
static int json_depth_ok(const char *buf, size_t len, int max)
{
	int			depth = 0, in_string = 0;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		char		c = buf[i];

		if (in_string)
		{
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
		}
		else if (c == '"')
			in_string = 1;
		else if ((c == '[' || c == '{') && ++depth > max)
			return 0;
		else if (c == ']' || c == '}')
			depth--;
	}
	return 1;
}

/* Reads a JSON body of one of the types before the database is taken:
 * Content-Type, then the key, then the bytes into r->body; -1 after
 * recording an error. No body is fine here (the handler decides). */
static int body_read(request *r, const char *const *types)
{
	if (!http_has_body(r))
		return 0;
	if (http_require_type(r, types) != 0 || auth_gate(r) != 0)
		return -1;
	return http_read_body(r, g_config.max_body, &r->body, &r->body_len);
}

/* Reads a JSON body (application/json) before the database is taken. */
int prep_json(request *r)
{
	return body_read(r, json_types);
}

/* Reads a JSON merge patch body (application/json or application/merge-patch+json). */
int prep_merge_patch(request *r)
{
	return body_read(r, merge_types);
}

/* Parses the body read by prep_json as one JSON object; -1 after recording an error. */
static int body_load(request *r, int optional, json_t **root)
{
	json_error_t jerr;

	*root = NULL;
	if (optional && r->body_len == 0)
	{
		*root = json_object();
		return 0;
	}
	if (r->body == NULL && http_require_type(r, json_types) != 0)
		return -1;
	if (!json_depth_ok(r->body ? r->body : "", r->body_len, MAX_JSON_DEPTH))
	{
		http_error(r, 400, "invalid_body", "the body nests arrays and objects too deeply", NULL, NULL);
		return -1;
	}
	*root = json_loadb(r->body ? r->body : "", r->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (*root == NULL)
	{
		http_error(r, 400, "invalid_body", "the body is not valid JSON (or not UTF-8)", NULL, NULL);
		return -1;
	}
	if (!json_is_object(*root))
	{
		json_decref(*root);
		*root = NULL;
		http_error(r, 400, "invalid_body", "the body must be a JSON object", NULL, NULL);
		return -1;
	}
	return 0;
}

/* Replaces the value of a B_JSON field by its text as the client sent it
 * ("a.b": member b of member a); -1 when it cannot be found. */
static int body_raw_json(const request *r, const char *name, char **value)
{
	const char *dot = strchr(name, '.');
	const char *span = r->body;
	size_t		len = r->body_len;
	char		outer[64];

	if (dot != NULL)
	{
		snprintf(outer, sizeof outer, "%.*s", (int) (dot - name), name);
		if (json_raw_member(span, len, outer, &span, &len) != 0)
			return -1;
		name = dot + 1;
	}
	if (json_raw_member(span, len, name, &span, &len) != 0)
		return -1;
	free(*value);
	*value = strndup(span, len);
	return *value == NULL ? -1 : 0;
}

/* Reads the JSON object body and converts each spec field to SQL text in
 * values[i]; unknown keys and wrong types answer 400. Returns 0, or -1 after answering. */
int body_parse(request *r, const body_field *spec, int n, int optional, char **values)
{
	json_t	   *root;
	int			i;

	memset(values, 0, sizeof(char *) * (size_t) n);
	if (body_load(r, optional, &root) != 0)
		return -1;
	if (body_unknown_keys(r, root, spec, n, NULL) != 0)
		goto fail;
	for (i = 0; i < n; i++)
	{
		const char *dot = strchr(spec[i].name, '.');
		const char *why = NULL;
		json_t	   *v;

		if (dot != NULL)
		{
			char		outer[64];
			json_t	   *obj;

			snprintf(outer, sizeof outer, "%.*s", (int) (dot - spec[i].name), spec[i].name);
			obj = json_object_get(root, outer);
			if (obj != NULL && !json_is_null(obj) && !json_is_object(obj))
			{
				http_fail(r, 400, outer, "%s must be an object", outer);
				goto fail;
			}
			if (obj != NULL && json_is_object(obj) && body_unknown_keys(r, obj, spec, n, outer) != 0)
				goto fail;
			v = obj ? json_object_get(obj, dot + 1) : NULL;
		}
		else
			v = json_object_get(root, spec[i].name);
		if (body_value(v, spec[i].type, &values[i], &why) != 0 ||
			(values[i] != NULL && spec[i].type == B_JSON && body_raw_json(r, spec[i].name, &values[i]) != 0))
		{
			http_fail(r, 400, spec[i].name, "%s %s", spec[i].name, why ? why : "could not be read");
			goto fail;
		}
	}
	json_decref(root);
	return 0;
fail:
	json_decref(root);
	body_free(values, n);
	return -1;
}

/* Checks the body read by prep_merge_patch is one JSON object and returns
 * its text as sent (caller frees); -1 after recording an error. */
int body_object(request *r, char **text)
{
	json_t	   *root;

	*text = NULL;
	if (body_load(r, 0, &root) != 0)
		return -1;
	json_decref(root);
	*text = strndup(r->body, r->body_len);
	if (*text == NULL)
	{
		http_fail(r, 500, NULL, "internal error");
		return -1;
	}
	return 0;
}

/* Frees the values filled by body_parse. */
void body_free(char **values, int n)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		free(values[i]);
		values[i] = NULL;
	}
}
