-- Prints one line per extension table and sequence (row count and a hash of
-- every row) and one for the large objects: equal output means equal data.
\pset format unaligned
\pset tuples_only on
SELECT format('SELECT %L, count(*), md5(coalesce(string_agg(x::text, %L ORDER BY x::text), %L)) FROM %s x',
	c::regclass, E'\n', '', c::regclass)
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
