/*
 * rfc3339.c
 *		Timestamps as RFC 3339 UTC text for the JSON the API returns.
 *
 * Every timestamp in a JSON answer is written by convdash.rfc3339(), so the
 * list, detail, transcript and client data agree on one format:
 * "2026-01-02T03:04:05.123456Z" (always UTC, always six fraction digits, so
 * it round-trips a PostgreSQL timestamptz exactly and sorts as text).
 */
#include "postgres.h"

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "convdash.h"

PG_FUNCTION_INFO_V1(convdash_rfc3339);

/* Writes the RFC 3339 UTC text of ts into out; false when infinite or outside years 1-9999 */
bool
convdash_rfc3339_format(TimestampTz ts, char out[CONVDASH_RFC3339_LEN])
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (TIMESTAMP_NOT_FINITE(ts) ||
		timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0 ||
		tm.tm_year < 1 || tm.tm_year > 9999)
		return false;
	snprintf(out, CONVDASH_RFC3339_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
			 tm.tm_year, tm.tm_mon, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec, (int) fsec);
	return true;
}

/* RFC 3339 UTC text of a timestamptz; NULL when infinite or outside years 1-9999 */
Datum
convdash_rfc3339(PG_FUNCTION_ARGS)
{
	char		buf[CONVDASH_RFC3339_LEN];

	if (!convdash_rfc3339_format(PG_GETARG_TIMESTAMPTZ(0), buf))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(buf));
}
