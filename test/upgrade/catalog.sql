-- Prints the extension's catalog, one sorted line per fact, without oids:
-- equal output means an equal installation. Covers the extension's members
-- and configuration, routines (full definition, privileges), relations
-- (kind, options, privileges, row security), columns in their order,
-- constraints, indexes, views, triggers, policies, sequences, types and enum
-- labels in their order, and every comment.
\pset format unaligned
\pset tuples_only on
WITH ext AS (
	SELECT oid, extconfig, extcondition FROM pg_extension WHERE extname = 'convdash'
), facts(line) AS (
	SELECT 'member ' || pg_describe_object(d.classid, d.objid, d.objsubid)
	FROM pg_depend d, ext
	WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
	UNION ALL
	SELECT format('config %s %s', c::regclass, coalesce(w, ''))
	FROM ext, unnest(ext.extconfig, ext.extcondition) AS u(c, w)
	UNION ALL
	SELECT format('routine %s kind=%s acl=%s%s', p.oid::regprocedure, p.prokind, p.proacl,
		CASE WHEN p.prokind = 'a'
			THEN format(' aggregate %s', (SELECT row(a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggtranstype::regtype,
				a.agginitval, a.aggkind, a.aggfinalmodify) FROM pg_aggregate a WHERE a.aggfnoid = p.oid))
			ELSE E'\n' || pg_get_functiondef(p.oid) END)
	FROM pg_proc p WHERE p.pronamespace = 'convdash'::regnamespace
	UNION ALL
	SELECT format('relation %s kind=%s persistence=%s options=%s acl=%s rls=%s,%s owner=%s', c.oid::regclass, c.relkind,
		c.relpersistence, c.reloptions, c.relacl, c.relrowsecurity, c.relforcerowsecurity, c.relowner::regrole)
	FROM pg_class c WHERE c.relnamespace = 'convdash'::regnamespace
	UNION ALL
	SELECT format('column %s #%s %s %s notnull=%s default=%s identity=%s generated=%s collation=%s acl=%s',
		a.attrelid::regclass, row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum), a.attname,
		format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid), a.attidentity,
		a.attgenerated, a.attcollation::regcollation, a.attacl)
	FROM pg_attribute a
	JOIN pg_class c ON c.oid = a.attrelid AND c.relnamespace = 'convdash'::regnamespace
	LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
	WHERE a.attnum > 0 AND NOT a.attisdropped
	UNION ALL
	SELECT format('constraint %s %s %s deferrable=%s,%s', coalesce(r.conrelid::regclass::text, r.contypid::regtype::text),
		r.conname, pg_get_constraintdef(r.oid), r.condeferrable, r.condeferred)
	FROM pg_constraint r WHERE r.connamespace = 'convdash'::regnamespace
	UNION ALL
	SELECT 'index ' || pg_get_indexdef(i.indexrelid)
	FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid AND c.relnamespace = 'convdash'::regnamespace
	UNION ALL
	SELECT format('view %s %s', c.oid::regclass, pg_get_viewdef(c.oid))
	FROM pg_class c WHERE c.relnamespace = 'convdash'::regnamespace AND c.relkind IN ('v', 'm')
	UNION ALL
	SELECT 'trigger ' || pg_get_triggerdef(t.oid)
	FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid AND c.relnamespace = 'convdash'::regnamespace
	WHERE NOT t.tgisinternal
	UNION ALL
	SELECT format('policy %s.%s %s %s %s to=%s using=%s check=%s', p.schemaname, p.tablename, p.policyname,
		p.permissive, p.cmd, p.roles, p.qual, p.with_check)
	FROM pg_policies p WHERE p.schemaname = 'convdash'
	UNION ALL
	SELECT format('sequence %s %s', s.seqrelid::regclass, row(s.seqtypid::regtype, s.seqstart, s.seqincrement,
		s.seqmax, s.seqmin, s.seqcache, s.seqcycle))
	FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid AND c.relnamespace = 'convdash'::regnamespace
	UNION ALL
	SELECT format('type %s kind=%s acl=%s labels=%s', t.oid::regtype, t.typtype, t.typacl,
		(SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid))
	FROM pg_type t WHERE t.typnamespace = 'convdash'::regnamespace AND t.typtype IN ('e', 'd', 'c', 'r', 'b')
		AND NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c')
	UNION ALL
	SELECT format('schema %s owner=%s acl=%s', n.nspname, n.nspowner::regrole, n.nspacl)
	FROM pg_namespace n WHERE n.nspname = 'convdash'
	UNION ALL
	SELECT format('comment %s: %s', pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)
	FROM pg_description d
	WHERE (pg_identify_object(d.classoid, d.objoid, d.objsubid)).schema = 'convdash'
		OR (d.classoid = 'pg_extension'::regclass AND d.objoid = (SELECT oid FROM ext))
)
SELECT line FROM facts ORDER BY line COLLATE "C";
