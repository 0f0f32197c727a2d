/* The key gate: a process-wide memory of keys the database accepted in the
 * last --auth-cache ms (a small ring under a mutex), and the database check
 * for the others, on a pool handle taken for just that statement. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "config.h"
#include "pool.h"

#define GATE_KEYS 64
#define GATE_KEY_MAX 200

typedef struct gate_entry
{
	char		key[GATE_KEY_MAX + 1];
	double		at;				/* monotonic seconds when accepted */
} gate_entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static gate_entry gate[GATE_KEYS];
static int	next_slot;

/* Seconds on the monotonic clock. */
static double gate_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Whether the database accepted key less than --auth-cache ms ago. */
static int gate_known(const char *key)
{
	double		now = gate_now();
	int			i, found = 0;

	pthread_mutex_lock(&lock);
	for (i = 0; i < GATE_KEYS && !found; i++)
		found = gate[i].key[0] != '\0' && strcmp(gate[i].key, key) == 0 &&
			now - gate[i].at < g_config.auth_cache_ms / 1000.0;
	pthread_mutex_unlock(&lock);
	return found;
}

/* Remembers that the database accepted key just now. */
void auth_remember(const char *key)
{
	int			i, slot = -1;

	if (key == NULL || g_config.auth_cache_ms <= 0 || strlen(key) > GATE_KEY_MAX)
		return;
	pthread_mutex_lock(&lock);
	for (i = 0; i < GATE_KEYS && slot < 0; i++)
		if (strcmp(gate[i].key, key) == 0)
			slot = i;
	if (slot < 0)
	{
		slot = next_slot;
		next_slot = (next_slot + 1) % GATE_KEYS;
		snprintf(gate[slot].key, sizeof gate[slot].key, "%s", key);
	}
	gate[slot].at = gate_now();
	pthread_mutex_unlock(&lock);
}

/* Confirms r->key unless already confirmed: 0 when good; -1 after recording
 * 401 (bad key) or 503 (database unavailable). */
int auth_gate(request *r)
{
	db_t	   *db;
	db_error	err;
	long long	account = 0;
	int			rc;

	if (!r->auth_pending || r->key == NULL)
		return 0;
	if (!gate_known(r->key))
	{
		db = pool_acquire(g_config.statement_timeout_ms > 0 ? g_config.statement_timeout_ms : 10000);
		if (db == NULL)
		{
			http_fail(r, 503, NULL, "all database connections are busy");
			return -1;
		}
		rc = db_authenticate(db, r->key, &account, &err);
		pool_release(db);
		if (rc != 0)
		{
			http_db_error(r, &err);
			return -1;
		}
		if (account <= 0)
		{
			http_error(r, 401, "unauthorized", "the API key is invalid or revoked", NULL, NULL);
			return -1;
		}
		auth_remember(r->key);
	}
	r->auth_pending = 0;
	return 0;
}
