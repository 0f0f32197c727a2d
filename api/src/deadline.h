/* The whole-request deadline of body reads. civetweb waits up to
 * request_timeout_ms for each next byte of a read, so a client trickling one
 * byte at a time could keep one read going for ever; a watchdog thread shuts
 * the reading side of a connection whose deadline has passed, which ends the
 * read at once (the answer, 408, can still be written). */
#ifndef CONVDASH_DEADLINE_H
#define CONVDASH_DEADLINE_H

#include <civetweb.h>

/* Starts the watchdog with room for n armed connections; 0 on success. */
int			deadline_start(int n);

/* Stops the watchdog thread. */
void		deadline_stop(void);

/* Arms the deadline (monotonic seconds) of socket fd; returns a slot for
 * deadline_disarm, or -1 when there is no room (the read is then unbounded). */
int			deadline_arm(int fd, double at);

/* Disarms a slot returned by deadline_arm (-1 is ignored). */
void		deadline_disarm(int slot);

/* The socket of a client connection, found by its two addresses (civetweb
 * 1.15 does not expose it); -1 when not found. */
int			deadline_find_socket(const struct mg_request_info *ri);

#endif
