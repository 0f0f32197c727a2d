/*
 * sentiment.c
 *		Sentiment labels from scores, and their display text.
 *
 * A score lies in [-1, 1]: >= 0.05 is positive, <= -0.05 negative, anything
 * between neutral. A conversation never analysed has no label and shows
 * "Not analyzed".
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(convdash_sentiment_label);
PG_FUNCTION_INFO_V1(convdash_sentiment_text);

#define POSITIVE_THRESHOLD 0.05
#define NEGATIVE_THRESHOLD (-0.05)

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

/* Label of a score in [-1, 1], as the enum type the SQL declaration returns */
Datum
convdash_sentiment_label(PG_FUNCTION_ARGS)
{
	float8		score = PG_GETARG_FLOAT8(0);
	Oid			enumtype = get_fn_expr_rettype(fcinfo->flinfo);
	const char *label;

	check_score(score);
	if (!OidIsValid(enumtype))
		elog(ERROR, "could not determine the sentiment enum type");

	if (score >= POSITIVE_THRESHOLD)
		label = "positive";
	else if (score <= NEGATIVE_THRESHOLD)
		label = "negative";
	else
		label = "neutral";

	PG_RETURN_DATUM(DirectFunctionCall2(enum_in, CStringGetDatum(label),
										ObjectIdGetDatum(enumtype)));
}

/* Display text of a label: "Positive", "Negative", "Neutral", or "Not analyzed" for NULL */
Datum
convdash_sentiment_text(PG_FUNCTION_ARGS)
{
	char	   *label;

	if (PG_ARGISNULL(0))
		PG_RETURN_TEXT_P(cstring_to_text("Not analyzed"));

	label = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (strcmp(label, "positive") == 0)
		PG_RETURN_TEXT_P(cstring_to_text("Positive"));
	if (strcmp(label, "negative") == 0)
		PG_RETURN_TEXT_P(cstring_to_text("Negative"));
	if (strcmp(label, "neutral") == 0)
		PG_RETURN_TEXT_P(cstring_to_text("Neutral"));

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown sentiment label \"%s\"", label),
			 errhint("Use positive, negative or neutral.")));
	PG_RETURN_NULL();			/* keep compiler quiet */
}
