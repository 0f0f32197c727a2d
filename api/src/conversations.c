/* /api/v1/conversations: list and search, detail, transcript, client data,
 * audio list, deletion, and the ingest routes of a conversation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

/* Typed check of the list parameters (the list and the export share it);
 * the SQL functions check their domains. */
int list_params_ok(request *r)
{
	const char *count = http_param(r, "count");

	if (query_list(r, "status", 0) < 0 || query_list(r, "channel", 0) < 0 ||
		query_list(r, "agent_id", 1) < 0 || query_integer(r, "min_rating", INT32_MIN, INT32_MAX) < 0 ||
		query_date(r, "date_from") < 0 || query_date(r, "date_to") < 0 ||
		query_integer(r, "limit", INT32_MIN, INT32_MAX) < 0)
		return -1;
	if (count != NULL && strcmp(count, "exact") != 0)
	{
		http_fail(r, 400, "count", "count must be \"exact\" when given");
		return -1;
	}
	return 0;
}

/* Fills values[0..LIST_FILTERS-1] with the list's filters, search, sort and
 * order, in the order of the list's and the export's statements. */
void list_filter_values(const request *r, const char **values)
{
	values[0] = http_param(r, "status");
	values[1] = http_param(r, "channel");
	values[2] = http_param(r, "agent_id");
	values[3] = http_param(r, "min_rating");
	values[4] = http_param(r, "date_from");
	values[5] = http_param(r, "date_to");
	values[6] = http_param(r, "q");
	values[7] = http_param(r, "sort");
	values[8] = http_param(r, "order");
}

/* GET /api/v1/conversations: filtered, sorted, keyset-paged list or search
 * (match=substring|words and sort=relevance are checked by the SQL function). */
void h_list_conversations(request *r)
{
	const char *values[13];

	if (list_params_ok(r) != 0)
		return;
	list_filter_values(r, values);
	values[9] = http_param(r, "limit");
	values[10] = http_param(r, "cursor");
	values[11] = http_param(r, "count") ? "true" : "false";
	values[12] = http_param(r, "match");
	respond_call(r, 200, ST_LIST, 13, values);
}

/* GET /api/v1/conversations/{id}: the detail panel. */
void h_conversation(request *r)
{
	const char *values[1] = {r->id_text[0]};

	respond_call(r, 200, ST_DETAIL, 1, values);
}

/* GET /api/v1/conversations/{id}/messages: one transcript page, newest first. */
void h_transcript(request *r)
{
	const char *values[3] = {r->id_text[0], http_param(r, "page"), http_param(r, "per_page")};

	if (query_integer(r, "page", INT32_MIN, INT32_MAX) < 0 ||
		query_integer(r, "per_page", INT32_MIN, INT32_MAX) < 0)
		return;
	if (values[1] == NULL)
		values[1] = "1";
	if (values[2] == NULL)
		values[2] = "50";
	respond_call(r, 200, ST_TRANSCRIPT, 3, values);
}

/* GET /api/v1/conversations/{id}/client-data: memory, tracker session, pageviews, events. */
void h_client_data(request *r)
{
	const char *values[1] = {r->id_text[0]};

	respond_call(r, 200, ST_CLIENT_DATA, 1, values);
}

/* GET /api/v1/conversations/{id}/audio: the clips in playback order. */
void h_conversation_audio(request *r)
{
	const char *values[1] = {r->id_text[0]};

	respond_call(r, 200, ST_CONV_AUDIO, 1, values);
}

/* DELETE /api/v1/conversations/{id}: everything of it, large objects included. */
void h_delete_conversation(request *r)
{
	const char *values[1] = {r->id_text[0]};

	respond_no_content(r, ST_DELETE, 1, values);
}

/* DELETE /api/v1/conversations/{id}/rating: idempotent. */
void h_remove_rating(request *r)
{
	const char *values[1] = {r->id_text[0]};

	respond_no_content(r, ST_REMOVE_RATING, 1, values);
}

/* POST /api/v1/conversations: starts one; answers its detail. */
void h_start_conversation(request *r)
{
	static const body_field spec[] = {
		{"agent_id", B_BIGINT}, {"session_id", B_TEXT}, {"channel", B_TEXT},
		{"handled_by", B_TEXT}, {"started_at", B_TIME}, {"tracker_session_id", B_BIGINT}};

	respond_ingest(r, 201, spec, lengthof(spec), 0, ST_START_CONVERSATION);
}

/* POST /api/v1/conversations/{id}/messages: appends one; answers the message. */
void h_append_message(request *r)
{
	static const body_field spec[] = {
		{"role", B_TEXT}, {"content", B_TEXT}, {"prompt_tokens", B_INT},
		{"completion_tokens", B_INT}, {"created_at", B_TIME}};

	respond_ingest(r, 201, spec, lengthof(spec), 0, ST_APPEND_MESSAGE);
}

/* POST /api/v1/conversations/{id}/close: body optional. */
void h_close(request *r)
{
	static const body_field spec[] = {{"end_reason", B_TEXT}, {"ended_at", B_TIME}};

	respond_ingest(r, 200, spec, lengthof(spec), 1, ST_CLOSE);
}

/* POST /api/v1/conversations/{id}/archive: no body (or {}). */
void h_archive(request *r)
{
	respond_ingest(r, 200, NULL, 0, 1, ST_ARCHIVE);
}

/* PUT /api/v1/conversations/{id}/sentiment. */
void h_sentiment(request *r)
{
	static const body_field spec[] = {{"label", B_TEXT}, {"score", B_NUMBER}};

	respond_ingest(r, 200, spec, lengthof(spec), 0, ST_SENTIMENT);
}

/* PATCH /api/v1/conversations/{id}: {converted}. */
void h_patch_conversation(request *r)
{
	static const body_field spec[] = {{"converted", B_BOOL}};

	respond_ingest(r, 200, spec, lengthof(spec), 0, ST_CONVERTED);
}

/* PUT /api/v1/conversations/{id}/rating. */
void h_rate(request *r)
{
	static const body_field spec[] = {{"score", B_INT}, {"comment", B_TEXT}};

	respond_ingest(r, 200, spec, lengthof(spec), 0, ST_RATE);
}

/* PATCH /api/v1/conversations/{id}/memory: a JSON merge patch (null removes a key). */
void h_memory(request *r)
{
	const char *values[2];
	char	   *patch;

	if (body_object(r, &patch) != 0)
		return;
	values[0] = r->id_text[0];
	values[1] = patch;
	respond_call(r, 200, ST_MEMORY, 2, values);
	free(patch);
}
