/* One libpq connection per pool handle, used by one worker at a time (a
 * libpq connection must never be used by two threads at once). It is opened
 * on first use, runs in pipeline mode so a request's "set tenant + call +
 * commit" is one round trip (one statement when the call checks the key
 * itself, statement_keyed), prepares each statement on first use, is
 * checked before each use (a connection the server closed is replaced before
 * anything is sent) and dropped when lost, so the service recovers by itself
 * after a database restart. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "metrics.h"

#define MAX_PENDING 16
#define MAX_KEY 200
#define MAX_PARAMS 32			/* the most values of a call checking the key itself */

typedef enum pending_kind
{
	P_PREPARE,					/* PQsendPrepare of stmt */
	P_TENANT,					/* ST_TENANT: 42501 there means a bad key */
	P_QUERY,					/* a command whose result is dropped */
	P_KEEP,						/* a command whose result is returned */
	P_KEYED,					/* P_KEEP of a statement checking the key itself: no row means a bad key */
	P_SYNC						/* PQpipelineSync */
} pending_kind;

typedef struct pending
{
	pending_kind kind;
	int			stmt;			/* its slot in prepared[] */
} pending;

/* A key the database accepted recently, and its account. */
struct db
{
	PGconn	   *conn;
	unsigned char prepared[2 * ST_COUNT];	/* 0 no, 1 yes, 2 queued; keyed forms after the plain */
	pending		queue[MAX_PENDING];	/* a ring: results are read in send order */
	int			head;			/* oldest queued command */
	int			nqueue;
	int			key_confirmed;	/* a tenant statement succeeded since last asked */
};

/* Whether the database accepted the key of a call since the last time this
 * was asked (the tenant statement succeeded); clears the flag. */
int db_take_key_confirmed(db_t *db)
{
	int			confirmed = db->key_confirmed;

	db->key_confirmed = 0;
	return confirmed;
}

/* Fills err as a "database unavailable" error (SQLSTATE 08006). */
void db_error_unavailable(db_error *err, const char *why)
{
	memset(err, 0, sizeof *err);
	strcpy(err->sqlstate, "08006");
	snprintf(err->message, sizeof err->message, "%s", why);
}

/* A new, unconnected handle (pool.c owns them). */
db_t *db_new(void)
{
	return calloc(1, sizeof(db_t));
}

/* Closes the connection, if any, and forgets its prepared statements. */
static void db_disconnect(db_t *db)
{
	if (db->conn == NULL)
		return;
	PQfinish(db->conn);
	db->conn = NULL;
	db->nqueue = db->head = 0;
	memset(db->prepared, 0, sizeof db->prepared);
	metrics_db_connections(-1);
}

/* Closes the connection and frees the handle. */
void db_free(db_t *db)
{
	if (db == NULL)
		return;
	db_disconnect(db);
	free(db);
}

/* Drops a connection found broken and reports the database as unavailable. */
static int db_lost(db_t *db, db_error *err)
{
	log_msg("warn", "database connection lost: %s", db->conn ? PQerrorMessage(db->conn) : "");
	metrics_db_failure();
	db_disconnect(db);
	db_error_unavailable(err, "the database is unavailable");
	return -1;
}

/* Whether an idle connection was closed by the server (a restart, an admin
 * kill): nothing is expected on an idle socket, so anything readable there
 * (the FATAL message, end of file) means it is gone. Checked before sending,
 * so a request is never sent into a dead connection and retried blindly. */
