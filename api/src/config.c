/* Service configuration: command-line flags over CONVDASH_* environment variables over defaults. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "hub.h"

config_t	g_config;

static const char usage[] =
	"usage: convdash-api [options]\n"
	"  --database-url URL      libpq conninfo (CONVDASH_DATABASE_URL; default: libpq defaults/PG* env)\n"
	"  --listen ADDR:PORT      listen address (CONVDASH_LISTEN; default 127.0.0.1:8080)\n"
	"  --threads N             HTTP worker threads = open client connections served at once\n"
	"                          (CONVDASH_THREADS; default 256)\n"
	"  --db-connections N      database connections shared by the workers (CONVDASH_DB_CONNECTIONS; default 16)\n"
	"  --static-dir DIR        dashboard page (CONVDASH_STATIC_DIR; default: static/ next to the binary)\n"
	"  --max-body BYTES        JSON body cap (CONVDASH_MAX_BODY; default 4194304)\n"
	"  --max-audio BYTES       audio upload cap (CONVDASH_MAX_AUDIO; default 52428800)\n"
	"  --statement-timeout MS  per SQL statement (CONVDASH_STATEMENT_TIMEOUT; default 10000)\n"
	"  --header-timeout MS     the whole request head, and each client read/write\n"
	"                          (CONVDASH_HEADER_TIMEOUT; default 5000)\n"
	"  --request-timeout MS    the whole request body (CONVDASH_REQUEST_TIMEOUT; default 30000)\n"
	"  --export-timeout MS     the whole of one export download, 0 = no cap\n"
	"                          (CONVDASH_EXPORT_TIMEOUT; default 3600000)\n"
	"  --keep-alive-timeout MS idle time between requests of a connection (CONVDASH_KEEP_ALIVE_TIMEOUT; default 2000)\n"
	"  --keep-alive-requests N requests per connection before it is closed (CONVDASH_KEEP_ALIVE_REQUESTS; default 100)\n"
	"  --auth-cache MS         how long a checked key is trusted, 0 = check every request\n"
	"                          (CONVDASH_AUTH_CACHE; default 1000: a revoked key stops within 1 s)\n"
	"  --db-role ROLE          SET ROLE after connecting, \"\" for none (CONVDASH_DB_ROLE; default convdash_api)\n"
	"  --max-streams N         event streams (GET /api/v1/events) open at once, each on its own\n"
	"                          worker on top of --threads (CONVDASH_MAX_STREAMS; default 256)\n"
	"  --no-access-log         no per-request log lines (CONVDASH_ACCESS_LOG=0)\n";

/* Parses a whole decimal number within [low, high]; returns -1 when it is not one. */
static int parse_number(const char *text, long long low, long long high, long long *out)
{
	char	   *end;
	long long	v;

	if (text == NULL || *text == '\0')
		return -1;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0' || v < low || v > high)
		return -1;
	*out = v;
	return 0;
}

/* Sets a numeric option from text, printing an error naming it when invalid. */
static int set_number(const char *name, const char *text, long long low, long long high, long long *out)
{
	if (text == NULL)
		return 0;
	if (parse_number(text, low, high, out) != 0)
	{
		fprintf(stderr, "convdash-api: %s must be a number between %lld and %lld\n", name, low, high);
		return -1;
	}
	return 0;
}

/* The default static directory: static/ beside the executable. */
static void default_static_dir(char *buf, size_t len)
{
	char		exe[PATH_MAX];
	ssize_t		n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char	   *slash;

	if (n <= 0)
	{
		snprintf(buf, len, "static");
		return;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash != NULL)
		*slash = '\0';
	if (strlen(exe) + sizeof "/static" > len)
		snprintf(buf, len, "static");
	else
		strcat(strcpy(buf, exe), "/static");
}

