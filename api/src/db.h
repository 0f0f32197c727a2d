/* One libpq connection per pool handle (pool.c): connected lazily, in
 * pipeline mode, statements prepared on first use, checked before each use
 * and re-established when the server closed it. Every call runs in a
 * transaction that first authenticates the API key and sets its tenant
 * (ST_TENANT, or the call's own statement_keyed form); a bad key fails as
 * SQLSTATE 28000. */
#ifndef CONVDASH_DB_H
#define CONVDASH_DB_H

#include <libpq-fe.h>

#include "statements.h"

typedef struct db db_t;

/* What a failed call reports: the SQLSTATE and the error's user-facing parts. */
typedef struct db_error
{
	char		sqlstate[6];
	char		message[512];
	char		field[64];
	char		detail[512];
	char		hint[512];
} db_error;

/* A new, unconnected handle (pool.c owns them). */
db_t	   *db_new(void);

/* Closes the connection and frees the handle. */
void		db_free(db_t *db);

/* Checks the database answers, reconnecting if needed; 0 when it does. */
int			db_ping(db_t *db, db_error *err);

/* Looks up an API key: 0 with *account set (0 when the key is unknown), -1 on error. */
int			db_authenticate(db_t *db, const char *key, long long *account, db_error *err);

/* Runs one statement in a transaction of the key's tenant, in one round
 * trip; *out is its result on 0. */
int			db_call(db_t *db, const char *key, stmt_id id, int n, const char *const *values,
					PGresult **out, db_error *err);

/* Starts an explicit transaction of the key's tenant (snapshot: repeatable
 * read, read only) and runs its first statement in the same round trip. */
int			db_begin(db_t *db, const char *key, int snapshot, stmt_id first, int n,
					 const char *const *values, PGresult **out, db_error *err);

/* Runs one statement inside db_begin's transaction; lengths/formats may be NULL (text). */
int			db_exec(db_t *db, stmt_id id, int n, const char *const *values, const int *lengths,
					const int *formats, PGresult **out, db_error *err);

/* Runs the last statement of db_begin's transaction and commits, in one round trip. */
int			db_exec_commit(db_t *db, stmt_id id, int n, const char *const *values, const int *lengths,
						   const int *formats, PGresult **out, db_error *err);

/* Queues a statement of db_begin's transaction without waiting for it; with
 * last set, COMMIT and the end of the pipeline follow it. Its result comes
 * from db_next, in order (a few may be in flight: streaming overlaps the
 * database's reads with the client's writes). */
int			db_queue(db_t *db, stmt_id id, int n, const char *const *values, int last, db_error *err);

/* Reads the result of the oldest statement queued with db_queue. */
int			db_next(db_t *db, PGresult **out, db_error *err);

/* Reads the commit queued by db_queue(last); 0 when it committed. */
int			db_queue_end(db_t *db, db_error *err);

/* Rolls back db_begin's transaction, also after a failed db_exec. */
void		db_rollback(db_t *db);

/* Whether the database accepted the key of a call since the last time this
 * was asked (the tenant statement succeeded); clears the flag. */
int			db_take_key_confirmed(db_t *db);

/* Fills err as a "database unavailable" error (SQLSTATE 08006). */
void		db_error_unavailable(db_error *err, const char *why);

#endif
