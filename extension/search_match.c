/*
 * search_match.c
 *		The search's test of a text against its ILIKE pattern, without
 *		ILIKE's copy of every text.
 *
 * A substring search checks each candidate message with
 * "content ILIKE search_pattern(q)". ILIKE (PostgreSQL 15, multibyte
 * database) lowercases the pattern and the whole text into new copies and
 * matches them character by character; on the probes of common phrases that
 * is much of the search's time (at 1M, 41,000 messages of a probe, warm: 68 ms
 * with ILIKE, 41-46 with this, 39 reading them unchecked).
 * search_match(text, pattern) answers what "text ILIKE pattern" answers,
 * always: when the pattern is search_pattern's
 * form ('%', a literal, '%') in a UTF-8 database and the text is ASCII under
 * a collation that lowercases ASCII as ASCII (what lower() would make of the
 * text is then its bytes folded one by one), it folds the text into a buffer
 * and looks for the lowercased literal with memmem; any other text or
 * pattern goes to ILIKE itself (texticlike). Its support function gives the
 * planner ILIKE's estimate of the condition, so plans stay what they were.
 */
#include "postgres.h"

#include <string.h>

#include "catalog/pg_collation.h"
#include "catalog/pg_operator.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "nodes/supportnodes.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/fmgrprotos.h"

#include "convdash.h"

PG_FUNCTION_INFO_V1(convdash_search_match);
PG_FUNCTION_INFO_V1(convdash_search_match_support);

/* texts up to this many bytes are folded on the stack */
#define FOLD_STACK_BYTES 2048

/* What a call keeps of its pattern between rows (fn_extra) */
typedef struct PatternPlan
{
	Oid			collation;		/* the collation it was lowered with */
	int			pattern_len;	/* the pattern's bytes, to notice another */
	char	   *pattern;
	bool		literal;		/* the pattern is '%' literal '%' and the fast path applies */
	bool		needle_ascii;	/* the lowercased literal is ASCII */
	int			needle_len;		/* the lowercased literal, unescaped */
	char	   *needle;
} PatternPlan;

/* Whether lower() under the collation maps every ASCII character to its ASCII lowercase */
static bool
collation_folds_ascii(Oid collation)
{
	static Oid	checked = InvalidOid;
	static bool folds = false;
	char		ascii[128];
	char	   *lowered;

	if (collation == checked)
		return folds;
	for (int i = 1; i < 128; i++)
		ascii[i - 1] = (char) i;
	ascii[127] = '\0';
	lowered = str_tolower(ascii, 127, collation);
	folds = strlen(lowered) == 127;
	for (int i = 0; folds && i < 127; i++)
		folds = lowered[i] == pg_ascii_tolower(ascii[i]);
	pfree(lowered);
	checked = collation;
	return folds;
}

/* Whether every byte is ASCII */
static bool
bytes_are_ascii(const char *s, int len)
{
	unsigned char any = 0;

	for (int i = 0; i < len; i++)
		any |= (unsigned char) s[i];
	return any < 0x80;
}

/*
 * Unescapes a lowercased LIKE pattern of the form '%' literal '%' (escape
 * '\', no other wildcard) into needle; false when the pattern has another form.
 */
static bool
pattern_literal(const char *p, int len, char *needle, int *needle_len)
{
	int			n = 0;

	if (len < 2 || p[0] != '%' || p[len - 1] != '%')
		return false;
	for (int i = 1; i < len - 1; i++)
	{
		if (p[i] == '%' || p[i] == '_')
			return false;
		if (p[i] == '\\')
		{
			if (++i >= len - 1)
				return false;	/* an escape of the closing '%': not this form */
		}
		needle[n++] = p[i];
	}
	*needle_len = n;
	return true;
}

