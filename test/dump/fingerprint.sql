-- Prints one line per extension table and sequence (row count and a hash of
-- every row) and one for the large objects: equal output means equal data.
-- (Chunk clips are rows of convdash.audio_chunks.)
\pset format unaligned
\pset tuples_only on
-- A column added after 0.1 counts only where it is not at its default, so
-- that a 0.1 database fingerprints the same before and after its update.
SELECT format('SELECT %L, count(*), md5(coalesce(string_agg(r, %L ORDER BY r), %L)) FROM %s x,
	LATERAL (SELECT (SELECT jsonb_object_agg(k, v) FROM jsonb_each(to_jsonb(x)) e(k, v)
		WHERE (k, v) NOT IN (VALUES (%L, %L::jsonb)))::text) AS f(r)',
	c::regclass, E'\n', '', c::regclass, 'storage', '"large_object"')
FROM unnest((SELECT extconfig FROM pg_extension WHERE extname = 'convdash')) AS c
JOIN pg_class r ON r.oid = c
WHERE r.relkind = 'r'
ORDER BY c::regclass::text
\gexec
SELECT format('SELECT %L, last_value, is_called FROM %s', c::regclass, c::regclass)
FROM unnest((SELECT extconfig FROM pg_extension WHERE extname = 'convdash')) AS c
JOIN pg_class r ON r.oid = c
WHERE r.relkind = 'S'
ORDER BY c::regclass::text
\gexec
SELECT 'large objects', count(*), md5(coalesce(string_agg(oid::text || ':' || md5(lo_get(oid)), ',' ORDER BY oid), ''))
FROM pg_largeobject_metadata;
