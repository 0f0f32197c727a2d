/*
 * hmac.c
 *		HMAC-SHA-256, for list cursors and tenant claims.
 */
#include "postgres.h"

#include "common/hmac.h"

#include "convdash.h"

/* Writes the HMAC-SHA-256 of msg under key to out (CONVDASH_HMAC_LEN bytes) */
void
convdash_hmac_sha256_raw(const uint8 *key, size_t keylen, const uint8 *msg, size_t msglen, uint8 *out)
{
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);

	if (ctx == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	if (pg_hmac_init(ctx, key, keylen) < 0 ||
		pg_hmac_update(ctx, msg, msglen) < 0 ||
		pg_hmac_final(ctx, out, CONVDASH_HMAC_LEN) < 0)
	{
		const char *why = pg_hmac_error(ctx);

		pg_hmac_free(ctx);
		elog(ERROR, "could not compute HMAC-SHA-256: %s", why);
	}
	pg_hmac_free(ctx);
}
