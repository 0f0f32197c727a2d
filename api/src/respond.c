/* The helpers handlers share: run one SQL function for the tenant and pass
 * its JSON through as bytes (the JSON is built in SQL). */
#include <stdio.h>
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

/* What an Idempotency-Key covers: method, path and body. */
static char *idempotent_request(const request *r)
{
	size_t		len = strlen(r->method) + strlen(r->path) + r->body_len + 3;
	char	   *text = malloc(len);

	if (text != NULL)
		snprintf(text, len, "%s %s\n%.*s", r->method, r->path, (int) r->body_len, r->body ? r->body : "");
	return text;
}

/* Runs a write sent with an Idempotency-Key: the first answer again for a
 * repeat (convdash.idempotency_begin), else the write, its answer stored with
 * it in the same transaction. */
static void respond_idempotent(request *r, const char *idem, int status, stmt_id id, int n,
							   const char *const *values)
{
	PGresult   *res = NULL;
	db_error	err;
	char	   *text = idempotent_request(r);
	const char *begin[2] = {idem, text};
	char		status_text[8];

	if (text == NULL)
	{
		http_fail(r, 500, NULL, "out of memory");
		return;
	}
	if (db_begin(r->db, r->key, 0, ST_IDEM_BEGIN, 2, begin, &res, &err) != 0)
		goto failed;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
	{
		/* a repeat: nothing to write, the first answer */
		int			first = atoi(PQgetvalue(res, 0, 0));

		db_rollback(r->db);
		r->extra_name = "Idempotent-Replayed";
		snprintf(r->extra_value, sizeof r->extra_value, "true");
		http_send(r, first, "application/json", PQgetvalue(res, 0, 1), (size_t) PQgetlength(res, 0, 1));
		goto done;
	}
	PQclear(res);
	res = NULL;
	if (db_exec(r->db, id, n, values, NULL, NULL, &res, &err) != 0)
	{
		db_rollback(r->db);
		goto failed;
	}
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
	{
		db_rollback(r->db);
		http_fail(r, 404, NULL, "not found");
		goto done;
	}
	snprintf(status_text, sizeof status_text, "%d", status);
	{
		const char *finish[3] = {idem, status_text, PQgetvalue(res, 0, 0)};
		PGresult   *stored;

		if (db_exec_commit(r->db, ST_IDEM_FINISH, 3, finish, NULL, NULL, &stored, &err) != 0)
			goto failed;
		PQclear(stored);
	}
	respond_result(r, status, res);
	goto done;
failed:
	http_db_error(r, &err);
done:
	if (res != NULL)
		PQclear(res);
	free(text);
}

/* Runs one statement for the tenant and answers its JSON value with status;
 * a write sent with an Idempotency-Key runs once per key. */
void respond_call(request *r, int status, stmt_id id, int n, const char *const *values)
{
	PGresult   *res;
	db_error	err;
	const char *idem = statements[id].read_only ? NULL : mg_get_header(r->conn, "Idempotency-Key");

	if (idem != NULL)
	{
		respond_idempotent(r, idem, status, id, n, values);
		return;
	}
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
