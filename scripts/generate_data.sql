-- Generates realistic convdash data in bulk, set-based and deterministic:
-- the same variables give the same rows (every random choice is a hash of
-- the seed and the row's number, never random()).
--
--   psql -v conversations=400 -v accounts=1 -v account_name=Demo -v seed=42 -f scripts/generate_data.sql
--
-- Variables (all optional):
--   conversations  total conversations to add (default 1000)
--   accounts       accounts to spread them over (default 3); the first holds
--                  60% when there are several, the rest share the remainder
--   account_name   name of the first account (default 'Acme'); the others are
--                  '<account_name> 2', '<account_name> 3', ... Existing accounts
--                  of these names are reused and get more data added.
--   agents         agents per account (default 10): modes active, passive and
--                  hybrid, with companies; existing agents of the same names are reused
--   seed           integer seed (default 1)
--   end_date       last day of the data, 'YYYY-MM-DD' (default: none, the data
--                  ends now, so no conversation starts in the future);
--                  conversations start over the 365 days before it
--   chunk          conversations per transaction (default 50000)
--   text           'vocabulary' (default, for the benchmark: Zipf-distributed
--                  words, thousands made up) or 'support' (the demo: real
--                  support sentences from scripts/support_phrases.sql, one
--                  language and topic per conversation: orders, refunds,
--                  bookings, accounts, technical problems in English, German,
--                  French and Spanish, with the conversation's name, order
--                  id, product and e-mail filled in)
--
-- What it makes: all 7 channels; statuses ~10% active / 70% closed / 20%
-- archived; ~40% rated (half with a comment); sentiment on ~70%; ~15%
-- converted; memory JSON on ~60%; ~19 shown (user/assistant) messages per
-- conversation on average with a long tail up to 2000, plus a system prompt
-- and some tool messages (stored, never shown or counted); chat text from a
-- vocabulary of thousands of words with order ids (ORD-nnnnnnnnn, unique per
-- conversation), e-mail addresses and product names; tracker sessions with
-- pageviews, events and triggers for web and widget conversations.
-- Messages are inserted in time order (interleaved across conversations, as
-- real traffic is), the counters are exact (convdash.integrity_check() is
-- empty afterwards) and seq numbers the shown messages 1..n. No voice:
-- scripts/generate_audio.sql adds clips separately.
-- Progress is printed as NOTICEs, one per chunk.

\set ON_ERROR_STOP on
\if :{?conversations}
\else
\set conversations 1000
\endif
\if :{?accounts}
\else
\set accounts 3
\endif
\if :{?account_name}
\else
\set account_name Acme
\endif
\if :{?agents}
\else
\set agents 10
\endif
\if :{?seed}
\else
\set seed 1
\endif
\if :{?end_date}
SELECT ((:'end_date'::date + 1)::timestamp AT TIME ZONE 'UTC')::text AS end_ts \gset
\else
SELECT now()::text AS end_ts \gset
\endif
\if :{?chunk}
\else
\set chunk 50000
\endif
\if :{?text}
\else
\set text vocabulary
\endif
SELECT :'text' = 'support' AS support_text \gset

SET client_min_messages = notice;
SET max_parallel_workers_per_gather = 0;
SET work_mem = '256MB';
SET synchronous_commit = off;
SET jit = off;

-- Deterministic uniform [0, 1) from a row number and a salt (which includes the seed).
CREATE FUNCTION pg_temp.r(k bigint, salt bigint) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashint8extended(k, salt) & 4503599627370495)::float8 / 4503599627370496.0 $$;

