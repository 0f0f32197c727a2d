-- pg_temp.err(statement): runs it and returns "SQLSTATE: message [field]" of
-- the error it raised, or "no error". Its subtransaction is rolled back, so
-- a failing statement visibly changes nothing.
CREATE FUNCTION pg_temp.err(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	code text;
	msg text;
	col text;
BEGIN
	EXECUTE stmt;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, col = COLUMN_NAME;
	RETURN code || ': ' || msg || coalesce(' [' || NULLIF(col, '') || ']', '');
END
$$;
