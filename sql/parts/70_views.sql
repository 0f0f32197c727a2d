-- BI views: documented, stable, read-only. They are security_invoker views,
-- so row-level security of the reading role applies: a BI login bound to a
-- tenant (grant_tenant_reader) sees that tenant's rows and nothing else; an
-- unbound one sees nothing, whatever it sets. Column names and meanings are a stable contract;
-- new columns may be appended, none is renamed or removed within a major version.

CREATE VIEW convdash.v_conversations WITH (security_invoker = true) AS
SELECT c.account_id, c.id AS conversation_id,
	c.agent_id, a.name AS agent_name, a.company AS agent_company, a.mode AS agent_mode,
	c.session_id, c.channel, c.status, c.handled_by,
	c.started_at, c.ended_at,
	convdash.duration_seconds(c.started_at, c.ended_at) AS duration_seconds,
	convdash.duration_text(convdash.duration_seconds(c.started_at, c.ended_at)) AS duration_text,
	coalesce(c.end_reason, 'Completed') AS end_reason,
	c.sentiment, c.sentiment_score, convdash.sentiment_text(c.sentiment) AS sentiment_text,
	c.converted,
	k.prompt_tokens, k.completion_tokens, k.prompt_tokens + k.completion_tokens AS total_tokens,
	k.message_count, c.has_voice, NOT c.has_voice AS text_only,
	r.score AS rating, r.comment AS rating_comment, r.rated_at,
	c.tracker_session_id, c.memory, k.last_message_at
FROM convdash.conversations c
JOIN convdash.conversation_counters k ON k.account_id = c.account_id AND k.conversation_id = c.id
JOIN convdash.agents a ON a.account_id = c.account_id AND a.id = c.agent_id
LEFT JOIN convdash.ratings r ON r.account_id = c.account_id AND r.conversation_id = c.id;
COMMENT ON VIEW convdash.v_conversations IS
	'BI: one row per conversation with every dashboard column (agent, channel, status, duration, sentiment, tokens, rating, ...)';

CREATE VIEW convdash.v_messages WITH (security_invoker = true) AS
SELECT m.account_id, m.conversation_id, m.id AS message_id, m.role, m.content, m.created_at,
	m.prompt_tokens, m.completion_tokens, m.seq IS NOT NULL AS shown, m.seq AS transcript_position,
	ac.id AS audio_clip_id, ac.duration_ms AS audio_duration_ms
FROM convdash.messages m
LEFT JOIN convdash.audio_clips ac ON ac.account_id = m.account_id AND ac.message_id = m.id;
COMMENT ON VIEW convdash.v_messages IS
	'BI: one row per message; shown is false for system/tool messages, which the transcript hides';

CREATE VIEW convdash.v_tracker_sessions WITH (security_invoker = true) AS
SELECT s.account_id, s.id AS tracker_session_id, s.device, s.browser, s.os, s.country, s.city,
	s.landing_page, s.traffic_source, s.utm_source, s.utm_medium, s.started_at,
	s.duration_seconds, convdash.duration_text(s.duration_seconds::bigint) AS duration_text,
	s.pages_visited, s.bounce,
	(SELECT count(*) FROM convdash.tracker_pageviews p
	 WHERE p.account_id = s.account_id AND p.tracker_session_id = s.id) AS pageview_count,
	(SELECT count(*) FROM convdash.tracker_events e
	 WHERE e.account_id = s.account_id AND e.tracker_session_id = s.id) AS event_count
FROM convdash.tracker_sessions s;
COMMENT ON VIEW convdash.v_tracker_sessions IS
	'BI: one row per website tracker session with its pageview and event counts';

CREATE VIEW convdash.v_tracker_pageviews WITH (security_invoker = true) AS
SELECT p.account_id, p.tracker_session_id, p.id AS pageview_id, p.url, p.title,
	p.time_spent_seconds, p.scroll_depth, p.viewed_at
FROM convdash.tracker_pageviews p;
COMMENT ON VIEW convdash.v_tracker_pageviews IS 'BI: one row per pageview of a tracker session';

CREATE VIEW convdash.v_tracker_events WITH (security_invoker = true) AS
SELECT e.account_id, e.tracker_session_id, e.id AS event_id, e.name, e.type, e.occurred_at,
	e.trigger_name IS NOT NULL AS is_trigger, e.trigger_name, e.trigger_action, e.trigger_data
FROM convdash.tracker_events e;
COMMENT ON VIEW convdash.v_tracker_events IS 'BI: one row per tracker event; is_trigger marks triggers with their action and data';
