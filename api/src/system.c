/* Routes without a key: /healthz, /metrics, /api/v1/openapi.json, and the
 * dashboard page's static files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "hub.h"
#include "handlers.h"
#include "metrics.h"

/* GET /healthz: 200 while the database answers on a pooled connection, else 503. */
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
	char	   *text = metrics_render(g_config.threads, g_config.db_connections);

	if (text != NULL)
		text = hub_metrics(text);

	if (text == NULL)
	{
		http_fail(r, 500, NULL, "internal error");
		return;
	}
	http_send(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text));
	free(text);
}

/* api/openapi.json, linked into the binary as it is (Makefile: ld -r -b binary). */
extern const char _binary_openapi_json_start[];
extern const char _binary_openapi_json_end[];

/* GET /api/v1/openapi.json: the OpenAPI 3.1 document of every route. */
void h_openapi(request *r)
{
	http_send(r, 200, "application/json", _binary_openapi_json_start,
			  (size_t) (_binary_openapi_json_end - _binary_openapi_json_start));
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

#define STATIC_CHUNK 65536

/* Whether a conditional GET can be answered 304: If-None-Match names the
 * ETag, or (without If-None-Match) If-Modified-Since is not before the mtime. */
static int not_modified(request *r, const char *etag, time_t mtime)
{
	const char *inm = http_get_header(r, "If-None-Match");
	const char *ims = http_get_header(r, "If-Modified-Since");
	struct tm	tm;

	if (inm != NULL)
		return strstr(inm, etag) != NULL || strcmp(inm, "*") == 0;
	memset(&tm, 0, sizeof tm);
	return ims != NULL && strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &tm) != NULL && timegm(&tm) >= mtime;
}

/* Serves a file of the static directory (index.html for /); hidden files and
 * anything outside the directory answer 404. ETag/Last-Modified answer 304;
 * r->status and r->bytes record what was really sent (metrics, access log). */
void serve_static(request *r)
{
	char		file[4096], etag[64], modified[64];
	char	   *buf;
	struct stat st;
	struct tm	tm;
	const char *path = strcmp(r->path, "/") == 0 ? "/index.html" : r->path;
	int			fd = -1;
	ssize_t		n;

	if (path[0] != '/' || strstr(path, "/.") != NULL || strstr(path, "\\") != NULL ||
		snprintf(file, sizeof file, "%s%s", g_config.static_dir, path) >= (int) sizeof file ||
		(fd = open(file, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
	{
		if (fd >= 0)
			close(fd);
		http_fail(r, 404, NULL, "not found");
		return;
	}
	if (strcmp(r->method, "GET") != 0 && !r->head)
	{
		close(fd);
		r->extra_name = "Allow";
		snprintf(r->extra_value, sizeof r->extra_value, "GET, HEAD");
		http_fail(r, 405, NULL, "%s is not allowed here", r->method);
		return;
	}
	snprintf(etag, sizeof etag, "\"%lx.%lld\"", (unsigned long) st.st_mtime, (long long) st.st_size);
	gmtime_r(&st.st_mtime, &tm);
	strftime(modified, sizeof modified, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (not_modified(r, etag, st.st_mtime))
	{
		close(fd);
		http_begin(r, 304, NULL, -1);
		http_header(r, "ETag", etag);
		http_end_headers(r);
		return;
	}
	http_begin(r, 200, static_type(file), (long long) st.st_size);
	http_header(r, "ETag", etag);
	http_header(r, "Last-Modified", modified);
	http_header(r, "Cache-Control", "no-cache");
	http_end_headers(r);
	/* worker threads have 100 kB stacks: the copy buffer lives on the heap */
	buf = r->head ? NULL : malloc(STATIC_CHUNK);
	while (buf != NULL && (n = read(fd, buf, STATIC_CHUNK)) > 0)
		if (http_write(r, buf, (size_t) n) != 0)
			break;
	free(buf);
	close(fd);
}
