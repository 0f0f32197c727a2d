/* Every SQL statement the service runs: fixed text with bound parameters,
 * prepared once per connection. Casts make each parameter's type explicit,
 * so a value that is not of its type fails as 22P02 (400), never as SQL.
 * Calls name their arguments (conversation_id => $1), so a parameter added
 * to a SQL function cannot silently shift the others; the number of $n in a
 * text must equal the values a handler passes (db.c checks it).
 *
 * ST_TENANT presents the API key to convdash.authenticate(), which makes its
 * account the tenant of the transaction (a claim the database signed; the
 * service cannot set a tenant itself): an unknown or revoked key installs
 * none, so require_account() raises 42501 and the rest of the pipeline is
 * skipped (the service answers 401). The database backend caches key checks
 * for 1 s. A statement marked TENANT_HERE checks the key itself instead, in
 * the same statement (statement_keyed): the call is evaluated over the one
 * row authenticate() gives for a live key, so a bad key gives no row and the
 * call never runs (db.c answers 401 for no row; a 42501 of the call stays its
 * own). One statement per request, not two: less backend work per call. The
 * tenant is established only by these two (db.c, db_send_call).
 *
 * A write answers with the row it wrote in the same statement: the read
 * functions (agent, message, conversation_detail) are VOLATILE, so they see
 * the write of the call they wrap. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statements.h"

/* Where a statement can check the key itself: a FROM (and WHERE) goes there. */
#define TENANT_MARK "/*tenant*/"
#define TENANT_HERE " " TENANT_MARK

/* What replaces TENANT_MARK; %d is the key's parameter, after the call's own.
 * FROM is evaluated before the target list, and its one row only exists when
 * authenticate() accepted the key (and installed its claim). */
#define TENANT_FROM "FROM (SELECT convdash.authenticate(key => $%d) AS account OFFSET 0) AS tenant" \
	" WHERE tenant.account IS NOT NULL"

/* The list's filters, search, sort and order as arguments $1..$9 (list and export). */
#define FILTER_ARGS \
	"status => pg_catalog.string_to_array($1, ','), channel => pg_catalog.string_to_array($2, ','),"\
	" agent_id => pg_catalog.string_to_array($3, ',')::bigint[], min_rating => $4::integer,"\
	" date_from => $5::text, date_to => $6::text, q => $7::text, sort => $8::text, \"order\" => $9::text"

