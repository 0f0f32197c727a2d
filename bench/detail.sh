#!/usr/bin/env bash
# Detail panel latency: conversation_detail, transcript pages and client_data,
# timed inside the server (clock_timestamp() around each call, as the SQL
# figure of PERFORMANCE.md) for a random sample of the largest tenant's
# conversations, over repeated rounds. Round 1 (the first touch of each
# conversation in this session) is reported apart as "cold p95"; p50, p95
# and max are over the later rounds.
#
# The transcript is measured on the longest generated conversation and on a
# 10,000-message conversation (made once in the account "bench-detail",
# 1 in 10 of its messages hidden system ones): its last page must cost what its
# first does. The baseline beside it is the same last page read with OFFSET
# over the transcript index.
#
# Runs against the cluster of the environment (PGHOST, PGPORT, PGDATABASE...)
# with the bench data loaded. Env: DETAIL_SAMPLE (default 200 conversations),
# DETAIL_ROUNDS (default 5).
set -euo pipefail
sample=${DETAIL_SAMPLE:-200}
rounds=${DETAIL_ROUNDS:-5}

psql -qAtX -v ON_ERROR_STOP=1 -v sample="$sample" -v rounds="$rounds" <<'SQL'
-- The 10,000-message conversation, made once.
SELECT set_config('convdash.account_id', coalesce(
	(SELECT id FROM convdash.accounts WHERE name = 'bench-detail'),
	convdash.create_account('bench-detail'))::text, false) AS tenant \gset
SELECT coalesce((SELECT id FROM convdash.agents WHERE account_id = :tenant AND name = 'long-talker'),
	convdash.create_agent('long-talker')) AS agent \gset
SELECT coalesce((SELECT id FROM convdash.conversations WHERE account_id = :tenant AND session_id = 'bench-10k'),
	convdash.start_conversation(:agent, 'bench-10k', 'web', 'ai', now() - interval '30 days')) AS long_id \gset
SELECT count(convdash.append_message(:long_id,
		CASE WHEN i % 10 = 0 THEN 'system' WHEN i % 2 = 1 THEN 'user' ELSE 'assistant' END,
		'Message ' || i || ' about order #' || (i * 7919 % 100000) || ', delivery and a refund.', 20, 8,
		now() - interval '30 days' + i * interval '1 second'))
FROM generate_series((SELECT count(*) + 1 FROM convdash.messages WHERE account_id = :tenant AND conversation_id = :long_id),
	11111) AS i \gset
SELECT message_count AS long_count FROM convdash.conversation_counters WHERE account_id = :tenant AND conversation_id = :long_id \gset

-- Calls `call` (a statement with $1 = conversation id, $2 = page) for every
-- (id, page) pair in `rounds` rounds; one row per call with its milliseconds.
CREATE FUNCTION pg_temp.timed(call text, ids bigint[], pages integer[], rounds integer)
RETURNS TABLE (round integer, ms double precision)
LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
BEGIN
	FOR r IN 1..rounds LOOP
		FOR i IN 1..coalesce(array_length(ids, 1), 0) LOOP
			t0 := clock_timestamp();
			EXECUTE call USING ids[i], pages[i];
			round := r;
			ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
			RETURN NEXT;
		END LOOP;
	END LOOP;
END
$$;

-- One line of the table: p50, p95, max over the warm rounds, p95 of round 1.
CREATE FUNCTION pg_temp.line(label text, call text, ids bigint[], pages integer[], rounds integer, target text)
RETURNS text
LANGUAGE sql AS $$
	SELECT format('%-64s %6s %8s %8s %8s %9s %8s', label, count(*) FILTER (WHERE round > 1),
		to_char(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE round > 1), 'FM990.000'),
		to_char(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) FILTER (WHERE round > 1), 'FM990.000'),
		to_char(max(ms) FILTER (WHERE round > 1), 'FM990.000'),
		to_char(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) FILTER (WHERE round = 1), 'FM990.000'),
		target)
	FROM pg_temp.timed(call, ids, pages, rounds)
$$;

