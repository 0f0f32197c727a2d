/* The helpers handlers share: run one SQL function for the tenant and pass
 * its JSON through as bytes (the JSON is built in SQL). */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

/* Answers the single JSON value of a result with status; 404 when it is NULL. */
void respond_result(request *r, int status, PGresult *res)
{
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
	{
		http_fail(r, 404, NULL, "not found");
		return;
	}
	http_send(r, status, "application/json", PQgetvalue(res, 0, 0), (size_t) PQgetlength(res, 0, 0));
}

/* Runs one statement for the tenant and answers its JSON value with status. */
void respond_call(request *r, int status, stmt_id id, int n, const char *const *values)
{
	PGresult   *res;
	db_error	err;

	if (db_call(r->db, r->key, id, n, values, &res, &err) != 0)
	{
		http_db_error(r, &err);
		return;
	}
	respond_result(r, status, res);
	PQclear(res);
}

/* Runs one statement for the tenant and answers 204 when it succeeds. */
void respond_no_content(request *r, stmt_id id, int n, const char *const *values)
{
	PGresult   *res;
	db_error	err;

	if (db_call(r->db, r->key, id, n, values, &res, &err) != 0)
	{
		http_db_error(r, &err);
		return;
	}
	PQclear(res);
	http_no_content(r);
}

#define MAX_INGEST_FIELDS 16

/* Parses the body against spec into values[first..]; values[0] is the path id
 * when the route has one. Then runs the write (one statement that also reads
 * what it wrote) and answers its JSON with status. */
void respond_ingest(request *r, int status, const body_field *spec, int n, int optional, stmt_id write)
{
	char	   *values[MAX_INGEST_FIELDS + 1];
	int			first = r->nids > 0 ? 1 : 0;

	if (n > MAX_INGEST_FIELDS)
	{
		http_fail(r, 500, NULL, "internal error");
		return;
	}
	if (body_parse(r, spec, n, optional, values + first) != 0)
		return;
	if (first)
		values[0] = r->id_text[0];
	respond_call(r, status, write, n + first, (const char *const *) values);
	body_free(values + first, n);
}