const statement statements[ST_COUNT] = {
	[ST_TENANT] = {"cd_tenant",
		"SELECT convdash.require_account() FROM (SELECT convdash.authenticate(key => $1)) AS t", 0, 1},
	[ST_AUTH] = {"cd_auth", "SELECT convdash.authenticate(key => $1)", 0, 1},
	[ST_PING] = {"cd_ping", "SELECT 1", 0, 1},
	[ST_LIST] = {"cd_list",
		"SELECT convdash.list_conversations(" FILTER_ARGS ","
		" \"limit\" => $10::integer, cursor => $11::text, with_total => $12::boolean, match => $13::text)" TENANT_HERE, 0, 1},
	[ST_DETAIL] = {"cd_detail", "SELECT convdash.conversation_detail(conversation_id => $1::bigint)" TENANT_HERE, 0, 1},
	[ST_TRANSCRIPT] = {"cd_transcript",
		"SELECT convdash.transcript(conversation_id => $1::bigint, page => $2::integer, per_page => $3::integer)" TENANT_HERE, 0, 1},
	[ST_CLIENT_DATA] = {"cd_client_data", "SELECT convdash.client_data(conversation_id => $1::bigint)" TENANT_HERE, 0, 1},
	[ST_CONV_AUDIO] = {"cd_conv_audio", "SELECT convdash.conversation_audio(conversation_id => $1::bigint)" TENANT_HERE, 0, 1},
	[ST_AUDIO_RANGE] = {"cd_audio_range",
		/* called in a subquery, not in FROM: a function scan stores the row
		 * (64 KiB) in a tuplestore first, 30% slower measured */
		"SELECT (s.r).bytes, (s.r).mime, (s.r).sha256, (s.r).data FROM (SELECT convdash.audio_range("
		"clip_id => $1::bigint, \"offset\" => $2::bigint, length => $3::integer) AS r" TENANT_HERE " OFFSET 0) AS s", 1, 1},
	[ST_AUDIO_PEAKS] = {"cd_audio_peaks",
		"SELECT convdash.audio_peaks(clip_id => $1::bigint, buckets => $2::integer)" TENANT_HERE, 0, 1},
	[ST_DELETE] = {"cd_delete", "SELECT convdash.delete_conversation(conversation_id => $1::bigint)" TENANT_HERE, 0, 0},
	[ST_REMOVE_RATING] = {"cd_remove_rating", "SELECT convdash.remove_rating(conversation_id => $1::bigint)" TENANT_HERE, 0, 0},
	[ST_LIST_AGENTS] = {"cd_list_agents", "SELECT convdash.list_agents()" TENANT_HERE, 0, 1},
	[ST_CREATE_AGENT] = {"cd_create_agent",
		"SELECT convdash.agent(convdash.create_agent(name => $1::text, company => $2::text, mode => $3::text))" TENANT_HERE, 0, 0},
	[ST_START_CONVERSATION] = {"cd_start_conversation",
		"SELECT convdash.conversation_detail(convdash.start_conversation(agent_id => $1::bigint,"
		" session_id => $2::text, channel => $3::text, handled_by => $4::text, started_at => $5::timestamptz,"
		" tracker_session_id => $6::bigint))" TENANT_HERE, 0, 0},
	[ST_APPEND_MESSAGE] = {"cd_append_message",
		"SELECT convdash.message(convdash.append_message(conversation_id => $1::bigint, role => $2::text,"
		" content => $3::text, prompt_tokens => $4::integer, completion_tokens => $5::integer,"
		" created_at => $6::timestamptz))" TENANT_HERE, 0, 0},
	[ST_CLOSE] = {"cd_close",
		"SELECT convdash.conversation_detail(convdash.close_conversation(conversation_id => $1::bigint,"
		" end_reason => $2::text, ended_at => $3::timestamptz))" TENANT_HERE, 0, 0},
	[ST_ARCHIVE] = {"cd_archive",
		"SELECT convdash.conversation_detail(convdash.archive_conversation(conversation_id => $1::bigint))" TENANT_HERE, 0, 0},
	[ST_SENTIMENT] = {"cd_sentiment",
		"SELECT convdash.conversation_detail(convdash.set_sentiment(conversation_id => $1::bigint,"
		" label => $2::text, score => $3::double precision))" TENANT_HERE, 0, 0},
	[ST_CONVERTED] = {"cd_converted",
		"SELECT convdash.conversation_detail(convdash.set_converted(conversation_id => $1::bigint,"
		" converted => $2::boolean))" TENANT_HERE, 0, 0},
	[ST_RATE] = {"cd_rate",
		"SELECT convdash.conversation_detail(convdash.rate_conversation(conversation_id => $1::bigint,"
		" score => $2::integer, comment => $3::text))" TENANT_HERE, 0, 0},
	[ST_MEMORY] = {"cd_memory",
		"SELECT pg_catalog.jsonb_build_object('memory', convdash.merge_memory(conversation_id => $1::bigint,"
		" patch => $2::jsonb))" TENANT_HERE, 0, 0},
	[ST_TRACKER_SESSION] = {"cd_tracker_session",
		"SELECT pg_catalog.jsonb_build_object('id', convdash.create_tracker_session(device => $1::text,"
		" browser => $2::text, os => $3::text, country => $4::text, city => $5::text, landing_page => $6::text,"
		" traffic_source => $7::text, utm_source => $8::text, utm_medium => $9::text,"
		" started_at => $10::timestamptz, duration_seconds => $11::integer, pages_visited => $12::integer,"
		" bounce => $13::boolean))" TENANT_HERE, 0, 0},
	[ST_PAGEVIEW] = {"cd_pageview",
		"SELECT pg_catalog.jsonb_build_object('id', convdash.add_pageview(tracker_session_id => $1::bigint,"
		" url => $2::text, title => $3::text, time_spent_seconds => coalesce($4::integer, 0),"
		" scroll_depth => coalesce($5::integer, 0), viewed_at => $6::timestamptz))" TENANT_HERE, 0, 0},
	[ST_EVENT] = {"cd_event",
		"SELECT pg_catalog.jsonb_build_object('id', convdash.add_event(tracker_session_id => $1::bigint,"
		" name => $2::text, type => $3::text, occurred_at => $4::timestamptz, trigger_name => $5::text,"
		" trigger_action => $6::text, trigger_data => $7::jsonb))" TENANT_HERE, 0, 0},
	[ST_AUDIO_BEGIN] = {"cd_audio_begin",
		"SELECT convdash.audio_begin(message_id => $1::bigint, mime => $2::text, duration_ms => $3::integer)" TENANT_HERE, 0, 0},
	[ST_AUDIO_WRITE] = {"cd_audio_write", "SELECT convdash.audio_write(clip_id => $1::bigint, data => $2::bytea)", 0, 0},
	[ST_AUDIO_FINISH] = {"cd_audio_finish", "SELECT convdash.audio_finish(clip_id => $1::bigint)", 0, 0},
	/* Idempotency-Key: the first answer (status, body) or NULLs when the write should run */
	[ST_IDEM_BEGIN] = {"cd_idem_begin",
		"SELECT (r ->> 'status')::integer, r -> 'body'"
		" FROM (SELECT convdash.idempotency_begin(key => $1::text, request => $2::text) AS r" TENANT_HERE
		" OFFSET 0) AS s", 0, 0},
	[ST_IDEM_FINISH] = {"cd_idem_finish",
		"SELECT convdash.idempotency_finish(key => $1::text, status => $2::integer, body => $3::jsonb)", 0, 0},
	/* the export (export.c): a cursor of the snapshot transaction, read in batches */
	[ST_EXPORT_CSV] = {"cd_export_csv",
		"DECLARE cd_export NO SCROLL CURSOR FOR SELECT * FROM convdash.export_conversations_csv("
		FILTER_ARGS ")", 0, 1},
	[ST_EXPORT_JSON] = {"cd_export_json",
		"DECLARE cd_export NO SCROLL CURSOR FOR SELECT * FROM convdash.export_conversations_json("
		FILTER_ARGS ", include_messages => $10::boolean)", 0, 1},
	[ST_EXPORT_FETCH] = {"cd_export_fetch", "FETCH 1000 FROM cd_export", 0, 1},
	[ST_EXPORT_FETCH_FEW] = {"cd_export_fetch_few", "FETCH 50 FROM cd_export", 0, 1},
	[ST_EVENTS_HEAD] = {"cd_events_head", "SELECT id, tx FROM convdash.events_head()", 0, 1},
	[ST_EVENTS_AFTER] = {"cd_events_after",
		"SELECT id, tx, type, conversation_id, data FROM convdash.events_after(after => $1::bigint,"
		" after_tx => $2::bigint, max_rows => $3::integer)", 0, 1},
};

