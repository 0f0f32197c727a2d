-- pg_temp.err(statement): runs it and returns "SQLSTATE: message [field]" of
-- the error it raised, or "no error". Its subtransaction is rolled back, so
-- a failing statement visibly changes nothing. Ids in messages ("conversation
-- 42") are shown as "conversation N": they depend on which tests ran before.
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
	msg := regexp_replace(msg, '(account|agent|conversation|session|message|clip|key) [0-9]+', '\1 N', 'g');
	RETURN code || ': ' || msg || coalesce(' [' || NULLIF(col, '') || ']', '');
END
$$;
