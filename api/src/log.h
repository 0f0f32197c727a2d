/* Logging to stderr: one line per event, never keys or bodies. */
#ifndef CONVDASH_LOG_H
#define CONVDASH_LOG_H

/* Writes "time level message" to stderr. */
void log_msg(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes the access log line of one finished request. */
void log_access(const char *method, const char *path, int status, double seconds, long long bytes);

#endif
