-- Privileges, from the first word of each function's comment:
--   "API:"   the HTTP service (convdash_api)
--   "Read:"  the HTTP service and BI tools (convdash_reader)
--   "Admin:" the extension owner only
-- A function without one of these is executable by nobody but the owner
-- (fail closed); the regress test schema.sql lists any such function.

REVOKE ALL ON ALL ROUTINES IN SCHEMA convdash FROM PUBLIC;

DO $$
DECLARE
	f record;
BEGIN
	FOR f IN
		SELECT p.oid::regprocedure AS sig, d.description
		FROM pg_catalog.pg_proc p
		JOIN pg_catalog.pg_description d
			ON d.objoid = p.oid AND d.classoid = 'pg_catalog.pg_proc'::regclass AND d.objsubid = 0
		WHERE p.pronamespace = 'convdash'::regnamespace
	LOOP
		IF f.description LIKE 'API:%' THEN
			EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO convdash_api', f.sig);
		ELSIF f.description LIKE 'Read:%' THEN
			EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO convdash_api, convdash_reader', f.sig);
		END IF;
	END LOOP;
END
$$;

-- Tables and views: read-only, and row-level security filters every table.
GRANT SELECT ON ALL TABLES IN SCHEMA convdash TO convdash_api, convdash_reader;
REVOKE ALL ON convdash.api_keys, convdash.installation_secret, convdash.tenant_readers,
	convdash.tenant_reader_grants FROM convdash_api, convdash_reader;
-- audio bytes only through the functions, as with large objects (the service cannot lo_get)
REVOKE ALL ON convdash.audio_chunks, convdash.clip_object_queue, convdash.clip_uploads FROM convdash_api, convdash_reader;
