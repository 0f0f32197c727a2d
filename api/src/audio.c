/* Audio clips over HTTP: download streamed in chunks with single byte ranges
 * and ETags, waveform peaks, upload staged in a temporary file and then
 * written into the large object in chunks. A clip is never held in memory whole. */
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "handlers.h"
#include "log.h"

#define AUDIO_CHUNK (256 * 1024)
#define AUDIO_WINDOW 3			/* chunk reads in flight while streaming */

/* Parses a Range header for a body of size bytes into [*first, *last].
 * Returns 0 for no Range (whole body), 1 for a satisfiable single range,
 * -1 when it is malformed, multiple or unsatisfiable. */
static int parse_range(const char *h, long long size, long long *first, long long *last)
{
	long long	a = -1, b = -1;
	const char *p, *dash;
	char		num[24];

	*first = 0;
	*last = size - 1;
	if (h == NULL)
		return 0;
	while (*h == ' ')
		h++;
	if (strncasecmp(h, "bytes=", 6) != 0)
		return -1;
	p = h + 6;
	while (*p == ' ')
		p++;
	dash = strchr(p, '-');
	if (dash == NULL || strchr(p, ',') != NULL)
		return -1;
	if (dash > p)
	{
		if (dash - p >= (long) sizeof num)
			return -1;
		snprintf(num, sizeof num, "%.*s", (int) (dash - p), p);
		if (!isdigit((unsigned char) num[0]) || parse_integer(num, 0, INT64_MAX, &a) != 0)
			return -1;
	}
	p = dash + 1;
	while (*p == ' ')
		p++;
	if (*p != '\0')
	{
		size_t		len = strcspn(p, " ");

		if (len >= sizeof num || p[len + strspn(p + len, " ")] != '\0')
			return -1;
		snprintf(num, sizeof num, "%.*s", (int) len, p);
		if (!isdigit((unsigned char) num[0]) || parse_integer(num, 0, INT64_MAX, &b) != 0)
			return -1;
	}
	if (a < 0 && b < 0)
		return -1;
	if (a < 0)
	{
		/* suffix range: the last b bytes */
		if (b == 0 || size == 0)
			return -1;
		*first = b >= size ? 0 : size - b;
		return 1;
	}
	if ((b >= 0 && b < a) || a >= size)
		return -1;
	*first = a;
	if (b >= 0 && b < size - 1)
		*last = b;
	return 1;
}

/* Whether an If-None-Match header names the ETag (or is *). */
static int etag_matches(const char *inm, const char *etag)
{
	const char *p = inm;
	size_t		elen = strlen(etag);

	if (inm == NULL)
		return 0;
	while (*p != '\0')
	{
		size_t		len;

		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		len = strcspn(p, ",");
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == elen && strncmp(p, etag, len) == 0)
			return 1;
		p += len;
	}
	return 0;
}

/* The clip's metadata from audio_range: bytes, mime, ETag. */
typedef struct clip_info
{
	long long	bytes;
	char		mime[128];
	char		etag[80];
} clip_info;

/* Reads bytes, mime and sha256 out of an audio_range row in binary
 * (bytes, mime, sha256, data); -1 when it is not one. */
static int clip_info_get(const PGresult *res, clip_info *info)
{
	uint64_t	be;

	if (PQntuples(res) != 1 || PQnfields(res) != 4 || PQgetisnull(res, 0, 0) || PQgetlength(res, 0, 0) != 8 ||
		PQgetisnull(res, 0, 1) || PQgetlength(res, 0, 1) >= (int) sizeof info->mime ||
		PQgetisnull(res, 0, 2) || PQgetlength(res, 0, 2) > 64)
		return -1;
	memcpy(&be, PQgetvalue(res, 0, 0), sizeof be);
	info->bytes = (long long) be64toh(be);
	snprintf(info->mime, sizeof info->mime, "%s", PQgetvalue(res, 0, 1));
	snprintf(info->etag, sizeof info->etag, "\"%s\"", PQgetvalue(res, 0, 2));
	return 0;
}

/* Streams [first, last] of the clip in chunks, keeping up to AUDIO_WINDOW
 * reads in flight so the database reads the next chunk while this one goes
 * to the client; the last read also commits. Returns -1 when the database or
 * the client failed (the transaction is then still open). */