-- The largest tenant and its samples: random conversations (with the page
-- count of each), ones with tracker data, and the longest conversation.
SELECT account_id AS big FROM convdash.conversations
WHERE account_id <> :tenant GROUP BY 1 ORDER BY count(*) DESC LIMIT 1 \gset
SELECT set_config('convdash.account_id', :'big', false) AS tenant_big \gset
SELECT array_agg(id) AS ids, array_agg(greatest(1, (message_count + 49) / 50)) AS last_pages,
	array_agg(1) AS first_pages, count(*) AS sampled
FROM (SELECT conversation_id AS id, message_count FROM convdash.conversation_counters WHERE account_id = :big
	  ORDER BY random() LIMIT :sample) s \gset
SELECT coalesce(array_agg(id), '{}') AS tracked, count(*) AS tracked_n
FROM (SELECT id FROM convdash.conversations WHERE account_id = :big AND tracker_session_id IS NOT NULL
	  ORDER BY random() LIMIT :sample) s \gset
SELECT conversation_id AS longest, message_count AS longest_count, greatest(1, (message_count + 49) / 50) AS longest_last
FROM convdash.conversation_counters WHERE account_id = :big ORDER BY message_count DESC, conversation_id DESC LIMIT 1 \gset
SELECT array_fill(:longest::bigint, ARRAY[:sample]) AS longest_ids,
	array_fill(1, ARRAY[:sample]) AS ones,
	array_fill(:longest_last, ARRAY[:sample]) AS longest_lasts,
	array_fill(:long_id::bigint, ARRAY[:sample]) AS long_ids,
	array_fill(((:long_count + 49) / 50)::integer, ARRAY[:sample]) AS long_lasts \gset

\echo
SELECT format('%-64s %6s %8s %8s %8s %9s %8s', format('detail panel (account %s, %s sampled, %s rounds)', :big, :sampled, :rounds),
	'calls', 'p50 ms', 'p95 ms', 'max ms', 'cold p95', 'target');
SELECT pg_temp.line('conversation_detail, random conversations',
	'SELECT convdash.conversation_detail($1)', :'ids', :'first_pages', :rounds, 'p95<=5');
SELECT pg_temp.line('client_data, random conversations',
	'SELECT convdash.client_data($1)', :'ids', :'first_pages', :rounds, 'p95<=5');
SELECT pg_temp.line(format('client_data, %s with a tracker session', :tracked_n),
	'SELECT convdash.client_data($1)', :'tracked', :'first_pages', :rounds, 'p95<=5');
SELECT pg_temp.line('transcript page 1, random conversations',
	'SELECT convdash.transcript($1, $2)', :'ids', :'first_pages', :rounds, 'p95<=5');
SELECT pg_temp.line('transcript last page, random conversations',
	'SELECT convdash.transcript($1, $2)', :'ids', :'last_pages', :rounds, 'p95<=5');
SELECT pg_temp.line(format('transcript page 1, longest (%s shown)', :longest_count),
	'SELECT convdash.transcript($1, $2)', :'longest_ids', :'ones', :rounds, 'p95<=5');
SELECT pg_temp.line(format('transcript page %s (last), longest', :longest_last),
	'SELECT convdash.transcript($1, $2)', :'longest_ids', :'longest_lasts', :rounds, 'p95<=5');
SELECT set_config('convdash.account_id', :'tenant', false) AS tenant_long \gset
SELECT pg_temp.line(format('transcript page 1, 10,000-message conversation (%s shown)', :long_count),
	'SELECT convdash.transcript($1, $2)', :'long_ids', :'ones', :rounds, 'p95<=5');
SELECT pg_temp.line(format('transcript page %s (last), 10,000-message conversation', (:long_count + 49) / 50),
	'SELECT convdash.transcript($1, $2)', :'long_ids', :'long_lasts', :rounds, 'p95<=5');
SELECT pg_temp.line('  baseline: same last page by OFFSET over the index',
	format($f$SELECT coalesce(jsonb_agg(convdash.message_json(m, ac.id) ORDER BY m.seq DESC), '[]')
	FROM (SELECT * FROM convdash.messages WHERE account_id = %s AND conversation_id = $1 AND seq IS NOT NULL
	      ORDER BY seq DESC OFFSET ($2 - 1) * 50 LIMIT 50) m
	LEFT JOIN convdash.audio_clips ac ON ac.account_id = m.account_id AND ac.message_id = m.id$f$, :tenant),
	:'long_ids', :'long_lasts', :rounds, '-');
SQL
