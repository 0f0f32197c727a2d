/*
 * search.c
 *		Search helpers: n-gram keys for the search index, and the HMAC that
 *		makes list cursors tamper-proof.
 *
 * convdash indexes message content and session ids with a GIN index on
 * search_grams(account_id, text): the distinct 1-, 2- and 4-character
 * substrings of the lowercased text, each as a 64-bit key whose high half is
 * the tenant (account id) and whose low half names the n-gram. A search
 * term's keys (search_keys(account_id, q)) are all contained in the keys of
 * every text of that tenant that contains the term (ILIKE compares
 * lower(text) with lower(pattern)), so
 * "search_grams(account_id, content) @> search_keys(account_id, q)" is an
 * exact-superset candidate filter that the ILIKE recheck makes exact.
 *
 * Tenant keys: every posting list belongs to one tenant, so a term frequent
 * in another tenant's data costs a search nothing (and a tenant's keys are
 * one contiguous range of the index, as a Citus shard holds them). 4-grams
 * instead of 3-grams: the 3-grams of an ordinary word are each in a few % of
 * messages, its 4-grams are far rarer, so a medium term intersects short
 * lists; a text has about as many distinct 4-grams as 3-grams, so the index
 * and the append cost stay what they were (indexing both would add half of
 * the keys). A 3-character term is looked up by its two 2-grams.
 *
 * Unlike pg_trgm it answers 1- and 2-character terms and punctuation, and
 * the planner can only use it where the query names the expression, never
 * behind a plain ILIKE.
 *
 * The one-argument search_grams/search_keys (32-bit keys, 1- to 3-grams,
 * shared by all tenants) are the functions of version 0.1: their symbols
 * stay for its frozen install script.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/tidbitmap.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "convdash.h"

PG_FUNCTION_INFO_V1(convdash_search_grams);
PG_FUNCTION_INFO_V1(convdash_search_keys);
PG_FUNCTION_INFO_V1(convdash_search_tenant_grams);
PG_FUNCTION_INFO_V1(convdash_search_tenant_keys);
PG_FUNCTION_INFO_V1(convdash_search_index_count);
PG_FUNCTION_INFO_V1(convdash_hmac_sha256);

#define GRAM_TAG_SHIFT	28
#define GRAM_HASH_MASK	0x0FFFFFFF
/* the long n-gram of the tenant keys (besides 1- and 2-grams), and the most keys a term is looked up by */
#define TENANT_GRAM_LONG 4
#define TENANT_QUERY_KEYS 8

/* Key of the n-gram at w[0..n-1]: a tag for n plus the code point or an FNV-1a hash */
static inline int32
gram_key(const pg_wchar *w, int n)
{
	uint32		h = 2166136261u;

	if (n == 1)
		return (int32) ((1u << GRAM_TAG_SHIFT) | (w[0] & GRAM_HASH_MASK));
	for (int i = 0; i < n; i++)
	{
		h ^= (uint32) w[i];
		h *= 16777619u;
	}
	return (int32) (((uint32) n << GRAM_TAG_SHIFT) | (h & GRAM_HASH_MASK));
}

/* qsort comparator of int32 keys */
static int
key_cmp(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	return (x > y) - (x < y);
}

/* Lowercases a text with the call's collation and decodes it into code points */
static pg_wchar *
lower_wchars(text *t, Oid collation, int *nchars)
{
	text	   *low;
	pg_wchar   *w;
	int			nbytes;

	if (!OidIsValid(collation))
		collation = DEFAULT_COLLATION_OID;
	low = DatumGetTextPP(DirectFunctionCall1Coll(lower, collation, PointerGetDatum(t)));
	nbytes = VARSIZE_ANY_EXHDR(low);
	w = (pg_wchar *) palloc((nbytes + 1) * sizeof(pg_wchar));
	*nchars = pg_mb2wchar_with_len(VARDATA_ANY(low), w, nbytes);
	return w;
}

