/*
 * audio.c
 *		Audio clips stored as large objects or as chunks (convdash.audio_chunks):
 *		one streaming pass over a clip computes its size and SHA-256 and
 *		feeds its bytes to the decoder (decode.c) for the duration and the
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
#include "executor/spi.h"
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
PG_FUNCTION_INFO_V1(convdash_clip_analyze_chunks);
PG_FUNCTION_INFO_V1(convdash_audio_storage_fn);

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

/* audio_storage_setting() returns text: the convdash.audio_storage setting */
Datum
convdash_audio_storage_fn(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(convdash_audio_storage == AUDIO_STORAGE_CHUNKS
									 ? "chunks" : "large_object"));
}

/* Raises an internal error when a hash step failed */
static void
check_hash(int rc, pg_cryptohash_ctx *ctx)
{
	if (rc < 0)
		elog(ERROR, "SHA-256 failed: %s", pg_cryptohash_error(ctx));
}

/* One streaming pass over a clip: its size, running SHA-256 and optional decoder */
typedef struct ClipPass
{
	int64		size;
	pg_cryptohash_ctx *ctx;
	ClipDecoder *dec;
} ClipPass;

/* Starts a pass; with formats (the containers mime may hold) the bytes are decoded too */
static void
clip_pass_start(ClipPass *pass, const char *mime, const char *formats)
{
	pass->size = 0;
	pass->dec = formats != NULL ? clip_decoder_start(formats, mime) : NULL;
	pass->ctx = pg_cryptohash_create(PG_SHA256);
	check_hash(pg_cryptohash_init(pass->ctx), pass->ctx);
}

/* Feeds the next n bytes of the clip to the hash and the decoder */
static void
clip_pass_feed(ClipPass *pass, const uint8 *buf, int n)
{
	check_hash(pg_cryptohash_update(pass->ctx, buf, n), pass->ctx);
	if (pass->dec)
		clip_decoder_feed(pass->dec, buf, n);
	pass->size += n;
	CHECK_FOR_INTERRUPTS();
}

/*
 * Ends a pass: (bytes, sha256, duration_ms, peaks), the last two NULL
 * without a decoder; 22023 (from the decoder) when the bytes are not such
 * audio.
 */
static Datum
clip_pass_finish(ClipPass *pass, FunctionCallInfo fcinfo)
{
	TupleDesc	tupdesc;
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	bytea	   *sha;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "clip_analyze must return a record");
	tupdesc = BlessTupleDesc(tupdesc);

	check_hash(pg_cryptohash_final(pass->ctx, digest, sizeof(digest)), pass->ctx);
	pg_cryptohash_free(pass->ctx);
	sha = palloc(VARHDRSZ + sizeof(digest));
	SET_VARSIZE(sha, VARHDRSZ + sizeof(digest));
	memcpy(VARDATA(sha), digest, sizeof(digest));

	values[0] = Int64GetDatum(pass->size);
	values[1] = PointerGetDatum(sha);
	if (pass->dec)
	{
		float4	   *peaks = palloc(sizeof(float4) * PEAKS_MAX_BUCKETS);
		Datum	   *items = palloc(sizeof(Datum) * PEAKS_MAX_BUCKETS);
		int32		duration_ms;

		clip_decoder_finish(pass->dec, &duration_ms, peaks);
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

/*
 * One pass over a clip's large object: size and SHA-256, and with formats
 * the decoded duration and PEAKS_MAX_BUCKETS peaks.
 */
static Datum
clip_analyze(FunctionCallInfo fcinfo, Oid loid, const char *mime, const char *formats)
{
	ClipPass	pass;
	int			fd;
	int64		size;
	int64		pos;
	uint8	   *buf;

	fd = DatumGetInt32(DirectFunctionCall2(be_lo_open, ObjectIdGetDatum(loid),
										   Int32GetDatum(INV_READ)));
	clip_seek(fd, 0, SEEK_END, &size);
	clip_pass_start(&pass, mime, formats);
	buf = palloc(CLIP_READ_CHUNK);
	clip_seek(fd, 0, SEEK_SET, &pos);
	while (pos < size)
	{
		int			n = lo_read(fd, (char *) buf, CLIP_READ_CHUNK);

		if (n <= 0)
			elog(ERROR, "large object %u ended at %lld of %lld bytes",
				 loid, (long long) pos, (long long) size);
		clip_pass_feed(&pass, buf, n);
		pos += n;
	}
	DirectFunctionCall1(be_lo_close, Int32GetDatum(fd));
	return clip_pass_finish(&pass, fcinfo);
}

/*
 * clip_analyze_chunks(account_id bigint, clip_id bigint, mime text, formats
 * text, OUT bytes, OUT sha256, OUT duration_ms, OUT peaks): the same pass
 * over a clip kept in convdash.audio_chunks, one chunk (one router query on
 * Citus) at a time, in seq order from 0 until the first missing seq.
 */
Datum
convdash_clip_analyze_chunks(PG_FUNCTION_ARGS)
{
	ClipPass	pass;
	SPIPlanPtr	plan;
	Oid			types[3] = {INT8OID, INT8OID, INT4OID};
	Datum		args[3];
	MemoryContext outer = CurrentMemoryContext;
	Datum		result;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		elog(ERROR, "clip_analyze_chunks needs an account, a clip and a MIME type");
	args[0] = PG_GETARG_DATUM(0);
	args[1] = PG_GETARG_DATUM(1);
	clip_pass_start(&pass, text_to_cstring(PG_GETARG_TEXT_PP(2)),
					PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3)));

	SPI_connect();
	plan = SPI_prepare("SELECT c.data FROM convdash.audio_chunks c"
					   " WHERE c.account_id = $1 AND c.clip_id = $2 AND c.seq = $3", 3, types);
	if (plan == NULL)
		elog(ERROR, "clip_analyze_chunks: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	for (int32 seq = 0;; seq++)
	{
		bool		isnull;
		Datum		d;
		bytea	   *chunk;

		args[2] = Int32GetDatum(seq);
		if (SPI_execute_plan(plan, args, NULL, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "clip_analyze_chunks: reading chunk %d failed", seq);
		if (SPI_processed == 0)
			break;
		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		if (isnull)
			elog(ERROR, "chunk %d of clip %lld is NULL", seq, (long long) DatumGetInt64(args[1]));
		chunk = DatumGetByteaPP(d);
		clip_pass_feed(&pass, (uint8 *) VARDATA_ANY(chunk), VARSIZE_ANY_EXHDR(chunk));
		if ((Pointer) chunk != DatumGetPointer(d))
			pfree(chunk);
		SPI_freetuptable(SPI_tuptable);
	}
	/* the result tuple is made in the caller's context, not SPI's */
	MemoryContextSwitchTo(outer);
	result = clip_pass_finish(&pass, fcinfo);
	SPI_finish();
	return result;
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
