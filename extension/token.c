/*
 * token.c
 *		Random tokens for API keys.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(convdash_random_hex);

#define MAX_TOKEN_BYTES 256

/* Returns nbytes of cryptographically strong randomness as lowercase hex */
Datum
convdash_random_hex(PG_FUNCTION_ARGS)
{
	int32		nbytes = PG_GETARG_INT32(0);
	uint8		buf[MAX_TOKEN_BYTES];
	static const char hexdigits[] = "0123456789abcdef";
	text	   *result;
	char	   *out;

	if (nbytes < 1 || nbytes > MAX_TOKEN_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("token length must be between 1 and %d bytes", MAX_TOKEN_BYTES)));

	if (!pg_strong_random(buf, nbytes))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random bytes")));

	result = (text *) palloc(VARHDRSZ + nbytes * 2);
	SET_VARSIZE(result, VARHDRSZ + nbytes * 2);
	out = VARDATA(result);
	for (int i = 0; i < nbytes; i++)
	{
		out[2 * i] = hexdigits[buf[i] >> 4];
		out[2 * i + 1] = hexdigits[buf[i] & 0x0F];
	}
	PG_RETURN_TEXT_P(result);
}
