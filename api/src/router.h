/* The route table of DESIGN §5 and the request pipeline: match → authenticate
 * → parse → handler → metrics and access log. */
#ifndef CONVDASH_ROUTER_H
#define CONVDASH_ROUTER_H

#include <stddef.h>

#include <civetweb.h>

/* Registers the route names with the metrics; call once before serving. */
void		router_init(void);

/* Counts a client connection opened; returns its state (NULL when out of memory). */
void	   *router_connection_open(void);

/* Counts a client connection closed and frees its state. */
void		router_connection_closed(void *state);

/* Writes the methods some route takes, HEAD with GET, and OPTIONS as an Allow value. */
void		router_methods(char *buf, size_t len);

/* Answers the connection's last request when civetweb dropped it unanswered
 * (OPTIONS *, absolute-form for another port: dropped.c). */
void		answer_dropped_request(struct mg_connection *conn);

/* Records that civetweb answered an error on the connection itself. */
void		router_note_error_sent(const struct mg_connection *conn);

/* Whether civetweb answered an error on the connection itself. */
int			router_error_sent(const struct mg_connection *conn);

/* Whether a request head that never completed ran into its deadline (rather
 * than the head size limit). */
int			router_head_timed_out(const struct mg_connection *conn);

/* The civetweb request handler for every path. */
int			router_handle(struct mg_connection *conn, void *cbdata);

/* Starts answering new requests 503 and waits (up to timeout_ms) until the
 * requests in progress have finished; returns how many are still running. */
int			router_drain(int timeout_ms);

#endif
