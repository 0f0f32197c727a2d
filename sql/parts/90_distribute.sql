-- Scale-out on Citus (docs/CITUS.md). distribute() turns an installation on
-- a Citus coordinator into a distributed one: accounts by id and every tenant
-- table by account_id, all colocated, so each tenant's rows live in one shard
-- group and its queries run as one task on one worker; the installation-wide
-- tables become reference tables (a copy on every node). undistribute() is
-- the way back, and must run before DROP EXTENSION (which would otherwise
-- leave the shards on the workers).

-- The tables distributed by tenant, parents before children (foreign keys).
CREATE FUNCTION convdash.tenant_tables() RETURNS regclass[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT ARRAY['convdash.accounts', 'convdash.api_keys', 'convdash.agents',
		'convdash.tracker_sessions', 'convdash.tracker_pageviews', 'convdash.tracker_events',
		'convdash.conversations', 'convdash.conversation_counters', 'convdash.ratings', 'convdash.messages', 'convdash.audio_clips',
		'convdash.audio_chunks', 'convdash.deletion_log', 'convdash.idempotency_keys', 'convdash.retention_policies', 'convdash.events']::regclass[]
$$;
COMMENT ON FUNCTION convdash.tenant_tables() IS
	'Admin: the tables Citus distributes by tenant (accounts by id, the others by account_id), parents first';

-- The installation-wide tables every node reads.
CREATE FUNCTION convdash.reference_tables() RETURNS regclass[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT ARRAY['convdash.installation_secret', 'convdash.tenant_readers']::regclass[]
$$;
COMMENT ON FUNCTION convdash.reference_tables() IS
	'Admin: the installation-wide tables Citus copies to every node (secret, reader bindings)';

-- Raises unless this database is a Citus coordinator.
CREATE FUNCTION convdash.require_citus_coordinator() RETURNS void
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
		RAISE EXCEPTION 'Citus is not installed in this database'
			USING ERRCODE = 'feature_not_supported',
			      HINT = 'Install Citus, add it to shared_preload_libraries, CREATE EXTENSION citus and add the workers first (README, Scale-out on Citus).';
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_dist_node WHERE groupid = 0 AND noderole = 'primary')
	   OR (SELECT groupid FROM pg_catalog.pg_dist_local_group) <> 0 THEN
		RAISE EXCEPTION 'this node is not the Citus coordinator'
			USING ERRCODE = 'object_not_in_prerequisite_state',
			      HINT = 'Run it on the coordinator after citus_set_coordinator_host().';
	END IF;
END
$$;
COMMENT ON FUNCTION convdash.require_citus_coordinator() IS
	'Admin: raises 0A000 when Citus is not installed, 55000 when this node is not the coordinator';

-- Whether Citus manages the table (distributed or reference).
CREATE FUNCTION convdash.is_citus_table(t regclass) RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	-- two statements: without Citus, pg_dist_partition does not exist to be planned
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
		RETURN false;
	END IF;
	RETURN EXISTS (SELECT FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = t);
END
$$;
COMMENT ON FUNCTION convdash.is_citus_table(regclass) IS
	'Admin: whether Citus manages the table (distributed or reference)';

-- Evaluates an expression on every worker (DDL propagation off there); raises the first worker's error.
CREATE FUNCTION convdash.run_on_workers(expression text) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	r record;
BEGIN
	-- one statement: run_command_on_workers reports only the first one's result
	FOR r IN SELECT * FROM run_command_on_workers(
		'SELECT CASE WHEN pg_catalog.set_config(''citus.enable_ddl_propagation'', ''off'', true) = ''off'' THEN '
		|| expression || ' END') LOOP
		IF NOT r.success THEN
			RAISE EXCEPTION 'on worker %:%: %', r.nodename, r.nodeport, r.result
				USING ERRCODE = 'external_routine_exception';
		END IF;
	END LOOP;
END
$$;
COMMENT ON FUNCTION convdash.run_on_workers(text) IS
	'Admin: evaluates a SQL expression on every Citus worker with DDL propagation off; raises when it fails on one';

-- Distributes the installation on a Citus coordinator; returns the tables it distributed now.
CREATE FUNCTION convdash.distribute(shard_count integer DEFAULT 32) RETURNS SETOF regclass
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	t regclass;
BEGIN
	PERFORM convdash.require_citus_coordinator();
	PERFORM convdash.check_range(shard_count, 'shard_count', 1, 4096);
	-- audio moves to the chunk storage, which Citus keeps with the tenant's
	-- shard group (large objects would stay on the coordinator, outside the
	-- shards, and the unlink trigger would run on the workers); Citus refuses
	-- a unique index without the distribution column, and the large-object
	-- triggers, which have nothing left to do, are disabled
	IF NOT convdash.is_citus_table('convdash.audio_clips') THEN
		PERFORM convdash.move_audio('chunks');
		DROP INDEX convdash.audio_clips_loid_idx;
		CREATE UNIQUE INDEX audio_clips_loid_idx ON convdash.audio_clips (account_id, loid);
		ALTER TABLE convdash.audio_clips DISABLE TRIGGER audio_clips_unlink_deleted;
		ALTER TABLE convdash.audio_clips DISABLE TRIGGER audio_clips_unlink_replaced;
	END IF;
	-- a reference table cannot reference a distributed one: a binding to a
	-- deleted account stays until revoked, and reads nothing
	IF NOT convdash.is_citus_table('convdash.tenant_readers') THEN
		ALTER TABLE convdash.tenant_readers DROP CONSTRAINT tenant_readers_account_id_fkey;
	END IF;
	PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);
	FOREACH t IN ARRAY convdash.reference_tables() LOOP
		CONTINUE WHEN convdash.is_citus_table(t);
		PERFORM create_reference_table(t);
		PERFORM truncate_local_data_after_distributing_table(t);
		RETURN NEXT t;
	END LOOP;
	FOREACH t IN ARRAY convdash.tenant_tables() LOOP
		CONTINUE WHEN convdash.is_citus_table(t);
		IF t = 'convdash.accounts'::regclass THEN
			PERFORM create_distributed_table(t, 'id', shard_count => shard_count, colocate_with => 'none');
		ELSE
			PERFORM create_distributed_table(t, 'account_id', colocate_with => 'convdash.accounts');
		END IF;
		RETURN NEXT t;
	END LOOP;
	-- every worker ran the install script, so its id sequences start at 1:
	-- give each node its own range, as Citus does for sequences it creates
	-- (a worker added later: call distribute() again)
	FOREACH t IN ARRAY convdash.tenant_tables() LOOP
		PERFORM convdash.run_on_workers(format('worker_adjust_identity_column_seq_ranges(%L)',
			(SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			 WHERE c.oid = t)));
	END LOOP;
	-- new sessions see the storage audio_storage() uses here (the coordinator's setting only)
	PERFORM set_config('citus.enable_ddl_propagation', 'off', true);
	EXECUTE format('ALTER DATABASE %I SET convdash.audio_storage = chunks', current_database());
END
$$;
COMMENT ON FUNCTION convdash.distribute(integer) IS
	'Admin: on a Citus coordinator, distributes accounts and every tenant table by tenant (colocated, shard_count shards), makes the installation-wide tables reference tables and gives every node its own id range; idempotent (run again after adding a worker); returns the tables distributed by this call';

-- Turns a distributed installation back into local tables on the coordinator; returns the tables.
CREATE FUNCTION convdash.undistribute() RETURNS SETOF regclass
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	t regclass;
	tables regclass[];
	name text;
BEGIN
	PERFORM convdash.require_citus_coordinator();
	SELECT coalesce(array_agg(x ORDER BY o), '{}') INTO tables
	FROM unnest(convdash.reference_tables() || convdash.tenant_tables()) WITH ORDINALITY u (x, o)
	WHERE convdash.is_citus_table(x);
	-- Citus's undistribute_table() recreates a table, which an extension's
	-- table cannot be: copy the rows out, remove shards and metadata as DROP
	-- TABLE does (keeping the table), and copy the rows back
	FOREACH t IN ARRAY tables LOOP
		EXECUTE format('CREATE TEMP TABLE %I ON COMMIT DROP AS SELECT * FROM %s', 'saved_' || t::oid, t);
	END LOOP;
	FOREACH t IN ARRAY tables LOOP
		name := (SELECT relname FROM pg_class WHERE oid = t);
		PERFORM master_remove_distributed_table_metadata_from_workers(t, 'convdash', name);
		PERFORM citus_drop_all_shards(t, 'convdash', name, false);
		PERFORM master_remove_partition_metadata(t, 'convdash', name);
		EXECUTE (SELECT string_agg(format('DROP TRIGGER %I ON %s', tgname, t), '; ')
		         FROM pg_trigger WHERE tgrelid = t AND tgfoid = 'citus_truncate_trigger'::regproc);
	END LOOP;
	IF cardinality(tables) > 0 THEN
		EXECUTE 'TRUNCATE ' || array_to_string(tables, ', ');
	END IF;
	-- before the rows come back (their deferred trigger events would block the DDL)
	IF EXISTS (SELECT FROM pg_index WHERE indexrelid = 'convdash.audio_clips_loid_idx'::regclass AND indnatts = 2) THEN
		DROP INDEX convdash.audio_clips_loid_idx;
		CREATE UNIQUE INDEX audio_clips_loid_idx ON convdash.audio_clips (loid);
	END IF;
	ALTER TABLE convdash.audio_clips ENABLE TRIGGER audio_clips_unlink_deleted;
	ALTER TABLE convdash.audio_clips ENABLE TRIGGER audio_clips_unlink_replaced;
	FOREACH t IN ARRAY tables LOOP
		EXECUTE format('INSERT INTO %s OVERRIDING SYSTEM VALUE SELECT * FROM %I', t, 'saved_' || t::oid);
		RETURN NEXT t;
	END LOOP;
	IF NOT EXISTS (SELECT FROM pg_constraint WHERE conname = 'tenant_readers_account_id_fkey') THEN
		ALTER TABLE convdash.tenant_readers ADD CONSTRAINT tenant_readers_account_id_fkey
			FOREIGN KEY (account_id) REFERENCES convdash.accounts (id) ON DELETE CASCADE NOT VALID;
		DELETE FROM convdash.tenant_readers r WHERE NOT EXISTS (SELECT FROM convdash.accounts a WHERE a.id = r.account_id);
		ALTER TABLE convdash.tenant_readers VALIDATE CONSTRAINT tenant_readers_account_id_fkey;
	END IF;
END
$$;
COMMENT ON FUNCTION convdash.undistribute() IS
	'Admin: on a Citus coordinator, turns every distributed and reference table of convdash back into a local table with all its rows (shards removed from the workers); run it before DROP EXTENSION convdash; returns the tables';
