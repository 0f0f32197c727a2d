/*
 * peaks.c
 *		Waveform peaks: the largest normalised amplitude (0..1) per bucket of
 *		frames, computed while streaming through the sample data.
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

#include "wav.h"

PG_FUNCTION_INFO_V1(convdash_peaks_resample);

/* Prepares an accumulator of buckets (1..PEAKS_MAX_BUCKETS) for the clip info describes */
void
peaks_start(PeakAccumulator *acc, const WavInfo *info, int buckets)
{
	Assert(buckets >= 1 && buckets <= PEAKS_MAX_BUCKETS);
	acc->info = info;
	acc->buckets = buckets;
	acc->frame = 0;
	acc->peak = palloc0(sizeof(float4) * buckets);
	acc->filled = palloc0(sizeof(bool) * buckets);
	acc->carry_len = 0;
}

/* Adds one frame's peak to its bucket */
static inline void
add_frame(PeakAccumulator *acc, const uint8 *frame)
{
	int			b;
	float4		v;

	if (acc->frame >= acc->info->frames)
		return;					/* a partial trailing frame of the data chunk */
	b = (int) (acc->frame * acc->buckets / acc->info->frames);
	v = wav_frame_peak(acc->info, frame);
	if (!acc->filled[b] || v > acc->peak[b])
		acc->peak[b] = v;
	acc->filled[b] = true;
	acc->frame++;
}

/* Feeds the next len bytes of sample data, in order; frames may straddle calls */
void
peaks_add(PeakAccumulator *acc, const uint8 *data, int len)
{
	int			align = acc->info->block_align;

	if (acc->carry_len > 0)
	{
		int			need = Min(align - acc->carry_len, len);

		memcpy(acc->carry + acc->carry_len, data, need);
		acc->carry_len += need;
		data += need;
		len -= need;
		if (acc->carry_len < align)
			return;
		add_frame(acc, acc->carry);
		acc->carry_len = 0;
	}
	while (len >= align)
	{
		add_frame(acc, data);
		data += align;
		len -= align;
	}
	memcpy(acc->carry, data, len);
	acc->carry_len = len;
}

/* Fills buckets no frame fell into from the bucket before them (clips shorter than the bucket count) */
void
peaks_finish(PeakAccumulator *acc)
{
	for (int b = 1; b < acc->buckets; b++)
		if (!acc->filled[b])
			acc->peak[b] = acc->peak[b - 1];
}

/* Raises 22023 naming the field */
static void
peaks_error(const char *field, const char *msg)
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
		peaks_error("buckets", "buckets must be between 1 and 4096");
	if (ARR_NDIM(in) != 1 || ARR_HASNULL(in) || ARR_ELEMTYPE(in) != FLOAT4OID)
		peaks_error("peaks", "peaks must be a one-dimensional real array without nulls");
	m = ArrayGetNItems(ARR_NDIM(in), ARR_DIMS(in));
	if (m < 1 || m > PEAKS_MAX_BUCKETS)
		peaks_error("peaks", "peaks must have 1 to 4096 values");
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
