/* The event hub's database reader (hub.h; the streams are in hub.c). One
 * reader thread owns one database handle and, every POLL_MS (or at once
 * when a stream arrives), asks each tenant with open streams for its events
 * after the tenant's position (id, tx) — one round trip that authenticates
 * one of that tenant's stream keys, so the reader sees only what those keys
 * may see. Each event becomes one SSE frame that hub_fan_out queues to the
 * matching streams.
 *
 * Resuming (Last-Event-ID) is done by the reader too, between two polls:
 * the events after the stream's id up to the tenant's position are queued
 * before the stream goes live, so nothing is lost or sent twice; an id no
 * longer kept gets an event "reset". After the database connection was lost
 * the reader re-checks each position by its id once reconnected and sends
 * "reset" to the tenants whose position it cannot find. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "hub_internal.h"
#include "log.h"

#define POLL_MS 20				/* how often each followed tenant is read */
#define BATCH 500				/* events read per round trip */
#define REPLAY_BATCH 2000		/* events read per round trip of a replay */
#define RETRY_MS 500			/* pause after the database failed */

/* Formats the SSE frame of result row i into buf; returns its length, or 0 when it does not fit. */
static size_t frame_of(PGresult *res, int i, char *buf, size_t len)
{
	int			n = snprintf(buf, len, "id: %s\nevent: %s\ndata: %s\n\n", PQgetvalue(res, i, 0),
							 PQgetvalue(res, i, 2), PQgetvalue(res, i, 4));

	return n > 0 && (size_t) n < len ? (size_t) n : 0;
}

/* Reads a tenant's events (after its position: by (id, tx), or by id alone when
 * verifying) into *res. 0 on success; 1 when the position is no longer kept;
 * -1 on another error (err filled). */
static int read_events(db_t *db, const char *key, long long after, long long after_tx, int limit,
					   PGresult **res, db_error *err)
{
	char		a[24], t[24], l[16];
	const char *values[3] = {a, after_tx >= 0 ? t : NULL, l};

	snprintf(a, sizeof a, "%lld", after);
	snprintf(t, sizeof t, "%lld", after_tx);
	snprintf(l, sizeof l, "%d", limit);
	if (db_call(db, key, ST_EVENTS_AFTER, 3, values, res, err) == 0)
		return 0;
	return strcmp(err->sqlstate, "P0002") == 0 ? 1 : -1;
}

/* Reads the tenant's newest position into *id, *tx; 0 on success. */
static int read_head(db_t *db, const char *key, long long *id, long long *tx, db_error *err)
{
	PGresult   *res;

	if (db_call(db, key, ST_EVENTS_HEAD, 0, NULL, &res, err) != 0)
		return -1;
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	*tx = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	return 0;
}

/* Handles a failed read of a tenant: a refused key ends the streams that use
 * it; anything else counts as a lost connection (every position is then
 * verified). Returns 1 when the reader should pause. */
static int read_failed(const char *key, const db_error *err)
{
	tenant	   *t;

	pthread_mutex_lock(&hub_mu);
	if (strcmp(err->sqlstate, "28000") == 0 || strcmp(err->sqlstate, "42501") == 0)
	{
		hub_drop_key(key);
		pthread_mutex_unlock(&hub_mu);
		return 0;
	}
	for (t = hub_tenants; t != NULL; t = t->next)
		t->verify = t->known;
	hub_reconnects++;
	pthread_mutex_unlock(&hub_mu);
	log_msg("warn", "event reader: %s (%s); retrying", err->message, err->sqlstate);
	return 1;
}

/* Fans the rows of res out to the live streams of the account (under
 * hub_mu); moves the position to the last row. */
static void deliver(long long account, PGresult *res, long long *pos_id, long long *pos_tx)
{
	int			i, rows = PQntuples(res);
	char		frame[16384];

	for (i = 0; i < rows; i++)
	{
		size_t		n = frame_of(res, i, frame, sizeof frame);

		if (n > 0)
			hub_fan_out(account, strtoll(PQgetvalue(res, i, 3), NULL, 10), frame, n);
		*pos_id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		*pos_tx = strtoll(PQgetvalue(res, i, 1), NULL, 10);
	}
}

/* One tenant's turn: its position (first time), or its new events. Returns
 * 1 when the database failed (the reader pauses), else 0. */
static int follow(db_t *db, long long account, const char *key)
{
	tenant		w, *t;
	PGresult   *res;
	db_error	err;
	int			rc, rows = BATCH;

	pthread_mutex_lock(&hub_mu);
	t = hub_find_tenant(account);
	if (t == NULL)
	{
		pthread_mutex_unlock(&hub_mu);
		return 0;
	}
	w = *t;
	pthread_mutex_unlock(&hub_mu);

	if (!w.known)
	{
		if (read_head(db, key, &w.pos_id, &w.pos_tx, &err) != 0)
			return read_failed(key, &err);
		pthread_mutex_lock(&hub_mu);
		t = hub_find_tenant(account);
		if (t != NULL)
		{
			t->pos_id = w.pos_id;
			t->pos_tx = w.pos_tx;
			t->known = 1;
		}
		pthread_mutex_unlock(&hub_mu);
		return 0;
	}
	while (rows == BATCH)
	{
		rc = read_events(db, key, w.pos_id, w.verify ? -1 : w.pos_tx, BATCH, &res, &err);
		if (rc < 0)
			return read_failed(key, &err);
		pthread_mutex_lock(&hub_mu);
		if (rc == 1)
		{
			/* the position is gone (a restored or replaced database): start over */
			pthread_mutex_unlock(&hub_mu);
			if (read_head(db, key, &w.pos_id, &w.pos_tx, &err) != 0)
				return read_failed(key, &err);
			pthread_mutex_lock(&hub_mu);
			hub_send_reset(account, NULL, w.pos_id, "position lost");
			rows = 0;
		}
		else
		{
			deliver(account, res, &w.pos_id, &w.pos_tx);
			rows = PQntuples(res);
			PQclear(res);
		}
		w.verify = 0;
		t = hub_find_tenant(account);
		if (t != NULL)
		{
			t->pos_id = w.pos_id;
			t->pos_tx = w.pos_tx;
			t->known = 1;
			t->verify = 0;
		}
		pthread_mutex_unlock(&hub_mu);
	}
	return 0;
}

