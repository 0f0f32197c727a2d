/*
 * tenancy.c
 *		The tenant of a transaction: proven by a credential, never declared.
 *
 * A transaction gets a tenant in one of three ways (DESIGN §3):
 *   - the HTTP service presents an API key to convdash.authenticate(), which
 *     checks it and installs a claim in the setting convdash.claim: the
 *     account and key id, signed (HMAC-SHA-256 under the installation secret,
 *     which only the extension owner can read) together with the
 *     transaction's identity (its leader backend and start time), so a claim
 *     copied into another transaction or altered is worthless;
 *   - a BI login that an admin bound to one account with
 *     convdash.grant_tenant_reader() (directly or through a role it belongs
 *     to) always has that account, whatever it sets;
 *   - an admin (a session user with the privileges of the extension owner)
 *     chooses any tenant with the setting convdash.account_id.
 * Anyone else has no tenant: row-level security shows no rows and
 * require_account() raises 42501. The answer is computed once per
 * transaction and cached, since row-level security asks for every row.
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/hmac.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/backendid.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "convdash.h"

PG_FUNCTION_INFO_V1(convdash_current_account);
PG_FUNCTION_INFO_V1(convdash_require_account);
PG_FUNCTION_INFO_V1(convdash_authenticate);
PG_FUNCTION_INFO_V1(convdash_claim_key_id);
PG_FUNCTION_INFO_V1(convdash_tenant_source);

#define SECRET_LEN 32
#define CLAIM_MAX 128
#define SETTING_MAX 64
#define KEY_CACHE_SIZE 16
/* how long a checked API key is trusted without looking again (revocation delay) */
#define KEY_CACHE_USEC (1000 * 1000)

/* Where the tenant of the transaction came from */
typedef enum tenant_source
{
	TENANT_NONE,				/* no credential at all */
	TENANT_BAD_CLAIM,			/* a claim that does not verify here */
	TENANT_IGNORED_SETTING,		/* convdash.account_id set by a non-admin */
	TENANT_BAD_SETTING,			/* an admin's convdash.account_id that is no id */
	TENANT_AMBIGUOUS_READER,	/* bound to more than one account */
	TENANT_CLAIM,				/* an API key's claim */
	TENANT_ADMIN,				/* the admin's convdash.account_id */
	TENANT_READER				/* a bound BI login */
} tenant_source;

static const char *const tenant_source_names[] = {
	[TENANT_NONE] = "none",
	[TENANT_BAD_CLAIM] = "invalid claim",
	[TENANT_IGNORED_SETTING] = "ignored setting",
	[TENANT_BAD_SETTING] = "malformed setting",
	[TENANT_AMBIGUOUS_READER] = "ambiguous reader",
	[TENANT_CLAIM] = "api key",
	[TENANT_ADMIN] = "admin",
	[TENANT_READER] = "reader",
};

/* The tenant resolved for one transaction and the inputs it was resolved from */
typedef struct tenant_cache
{
	bool		valid;
	BackendId	backend;
	TimestampTz xact_start;
	Oid			session_user;
	char		claim[CLAIM_MAX];
	char		setting[SETTING_MAX];
	tenant_source source;
	int64		account;
	int64		key_id;
} tenant_cache;

/* An API key checked recently: its SHA-256, account, id and when it was checked */
typedef struct key_cache_entry
{
	uint8		hash[PG_SHA256_DIGEST_LENGTH];
	int64		account;
	int64		key_id;
	TimestampTz checked;
} key_cache_entry;

static tenant_cache cached_tenant;
static key_cache_entry key_cache[KEY_CACHE_SIZE];
static int	key_cache_next;

/* the installation secret, read once per creation of its table */
static Oid	secret_relid = InvalidOid;
static uint8 secret[SECRET_LEN];

/* convdash.claim: the signed tenant claim of the transaction (defined in settings.c) */
char	   *convdash_claim = NULL;

/* The owner of a relation */
Oid
convdash_rel_owner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/* The relation convdash.<name>, or InvalidOid when the extension has none */
static Oid
convdash_rel(const char *name)
{
	Oid			nsp = get_namespace_oid("convdash", true);

	return OidIsValid(nsp) ? get_relname_relid(name, nsp) : InvalidOid;
}

/* The relation convdash.installation_secret, or InvalidOid when absent */
static Oid
secret_table(void)
{
	return convdash_rel("installation_secret");
}