static int db_dead(db_t *db)
{
	struct pollfd pfd;

	if (PQstatus(db->conn) != CONNECTION_OK)
		return 1;
	if (db->nqueue > 0 || PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		return 0;
	pfd.fd = PQsocket(db->conn);
	pfd.events = POLLIN;
	pfd.revents = 0;
	return pfd.fd < 0 || poll(&pfd, 1, 0) != 0;
}

/* Runs one parameterised setup statement on a new connection (before pipeline mode). */
static int db_setup(PGconn *conn, const char *sql, int n, const char *const *values)
{
	PGresult   *res = PQexecParams(conn, sql, n, NULL, values, NULL, NULL, 0);
	int			ok = PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
		log_msg("error", "database session setup failed: %s", PQresultErrorMessage(res));
	PQclear(res);
	return ok ? 0 : -1;
}

/* Opens the connection when there is none: session settings, role, pipeline mode. */
static int db_connect(db_t *db, int *fresh, db_error *err)
{
	const char *kw[] = {"connect_timeout", "application_name", "dbname", NULL};
	const char *val[] = {"5", "convdash-api", g_config.database_url, NULL};
	char		timeout[32];
	const char *settings[1] = {timeout};
	const char *role[1] = {g_config.db_role};
	PGconn	   *conn;

	*fresh = 0;
	if (db->conn != NULL && db_dead(db))
	{
		log_msg("warn", "database connection closed by the server; reconnecting before sending");
		metrics_db_failure();
		db_disconnect(db);
	}
	if (db->conn != NULL)
		return 0;
	conn = PQconnectdbParams(kw, val, 1);
	if (PQstatus(conn) != CONNECTION_OK)
	{
		log_msg("warn", "database connection failed: %s", PQerrorMessage(conn));
		PQfinish(conn);
		metrics_db_failure();
		db_error_unavailable(err, "the database is unavailable");
		return -1;
	}
	snprintf(timeout, sizeof timeout, "%d", g_config.statement_timeout_ms);
	if (db_setup(conn, "SELECT pg_catalog.set_config('statement_timeout', $1, false),"
				 " pg_catalog.set_config('idle_in_transaction_session_timeout', '10s', false),"
				 " pg_catalog.set_config('search_path', 'pg_catalog', false)", 1, settings) != 0 ||
		(g_config.db_role[0] != '\0' &&
		 db_setup(conn, "SELECT pg_catalog.set_config('role', $1, false)", 1, role) != 0) ||
		PQenterPipelineMode(conn) != 1)
	{
		PQfinish(conn);
		metrics_db_failure();
		db_error_unavailable(err, "the database is unavailable");
		return -1;
	}
	db->conn = conn;
	db->nqueue = db->head = 0;
	memset(db->prepared, 0, sizeof db->prepared);
	metrics_db_connections(1);
	*fresh = 1;
	return 0;
}

/* Remembers what a queued command was, to read its result in order. */
static int db_push(db_t *db, pending_kind kind, int stmt)
{
	int			slot = (db->head + db->nqueue) % MAX_PENDING;

	if (db->nqueue >= MAX_PENDING)
		return -1;
	db->queue[slot].kind = kind;
	db->queue[slot].stmt = stmt;
	db->nqueue++;
	return 0;
}

/* Queues statement s, prepared[] slot `slot` (preparing it first if this
 * connection has not); kind says how its result is read. */
static int db_send_prepared(db_t *db, const statement *s, int slot, int n, const char *const *values,
							const int *lengths, const int *formats, pending_kind kind)
{
	if (db->prepared[slot] == 0)
	{
		if (!PQsendPrepare(db->conn, s->name, s->sql, 0, NULL) || db_push(db, P_PREPARE, slot) != 0)
			return -1;
		db->prepared[slot] = 2;
	}
	if (!PQsendQueryPrepared(db->conn, s->name, n, values, lengths, formats, s->binary_result))
		return -1;
	return db_push(db, kind, slot);
}

/* Whether a handler passes a statement as many values as it has parameters. */
static int db_check_nparams(stmt_id id, int n)
{
	if (n == statement_nparams(id))
		return 0;
	log_msg("error", "statement %s takes %d values, given %d", statements[id].name, statement_nparams(id), n);
	return -1;
}

/* Queues a statement; kind says how its result is read. */
static int db_send_stmt(db_t *db, stmt_id id, int n, const char *const *values, const int *lengths,
						const int *formats, pending_kind kind)
{
	if (db_check_nparams(id, n) != 0)
		return -1;
	return db_send_prepared(db, &statements[id], id, n, values, lengths, formats, kind);
}

/* Queues the statement that checks the key and makes its account the tenant
 * of the transaction (the database caches the key check, not the service). */
static int db_send_tenant(db_t *db, const char *key)
{
	const char *values[1] = {key};

	return db_send_stmt(db, ST_TENANT, 1, values, NULL, NULL, P_TENANT);
}

/* Queues a call whose result is returned, in a transaction of the key's
 * tenant when key is given: in the statement's own key-checking form when
 * it has one (one statement), else after the tenant statement. */
static int db_send_call(db_t *db, const char *key, stmt_id id, int n, const char *const *values)
{
	const statement *k = key != NULL ? statement_keyed(id) : NULL;
	const char *all[MAX_PARAMS + 1];

	if (k == NULL || n > MAX_PARAMS)
	{
		if (key != NULL && db_send_tenant(db, key) != 0)
			return -1;
		return db_send_stmt(db, id, n, values, NULL, NULL, P_KEEP);
	}
	if (db_check_nparams(id, n) != 0)
		return -1;
	if (n > 0)
		memcpy(all, values, n * sizeof *values);
	all[n] = key;
	return db_send_prepared(db, k, ST_COUNT + id, n + 1, all, NULL, NULL, P_KEYED);
}

/* Fills err as "the API key is invalid or revoked" (SQLSTATE 28000). */
static void db_error_bad_key(db_error *err)
{
	memset(err, 0, sizeof *err);
	strcpy(err->sqlstate, "28000");
	snprintf(err->message, sizeof err->message, "the API key is invalid or revoked");
}

/* Queues a parameterless command such as BEGIN or COMMIT. */
static int db_send_plain(db_t *db, const char *sql)
{
	if (!PQsendQueryParams(db->conn, sql, 0, NULL, NULL, NULL, NULL, 0))
		return -1;
	return db_push(db, P_QUERY, -1);
}

/* Queues a sync point: the end of an implicit transaction. */
static int db_send_sync(db_t *db)
{
	if (!PQpipelineSync(db->conn))
		return -1;
	return db_push(db, P_SYNC, -1);
}

/* Asks the server to send what is queued so far, without ending the transaction. */
static int db_send_flush(db_t *db)
{
	if (!PQsendFlushRequest(db->conn) || PQflush(db->conn) != 0)
		return -1;
	return 0;
}

/* Copies the user-facing parts of an error result into err. */
static void db_fill_error(const PGresult *res, db_error *err)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *field = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);

	memset(err, 0, sizeof *err);
	snprintf(err->sqlstate, sizeof err->sqlstate, "%s", state ? state : "XX000");
	snprintf(err->message, sizeof err->message, "%s", msg ? msg : PQresultErrorMessage(res));
	snprintf(err->field, sizeof err->field, "%s", field ? field : "");
	snprintf(err->hint, sizeof err->hint, "%s", hint ? hint : "");
	snprintf(err->detail, sizeof err->detail, "%s", detail ? detail : "");
}