static int stream_clip(request *r, long long first, long long last)
{
	long long	queued = first;		/* next offset to ask for */
	long long	off = first;		/* next offset to send */
	db_error	err;

	while (off <= last)
	{
		PGresult   *res;
		long long	want = last - off + 1 < AUDIO_CHUNK ? last - off + 1 : AUDIO_CHUNK;
		int			got;

		while (queued <= last && queued - off < (long long) AUDIO_WINDOW * AUDIO_CHUNK)
		{
			long long	len = last - queued + 1 < AUDIO_CHUNK ? last - queued + 1 : AUDIO_CHUNK;
			char		offset[24], length[24];
			const char *values[3] = {r->id_text[0], offset, length};

			snprintf(offset, sizeof offset, "%lld", queued);
			snprintf(length, sizeof length, "%lld", len);
			if (db_queue(r->db, ST_AUDIO_RANGE, 3, values, queued + len > last, &err) != 0)
				return -1;
			queued += len;
		}
		if (db_next(r->db, &res, &err) != 0)
		{
			log_msg("error", "audio %s read failed at %lld: SQLSTATE %s: %s", r->id_text[0], off,
					err.sqlstate, err.message);
			return -1;
		}
		got = PQntuples(res) == 1 && PQnfields(res) == 4 ? PQgetlength(res, 0, 3) : 0;
		if (got != want || http_write(r, PQgetvalue(res, 0, 3), (size_t) got) != 0)
		{
			PQclear(res);
			return -1;
		}
		PQclear(res);
		off += got;
	}
	return db_queue_end(r->db, &err) == 0 ? 0 : -1;
}

/* Whether a Range header is one bounded range "bytes=a-b" of at most one
 * chunk, whose bytes can be read in the same round trip as the clip's info. */
static int small_range(const char *h, long long *first, long long *last)
{
	const char *p;

	if (h == NULL || parse_range(h, INT64_MAX, first, last) != 1)
		return 0;
	for (p = strchr(h, '=') + 1; *p == ' '; p++)
		;
	/* a suffix range needs the size; an open one comes out longer than a chunk */
	return isdigit((unsigned char) *p) && *last - *first + 1 <= AUDIO_CHUNK;
}

/* Answers 304 or 416 for the clip (returns 0: the answer is complete), or
 * starts the headers of a 200/206 for [*first, *last] and returns 1: the
 * caller ends them, with the body unless HEAD. */
static int audio_head(request *r, const clip_info *info, long long *first, long long *last)
{
	const char *range_header, *if_range;
	int			range;
	char		buf[128];

	if (etag_matches(http_get_header(r, "If-None-Match"), info->etag))
	{
		http_begin(r, 304, NULL, -1);
		http_header(r, "ETag", info->etag);
		http_end_headers(r);
		return 0;
	}
	/* If-Range: the range only while the client's copy is this clip's bytes */
	range_header = http_get_header(r, "Range");
	if_range = http_get_header(r, "If-Range");
	if (if_range != NULL && strcmp(if_range, info->etag) != 0)
		range_header = NULL;
	range = parse_range(range_header, info->bytes, first, last);
	if (range < 0)
	{
		snprintf(r->extra_value, sizeof r->extra_value, "bytes */%lld", info->bytes);
		r->extra_name = "Content-Range";
		http_fail(r, 416, NULL, "the range cannot be served: use one range bytes=a-b, a- or -n within %lld bytes",
				  info->bytes);
		return 0;
	}
	http_begin(r, range ? 206 : 200, info->mime, *last - *first + 1);
	http_header(r, "Accept-Ranges", "bytes");
	http_header(r, "ETag", info->etag);
	http_header(r, "Cache-Control", "private, no-cache");
	if (range)
	{
		snprintf(buf, sizeof buf, "bytes %lld-%lld/%lld", *first, *last, info->bytes);
		http_header(r, "Content-Range", buf);
	}
	return 1;
}

/* A small bounded range: the clip's info and the bytes in one statement
 * (one snapshot) of an implicit transaction, one round trip; the head and
 * the bytes then go out in one write. The read was clipped to the clip's
 * end the way parse_range clips it. */
