/* Spans of a JSON text as the client sent it, so that values stored as
 * jsonb keep the client's numbers (0.1 stays 0.1) instead of a re-encoding. */
#ifndef CONVDASH_JSONRAW_H
#define CONVDASH_JSONRAW_H

#include <stddef.h>

/* Finds the value of member key in the JSON object text[0..len) (a text a
 * parser already accepted): sets *start and *vlen and returns 0, or -1 when
 * the object has no such member. */
int			json_raw_member(const char *text, size_t len, const char *key, const char **start, size_t *vlen);

#endif