/* Runs a read-only SPI query as the owner of rel; returns SPI_processed */
static uint64
spi_as_owner(Oid rel, const char *sql, int nargs, Oid *types, Datum *values)
{
	Oid			save_user;
	int			save_sec;
	Oid			owner = convdash_rel_owner(rel);
	int			rc;

	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(owner, save_sec | SECURITY_LOCAL_USERID_CHANGE);
	PG_TRY();
	{
		rc = SPI_execute_with_args(sql, nargs, types, values, NULL, true, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "convdash: SPI query failed: %s", SPI_result_code_string(rc));
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_user, save_sec);
	}
	PG_END_TRY();
	return SPI_processed;
}

/* Loads the installation secret into memory; false when the extension has none */
static bool
load_secret(void)
{
	Oid			rel = secret_table();
	bool		isnull;
	bytea	   *value;

	if (!OidIsValid(rel))
		return false;
	if (rel == secret_relid)
		return true;
	SPI_connect();
	if (spi_as_owner(rel, "SELECT secret FROM convdash.installation_secret", 0, NULL, NULL) != 1)
		elog(ERROR, "convdash: the installation secret is missing");
	value = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (isnull || VARSIZE_ANY_EXHDR(value) != SECRET_LEN)
		elog(ERROR, "convdash: the installation secret is malformed");
	memcpy(secret, VARDATA_ANY(value), SECRET_LEN);
	SPI_finish();
	secret_relid = rel;
	return true;
}

/* The backend that leads this transaction (a parallel worker's leader) */
static BackendId
leader_backend(void)
{
	return BackendIdForTempRelations();
}

/* Writes the hex MAC binding account and key to the current transaction */
static void
claim_mac(int64 account, int64 key_id, char *hex)
{
	char		msg[128];
	uint8		mac[CONVDASH_HMAC_LEN];
	int			len;

	len = snprintf(msg, sizeof(msg), "convdash-claim:" INT64_FORMAT ":" INT64_FORMAT ":%d:" INT64_FORMAT,
				   account, key_id, leader_backend(), (int64) GetCurrentTransactionStartTimestamp());
	convdash_hmac_sha256_raw(secret, SECRET_LEN, (const uint8 *) msg, len, mac);
	hex_encode((const char *) mac, CONVDASH_HMAC_LEN, hex);
	hex[2 * CONVDASH_HMAC_LEN] = '\0';
}

/* Compares two equal-length strings in time independent of their contents */
static bool
equal_const_time(const char *a, const char *b, size_t len)
{
	unsigned char diff = 0;

	for (size_t i = 0; i < len; i++)
		diff |= (unsigned char) a[i] ^ (unsigned char) b[i];
	return diff == 0;
}

/* Verifies a claim "account.key_id.mac" for this transaction; fills account and key id */
static bool
verify_claim(const char *claim, int64 *account, int64 *key_id)
{
	char		expected[2 * CONVDASH_HMAC_LEN + 1];
	const char *mac;
	int			consumed = 0;
	long long	a,
				k;

	if (sscanf(claim, "%lld.%lld.%n", &a, &k, &consumed) != 2 || consumed == 0 || a <= 0 || k <= 0)
		return false;
	mac = claim + consumed;
	if (strlen(mac) != 2 * CONVDASH_HMAC_LEN || !load_secret())
		return false;
	claim_mac(a, k, expected);
	if (!equal_const_time(mac, expected, 2 * CONVDASH_HMAC_LEN))
		return false;
	*account = a;
	*key_id = k;
	return true;
}

