/* What the two halves of the event hub share (hub.h is the public side):
 * hub.c keeps the stream registry and fans frames out to the streams;
 * hub_reader.c is the reader thread that owns the database handle. Every
 * field and list below is guarded by hub_mu. */
#ifndef CONVDASH_HUB_INTERNAL_H
#define CONVDASH_HUB_INTERNAL_H

#include <pthread.h>
#include <stddef.h>

#include "hub.h"

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

extern pthread_mutex_t hub_mu;
extern pthread_cond_t hub_reader_cond;	/* wakes the reader (a stream arrived, stopping) */
extern subscriber *hub_subs;
extern tenant *hub_tenants;
extern int	hub_stopping;
extern long long hub_replayed;	/* events queued to resuming streams */
extern long long hub_reconnects;	/* failed reads of the reader */

/* The reader thread (hub_reader.c): follows the tenants until hub_stopping. */
void	   *hub_read_loop(void *arg);

/* The absolute monotonic time ms from now, for pthread_cond_timedwait. */
struct timespec hub_after_ms(int ms);

/* Queues frames for a stream (under hub_mu); drops it when its buffer is full. */
void		hub_push(subscriber *s, const char *frame, size_t n);

/* Queues one event's frame to every live stream of the account that follows conversation conv (under hub_mu). */
void		hub_fan_out(long long account, long long conv, const char *frame, size_t n);

/* Sends an event "reset" to a stream, or to every live stream of the account when s is NULL (under hub_mu). */
void		hub_send_reset(long long account, subscriber *s, long long id, const char *why);

/* Ends every stream that authenticates with key (under hub_mu). */
void		hub_drop_key(const char *key);

/* The stream of a serial number (under hub_mu), or NULL when it is gone. */
subscriber *hub_find_serial(long long serial);

/* The followed tenant of an account (under hub_mu), or NULL. */
tenant	   *hub_find_tenant(long long account);

/* The key of one open stream of an account (under hub_mu) into key; 0 when there is one. */
int			hub_key_of(long long account, char *key);

/* Drops streams whose write has been blocked too long, and forgets tenants without streams (under hub_mu). */
void		hub_housekeeping(void);

#endif
