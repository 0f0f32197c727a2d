/*
 * sentiment.c
 *		Sentiment labels from scores, their display text, and an aggregate
 *		that summarises sentiment over a set of conversations.
 *
 * A score lies in [-1, 1]: >= 0.05 is positive, <= -0.05 negative, anything
 * between neutral. A conversation never analysed has no label and shows
 * "Not analyzed".
 *
 * convdash.sentiment_summary(label, score) counts the conversations per
 * label (a row without a label but with a score counts under the score's
 * label; one with neither is "not analyzed") and averages the scores given.
 * Its state is a float8[] of SUMMARY_SLOTS numbers, so partial states need
 * no serialisation and the aggregate runs in parallel with a combine
 * function.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(convdash_sentiment_label);
PG_FUNCTION_INFO_V1(convdash_sentiment_text);
PG_FUNCTION_INFO_V1(convdash_sentiment_enum_text);
PG_FUNCTION_INFO_V1(convdash_sentiment_summary_accum);
PG_FUNCTION_INFO_V1(convdash_sentiment_summary_combine);
PG_FUNCTION_INFO_V1(convdash_sentiment_summary_final);

#define POSITIVE_THRESHOLD 0.05
#define NEGATIVE_THRESHOLD (-0.05)

/* Sentiment classes; also the first slots of the aggregate's state */
typedef enum SentimentClass
{
	SENTIMENT_POSITIVE = 0,
	SENTIMENT_NEGATIVE,
	SENTIMENT_NEUTRAL,
	SENTIMENT_NOT_ANALYZED,
	SENTIMENT_CLASSES
} SentimentClass;

/* Slots of the aggregate state after the per-class counts */
#define SLOT_SCORED		SENTIMENT_CLASSES	/* rows with a score */
#define SLOT_SCORE_SUM	(SENTIMENT_CLASSES + 1) /* sum of those scores */
#define SUMMARY_SLOTS	(SENTIMENT_CLASSES + 2)

static const char *const class_labels[SENTIMENT_CLASSES] =
{"positive", "negative", "neutral", NULL};
static const char *const class_texts[SENTIMENT_CLASSES] =
{"Positive", "Negative", "Neutral", "Not analyzed"};

/* Raises 22023 unless the score is a number in [-1, 1] */
static inline void
check_score(float8 score)
{
	if (isnan(score) || score < -1.0 || score > 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sentiment score must be between -1 and 1"),
				 errdetail("The score was %g.", score)));
}

/* Class of a valid score by the thresholds */
static SentimentClass
score_class(float8 score)
{
	check_score(score);
	if (score >= POSITIVE_THRESHOLD)
		return SENTIMENT_POSITIVE;
	if (score <= NEGATIVE_THRESHOLD)
		return SENTIMENT_NEGATIVE;
	return SENTIMENT_NEUTRAL;
}

/* Class of a label; raises 22023 for anything but positive, negative, neutral */
static SentimentClass
label_class(const char *label)
{
	for (int i = 0; i < SENTIMENT_NOT_ANALYZED; i++)
		if (strcmp(label, class_labels[i]) == 0)
			return (SentimentClass) i;

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown sentiment label \"%s\"", label),
			 errhint("Use positive, negative or neutral.")));
	pg_unreachable();
}

/* The enum value oids of the labels, cached per call site in fn_extra */
typedef struct LabelOids
{
	Oid			oids[SENTIMENT_NOT_ANALYZED];
} LabelOids;

/*
 * Class of the convdash.sentiment value in argument argno. The label oids are
 * looked up once per call site, so a row costs a few comparisons instead of
 * a catalog lookup (the aggregate and the views call this per row).
 */
static SentimentClass
enum_class(FunctionCallInfo fcinfo, int argno)
{
	Oid			value = PG_GETARG_OID(argno);
	LabelOids  *cache = (LabelOids *) fcinfo->flinfo->fn_extra;

	if (cache == NULL)
	{
		Oid			enumtype = get_fn_expr_argtype(fcinfo->flinfo, argno);

		if (!OidIsValid(enumtype))	/* called without an expression: no cache */
			return label_class(DatumGetCString(DirectFunctionCall1(enum_out, ObjectIdGetDatum(value))));
		cache = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(LabelOids));
		for (int i = 0; i < SENTIMENT_NOT_ANALYZED; i++)
			cache->oids[i] = DatumGetObjectId(DirectFunctionCall2(enum_in,
																  CStringGetDatum(class_labels[i]),
																  ObjectIdGetDatum(enumtype)));
		fcinfo->flinfo->fn_extra = cache;
	}
	for (int i = 0; i < SENTIMENT_NOT_ANALYZED; i++)
		if (value == cache->oids[i])
			return (SentimentClass) i;
	/* a value of another enum: its label decides, or 22023 */
	return label_class(DatumGetCString(DirectFunctionCall1(enum_out, ObjectIdGetDatum(value))));
}

