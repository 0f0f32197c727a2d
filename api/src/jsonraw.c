/* Spans of a JSON text as the client sent it: a scanner that skips values
 * and compares decoded member names, for texts jansson already accepted
 * (so it never needs to report syntax errors, only to stay in bounds). */
#include <string.h>

#include "jsonraw.h"

/* The index of the first non-whitespace byte at or after i. */
static size_t skip_ws(const char *t, size_t len, size_t i)
{
	while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
		i++;
	return i;
}

/* The value of four hexadecimal digits at t[i..], or -1. */
static long hex4(const char *t, size_t len, size_t i)
{
	long		v = 0;
	size_t		k;

	if (i + 4 > len)
		return -1;
	for (k = i; k < i + 4; k++)
	{
		char		c = t[k];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Appends code point cp as UTF-8 to out (cut at cap); returns the new length. */
static size_t put_utf8(char *out, size_t used, size_t cap, unsigned long cp)
{
	char		b[4];
	size_t		n, k;

	if (cp < 0x80)
		b[0] = (char) cp, n = 1;
	else if (cp < 0x800)
		b[0] = (char) (0xC0 | (cp >> 6)), b[1] = (char) (0x80 | (cp & 0x3F)), n = 2;
	else if (cp < 0x10000)
		b[0] = (char) (0xE0 | (cp >> 12)), b[1] = (char) (0x80 | ((cp >> 6) & 0x3F)),
			b[2] = (char) (0x80 | (cp & 0x3F)), n = 3;
	else
		b[0] = (char) (0xF0 | (cp >> 18)), b[1] = (char) (0x80 | ((cp >> 12) & 0x3F)),
			b[2] = (char) (0x80 | ((cp >> 6) & 0x3F)), b[3] = (char) (0x80 | (cp & 0x3F)), n = 4;
	for (k = 0; k < n && used + 1 < cap; k++)
		out[used++] = b[k];
	return used;
}

/* Decodes the string starting at the quote t[i] into out (NUL-terminated, cut
 * at cap); returns the index after the closing quote. */
static size_t scan_string(const char *t, size_t len, size_t i, char *out, size_t cap)
{
	size_t		used = 0;

	for (i++; i < len && t[i] != '"'; i++)
	{
		unsigned long cp = (unsigned char) t[i];

		if (t[i] == '\\' && i + 1 < len)
		{
			char		e = t[++i];

			cp = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : (unsigned char) e;
			if (e == 'u' && hex4(t, len, i + 1) >= 0)
			{
				cp = (unsigned long) hex4(t, len, i + 1);
				i += 4;
				if (cp >= 0xD800 && cp < 0xDC00 && i + 2 < len && t[i + 1] == '\\' && t[i + 2] == 'u' &&
					hex4(t, len, i + 3) >= 0xDC00)
				{
					cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned long) hex4(t, len, i + 3) - 0xDC00);
					i += 6;
				}
				if (out != NULL)
					used = put_utf8(out, used, cap, cp);
				continue;
			}
		}
		if (out != NULL && used + 1 < cap)
			out[used++] = (char) cp;	/* raw UTF-8 bytes are copied one by one */
	}
	if (out != NULL && cap > 0)
		out[used] = '\0';
	return i < len ? i + 1 : len;
}

/* Returns the index just after the value starting at t[i]. */
static size_t skip_value(const char *t, size_t len, size_t i)
{
	int			depth = 0;

	do
	{
		i = skip_ws(t, len, i);
		if (i >= len)
			return len;
		if (t[i] == '"')
			i = scan_string(t, len, i, NULL, 0);
		else if (t[i] == '{' || t[i] == '[')
			depth++, i++;
		else if (t[i] == '}' || t[i] == ']')
			depth--, i++;
		else if (t[i] == ',' || t[i] == ':')
			i++;
		else
			while (i < len && strchr(",:]} \t\r\n", t[i]) == NULL)
				i++;
	} while (depth > 0);
	return i;
}

/* Finds the value of member key in the JSON object text[0..len): sets *start
 * and *vlen and returns 0, or -1 when the object has no such member. */
int json_raw_member(const char *text, size_t len, const char *key, const char **start, size_t *vlen)
{
	size_t		i = skip_ws(text, len, 0);
	char		name[256];

	if (i >= len || text[i] != '{')
		return -1;
	i++;
	for (;;)
	{
		size_t		v;

		i = skip_ws(text, len, i);
		if (i >= len || text[i] != '"')
			return -1;
		i = scan_string(text, len, i, name, sizeof name);
		i = skip_ws(text, len, i);
		if (i >= len || text[i] != ':')
			return -1;
		v = skip_ws(text, len, i + 1);
		i = skip_value(text, len, v);
		if (strcmp(name, key) == 0 && strlen(key) < sizeof name - 1)
		{
			*start = text + v;
			*vlen = i - v;
			return 0;
		}
		i = skip_ws(text, len, i);
		if (i >= len || text[i] != ',')
			return -1;
		i++;
	}
}