/* qsort comparator of int64 keys */
static int
key64_cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/* Sorts the keys (int64 when wide, else int32), drops duplicates and returns them as an int8[] or int4[] */
static ArrayType *
keys_to_array(void *keys, int nkeys, bool wide)
{
	Size		size = wide ? sizeof(int64) : sizeof(int32);
	int			n = 0;
	Datum	   *d;

	if (nkeys > 1)
		qsort(keys, nkeys, size, wide ? key64_cmp : key_cmp);
	d = (Datum *) palloc(Max(nkeys, 1) * sizeof(Datum));
	for (int i = 0; i < nkeys; i++)
	{
		char	   *k = (char *) keys + i * size;

		if (i == 0 || memcmp(k, k - size, size) != 0)
			d[n++] = wide ? Int64GetDatum(*(int64 *) k) : Int32GetDatum(*(int32 *) k);
	}
	if (wide)
		return construct_array(d, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	return construct_array(d, n, INT4OID, sizeof(int32), true, TYPALIGN_INT);
}

/* Returns the distinct 1-, 2- and 3-gram keys of the lowercased text (the index side) */
Datum
convdash_search_grams(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	int			len;
	pg_wchar   *w = lower_wchars(t, PG_GET_COLLATION(), &len);
	int32	   *keys;
	int			nkeys = 0;

	if ((Size) len * 3 + 1 > MaxAllocSize / sizeof(int32))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("text too long to index for search")));
	keys = (int32 *) palloc(((Size) len * 3 + 1) * sizeof(int32));
	for (int i = 0; i < len; i++)
		for (int n = 1; n <= 3 && i + n <= len; n++)
			keys[nkeys++] = gram_key(w + i, n);
	PG_RETURN_ARRAYTYPE_P(keys_to_array(keys, nkeys, false));
}

/*
 * Returns the keys a text must contain to contain the term (the query side):
 * the 1- or 2-gram of a 1- or 2-character term, else all its 3-grams.
 */
Datum
convdash_search_keys(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	int			len;
	pg_wchar   *w = lower_wchars(t, PG_GET_COLLATION(), &len);
	int32	   *keys = (int32 *) palloc((Max(len, 1)) * sizeof(int32));
	int			nkeys = 0;

	if (len > 0 && len < 3)
		keys[nkeys++] = gram_key(w, len);
	for (int i = 0; i + 3 <= len; i++)
		keys[nkeys++] = gram_key(w + i, 3);
	PG_RETURN_ARRAYTYPE_P(keys_to_array(keys, nkeys, false));
}

/* The high half of every key of a tenant: its account id folded to 32 bits */
static inline uint32
tenant_half(int64 account_id)
{
	uint64		acct = (uint64) account_id;

	return (uint32) (acct ^ (acct >> 32));
}

/* The 64-bit key of the n-gram at w[0..n-1] for a tenant: tenant_half above, gram key below */
static inline int64
tenant_key(int64 account_id, const pg_wchar *w, int n)
{
	return (int64) (((uint64) tenant_half(account_id) << 32) | (uint32) gram_key(w, n));
}

/* Returns the tenant's distinct 1-, 2- and 4-gram keys of the lowercased text (the index side) */
Datum
convdash_search_tenant_grams(PG_FUNCTION_ARGS)
{
	int64		account_id = PG_GETARG_INT64(0);
	text	   *t = PG_GETARG_TEXT_PP(1);
	int			len;
	pg_wchar   *w = lower_wchars(t, PG_GET_COLLATION(), &len);
	int64	   *keys;
	int			nkeys = 0;

	if ((Size) len * 3 + 1 > MaxAllocSize / sizeof(int64))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("text too long to index for search")));
	keys = (int64 *) palloc(((Size) len * 3 + 1) * sizeof(int64));
	for (int i = 0; i < len; i++)
	{
		keys[nkeys++] = tenant_key(account_id, w + i, 1);
		if (i + 2 <= len)
			keys[nkeys++] = tenant_key(account_id, w + i, 2);
		if (i + TENANT_GRAM_LONG <= len)
			keys[nkeys++] = tenant_key(account_id, w + i, TENANT_GRAM_LONG);
	}
	PG_RETURN_ARRAYTYPE_P(keys_to_array(keys, nkeys, true));
}

/*
 * Returns the tenant's keys a text must contain to contain the term (the
 * query side): the whole term's key when it has 1, 2 or 4 characters, the
 * two 2-grams of a 3-character term, else at most TENANT_QUERY_KEYS of its
 * 4-grams, spread from the first to the last (enough to make the candidates
 * few; more lists would only cost reads).
 */
