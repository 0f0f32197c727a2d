/*
 * duration.c
 *		Conversation and session durations and their human text.
 *
 * The dashboard shows "45s", "3m 05s", "1h 02m 03s", "2d 04h 10m" for long
 * ones, and "Ongoing" while a conversation has not ended.
 */
#include "postgres.h"

#include "common/int.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(convdash_duration_seconds);
PG_FUNCTION_INFO_V1(convdash_duration_text);

#define SECS_PER_MINUTE_I64 INT64CONST(60)
#define SECS_PER_HOUR_I64 INT64CONST(3600)
#define SECS_PER_DAY_I64 INT64CONST(86400)

/* Raises 22023 when a duration is negative */
static inline void
check_duration(int64 seconds)
{
	if (seconds < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("duration must not be negative"),
				 errdetail("The duration was " INT64_FORMAT " seconds.", seconds)));
}

/* Whole seconds from started to ended; NULL while ended is NULL (ongoing) */
Datum
convdash_duration_seconds(PG_FUNCTION_ARGS)
{
	TimestampTz started;
	TimestampTz ended;
	int64		diff;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();

	started = PG_GETARG_TIMESTAMPTZ(0);
	ended = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_NOT_FINITE(started) || TIMESTAMP_NOT_FINITE(ended))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("duration of an infinite timestamp is undefined")));

	if (pg_sub_s64_overflow(ended, started, &diff))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("duration is out of range")));
	if (diff < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("duration must not be negative"),
				 errdetail("It ends before it starts.")));
	PG_RETURN_INT64(diff / USECS_PER_SEC);
}

/* Human text of a duration in seconds; "Ongoing" for NULL */
Datum
convdash_duration_text(PG_FUNCTION_ARGS)
{
	int64		seconds;
	int64		days;
	int64		hours;
	int64		minutes;
	char		buf[64];

	if (PG_ARGISNULL(0))
		PG_RETURN_TEXT_P(cstring_to_text("Ongoing"));

	seconds = PG_GETARG_INT64(0);
	check_duration(seconds);

	days = seconds / SECS_PER_DAY_I64;
	hours = (seconds % SECS_PER_DAY_I64) / SECS_PER_HOUR_I64;
	minutes = (seconds % SECS_PER_HOUR_I64) / SECS_PER_MINUTE_I64;
	seconds = seconds % SECS_PER_MINUTE_I64;

	if (days > 0)
		snprintf(buf, sizeof(buf), INT64_FORMAT "d %02d" "h %02d" "m",
				 days, (int) hours, (int) minutes);
	else if (hours > 0)
		snprintf(buf, sizeof(buf), "%dh %02dm %02ds",
				 (int) hours, (int) minutes, (int) seconds);
	else if (minutes > 0)
		snprintf(buf, sizeof(buf), "%dm %02ds", (int) minutes, (int) seconds);
	else
		snprintf(buf, sizeof(buf), "%ds", (int) seconds);

	PG_RETURN_TEXT_P(cstring_to_text(buf));
}
