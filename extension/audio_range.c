/*
 * audio_range.c
 *		convdash.audio_range: one byte range of a finished clip with its size,
 *		MIME type and SHA-256, the HTTP service's read of a clip (a player's
 *		64 KiB requests). In C because the PL/pgSQL version spent most of its
 *		time copying the bytes (variable, row, result tuple); here they are
 *		read once into the result row.
 *
 * The tenant is resolved first (convdash_tenant) and passed to the lookup
 * as a value, so on Citus the query is routed to the tenant's shard; the
 * bytes come from the clip's large object (lo_range: inv_open checks the
 * privileges of the SECURITY DEFINER caller, the extension owner) or from
 * convdash.read_clip_chunks.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/libpq-fs.h"
#include "storage/large_object.h"
#include "utils/builtins.h"

#include "convdash.h"

PG_FUNCTION_INFO_V1(convdash_audio_range);

/* The largest range one call returns (the same limit as audio_read) */
#define AUDIO_RANGE_MAX 8388608

static SPIPlanPtr clip_plan = NULL;
static SPIPlanPtr chunks_plan = NULL;

/* A saved plan of sql with the given argument types, prepared once per backend */
static SPIPlanPtr
saved_plan(SPIPlanPtr *plan, const char *sql, int nargs, Oid *types)
{
	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, nargs, types);

		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR, "audio_range: cannot prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
		*plan = p;
	}
	return *plan;
}

/* Whether this transaction opened pg_largeobject through lo_range */
static bool lo_open_in_xact = false;

/*
 * Closes pg_largeobject at the end of a transaction in which lo_range read
 * a large object (on commit, before the resource owner would report it as
 * leaked; on abort, forgetting it), as be-fsstubs.c does for lo_get, whose
 * flag for it is private.
 */
static void
lo_xact_end(XactEvent event, void *arg)
{
	if (!lo_open_in_xact)
		return;
	if (event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PARALLEL_PRE_COMMIT ||
		event == XACT_EVENT_PRE_PREPARE)
		close_lo_relation(true);
	else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		close_lo_relation(false);
	else
		return;
	lo_open_in_xact = false;
}

/*
 * n bytes of large object loid from offset, as a bytea: like lo_get's
 * be_lo_get_fragment, without its seek to the end for the object's size
 * (an index scan per call): the clip's row gives the size. Shorter when
 * the object is.
 */
static bytea *
lo_range(Oid loid, int64 offset, int32 n)
{
	static bool callback = false;
	LargeObjectDesc *lo;
	bytea	   *result = (bytea *) palloc(VARHDRSZ + n);
	int			got;

	if (!callback)
	{
		RegisterXactCallback(lo_xact_end, NULL);
		callback = true;
	}
	lo_open_in_xact = true;
	lo = inv_open(loid, INV_READ, CurrentMemoryContext);
	inv_seek(lo, offset, SEEK_SET);
	got = inv_read(lo, VARDATA(result), n);
	inv_close(lo);
	SET_VARSIZE(result, VARHDRSZ + got);
	return result;
}

/* audio_range(clip_id, offset, length) -> (bytes, mime, sha256, data) */
Datum
convdash_audio_range(PG_FUNCTION_ARGS)
{
	int64		offset = PG_ARGISNULL(1) ? -1 : PG_GETARG_INT64(1);
	int32		length = PG_ARGISNULL(2) ? -1 : PG_GETARG_INT32(2);
	int64		clip,
				account,
				bytes,
				n;
	TupleDesc	desc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	Datum		args[4];
	Oid			types[4] = {INT8OID, INT8OID, INT8OID, INT4OID};
	bool		isnull;
	Oid			loid = InvalidOid;
	MemoryContext caller = CurrentMemoryContext;

	if (offset < 0)
		convdash_invalid_parameter("offset", "offset must be 0 or more");
	if (length < 0 || length > AUDIO_RANGE_MAX)
		convdash_invalid_parameter("length", "length must be between 0 and 8388608 (8 MiB)");
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "audio_range: the result type must be a row");
	account = convdash_tenant();
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("audio clip <NULL> not found"),
				 err_generic_string(PG_DIAG_COLUMN_NAME, "clip_id")));
	clip = PG_GETARG_INT64(0);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "audio_range: SPI_connect failed");
	args[0] = Int64GetDatum(account);
	args[1] = Int64GetDatum(clip);
	if (SPI_execute_plan(saved_plan(&clip_plan,
									"SELECT a.bytes, a.mime, encode(a.sha256, 'hex'), a.loid FROM convdash.audio_clips a"
									" WHERE a.account_id = $1 AND a.id = $2", 2, types),
						 args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "audio_range: the clip lookup failed");
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("audio clip " INT64_FORMAT " not found", clip),
				 err_generic_string(PG_DIAG_COLUMN_NAME, "clip_id")));
	bytes = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	values[2] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("audio clip " INT64_FORMAT " is not finished", clip),
				 err_generic_string(PG_DIAG_COLUMN_NAME, "clip_id")));
	values[0] = Int64GetDatum(bytes);
	values[1] = SPI_datumTransfer(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull), false, -1);
	values[2] = SPI_datumTransfer(values[2], false, -1);
	loid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull));
	if (isnull)
		loid = InvalidOid;

	n = offset >= bytes ? 0 : Min((int64) length, bytes - offset);
	if (n == 0)
	{
		MemoryContext old = MemoryContextSwitchTo(caller);
		bytea	   *empty = palloc(VARHDRSZ);

		SET_VARSIZE(empty, VARHDRSZ);
		values[3] = PointerGetDatum(empty);
		MemoryContextSwitchTo(old);
	}
	else if (OidIsValid(loid))
	{
		MemoryContext old = MemoryContextSwitchTo(caller);

		/* one palloc of the range, filled by inv_read */
		values[3] = PointerGetDatum(lo_range(loid, offset, (int32) n));
		MemoryContextSwitchTo(old);
	}
	else
	{
		args[2] = Int64GetDatum(offset);
		args[3] = Int32GetDatum((int32) n);
		if (SPI_execute_plan(saved_plan(&chunks_plan, "SELECT convdash.read_clip_chunks($1, $2, $3, $4)", 4, types),
							 args, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "audio_range: reading the chunks failed");
		values[3] = SPI_datumTransfer(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull), false, -1);
	}
	SPI_finish();
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
