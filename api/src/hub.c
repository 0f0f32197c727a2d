/* The event hub's stream registry and fan-out (hub.h; the database side is
 * hub_reader.c). Streams register here and wait for frames; the reader
 * hands each event's frame to hub_fan_out, which copies it into the bounded
 * buffer of every matching live stream under one mutex; the stream threads
 * write their buffers out. A stream whose buffer overflows, or whose write
 * stays blocked, is dropped, never waited for. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "hub_internal.h"
#include "log.h"

#define BUFFER_CAP (256 * 1024)	/* frames waiting for one stream before it is dropped */
#define STALL_SECONDS 5.0		/* one write blocked this long drops the stream */

pthread_mutex_t hub_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t hub_reader_cond;
subscriber *hub_subs;
tenant	   *hub_tenants;
int			hub_stopping;
long long	hub_replayed, hub_reconnects;

static int	nsubs;
static int	max_subs;
static long long next_serial = 1;
static pthread_t reader;
static long long delivered, dropped, resets;

/* Seconds on the monotonic clock. */
static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* The absolute monotonic time ms from now, for pthread_cond_timedwait. */
struct timespec hub_after_ms(int ms)
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

/* Ends a stream (under hub_mu): its thread stops, a blocked write is cut off. */
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

/* Queues frames for a stream (under hub_mu); drops it when its buffer is full. */
void hub_push(subscriber *s, const char *frame, size_t n)
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

/* Queues one event's frame to every live stream of the account that follows conv (under hub_mu). */
void hub_fan_out(long long account, long long conv, const char *frame, size_t n)
{
	subscriber *s;

	for (s = hub_subs; s != NULL; s = s->next)
	{
		if (s->account != account || !s->live || (s->conversation != 0 && s->conversation != conv))
			continue;
		hub_push(s, frame, n);
		delivered++;
	}
}

/* Sends an event "reset" (the client reloads; its next resume starts at id) to a
 * stream, or to every live stream of the account when s is NULL (under hub_mu). */
void hub_send_reset(long long account, subscriber *s, long long id, const char *why)
{
	char		frame[256];
	int			n = snprintf(frame, sizeof frame, "id: %lld\nevent: reset\ndata: {\"reason\":\"%s\"}\n\n", id, why);
	subscriber *x;

	for (x = hub_subs; x != NULL; x = x->next)
	{
		if ((s != NULL && x != s) || x->account != account || x->ended || (s == NULL && !x->live))
			continue;
		hub_push(x, frame, (size_t) n);
		resets++;
	}
}

/* Ends every stream that authenticates with key (under hub_mu). */
void hub_drop_key(const char *key)
{
	subscriber *s;

	for (s = hub_subs; s != NULL; s = s->next)
		if (strcmp(s->key, key) == 0)
			drop(s);
}

/* The stream of a serial number (under hub_mu), or NULL when it is gone. */
subscriber *hub_find_serial(long long serial)
{
	subscriber *s;

	for (s = hub_subs; s != NULL; s = s->next)
		if (s->serial == serial)
			return s;
	return NULL;
}

/* The followed tenant of an account (under hub_mu), or NULL. */
tenant *hub_find_tenant(long long account)
{
	tenant	   *t;

	for (t = hub_tenants; t != NULL; t = t->next)
		if (t->account == account)
			return t;
	return NULL;
}

/* The key of one open stream of an account (under hub_mu) into key; 0 when there is one. */
int hub_key_of(long long account, char *key)
{
	subscriber *s;

	for (s = hub_subs; s != NULL; s = s->next)
	{
		if (s->account == account && !s->ended)
		{
			memcpy(key, s->key, KEY_MAX);
			return 0;
		}
	}
	return -1;
}

/* Drops streams whose write has been blocked too long, and forgets tenants
 * without streams (under hub_mu). */
