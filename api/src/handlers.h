/* Route handlers, one file per resource, and the helpers they share to run
 * one SQL statement for the tenant and pass its JSON through. */
#ifndef CONVDASH_HANDLERS_H
#define CONVDASH_HANDLERS_H

#include "http.h"
#include "params.h"
#include "routes.h"

/* Answers the single JSON value of a result with status; 404 when it is NULL. */
void		respond_result(request *r, int status, PGresult *res);

/* Runs one statement for the tenant and answers its JSON value with status. */
void		respond_call(request *r, int status, stmt_id id, int n, const char *const *values);

/* Runs one statement for the tenant and answers 204 when it succeeds. */
void		respond_no_content(request *r, stmt_id id, int n, const char *const *values);

/* Parses the body against spec into values[first..]; values[0] is the path id
 * when the route has one. Then runs the write (one statement that also reads
 * what it wrote) and answers its JSON with status. */
void		respond_ingest(request *r, int status, const body_field *spec, int n, int optional, stmt_id write);

/* Typed check of the list's query parameters (the list and the export share
 * it); -1 after recording 400. */
int			list_params_ok(request *r);

/* The list's filters, search, sort and order as statement values. */
#define LIST_FILTERS 9

/* Fills values[0..LIST_FILTERS-1] with the list's filters, search, sort and
 * order, in the order of the list's and the export's statements. */
void		list_filter_values(const request *r, const char **values);

/* The route handlers (conversations.c, export.c, agents.c, tracker.c, audio.c, system.c). */
#define DECLARE_HANDLER(method, pattern, fn, auth, params, prepare) void fn(request *r);
ROUTES(DECLARE_HANDLER)
#undef DECLARE_HANDLER

/* Reads a JSON body (application/json) before the database is taken:
 * Content-Type, then the key, then the bytes; -1 after recording an error. */
int			prep_json(request *r);

/* Reads a JSON merge patch body (application/json or application/merge-patch+json). */
int			prep_merge_patch(request *r);

/* Stages an audio upload in a temporary file before the database is taken:
 * checks, then the key, then the bytes; -1 after recording an error. */
int			prep_audio(request *r);

/* Serves a file of the static directory. */
void		serve_static(request *r);

#endif