/* Label of a score in [-1, 1], as the enum type the SQL declaration returns */
Datum
convdash_sentiment_label(PG_FUNCTION_ARGS)
{
	float8		score = PG_GETARG_FLOAT8(0);
	Oid			enumtype = get_fn_expr_rettype(fcinfo->flinfo);
	SentimentClass cls = score_class(score);

	if (!OidIsValid(enumtype))
		elog(ERROR, "could not determine the sentiment enum type");

	PG_RETURN_DATUM(DirectFunctionCall2(enum_in, CStringGetDatum(class_labels[cls]),
										ObjectIdGetDatum(enumtype)));
}

/* Display text of a text label: "Positive", "Negative", "Neutral", or "Not analyzed" for NULL */
Datum
convdash_sentiment_text(PG_FUNCTION_ARGS)
{
	SentimentClass cls = SENTIMENT_NOT_ANALYZED;

	if (!PG_ARGISNULL(0))
		cls = label_class(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	PG_RETURN_TEXT_P(cstring_to_text(class_texts[cls]));
}

/* Display text of a convdash.sentiment value; "Not analyzed" for NULL */
Datum
convdash_sentiment_enum_text(PG_FUNCTION_ARGS)
{
	SentimentClass cls = SENTIMENT_NOT_ANALYZED;

	if (!PG_ARGISNULL(0))
		cls = enum_class(fcinfo, 0);
	PG_RETURN_TEXT_P(cstring_to_text(class_texts[cls]));
}

/* The SUMMARY_SLOTS numbers of a summary state; elog for a malformed array */
static float8 *
state_values(ArrayType *state)
{
	if (ARR_NDIM(state) != 1 || ARR_DIMS(state)[0] != SUMMARY_SLOTS ||
		ARR_HASNULL(state) || ARR_ELEMTYPE(state) != FLOAT8OID)
		elog(ERROR, "sentiment summary state must be a float8[%d] without nulls", SUMMARY_SLOTS);
	return (float8 *) ARR_DATA_PTR(state);
}

/*
 * The state argument, writable: modified in place inside an aggregate (as
 * float8_accum does), copied when the function is called directly.
 */
static ArrayType *
writable_state(FunctionCallInfo fcinfo, int argno)
{
	if (AggCheckCallContext(fcinfo, NULL))
		return PG_GETARG_ARRAYTYPE_P(argno);
	return PG_GETARG_ARRAYTYPE_P_COPY(argno);
}

/* Transition: counts one conversation (label, score) into the state */
Datum
convdash_sentiment_summary_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *state;
	float8	   *v;
	SentimentClass cls;

	if (PG_ARGISNULL(0))
		elog(ERROR, "sentiment summary state must not be null");
	state = writable_state(fcinfo, 0);
	v = state_values(state);

	if (!PG_ARGISNULL(1))
		cls = enum_class(fcinfo, 1);
	else if (!PG_ARGISNULL(2))
		cls = score_class(PG_GETARG_FLOAT8(2));
	else
		cls = SENTIMENT_NOT_ANALYZED;

	if (!PG_ARGISNULL(2))
	{
		float8		score = PG_GETARG_FLOAT8(2);

		check_score(score);
		v[SLOT_SCORED] += 1;
		v[SLOT_SCORE_SUM] += score;
	}
	v[cls] += 1;
	PG_RETURN_ARRAYTYPE_P(state);
}

/* Combine: adds the second partial state into the first */
Datum
convdash_sentiment_summary_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *state = writable_state(fcinfo, 0);
	float8	   *v = state_values(state);
	float8	   *w = state_values(PG_GETARG_ARRAYTYPE_P(1));

	for (int i = 0; i < SUMMARY_SLOTS; i++)
		v[i] += w[i];
	PG_RETURN_ARRAYTYPE_P(state);
}

/* Final: the convdash.sentiment_counts row of a state; mean_score NULL when no scores */
Datum
convdash_sentiment_summary_final(PG_FUNCTION_ARGS)
{
	float8	   *v = state_values(PG_GETARG_ARRAYTYPE_P(0));
	TupleDesc	tupdesc;
	Datum		values[SENTIMENT_CLASSES + 3];
	bool		nulls[SENTIMENT_CLASSES + 3] = {false};
	int64		total = 0;
	int			n = 0;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "sentiment summary must return a composite type");
	if (tupdesc->natts != lengthof(values))
		elog(ERROR, "sentiment summary result must have %d columns", (int) lengthof(values));
	tupdesc = BlessTupleDesc(tupdesc);

	for (int i = 0; i < SENTIMENT_CLASSES; i++)
	{
		values[n++] = Int64GetDatum((int64) v[i]);
		total += (int64) v[i];
	}
	values[n++] = Int64GetDatum(total);
	values[n++] = Int64GetDatum((int64) v[SLOT_SCORED]);
	if (v[SLOT_SCORED] > 0)
		values[n] = Float8GetDatum(v[SLOT_SCORE_SUM] / v[SLOT_SCORED]);
	else
		nulls[n] = true;

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
