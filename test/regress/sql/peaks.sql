-- Waveform peaks against values computed here, independently of the C code:
-- a sine and a square wave, bucket counts that divide 4096 (exact) and
-- others (derived), clips shorter than the bucket count, silence.
\set QUIET on
\set ECHO none
\i test/regress/include/err.sql
\i scripts/wav.sql
\set ECHO all
\set QUIET off

SELECT convdash.create_account('Peaks Co') AS acct \gset
SELECT set_config('convdash.account_id', :'acct', false) AS tenant \gset
SELECT convdash.create_agent('Peaks bot') AS agent \gset
SELECT convdash.start_conversation(:agent, 'peaks', 'voip') AS conv \gset

-- Stores a clip on a new message of the conversation and returns the clip id.
CREATE FUNCTION pg_temp.store(conv bigint, wav bytea) RETURNS bigint
LANGUAGE sql AS $$
	SELECT (convdash.attach_audio(convdash.append_message(conv, 'user', 'clip'), 'audio/wav', wav)->>'id')::bigint
$$;
-- The peaks of a clip as numerics.
CREATE FUNCTION pg_temp.peaks(clip bigint, buckets integer) RETURNS numeric[]
LANGUAGE sql AS $$
	SELECT array_agg(p::numeric ORDER BY n)
	FROM jsonb_array_elements_text(convdash.audio_peaks(clip, buckets)->'peaks') WITH ORDINALITY AS x(p, n)
$$;

-- 1 s of a 440 Hz sine at 8 kHz, 16-bit mono, amplitude 0.8 fading in over
-- the first half: sample n = round(26214 * min(1, n / 4000) * sin(2 pi 440 n / 8000)).
CREATE TEMP TABLE sine AS
SELECT n, round(26214 * least(1, n / 4000.0) * sin(2 * pi() * 440 * n / 8000))::bigint AS v
FROM generate_series(0, 7999) AS n;
CREATE INDEX ON sine (n);
ANALYZE sine;
SELECT pg_temp.store(:conv, pg_temp.wav(1, 1, 8000, 16, pg_temp.pcm(ARRAY(SELECT v FROM sine ORDER BY n), 16))) AS sine \gset
-- expected peak of bucket b of N: max |v| over frames n with floor(n * N / 8000) = b, / 32768, 4 decimals
CREATE FUNCTION pg_temp.expected(buckets integer) RETURNS numeric[]
LANGUAGE sql AS $$
	SELECT array_agg(p ORDER BY b) FROM (
		SELECT n * buckets / 8000 AS b, round(max(abs(v)) / 32768.0, 4) AS p
		FROM sine GROUP BY 1) x
$$;
SELECT pg_temp.peaks(:sine, 16) AS sine_16;
SELECT pg_temp.peaks(:sine, 16) = pg_temp.expected(16) AS exact_16;
SELECT buckets, pg_temp.peaks(:sine, buckets) = pg_temp.expected(buckets) AS exact,
	cardinality(pg_temp.peaks(:sine, buckets)) AS n
FROM unnest('{1,2,64,512,1024,4096}'::int[]) AS buckets ORDER BY 1;
SELECT convdash.audio_peaks(:sine) ->> 'buckets' AS default_buckets;
-- a bucket count that does not divide 4096: each derived peak is at least the
-- exact one and at most the peak of the bucket widened by 1/4096 of the clip
-- (8000 / 4096 frames) on each side
SELECT buckets, bool_and(d >= e) AS never_below,
	bool_and(d <= (SELECT round(max(abs(v)) / 32768.0, 4) FROM sine
	               WHERE n BETWEEN lo AND hi)) AS within_window,
	count(*) FILTER (WHERE d = e) AS exact_buckets
FROM unnest('{3,100,1000}'::int[]) AS buckets,
	unnest(pg_temp.peaks(:sine, buckets), pg_temp.expected(buckets)) WITH ORDINALITY AS x(d, e, ord),
	LATERAL (SELECT ceil((ord - 1) * 8000.0 / buckets - 8000 / 4096.0)::int AS lo,
	                ceil(ord * 8000.0 / buckets + 8000 / 4096.0)::int - 1 AS hi) w
GROUP BY buckets ORDER BY 1;

-- a square wave, 8-bit stereo: left +-64, right +-96 around 128, 50 Hz at 8 kHz,
-- 0.5 s; every bucket's peak is max(64, 96) / 128 = 0.75
SELECT pg_temp.store(:conv, pg_temp.wav(1, 2, 8000, 8, pg_temp.pcm(ARRAY(
	SELECT 128 + CASE WHEN (n / 80) % 2 = 0 THEN 1 ELSE -1 END * CASE c WHEN 0 THEN 64 ELSE 96 END
	FROM generate_series(0, 3999) AS n, generate_series(0, 1) AS c ORDER BY n, c)::bigint[], 8))) AS square \gset
SELECT DISTINCT p AS square_peak FROM unnest(pg_temp.peaks(:square, 4096)) AS p;
SELECT pg_temp.peaks(:square, 5) AS square_5;

-- fewer frames than buckets: 3 frames (0, half, full scale) over 8 buckets:
-- a frame spans the buckets up to the next frame's
SELECT pg_temp.store(:conv, pg_temp.wav(1, 1, 8000, 16, pg_temp.pcm('{0,16384,-32768}', 16))) AS short \gset
SELECT pg_temp.peaks(:short, 8) AS short_8, pg_temp.peaks(:short, 3) AS short_3, pg_temp.peaks(:short, 1) AS short_1;

-- silence and no samples at all: all zero, duration 0
SELECT pg_temp.store(:conv, pg_temp.wav(1, 1, 8000, 16, decode(repeat('0000', 100), 'hex'))) AS silence \gset
SELECT pg_temp.store(:conv, pg_temp.wav(1, 1, 8000, 16, '\x'::bytea)) AS empty \gset
SELECT DISTINCT p AS silence_peak FROM unnest(pg_temp.peaks(:silence, 64)) AS p;
SELECT pg_temp.peaks(:empty, 4) AS no_samples, convdash.audio_info(:empty)->'duration_ms' AS duration_ms;

-- float samples beyond full scale are clipped to 1, NaN counts as silence
SELECT pg_temp.store(:conv, pg_temp.wav(3, 1, 8000, 32, pg_temp.pcm_float('{0.5,-3,NaN,0.25}', 32))) AS loud \gset
SELECT pg_temp.peaks(:loud, 4) AS loud_4;

-- peaks_resample directly (the derivation used for every bucket count)
SELECT convdash.peaks_resample('{0.1,0.2,0.3,0.4}', 2) AS halved, convdash.peaks_resample('{0.1,0.2,0.3,0.4}', 3) AS thirds,
	convdash.peaks_resample('{0.123456}', 3) AS rounded_and_repeated;
SELECT pg_temp.err($$SELECT convdash.peaks_resample('{0.1}', 0)$$);
SELECT pg_temp.err($$SELECT convdash.peaks_resample('{0.1}', 4097)$$);
SELECT pg_temp.err($$SELECT convdash.peaks_resample('{}', 4)$$);
SELECT pg_temp.err($$SELECT convdash.peaks_resample('{0.1,NULL}', 4)$$);
SELECT pg_temp.err($$SELECT convdash.peaks_resample('{{0.1},{0.2}}', 4)$$);
SELECT convdash.peaks_resample(NULL, 4) IS NULL AS strict;