/* Parses the admin's convdash.account_id; 0 when it is not an account id */
static int64
parse_account_setting(const char *setting)
{
	int64		value = 0;
	size_t		len = strlen(setting);

	if (len == 0 || len > 18 || strspn(setting, "0123456789") != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		value = value * 10 + (setting[i] - '0');
	return value;
}

/* Whether the session user has the privileges of the extension owner */
static bool
session_is_admin(void)
{
	Oid			rel = secret_table();

	return OidIsValid(rel) && has_privs_of_role(GetSessionUserId(), convdash_rel_owner(rel));
}

/*
 * On a Citus worker the reader's policy runs inside a query on a shard, and
 * tenant_readers is a reference table there: Citus refuses a query on it
 * from within a shard query unless nested execution is allowed. Reading a
 * reference table's local placement is safe, so allow it for this one query.
 * Returns the GUC nest level to restore, or -1 when Citus is not loaded.
 */
static int
allow_nested_citus_read(void)
{
	int			level;

	if (GetConfigOption("citus.allow_nested_distributed_execution", true, false) == NULL)
		return -1;
	level = NewGUCNestLevel();
	(void) set_config_option("citus.allow_nested_distributed_execution", "on", PGC_SUSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return level;
}

/*
 * The account a BI login is bound to: sets *account, or returns the ambiguity.
 * The login goes by name: on Citus the query may run on another node's copy
 * of tenant_readers, where the same roles have other oids.
 */
static tenant_source
reader_binding(int64 *account)
{
	Oid			rel = convdash_rel("tenant_readers");
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(GetUserNameFromId(GetSessionUserId(), false))};
	tenant_source source = TENANT_NONE;
	uint64		n;
	bool		isnull;
	int			nested;

	if (!OidIsValid(rel))
		return TENANT_NONE;
	nested = allow_nested_citus_read();
	SPI_connect();
	n = spi_as_owner(rel,
					 "SELECT DISTINCT r.account_id FROM convdash.tenant_readers r"
					 " WHERE pg_catalog.pg_has_role($1::pg_catalog.name, r.role, 'MEMBER') LIMIT 2",
					 1, types, values);
	if (n == 1)
	{
		*account = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		source = TENANT_READER;
	}
	else if (n > 1)
		source = TENANT_AMBIGUOUS_READER;
	SPI_finish();
	if (nested >= 0)
		AtEOXact_GUC(true, nested);
	return source;
}

/* Copies a setting's value into a fixed buffer; false when it does not fit */
static bool
copy_setting(char *dst, size_t size, const char *value)
{
	if (value == NULL)
		value = "";
	if (strlen(value) >= size)
		return false;
	strcpy(dst, value);
	return true;
}

/* Resolves the tenant of the current transaction, from the cache when nothing changed */
static tenant_cache *
resolve_tenant(void)
{
	tenant_cache *t = &cached_tenant;
	const char *claim = convdash_claim ? convdash_claim : "";
	const char *setting = GetConfigOption("convdash.account_id", true, false);
	TimestampTz xact_start = GetCurrentTransactionStartTimestamp();
	bool		fits;

	if (setting == NULL)
		setting = "";
	if (t->valid && t->xact_start == xact_start && t->backend == leader_backend() &&
		t->session_user == GetSessionUserId() &&
		strcmp(t->claim, claim) == 0 && strcmp(t->setting, setting) == 0)
		return t;

	t->valid = false;
	fits = copy_setting(t->claim, CLAIM_MAX, claim) && copy_setting(t->setting, SETTING_MAX, setting);
	t->account = 0;
	t->key_id = 0;
	if (claim[0] != '\0')
		t->source = fits && verify_claim(claim, &t->account, &t->key_id) ? TENANT_CLAIM : TENANT_BAD_CLAIM;
	else if (session_is_admin())
	{
		t->account = fits ? parse_account_setting(setting) : 0;
		t->source = t->account > 0 ? TENANT_ADMIN : setting[0] != '\0' ? TENANT_BAD_SETTING : TENANT_NONE;
	}
	else
	{
		t->source = reader_binding(&t->account);
		if (t->source == TENANT_NONE && setting[0] != '\0')
			t->source = TENANT_IGNORED_SETTING;
	}
	t->backend = leader_backend();
	t->xact_start = xact_start;
	t->session_user = GetSessionUserId();
	t->valid = fits;
	return t;
}

/* Whether the resolved source grants a tenant */
static bool
has_tenant(const tenant_cache *t)
{
	return t->source == TENANT_CLAIM || t->source == TENANT_ADMIN || t->source == TENANT_READER;
}

/* The tenant of the current transaction, or NULL when it has none */
Datum
convdash_current_account(PG_FUNCTION_ARGS)
{
	tenant_cache *t = resolve_tenant();

	if (!has_tenant(t))
		PG_RETURN_NULL();
	PG_RETURN_INT64(t->account);
}

/* The tenant of the current transaction; raises 42501 saying why there is none */
int64
convdash_tenant(void)
{
	tenant_cache *t = resolve_tenant();

	switch (t->source)
	{
		case TENANT_CLAIM:
		case TENANT_ADMIN:
		case TENANT_READER:
			return t->account;
		case TENANT_BAD_CLAIM:
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("the tenant claim is not valid in this transaction"),
					 errdetail("A claim is installed by convdash.authenticate() and holds only for the transaction that ran it.")));
			break;
		case TENANT_IGNORED_SETTING:
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("no tenant is set"),
					 errdetail("convdash.account_id chooses the tenant only for admins; role \"%s\" is not one.",
							   GetUserNameFromId(GetSessionUserId(), false)),
					 errhint("Present an API key with convdash.authenticate(key), or have an admin bind this login with convdash.grant_tenant_reader().")));
			break;
		case TENANT_BAD_SETTING:
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("convdash.account_id is not an account id")));
			break;
		case TENANT_AMBIGUOUS_READER:
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("no tenant is set"),
					 errdetail("Role \"%s\" is bound to more than one account.",
							   GetUserNameFromId(GetSessionUserId(), false))));
			break;
		case TENANT_NONE:
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("no tenant is set"),
					 errhint("Present an API key with convdash.authenticate(key); admins run SELECT set_config('convdash.account_id', '<account id>', true).")));
			break;
	}
	pg_unreachable();
}

