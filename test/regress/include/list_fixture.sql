-- Fixture of the list and search tests: a tenant in Europe/Berlin with three
-- agents and eleven conversations (s01..s11: every channel and status, ties in
-- start time, message count and rating, unrated ones, starts around local
-- midnight, messages chosen for the search cases, system and tool messages,
-- the last one created after the others but started before them),
-- another tenant with one conversation. Sets psql variables acct, other,
-- alpha, zed, mid, and helpers pg_temp.sessions(result) and pg_temp.walk(...);
-- leaves the tenant set to :acct.
SELECT convdash.create_account('List Co', 'Europe/Berlin') AS acct \gset
SELECT convdash.create_account('List Other Co') AS other \gset

SELECT set_config('convdash.account_id', :'other', false) AS tenant \gset
SELECT convdash.start_conversation(convdash.create_agent('Alpha Bot'), 'web-9999', 'web', 'ai',
	'2026-03-03 12:00:00+00') AS foreign_c \gset
SELECT convdash.append_message(:foreign_c, 'user', 'refund please, foreign words', NULL, NULL, '2026-03-03 12:00:01+00') IS NOT NULL AS ok;

SELECT set_config('convdash.account_id', :'acct', false) AS tenant \gset
SELECT convdash.create_agent('Zed Bot', 'Zeta') AS zed \gset
SELECT convdash.create_agent('Alpha Bot', 'Acme', 'hybrid') AS alpha \gset
SELECT convdash.create_agent('Mid Helper', NULL, 'passive') AS mid \gset

-- Starts a conversation with its messages (role:content pairs one second
-- apart), then its fate: close, archive, rating.
CREATE FUNCTION pg_temp.conv(agent bigint, session text, channel text, started timestamptz,
	msgs text[], fate text, score integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	c bigint := convdash.start_conversation(agent, session, channel, 'ai', started);
	i integer;
BEGIN
	FOR i IN 1 .. coalesce(cardinality(msgs), 0) LOOP
		PERFORM convdash.append_message(c, split_part(msgs[i], ':', 1),
			substr(msgs[i], length(split_part(msgs[i], ':', 1)) + 2), NULL, NULL, started + i * interval '1 second');
	END LOOP;
	IF fate IN ('closed', 'archived') THEN
		PERFORM convdash.close_conversation(c, NULL, started + interval '1 hour');
	END IF;
	IF fate = 'archived' THEN
		PERFORM convdash.archive_conversation(c);
	END IF;
	IF score IS NOT NULL THEN
		PERFORM convdash.rate_conversation(c, score);
	END IF;
	RETURN c;
END
$$;

SELECT count(pg_temp.conv(a, s, ch, t, m, f, r)) AS conversations FROM (VALUES
	(:alpha, 'web-0001', 'web', '2026-03-01 10:00:00+00'::timestamptz,
		ARRAY['user:Hello, I need a REFUND for order ORD-777', 'assistant:Sure, the refund is on its way.', 'user:Thanks!'], 'closed', 5),
	(:zed, 'call-0002', 'voip', '2026-03-01 22:30:00+00', NULL, 'active', NULL),
	(:mid, 'wid-0003', 'widget', '2026-03-01 23:30:00+00',
		ARRAY['user:Is there a 50% discount?', 'assistant:No, only 5 percent off today.'], 'closed', 3),
	(:alpha, 'tg-0004', 'telegram', '2026-03-02 08:00:00+00',
		ARRAY['user:My file is report_final.pdf', 'assistant:Got it.'], 'archived', NULL),
	(:zed, 'wa-0005', 'whatsapp', '2026-03-03 12:00:00+00',
		ARRAY['user:Path is C:\temp\x', 'assistant:ok', 'user:ok', 'assistant:ok', 'user:Zebra crossing'], 'closed', 3),
	(:mid, 'fb-0006', 'messenger', '2026-03-03 12:00:00+00',
		ARRAY['user:Ümlaut in der Straße', 'assistant:Ja.'], 'closed', 1),
	(:alpha, 'crm-0007', 'crm', '2026-03-04 09:00:00+00',
		ARRAY['system:secretword system prompt', 'user:hi', 'tool:toolword lookup', 'assistant:hello there', 'user:bye'], 'active', NULL),
	(:zed, 'web-0008', 'web', '2026-03-05 09:00:00+00',
		ARRAY['user:' || repeat('lorem ipsum dolor ', 5) || E'the\n\nneedle   is here ' || repeat('sit amet consectetur ', 6), 'assistant:fine'], 'archived', 5),
	(:alpha, 'wid-0009', 'widget', '2026-03-06 09:00:00+00',
		ARRAY['user:short needle', 'assistant:x'], 'closed', NULL),
	(:mid, 'call-0010', 'voip', '2026-03-07 09:00:00+00',
		ARRAY['user:A b c', 'assistant:refund denied', 'user:why'], 'closed', 4),
	-- created last but started first: id order and start order differ
	(:alpha, 'web-0011', 'web', '2026-02-28 12:00:00+00',
		ARRAY['user:late import', 'assistant:noted'], 'closed', 5)
) v(a, s, ch, t, m, f, r);

-- The session ids of a list result, in order.
CREATE FUNCTION pg_temp.sessions(result jsonb) RETURNS text
LANGUAGE sql AS $$
	SELECT coalesce(string_agg(e ->> 'session_id', ' ' ORDER BY o), '(none)')
	FROM jsonb_array_elements(result -> 'data') WITH ORDINALITY AS x(e, o)
$$;

-- Walks every page of a list (pages of lim rows) and returns the session ids
-- with "|" between pages.
CREATE FUNCTION pg_temp.walk(sort text, dir text, lim integer, q text DEFAULT NULL,
	status text[] DEFAULT NULL, channel text[] DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	cur text;
	page jsonb;
	pages text[] := '{}';
BEGIN
	LOOP
		page := convdash.list_conversations(status => status, channel => channel, q => q, sort => sort,
			"order" => dir, "limit" => lim, cursor => cur);
		pages := pages || pg_temp.sessions(page);
		cur := page ->> 'next_cursor';
		EXIT WHEN cur IS NULL OR cardinality(pages) > 50;
	END LOOP;
	RETURN array_to_string(pages, ' | ');
END
$$;
