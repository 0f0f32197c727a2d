/* Every route of DESIGN §5, declared once as an X-macro:
 *   X(method, pattern, handler, auth, params, prepare)
 * pattern: "{id}" matches one positive 64-bit integer segment; auth: 1 when
 * the route needs Authorization: Bearer <key>; params: the accepted query
 * parameters (NULL: none); prepare: what reads the client's body before a
 * database connection is taken (NULL: no body). The metrics name is
 * "method pattern". handlers.h declares the handlers from this list and
 * router.c builds its table from it. */
#ifndef CONVDASH_ROUTES_H
#define CONVDASH_ROUTES_H

#define CONV "/api/v1/conversations"

#define ROUTES(X) \
	X("GET", CONV, h_list_conversations, 1, list_params, NULL) \
	X("POST", CONV, h_start_conversation, 1, NULL, prep_json) \
	X("GET", CONV "/export", h_export_conversations, 1, export_params, NULL) \
	X("GET", CONV "/{id}", h_conversation, 1, NULL, NULL) \
	X("PATCH", CONV "/{id}", h_patch_conversation, 1, NULL, prep_json) \
	X("DELETE", CONV "/{id}", h_delete_conversation, 1, NULL, NULL) \
	X("GET", CONV "/{id}/messages", h_transcript, 1, page_params, NULL) \
	X("POST", CONV "/{id}/messages", h_append_message, 1, NULL, prep_json) \
	X("GET", CONV "/{id}/client-data", h_client_data, 1, NULL, NULL) \
	X("GET", CONV "/{id}/audio", h_conversation_audio, 1, NULL, NULL) \
	X("POST", CONV "/{id}/close", h_close, 1, NULL, prep_json) \
	X("POST", CONV "/{id}/archive", h_archive, 1, NULL, prep_json) \
	X("PUT", CONV "/{id}/sentiment", h_sentiment, 1, NULL, prep_json) \
	X("PUT", CONV "/{id}/rating", h_rate, 1, NULL, prep_json) \
	X("DELETE", CONV "/{id}/rating", h_remove_rating, 1, NULL, NULL) \
	X("PATCH", CONV "/{id}/memory", h_memory, 1, NULL, prep_merge_patch) \
	X("GET", "/api/v1/audio/{id}", h_audio_get, 1, NULL, NULL) \
	X("GET", "/api/v1/audio/{id}/peaks", h_audio_peaks, 1, peaks_params, NULL) \
	X("PUT", "/api/v1/messages/{id}/audio", h_audio_put, 1, upload_params, prep_audio) \
	X("GET", "/api/v1/agents", h_list_agents, 1, NULL, NULL) \
	X("POST", "/api/v1/agents", h_create_agent, 1, NULL, prep_json) \
	X("POST", "/api/v1/tracker/sessions", h_tracker_session, 1, NULL, prep_json) \
	X("POST", "/api/v1/tracker/sessions/{id}/pageviews", h_pageview, 1, NULL, prep_json) \
	X("POST", "/api/v1/tracker/sessions/{id}/events", h_event, 1, NULL, prep_json) \
	X("GET", "/api/v1/openapi.json", h_openapi, 0, NULL, NULL) \
	X("GET", "/api/v1/events", h_events, 1, events_params, NULL) \
	X("GET", "/healthz", h_healthz, 0, NULL, NULL) \
	X("GET", "/metrics", h_metrics, 0, NULL, NULL)

#endif
