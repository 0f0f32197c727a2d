/* The event hub: ONE database connection per process reads the tenants'
 * events (convdash.events_after, the outbox of sql/parts/55_events.sql) for
 * every tenant that has an open stream, and fans them out to the streams as
 * ready SSE frames. A stream's frames wait in a bounded buffer; a stream
 * whose buffer overflows or whose client stops reading is dropped, never
 * waited for. */
#ifndef CONVDASH_HUB_H
#define CONVDASH_HUB_H

/* The most streams a process may be configured for (--max-streams). */
#define MAX_STREAMS 4096

typedef struct subscriber subscriber;

/* What hub_next hands a stream. */
typedef enum hub_take
{
	HUB_DATA,					/* frames to write (and then hub_written) */
	HUB_IDLE,					/* nothing for the keep-alive interval */
	HUB_END						/* dropped, or the service is stopping */
} hub_take;

/* Starts the reader thread for at most max streams; 0 on success. */
int			hub_start(int max);

/* Ends every stream (hub_next answers HUB_END) and stops the reader. */
void		hub_stop(void);

/* Registers a stream of the account read with key: only events of
 * conversation (0: all), resuming after event id resume (-1: from now).
 * sock is its socket (-1 unknown). NULL when max streams are open. */
subscriber *hub_subscribe(long long account, const char *key, long long conversation,
						  long long resume, int sock);

/* Waits up to wait_ms for frames; on HUB_DATA, out and len are the frames,
 * owned by the stream until hub_written. */
hub_take	hub_next(subscriber *s, int wait_ms, char **out, size_t *len);

/* Says the frames of hub_next were written (and may be freed). */
void		hub_written(subscriber *s);

/* Unregisters a stream and frees it. */
void		hub_unsubscribe(subscriber *s);

/* Open streams now. */
int			hub_streams(void);

/* Appends the hub's Prometheus metrics to a malloc'd text; returns the new text. */
char	   *hub_metrics(char *text);

#endif
