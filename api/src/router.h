/* The route table of DESIGN §5 and the request pipeline: match → authenticate
 * → parse → handler → metrics and access log. */
#ifndef CONVDASH_ROUTER_H
#define CONVDASH_ROUTER_H

#include <civetweb.h>

/* Registers the route names with the metrics; call once before serving. */
void		router_init(void);

/* Counts a client connection opened (+1) or closed (-1). */
void		router_connection(int delta);

/* The civetweb request handler for every path. */
int			router_handle(struct mg_connection *conn, void *cbdata);

/* Starts answering new requests 503 and waits (up to timeout_ms) until the
 * requests in progress have finished; returns how many are still running. */
int			router_drain(int timeout_ms);

#endif