/* Reads the result of the oldest queued command. A P_KEEP result goes to
 * *kept unless an error came first; the first error goes to err and sets
 * *failed. Returns -1 when the connection is lost (it is then dropped). */
static int db_read_one(db_t *db, PGresult **kept, int *failed, db_error *err)
{
	pending    *p = &db->queue[db->head];
	PGresult   *res = PQgetResult(db->conn);
	PGresult   *extra;
	ExecStatusType st;

	if (res == NULL)
		return -1;
	db->head = (db->head + 1) % MAX_PENDING;
	db->nqueue--;
	st = PQresultStatus(res);
	if (p->kind == P_SYNC)
	{
		PQclear(res);
		return st == PGRES_PIPELINE_SYNC ? 0 : -1;
	}
	while ((extra = PQgetResult(db->conn)) != NULL)
		PQclear(extra);
	if (p->kind == P_KEYED && st == PGRES_TUPLES_OK && PQntuples(res) == 0)
	{
		/* the key gave no row: authenticate() did not accept it, the call did not run */
		if (!*failed)
			db_error_bad_key(err);
		*failed = 1;
	}
	else if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
	{
		if (p->kind == P_PREPARE)
			db->prepared[p->stmt] = 1;
		if ((p->kind != P_PREPARE && p->stmt == ST_TENANT) || p->kind == P_KEYED)
			db->key_confirmed = 1;
		if ((p->kind == P_KEEP || p->kind == P_KEYED) && kept != NULL && !*failed)
		{
			if (*kept != NULL)
				PQclear(*kept);
			*kept = res;
			res = NULL;
		}
	}
	else
	{
		if (p->kind == P_PREPARE)
			db->prepared[p->stmt] = 0;
		if (!*failed)
		{
			if (st == PGRES_PIPELINE_ABORTED)
				db_error_unavailable(err, "the transaction was aborted");
			else
				db_fill_error(res, err);
			if (p->kind == P_TENANT && strcmp(err->sqlstate, "42501") == 0)
				db_error_bad_key(err);
			*failed = 1;
		}
	}
	PQclear(res);
	return 0;
}

