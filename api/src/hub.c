/* The event hub (hub.h). One reader thread owns one database handle and,
 * every POLL_MS (or at once when a stream arrives), asks each tenant with
 * open streams for its events after the tenant's position (id, tx) — one
 * round trip that authenticates one of that tenant's stream keys, so the
 * reader sees only what those keys may see. Frames go into each matching
 * stream's buffer under one mutex; the stream threads write them out.
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
#include <sys/socket.h>
#include <time.h>

#include "db.h"
#include "hub.h"
#include "log.h"

#define POLL_MS 20				/* how often each followed tenant is read */
#define BATCH 500				/* events read per round trip */
#define REPLAY_BATCH 2000		/* events read per round trip of a replay */
#define BUFFER_CAP (256 * 1024)	/* frames waiting for one stream before it is dropped */
#define STALL_SECONDS 5.0		/* one write blocked this long drops the stream */
#define RETRY_MS 500			/* pause after the database failed */
#define KEY_MAX 256

struct subscriber
{
	long long	serial;			/* never reused: the reader finds a stream by it */
	long long	account;
	long long	conversation;	/* 0: every conversation */
	long long	resume;			/* > 0: replay after this id before going live */
	char		key[KEY_MAX];
	int			live;			/* receives events as they are read */
	int			ended;			/* dropped or stopping: the stream ends */
	char	   *buf;			/* frames waiting */
	size_t		len;
	size_t		cap;
	char	   *writing;		/* frames the stream thread is writing */
	double		writing_since;	/* monotonic seconds, 0 when not writing */
	int			sock;
	pthread_cond_t cond;
	subscriber *next;
};

/* A followed tenant: the position of the last event read. */
typedef struct tenant
{
	long long	account;
	long long	pos_id;
	long long	pos_tx;
	int			known;			/* the position was read from the database */
	int			verify;			/* the next read looks the position up by id */
	struct tenant *next;
} tenant;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reader_cond;
static subscriber *subs;
static tenant *tenants;
static int	nsubs;
static int	max_subs;
static long long next_serial = 1;
static int	stopping;
static pthread_t reader;
static long long delivered, dropped, resets, reconnects, replayed;

/* Seconds on the monotonic clock. */
static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* The absolute monotonic time ms from now, for pthread_cond_timedwait. */
static struct timespec after_ms(int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long) (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L)
	{
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* Initialises a condition variable on the monotonic clock. */
static void cond_init(pthread_cond_t *c)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(c, &attr);
	pthread_condattr_destroy(&attr);
}

/* Ends a stream (under mu): its thread stops, a blocked write is cut off. */
static void drop(subscriber *s)
{
	if (s->ended)
		return;
	s->ended = 1;
	dropped++;
	if (s->writing_since > 0 && s->sock >= 0)
		shutdown(s->sock, SHUT_RDWR);
	pthread_cond_signal(&s->cond);
}

/* Queues frames for a stream (under mu); drops it when its buffer is full. */
static void push(subscriber *s, const char *frame, size_t n)
{
	if (s->ended)
		return;
	if (s->len + n > BUFFER_CAP)
	{
		log_msg("warn", "event stream of account %lld dropped: its client is not reading", s->account);
		drop(s);
		return;
	}
	if (s->len + n > s->cap)
	{
		size_t		cap = s->cap ? s->cap : 4096;
		char	   *grown;

		while (cap < s->len + n)
			cap *= 2;
		grown = realloc(s->buf, cap);
		if (grown == NULL)
		{
			drop(s);
			return;
		}
		s->buf = grown;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, frame, n);
	s->len += n;
	pthread_cond_signal(&s->cond);
}

/* The stream of a serial number (under mu), or NULL when it is gone. */
static subscriber *find_serial(long long serial)
{
	subscriber *s;

	for (s = subs; s != NULL; s = s->next)
		if (s->serial == serial)
			return s;
	return NULL;
}

/* The followed tenant of an account (under mu), or NULL. */
static tenant *find_tenant(long long account)
{
	tenant	   *t;

	for (t = tenants; t != NULL; t = t->next)
		if (t->account == account)
			return t;
	return NULL;
}

/* Formats the SSE frame of result row i into buf; returns its length, or 0 when it does not fit. */
static size_t frame_of(PGresult *res, int i, char *buf, size_t len)
{
	int			n = snprintf(buf, len, "id: %s\nevent: %s\ndata: %s\n\n", PQgetvalue(res, i, 0),
							 PQgetvalue(res, i, 2), PQgetvalue(res, i, 4));

	return n > 0 && (size_t) n < len ? (size_t) n : 0;
}

