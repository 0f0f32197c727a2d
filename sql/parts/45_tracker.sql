-- Tracker ingest (website analytics from the widget): sessions, pageviews,
-- events and triggers. Same rules as the conversation ingest functions.

-- Records a tracker session of the current tenant and returns its id.
CREATE FUNCTION convdash.create_tracker_session(device text DEFAULT NULL, browser text DEFAULT NULL,
	os text DEFAULT NULL, country text DEFAULT NULL, city text DEFAULT NULL,
	landing_page text DEFAULT NULL, traffic_source text DEFAULT NULL,
	utm_source text DEFAULT NULL, utm_medium text DEFAULT NULL,
	started_at timestamptz DEFAULT NULL, duration_seconds integer DEFAULT NULL,
	pages_visited integer DEFAULT NULL, bounce boolean DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	new_id bigint;
BEGIN
	INSERT INTO convdash.tracker_sessions AS s (account_id, device, browser, os, country, city,
		landing_page, traffic_source, utm_source, utm_medium, started_at, duration_seconds,
		pages_visited, bounce)
	VALUES (acct,
		convdash.enum_value(device, 'device', NULL::convdash.device_type),
		convdash.check_text(browser, 'browser', 200, false),
		convdash.check_text(os, 'os', 200, false),
		convdash.check_text(country, 'country', 200, false),
		convdash.check_text(city, 'city', 200, false),
		convdash.check_text(landing_page, 'landing_page', 2048, false),
		convdash.check_text(traffic_source, 'traffic_source', 200, false),
		convdash.check_text(utm_source, 'utm_source', 200, false),
		convdash.check_text(utm_medium, 'utm_medium', 200, false),
		coalesce(convdash.check_time(create_tracker_session.started_at, 'started_at'), now()),
		convdash.check_range(create_tracker_session.duration_seconds, 'duration_seconds', 0, 2147483647),
		convdash.check_range(create_tracker_session.pages_visited, 'pages_visited', 0, 2147483647),
		create_tracker_session.bounce)
	RETURNING id INTO new_id;
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION convdash.create_tracker_session(text, text, text, text, text, text, text, text, text,
	timestamptz, integer, integer, boolean) IS
	'API: records a website tracker session (device desktop, mobile or tablet; UTM data; bounce); returns its id';

-- Locks a tracker session of the current tenant; P0002 when there is none.
CREATE FUNCTION convdash.lock_tracker_session(tracker_session_id bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	acct bigint := convdash.require_account();
BEGIN
	PERFORM FROM convdash.tracker_sessions s
	WHERE s.account_id = acct AND s.id = lock_tracker_session.tracker_session_id
	FOR SHARE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'tracker session % not found', tracker_session_id
			USING ERRCODE = 'no_data_found', COLUMN = 'tracker_session_id';
	END IF;
	RETURN tracker_session_id;
END
$$;
COMMENT ON FUNCTION convdash.lock_tracker_session(bigint) IS
	'Admin: share-locks the tenant''s tracker session; P0002 when it does not exist for this tenant';

-- Records a pageview of a tracker session and returns its id.
CREATE FUNCTION convdash.add_pageview(tracker_session_id bigint, url text, title text DEFAULT NULL,
	time_spent_seconds integer DEFAULT 0, scroll_depth integer DEFAULT 0,
	viewed_at timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	session bigint := convdash.lock_tracker_session(add_pageview.tracker_session_id);
	new_id bigint;
BEGIN
	INSERT INTO convdash.tracker_pageviews AS p (account_id, tracker_session_id, url, title,
		time_spent_seconds, scroll_depth, viewed_at)
	VALUES (acct, session,
		convdash.check_text(url, 'url', 2048),
		convdash.check_text(title, 'title', 1000, false),
		coalesce(convdash.check_range(time_spent_seconds, 'time_spent_seconds', 0, 2147483647), 0),
		coalesce(convdash.check_range(scroll_depth, 'scroll_depth', 0, 100), 0),
		coalesce(convdash.check_time(add_pageview.viewed_at, 'viewed_at'), now()))
	RETURNING id INTO new_id;
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION convdash.add_pageview(bigint, text, text, integer, integer, timestamptz) IS
	'API: records a pageview (url, title, seconds spent, scroll depth 0-100) of a tracker session; returns its id';

-- Records an event, or a trigger when trigger_name is given, and returns its id.
CREATE FUNCTION convdash.add_event(tracker_session_id bigint, name text, type text,
	occurred_at timestamptz DEFAULT NULL, trigger_name text DEFAULT NULL,
	trigger_action text DEFAULT NULL, trigger_data jsonb DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, convdash, pg_temp
AS $$
DECLARE
	acct bigint := convdash.require_account();
	session bigint;
	new_id bigint;
BEGIN
	IF (trigger_name IS NULL) <> (trigger_action IS NULL) THEN
		RAISE EXCEPTION 'a trigger needs both a name and an action'
			USING ERRCODE = 'invalid_parameter_value',
			      COLUMN = CASE WHEN trigger_name IS NULL THEN 'trigger.name' ELSE 'trigger.action' END;
	END IF;
	IF trigger_data IS NOT NULL AND trigger_name IS NULL THEN
		RAISE EXCEPTION 'trigger data needs a trigger'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'trigger.data';
	END IF;
	IF octet_length(trigger_data::text) > 65536 THEN
		RAISE EXCEPTION 'trigger data exceeds 64 KiB'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'trigger.data';
	END IF;
	session := convdash.lock_tracker_session(add_event.tracker_session_id);
	INSERT INTO convdash.tracker_events AS e (account_id, tracker_session_id, name, type, occurred_at,
		trigger_name, trigger_action, trigger_data)
	VALUES (acct, session,
		convdash.check_text(name, 'name', 200),
		convdash.check_text(type, 'type', 100),
		coalesce(convdash.check_time(add_event.occurred_at, 'occurred_at'), now()),
		convdash.check_text(trigger_name, 'trigger.name', 200, false),
		convdash.check_text(trigger_action, 'trigger.action', 100, false),
		trigger_data)
	RETURNING id INTO new_id;
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION convdash.add_event(bigint, text, text, timestamptz, text, text, jsonb) IS
	'API: records an event of a tracker session; with trigger_name and trigger_action (and optional JSON data) it is a trigger';
