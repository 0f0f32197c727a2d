/* The key gate: whether a request's API key is good, decided before the
 * service reads a body or answers a 4xx. It only gates what the service does
 * for the client; every database call still verifies the key itself. */
#ifndef CONVDASH_AUTH_H
#define CONVDASH_AUTH_H

#include "http.h"

/* Confirms r->key unless already confirmed: 0 when good; -1 after recording
 * 401 (bad key) or 503 (database unavailable). Keys the database accepted
 * within --auth-cache ms are not asked again. */
int			auth_gate(request *r);

/* Remembers that the database accepted key just now. */
void		auth_remember(const char *key);

#endif