/* Sends an event "reset" (the client reloads; its next resume starts at id) to a
 * stream, or to every stream of the account when s is NULL (under mu). */
static void send_reset(long long account, subscriber *s, long long id, const char *why)
{
	char		frame[256];
	int			n = snprintf(frame, sizeof frame, "id: %lld\nevent: reset\ndata: {\"reason\":\"%s\"}\n\n", id, why);
	subscriber *x;

	for (x = subs; x != NULL; x = x->next)
	{
		if ((s != NULL && x != s) || x->account != account || x->ended || (s == NULL && !x->live))
			continue;
		push(x, frame, (size_t) n);
		resets++;
	}
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
	subscriber *s;
	tenant	   *t;

	pthread_mutex_lock(&mu);
	if (strcmp(err->sqlstate, "28000") == 0 || strcmp(err->sqlstate, "42501") == 0)
	{
		for (s = subs; s != NULL; s = s->next)
			if (strcmp(s->key, key) == 0)
				drop(s);
		pthread_mutex_unlock(&mu);
		return 0;
	}
	for (t = tenants; t != NULL; t = t->next)
		t->verify = t->known;
	reconnects++;
	pthread_mutex_unlock(&mu);
	log_msg("warn", "event reader: %s (%s); retrying", err->message, err->sqlstate);
	return 1;
}

/* Delivers the rows of res to the live streams of the account (under mu);
 * moves the position to the last row. */
static void deliver(long long account, PGresult *res, long long *pos_id, long long *pos_tx)
{
	int			i, rows = PQntuples(res);
	char		frame[16384];

	for (i = 0; i < rows; i++)
	{
		size_t		n = frame_of(res, i, frame, sizeof frame);
		long long	conv = strtoll(PQgetvalue(res, i, 3), NULL, 10);
		subscriber *s;

		for (s = subs; s != NULL && n > 0; s = s->next)
		{
			if (s->account != account || !s->live || (s->conversation != 0 && s->conversation != conv))
				continue;
			push(s, frame, n);
			delivered++;
		}
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

	pthread_mutex_lock(&mu);
	t = find_tenant(account);
	if (t == NULL)
	{
		pthread_mutex_unlock(&mu);
		return 0;
	}
	w = *t;
	pthread_mutex_unlock(&mu);

	if (!w.known)
	{
		if (read_head(db, key, &w.pos_id, &w.pos_tx, &err) != 0)
			return read_failed(key, &err);
		pthread_mutex_lock(&mu);
		t = find_tenant(account);
		if (t != NULL)
		{
			t->pos_id = w.pos_id;
			t->pos_tx = w.pos_tx;
			t->known = 1;
		}
		pthread_mutex_unlock(&mu);
		return 0;
	}
	while (rows == BATCH)
	{
		rc = read_events(db, key, w.pos_id, w.verify ? -1 : w.pos_tx, BATCH, &res, &err);
		if (rc < 0)
			return read_failed(key, &err);
		pthread_mutex_lock(&mu);
		if (rc == 1)
		{
			/* the position is gone (a restored or replaced database): start over */
			pthread_mutex_unlock(&mu);
			if (read_head(db, key, &w.pos_id, &w.pos_tx, &err) != 0)
				return read_failed(key, &err);
			pthread_mutex_lock(&mu);
			send_reset(account, NULL, w.pos_id, "position lost");
			rows = 0;
		}
		else
		{
			deliver(account, res, &w.pos_id, &w.pos_tx);
			rows = PQntuples(res);
			PQclear(res);
		}
		w.verify = 0;
		t = find_tenant(account);
		if (t != NULL)
		{
			t->pos_id = w.pos_id;
			t->pos_tx = w.pos_tx;
			t->known = 1;
			t->verify = 0;
		}
		pthread_mutex_unlock(&mu);
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

	pthread_mutex_lock(&mu);
	s = find_serial(serial);
	t = s != NULL ? find_tenant(s->account) : NULL;
	if (s == NULL || t == NULL || !t->known)
	{
		pthread_mutex_unlock(&mu);
		return 0;
	}
	account = s->account;
	after = s->resume;
	pid = t->pos_id;
	ptx = t->pos_tx;
	memcpy(key, s->key, sizeof key);
	pthread_mutex_unlock(&mu);

	while (!done)
	{
		PGresult   *res;
		db_error	err;
		int			i, rows, rc = after > 0 ? read_events(db, key, after, after_tx, REPLAY_BATCH, &res, &err) : 2;
		char		frame[16384];

		if (rc < 0)
			return read_failed(key, &err);
		pthread_mutex_lock(&mu);
		s = find_serial(serial);
		if (s == NULL)
			done = 1;
		else if (rc == 1)
		{
			send_reset(account, s, pid, "outside the replay window");
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
					push(s, frame, n);
					replayed++;
				}
				after = id;
				after_tx = tx;
			}
			if (rows < REPLAY_BATCH)
				done = 1;
		}
		if (done && s != NULL)
			s->live = 1;
		pthread_mutex_unlock(&mu);
		if (rc == 0)
			PQclear(res);
	}
	return 0;
}

