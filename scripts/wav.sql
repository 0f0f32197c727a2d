-- WAV construction in SQL for tests and demo data (pg_temp functions: load
-- with \i scripts/wav.sql). Samples are given as integers (PCM, G.711 bytes)
-- or reals (float); they are packed little-endian as RIFF/WAVE requires.

-- Hex of an integer's low nbytes (1-4) in little-endian order (two's complement for negatives).
CREATE FUNCTION pg_temp.le_hex(v bigint, nbytes integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT lpad(to_hex(CASE nbytes
		WHEN 1 THEN v & 255
		WHEN 2 THEN ((v & 255) << 8) | ((v >> 8) & 255)
		WHEN 3 THEN ((v & 255) << 16) | (((v >> 8) & 255) << 8) | ((v >> 16) & 255)
		ELSE ((v & 255) << 24) | (((v >> 8) & 255) << 16) | (((v >> 16) & 255) << 8) | ((v >> 24) & 255)
	END), nbytes * 2, '0')
$$;

-- Hex of an IEEE float (4 bytes) or double (8 bytes) in little-endian order.
CREATE FUNCTION pg_temp.le_float_hex(v double precision, nbytes integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT string_agg(substr(h, length(h) - 2 * i - 1, 2), '' ORDER BY i)
	FROM (SELECT CASE WHEN nbytes = 4 THEN encode(float4send(v::real), 'hex')
	                  ELSE encode(float8send(v), 'hex') END AS h) x,
		generate_series(0, nbytes - 1) AS i
$$;

-- A RIFF/WAVE header for data_bytes of sample data; extensible uses WAVE_FORMAT_EXTENSIBLE.
-- tag: 1 PCM, 3 float, 6 A-law, 7 mu-law.
CREATE FUNCTION pg_temp.wav_header(tag integer, channels integer, rate integer, bits integer,
	data_bytes bigint, extensible boolean DEFAULT false) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
	SELECT decode('52494646' || pg_temp.le_hex(data_bytes + CASE WHEN extensible THEN 60 ELSE 36 END, 4)
		|| '57415645' || '666d7420' || pg_temp.le_hex(CASE WHEN extensible THEN 40 ELSE 16 END, 4)
		|| pg_temp.le_hex(CASE WHEN extensible THEN 65534 ELSE tag END, 2)
		|| pg_temp.le_hex(channels, 2) || pg_temp.le_hex(rate, 4)
		|| pg_temp.le_hex(rate::bigint * channels * bits / 8, 4)
		|| pg_temp.le_hex(channels * bits / 8, 2) || pg_temp.le_hex(bits, 2)
		|| CASE WHEN extensible
			THEN pg_temp.le_hex(22, 2) || pg_temp.le_hex(bits, 2) || pg_temp.le_hex(0, 4)
				|| pg_temp.le_hex(tag, 2) || '000000001000800000aa00389b71'
			ELSE '' END
		|| '64617461' || pg_temp.le_hex(data_bytes, 4), 'hex')
$$;

-- Sample data from integer samples (interleaved channels) of bits (8 unsigned, 16/24/32 signed).
CREATE FUNCTION pg_temp.pcm(samples bigint[], bits integer) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
	SELECT decode(string_agg(pg_temp.le_hex(s, bits / 8), '' ORDER BY n), 'hex')
	FROM unnest(samples) WITH ORDINALITY AS u(s, n)
$$;

-- Sample data from float samples (interleaved channels), 32 or 64 bits.
CREATE FUNCTION pg_temp.pcm_float(samples double precision[], bits integer) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
	SELECT decode(string_agg(pg_temp.le_float_hex(s, bits / 8), '' ORDER BY n), 'hex')
	FROM unnest(samples) WITH ORDINALITY AS u(s, n)
$$;

-- A whole WAV file: header and the given sample data.
CREATE FUNCTION pg_temp.wav(tag integer, channels integer, rate integer, bits integer, data bytea,
	extensible boolean DEFAULT false) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
	SELECT pg_temp.wav_header(tag, channels, rate, bits, length(data), extensible) || data
$$;
