-- Sentiment summary for BI: an aggregate over conversations (extension/sentiment.c).
--   SELECT (convdash.sentiment_summary(sentiment, sentiment_score)).*
--   FROM convdash.v_conversations WHERE agent_id = 7;
-- counts the conversations per label, those not analyzed, and averages the
-- scores given. A row without a label but with a score counts under the
-- score's label. It runs in parallel (a combine function adds partial states).

CREATE TYPE convdash.sentiment_counts AS (
	positive      bigint,
	negative      bigint,
	neutral       bigint,
	not_analyzed  bigint,
	total         bigint,
	scored        bigint,
	mean_score    double precision
);
COMMENT ON TYPE convdash.sentiment_counts IS
	'Result of convdash.sentiment_summary: conversations per label, not analyzed, total, how many had a score, and their mean score (NULL when none)';

CREATE FUNCTION convdash.sentiment_summary_accum(state double precision[], label convdash.sentiment,
	score double precision)
RETURNS double precision[]
AS 'MODULE_PATHNAME', 'convdash_sentiment_summary_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION convdash.sentiment_summary_accum(double precision[], convdash.sentiment, double precision) IS
	'Admin: transition function of convdash.sentiment_summary; 22023 for a score outside [-1, 1]';

CREATE FUNCTION convdash.sentiment_summary_combine(a double precision[], b double precision[])
RETURNS double precision[]
AS 'MODULE_PATHNAME', 'convdash_sentiment_summary_combine'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.sentiment_summary_combine(double precision[], double precision[]) IS
	'Admin: combine function of convdash.sentiment_summary (adds two partial states)';

CREATE FUNCTION convdash.sentiment_summary_final(state double precision[])
RETURNS convdash.sentiment_counts
AS 'MODULE_PATHNAME', 'convdash_sentiment_summary_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION convdash.sentiment_summary_final(double precision[]) IS
	'Admin: final function of convdash.sentiment_summary (the sentiment_counts row of a state)';

CREATE AGGREGATE convdash.sentiment_summary(label convdash.sentiment, score double precision) (
	SFUNC = convdash.sentiment_summary_accum,
	STYPE = double precision[],
	FINALFUNC = convdash.sentiment_summary_final,
	COMBINEFUNC = convdash.sentiment_summary_combine,
	INITCOND = '{0,0,0,0,0,0}',
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE convdash.sentiment_summary(convdash.sentiment, double precision) IS
	'Read: sentiment over a set of conversations as sentiment_counts (positive, negative, neutral, not_analyzed, total, scored, mean_score); a score alone counts under its label';