/* Drops streams whose write has been blocked too long, and forgets tenants
 * without streams (under mu). */
static void housekeeping(void)
{
	double		now = mono();
	subscriber *s;
	tenant	  **tp = &tenants;

	for (s = subs; s != NULL; s = s->next)
	{
		if (!s->ended && s->writing_since > 0 && now - s->writing_since > STALL_SECONDS)
		{
			log_msg("warn", "event stream of account %lld dropped: a write has been blocked for %.0f s",
					s->account, now - s->writing_since);
			drop(s);
		}
	}
	while (*tp != NULL)
	{
		tenant	   *t = *tp;
		int			used = 0;

		for (s = subs; s != NULL && !used; s = s->next)
			used = s->account == t->account;
		if (used)
			tp = &t->next;
		else
		{
			*tp = t->next;
			free(t);
		}
	}
}

/* The key of one open stream of an account (under mu) into key; 0 when there is one. */
static int key_of(long long account, char *key)
{
	subscriber *s;

	for (s = subs; s != NULL; s = s->next)
	{
		if (s->account == account && !s->ended)
		{
			memcpy(key, s->key, KEY_MAX);
			return 0;
		}
	}
	return -1;
}

/* The reader thread: follows every tenant with streams, then replays for
 * resuming streams, then sleeps POLL_MS (or until a stream arrives). */
static void *read_loop(void *arg)
{
	db_t	   *db = db_new();

	(void) arg;
	if (db == NULL)
	{
		log_msg("error", "event reader: out of memory");
		return NULL;
	}
	pthread_mutex_lock(&mu);
	while (!stopping)
	{
		long long	accounts[MAX_STREAMS], pending[MAX_STREAMS];
		int			na = 0, np = 0, i, failed = 0;
		tenant	   *t;
		subscriber *s;
		struct timespec until;

		housekeeping();
		for (t = tenants; t != NULL && na < lengthof(accounts); t = t->next)
			accounts[na++] = t->account;
		pthread_mutex_unlock(&mu);

		for (i = 0; i < na && !failed; i++)
		{
			char		key[KEY_MAX];
			int			has_key;

			pthread_mutex_lock(&mu);
			has_key = key_of(accounts[i], key) == 0;
			pthread_mutex_unlock(&mu);
			if (has_key)
				failed = follow(db, accounts[i], key);
		}
		pthread_mutex_lock(&mu);
		for (s = subs; s != NULL && np < lengthof(pending); s = s->next)
			if (!s->live && !s->ended)
				pending[np++] = s->serial;
		pthread_mutex_unlock(&mu);
		for (i = 0; i < np && !failed; i++)
			failed = replay(db, pending[i]);

		pthread_mutex_lock(&mu);
		until = after_ms(failed ? RETRY_MS : POLL_MS);
		if (!stopping)
			pthread_cond_timedwait(&reader_cond, &mu, &until);
	}
	pthread_mutex_unlock(&mu);
	db_free(db);
	return NULL;
}

/* Starts the reader thread for at most max streams; 0 on success. */
int hub_start(int max)
{
	max_subs = max;
	cond_init(&reader_cond);
	return pthread_create(&reader, NULL, read_loop, NULL) == 0 ? 0 : -1;
}

/* Ends every stream and stops the reader (streams unsubscribe themselves). */
void hub_stop(void)
{
	subscriber *s;

	pthread_mutex_lock(&mu);
	stopping = 1;
	for (s = subs; s != NULL; s = s->next)
	{
		if (s->writing_since > 0 && s->sock >= 0)
			shutdown(s->sock, SHUT_RDWR);
		pthread_cond_signal(&s->cond);
	}
	pthread_cond_signal(&reader_cond);
	pthread_mutex_unlock(&mu);
	pthread_join(reader, NULL);
}