static void audio_get_small(request *r, long long sfirst, long long slast)
{
	char		offset[24], length[24];
	const char *values[3] = {r->id_text[0], offset, length};
	PGresult   *res;
	db_error	err;
	clip_info	info;
	long long	first, last;

	snprintf(offset, sizeof offset, "%lld", sfirst);
	snprintf(length, sizeof length, "%lld", slast - sfirst + 1);
	if (db_call(r->db, r->key, ST_AUDIO_RANGE, 3, values, &res, &err) != 0)
	{
		http_db_error(r, &err);
		return;
	}
	if (clip_info_get(res, &info) != 0)
		http_fail(r, 404, NULL, "audio clip %s not found", r->id_text[0]);
	else if (audio_head(r, &info, &first, &last))
	{
		if (PQgetlength(res, 0, 3) == last - first + 1)
			http_end_headers_with(r, PQgetvalue(res, 0, 3), (size_t) (last - first + 1));
		else
		{
			log_msg("error", "audio %s: the range read %d bytes, not %lld", r->id_text[0],
					PQgetlength(res, 0, 3), last - first + 1);
			r->status = 0;
			http_fail(r, 500, NULL, "internal error");
		}
	}
	PQclear(res);
}

/* GET /api/v1/audio/{id}: the clip's bytes, whole or one range, all chunks
 * from one snapshot (a concurrent delete cannot cut a download short). A
 * small bounded range is read together with the clip's info: one round trip. */
void h_audio_get(request *r)
{
	const char *values[3] = {r->id_text[0], "0", "0"};
	PGresult   *res;
	db_error	err;
	clip_info	info;
	long long	first, last;

	if (small_range(http_get_header(r, "Range"), &first, &last) &&
		http_get_header(r, "If-None-Match") == NULL && http_get_header(r, "If-Range") == NULL)
	{
		audio_get_small(r, first, last);
		return;
	}
	/* the clip's info: a range of no bytes */
	if (db_begin(r->db, r->key, 1, ST_AUDIO_RANGE, 3, values, &res, &err) != 0)
	{
		http_db_error(r, &err);
		return;
	}
	if (clip_info_get(res, &info) != 0)
	{
		PQclear(res);
		db_rollback(r->db);
		http_fail(r, 404, NULL, "audio clip %s not found", r->id_text[0]);
		return;
	}
	PQclear(res);
	if (!audio_head(r, &info, &first, &last))
	{
		db_rollback(r->db);
		return;
	}
	http_end_headers(r);
	if (r->head || last < first || stream_clip(r, first, last) != 0)
		db_rollback(r->db);
}

/* GET /api/v1/audio/{id}/peaks?buckets=N (default 512). */
void h_audio_peaks(request *r)
{
	const char *values[2] = {r->id_text[0], http_param(r, "buckets")};

	if (query_integer(r, "buckets", INT32_MIN, INT32_MAX) < 0)
		return;
	if (values[1] == NULL)
		values[1] = "512";
	respond_call(r, 200, ST_AUDIO_PEAKS, 2, values);
}

/* The media type of an audio body without parameters; -1 after 415 when not audio/any. */
static int audio_mime(request *r, char *mime, size_t len)
{
	const char *ct = http_get_header(r, "Content-Type");
	size_t		n;

	if (ct != NULL)
	{
		while (*ct == ' ')
			ct++;
		n = strcspn(ct, "; \t");
		if (n > 6 && n < len && strncasecmp(ct, "audio/", 6) == 0)
		{
			size_t		i;

			for (i = 0; i < n; i++)
				mime[i] = (char) tolower((unsigned char) ct[i]);
			mime[n] = '\0';
			return 0;
		}
	}
	http_fail(r, 415, NULL, "the body must be audio bytes with Content-Type: audio/*");
	return -1;
}

