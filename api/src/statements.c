/* Every SQL statement the service runs: fixed text with bound parameters,
 * prepared once per connection. Casts make each parameter's type explicit,
 * so a value that is not of its type fails as 22P02 (400), never as SQL.
 *
 * ST_TENANT presents the API key to convdash.authenticate(), which makes its
 * account the tenant of the transaction (a claim the database signed; the
 * service cannot set a tenant itself): an unknown or revoked key installs
 * none, so require_account() raises 42501 and the rest of the pipeline is
 * skipped (the service answers 401). The database backend caches key checks
 * for 1 s. The write statements keep the id they return in the transaction
 * setting convdash_api.id, so the read of that id (a STABLE function, which
 * could not see a write of its own statement) follows in the same round trip. */
#include "statements.h"

const statement statements[ST_COUNT] = {
	[ST_TENANT] = {"cd_tenant",
		"SELECT convdash.require_account() FROM (SELECT convdash.authenticate($1)) AS t", 0, 1},
	[ST_AUTH] = {"cd_auth", "SELECT convdash.authenticate($1)", 0, 1},
	[ST_PING] = {"cd_ping", "SELECT 1", 0, 1},
	[ST_LIST] = {"cd_list",
		"SELECT convdash.list_conversations(pg_catalog.string_to_array($1, ','),"
		" pg_catalog.string_to_array($2, ','), pg_catalog.string_to_array($3, ',')::bigint[],"
		" $4::integer, $5::text, $6::text, $7::text, $8::text, $9::text, $10::integer, $11::text, $12::boolean)", 0, 1},
	[ST_DETAIL] = {"cd_detail", "SELECT convdash.conversation_detail($1::bigint)", 0, 1},
	[ST_TRANSCRIPT] = {"cd_transcript", "SELECT convdash.transcript($1::bigint, $2::integer, $3::integer)", 0, 1},
	[ST_CLIENT_DATA] = {"cd_client_data", "SELECT convdash.client_data($1::bigint)", 0, 1},
	[ST_CONV_AUDIO] = {"cd_conv_audio", "SELECT convdash.conversation_audio($1::bigint)", 0, 1},
	[ST_AUDIO_INFO] = {"cd_audio_info", "SELECT convdash.audio_info($1::bigint)", 0, 1},
	[ST_AUDIO_READ] = {"cd_audio_read", "SELECT convdash.audio_read($1::bigint, $2::bigint, $3::integer)", 1, 1},
	[ST_AUDIO_PEAKS] = {"cd_audio_peaks", "SELECT convdash.audio_peaks($1::bigint, $2::integer)", 0, 1},
	[ST_DELETE] = {"cd_delete", "SELECT convdash.delete_conversation($1::bigint)", 0, 0},
	[ST_REMOVE_RATING] = {"cd_remove_rating", "SELECT convdash.remove_rating($1::bigint)", 0, 0},
	[ST_LIST_AGENTS] = {"cd_list_agents", "SELECT convdash.list_agents()", 0, 1},
	[ST_DETAIL_LAST] = {"cd_detail_last",
		"SELECT convdash.conversation_detail(pg_catalog.current_setting('convdash_api.id')::bigint)", 0, 0},
	[ST_AGENT_LAST] = {"cd_agent_last",
		"SELECT convdash.agent(pg_catalog.current_setting('convdash_api.id')::bigint)", 0, 0},
	[ST_MESSAGE_LAST] = {"cd_message_last",
		"SELECT convdash.message(pg_catalog.current_setting('convdash_api.id')::bigint)", 0, 0},
	[ST_CREATE_AGENT] = {"cd_create_agent",
		"SELECT pg_catalog.set_config('convdash_api.id', convdash.create_agent($1::text, $2::text, $3::text)::text, true)", 0, 0},
	[ST_START_CONVERSATION] = {"cd_start_conversation",
		"SELECT pg_catalog.set_config('convdash_api.id',"
		" convdash.start_conversation($1::bigint, $2::text, $3::text, $4::text, $5::timestamptz, $6::bigint)::text, true)", 0, 0},
	[ST_APPEND_MESSAGE] = {"cd_append_message",
		"SELECT pg_catalog.set_config('convdash_api.id',"
		" convdash.append_message($1::bigint, $2::text, $3::text, $4::integer, $5::integer, $6::timestamptz)::text, true)", 0, 0},
	[ST_CLOSE] = {"cd_close",
		"SELECT pg_catalog.set_config('convdash_api.id',"
		" convdash.close_conversation($1::bigint, $2::text, $3::timestamptz)::text, true)", 0, 0},
	[ST_ARCHIVE] = {"cd_archive",
		"SELECT pg_catalog.set_config('convdash_api.id',"
		" convdash.archive_conversation($1::bigint)::text, true)", 0, 0},
	[ST_SENTIMENT] = {"cd_sentiment",
		"SELECT pg_catalog.set_config('convdash_api.id',"
		" convdash.set_sentiment($1::bigint, $2::text, $3::double precision)::text, true)", 0, 0},
	[ST_CONVERTED] = {"cd_converted",
		"SELECT pg_catalog.set_config('convdash_api.id',"
		" convdash.set_converted($1::bigint, $2::boolean)::text, true)", 0, 0},
	[ST_RATE] = {"cd_rate",
		"SELECT pg_catalog.set_config('convdash_api.id',"
		" convdash.rate_conversation($1::bigint, $2::integer, $3::text)::text, true)", 0, 0},
	[ST_MEMORY] = {"cd_memory",
		"SELECT pg_catalog.jsonb_build_object('memory', convdash.merge_memory($1::bigint, $2::jsonb))", 0, 0},
	[ST_TRACKER_SESSION] = {"cd_tracker_session",
		"SELECT pg_catalog.jsonb_build_object('id', convdash.create_tracker_session($1::text, $2::text, $3::text,"
		" $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, $10::timestamptz, $11::integer,"
		" $12::integer, $13::boolean))", 0, 0},
	[ST_PAGEVIEW] = {"cd_pageview",
		"SELECT pg_catalog.jsonb_build_object('id', convdash.add_pageview($1::bigint, $2::text, $3::text,"
		" coalesce($4::integer, 0), coalesce($5::integer, 0), $6::timestamptz))", 0, 0},
	[ST_EVENT] = {"cd_event",
		"SELECT pg_catalog.jsonb_build_object('id', convdash.add_event($1::bigint, $2::text, $3::text,"
		" $4::timestamptz, $5::text, $6::text, $7::jsonb))", 0, 0},
	[ST_AUDIO_BEGIN] = {"cd_audio_begin", "SELECT convdash.audio_begin($1::bigint, $2::text, $3::integer)", 0, 0},
	[ST_AUDIO_WRITE] = {"cd_audio_write", "SELECT convdash.audio_write($1::bigint, $2::bytea)", 0, 0},
	[ST_AUDIO_FINISH] = {"cd_audio_finish", "SELECT convdash.audio_finish($1::bigint)", 0, 0},
};