/* Registers a stream; NULL when max streams are open or the service is stopping. */
subscriber *hub_subscribe(long long account, const char *key, long long conversation,
						  long long resume, int sock)
{
	subscriber *s = calloc(1, sizeof *s);

	if (s == NULL || strlen(key) >= KEY_MAX)
	{
		free(s);
		return NULL;
	}
	s->account = account;
	s->conversation = conversation;
	s->resume = resume;
	s->sock = sock;
	snprintf(s->key, sizeof s->key, "%s", key);
	cond_init(&s->cond);
	pthread_mutex_lock(&mu);
	if (stopping || nsubs >= max_subs)
	{
		pthread_mutex_unlock(&mu);
		pthread_cond_destroy(&s->cond);
		free(s);
		return NULL;
	}
	if (find_tenant(account) == NULL)
	{
		tenant	   *t = calloc(1, sizeof *t);

		if (t == NULL)
		{
			pthread_mutex_unlock(&mu);
			pthread_cond_destroy(&s->cond);
			free(s);
			return NULL;
		}
		t->account = account;
		t->next = tenants;
		tenants = t;
	}
	s->serial = next_serial++;
	s->next = subs;
	subs = s;
	nsubs++;
	pthread_cond_signal(&reader_cond);
	pthread_mutex_unlock(&mu);
	return s;
}

/* Waits up to wait_ms for frames; HUB_DATA hands them over until hub_written. */
hub_take hub_next(subscriber *s, int wait_ms, char **out, size_t *len)
{
	struct timespec until = after_ms(wait_ms);
	hub_take	take;

	pthread_mutex_lock(&mu);
	while (!s->ended && !stopping && s->len == 0)
		if (pthread_cond_timedwait(&s->cond, &mu, &until) != 0)
			break;
	if (s->ended || stopping)
		take = HUB_END;
	else if (s->len == 0)
		take = HUB_IDLE;
	else
	{
		take = HUB_DATA;
		*out = s->writing = s->buf;
		*len = s->len;
		s->buf = NULL;
		s->len = s->cap = 0;
		s->writing_since = mono();
	}
	pthread_mutex_unlock(&mu);
	return take;
}

/* Frees the frames handed out by hub_next. */
void hub_written(subscriber *s)
{
	pthread_mutex_lock(&mu);
	free(s->writing);
	s->writing = NULL;
	s->writing_since = 0;
	pthread_mutex_unlock(&mu);
}

/* Unregisters a stream and frees it. */
void hub_unsubscribe(subscriber *s)
{
	subscriber **p;

	pthread_mutex_lock(&mu);
	for (p = &subs; *p != NULL; p = &(*p)->next)
	{
		if (*p == s)
		{
			*p = s->next;
			nsubs--;
			break;
		}
	}
	pthread_mutex_unlock(&mu);
	free(s->buf);
	free(s->writing);
	pthread_cond_destroy(&s->cond);
	free(s);
}

/* Open streams now. */
int hub_streams(void)
{
	int			n;

	pthread_mutex_lock(&mu);
	n = nsubs;
	pthread_mutex_unlock(&mu);
	return n;
}

/* Appends the hub's metrics to text (malloc'd); returns the new text (text itself when out of memory). */
char *hub_metrics(char *text)
{
	char	   *out = NULL;
	int			n;

	pthread_mutex_lock(&mu);
	n = asprintf(&out,
				 "%s"
				 "# HELP convdash_event_streams Open event streams (GET /api/v1/events).\n"
				 "# TYPE convdash_event_streams gauge\nconvdash_event_streams %d\n"
				 "# HELP convdash_event_streams_max The cap on open event streams (--max-streams).\n"
				 "# TYPE convdash_event_streams_max gauge\nconvdash_event_streams_max %d\n"
				 "# HELP convdash_event_streams_dropped_total Streams dropped because their client stopped reading.\n"
				 "# TYPE convdash_event_streams_dropped_total counter\nconvdash_event_streams_dropped_total %lld\n"
				 "# HELP convdash_events_delivered_total Events queued to streams as they were read.\n"
				 "# TYPE convdash_events_delivered_total counter\nconvdash_events_delivered_total %lld\n"
				 "# HELP convdash_events_replayed_total Events queued to resuming streams.\n"
				 "# TYPE convdash_events_replayed_total counter\nconvdash_events_replayed_total %lld\n"
				 "# HELP convdash_events_resets_total Reset events sent (resume outside the window, position lost).\n"
				 "# TYPE convdash_events_resets_total counter\nconvdash_events_resets_total %lld\n"
				 "# HELP convdash_events_reader_failures_total Failed reads of the event reader (it retries).\n"
				 "# TYPE convdash_events_reader_failures_total counter\nconvdash_events_reader_failures_total %lld\n",
				 text, nsubs, max_subs, dropped, delivered, replayed, resets, reconnects);
	pthread_mutex_unlock(&mu);
	if (n < 0)
		return text;
	free(text);
	return out;
}