/* A new unnamed temporary file for a staged upload, or -1. */
static int staging_file(void)
{
	const char *dir = getenv("TMPDIR");
	char		path[4096];
	int			fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	snprintf(path, sizeof path, "%s/convdash-upload-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

/* Stages an audio upload in a temporary file before the database is taken,
 * so a slow client never holds a transaction or the conversation's lock:
 * the checks, then the key, then the bytes (up to --max-audio, within the
 * request deadline). -1 after recording an error. */
int prep_audio(request *r)
{
	char		mime[128];
	char	   *buf;
	long long	n = 0;

	if (query_integer(r, "duration_ms", INT32_MIN, INT32_MAX) < 0 || audio_mime(r, mime, sizeof mime) != 0)
		return -1;
	if (r->ri->content_length > g_config.max_audio)
	{
		http_fail(r, 413, NULL, "the audio is larger than %lld bytes", g_config.max_audio);
		return -1;
	}
	if (!http_has_body(r))
	{
		http_fail(r, 400, NULL, "the body is empty: send the audio bytes");
		return -1;
	}
	if (auth_gate(r) != 0)
		return -1;
	buf = malloc(AUDIO_CHUNK);
	r->body_fd = staging_file();
	if (buf == NULL || r->body_fd < 0)
	{
		free(buf);
		log_msg("error", "cannot stage an upload: %s", strerror(errno));
		http_fail(r, 500, NULL, "internal error");
		return -1;
	}
	while ((n = http_read_some(r, buf, AUDIO_CHUNK)) > 0)
	{
		if (r->body_bytes > g_config.max_audio)
		{
			http_fail(r, 413, NULL, "the audio is larger than %lld bytes", g_config.max_audio);
			n = -1;
			break;
		}
		if (write(r->body_fd, buf, (size_t) n) != n)
		{
			log_msg("error", "cannot stage an upload: %s", strerror(errno));
			http_fail(r, 500, NULL, "internal error");
			n = -1;
			break;
		}
	}
	free(buf);
	if (n == 0 && r->body_bytes == 0)
	{
		http_fail(r, 400, NULL, "the body is empty: send the audio bytes");
		return -1;
	}
	return n < 0 ? -1 : 0;
}

/* Writes the staged upload into the clip in chunks; -1 after recording an error. */
static int upload_staged(request *r, const char *clip_id)
{
	char	   *buf = malloc(AUDIO_CHUNK);
	long long	off = 0;

	if (buf == NULL)
	{
		http_fail(r, 500, NULL, "internal error");
		return -1;
	}
	while (off < r->body_bytes)
	{
		ssize_t		n = pread(r->body_fd, buf, AUDIO_CHUNK, off);
		const char *values[2] = {clip_id, buf};
		int			lengths[2] = {0, (int) n};
		int			formats[2] = {0, 1};
		PGresult   *res;
		db_error	err;

		if (n <= 0)
		{
			log_msg("error", "cannot read a staged upload: %s", strerror(errno));
			http_fail(r, 500, NULL, "internal error");
			break;
		}
		if (db_exec(r->db, ST_AUDIO_WRITE, 2, values, lengths, formats, &res, &err) != 0)
		{
			http_db_error(r, &err);
			break;
		}
		PQclear(res);
		off += n;
	}
	free(buf);
	return off == r->body_bytes ? 0 : -1;
}

/* PUT /api/v1/messages/{id}/audio: raw bytes, Content-Type audio/..., ?duration_ms=.
 * The body is already staged (prep_audio): the transaction opens, writes the
 * clip from the local file and commits without waiting on the client. */
void h_audio_put(request *r)
{
	char		mime[128];
	const char *values[3] = {r->id_text[0], mime, http_param(r, "duration_ms")};
	const char *clip[1];
	PGresult   *res = NULL, *out = NULL;
	db_error	err;

	if (audio_mime(r, mime, sizeof mime) != 0)
		return;
	if (db_begin(r->db, r->key, 0, ST_AUDIO_BEGIN, 3, values, &res, &err) != 0)
	{
		http_db_error(r, &err);
		return;
	}
	clip[0] = PQgetvalue(res, 0, 0);
	if (upload_staged(r, clip[0]) != 0)
	{
		PQclear(res);
		db_rollback(r->db);
		return;
	}
	if (db_exec_commit(r->db, ST_AUDIO_FINISH, 1, clip, NULL, NULL, &out, &err) != 0)
	{
		PQclear(res);
		http_db_error(r, &err);
		return;
	}
	PQclear(res);
	respond_result(r, 201, out);
	PQclear(out);
}