/* The number of parameters of a statement: the highest $n in its text. */
int statement_nparams(stmt_id id)
{
	const char *p;
	int			max = 0;

	for (p = statements[id].sql; *p != '\0'; p++)
	{
		int			n = 0;

		if (*p != '$')
			continue;
		while (p[1] >= '0' && p[1] <= '9')
			n = n * 10 + (*++p - '0');
		if (n > max)
			max = n;
	}
	return max;
}

static statement keyed[ST_COUNT];
static pthread_once_t keyed_once = PTHREAD_ONCE_INIT;

/* Builds the key-checking form of every statement marked TENANT_HERE. */
static void keyed_build(void)
{
	int			id;

	for (id = 0; id < ST_COUNT; id++)
	{
		const char *mark = strstr(statements[id].sql, TENANT_MARK);
		char		from[sizeof TENANT_FROM + 16];
		size_t		len;
		char	   *name,
				   *sql;

		if (mark == NULL)
			continue;
		snprintf(from, sizeof from, TENANT_FROM, statement_nparams(id) + 1);
		len = strlen(statements[id].sql) - strlen(TENANT_MARK) + strlen(from) + 1;
		name = malloc(strlen(statements[id].name) + 3);
		sql = malloc(len);
		if (name == NULL || sql == NULL)
			abort();
		sprintf(name, "%s_k", statements[id].name);
		snprintf(sql, len, "%.*s%s%s", (int) (mark - statements[id].sql), statements[id].sql, from,
				 mark + strlen(TENANT_MARK));
		keyed[id] = statements[id];
		keyed[id].name = name;
		keyed[id].sql = sql;
	}
}

/* The form of a statement that checks the API key itself (the key as its
 * last parameter; no row when the key is not live), or NULL when it has none. */
const statement *statement_keyed(stmt_id id)
{
	pthread_once(&keyed_once, keyed_build);
	return keyed[id].sql != NULL ? &keyed[id] : NULL;
}
