/*
 * audio.c
 *		Audio clips stored as large objects: one streaming pass over a clip
 *		computes its size and SHA-256 and feeds its bytes to the decoder
 *		(decode.c) for the duration and the cached waveform peaks, without
 *		ever holding the clip in memory.
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
#include "decode.h"

PG_FUNCTION_INFO_V1(convdash_max_clip_bytes_fn);
PG_FUNCTION_INFO_V1(convdash_clip_decode);
PG_FUNCTION_INFO_V1(convdash_clip_analyze);

/* Bytes read from a large object at a time (a multiple of LOBLKSIZE) */
#define CLIP_READ_CHUNK (256 * 1024)

/* Moves the descriptor to offset */
static void
clip_seek(int fd, int64 offset, int whence, int64 *pos)
{
	*pos = DatumGetInt64(DirectFunctionCall3(be_lo_lseek64, Int32GetDatum(fd),
											 Int64GetDatum(offset), Int32GetDatum(whence)));
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
 * One pass over a clip's large object: size and SHA-256, and with formats
 * (the containers mime may hold) the decoded duration and PEAKS_MAX_BUCKETS
 * peaks (22023 when the bytes are not such audio); without formats both are
 * NULL. Returns (bytes, sha256, duration_ms, peaks).
 */
static Datum
clip_analyze(FunctionCallInfo fcinfo, Oid loid, const char *mime, const char *formats)
{
	TupleDesc	tupdesc;
	ClipDecoder *dec = NULL;
	int			fd;
	int64		size;
	int64		pos;
	pg_cryptohash_ctx *ctx;
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	uint8	   *buf;
	bytea	   *sha;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "clip_analyze must return a record");
	tupdesc = BlessTupleDesc(tupdesc);

	fd = DatumGetInt32(DirectFunctionCall2(be_lo_open, ObjectIdGetDatum(loid),
										   Int32GetDatum(INV_READ)));
	clip_seek(fd, 0, SEEK_END, &size);
	if (formats != NULL)
		dec = clip_decoder_start(formats, mime);

	ctx = pg_cryptohash_create(PG_SHA256);
	check_hash(pg_cryptohash_init(ctx), ctx);
	buf = palloc(CLIP_READ_CHUNK);
	clip_seek(fd, 0, SEEK_SET, &pos);
	while (pos < size)
	{
		int			n = lo_read(fd, (char *) buf, CLIP_READ_CHUNK);

		if (n <= 0)
			elog(ERROR, "large object %u ended at %lld of %lld bytes",
				 loid, (long long) pos, (long long) size);
		check_hash(pg_cryptohash_update(ctx, buf, n), ctx);
		if (dec)
			clip_decoder_feed(dec, buf, n);
		pos += n;
		CHECK_FOR_INTERRUPTS();
	}
	check_hash(pg_cryptohash_final(ctx, digest, sizeof(digest)), ctx);
	pg_cryptohash_free(ctx);
	DirectFunctionCall1(be_lo_close, Int32GetDatum(fd));

	sha = palloc(VARHDRSZ + sizeof(digest));
	SET_VARSIZE(sha, VARHDRSZ + sizeof(digest));
	memcpy(VARDATA(sha), digest, sizeof(digest));

	values[0] = Int64GetDatum(size);
	values[1] = PointerGetDatum(sha);
	if (dec)
	{
		float4	   *peaks = palloc(sizeof(float4) * PEAKS_MAX_BUCKETS);
		Datum	   *items = palloc(sizeof(Datum) * PEAKS_MAX_BUCKETS);
		int32		duration_ms;

		clip_decoder_finish(dec, &duration_ms, peaks);
		for (int b = 0; b < PEAKS_MAX_BUCKETS; b++)
			items[b] = Float4GetDatum(peaks[b]);
		values[2] = Int32GetDatum(duration_ms);
		values[3] = PointerGetDatum(construct_array(items, PEAKS_MAX_BUCKETS, FLOAT4OID,
													sizeof(float4), true, TYPALIGN_INT));
	}
	else
		nulls[2] = nulls[3] = true;

	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/* clip_analyze(loid oid, mime text, formats text, OUT bytes, OUT sha256, OUT duration_ms, OUT peaks) */
Datum
convdash_clip_decode(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		elog(ERROR, "clip_analyze needs a large object and a MIME type");
	return clip_analyze(fcinfo, PG_GETARG_OID(0), text_to_cstring(PG_GETARG_TEXT_PP(1)),
						PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2)));
}

/*
 * The 0.1 signature, clip_analyze(loid oid, wav boolean, ...), for an
 * installation still at 0.1 with this library: WAV clips decoded as WAV,
 * others only measured (as 0.1 did), until ALTER EXTENSION convdash UPDATE.
 */
Datum
convdash_clip_analyze(PG_FUNCTION_ARGS)
{
	bool		wav = !PG_ARGISNULL(1) && PG_GETARG_BOOL(1);

	if (PG_ARGISNULL(0))
		elog(ERROR, "clip_analyze needs a large object");
	return clip_analyze(fcinfo, PG_GETARG_OID(0), "audio/wav", wav ? "wav" : NULL);
}