-- A sentence with {name}, {order}, {product} and {email} filled in.
CREATE FUNCTION pg_temp.fill(t text, name text, order_no text, product text, email text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN strpos(t, '{') = 0 THEN t
	ELSE replace(replace(replace(replace(t, '{name}', name), '{order}', order_no), '{product}', product), '{email}', email) END $$;

-- The element of arr picked by a uniform u in [0, 1).
CREATE FUNCTION pg_temp.pick(arr text[], u float8) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT arr[1 + floor(u * cardinality(arr))::int] $$;

\if :support_text
\else
-- Vocabulary: common chat words first (they get the low, frequent Zipf
-- ranks), then thousands of made-up but pronounceable words (names of
-- features, places, brands in the long tail).
CREATE TEMP TABLE gen_vocab (rank int PRIMARY KEY, w text NOT NULL);
INSERT INTO gen_vocab
SELECT row_number() OVER (), w FROM (
	SELECT unnest(string_to_array(
	'the to you i and a is it for my of in your on can that this with have be me we are not do will order '
	'please what thanks if at so but just help was there how need get account an would like know payment '
	'could here as or delivery by sure from us one all they now when time about check our any thank yes no '
	'issue back today see let which again more about them after return refund problem card number email address '
	'has been still did want up out should also new service support other find make information working send '
	'update shipping right hello hi price plan change cancel subscription shipped package tracking item items '
	'received week days day hours minutes login password reset app website page error message phone call '
	'store product warranty size color available stock discount code coupon invoice receipt billing charge '
	'charged twice bank transfer confirmed confirmation status processing delayed late tomorrow monday friday '
	'weekend morning evening best regards great perfect okay ok fine understand sorry apologize inconvenience '
	'happy assist question questions answer details name customer team manager agent human speak talk chat '
	'wait moment minute second first last next before during while because really very much many some every '
	'open close closed opened same different another free premium basic upgrade downgrade monthly yearly annual '
	'trial expired expires renew renewal automatic manual settings profile notification notifications enable '
	'disable device laptop mobile tablet android iphone browser chrome firefox safari download install version '
	'latest old broken damaged missing wrong correct replace replacement exchange pickup courier address '
	'apartment street city zip postal country europe germany france spain italy london berlin madrid paris '
	'warehouse tracking link label return form policy terms conditions privacy data delete export report '
	'feedback review rating stars experience quality fast slow quick easy hard simple problem solved fixed '
	'works worked working tried try trying again soon possible available unavailable online offline store '
	'location hours holiday christmas black sale offer deal bundle gift voucher balance points rewards member '
	'membership loyalty program points earn redeem verify verification identity document upload photo file '
	'screenshot attached attachment refund processed approved declined pending failed successful success',
	' ')) AS w
) v;
-- Made-up words from syllables: onset + vowel + coda, two or three syllables.
INSERT INTO gen_vocab
SELECT (SELECT max(rank) FROM gen_vocab) + row_number() OVER (ORDER BY n), w
FROM (
	SELECT n, min(w) AS w FROM (
		SELECT n, pg_temp.pick('{b,c,d,f,g,h,k,l,m,n,p,r,s,t,v,z,br,cl,st,tr,pl,gr,sh,ch,qu,fl}', pg_temp.r(n, 11))
			|| pg_temp.pick('{a,e,i,o,u,ea,ou,ai,io}', pg_temp.r(n, 12))
			|| pg_temp.pick('{"",n,r,s,t,l,nd,st,ck,m,x}', pg_temp.r(n, 13))
			|| pg_temp.pick('{b,d,g,l,m,n,p,r,s,t,v,th,gr,sk}', pg_temp.r(n, 14))
			|| pg_temp.pick('{a,e,i,o,u,y,en,on,ia,er}', pg_temp.r(n, 15))
			|| CASE WHEN pg_temp.r(n, 16) < 0.3 THEN pg_temp.pick('{n,r,s,x,t,ll}', pg_temp.r(n, 17)) ELSE '' END AS w
		FROM generate_series(1, 9000) n) x
	GROUP BY n) y
WHERE w NOT IN (SELECT w FROM gen_vocab);
DELETE FROM gen_vocab a USING gen_vocab b WHERE a.w = b.w AND a.rank > b.rank;
\endif

CREATE TEMP TABLE gen_products AS
SELECT row_number() OVER ()::int AS i, b || ' ' || m AS name
FROM unnest('{Aurora,Zephyr,Nimbus,Vertex,Pulse,Orbit,Lumen,Helix,Quanta,Nova,Atlas,Ember,Solace,Tundra,Vivid}'::text[]) b
CROSS JOIN unnest('{X100,X200,Pro,Mini,Max,Air,Lite,S3,Ultra,Go}'::text[]) m;

-- Sentence pools, in gen_groups.n groups of equal size (sentence i of group
-- k is number k * size + i): a conversation draws from one group.
\if :support_text
\ir support_phrases.sql
CREATE TEMP TABLE gen_groups AS SELECT count(DISTINCT (lang, topic))::int AS n FROM gen_phrases;
CREATE TEMP TABLE gen_user_sentences AS
SELECT row_number() OVER (ORDER BY lang, topic, j)::int AS i, sentence FROM gen_phrases WHERE kind = 'user';
CREATE TEMP TABLE gen_assistant_sentences AS
SELECT row_number() OVER (ORDER BY lang, topic, j)::int AS i, sentence FROM gen_phrases WHERE kind = 'assistant';
\else
-- Zipf-distributed words (rank ~ log-uniform), 3-14 words each, one group.
CREATE TEMP TABLE gen_groups AS SELECT 1 AS n;
CREATE TEMP TABLE gen_sentences AS
WITH v AS (SELECT array_agg(w ORDER BY rank) AS words FROM gen_vocab)
SELECT s.i, s.kind,
	upper(left(x.body, 1)) || substr(x.body, 2)
		|| pg_temp.pick(CASE s.kind WHEN 'user' THEN '{?,.,.,!,?,""}' ELSE '{.,.,.,!}' END::text[], pg_temp.r(s.i, 21)) AS sentence
FROM (SELECT i, CASE WHEN i % 2 = 0 THEN 'user' ELSE 'assistant' END AS kind
      FROM generate_series(1, 40000) i) s
CROSS JOIN v
CROSS JOIN LATERAL (
	SELECT string_agg(v.words[least(cardinality(v.words),
		floor(exp(pg_temp.r(s.i * 64 + j, 22) * ln(cardinality(v.words) + 1)))::int)], ' ' ORDER BY j) AS body
	FROM generate_series(1, 3 + floor(pg_temp.r(s.i, 23) * 12)::int) j) x;
CREATE TEMP TABLE gen_user_sentences AS
SELECT row_number() OVER (ORDER BY i)::int AS i, sentence FROM gen_sentences WHERE kind = 'user';
CREATE TEMP TABLE gen_assistant_sentences AS
SELECT row_number() OVER (ORDER BY i)::int AS i, sentence FROM gen_sentences WHERE kind = 'assistant';
\endif
CREATE UNIQUE INDEX ON gen_user_sentences (i);
CREATE UNIQUE INDEX ON gen_assistant_sentences (i);

-- Accounts: reuse existing ones of the same name. (The rows it needs of
-- convdash's tables are copied into temporary tables first and never joined
-- with them directly: on Citus, where they are distributed, that is refused.)
CREATE TEMP TABLE gen_accounts (k int PRIMARY KEY, name text NOT NULL, id bigint);
INSERT INTO gen_accounts (k, name)
SELECT k, CASE WHEN k = 1 THEN :'account_name' ELSE :'account_name' || ' ' || k END
FROM generate_series(1, :accounts) k;
CREATE TEMP TABLE gen_existing AS SELECT name, min(id) AS id FROM convdash.accounts GROUP BY name;
INSERT INTO convdash.accounts (name, time_zone)
SELECT a.name, 'UTC' FROM gen_accounts a
WHERE NOT EXISTS (SELECT FROM gen_existing x WHERE x.name = a.name)
ORDER BY a.k;
DROP TABLE gen_existing;
CREATE TEMP TABLE gen_existing AS SELECT name, min(id) AS id FROM convdash.accounts GROUP BY name;
UPDATE gen_accounts a SET id = x.id FROM gen_existing x WHERE x.name = a.name;

-- Agents: per account, names from a list (numbered when more are asked for).
CREATE TEMP TABLE gen_agent_names AS
SELECT k, pg_temp.pick('{Nova,Atlas,Iris,Sage,Echo,Orion,Luna,Max,Aria,Kai,Zoe,Leo,Mira,Finn,Ivy}', ((k - 1) % 15 + 0.5) / 15)
		|| CASE WHEN k > 15 THEN ' ' || ((k - 1) / 15 + 1) ELSE '' END
		|| ' ' || pg_temp.pick('{Support,Sales,Concierge,Assistant,Helpdesk,Onboarding}', pg_temp.r(k, 31)) AS name,
	pg_temp.pick('{Acme Corp,Globex,Initech,Umbrella Retail,Stark Goods,Wayne Logistics}', pg_temp.r(k, 32)) AS company,
	(ARRAY['active', 'active', 'passive', 'hybrid'])[1 + (k - 1) % 4]::convdash.agent_mode AS mode
FROM generate_series(1, :agents) k;
INSERT INTO convdash.agents (account_id, name, company, mode)
SELECT a.id, n.name, n.company, n.mode FROM gen_accounts a CROSS JOIN gen_agent_names n
ORDER BY a.k, n.k
ON CONFLICT (account_id, name) DO NOTHING;
CREATE TEMP TABLE gen_agent_rows AS SELECT account_id, id, name, mode FROM convdash.agents;
CREATE TEMP TABLE gen_agents AS
SELECT a.k AS acct, n.k, g.id, g.mode, g.name
FROM gen_accounts a
CROSS JOIN gen_agent_names n
JOIN gen_agent_rows g ON g.account_id = a.id AND g.name = n.name;
CREATE UNIQUE INDEX ON gen_agents (acct, k);

-- Generates conversations first..last (numbers 1..total in time order) with
-- their messages, ratings and tracker data. Ids continue after the largest
-- existing id of each table.
CREATE PROCEDURE pg_temp.gen_chunk(g_first bigint, g_last bigint, total bigint, seed bigint,
	end_ts timestamptz, nagents int)
LANGUAGE plpgsql AS $$
DECLARE
	cbase bigint := (SELECT coalesce(max(id), 0) FROM convdash.conversations);
	mbase bigint := (SELECT coalesce(max(id), 0) FROM convdash.messages);
	tbase bigint := (SELECT coalesce(max(id), 0) FROM convdash.tracker_sessions);
	nacc int := (SELECT count(*) FROM gen_accounts);
	s bigint := seed * 1000;
	ngroups int := (SELECT n FROM gen_groups);
	nuser int := (SELECT count(*) FROM gen_user_sentences) / ngroups;	-- per group
	nasst int := (SELECT count(*) FROM gen_assistant_sentences) / ngroups;
	nprod int := (SELECT count(*) FROM gen_products);
BEGIN
	CREATE TEMP TABLE gen_c AS
	SELECT g, cbase + g - g_first + 1 AS id, acct.id AS account_id, ag.id AS agent_id, ag.mode, ag.name AS agent_name,
		ch.channel, st.status, x.started_at, x.n, x.gap,
		pg_temp.pick('{Anna,Ben,Carla,David,Emma,Felix,Greta,Hugo,Ines,Jonas,Klara,Liam,Mona,Noah,Olga,Paul,Rosa,Sam,Tara,Yusuf}', pg_temp.r(g, s + 8))
			AS first_name,
		pg_temp.pick('{Smith,Meyer,Garcia,Rossi,Dubois,Novak,Kowalski,Jensen,Silva,Brown,Wagner,Lopez,Costa,Berg,Ivanova}', pg_temp.r(g, s + 9))
			AS last_name,
		'ORD-' || (100000000 + (g * 7919 + seed) % 900000000) AS order_no,
		(SELECT p.name FROM gen_products p WHERE p.i = 1 + floor(pg_temp.r(g, s + 10) * nprod)::int) AS product,
		CASE WHEN ch.channel IN ('web', 'widget') THEN tbase + g - g_first + 1 END AS tracker_id,
		floor(pg_temp.r(g, s + 60) * ngroups)::int AS grp
	FROM generate_series(g_first, g_last) g
	CROSS JOIN LATERAL (SELECT CASE WHEN nacc = 1 THEN 1
		WHEN pg_temp.r(g, s + 1) < 0.6 THEN 1
		ELSE 2 + floor(pg_temp.r(g, s + 2) * (nacc - 1))::int END AS k) ak
	JOIN gen_accounts acct ON acct.k = ak.k
	JOIN gen_agents ag ON ag.acct = ak.k AND ag.k = 1 + floor(pg_temp.r(g, s + 3) ^ 1.4 * nagents)::int
	CROSS JOIN LATERAL (SELECT (CASE WHEN u < 0.20 THEN 'web' WHEN u < 0.45 THEN 'widget'
		WHEN u < 0.57 THEN 'telegram' WHEN u < 0.75 THEN 'whatsapp' WHEN u < 0.83 THEN 'voip'
		WHEN u < 0.93 THEN 'messenger' ELSE 'crm' END)::convdash.channel AS channel
		FROM (SELECT pg_temp.r(g, s + 4) AS u) q) ch
	CROSS JOIN LATERAL (SELECT (CASE WHEN u < 0.10 THEN 'active' WHEN u < 0.80 THEN 'closed'
		ELSE 'archived' END)::convdash.conversation_status AS status
		FROM (SELECT pg_temp.r(g, s + 5) AS u) q) st
	CROSS JOIN LATERAL (SELECT
		end_ts - interval '365 days' * (1 - (g - 0.5) / total)
			+ interval '1 minute' * floor(pg_temp.r(g, s + 6) * 30) AS started_at,
		CASE WHEN pg_temp.r(g, s + 7) < 0.001 THEN 300 + floor(pg_temp.r(g, s + 11) * 1701)::int
			ELSE 1 + floor(-ln(1 - pg_temp.r(g, s + 11)) * 17)::int END AS n,
		5 + floor(pg_temp.r(g, s + 12) * 85)::int AS gap) x;

	-- Messages: a system prompt (seq NULL), n shown messages alternating
	-- user/assistant, and a tool call before ~5% of assistant replies.
	CREATE TEMP TABLE gen_m AS
	SELECT c.account_id, c.id AS conversation_id, k.role, k.content, k.created_at,
		CASE WHEN k.role = 'assistant' THEN 150 + 35 * k.seq END AS prompt_tokens,
		CASE WHEN k.role = 'assistant' THEN 5 + length(k.content) / 4 END AS completion_tokens,
		k.seq
	FROM gen_c c
	CROSS JOIN LATERAL (
		SELECT 'system'::convdash.message_role AS role, NULL::int AS seq, c.started_at AS created_at,
			format('You are %s of %s. Be concise and polite; look up orders with the lookup_order tool.',
				c.agent_name,
				'the shop') AS content
		UNION ALL
		SELECT CASE WHEN q % 2 = 1 THEN 'user' ELSE 'assistant' END::convdash.message_role, q,
			c.started_at + make_interval(secs => q * c.gap + floor(pg_temp.r(c.g * 4096 + q, s + 13) * c.gap / 2)),
			pg_temp.fill(CASE WHEN q % 2 = 1 THEN
				(SELECT u.sentence FROM gen_user_sentences u
				 WHERE u.i = c.grp * nuser + 1 + floor(pg_temp.r(c.g * 4096 + q, s + 14) * nuser)::int)
				|| CASE
					WHEN ngroups > 1 THEN ''	-- support sentences carry their own details
					WHEN q = 1 THEN ' ' || pg_temp.pick(ARRAY['Hi, my order is ' || c.order_no || '.',
						'I bought the ' || c.product || ' last week.',
						'My email is ' || lower(c.first_name) || '.' || lower(c.last_name) || (c.g % 97) || '@example.com.',
						'Hello, this is ' || c.first_name || '.'], pg_temp.r(c.g, s + 15))
					WHEN pg_temp.r(c.g * 4096 + q, s + 16) < 0.04 THEN ' The ' || c.product || ' stopped working.'
					ELSE '' END
			ELSE
				(SELECT a.sentence FROM gen_assistant_sentences a
				 WHERE a.i = c.grp * nasst + 1 + floor(pg_temp.r(c.g * 4096 + q, s + 17) * nasst)::int)
				|| ' ' ||
				(SELECT a.sentence FROM gen_assistant_sentences a
				 WHERE a.i = c.grp * nasst + 1 + floor(pg_temp.r(c.g * 4096 + q, s + 18) * nasst)::int)
			END, c.first_name, c.order_no, c.product,
				lower(c.first_name) || '.' || lower(c.last_name) || (c.g % 97) || '@example.com')
		FROM generate_series(1, c.n) q
		UNION ALL
		SELECT 'tool'::convdash.message_role, NULL::int,
			c.started_at + make_interval(secs => q * c.gap - 1),
			json_build_object('tool', 'lookup_order', 'order', c.order_no, 'status',
				pg_temp.pick('{shipped,processing,delivered,returned}', pg_temp.r(c.g * 4096 + q, s + 19)))::text
		FROM generate_series(2, c.n, 2) q
		WHERE pg_temp.r(c.g * 4096 + q, s + 20) < 0.05
	) k;

	INSERT INTO convdash.tracker_sessions (id, account_id, device, browser, os, country, city,
		landing_page, traffic_source, utm_source, utm_medium, started_at, duration_seconds, pages_visited, bounce)
	OVERRIDING SYSTEM VALUE
	SELECT c.tracker_id, c.account_id,
		pg_temp.pick('{desktop,desktop,mobile,mobile,mobile,tablet}', pg_temp.r(c.g, s + 40))::convdash.device_type,
		pg_temp.pick('{Chrome,Chrome,Safari,Firefox,Edge}', pg_temp.r(c.g, s + 41)),
		pg_temp.pick('{Windows,macOS,iOS,Android,Linux}', pg_temp.r(c.g, s + 42)),
		(ARRAY['Germany', 'France', 'Spain', 'United Kingdom', 'United States', 'Italy', 'Netherlands', 'Poland'])[cc.k],
		(ARRAY['Berlin', 'Paris', 'Madrid', 'London', 'Austin', 'Milan', 'Amsterdam', 'Warsaw'])[cc.k],
		'https://shop.example.com' || pg_temp.pick('{/,/pricing,/products,/help,/checkout,/blog/launch}', pg_temp.r(c.g, s + 44)),
		pg_temp.pick('{organic,direct,paid,social,email,referral}', pg_temp.r(c.g, s + 45)),
		pg_temp.pick('{google,newsletter,facebook,instagram,partner}', pg_temp.r(c.g, s + 46)),
		pg_temp.pick('{cpc,email,social,referral,organic}', pg_temp.r(c.g, s + 47)),
		c.started_at - interval '1 minute' * (1 + floor(pg_temp.r(c.g, s + 48) * 20)),
		30 + floor(pg_temp.r(c.g, s + 49) * 1800)::int,
		pv.pages, pv.pages = 1
	FROM gen_c c
	CROSS JOIN LATERAL (SELECT 1 + floor(pg_temp.r(c.g, s + 43) * 8)::int AS k) cc
	CROSS JOIN LATERAL (SELECT 1 + floor(pg_temp.r(c.g, s + 50) * 8)::int AS pages) pv
	WHERE c.tracker_id IS NOT NULL;

	-- per conversation: its shown messages, tokens and last message (the counters)
	CREATE TEMP TABLE gen_sums AS
	SELECT conversation_id, count(seq) AS shown, sum(prompt_tokens) AS prompt,
		sum(completion_tokens) AS completion, max(created_at) AS last_at
	FROM gen_m GROUP BY conversation_id;

	INSERT INTO convdash.conversations (id, account_id, agent_id, session_id, channel, status, handled_by,
		started_at, ended_at, end_reason, sentiment, sentiment_score, converted, has_voice, memory,
		tracker_session_id, rating)
	OVERRIDING SYSTEM VALUE
	SELECT c.id, c.account_id, c.agent_id,
		CASE c.channel
			WHEN 'telegram' THEN 'tg_' || (100000000 + floor(pg_temp.r(c.g, s + 60) * 899999999)::bigint)
			WHEN 'whatsapp' THEN '+1555' || lpad((floor(pg_temp.r(c.g, s + 60) * 9999999))::bigint::text, 7, '0')
			WHEN 'voip' THEN 'call-' || substr(md5(seed || ':' || c.g), 1, 12)
			WHEN 'messenger' THEN 'fb_' || (1000000000 + floor(pg_temp.r(c.g, s + 60) * 8999999999)::bigint)
			WHEN 'crm' THEN 'crm-' || upper(substr(md5(seed || ':' || c.g), 1, 8))
			ELSE 'sess_' || substr(md5(seed || ':' || c.g), 1, 16) END,
		c.channel, c.status,
		CASE WHEN c.mode = 'passive' OR (c.mode = 'hybrid' AND pg_temp.r(c.g, s + 61) < 0.3)
			THEN 'human' ELSE 'ai' END::convdash.handler,
		c.started_at,
		CASE WHEN c.status <> 'active' THEN coalesce(m.last_at, c.started_at)
			+ interval '1 second' * (30 + floor(pg_temp.r(c.g, s + 62) * 600)) END,
		CASE WHEN c.status <> 'active' AND pg_temp.r(c.g, s + 63) < 0.4 THEN
			pg_temp.pick('{"Visitor left","Resolved by agent",Timeout,"Transferred to human",Spam}', pg_temp.r(c.g, s + 64)) END,
		CASE WHEN pg_temp.r(c.g, s + 65) < 0.7 THEN convdash.sentiment_label(sc.score) END,
		CASE WHEN pg_temp.r(c.g, s + 65) < 0.7 THEN sc.score END,
		pg_temp.r(c.g, s + 66) < 0.15,
		false,
		CASE WHEN pg_temp.r(c.g, s + 67) < 0.6 THEN jsonb_strip_nulls(jsonb_build_object(
			'name', c.first_name || ' ' || c.last_name,
			'email', CASE WHEN pg_temp.r(c.g, s + 68) < 0.5 THEN lower(c.first_name) || '.' || lower(c.last_name) || (c.g % 97) || '@example.com' END,
			'order_id', CASE WHEN pg_temp.r(c.g, s + 69) < 0.5 THEN c.order_no END,
			'product', CASE WHEN pg_temp.r(c.g, s + 70) < 0.4 THEN c.product END,
			'language', pg_temp.pick('{en,de,fr,es}', pg_temp.r(c.g, s + 71)),
			'preferences', CASE WHEN pg_temp.r(c.g, s + 72) < 0.3 THEN jsonb_build_object('contact', 'email', 'newsletter', pg_temp.r(c.g, s + 73) < 0.5) END))
			ELSE '{}'::jsonb END,
		c.tracker_id,
		rt.score
	FROM gen_c c
	LEFT JOIN gen_sums m ON m.conversation_id = c.id
	CROSS JOIN LATERAL (SELECT round((pg_temp.r(c.g, s + 74) * 1.6 - 0.6)::numeric, 2)::float8 AS score) sc
	CROSS JOIN LATERAL (SELECT CASE WHEN c.status <> 'active' AND pg_temp.r(c.g, s + 75) < 0.444 THEN
		CASE WHEN u < 0.40 THEN 5 WHEN u < 0.65 THEN 4 WHEN u < 0.80 THEN 3 WHEN u < 0.88 THEN 2 ELSE 1 END END AS score
		FROM (SELECT pg_temp.r(c.g, s + 76) AS u) q) rt
	ORDER BY c.id;

	INSERT INTO convdash.conversation_counters (account_id, conversation_id, message_count, prompt_tokens,
		completion_tokens, last_message_at, agent_id, channel, status, started_at, rating)
	SELECT c.account_id, c.id, coalesce(m.shown, 0), coalesce(m.prompt, 0), coalesce(m.completion, 0), m.last_at,
		c.agent_id, c.channel, c.status, c.started_at, c.rating
	FROM convdash.conversations c
	LEFT JOIN gen_sums m ON m.conversation_id = c.id
	WHERE c.id BETWEEN cbase + 1 AND cbase + g_last - g_first + 1
	ORDER BY c.id;

	-- words: what append_message stores (convdash.message_words), in bulk
	INSERT INTO convdash.messages (id, account_id, conversation_id, role, content, created_at,
		prompt_tokens, completion_tokens, seq, words)
	OVERRIDING SYSTEM VALUE
	SELECT mbase + row_number() OVER (ORDER BY m.created_at, m.conversation_id, m.seq NULLS FIRST, m.role),
		m.account_id, m.conversation_id, m.role, m.content, m.created_at, m.prompt_tokens, m.completion_tokens, m.seq,
		CASE WHEN m.seq IS NOT NULL THEN convdash.words_tenant(to_tsvector(a.search_config, m.content), m.account_id) END
	FROM gen_m m JOIN convdash.accounts a ON a.id = m.account_id
	ORDER BY m.created_at, m.conversation_id, m.seq NULLS FIRST, m.role;

	CREATE TEMP TABLE gen_rated AS SELECT account_id, id, rating, ended_at FROM convdash.conversations
	WHERE id BETWEEN cbase + 1 AND cbase + g_last - g_first + 1 AND rating IS NOT NULL;
	INSERT INTO convdash.ratings (account_id, conversation_id, score, comment, rated_at)
	SELECT c.account_id, c.id, c.rating,
		CASE WHEN pg_temp.r(g.g, s + 80) < 0.5 THEN pg_temp.pick(
			'{"Very helpful, thanks!","Quick and friendly.","Did not solve my problem.","Too slow.","Great support",'
			'"The bot understood me","I wanted a human.","Okay.","Excellent service, fast refund.","Confusing answers"}',
			pg_temp.r(g.g, s + 81)) END,
		c.ended_at + interval '2 minutes'
	FROM gen_c g
	JOIN gen_rated c ON c.account_id = g.account_id AND c.id = g.id;

	CREATE TEMP TABLE gen_tracked AS SELECT account_id, id, started_at, pages_visited FROM convdash.tracker_sessions
	WHERE id BETWEEN tbase + 1 AND tbase + g_last - g_first + 1;
	INSERT INTO convdash.tracker_pageviews (account_id, tracker_session_id, url, title, time_spent_seconds,
		scroll_depth, viewed_at)
	SELECT c.account_id, c.tracker_id,
		'https://shop.example.com' || p.path, p.title,
		5 + floor(pg_temp.r(c.g * 16 + v, s + 90) * 300)::int,
		floor(pg_temp.r(c.g * 16 + v, s + 91) * 101)::smallint,
		t.started_at + interval '40 seconds' * v
	FROM gen_c c
	JOIN gen_tracked t ON t.account_id = c.account_id AND t.id = c.tracker_id
	CROSS JOIN LATERAL generate_series(1, t.pages_visited) v
	CROSS JOIN LATERAL (SELECT (ARRAY['/', '/pricing', '/products', '/help', '/checkout', '/blog/launch', '/account', '/contact'])[k] AS path,
		(ARRAY['Home', 'Pricing', 'Products', 'Help center', 'Checkout', 'Launch blog', 'My account', 'Contact'])[k] AS title
		FROM (SELECT 1 + floor(pg_temp.r(c.g * 16 + v, s + 92) * 8)::int AS k) q) p
	WHERE c.tracker_id IS NOT NULL;

	INSERT INTO convdash.tracker_events (account_id, tracker_session_id, name, type, occurred_at,
		trigger_name, trigger_action, trigger_data)
	SELECT c.account_id, c.tracker_id, e.name, e.type,
		c.started_at - interval '30 seconds' * v,
		CASE WHEN trig THEN pg_temp.pick('{exit_intent,idle_60s,pricing_visit,cart_abandon}', pg_temp.r(c.g * 16 + v, s + 95)) END,
		CASE WHEN trig THEN pg_temp.pick('{open_chat,show_offer,send_message}', pg_temp.r(c.g * 16 + v, s + 96)) END,
		CASE WHEN trig AND pg_temp.r(c.g * 16 + v, s + 97) < 0.7 THEN
			jsonb_build_object('page', '/pricing', 'scroll', floor(pg_temp.r(c.g * 16 + v, s + 98) * 100)) END
	FROM gen_c c
	CROSS JOIN LATERAL generate_series(1, floor(pg_temp.r(c.g, s + 93) * 5)::int) v
	CROSS JOIN LATERAL (SELECT pg_temp.r(c.g * 16 + v, s + 94) < 0.3 AS trig) tr
	CROSS JOIN LATERAL (SELECT (ARRAY['click', 'scroll', 'form_submit', 'add_to_cart', 'video_play'])[k] AS name,
		(ARRAY['ui', 'ui', 'form', 'commerce', 'media'])[k] AS type
		FROM (SELECT 1 + floor(pg_temp.r(c.g * 16 + v, s + 99) * 5)::int AS k) q) e
	WHERE c.tracker_id IS NOT NULL;

	DROP TABLE gen_c, gen_m, gen_sums, gen_rated, gen_tracked;
END
$$;

-- Runs the chunks, one transaction each, printing progress.
CREATE PROCEDURE pg_temp.gen_all(total bigint, chunk bigint, seed bigint, end_ts timestamptz, nagents int)
LANGUAGE plpgsql AS $$
DECLARE
	first bigint := 1;
	t0 timestamptz := clock_timestamp();
	msgs bigint := 0;
BEGIN
	WHILE first <= total LOOP
		CALL pg_temp.gen_chunk(first, least(first + chunk - 1, total), total, seed, end_ts, nagents);
		COMMIT;
		RAISE NOTICE 'generated % / % conversations (% %%) in % s', least(first + chunk - 1, total), total,
			round(100.0 * least(first + chunk - 1, total) / total), round(extract(epoch FROM clock_timestamp() - t0));
		first := first + chunk;
	END LOOP;
END
$$;

CALL pg_temp.gen_all(:conversations, :chunk, :seed, :'end_ts'::timestamptz, :agents);

-- The generator chose ids itself: move the identity sequences past them.
SELECT setval(pg_get_serial_sequence('convdash.conversations', 'id'), max(id)) FROM convdash.conversations \g /dev/null
SELECT setval(pg_get_serial_sequence('convdash.messages', 'id'), max(id)) FROM convdash.messages \g /dev/null
SELECT setval(pg_get_serial_sequence('convdash.tracker_sessions', 'id'), max(id)) FROM convdash.tracker_sessions \g /dev/null
ANALYZE convdash.accounts, convdash.agents, convdash.conversations, convdash.messages, convdash.ratings,
	convdash.tracker_sessions, convdash.tracker_pageviews, convdash.tracker_events;