/* The call's plan for this pattern and collation, made once per pattern */
static PatternPlan *
pattern_plan(FunctionCallInfo fcinfo, text *pattern, Oid collation)
{
	PatternPlan *plan = (PatternPlan *) fcinfo->flinfo->fn_extra;
	const char *p = VARDATA_ANY(pattern);
	int			len = VARSIZE_ANY_EXHDR(pattern);
	MemoryContext old;
	char	   *lowered;

	if (plan != NULL && plan->collation == collation && plan->pattern_len == len
		&& memcmp(plan->pattern, p, len) == 0)
		return plan;
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	if (plan != NULL)
	{
		pfree(plan->pattern);
		pfree(plan->needle);
	}
	else
		plan = palloc0(sizeof(PatternPlan));
	plan->collation = collation;
	plan->pattern_len = len;
	plan->pattern = palloc(len + 1);
	memcpy(plan->pattern, p, len);
	if (GetDatabaseEncoding() == PG_UTF8 && OidIsValid(collation) && collation_folds_ascii(collation))
		lowered = str_tolower(p, len, collation);
	else
		lowered = pstrdup("");
	plan->needle = palloc(strlen(lowered) + 1);
	plan->literal = pattern_literal(lowered, strlen(lowered), plan->needle, &plan->needle_len);
	plan->needle_ascii = plan->literal && bytes_are_ascii(plan->needle, plan->needle_len);
	pfree(lowered);
	MemoryContextSwitchTo(old);
	fcinfo->flinfo->fn_extra = plan;
	return plan;
}

/* Whether the ASCII text folded to lowercase contains the needle */
static bool
ascii_folded_contains(const char *s, size_t len, const char *needle, size_t needle_len)
{
	char		stack[FOLD_STACK_BYTES];
	char	   *folded = len <= FOLD_STACK_BYTES ? stack : palloc(len + 1);
	bool		found;

	if (needle_len > len)
		return false;
	for (size_t i = 0; i < len; i++)
		folded[i] = pg_ascii_tolower(s[i]);
	found = memmem(folded, len, needle, needle_len) != NULL;
	if (folded != stack)
		pfree(folded);
	return found;
}

/* Returns text ILIKE pattern, without ILIKE's copies for ASCII texts and '%' literal '%' patterns */
Datum
convdash_search_match(PG_FUNCTION_ARGS)
{
	text	   *haystack = PG_GETARG_TEXT_PP(0);
	text	   *pattern = PG_GETARG_TEXT_PP(1);
	Oid			collation = PG_GET_COLLATION();
	PatternPlan *plan = pattern_plan(fcinfo, pattern, collation);
	const char *s = VARDATA_ANY(haystack);
	int			len = VARSIZE_ANY_EXHDR(haystack);

	if (plan->literal && bytes_are_ascii(s, len))
		PG_RETURN_BOOL(plan->needle_ascii
					   && ascii_folded_contains(s, len, plan->needle, plan->needle_len));
	PG_RETURN_DATUM(DirectFunctionCall2Coll(texticlike, collation,
											PointerGetDatum(haystack),
											PointerGetDatum(pattern)));
}

/* The planner's estimate of search_match(text, pattern): what it estimates for text ILIKE pattern */
Datum
convdash_search_match_support(PG_FUNCTION_ARGS)
{
	Node	   *raw = (Node *) PG_GETARG_POINTER(0);
	SupportRequestSelectivity *req;

	if (!IsA(raw, SupportRequestSelectivity))
		PG_RETURN_POINTER(NULL);
	req = (SupportRequestSelectivity *) raw;
	if (req->is_join)
		req->selectivity = DatumGetFloat8(DirectFunctionCall5Coll(iclikejoinsel, req->inputcollid,
																  PointerGetDatum(req->root),
																  ObjectIdGetDatum(OID_TEXT_ICLIKE_OP),
																  PointerGetDatum(req->args),
																  Int16GetDatum(req->jointype),
																  PointerGetDatum(req->sjinfo)));
	else
		req->selectivity = DatumGetFloat8(DirectFunctionCall4Coll(iclikesel, req->inputcollid,
																  PointerGetDatum(req->root),
																  ObjectIdGetDatum(OID_TEXT_ICLIKE_OP),
																  PointerGetDatum(req->args),
																  Int32GetDatum(req->varRelid)));
	PG_RETURN_POINTER(req);
}