Datum
convdash_search_tenant_keys(PG_FUNCTION_ARGS)
{
	int64		account_id = PG_GETARG_INT64(0);
	text	   *t = PG_GETARG_TEXT_PP(1);
	int			len;
	pg_wchar   *w = lower_wchars(t, PG_GET_COLLATION(), &len);
	int64		keys[TENANT_QUERY_KEYS];
	int			nkeys = 0;
	int			ngrams = len - TENANT_GRAM_LONG + 1;

	if (len == 3)
	{
		keys[nkeys++] = tenant_key(account_id, w, 2);
		keys[nkeys++] = tenant_key(account_id, w + 1, 2);
	}
	else if (len > 0 && len <= TENANT_GRAM_LONG)
		keys[nkeys++] = tenant_key(account_id, w, len);
	else if (ngrams <= TENANT_QUERY_KEYS)
		for (int i = 0; i < ngrams; i++)
			keys[nkeys++] = tenant_key(account_id, w + i, TENANT_GRAM_LONG);
	else
		for (int k = 0; k < TENANT_QUERY_KEYS; k++)
			keys[nkeys++] = tenant_key(account_id,
									   w + (int) ((int64) k * (ngrams - 1) / (TENANT_QUERY_KEYS - 1)),
									   TENANT_GRAM_LONG);
	PG_RETURN_ARRAYTYPE_P(keys_to_array(keys, nkeys, true));
}

/*
 * How many entries of the convdash index match "column op arg": the size of
 * its bitmap scan's bitmap, read from the index alone, without the heap
 * visit per row that reading the rows costs (at 1M, a term in 10,783
 * messages: 8 ms against 25-66 ms). The entries of dead rows count too, and
 * an index that must recheck (GIN) counts candidates: an upper bound of the
 * rows that match. The caller checks that arg reads one tenant's keys.
 */
int64
convdash_index_match_count(const char *index_name, Oid op, Datum arg)
{
	Oid			index = get_relname_relid(index_name, get_namespace_oid("convdash", false));
	Relation	table;
	Relation	rel;
	IndexScanDesc scan;
	ScanKeyData key;
	TIDBitmap  *tbm;
	int			strategy;
	int64		count;

	if (!OidIsValid(index))
		elog(ERROR, "convdash.%s does not exist", index_name);
	/* the table before its index, in the order every reader locks them */
	table = table_open(IndexGetRelation(index, false), AccessShareLock);
	rel = index_open(index, AccessShareLock);
	strategy = get_op_opfamily_strategy(op, rel->rd_opfamily[0]);
	if (strategy == InvalidStrategy)
		elog(ERROR, "convdash.%s cannot answer operator %u", index_name, op);
	scan = index_beginscan_bitmap(rel, GetActiveSnapshot(), 1);
	ScanKeyInit(&key, 1, strategy, get_opcode(op), arg);
	index_rescan(scan, &key, 1, NULL, 0);
	tbm = tbm_create((long) work_mem * 1024L, NULL);
	count = index_getbitmap(scan, tbm);
	tbm_free(tbm);
	index_endscan(scan);
	index_close(rel, AccessShareLock);
	table_close(table, AccessShareLock);
	return count;
}

/*
 * How many entries of messages_search_idx hold every one of the keys: an
 * upper bound of the shown messages containing a term with those keys
 * (convdash_index_match_count). The search asks it only when one key is
 * rare: a common key's whole posting list would be read. 42501 unless every
 * key is the current tenant's, 22023 for no keys (every entry would count).
 */
Datum
convdash_search_index_count(PG_FUNCTION_ARGS)
{
	ArrayType  *keys = PG_GETARG_ARRAYTYPE_P(0);
	uint32		half = tenant_half(convdash_tenant());
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	deconstruct_array(keys, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, &n);
	if (n == 0)
		convdash_invalid_parameter("keys", "keys must not be empty");
	for (int i = 0; i < n; i++)
		if (nulls[i] || (uint32) ((uint64) DatumGetInt64(elems[i]) >> 32) != half)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("search keys of another tenant"),
					 errdetail("Every key must be one of convdash.search_keys(convdash.require_account(), ...).")));
	PG_RETURN_INT64(convdash_index_match_count("messages_search_idx", OID_ARRAY_CONTAINS_OP, PointerGetDatum(keys)));
}

/* HMAC-SHA-256 of msg under key */
Datum
convdash_hmac_sha256(PG_FUNCTION_ARGS)
{
	bytea	   *key = PG_GETARG_BYTEA_PP(0);
	bytea	   *msg = PG_GETARG_BYTEA_PP(1);
	bytea	   *result = (bytea *) palloc(VARHDRSZ + CONVDASH_HMAC_LEN);

	convdash_hmac_sha256_raw((const uint8 *) VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key),
							 (const uint8 *) VARDATA_ANY(msg), VARSIZE_ANY_EXHDR(msg),
							 (uint8 *) VARDATA(result));
	SET_VARSIZE(result, VARHDRSZ + CONVDASH_HMAC_LEN);
	PG_RETURN_BYTEA_P(result);
}
