/*
 * words.c
 *		Tenant-qualified lexemes for word search.
 *
 * Word search (match=words) indexes each shown message's tsvector in one
 * GIN. So that a tenant's search reads only that tenant's postings (a word
 * frequent in another tenant costs nothing, and the keys suit Citus shards),
 * every lexeme is stored as "<account id>/<lexeme>": words_tenant() rewrites
 * a tsvector that way, keeping positions and weights, and the query's
 * lexemes get the same prefix (convdash.words_query). The order of the
 * lexemes is kept: a common prefix does not change how two lexemes compare.
 */
#include "postgres.h"

#include "fmgr.h"
#include "tsearch/ts_type.h"

PG_FUNCTION_INFO_V1(convdash_words_tenant);

/*
 * words_tenant(tsvector, account_id bigint): the tsvector with each lexeme
 * prefixed by "<account_id>/"; a lexeme that would grow past the longest a
 * tsvector holds is left out (to_tsvector leaves such words out too).
 */
Datum
convdash_words_tenant(PG_FUNCTION_ARGS)
{
	TSVector	in = PG_GETARG_TSVECTOR(0);
	int64		acct = PG_GETARG_INT64(1);
	char		prefix[32];
	int			plen = snprintf(prefix, sizeof(prefix), INT64_FORMAT "/", acct);
	WordEntry  *src = ARRPTR(in);
	int32		instr = VARSIZE(in) - CALCDATASIZE(in->size, 0);
	Size		cap = CALCDATASIZE(in->size, instr + (Size) in->size * (plen + 1));
	TSVector	out = (TSVector) palloc0(cap);
	WordEntry  *dst = ARRPTR(out);
	char	   *str;
	int32		pos = 0;
	int			n = 0;

	out->size = in->size;		/* STRPTR(out) depends on it */
	str = STRPTR(out);
	for (int i = 0; i < in->size; i++)
	{
		int			npos = POSDATALEN(in, &src[i]);

		if (src[i].len + plen > MAXSTRLEN)
			continue;
		if (pos > MAXSTRPOS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("string is too long for tsvector (%d bytes, max %d bytes)", pos, MAXSTRPOS)));
		dst[n].haspos = src[i].haspos;
		dst[n].len = src[i].len + plen;
		dst[n].pos = pos;
		memcpy(str + pos, prefix, plen);
		memcpy(str + pos + plen, STRPTR(in) + src[i].pos, src[i].len);
		pos += dst[n].len;
		if (src[i].haspos)
		{
			pos = SHORTALIGN(pos);
			*(uint16 *) (str + pos) = (uint16) npos;
			memcpy(str + pos + sizeof(uint16), POSDATAPTR(in, &src[i]), npos * sizeof(WordEntryPos));
			pos += sizeof(uint16) + npos * sizeof(WordEntryPos);
		}
		n++;
	}
	if (n < in->size)
	{
		/* entries left out: close the gap between the entries and the strings */
		memmove(ARRPTR(out) + n, str, pos);
		out->size = n;
	}
	SET_VARSIZE(out, CALCDATASIZE(n, pos));
	PG_FREE_IF_COPY(in, 0);
	PG_RETURN_TSVECTOR(out);
}