/* Whether (id, tx) is at or before the position (pid, ptx). */
static int at_or_before(long long id, long long tx, long long pid, long long ptx)
{
	return tx < ptx || (tx == ptx && id <= pid);
}

/* Replays a resuming stream's events up to its tenant's position, then
 * makes it live. Returns 1 when the database failed, else 0. */
static int replay(db_t *db, long long serial)
{
	subscriber *s;
	tenant	   *t;
	long long	account, after, after_tx = -1, pid, ptx;
	char		key[KEY_MAX];
	int			done = 0;

	pthread_mutex_lock(&hub_mu);
	s = hub_find_serial(serial);
	t = s != NULL ? hub_find_tenant(s->account) : NULL;
	if (s == NULL || t == NULL || !t->known)
	{
		pthread_mutex_unlock(&hub_mu);
		return 0;
	}
	account = s->account;
	after = s->resume;
	pid = t->pos_id;
	ptx = t->pos_tx;
	memcpy(key, s->key, sizeof key);
	pthread_mutex_unlock(&hub_mu);

	while (!done)
	{
		PGresult   *res;
		db_error	err;
		int			i, rows, rc = after > 0 ? read_events(db, key, after, after_tx, REPLAY_BATCH, &res, &err) : 2;
		char		frame[16384];

		if (rc < 0)
			return read_failed(key, &err);
		pthread_mutex_lock(&hub_mu);
		s = hub_find_serial(serial);
		if (s == NULL)
			done = 1;
		else if (rc == 1)
		{
			hub_send_reset(account, s, pid, "outside the replay window");
			done = 1;
		}
		else if (rc == 2)
			done = 1;
		else
		{
			rows = PQntuples(res);
			for (i = 0; i < rows; i++)
			{
				long long	id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
				long long	tx = strtoll(PQgetvalue(res, i, 1), NULL, 10);
				long long	conv = strtoll(PQgetvalue(res, i, 3), NULL, 10);
				size_t		n;

				if (!at_or_before(id, tx, pid, ptx))
				{
					done = 1;
					break;
				}
				n = frame_of(res, i, frame, sizeof frame);
				if (n > 0 && (s->conversation == 0 || s->conversation == conv))
				{
					hub_push(s, frame, n);
					hub_replayed++;
				}
				after = id;
				after_tx = tx;
			}
			if (rows < REPLAY_BATCH)
				done = 1;
		}
		if (done && s != NULL)
			s->live = 1;
		pthread_mutex_unlock(&hub_mu);
		if (rc == 0)
			PQclear(res);
	}
	return 0;
}

/* The reader thread: follows every tenant with streams, then replays for
 * resuming streams, then sleeps POLL_MS (or until a stream arrives). */
void *hub_read_loop(void *arg)
{
	db_t	   *db = db_new();

	(void) arg;
	if (db == NULL)
	{
		log_msg("error", "event reader: out of memory");
		return NULL;
	}
	pthread_mutex_lock(&hub_mu);
	while (!hub_stopping)
	{
		long long	accounts[MAX_STREAMS], pending[MAX_STREAMS];
		int			na = 0, np = 0, i, failed = 0;
		tenant	   *t;
		subscriber *s;
		struct timespec until;

		hub_housekeeping();
		for (t = hub_tenants; t != NULL && na < lengthof(accounts); t = t->next)
			accounts[na++] = t->account;
		pthread_mutex_unlock(&hub_mu);

		for (i = 0; i < na && !failed; i++)
		{
			char		key[KEY_MAX];
			int			has_key;

			pthread_mutex_lock(&hub_mu);
			has_key = hub_key_of(accounts[i], key) == 0;
			pthread_mutex_unlock(&hub_mu);
			if (has_key)
				failed = follow(db, accounts[i], key);
		}
		pthread_mutex_lock(&hub_mu);
		for (s = hub_subs; s != NULL && np < lengthof(pending); s = s->next)
			if (!s->live && !s->ended)
				pending[np++] = s->serial;
		pthread_mutex_unlock(&hub_mu);
		for (i = 0; i < np && !failed; i++)
			failed = replay(db, pending[i]);

		pthread_mutex_lock(&hub_mu);
		until = hub_after_ms(failed ? RETRY_MS : POLL_MS);
		if (!hub_stopping)
			pthread_cond_timedwait(&hub_reader_cond, &hub_mu, &until);
	}
	pthread_mutex_unlock(&hub_mu);
	db_free(db);
	return NULL;
}
