/* Routes without a key: /healthz, /metrics, and the dashboard page's static files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "handlers.h"
#include "metrics.h"

/* GET /healthz: 200 while the database answers on this thread's connection, else 503. */
void h_healthz(request *r)
{
	static const char ok[] = "{\"status\":\"ok\"}";
	static const char down[] = "{\"status\":\"unavailable\",\"error\":{\"code\":\"unavailable\","
		"\"message\":\"the database is unavailable\"}}";
	db_error	err;

	if (db_ping(r->db, &err) == 0)
		http_send(r, 200, "application/json", ok, sizeof ok - 1);
	else
		http_send(r, 503, "application/json", down, sizeof down - 1);
}

/* GET /metrics: Prometheus text format. */
void h_metrics(request *r)
{
	char	   *text = metrics_render(g_config.threads);

	if (text == NULL)
	{
		http_fail(r, 500, NULL, "internal error");
		return;
	}
	http_send(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text));
	free(text);
}

/* The Content-Type of a static file from its extension. */
static const char *static_type(const char *path)
{
	static const char *const types[][2] = {
		{".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
		{".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
		{".svg", "image/svg+xml"}, {".json", "application/json"}, {".png", "image/png"},
		{".ico", "image/x-icon"}, {".woff2", "font/woff2"}, {".txt", "text/plain; charset=utf-8"},
		{".wav", "audio/wav"}, {".map", "application/json"}};
	const char *dot = strrchr(path, '.');
	size_t		i;

	for (i = 0; dot != NULL && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i][0]) == 0)
			return types[i][1];
	return "application/octet-stream";
}

/* Serves a file of the static directory (index.html for /); hidden files and
 * anything outside the directory answer 404. */
void serve_static(request *r)
{
	char		file[8192];
	struct stat st;
	const char *path = strcmp(r->path, "/") == 0 ? "/index.html" : r->path;

	if (path[0] != '/' || strstr(path, "/.") != NULL || strstr(path, "\\") != NULL ||
		snprintf(file, sizeof file, "%s%s", g_config.static_dir, path) >= (int) sizeof file ||
		stat(file, &st) != 0 || !S_ISREG(st.st_mode))
	{
		http_fail(r, 404, NULL, "not found");
		return;
	}
	if (strcmp(r->method, "GET") != 0 && !r->head)
	{
		r->extra_name = "Allow";
		snprintf(r->extra_value, sizeof r->extra_value, "GET, HEAD");
		http_fail(r, 405, NULL, "%s is not allowed here", r->method);
		return;
	}
	r->status = 200;
	r->bytes = st.st_size;
	mg_send_mime_file2(r->conn, file, static_type(file),
					   "X-Content-Type-Options: nosniff\r\nCache-Control: no-cache\r\n");
}