/* convdash.require_account(): convdash_tenant() for SQL */
Datum
convdash_require_account(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(convdash_tenant());
}

/* How the current transaction's tenant was established, as text */
Datum
convdash_tenant_source(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(tenant_source_names[resolve_tenant()->source]));
}

/* The API key id of the transaction's verified claim, or NULL */
Datum
convdash_claim_key_id(PG_FUNCTION_ARGS)
{
	tenant_cache *t = resolve_tenant();

	if (t->source != TENANT_CLAIM)
		PG_RETURN_NULL();
	PG_RETURN_INT64(t->key_id);
}

/* Looks a key hash up in the cache of recently checked keys */
static key_cache_entry *
key_cache_find(const uint8 *hash)
{
	TimestampTz now = GetCurrentTimestamp();

	for (int i = 0; i < KEY_CACHE_SIZE; i++)
		if (key_cache[i].checked != 0 && memcmp(key_cache[i].hash, hash, sizeof(key_cache[i].hash)) == 0)
			return now - key_cache[i].checked < KEY_CACHE_USEC ? &key_cache[i] : NULL;
	return NULL;
}

/* Checks a key against convdash.api_keys; fills account and id, false when not live */
static bool
key_lookup(const char *key, const uint8 *hash, int64 *account, int64 *key_id)
{
	Oid			rel = convdash_rel("api_keys");
	Oid			types[2] = {TEXTOID, BYTEAOID};
	Datum		values[2];
	bytea	   *hash_datum = (bytea *) palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	bool		found;
	bool		isnull;

	SET_VARSIZE(hash_datum, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	memcpy(VARDATA(hash_datum), hash, PG_SHA256_DIGEST_LENGTH);
	values[0] = CStringGetTextDatum(key);
	values[1] = PointerGetDatum(hash_datum);
	SPI_connect();
	found = spi_as_owner(rel,
						 "SELECT k.account_id, k.id FROM convdash.api_keys k"
						 " WHERE k.account_id OPERATOR(pg_catalog.=) convdash.api_key_account($1)"
						 " AND k.key_hash OPERATOR(pg_catalog.=) $2 AND k.revoked_at IS NULL",
						 2, types, values) == 1;
	if (found)
	{
		*account = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		*key_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	}
	SPI_finish();
	return found;
}

/* Remembers a live key for KEY_CACHE_USEC */
static void
key_cache_store(const uint8 *hash, int64 account, int64 key_id)
{
	key_cache_entry *e = &key_cache[key_cache_next];

	key_cache_next = (key_cache_next + 1) % KEY_CACHE_SIZE;
	memcpy(e->hash, hash, sizeof(e->hash));
	e->account = account;
	e->key_id = key_id;
	e->checked = GetCurrentTimestamp();
}

/* Writes the SHA-256 of a key */
static void
key_hash(const char *key, size_t len, uint8 *hash)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (ctx == NULL || pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) key, len) < 0 ||
		pg_cryptohash_final(ctx, hash, PG_SHA256_DIGEST_LENGTH) < 0)
		elog(ERROR, "could not compute SHA-256");
	pg_cryptohash_free(ctx);
}

/*
 * Checks an API key and, when it is live, installs its signed tenant claim
 * for the current transaction; returns the account id, or NULL (and no claim)
 * for an unknown, malformed or revoked key.
 */
Datum
convdash_authenticate(PG_FUNCTION_ARGS)
{
	char	   *key;
	uint8		hash[PG_SHA256_DIGEST_LENGTH];
	key_cache_entry *hit;
	int64		account,
				key_id;
	char		claim[CLAIM_MAX];
	char		mac[2 * CONVDASH_HMAC_LEN + 1];

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	key = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (strlen(key) > 200)
		PG_RETURN_NULL();
	key_hash(key, strlen(key), hash);
	hit = key_cache_find(hash);
	if (hit != NULL)
	{
		account = hit->account;
		key_id = hit->key_id;
	}
	else if (key_lookup(key, hash, &account, &key_id))
		key_cache_store(hash, account, key_id);
	else
		PG_RETURN_NULL();

	if (!load_secret())
		elog(ERROR, "convdash: the installation secret is missing");
	claim_mac(account, key_id, mac);
	snprintf(claim, sizeof(claim), INT64_FORMAT "." INT64_FORMAT ".%s", account, key_id, mac);
	/* PGC_SUSET: only this function may set it; local: it ends with the transaction */
	(void) set_config_option("convdash.claim", claim, PGC_SUSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	PG_RETURN_INT64(account);
}