/* Frees a result kept for a call that failed. */
static void db_drop_kept(PGresult **kept)
{
	if (kept != NULL && *kept != NULL)
	{
		PQclear(*kept);
		*kept = NULL;
	}
}

/* Reads the results of every queued command in order; keeps the P_KEEP one in
 * *kept. Returns 0, or -1 with err set to the first error. */
static int db_drain(db_t *db, PGresult **kept, db_error *err)
{
	int			failed = 0;

	while (db->nqueue > 0)
	{
		if (db_read_one(db, kept, &failed, err) != 0)
		{
			db_drop_kept(kept);
			return db_lost(db, err);
		}
	}
	if (PQstatus(db->conn) == CONNECTION_BAD)
	{
		db_drop_kept(kept);
		return db_lost(db, err);
	}
	if (failed)
		db_drop_kept(kept);
	return failed ? -1 : 0;
}

/* Ends an open or failed explicit transaction; drops the connection if that fails. */
static void db_make_idle(db_t *db)
{
	db_error	ignored;

	if (db->conn == NULL || PQtransactionStatus(db->conn) == PQTRANS_IDLE)
		return;
	if (db_send_plain(db, "ROLLBACK") != 0 || db_send_sync(db) != 0)
	{
		db_lost(db, &ignored);
		return;
	}
	db_drain(db, NULL, &ignored);
	if (db->conn != NULL && PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		db_lost(db, &ignored);
}

/* Runs one statement, authenticating the key and setting its tenant first
 * when key is given (db_send_call), in an implicit transaction ended by a sync: one round
 * trip. A dead idle connection is found before sending (db_dead); a
 * read-only call is also tried once more on a new connection when a reused
 * one is lost while it runs (a write then is not: it may have committed). */
static int db_run(db_t *db, const char *key, stmt_id id, int n, const char *const *values,
				  PGresult **out, db_error *err)
{
	int			attempt;

	*out = NULL;
	for (attempt = 0;; attempt++)
	{
		int			fresh;

		if (db_connect(db, &fresh, err) != 0)
			return -1;
		if (db_send_call(db, key, id, n, values) != 0 || db_send_sync(db) != 0)
		{
			db_lost(db, err);
		}
		else if (db_drain(db, out, err) == 0)
			return 0;
		if (db->conn != NULL || fresh || attempt > 0 || !statements[id].read_only)
			return -1;
	}
}

/* Checks the database answers, reconnecting if needed; 0 when it does. */
int db_ping(db_t *db, db_error *err)
{
	PGresult   *res;

	if (db_run(db, NULL, ST_PING, 0, NULL, &res, err) != 0)
		return -1;
	PQclear(res);
	return 0;
}

/* Looks up an API key: 0 with *account set (0 when the key is unknown), -1 on error. */
int db_authenticate(db_t *db, const char *key, long long *account, db_error *err)
{
	const char *values[1] = {key};
	PGresult   *res;

	*account = 0;
	if (db_run(db, NULL, ST_AUTH, 1, values, &res, err) != 0)
		return -1;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		*account = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

/* Runs one statement in a transaction of the key's tenant, in one round
 * trip; *out is its result on 0. */
int db_call(db_t *db, const char *key, stmt_id id, int n, const char *const *values,
			PGresult **out, db_error *err)
{
	return db_run(db, key, id, n, values, out, err);
}

/* Sends BEGIN, the tenant and the transaction's first statement without
 * waiting; the first statement's result comes from db_next. */
static int db_begin_send(db_t *db, const char *key, int snapshot, stmt_id first, int n,
				  const char *const *values, db_error *err)
{
	int			fresh;

	if (db_connect(db, &fresh, err) != 0)
		return -1;
	if (db_send_plain(db, snapshot ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN") != 0 ||
		db_send_call(db, key, first, n, values) != 0 || db_send_flush(db) != 0)
		return db_lost(db, err);
	return 0;
}

/* Starts an explicit transaction of the key's tenant (snapshot: repeatable
 * read, read only) and runs its first statement in the same round trip. */
int db_begin(db_t *db, const char *key, int snapshot, stmt_id first, int n,
			 const char *const *values, PGresult **out, db_error *err)
{
	*out = NULL;
	if (db_begin_send(db, key, snapshot, first, n, values, err) != 0)
		return -1;
	if (db_next(db, out, err) != 0)
	{
		db_rollback(db);
		return -1;
	}
	return 0;
}

/* Runs one statement inside db_begin's transaction; lengths/formats may be NULL (text). */
int db_exec(db_t *db, stmt_id id, int n, const char *const *values, const int *lengths,
			const int *formats, PGresult **out, db_error *err)
{
	*out = NULL;
	if (db->conn == NULL)
	{
		db_error_unavailable(err, "the database is unavailable");
		return -1;
	}
	/* a sync, not a flush: the server then waits for the next command as
	 * "idle in transaction", so idle_in_transaction_session_timeout applies */
	if (db_send_stmt(db, id, n, values, lengths, formats, P_KEEP) != 0 || db_send_sync(db) != 0)
		return db_lost(db, err);
	return db_drain(db, out, err);
}

/* Runs the last statement of db_begin's transaction and commits, in one round trip. */
int db_exec_commit(db_t *db, stmt_id id, int n, const char *const *values, const int *lengths,
				   const int *formats, PGresult **out, db_error *err)
{
	*out = NULL;
	if (db->conn == NULL)
	{
		db_error_unavailable(err, "the database is unavailable");
		return -1;
	}
	if (db_send_stmt(db, id, n, values, lengths, formats, P_KEEP) != 0 ||
		db_send_plain(db, "COMMIT") != 0 || db_send_sync(db) != 0)
		return db_lost(db, err);
	if (db_drain(db, out, err) != 0)
	{
		db_make_idle(db);
		return -1;
	}
	return 0;
}

/* Queues a statement of db_begin's transaction without waiting for it; with
 * last set, COMMIT and the end of the pipeline follow it. Its result comes
 * from db_next, in order. */
int db_queue(db_t *db, stmt_id id, int n, const char *const *values, int last, db_error *err)
{
	if (db->conn == NULL)
	{
		db_error_unavailable(err, "the database is unavailable");
		return -1;
	}
	if (db->nqueue + 4 > MAX_PENDING || db_send_stmt(db, id, n, values, NULL, NULL, P_KEEP) != 0 ||
		(last ? db_send_plain(db, "COMMIT") != 0 || db_send_sync(db) != 0 : db_send_flush(db) != 0) ||
		PQflush(db->conn) != 0)
		return db_lost(db, err);
	return 0;
}

/* Reads the result of the oldest statement queued with db_queue. After the
 * last one, db_queue_end reads the commit. */
int db_next(db_t *db, PGresult **out, db_error *err)
{
	int			failed = 0;

	*out = NULL;
	while (db->conn != NULL && db->nqueue > 0 && *out == NULL && !failed)
	{
		if (db_read_one(db, out, &failed, err) != 0)
		{
			db_drop_kept(out);
			return db_lost(db, err);
		}
	}
	if (failed || *out == NULL)
	{
		if (!failed)
			db_error_unavailable(err, "no result was queued");
		db_drop_kept(out);
		return -1;
	}
	return 0;
}

/* Reads the commit queued by db_queue(last); 0 when it committed. */
int db_queue_end(db_t *db, db_error *err)
{
	if (db->conn == NULL)
	{
		db_error_unavailable(err, "the database is unavailable");
		return -1;
	}
	if (db_drain(db, NULL, err) != 0)
	{
		db_make_idle(db);
		return -1;
	}
	return 0;
}

/* Rolls back db_begin's transaction, also after a failed db_exec. */
void db_rollback(db_t *db)
{
	db_error	ignored;

	if (db->conn == NULL)
		return;
	if (db_send_plain(db, "ROLLBACK") != 0 || db_send_sync(db) != 0)
	{
		db_lost(db, &ignored);
		return;
	}
	db_drain(db, NULL, &ignored);
	db_make_idle(db);
}
