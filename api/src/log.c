/* Logging to stderr: one line per event, never keys or bodies. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "log.h"

/* Formats the current UTC time as RFC 3339 with milliseconds. */
static void now_text(char *buf, size_t len)
{
	struct timeval tv;
	struct tm	tm;
	char		secs[24];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);

	strftime(secs, sizeof secs, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%.20s.%03dZ", secs, (int) (tv.tv_usec / 1000));
}

/* Copies text into buf, replacing control characters so one event stays one line. */
static void one_line(char *buf, size_t len, const char *text)
{
	size_t i;

	for (i = 0; text[i] != '\0' && i + 1 < len; i++)
		buf[i] = ((unsigned char) text[i] < 0x20 || text[i] == 0x7f) ? ' ' : text[i];
	while (i > 0 && buf[i - 1] == ' ')
		i--;
	buf[i] = '\0';
}

/* Writes "time level message" to stderr. */
void log_msg(const char *level, const char *fmt, ...)
{
	char when[32], raw[1024], line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	one_line(line, sizeof line, raw);
	now_text(when, sizeof when);
	fprintf(stderr, "%s %s %s\n", when, level, line);
}

/* Writes the access log line of one finished request. */
void log_access(const char *method, const char *path, int status, double seconds, long long bytes)
{
	char m[16], p[256];

	one_line(m, sizeof m, method ? method : "-");
	one_line(p, sizeof p, path ? path : "-");
	log_msg("access", "%s %s %d %.3fms %lldB", m, p, status, seconds * 1000.0, bytes);
}
