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
 *
 * The search asks the index for a query's rare part only
 * (words_rare_query: the lexemes that are not among the most common ones
 * and that every match has) and counts its entries from the index alone
 * (words_index_count), so no search reads a common word's posting list.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "tsearch/ts_type.h"
#include "tsearch/ts_utils.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "convdash.h"

PG_FUNCTION_INFO_V1(convdash_words_tenant);
PG_FUNCTION_INFO_V1(convdash_words_index_count);
PG_FUNCTION_INFO_V1(convdash_words_rare_query);

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

/*
 * words_index_count(query tsquery): how many entries of messages_words_idx
 * the query selects (convdash_index_match_count: an upper bound of the
 * messages it matches, phrases and -words unchecked), from the index alone.
 * NULL when the query needs no lexeme to match (only -words: the index
 * would be read whole, every tenant's entries), 0 for a query without
 * lexemes. 42501 unless every lexeme is the current tenant's.
 */
Datum
convdash_words_index_count(PG_FUNCTION_ARGS)
{
	TSQuery		query = PG_GETARG_TSQUERY(0);
	QueryItem  *item = GETQUERY(query);
	char		prefix[32];
	int			plen = snprintf(prefix, sizeof(prefix), INT64_FORMAT "/", convdash_tenant());
	Oid			op;

	for (int i = 0; i < query->size; i++)
		if (item[i].type == QI_VAL &&
			(item[i].qoperand.length < plen ||
			 memcmp(GETOPERAND(query) + item[i].qoperand.distance, prefix, plen) != 0))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("word query of another tenant"),
					 errdetail("Every lexeme must be one of convdash.words_query(convdash.require_account(), ...).")));
	if (query->size == 0)
		PG_RETURN_INT64(0);
	if (!tsquery_requires_match(item))
		PG_RETURN_NULL();
	op = OpernameGetOprid(list_make2(makeString("pg_catalog"), makeString("@@")), TSVECTOROID, TSQUERYOID);
	PG_RETURN_INT64(convdash_index_match_count("messages_words_idx", op, PointerGetDatum(query)));
}

/* Whether the operand is one of the n common lexemes */
static bool
operand_is_common(TSQuery query, QueryOperand *op, Datum *common, int n)
{
	const char *lexeme = GETOPERAND(query) + op->distance;

	for (int i = 0; i < n; i++)
		if (VARSIZE_ANY_EXHDR(common[i]) == op->length &&
			memcmp(VARDATA_ANY(common[i]), lexeme, op->length) == 0)
			return true;
	return false;
}

/*
 * Appends to buf the text of a query of the item's rare lexemes that every
 * text the item matches matches too (an AND or a phrase keeps its rare
 * sides, an OR needs both, a NOT none: it matches texts without lexemes; a
 * prefix, which web-search syntax never makes, reads every lexeme it
 * starts, so it counts as common); false, appending nothing, when there is
 * no such query.
 */
static bool
append_rare_part(StringInfo buf, TSQuery query, QueryItem *item, Datum *common, int n)
{
	StringInfoData left;
	StringInfoData right;
	bool		has_left;
	bool		has_right;

	check_stack_depth();
	if (item->type == QI_VAL)
	{
		const char *lexeme = GETOPERAND(query) + item->qoperand.distance;

		if (item->qoperand.prefix || operand_is_common(query, &item->qoperand, common, n))
			return false;
		appendStringInfoChar(buf, '\'');
		for (int i = 0; i < item->qoperand.length; i++)
		{
			if (lexeme[i] == '\'' || lexeme[i] == '\\')
				appendStringInfoChar(buf, '\\');
			appendStringInfoChar(buf, lexeme[i]);
		}
		appendStringInfoChar(buf, '\'');
		return true;
	}
	if (item->qoperator.oper == OP_NOT)
		return false;
	initStringInfo(&left);
	initStringInfo(&right);
	has_left = append_rare_part(&left, query, item + item->qoperator.left, common, n);
	has_right = append_rare_part(&right, query, item + 1, common, n);
	if (item->qoperator.oper == OP_OR ? has_left && has_right : has_left || has_right)
	{
		if (has_left && has_right)
			appendStringInfo(buf, "(%s %c %s)", left.data, item->qoperator.oper == OP_OR ? '|' : '&', right.data);
		else
			appendStringInfoString(buf, has_left ? left.data : right.data);
		return true;
	}
	return false;
}

/*
 * words_rare_query(query tsquery, common text[]): a query of only the
 * query's lexemes that are not common that every message the query matches
 * matches too (phrases as AND, NULL when there is none: the query needs a
 * common lexeme or none at all). Counting and collecting through it reads
 * no common lexeme's long posting list (at 1M, "brucklu and": 8 ms against
 * 50-65 ms with "and"; "bemia or the": none, the query is common).
 */
Datum
convdash_words_rare_query(PG_FUNCTION_ARGS)
{
	TSQuery		query;
	Datum	   *common = NULL;
	int			n = 0;
	StringInfoData buf;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	query = PG_GETARG_TSQUERY(0);
	if (!PG_ARGISNULL(1))
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
		bool	   *nulls;
		int			all;

		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &common, &nulls, &all);
		for (int i = 0; i < all; i++)
			if (!nulls[i])
				common[n++] = common[i];
	}
	initStringInfo(&buf);
	if (query->size == 0 || !append_rare_part(&buf, query, GETQUERY(query), common, n))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(DirectFunctionCall1(tsqueryin, CStringGetDatum(buf.data)));
}
