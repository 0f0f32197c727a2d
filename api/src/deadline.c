/* The whole-request deadline of body reads: armed sockets in a fixed array
 * under a mutex, checked by one watchdog thread every 50 ms. */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "deadline.h"

#define WATCH_MS 50

typedef struct armed
{
	int			fd;				/* -1: free slot */
	double		at;				/* monotonic seconds */
	int			fired;			/* the reading side was shut already */
} armed;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static armed *slots;
static int	nslots;
static int	stopping;
static pthread_t watchdog;

/* Seconds on the monotonic clock. */
static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* The watchdog: shuts the reading side of every socket past its deadline. */
static void *watch(void *arg)
{
	struct timespec pause = {0, WATCH_MS * 1000000L};

	(void) arg;
	while (!__atomic_load_n(&stopping, __ATOMIC_SEQ_CST))
	{
		double		now = mono();
		int			i;

		pthread_mutex_lock(&lock);
		for (i = 0; i < nslots; i++)
		{
			if (slots[i].fd >= 0 && !slots[i].fired && slots[i].at <= now)
			{
				shutdown(slots[i].fd, SHUT_RD);
				slots[i].fired = 1;
			}
		}
		pthread_mutex_unlock(&lock);
		nanosleep(&pause, NULL);
	}
	return NULL;
}

/* Starts the watchdog with room for n armed connections; 0 on success. */
int deadline_start(int n)
{
	int			i;

	slots = calloc((size_t) n, sizeof *slots);
	if (slots == NULL)
		return -1;
	for (i = 0; i < n; i++)
		slots[i].fd = -1;
	nslots = n;
	return pthread_create(&watchdog, NULL, watch, NULL) == 0 ? 0 : -1;
}

/* Stops the watchdog thread. */
void deadline_stop(void)
{
	__atomic_store_n(&stopping, 1, __ATOMIC_SEQ_CST);
	pthread_join(watchdog, NULL);
	free(slots);
	slots = NULL;
	nslots = 0;
}

/* Arms the deadline of socket fd; returns a slot, or -1 when there is no room. */
int deadline_arm(int fd, double at)
{
	int			i, slot = -1;

	if (fd < 0)
		return -1;
	pthread_mutex_lock(&lock);
	for (i = 0; i < nslots && slot < 0; i++)
	{
		if (slots[i].fd < 0)
		{
			slots[i].fd = fd;
			slots[i].at = at;
			slots[i].fired = 0;
			slot = i;
		}
	}
	pthread_mutex_unlock(&lock);
	return slot;
}

/* Disarms a slot returned by deadline_arm (-1 is ignored). */
void deadline_disarm(int slot)
{
	if (slot < 0)
		return;
	pthread_mutex_lock(&lock);
	slots[slot].fd = -1;
	pthread_mutex_unlock(&lock);
}

/* Whether a socket address is the host ri->remote_addr names. */
static int sa_host_is(const struct sockaddr_storage *sa, const char *host)
{
	char		text[INET6_ADDRSTRLEN];
	const void *addr = sa->ss_family == AF_INET ? (const void *) &((const struct sockaddr_in *) sa)->sin_addr
		: (const void *) &((const struct sockaddr_in6 *) sa)->sin6_addr;

	return inet_ntop(sa->ss_family, addr, text, sizeof text) != NULL && strcmp(text, host) == 0;
}

/* The port of a socket address (IPv4 or IPv6), or -1. */
static int sa_port(const struct sockaddr_storage *sa)
{
	if (sa->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *) sa)->sin_port);
	if (sa->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *) sa)->sin6_port);
	return -1;
}

/* The socket of a client connection, found by its addresses among the
 * process's open descriptors; -1 when not found. */
int deadline_find_socket(const struct mg_request_info *ri)
{
	DIR		   *dir = opendir("/proc/self/fd");
	struct dirent *e;
	int			found = -1;

	if (dir == NULL)
		return -1;
	while (found < 0 && (e = readdir(dir)) != NULL)
	{
		struct sockaddr_storage peer, local;
		socklen_t	plen = sizeof peer, llen = sizeof local;
		int			fd = atoi(e->d_name);

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd == dirfd(dir))
			continue;
		if (getpeername(fd, (struct sockaddr *) &peer, &plen) == 0 && sa_port(&peer) == ri->remote_port &&
			sa_host_is(&peer, ri->remote_addr) &&
			getsockname(fd, (struct sockaddr *) &local, &llen) == 0 && sa_port(&local) == ri->server_port)
			found = fd;
	}
	closedir(dir);
	return found;
}
