-- Adds generated WAV voice clips to the voice (voip) conversations of data
-- made by scripts/generate_data.sql, through convdash.attach_audio (so each
-- clip gets its own large object, SHA-256, duration and cached peaks, and
-- its conversation has_voice). Deterministic: the same variables choose the
-- same conversations, messages and clips.
--
--   psql -v account_name=Demo -f scripts/generate_audio.sql
--
-- Variables (all optional):
--   account_name   only accounts named '<account_name>' or '<account_name> N'
--                  (default: every account)
--   voice_share    share of all conversations that get clips (default 0.02),
--                  chosen among the voip ones (all of them if there are fewer)
--   clips          clips per voice conversation, at most (default 3): on its
--                  first 1..clips shown messages
--   seed           integer seed (default 1)
--   batch          clips per transaction (default 500)
--
-- The clips come from a pool of 12 sounds made here: 8 kHz 16-bit mono WAV,
-- 1 to 4 s each, tones, chirps, two-tone beeps, noise and speech-like
-- bursts (the benchmark's clips; the demo's speak: scripts/demo_voice.sh).
-- Messages that already have a clip are skipped, so running it twice
-- adds nothing. It commits every `batch` clips: each clip's large object holds
-- a lock until commit, and 20,000 in one transaction exhaust the lock table
-- (max_locks_per_transaction). Archived conversations take no new audio through the API;
-- this script reopens them (closed) for the attach and archives them again.
-- Progress is printed as NOTICEs.

\set ON_ERROR_STOP on
\if :{?account_name}
\else
\set account_name ''
\endif
\if :{?voice_share}
\else
\set voice_share 0.02
\endif
\if :{?clips}
\else
\set clips 3
\endif
\if :{?seed}
\else
\set seed 1
\endif
\if :{?batch}
\else
\set batch 500
\endif

\set QUIET on
\ir wav.sql

-- The pool: k = 0..11, the sample at n of 8000 per second.
CREATE TEMP TABLE audio_pool AS
SELECT k, pg_temp.wav(1, 1, 8000, 16, pg_temp.pcm(ARRAY(
	SELECT greatest(-32768, least(32767, round(CASE k % 6
		-- steady tone
		WHEN 0 THEN 12000 * sin(2 * pi() * (220 + 110 * k) * n / 8000)
		-- rising chirp
		WHEN 1 THEN 10000 * sin(2 * pi() * (200 + 600 * n / (8000.0 * secs)) * n / 8000)
		-- two-tone beep, 4 per second
		WHEN 2 THEN CASE WHEN (n / 1000) % 2 = 0 THEN 14000 * sin(2 * pi() * 440 * n / 8000)
		                 ELSE 9000 * sin(2 * pi() * 660 * n / 8000) END
		-- white-ish noise from a hash of the sample number
		WHEN 3 THEN (hashint4(n + 7919 * k + :seed) % 6000)
		-- speech-like: noise bursts under a syllable envelope with pauses
		WHEN 4 THEN (hashint4(n * 31 + k + :seed) % 9000) * greatest(0, sin(2 * pi() * 3.1 * n / 8000))
			* CASE WHEN (n / 4000) % 3 = 2 THEN 0.1 ELSE 1 END
		-- tone with a tremolo
		ELSE 11000 * sin(2 * pi() * 300 * n / 8000) * (0.6 + 0.4 * sin(2 * pi() * 5 * n / 8000))
	END))::bigint)
	FROM generate_series(0, 8000 * secs - 1) AS n), 16)) AS wav
FROM (SELECT k, 1 + (k * 7 + :seed) % 4 AS secs FROM generate_series(0, 11) AS k) p;

-- Attaches pool clips to the chosen messages of every matching account, committing every batch clips.
CREATE PROCEDURE pg_temp.generate_audio(name_prefix text, share double precision, per_conversation integer, seed integer,
	batch integer)
LANGUAGE plpgsql AS $$
DECLARE
	acct record;
	target record;
	total bigint;
	voip bigint;
	pick double precision;
	added bigint := 0;
BEGIN
	FOR acct IN
		SELECT a.id, a.name FROM convdash.accounts a
		WHERE name_prefix = '' OR a.name = name_prefix OR a.name ~ ('^' || name_prefix || ' [0-9]+$')
		ORDER BY a.id
	LOOP
		PERFORM set_config('convdash.account_id', acct.id::text, true);
		SELECT count(*), count(*) FILTER (WHERE c.channel = 'voip') INTO total, voip
		FROM convdash.conversations c WHERE c.account_id = acct.id;
		CONTINUE WHEN voip = 0;
		pick := least(1.0, share * total / voip);
		FOR target IN
			SELECT m.id AS message_id, c.id AS conversation_id, c.status = 'archived' AS archived,
				(hashint8(m.id + seed) & 2147483647) % 12 AS k
			FROM convdash.conversations c
			JOIN convdash.messages m ON m.account_id = c.account_id AND m.conversation_id = c.id
			WHERE c.account_id = acct.id AND c.channel = 'voip'
			  AND (hashint8(c.id * 7 + seed) & 2147483647) % 1000000 < pick * 1000000
			  AND m.seq <= 1 + (hashint8(c.id + seed) & 2147483647) % per_conversation
			  AND NOT EXISTS (SELECT FROM convdash.audio_clips x WHERE x.account_id = m.account_id AND x.message_id = m.id)
			ORDER BY c.id, m.seq
		LOOP
			IF target.archived THEN
				UPDATE convdash.conversations c SET status = 'closed'
				WHERE c.account_id = acct.id AND c.id = target.conversation_id;
			END IF;
			PERFORM convdash.attach_audio(target.message_id, 'audio/wav', (SELECT p.wav FROM audio_pool p WHERE p.k = target.k));
			IF target.archived THEN
				UPDATE convdash.conversations c SET status = 'archived'
				WHERE c.account_id = acct.id AND c.id = target.conversation_id;
			END IF;
			added := added + 1;
			IF added % batch = 0 THEN
				COMMIT;
				PERFORM set_config('convdash.account_id', acct.id::text, true);
				RAISE NOTICE 'generated % clips', added;
			END IF;
		END LOOP;
	END LOOP;
	RAISE NOTICE 'generated % clips in total', added;
END
$$;
\set QUIET off

CALL pg_temp.generate_audio(:'account_name', :voice_share, :clips, :seed, :batch);
