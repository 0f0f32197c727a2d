/*
 * audio.c
 *		Audio clips stored as large objects: one streaming pass over a clip
 *		computes its size, SHA-256, and for WAV clips the duration and the
 *		cached waveform peaks, without ever holding the clip in memory.
 *
 * Large objects are reached through the backend's descriptor API
 * (be_lo_open / lo_read / be_lo_close), which registers them for cleanup
 * at the end of the (sub)transaction; the caller's privileges apply, and
 * only the SECURITY DEFINER functions of sql/parts/64_audio.sql (running as
 * the extension owner, who owns every clip) call these functions.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/be-fsstubs.h"
#include "libpq/libpq-fs.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

#include "convdash.h"
#include "wav.h"

PG_FUNCTION_INFO_V1(convdash_max_clip_bytes_fn);
PG_FUNCTION_INFO_V1(convdash_clip_analyze);

/* Bytes read from a large object at a time (a multiple of LOBLKSIZE) */
#define CLIP_READ_CHUNK (256 * 1024)

/* An open large object for wav_parse's reader */
typedef struct ClipReader
{
	int			fd;
} ClipReader;

/* Moves the descriptor to offset (from the start) */
static void
clip_seek(int fd, int64 offset, int whence, int64 *pos)
{
	*pos = DatumGetInt64(DirectFunctionCall3(be_lo_lseek64, Int32GetDatum(fd),
											 Int64GetDatum(offset), Int32GetDatum(whence)));
}

/* WavReadFn over a large object: up to len bytes at offset */
static int
clip_read_at(void *arg, int64 offset, uint8 *buf, int len)
{
	ClipReader *reader = (ClipReader *) arg;
	int64		pos;

	clip_seek(reader->fd, offset, SEEK_SET, &pos);
	return lo_read(reader->fd, (char *) buf, len);
}

/* max_clip_bytes() returns bigint: the convdash.max_clip_bytes setting */
Datum
convdash_max_clip_bytes_fn(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64((int64) convdash_max_clip_bytes);
}

/* Raises an internal error when a hash step failed */
static void
check_hash(int rc, pg_cryptohash_ctx *ctx)
{
	if (rc < 0)
		elog(ERROR, "SHA-256 failed: %s", pg_cryptohash_error(ctx));
}

/*
 * clip_analyze(loid oid, wav boolean, OUT bytes bigint, OUT sha256 bytea,
 * OUT duration_ms integer, OUT peaks real[]): one pass over the large
 * object. For wav = true the header is parsed first (22023 when it does not
 * hold) and duration and PEAKS_MAX_BUCKETS peaks come back; else both are NULL.
 */
Datum
convdash_clip_analyze(PG_FUNCTION_ARGS)
{
	Oid			loid = PG_GETARG_OID(0);
	bool		wav = PG_GETARG_BOOL(1);
	TupleDesc	tupdesc;
	ClipReader	reader;
	int64		size;
	int64		pos;
	WavInfo		info;
	PeakAccumulator acc;
	int64		data_end = 0;
	pg_cryptohash_ctx *ctx;
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	uint8	   *buf;
	bytea	   *sha;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "clip_analyze must return a record");
	tupdesc = BlessTupleDesc(tupdesc);

	reader.fd = DatumGetInt32(DirectFunctionCall2(be_lo_open, ObjectIdGetDatum(loid),
												  Int32GetDatum(INV_READ)));
	clip_seek(reader.fd, 0, SEEK_END, &size);

	if (wav)
	{
		wav_parse(clip_read_at, &reader, size, &info);
		peaks_start(&acc, &info, PEAKS_MAX_BUCKETS);
		data_end = info.data_offset + info.data_bytes;
	}

	ctx = pg_cryptohash_create(PG_SHA256);
	check_hash(pg_cryptohash_init(ctx), ctx);
	buf = palloc(CLIP_READ_CHUNK);
	clip_seek(reader.fd, 0, SEEK_SET, &pos);
	while (pos < size)
	{
		int			n = lo_read(reader.fd, (char *) buf, CLIP_READ_CHUNK);

		if (n <= 0)
			elog(ERROR, "large object %u ended at %lld of %lld bytes",
				 loid, (long long) pos, (long long) size);
		check_hash(pg_cryptohash_update(ctx, buf, n), ctx);
		if (wav && pos + n > info.data_offset && pos < data_end)
		{
			int64		from = Max(pos, info.data_offset);
			int64		to = Min(pos + n, data_end);

			peaks_add(&acc, buf + (from - pos), (int) (to - from));
		}
		pos += n;
		CHECK_FOR_INTERRUPTS();
	}
	check_hash(pg_cryptohash_final(ctx, digest, sizeof(digest)), ctx);
	pg_cryptohash_free(ctx);
	DirectFunctionCall1(be_lo_close, Int32GetDatum(reader.fd));

	sha = palloc(VARHDRSZ + sizeof(digest));
	SET_VARSIZE(sha, VARHDRSZ + sizeof(digest));
	memcpy(VARDATA(sha), digest, sizeof(digest));

	values[0] = Int64GetDatum(size);
	values[1] = PointerGetDatum(sha);
	if (wav)
	{
		Datum	   *peaks = palloc(sizeof(Datum) * PEAKS_MAX_BUCKETS);

		peaks_finish(&acc);
		for (int b = 0; b < PEAKS_MAX_BUCKETS; b++)
			peaks[b] = Float4GetDatum(acc.peak[b]);
		values[2] = Int32GetDatum(wav_duration_ms(&info));
		values[3] = PointerGetDatum(construct_array(peaks, PEAKS_MAX_BUCKETS, FLOAT4OID,
													sizeof(float4), true, TYPALIGN_INT));
	}
	else
		nulls[2] = nulls[3] = true;

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