void hub_housekeeping(void)
{
	double		now = mono();
	subscriber *s;
	tenant	  **tp = &hub_tenants;

	for (s = hub_subs; s != NULL; s = s->next)
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

		for (s = hub_subs; s != NULL && !used; s = s->next)
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

/* Starts the reader thread for at most max streams; 0 on success. */
int hub_start(int max)
{
	max_subs = max;
	cond_init(&hub_reader_cond);
	return pthread_create(&reader, NULL, hub_read_loop, NULL) == 0 ? 0 : -1;
}

/* Ends every stream and stops the reader (streams unsubscribe themselves). */
void hub_stop(void)
{
	subscriber *s;

	pthread_mutex_lock(&hub_mu);
	hub_stopping = 1;
	for (s = hub_subs; s != NULL; s = s->next)
	{
		if (s->writing_since > 0 && s->sock >= 0)
			shutdown(s->sock, SHUT_RDWR);
		pthread_cond_signal(&s->cond);
	}
	pthread_cond_signal(&hub_reader_cond);
	pthread_mutex_unlock(&hub_mu);
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
	pthread_mutex_lock(&hub_mu);
	if (hub_stopping || nsubs >= max_subs)
	{
		pthread_mutex_unlock(&hub_mu);
		pthread_cond_destroy(&s->cond);
		free(s);
		return NULL;
	}
	if (hub_find_tenant(account) == NULL)
	{
		tenant	   *t = calloc(1, sizeof *t);

		if (t == NULL)
		{
			pthread_mutex_unlock(&hub_mu);
			pthread_cond_destroy(&s->cond);
			free(s);
			return NULL;
		}
		t->account = account;
		t->next = hub_tenants;
		hub_tenants = t;
	}
	s->serial = next_serial++;
	s->next = hub_subs;
	hub_subs = s;
	nsubs++;
	pthread_cond_signal(&hub_reader_cond);
	pthread_mutex_unlock(&hub_mu);
	return s;
}

/* Waits up to wait_ms for frames; HUB_DATA hands them over until hub_written. */
hub_take hub_next(subscriber *s, int wait_ms, char **out, size_t *len)
{
	struct timespec until = hub_after_ms(wait_ms);
	hub_take	take;

	pthread_mutex_lock(&hub_mu);
	while (!s->ended && !hub_stopping && s->len == 0)
		if (pthread_cond_timedwait(&s->cond, &hub_mu, &until) != 0)
			break;
	if (s->ended || hub_stopping)
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
	pthread_mutex_unlock(&hub_mu);
	return take;
}

/* Frees the frames handed out by hub_next. */
void hub_written(subscriber *s)
{
	pthread_mutex_lock(&hub_mu);
	free(s->writing);
	s->writing = NULL;
	s->writing_since = 0;
	pthread_mutex_unlock(&hub_mu);
}

/* Unregisters a stream and frees it. */
void hub_unsubscribe(subscriber *s)
{
	subscriber **p;

	pthread_mutex_lock(&hub_mu);
	for (p = &hub_subs; *p != NULL; p = &(*p)->next)
	{
		if (*p == s)
		{
			*p = s->next;
			nsubs--;
			break;
		}
	}
	pthread_mutex_unlock(&hub_mu);
	free(s->buf);
	free(s->writing);
	pthread_cond_destroy(&s->cond);
	free(s);
}

/* Open streams now. */
int hub_streams(void)
{
	int			n;

	pthread_mutex_lock(&hub_mu);
	n = nsubs;
	pthread_mutex_unlock(&hub_mu);
	return n;
}

/* Appends the hub's metrics to text (malloc'd); returns the new text (text itself when out of memory). */
char *hub_metrics(char *text)
{
	char	   *out = NULL;
	int			n;

	pthread_mutex_lock(&hub_mu);
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
				 text, nsubs, max_subs, dropped, delivered, hub_replayed, resets, hub_reconnects);
	pthread_mutex_unlock(&hub_mu);
	if (n < 0)
		return text;
	free(text);
	return out;
}
