/* The database connections shared by the HTTP workers. A worker holds one
 * only while it runs statements, never while it waits on a client, so many
 * cheap client connections share a few database sessions. */
#ifndef CONVDASH_POOL_H
#define CONVDASH_POOL_H

#include "db.h"

/* Creates n unconnected handles (each connects on first use); 0 on success. */
int			pool_init(int n);

/* Takes the handle free the longest (so every handle is used in turn),
 * waiting up to timeout_ms; NULL when none became free in time. */
db_t	   *pool_acquire(int timeout_ms);

/* Gives a handle back. */
void		pool_release(db_t *db);

/* Closes every connection and frees the handles (after the workers stopped). */
void		pool_free(void);

#endif
