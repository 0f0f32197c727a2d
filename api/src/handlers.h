/* Route handlers, one file per resource, and the helpers they share to run
 * one SQL function for the tenant and pass its JSON through. */
#ifndef CONVDASH_HANDLERS_H
#define CONVDASH_HANDLERS_H

#include "http.h"
#include "params.h"

/* Answers the single JSON value of a result with status; 404 when it is NULL. */
void		respond_result(request *r, int status, PGresult *res);

/* Runs one statement for the tenant and answers its JSON value with status. */
void		respond_call(request *r, int status, stmt_id id, int n, const char *const *values);

/* Runs one statement for the tenant and answers 204 when it succeeds. */
void		respond_no_content(request *r, stmt_id id, int n, const char *const *values);

/* Runs a write that keeps its id in convdash_api.id, then the read of that id,
 * in one transaction and one round trip (the read functions are STABLE, so they
 * cannot see a write of their own statement); answers the read's JSON with status. */
void		respond_write_read(request *r, int status, stmt_id write, int n, const char *const *values,
							   stmt_id read);

/* Parses the body against spec into values[first..]; values[0] is the path id
 * when first is 1. Then runs write (+ read when read >= 0) and answers status. */
void		respond_ingest(request *r, int status, const body_field *spec, int n, int optional,
						   stmt_id write, stmt_id read);

/* conversations.c */
void		h_list_conversations(request *r);
void		h_conversation(request *r);
void		h_transcript(request *r);
void		h_client_data(request *r);
void		h_conversation_audio(request *r);
void		h_delete_conversation(request *r);
void		h_remove_rating(request *r);
void		h_start_conversation(request *r);
void		h_append_message(request *r);
void		h_close(request *r);
void		h_archive(request *r);
void		h_sentiment(request *r);
void		h_patch_conversation(request *r);
void		h_rate(request *r);
void		h_memory(request *r);

/* agents.c */
void		h_list_agents(request *r);
void		h_create_agent(request *r);

/* tracker.c */
void		h_tracker_session(request *r);
void		h_pageview(request *r);
void		h_event(request *r);

/* audio.c */
void		h_audio_get(request *r);
void		h_audio_peaks(request *r);
void		h_audio_put(request *r);

/* system.c */
void		h_healthz(request *r);
void		h_metrics(request *r);
void		serve_static(request *r);

#endif
