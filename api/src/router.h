/* The route table of DESIGN §5 and the request pipeline: match → authenticate
 * → parse → handler → metrics and access log. */
#ifndef CONVDASH_ROUTER_H
#define CONVDASH_ROUTER_H

#include <civetweb.h>

/* Registers the route names with the metrics; call once before serving. */
void		router_init(void);

/* The civetweb request handler for every path. */
int			router_handle(struct mg_connection *conn, void *cbdata);

#endif
