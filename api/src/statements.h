/* Every SQL statement the service runs: fixed text with bound parameters,
 * prepared once per connection. Nothing here is ever built from input. */
#ifndef CONVDASH_STATEMENTS_H
#define CONVDASH_STATEMENTS_H

typedef enum stmt_id
{
	ST_NONE = -1,			/* no statement */
	ST_TENANT,
	ST_AUTH,
	ST_PING,
	ST_LIST,
	ST_DETAIL,
	ST_TRANSCRIPT,
	ST_CLIENT_DATA,
	ST_CONV_AUDIO,
	ST_AUDIO_RANGE,
	ST_AUDIO_PEAKS,
	ST_DELETE,
	ST_REMOVE_RATING,
	ST_LIST_AGENTS,
	ST_CREATE_AGENT,
	ST_START_CONVERSATION,
	ST_APPEND_MESSAGE,
	ST_CLOSE,
	ST_ARCHIVE,
	ST_SENTIMENT,
	ST_CONVERTED,
	ST_RATE,
	ST_MEMORY,
	ST_TRACKER_SESSION,
	ST_PAGEVIEW,
	ST_EVENT,
	ST_AUDIO_BEGIN,
	ST_AUDIO_WRITE,
	ST_AUDIO_FINISH,
	ST_IDEM_BEGIN,
	ST_IDEM_FINISH,
	ST_EXPORT_CSV,
	ST_EXPORT_JSON,
	ST_EXPORT_FETCH,
	ST_EXPORT_FETCH_FEW,
	ST_EVENTS_HEAD,
	ST_EVENTS_AFTER,
	ST_COUNT
} stmt_id;

typedef struct statement
{
	const char *name;			/* prepared statement name */
	const char *sql;
	int			binary_result;	/* 1: ask for the result in binary (bytea; jsonb then has a version byte) */
	int			read_only;		/* 1: safe to retry on a fresh connection */
} statement;

extern const statement statements[ST_COUNT];

/* The number of parameters of a statement: the highest $n in its text. */
int			statement_nparams(stmt_id id);

/* The form of a statement that checks the API key itself (the key as its
 * last parameter; no row when the key is not live), or NULL when it has none. */
const statement *statement_keyed(stmt_id id);

/* The number of elements of an array. */
#define lengthof(a) ((int) (sizeof(a) / sizeof((a)[0])))

#endif
