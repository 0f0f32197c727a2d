/*
 * peaks.c
 *		Waveform peaks: the largest normalised amplitude (0..1) per bucket of
 *		frames. The decoder (decoder/audio_decode.c) computes them at
 *		PEAKS_MAX_BUCKETS; this file derives other bucket counts.
 *
 * Frame f of a clip of S frames falls into bucket floor(f * N / S). With
 * S >= N every bucket holds at least one frame; a shorter clip leaves
 * buckets without a frame, which repeat the bucket before them (the frame
 * spans them). Clips are cached at PEAKS_MAX_BUCKETS (4096) buckets;
 * convdash.peaks_resample derives any N from that: exact when N divides
 * 4096 (bucket boundaries coincide), otherwise the maximum over the cached
 * buckets a bucket overlaps: never below the exact peak, and taken from at
 * most 1/4096 of the clip beyond the bucket on either side.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "convdash.h"
#include "decode.h"

PG_FUNCTION_INFO_V1(convdash_peaks_resample);

/* Raises 22023 (invalid_parameter_value) naming the field as the column (convdash.h) */
void
convdash_invalid_parameter(const char *field, const char *msg)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s", msg),
			 err_generic_string(PG_DIAG_COLUMN_NAME, field)));
}

/*
 * peaks_resample(peaks real[], buckets integer) returns real[]: N buckets
 * derived from M stored ones, each the maximum of the stored buckets it
 * overlaps, rounded to 4 decimals (half away from zero).
 */
Datum
convdash_peaks_resample(PG_FUNCTION_ARGS)
{
	ArrayType  *in = PG_GETARG_ARRAYTYPE_P(0);
	int32		n = PG_GETARG_INT32(1);
	float4	   *src;
	int			m;
	Datum	   *out;

	if (n < 1 || n > PEAKS_MAX_BUCKETS)
		convdash_invalid_parameter("buckets", "buckets must be between 1 and 4096");
	if (ARR_NDIM(in) != 1 || ARR_HASNULL(in) || ARR_ELEMTYPE(in) != FLOAT4OID)
		convdash_invalid_parameter("peaks", "peaks must be a one-dimensional real array without nulls");
	m = ArrayGetNItems(ARR_NDIM(in), ARR_DIMS(in));
	if (m < 1 || m > PEAKS_MAX_BUCKETS)
		convdash_invalid_parameter("peaks", "peaks must have 1 to 4096 values");
	src = (float4 *) ARR_DATA_PTR(in);

	out = palloc(sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
	{
		int			lo = (int) ((int64) i * m / n);
		int			hi = (int) (((int64) (i + 1) * m + n - 1) / n);	/* ceil: covers all */
		float4		peak = 0;

		for (int j = lo; j < hi; j++)
			if (src[j] > peak)
				peak = src[j];
		out[i] = Float4GetDatum((float4) (round((double) peak * 10000.0) / 10000.0));
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(out, n, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT));
}
