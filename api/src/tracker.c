/* /api/v1/tracker: website analytics sessions, pageviews, events and triggers. */
#include "handlers.h"

/* POST /api/v1/tracker/sessions: answers {id}. */
void h_tracker_session(request *r)
{
	static const body_field spec[] = {
		{"device", B_TEXT}, {"browser", B_TEXT}, {"os", B_TEXT}, {"country", B_TEXT},
		{"city", B_TEXT}, {"landing_page", B_TEXT}, {"traffic_source", B_TEXT},
		{"utm_source", B_TEXT}, {"utm_medium", B_TEXT}, {"started_at", B_TIME},
		{"duration_seconds", B_INT}, {"pages_visited", B_INT}, {"bounce", B_BOOL}};

	respond_ingest(r, 201, spec, lengthof(spec), 0, ST_TRACKER_SESSION);
}

/* POST /api/v1/tracker/sessions/{id}/pageviews: answers {id}. */
void h_pageview(request *r)
{
	static const body_field spec[] = {
		{"url", B_TEXT}, {"title", B_TEXT}, {"time_spent_seconds", B_INT},
		{"scroll_depth", B_INT}, {"viewed_at", B_TIME}};

	respond_ingest(r, 201, spec, lengthof(spec), 0, ST_PAGEVIEW);
}

/* POST /api/v1/tracker/sessions/{id}/events: an event, or a trigger with trigger{name, action, data}. */
void h_event(request *r)
{
	static const body_field spec[] = {
		{"name", B_TEXT}, {"type", B_TEXT}, {"occurred_at", B_TIME},
		{"trigger.name", B_TEXT}, {"trigger.action", B_TEXT}, {"trigger.data", B_JSON}};

	respond_ingest(r, 201, spec, lengthof(spec), 0, ST_EVENT);
}
