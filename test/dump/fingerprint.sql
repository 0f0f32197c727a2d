-- Prints one line per extension table and sequence (row count and a hash of
-- every row) and one for the large objects: equal output means equal data.
-- (Chunk clips are rows of convdash.audio_chunks.)
\pset format unaligned
\pset tuples_only on
-- With -v columns='table.column ...', only those columns of each table are
-- hashed (the upgrade test compares the columns that were there before).
\if :{?columns}
\else
\set columns ''
\endif
SELECT format('SELECT %L, count(*), md5(coalesce(string_agg(x.r, %L ORDER BY x.r), %L)) FROM (SELECT ROW(%s)::text AS r FROM %s x) x',
	c::regclass, E'\n', '', (SELECT string_agg(format('x.%I', a.attname), ', ' ORDER BY a.attnum)
	                         FROM pg_attribute a
	                         WHERE a.attrelid = c AND a.attnum > 0 AND NOT a.attisdropped
	                           AND (:'columns' = '' OR c::regclass::text || '.' || a.attname = ANY (string_to_array(:'columns', ' ')))),
	c::regclass)
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
