-- Highlights of search hits (issue 13): match.marks, the character ranges
-- to highlight, in Unicode code points from 0, end exclusive, ascending and
-- not overlapping. Substring mode marks every case-insensitive occurrence
-- of the term; words mode marks the words ts_headline finds for the query
-- (stems included), read back from its output between two private-use
-- characters that are taken out of the text first.

-- The marks of every case-insensitive occurrence of term in value (none when lowercasing changes the length).
CREATE FUNCTION convdash.substring_marks(value text, term text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
	lv text := lower(value);
	lt text := lower(term);
	len integer := length(lower(term));
	off integer := 0;
	p integer;
	marks jsonb := '[]';
BEGIN
	IF len = 0 OR length(lv) <> length(value) THEN
		RETURN marks;
	END IF;
	LOOP
		p := strpos(substr(lv, off + 1), lt);
		EXIT WHEN p = 0;
		marks := marks || jsonb_build_array(jsonb_build_array(off + p - 1, off + p - 1 + len));
		off := off + p - 1 + len;
	END LOOP;
	RETURN marks;
END
$$;
COMMENT ON FUNCTION convdash.substring_marks(text, text) IS
	'Read: [[start, end], ...] code point ranges of every case-insensitive occurrence of term in value';

-- The snippet of a message found by substring search and its marks.
-- (PL/pgSQL for the reason search_snippet gives.)
CREATE FUNCTION convdash.substring_hit(content text, term text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
	snippet text := convdash.search_snippet(content, term);
BEGIN
	RETURN jsonb_build_object('snippet', snippet, 'marks', convdash.substring_marks(snippet, term));
END
$$;
COMMENT ON FUNCTION convdash.substring_hit(text, text) IS
	'Read: {"snippet", "marks"} of a message that contains term: the search snippet and the ranges of term in it';

-- The marks of the words of value that the query matches in the configuration.
CREATE FUNCTION convdash.words_marks(config regconfig, value text, query tsquery) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
	v text := translate(value, U&'\E000\E001', '  ');
	h text;
	marks jsonb;
BEGIN
	h := ts_headline(config, v, query, U&'HighlightAll=true, StartSel=\E000, StopSel=\E001');
	IF translate(h, U&'\E000\E001', '') <> v THEN
		RETURN '[]';    -- not the text back with marks: nothing reliable to mark
	END IF;
	SELECT coalesce(jsonb_agg(jsonb_build_array(x.s, x.s + length(x.piece)) ORDER BY x.o), '[]') INTO marks
	FROM (SELECT t.o, t.piece, sum(length(t.piece)) OVER (ORDER BY t.o) - length(t.piece) AS s
	      FROM regexp_split_to_table(h, U&'[\E000\E001]') WITH ORDINALITY t(piece, o)) x
	WHERE x.o % 2 = 0 AND length(x.piece) > 0;
	RETURN marks;
END
$$;
COMMENT ON FUNCTION convdash.words_marks(regconfig, text, tsquery) IS
	'Read: [[start, end], ...] code point ranges of the words of value that the text search query matches in the configuration (stems included)';

-- The snippet of a message found by word search (about 100 characters around
-- the first matching word of its first 20,000 characters, whitespace
-- collapsed, … where cut) and its marks.
CREATE FUNCTION convdash.words_hit(config regconfig, content text, query tsquery) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
	t text := btrim(regexp_replace(left(content, 20000), '\s+', ' ', 'g'));
	all_marks jsonb := convdash.words_marks(config, t, query);
	p integer := coalesce((all_marks #>> '{0,0}')::integer, 0);
	w integer := coalesce((all_marks #>> '{0,1}')::integer, 0) - p;
	st integer := greatest(0, p - 40);
	en integer := least(length(t), p + 100 + w);
	piece text := substr(t, st + 1, en - st);
	lead integer := length(piece) - length(ltrim(piece));
	pre text := CASE WHEN st > 0 THEN '…' ELSE '' END;
	shift integer;
BEGIN
	piece := btrim(piece);
	st := st + lead;
	shift := length(pre) - st;
	RETURN jsonb_build_object(
		'snippet', pre || piece || CASE WHEN en < length(t) THEN '…' ELSE '' END,
		'marks', (SELECT coalesce(jsonb_agg(jsonb_build_array((m ->> 0)::integer + shift, (m ->> 1)::integer + shift)
		                                    ORDER BY o), '[]')
		          FROM jsonb_array_elements(all_marks) WITH ORDINALITY x(m, o)
		          WHERE (m ->> 0)::integer >= st AND (m ->> 1)::integer <= st + length(piece)));
END
$$;
COMMENT ON FUNCTION convdash.words_hit(regconfig, text, tsquery) IS
	'Read: {"snippet", "marks"} of a message the word query matches: about 100 characters around its first matching word and the ranges of the matching words in them';
