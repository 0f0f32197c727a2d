/* Service configuration: command-line flags over CONVDASH_* environment variables over defaults. */
#ifndef CONVDASH_CONFIG_H
#define CONVDASH_CONFIG_H

typedef struct config
{
	const char *database_url;	/* libpq conninfo or URI */
	const char *listen;			/* civetweb listening_ports, e.g. 127.0.0.1:8080 */
	char		listen_buf[64];	/* listen when a bare port was given */
	int			threads;		/* HTTP worker threads: client connections served at once */
	int			db_connections;	/* database connections shared by the workers */
	char		static_dir[4096];	/* the dashboard page */
	long long	max_body;		/* JSON request bodies, bytes */
	long long	max_audio;		/* audio uploads, bytes */
	int			statement_timeout_ms;
	int			request_timeout_ms;	/* slow clients: the whole request body */
	int			header_timeout_ms;	/* the whole request head; each client read/write */
	int			keep_alive_timeout_ms;	/* idle time between requests of a connection */
	int			keep_alive_requests;	/* requests per connection before closing it */
	int			export_timeout_ms;	/* the whole of one export download (0: no cap) */
	int			auth_cache_ms;	/* how long a thread trusts a checked key (0: never) */
	const char *db_role;		/* SET ROLE after connecting; "" keeps the login role */
	int			max_streams;	/* event streams open at once, served on top of threads */
	int			access_log;		/* 1: one line per request on stderr */
} config_t;

extern config_t g_config;

/* Fills g_config; returns 0 to run, 1 when --help was printed, -1 on a bad option. */
int config_load(int argc, char **argv);

#endif
