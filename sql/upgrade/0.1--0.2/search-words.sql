-- Upgrade 0.1 -> 0.2, list_conversations in parts and word search (issue 13):
-- the list's checked arguments become one type, list_source_sql takes them
-- (a new signature). The functions of 60_list.sql come with every other function.

DROP FUNCTION convdash.list_source_sql(text, text, text, boolean, boolean, text);

CREATE TYPE convdash.list_args AS (
	account_id bigint,
	statuses convdash.conversation_status[],
	channels convdash.channel[],
	agents bigint[],
	min_rating integer,
	t_from timestamptz,
	t_to timestamptz,
	cursor_k text,
	cursor_id bigint,
	pattern text,
	matched bigint[],
	candidates bigint[],
	cursor_t text,
	keys bigint[],
	term text
);
