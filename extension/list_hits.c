/*
 * list_hits.c
 *		Where a search page's rows have their first matching message.
 *
 * A search that collects its matches through the index reads every
 * matching message (its conversation and seq) anyway; the page's JSON then
 * looks for each row's first match in transcript order. In a conversation
 * of 2,000 messages that is a read of ~1,000 of them unless the search
 * says where to start. hits_first_seq picks, for the page's few ids, the
 * smallest seq among the hits of each: the page's ids sorted once, each
 * hit looked up among them (a hash join over the hits in SQL cost 3 ms for
 * 12,000 of them).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"

PG_FUNCTION_INFO_V1(convdash_hits_first_seq);

/* One id of the page and its position */
typedef struct PageId
{
	int64		id;
	int			position;
} PageId;

/* qsort/bsearch comparator of PageId by id */
static int
page_id_cmp(const void *a, const void *b)
{
	int64		x = ((const PageId *) a)->id;
	int64		y = ((const PageId *) b)->id;

	return (x > y) - (x < y);
}

/*
 * hits_first_seq(ids bigint[], hit_ids bigint[], hit_seqs integer[]):
 * for each of ids, the smallest hit_seqs entry whose hit_ids entry is that
 * id (NULL when none); hits pair up by position, NULLs are skipped.
 */
Datum
convdash_hits_first_seq(PG_FUNCTION_ARGS)
{
	ArrayType  *ids_array = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *hit_ids_array = PG_GETARG_ARRAYTYPE_P(1);
	ArrayType  *hit_seqs_array = PG_GETARG_ARRAYTYPE_P(2);
	Datum	   *ids;
	bool	   *ids_null;
	int			nids;
	Datum	   *hit_ids;
	bool	   *hit_ids_null;
	int			nhit_ids;
	Datum	   *hit_seqs;
	bool	   *hit_seqs_null;
	int			nhit_seqs;
	PageId	   *sorted;
	int			nsorted = 0;
	Datum	   *firsts;
	bool	   *firsts_null;
	int			dims[1];
	int			lbs[1] = {1};

	deconstruct_array(ids_array, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &ids, &ids_null, &nids);
	deconstruct_array(hit_ids_array, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &hit_ids, &hit_ids_null, &nhit_ids);
	deconstruct_array(hit_seqs_array, INT4OID, sizeof(int32), true, TYPALIGN_INT,
					  &hit_seqs, &hit_seqs_null, &nhit_seqs);

	sorted = palloc(sizeof(PageId) * Max(nids, 1));
	firsts = palloc(sizeof(Datum) * Max(nids, 1));
	firsts_null = palloc(sizeof(bool) * Max(nids, 1));
	for (int i = 0; i < nids; i++)
	{
		firsts[i] = Int32GetDatum(0);
		firsts_null[i] = true;
		if (!ids_null[i])
		{
			sorted[nsorted].id = DatumGetInt64(ids[i]);
			sorted[nsorted].position = i;
			nsorted++;
		}
	}
	qsort(sorted, nsorted, sizeof(PageId), page_id_cmp);

	for (int h = 0; h < Min(nhit_ids, nhit_seqs); h++)
	{
		PageId		key;
		PageId	   *found;

		if (hit_ids_null[h] || hit_seqs_null[h])
			continue;
		key.id = DatumGetInt64(hit_ids[h]);
		found = bsearch(&key, sorted, nsorted, sizeof(PageId), page_id_cmp);
		if (found == NULL)
			continue;
		/* an id twice on the page: every position of it (the equal ones around found) */
		while (found > sorted && found[-1].id == key.id)
			found--;
		for (; found < sorted + nsorted && found->id == key.id; found++)
		{
			int			p = found->position;

			if (firsts_null[p] || DatumGetInt32(hit_seqs[h]) < DatumGetInt32(firsts[p]))
			{
				firsts[p] = hit_seqs[h];
				firsts_null[p] = false;
			}
		}
	}

	dims[0] = nids;
	PG_RETURN_ARRAYTYPE_P(nids == 0 ? construct_empty_array(INT4OID) :
						  construct_md_array(firsts, firsts_null, 1, dims, lbs, INT4OID, sizeof(int32),
											 true, TYPALIGN_INT));
}