/* Fills g_config; returns 0 to run, 1 when --help was printed, -1 on a bad option. */
int config_load(int argc, char **argv)
{
	static const struct option opts[] = {
		{"database-url", required_argument, NULL, 'd'},
		{"listen", required_argument, NULL, 'l'},
		{"threads", required_argument, NULL, 't'},
		{"static-dir", required_argument, NULL, 's'},
		{"max-body", required_argument, NULL, 'b'},
		{"max-audio", required_argument, NULL, 'a'},
		{"statement-timeout", required_argument, NULL, 'T'},
		{"request-timeout", required_argument, NULL, 'R'},
		{"header-timeout", required_argument, NULL, 'H'},
		{"keep-alive-timeout", required_argument, NULL, 'K'},
		{"keep-alive-requests", required_argument, NULL, 'k'},
		{"db-connections", required_argument, NULL, 'D'},
		{"db-role", required_argument, NULL, 'r'},
		{"auth-cache", required_argument, NULL, 'A'},
		{"export-timeout", required_argument, NULL, 'E'},
		{"max-streams", required_argument, NULL, 'S'},
		{"no-access-log", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *threads = getenv("CONVDASH_THREADS");
	const char *max_body = getenv("CONVDASH_MAX_BODY");
	const char *max_audio = getenv("CONVDASH_MAX_AUDIO");
	const char *stmt_timeout = getenv("CONVDASH_STATEMENT_TIMEOUT");
	const char *req_timeout = getenv("CONVDASH_REQUEST_TIMEOUT");
	const char *static_dir = getenv("CONVDASH_STATIC_DIR");
	const char *access_log = getenv("CONVDASH_ACCESS_LOG");
	const char *auth_cache = getenv("CONVDASH_AUTH_CACHE");
	const char *header_timeout = getenv("CONVDASH_HEADER_TIMEOUT");
	const char *keep_alive_timeout = getenv("CONVDASH_KEEP_ALIVE_TIMEOUT");
	const char *keep_alive_requests = getenv("CONVDASH_KEEP_ALIVE_REQUESTS");
	const char *db_connections = getenv("CONVDASH_DB_CONNECTIONS");
	const char *export_timeout = getenv("CONVDASH_EXPORT_TIMEOUT");
	const char *max_streams = getenv("CONVDASH_MAX_STREAMS");
	long long	v;
	int			c;

	g_config.database_url = getenv("CONVDASH_DATABASE_URL");
	if (g_config.database_url == NULL)
		g_config.database_url = "";
	g_config.listen = getenv("CONVDASH_LISTEN");
	if (g_config.listen == NULL || *g_config.listen == '\0')
		g_config.listen = "127.0.0.1:8080";
	g_config.db_role = getenv("CONVDASH_DB_ROLE");
	if (g_config.db_role == NULL)
		g_config.db_role = "convdash_api";
	g_config.access_log = !(access_log != NULL && strcmp(access_log, "0") == 0);

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1)
	{
		switch (c)
		{
			case 'd': g_config.database_url = optarg; break;
			case 'l': g_config.listen = optarg; break;
			case 't': threads = optarg; break;
			case 's': static_dir = optarg; break;
			case 'b': max_body = optarg; break;
			case 'a': max_audio = optarg; break;
			case 'T': stmt_timeout = optarg; break;
			case 'R': req_timeout = optarg; break;
			case 'H': header_timeout = optarg; break;
			case 'K': keep_alive_timeout = optarg; break;
			case 'k': keep_alive_requests = optarg; break;
			case 'D': db_connections = optarg; break;
			case 'r': g_config.db_role = optarg; break;
			case 'A': auth_cache = optarg; break;
			case 'E': export_timeout = optarg; break;
			case 'S': max_streams = optarg; break;
			case 'q': g_config.access_log = 0; break;
			case 'h': fputs(usage, stdout); return 1;
			default: fputs(usage, stderr); return -1;
		}
	}
	if (optind < argc)
	{
		fprintf(stderr, "convdash-api: unexpected argument %s\n", argv[optind]);
		return -1;
	}

	v = 256;
	if (set_number("threads", threads, 4, 4096, &v) != 0)
		return -1;
	g_config.threads = (int) v;
	v = 16;
	if (set_number("db-connections", db_connections, 1, 1024, &v) != 0)
		return -1;
	g_config.db_connections = (int) v;
	v = 4 * 1024 * 1024;
	if (set_number("max-body", max_body, 1024, 1LL << 30, &v) != 0)
		return -1;
	g_config.max_body = v;
	v = 50 * 1024 * 1024;
	if (set_number("max-audio", max_audio, 1024, 1LL << 40, &v) != 0)
		return -1;
	g_config.max_audio = v;
	v = 10000;
	if (set_number("statement-timeout", stmt_timeout, 0, INT_MAX, &v) != 0)
		return -1;
	g_config.statement_timeout_ms = (int) v;
	v = 30000;
	if (set_number("request-timeout", req_timeout, 100, INT_MAX, &v) != 0)
		return -1;
	g_config.request_timeout_ms = (int) v;
	v = 5000;
	if (set_number("header-timeout", header_timeout, 100, INT_MAX, &v) != 0)
		return -1;
	g_config.header_timeout_ms = (int) v;
	v = 2000;
	if (set_number("keep-alive-timeout", keep_alive_timeout, 100, INT_MAX, &v) != 0)
		return -1;
	g_config.keep_alive_timeout_ms = (int) v;
	v = 100;
	if (set_number("keep-alive-requests", keep_alive_requests, 1, INT_MAX, &v) != 0)
		return -1;
	g_config.keep_alive_requests = (int) v;
	v = 1000;
	if (set_number("auth-cache", auth_cache, 0, 3600000, &v) != 0)
		return -1;
	g_config.auth_cache_ms = (int) v;
	v = 3600000;
	if (set_number("export-timeout", export_timeout, 0, INT_MAX, &v) != 0)
		return -1;
	g_config.export_timeout_ms = (int) v;
	v = 256;
	if (set_number("max-streams", max_streams, 0, MAX_STREAMS, &v) != 0)
		return -1;
	g_config.max_streams = (int) v;

	/* a bare port means the loopback address too: all interfaces only when asked for */
	if (strspn(g_config.listen, "0123456789") == strlen(g_config.listen))
	{
		snprintf(g_config.listen_buf, sizeof g_config.listen_buf, "127.0.0.1:%s", g_config.listen);
		g_config.listen = g_config.listen_buf;
	}
	if (static_dir != NULL && *static_dir != '\0')
		snprintf(g_config.static_dir, sizeof g_config.static_dir, "%s", static_dir);
	else
		default_static_dir(g_config.static_dir, sizeof g_config.static_dir);
	return 0;
}
